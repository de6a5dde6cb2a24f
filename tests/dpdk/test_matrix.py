# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end matrix: exactly-once, in-order delivery through every pair of
PMDs, in every spin mode, both ways, counted by vspin-traffic.

One case per run (argv[1]); `--list` prints every case name, `all` runs
them all. A case is PAIR_DIR_MODE[_Nq][_inorder|_jumbo][_MEMORY]:

  PAIR    ours_ours     net_virtio_spin (guest) with net_vhost_spin (host)
          stock_guest   stock net_virtio_user with net_vhost_spin
          stock_host    net_virtio_spin with stock net_vhost
          packed_guest  stock net_virtio_user asking for a packed ring
                        (packed_vq=1) with net_vhost_spin, which does not
                        offer one: the pair must run a split ring (the
                        host's negotiated features lack VIRTIO_F_RING_PACKED);
                        modes poll and adaptive only
  DIR     g2h           generator in the guest, sink in the host
          h2g           generator in the host, sink in the guest
  MODE    poll, notify, budget20, spin20, adaptive: spin_mode of whichever
          side(s) are ours (the stock side has no such knob);
          adaptive50 (ours_ours only): adaptive with latency_us=50 at a
          paced light load (200,000 packets/s, 200,000 packets), where
          the consumer coalesces short batches and naps between them;
          adaptivelate (ours_ours only): adaptive with latency_us=500000
          (sleep_max_us 1 s) at 50,000 packets/s, 50,000 packets, the
          generator closing its port at once after its end-of-stream
          (--linger-ms 0): the sink sleeps on batches of up to half a
          second, so the last of them is still unread when the
          generator's port stops, and the stop must let it be read (our
          guest kicks its tx rings and waits for the backend)
  _Nq     N queue pairs (ours_ours only): the generator spreads its bursts
          over the N tx queues, each numbered from 0; the sink checks each
          rx queue's own sequence
  _inorder the guest is the vhost-user client and the host the server,
          so our guest's port starts with its backend connected and
          negotiates VIRTIO_F_IN_ORDER (as users' guests do; a server
          port started before its backend does not): the host's log must
          show it negotiated (pairs with our guest only)
  _jumbo  1514-byte frames, JUMBO_COUNT of them, into the sink's mbufs of
          JUMBO_MBUF bytes: each frame arrives in several segments
          (mergeable receive buffers in our guest, chained mbufs from
          the vhost library in a host), every payload byte checked
  MEMORY  none: EAL --no-huge (memfd-backed memory); _huge: hugepages in
          DPDK's default dynamic memory mode, with --single-file-segments
          in the guest (the frontend shares its memory over vhost-user).
          /proc/meminfo must show enough free hugepages, or the case FAILS
          with the reason (scripts/setup.sh reserves them).

Each case: the guest process (vhost-user server, core 0) and the host
process (client, core 1) each run vspin-traffic; the generator sends
COUNT packets unpaced (--count, --rate max) on one side and the sink on
the other checks them. Expect: the generator sent exactly COUNT and its
end-of-stream went out on every queue; the sink saw every end-of-stream,
received == sent (per queue too), lost 0, duplicates 0, reordered 0,
misrouted 0 (a packet on another queue than it was sent on), foreign 0,
no number the generator never sent (beyond_eos 0), and every payload
byte as the generator wrote it (--payload: a pattern of the packet's
number, queue and offset; bad_payload 0).
No timing is asserted (other tests share the machine): each case prints
its packets and durations.

The guest is the server (as QEMU is under OVS's dpdkvhostuserclient
ports) and starts first: the host's client connects at once. With the
host as server, DPDK 22.11's vhost library takes up to 1 s to accept the
first connection (its event thread polls a new listening socket only
after a 1 s poll() timeout), a second per case spent waiting. The other
DPDK tests cover the host as server.

Environment: VSPIN_MATRIX_COUNT overrides COUNT (default 1000000).
"""

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import vhost_events  # noqa: E402

COUNT = int(os.environ.get("VSPIN_MATRIX_COUNT", "1000000"))
MODES = {"poll": "poll", "notify": "notify", "budget20": "budget:20",
         "spin20": "spin:20", "adaptive": "adaptive",
         "adaptive50": "adaptive,latency_us=50",
         "adaptivelate": "adaptive,latency_us=500000,sleep_max_us=1000000"}
# Modes run at a paced load (packets per second), with as many packets:
# a second of traffic. The others run unpaced, COUNT packets.
PACED = {"adaptive50": 200000, "adaptivelate": 50000}
# The generator's pause between its end-of-stream and its port's stop.
LINGER_MS = {"adaptivelate": 0}
# PAIR -> (guest kind, host kind)
PAIRS = {"ours_ours": ("ours", "ours"), "stock_guest": ("stock", "ours"),
         "stock_host": ("ours", "stock"),
         "packed_guest": ("stock_packed", "ours")}
# Pairs run in a few modes only (the others in every unpaced mode).
PAIR_MODES = {"packed_guest": ("poll", "adaptive"),
              "ours_ours": tuple(MODES)}
VIRTIO_F_RING_PACKED = 34
DIRS = ("g2h", "h2g")
# Multi-queue cases: ours_ours only.
MQ = (("g2h", "spin20", 2), ("h2g", "spin20", 2),
      ("g2h", "adaptive", 8), ("h2g", "adaptive", 8))
# In-order cases: our guest as client, with both hosts.
INORDER = ("ours_ours_g2h_poll", "ours_ours_h2g_poll",
           "ours_ours_g2h_adaptive", "ours_ours_h2g_adaptive",
           "ours_ours_h2g_spin20_2q", "stock_host_g2h_poll",
           "stock_host_h2g_adaptive")
VIRTIO_F_IN_ORDER = 35
# Multi-segment cases: both PMDs receiving, and our guest with a stock
# host.
JUMBO = ("ours_ours_g2h_poll", "ours_ours_h2g_poll",
         "ours_ours_h2g_adaptive", "stock_host_h2g_poll")
JUMBO_COUNT = 200000
JUMBO_MBUF = 512
MEMORIES = ("nohuge", "huge")
NOHUGE_MB = 256
HUGE_MB_NEEDED = 512  # two processes, dynamic memory
TIMEOUT = 120


Fail, check = h.Fail, h.check


def count(c):
    """Packets the case's generator sends."""
    return JUMBO_COUNT if c["jumbo"] else PACED.get(c["mode"], COUNT)


def cases():
    out = []
    for pair in PAIRS:
        for d in DIRS:
            for mode in PAIR_MODES.get(
                    pair, [m for m in MODES if m not in PACED]):
                out.append("%s_%s_%s" % (pair, d, mode))
    for d, mode, q in MQ:
        out.append("ours_ours_%s_%s_%dq" % (d, mode, q))
    out += [c + "_inorder" for c in INORDER]
    out += [c + "_jumbo" for c in JUMBO]
    return out


def parse_case(name):
    """-> dict(pair, dir, mode, queues, inorder, jumbo, memory)."""
    parts = name.split("_")
    memory = "nohuge"
    if parts[-1] in MEMORIES:
        memory = parts.pop()
    inorder = parts[-1] == "inorder"
    if inorder:
        parts.pop()
    jumbo = parts[-1] == "jumbo"
    if jumbo:
        parts.pop()
    queues = 1
    if parts[-1].endswith("q") and parts[-1][:-1].isdigit():
        queues = int(parts.pop()[:-1])
    check(len(parts) == 4, "bad case name %r" % name)
    pair, d, mode = "_".join(parts[:2]), parts[2], parts[3]
    check(pair in PAIRS and d in DIRS and mode in MODES and
          (not inorder or PAIRS[pair][0] == "ours"),
          "bad case name %r" % name)
    return {"pair": pair, "dir": d, "mode": mode, "queues": queues,
            "inorder": inorder, "jumbo": jumbo, "memory": memory}


def app():
    path = os.path.join(h.build_dir(), "app", "vspin-traffic")
    check(os.path.isfile(path), "vspin-traffic not built: %s" % path)
    return path


def hugepages_free():
    """(free 2 MB-page count, page size in kB) from /proc/meminfo."""
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            info[k.strip()] = v.split()
    return (int(info.get("HugePages_Free", ["0"])[0]),
            int(info.get("Hugepagesize", ["0"])[0]))


def check_hugepages():
    free, kb = hugepages_free()
    mb = free * kb // 1024
    check(mb >= HUGE_MB_NEEDED,
          "hugepages not set up: /proc/meminfo shows HugePages_Free %d of "
          "%d kB (%d MB free, this case needs %d MB); run scripts/setup.sh "
          "as root (or echo N > /proc/sys/vm/nr_hugepages and mount "
          "hugetlbfs)" % (free, kb, mb, HUGE_MB_NEEDED))


def eal_memory(memory, side):
    """EAL memory arguments of one side ('guest' or 'host')."""
    if memory == "nohuge":
        return ["--no-huge", "-m", str(NOHUGE_MB)]
    # Hugepages, dynamic memory: the frontend's memory must be shareable
    # with the backend, one file per segment list.
    return ["--single-file-segments"] if side == "guest" else []


def vdev(side, kind, sock, mode, queues, guest_client=False):
    """The host is the vhost-user client, the guest the server; the other
    way round with guest_client."""
    if side == "host":
        client = "" if guest_client else ",client=1"
        if kind == "stock":
            return "net_vhost0,iface=%s,queues=%d%s" % (sock, queues, client)
        return ("net_vhost_spin0,iface=%s,queues=%d%s,spin_mode=%s"
                % (sock, queues, client, mode))
    server = "" if guest_client else ",server=1"
    if kind == "stock":
        return "net_virtio_user0,path=%s,queues=%d%s" % (sock, queues,
                                                          server)
    if kind == "stock_packed":
        return ("net_virtio_user0,path=%s,queues=%d%s,packed_vq=1"
                % (sock, queues, server))
    return "net_virtio_spin0,path=%s,queues=%d%s,spin_mode=%s" % (
        sock, queues, server, mode)


def prefix(tag):
    """The --file-prefix of one side ('g' or 'h') of this process's cases."""
    return "mx%d_%s" % (os.getpid(), tag)


def side_argv(c, side, kind, role, sock, json_path, tag):
    core = "1" if side == "host" else "0"
    argv = [app(), "-l", core, "--no-pci", "--no-telemetry",
            "--file-prefix", prefix(tag)]
    argv += eal_memory(c["memory"], side)
    if kind == "ours":
        argv += ["-d", h.plugin("vhost_spin" if side == "host"
                                else "virtio_spin")]
    argv += ["--vdev", vdev(side, kind, sock, MODES[c["mode"]],
                            c["queues"], c["inorder"])]
    # --payload: the generator writes a pattern of each packet into its
    # payload, and the sink checks every byte.
    argv += ["--", "--role", role, "--quiet", "--json", json_path,
             "--queues", str(c["queues"]), "--payload"]
    if c["jumbo"]:
        argv += ["--size", "1514"]
        if role == "sink":
            argv += ["--mbuf-size", str(JUMBO_MBUF)]
    if role == "gen":
        # A cap far above the time the count takes at any plausible
        # speed; the count is what ends the run.
        rate = PACED.get(c["mode"])
        argv += ["--rate", str(rate) if rate else "max",
                 "--count", str(count(c)), "--duration", "30",
                 "--warmup-ms", "100",
                 "--linger-ms", str(LINGER_MS.get(c["mode"], 300))]
    else:
        argv += ["--wait", "30", "--idle-ms", "5000"]
    return argv


def run_side(argv, log_path):
    log = open(log_path, "w")
    # The sanitizer runtime of an ASan build, as for testpmd.
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            env=h.testpmd_env())


def finish(p, timeout):
    try:
        return p.wait(timeout=max(timeout, 1))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None


def tail(path, n=1500):
    try:
        with open(path) as f:
            return f.read()[-n:]
    except OSError as e:
        return "(no log: %s)" % e


def load(path, rc, log):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise Fail("no JSON report %s (exit status %s): %s\n--- log:\n%s"
                   % (os.path.basename(path), rc, e, tail(log)))


def run_case(name):
    c = parse_case(name)
    if c["memory"] == "huge":
        check_hugepages()
    guest_kind, host_kind = PAIRS[c["pair"]]
    host_role = "sink" if c["dir"] == "g2h" else "gen"
    guest_role = "gen" if host_role == "sink" else "sink"
    t0 = time.monotonic()
    with h.private_dir("vspin-mx-") as d:
        sock = os.path.join(d, "vhost.sock")
        paths = {s: (os.path.join(d, s + ".json"), os.path.join(d, s + ".log"))
                 for s in ("host", "guest")}
        first, second = (("host", "guest") if c["inorder"] else
                          ("guest", "host"))
        argv = {"guest": side_argv(c, "guest", guest_kind, guest_role, sock,
                                   paths["guest"][0], "g"),
                "host": side_argv(c, "host", host_kind, host_role, sock,
                                  paths["host"][0], "h")}
        procs = {first: run_side(argv[first], paths[first][1])}
        try:
            end = time.monotonic() + 30
            while not os.path.exists(sock):
                p = procs[first]
                check(p.poll() is None, "%s exited (status %s) before "
                      "creating its socket:\n%s"
                      % (first, p.returncode, tail(paths[first][1])))
                check(time.monotonic() < end,
                      "no vhost-user socket after 30 s:\n%s"
                      % tail(paths[first][1]))
                time.sleep(0.01)
            if first == "host":
                # Its vhost thread sees the socket now, not in 1 s.
                vhost_events.wake(procs["host"].pid)
            procs[second] = run_side(argv[second], paths[second][1])
            gp, hp = procs["guest"], procs["host"]
            end = time.monotonic() + TIMEOUT
            # The generator ends first (count, then linger); the sink at
            # the last end-of-stream.
            rcs = {}
            for side, p in (("guest", gp), ("host", hp)) if \
                    guest_role == "gen" else (("host", hp), ("guest", gp)):
                rcs[side] = finish(p, end - time.monotonic())
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.kill()
                    p.wait()
            # EAL keeps hugepage files at exit (and a killed side its
            # runtime directory); these prefixes are ours.
            for tag in ("g", "h"):
                h.remove_eal_files(prefix(tag))
        wall = time.monotonic() - t0
        gen_side = "guest" if guest_role == "gen" else "host"
        sink_side = "host" if gen_side == "guest" else "guest"
        g = load(paths[gen_side][0], rcs[gen_side], paths[gen_side][1])
        s = load(paths[sink_side][0], rcs[sink_side], paths[sink_side][1])
        try:
            verify(c, g, s, rcs[gen_side], rcs[sink_side])
            if c["pair"] == "packed_guest":
                check_split(paths["host"][1])
            if c["inorder"]:
                check_in_order(paths["host"][1])
        except Fail as e:
            raise Fail("%s\n--- generator (%s) log:\n%s\n--- sink (%s) log:"
                       "\n%s" % (e, gen_side, tail(paths[gen_side][1], 800),
                                 sink_side, tail(paths[sink_side][1], 800)))
    xs = s.get("xstats", {})
    sleeps = sum(v for k, v in xs.items() if k.endswith("_sleeps")
                 and k.startswith("rx_q"))
    wakes = sum(v for k, v in xs.items() if k.endswith("_wakeups")
                and k.startswith("rx_q") and "spurious" not in k)
    print("%s: %d packets over %d queue(s); generator %.3f s (%.2f Mpps), "
          "sink %.3f s (%.2f Mpps); sink rx sleeps %d, wake-ups %d; "
          "case %.2f s wall" % (
              name, s["data_packets"], c["queues"], g["active_s"],
              g["sent_mpps"], s["active_s"], s["mpps"], sleeps, wakes, wall))


def negotiated(host_log):
    """The features the vhost library logged it negotiated, each time."""
    with open(host_log) as f:
        found = re.findall(r"negotiated Virtio features: 0x([0-9a-f]+)",
                           f.read())
    check(found, "the host logged no negotiated features")
    return [int(x, 16) for x in found]


def check_split(host_log):
    """No packed ring."""
    for f in negotiated(host_log):
        check(not (f >> VIRTIO_F_RING_PACKED) & 1,
              "the host negotiated a packed ring (features 0x%x)" % f)


def check_in_order(host_log):
    """VIRTIO_F_IN_ORDER: the rings ran the in-order paths."""
    for f in negotiated(host_log):
        check((f >> VIRTIO_F_IN_ORDER) & 1,
              "the host did not negotiate IN_ORDER (features 0x%x)" % f)


def verify(c, g, s, grc, src):
    n = c["queues"]
    check(grc == 0, "generator exit status %s" % grc)
    check(src == 0, "sink exit status %s" % src)
    check(g["eos_sent"], "generator could not send every end-of-stream")
    check(g["sent"] == count(c), "generator sent %d of %d packets (cap "
          "hit?)" % (g["sent"], count(c)))
    check(s["eos"], "sink did not see every queue's end-of-stream: %s"
          % {q: v["eos"] for q, v in s["per_queue"].items()})
    check(s["expected"] == g["sent"],
          "end-of-stream counts sum to %d, generator sent %d"
          % (s["expected"], g["sent"]))
    check(s["data_packets"] == g["sent"] and s["lost"] == 0,
          "sent %d, sink received %d, lost %d"
          % (g["sent"], s["data_packets"], s["lost"]))
    check(s["duplicates"] == 0 and s["reordered"] == 0,
          "%d duplicates, %d reordered" % (s["duplicates"], s["reordered"]))
    check(s["misrouted"] == 0 and s["foreign_packets"] == 0,
          "%d packets arrived on another queue than they were sent on, "
          "%d foreign packets" % (s["misrouted"], s["foreign_packets"]))
    check(s["bad_length"] == 0 and s["after_eos"] == 0,
          "%d frames of the wrong length (or segments), %d packets after "
          "an end-of-stream" % (s["bad_length"], s["after_eos"]))
    check(s["payload_checked"] and s["bad_payload"] == 0 and
          s["beyond_eos"] == 0,
          "payload checked: %s; %d packets whose payload is not theirs, %d "
          "numbers never sent" % (s["payload_checked"], s["bad_payload"],
                                  s["beyond_eos"]))
    check(len(s["per_queue"]) == n and len(g["sent_per_queue"]) == n,
          "reports cover %d (sink) and %d (generator) queues, not %d"
          % (len(s["per_queue"]), len(g["sent_per_queue"]), n))
    for q in range(n):
        sq, sent = s["per_queue"][str(q)], g["sent_per_queue"][str(q)]
        check(sent > 0, "queue %d: generator sent nothing on it: %s"
              % (q, g["sent_per_queue"]))
        check(sq["data_packets"] == sent and sq["expected"] == sent and
              sq["lost"] == 0 and sq["duplicates"] == 0 and
              sq["reordered"] == 0,
              "queue %d: sent %d, received %d (expected %d, lost %d, "
              "%d duplicates, %d reordered)" % (
                  q, sent, sq["data_packets"], sq["expected"], sq["lost"],
                  sq["duplicates"], sq["reordered"]))


def main():
    args = sys.argv[1:]
    if args == ["--list"]:
        print("\n".join(cases()))
        return 0
    names = cases() if args == ["all"] else args
    if not names:
        print(__doc__)
        return 2
    failed = []
    t0 = time.monotonic()
    for name in names:
        try:
            run_case(name)
            print("PASS", name)
        except (Fail, h.HarnessError, FileNotFoundError) as e:
            print("FAIL %s: %s" % (name, e))
            failed.append(name)
        sys.stdout.flush()
    print("%d case(s), %d failed, %.1f s" % (len(names), len(failed),
                                            time.monotonic() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
