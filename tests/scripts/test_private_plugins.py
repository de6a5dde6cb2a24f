# SPDX-License-Identifier: BSD-3-Clause
"""harness.plugin() gives EAL a plugin path it accepts, wherever the build.

Setup: a fake build directory (a file in place of each plugin) below a
directory made world-writable (0777) by the test, as a clone under /tmp is.
Cases, in order:
  copy_when_world_writable: plugin() returns a copy, with the same bytes,
    whose file and every parent directory are not world-writable (what EAL
    checks), the file 0644 in a 0755 directory; a second call returns the
    same path; a rebuilt plugin (new bytes, new mtime) is copied again.
  secure_path_as_is: a plugin whose path is already safe (the copy itself)
    is returned unchanged.
  prune_removed_clones: a copy for a second clone removes the first
    clone's copies once that clone is gone (its directory holds the
    plugin's path in .source), not while it exists; prune() also removes
    a directory without .source a day old, keeps a newer one and
    anything not named plugins-*.
  reason_when_no_private_dir: with VSPIN_PLUGIN_CACHE below the
    world-writable directory, plugin() raises HarnessError naming the
    world-writable directory, instead of a path EAL would refuse.
The copies the test made are removed at the end.
"""

import os
import shutil
import stat
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "dpdk"))
import harness  # noqa: E402
import private_plugins  # noqa: E402

REL = "drivers/net/vhost_spin/librte_net_vhost_spin.so"


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def world_writable_parts(path):
    """Every component of path (resolved) with S_IWOTH, independently of
    the module under test."""
    bad = []
    p = os.path.realpath(path)
    while True:
        if os.stat(p).st_mode & stat.S_IWOTH:
            bad.append(p)
        if p == "/":
            return bad
        p = os.path.dirname(p)


def main():
    top = tempfile.mkdtemp(prefix="vspin-anydir-")
    made = []
    try:
        os.chmod(top, 0o777)
        src = os.path.join(top, "clone", "build", REL)
        os.makedirs(os.path.dirname(src))
        with open(src, "wb") as f:
            f.write(b"\x7fELF plugin v1")
        os.environ["VSPIN_BUILD_DIR"] = os.path.join(top, "clone", "build")
        os.environ.pop("VSPIN_PLUGIN_CACHE", None)

        # copy_when_world_writable
        check(world_writable_parts(src), "setup: %s should be below a "
              "world-writable directory" % src)
        got = harness.plugin("vhost_spin")
        made.append(os.path.dirname(got))
        check(got != src, "plugin() returned the unsafe build path " + got)
        check(not world_writable_parts(got), "plugin() returned %s, but "
              "%s world-writable" % (got, world_writable_parts(got)))
        with open(got, "rb") as f:
            check(f.read() == b"\x7fELF plugin v1",
                  "the copy %s differs from the plugin" % got)
        check(stat.S_IMODE(os.stat(got).st_mode) == 0o644,
              "copy mode %o" % stat.S_IMODE(os.stat(got).st_mode))
        dmode = stat.S_IMODE(os.stat(os.path.dirname(got)).st_mode)
        check(dmode == 0o755, "private directory mode %o" % dmode)
        check(harness.plugin("vhost_spin") == got,
              "a second call returned another path")
        with open(src, "wb") as f:
            f.write(b"\x7fELF plugin v2, rebuilt")
        st = os.stat(src)
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        again = harness.plugin("vhost_spin")
        with open(again, "rb") as f:
            check(f.read() == b"\x7fELF plugin v2, rebuilt",
                  "the copy was not refreshed after a rebuild")
        print("ok copy_when_world_writable: %s" % got)

        # secure_path_as_is
        check(harness.plugin(got) == got,
              "a safe path was not returned as it is")
        print("ok secure_path_as_is")

        # prune_removed_clones
        src_b = os.path.join(top, "clone-b", "build", REL)
        os.makedirs(os.path.dirname(src_b))
        with open(src_b, "wb") as f:
            f.write(b"\x7fELF plugin of clone b")
        os.environ["VSPIN_BUILD_DIR"] = os.path.join(top, "clone-b", "build")
        got_b = harness.plugin("vhost_spin")
        made.append(os.path.dirname(got_b))
        check(os.path.exists(got),
              "clone a exists, but a copy for clone b removed its copy")
        shutil.rmtree(os.path.join(top, "clone"))
        with open(src_b, "wb") as f:
            f.write(b"\x7fELF plugin of clone b, rebuilt")
        harness.plugin("vhost_spin")
        check(not os.path.exists(os.path.dirname(got)),
              "clone a is gone, its copies are still in %s"
              % os.path.dirname(got))
        check(os.path.exists(got_b), "clone b's own copy was removed")
        scratch = os.path.join(top, "base")
        dirs = {}
        for name, source in (("plugins-old", None), ("plugins-new", None),
                             ("plugins-live", src_b), ("sdk", None)):
            dirs[name] = os.path.join(scratch, name)
            os.makedirs(dirs[name])
            if source:
                with open(os.path.join(dirs[name], ".source"), "w") as f:
                    f.write(source)
        day_ago = os.stat(scratch).st_mtime - 25 * 3600
        for name in ("plugins-old", "sdk"):
            os.utime(dirs[name], (day_ago, day_ago))
        gone = private_plugins.prune(scratch, keep=None)
        check(gone == [dirs["plugins-old"]],
              "prune() removed %s, expected only plugins-old" % gone)
        print("ok prune_removed_clones")

        # reason_when_no_private_dir
        os.environ["VSPIN_PLUGIN_CACHE"] = os.path.join(top, "cache")
        try:
            p = harness.plugin("vhost_spin")
            check(False, "plugin() returned %s with no private directory "
                  "possible" % p)
        except harness.HarnessError as e:
            msg = str(e)
            check("world-writable" in msg and top in msg,
                  "the reason does not name the world-writable directory "
                  "%s: %s" % (top, msg))
            print("ok reason_when_no_private_dir: %s" % msg)
    except (AssertionError, harness.HarnessError, OSError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    finally:
        for d in made:
            shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(top, ignore_errors=True)
    print("PASS harness_private_plugins")


if __name__ == "__main__":
    main()
