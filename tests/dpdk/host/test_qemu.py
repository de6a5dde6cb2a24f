# SPDX-License-Identifier: BSD-3-Clause
"""net_vhost_spin with QEMU and a Linux guest (kernel virtio-net, EVENT_IDX).

The guest is Debian's kernel with a tiny initramfs built here (busybox and
the virtio modules): it brings eth0 up, sends PINGS ICMP echo requests,
one every 50 ms (long enough for a spinning host to arm and sleep between
them), to an address whose MAC is the host port's, and reports its
interface counters. The host testpmd forwards in macswap mode, so every
frame comes back to the guest. QEMU runs under TCG with vectors=0
(MSI-X crashes QEMU 7.2 under TCG), its memory a shared memfd.

Case linux_MODE (MODE: spin or poll): the frontend negotiated EVENT_IDX
(host log); the guest sent at least PINGS frames (its IPv6 is off: no
frames on timers of its own), the host received exactly the frames the
guest sent and sent back as many, and the guest received back exactly as
many as it sent (its interface counters: it has no reply to wait for).
linux_spin runs the host with sleep_max_us=1000000: the host sleeps
between pings (50 ms apart) and each ping's kick must wake it, so
rx_q0_wakeups reaches at least PINGS - 10 (the slack: a ping the guest,
slowed by TCG, sends right after another, or one that comes while a
new memory table woke the host). One lost kick costs about 20: with
EVENT_IDX nothing repairs it, and the pings pile up until the 1 s
timeout.
Case linux_hotplug (poll): pings of 1400 bytes, which the host prefetches
(its lookahead reads the guest's rings from the lcore), and once they run a
128 MB memfd DIMM plugged through QMP: QEMU sends a new memory table while
the rings run, without pausing them. The host logged that both rings'
lookahead was reopened with it, both lookahead counters moved, and every
ping still came back.
Case linux_spin_hotplug: both at once, one boot (the suite's case): the
host of linux_spin, the pings and the DIMM of linux_hotplug; every check
of both.
Skipped (77) when qemu-system-x86_64, a kernel in /boot or busybox-static
are missing.
"""

import glob
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import time

import hostlib as hl
from hostlib import check

PINGS = 40
HOST_MAC = "56:48:53:50:00:00"  # net_vhost_spin port 0
# What the guest needs; their dependencies come from modules.dep.
MODULES = ["virtio_pci", "virtio_net"]

INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in %(modules)s; do insmod /lib/$m.ko || echo "insmod $m failed"; done
# No IPv6: its solicitations and reports, on timers of their own, could
# cross the reading of the counters, which are compared frame for frame.
for c in all default eth0; do
    echo 1 > /proc/sys/net/ipv6/conf/$c/disable_ipv6
done
ip link set lo up
ip link set eth0 up
ip addr add 10.0.0.1/24 dev eth0
arp -i eth0 -s 10.0.0.2 %(mac)s
i=0
while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] &&
      [ $i -lt 100 ]; do
    usleep 20000
    i=$((i + 1))
done
echo VSPIN_GUEST_UP
i=0
while [ $i -lt %(pings)d ]; do
    ping -c 1 -W 1 -s %(size)d 10.0.0.2 >/dev/null 2>&1 &
    usleep 50000
    i=$((i + 1))
done
wait  # every ping sent and its frame back, or its 1 s over
usleep 300000
echo VSPIN_RESULT rx $(cat /sys/class/net/eth0/statistics/rx_packets) \
tx $(cat /sys/class/net/eth0/statistics/tx_packets)
poweroff -f
"""


def kernel():
    ks = sorted(glob.glob("/boot/vmlinuz-*"))
    if not ks:
        raise FileNotFoundError("no kernel in /boot (linux-image-amd64)")
    k = ks[-1]
    ver = k[len("/boot/vmlinuz-"):]
    return k, "/lib/modules/" + ver


def cpio_newc(entries):
    """An uncompressed newc cpio archive: entries of (name, mode, data)."""
    out = bytearray()
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0,
                                                          b"")], 1):
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out += hdr.encode() + nb
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def load_order(moddir, wanted):
    """Module paths (relative to moddir), dependencies first."""
    deps = {}
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            mod, _, rest = line.partition(":")
            deps[mod] = rest.split()
    by_name = {os.path.basename(m)[:-len(".ko")]: m for m in deps}
    order = []

    def visit(m):
        for dep in deps[m]:
            visit(dep)
        if m not in order:
            order.append(m)
    for w in wanted:
        if w not in by_name:
            raise FileNotFoundError("module %s not in %s (uncompressed "
                                    ".ko expected)" % (w, moddir))
        visit(by_name[w])
    return order


def initramfs(path, moddir, size):
    with open("/bin/busybox", "rb") as f:
        bb = f.read()
    # A dynamic busybox names its loader; the initramfs has no libc.
    if b"/ld-linux" in bb:
        raise FileNotFoundError("/bin/busybox is not static "
                                "(busybox-static)")
    d, f_ = stat.S_IFDIR | 0o755, stat.S_IFREG | 0o755
    entries = [("bin", d, b""), ("lib", d, b""), ("proc", d, b""),
               ("sys", d, b""), ("dev", d, b""),
               ("bin/busybox", f_, bb)]
    names = []
    for rel in load_order(moddir, MODULES):
        name = os.path.basename(rel)[:-len(".ko")]
        with open(os.path.join(moddir, rel), "rb") as f:
            entries.append(("lib/%s.ko" % name, f_, f.read()))
        names.append(name)
    init = INIT % {"modules": " ".join(names), "mac": HOST_MAC,
                   "pings": PINGS, "size": size}
    entries.append(("init", f_, init.encode()))
    with open(path, "wb") as f:
        f.write(cpio_newc(entries))


def qmp(path, *commands):
    """Run QMP commands on QEMU's monitor socket; their replies."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    f = s.makefile("rw")
    json.loads(f.readline())  # the greeting
    replies = []
    for cmd in ({"execute": "qmp_capabilities"},) + commands:
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "event" not in r:
                break
        check("error" not in r, "QMP %s: %s" % (cmd["execute"], r))
        replies.append(r)
    s.close()
    return replies


def hotplug_dimm(d, out_path):
    """Once the guest pings, plug a 128 MB memfd DIMM: QEMU sends a new
    memory table while the rings run."""
    ok = hl.h.wait_until("the guest up", lambda: "VSPIN_GUEST_UP" in open(
        out_path).read(), 180)
    check(ok, "the guest did not come up")
    time.sleep(0.5)
    qmp(d + "/qmp.sock",
        {"execute": "object-add", "arguments": {
            "qom-type": "memory-backend-memfd", "id": "mem1",
            "size": 128 << 20, "share": True}},
        {"execute": "device_add", "arguments": {
            "driver": "pc-dimm", "id": "dimm1", "memdev": "mem1"}})


def linux(mode, hotplug=False):
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        raise FileNotFoundError("qemu-system-x86_64 not installed")
    if not os.path.exists("/bin/busybox"):
        raise FileNotFoundError("/bin/busybox not installed")
    vmlinuz, moddir = kernel()
    with hl.h.private_dir() as d:
        sock = d + "/vhost.sock"
        initrd = d + "/initrd.cpio"
        # Frames past 256 bytes: the host prefetches them (lookahead).
        initramfs(initrd, moddir, 1400 if hotplug else 56)
        extra = ",sleep_max_us=%d" % hl.h.SLEEP_MAX_US \
            if mode != "poll" else ""
        with hl.host("ours", sock, mode, extra=extra,
                     log_levels=["pmd.net.vhost_spin:info"]) as H:
            hl.fwd(H, "macswap")
            mem = "256,slots=2,maxmem=512M" if hotplug else "256"
            argv = [qemu, "-accel", "tcg", "-m", mem, "-nographic",
                    "-no-reboot", "-smp", "1",
                    "-object", "memory-backend-memfd,id=mem,size=256M,"
                    "share=on", "-numa", "node,memdev=mem",
                    "-kernel", vmlinuz, "-initrd", initrd,
                    "-append", "console=ttyS0 panic=-1 quiet",
                    "-chardev", "socket,id=c0,path=" + sock,
                    "-netdev", "vhost-user,id=n0,chardev=c0",
                    "-device", "virtio-net-pci,netdev=n0,vectors=0,"
                    "mac=52:54:00:12:34:56"]
            if hotplug:
                argv += ["-qmp", "unix:%s/qmp.sock,server=on,wait=off" % d]
            log = open(d + "/qemu.log", "w+")
            q = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL,
                                 start_new_session=True)
            t0 = time.monotonic()
            if hotplug:
                hotplug_dimm(d, log.name)
            try:
                rc = q.wait(240)
            except subprocess.TimeoutExpired:
                rc = None
                q.kill()
                q.wait()
            log.seek(0)
            out = log.read()
            log.close()
            took = time.monotonic() - t0
            hst = H.port_stats(0)
            host_rx, host_tx = hst["rx_packets"], hst["tx_packets"]
            xs = H.xstats(0)
            H.stop_fwd()
            hlog = H.log
    m = re.search(r"VSPIN_RESULT rx (\d+) tx (\d+)", out)
    if os.environ.get("VSPIN_QEMU_DEBUG"):
        print(out)
    check(m is not None, "the guest printed no result (qemu exit %s after "
          "%.0f s):\n%s" % (rc, took, out[-3000:]))
    grx, gtx = int(m.group(1)), int(m.group(2))
    ev = re.search(r"EVENT_IDX (on|off)", hlog)
    print("linux guest (%.0f s): guest tx %d rx %d; host rx %d tx %d; host "
          "rx_q0 sleeps %d wakeups %d timeouts %d; EVENT_IDX %s" % (
              took, gtx, grx, host_rx, host_tx, xs.get("rx_q0_sleeps", -1),
              xs.get("rx_q0_wakeups", -1), xs.get("rx_q0_sleep_timeouts", -1),
              ev.group(1) if ev else "?"))
    check(ev is not None and ev.group(1) == "on",
          "the Linux guest did not negotiate EVENT_IDX")
    # Every frame the guest's kernel sent (the pings, and whatever else
    # it sends) reached the host, went back (macswap) and was received.
    check(gtx >= PINGS, "the guest sent %d frames for %d pings" % (
        gtx, PINGS))
    check(host_rx == gtx, "host received %d frames, the guest sent %d"
          % (host_rx, gtx))
    check(host_tx == host_rx, "host sent back %d of the %d frames it "
          "received" % (host_tx, host_rx))
    check(grx == gtx, "guest received %d frames back of the %d it sent"
          % (grx, gtx))
    if hotplug:
        check("a new memory table while 2 ring(s) ran" in hlog,
              "no new memory table reached the host while its rings ran:\n"
              + hlog[-2000:])
        for k in ("rx_q0_lookahead_bursts", "tx_q0_lookahead_bursts"):
            check(xs.get(k, 0) > 0, "%s = %s: no lookahead with %d-byte "
                  "frames" % (k, xs.get(k), 1442))
    if mode != "poll":
        check(xs["rx_q0_wakeups"] >= PINGS - 10,
              "the sleeping host was woken by a kick %d times for %d pings "
              "50 ms apart (%d sleeps, %d ended by the %d us timeout)" % (
                  xs["rx_q0_wakeups"], PINGS, xs["rx_q0_sleeps"],
                  xs["rx_q0_sleep_timeouts"], hl.h.SLEEP_MAX_US))


CASES = {
    "linux_spin": lambda: linux("spin:50"),
    "linux_poll": lambda: linux("poll"),
    "linux_hotplug": lambda: linux("poll", hotplug=True),
    "linux_spin_hotplug": lambda: linux("spin:50", hotplug=True),
}

if __name__ == "__main__":
    hl.main(CASES)
