# SPDX-License-Identifier: BSD-3-Clause
"""Installed plugins: `meson install` puts both PMDs where EAL autoloads
them, stock dpdk-testpmd uses them with no -d, `ninja uninstall` removes
them.

Case install_autoload
  Setup: the build directory of this test ($VSPIN_BUILD_DIR); the plugin
  directory that the librte_eal used by dpdk-testpmd scans (its
  "DPDK_PLUGIN_PATH=" string), read here independently of the build.
  Commands: meson install -C BUILD --no-rebuild; testpmd (host) with
  --vdev net_null0 --vdev net_vhost_spin0,iface=SOCK and no -d; testpmd
  (guest) with --vdev net_virtio_spin0,path=SOCK and no -d;
  ninja -C BUILD uninstall.
  Expected: both plugins installed in that directory; the host has two
  ports, net_null and net_vhost_spin; the guest's net_virtio_spin port
  comes up against it; after uninstall the directory is exactly as before
  (same names, sizes, modes and times; a file of ours that was there before
  is put back byte for byte).

The plugins are installed for as short a time as possible: any other test
running meanwhile with -d would load a second copy of the plugin. The
directory is restored in a finally clause, whatever failed.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness  # noqa: E402

MARKER = b"DPDK_PLUGIN_PATH="


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def testpmd_eal_plugin_dir():
    """The plugin directory compiled into the librte_eal that dpdk-testpmd
    links (ldd), from its DPDK_PLUGIN_PATH= string."""
    tp = shutil.which("dpdk-testpmd")
    check(tp, "dpdk-testpmd not in PATH")
    out = subprocess.run(["ldd", tp], capture_output=True, text=True).stdout
    eal = None
    for line in out.splitlines():
        if "librte_eal.so" in line and "=>" in line:
            eal = line.split("=>")[1].split()[0]
    check(eal, "ldd %s shows no librte_eal: %s" % (tp, out))
    with open(eal, "rb") as f:
        data = f.read()
    i = data.find(MARKER)
    check(i >= 0, "%s has no %s string" % (eal, MARKER.decode()))
    return data[i + len(MARKER):data.find(b"\0", i)].decode()


def snapshot(d):
    res = {}
    for name in os.listdir(d):
        st = os.lstat(os.path.join(d, name))
        res[name] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return res


def ports(tp):
    """{port id: driver name} from 'show port info all'."""
    out = tp.cmd("show port info all")
    res = {}
    port = None
    for line in out.splitlines():
        if "Infos for port" in line:
            port = int(line.split("Infos for port")[1].split()[0])
        elif "Driver name:" in line and port is not None:
            res[port] = line.split(":", 1)[1].strip()
    return res


def run_case():
    build = harness.build_dir()
    installed = json.loads(subprocess.run(
        ["meson", "introspect", "--installed", build], check=True,
        capture_output=True, text=True).stdout)
    pmd_dir = testpmd_eal_plugin_dir()
    ours = {}
    for src, dst in installed.items():
        if os.path.basename(src).startswith("librte_net_"):
            ours[os.path.basename(dst)] = dst
    check(sorted(ours) == ["librte_net_vhost_spin.so",
                           "librte_net_virtio_spin.so"],
          "meson would install %s, expected both plugins" % sorted(ours))
    for dst in ours.values():
        check(os.path.dirname(dst) == pmd_dir,
              "meson installs %s, but EAL autoloads from %s" % (dst, pmd_dir))
    check(os.path.isdir(pmd_dir), "%s is not a directory" % pmd_dir)

    before = snapshot(pmd_dir)
    dir_st = os.stat(pmd_dir)
    keep = tempfile.mkdtemp(prefix="vspin-install-keep-")
    saved = []
    for dst in ours.values():
        if os.path.lexists(dst):  # someone's install: put it back after
            shutil.copy2(dst, os.path.join(keep, os.path.basename(dst)),
                         follow_symlinks=False)
            saved.append(dst)
    try:
        r = subprocess.run(["meson", "install", "-C", build, "--no-rebuild",
                            "--quiet"], capture_output=True, text=True)
        check(r.returncode == 0, "meson install failed (%d): %s%s" % (
            r.returncode, r.stdout, r.stderr))
        for dst in ours.values():
            check(os.path.isfile(dst), "meson install did not create " + dst)
        with harness.private_dir() as d:
            sock = os.path.join(d, "vhost.sock")
            host = harness.Testpmd(
                "inst-host", fwd_lcore=0,
                vdevs=["net_null0", "net_vhost_spin0,iface=" + sock])
            guest = harness.Testpmd(
                "inst-guest", fwd_lcore=1,
                vdevs=["net_virtio_spin0,path=" + sock])
            check(all("-d" not in t.argv for t in (host, guest)),
                  "the test itself passed -d")
            with host:
                drv = ports(host)
                check(sorted(drv.values()) == ["net_null", "net_vhost_spin"],
                      "host ports without -d: %s, expected net_null and "
                      "net_vhost_spin" % drv)
                with guest:
                    gdrv = ports(guest)
                    check(list(gdrv.values()) == ["net_virtio_spin"],
                          "guest ports without -d: %s, expected "
                          "net_virtio_spin" % gdrv)
                    guest.wait_link_up(0, timeout=15)
                    vport = [p for p, n in drv.items()
                             if n == "net_vhost_spin"][0]
                    host.wait_link_up(vport, timeout=15)
    finally:
        r = subprocess.run(["ninja", "-C", build, "uninstall"],
                           capture_output=True, text=True)
        uninstall_ok = r.returncode == 0
        for dst in ours.values():  # whatever uninstall did or did not do
            if os.path.lexists(dst):
                os.unlink(dst)
        for dst in saved:
            shutil.copy2(os.path.join(keep, os.path.basename(dst)), dst,
                         follow_symlinks=False)
        shutil.rmtree(keep, ignore_errors=True)
        # Creating and removing entries changed the directory's times.
        os.utime(pmd_dir, ns=(dir_st.st_atime_ns, dir_st.st_mtime_ns))
    check(uninstall_ok, "ninja uninstall failed (%d): %s%s" % (
        r.returncode, r.stdout, r.stderr))
    for dst in ours.values():
        if dst not in saved:
            check(not os.path.lexists(dst), "%s still there after "
                  "uninstall" % dst)
    after = snapshot(pmd_dir)
    changed = sorted(n for n in set(before) | set(after)
                     if before.get(n) != after.get(n))
    # A restored file of ours has a new inode time but the same bytes and
    # size: compare those by content, not by stat.
    changed = [n for n in changed
               if not (os.path.join(pmd_dir, n) in saved and
                       before[n][:2] == after[n][:2])]
    check(not changed, "%s differs after uninstall: %s" % (pmd_dir, changed))
    st = os.stat(pmd_dir)
    check((st.st_mode, st.st_mtime_ns) == (dir_st.st_mode, dir_st.st_mtime_ns),
          "%s: mode or mtime not restored" % pmd_dir)


def main():
    case = sys.argv[1] if len(sys.argv) > 1 else "install_autoload"
    if case != "install_autoload":
        sys.exit("unknown case " + case)
    if os.geteuid() != 0:
        print("SKIP: installing into DPDK's plugin directory needs root")
        sys.exit(77)
    try:
        run_case()
    except (AssertionError, harness.HarnessError) as e:
        print("FAIL %s: %s" % (case, e))
        sys.exit(1)
    print("PASS " + case)


if __name__ == "__main__":
    main()
