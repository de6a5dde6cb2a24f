/* SPDX-License-Identifier: BSD-3-Clause
 * An fd that another component closes, used from other threads.
 *
 * The vhost library closes a vring's kick fd right after the callback
 * that tells us the vring is going away, and the number may then be
 * reused at once by any open() in the process. A caller that read the
 * number before that callback and writes or reads it after would touch
 * somebody else's file. The guard closes the gap: users take the fd for
 * one short, non-blocking use; the owner retires it (before it lets the
 * close happen) and waits until every user that took it has put it back.
 * One Dekker: the user counts itself in, then reads the fd; the owner
 * clears the fd, then reads the count. Either the user sees -1 or the
 * owner sees the user. The owner's wait is as long as a user's syscall;
 * users must never block between take and put (the owner may hold locks
 * that a blocked user waits for).
 */
#ifndef VSPIN_FD_GUARD_H
#define VSPIN_FD_GUARD_H

#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#define VSPIN_FD_GUARD_RELAX() __builtin_ia32_pause()
#else
#define VSPIN_FD_GUARD_RELAX() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#endif

struct vspin_fd_guard {
	int fd;		/* -1: none */
	uint32_t users; /* takes not yet put back */
};

static inline void
vspin_fd_guard_init(struct vspin_fd_guard *g)
{
	g->fd = -1;
	g->users = 0;
}

/* Owner: publish fd (retire any previous one first). */
static inline void
vspin_fd_guard_set(struct vspin_fd_guard *g, int fd)
{
	__atomic_store_n(&g->fd, fd, __ATOMIC_SEQ_CST);
}

/* Owner: from return on, no user holds the old fd; it may be closed. */
static inline void
vspin_fd_guard_retire(struct vspin_fd_guard *g)
{
	__atomic_store_n(&g->fd, -1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&g->users, __ATOMIC_SEQ_CST) != 0)
		VSPIN_FD_GUARD_RELAX();
}

/* User: the fd, valid until vspin_fd_guard_put(); -1 (nothing to put). */
static inline int
vspin_fd_guard_take(struct vspin_fd_guard *g)
{
	int fd;

	__atomic_fetch_add(&g->users, 1, __ATOMIC_SEQ_CST);
	fd = __atomic_load_n(&g->fd, __ATOMIC_SEQ_CST);
	if (fd < 0)
		__atomic_fetch_sub(&g->users, 1, __ATOMIC_RELEASE);
	return fd;
}

static inline void
vspin_fd_guard_put(struct vspin_fd_guard *g)
{
	__atomic_fetch_sub(&g->users, 1, __ATOMIC_RELEASE);
}

#endif /* VSPIN_FD_GUARD_H */
