#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check one variant of handshake.pml exhaustively with spin.

    run_model.py MODEL {event_idx|flags} {correct|no_p_fence|no_c_fence|no_recheck}

correct:  pan must finish the full state space with 0 errors, no "max
          search depth too small", and every statement of the producer, the
          consumer and the monitor reached (the model is not vacuous).
a mutant: pan must report at least one error, the monitor's assertion
          (the system at rest with the consumer asleep on work it has not
          consumed: a lost wake-up); the shortest trail is replayed and
          printed as the counterexample.
pan is generated and built in a temporary directory. Exit 0 pass, 1 fail,
77 skip (spin or a C compiler missing).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

MUTANTS = {
    "correct": [],
    "no_p_fence": ["-DNO_P_FENCE"],
    "no_c_fence": ["-DNO_C_FENCE"],
    "no_recheck": ["-DNO_RECHECK"],
}
VARIANTS = {"event_idx": ["-DEVENT_IDX"], "flags": []}
MAX_DEPTH = "1000000"
# What pan says when the monitor of handshake.pml catches a lost wake-up.
LOST_WAKEUP = "assertion violated (consumed==published)"


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    return p.returncode, p.stdout


def fail(msg, out=""):
    print("FAIL: " + msg)
    if out:
        print(out)
    return 1


def unreached(out, proc):
    """Statements of proctype proc pan never reached (its closing "-end-"
    aside: the consumer never returns), or None if pan did not say."""
    m = re.search(r"unreached in proctype %s\n(.*?)\(\d+ of \d+ states\)"
                  % proc, out, re.S)
    if m is None:
        return None
    return [ln.strip() for ln in m.group(1).splitlines()
            if ln.strip() and '"-end-"' not in ln]


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in VARIANTS or \
            sys.argv[3] not in MUTANTS:
        print(__doc__)
        return 2
    model, variant, mutant = sys.argv[1:]
    cc = shutil.which("gcc") or shutil.which("cc")
    if shutil.which("spin") is None or cc is None:
        print("SKIP: spin or a C compiler not found")
        return 77
    defs = VARIANTS[variant] + MUTANTS[mutant]
    name = "%s/%s" % (variant, mutant)
    with tempfile.TemporaryDirectory(prefix="vspin-model-") as tmp:
        shutil.copy(model, tmp)
        pml = os.path.basename(model)
        rc, out = run(["spin"] + defs + ["-a", pml], tmp)
        if rc != 0:
            return fail("%s: spin -a failed" % name, out)
        # No partial-order reduction: plain exhaustive search, still quick.
        # A mutant's search is iterated to its shortest counterexample
        # (-i, which needs -DREACH) to print a readable trail.
        short = [] if mutant == "correct" else ["-DREACH"]
        # -O0: gcc takes ~2 s over pan.c at -O2, more than the search
        # (0.3-0.6 s) it would speed up.
        rc, out = run([cc, "-O0", "-w", "-DSAFETY", "-DNOREDUCE"] + short +
                      ["-o", "pan", "pan.c"], tmp)
        if rc != 0:
            return fail("%s: building pan failed" % name, out)
        rc, out = run(["./pan", "-m" + MAX_DEPTH] +
                      (["-i"] if short else []), tmp)
        m = re.search(r"errors: (\d+)", out)
        if m is None:
            return fail("%s: no 'errors:' line from pan" % name, out)
        errors = int(m.group(1))
        stored = re.search(r"(\d+) states, stored", out)
        stored = stored.group(1) if stored else "?"
        if "search depth too small" in out:
            return fail("%s: search incomplete (depth too small)" % name, out)
        if mutant == "correct":
            if errors != 0:
                rc, trail = run(["spin", "-t"] + defs + [pml], tmp)
                return fail("%s: %d errors in the correct model" %
                            (name, errors), out + trail)
            if "Full statespace search" not in out:
                return fail("%s: not a full state space search" % name, out)
            for proc in ("producer", "consumer", "monitor"):
                left = unreached(out, proc)
                if left is None or left:
                    return fail("%s: statements of %s unreached: %s" %
                                (name, proc, left), out)
            print("PASS %s: 0 errors, %s states, full search, every "
                  "statement reached" % (name, stored))
            return 0
        if errors < 1:
            return fail("%s: mutant passed (0 errors): the model cannot "
                        "see this bug" % name, out)
        if LOST_WAKEUP not in out:
            return fail("%s: error found, but not a lost wake-up" % name, out)
        rc, trail = run(["spin", "-t"] + defs + [pml], tmp)
        print("PASS %s: %d error(s), the consumer asleep at rest with work "
              "left: a lost wake-up. Counterexample:" % (name, errors))
        print(trail)
        return 0


if __name__ == "__main__":
    sys.exit(main())
