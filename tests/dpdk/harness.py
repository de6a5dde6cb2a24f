# SPDX-License-Identifier: BSD-3-Clause
"""Drive Debian's stock dpdk-testpmd for the two-process DPDK tests.

Python 3 standard library only. Shared by tests/dpdk/guest (net_virtio_spin)
and tests/dpdk/host (net_vhost_spin): keep this API stable.

API
---
build_dir() -> str
    The meson build directory: $VSPIN_BUILD_DIR, else ../../build from here.
plugin(name) -> str
    Path of one of our PMD plugins: plugin("virtio") or plugin("vhost_spin")
    (build/drivers/net/<name>/librte_net_<...>.so), for testpmd's -d. When
    the build is below a world-writable directory (a clone under /tmp),
    which EAL refuses to load from, a copy in a private 0755 directory
    (scripts/private_plugins.py). Raises FileNotFoundError, or
    HarnessError with the reason when no private copy can be made.
private_dir() -> context manager yielding a fresh 0700 directory (sockets,
    logs); removed on exit.

Testpmd(name, vdevs=(), plugins=(), fwd_lcore=None, lcores="0",
        main_lcore=None, args=(), eal_args=(), log_levels=(),
        interactive=True, timeout=30, mem_mb=128, mem=None,
        vhost_wake=True)
    One testpmd process. name makes the --file-prefix unique (the pid and a
    counter are added). fwd_lcore=N (0 or 1): forward on core N, with the
    main (command line) lcore on the other core ("-l 0,1 --main-lcore
    1-N"); testpmd needs a forwarding lcore besides its main one. Else
    lcores is EAL -l (--lcores if it maps lcores to CPUs with "@", e.g.
    "0@0,1@0": both on core 0) and main_lcore --main-lcore. args are
    testpmd's own (after --), e.g. ["--forward-mode=io", "--txq=2"];
    "-i --no-flush-rx" is added when interactive, and
    --total-num-mbufs=16384 unless given (the default pool does not fit in
    -m 128). log_levels: e.g.
    ["lib.vhost.config:debug"]. EAL always gets --no-pci, and the memory
    flags mem (a list), by default ["--no-huge", "-m", str(mem_mb)]; e.g.
    mem=["--single-file-segments"] for dynamic hugepage memory (the
    --file-prefix keeps the hugepage files of each process apart).
    Once it has quit or been killed (.quit(), .kill() or the end of a
    `with`), the EAL runtime directory and hugepage files of its
    --file-prefix are removed: EAL leaves them behind at exit (22.11 keeps
    the hugepage files, with their pages, for secondary processes; only
    the next primary process clears them).
    vhost_wake: once testpmd has started a vhost-user server port (a
    --vdev net_vhost*, or "port attach net_vhost_spin*"), wake the vhost
    library's event thread so that it accepts the first guest at once,
    not after its 1 s poll timeout (vhost_events.py).
    Use as a context manager: on exit it quits (or kills) the process.
    If the exit is what ends it (the test neither quit nor killed it) and
    no exception is in flight, a process that had to be killed (no exit
    within quit's timeout) or exited with a status other than 0 (e.g. a
    sanitizer's abort at quit) raises HarnessError with the log tail.
  .start() -> self      launch; waits for the first prompt (interactive) or
                        returns at once (non-interactive: then .wait()).
  .cmd(line, timeout=10) -> str
                        send one command, return its output up to the next
                        prompt, without the log and event lines other
                        threads printed meanwhile (those stay in .log).
                        Raises HarnessError (with the log tail).
  .attach_fails(dev, expect=None) -> str
                        "port attach dev", which must fail (printing
                        expect, if given); what the process printed
  .wait_link_up(port, timeout=10) / .wait_link_down(port, timeout=10)
  .link_up(port) -> bool
  .start_fwd() / .stop_fwd() -> str     "start" / "stop" (stop's output)
  .port_stats(port) -> dict             rx_packets, rx_bytes, rx_missed,
                        rx_errors, rx_nombuf, tx_packets, tx_bytes, tx_errors
  .xstats(port) -> dict                 name -> int (show port xstats N)
  .quit(timeout=10) -> int              "quit", wait; kill on timeout
                        (then .quit_killed is True)
  .kill()
  .wait(timeout) -> int                 exit status (non-interactive runs)
  .log -> str                           everything the process printed
  .pid, .returncode
  .fail(msg)                            raise HarnessError with log tail

Sanitizer builds: when $VSPIN_TESTPMD_PRELOAD is set (the meson build of an
    ASan build sets it to gcc's libasan.so), every testpmd runs with it in
    LD_PRELOAD (stock testpmd is not linked with the ASan runtime; the
    plugins are), ASAN_OPTIONS detect_leaks=0 (testpmd's and EAL's own
    allocations at exit are not ours) and abort_on_error=1, UBSAN_OPTIONS
    halt_on_error=1: a report ends the process, and the test sees it die.
    Preset ASAN_OPTIONS/UBSAN_OPTIONS are kept. Run by hand, naming such
    a build in $VSPIN_BUILD_DIR is enough: the runtime is found as meson
    does (gcc -print-file-name=libasan.so). sanitizer_report(log)
    returns the first sanitizer report line in a log, or None.
hugepage_files(prefix) -> [path]
    Files named by EAL for --file-prefix prefix in every hugetlbfs mount.
remove_hugepage_files(prefix)
runtime_dir(prefix) -> path, remove_runtime_dir(prefix)
    EAL's runtime directory of a --file-prefix (left behind at exit).
remove_eal_files(prefix)
    Both of the above, for a DPDK process that has exited; Testpmd and
    run_testpmd call it. file_prefix(argv) -> prefix or None.

telemetry(prefix, *cmds) -> [json]
    Replies of Debian's dpdk-telemetry.py to cmds (one JSON object each)
    from the DPDK process of --file-prefix prefix (its socket in the
    runtime directory). Raises HarnessError if the tool, the socket or a
    reply is missing.

run_testpmd(name, timeout=20, **kw) -> (returncode, log)
    Non-interactive run (e.g. bad devargs): waits for exit, kills on timeout
    (returncode None then).

thread_cpu(pid) -> {tid: (comm, cpu_seconds)}
    utime+stime of every thread, from /proc/PID/task/*/stat.
worker_cpu(pid, seconds) -> float
    Fraction of a core the worker lcores used over `seconds` (it sleeps);
    HarnessError if the process has no worker lcore thread.
lcore_cpu(pid) -> {comm: cpu_seconds}
    The same for EAL's lcore threads only: the main thread (key "main")
    and the worker lcores ("rte-worker-N" in 22.11, "lcore-worker-N" in
    later releases); service and interrupt threads (eal-intr-thread,
    rte_mp_handle, vhost-events, ...) are left out.
eventfd_counts(pid) -> {fd: count}
    Every eventfd the process holds, with its counter, from
    /proc/PID/fdinfo (the "eventfd-count" line).
holds_file(pid, fd) -> bool
    Whether process pid holds a descriptor of the same open file as our
    fd (kcmp(2)): exact, where a count of the process's descriptors
    also moves with whatever else the process opens and closes.
Wake-up tests (a sleeper must be woken by the peer's notification, never
by its sleep timeout):
SLEEP_MAX_US = 1000000
    sleep_max_us for our PMDs in every test that checks a wake-up: a sleep
    ended by the timeout then costs 1 s, far beyond WAKE_DEADLINE_S.
WAKE_DEADLINE_S = 0.2
    how long the first packets may take to arrive once traffic starts
    (measured after testpmd's `start` returned: `start` polls every rx
    queue from the main lcore first, where a queue may sleep).
rx_wakeups(xstats, queues) -> [rx_qN_wakeups for N < queues]
wait_rx(tp, want, port=0, key="rx_packets", timeout=WAKE_DEADLINE_S)
        -> (ok, count, seconds)
    Poll tp's port stats every 5 ms until key reaches want or timeout
    passes; seconds is the time until it did (or the time given up).
wait_xstat(tp, key, want, port=0, timeout=WAKE_DEADLINE_S)
        -> (ok, value, seconds)
    wait_rx for one xstat of tp's port (e.g. rx_q1_packets).
defer_queues(tp, queues, port=0, kind="txq")
    Restart tp's port (port stop, deferred start of each tx queue, or
    rx queue with kind="rxq", in queues, port start): testpmd then keeps
    those queues' state "stopped" and disables their forwarding streams,
    so "start" and "start tx_first" use the other queues only (rxonly
    still polls every rx queue of deferred tx queues). Only for a PMD
    without txq_info_get (rxq_info_get),
    whose queue state testpmd takes from the deferred start, and that
    accepts a deferred start: e.g. stock net_vhost or net_null (not our
    PMDs, which have txq_info_get, nor the stock net_virtio_user, which
    refuses a deferred start). The caller waits for the link again.
recv_exact(conn, n, keep=None) -> bytes or None
    n bytes from a stream socket, None if the peer closed or reset it
    first; file descriptors that come along go to the list keep, or are
    closed.
vhost_kick_fds(log) -> {vring_index: fd}
    The kick fd the stock vhost library holds for each vring, from its
    "vring kick idx:N file:FD" lines (INFO of lib.vhost.config); the last
    line per vring wins (reconnections replace fds).

Checks and cases, for every test script:
Fail (an AssertionError), check(cond, msg)
    A check that did not hold: raises Fail(msg) unless cond.
run_case(cases, skip_missing=False)
    Run the case argv[1] names (a key of the dict cases; each value takes
    no argument), print "PASS name" or "FAIL name: why" and exit 0 or 1
    (2 for a name not in cases). A failed check, a HarnessError and a
    missing file fail with their message, anything else with its
    traceback. skip_missing: a missing file (a plugin not built) is a
    skip instead (exit 77; CI counts a skip as a failure).
"""

import array
import contextlib
import ctypes
import errno
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
import private_plugins  # noqa: E402
import vhost_events  # noqa: E402

PROMPT = "testpmd> "
# cmdline writes the prompt one character at a time, while other threads
# print whole lines (link and queue events, EAL/vhost/PMD logs: EAL logs go
# to stdout too), which can land between two characters of the prompt. So
# the prompt is searched for with any number of such lines, or lone
# newlines (printf's first flush of "\nPort 0: ... event"), between its
# characters, and the command output before it with those lines taken out.
# (Taking them out first would not do: "testpmd" followed by a PMD's
# "negotiate(): ..." reads as one function name, and the prompt is lost.)
_ASYNC_LINE = (r"(?:(?:VHOST_CONFIG|VHOST_DATA|EAL|"
               r"[A-Za-z_][A-Za-z0-9_]*\(\)): [^\n]*"
               r"|Port \d+: [a-z ]+ event)\n")
_ASYNC_RE = re.compile(_ASYNC_LINE)
_PROMPT_RE = re.compile(("(?:\n|%s)*" % _ASYNC_LINE).join(
    re.escape(c) for c in PROMPT))
_counter = itertools.count()


class HarnessError(Exception):
    pass


class Fail(AssertionError):
    """A test's check did not hold; the message says what was seen."""


def check(cond, msg):
    if not cond:
        raise Fail(msg)


SKIP = 77  # meson's exit status for a skipped test


def run_case(cases, skip_missing=False):
    if len(sys.argv) < 2 or sys.argv[1] not in cases:
        print("usage: %s CASE (one of: %s)" % (
            sys.argv[0], ", ".join(sorted(cases))))
        sys.exit(2)
    name = sys.argv[1]
    try:
        cases[name]()
    except FileNotFoundError as e:
        if skip_missing:
            print("SKIP %s: %s" % (name, e))
            sys.exit(SKIP)
        print("FAIL %s: %s" % (name, e))
        sys.exit(1)
    except (AssertionError, HarnessError) as e:
        print("FAIL %s: %s" % (name, e))
        sys.exit(1)
    except Exception as e:
        traceback.print_exc()
        print("FAIL %s: unexpected error: %s" % (name, e))
        sys.exit(1)
    print("PASS %s" % name)


def build_dir():
    d = os.environ.get("VSPIN_BUILD_DIR")
    if d:
        return os.path.abspath(d)
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.abspath(os.path.join(here, "..", "..", "build"))


def test_program(env, rel):
    """A program the build made for the tests: $env if set (meson sets
    it), else build_dir()/rel."""
    p = os.environ.get(env) or os.path.join(build_dir(), rel)
    if not os.path.isfile(p):
        raise FileNotFoundError("not built: " + p)
    return p


_PLUGINS = {
    "virtio": "drivers/net/virtio/librte_net_virtio_spin.so",
    "virtio_spin": "drivers/net/virtio/librte_net_virtio_spin.so",
    "vhost_spin": "drivers/net/vhost_spin/librte_net_vhost_spin.so",
}


def _build_sanitize():
    """b_sanitize of build_dir() ("none" if unknown)."""
    try:
        with open(os.path.join(build_dir(), "meson-info",
                               "intro-buildoptions.json")) as f:
            for o in json.load(f):
                if o.get("name") == "b_sanitize":
                    return str(o.get("value"))
    except (OSError, ValueError):
        pass
    return "none"


def plugin(name):
    path = os.path.join(build_dir(), _PLUGINS.get(name, name))
    if not os.path.isfile(path):
        raise FileNotFoundError("plugin not built: " + path)
    try:
        return private_plugins.usable(path)
    except private_plugins.PluginDirError as e:
        raise HarnessError(str(e)) from None


def policy_devargs(mode):
    """A spin mode as our PMDs' devargs; '+' adds more, e.g.
    adaptive+latency_us=50 (the benches' mode names)."""
    return "spin_mode=" + mode.replace("+", ",")


@contextlib.contextmanager
def private_dir(prefix="vspin-"):
    d = tempfile.mkdtemp(prefix=prefix)  # mode 0700
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def testpmd_env():
    """The environment of a testpmd: ours, plus a sanitizer runtime when
    $VSPIN_TESTPMD_PRELOAD names one."""
    env = dict(os.environ)
    pre = env.get("VSPIN_TESTPMD_PRELOAD")
    if not pre and "address" in _build_sanitize():
        # Run by hand on a sanitized build (VSPIN_BUILD_DIR=build-san):
        # the same runtime meson would name.
        pre = subprocess.run(["gcc", "-print-file-name=libasan.so"],
                             capture_output=True, text=True,
                             check=False).stdout.strip()
    if pre:
        old = env.get("LD_PRELOAD")
        env["LD_PRELOAD"] = pre + (" " + old if old else "")
        env.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1")
        env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    return env


_SAN_RE = re.compile(r"^.*(?:ERROR: AddressSanitizer|ERROR: LeakSanitizer|"
                     r"runtime error: ).*$", re.M)


def sanitizer_report(log):
    m = _SAN_RE.search(log)
    return m.group(0) if m else None


class Testpmd:
    def __init__(self, name, vdevs=(), plugins=(), fwd_lcore=None,
                 lcores="0", main_lcore=None, args=(), eal_args=(),
                 log_levels=(), interactive=True, timeout=30, mem_mb=128,
                 mem=None, vhost_wake=True):
        self.name = name
        self.vhost_wake = vhost_wake
        self.interactive = interactive
        self.timeout = timeout
        self.prefix = "%s-%d-%d" % (name, os.getpid(), next(_counter))
        if fwd_lcore is not None:
            lcores, main_lcore = "0,1", 1 - int(fwd_lcore)
        # EAL's -l cannot place two lcores on one CPU; --lcores can.
        eal = ["--lcores" if "@" in str(lcores) else "-l", str(lcores)]
        if main_lcore is not None:
            eal += ["--main-lcore", str(main_lcore)]
        if mem is None:
            mem = ["--no-huge", "-m", str(mem_mb)]
        eal += list(mem) + ["--no-pci", "--file-prefix", self.prefix]
        for p in plugins:
            eal += ["-d", p]
        for v in vdevs:
            eal += ["--vdev", v]
        for lv in log_levels:
            eal += ["--log-level", lv]
        eal += list(eal_args)
        # --no-flush-rx: before each "start" testpmd drains every rx queue
        # from its main lcore, and a PMD of ours that sleeps there keeps
        # it for the tests' 1 s sleep bound; every test counts what was
        # sent before its start itself.
        tp = ["-i", "--no-flush-rx"] if interactive else []
        tp += list(args)
        # testpmd's default pool (~155k mbufs) does not fit in -m 128.
        if not any(a.startswith("--total-num-mbufs") for a in tp):
            tp.append("--total-num-mbufs=16384")
        # stdout is a pipe: make testpmd's printf line-buffered, or command
        # output would only arrive at exit.
        self.argv = (["stdbuf", "-oL", "-eL", "dpdk-testpmd"] + eal + ["--"]
                     + tp)
        self.proc = None
        self._buf = []
        self._text = ""
        self._cond = threading.Condition()
        self._reader = None
        self._eof = False
        self.quit_killed = False

    # -- process -------------------------------------------------------
    def start(self):
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, bufsize=0, start_new_session=True,
            env=testpmd_env())
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if self.interactive:
            self._wait_for(PROMPT, 0, self.timeout, "first prompt")
            self._wake_vhost_events(self.argv)
        return self

    def _wake_vhost_events(self, words):
        """A vhost-user server port was just started: let the vhost
        library's event thread accept its first connection now rather than
        after its 1 s poll timeout (vhost_events.py)."""
        if self.vhost_wake and any(w.startswith("net_vhost") for w in words):
            vhost_events.wake(self.pid)

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self._eof = True
                    self._cond.notify_all()
                    return
                self._text += chunk.decode("utf-8", "replace")
                self._cond.notify_all()

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def returncode(self):
        return self.proc.poll() if self.proc else None

    @property
    def log(self):
        with self._cond:
            return self._text

    def fail(self, msg, tail=4000):
        log = self.log
        raise HarnessError("%s: %s\n--- %s log (last %d chars) ---\n%s" % (
            self.name, msg, self.name, tail, log[-tail:]))

    def _find(self, what, start):
        """Offset of `what` after start; for the prompt, the output before
        it with other threads' lines taken out (a str), or -1."""
        if what is PROMPT:
            m = _PROMPT_RE.search(self._text, start)
            return _ASYNC_RE.sub("", self._text[start:m.start()]) if m \
                else -1
        return self._text.find(what, start)

    def _wait_for(self, what, start, timeout, doing):
        """Wait until `what` appears in the output after offset start."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                i = self._find(what, start)
                if i != -1:
                    return i
                if self._eof:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
        if self._eof:
            self.wait(5)
            self.fail("exited (status %s) while waiting for %s" % (
                self.returncode, doing))
        self.fail("timeout (%gs) waiting for %s" % (timeout, doing))

    def cmd(self, line, timeout=10):
        if not self.interactive:
            raise HarnessError("cmd() on a non-interactive testpmd")
        with self._cond:
            start = len(self._text)
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self.fail("stdin closed, cannot send %r" % line)
        out = self._wait_for(PROMPT, start, timeout, repr(line))
        # Our net_vhost_spin listens from its probe; the stock net_vhost
        # only from its configure (testpmd's "port start").
        if line.startswith("port attach net_vhost_spin"):
            self._wake_vhost_events(line.split()[2:])
        # Drop the echo of the command line itself.
        if out.startswith(line):
            out = out[len(line):]
        return out

    def attach_fails(self, dev, expect=None, timeout=30):
        """'port attach dev', which must fail ("Failed to attach port")
        and, if expect is given, print it (the PMD's error); returns
        everything the process printed meanwhile, or raises
        HarnessError."""
        start = len(self.log)
        out = self.cmd("port attach " + dev, timeout=timeout)
        if "Failed to attach port" not in out:
            self.fail("port attach %s did not fail: %r" % (dev, out))
        new = self.log[start:]
        if expect is not None and expect not in new:
            self.fail("port attach %s: no %r in what it printed:\n%s"
                      % (dev, expect, new[-1500:]))
        return new

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def _remove_eal_files_once_gone(self):
        if self.proc is not None and self.proc.poll() is not None:
            remove_eal_files(self.prefix)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
        self._remove_eal_files_once_gone()

    def quit(self, timeout=10):
        if self.proc is None or self.proc.poll() is not None:
            self._remove_eal_files_once_gone()
            return self.returncode
        if self.interactive:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
        else:
            self.proc.send_signal(signal.SIGINT)
        rc = self.wait(timeout)
        if rc is None:
            self.quit_killed = True
            self.kill()
        if self._reader:
            self._reader.join(5)
        self._remove_eal_files_once_gone()
        return self.returncode

    def __enter__(self):
        if self.proc is None:
            try:
                self.start()
            except BaseException:
                # No __exit__ after a failed __enter__: clean up here
                # (a testpmd that exited at start leaves its EAL files).
                self.kill()
                remove_eal_files(self.prefix)
                raise
        return self

    def __exit__(self, exc_type, exc, tb):
        # Whether this __exit__ ends the process (the test did not quit
        # or kill it itself).
        ending = self.proc is not None and self.proc.poll() is None
        self.quit_killed = False
        rc = None
        try:
            rc = self.quit()
        finally:
            self.kill()
            remove_eal_files(self.prefix)
            if self.proc:
                for f in (self.proc.stdin, self.proc.stdout):
                    try:
                        f.close()
                    except OSError:
                        pass
        # A process that ends badly at quit (a sanitizer's abort, a
        # crash in a PMD's close, a hang) fails the test, unless the test
        # is failing already.
        if exc_type is None and ending and (self.quit_killed or rc != 0):
            san = sanitizer_report(self.log)
            self.fail("quit: %s%s" % (
                "no exit within the timeout, killed" if self.quit_killed
                else "exit status %s" % rc,
                " (%s)" % san if san else ""))
        return False

    # -- testpmd commands ----------------------------------------------
    def link_up(self, port):
        out = self.cmd("show port info %d" % port)
        m = re.search(r"Link status:\s*(\w+)", out)
        if not m:
            self.fail("no link status in 'show port info %d': %r" % (
                port, out[-500:]))
        return m.group(1) == "up"

    def _wait_link(self, port, up, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.link_up(port) == up:
                return
            if time.monotonic() > deadline:
                self.fail("port %d link still %s after %gs" % (
                    port, "down" if up else "up", timeout))
            time.sleep(0.02)

    def wait_link_up(self, port, timeout=10):
        self._wait_link(port, True, timeout)

    def wait_link_down(self, port, timeout=10):
        self._wait_link(port, False, timeout)

    def start_fwd(self):
        return self.cmd("start")

    def stop_fwd(self):
        return self.cmd("stop", timeout=20)

    def port_stats(self, port):
        out = self.cmd("show port stats %d" % port)
        st = {}
        for key, pat in (
                ("rx_packets", r"RX-packets:\s*(\d+)"),
                ("rx_missed", r"RX-missed:\s*(\d+)"),
                ("rx_bytes", r"RX-bytes:\s*(\d+)"),
                ("rx_errors", r"RX-errors:\s*(\d+)"),
                ("rx_nombuf", r"RX-nombuf:\s*(\d+)"),
                ("tx_packets", r"TX-packets:\s*(\d+)"),
                ("tx_errors", r"TX-errors:\s*(\d+)"),
                ("tx_bytes", r"TX-bytes:\s*(\d+)")):
            m = re.search(pat, out)
            if m:
                st[key] = int(m.group(1))
        if "rx_packets" not in st or "tx_packets" not in st:
            self.fail("cannot parse 'show port stats %d': %r" % (
                port, out[-800:]))
        return st

    def send_exact(self, n, port=0):
        """Send exactly n more packets on port (testpmd's txonly packets,
        "start tx_first"; forwarding stopped first, and after). A burst
        the ring does not take is dropped by testpmd, so it sends until
        TX-packets grew by n. testpmd's burst size is 32 again after."""
        self.stop_fwd()
        start = self.port_stats(port)["tx_packets"]
        try:
            for _ in range(100):
                left = n - (self.port_stats(port)["tx_packets"] - start)
                if left == 0:
                    return
                check(left > 0, "%s sent %d more than asked" % (
                    self.name, -left))
                burst = min(32, left)
                self.cmd("set burst %d" % burst)
                self.cmd("start tx_first %d" % (left // burst), timeout=30)
                self.stop_fwd()
        finally:
            self.cmd("set burst 32")
        raise Fail("%s could not send %d packets in 100 tries" % (
            self.name, n))

    def rx_desc_used(self, port=0, queue=0):
        """rte_eth_rx_queue_count() ("desc used count")."""
        out = self.cmd("show port %d rxq %d desc used count" % (port, queue))
        m = re.search(r"Used desc count = (\d+)", out)
        if m is None:
            # testpmd prints a negative count as an invalid queue.
            self.fail("no count from 'desc used count' (a negative "
                      "rte_eth_rx_queue_count()?): %r" % out[-300:])
        return int(m.group(1))

    def xstats(self, port):
        out = self.cmd("show port xstats %d" % port)
        xs = {}
        for m in re.finditer(r"^\s*([A-Za-z0-9_\[\]\-\.]+):\s+(\d+)\s*$",
                             out, re.M):
            xs[m.group(1)] = int(m.group(2))
        if not xs:
            self.fail("cannot parse 'show port xstats %d': %r" % (
                port, out[-800:]))
        return xs


def wait_until(what, fn, timeout=10.0, step=0.02):
    """Poll fn() until it returns true; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def run_testpmd(name, timeout=20, **kw):
    kw["interactive"] = False
    t = Testpmd(name, **kw)
    t.start()
    rc = t.wait(timeout)
    if rc is None:
        t.kill()
    if t._reader:
        t._reader.join(5)
    remove_eal_files(t.prefix)
    log = t.log
    for f in (t.proc.stdin, t.proc.stdout):
        try:
            f.close()
        except OSError:
            pass
    return rc, log


def telemetry(prefix, *cmds):
    tool = shutil.which("dpdk-telemetry.py")
    if tool is None:
        raise HarnessError("dpdk-telemetry.py not in PATH (Debian package "
                           "dpdk-dev)")
    sock = os.path.join(runtime_dir(prefix), "dpdk_telemetry.v2")
    if not os.path.exists(sock):
        raise HarnessError("no telemetry socket %s" % sock)
    # With this interpreter: its shebang's "env python3" may find a slow
    # wrapper first in PATH (see meson.build, py3).
    r = subprocess.run([sys.executable, tool, "-f", prefix],
                       input="\n".join(cmds) + "\n",
                       capture_output=True, text=True, timeout=20,
                       check=False)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or len(lines) != len(cmds):
        raise HarnessError(
            "dpdk-telemetry.py -f %s: exit %d, %d replies to %d commands:"
            "\n%s%s" % (prefix, r.returncode, len(lines), len(cmds),
                        r.stdout, r.stderr))
    return [json.loads(ln) for ln in lines]


def hugetlbfs_mounts():
    try:
        with open("/proc/mounts") as f:
            return [ln.split()[1] for ln in f if ln.split()[2:3] == ["hugetlbfs"]]
    except OSError:
        return []


def hugepage_files(prefix):
    """EAL's hugepage files of one --file-prefix: <prefix>map_<n>."""
    pat = re.compile(re.escape(prefix) + r"map_\d+$")
    res = []
    for m in hugetlbfs_mounts():
        try:
            res += [os.path.join(m, f) for f in os.listdir(m) if pat.match(f)]
        except OSError:
            pass
    return res


def remove_hugepage_files(prefix):
    for p in hugepage_files(prefix):
        try:
            os.unlink(p)
        except OSError:
            pass


def runtime_dir(prefix):
    """EAL's runtime directory of one --file-prefix (its telemetry socket,
    its config; EAL leaves it behind at exit), by EAL's own rule."""
    base = "/var/run" if os.geteuid() == 0 else \
        os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", prefix)


def remove_runtime_dir(prefix):
    shutil.rmtree(runtime_dir(prefix), ignore_errors=True)


def remove_eal_files(prefix):
    """After a DPDK process of this --file-prefix has exited: remove what
    EAL leaves of it, its hugepage files and its runtime directory (about
    2 MB each on /run)."""
    if prefix:
        remove_hugepage_files(prefix)
        remove_runtime_dir(prefix)


def file_prefix(argv):
    """The --file-prefix of a DPDK command line, or None."""
    if "--file-prefix" in argv[:-1]:
        return argv[argv.index("--file-prefix") + 1]
    return None


# -- /proc readers ------------------------------------------------------
def thread_cpu(pid):
    hz = os.sysconf("SC_CLK_TCK")
    res = {}
    base = "/proc/%d/task" % pid
    for tid in os.listdir(base):
        try:
            with open("%s/%s/stat" % (base, tid)) as f:
                s = f.read()
        except OSError:
            continue  # the thread exited meanwhile
        comm = s[s.index("(") + 1:s.rindex(")")]
        fields = s[s.rindex(")") + 2:].split()
        # fields[0] is field 3 (state): utime is field 14, stime 15.
        res[int(tid)] = (comm, (int(fields[11]) + int(fields[12])) / hz)
    return res


def lcore_cpu(pid):
    main = None
    try:
        with open("/proc/%d/comm" % pid) as f:
            main = f.read().strip()
    except OSError:
        pass
    res = {}
    for tid, (comm, cpu) in thread_cpu(pid).items():
        if (tid == pid and comm == main) or comm.startswith(
                ("rte-worker", "lcore-worker")):
            res[comm if tid != pid else "main"] = cpu
    return res


SLEEP_MAX_US = 1000000
WAKE_DEADLINE_S = 0.2


def worker_cpu(pid, seconds):
    """Fraction of a core the worker lcores (all but "main") used over
    `seconds` of wall time. HarnessError if there is none (a thread name
    this does not know would otherwise read as an idle lcore)."""
    def worker(d):
        return sum(v for k, v in d.items() if k != "main")
    lcores = lcore_cpu(pid)
    if set(lcores) <= {"main"}:
        raise HarnessError("pid %d has no worker lcore thread" % pid)
    c0 = worker(lcores)
    t0 = time.monotonic()
    time.sleep(seconds)
    c1 = worker(lcore_cpu(pid))
    return (c1 - c0) / (time.monotonic() - t0)


def rx_wakeups(xstats, queues=1):
    return [xstats["rx_q%d_wakeups" % q] for q in range(queues)]


def _wait_count(read, want, timeout, step):
    """Poll read() until it reaches want or timeout s pass: (reached, last
    value, seconds waited)."""
    t0 = time.monotonic()
    while True:
        n = read()
        dt = time.monotonic() - t0
        if n >= want or dt > timeout:
            return n >= want, n, dt
        time.sleep(step)


def wait_rx(tp, want, port=0, key="rx_packets", timeout=WAKE_DEADLINE_S,
            step=0.005):
    return _wait_count(lambda: tp.port_stats(port)[key], want, timeout, step)


def wait_xstat(tp, key, want, port=0, timeout=WAKE_DEADLINE_S, step=0.005):
    return _wait_count(lambda: tp.xstats(port)[key], want, timeout, step)


def defer_queues(tp, queues, port=0, kind="txq", timeout=20):
    tp.cmd("port stop %d" % port, timeout=timeout)
    for q in queues:
        line = "port %d %s %d deferred_start on" % (port, kind, q)
        out = tp.cmd(line)
        if out.strip():
            tp.fail("%r: %r" % (line, out))
    out = tp.cmd("port start %d" % port, timeout=timeout)
    if "Fail" in out:
        tp.fail("port start %d: %r" % (port, out))


def recv_exact(conn, n, keep=None):
    """n bytes from a stream socket, or None if the peer closed (or reset)
    it first; file descriptors that come along are appended to keep, or
    closed when keep is None."""
    buf = b""
    while len(buf) < n:
        try:
            data, anc, _, _ = conn.recvmsg(n - len(buf),
                                           socket.CMSG_SPACE(8 * 4))
        except ConnectionResetError:
            return None
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                for fd in fds:
                    if keep is not None:
                        keep.append(fd)
                    else:
                        os.close(fd)
        if not data:
            return None
        buf += data
    return buf

RING_WRAP_BEFORE = 64  # where rx_queue_count_across_wrap stops the index


def rx_queue_count_across_wrap(sender, receiver):
    """rte_eth_rx_queue_count() on the receiver's port 0 queue 0, over a
    connection made just before (both stopped; the ring's index starts at
    0, one entry a packet): with the receiver stopped, 100 entries pending
    must count 100; then the sender brings the index to 65536 -
    RING_WRAP_BEFORE while the receiver runs, and 2 * RING_WRAP_BEFORE
    pending across the 16-bit wrap must count that; 0 after each drain,
    and every packet received once. Returns the packets sent."""

    def drain():
        receiver.start_fwd()
        sent = sender.port_stats(0)["tx_packets"]
        ok, got, _ = wait_rx(receiver, sent, timeout=10)
        receiver.stop_fwd()
        got = receiver.port_stats(0)["rx_packets"]
        check(got == sent, "%s received %d of the %d %s sent" % (
            receiver.name, got, sent, sender.name))
        n = receiver.rx_desc_used()
        check(n == 0, "count %d after the drain, not 0" % n)
        return sent

    sender.send_exact(100)
    n = receiver.rx_desc_used()
    print("100 entries pending: count %d" % n)
    check(n == 100, "100 entries pending, count %d" % n)
    idx = drain()
    receiver.start_fwd()
    sender.send_exact((65536 - RING_WRAP_BEFORE - idx) % 65536)
    receiver.stop_fwd()
    idx = drain()
    check(idx % 65536 == 65536 - RING_WRAP_BEFORE, "index at %d, not %d" % (
        idx % 65536, 65536 - RING_WRAP_BEFORE))
    sender.send_exact(2 * RING_WRAP_BEFORE)
    n = receiver.rx_desc_used()
    print("%d entries pending across the wrap (%d to %d): count %d" % (
        2 * RING_WRAP_BEFORE, 65536 - RING_WRAP_BEFORE, RING_WRAP_BEFORE,
        n))
    check(n == 2 * RING_WRAP_BEFORE, "%d entries pending across the "
          "index's wrap, count %d" % (2 * RING_WRAP_BEFORE, n))
    return drain()


_LIBC = ctypes.CDLL(None, use_errno=True)
_SYS_KCMP = 312  # x86_64
_KCMP_FILE = 0


def holds_file(pid, fd):
    me = os.getpid()
    for theirs in os.listdir("/proc/%d/fd" % pid):
        r = _LIBC.syscall(_SYS_KCMP, me, pid, _KCMP_FILE, fd, int(theirs))
        if r == 0:
            return True
        if r < 0 and ctypes.get_errno() != errno.EBADF:
            raise OSError(ctypes.get_errno(), "kcmp of fd %s of pid %d"
                          % (theirs, pid))
    return False


def eventfd_counts(pid):
    res = {}
    base = "/proc/%d/fd" % pid
    for fd in os.listdir(base):
        try:
            if os.readlink("%s/%s" % (base, fd)) != "anon_inode:[eventfd]":
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                info = f.read()
        except OSError:
            continue
        m = re.search(r"^eventfd-count:\s*([0-9a-fA-F]+)", info, re.M)
        if m:
            res[int(fd)] = int(m.group(1), 16)
    return res


def vhost_kick_fds(log):
    fds = {}
    for m in re.finditer(r"vring kick idx:(\d+) file:(-?\d+)", log):
        fds[int(m.group(1))] = int(m.group(2))
    return fds
