# SPDX-License-Identifier: BSD-3-Clause
"""Wake-up timing for the detached-port and cycle tests (host/ and guest/).

A port that sleeps with sleep_max_us=1000000 must still deliver the first
packets of a (re)connected peer in far less than a second: a wake-up that
the connect forgot shows up as a delay near the sleep bound.

    g = Testpmd(...)   # the peer, not started yet
    w = FirstRx(t, port=0, key="rx_packets",
                marks=[(t, "frontend attached"),
                       (g, "Start automatic packet forwarding")])
    w.start()          # before the peer is started
    g.start()          # it sends as soon as its link is up
    ready_t, rx_t = w.result(timeout=10)

FirstRx polls t's port stats every `step` seconds (5 ms) in a thread
(the caller must not send t commands meanwhile) and notes when each mark
first appears in its process's output (after start() for processes
already running): the link-up line of the PMD, the peer's start of
forwarding. ready_t is the latest of those times: from then on, packets
are sent to a port whose link is up, and only a wake-up can be missing.
Times are time.monotonic(); None if it did not happen.
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class FirstRx:
    def __init__(self, t, port=0, key="rx_packets", marks=(),
                 step=0.005, base=None):
        self.t = t
        self.port = port
        self.key = key
        self.marks = list(marks)
        self.mark_t = [None] * len(self.marks)
        self.step = step
        self.base = base  # counter value before; read at start() if None
        self.rx_t = None
        self.rx_first = None
        self.polls = 0
        self.error = None
        self._stop = threading.Event()
        self._thr = None
        self._off = []

    def start(self):
        if self.base is None:
            self.base = self.t.port_stats(self.port)[self.key]
        self._off = [len(m[0].log) for m in self.marks]
        self._thr = threading.Thread(target=self._run, daemon=True)
        self._thr.start()
        return self

    def _run(self):
        try:
            while not self._stop.is_set():
                self._look(time.monotonic())
                v = self.t.port_stats(self.port)[self.key]
                self.polls += 1
                if v > self.base:
                    self.rx_t = time.monotonic()
                    self.rx_first = v - self.base
                    self._look(self.rx_t)
                    return
                time.sleep(self.step)
        except Exception as e:  # reported by result()
            self.error = e

    def _look(self, now):
        for i, (t, m) in enumerate(self.marks):
            if self.mark_t[i] is None and m in t.log[self._off[i]:]:
                self.mark_t[i] = now

    @property
    def ready_t(self):
        if not self.marks or None in self.mark_t:
            return None
        return max(self.mark_t)

    def result(self, timeout=10.0):
        self._thr.join(timeout)
        self._stop.set()
        self._thr.join(5)
        if self.error is not None:
            raise self.error
        return self.ready_t, self.rx_t


def ms(a, b):
    """b - a in milliseconds, or None."""
    if a is None or b is None:
        return None
    return (b - a) * 1000.0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def fd_kinds(pid):
    """{link target kind: count} of the process's fds, for a leak report."""
    kinds = {}
    base = "/proc/%d/fd" % pid
    for fd in os.listdir(base):
        try:
            k = os.readlink("%s/%s" % (base, fd))
        except OSError:
            continue
        if k.startswith("/"):
            k = "file"
        elif k.startswith(("socket:", "pipe:")):
            k = k.split(":", 1)[0]
        kinds[k] = kinds.get(k, 0) + 1
    return kinds
