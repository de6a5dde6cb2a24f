#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print the directory EAL autoloads driver plugins from.

Usage: dpdk_pmd_dir.py LIBDIR
LIBDIR is libdpdk's libdir (pkg-config --variable=libdir libdpdk).

pkg-config does not report that directory, but librte_eal carries it:
EAL keeps its compiled-in RTE_EAL_PMD_PATH in a string marked
"DPDK_PLUGIN_PATH=" so that tools can find it in the binary, and that is the
directory it scans at start-up. Read it from the librte_eal found in LIBDIR.
If the marker is missing (a DPDK built without a plugin directory), fall
back to DPDK's own layout, LIBDIR/dpdk/pmds-<ABI>, with the ABI version
taken from librte_eal's file name (librte_eal.so.23.0 -> pmds-23.0), and
say so on stderr.
"""

import glob
import os
import re
import sys

MARKER = b"DPDK_PLUGIN_PATH="


def eal_library(libdir):
    """The real file of librte_eal.so in libdir, or None."""
    for pattern in ("librte_eal.so", "librte_eal.so.*"):
        for path in sorted(glob.glob(os.path.join(libdir, pattern))):
            return os.path.realpath(path)
    return None


def plugin_path_in(lib):
    with open(lib, "rb") as f:
        data = f.read()
    i = data.find(MARKER)
    if i < 0:
        return None
    end = data.find(b"\0", i)
    path = data[i + len(MARKER):end].decode("utf-8", "replace")
    return path or None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: dpdk_pmd_dir.py LIBDIR")
    libdir = sys.argv[1]
    lib = eal_library(libdir)
    if lib is None:
        sys.exit("dpdk_pmd_dir.py: no librte_eal.so* in %s" % libdir)
    path = plugin_path_in(lib)
    if path:
        print(path)
        return
    m = re.search(r"\.so\.(\d+(?:\.\d+)?)$", lib)
    if not m:
        sys.exit("dpdk_pmd_dir.py: %s has no %s marker and no ABI version "
                 "in its name: set -Ddpdk_pmd_dir" % (lib, MARKER.decode()))
    path = os.path.join(libdir, "dpdk", "pmds-" + m.group(1))
    print("dpdk_pmd_dir.py: no %s in %s, using DPDK's layout: %s" % (
        MARKER.decode(), lib, path), file=sys.stderr)
    print(path)


if __name__ == "__main__":
    main()
