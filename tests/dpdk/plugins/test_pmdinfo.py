# SPDX-License-Identifier: BSD-3-Clause
"""dpdk-pmdinfo.py describes our plugins.

Case pmdinfo_<plugin> (virtio_spin, vhost_spin)
  Setup: the built plugin in $VSPIN_BUILD_DIR; the devargs keys the
  driver's parser accepts, read from its source (the kvargs key list),
  independently of the generated PMD_INFO_STRING.
  Command: dpdk-pmdinfo.py PLUGIN
  Expected: one driver, named net_virtio_spin / net_vhost_spin; its
  params list every key the parser accepts, each once with a type
  (key=<type> or key=a|b), and no key the parser would reject; the types
  users rely on are the documented ones.
"""

import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness  # noqa: E402

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "..", "drivers", "net")
CASES = {
    # plugin: (driver name, source with the key list, array name,
    #          expected types of some keys)
    "virtio_spin": ("net_virtio_spin", "virtio/virtio_spin_devargs.c",
                    "valid_args",
                    {"path": "<path>", "server": "<0|1>",
                     "queues": "<int>", "mac": "<mac addr>"}),
    "vhost_spin": ("net_vhost_spin", "vhost_spin/vhost_spin_devargs.c",
                   "known_keys",
                   {"iface": "<path>", "client": "<0|1>",
                    "queues": "<int>"}),
}
PARAM_RE = re.compile(r'([^\s=<>]+)=(<[^<>]+>|[^\s<>]+)')


check = harness.check


def parser_keys(src, array):
    """The string keys in `static const char *const ARRAY[] = {...}` of
    src, with string macros of the same file resolved."""
    with open(src) as f:
        text = f.read()
    macros = dict(re.findall(r'^#define\s+(\w+)\s+"([^"]*)"\s*$', text,
                             re.M))
    m = re.search(r'\b%s\[\]\s*=\s*\{(.*?)\}' % array, text, re.S)
    check(m, "no %s[] in %s" % (array, src))
    keys = []
    for tok in re.findall(r'"([^"]*)"|(\w+)', m.group(1)):
        if tok[0]:
            keys.append(tok[0])
        elif tok[1] != "NULL":
            check(tok[1] in macros, "%s: %s is not a string macro" % (
                src, tok[1]))
            keys.append(macros[tok[1]])
    check(keys, "empty %s[] in %s" % (array, src))
    return keys


def run_case(case):
    name, src, array, types = CASES[case]
    tool = shutil.which("dpdk-pmdinfo.py") or shutil.which("dpdk-pmdinfo")
    check(tool, "dpdk-pmdinfo.py not in PATH (Debian package dpdk)")
    so = harness.plugin(case)
    r = subprocess.run([tool, so], capture_output=True, text=True)
    check(r.returncode == 0, "%s %s: exit %d: %s" % (tool, so, r.returncode,
                                                      r.stderr))
    info = json.loads(r.stdout)
    check(len(info) == 1, "%s lists %d drivers in %s: %s" % (
        tool, len(info), so, r.stdout))
    drv = info[0]
    check(drv.get("name") == name, "driver name %r, expected %r" % (
        drv.get("name"), name))
    params = drv.get("params", "")
    pairs = PARAM_RE.findall(params)
    check(PARAM_RE.sub("", params).strip() == "",
          "params %r: not all key=<type>" % params)
    got = {}
    for k, t in pairs:
        check(k not in got, "key %s listed twice in %r" % (k, params))
        got[k] = t
    want = parser_keys(os.path.join(SRC, src), array)
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    check(not missing, "keys the parser accepts but pmdinfo lacks: %s "
          "(params %r)" % (missing, params))
    check(not extra, "keys in pmdinfo the parser rejects: %s" % extra)
    for k, t in types.items():
        check(got[k] == t, "%s=%s, expected %s=%s" % (k, got[k], k, t))
    check("adaptive" in got["spin_mode"].split("|"),
          "spin_mode=%s lacks adaptive" % got["spin_mode"])
    print("%s: %s" % (name, params))


def main():
    case = sys.argv[1] if len(sys.argv) > 1 else ""
    if case not in CASES:
        sys.exit("usage: test_pmdinfo.py %s" % "|".join(CASES))
    try:
        run_case(case)
    except (AssertionError, FileNotFoundError, ValueError) as e:
        print("FAIL pmdinfo_%s: %s" % (case, e))
        sys.exit(1)
    print("PASS pmdinfo_" + case)


if __name__ == "__main__":
    main()
