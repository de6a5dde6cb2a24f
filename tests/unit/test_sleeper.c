/* SPDX-License-Identifier: BSD-3-Clause
 * The per-thread sleep group (vspin_sleep_group.h) with real eventfds:
 * a thread sleeps only when every queue it polls is armed, each member
 * learns why the sleep ended, and every member is disarmed after it.
 * Every sleep here is bounded, so a broken group fails instead of hanging.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "vspin_clock.h"
#include "vspin_eventfd.h"
#include "vspin_sleep_group.h"
#include "vspin_test.h"

#define LONG_US 2000000 /* a sleep that must not run out in a test */

/* A queue: its policy, counters, fd, and how often it was disarmed. */
struct queue {
	struct vspin_sleeper s;
	struct vspin_policy pol;
	struct vspin_stats st;
	unsigned int disarms;
};

static void
count_disarm(struct vspin_sleeper *s)
{
	struct queue *q =
		(struct queue *)((char *)s - offsetof(struct queue, s));

	q->disarms++;
}

static int
queue_open(struct queue *q, uint32_t sleep_max_us)
{
	struct vspin_policy_conf c;

	memset(q, 0, sizeof(*q));
	vspin_policy_conf_default(&c);
	c.mode = VSPIN_MODE_NOTIFY;
	c.sleep_max_us = sleep_max_us;
	vspin_policy_init(&q->pol, &c, vspin_tsc_hz(), &q->st);
	q->s.policy = &q->pol;
	q->s.fd = eventfd(0, EFD_NONBLOCK);
	q->s.disarm = count_disarm;
	return q->s.fd < 0 ? -1 : 0;
}

static void
queue_close(struct queue *q)
{
	vspin_sleeper_leave(&q->s);
	close(q->s.fd);
}

/* An empty poll in notify mode: arm, the recheck finds nothing. */
static void
queue_arm(struct queue *q)
{
	if (vspin_policy_poll(&q->pol, 0, vspin_rdtsc()))
		vspin_policy_armed(&q->pol, false, vspin_rdtsc());
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
test_no_sleep_until_every_member_armed(void)
{
	struct queue a, b;

	VT_REQUIRE(queue_open(&a, LONG_US) == 0 && queue_open(&b, LONG_US) == 0,
		   "set-up");
	VT_CHECK(vspin_sleeper_join(&a.s) == 0 && vspin_sleeper_join(&b.s) == 0,
		 "join failed");
	queue_arm(&a);
	VT_REQUIRE(a.pol.state == VSPIN_ST_ARMED, "a not armed: %d",
		   a.pol.state);
	/* b still polls: no sleep, even though a is armed. */
	VT_CHECK(!vspin_sleeper_try_sleep(&a.s), "slept with b not armed");
	VT_CHECK(a.st.sleeps == 0 && a.disarms == 0 && b.disarms == 0,
		 "sleeps %llu disarms %u %u without sleeping",
		 (unsigned long long)a.st.sleeps, a.disarms, b.disarms);
	VT_CHECK(a.pol.state == VSPIN_ST_ARMED, "a left ARMED: %d",
		 a.pol.state);
	queue_close(&a);
	queue_close(&b);
}

static void
test_signalled_member_notified_other_member_other(void)
{
	struct queue a, b;
	uint64_t t0, dt;

	VT_REQUIRE(queue_open(&a, LONG_US) == 0 && queue_open(&b, LONG_US) == 0,
		   "set-up");
	vspin_sleeper_join(&a.s);
	vspin_sleeper_join(&b.s);
	queue_arm(&a);
	queue_arm(&b);
	vspin_eventfd_signal(b.s.fd); /* b's producer kicked */
	t0 = now_us();
	VT_CHECK(vspin_sleeper_try_sleep(&b.s), "did not sleep, both armed");
	dt = now_us() - t0;
	VT_CHECK(dt < LONG_US / 2, "a signalled sleep took %llu us",
		 (unsigned long long)dt);
	VT_CHECK(b.st.sleeps == 1 && b.st.wakeups == 1 &&
			 b.st.sleep_timeouts == 0,
		 "b (signalled): sleeps %llu wakeups %llu timeouts %llu",
		 (unsigned long long)b.st.sleeps,
		 (unsigned long long)b.st.wakeups,
		 (unsigned long long)b.st.sleep_timeouts);
	VT_CHECK(a.st.sleeps == 1 && a.st.wakeups == 0 &&
			 a.st.sleep_timeouts == 0,
		 "a (other): sleeps %llu wakeups %llu timeouts %llu",
		 (unsigned long long)a.st.sleeps,
		 (unsigned long long)a.st.wakeups,
		 (unsigned long long)a.st.sleep_timeouts);
	VT_CHECK(a.disarms == 1 && b.disarms == 1, "disarms a %u b %u",
		 a.disarms, b.disarms);
	VT_CHECK(a.pol.state == VSPIN_ST_POLL && b.pol.state == VSPIN_ST_POLL,
		 "states after the wake: a %d b %d", a.pol.state, b.pol.state);
	/* The notified queue's next empty poll is a spurious wake-up. */
	vspin_policy_poll(&b.pol, 0, vspin_rdtsc());
	VT_CHECK(b.st.spurious_wakeups == 1, "spurious %llu",
		 (unsigned long long)b.st.spurious_wakeups);
	VT_CHECK(vspin_eventfd_wait(&b.s.fd, 1, 0) == 0,
		 "b's eventfd not drained by the wake");
	queue_close(&a);
	queue_close(&b);
}

static void
test_timeout_is_the_smallest_bound(void)
{
	struct queue a, b;
	uint64_t t0, dt;

	VT_REQUIRE(queue_open(&a, 30000) == 0 && queue_open(&b, LONG_US) == 0,
		   "set-up");
	vspin_sleeper_join(&a.s);
	vspin_sleeper_join(&b.s);
	queue_arm(&a);
	queue_arm(&b);
	t0 = now_us();
	VT_CHECK(vspin_sleeper_try_sleep(&a.s), "did not sleep");
	dt = now_us() - t0;
	/* a's 30 ms bound, not b's 2 s: generous upper limit. */
	VT_CHECK(dt >= 29000 && dt < LONG_US / 2, "slept %llu us, bound 30000",
		 (unsigned long long)dt);
	VT_CHECK(a.st.sleep_timeouts == 1 && b.st.sleep_timeouts == 1 &&
			 a.st.wakeups == 0 && b.st.wakeups == 0,
		 "timeouts a %llu b %llu, wakeups a %llu b %llu",
		 (unsigned long long)a.st.sleep_timeouts,
		 (unsigned long long)b.st.sleep_timeouts,
		 (unsigned long long)a.st.wakeups,
		 (unsigned long long)b.st.wakeups);
	VT_CHECK(a.disarms == 1 && b.disarms == 1, "disarms a %u b %u",
		 a.disarms, b.disarms);
	/* Time asleep is accounted, in the policy's TSC cycles. */
	VT_CHECK(a.st.sleep_cycles >= vspin_us_to_cycles(25000, a.pol.hz),
		 "sleep_cycles %llu for a 30 ms sleep at %llu Hz",
		 (unsigned long long)a.st.sleep_cycles,
		 (unsigned long long)a.pol.hz);
	queue_close(&a);
	queue_close(&b);
}

static void
test_leave_and_join(void)
{
	struct queue a, b;

	VT_REQUIRE(queue_open(&a, LONG_US) == 0 && queue_open(&b, LONG_US) == 0,
		   "set-up");
	vspin_sleeper_join(&a.s);
	vspin_sleeper_join(&a.s); /* joining twice is a no-op */
	vspin_sleeper_join(&b.s);
	vspin_sleeper_leave(&b.s);
	VT_CHECK(b.s.group == NULL, "b still has a group after leave");
	VT_CHECK(!vspin_sleeper_try_sleep(&b.s), "b slept outside a group");
	/* a alone: armed is enough (b polling does not matter now). */
	queue_arm(&a);
	vspin_eventfd_signal(a.s.fd);
	VT_CHECK(vspin_sleeper_try_sleep(&a.s), "a alone did not sleep");
	VT_CHECK(a.st.wakeups == 1 && b.st.sleeps == 0,
		 "a wakeups %llu, b sleeps %llu",
		 (unsigned long long)a.st.wakeups,
		 (unsigned long long)b.st.sleeps);
	/* a left once: its double join left no second entry behind. */
	vspin_sleeper_leave(&a.s);
	vspin_sleeper_join(&b.s);
	queue_arm(&b);
	vspin_eventfd_signal(b.s.fd);
	VT_CHECK(vspin_sleeper_try_sleep(&b.s),
		 "b alone after a left did not sleep (a still a member?)");
	VT_CHECK(a.st.sleeps == 1, "a slept %llu times, after leaving",
		 (unsigned long long)a.st.sleeps);
	/* Rejoined, a's polling keeps b awake again. */
	vspin_sleeper_join(&a.s);
	queue_arm(&b);
	VT_CHECK(!vspin_sleeper_try_sleep(&b.s), "b slept with a polling");
	queue_close(&a);
	queue_close(&b);
}

static void
test_group_full_at_64(void)
{
	static struct queue q[VSPIN_GROUP_MAX + 1];
	unsigned int i, joined = 0;

	for (i = 0; i <= VSPIN_GROUP_MAX; i++) {
		VT_REQUIRE(queue_open(&q[i], LONG_US) == 0, "set-up %u", i);
		joined += vspin_sleeper_join(&q[i].s) == 0;
	}
	VT_CHECK(joined == VSPIN_GROUP_MAX, "%u joined, expected %u", joined,
		 VSPIN_GROUP_MAX);
	VT_CHECK(q[VSPIN_GROUP_MAX].s.group == NULL,
		 "the 65th queue has a group");
	/* All 64 armed and one signalled: the 64-fd sleep works. */
	for (i = 0; i < VSPIN_GROUP_MAX; i++)
		queue_arm(&q[i]);
	vspin_eventfd_signal(q[VSPIN_GROUP_MAX - 1].s.fd);
	VT_CHECK(vspin_sleeper_try_sleep(&q[0].s), "64 armed, no sleep");
	VT_CHECK(q[VSPIN_GROUP_MAX - 1].st.wakeups == 1 && q[0].st.wakeups == 0,
		 "wakeups: last %llu first %llu",
		 (unsigned long long)q[VSPIN_GROUP_MAX - 1].st.wakeups,
		 (unsigned long long)q[0].st.wakeups);
	for (i = 0; i <= VSPIN_GROUP_MAX; i++)
		queue_close(&q[i]);
}

/* Groups are per thread: another thread's queue does not hold us. */
struct other {
	struct queue q;
	int slept;
};

static void *
other_thread(void *arg)
{
	struct other *o = arg;

	vspin_sleeper_join(&o->q.s);
	queue_arm(&o->q);
	vspin_eventfd_signal(o->q.s.fd);
	o->slept = vspin_sleeper_try_sleep(&o->q.s);
	vspin_sleeper_leave(&o->q.s);
	return NULL;
}

static void
test_groups_are_per_thread(void)
{
	struct queue a;
	struct other o;
	pthread_t t;

	VT_REQUIRE(queue_open(&a, LONG_US) == 0 &&
			   queue_open(&o.q, LONG_US) == 0,
		   "set-up");
	vspin_sleeper_join(&a.s); /* polling, never armed, in this thread */
	o.slept = -1;
	VT_REQUIRE(pthread_create(&t, NULL, other_thread, &o) == 0, "thread");
	pthread_join(t, NULL);
	VT_CHECK(o.slept == 1, "the other thread's lone armed queue slept=%d",
		 o.slept);
	VT_CHECK(!vspin_sleeper_try_sleep(&a.s), "unarmed a slept");
	queue_close(&a);
	close(o.q.s.fd);
}

int
main(void)
{
	VT_RUN(test_no_sleep_until_every_member_armed);
	VT_RUN(test_signalled_member_notified_other_member_other);
	VT_RUN(test_timeout_is_the_smallest_bound);
	VT_RUN(test_leave_and_join);
	VT_RUN(test_group_full_at_64);
	VT_RUN(test_groups_are_per_thread);
	return vt_summary();
}
