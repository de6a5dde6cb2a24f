# SPDX-License-Identifier: BSD-3-Clause
"""Case: bench/wake_tail's bound on the sleeper's wait (-b) and its
periodic timer (-p).

Setup: none; wake_tail pins its two threads to CPUs 0 and 1.
Checks:
  - `wake_tail -b 300 100 20 100` exits 0, says the wait is bounded at
    300 us, and prints one table row per gap (20 and 100 us), each with
    100 rounds and a sleeper CPU figure;
  - `wake_tail -p 300 100 20` exits 0, says a timer wakes the sleeper
    every 300 us, prints the row for gap 20 and a count of the timer's
    own wake-ups for it;
  - without -b or -p it prints neither line;
  - -b 0, -b x, -b 1000000 (not under a second) and -b 120 with a gap of
    100 (the bound must be 50 us above every gap, or the sleeper would
    time out before the signal and time the wrong round) exit 2 with a
    message naming -b; so do -p 0 and -b 300 -p 300 (one or the other).
Usage: test_wake_tail.py WAKE_TAIL
"""

import sys

from tail_tools import check_refused, report, rows, run


def main():
    prog = sys.argv[1]
    failures = []
    r = run(prog, ["-b", "300", "100", "20", "100"])
    table = rows(r.stdout, 9)
    if r.returncode != 0 or "bounded at 300 us" not in r.stdout or \
            sorted(table) != [20, 100] or \
            any(c[1] != "100" or float(c[8]) <= 0 for c in table.values()):
        failures.append("-b 300 100 20 100: exit %d, output:\n%s%s" % (
            r.returncode, r.stdout, r.stderr))
    r = run(prog, ["-p", "300", "100", "20"])
    if r.returncode != 0 or "by a timer every 300 us" not in r.stdout or \
            sorted(rows(r.stdout, 9)) != [20] or \
            "gap 20 us: " not in r.stdout or \
            "wake-ups by the timer alone in 100 rounds" not in r.stdout:
        failures.append("-p 300 100 20: exit %d, output:\n%s%s" % (
            r.returncode, r.stdout, r.stderr))
    r = run(prog, ["100", "20"])
    if r.returncode != 0 or "bounded" in r.stdout or "timer" in r.stdout \
            or sorted(rows(r.stdout, 9)) != [20]:
        failures.append("100 20: exit %d, output:\n%s%s" % (
            r.returncode, r.stdout, r.stderr))
    bad = (["-b", "0"], ["-b", "x"], ["-b", "1000000"],
           ["-b", "120", "100", "100"], ["-p", "0"],
           ["-b", "300", "-p", "300"])
    check_refused(prog, [(a, [o for o in a if o.startswith("-")][-1])
                         for a in bad], failures)
    report(failures, "ok wake_tail -b/-p: bounded, periodic and plain runs, "
           "6 bad options refused")


if __name__ == "__main__":
    main()
