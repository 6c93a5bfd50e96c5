#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that ktap.py turns every kind of broken guest run into a failure.

Feeds 'ktap.py parse' made-up console logs: a clean run, a panic before
any result, a run cut short, a missing planned result, a suite that
failed with no failing test, a missing expected suite, a timeout; skips
of a case or a whole suite, allowed by --skip or not; a 'not ok' with a
SKIP directive; a poweroff that hung after the tests; results beyond a
plan, a suite reported twice, a case number or name repeated, top-level
numbers out of sequence; a --filter that matches a test or none. Exits
1 and says which case went wrong if any verdict differs.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402

GOOD = """[    1.0] boot messages
==== MKTEST BEGIN ====
KTAP version 1
1..2
    KTAP version 1
    # Subtest: suite_a
    1..2
    ok 1 one
    ok 2 two
ok 1 suite_a
    KTAP version 1
    # Subtest: prog
    TAP version 13
    1..1
    ok 1 global.only
ok 2 prog
==== MKTEST END ====
"""

SKIPPED_CASE = GOOD.replace("    ok 1 global.only",
                            "    ok 1 global.only # SKIP no")
# What a kselftest that exits 4 (ksft_exit_skip) gives, through init.
SKIPPED_PROG = GOOD.replace("    1..1\n    ok 1 global.only\nok 2 prog",
                            "    1..0 # SKIP no device\nok 2 prog # SKIP")
KERNEL_LOG_ONLY = """==== MKTEST BEGIN ====
KTAP version 1
1..1
    KTAP version 1
    # Subtest: kernel_log
    1..1
    ok 1 clean
ok 1 kernel_log
==== MKTEST END ====
"""
BOTH = ["suite_a", "prog"]

CASES = [
    # name, log, qemu rc, expected suites and options, wanted
    # (PASS, FAIL, SKIP) or None for at least one failure
    ("clean run", GOOD, 0, BOTH, (3, 0, 0)),
    ("panic before results",
     "[ 1.0] Kernel panic - not syncing: oops\n", 0, ["suite_a"], (0, 1, 0)),
    ("hang until the boot timeout",
     "[ 1.0] booting\n", 124, [], (0, 1, 0)),
    ("run cut short", GOOD.split("ok 1 suite_a")[0], 0, [], None),
    ("missing planned result",
     GOOD.replace("    ok 2 two\n", ""), 0, [], None),
    ("suite failed without a failing test",
     GOOD.replace("ok 2 prog", "not ok 2 prog # exit code 139"), 0, [],
     None),
    ("missing suite",
     GOOD.replace("1..2\n    KTAP", "1..3\n    KTAP", 1), 0, [], None),
    ("expected suite absent", GOOD, 0, ["suite_a", "prog", "other"], None),
    ("failing test", GOOD.replace("    ok 2 two", "    not ok 2 two"), 0,
     [], (2, 1, 0)),
    ("skipped test", SKIPPED_CASE, 0, ["--skip", "prog.only"], (2, 0, 1)),
    ("unexpected skip of a case", SKIPPED_CASE, 0, [], (2, 1, 0)),
    ("skip of a case allowed by its suite's name", SKIPPED_CASE, 0,
     ["suite_a", "--skip", "prog", "prog"], (2, 0, 1)),
    ("unexpected skip of an unnamed case",
     GOOD.replace("    ok 1 global.only", "    ok 1 # SKIP no"), 0, [],
     (2, 1, 0)),
    ("unexpected skip of a whole selftest (exit 4)", SKIPPED_PROG, 0, BOTH,
     (2, 1, 0)),
    ("skip of a whole selftest allowed", SKIPPED_PROG, 0,
     BOTH + ["--skip", "prog"], (2, 0, 1)),
    ("unexpected plan 1..0 # SKIP under an 'ok'",
     SKIPPED_PROG.replace("ok 2 prog # SKIP", "ok 2 prog"), 0, BOTH,
     (2, 1, 0)),
    ("unexpected skip of a suite whose cases passed",
     GOOD.replace("ok 2 prog", "ok 2 prog # SKIP"), 0, BOTH, (3, 1, 0)),
    ("allowed skip that did not happen", GOOD, 0,
     ["--skip", "suite_a.three", "--skip", "other"], (3, 0, 0)),
    ("'not ok' with a SKIP directive",
     GOOD.replace("    ok 2 two", "    not ok 2 two # SKIP"), 0,
     ["--skip", "suite_a"], (2, 1, 0)),
    ("'not ok' suite with a SKIP directive",
     GOOD.replace("ok 2 prog", "not ok 2 prog # SKIP"), 0, [], (3, 1, 0)),
    ("poweroff hung after the tests", GOOD, 124, BOTH, (3, 1, 0)),
    ("more suites than the plan",
     GOOD.replace("ok 2 prog\n", "ok 2 prog\nok 3 extra\n"), 0, [],
     (4, 1, 0)),
    ("suite reported twice", GOOD.replace("ok 2 prog", "ok 2 suite_a"), 0,
     [], (3, 1, 0)),
    ("more cases than the suite's plan",
     GOOD.replace("    ok 2 two\n", "    ok 2 two\n    ok 3 three\n"), 0,
     [], (4, 1, 0)),
    ("case number repeated", GOOD.replace("    ok 2 two", "    ok 1 two"),
     0, [], (3, 1, 0)),
    ("case name repeated", GOOD.replace("    ok 2 two", "    ok 2 one"), 0,
     [], (3, 1, 0)),
    ("suite numbers out of sequence",
     GOOD.replace("ok 2 prog", "ok 3 prog"), 0, [], (3, 1, 0)),
    ("filter matching a suite", GOOD, 0, ["--filter", "suite_a"], (3, 0, 0)),
    ("filter matching a case", GOOD, 0, ["--filter", "prog.only"],
     (3, 0, 0)),
    ("filter matching no test", GOOD, 0, ["--filter", "typo"], (3, 1, 0)),
    ("filter matching only the start of a name", GOOD, 0,
     ["--filter", "suite"], (3, 1, 0)),
    ("filter matching a missing case", GOOD, 0, ["--filter", "suite_a.six"],
     (3, 1, 0)),
    ("filter matching only kernel_log", KERNEL_LOG_ONLY, 0,
     ["--filter", "pool_test"], (1, 1, 0)),
]


def verdict(log, rc, args):
    """Run 'ktap.py parse' on LOG and return its (PASS, FAIL, SKIP)."""
    with tempfile.TemporaryDirectory() as tmp:
        log_file = os.path.join(tmp, "t.log")
        out = os.path.join(tmp, "t.results")
        with open(log_file, "w") as f:
            f.write(log)
        ktap.main(["ktap.py", "parse", "t", log_file, str(rc), out, *args])
        with open(out) as f:
            status = [ln.split("\t", 1)[0] for ln in f]
    return tuple(status.count(s) for s in ("PASS", "FAIL", "SKIP"))


def main():
    bad = 0
    for name, log, rc, args, wanted in CASES:
        got = verdict(log, rc, args)
        ok = got == wanted if wanted else got[1] >= 1
        if not ok:
            bad += 1
            print(f"ktap.py misjudges '{name}': pass/fail/skip {got}, "
                  f"wanted {wanted or 'at least one failure'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
