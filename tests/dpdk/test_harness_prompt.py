# SPDX-License-Identifier: BSD-3-Clause
"""Case: the harness finds testpmd's prompt with other threads' lines
written into it, and returns the command output before it without them.

Setup: none (no DPDK process): Testpmd._find(PROMPT), the search a
command's reply waits on, over texts as testpmd and our PMDs' control
threads write them.
Checks, per text: the prompt found or not, and the output before it:
  - a PMD log line ("negotiate(): ...") right after "testpmd", then "> "
    after another log line (seen in a run: taking the log lines out first
    read "testpmdnegotiate" as one function name and lost the prompt);
  - a link event between two characters of the prompt;
  - a vhost library line in the command output;
  - no complete prompt.
It fails with the harness before this test (the first case).
Usage: test_harness_prompt.py
"""

import os
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

CASES = [
    ("Device error handling mode: none\n"
     "testpmdnegotiate(): /tmp/x/vhost.sock: negotiated features "
     "0x960008000 (EVENT_IDX on, MRG_RXBUF on, IN_ORDER on), protocol "
     "features 0x8\n"
     "> virtio_spin_attach(): /tmp/x/vhost.sock: backend connected\n"
     "\nPort 0: link state change event\n",
     "Device error handling mode: none\n"),
    ("rx-packets: 5\ntes\nPort 0: link state change event\ntpmd> ",
     "rx-packets: 5\n"),
    ("a\nVHOST_CONFIG: (/tmp/s) read message VHOST_USER_GET_FEATURES\n"
     "b\ntestpmd> ", "a\nb\n"),
    ("no prompt here\ntestpmd>", None),
]


def main():
    bad = 0
    for text, want in CASES:
        r = h.Testpmd._find(types.SimpleNamespace(_text=text), h.PROMPT, 0)
        got = None if r == -1 else r
        if got != want:
            bad += 1
            print("FAIL %r: got %r, expected %r" % (text, got, want))
    if bad:
        sys.exit(1)
    print("ok: %d texts" % len(CASES))


if __name__ == "__main__":
    main()
