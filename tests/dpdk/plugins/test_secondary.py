# SPDX-License-Identifier: BSD-3-Clause
"""A secondary process next to a primary that runs our ports.

Case secondary_process
  Primary: testpmd on hugepages with net_vhost_spin0 (iface, nobody
  connected) and net_virtio_spin0 (server=1, no backend), both plugins.
  Secondary: Debian's dpdk-proc-info --file-prefix <the primary's> with
  both plugins, -- --stats, as a user reads statistics.
Expected: the secondary fails cleanly (exit status not 0, no signal), each
  port's probe saying "secondary processes are not supported" (the guide
  lists primary process only; telemetry reads the ports from another
  process); the primary runs on: it still answers for both ports and
  quits with status 0.
"""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness  # noqa: E402


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def secondary_process():
    tool = shutil.which("dpdk-proc-info")
    check(tool, "dpdk-proc-info not in PATH (Debian package dpdk)")
    plugins = [harness.plugin("vhost_spin"), harness.plugin("virtio_spin")]
    with harness.private_dir() as d:
        primary = harness.Testpmd(
            "primary", vdevs=["net_vhost_spin0,iface=%s/h.sock" % d,
                              "net_virtio_spin0,path=%s/g.sock,server=1" % d],
            plugins=plugins, fwd_lcore=1, mem=["-m", "256"])
        with primary:
            argv = [tool, "--file-prefix", primary.prefix]
            for p in plugins:
                argv += ["-d", p]
            r = subprocess.run(argv + ["--", "--stats"], capture_output=True,
                               text=True, timeout=60,
                               env=harness.testpmd_env(), check=False)
            out = r.stdout + r.stderr
            print(out[-1500:])
            check(r.returncode > 0, "dpdk-proc-info exit status %d, "
                  "expected a failure" % r.returncode)
            for name in ("net_vhost_spin0", "net_virtio_spin0"):
                check("%s: secondary processes are not supported" % name
                      in out, "%s: no message refusing the secondary" % name)
            for port in (0, 1):
                info = primary.cmd("show port info %d" % port)
                check("Device name: net_" in info,
                      "the primary lost port %d: %r" % (port, info[-500:]))
            rc = primary.quit()
    check(rc == 0, "the primary exited with %s" % rc)
    print("secondary refused by both PMDs; the primary ran on and quit 0")


CASES = {"secondary_process": secondary_process}

if __name__ == "__main__":
    case = sys.argv[1] if len(sys.argv) > 1 else ""
    if case not in CASES:
        sys.exit("usage: test_secondary.py %s" % "|".join(CASES))
    CASES[case]()
    print("PASS " + case)
