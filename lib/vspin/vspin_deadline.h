/* SPDX-License-Identifier: BSD-3-Clause
 * A sleep's short bound, kept by one timer left pending across sleeps.
 *
 * A coalescing sleep ends at the K-th entry's notification, or at its
 * bound if that entry never comes (the load stopped mid-batch). Given to
 * ppoll() as a timeout, a bound shorter than the scheduler tick makes the
 * kernel program a hardware timer before every such sleep and cancel it
 * after; on one of the project's VMs a bounded sleep cost its thread
 * 16-21 us more CPU than an unbounded one (bench/wake_tail -b). A sleeping
 * thread instead waits on this timerfd among its other fds, with a long
 * timeout of its own (past the tick: free), and asks for an expiry
 * anywhere in [now + min_us, now + max_us]: the pending one if it falls
 * there, else a new one at now + max_us. An expiry is never cancelled;
 * one that passes while the thread is awake only makes the fd readable,
 * and the next arm replaces it. Where the ring bounds a batch, the queue
 * plans it for K / r (min_us) inside a bound of S, the span the latency
 * budget allows (max_us): one expiry serves several sleeps, and none
 * fires under steady load. A nap, whose timer always fires, waits on the
 * wait's own timeout instead (vspin_sleeper.c).
 *
 * One per sleep group (per polling thread): only its owner calls these.
 */
#ifndef VSPIN_DEADLINE_H
#define VSPIN_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

/* Bounds at or past this go to ppoll(): a timer past the tick is free. */
#define VSPIN_DEADLINE_BELOW_US 4000u

struct vspin_deadline {
	int fd;		/* timerfd (CLOCK_MONOTONIC), or -1 */
	uint64_t at_ns; /* the pending expiry, 0: none (fired or never set) */
};

/* Create the timer. Returns 0, or -errno (d->fd -1: bound by ppoll). */
int vspin_deadline_init(struct vspin_deadline *d);

/* Close the timer, if any. */
void vspin_deadline_fini(struct vspin_deadline *d);

/* Does a pending expiry at at_ns (0: none) fall in [now + min, now + max]? */
bool vspin_deadline_fits(uint64_t at_ns, uint64_t now_ns, uint32_t min_us,
			 uint32_t max_us);

/*
 * Before a sleep bounded by max_us that should not end before min_us
 * (min_us <= max_us): keep or set the expiry. Returns the fd to wait on,
 * or -1 if there is no timer or it could not be set (then bound the wait
 * by max_us instead).
 */
int vspin_deadline_arm(struct vspin_deadline *d, uint32_t min_us,
		       uint32_t max_us);

/* The wait found the fd readable (and drained it): nothing is pending. */
void vspin_deadline_fired(struct vspin_deadline *d);

#endif /* VSPIN_DEADLINE_H */
