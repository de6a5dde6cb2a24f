#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Generate the C file that carries a PMD's PMD_INFO_STRING.

Usage: gen_pmdinfo.py DRIVER.c OUTPUT.c

dpdk-pmdinfo.py looks in a binary's .rodata for NUL-terminated strings
that start with "PMD_INFO_STRING=" and parses the rest as a JSON object:
"name" (the driver name), "params" (the parameter string of
RTE_PMD_REGISTER_PARAM_STRING: "key=<type> key=<type> ..."), and
"pci_ids" (a list of [vendor, device, subsystem vendor, subsystem device];
empty for a vdev; the key must be present). DPDK's in-tree build writes
that string with its own tool; an out-of-tree plugin has to do it itself.

Single source of truth: the name and the parameter string are read from
the RTE_PMD_REGISTER_PARAM_STRING(name, ...) invocation in DRIVER.c. Its
second argument may be any concatenation of string literals and macros
defined in DRIVER.c as a string literal (#define ARG_PATH "path"); anything
else is an error, so the build fails rather than let the two drift.
"""

import json
import os
import re
import sys

STRING_RE = r'"(?:[^"\\\n]|\\.)*"'
PARAM_RE = re.compile(r'[^\s=<>]+=(?:<[^<>]+>|[^\s<>]+)(?:\s+|$)')
TOKEN_RE = re.compile(r'\s*(?:(%s)|([A-Za-z_][A-Za-z0-9_]*))' % STRING_RE)


def fail(src, msg):
    sys.exit("gen_pmdinfo.py: %s: %s" % (src, msg))


def strip_comments(text):
    # Comments out, string literals kept (a "/*" inside a string stays).
    def repl(m):
        s = m.group(0)
        return s if s.startswith('"') else " "
    return re.sub(r'%s|/\*.*?\*/|//[^\n]*' % STRING_RE, repl, text,
                  flags=re.S)


def unquote(lit):
    """The value of one C string literal (the escapes a devargs string can
    reasonably hold)."""
    body = lit[1:-1]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(
        m.group(1), m.group(1)), body)


def string_macros(text):
    macros = {}
    for m in re.finditer(r'^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+'
                         r'(%s)[ \t]*$' % STRING_RE, text, re.M):
        macros[m.group(1)] = unquote(m.group(2))
    return macros


def invocation_args(text, macro, src):
    """The text between the parentheses of the one `macro(...)`."""
    found = [m.end() for m in re.finditer(r'\b%s\s*\(' % macro, text)]
    found = [i for i in found
             if not re.match(r'\s*#\s*define', text[text.rfind("\n", 0, i)
                                                    + 1:i])]
    if len(found) != 1:
        fail(src, "expected one %s(...), found %d" % (macro, len(found)))
    i = start = found[0]
    depth = 1
    while depth:
        if i >= len(text):
            fail(src, "unterminated %s(" % macro)
        m = re.match(STRING_RE, text[i:])
        if m:
            i += m.end()
            continue
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    return text[start:i - 1]


def concat(expr, macros, src):
    """Value of a concatenation of string literals and string macros."""
    out = []
    pos = 0
    expr = expr.rstrip()
    while pos < len(expr):
        m = TOKEN_RE.match(expr, pos)
        if not m:
            fail(src, "cannot read the parameter string at %r: only string "
                 "literals and string macros are understood" % expr[pos:])
        if m.group(1):
            out.append(unquote(m.group(1)))
        else:
            if m.group(2) not in macros:
                fail(src, "%s is not a string macro defined in this file"
                     % m.group(2))
            out.append(macros[m.group(2)])
        pos = m.end()
    return "".join(out)


def parse_driver(srcs):
    """The driver's name and parameter string, from its source files (the
    registrations may be in different files of one driver)."""
    text = ""
    for one in srcs:
        with open(one) as f:
            text += strip_comments(f.read()) + "\n"
    src = " ".join(srcs)
    macros = string_macros(text)
    args = invocation_args(text, "RTE_PMD_REGISTER_PARAM_STRING", src)
    name, sep, expr = args.partition(",")
    name = name.strip()
    if not sep or not re.fullmatch(r'[A-Za-z_]\w*', name):
        fail(src, "bad RTE_PMD_REGISTER_PARAM_STRING(%s)" % args)
    vdev = invocation_args(text, "RTE_PMD_REGISTER_VDEV", src)
    if vdev.partition(",")[0].strip() != name:
        fail(src, "RTE_PMD_REGISTER_VDEV(%s) does not register %s" % (
            vdev, name))
    params = concat(expr, macros, src).strip()
    # key=<type> (a <type> may hold spaces: "mac=<mac addr>") or
    # key=a|b|c, separated by spaces.
    rest = PARAM_RE.sub("", params)
    if not params or rest.strip():
        fail(src, "parameter string %r: %r is not key=<type>" % (
            params, rest.strip()))
    if not params.isascii() or not params.isprintable():
        fail(src, "dpdk-pmdinfo.py reads printable ASCII only: %r" % params)
    return name, params


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: gen_pmdinfo.py DRIVER.c [MORE.c ...] OUTPUT.c")
    srcs, out = sys.argv[1:-1], sys.argv[-1]
    src = " ".join(os.path.basename(x) for x in srcs)
    name, params = parse_driver(srcs)
    info = json.dumps({"name": name, "params": params, "pci_ids": []})
    text = (
        "/* SPDX-License-Identifier: BSD-3-Clause */\n"
        "/*\n"
        " * Generated by buildtools/gen_pmdinfo.py from %s\n"
        " * (its RTE_PMD_REGISTER_PARAM_STRING): do not edit.\n"
        " * What dpdk-pmdinfo.py reads from the plugin.\n"
        " */\n"
        "__attribute__((used)) static const char %s_pmd_info[] =\n"
        "\t%s;\n" % (src, name,
                     c_string("PMD_INFO_STRING= " + info)))
    with open(out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
