/* SPDX-License-Identifier: BSD-3-Clause
 * The spin policy (vspin_policy.h) with a fake clock: time is passed in
 * explicitly at HZ = 1e9, so one cycle is one nanosecond and every
 * transition and counter can be checked exactly.
 */
#include <stdint.h>
#include <string.h>

#include "vspin_policy.h"
#include "vspin_test.h"

#define HZ 1000000000u
#define US 1000u /* cycles per microsecond at HZ */

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

/* Adaptive with B = 10 us: W starts at B, in [B/2, 8B]. */
static void
setup_adaptive(uint32_t min_us, uint32_t max_us)
{
	struct vspin_policy_conf c;

	vspin_policy_conf_default(&c);
	c.mode = VSPIN_MODE_ADAPTIVE;
	c.spin_us = 0;
	c.sleep_cost_us = 10;
	c.min_us = min_us;
	c.max_us = max_us;
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
	/* A recheck hit also ends the idle period. */
	vspin_policy_poll(&pol, 0, 1000);
	vspin_policy_armed(&pol, true, 1200);
	VT_CHECK(pol.state == VSPIN_ST_POLL && st.arm_rechecks_hit == 1,
		 "after a recheck hit: state %d hits %llu", pol.state,
		 (unsigned long long)st.arm_rechecks_hit);
	VT_CHECK(st.spin_cycles == 500, "spin_cycles %llu, expected 500",
		 (unsigned long long)st.spin_cycles);
}

static void
test_adaptive_initial_window_is_sleep_cost(void)
{
	setup_adaptive(0, 0);
	VT_CHECK(pol.window == 10 * US && st.window_cycles == 10 * US,
		 "window %llu (stats %llu), expected B = %u",
		 (unsigned long long)pol.window,
		 (unsigned long long)st.window_cycles, 10 * US);
	VT_CHECK(pol.win_min == 5 * US && pol.win_max == 80 * US,
		 "bounds [%llu, %llu], expected [B/2, 8B]",
		 (unsigned long long)pol.win_min,
		 (unsigned long long)pol.win_max);
	VT_CHECK(!vspin_policy_poll(&pol, 0, 0), "armed at once");
	VT_CHECK(!vspin_policy_poll(&pol, 0, 10 * US - 1), "armed before W");
	VT_CHECK(vspin_policy_poll(&pol, 0, 10 * US), "not armed at W");
}

/* Arm at ta, sleep, wake after gap for why; returns the new window. */
static uint64_t
sleep_cycle(uint64_t *t, uint64_t gap, enum vspin_wake why)
{
	while (!vspin_policy_poll(&pol, 0, *t))
		*t += 100;
	vspin_policy_armed(&pol, false, *t);
	vspin_policy_sleep(&pol, *t);
	*t += gap;
	vspin_policy_wake(&pol, why, *t);
	vspin_policy_poll(&pol, 1, *t); /* the work that woke us */
	return pol.window;
}

static void
test_adaptive_grows_on_quick_notified_wake(void)
{
	uint64_t t = 0, w;

	setup_adaptive(0, 0);
	/* g = 5 us < 2B: W += W/4 + g/2 = 10000 + 2500 + 2500. */
	w = sleep_cycle(&t, 5 * US, VSPIN_WAKE_NOTIFIED);
	VT_CHECK(w == 15000, "window %llu after a 5 us wake, expected 15000",
		 (unsigned long long)w);
	/* g = 2B - 1 still grows; g = 2B does not. */
	w = sleep_cycle(&t, 20 * US - 1, VSPIN_WAKE_NOTIFIED);
	VT_CHECK(w == 15000 + 3750 + 9999,
		 "window %llu after a 2B-1 wake, expected %u",
		 (unsigned long long)w, 15000 + 3750 + 9999);
	w = sleep_cycle(&t, 20 * US, VSPIN_WAKE_NOTIFIED);
	VT_CHECK(w == 28749, "window %llu after a 2B wake, expected unchanged",
		 (unsigned long long)w);
}

static void
test_adaptive_shrinks_on_timeout_or_long_gap(void)
{
	uint64_t t = 0, w;

	setup_adaptive(0, 0);
	w = sleep_cycle(&t, 1 * US, VSPIN_WAKE_TIMEOUT);
	VT_CHECK(w == 10000 - 1250, "window %llu after a timeout, expected %u",
		 (unsigned long long)w, 10000 - 1250);
	/* Notified after 16B: the idle was long, shrink. */
	w = sleep_cycle(&t, 160 * US, VSPIN_WAKE_NOTIFIED);
	VT_CHECK(w == 8750 - 1093, "window %llu after a 16B wake, expected %u",
		 (unsigned long long)w, 8750 - 1093);
	/* Notified between 2B and 16B, or another queue soon: unchanged. */
	w = sleep_cycle(&t, 160 * US - 1, VSPIN_WAKE_NOTIFIED);
	VT_CHECK(w == 7657, "window %llu after a 16B-1 wake, expected 7657",
		 (unsigned long long)w);
	w = sleep_cycle(&t, 1 * US, VSPIN_WAKE_OTHER);
	VT_CHECK(w == 7657, "window %llu after another queue woke us",
		 (unsigned long long)w);
}

static void
test_adaptive_clamped_to_min_and_max(void)
{
	uint64_t t = 0, w = 0;
	unsigned int i;

	setup_adaptive(0, 0);
	for (i = 0; i < 50; i++)
		w = sleep_cycle(&t, 1 * US, VSPIN_WAKE_NOTIFIED);
	VT_CHECK(w == 80 * US, "window %llu after 50 grows, expected 8B",
		 (unsigned long long)w);
	for (i = 0; i < 100; i++)
		w = sleep_cycle(&t, 1 * US, VSPIN_WAKE_TIMEOUT);
	VT_CHECK(w == 5 * US, "window %llu after 100 shrinks, expected B/2",
		 (unsigned long long)w);
	/* Bounds from the conf. */
	setup_adaptive(3, 12);
	for (i = 0; i < 50; i++)
		w = sleep_cycle(&t, 1 * US, VSPIN_WAKE_NOTIFIED);
	VT_CHECK(w == 12 * US, "window %llu, expected max_us 12",
		 (unsigned long long)w);
	for (i = 0; i < 100; i++)
		w = sleep_cycle(&t, 1 * US, VSPIN_WAKE_TIMEOUT);
	VT_CHECK(w == 3 * US, "window %llu, expected min_us 3",
		 (unsigned long long)w);
}

/* The rule of vspin_policy.h, written again from its comment. */
static uint64_t
ref_adapt(uint64_t w, enum vspin_wake why, uint64_t g, uint64_t b, uint64_t lo,
	  uint64_t hi)
{
	if (why == VSPIN_WAKE_NOTIFIED && g < 2 * b)
		w += w / 4 + g / 2;
	else if (why == VSPIN_WAKE_TIMEOUT || g >= 16 * b)
		w -= w / 8;
	return w < lo ? lo : (w > hi ? hi : w);
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

static void
test_adaptive_matches_documented_rule(void)
{
	uint64_t t = 0, w = 10 * US, got;
	unsigned int i, bad = 0;

	setup_adaptive(0, 0);
	for (i = 0; i < 20000; i++) {
		/* Gaps from 0 to ~20B, biased to the thresholds. */
		uint64_t g = rnd(4) == 0 ? rnd(200 * US) : rnd(40 * US);
		enum vspin_wake why = (enum vspin_wake)rnd(3);

		w = ref_adapt(w, why, g, 10 * US, 5 * US, 80 * US);
		got = sleep_cycle(&t, g, why);
		if (got != w && bad++ < 5)
			VT_CHECK(got == w,
				 "sleep %u (gap %llu, why %d): "
				 "window %llu, rule says %llu",
				 i, (unsigned long long)g, why,
				 (unsigned long long)got,
				 (unsigned long long)w);
		if (got != w)
			w = got; /* compare the next step from the same W */
	}
	VT_CHECK(bad == 0, "%u of 20000 windows differ from the rule", bad);
}

/*
 * A consumer driven at random, the test keeping its own books: every
 * counter must agree with what the test did and the fake time it spent.
 */
static void
random_consumer(enum vspin_mode mode)
{
	uint64_t t = 0, idle_since = 0, spin = 0, slept = 0;
	uint64_t arms = 0, hits = 0, entered = 0, sleeps = 0;
	uint64_t notified = 0, timeouts = 0, others = 0, spurious = 0;
	bool idle = false, woken = false;
	unsigned int i;

	if (mode == VSPIN_MODE_ADAPTIVE)
		setup_adaptive(0, 0);
	else
		setup(mode, 3, 2);
	for (i = 0; i < 200000; i++) {
		unsigned int n = rnd(3) == 0 ? 1 + (unsigned int)rnd(32) : 0;
		bool arm;

		t += 1 + rnd(3000);
		arm = vspin_policy_poll(&pol, n, t);
		if (woken && n == 0)
			spurious++;
		woken = false;
		if (n > 0 && idle) {
			spin += t - idle_since;
			idle = false;
		} else if (n == 0 && !idle) {
			idle = true;
			idle_since = t;
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
		if (rnd(3) == 0)
			continue; /* another queue of the lcore is not armed */
		t += rnd(100);
		vspin_policy_sleep(&pol, t);
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
	VT_CHECK(st.arm_rechecks_hit == hits, "%s: hits %llu, expected %llu",
		 vspin_mode_name(mode), (unsigned long long)st.arm_rechecks_hit,
		 (unsigned long long)hits);
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
	uint64_t b;

	vspin_policy_conf_default(&c);
	c.mode = VSPIN_MODE_ADAPTIVE;
	c.spin_us = 0;
	memset(&st, 0, sizeof(st));
	vspin_policy_init(&pol, &c, HZ, &st);
	b = vspin_sleep_cost_ns();
	VT_CHECK(b > 0 && b < 100000000u, "sleep cost %llu ns",
		 (unsigned long long)b);
	VT_CHECK(pol.sleep_cost == (b > US ? b : US),
		 "B %llu cycles, measured %llu ns",
		 (unsigned long long)pol.sleep_cost, (unsigned long long)b);
	VT_CHECK(pol.window == pol.sleep_cost && pol.window >= pol.win_min &&
			 pol.window <= pol.win_max,
		 "window %llu in [%llu, %llu], B %llu",
		 (unsigned long long)pol.window,
		 (unsigned long long)pol.win_min,
		 (unsigned long long)pol.win_max,
		 (unsigned long long)pol.sleep_cost);
}

int
main(void)
{
	VT_RUN(test_poll_mode_never_arms);
	VT_RUN(test_notify_arms_on_first_empty_poll);
	VT_RUN(test_budget_arms_after_exactly_n_empty_polls);
	VT_RUN(test_spin_arms_after_exactly_us);
	VT_RUN(test_work_while_armed_returns_to_poll);
	VT_RUN(test_adaptive_initial_window_is_sleep_cost);
	VT_RUN(test_adaptive_grows_on_quick_notified_wake);
	VT_RUN(test_adaptive_shrinks_on_timeout_or_long_gap);
	VT_RUN(test_adaptive_clamped_to_min_and_max);
	VT_RUN(test_adaptive_matches_documented_rule);
	VT_RUN(test_counters_consistent_poll);
	VT_RUN(test_counters_consistent_notify);
	VT_RUN(test_counters_consistent_budget);
	VT_RUN(test_counters_consistent_spin);
	VT_RUN(test_counters_consistent_adaptive);
	VT_RUN(test_adaptive_measures_sleep_cost);
	return vt_summary();
}
