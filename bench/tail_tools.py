# SPDX-License-Identifier: BSD-3-Clause
"""What the tests of bench/wake_tail and bench/nap_tail share: running the
tool, and reading the markdown table it prints."""

import subprocess
import sys


def run(prog, args, timeout=120):
    return subprocess.run([prog] + args, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def rows(out, ncols):
    """{first cell as int: cells} of the table's data rows of ncols."""
    found = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == ncols and cells[0].isdigit():
            found[int(cells[0])] = cells
    return found


def check_refused(prog, cases, failures):
    """Each (args, name) must exit 2 with a message naming name."""
    for args, name in cases:
        r = run(prog, args)
        if r.returncode != 2 or name not in r.stderr:
            failures.append("%s: exit %d, expected 2 with a message naming "
                            "%s; stderr: %r" % (" ".join(args), r.returncode,
                                                name, r.stderr))


def report(failures, ok):
    """Print the failures and exit 1, or print ok."""
    for f in failures:
        print("FAIL " + f)
    if failures:
        sys.exit(1)
    print(ok)
