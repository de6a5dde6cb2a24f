/* SPDX-License-Identifier: BSD-3-Clause
 * The sleeping side of one ring direction, and lost wake-up detection.
 *
 * The consumer of a direction runs the spin policy: poll, spin, arm
 * through the handshake (publish the event index, fence, recheck), sleep
 * on the eventfd bounded by sleep_max_us, wake, disarm.
 *
 * Lost wake-up: a sleep that ends by TIMEOUT while the ring holds the
 * entry the consumer armed for (`next`, or with coalescing the k-th from
 * it; fewer than k pending at a timeout is the timed wake doing its job)
 * whose publish had completed, kick included, with no kick pending. To
 * know "completed", the producer stamps every entry it published, in a
 * per-slot word (TSC << 16 | ring index), only AFTER its publish and
 * after writing the eventfd when the publish said to notify. When the
 * consumer times out with that entry (`next` below) pending, it reads the
 * stamp of its slot:
 *   - no stamp for `next` yet: the producer is between its index store
 *     and its stamp (preempted, say). Its kick may still come: a late
 *     kick, not counted as lost.
 *   - stamped, and the eventfd now holds a count: the kick came after the
 *     timeout (a slow producer, not a lost one): a late kick too.
 *   - stamped, and no count: the producer decided not to notify although
 *     we were armed and our recheck did not see the entry. Exactly what
 *     the two fences of the handshake forbid (vspin_handshake.h): counted.
 *     (The check runs before disarming: the event index still names
 *     `next`, so the publish that made `next` visible had to cross it.)
 * The decision is made on ordering, not on time: a producer preempted for
 * any length of time only delays its stamp, which can hide a lost wake-up
 * (until a later one) but never invent one, so no timing margin is needed
 * (the margin is zero by construction) and a noisy 2-core machine makes
 * no false positives: under load the tests do see late kicks, and no lost
 * wake-up. A sleep cut short by a signal is judged the same way. The
 * stamp's TSC is only reported: how long before the sleep began the lost
 * work was published (negative: published during the sleep, no kick).
 */
#include <fcntl.h>
#include <stdio.h>

#include "vspin_eventfd.h"
#include "vspin_handshake.h"
#include "vspin_pair_priv.h"

static bool waiter_arm(void *ctx, uint16_t k);
static void waiter_disarm(void *ctx);
static void waiter_woke(void *ctx, enum vspin_wake why, uint64_t slept_at);

static const struct vspin_sleeper_ops waiter_ops = {
	.arm = waiter_arm,
	.disarm = waiter_disarm,
	.woke = waiter_woke,
};

void
vspin_pair_waiter_init(struct pair_waiter *w,
		       const struct vspin_policy_conf *pc, uint64_t hz,
		       struct vspin_stats *stats,
		       const struct vspin_notify_dir *dir, int fd,
		       const uint64_t *stamp, uint32_t num)
{
	vspin_policy_init(&w->pol, pc, hz, stats);
	w->dir = *dir;
	w->fd = fd;
	w->next = 0;
	w->stamp = stamp;
	w->num = num;
	w->lost = 0;
	w->late = 0;
	w->lost_first_age = 0;
	vspin_sleeper_init(&w->sleeper, &w->pol, &waiter_ops, w);
	vspin_sleeper_give_fd(&w->sleeper, fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

void
vspin_pair_waiter_fini(struct pair_waiter *w)
{
	vspin_sleeper_release(&w->sleeper);
}

void
vspin_pair_stamp(uint64_t *stamp, uint32_t num, uint16_t from, uint16_t to)
{
	uint64_t t = vspin_rdtsc() << 16;
	uint16_t i;

	/* Release: the consumer that sees a stamp also sees our kick. */
	for (i = from; i != to; i++)
		__atomic_store_n(&stamp[i & (num - 1)], t | i,
				 __ATOMIC_RELEASE);
}

#ifdef VSPIN_PAIR_BROKEN_NO_RECHECK
/*
 * Deliberately broken arm, built only into the negative test: publish
 * the event index (or clear the flag) and sleep without the fence and the
 * recheck. The test expects the lost wake-ups this causes.
 */
static bool
pair_arm(const struct vspin_notify_dir *d, uint16_t next, uint16_t k)
{
	if (d->event_idx)
		vspin_store16(d->event, (uint16_t)(next + k - 1));
	else
		vspin_store16(d->flags, (uint16_t)(vspin_load16(d->flags) &
						   ~d->no_notify));
	return false;
}
#else
static bool
pair_arm(const struct vspin_notify_dir *d, uint16_t next, uint16_t k)
{
	return vspin_consumer_arm(d, next, k);
}
#endif

/* A stamp keeps the low 48 bits of the TSC, above the 16-bit index. */
#define STAMP_TSC_MASK ((UINT64_C(1) << 48) - 1)

/* After a timeout, still armed: is this a lost wake-up (see above)? */
static void
check_lost(struct pair_waiter *w, uint16_t next, uint16_t k, uint64_t slept_at)
{
	/* The entry whose publish had to notify: the k-th from next. */
	uint16_t last = (uint16_t)(next + k - 1);
	uint64_t st;

	if ((uint16_t)(vspin_load_acquire16(w->dir.idx) - next) < k)
		return; /* fewer than k pending: an honest (timed) timeout */
	/* Acquire: pairs with the release in vspin_pair_stamp(). */
	st = __atomic_load_n(&w->stamp[last & (w->num - 1)], __ATOMIC_ACQUIRE);
	if ((uint16_t)st != last || vspin_eventfd_wait(&w->fd, 1, 0) > 0) {
		/* Publish of `last` not finished, or its kick came late. */
		w->late++;
		return;
	}
	if (w->lost++ == 0) {
		/* Both are the low 48 bits of a TSC: sign-extend the gap. */
		uint64_t d = (slept_at - (st >> 16)) & STAMP_TSC_MASK;

		w->lost_first_age = (int64_t)(d << 16) / 65536;
	}
}

void
vspin_pair_waiter_poll(struct pair_waiter *w, unsigned int n, uint16_t next)
{
	w->next = next;
	vspin_sleeper_poll(&w->sleeper, n, true, vspin_rdtsc());
	/* The poll's entries are consumed already: an ovs_sleep nap now. */
	vspin_sleeper_before_poll(&w->sleeper, true);
}

static bool
waiter_arm(void *ctx, uint16_t k)
{
	struct pair_waiter *w = ctx;

	w->k = k;
	return pair_arm(&w->dir, w->next, k);
}

static void
waiter_disarm(void *ctx)
{
	struct pair_waiter *w = ctx;

	vspin_consumer_disarm(&w->dir);
}

/* Before the disarm: the event index still names w->next. */
static void
waiter_woke(void *ctx, enum vspin_wake why, uint64_t slept_at)
{
	struct pair_waiter *w = ctx;

	/* Without the event index, k > 1 asked for no kick: a timed nap. */
	if (why == VSPIN_WAKE_TIMEOUT && (w->dir.event_idx || w->k == 1))
		check_lost(w, w->next, w->k, slept_at);
}
