#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The three shapes of issue 8, side by side: does spinning cost
throughput when our PMD shares its lcore with another port?

Shapes (two stock dpdk-testpmd processes each, guest on core 0, host on
core 1, --no-huge, sockets in a private directory):

  host-pvp   host: io forwarding on one lcore polling net_null0 (a NIC
             stand-in, endless rx) and net_vhost_spin0 (spin_mode=MODE);
             guest: stock virtio_user, rxonly. Measured: the guest's rx
             packets per second.
  guest-pvp  guest: io forwarding on one lcore polling net_null0 and
             net_virtio_spin0 (spin_mode=MODE); host: stock net_vhost,
             rxonly. Measured: the host's rx packets per second.
  two-queue  host: net_vhost_spin0 queues=2 (spin_mode=MODE), rxonly,
             both rx queues on one lcore; guest: stock virtio_user
             queues=2, txonly on queue 0 only (--rxq=2 --txq=1), so one
             host queue is busy and the other idle (armed). Measured: the
             host's rx packets per second.

Every other devarg is the default (sleep=auto). Modes: poll (stock
behaviour, the reference), spin:20 and adaptive by default. Each repeat
runs every shape and mode once, the mode order rotating from repeat to
repeat, so a noisy neighbour on this shared machine hurts all alike.

Output: a markdown table, per shape and mode the median packets per
second with [min-max] over the repeats and the ratio of the medians to
poll; a CSV, one row per run (pps, the PMD's sleeps and arms on its rx
queues during the measurement, CPU of the forwarding lcore of the side
that runs our PMD, and the fraction of time that lcore waited for a CPU:
wall - CPU - time asleep). The machine is shared: a run whose lcore
waited more than --max-stolen is redone (--retries), the footnote says
how many were kept anyway.

  bench/pvp.py                      3 repeats, 3 s each (about 4 minutes)
  bench/pvp.py --repeats 1 --seconds 1   a quick look
"""

import argparse
import csv
import datetime
import os
import signal
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "dpdk"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import harness as h  # noqa: E402
import private_plugins  # noqa: E402

SHAPES = ["host-pvp", "guest-pvp", "two-queue"]
MODES = ["poll", "spin:20", "adaptive"]


def plugin(name):
    return private_plugins.usable(h.plugin(name))


def counters(xs, queues):
    """Sleeps and arms summed over the rx queues, and the lcore's time
    asleep in us (a sleep of the lcore counts in every queue's sleep_us:
    the largest), from xstats."""
    return (sum(xs.get("rx_q%d_sleeps" % q, 0) for q in range(queues)),
            sum(xs.get("rx_q%d_arms" % q, 0) for q in range(queues)),
            max(xs.get("rx_q%d_sleep_us" % q, 0) for q in range(queues)))


def worker_cpu(pid):
    return sum(v for k, v in h.lcore_cpu(pid).items() if k != "main")


def measure(shape, mode, warmup, seconds):
    """One run; returns a dict of the CSV fields."""
    with h.private_dir() as d:
        sock = os.path.join(d, "vhost.sock")
        if shape == "host-pvp":
            ours = h.Testpmd(
                "host", vdevs=["net_null0", "net_vhost_spin0,iface=%s,%s"
                               % (sock, h.policy_devargs(mode))],
                plugins=[plugin("vhost_spin")], fwd_lcore=1,
                args=["--forward-mode=io"])
            peer = h.Testpmd(
                "guest", vdevs=["net_virtio_user0,path=%s" % sock],
                fwd_lcore=0, args=["--forward-mode=rxonly"])
            port, queues, rx_side = 1, 1, "peer"
        elif shape == "guest-pvp":
            peer = h.Testpmd(
                "host", vdevs=["net_vhost0,iface=%s" % sock], fwd_lcore=0,
                args=["--forward-mode=rxonly"])
            ours = h.Testpmd(
                "guest", vdevs=["net_null0", "net_virtio_spin0,path=%s,%s"
                                % (sock, h.policy_devargs(mode))],
                plugins=[plugin("virtio")], fwd_lcore=1,
                args=["--forward-mode=io"])
            port, queues, rx_side = 1, 1, "peer"
        else:
            ours = h.Testpmd(
                "host", vdevs=["net_vhost_spin0,iface=%s,queues=2,%s"
                               % (sock, h.policy_devargs(mode))],
                plugins=[plugin("vhost_spin")], fwd_lcore=1,
                args=["--forward-mode=rxonly", "--rxq=2", "--txq=2"])
            peer = h.Testpmd(
                "guest", vdevs=["net_virtio_user0,path=%s,queues=2" % sock],
                fwd_lcore=0,
                args=["--forward-mode=txonly", "--rxq=2", "--txq=1"])
            port, queues, rx_side = 0, 2, "ours"
        # The vhost-user server first.
        first, second = (ours, peer) if shape != "guest-pvp" else (peer,
                                                                   ours)
        with first, second:
            ours.wait_link_up(port)
            peer.wait_link_up(0)
            for t in (peer, ours) if rx_side == "peer" else (ours, peer):
                t.start_fwd()
            rx = peer if rx_side == "peer" else ours
            rx_port = 0
            time.sleep(warmup)
            s0, a0, u0 = counters(ours.xstats(port), queues)
            p0, c0 = rx.port_stats(rx_port)["rx_packets"], worker_cpu(
                ours.pid)
            t0 = time.monotonic()
            time.sleep(seconds)
            p1, c1 = rx.port_stats(rx_port)["rx_packets"], worker_cpu(
                ours.pid)
            t1 = time.monotonic()
            s1, a1, u1 = counters(ours.xstats(port), queues)
            ours.stop_fwd()
            peer.stop_fwd()
    wall = t1 - t0
    cpu = (c1 - c0) / wall
    # Neither running nor asleep by choice: waiting for the CPU.
    stolen = max(0.0, 1.0 - cpu - (u1 - u0) / 1e6 / wall)
    return {"shape": shape, "mode": mode, "pps": (p1 - p0) / wall,
            "seconds": round(wall, 3), "sleeps": s1 - s0,
            "arms": a1 - a0, "lcore_cpu": round(cpu, 3),
            "stolen": round(stolen, 3)}


def fmt_mpps(v):
    return "%.2f" % (v / 1e6)


def table(rows, shapes, modes):
    out = ["| shape | " + " | ".join(
        "%s Mpps median [min-max] | ratio" % m for m in modes) + " |",
        "|---" * (1 + 2 * len(modes)) + "|"]
    for s in shapes:
        runs = {m: [r["pps"] for r in rows
                    if r["shape"] == s and r["mode"] == m] for m in modes}
        med = {m: statistics.median(v) for m, v in runs.items() if v}
        base = med.get("poll")
        cells = []
        for m in modes:
            v = runs[m]
            if not v:
                cells += ["-", "-"]
                continue
            cells.append("%s [%s-%s]" % (fmt_mpps(med[m]), fmt_mpps(min(v)),
                                         fmt_mpps(max(v))))
            cells.append("%.2f" % (med[m] / base) if base else "-")
        out.append("| %s | %s |" % (s, " | ".join(cells)))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of every shape and mode (default 3)")
    ap.add_argument("--seconds", type=float, default=3.0,
                    help="measured time per run (default 3)")
    ap.add_argument("--warmup", type=float, default=1.0,
                    help="time before measuring (default 1)")
    ap.add_argument("--modes", default=",".join(MODES),
                    help="spin modes, comma separated, '+' adding devargs "
                    "(adaptive+latency_us=50); poll first is the reference "
                    "(default %(default)s)")
    ap.add_argument("--shapes", default=",".join(SHAPES),
                    help="default %(default)s")
    ap.add_argument("--max-stolen", type=float, default=0.2,
                    help="redo a run in which the lcore of our PMD waited "
                    "for its CPU (wall - CPU - time asleep) more than this "
                    "fraction of the time (default 0.2)")
    ap.add_argument("--retries", type=int, default=2,
                    help="redos per run; the last is kept anyway and "
                    "counted in the footnote (default 2)")
    ap.add_argument("--csv", default=None,
                    help="CSV path (default bench/data/pvp-<UTC time>.csv)")
    a = ap.parse_args()
    # Killed: leave through the with blocks, which stop the testpmds.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    modes = a.modes.split(",")
    shapes = a.shapes.split(",")
    for s in shapes:
        if s not in SHAPES:
            ap.error("unknown shape %r (one of %s)" % (s, ", ".join(SHAPES)))
    stamp = datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = a.csv or os.path.join(ROOT, "bench", "data", "pvp-%s.csv" % stamp)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fields = ["repeat", "shape", "mode", "pps", "seconds", "sleeps", "arms",
              "lcore_cpu", "stolen", "tries"]
    rows = []
    with open(path, "w", newline="") as f:
        f.write("# bench/pvp.py %s (started %s)\n" % (
            " ".join(sys.argv[1:]), stamp))
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in range(a.repeats):
            for s in shapes:
                k = r % len(modes)
                for m in modes[k:] + modes[:k]:
                    row = None
                    for t in range(1 + a.retries):
                        try:
                            row = measure(s, m, a.warmup, a.seconds)
                        except h.HarnessError as e:
                            print("run %d %s %s failed: %s" % (r, s, m, e),
                                  file=sys.stderr)
                            continue
                        row["tries"] = t + 1
                        if row["stolen"] <= a.max_stolen:
                            break
                    if row is None:
                        continue
                    row["repeat"] = r
                    row["pps"] = int(row["pps"])
                    rows.append(row)
                    w.writerow(row)
                    f.flush()
                    print("repeat %d %-9s %-8s %6s Mpps  sleeps %d arms %d "
                          "lcore %.0f%% stolen %.0f%% (try %d)" % (
                              r, s, m, fmt_mpps(row["pps"]), row["sleeps"],
                              row["arms"], row["lcore_cpu"] * 100,
                              row["stolen"] * 100, row["tries"]),
                          flush=True)
    print()
    print(table(rows, shapes, modes))
    over = [r for r in rows if r["stolen"] > a.max_stolen]
    print("\n%d runs, %d redone; %d kept with more than %.0f%% of the "
          "lcore's time stolen (median stolen %.0f%%)" % (
              len(rows), sum(1 for r in rows if r["tries"] > 1), len(over),
              a.max_stolen * 100,
              statistics.median(r["stolen"] for r in rows) * 100
              if rows else 0))
    print("\nCSV: %s" % os.path.relpath(path, ROOT))


if __name__ == "__main__":
    main()
