# SPDX-License-Identifier: BSD-3-Clause
"""A net_virtio_spin port with no backend sleeps, and a connect wakes it.

The guest (spin_mode=spin:20, sleep_max_us=1000000) forwards (rxonly) on
core 1 with no backend:
  server  it listens (server=1) and no backend has come yet;
  client  it was connected to a stock net_vhost server that quit: it is
          reconnecting (every 200 ms, on EAL's interrupt thread).
Its forwarding lcore must use at most 2% of a core over 1.5 s. Then a stock
net_vhost backend (client=1 in the server case) starts with txonly
forwarding on at once (--auto-start): the guest's first packets must
arrive within 100 ms of the moment the guest's link is up (its "backend
connected" line) and the backend forwards (its "Start automatic packet
forwarding" line), each seen as the process prints it; the guest's rx
counter is polled every 5 ms. 100 ms is a tenth of sleep_max_us: a connect
that does not wake the sleeping lcore fails. Two rounds: the backend quits
and another one comes.
"""

import os
import sys
import time

from guestlib import check, guest_pmd, harness, sock_path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import wakelib as wl  # noqa: E402

CPU_MAX = 0.02
WAKE_MAX_MS = 100.0
CONNECTED = "backend connected"
HOST_FWD = "Start automatic packet forwarding"
DEVARGS = "spin_mode=spin:20,sleep_max_us=1000000"


def fmt(v):
    return "-" if v is None else "%.1f" % v


def backend(d, client, fwd, auto, name):
    vdev = "net_vhost0,iface=%s" % sock_path(d)
    if client:
        vdev += ",client=1"
    args = ["--forward-mode=" + fwd, "--disable-link-check",
            "--no-flush-rx"]
    if auto:
        args.append("--auto-start")
    return harness.Testpmd(name, vdevs=[vdev], fwd_lcore=0, args=args)


def guest_cpu(G, what):
    cpu = wl.harness.worker_cpu(G.pid, 1.5)
    print("guest lcore %s: %.2f%% of a core over 1.5 s" % (what, cpu * 100))
    check(cpu <= CPU_MAX, "guest forwarding lcore %s used %.1f%% of a core "
          "over 1.5 s (bound %.0f%%)" % (what, cpu * 100, CPU_MAX * 100))


def backend_comes(d, G, client, rnd):
    """Start a txonly backend; after the guest's first packets return it
    (running), checking the delay."""
    H = backend(d, client, "txonly", True, "host%d" % rnd)
    w = wl.FirstRx(G, marks=[(G, CONNECTED), (H, HOST_FWD)]).start()
    try:
        t0 = time.monotonic()
        H.start()
        ready_t, rx_t = w.result(timeout=15)
    except BaseException:
        H.__exit__(None, None, None)
        raise
    link_t, fwd_t = w.mark_t
    lat = wl.ms(ready_t, rx_t)
    print("round %d: guest link up and backend forwarding -> guest's first "
          "packets %s ms (%d polls of 5 ms; backend launch -> guest link up "
          "%s ms, -> backend forwarding %s ms)" % (
              rnd, fmt(lat), w.polls, fmt(wl.ms(t0, link_t)),
              fmt(wl.ms(t0, fwd_t))))
    if ready_t is None or rx_t is None:
        H.__exit__(None, None, None)
        check(False, "round %d: %s; guest log has %d '%s' lines, backend "
              "log %d '%s'" % (
                  rnd, "no packet reached the guest within 15 s"
                  if rx_t is None else "a start line was not seen",
                  G.log.count(CONNECTED), CONNECTED, H.log.count(HOST_FWD),
                  HOST_FWD))
    if lat > WAKE_MAX_MS:
        H.__exit__(None, None, None)
        check(False, "round %d: the guest's first packets came %.1f ms "
              "after its link was up and the backend forwarding (bound "
              "%.0f ms, sleep_max_us 1 s): the connect did not wake the "
              "sleeping lcore" % (rnd, lat, WAKE_MAX_MS))
    return H


def detach(server):
    with harness.private_dir() as d:
        devargs = DEVARGS + (",server=1" if server else "")
        if server:
            G = guest_pmd(d, "rxonly", devargs).start()
        else:
            # A first backend to connect to, which then quits.
            H0 = backend(d, False, "rxonly", False, "host0").start()
            G = guest_pmd(d, "rxonly", devargs).start()
        with G:
            if not server:
                with H0:
                    G.wait_link_up(0, timeout=10)
                G.wait_link_down(0, timeout=10)
            G.start_fwd()
            what = ("waiting for a backend (server=1)" if server else
                    "reconnecting to a backend that quit")
            for rnd in (1, 2):
                if rnd == 1 or not server:
                    guest_cpu(G, what)
                with backend_comes(d, G, server, rnd):
                    pass  # quits the backend
                G.wait_link_down(0, timeout=10)
                what = "after the backend quit"
            G.stop_fwd()


CASES = {
    "detach_server": lambda: detach(True),
    "detach_client": lambda: detach(False),
}

if __name__ == "__main__":
    harness.run_case(CASES)
