# SPDX-License-Identifier: BSD-3-Clause
"""Control-path calls in the orders applications make them.

Case ethdev_control
  Program: ethdev_control (tests/dpdk/plugins/ethdev_control.c), one
  process, --no-huge, with both plugins and two ports nobody connects to:
  net_vhost_spin0,iface=SOCK1,queues=2 and
  net_virtio_spin0,path=SOCK2,server=1,queues=2.
  Per port: configure 2 queues, set up queue 0 only, read stats and
  xstats (names, values, reset), start (must fail, and leave the
  pool's free mbufs as they were), set up queue 1, set
  a MAC address (stopped, then again started: read back the same); on
  2 KB mbufs, stopped, MTU 9000 (taken), start (net_virtio_spin must
  refuse), MTU 1500, start, read them again, tx_done_cleanup (0:
  nothing sent, not -ENOTSUP), MTU 9000 while started
  (net_virtio_spin must refuse it and keep 1500), 1500, stop; reconfigure
  to 1 queue with RTE_ETH_RX_OFFLOAD_SCATTER, set queue 0 up again, MTU
  9000 (taken by both), start, stop, close. The ports run
  spin_mode=notify,sleep=always,sleep_max_us=300000: started, five
  rx bursts of room 0 return at once, three of room 32 sleep.
Expected: exit 0, "2 ports, 0 failures", no crash and no sanitizer
  report; each port's refused start logged an error naming the port and
  the queue, and net_virtio_spin's refused MTU one naming the MTU and the
  option that would allow it.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness  # noqa: E402


check = harness.check

# Ports that sleep when they may, for ethdev_control's burst of no room.
SLEEPS = "spin_mode=notify,sleep=always,sleep_max_us=300000"


def ethdev_control():
    with harness.private_dir() as d:
        prefix = "ethctl-%d" % os.getpid()
        prog = harness.test_program("VSPIN_ETHDEV_CONTROL",
                                    "tests/dpdk/plugins/ethdev_control")
        argv = [prog, "-l", "0", "--no-huge", "-m", "256", "--no-pci",
                "--file-prefix", prefix,
                "-d", harness.plugin("vhost_spin"),
                "-d", harness.plugin("virtio_spin"),
                "--vdev", "net_vhost_spin0,iface=%s/h.sock,queues=2,%s"
                % (d, SLEEPS),
                "--vdev",
                "net_virtio_spin0,path=%s/g.sock,server=1,queues=2,%s"
                % (d, SLEEPS)]
        try:
            r = subprocess.run(argv, capture_output=True, text=True,
                               timeout=60, env=harness.testpmd_env(),
                               check=False)
        finally:
            harness.remove_eal_files(prefix)
    out = r.stdout + r.stderr
    print(out[-4000:])
    san = harness.sanitizer_report(out)
    check(san is None, "sanitizer: " + str(san))
    check(r.returncode == 0 and "2 ports, 0 failures" in out,
          "exit %d; FAIL lines:\n%s" % (r.returncode, "\n".join(
              l for l in out.splitlines() if "FAIL" in l)))
    # Each names its port: the vhost one by name, the virtio one by path.
    for port in ("net_vhost_spin0", "g.sock"):
        check(any(port in l and "queue 1 not set up" in l
                  for l in out.splitlines()),
              "%s: no error naming the queue not set up" % port)
    check(any("g.sock" in l and "MTU 9000" in l and "SCATTER" in l
              for l in out.splitlines()),
          "net_virtio_spin0: no error naming the refused MTU")


CASES = {"ethdev_control": ethdev_control}

if __name__ == "__main__":
    case = sys.argv[1] if len(sys.argv) > 1 else ""
    if case not in CASES:
        sys.exit("usage: test_ethdev_control.py %s" % "|".join(CASES))
    CASES[case]()
    print("PASS " + case)
