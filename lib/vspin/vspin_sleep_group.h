/* SPDX-License-Identifier: BSD-3-Clause
 * Sleeping inside rx_burst without starving a queue: a thread may block
 * only when every consumer queue it polls is armed. Each queue that runs a
 * sleeping policy joins the group of the thread that polls it; the last
 * queue to arm puts the thread to sleep on the eventfds of all of them.
 *
 * This is what makes an unmodified application (testpmd) sleep when idle:
 * its lcore calls rx_burst on each of its queues in turn, each arms after
 * its window, and the call that finds all armed blocks.
 */
#ifndef VSPIN_SLEEP_GROUP_H
#define VSPIN_SLEEP_GROUP_H

#include <stdbool.h>
#include <stdint.h>

#include "vspin_policy.h"

#define VSPIN_GROUP_MAX 64

struct vspin_sleep_group;

/* One consumer queue, embedded in a PMD's rx queue. */
struct vspin_sleeper {
	struct vspin_policy *policy;
	int fd; /* eventfd the producer notifies (kick or call fd) */
	/* Make the producer quiet again after a sleep (may be a no-op). */
	void (*disarm)(struct vspin_sleeper *s);
	struct vspin_sleep_group *group; /* joined, or NULL */
};

/*
 * Join the calling thread's group; cheap when already a member. Called
 * from the queue's poll path before it may sleep. Returns 0, or -1 if the
 * thread already polls VSPIN_GROUP_MAX sleeping queues (this one then
 * never sleeps, it only spins and arms).
 */
int vspin_sleeper_join(struct vspin_sleeper *s);

/*
 * Leave the group (queue stopped or released). The thread that polled it
 * must not be polling at the same time: DPDK stops forwarding before it
 * stops a port.
 */
void vspin_sleeper_leave(struct vspin_sleeper *s);

/*
 * s has just armed and its recheck found nothing. If every member of its
 * group is armed, block on all their fds for up to the smallest
 * sleep_max_us, then wake every member's policy and disarm each.
 * Returns true if the thread slept.
 */
bool vspin_sleeper_try_sleep(struct vspin_sleeper *s);

#endif /* VSPIN_SLEEP_GROUP_H */
