#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that ktap.py turns every kind of broken guest run into a failure.

Feeds it made-up console logs: a clean run, a panic before any result,
a run cut short, a missing planned result, a suite that failed with no
failing test, a missing expected suite, a timeout, a skip. Exits 1 and
says which case went wrong if any verdict differs.
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

CASES = [
    # name, log, qemu rc, expected suites, wanted (PASS, FAIL, SKIP)
    ("clean run", GOOD, 0, ["suite_a", "prog"], (3, 0, 0)),
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
    ("skipped test",
     GOOD.replace("    ok 1 global.only", "    ok 1 global.only # SKIP no"),
     0, [], (2, 0, 1)),
]


def main():
    bad = 0
    for name, log, rc, expected, wanted in CASES:
        with tempfile.NamedTemporaryFile("w", suffix=".log") as f:
            f.write(log)
            f.flush()
            res = ktap.parse("t", f.name, rc, list(expected))
        got = tuple(sum(r[0] == s for r in res) for s in ("PASS", "FAIL", "SKIP"))
        ok = got == wanted if wanted else got[1] >= 1
        if not ok:
            bad += 1
            print(f"ktap.py misjudges '{name}': pass/fail/skip {got}, "
                  f"wanted {wanted or 'at least one failure'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
