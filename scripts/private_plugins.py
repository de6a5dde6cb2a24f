#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plugins EAL agrees to load, wherever the clone is.

EAL refuses a -d plugin when the file or ANY directory above it is
world-writable (it resolves the path and checks every component for
S_IWOTH), so a clone under /tmp (1777) cannot load its own build output,
and the reason only shows in EAL's log. This module leaves a plugin whose
path is safe as it is, and otherwise copies it into a private directory
(0755, every parent not world-writable) and returns the copy's path:

  <base>/plugins-<hash of the plugin's real path>/<file name>

with <base> the first usable of $VSPIN_PLUGIN_CACHE (then the only one
tried), /var/cache/virtio-spin (root), $XDG_RUNTIME_DIR/virtio-spin,
~/.cache/virtio-spin. The copy is refreshed when the plugin changes
(size or mtime), atomically (a running process keeps its old file).
Each copy's directory names its plugin's real path in .source; each new
copy prunes the directories of plugins that no longer exist (a clone
removed), so fresh clones do not pile up copies in the base; one without
.source (left by an older version) goes once it is a day old.
When no base is usable, PluginDirError says why, to print at once.

Module: insecure_component(path), usable(path) -> path, prune(base, keep).
Command line: private_plugins.py PLUGIN...  prints one usable path per
plugin, or the reason and exit status 1.
"""

import hashlib
import os
import shutil
import stat
import sys
import tempfile
import time


class PluginDirError(Exception):
    pass


def insecure_component(path):
    """The first of path (resolved) and its parents that is world-writable,
    as EAL checks them, or None. A missing component counts as insecure
    (EAL cannot load from it either)."""
    p = os.path.realpath(path)
    while True:
        try:
            if os.stat(p).st_mode & stat.S_IWOTH:
                return p
        except OSError:
            return p
        if p == "/":
            return None
        p = os.path.dirname(p)


def _bases():
    env = os.environ.get("VSPIN_PLUGIN_CACHE")
    if env:
        return [env]
    bases = ["/var/cache/virtio-spin"]
    if os.environ.get("XDG_RUNTIME_DIR"):
        bases.append(os.path.join(os.environ["XDG_RUNTIME_DIR"],
                                  "virtio-spin"))
    bases.append(os.path.join(os.path.expanduser("~"), ".cache",
                              "virtio-spin"))
    return bases


def _existing_ancestor(p):
    while not os.path.exists(p):
        p = os.path.dirname(p)
    return p


def _private_dir(base, key):
    """base/plugins-key, created 0755; or a reason it cannot be used."""
    bad = insecure_component(_existing_ancestor(base))
    if bad:
        return None, "%s is below world-writable %s" % (base, bad)
    d = os.path.join(base, "plugins-" + key)
    try:
        os.makedirs(d, mode=0o755, exist_ok=True)
        for p in (base, d):  # against the umask, and a 0777 left behind
            st = os.stat(p)
            if st.st_mode & 0o777 != 0o755 and st.st_uid == os.geteuid():
                os.chmod(p, 0o755)
    except OSError as e:
        return None, "cannot create %s: %s" % (d, e.strerror)
    bad = insecure_component(d)
    if bad:
        return None, "%s is world-writable and not ours to fix" % bad
    if not os.access(d, os.W_OK):
        return None, "%s is not writable" % d
    return d, None


SOURCE = ".source"
UNKNOWN_SOURCE_AGE_S = 24 * 3600


def _stale(d):
    """True if d holds copies of a plugin that is gone."""
    try:
        with open(os.path.join(d, SOURCE)) as f:
            return not os.path.exists(f.read())
    except FileNotFoundError:
        try:
            return time.time() - os.stat(d).st_mtime > UNKNOWN_SOURCE_AGE_S
        except OSError:
            return False
    except OSError:
        return False


def prune(base, keep):
    """Remove those of base's plugins-* directories, other than keep,
    whose plugin is gone; return their paths."""
    gone = []
    try:
        names = os.listdir(base)
    except OSError:
        return gone
    for name in names:
        d = os.path.join(base, name)
        if (name.startswith("plugins-") and d != keep and os.path.isdir(d)
                and not os.path.islink(d) and _stale(d)):
            shutil.rmtree(d, ignore_errors=True)
            gone.append(d)
    return gone


def _copy(src, d):
    dst = os.path.join(d, os.path.basename(src))
    s = os.stat(src)
    try:
        t = os.stat(dst)
        if (t.st_size, t.st_mtime_ns) == (s.st_size, s.st_mtime_ns):
            return dst
    except OSError:
        pass
    with open(os.path.join(d, SOURCE), "w") as f:
        f.write(src)
    prune(os.path.dirname(d), d)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".copy-")
    os.close(fd)
    try:
        shutil.copy2(src, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return dst


def usable(path):
    """path if EAL would load it, else a private copy of it. Raises
    PluginDirError (why, what was tried) or FileNotFoundError."""
    if not os.path.isfile(path):
        raise FileNotFoundError("plugin not built: " + path)
    bad = insecure_component(path)
    if bad is None:
        return path
    real = os.path.realpath(path)
    key = hashlib.sha256(real.encode()).hexdigest()[:16]
    tried = []
    for base in _bases():
        d, why = _private_dir(base, key)
        if d:
            return _copy(real, d)
        tried.append(why)
    raise PluginDirError(
        "EAL will not load %s: %s is world-writable (EAL refuses -d "
        "plugins below any world-writable directory), and no private "
        "directory to copy it to: %s. Set VSPIN_PLUGIN_CACHE to a "
        "directory whose parents are not world-writable, or build "
        "elsewhere." % (path, bad, "; ".join(tried)))


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print("usage: private_plugins.py PLUGIN.so...\n"
              "Prints, per plugin, a path EAL will load it from with -d:\n"
              "the plugin itself, or a copy in a private 0755 directory\n"
              "when the plugin is below a world-writable directory (a\n"
              "clone under /tmp). Exit status 1 and the reason when\n"
              "neither works.")
        sys.exit(0 if args else 2)
    try:
        for p in args:
            print(usable(p))
    except (PluginDirError, FileNotFoundError) as e:
        print("private_plugins.py: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
