# SPDX-License-Identifier: BSD-3-Clause
"""Let DPDK 22.11's vhost library see a new listening socket at once.

The library runs one thread per process ("vhost-events") that poll()s its
sockets with a 1 s timeout. rte_vhost_driver_start() adds a server's
listening socket to that thread's set without waking it, so the thread
watches the socket only after its current poll() times out: the first
frontend to connect waits up to 1 s for its first reply (measured here:
a guest reached its prompt 1.1 s after its host's prompt, 0.43 s when
started 1 s later). Users see that once per port start; the tests would
see it some hundred times a run.

wake(pid) -> bool
    Write one byte to the pipe the thread itself polls for "the set
    changed" (the library's own wake-up, which it uses when it adds a
    connection): the thread reads it, rebuilds its set with the new
    socket and accepts. Which pipe is read from the thread's poll()
    arguments (/proc/PID/task/TID/syscall) and its first pollfd
    (/proc/PID/mem): the library puts the pipe's read end there before
    any socket. False, touching nothing, when any of that is not as
    expected (no such thread, not in poll(), no write end in the
    process, not root): the connection then just takes its second.

watched(pid) -> int or None
    How many fds the thread polls now: 1 (its pipe) until it has seen a
    server's socket.

This changes nothing the tests check: the library would accept the same
connection at its next timeout.
"""

import os
import platform
import re
import sys

# poll() and ppoll() take the pollfd array first.
_POLL_SYSCALLS = {"x86_64": (7, 271), "aarch64": (73,)}
_COMM = "vhost-events"


def _thread(pid):
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() == _COMM:
                    return int(tid)
        except OSError:
            continue
    return None


def _poll_args(pid, tid):
    """(address of the pollfd array, number of fds) of the thread's
    poll(), or None when it is not in poll()."""
    try:
        with open("/proc/%d/task/%d/syscall" % (pid, tid)) as f:
            fields = f.read().split()
    except OSError:
        return None
    nrs = _POLL_SYSCALLS.get(platform.machine(), ())
    if len(fields) < 3 or not fields[0].isdigit() or int(fields[0]) not in nrs:
        return None
    return int(fields[1], 16), int(fields[2], 16)


def watched(pid):
    """How many fds the thread polls now (its pipe and its sockets), or
    None when there is no such thread or it is not in poll()."""
    tid = _thread(pid)
    args = _poll_args(pid, tid) if tid is not None else None
    return args[1] if args else None


def _polled_pipe(pid, tid):
    """The fd in the first pollfd of the thread's poll(), or None."""
    args = _poll_args(pid, tid)
    if args is None:
        return None
    addr = args[0]
    try:
        fd = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
        try:
            raw = os.pread(fd, 4, addr)
        finally:
            os.close(fd)
    except OSError:
        return None
    if len(raw) != 4:
        return None
    return int.from_bytes(raw, sys.byteorder, signed=True)


def _write_end(pid, read_fd):
    """The fd of the write end of the pipe whose read end is read_fd."""
    fds = "/proc/%d/fd/" % pid
    try:
        target = os.readlink(fds + str(read_fd))
        if not re.fullmatch(r"pipe:\[\d+\]", target):
            return None
        for name in os.listdir(fds):
            if name == str(read_fd) or os.readlink(fds + name) != target:
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, name)) as f:
                m = re.search(r"^flags:\s*(\d+)", f.read(), re.M)
            if m and int(m.group(1), 8) & os.O_ACCMODE == os.O_WRONLY:
                return int(name)
    except OSError:
        return None
    return None


def wake(pid):
    tid = _thread(pid)
    if tid is None:
        return False
    read_fd = _polled_pipe(pid, tid)
    if read_fd is None or read_fd < 0:
        return False
    write_fd = _write_end(pid, read_fd)
    if write_fd is None:
        return False
    try:
        fd = os.open("/proc/%d/fd/%d" % (pid, write_fd),
                     os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        os.write(fd, b"1")
    except OSError:
        return False
    finally:
        os.close(fd)
    return True
