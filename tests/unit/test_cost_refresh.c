/* SPDX-License-Identifier: BSD-3-Clause
 * A queue whose start-up measured a slow sleep takes up a quicker later
 * try (vspin_sleep_cost.h): at the start of its next idle period, with
 * B, C, N, M and the default L from that try, and what it learnt kept. A
 * slower try changes nothing, and a queue given sleep_cost_us ignores
 * them all. The costs are offered here, as the measurement's tries offer
 * theirs: nothing is measured (the process keeps its one thread).
 */
#include "vspin_policy.h"
#include "vspin_test.h"

#define US 1000u /* ns, and cycles on the 1 GHz clock used here */
#define HZ 1000000000u

static void
init_adaptive(struct vspin_policy *p, struct vspin_stats *st,
	      uint32_t sleep_cost_us)
{
	struct vspin_policy_conf c;

	vspin_policy_conf_default(&c);
	c.mode = VSPIN_MODE_ADAPTIVE;
	c.ring_size = 256;
	c.sleep_cost_us = sleep_cost_us;
	vspin_policy_init(p, &c, HZ, st);
}

/* A busy poll, then the first empty one: an idle period starts. */
static void
start_idle(struct vspin_policy *p, uint64_t *now)
{
	*now += 10 * US;
	(void)vspin_policy_poll(p, 8, *now);
	*now += 1 * US;
	(void)vspin_policy_poll(p, 0, *now);
}

static void
test_quicker_try_taken_up(void)
{
	const struct vspin_sleep_costs slow = {90 * US, 90 * US, 30 * US,
					       5 * US},
				       slower = {100 * US, 20 * US, 2 * US,
						 2 * US},
				       quick = {12 * US, 15 * US, 6 * US,
						18 * US};
	/* A quick wake-up, a slow round: a higher B. */
	const struct vspin_sleep_costs skewed = {8 * US, 150 * US, 4 * US,
						 9 * US};
	struct vspin_stats st = {0}, given_st = {0};
	struct vspin_policy p, given;
	uint64_t now = 1000000;

	VT_REQUIRE(vspin_sleep_costs_generation() == 0, "costs held already");
	VT_CHECK(vspin_sleep_costs_offer(&slow), "first offer not kept");
	VT_CHECK(vspin_sleep_costs_generation() == 1, "generation %u",
		 vspin_sleep_costs_generation());
	VT_CHECK(vspin_sleep_cost_ns() == 90 * US, "B %llu ns",
		 (unsigned long long)vspin_sleep_cost_ns());
	/* The measurement would have started a thread. */
	VT_CHECK(vt_proc_entries("/proc/self/task") == 1,
		 "%d threads: something was measured",
		 vt_proc_entries("/proc/self/task"));

	init_adaptive(&p, &st, 0);
	init_adaptive(&given, &given_st, 50);
	VT_CHECK(st.sleep_cost_cycles == 90 * US, "B %llu",
		 (unsigned long long)st.sleep_cost_cycles);
	VT_CHECK(st.wake_cpu_cycles == 180 * US, "C %llu",
		 (unsigned long long)st.wake_cpu_cycles);
	/* Default L: 10 (C + M). */
	VT_CHECK(st.latency_cycles == 1850 * US, "L %llu",
		 (unsigned long long)st.latency_cycles);

	VT_CHECK(!vspin_sleep_costs_offer(&slower), "a slower try was kept");
	VT_CHECK(vspin_sleep_costs_generation() == 1, "generation moved");
	VT_CHECK(vspin_sleep_costs_offer(&quick), "the quicker try was lost");
	VT_CHECK(vspin_sleep_costs_generation() == 2, "generation %u",
		 vspin_sleep_costs_generation());
	VT_CHECK(!vspin_sleep_costs_offer(&skewed),
		 "kept a try whose B (150 us of CPU) is above the held 15");
	VT_CHECK(st.sleep_cost_cycles == 90 * US,
		 "B changed outside an idle period's start");

	start_idle(&p, &now);
	VT_CHECK(st.sleep_cost_cycles == 15 * US, "B %llu: max(12, 15) us",
		 (unsigned long long)st.sleep_cost_cycles);
	VT_CHECK(st.wake_cpu_cycles == 30 * US, "C %llu",
		 (unsigned long long)st.wake_cpu_cycles);
	VT_CHECK(st.latency_cycles == 480 * US, "L %llu: 10 (30 + 18) us",
		 (unsigned long long)st.latency_cycles);
	VT_CHECK(p.notify_cost == 6 * US && p.bound_cost == 18 * US,
		 "N %llu M %llu", (unsigned long long)p.notify_cost,
		 (unsigned long long)p.bound_cost);
	VT_CHECK(st.wake_late_cycles == 15 * US, "D %llu: B until learnt",
		 (unsigned long long)st.wake_late_cycles);
	VT_CHECK(p.window <= 15 * US, "W %llu above B",
		 (unsigned long long)p.window);

	start_idle(&given, &now);
	VT_CHECK(given_st.sleep_cost_cycles == 50 * US &&
			 given_st.wake_cpu_cycles == 100 * US,
		 "sleep_cost_us=50 followed the measurement: B %llu C %llu",
		 (unsigned long long)given_st.sleep_cost_cycles,
		 (unsigned long long)given_st.wake_cpu_cycles);
}

/*
 * D and D99 learnt from wake-ups stay when B changes, and so does D99 as
 * the packets see it; L counts the latter.
 */
static void
test_learnt_lateness_kept(void)
{
	const struct vspin_sleep_costs quicker = {10 * US, 11 * US, 5 * US,
						  16 * US};
	struct vspin_stats st = {0};
	struct vspin_policy p;
	uint64_t now = 5000000;

	init_adaptive(&p, &st, 0);
	p.late = 40 * US; /* as learn_late() leaves them */
	p.late_tail = 60 * US;
	p.late_pkts = 70 * US;
	VT_REQUIRE(vspin_sleep_costs_offer(&quicker), "offer not kept");
	start_idle(&p, &now);
	VT_CHECK(st.sleep_cost_cycles == 11 * US, "B %llu",
		 (unsigned long long)st.sleep_cost_cycles);
	VT_CHECK(p.late == 40 * US && p.late_tail == 60 * US &&
			 p.late_pkts == 70 * US,
		 "D %llu D99 %llu (packets %llu): a learnt one was dropped",
		 (unsigned long long)p.late, (unsigned long long)p.late_tail,
		 (unsigned long long)p.late_pkts);
	/* 10 (22 + 16) us, and the packets' D99's 59 us past B. */
	VT_CHECK(st.latency_cycles == 439 * US, "L %llu",
		 (unsigned long long)st.latency_cycles);
}

int
main(void)
{
	VT_RUN(test_quicker_try_taken_up);
	VT_RUN(test_learnt_lateness_kept);
	return vt_summary();
}
