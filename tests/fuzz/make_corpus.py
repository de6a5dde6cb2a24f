#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_vu_reply (tests/fuzz/corpus/): valid
backend replies for each request the fuzzer asks for, the whole sequence,
and a few near misses. Each file: one option byte (bit 0: an fd comes
along; bits 1-3: the step to start at, see fuzz_vu_reply.c), then the
backend's bytes. Run it again after changing the sequence there:
    python3 tests/fuzz/make_corpus.py tests/fuzz/corpus
"""

import os
import struct
import sys

VERSION, REPLY = 0x1, 0x4
# The fuzzer's sequence: (request, kind) with kind u64 or a vring index.
SEQ = [(1, "u64"), (15, "u64"), (2, "u64"), (17, "u64"), (5, "u64"),
       (11, 0), (11, 1), (12, "u64")]
VALUES = {1: (1 << 32) | (1 << 30) | (1 << 29) | (1 << 15),
          15: 1 << 3, 17: 2}


def reply(req, kind, value=None):
    if kind == "u64":
        v = VALUES.get(req, 0) if value is None else value
        return struct.pack("<IIIQ", req, VERSION | REPLY, 8, v)
    num = 0 if value is None else value
    return struct.pack("<IIIII", req, VERSION | REPLY, 8, kind, num)


def opt(step, fd=False):
    return bytes([(step << 1) | (1 if fd else 0)])


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print("usage: make_corpus.py [DIR]   (default: tests/fuzz/corpus)")
        print(__doc__)
        return
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    seeds = {}
    seeds["sequence_all_ok"] = opt(0) + b"".join(reply(r, k)
                                                for r, k in SEQ)
    for i, (r, k) in enumerate(SEQ):
        seeds["step%d_ok" % i] = opt(i) + reply(r, k)
        seeds["step%d_ok_with_fd" % i] = opt(i, True) + reply(r, k)
    # Near misses, one per check of the parser.
    seeds["vring_base_other_index"] = opt(5) + reply(11, 3)
    seeds["vring_base_big_num"] = opt(6) + reply(11, 1, 0xffffffff)
    seeds["ack_status_1"] = opt(2) + reply(2, "u64", 1)
    seeds["wrong_request"] = opt(0) + reply(2, "u64")
    seeds["no_reply_flag"] = opt(0) + struct.pack("<IIIQ", 1, VERSION, 8, 0)
    seeds["short_size"] = opt(0) + struct.pack("<IIII", 1, VERSION | REPLY,
                                               4, 0)
    seeds["truncated_payload"] = opt(0) + struct.pack(
        "<IIII", 1, VERSION | REPLY, 8, 7)
    seeds["huge_size"] = opt(0) + struct.pack("<III", 1, VERSION | REPLY,
                                              0xffffffff)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds), out))


main()
