#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the guest's KTAP output into results, and results into a table.

  ktap.py parse BOOT LOG QEMU_RC OUT [EXPECTED_SUITE...]
      Read the block between the MKTEST markers of LOG and write one
      result per line to OUT: STATUS<TAB>NAME<TAB>DETAIL. A boot that
      printed no complete block, a missing planned result, a suite that
      failed without a failing test, and a missing expected suite are all
      failures.

  ktap.py report RESULTS...
      Print the table and the closing 'N passed, N failed, N skipped'
      line; exit 1 if anything failed.
"""

import re
import sys

BEGIN = "==== MKTEST BEGIN ===="
END = "==== MKTEST END ===="
RESULT = re.compile(r"^(not ok|ok) (\d+)(?: (.*?))?(?: # (.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)")
TAIL = 40


def tail(lines, n=TAIL):
    return "\n".join("      | " + ln for ln in lines[-n:])


def status_of(ok, directive):
    d = (directive or "").upper()
    if d.startswith("SKIP"):
        return "SKIP"
    return "PASS" if ok == "ok" else "FAIL"


def parse(boot, log, qemu_rc, expected):
    with open(log, errors="replace") as f:
        lines = [ln.rstrip("\r\n") for ln in f]
    results = []

    def add(status, name, detail=""):
        results.append((status, f"{boot}: {name}", detail))

    try:
        start = lines.index(BEGIN)
    except ValueError:
        why = "timed out" if qemu_rc == 124 else "gave no results"
        add("FAIL", "boot", f"the guest {why} (panic, hang or early crash); "
            f"log tail:\n{tail(lines)}")
        return results
    try:
        end = lines.index(END, start)
    except ValueError:
        why = "timed out" if qemu_rc == 124 else "stopped"
        add("FAIL", "boot", f"the guest {why} in the middle of the tests; "
            f"log tail:\n{tail(lines)}")
        end = len(lines)

    top_plan = None
    seen = 0
    leaves = []
    plan = None
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
            ok, _, suite, directive = m.groups()
            seen += 1
            suite = suite or "?"
            status = status_of(ok, directive)
            failed = False
            for lst, lname, ldetail in leaves:
                lname = lname.removeprefix("global.")
                add(lst, f"{suite}.{lname}", ldetail)
                failed |= lst == "FAIL"
            if plan is not None and len(leaves) < plan:
                add("FAIL", f"{suite}", f"{plan - len(leaves)} of {plan} "
                    "planned results missing")
                failed = True
            if status == "FAIL" and not failed:
                add("FAIL", suite, directive or "suite failed")
            elif not leaves:
                add(status, suite, directive or "")
            if suite in expected:
                expected.remove(suite)
            leaves, plan, diag = [], None, []
        elif depth == 1:
            m = PLAN.match(stripped)
            if m and plan is None:
                plan = int(m.group(1))
                continue
            m = RESULT.match(stripped)
            if m:
                ok, _, name, directive = m.groups()
                status = status_of(ok, directive)
                detail = directive or ""
                if status == "FAIL":
                    detail = "failed; its output:\n" + "\n".join(
                        "      | " + d for d in diag[-15:])
                leaves.append((status, name or "?", detail))
                diag = []
            elif stripped.startswith("#"):
                diag.append(stripped)
        elif stripped.startswith("#"):
            diag.append(stripped)

    if top_plan is None:
        add("FAIL", "ktap", "no plan line")
    elif seen < top_plan:
        add("FAIL", "ktap", f"{top_plan - seen} of {top_plan} suites missing;"
            f" log tail:\n{tail(lines[:end])}")
    for suite in expected:
        add("FAIL", suite, "expected suite did not report")
    if qemu_rc not in (0, 124):
        add("FAIL", "qemu", f"qemu exited with {qemu_rc}")
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


def main(argv):
    if len(argv) >= 5 and argv[1] == "parse":
        boot, log, rc, out = argv[2], argv[3], int(argv[4]), argv[5]
        res = parse(boot, log, rc, list(argv[6:]))
        with open(out, "w") as f:
            for st, name, detail in res:
                f.write(f"{st}\t{name}\t{detail.replace(chr(10), chr(92) + 'n')}\n")
        return 0
    if len(argv) >= 2 and argv[1] == "report":
        return report(argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
