# SPDX-License-Identifier: BSD-3-Clause
"""Debian's OVS-DPDK (openvswitch-switch-dpdk, OVS 3.1 on DPDK 22.11) with
our plugins, run privately: no systemd, no /etc or /var/run/openvswitch.

Ovs(name, plugins, pmd_core=1, other_config=None, mem_mb=1024, huge=False)
    ovsdb-server and ovs-vswitchd-dpdk started by us (children of this
    process, in their own sessions, not daemonised) on a database in a
    fresh 0700 directory (OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR point there; the
    dpdkvhostuser sockets land there too). dpdk-extra is
      --no-huge --legacy-mem -m MEM_MB --no-pci --file-prefix P -d PLUGIN...
    (--legacy-mem, or OVS adds --in-memory, which --no-huge rejects), or
    with huge=True, hugepages as users run OVS:
      --single-file-segments --no-pci --file-prefix P -d PLUGIN...
    (OVS adds --in-memory: DPDK's dynamic memory in memfds, no files left;
    one per memseg list with --single-file-segments, which net_virtio_spin
    needs inside OVS for its 8 memory regions). P is unique, so DPDK's
    runtime directory (/var/run/dpdk/P, holding the telemetry socket) is
    ours and is removed at stop. The PMD thread is pinned to pmd_core
    (pmd-cpu-mask); the main thread to core 0 (OVS's default "-l 0").
    Use as a context manager: stop() ends both processes by pid (SIGTERM,
    then SIGKILL) and removes the directories, whatever happened.
  .vsctl(*args) / .ofctl(*args) / .appctl(*args) -> str
  .restart_vswitchd()              stop ovs-vswitchd by pid, start it again
  .add_bridge(name="br0")          datapath_type=netdev, no flows
  .add_dpdk_port(name, devargs, ofport)
  .add_vhostuser_port(name, ofport) -> socket path (stock dpdkvhostuser)
  .flows(*flows)                   replace br0's flows
  .ports() -> {ofport: {"rx": n, "tx": n, "rx_drop": n, "tx_drop": n}}
                                   live (ovs-ofctl dump-ports), unlike the
                                   database's statistics column, which OVS
                                   refreshes only every 5 s. A dpdkvhostuser
                                   port shows "?" (0 here): Debian's OVS
                                   3.1 cannot read its stats ("could not
                                   retrieve stats (Protocol error)" in
                                   dpctl/show), whatever the guest.
  .flow_packets() -> {in_port: n_packets} of the in_port=N flows (lags:
                                   revalidators push datapath stats)
  .pmd_received() -> n             packets the PMD threads read (live)
  .telemetry(*cmds) -> [json]      dpdk-telemetry.py on OVS's DPDK
  .dpdk_port_id(devargs_name)      ethdev port id of a device (by name)
  .vhost_tx_enabled(sock) -> n     times OVS enabled its tx queue to a
                                   guest on vhost-user port `sock`
  .wait_vhost_tx(sock, n)          until that count passes n (a guest that
                                   just connected gets what OVS sends)
  .pmd_tid() -> tid                the PMD thread (comm "pmd-c01/id:N")
  .vspin_queue(port, q=0) / .xstats(port)   /vhost_spin/queues, xstats
  .pmd_cpu(seconds) -> fraction    its CPU over that interval (1.0 = core,
                                   from schedstat)

guest(name, kind, sock, fwd="rxonly", qsize=1024, extra="", args=(),
      mem_mb=128) -> Testpmd
    A testpmd guest ("ours": net_virtio_spin spin mode; "stock":
    net_virtio_user) on CPU 0 only, a harness Testpmd (which removes its
    hugepage files and runtime directory when it exits).
backend(name, kind, sock, fwd="rxonly") -> Testpmd
    The same for a vhost-user backend listening on sock, for an OVS port
    that is a frontend ("ours": net_vhost_spin adaptive; "stock":
    net_vhost).
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as h  # noqa: E402
import vhost_events  # noqa: E402

VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
SKIP = h.SKIP
Fail, check = h.Fail, h.check


def end(proc, timeout=10):
    """End a process we started: SIGTERM, then SIGKILL after timeout s."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    except ProcessLookupError:
        pass


def missing():
    """Why OVS-DPDK cannot run here, or None."""
    for p in (VSWITCHD, SCHEMA):
        if not os.path.exists(p):
            return "%s missing (apt install openvswitch-switch-dpdk)" % p
    for t in ("ovsdb-server", "ovsdb-tool", "ovs-vsctl", "ovs-ofctl",
              "ovs-appctl", "dpdk-telemetry.py", "dpdk-testpmd"):
        if not shutil.which(t):
            return "%s not in PATH" % t
    return None


_n = [0]

# The tap devices of OVS's userspace datapath: one for the datapath, one
# per bridge (the tests' only bridge is br0).
OVS_TAPS = ("ovs-netdev", "br0")


def clear_stale_taps(quiet=False):
    """An ovs-vswitchd that was killed (a test run interrupted) leaves
    its userspace datapath's tap devices behind, and the next one cannot
    create its datapath ("creating tap device failed: Device or resource
    busy", then "br0 is not a bridge"), and one that exits leaves them
    too. Delete them, but only tap devices, and only when no ovs-vswitchd
    runs on this machine: a running one (the system's OVS) owns its own."""
    taps = [t for t in OVS_TAPS
            if os.path.exists("/sys/class/net/%s/tun_flags" % t)]
    if not taps or subprocess.run(["pgrep", "-f", "ovs-vswitchd"],
                                  capture_output=True).returncode == 0:
        return
    for t in taps:
        subprocess.run(["ip", "link", "del", t], capture_output=True)
        if not quiet:
            print("ovslib: removed the stale tap device %s of an "
                  "ovs-vswitchd that is gone" % t, file=sys.stderr)


class Ovs:
    def __init__(self, name, plugins, pmd_core=1, other_config=None,
                 mem_mb=1024, huge=False):
        _n[0] += 1
        self.name = name
        self.prefix = "ovs-%s-%d-%d" % (name, os.getpid(), _n[0])
        self.plugins = list(plugins)
        self.pmd_core = pmd_core
        self.other_config = dict(other_config or {})
        self.mem_mb = mem_mb
        self.huge = huge
        self.dir = None
        self.db_proc = None
        self.sw_proc = None
        self.env = None

    # -- life cycle ----------------------------------------------------
    def start(self):
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        clear_stale_taps()
        self.dir = tempfile.mkdtemp(prefix="vspin-ovs-")
        d = self.dir
        self.env = dict(os.environ, OVS_RUNDIR=d, OVS_DBDIR=d, OVS_LOGDIR=d,
                        OVS_SYSCONFDIR=d)
        self.db = "unix:%s/db.sock" % d
        subprocess.run(["ovsdb-tool", "create", d + "/conf.db", SCHEMA],
                       check=True, env=self.env, capture_output=True)
        self.db_proc = subprocess.Popen(
            ["ovsdb-server", d + "/conf.db", "--remote=punix:%s/db.sock" % d,
             "--pidfile=%s/ovsdb-server.pid" % d,
             "--unixctl=%s/ovsdb-server.ctl" % d,
             "--log-file=%s/ovsdb-server.log" % d],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + 10
        while not os.path.exists(d + "/db.sock"):
            if self.db_proc.poll() is not None or time.monotonic() > deadline:
                raise Fail("ovsdb-server did not start:\n" +
                           self._tail("ovsdb-server.log"))
            time.sleep(0.05)
        if self.huge:
            extra = ["--single-file-segments"]
        else:
            extra = ["--no-huge", "--legacy-mem", "-m", str(self.mem_mb)]
        extra += ["--no-pci", "--file-prefix", self.prefix]
        for p in self.plugins:
            extra += ["-d", p]
        cfg = {"dpdk-init": "true", "dpdk-extra": " ".join(extra),
               "pmd-cpu-mask": hex(1 << self.pmd_core)}
        cfg.update(self.other_config)
        self.vsctl("--no-wait", "init")
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   *["other_config:%s=%s" % kv for kv in cfg.items()])
        self._start_vswitchd()
        return self

    def _start_vswitchd(self):
        d = self.dir
        seen = self.log().count("DPDK Enabled - initialized")
        self.sw_proc = subprocess.Popen(
            [VSWITCHD, self.db, "--pidfile=%s/ovs-vswitchd.pid" % d,
             "--unixctl=%s/ovs-vswitchd.ctl" % d,
             "--log-file=%s/ovs-vswitchd.log" % d],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + 30
        while self.log().count("DPDK Enabled - initialized") <= seen:
            if self.sw_proc.poll() is not None or time.monotonic() > deadline:
                raise Fail("ovs-vswitchd did not initialise DPDK:\n" +
                           self._tail("ovs-vswitchd.log"))
            time.sleep(0.1)

    def restart_vswitchd(self):
        """Stop ovs-vswitchd (SIGTERM, by pid) and start it again on the
        same database (bridges, ports and flows are kept there; DPDK's
        runtime directory is reused)."""
        end(self.sw_proc, 15)
        self._start_vswitchd()
        br = getattr(self, "br", None)
        deadline = time.monotonic() + 20
        while br and subprocess.run(["ovs-ofctl", "show", br], env=self.env,
                                    capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                self.fail("bridge %s not back after the restart" % br)
            time.sleep(0.1)

    def stop(self):
        try:
            end(self.sw_proc, 15)
        finally:
            end(self.db_proc)
            if self.dir:
                shutil.rmtree(self.dir, ignore_errors=True)
            h.remove_runtime_dir(self.prefix)
            clear_stale_taps(quiet=True)  # OVS leaves them at exit too

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- logs ----------------------------------------------------------
    def log(self, name="ovs-vswitchd.log"):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _tail(self, name, n=3000):
        return self.log(name)[-n:]

    def fail(self, msg):
        raise Fail("%s\n--- ovs-vswitchd.log (tail) ---\n%s" % (
            msg, self._tail("ovs-vswitchd.log")))

    # -- tools ---------------------------------------------------------
    def _run(self, argv, timeout=30):
        r = subprocess.run(argv, env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        if r.returncode != 0:
            self.fail("%s: exit %d: %s" % (" ".join(argv), r.returncode,
                                          r.stderr.strip()))
        return r.stdout

    def vsctl(self, *args):
        return self._run(["ovs-vsctl", "--db=" + self.db, "--timeout=30"]
                         + list(args))

    def ofctl(self, *args):
        return self._run(["ovs-ofctl"] + list(args))

    def appctl(self, *args):
        return self._run(["ovs-appctl", "-t",
                          "%s/ovs-vswitchd.ctl" % self.dir] + list(args))

    def set_config(self, **kv):
        self.vsctl("set", "Open_vSwitch", ".",
                   *["other_config:%s=%s" % (k.replace("_", "-"), v)
                     for k, v in kv.items()])

    def remove_config(self, key):
        self.vsctl("remove", "Open_vSwitch", ".", "other_config", key)

    # -- bridge and ports ----------------------------------------------
    def add_bridge(self, br="br0"):
        self.br = br
        self.vsctl("add-br", br, "--", "set", "bridge", br,
                   "datapath_type=netdev")
        self.ofctl("del-flows", br)

    def add_dpdk_port(self, name, devargs, ofport):
        self.vsctl("add-port", self.br, name, "--", "set", "interface", name,
                   "type=dpdk", "options:dpdk-devargs=" + devargs,
                   "ofport_request=%d" % ofport)
        self._check_port(name)

    def add_vhostuser_port(self, name, ofport):
        self.vsctl("add-port", self.br, name, "--", "set", "interface", name,
                   "type=dpdkvhostuser", "ofport_request=%d" % ofport)
        self._check_port(name)
        return os.path.join(self.dir, name)

    def add_vhostuserclient_port(self, name, ofport):
        """OVS as the vhost-user client of a guest's server socket (the
        port type OVS recommends: a restarted OVS connects again)."""
        path = os.path.join(self.dir, name + ".sock")
        self.vsctl("add-port", self.br, name, "--", "set", "interface", name,
                   "type=dpdkvhostuserclient",
                   "options:vhost-server-path=" + path,
                   "ofport_request=%d" % ofport)
        self._check_port(name)
        return path

    def _check_port(self, name):
        err = self.vsctl("get", "interface", name, "error").strip()
        if err not in ("[]", '""'):
            self.fail("interface %s: %s" % (name, err))
        ofp = self.vsctl("get", "interface", name, "ofport").strip()
        if ofp in ("-1", "[]"):
            self.fail("interface %s has no OpenFlow port" % name)
        # A new vhost-user server socket: accept its guest at once
        # (../vhost_events.py).
        vhost_events.wake(self.sw_proc.pid)

    def flows(self, *flows):
        self.ofctl("del-flows", self.br)
        for f in flows:
            self.ofctl("add-flow", self.br, f)

    def ports(self):
        out = self.ofctl("dump-ports", self.br)
        res = {}
        cur = None
        for line in out.splitlines():
            m = re.match(r"\s*port\s+\"?([A-Za-z0-9_]+)\"?:\s*rx pkts=(\d+|\?)"
                         r".*?drop=(\d+|\?)", line)
            if m:
                cur = m.group(1)
                res[cur] = {"rx": _int(m.group(2)),
                            "rx_drop": _int(m.group(3))}
                continue
            m = re.match(r"\s*tx pkts=(\d+|\?).*?drop=(\d+|\?)", line)
            if m and cur is not None:
                res[cur]["tx"] = _int(m.group(1))
                res[cur]["tx_drop"] = _int(m.group(2))
        out = {}
        for k, v in res.items():
            out[int(k) if k.isdigit() else k] = v
        return out

    def flow_packets(self):
        """{in_port: n_packets} of the in_port=N flows (ovs-ofctl)."""
        res = {}
        for m in re.finditer(r"n_packets=(\d+).*?in_port=(\d+)",
                             self.ofctl("dump-flows", self.br)):
            res[int(m.group(2))] = int(m.group(1))
        return res

    def pmd_received(self):
        """"packets received" summed over the PMD threads: live, every
        packet OVS read from any port (dpif-netdev/pmd-stats-show)."""
        out = self.appctl("dpif-netdev/pmd-stats-show")
        return sum(int(x) for x in re.findall(r"packets received:\s*(\d+)",
                                               out))

    # -- DPDK telemetry ------------------------------------------------
    def telemetry(self, *cmds):
        return h.telemetry(self.prefix, *cmds)

    def dpdk_port_id(self, devname):
        ids = self.telemetry("/ethdev/list")[0]["/ethdev/list"]
        infos = self.telemetry(*["/ethdev/info,%d" % i for i in ids])
        for i, info in zip(ids, infos):
            if (info.get("/ethdev/info") or {}).get("name") == devname:
                return i
        self.fail("no ethdev named %s in %s" % (devname, infos))

    def vspin_queue(self, port, q=0):
        r = self.telemetry("/vhost_spin/queues,%d" % port)[0]
        return r["/vhost_spin/queues"]["rx_q%d" % q]

    def xstats(self, port):
        return self.telemetry("/ethdev/xstats,%d" % port)[0]["/ethdev/xstats"]

    # -- vhost-user ports ----------------------------------------------
    def vhost_tx_enabled(self, sock):
        """How many times OVS's log says it enabled transmission to the
        guest on its vhost-user port `sock` (queue 0)."""
        return self.log().count("( tx_qid 0 ) of vhost device '%s' changed "
                                "to 'enabled'" % sock)

    def wait_vhost_tx(self, sock, before, timeout=10):
        """Wait until OVS sends to the guest that connected to `sock`
        since vhost_tx_enabled() returned `before`. OVS 3.1 applies a
        guest's queue states on a thread of its own that polls for them
        (every 1-64 ms), so for a moment after the guest's link is up OVS
        drops what it sends there (tx_dropped): a test that counts every
        packet starts after that."""
        deadline = time.monotonic() + timeout
        while self.vhost_tx_enabled(sock) <= before:
            if time.monotonic() > deadline:
                self.fail("OVS did not enable its tx queue to %s in %g s"
                          % (sock, timeout))
            time.sleep(0.01)

    # -- the PMD thread ------------------------------------------------
    def pmd_tid(self):
        for tid, (comm, _) in h.thread_cpu(self.sw_proc.pid).items():
            if comm.startswith("pmd-c"):
                return tid
        self.fail("no pmd-c* thread in ovs-vswitchd")

    def pmd_cpu(self, seconds):
        """Fraction of a core the PMD thread ran over `seconds`, from
        /proc/PID/task/TID/schedstat (ns: finer than stat's 10 ms ticks)."""
        path = "/proc/%d/task/%d/schedstat" % (self.sw_proc.pid,
                                                self.pmd_tid())

        def ns():
            with open(path) as f:
                return int(f.read().split()[0])
        a, t0 = ns(), time.monotonic()
        time.sleep(seconds)
        b, t1 = ns(), time.monotonic()
        return (b - a) / 1e9 / (t1 - t0)


def _int(s):
    return 0 if s == "?" else int(s)


# -- guests ---------------------------------------------------------------
def guest(name, kind, sock, fwd="rxonly", qsize=1024, extra="", args=(),
          mem_mb=128):
    """A testpmd guest on CPU 0 only (its main and forwarding lcores both
    there), so that OVS's PMD thread has core 1 to itself. kind "ours"
    (net_virtio_spin, spin mode) or "stock" (net_virtio_user); args: more
    testpmd options."""
    if kind == "ours":
        vdev = "net_virtio_spin0,path=%s,queue_size=%d,spin_mode=spin" % (
            sock, qsize)
        plugins = [h.plugin("virtio")]
    else:
        vdev = "net_virtio_user0,path=%s,queue_size=%d" % (sock, qsize)
        plugins = []
    if extra:
        vdev += "," + extra
    return _on_cpu0(h.Testpmd(name, vdevs=[vdev], plugins=plugins,
                              args=["--forward-mode=" + fwd,
                                    "--rxd=%d" % qsize, "--txd=%d" % qsize]
                              + list(args), mem_mb=mem_mb))


def backend(name, kind, sock, fwd="rxonly", args=()):
    if kind == "ours":
        vdev = "net_vhost_spin0,iface=%s,spin_mode=adaptive" % sock
        plugins = [h.plugin("vhost_spin")]
    else:
        vdev = "net_vhost0,iface=%s" % sock
        plugins = []
    return _on_cpu0(h.Testpmd(name, vdevs=[vdev], plugins=plugins,
                              args=["--forward-mode=" + fwd] + list(args)))


def _on_cpu0(tp):
    """Main and forwarding lcores both on CPU 0: core 1 is OVS's PMD
    thread's."""
    i = tp.argv.index("-l")
    tp.argv[i:i + 2] = ["--lcores", "0@0,1@0"]
    return tp
