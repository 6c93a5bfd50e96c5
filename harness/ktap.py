#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the guest's KTAP output into results, and results into a table.

  ktap.py parse BOOT LOG QEMU_RC OUT [--skip NAME]... [--filter T]
                [EXPECTED_SUITE...]
      Read the block between the MKTEST markers of LOG and write one
      result per line to OUT: STATUS<TAB>NAME<TAB>DETAIL, NAME being
      'BOOT: SUITE' or 'BOOT: SUITE.CASE'. Options may come anywhere
      after OUT. These are all failures:
        - a boot that printed no complete block, or a QEMU_RC other than
          0 (124, a timeout, included: after the END marker it means the
          poweroff hung);
        - a missing planned result, and a result beyond a plan;
        - a top-level number out of sequence, a suite reported twice, a
          case number or name repeated within its suite;
        - a suite that failed without a failing test;
        - a missing expected suite;
        - a 'not ok' result, whatever its directive: it is never a skip;
        - a skip, of a case or of a whole suite ('# SKIP' on its result,
          or a plan of 1..0), that no --skip allows. '--skip SUITE.CASE'
          allows that case to skip, '--skip SUITE' the suite and any of
          its cases; an allowed skip that does not happen is no error;
        - with --filter T (a suite or SUITE.CASE), no result but
          kernel_log's named T, T.*, or a case of suite T.

  ktap.py report RESULTS...
      Print the table and the closing 'N passed, N failed, N skipped'
      line; exit 1 if anything failed.
"""

import argparse
import os
import re
import sys
from collections import Counter

BEGIN = "==== MKTEST BEGIN ===="
END = "==== MKTEST END ===="
RESULT = re.compile(r"^(not ok|ok) (\d+)(?: (.*?))??(?: # (.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)(?:\s*#\s*(.*))?")
SKIP = re.compile(r"^skip\w*[\s:]*", re.IGNORECASE)
TAIL = 40


def tail(lines, n=TAIL):
    return "\n".join("      | " + ln for ln in lines[-n:])


def is_skip(directive):
    return bool(SKIP.match(directive or ""))


def skip_reason(directive):
    return SKIP.sub("", directive or "", count=1).strip()


def status_of(ok, directive):
    if ok == "not ok":
        return "FAIL"
    return "SKIP" if is_skip(directive) else "PASS"


def failure(directive, default):
    """The detail of a 'not ok' result."""
    if is_skip(directive):
        return f"'not ok' with '# {directive}' (a 'not ok' is never a skip)"
    return directive or default


def suite_verdicts(suite, ok, directive, plan, plan_directive, leaves):
    """Yield (STATUS, SUITE, NAME, DETAIL) for a finished suite.

    LEAVES are its (NUMBER, STATUS, CASE, DETAIL) results; PLAN is None
    when it printed no plan.
    """
    failed = skipped = False
    for _, status, case, detail in leaves:
        yield status, suite, f"{suite}.{case}", detail
        failed |= status == "FAIL"
        skipped |= status == "SKIP"
    problems = []
    if plan is not None and len(leaves) < plan:
        problems.append(f"{plan - len(leaves)} of {plan} planned results "
                        "missing")
    if plan is not None and len(leaves) > plan:
        problems.append(f"more results ({len(leaves)}) than the plan "
                        f"1..{plan}")
    for what, column in (("number", 0), ("name", 2)):
        counts = Counter(leaf[column] for leaf in leaves)
        repeated = [value for value, n in counts.items() if n > 1]
        if repeated:
            problems.append(f"test {what} repeated: {', '.join(repeated)}")
    for problem in problems:
        yield "FAIL", suite, suite, problem
    failed |= bool(problems)
    status = status_of(ok, directive)
    if status == "FAIL":
        if not (failed and leaves):
            yield "FAIL", suite, suite, failure(directive, "suite failed")
    elif (status == "SKIP" and not skipped) or (plan == 0 and not leaves):
        reason = skip_reason(directive) or skip_reason(plan_directive)
        yield "SKIP", suite, suite, f"SKIP {reason}".rstrip()
    elif not leaves:
        yield status, suite, suite, directive or ""


def verdicts(lines, qemu_rc, expected):
    """Yield (STATUS, SUITE, NAME, DETAIL) for the MKTEST block of LINES.

    SUITE is None for a result about the boot as a whole.
    """
    try:
        start = lines.index(BEGIN)
    except ValueError:
        why = "timed out" if qemu_rc == 124 else "gave no results"
        yield ("FAIL", None, "boot", f"the guest {why} (panic, hang or "
               f"early crash); log tail:\n{tail(lines)}")
        return
    try:
        end = lines.index(END, start)
        ended = True
    except ValueError:
        why = "timed out" if qemu_rc == 124 else "stopped"
        yield ("FAIL", None, "boot", f"the guest {why} in the middle of the "
               f"tests; log tail:\n{tail(lines)}{QEMU_LOG}")
        end = len(lines)
        ended = False

    top_plan = None
    seen = 0
    last = 0
    reported = set()
    leaves = []
    plan = plan_directive = None
    diag = []
    for raw in lines[start + 1:end]:
        if raw.startswith("["):
            continue                    # a kernel message, not KTAP
        stripped = raw.lstrip(" ")
        depth = (len(raw) - len(stripped)) // 4
        if depth == 0:
            m = PLAN.match(stripped)
            if m and top_plan is None:
                top_plan = int(m.group(1))
                continue
            m = RESULT.match(stripped)
            if not m:
                continue
            ok, number, suite, directive = m.groups()
            seen += 1
            suite = suite or "?"
            if int(number) != last + 1:
                yield ("FAIL", None, "ktap", f"result {number} ({suite}) "
                       f"follows result {last}")
            last = int(number)
            if suite in reported:
                yield "FAIL", suite, suite, "reported more than once"
            reported.add(suite)
            yield from suite_verdicts(suite, ok, directive, plan,
                                      plan_directive, leaves)
            if suite in expected:
                expected.remove(suite)
            leaves, plan, plan_directive, diag = [], None, None, []
        elif depth == 1:
            m = PLAN.match(stripped)
            if m and plan is None:
                plan, plan_directive = int(m.group(1)), m.group(2)
                continue
            m = RESULT.match(stripped)
            if m:
                ok, number, name, directive = m.groups()
                status = status_of(ok, directive)
                detail = directive or ""
                if status == "FAIL":
                    detail = failure(directive, "failed") + (
                        "; its output:\n" + "\n".join(
                            "      | " + d for d in diag[-15:]))
                name = (name or "?").removeprefix("global.")
                leaves.append((number, status, name, detail))
                diag = []
            elif stripped.startswith("#"):
                diag.append(stripped)
        elif stripped.startswith("#"):
            diag.append(stripped)

    if top_plan is None:
        yield "FAIL", None, "ktap", "no plan line"
    elif seen < top_plan:
        yield ("FAIL", None, "ktap", f"{top_plan - seen} of {top_plan} "
               f"suites missing; log tail:\n{tail(lines[:end])}")
    elif seen > top_plan:
        yield ("FAIL", None, "ktap", f"more results ({seen}) than the plan "
               f"1..{top_plan}")
    for suite in expected:
        yield "FAIL", suite, suite, "expected suite did not report"
    if qemu_rc == 124 and ended:
        yield ("FAIL", None, "qemu", "qemu timed out after the tests ended "
               "(poweroff hung)")
    elif qemu_rc not in (0, 124):
        yield "FAIL", None, "qemu", f"qemu exited with {qemu_rc}"


def matches(filt, suite, name):
    """Does result NAME of SUITE answer the filter SUITE[.CASE]?

    A kselftest fixture's cases are reported as SUITE.FIXTURE.CASE, and
    the guest runs them with -t CASE: the fixture may stand between.
    """
    if suite == "kernel_log":
        return False
    fsuite, _, case = filt.partition(".")
    return (name == filt or name.startswith(filt + ".") or suite == filt or
            (case and suite == fsuite and name.endswith("." + case)))


QEMU_LOG = "\x00qemu-log"


def qemu_log(log):
    """What QEMU's own log (qemu.sh's -D) says about how the guest ended."""
    path = os.path.splitext(log)[0] + ".qemu.log"
    try:
        with open(path, errors="replace") as f:
            lines = [ln.rstrip("\n") for ln in f]
    except OSError:
        return ""
    faults = [ln for ln in lines if "fault" in ln.lower()]
    return (f"\n    QEMU's log ({path}), faults: {len(faults)}; its tail:\n"
            f"{tail(faults[-5:] + lines[-8:])}")


def parse(boot, log, qemu_rc, expected, skips=(), filt=""):
    """Return the (STATUS, 'BOOT: NAME', DETAIL) results of one boot's LOG.

    EXPECTED lists the suites that must report, SKIPS the cases and
    suites allowed to skip; FILT, when not empty, must match a result.
    """
    with open(log, errors="replace") as f:
        lines = [ln.rstrip("\r\n") for ln in f]
    skips = set(skips)
    results = []
    names = []
    for status, suite, name, detail in verdicts(lines, qemu_rc,
                                                list(expected)):
        if status == "SKIP" and not {suite, name} & skips:
            status = "FAIL"
            detail = ("unexpected skip: "
                      f"{skip_reason(detail) or 'no reason given'}")
        if QEMU_LOG in (detail or ""):
            detail = detail.replace(QEMU_LOG, qemu_log(log))
        results.append((status, f"{boot}: {name}", detail))
        names.append((suite, name))
    if filt and not any(matches(filt, *sn) for sn in names):
        results.append(("FAIL", f"{boot}: filter",
                        f"filter '{filt}' matched no test"))
    return results


def report(files):
    rows = []
    for fn in files:
        with open(fn) as f:
            for ln in f:
                st, name, detail = (ln.rstrip("\n").split("\t") + ["", ""])[:3]
                rows.append((st, name, detail.replace("\\n", "\n")))
    width = max([len(r[1]) for r in rows] + [10])
    print(f"{'RESULT':6}  TEST")
    for st, name, detail in rows:
        line = f"{st:6}  {name:{width}}"
        if st != "PASS" and detail:
            first, _, rest = detail.partition("\n")
            line += f"  {first}"
            if rest and st == "FAIL":
                line += "\n" + rest
        print(line.rstrip())
    p = sum(r[0] == "PASS" for r in rows)
    f = sum(r[0] == "FAIL" for r in rows)
    s = sum(r[0] == "SKIP" for r in rows)
    if not rows:
        f = 1
        print("FAIL    no test ran")
    print(f"{p} passed, {f} failed, {s} skipped")
    return 1 if f else 0


def parse_args(args):
    p = argparse.ArgumentParser(prog="ktap.py parse", allow_abbrev=False)
    p.add_argument("boot", metavar="BOOT")
    p.add_argument("log", metavar="LOG")
    p.add_argument("qemu_rc", metavar="QEMU_RC", type=int)
    p.add_argument("out", metavar="OUT")
    p.add_argument("expected", metavar="EXPECTED_SUITE", nargs="*")
    p.add_argument("--skip", metavar="NAME", action="append", default=[],
                   help="a case (SUITE.CASE) or suite allowed to skip")
    p.add_argument("--filter", metavar="T", default="",
                   help="the suite or SUITE.CASE the guest was told to run")
    return p.parse_intermixed_args(args)


def main(argv):
    if len(argv) >= 2 and argv[1] == "parse":
        a = parse_args(argv[2:])
        res = parse(a.boot, a.log, a.qemu_rc, a.expected, a.skip, a.filter)
        with open(a.out, "w") as f:
            for st, name, detail in res:
                detail = detail.replace("\n", "\\n")
                f.write(f"{st}\t{name}\t{detail}\n")
        return 0
    if len(argv) >= 2 and argv[1] == "report":
        return report(argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
