# SPDX-License-Identifier: BSD-3-Clause
"""Case: bench/nap_tail naps as asked and refuses what it cannot do.

Setup: none; nap_tail pins its threads to CPUs 0 and 1.
Checks:
  - `nap_tail -i 1 50 100` exits 0, says CPU 0 is idle, and prints one
    table row per nap length (50 and 100 us), each with more than 1000
    naps and no more than a second holds (1 s / (NAP_US + 5 us), the 5
    us of work between naps: a tool that did not nap, or napped
    milliseconds, fails), percentiles
    that do not decrease (p50 <= p99 <= p99.9 <= max), and counts of
    late naps that fit (over 50 ms <= over 10 ms <= naps);
  - `nap_tail 1 50` (CPU 0 busy) says so and prints the one row;
  - SECONDS 0, x and 3601, and NAP_US 0, x and 1000001 exit 2 with a
    message naming SECONDS or NAP_US.
Usage: test_nap_tail.py NAP_TAIL
"""

import sys

from tail_tools import check_refused, report, rows, run


def sane(cells):
    nap = int(cells[0])
    naps, p50, p99, p999 = (int(c) for c in cells[1:5])
    max_ms = float(cells[5])
    over10, over50 = int(cells[6]), int(cells[7])
    return (1000 < naps <= 1000000 // (nap + 5) and p50 <= p99 <= p999 and
            p999 / 1000.0 <= max_ms + 0.001 and over50 <= over10 <= naps)


def main():
    prog = sys.argv[1]
    failures = []
    r = run(prog, ["-i", "1", "50", "100"])
    table = rows(r.stdout, 8)
    if r.returncode != 0 or "CPU 0 idle" not in r.stdout or \
            sorted(table) != [50, 100] or \
            not all(sane(c) for c in table.values()):
        failures.append("-i 1 50 100: exit %d, output:\n%s%s" % (
            r.returncode, r.stdout, r.stderr))
    r = run(prog, ["1", "50"])
    table = rows(r.stdout, 8)
    if r.returncode != 0 or "CPU 0 busy" not in r.stdout or \
            sorted(table) != [50] or not sane(table[50]):
        failures.append("1 50: exit %d, output:\n%s%s" % (
            r.returncode, r.stdout, r.stderr))
    bad = [(["0"], "SECONDS"), (["x"], "SECONDS"), (["3601"], "SECONDS"),
           (["1", "0"], "NAP_US"), (["1", "x"], "NAP_US"),
           (["1", "1000001"], "NAP_US")]
    check_refused(prog, bad, failures)
    report(failures, "ok nap_tail: idle and busy runs, %d bad arguments "
           "refused" % len(bad))


if __name__ == "__main__":
    main()
