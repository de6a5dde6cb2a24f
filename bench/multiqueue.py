#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Several queues of ours on one lcore at each end, adaptive, a light load
spread over them: does the consumer's thread sleep as a single queue's
does?

One run: vspin-traffic on each side (guest on core 0, host on core 1,
--no-huge, or with --huge hugepages: DPDK's dynamic memory, the guest
with --single-file-segments), --queues N at both ends, our PMDs spin_mode=adaptive (or
--mode), the generator sending RATE packets/s in all (Poisson by default), its bursts
going round the queues; the sink checks every packet of every queue once
and in order. Both directions (guest -> host: our host consumes; host ->
guest: our guest does). Builds given with --build and --ref-build run
interleaved within every repeat.

With --busy-start S, the consumer's peer core is kept busy for the first
S seconds of each run, as a peer's polling lcore keeps it when our PMD
starts next to it (the start-up measurement's helper runs there); with
--busy-on own as well, the consumer's own core instead, as a peer's lcore
keeps the CPU of the main lcore that starts a testpmd port (each side
here has one lcore, so the start-up measurement begins there); with
--busy-on both, both cores (no CPU is idle while the consumer starts).
The guest starts first and the host --host-after seconds later (default
1): with `own` or `both`, keep S under that and measure host -> guest,
or the spinner shares the consumer's core with its traffic.

With --pairs, the stock PMDs run beside ours in the same repeats: stock
(virtio_user and net_vhost), guest-only (our guest, stock host) and
host-only (stock guest, our host); --mode sets our PMDs' spin_mode.

Output (--out DIR): runs.csv, one row per run: build (the pair, or ref),
queues, direction, repeat, the consumer thread's CPU over the traffic, p50/p99 latency, lost,
reordered, duplicates, and the consumer's rx_q0 counters (sleeps, arms,
arm_rechecks_hit: arms that found entries, on the recheck or on a later
poll before the thread slept; latency_us, sleep_cost_us: L and B;
wake_cpu_us: C); table.md, medians [min-max]
per build, queues and direction, with the command.

  bench/multiqueue.py --build build --ref-build OLD --queues 2,4
  bench/multiqueue.py --pairs stock,guest-only,ours --mode poll --queues 4
"""

import argparse
import csv
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "dpdk"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import harness as h  # noqa: E402
import private_plugins  # noqa: E402
from accounting import accounting_error  # noqa: E402

FIELDS = ["build", "queues", "direction", "repeat", "cpu_pct", "p50_us",
          "p99_us", "mpps", "lost", "reordered", "duplicates", "sleeps",
          "arms", "arm_rechecks_hit", "latency_us", "sleep_cost_us",
          "wake_cpu_us", "accounting"]


def plugins(build):
    net = os.path.join(build, "drivers", "net")
    return (private_plugins.usable(os.path.join(
                net, "virtio", "librte_net_virtio_spin.so")),
            private_plugins.usable(os.path.join(
                net, "vhost_spin", "librte_net_vhost_spin.so")))


# Which PMD each side runs, per pair.
PAIRS = {"ours": ("ours", "ours"), "stock": ("stock", "stock"),
         "guest-only": ("ours", "stock"), "host-only": ("stock", "ours")}


def one_run(build, queues, direction, args, tag, pair="ours"):
    """Returns a dict of FIELDS (without build/repeat), or raises."""
    app = os.path.join(build, "app", "vspin-traffic")
    guest_so, host_so = plugins(build)
    gkind, hkind = PAIRS[pair]
    with h.private_dir() as d:
        sock = os.path.join(d, "vh.sock")
        if hkind == "ours":
            hv = ("net_vhost_spin0,iface=%s,queues=%d,client=1,"
                  "spin_mode=%s" % (sock, queues, args.mode))
        else:
            hv = "net_vhost0,iface=%s,queues=%d,client=1" % (sock, queues)
        if gkind == "ours":
            gv = ("net_virtio_spin0,path=%s,queues=%d,server=1,"
                  "spin_mode=%s" % (sock, queues, args.mode))
        else:
            gv = ("net_virtio_user0,path=%s,queues=%d,server=1" %
                  (sock, queues))
        hrole, grole = ("sink", "gen") if direction == "g2h" else \
            ("gen", "sink")

        def role_args(role, name):
            out = ["--role", role, "--queues", str(queues), "--quiet",
                   "--json", os.path.join(d, name + ".json")]
            if role == "gen":
                return out + ["--rate", args.rate, "--pattern",
                              args.pattern, "--duration",
                              str(args.duration)]
            return out + ["--wait", "30", "--idle-ms", "2000"]

        gprefix, hprefix = "mqg" + tag, "mqh" + tag
        mem = [] if args.huge else ["--no-huge", "-m", "512"]
        ga = [app, "-l", "0", "--no-pci"] + mem + \
            (["--single-file-segments"] if args.huge else []) + \
            ["--file-prefix", gprefix] + \
            (["-d", guest_so] if gkind == "ours" else []) + \
            ["--vdev", gv, "--"] + role_args(grole, "g")
        ha = [app, "-l", "1", "--no-pci"] + mem + \
            ["--file-prefix", hprefix] + \
            (["-d", host_so] if hkind == "ours" else []) + \
            ["--vdev", hv, "--"] + role_args(hrole, "h")
        spinner = None
        try:
            if args.busy_start > 0:
                # The consumer's peer core (or its own) busy at start-up.
                own = "1" if direction == "g2h" else "0"
                core = {"own": own, "both": "0,1"}.get(
                    args.busy_on, "0" if own == "1" else "1")
                spinner = [subprocess.Popen(
                    ["taskset", "-c", c, "timeout", str(args.busy_start),
                     "sh", "-c", "while :; do :; done"])
                    for c in core.split(",")]
            with open(os.path.join(d, "g.log"), "w") as gl, \
                    open(os.path.join(d, "h.log"), "w") as hl:
                gp = subprocess.Popen(ga, stdout=gl, stderr=subprocess.STDOUT,
                                      env=h.testpmd_env())
                time.sleep(args.host_after)
                hp = subprocess.Popen(ha, stdout=hl, stderr=subprocess.STDOUT,
                                      env=h.testpmd_env())
                rc = (gp.wait(120), hp.wait(120))
            if rc != (0, 0):
                raise RuntimeError("exit status %s: %s" % (
                    rc, open(os.path.join(d, "h.log")).read()[-600:]))
            sink = json.load(open(os.path.join(
                d, ("h" if hrole == "sink" else "g") + ".json")))
            gen = json.load(open(os.path.join(
                d, ("g" if hrole == "sink" else "h") + ".json")))
        finally:
            for sp in spinner or []:
                sp.kill()
                sp.wait()
            h.remove_eal_files(gprefix)
            h.remove_eal_files(hprefix)
    x = sink.get("xstats", {})
    lat = sink.get("latency_ns", {})
    return {"queues": queues, "direction": direction,
            "cpu_pct": round(sink["traffic_cpu_pct"], 2),
            "p50_us": round(lat.get("p50", 0) / 1000, 1),
            "p99_us": round(lat.get("p99", 0) / 1000, 1),
            "mpps": round(sink["mpps"], 4), "lost": sink["lost"],
            "accounting": accounting_error(gen, sink) or "exact",
            "reordered": sink["reordered"],
            "duplicates": sink["duplicates"],
            "sleeps": x.get("rx_q0_sleeps"), "arms": x.get("rx_q0_arms"),
            "arm_rechecks_hit": x.get("rx_q0_arm_rechecks_hit"),
            "latency_us": x.get("rx_q0_latency_us"),
            "sleep_cost_us": x.get("rx_q0_sleep_cost_us"),
            "wake_cpu_us": x.get("rx_q0_wake_cpu_us")}


def table(rows, builds, command, args):
    out = ["# Several queues on one lcore, %s, %s" % (
               args.mode, "hugepages" if args.huge else "--no-huge"), "",
           "- command: `%s`" % command,
           "- cells: median [min-max] over the repeats; CPU: the "
           "consumer's polling thread over the traffic; arms and hits: "
           "the consumer's rx_q0; lost, reordered, duplicates: the worst "
           "run; inexact: runs whose loss count cannot be trusted "
           "(bench/accounting.py), counted in the other cells too", "",
           "| queues | direction | build | CPU % | p99 us | sleeps | arms "
           "| arm hits | lost / reordered / duplicates | inexact |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    def cell(vals, fmt):
        vals = [v for v in vals if v is not None]  # stock: no counters
        if not vals:
            return "-"
        return (fmt + " [" + fmt + "-" + fmt + "]") % (
            statistics.median(vals), min(vals), max(vals))

    keys = sorted({(r["queues"], r["direction"]) for r in rows})
    for q, dr in keys:
        for b in builds:
            rs = [r for r in rows if r["queues"] == q and
                  r["direction"] == dr and r["build"] == b]
            if not rs:
                continue
            out.append("| %d | %s | %s | %s | %s | %s | %s | %s | %d / %d "
                       "/ %d | %d |" % (
                           q, dr, b, cell([r["cpu_pct"] for r in rs], "%.1f"),
                           cell([r["p99_us"] for r in rs], "%.0f"),
                           cell([r["sleeps"] for r in rs], "%d"),
                           cell([r["arms"] for r in rs], "%d"),
                           cell([r["arm_rechecks_hit"] for r in rs], "%d"),
                           max(r["lost"] for r in rs),
                           max(r["reordered"] for r in rs),
                           max(r["duplicates"] for r in rs),
                           sum(r["accounting"] != "exact" for r in rs)))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--ref-build", default=None,
                    help="a second build, run as 'ref' interleaved")
    ap.add_argument("--queues", default="2,4",
                    help="comma-separated queue counts (default 2,4)")
    ap.add_argument("--directions", default="g2h,h2g")
    ap.add_argument("--rate", default="1.6M",
                    help="packets/s in all (default 1.6M)")
    ap.add_argument("--pattern", default="poisson",
                    choices=("const", "poisson"))
    ap.add_argument("--pairs", default="ours",
                    help="comma-separated: ours, stock, guest-only, "
                    "host-only (default ours)")
    ap.add_argument("--mode", default="adaptive",
                    help="our PMDs' spin_mode (default adaptive)")
    ap.add_argument("--huge", action="store_true",
                    help="hugepages (mounted and reserved) instead of "
                    "--no-huge")
    ap.add_argument("--busy-start", type=float, default=0, metavar="S",
                    help="a shell loop spins on the consumer's peer core "
                    "for the first S seconds of each run, while both sides "
                    "start (default 0: none)")
    ap.add_argument("--busy-on", choices=("peer", "own", "both"),
                    default="peer",
                    help="the core --busy-start keeps busy: the consumer's "
                    "peer core (default), its own, or both")
    ap.add_argument("--host-after", type=float, default=1.0, metavar="S",
                    help="start the host S seconds after the guest "
                    "(default 1)")
    ap.add_argument("--duration", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results",
                                                  "multiqueue"))
    args = ap.parse_args()
    # name -> (build, pair); ref runs our pair from the second build.
    builds = {}
    for pair in args.pairs.split(","):
        if pair not in PAIRS:
            ap.error("unknown pair %r (one of %s)" % (pair, ", ".join(PAIRS)))
        builds[pair] = (os.path.abspath(args.build), pair)
    if args.ref_build:
        builds["ref"] = (os.path.abspath(args.ref_build), "ours")
    os.makedirs(args.out, exist_ok=True)
    command = shlex.join([os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])
    rows = []
    for rep in range(args.repeats):
        for q in [int(v) for v in args.queues.split(",")]:
            for dr in args.directions.split(","):
                for name, (b, pair) in builds.items():
                    r = one_run(b, q, dr, args, "%d%s" % (rep, name), pair)
                    r.update(build=name, repeat=rep)
                    rows.append(r)
                    print("multiqueue: %-4s q%d %s rep %d: cpu %5.1f%% p99 "
                          "%6.0f us sleeps %s arms %s hits %s lost %d" % (
                              name, q, dr, rep, r["cpu_pct"], r["p99_us"],
                              r["sleeps"], r["arms"], r["arm_rechecks_hit"],
                              r["lost"]), flush=True)
    with open(os.path.join(args.out, "runs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(rows)
    t = table(rows, list(builds), command, args)
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write(t)
    print(t)
    bad = [r for r in rows if r["lost"] or r["reordered"] or r["duplicates"]
           or r["accounting"] != "exact"]
    for r in bad:
        print("multiqueue: %s q%d %s rep %d: lost %d, reordered %d, "
              "duplicates %d, accounting: %s" % (
                  r["build"], r["queues"], r["direction"], r["repeat"],
                  r["lost"], r["reordered"], r["duplicates"],
                  r["accounting"]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
