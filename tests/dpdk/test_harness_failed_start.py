# SPDX-License-Identifier: BSD-3-Clause
"""Case: a testpmd that exits at start (here --nb-cores=7 on two cores)
leaves no EAL files behind when a test starts it with `with`.

Python calls no __exit__ after a failed __enter__, so the harness cleans
up in __enter__ itself. Expect: HarnessError naming the first prompt, and
no EAL runtime directory of its --file-prefix afterwards
(harness.runtime_dir(): /var/run/dpdk/<prefix> for root,
$XDG_RUNTIME_DIR/dpdk/<prefix> or /tmp/dpdk/<prefix> otherwise). It fails
with the harness before that clean-up (the runtime directory stayed).
Usage: test_harness_failed_start.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def main():
    t = h.Testpmd("failstart", vdevs=["net_null0"], fwd_lcore=1,
                  args=["--nb-cores=7"])
    try:
        with t:
            h.check(False, "testpmd started with --nb-cores=7")
    except h.HarnessError as e:
        h.check("first prompt" in str(e), "unexpected error: %s" % e)
    left = h.runtime_dir(t.prefix)
    h.check(not os.path.exists(left), "left behind: %s" % left)
    print("ok: the failed start raised and left no %s" % left)


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, h.HarnessError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    print("PASS")
