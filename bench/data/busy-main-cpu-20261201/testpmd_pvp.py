#!/usr/bin/env python3
"""Guests started beside a busy host lcore, as users run testpmd.

Host: dpdk-testpmd -l 0,1 --main-lcore 0, io forwarding net_null0 and
net_vhost_spin0 (spin_mode=poll) on lcore 1, started before any guest, so
CPU 1 is busy (net_null always has packets). Guests, one after another:
dpdk-testpmd -l 0,1 --main-lcore 1 with net_virtio_spin0 spin_mode=adaptive,
rxonly on lcore 0: the guest's port starts on its main lcore, CPU 1. Each
guest prints its rx_q0 settings (B, C, L) after 5 s and quits; the builds
take turns.

  testpmd_pvp.py OLD_BUILD NEW_BUILD [GUESTS_EACH] > pvp.csv
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                    ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "tests", "dpdk"))
import harness  # noqa: E402
import private_plugins  # noqa: E402

GUEST = "drivers/net/virtio/librte_net_virtio_spin.so"
HOST = "drivers/net/vhost_spin/librte_net_vhost_spin.so"

KEYS = ("sleep_cost_us", "wake_cpu_us", "latency_us")


def plugin(build, rel):
    """The build's PMD where EAL will load it (scripts/private_plugins.py)."""
    return private_plugins.usable(os.path.join(build, rel))


def testpmd(args, log):
    return subprocess.Popen(["dpdk-testpmd"] + args, stdin=subprocess.PIPE,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            text=True)


def cmd(p, c):
    p.stdin.write(c + "\n")
    p.stdin.flush()


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 else 2)
    each = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    tmp = tempfile.mkdtemp(prefix="vspin-pvp-")
    builds = {"old": sys.argv[1], "new": sys.argv[2]}
    sock = os.path.join(tmp, "vh.sock")
    mem = ["--no-huge", "-m", "1024", "--no-pci"]
    pmd = ["--", "-i", "--nb-cores=1", "--total-num-mbufs=16384"]
    # Either build's host PMD will do: it only forwards, in poll mode.
    h = testpmd(["-l", "0,1", "--main-lcore", "0", "--file-prefix", "pvph"]
                + mem + ["-d", plugin(builds["new"], HOST), "--vdev", "net_null0", "--vdev",
                         "net_vhost_spin0,iface=%s,spin_mode=poll" % sock]
                + pmd + ["--forward-mode=io"], os.path.join(tmp, "h.log"))
    time.sleep(3)
    cmd(h, "start")
    time.sleep(1)
    print("build,guest,exit," + ",".join(KEYS), flush=True)
    try:
        for i in range(each):
            for b in ("old", "new"):
                log = os.path.join(tmp, "g-%s-%d.log" % (b, i))
                g = testpmd(["-l", "0,1", "--main-lcore", "1",
                             "--file-prefix", "pvpg"] + mem +
                            ["-d", plugin(builds[b], GUEST), "--vdev", "net_virtio_spin0,path=%s,"
                             "spin_mode=adaptive" % sock] + pmd +
                            ["--forward-mode=rxonly"], log)
                time.sleep(5)
                cmd(g, "show port xstats 0")
                time.sleep(1)
                cmd(g, "quit")
                try:
                    rc = g.wait(30)
                except subprocess.TimeoutExpired:
                    g.kill()
                    rc = "killed"
                vals = dict(re.findall(r"rx_q0_(\w+):\s+(\d+)",
                                       open(log).read()))
                print("%s,%d,%s,%s" % (b, i, rc, ",".join(
                    vals.get(k, "") for k in KEYS)), flush=True)
                time.sleep(1)
    finally:
        cmd(h, "quit")
        try:
            h.wait(30)
        except subprocess.TimeoutExpired:
            h.kill()
        for prefix in ("pvph", "pvpg"):
            harness.remove_eal_files(prefix)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
