# SPDX-License-Identifier: BSD-3-Clause
"""A secondary process next to a primary that runs our ports.

Case secondary_process
  Primary: testpmd on hugepages (rxonly) with net_vhost_spin0 (iface) and
  net_virtio_spin0 (server=1, no backend), both plugins. A stock
  virtio_user guest sends to net_vhost_spin0 for 0.3 s, then stops.
  Secondary: Debian's dpdk-proc-info --file-prefix <the primary's> with
  both plugins, as a user reads statistics: --stats, --xstats,
  --show-port, then --stats-reset.
Expected: net_vhost_spin0 attaches in the secondary (as stock net_vhost
  does): --stats shows the RX-packets the primary counts, --xstats our
  counters (rx_q0_sleeps, ...), --show-port its driver, --stats-reset
  zeroes the primary's counters, and so does its own "clear port stats",
  40 times in a row while its lcore keeps polling, and after more
  packets "clear port xstats" (basic counters included); net_virtio_spin0's
  probe refuses the secondary ("secondary processes are not supported":
  its queues are in the primary's private memory), and proc-info goes on
  with the other port; every proc-info exits 0; the primary runs on and
  quits with 0.
"""

import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness  # noqa: E402


check = harness.check


def proc_info(tool, primary, plugins, *args):
    argv = [tool, "--file-prefix", primary.prefix]
    for p in plugins:
        argv += ["-d", p]
    r = subprocess.run(argv + ["--"] + list(args), capture_output=True,
                       text=True, timeout=60, env=harness.testpmd_env(),
                       check=False)
    out = r.stdout + r.stderr
    check(r.returncode == 0, "dpdk-proc-info %s: exit status %d:\n%s" % (
        " ".join(args), r.returncode, out[-2000:]))
    check("net_virtio_spin0: secondary processes are not supported" in out,
          "dpdk-proc-info %s: net_virtio_spin0 did not refuse the "
          "secondary" % " ".join(args))
    return out


def secondary_process():
    tool = shutil.which("dpdk-proc-info")
    check(tool, "dpdk-proc-info not in PATH (Debian package dpdk-dev)")
    plugins = [harness.plugin("vhost_spin"), harness.plugin("virtio_spin")]
    with harness.private_dir() as d:
        primary = harness.Testpmd(
            "primary", vdevs=["net_vhost_spin0,iface=%s/h.sock" % d,
                              "net_virtio_spin0,path=%s/g.sock,server=1" % d],
            plugins=plugins, fwd_lcore=1, mem=["-m", "256"],
            args=["--forward-mode=rxonly"])
        guest = harness.Testpmd(
            "guest", vdevs=["net_virtio_user0,path=%s/h.sock" % d],
            fwd_lcore=0, args=["--forward-mode=txonly"])
        with primary, guest:
            guest.wait_link_up(0)
            primary.wait_link_up(0)
            primary.start_fwd()
            guest.start_fwd()
            time.sleep(0.3)
            guest.stop_fwd()
            time.sleep(0.2)
            want = primary.port_stats(0)["rx_packets"]
            out = proc_info(tool, primary, plugins, "--stats")
            m = re.search(r"NIC statistics for port 0.*?RX-packets:\s*(\d+)",
                          out, re.S)
            check(m is not None and int(m.group(1)) == want > 0,
                  "--stats: RX-packets %s, the primary counts %d:\n%s" % (
                      m.group(1) if m else None, want, out[-1500:]))
            out = proc_info(tool, primary, plugins, "--xstats")
            check(re.search(r"rx_q0_packets: %d\b" % want, out) and
                  "rx_q0_sleeps:" in out,
                  "--xstats: no rx_q0_packets %d or rx_q0_sleeps:\n%s" % (
                      want, out[-1500:]))
            out = proc_info(tool, primary, plugins, "--show-port")
            check("driver net_vhost_spin device net_vhost_spin0" in out,
                  "--show-port: no net_vhost_spin0:\n%s" % out[-1500:])
            proc_info(tool, primary, plugins, "--stats-reset")
            after = primary.port_stats(0)["rx_packets"]
            check(after == 0, "--stats-reset: the primary still counts %d"
                  % after)
            # The lcore polls on (rx bursts of 0): a reset it undid (a
            # store of 0 racing with its "count += n") would show here.
            for i in range(40):
                primary.cmd("clear port stats 0")
                after = primary.port_stats(0)["rx_packets"]
                check(after == 0, "clear port stats, round %d: the "
                      "primary counts %d" % (i, after))
            # "clear port xstats" (rte_eth_xstats_reset(), which ethdev
            # sends to our xstats_reset alone) clears the basic ones too.
            guest.start_fwd()
            time.sleep(0.2)
            guest.stop_fwd()
            time.sleep(0.2)
            more = primary.port_stats(0)["rx_packets"]
            primary.cmd("clear port xstats 0")
            xs = primary.xstats(0)
            check(more > 0 and xs["rx_good_packets"] == 0 and
                  xs["rx_q0_packets"] == 0 and
                  primary.port_stats(0)["rx_packets"] == 0,
                  "clear port xstats after %d packets: rx_good_packets %d, "
                  "rx_q0_packets %d" % (more, xs["rx_good_packets"],
                                        xs["rx_q0_packets"]))
            for port in (0, 1):
                info = primary.cmd("show port info %d" % port)
                check("Device name: net_" in info,
                      "the primary lost port %d: %r" % (port, info[-500:]))
            guest.quit()
            rc = primary.quit()
    check(rc == 0, "the primary exited with %s" % rc)
    print("dpdk-proc-info read %d packets of net_vhost_spin0 and reset "
          "them; net_virtio_spin0 refused the secondary; the primary quit "
          "0" % want)


CASES = {"secondary_process": secondary_process}

if __name__ == "__main__":
    case = sys.argv[1] if len(sys.argv) > 1 else ""
    if case not in CASES:
        sys.exit("usage: test_secondary.py %s" % "|".join(CASES))
    CASES[case]()
    print("PASS " + case)
