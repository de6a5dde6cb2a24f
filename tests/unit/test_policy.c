/* SPDX-License-Identifier: BSD-3-Clause
 * The spin policy (vspin_policy.h) with a fake clock: time is passed in
 * explicitly at HZ = 1e9, so one cycle is one nanosecond and every
 * transition and counter can be checked exactly.
 */
#include <stdint.h>
#include <string.h>

#include "vspin_clock.h"
#include "vspin_policy.h"
#include "vspin_test.h"

#define HZ 1000000000u
#define US UINT64_C(1000) /* cycles per microsecond at HZ */

static struct vspin_stats st;
static struct vspin_policy pol;

static void
setup(enum vspin_mode mode, uint32_t budget, uint32_t spin_us)
{
	struct vspin_policy_conf c;

	vspin_policy_conf_default(&c);
	c.mode = mode;
	c.budget = budget;
	c.spin_us = spin_us;
	c.sleep_cost_us = 10; /* never measured in these tests */
	memset(&st, 0, sizeof(st));
	vspin_policy_init(&pol, &c, HZ, &st);
}

/* Adaptive with B = 10 us; latency_us L (0: the default 3B). */
static void
setup_adaptive(uint32_t latency_us)
{
	struct vspin_policy_conf c;

	vspin_policy_conf_default(&c);
	c.mode = VSPIN_MODE_ADAPTIVE;
	c.spin_us = 0;
	c.sleep_cost_us = 10;
	c.latency_us = latency_us;
	memset(&st, 0, sizeof(st));
	vspin_policy_init(&pol, &c, HZ, &st);
}

/* Empty polls from t, one every step; the index of the one that armed. */
static unsigned int
polls_until_arm(uint64_t t, uint64_t step, unsigned int max)
{
	unsigned int i;

	for (i = 1; i <= max; i++, t += step)
		if (vspin_policy_poll(&pol, 0, t))
			return i;
	return 0;
}

/*
 * The queue armed at *t (the recheck found nothing): it sleeps for slept
 * cycles, wakes for why, and the next poll finds n entries.
 */
static void
sleep_then_poll(uint64_t *t, uint64_t slept, enum vspin_wake why,
		unsigned int n)
{
	vspin_policy_armed(&pol, false, *t);
	vspin_policy_sleep(&pol, *t, 0);
	*t += slept;
	vspin_policy_wake(&pol, why, *t);
	vspin_policy_poll(&pol, n, *t);
}

static void
test_poll_mode_never_arms(void)
{
	setup(VSPIN_MODE_POLL, 20, 20);
	VT_CHECK(polls_until_arm(1000, 100000, 100000) == 0,
		 "poll mode armed within 100000 empty polls");
	VT_CHECK(pol.state == VSPIN_ST_SPIN, "state %d after empty polls",
		 pol.state);
	VT_CHECK(st.arms == 0, "arms %llu", (unsigned long long)st.arms);
}

static void
test_notify_arms_on_first_empty_poll(void)
{
	setup(VSPIN_MODE_NOTIFY, 20, 20);
	VT_CHECK(!vspin_policy_poll(&pol, 5, 100), "armed on a busy poll");
	VT_CHECK(vspin_policy_poll(&pol, 0, 200), "first empty poll: no arm");
	vspin_policy_armed(&pol, false, 300);
	VT_CHECK(pol.state == VSPIN_ST_ARMED && vspin_policy_armed_p(&pol),
		 "state %d after arming", pol.state);
	/* Armed and waiting for the lcore's other queues: no second arm. */
	VT_CHECK(!vspin_policy_poll(&pol, 0, 400), "armed twice");
	VT_CHECK(st.arms == 1, "arms %llu", (unsigned long long)st.arms);
}

static void
test_budget_arms_after_exactly_n_empty_polls(void)
{
	static const uint32_t budgets[] = {1, 2, 5, 20, 1000};
	unsigned int i, got;

	for (i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		setup(VSPIN_MODE_BUDGET, budgets[i], 20);
		got = polls_until_arm(0, 1, 5000);
		VT_CHECK(got == budgets[i], "budget:%u armed after %u polls",
			 budgets[i], got);
	}
	/* Work in between starts the count again. */
	setup(VSPIN_MODE_BUDGET, 5, 20);
	VT_CHECK(polls_until_arm(0, 1, 4) == 0, "armed within 4 of 5");
	vspin_policy_poll(&pol, 1, 10);
	got = polls_until_arm(11, 1, 5000);
	VT_CHECK(got == 5, "after work, armed after %u polls, expected 5", got);
}

static void
test_spin_arms_after_exactly_us(void)
{
	static const uint32_t wins[] = {0, 1, 20, 1000};
	unsigned int i;

	for (i = 0; i < sizeof(wins) / sizeof(wins[0]); i++) {
		uint64_t t0 = 5000, w = (uint64_t)wins[i] * US;

		setup(VSPIN_MODE_SPIN, 20, wins[i]);
		if (w == 0) {
			VT_CHECK(vspin_policy_poll(&pol, 0, t0),
				 "spin:0 did not arm on the first empty poll");
			continue;
		}
		VT_CHECK(!vspin_policy_poll(&pol, 0, t0), "spin:%u armed at 0",
			 wins[i]);
		VT_CHECK(!vspin_policy_poll(&pol, 0, t0 + w - 1),
			 "spin:%u armed at %llu ns", wins[i],
			 (unsigned long long)w - 1);
		VT_CHECK(vspin_policy_poll(&pol, 0, t0 + w),
			 "spin:%u not armed at %llu ns", wins[i],
			 (unsigned long long)w);
	}
}

static void
test_work_while_armed_returns_to_poll(void)
{
	setup(VSPIN_MODE_NOTIFY, 20, 20);
	vspin_policy_poll(&pol, 0, 100);
	vspin_policy_armed(&pol, false, 150);
	VT_CHECK(!vspin_policy_poll(&pol, 3, 400), "armed on a busy poll");
	VT_CHECK(pol.state == VSPIN_ST_POLL, "state %d after work", pol.state);
	VT_CHECK(st.spin_cycles == 300, "spin_cycles %llu, expected 300",
		 (unsigned long long)st.spin_cycles);
	/* Armed, no sleep, then work: it ends as a recheck hit, and counts. */
	VT_CHECK(st.arm_rechecks_hit == 1,
		 "work while armed: hits %llu, expected 1",
		 (unsigned long long)st.arm_rechecks_hit);
	/* A recheck hit also ends the idle period. */
	vspin_policy_poll(&pol, 0, 1000);
	vspin_policy_armed(&pol, true, 1200);
	VT_CHECK(pol.state == VSPIN_ST_POLL && st.arm_rechecks_hit == 2,
		 "after a recheck hit: state %d hits %llu", pol.state,
		 (unsigned long long)st.arm_rechecks_hit);
	VT_CHECK(st.spin_cycles == 500, "spin_cycles %llu, expected 500",
		 (unsigned long long)st.spin_cycles);
}

static void
test_adaptive_initial_window_is_sleep_cost(void)
{
	setup_adaptive(0);
	VT_CHECK(pol.window == 10 * US && st.window_cycles == 10 * US,
		 "window %llu (stats %llu), expected B = %u",
		 (unsigned long long)pol.window,
		 (unsigned long long)st.window_cycles, 10 * US);
	/* B given (10 us): a sleep's CPU priced at B, L = 20 x that. */
	VT_CHECK(pol.latency == 200 * US, "L %llu, expected 20B",
		 (unsigned long long)pol.latency);
	VT_CHECK(!vspin_policy_poll(&pol, 0, 0), "armed at once");
	VT_CHECK(pol.arm_k == 1 && pol.sleep_us == VSPIN_DEFAULT_SLEEP_MAX_US,
		 "no rate yet: K %u sleep %u us, expected 1 and sleep_max_us",
		 pol.arm_k, pol.sleep_us);
	VT_CHECK(!vspin_policy_poll(&pol, 0, 10 * US - 1), "armed before W");
	VT_CHECK(vspin_policy_poll(&pol, 0, 10 * US), "not armed at W");
}

/*
 * One idle gap of g cycles after a packet at *t, in the spin-then-sleep
 * regime: the packet that ends it comes while spinning (g < W) or wakes
 * the sleep (notified about B after it was published, or the timeout).
 * Returns the window after it.
 */
static uint64_t
gap(uint64_t *t, uint64_t g, bool timeout)
{
	uint64_t start = *t, end = timeout ? UINT64_MAX : start + g;

	vspin_policy_poll(&pol, 1, *t);
	for (;;) {
		*t += 200;
		if (*t >= end) {
			vspin_policy_poll(&pol, 1, end); /* caught spinning */
			*t = end;
			return pol.window;
		}
		if (vspin_policy_poll(&pol, 0, *t))
			break;
	}
	vspin_policy_armed(&pol, false, *t);
	vspin_policy_sleep(&pol, *t, 0);
	*t = timeout ? *t + 10000 * US : end + 10 * US; /* wake-up: B */
	vspin_policy_wake(
		&pol, timeout ? VSPIN_WAKE_TIMEOUT : VSPIN_WAKE_NOTIFIED, *t);
	vspin_policy_poll(&pol, 1, *t); /* the work, right after */
	return pol.window;
}

static void
test_adaptive_paced_gaps_below_and_above_sleep_cost(void)
{
	uint64_t t = 0, w = 0;
	unsigned int i;

	/* L = 1 us: no coalescing at these rates; the ski-rental regime. */
	setup_adaptive(1);
	for (i = 0; i < 40; i++)
		w = gap(&t, 50 * US, false); /* gaps of 5B */
	VT_CHECK(w == 0,
		 "window %llu after gaps of 5B, expected 0: sleep at "
		 "once when every gap is longer than a sleep's cost",
		 (unsigned long long)w);
	for (i = 0; i < 40; i++)
		w = gap(&t, 2 * US, false); /* gaps of B/5 */
	VT_CHECK(w >= 2 * US && w <= 10 * US,
		 "window %llu after gaps of B/5, expected to cover them "
		 "(>= 2 us) and at most B",
		 (unsigned long long)w);
	for (i = 0; i < 40; i++)
		w = gap(&t, 50 * US, false);
	VT_CHECK(w == 0,
		 "window %llu: steady long gaps again, expected it "
		 "to come down to 0",
		 (unsigned long long)w);
	/* Half short (3 us, class [B/4, B/2)), half long: W = B/2. */
	for (i = 0; i < 80; i++)
		w = gap(&t, (i & 1) ? 3 * US : 50 * US, false);
	VT_CHECK(w == 5 * US,
		 "window %llu for half 3 us, half 50 us gaps, "
		 "expected B/2 (least expected cost)",
		 (unsigned long long)w);
}

static void
test_adaptive_timeouts_are_long_gaps_spurious_wakes_teach_nothing(void)
{
	uint64_t t = 0, w, before;
	unsigned int i;

	setup_adaptive(1);
	for (i = 0; i < 40; i++)
		w = gap(&t, 1 * US, false);
	before = pol.window;
	/* Spurious wake-ups: notified, then nothing to read. */
	for (i = 0; i < 40; i++) {
		while (!vspin_policy_poll(&pol, 0, t))
			t += 200;
		sleep_then_poll(&t, 1 * US, VSPIN_WAKE_NOTIFIED, 0);
	}
	VT_CHECK(pol.window == before && st.spurious_wakeups == 40,
		 "window %llu -> %llu over 40 spurious wake-ups (%llu "
		 "counted), expected unchanged",
		 (unsigned long long)before, (unsigned long long)pol.window,
		 (unsigned long long)st.spurious_wakeups);
	for (i = 0; i < 40; i++)
		w = gap(&t, 0, true);
	VT_CHECK(w == 0, "window %llu after 40 timeouts, expected 0",
		 (unsigned long long)w);
}

/*
 * After idle timeouts the window is 0: every empty poll arms. Short gaps
 * that end in the recheck after the arm must teach it, or it stays at 0
 * and a busy queue arms (and is notified) on every brief dry-out.
 */
static void
test_adaptive_recheck_hits_teach_short_gaps(void)
{
	uint64_t t = 0;
	unsigned int i;

	setup_adaptive(1);
	for (i = 0; i < 40; i++)
		gap(&t, 0, true);
	VT_CHECK(pol.window == 0, "window %llu after 40 timeouts",
		 (unsigned long long)pol.window);
	for (i = 0; i < 40; i++) {
		vspin_policy_poll(&pol, 1, t);
		t += 100;
		VT_CHECK(vspin_policy_poll(&pol, 0, t), "W = 0: not armed");
		t += 100;
		vspin_policy_armed(&pol, true, t); /* the recheck found one */
		if (pol.window > 0)
			break;
	}
	VT_CHECK(
		pol.window > 0,
		"window still 0 after 40 gaps of 200 ns caught by the recheck");
	VT_CHECK(st.sleeps == 40 && st.arm_rechecks_hit == i + 1,
		 "sleeps %llu rechecks hit %llu after %u short gaps",
		 (unsigned long long)st.sleeps,
		 (unsigned long long)st.arm_rechecks_hit, i + 1);
}

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint64_t
rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

/* An exponential gap of the given mean (inverse transform, fixed point). */
static uint64_t
exp_gap(uint64_t mean)
{
	double u = ((double)rnd(1u << 30) + 1.0) / (double)(1u << 30);
	double x = 0;

	/* -ln(u) by a short series around the crude log2 estimate. */
	while (u < 0.5) {
		u *= 2;
		x += 0.6931471805599453;
	}
	/* ln(u) for u in [0.5, 1): y = (u-1)/(u+1), 2(y + y^3/3 + y^5/5). */
	{
		double y = (u - 1) / (u + 1), y2 = y * y;

		x -= 2 * y * (1 + y2 / 3 + y2 * y2 / 5 + y2 * y2 * y2 / 7);
	}
	return (uint64_t)(x * (double)mean);
}

static void
test_adaptive_poisson_arrivals(void)
{
	uint64_t t = 0, w = 0;
	unsigned int i;

	setup_adaptive(1);
	/* Mean gap 100 us = 10B: most gaps are long, sleep at once. */
	for (i = 0; i < 400; i++)
		w = gap(&t, exp_gap(100 * US), false);
	VT_CHECK(w == 0,
		 "window %llu for Poisson gaps of mean 10B, "
		 "expected 0",
		 (unsigned long long)w);
	/* Mean gap 2 us = B/5: most are short, spin through them. */
	for (i = 0; i < 400; i++)
		w = gap(&t, exp_gap(2 * US), false);
	VT_CHECK(w >= 5 * US,
		 "window %llu for Poisson gaps of mean B/5, "
		 "expected B/2 or B",
		 (unsigned long long)w);
}

static void
test_adaptive_window_never_exceeds_sleep_cost(void)
{
	uint64_t t = 0, w;
	unsigned int i, over = 0;

	setup_adaptive(1);
	for (i = 0; i < 5000; i++) {
		uint64_t g = rnd(3) ? rnd(12 * US) : rnd(400 * US);

		w = gap(&t, g, rnd(10) == 0);
		over += w > pol.sleep_cost;
	}
	VT_CHECK(over == 0,
		 "%u of 5000 windows above B: the 2-competitive "
		 "cap is broken",
		 over);
}

/* Packets every `every` cycles for `span` cycles, then an empty poll. */
/* The producer pauses pause_len cycles every pause_every (0: never). */
static uint64_t pause_every, pause_len;
/* Entries the producer publishes at once, each `every` cycles apart. */
static unsigned int burst_of = 1;
/* What a poll that finds entries costs beyond them (0: nothing). */
static uint64_t poll_fixed;
/* What a poll costs by itself, empty or not. */
static uint64_t poll_ns = 50;
/*
 * Polls that found entries go untimed where the policy allows it, passed
 * now 0 as the sleeper passes them (vspin_policy_needs_now()); counted.
 */
static bool untimed_polls;
static uint64_t untimed_count;

/* A poll that found n entries, at now. */
static void
busy_poll(unsigned int n, uint64_t now)
{
	if (untimed_polls && !vspin_policy_needs_now(&pol, n)) {
		untimed_count++;
		now = 0;
	}
	vspin_policy_poll(&pol, n, now);
}
/* Every late_every-th wake-up comes late_long late instead (0: none). */
static unsigned int late_every, wakes;
static uint64_t late_long;
/*
 * The consumer thread's CPU time as consume() reads it before a sleep:
 * its time awake, plus wake_charge for each sleep (what a wake-up costs
 * it in the kernel); 0, not read, while wake_charge is 0.
 */
static uint64_t wake_charge, slept_total, charged;

static uint64_t
cpu_of(uint64_t now)
{
	return wake_charge ? now - slept_total + charged : 0;
}

/* The arrival after the one at a: every cycles later, or after a pause. */
static uint64_t
after(uint64_t a, uint64_t every)
{
	if (pause_every != 0 && (a + every) / pause_every != a / pause_every)
		return a + every + pause_len;
	return a + every;
}

/*
 * A consumer for span cycles of steady load: a packet every `every`
 * cycles, each taking cost cycles to process after the poll that found it
 * (a poll takes poll_ns); it polls again at once, spins between arrivals
 * and, when the policy
 * arms, sleeps until the K-th entry is published (notified) or its bound
 * passes (a timeout), either way waking `late` cycles after that. Ends
 * busy (the last poll found work), at the time the last packet was done.
 */
static void
consume(uint64_t *t, uint64_t every, uint64_t cost, uint64_t late,
	uint64_t span)
{
	uint64_t end = *t + span, next = *t, now = *t;

	while (next < end) {
		unsigned int n = 0;

		if (now < next)
			now = next;
		while (next <= now) {
			n += burst_of;
			next = after(next, every);
		}
		busy_poll(n, now);
		now += poll_ns + n * cost + poll_fixed;
		while (now < next && next < end) {
			uint64_t kth = next, bound, wake;
			unsigned int k;

			if (!vspin_policy_poll(&pol, 0, now)) {
				now += poll_ns;
				continue;
			}
			vspin_policy_armed(&pol, false, now);
			vspin_policy_sleep(&pol, now, cpu_of(now));
			charged += wake_charge;
			for (k = burst_of; k < pol.arm_k; k += burst_of)
				kth = after(kth, every);
			bound = now + (uint64_t)pol.sleep_us * US;
			wake = (kth < bound ? kth : bound) +
			       (late_every != 0 && ++wakes % late_every == 0 ?
					late_long :
					late);
			vspin_policy_wake(&pol,
					  kth < bound ? VSPIN_WAKE_NOTIFIED :
							VSPIN_WAKE_TIMEOUT,
					  wake);
			slept_total += wake - now;
			now = wake;
		}
	}
	*t = now;
}

/*
 * consume() with the wake-ups 2 us late but every nth one, which comes
 * long_late late.
 */
static void
consume_late_every(uint64_t *t, uint64_t every, uint64_t cost, uint64_t span,
		   unsigned int nth, uint64_t long_late)
{
	late_every = nth;
	late_long = long_late;
	consume(t, every, cost, 2 * US, span);
	late_every = 0;
}

/* Steady load on a fast consumer (50 ns a packet), wake-ups B late. */
static void
steady(uint64_t *t, uint64_t every, uint64_t span)
{
	consume(t, every, 50, 10 * US, span);
}

/*
 * Where a nap with EVENT_IDX arms the index: the ring, less an eighth for
 * a burst and what arrives, one entry every `every` ns, while a wake-up
 * is D late.
 */
static bool
at_room(uint32_t ring, uint64_t every)
{
	uint32_t room = ring - ring / 8 - (uint32_t)(pol.late / every);
	uint32_t k = pol.arm_k;

	return pol.timer_wakes && k + 1 >= room && k <= room + 1;
}

static void
test_adaptive_coalesces_under_steady_load(void)
{
	uint64_t t = 0;

	/*
	 * One packet per us with L = 200 us: a timed nap of 200 us (a batch
	 * of 200), the event index as far ahead as the ring has room (the
	 * ring unknown here: half the index space).
	 */
	setup_adaptive(0);
	steady(&t, 1 * US, 2000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t),
		 "first empty poll under steady load: not armed at once");
	VT_CHECK(pol.arm_k == 32768 && pol.sleep_us == 200 &&
			 pol.sleep_min_us == 200,
		 "index %u ahead, sleep %u-%u us, expected a nap of L = "
		 "200 us, the index 32768 ahead",
		 pol.arm_k, pol.sleep_min_us, pol.sleep_us);
	sleep_then_poll(&t, 210 * US, VSPIN_WAKE_TIMEOUT, 100);
	/*
	 * The ring bounds the nap: its room (32 entries, less 4 for a burst
	 * and 2.5 for what comes while the wake-up is D = B = 10 us late)
	 * fills in 102 us at this rate, and the timer may come D late: a nap
	 * of about 92 us, the index 26 ahead (a burst still wakes it).
	 */
	pol.conf.ring_size = 32;
	steady(&t, 4 * US, 2000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t), "not armed at once");
	VT_CHECK(at_room(32, 4 * US),
		 "index %u ahead with a ring of 32, expected 26", pol.arm_k);
	VT_CHECK(pol.sleep_min_us >= 88 && pol.sleep_min_us <= 96 &&
			 pol.sleep_us == pol.sleep_min_us,
		 "sleep %u-%u us at one packet per 4 us with a ring of 32, "
		 "expected a nap of about 102 - D = 92 us",
		 pol.sleep_min_us, pol.sleep_us);
	sleep_then_poll(&t, 100 * US, VSPIN_WAKE_TIMEOUT, 25);
	/*
	 * Near saturation the ring's 16 entries come in 16 us, less than a
	 * wake-up's CPU (C = 20 us here): no sleep at the first empty poll but
	 * a spin of max(L, 1 ms) (a notification would cost a producer
	 * running flat out), then K = 1.
	 */
	steady(&t, 1 * US, 2000 * US);
	VT_CHECK(!vspin_policy_poll(&pol, 0, t),
		 "armed at once near saturation (K %u)", pol.arm_k);
	VT_CHECK(pol.arm_k == 1, "K %u near saturation, expected 1", pol.arm_k);
	/* It spins 1 ms first, whatever the window learnt. */
	VT_CHECK(!vspin_policy_poll(&pol, 0, t + 1000 * US - 1),
		 "armed before 1 ms near saturation (window %llu)",
		 (unsigned long long)pol.window);
	VT_CHECK(vspin_policy_poll(&pol, 0, t + 1000 * US),
		 "not armed after 1 ms near saturation");
	vspin_policy_armed(&pol, true, t + 1000 * US);
	/* The load goes away: back to spin-then-sleep with K = 1. */
	steady(&t, 5000 * US, 200000 * US);
	t += 100 * US;
	vspin_policy_poll(&pol, 0, t);
	VT_CHECK(pol.arm_k == 1 && pol.sleep_us == VSPIN_DEFAULT_SLEEP_MAX_US &&
			 pol.sleep_min_us == pol.sleep_us,
		 "after the load went away: K %u sleep %u-%u us, expected 1 "
		 "and sleep_max_us",
		 pol.arm_k, pol.sleep_min_us, pol.sleep_us);
}

/*
 * After a coalesced wake-up the queue drains its batch in full bursts;
 * the first poll of less than a full burst says the backlog is gone, and
 * the PMD holds the next poll (vspin_sleeper_holds()), whose empty report
 * starts the next idle period at once. Not the first poll after a
 * wake-up (a small batch), nor the first after a recheck that found
 * work, nor a queue that spins near saturation.
 */
static void
test_adaptive_drained_batch_holds(void)
{
	uint64_t t = 0;

	setup_adaptive(0);
	steady(&t, 1 * US, 2000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.arm_k > 100,
		 "steady load: not coalescing (K %u)", pol.arm_k);
	sleep_then_poll(&t, 210 * US, VSPIN_WAKE_NOTIFIED, 32);
	VT_CHECK(!pol.trickle, "the batch's first poll held the next");
	vspin_policy_poll(&pol, 32, t += 2 * US);
	VT_CHECK(!pol.trickle, "a full burst held the next poll");
	vspin_policy_poll(&pol, 5, t += 2 * US);
	VT_CHECK(pol.trickle, "5 entries after the batch: no hold");
	VT_CHECK(vspin_policy_poll(&pol, 0, t += 1 * US) && !pol.trickle &&
			 pol.arm_k > 100,
		 "the held poll: not armed for the next batch at once "
		 "(K %u, hold %d)",
		 pol.arm_k, pol.trickle);
	/* A small batch: its first poll is all of it. */
	sleep_then_poll(&t, 210 * US, VSPIN_WAKE_NOTIFIED, 3);
	VT_CHECK(!pol.trickle, "a batch of 3 held the poll after it");
	vspin_policy_poll(&pol, 0, t += 1 * US);
	/* A recheck that found work, then a few entries. */
	vspin_policy_armed(&pol, true, t += 1 * US);
	vspin_policy_poll(&pol, 4, t += 1 * US);
	VT_CHECK(!pol.trickle, "the poll after a recheck hit held the next");
	vspin_policy_poll(&pol, 4, t += 1 * US);
	VT_CHECK(pol.trickle, "4 entries past a recheck hit: no hold");
	vspin_policy_poll(&pol, 0, t += 1 * US);
	/* Near saturation (a ring of 32 at one entry per us) it spins. */
	vspin_policy_set_ring(&pol, 32, true);
	steady(&t, 1 * US, 2000 * US);
	VT_CHECK(!vspin_policy_poll(&pol, 0, t) && pol.arm_k == 1,
		 "near saturation: armed at once (K %u)", pol.arm_k);
	vspin_policy_poll(&pol, 32, t += 1 * US);
	vspin_policy_poll(&pol, 2, t += 1 * US);
	VT_CHECK(!pol.trickle, "a spinning queue held a poll");
}

/*
 * An application that takes 8 entries a burst (nb_pkts 8): each poll of
 * a batch finds 8, a full burst for it. The batch is drained only at a
 * poll of fewer; counted against 16, its second poll said so with the
 * ring still nearly full, and the queue slept again on the backlog.
 */
static void
test_adaptive_small_bursts_drain_the_batch(void)
{
	uint64_t t = 0;
	unsigned int i;

	setup_adaptive(0);
	steady(&t, 1 * US, 2000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.arm_k > 100,
		 "steady load: not coalescing (K %u)", pol.arm_k);
	vspin_policy_burst(&pol, 8);
	sleep_then_poll(&t, 210 * US, VSPIN_WAKE_NOTIFIED, 8);
	for (i = 0; i < 20; i++) {
		vspin_policy_poll(&pol, 8, t += 1 * US);
		VT_CHECK(!pol.trickle,
			 "poll %u of 8 entries (a full burst of 8) said the "
			 "batch was drained",
			 i + 2);
	}
	vspin_policy_poll(&pol, 3, t += 1 * US);
	VT_CHECK(pol.trickle, "3 entries of a burst of 8: no hold");
	vspin_policy_poll(&pol, 0, t += 1 * US);
	/* Back to 32 a burst: 8 entries are less than a full burst. */
	vspin_policy_burst(&pol, 32);
	sleep_then_poll(&t, 210 * US, VSPIN_WAKE_NOTIFIED, 32);
	vspin_policy_poll(&pol, 8, t += 1 * US);
	VT_CHECK(pol.trickle, "8 entries of a burst of 32: no hold");
}

/*
 * Without EVENT_IDX a coalescing sleep is a timed nap, late by the timer's
 * overshoot (priced at B = 10 us here): the queue naps only while the
 * ring's half holds what arrives meanwhile.
 */
static void
test_adaptive_timed_naps_fit_the_ring(void)
{
	uint64_t t = 0;

	setup_adaptive(0); /* L = 200 us, C = 20 us */
	vspin_policy_set_ring(&pol, 256, false);
	/* One packet per 4 us: K = 50, the nap L (200 + 10 us: 52 entries). */
	steady(&t, 4 * US, 2000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.arm_k >= 45 &&
			 pol.arm_k <= 50,
		 "light load without EVENT_IDX: K %u, expected a nap for "
		 "about 50",
		 pol.arm_k);
	sleep_then_poll(&t, 210 * US, VSPIN_WAKE_TIMEOUT, 32);
	/*
	 * One packet per us: the ring's half (128) fills in 128 us, so the
	 * nap is shortened to 118 us (late by 10: 128 entries).
	 */
	steady(&t, 1 * US, 2000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.sleep_us >= 112 &&
			 pol.sleep_us <= 120,
		 "nap %u us without EVENT_IDX at one packet per us, expected "
		 "about 118",
		 pol.sleep_us);
	/* A nap is woken by its timer alone: no bound beyond it. */
	VT_CHECK(pol.sleep_min_us == pol.sleep_us,
		 "nap of %u-%u us, expected one length", pol.sleep_min_us,
		 pol.sleep_us);
	sleep_then_poll(&t, 128 * US, VSPIN_WAKE_TIMEOUT, 32);
	/*
	 * Eight packets per us: the half fills in 16 us, less than the
	 * overshoot and a wake-up's CPU (10 + 20 us): no nap.
	 */
	steady(&t, US / 8, 2000 * US);
	VT_CHECK(
		!vspin_policy_poll(&pol, 0, t) && pol.arm_k == 1,
		"a nap without EVENT_IDX that overflows the ring's half (K %u)",
		pol.arm_k);
	/*
	 * Naps that come 30 us late (D) at one packet per 0.4 us: the half
	 * fills in 51 us, so the nap is 21 us, not the 41 us the start-up
	 * overshoot (10 us) would allow.
	 */
	vspin_policy_poll(&pol, 1, t);
	consume(&t, 400, 50, 30 * US, 200000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.sleep_us >= 19 &&
			 pol.sleep_us <= 23,
		 "nap %u us without EVENT_IDX, naps 30 us late, a half ring "
		 "in 51 us: expected about 21",
		 pol.sleep_us);
	sleep_then_poll(&t, 51 * US, VSPIN_WAKE_TIMEOUT, 128);
	vspin_policy_poll(&pol, 1, t);
	vspin_policy_set_ring(&pol, 256, true);
	steady(&t, US / 2, 2000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && at_room(256, US / 2),
		 "with EVENT_IDX: index %u ahead, expected the ring's room "
		 "(256 - 32 - 2 D)",
		 pol.arm_k);
}

/*
 * With EVENT_IDX a batch is woken by its timer wherever the ring's room
 * (less an eighth for a burst and what arrives while a wake-up is D late)
 * outlasts the timer's lateness and a wake-up: a nap that ends that
 * lateness before the room is full, and the event index at the room's
 * end, so that a burst, or a timer later than D, still wakes the queue
 * before the ring fills. Where the room fills sooner the K-th entry's
 * notification wakes it (K at most half the ring), bounded by L. The
 * nap's lateness is what D learns: naps 30 us late shorten the next ones.
 */
static void
test_adaptive_nap_or_notification(void)
{
	uint64_t t = 0, timeouts, wakeups;

	setup_adaptive(0); /* L = 200 us, C = 20 us, D = B = 10 us */
	vspin_policy_set_ring(&pol, 256, true);
	steady(&t, 1 * US, 2000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && at_room(256, 1 * US) &&
			 pol.sleep_min_us == 200 &&
			 pol.sleep_us == pol.sleep_min_us,
		 "one packet per us, ring 256: index %u ahead, sleep %u-%u "
		 "us, timer wakes %d, expected a nap of L = 200 us on its "
		 "timer (the room, 214, fills in 214 us, D 10), the index "
		 "214 ahead",
		 pol.arm_k, pol.sleep_min_us, pol.sleep_us, pol.timer_wakes);
	sleep_then_poll(&t, 200 * US, VSPIN_WAKE_TIMEOUT, 200);
	/*
	 * Six per us: the room (256 - 32 - 60) fills in 27 us, less than
	 * D + C; a batch of 128 leaves the queue idle for 19 us of its
	 * 21, and its cycle saves a fifth of a core: notified, bounded by L.
	 */
	vspin_policy_poll(&pol, 1, t);
	consume(&t, US / 6, 20, 10 * US, 2000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.arm_k == 128 &&
			 pol.sleep_us == 200 && !pol.timer_wakes,
		 "six packets per us: K %u, bound %u us, timer wakes %d, "
		 "expected a batch of 128 notified, bounded by L = 200 us",
		 pol.arm_k, pol.sleep_us, pol.timer_wakes);
	vspin_policy_poll(&pol, 1, t);
	/* Naps 30 us late at one per 0.4 us: the room in 60 us, nap 30. */
	timeouts = st.sleep_timeouts;
	wakeups = st.wakeups;
	consume(&t, 400, 50, 30 * US, 200000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.sleep_us >= 27 &&
			 pol.sleep_us <= 33 && at_room(256, 400),
		 "naps 30 us late, the ring's room in 60 us: nap %u us, index "
		 "%u ahead, expected about 30 us and 149",
		 pol.sleep_us, pol.arm_k);
	/* Notified: only while the rate came down from eight per us. */
	VT_CHECK(st.sleep_timeouts - timeouts > 100 &&
			 st.wakeups - wakeups <= 5,
		 "%llu naps ended by their timer, %llu by a notification: "
		 "expected the timer at this steady rate",
		 (unsigned long long)(st.sleep_timeouts - timeouts),
		 (unsigned long long)(st.wakeups - wakeups));
}

/*
 * One entry every 200 ns to a consumer busy 10%, a notification costing
 * its producer n, then D99 at 21 us: the room (34.8 us) no longer outlasts
 * D99 and C, so the next batch is woken by its K-th entry.
 */
static void
without_room_for_a_nap(uint64_t *t, uint64_t n)
{
	vspin_policy_poll(&pol, 1, *t);
	pol.notify_cost = n;
	consume(t, 200, 20, 10 * US, 2000 * US);
	pol.late_tail = 21 * US;
}

/*
 * A consumer busy 85% of the time: a batch of 128 entries comes in
 * 51.2 us, more than a wake-up's CPU (C = 20 us), but leaves it idle for
 * 8 us, and its cycle ((s + C) / (1 - u): the wake-up and the processing
 * overlap the next arrivals) would save a ninth of a core: no sleep at
 * the first empty poll. A packet's cost is what its poll takes beyond an
 * empty poll. At one packet per 200 ns, a consumer busy 10% coalesces
 * (K 128, 25.6 us), even with a notification of 5 us (the batch leaves
 * 23 us, less than C and N, but its cycle saves most of a core); not
 * when the notification and C together outlast the sleep of a batch its
 * last entry wakes (a nap pays N only as often as one wakes it). Busy
 * 65%, the batch leaves 9 us, and its cycle saves a fifth of a core: it
 * coalesces. Each such batch is a nap to the ring's room (174 entries:
 * 256, less 32 for a burst and 50 for D = 10 us).
 */
static void
test_adaptive_busy_consumer_spins(void)
{
	uint64_t t = 0, sleeps, d99;
	unsigned int i;

	setup_adaptive(0); /* L = 200 us, C = 20 us */
	vspin_policy_set_ring(&pol, 256, true);
	/* 340 ns a packet, 50 more for the poll that found it. */
	consume(&t, 400, 340, 10 * US, 4000 * US);
	VT_CHECK(!vspin_policy_poll(&pol, 0, t) && pol.arm_k == 1,
		 "busy 85%%, one packet per 400 ns: armed at once (K %u)",
		 pol.arm_k);
	VT_CHECK(pol.util_fp > 53000 && pol.util_fp < 58000,
		 "busy fraction %u/65536, expected 0.85", pol.util_fp);
	vspin_policy_poll(&pol, 1, t);
	consume(&t, 200, 20, 10 * US, 4000 * US);
	/*
	 * The ring's room fills in 34.8 us, more than the timer's lateness
	 * (D = B = 10 us) and C: a nap of 24.8 us.
	 */
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && at_room(256, 200) &&
			 pol.sleep_us >= 23 && pol.sleep_us <= 26,
		 "busy 10%%, one packet per 200 ns: index %u ahead, nap %u "
		 "us, expected 174 and 24.8 us",
		 pol.arm_k, pol.sleep_us);
	VT_CHECK(pol.util_fp > 5000 && pol.util_fp < 8000,
		 "busy fraction %u/65536, expected 0.1 (the polls between "
		 "packets are not work)",
		 pol.util_fp);
	/*
	 * A notification costs a batch only if one wakes it. A nap's index
	 * sits at the room's end: with a notification of 6 us it still naps.
	 * Where the room does not outlast a wake-up as late as D99 and C
	 * (D99 21 us: 34.8 us against 41) the batch of 128 is woken by its
	 * last entry: it leaves 23 us idle, less than C and a notification
	 * of 5 us, but its cycle saves most of a core; with a notification
	 * of 6 us the sleep (25.6 us) no longer covers both.
	 */
	vspin_policy_poll(&pol, 1, t);
	pol.notify_cost = 6 * US;
	consume(&t, 200, 20, 10 * US, 2000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && at_room(256, 200),
		 "a nap leaving 23 us idle, C 20 us, a notification 6 us: "
		 "index %u ahead, expected a nap to 174 (a nap notifies no "
		 "one)",
		 pol.arm_k);
	/*
	 * Unless notifications wake the naps (a timer later than the room's
	 * fill): a nap pays N in the share of naps they woke, an average of
	 * weight 1/8 (three: 84/256). Woken so time after time (0.98), a
	 * nap with N = 10 us stops paying (C + 0.98 N outlasts its sleep of
	 * about 26 us); the share halves every 256 ms without a nap, and
	 * naps come back.
	 */
	d99 = pol.late_tail;
	for (i = 0; i < 3; i++) {
		unsigned int polls = polls_until_arm(t, 50, 4000);

		t += 50 * polls;
		if (polls == 0 || !pol.timer_wakes)
			break;
		sleep_then_poll(&t, 25 * US, VSPIN_WAKE_NOTIFIED, 125);
		t += 200;
	}
	VT_CHECK(i == 3 && pol.nap_notified >= 80 && pol.nap_notified <= 88,
		 "%u naps woken by a notification: share %u/256, expected 3 "
		 "naps and 84",
		 i, pol.nap_notified);
	pol.late_tail = d99;
	pol.nap_notified = 250;
	pol.notify_cost = 10 * US;
	t += 20 * US;
	VT_CHECK(!vspin_policy_poll(&pol, 0, t) && pol.arm_k == 1,
		 "naps woken by a notification 250 times in 256, C 20 us, N "
		 "10 us: K %u, expected the queue to spin",
		 pol.arm_k);
	vspin_policy_poll(&pol, 1, t);
	consume(&t, 200, 20, 10 * US, 200000 * US);
	VT_CHECK(pol.nap_notified == 250,
		 "200 ms later: share %u/256, expected 250 (no nap, not yet "
		 "halved)",
		 pol.nap_notified);
	vspin_policy_poll(&pol, 1, t);
	consume(&t, 200, 20, 10 * US, 600000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && at_room(256, 200) &&
			 pol.nap_notified < 64,
		 "800 ms later: index %u ahead, share %u/256, expected naps "
		 "to the room again",
		 pol.arm_k, pol.nap_notified);
	d99 = pol.late_tail;
	without_room_for_a_nap(&t, 5 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.arm_k == 128 &&
			 !pol.timer_wakes,
		 "a batch leaving 23 us idle, C 20 us, a notification 5 us, "
		 "no room for a nap: index %u ahead, timer wakes %d, expected "
		 "a notified batch of 128",
		 pol.arm_k, pol.timer_wakes);
	without_room_for_a_nap(&t, 6 * US);
	VT_CHECK(!vspin_policy_poll(&pol, 0, t) && pol.arm_k == 1,
		 "a notified batch's sleep of 25.6 us, C 20 us, a "
		 "notification 6 us: armed at once (K %u)",
		 pol.arm_k);
	pol.late_tail = d99;
	vspin_policy_poll(&pol, 1, t);
	pol.notify_cost = 0;
	sleeps = st.sleeps;
	consume(&t, 200, 130, 10 * US, 4000 * US);
	/* One idle period in 16 first spins for a publication (probing). */
	VT_CHECK(polls_until_arm(t, 50, 4000) != 0 && at_room(256, 200) &&
			 st.sleeps - sleeps > 20,
		 "busy 65%%: index %u ahead, %llu sleeps in 4 ms (busy "
		 "fraction %u/65536), expected a nap to 174",
		 pol.arm_k, (unsigned long long)(st.sleeps - sleeps),
		 pol.util_fp);
}

/*
 * A producer running flat out publishes full bursts: 32 entries every
 * 6.4 us to a consumer busy 10% of the time. By the rate and u a batch of
 * 128 would pay for its wake-up (as one entry every 200 ns does above),
 * but each would take a notification from a producer with no time to
 * spare: the queue spins as near saturation, and sleeps once the producer
 * stops. The same rate in publications of 2 coalesces, and so do bursts
 * of 32 far apart (a bursty light load) and, after saturation, the
 * producer's small publications at half the rate. A coalescing queue
 * learns it too, from the idle periods in which it probes.
 */
static void
test_adaptive_full_bursts_mean_saturation(void)
{
	uint64_t t = 0, sleeps, full, late_pkts, latency;
	uint32_t batches;

	setup_adaptive(0); /* L = 200 us, C = 20 us */
	vspin_policy_set_ring(&pol, 256, true);
	burst_of = 32;
	consume(&t, 6400, 20, 10 * US, 20000 * US);
	VT_CHECK(st.sleeps == 0,
		 "%llu sleeps in 20 ms of bursts of 32 every 6.4 us, expected "
		 "none",
		 (unsigned long long)st.sleeps);
	VT_CHECK(!vspin_policy_poll(&pol, 0, t) && pol.arm_k == 1 &&
			 pol.regime == VSPIN_RG_BUSY,
		 "full bursts 6.4 us apart: regime %d K %u, expected near "
		 "saturation (%d)",
		 pol.regime, pol.arm_k, VSPIN_RG_BUSY);
	/* The counters tell the user why the queue spun. */
	full = st.idle_full_spins;
	VT_CHECK(full > st.idle_busy_spins / 2,
		 "%llu of %llu busy spins counted as full bursts",
		 (unsigned long long)full,
		 (unsigned long long)st.idle_busy_spins);
	/*
	 * Even where the packets' D99 (and the default L with it) is 5 ms:
	 * a pause is one wake-up, priced with the wake-ups' D99.
	 */
	late_pkts = pol.late_pkts;
	latency = pol.latency;
	pol.late_pkts = 5000 * US;
	pol.latency = 200 * US + pol.late_pkts - 10 * US;
	VT_CHECK(vspin_policy_poll(&pol, 0, t + 1000 * US),
		 "the producer stopped: not armed after 1 ms (the packets' "
		 "D99 5 ms)");
	vspin_policy_armed(&pol, true, t + 1000 * US);
	pol.late_pkts = late_pkts;
	pol.latency = latency;
	/* Publications of 2 every 400 ns: the same rate, coalesced. */
	burst_of = 2;
	consume(&t, 400, 20, 10 * US, 10000 * US);
	/* The share of full bursts decays in the first half: none after. */
	batches = (uint32_t)st.idle_batches;
	full = st.idle_full_spins;
	consume(&t, 400, 20, 10 * US, 10000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && at_room(256, 400 / 2),
		 "publications of 2 at 5 per us: index %u ahead, expected a "
		 "nap to the ring's room",
		 pol.arm_k);
	VT_CHECK(st.idle_batches > batches && st.idle_full_spins == full,
		 "publications of 2, second 10 ms: %llu batches, %llu full "
		 "spins",
		 (unsigned long long)(st.idle_batches - batches),
		 (unsigned long long)(st.idle_full_spins - full));
	sleep_then_poll(&t, 25 * US, VSPIN_WAKE_TIMEOUT, 125);
	/*
	 * Bursts of 32 every 3.2 ms: full (a sleeping queue seldom sees a
	 * publication right after an empty poll: set the average), but far
	 * apart.
	 */
	burst_of = 32;
	consume(&t, 3200 * US, 20, 10 * US, 200000 * US);
	pol.pub_fp = 32u << 4;
	pol.full_share = 256;
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.regime != VSPIN_RG_BUSY,
		 "bursts of 32 every 3.2 ms taken for saturation");
	vspin_policy_armed(&pol, true, t);
	/*
	 * Publications of 64 every 16 us: a batch of 128 leaves 30 us idle,
	 * so the queue coalesces and arms at once; one idle period in 16 it
	 * spins for a publication first, learns they are full, and spins as
	 * near saturation from then on.
	 */
	vspin_policy_poll(&pol, 1, t);
	pol.pub_fp = 0;
	pol.full_share = 0;
	burst_of = 64;
	consume(&t, 16 * US, 20, 10 * US, 25000 * US);
	sleeps = st.sleeps;
	consume(&t, 16 * US, 20, 10 * US, 25000 * US);
	VT_CHECK(sleeps > 0 && st.sleeps == sleeps,
		 "publications of 64 every 16 us: %llu sleeps in the first "
		 "25 ms, %llu in the next, expected some then none",
		 (unsigned long long)sleeps,
		 (unsigned long long)(st.sleeps - sleeps));
	/*
	 * One entry every 10 us coalesces (K = 20) but a full burst could
	 * not come back to back at that rate: no idle period probes.
	 */
	burst_of = 1;
	consume(&t, 10 * US, 20, 10 * US, 2000 * US);
	batches = pol.batches;
	consume(&t, 10 * US, 20, 10 * US, 20000 * US);
	VT_CHECK(pol.batches == batches && st.sleeps > 0,
		 "one entry every 10 us: %u probe candidates, expected none",
		 pol.batches - batches);
	/* Saturation again, then half its rate in publications of 1. */
	burst_of = 32;
	consume(&t, 6400, 20, 10 * US, 20000 * US);
	burst_of = 1;
	consume(&t, 400, 20, 10 * US, 20000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && at_room(256, 400),
		 "publications of 1 at half the saturated rate after "
		 "saturation: index %u ahead, expected a nap to the ring's "
		 "room",
		 pol.arm_k);
}

/*
 * A poll that finds entries costs 460 ns however many, and 40 ns more per
 * entry; the load is one entry every 625 ns (1.6 per us). Polling through
 * it, the queue finds one entry per poll and reads u as 0.8: a batch of
 * 128 (80 us) would leave it 16 us idle, less than C (20 us). Batches
 * cost it 40-55 ns an entry, u 0.1. It starts by polling, and must not
 * poll for ever on that first reading: within 16 ms it coalesces once (a
 * batch would pay at half as much idle again), learns u from the batch
 * and coalesces from then on. The same after a producer running flat out
 * pushed it to spin.
 */
static void
test_adaptive_polling_relearns_u_from_a_batch(void)
{
	uint64_t t = 0, sleeps;

	setup_adaptive(0); /* L = 200 us, C = 20 us */
	vspin_policy_set_ring(&pol, 256, true);
	poll_fixed = 460;
	consume(&t, 625, 40, 10 * US, 20000 * US);
	VT_CHECK(st.sleeps > 20 && pol.regime == VSPIN_RG_COALESCE,
		 "1.6 entries per us: %llu sleeps in 20 ms, regime %d "
		 "(busy fraction %u/65536), expected batches (%d) after at "
		 "most 16 ms",
		 (unsigned long long)st.sleeps, pol.regime, pol.util_fp,
		 VSPIN_RG_COALESCE);
	burst_of = 32;
	consume(&t, 6400, 40, 10 * US, 20000 * US);
	VT_CHECK(!vspin_policy_poll(&pol, 0, t) && pol.regime == VSPIN_RG_BUSY,
		 "full bursts 6.4 us apart: regime %d, expected near "
		 "saturation (%d)",
		 pol.regime, VSPIN_RG_BUSY);
	vspin_policy_poll(&pol, 1, t);
	burst_of = 1;
	sleeps = st.sleeps;
	consume(&t, 625, 40, 10 * US, 40000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && at_room(256, 625) &&
			 st.sleeps - sleeps > 100,
		 "1.6 entries per us after saturation: regime %d, index %u "
		 "ahead, %llu sleeps in 40 ms (busy fraction %u/65536), "
		 "expected coalescing (%d) in naps to the ring's room",
		 pol.regime, pol.arm_k,
		 (unsigned long long)(st.sleeps - sleeps), pol.util_fp,
		 VSPIN_RG_COALESCE);
	poll_fixed = 0;
}

/*
 * What arrives while a wake-up is late comes on top of the K entries: at
 * 5 packets per us, wake-ups 40 us late bring 200 more, and with a ring of
 * 256 (an eighth kept for a burst) K would be 24, a batch of 5 us: not
 * worth a sleep. When the wake-ups come on time again, D is forgotten a
 * step per rate window and the queue coalesces again.
 */
static void
test_adaptive_late_wakeups_leave_room_in_the_ring(void)
{
	uint64_t t = 0;

	setup_adaptive(0); /* L = 200 us, C = 20 us, B = 10 us */
	vspin_policy_set_ring(&pol, 256, true);
	consume(&t, 200, 20, 40 * US, 20000 * US);
	VT_CHECK(!vspin_policy_poll(&pol, 0, t) && pol.arm_k == 1,
		 "wake-ups 40 us late at 5 packets per us, ring 256: K %u, "
		 "D %llu ns; expected no coalescing",
		 pol.arm_k, (unsigned long long)pol.late);
	vspin_policy_poll(&pol, 1, t);
	consume(&t, 200, 20, 10 * US, 200000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && at_room(256, 200),
		 "wake-ups on time again: index %u ahead, D %llu ns; "
		 "expected a nap to the ring's room",
		 pol.arm_k, (unsigned long long)pol.late);
}

/*
 * D is the 95th percentile of how late the batches' wake-ups come, tail
 * and all: one wake-up in ten 60 us late and the others 2 us late (a vCPU
 * that wakes slowly after a long halt, bench/README-adaptive.md) must
 * keep D near 60 us, so that the ring keeps room for what arrives while
 * the late ones are on their way. Naps to the ring's room (ring 1024, 5
 * entries per us: 596 entries) span more than one rate window, none
 * without a wake-up.
 */
static void
test_adaptive_late_tail_is_learnt(void)
{
	uint64_t t = 0;

	setup_adaptive(0); /* L = 200 us, C = 20 us, B = 10 us */
	vspin_policy_set_ring(&pol, 1024, true);
	consume_late_every(&t, 200, 20, 400000 * US, 10, 60 * US);
	VT_CHECK(st.sleeps > 1000 && at_room(1024, 200),
		 "%llu sleeps, index %u ahead: expected naps to the ring's "
		 "room",
		 (unsigned long long)st.sleeps, pol.arm_k);
	VT_CHECK(pol.late >= 45 * US && pol.late <= 65 * US,
		 "one wake-up in ten 60 us late, the others 2 us: D %llu ns, "
		 "expected about 60 us",
		 (unsigned long long)pol.late);
}

/*
 * A wake-up stamped before the idle period began (a TSC read on another
 * CPU, behind this one's) is no lateness: learnt as one, it wrapped to the
 * top of the tail and stopped batching for a good part of a second.
 */
static void
test_adaptive_wake_before_idle_start_teaches_nothing(void)
{
	uint64_t t = 0, late_pkts, sleeps, before;

	setup_adaptive(0); /* L = 200 us, C = 20 us, B = 10 us */
	vspin_policy_set_ring(&pol, 1024, true);
	steady(&t, 200, 100000 * US);
	sleeps = st.sleeps;
	steady(&t, 200, 20000 * US);
	before = st.sleeps - sleeps;
	VT_CHECK(pol.regime == VSPIN_RG_COALESCE && before > 20,
		 "5 entries per us: regime %d, %llu sleeps in 20 ms, expected "
		 "batches (%d)",
		 pol.regime, (unsigned long long)before, VSPIN_RG_COALESCE);
	late_pkts = pol.late_pkts;
	while (!vspin_policy_poll(&pol, 0, t))
		t += poll_ns;
	vspin_policy_armed(&pol, false, t);
	vspin_policy_sleep(&pol, t, cpu_of(t));
	vspin_policy_wake(&pol, VSPIN_WAKE_NOTIFIED, pol.idle_since - 1000);
	VT_CHECK(!pol.pending, "a wake-up stamped behind left a gap to learn");
	/* A timeout is a long gap whatever its stamp. */
	vspin_policy_wake(&pol, VSPIN_WAKE_TIMEOUT, pol.idle_since - 1000);
	VT_CHECK(pol.pending && pol.pending_gap == UINT64_MAX,
		 "a timeout stamped behind: pending %d, gap %llu; expected a "
		 "long gap to learn",
		 pol.pending, (unsigned long long)pol.pending_gap);
	pol.pending = false;
	sleeps = st.sleeps;
	steady(&t, 200, 20000 * US);
	VT_CHECK(pol.late_pkts <= late_pkts + 10 * US &&
			 2 * (st.sleeps - sleeps) >= before,
		 "after a wake-up stamped 1 us before its idle period: D99p "
		 "%llu ns (was %llu), %llu sleeps in 20 ms (%llu before); "
		 "expected D99p unchanged and batches going on",
		 (unsigned long long)pol.late_pkts,
		 (unsigned long long)late_pkts,
		 (unsigned long long)(st.sleeps - sleeps),
		 (unsigned long long)before);
}

/*
 * A nap's event index sits at the ring's room, with no margin past D: one
 * wake-up in 25 coming 100 us late (D about 2 us, D99 about 100) leaves a
 * room that fills in 88 us (256 entries less 32 and what comes in D, at
 * 2.5 per us) too short for a nap, which asks for D99 + C = 120 us: the
 * batch is notified at K = 128 instead. With the wake-ups on time again
 * D99 comes down, and the queue naps to the room.
 */
static void
test_adaptive_nap_needs_room_for_the_tail(void)
{
	uint64_t t = 0;

	setup_adaptive(0); /* L = 200 us, C = 20 us */
	vspin_policy_set_ring(&pol, 256, true);
	consume_late_every(&t, 400, 20, 400000 * US, 25, 100 * US);
	VT_CHECK(pol.late_tail >= 60 * US && pol.late <= 20 * US,
		 "one wake-up in 25 100 us late: D %llu ns, D99 %llu ns, "
		 "expected D about 2 us and D99 about 100",
		 (unsigned long long)pol.late,
		 (unsigned long long)pol.late_tail);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.arm_k == 128 &&
			 !pol.timer_wakes,
		 "a room of 88 us against D99 + C: index %u ahead, timer "
		 "wakes %d, expected a batch of 128 notified",
		 pol.arm_k, pol.timer_wakes);
	vspin_policy_poll(&pol, 1, t);
	consume(&t, 400, 20, 2 * US, 400000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && at_room(256, 400),
		 "wake-ups on time again (D99 %llu ns): index %u ahead, "
		 "expected a nap to the ring's room",
		 (unsigned long long)pol.late_tail, pol.arm_k);
}

/*
 * A paced producer publishes a few entries most times and catches up in
 * full bursts after a stall: here runs of eight publications of 8 and
 * three of 32 (5 entries per us, 27% of the publications full, of 14.5
 * entries on average). It does not run flat out: no idle period may
 * spin as near saturation. An average of the sizes crossed 16 after each
 * run of 32s (18.3 at its peak), and the queue polled; the share of full
 * bursts peaks at 0.43, under a half.
 */
static void
test_adaptive_catch_up_bursts_are_not_saturation(void)
{
	static const unsigned int pubs[] = {8, 8, 8, 8, 8, 8, 8, 8, 32, 32, 32};
	uint64_t t = 0;
	unsigned int i, busy = 0, periods = 0;
	bool armed;

	setup_adaptive(0); /* L = 200 us, C = 20 us */
	vspin_policy_set_ring(&pol, 1024, true);
	for (i = 0; i < 90000; i++) {
		unsigned int n = pubs[i % (sizeof(pubs) / sizeof(pubs[0]))];
		uint64_t next = t + (uint64_t)n * 320; /* 5 entries per us */

		vspin_policy_poll(&pol, n, t);
		t += 50 + (uint64_t)n * 20;
		/* An empty poll starts an idle period, and picks its regime. */
		armed = vspin_policy_poll(&pol, 0, t);
		if (i >= 45000) {
			periods++;
			busy += pol.regime == VSPIN_RG_BUSY;
		}
		if (armed) /* the recheck finds the next publication */
			vspin_policy_armed(&pol, true, next);
		t = next; /* or spins until it comes */
	}
	VT_CHECK(busy == 0 && periods > 0,
		 "%u of %u idle periods spun as near saturation (full share "
		 "%u/256, average publication %llu/16); expected none",
		 busy, periods, pol.full_share, (unsigned long long)pol.pub_fp);
}

/*
 * The budget bounds the 99th percentile of the latency, so the span of a
 * batch allows for the 99th percentile of how late wake-ups come (D99),
 * not the 95th (D): one wake-up in fifty 100 us late, the others 2 us
 * late, leaves D near 2 us and D99 near 100. With the default budget the
 * batches stay at 10C and L says what they cost, 10C + D99 - B; with
 * latency_us = 200 they span L + B - D99, about 110 us. A span planned
 * from D (208 us) would have the late batches' first packets wait 300 us.
 */
static void
test_adaptive_budget_allows_for_late_tail(void)
{
	uint64_t t = 0;
	uint32_t latency;

	for (latency = 0; latency <= 200; latency += 200) {
		/* Default L: 10C = 200 us; B = 10 us. */
		setup_adaptive(latency);
		consume_late_every(&t, 1 * US, 50, 2000000 * US, 50, 100 * US);
		VT_CHECK(pol.late <= 10 * US,
			 "one wake-up in fifty 100 us late: D %llu ns, "
			 "expected the others' 2 us (at most B)",
			 (unsigned long long)pol.late);
		VT_CHECK(pol.late_tail >= 85 * US && pol.late_tail <= 110 * US,
			 "one wake-up in fifty 100 us late: D99 %llu ns, "
			 "expected about 100 us",
			 (unsigned long long)pol.late_tail);
		if (latency == 0) {
			VT_CHECK(st.latency_cycles >= 275 * US &&
					 st.latency_cycles <= 300 * US,
				 "default L %llu ns, expected 10C + D99 - B = "
				 "about 290 us",
				 (unsigned long long)st.latency_cycles);
			continue;
		}
		VT_CHECK(vspin_policy_poll(&pol, 0, t) &&
				 pol.sleep_min_us >= 100 &&
				 pol.sleep_min_us <= 125,
			 "latency_us 200, D99 %llu ns: a nap of %u us, "
			 "expected about L + B - D99 = 110 at one entry per "
			 "us",
			 (unsigned long long)pol.late_tail, pol.sleep_min_us);
	}
}

/*
 * L counts the lateness the packets see (D99p), not the wake-ups' (D99):
 * a batch that wakes late holds more packets. One wake-up in a hundred
 * 2 ms late after batches of 200 us, the others 2 us late: 1% of the
 * wake-ups, but about a tenth of the packets wait that long (each late
 * batch holds 2.2 ms of arrivals, eleven times a punctual one's). D99p
 * must climb towards 2 ms, and the default L with it (10C + D99p - B),
 * so that L + B bounds their p99; D99 (the ring's room) stays low.
 */
static void
test_adaptive_late_tail_weighs_the_packets(void)
{
	uint64_t t = 0;

	setup_adaptive(0); /* L = 200 us, C = 20 us, B = 10 us */
	consume_late_every(&t, 1 * US, 50, 4000000 * US, 100, 2000 * US);
	VT_CHECK(pol.late <= 10 * US,
		 "one wake-up in a hundred 2 ms late: D %llu ns, expected "
		 "the others' 2 us",
		 (unsigned long long)pol.late);
	VT_CHECK(pol.late_pkts >= 1000 * US && pol.late_tail <= 100 * US,
		 "one wake-up in a hundred 2 ms late, a tenth of the packets: "
		 "the packets' D99 %llu ns, expected towards 2 ms; the "
		 "wake-ups' %llu ns, expected near 2 us",
		 (unsigned long long)pol.late_pkts,
		 (unsigned long long)pol.late_tail);
	VT_CHECK(st.latency_cycles >= pol.late_pkts + 190 * US - 10 * US,
		 "default L %llu ns, expected 10C + D99p - B with D99p "
		 "%llu ns",
		 (unsigned long long)st.latency_cycles,
		 (unsigned long long)pol.late_pkts);
}

/*
 * D99p learns the packets' tail within a second and forgets it within
 * seconds more. Batches of 200 us, one wake-up in 200 late by 5 ms: each
 * holds 26 batches' packets, a tenth of them all, so D99p must read about
 * 5 ms after 1 s (the steps alone climbed to 1.2 ms; the histogram gets
 * there). Once the late ones stop the histogram forgets them within a
 * second, but the steps come down by B/4/99 a batch: after 2 s D99p still
 * reads about a millisecond (the histogram alone read 2 us, and a 10 s
 * run's p99 still held tails it had forgotten), after 15 s more the
 * punctual ones' 2 us. One in 5,000 late, half a percent of the packets:
 * D99p stays within a step of the punctual ones. Before the first batch
 * no tail has been learnt: D99p is at most B.
 */
static void
test_adaptive_late_pkts_follows_the_tail(void)
{
	uint64_t t = 0;

	setup_adaptive(0); /* L = 200 us, B = 10 us */
	/* An entry every 200 ms: sleeps that batch nothing teach nothing. */
	consume(&t, 200000 * US, 50, 2 * US, 1000000 * US);
	VT_CHECK(pol.late_pkts <= pol.sleep_cost,
		 "no batch yet: D99p %llu ns, expected B (%llu ns) or less",
		 (unsigned long long)pol.late_pkts,
		 (unsigned long long)pol.sleep_cost);
	consume_late_every(&t, 1 * US, 50, 1000000 * US, 200, 5000 * US);
	VT_CHECK(pol.late_pkts >= 4500 * US && pol.late_pkts <= 5700 * US,
		 "one wake-up in 200 5 ms late, a tenth of the packets: D99p "
		 "%llu ns after 1 s, expected about 5 ms",
		 (unsigned long long)pol.late_pkts);
	consume(&t, 1 * US, 50, 2 * US, 2000000 * US);
	VT_CHECK(pol.late_pkts >= 700 * US && pol.late_pkts <= 1300 * US,
		 "2 s of wake-ups 2 us late after the tail: D99p %llu ns, "
		 "expected the steps' memory of it, about 1 ms",
		 (unsigned long long)pol.late_pkts);
	consume(&t, 1 * US, 50, 2 * US, 15000000 * US);
	VT_CHECK(pol.late_pkts <= 10 * US,
		 "15 more seconds of wake-ups 2 us late: D99p %llu ns, "
		 "expected the punctual ones' 2 us",
		 (unsigned long long)pol.late_pkts);

	setup_adaptive(0);
	consume_late_every(&t, 1 * US, 50, 2000000 * US, 5000, 5000 * US);
	VT_CHECK(pol.late_pkts <= 80 * US,
		 "one wake-up in 5000 5 ms late, half a percent of the "
		 "packets: D99p %llu ns, expected within a step (65 us) of "
		 "the others' 2 us",
		 (unsigned long long)pol.late_pkts);
}

/*
 * A budget the wake-ups cannot keep. latency_us = 100 (B = 10 us), an
 * entry every 20 us (five within L), one wake-up in fifty 5 ms late: D99p
 * climbs until no batch of two fits L + B. The queue must then spin
 * through the gaps; regime 2's window (at most B) slept through every one
 * of them, each sleep as likely to come late, and D99p learnt nothing
 * from them. At an entry every 300 us (fewer than two within L) it sleeps
 * between them, as when idle; with the default L (which counts D99p) it
 * keeps batching.
 */
static void
test_adaptive_budget_past_the_tail_spins(void)
{
	uint64_t t = 0, slept;
	int pass;

	/* latency_us 100, then the default L (10C + D99p - B) */
	for (pass = 0; pass < 2; pass++) {
		setup_adaptive(pass == 0 ? 100 : 0);
		consume_late_every(&t, 20 * US, 50, 200000 * US, 50, 5000 * US);
		slept = st.sleeps;
		consume_late_every(&t, 20 * US, 50, 1000000 * US, 50,
				   5000 * US);
		if (pass == 1)
			VT_CHECK(st.sleeps - slept >= 1000 &&
					 pol.regime == VSPIN_RG_COALESCE,
				 "default L, one wake-up in fifty 5 ms late: "
				 "%llu sleeps in 1 s, regime %d; expected "
				 "batches (%d)",
				 (unsigned long long)(st.sleeps - slept),
				 pol.regime, VSPIN_RG_COALESCE);
		else
			VT_CHECK(st.sleeps - slept < 1000,
				 "latency_us 100, one wake-up in fifty 5 ms "
				 "late, an entry every 20 us: %llu sleeps in "
				 "1 s (D99p %llu ns); expected the queue to "
				 "spin but for a few batches",
				 (unsigned long long)(st.sleeps - slept),
				 (unsigned long long)pol.late_pkts);
		consume(&t, 300 * US, 50, 2 * US, 20000 * US);
		slept = st.sleeps;
		consume(&t, 300 * US, 50, 2 * US, 200000 * US);
		VT_CHECK(st.sleeps - slept >= 600,
			 "%s, an entry every 300 us: %llu sleeps in 200 ms; "
			 "expected one a gap",
			 pass == 0 ? "latency_us 100" : "default L",
			 (unsigned long long)(st.sleeps - slept));
	}
}

/*
 * A short budget: latency_us = 15 at one entry per us plans batches of 15
 * entries, a sleep of 15 us, less than a wake-up's CPU (C = 20 us). The
 * wake-up comes B = 10 us late, and the consumer is away that long too:
 * 25 us away for 20 us of CPU, the queue coalesces (old rule: it spun,
 * 15 us not paying for C). With latency_us = 5 the 15 us away still do not
 * pay: it spins (a batch every 16 ms at most, v20's re-learning of u).
 */
static void
test_adaptive_short_budget_counts_lateness(void)
{
	uint64_t t = 0;

	setup_adaptive(15); /* B = 10 us, C = 20 us, wake-ups B late */
	consume(&t, 1 * US, 50, 10 * US, 20000 * US);
	VT_CHECK(st.sleeps > 400 && pol.regime == VSPIN_RG_COALESCE,
		 "latency_us 15, one entry per us, wake-ups 10 us late: "
		 "%llu sleeps in 20 ms, regime %d; expected batches (%d)",
		 (unsigned long long)st.sleeps, pol.regime, VSPIN_RG_COALESCE);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.sleep_min_us <= 15,
		 "latency_us 15: a sleep of %u us; expected at most 15",
		 pol.sleep_min_us);
	setup_adaptive(5);
	consume(&t, 1 * US, 50, 10 * US, 20000 * US);
	VT_CHECK(st.sleeps <= 4 && pol.regime != VSPIN_RG_COALESCE,
		 "latency_us 5, one entry per us: %llu sleeps in 20 ms, "
		 "regime %d; expected spinning",
		 (unsigned long long)st.sleeps, pol.regime);
}

/*
 * The lateness a short budget counts as time away is what wake-ups taught,
 * not what D forgot meanwhile. Wake-ups 40 us late for a while (D99 past
 * L + B: no batch fits the budget) make the queue spin, and with no
 * coalesced wake-up D steps down each rate window, towards 0. Once they
 * are 10 us late again, the 15 us batches pay only with the 10 us counted
 * (C = 20 us): a credit taken from the decayed D (0) kept the queue
 * spinning for good (on the Intel VM, latency_us=30-35 polled at 1% load
 * in 5 runs of 12 where OVS's rule napped).
 */
static void
test_adaptive_short_budget_keeps_learnt_lateness(void)
{
	uint64_t t = 0, slept;

	setup_adaptive(15); /* B = 10 us, C = 20 us */
	consume(&t, 1 * US, 50, 10 * US, 20000 * US);
	consume(&t, 1 * US, 50, 40 * US, 5000 * US);
	slept = st.sleeps;
	consume(&t, 1 * US, 50, 40 * US, 95000 * US);
	VT_CHECK(st.sleeps - slept < 50,
		 "wake-ups 40 us late, latency_us 15: %llu sleeps in 95 ms; "
		 "expected the queue to spin (no batch fits L + B)",
		 (unsigned long long)(st.sleeps - slept));
	consume(&t, 1 * US, 50, 10 * US, 100000 * US);
	slept = st.sleeps;
	consume(&t, 1 * US, 50, 10 * US, 20000 * US);
	VT_CHECK(st.sleeps - slept > 400 && pol.regime == VSPIN_RG_COALESCE,
		 "latency_us 15, wake-ups 10 us late after a spell 40 us "
		 "late: %llu sleeps in 20 ms, regime %d; expected batches "
		 "again (%d)",
		 (unsigned long long)(st.sleeps - slept), pol.regime,
		 VSPIN_RG_COALESCE);
}

/*
 * C as batches cost it. latency_us 15 at one entry per us, wake-ups 10 us
 * late: 15 us batches, 25 us away, pay for C = 20 us (two rounds of B)
 * and the queue learns what its wake-ups cost from the thread's CPU time,
 * here 12 us a sleep. Then wake-ups come 16 us late: D99 shortens the
 * batches to 9 us, 19 us away, under the start-up price but over what
 * batches cost: the queue keeps batching (without the thread's CPU time it
 * spins). The learnt C stays within one and two rounds.
 */
static void
test_adaptive_learns_wake_cpu(void)
{
	static const struct {
		uint64_t charge, lo, hi;
	} learn[] = {
		{12 * US, 12 * US, 13 * US}, /* about the charge */
		{30 * US, 20 * US, 20 * US}, /* at most two rounds */
		{2 * US, 10 * US, 10 * US},  /* at least one */
	};
	uint64_t t = 0, slept;
	unsigned int i, with;

	for (with = 0; with < 2; with++) {
		setup_adaptive(15); /* B = 10 us, C = 20 us */
		wake_charge = with ? 12 * US : 0;
		consume(&t, 1 * US, 50, 10 * US, 20000 * US);
		consume(&t, 1 * US, 50, 16 * US, 20000 * US);
		slept = st.sleeps;
		consume(&t, 1 * US, 50, 16 * US, 20000 * US);
		wake_charge = 0;
		if (with)
			VT_CHECK(st.sleeps - slept > 400 &&
					 pol.regime == VSPIN_RG_COALESCE,
				 "wake-ups 16 us late, a sleep costing 12 us: "
				 "%llu sleeps in 20 ms, C %llu ns, regime %d; "
				 "expected batches",
				 (unsigned long long)(st.sleeps - slept),
				 (unsigned long long)st.wake_cpu_cycles,
				 pol.regime);
		else
			VT_CHECK(st.sleeps - slept < 50,
				 "wake-ups 16 us late, C priced at 20 us: %llu "
				 "sleeps in 20 ms; expected spinning (19 us "
				 "away)",
				 (unsigned long long)(st.sleeps - slept));
	}
	/*
	 * latency_us 8: 18 us away, the start-up price (20 us) has the queue
	 * spin from the start; its batches every 16 ms (to re-learn u) come
	 * in pairs, and the cycle between them teaches C = 10 us: it batches.
	 */
	setup_adaptive(8);
	wake_charge = 10 * US;
	consume(&t, 1 * US, 50, 10 * US, 500000 * US);
	slept = st.sleeps;
	consume(&t, 1 * US, 50, 10 * US, 20000 * US);
	wake_charge = 0;
	VT_CHECK(st.sleeps - slept > 400 && pol.regime == VSPIN_RG_COALESCE,
		 "latency_us 8, a sleep costing 10 us: %llu sleeps in 20 ms "
		 "after 500 ms, C %llu ns, regime %d; expected batches",
		 (unsigned long long)(st.sleeps - slept),
		 (unsigned long long)st.wake_cpu_cycles, pol.regime);
	for (i = 0; i < sizeof(learn) / sizeof(learn[0]); i++) {
		setup_adaptive(15);
		wake_charge = learn[i].charge;
		consume(&t, 1 * US, 50, 10 * US, 20000 * US);
		wake_charge = 0;
		VT_CHECK(st.wake_cpu_cycles >= learn[i].lo &&
				 st.wake_cpu_cycles <= learn[i].hi,
			 "a sleep costing %llu ns: C %llu ns, expected "
			 "%llu-%llu",
			 (unsigned long long)learn[i].charge,
			 (unsigned long long)st.wake_cpu_cycles,
			 (unsigned long long)learn[i].lo,
			 (unsigned long long)learn[i].hi);
	}
}

/*
 * A busy consumer whose ring bounds its batches (10 entries per us, 256
 * entries, 124 of them before D's share: 12.4 us) polls while C is priced
 * at start-up (20 us: a batch shorter than a wake-up). Were C 10 us, the
 * least it can be learnt, a batch would pay on its cycle: every 16 ms it
 * explores two, whose cycle teaches C. A sleep costing 10 us then keeps it
 * batching; one costing 20 us, as priced, keeps it polling but for the
 * pairs (a queue that never explored here polled where its batches cost
 * half the start-up price: bench/README-adaptive.md, "Exploring at the
 * least C").
 */
static void
test_adaptive_explores_at_the_least_wake_cpu(void)
{
	uint64_t t = 0, slept;
	unsigned int charge;

	for (charge = 10; charge <= 20; charge += 10) {
		setup_adaptive(0); /* L = 200 us, C = 20 us */
		vspin_policy_set_ring(&pol, 256, true);
		wake_charge = charge * US;
		consume(&t, 100, 40, 10 * US, 200000 * US);
		slept = st.sleeps;
		consume(&t, 100, 40, 10 * US, 20000 * US);
		wake_charge = 0;
		if (charge == 10)
			VT_CHECK(st.sleeps - slept > 200,
				 "a sleep costing 10 us: %llu sleeps in 20 ms "
				 "after 200 ms, C %llu ns; expected batches",
				 (unsigned long long)(st.sleeps - slept),
				 (unsigned long long)st.wake_cpu_cycles);
		else
			VT_CHECK(
				st.sleeps - slept <= 4,
				"a sleep costing 20 us: %llu sleeps in 20 ms "
				"after 200 ms, C %llu ns; expected at most two "
				"exploring pairs",
				(unsigned long long)(st.sleeps - slept),
				(unsigned long long)st.wake_cpu_cycles);
	}
	/*
	 * Where the budget bounds K (latency_us 5, one entry per us: a batch
	 * of five entries, away for less than C even with its lateness), the
	 * start-up price stays the exploration's: at the least C such batches
	 * would be explored, and short budgets at a light load took more of a
	 * core so.
	 */
	setup_adaptive(5);
	wake_charge = 20 * US;
	consume(&t, 1 * US, 50, 2 * US, 200000 * US);
	wake_charge = 0;
	VT_CHECK(st.sleeps <= 4,
		 "latency_us 5 at one entry per us, C 20 us: %llu sleeps in "
		 "200 ms, expected no exploring pairs",
		 (unsigned long long)st.sleeps);
}

/* What a run taught the queue, to compare two runs. */
struct learnt {
	uint64_t rate, cost, sleeps, untimed;
	uint32_t util;
};

static struct learnt
learnt_now(void)
{
	struct learnt l = {pol.rate_fp, pol.pkt_cost, st.sleeps, untimed_count,
			   pol.util_fp};

	return l;
}

/* a within pct % of b. */
static bool
near(uint64_t a, uint64_t b, uint64_t pct)
{
	uint64_t d = a > b ? a - b : b - a;

	return d * 100 <= b * pct;
}

/*
 * Full bursts go untimed (vspin_policy_needs_now()): the next timed
 * poll's interval covers them, each a poll and its packets. The queue
 * must learn what it learns timing every poll: in a backlog that never
 * drains (polls of about 1,000 entries), and at 4 Mpps on a consumer
 * whose polls cost 400 ns and packets 10 ns, where each batch drains in
 * a timed poll and an untimed one (counting one poll's cost for both
 * would put the cost of a packet several % too high). The first poll
 * after a sleep is timed: untimed, the sleep counted as work.
 */
static void
test_adaptive_untimed_full_bursts_learn_the_same(void)
{
	struct learnt got[2][2];
	unsigned int run;

	for (run = 0; run < 2; run++) {
		uint64_t t = 0;

		untimed_polls = run == 1;
		untimed_count = 0;
		setup_adaptive(0); /* L = 200 us, C = 20 us */
		vspin_policy_set_ring(&pol, 1024, true);
		burst_of = 32;
		consume(&t, 1000, 31, 10 * US, 5000 * US);
		got[run][0] = learnt_now();
		untimed_count = 0;
		setup_adaptive(0);
		vspin_policy_set_ring(&pol, 1024, true);
		burst_of = 4;
		poll_ns = 400;
		consume(&t, 1000, 10, 10 * US, 20000 * US);
		poll_ns = 50;
		burst_of = 1;
		got[run][1] = learnt_now();
	}
	untimed_polls = false;
	for (run = 0; run < 2; run++) {
		const struct learnt *a = &got[0][run], *b = &got[1][run];

		VT_CHECK(b->untimed > (run == 0 ? 500u : 50u),
			 "load %u: %llu polls untimed", run,
			 (unsigned long long)b->untimed);
		VT_CHECK(near(b->rate, a->rate, 1) &&
				 near(b->cost, a->cost, 2) &&
				 near(b->util, a->util, 2),
			 "load %u: untimed learnt rate %llu cost %llu u %u, "
			 "timed %llu %llu %u",
			 run, (unsigned long long)b->rate,
			 (unsigned long long)b->cost, b->util,
			 (unsigned long long)a->rate,
			 (unsigned long long)a->cost, a->util);
		VT_CHECK(near(b->sleeps, a->sleeps, 5),
			 "load %u: %llu sleeps untimed, %llu timed", run,
			 (unsigned long long)b->sleeps,
			 (unsigned long long)a->sleeps);
	}
	VT_CHECK(got[0][1].sleeps > 50, "4 Mpps: %llu sleeps, expected batches",
		 (unsigned long long)got[0][1].sleeps);
}

/*
 * At saturation a producer that pauses now and then (300 us every 5 ms,
 * a vCPU preempted) must not make the queue sleep: the pause is shorter
 * than the 1 ms spin, and the packets after it come as fast as before. A
 * rate estimate that decayed through the pause had the queue coalesce
 * batches the producer filled in a few microseconds, a notification each.
 * The same load without pauses is the reference: its only sleeps are the
 * exploring pairs (a batch of 128 entries would pay were C 10 us).
 */
static void
test_adaptive_producer_pauses_at_saturation(void)
{
	uint64_t t = 0, steady_sleeps;

	setup_adaptive(0); /* L = 200 us, C = 20 us */
	vspin_policy_set_ring(&pol, 256, true);
	consume(&t, 100, 40, 10 * US, 200000 * US);
	steady_sleeps = st.sleeps;
	setup_adaptive(0);
	vspin_policy_set_ring(&pol, 256, true);
	pause_every = 5000 * US;
	pause_len = 300 * US;
	consume(&t, 100, 40, 10 * US, 200000 * US);
	pause_every = 0;
	VT_CHECK(steady_sleeps <= 30 && st.sleeps <= steady_sleeps + 4,
		 "%llu sleeps in 200 ms at 10 packets per us, the producer "
		 "pausing 300 us 40 times, %llu without the pauses (at most "
		 "30): expected no more (shorter than the 1 ms spin; the "
		 "rate after a pause is the rate before it)",
		 (unsigned long long)st.sleeps,
		 (unsigned long long)steady_sleeps);
}

/*
 * Wake-ups that come later than the B the latency bound allows shorten the
 * batches, so that the first packet's wait stays within L + B; when they
 * come on time again the batches grow back to L. Without latency_us the
 * batches stay at 10C and L says what they cost.
 */
static void
test_adaptive_late_wakeups_shorten_batches(void)
{
	uint64_t t = 0;

	setup_adaptive(200); /* L = 200 us, B = 10 us */
	consume(&t, 1 * US, 50, 50 * US, 200000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.arm_k >= 165 &&
			 pol.sleep_min_us >= 150 && pol.sleep_min_us <= 165 &&
			 pol.sleep_us == pol.sleep_min_us,
		 "wake-ups 50 us late: index %u ahead, nap %u-%u us, "
		 "expected a nap of about L + B - 50 = 160",
		 pol.arm_k, pol.sleep_min_us, pol.sleep_us);
	sleep_then_poll(&t, 210 * US, VSPIN_WAKE_TIMEOUT, 160);
	consume(&t, 1 * US, 50, 10 * US, 2000000 * US);
	/* D99 moves in steps of B/4: it may sit one above B. */
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.arm_k >= 190 &&
			 pol.sleep_us >= 197 && pol.sleep_us <= 200,
		 "wake-ups on time again: K %u sleep %u us, expected L = 200 "
		 "(less at most a step of D99 above B, 2.5 us)",
		 pol.arm_k, pol.sleep_us);
	setup_adaptive(0); /* batches of 10C = 200 us */
	consume(&t, 1 * US, 50, 50 * US, 200000 * US);
	VT_CHECK(vspin_policy_poll(&pol, 0, t) && pol.arm_k >= 190 &&
			 pol.sleep_us == 200,
		 "default L, wake-ups 50 us late: K %u sleep %u us, expected "
		 "batches of 10C = 200 us",
		 pol.arm_k, pol.sleep_us);
	VT_CHECK(st.latency_cycles >= 235 * US && st.latency_cycles <= 245 * US,
		 "default L %llu with wake-ups 50 us late, expected 10C + 50 - "
		 "B = 240 us",
		 (unsigned long long)st.latency_cycles);
}

static void
test_adaptive_bursts_then_silence(void)
{
	uint64_t t = 0, w = 0;
	unsigned int i, j;

	/* Bursts of 8 packets 100 ns apart, 200 us of silence between. */
	setup_adaptive(1);
	for (i = 0; i < 60; i++) {
		for (j = 0; j < 8; j++, t += 100)
			vspin_policy_poll(&pol, 1, t);
		w = gap(&t, 200 * US, false);
	}
	VT_CHECK(w == 0,
		 "window %llu between bursts 200 us apart, expected "
		 "0",
		 (unsigned long long)w);
}

static void
test_ovs_sleep_rule(void)
{
	struct vspin_policy_conf c;
	char err[128];
	unsigned int i;
	uint32_t nap = 0, thread_nap = 0;

	VT_CHECK(vspin_policy_conf_parse(&c, "ovs_sleep:50", NULL, NULL, NULL,
					 err, sizeof(err)) == 0 &&
			 c.mode == VSPIN_MODE_OVS_SLEEP && c.nap_max_us == 50,
		 "ovs_sleep:50 parsed as mode %d max %u (%s)", c.mode,
		 c.nap_max_us, err);
	memset(&st, 0, sizeof(st));
	vspin_policy_init(&pol, &c, HZ, &st);
	/*
	 * 0, 1, 2, ... up to the maximum, passes of two polls under half a
	 * burst each.
	 */
	for (i = 0; i < 60; i++) {
		vspin_ovs_nap_polled(&thread_nap, i % 16);
		vspin_ovs_nap_polled(&thread_nap, 15 - i % 16);
		nap = vspin_ovs_nap_pass_end(&thread_nap, c.nap_max_us);
		if (nap != (i < 50 ? i : 50))
			break;
	}
	VT_CHECK(i == 60, "nap %u us at pass %u, expected %u", nap, i,
		 i < 50 ? i : 50);
	/* One poll of 16 in a pass: no nap after it, 1 us after the next. */
	vspin_ovs_nap_polled(&thread_nap, 0);
	vspin_ovs_nap_polled(&thread_nap, 16);
	vspin_ovs_nap_polled(&thread_nap, 0);
	nap = vspin_ovs_nap_pass_end(&thread_nap, c.nap_max_us);
	vspin_ovs_nap_polled(&thread_nap, 0);
	VT_CHECK(nap == 0 &&
			 vspin_ovs_nap_pass_end(&thread_nap, c.nap_max_us) == 1,
		 "a poll of 16 did not reset the naps to 0 then 1");
	/* A maximum lowered under the nap (another queue's): capped. */
	VT_CHECK(vspin_ovs_nap_pass_end(&thread_nap, 1) == 1 &&
			 vspin_ovs_nap_pass_end(&thread_nap, 1) == 1,
		 "a nap past the maximum");
	VT_CHECK(!vspin_policy_poll(&pol, 0, 0) &&
			 !vspin_policy_poll(&pol, 0, 1000000 * US),
		 "ovs_sleep armed: it only naps");
}

/*
 * A consumer driven at random, the test keeping its own books: every
 * counter must agree with what the test did and the fake time it spent.
 */
static void
random_consumer(enum vspin_mode mode)
{
	uint64_t t = 0, idle_since = 0, spin = 0, slept = 0;
	uint64_t arms = 0, hits = 0, entered = 0, sleeps = 0, waited = 0;
	uint64_t notified = 0, timeouts = 0, others = 0, spurious = 0;
	uint64_t periods = 0, planned;
	bool idle = false, woken = false, waiting = false;
	unsigned int i;

	if (mode == VSPIN_MODE_ADAPTIVE)
		setup_adaptive(0);
	else
		setup(mode, 3, 2);
	for (i = 0; i < 200000; i++) {
		unsigned int n = rnd(3) == 0 ? 1 + (unsigned int)rnd(32) : 0;
		bool arm;

		t += 1 + rnd(3000);
		arm = vspin_policy_poll(&pol, n, t);
		if (waiting && n > 0) {
			waited++; /* armed, never slept, then work */
			waiting = false;
		}
		if (woken && n == 0)
			spurious++;
		woken = false;
		if (n > 0 && idle) {
			spin += t - idle_since;
			idle = false;
		} else if (n == 0 && !idle) {
			idle = true;
			idle_since = t;
			periods++;
		}
		if (!arm)
			continue;
		arms++;
		t += rnd(200);
		if (rnd(4) == 0) { /* the recheck found work */
			vspin_policy_armed(&pol, true, t);
			hits++;
			spin += t - idle_since;
			idle = false;
			continue;
		}
		vspin_policy_armed(&pol, false, t);
		entered++;
		VT_REQUIRE(pol.state == VSPIN_ST_ARMED, "poll %u: state %d", i,
			   pol.state);
		if (rnd(3) == 0) {
			waiting = true; /* another queue of the lcore is busy */
			continue;
		}
		t += rnd(100);
		vspin_policy_sleep(&pol, t, 0);
		sleeps++;
		spin += t - idle_since;
		idle = false;
		{
			uint64_t d = rnd(100 * US);
			enum vspin_wake why = (enum vspin_wake)rnd(3);

			t += d;
			slept += d;
			vspin_policy_wake(&pol, why, t);
			notified += why == VSPIN_WAKE_NOTIFIED;
			timeouts += why == VSPIN_WAKE_TIMEOUT;
			others += why == VSPIN_WAKE_OTHER;
			woken = why == VSPIN_WAKE_NOTIFIED;
		}
		VT_REQUIRE(pol.state == VSPIN_ST_POLL, "poll %u: state %d", i,
			   pol.state);
	}
	VT_CHECK(st.arms == arms && arms == hits + entered,
		 "%s: arms %llu, test armed %llu = %llu hits + %llu armed",
		 vspin_mode_name(mode), (unsigned long long)st.arms,
		 (unsigned long long)arms, (unsigned long long)hits,
		 (unsigned long long)entered);
	VT_CHECK(
		st.arm_rechecks_hit == hits + waited,
		"%s: hits %llu, expected %llu rechecks + %llu polls that found "
		"work while armed",
		vspin_mode_name(mode), (unsigned long long)st.arm_rechecks_hit,
		(unsigned long long)hits, (unsigned long long)waited);
	/* Every arm ends in a hit or a sleep (one may still be pending). */
	VT_CHECK(st.arms - st.arm_rechecks_hit - st.sleeps <= 1,
		 "%s: arms %llu, hits %llu, sleeps %llu", vspin_mode_name(mode),
		 (unsigned long long)st.arms,
		 (unsigned long long)st.arm_rechecks_hit,
		 (unsigned long long)st.sleeps);
	VT_CHECK(st.sleeps == sleeps &&
			 st.sleeps == st.wakeups + st.sleep_timeouts + others,
		 "%s: sleeps %llu (test %llu) != wakeups %llu + timeouts "
		 "%llu + other %llu",
		 vspin_mode_name(mode), (unsigned long long)st.sleeps,
		 (unsigned long long)sleeps, (unsigned long long)st.wakeups,
		 (unsigned long long)st.sleep_timeouts,
		 (unsigned long long)others);
	VT_CHECK(st.wakeups == notified && st.sleep_timeouts == timeouts,
		 "%s: wakeups %llu timeouts %llu, expected %llu %llu",
		 vspin_mode_name(mode), (unsigned long long)st.wakeups,
		 (unsigned long long)st.sleep_timeouts,
		 (unsigned long long)notified, (unsigned long long)timeouts);
	VT_CHECK(st.spurious_wakeups == spurious,
		 "%s: spurious %llu, expected %llu", vspin_mode_name(mode),
		 (unsigned long long)st.spurious_wakeups,
		 (unsigned long long)spurious);
	VT_CHECK(st.spin_cycles == spin, "%s: spin_cycles %llu, expected %llu",
		 vspin_mode_name(mode), (unsigned long long)st.spin_cycles,
		 (unsigned long long)spin);
	VT_CHECK(st.sleep_cycles == slept,
		 "%s: sleep_cycles %llu, expected %llu", vspin_mode_name(mode),
		 (unsigned long long)st.sleep_cycles,
		 (unsigned long long)slept);
	/* Adaptive plans each idle period in one regime; no other mode. */
	planned = st.idle_batches + st.idle_window_spins + st.idle_busy_spins;
	VT_CHECK(planned == (mode == VSPIN_MODE_ADAPTIVE ? periods : 0) &&
			 st.idle_full_spins <= st.idle_busy_spins,
		 "%s: %llu idle periods, planned %llu batches + %llu window "
		 "spins + %llu busy spins (%llu full)",
		 vspin_mode_name(mode), (unsigned long long)periods,
		 (unsigned long long)st.idle_batches,
		 (unsigned long long)st.idle_window_spins,
		 (unsigned long long)st.idle_busy_spins,
		 (unsigned long long)st.idle_full_spins);
	VT_CHECK(mode == VSPIN_MODE_POLL ? arms == 0 : sleeps > 100,
		 "%s: %llu arms, %llu sleeps: the run did not exercise it",
		 vspin_mode_name(mode), (unsigned long long)arms,
		 (unsigned long long)sleeps);
}

static void
test_counters_consistent_poll(void)
{
	random_consumer(VSPIN_MODE_POLL);
}

static void
test_counters_consistent_notify(void)
{
	random_consumer(VSPIN_MODE_NOTIFY);
}

static void
test_counters_consistent_budget(void)
{
	random_consumer(VSPIN_MODE_BUDGET);
}

static void
test_counters_consistent_spin(void)
{
	random_consumer(VSPIN_MODE_SPIN);
}

static void
test_counters_consistent_adaptive(void)
{
	random_consumer(VSPIN_MODE_ADAPTIVE);
}

/* Without sleep_cost_us, B is measured once: a sane, clamped window. */
static void
test_adaptive_measures_sleep_cost(void)
{
	struct vspin_policy_conf c;
	uint64_t b, cpu, m, span;

	vspin_policy_conf_default(&c);
	c.mode = VSPIN_MODE_ADAPTIVE;
	c.spin_us = 0;
	memset(&st, 0, sizeof(st));
	vspin_policy_init(&pol, &c, HZ, &st);
	b = vspin_sleep_cost_ns();
	cpu = vspin_sleep_cpu_ns();
	m = vspin_bound_cost_ns();
	VT_CHECK(b > 0 && b < 100000000u && cpu > 0 && cpu < 100000000u &&
			 m < 100000000u,
		 "sleep cost %llu ns, CPU %llu ns, bound %llu ns",
		 (unsigned long long)b, (unsigned long long)cpu,
		 (unsigned long long)m);
	if (cpu > b)
		b = cpu; /* B: the larger of the latency and the CPU */
	VT_CHECK(pol.sleep_cost == (b > US ? b : US),
		 "B %llu cycles, measured %llu ns",
		 (unsigned long long)pol.sleep_cost, (unsigned long long)b);
	/* L: 10 (C + M) with C twice the round, at least 3B. */
	span = 10 * (2 * (cpu * HZ / 1000000000u) + m * HZ / 1000000000u);
	if (span < 3 * pol.sleep_cost)
		span = 3 * pol.sleep_cost;
	VT_CHECK(pol.latency == span,
		 "L %llu cycles: expected %llu, 10 x (twice a sleep's CPU "
		 "%llu ns + the bound's move %llu ns), at least 3B",
		 (unsigned long long)pol.latency, (unsigned long long)span,
		 (unsigned long long)cpu, (unsigned long long)m);
	VT_CHECK(pol.window == pol.sleep_cost, "window %llu, expected B %llu",
		 (unsigned long long)pol.window,
		 (unsigned long long)pol.sleep_cost);
}

/* Long times in ticks: 10 s of ns at 3 GHz overflows ns * hz. */
static void
test_clock_long_times(void)
{
	const uint64_t hz = 3000000000ull;

	VT_CHECK(vspin_ns_to_cycles(10000000000ull, hz) == 30000000000ull,
		 "10 s in ns: %llu ticks",
		 (unsigned long long)vspin_ns_to_cycles(10000000000ull, hz));
	VT_CHECK(vspin_ns_to_cycles(1500, hz) == 4500, "1.5 us: %llu",
		 (unsigned long long)vspin_ns_to_cycles(1500, hz));
	VT_CHECK(vspin_us_to_cycles(7000000000ull, hz) == 21000000000000ull,
		 "7000 s in us: %llu ticks",
		 (unsigned long long)vspin_us_to_cycles(7000000000ull, hz));
	VT_CHECK(vspin_us_to_cycles(3, hz) == 9000, "3 us: %llu",
		 (unsigned long long)vspin_us_to_cycles(3, hz));
}

int
main(void)
{
	VT_RUN(test_clock_long_times);
	VT_RUN(test_poll_mode_never_arms);
	VT_RUN(test_notify_arms_on_first_empty_poll);
	VT_RUN(test_budget_arms_after_exactly_n_empty_polls);
	VT_RUN(test_spin_arms_after_exactly_us);
	VT_RUN(test_work_while_armed_returns_to_poll);
	VT_RUN(test_adaptive_initial_window_is_sleep_cost);
	VT_RUN(test_adaptive_paced_gaps_below_and_above_sleep_cost);
	VT_RUN(test_adaptive_timeouts_are_long_gaps_spurious_wakes_teach_nothing);
	VT_RUN(test_adaptive_poisson_arrivals);
	VT_RUN(test_adaptive_window_never_exceeds_sleep_cost);
	VT_RUN(test_adaptive_coalesces_under_steady_load);
	VT_RUN(test_adaptive_drained_batch_holds);
	VT_RUN(test_adaptive_small_bursts_drain_the_batch);
	VT_RUN(test_adaptive_recheck_hits_teach_short_gaps);
	VT_RUN(test_adaptive_timed_naps_fit_the_ring);
	VT_RUN(test_adaptive_nap_or_notification);
	VT_RUN(test_adaptive_bursts_then_silence);
	VT_RUN(test_ovs_sleep_rule);
	VT_RUN(test_counters_consistent_poll);
	VT_RUN(test_adaptive_busy_consumer_spins);
	VT_RUN(test_adaptive_polling_relearns_u_from_a_batch);
	VT_RUN(test_adaptive_full_bursts_mean_saturation);
	VT_RUN(test_adaptive_catch_up_bursts_are_not_saturation);
	VT_RUN(test_adaptive_late_wakeups_shorten_batches);
	VT_RUN(test_adaptive_producer_pauses_at_saturation);
	VT_RUN(test_adaptive_late_wakeups_leave_room_in_the_ring);
	VT_RUN(test_adaptive_late_tail_is_learnt);
	VT_RUN(test_adaptive_wake_before_idle_start_teaches_nothing);
	VT_RUN(test_adaptive_nap_needs_room_for_the_tail);
	VT_RUN(test_adaptive_budget_allows_for_late_tail);
	VT_RUN(test_adaptive_late_tail_weighs_the_packets);
	VT_RUN(test_adaptive_late_pkts_follows_the_tail);
	VT_RUN(test_adaptive_budget_past_the_tail_spins);
	VT_RUN(test_adaptive_short_budget_counts_lateness);
	VT_RUN(test_adaptive_short_budget_keeps_learnt_lateness);
	VT_RUN(test_adaptive_learns_wake_cpu);
	VT_RUN(test_adaptive_explores_at_the_least_wake_cpu);
	VT_RUN(test_adaptive_untimed_full_bursts_learn_the_same);
	VT_RUN(test_counters_consistent_notify);
	VT_RUN(test_counters_consistent_budget);
	VT_RUN(test_counters_consistent_spin);
	VT_RUN(test_counters_consistent_adaptive);
	VT_RUN(test_adaptive_measures_sleep_cost);
	return vt_summary();
}
