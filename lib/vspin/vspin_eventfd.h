/* SPDX-License-Identifier: BSD-3-Clause
 * Sleep and wake on eventfds (vhost-user kick and call fds).
 * Only called off the hot path: after the policy armed and the recheck
 * found nothing, and by a producer whose publish said the peer sleeps.
 */
#ifndef VSPIN_EVENTFD_H
#define VSPIN_EVENTFD_H

#include <stdbool.h>
#include <stdint.h>

/* Notify: add 1 to the eventfd. Returns 0 or -errno. */
int vspin_eventfd_signal(int fd);

/*
 * Read and discard the count of an eventfd, without blocking even when a
 * peer made the fd blocking and took the count (see vspin_eventfd.c).
 */
void vspin_eventfd_drain(int fd);

/*
 * Discard the count of an eventfd, if any, without ever blocking: the fd
 * may come from a peer that made it blocking (O_NONBLOCK is the peer's
 * too, so we do not change it). Returns true if there was a count.
 */
bool vspin_eventfd_clear(int fd);

/*
 * Block until one of fds is signalled or dead (below), or max_us passes
 * (0: do not block). Every signalled fd is drained. Returns the number
 * signalled or dead, 0 on timeout, -EINTR if a signal handler ran (ppoll()
 * is never restarted: neither a timeout nor a wake-up), or -errno.
 */
int vspin_eventfd_wait(const int *fds, unsigned int n, uint32_t max_us);

/*
 * The same, and bit i of *fired set if fds[i] was signalled (n <= 64),
 * and of *dead (if not NULL) if fds[i] is dead: hung up, in error or not
 * open. No signal can come through it, and every wait on it returns at
 * once: the host keeps whatever fd a frontend sent as its kick, and a
 * pipe whose writer closed would turn each sleep into a busy loop.
 */
int vspin_eventfd_wait_mask(const int *fds, unsigned int n, uint32_t max_us,
			    uint64_t *fired, uint64_t *dead);

#endif /* VSPIN_EVENTFD_H */
