# SPDX-License-Identifier: BSD-3-Clause
"""Case: a user's first command, `<script> --help`, works.

Setup: none (the script is run as a user would: bash for *.sh, python3 for
*.py, the binary itself otherwise), with stdin closed.
Check: exit status 0 within 60 s, and the output has a usage line.
Usage: test_help.py PROGRAM [ARG...]   (--help is appended)
"""

import os
import subprocess
import sys


def main():
    prog = sys.argv[1:]
    if not prog:
        sys.exit("usage: test_help.py PROGRAM [ARG...]")
    path = prog[0]
    if path.endswith(".sh"):
        prog = ["bash"] + prog
    elif path.endswith(".py"):
        prog = [sys.executable] + prog
    try:
        r = subprocess.run(prog + ["--help"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"")
        if isinstance(out, bytes):
            out = out.decode("utf-8", "replace")
        sys.exit("FAIL %s --help: still running after 60 s (it did not "
                 "stop at --help); output so far:\n%s" % (path, out[-2000:]))
    out = r.stdout + r.stderr
    if r.returncode != 0:
        sys.exit("FAIL %s --help: exit status %d, expected 0; output:\n%s"
                 % (path, r.returncode, out[-3000:]))
    if "usage" not in out.lower():
        sys.exit("FAIL %s --help: exit 0 but no usage line; output:\n%s"
                 % (path, out[-3000:]))
    print("ok %s --help (%d lines)" % (os.path.basename(path),
                                       len(out.splitlines())))


if __name__ == "__main__":
    main()
