/* SPDX-License-Identifier: BSD-3-Clause
 * The counters as DPDK xstats (vspin_stats.h): names in DPDK's style,
 * unique, each bound to its own field; cycle counters shown in us; a
 * reset that holds while the owner keeps counting.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vspin_stats.h"
#include "vspin_test.h"

static const char *const tx_q0[VSPIN_STATS_NB] = {
	"tx_q0_kicks",
	"tx_q0_kicks_suppressed",
	"tx_q0_arms",
	"tx_q0_arm_rechecks_hit",
	"tx_q0_sleeps",
	"tx_q0_wakeups",
	"tx_q0_sleep_timeouts",
	"tx_q0_spurious_wakeups",
	"tx_q0_spin_us",
	"tx_q0_sleep_us",
	"tx_q0_window_us",
	"tx_q0_sleep_cost_us",
	"tx_q0_latency_us",
	"tx_q0_wake_late_us",
	"tx_q0_busy_pct",
	"tx_q0_wake_cpu_us",
	"tx_q0_wake_late_p99_us",
	"tx_q0_idle_batches",
	"tx_q0_idle_window_spins",
	"tx_q0_idle_busy_spins",
	"tx_q0_idle_full_spins",
	"tx_q0_wake_late_pkt_p99_us",
};

static void
test_names_in_dpdk_style(void)
{
	char buf[64];
	unsigned int i;

	for (i = 0; i < VSPIN_STATS_NB; i++) {
		int r = vspin_stats_name(i, "tx", 0, "kicks", buf, sizeof(buf));

		VT_CHECK(r == (int)strlen(tx_q0[i]) &&
				 strcmp(buf, tx_q0[i]) == 0,
			 "counter %u named \"%s\" (r=%d), expected \"%s\"", i,
			 buf, r, tx_q0[i]);
	}
	vspin_stats_name(2, "rx", 1, "calls", buf, sizeof(buf));
	VT_CHECK(strcmp(buf, "rx_q1_arms") == 0, "\"%s\"", buf);
	vspin_stats_name(1, "rx", 3, "calls", buf, sizeof(buf));
	VT_CHECK(strcmp(buf, "rx_q3_calls_suppressed") == 0, "\"%s\"", buf);
	vspin_stats_name(8, "rx", 0, "calls", buf, sizeof(buf));
	VT_CHECK(strcmp(buf, "rx_q0_spin_us") == 0, "\"%s\"", buf);
	vspin_stats_name(0, "rx", 15, "calls", buf, sizeof(buf));
	VT_CHECK(strcmp(buf, "rx_q15_calls") == 0, "\"%s\"", buf);
}

/* Every name of two directions and 16 queues differs from the others. */
static void
test_names_unique(void)
{
	static char names[2 * 16 * VSPIN_STATS_NB][48];
	static const char *const dirs[] = {"rx", "tx"};
	unsigned int n = 0, d, q, i, j, dups = 0;

	for (d = 0; d < 2; d++)
		for (q = 0; q < 16; q++)
			for (i = 0; i < VSPIN_STATS_NB; i++)
				vspin_stats_name(i, dirs[d], q,
						 d ? "kicks" : "calls",
						 names[n++], sizeof(names[0]));
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(names[i], names[j]) == 0 && dups++ < 3)
				VT_FAIL("\"%s\" twice", names[i]);
	VT_CHECK(dups == 0, "%u duplicate names among %u", dups, n);
}

static void
test_name_bounds(void)
{
	char buf[8];
	int r;

	memset(buf, 'x', sizeof(buf));
	r = vspin_stats_name(VSPIN_STATS_NB, "tx", 0, "kicks", buf,
			     sizeof(buf));
	VT_CHECK(r < 0, "counter %u named (r=%d)", VSPIN_STATS_NB, r);
	/* Truncated, terminated, and the full length returned. */
	r = vspin_stats_name(1, "tx", 0, "kicks", buf, 6);
	VT_CHECK(r == 22 && strcmp(buf, "tx_q0") == 0 && buf[6] == 'x',
		 "truncated to \"%.8s\", r=%d", buf, r);
}

/* Each index reads its own field: distinct values in every field. */
static void
test_values_bound_to_fields(void)
{
	struct vspin_stats s = {
		.notifies = 1,
		.notifies_suppressed = 2,
		.arms = 3,
		.arm_rechecks_hit = 4,
		.sleeps = 5,
		.wakeups = 6,
		.sleep_timeouts = 7,
		.spurious_wakeups = 8,
		.spin_cycles = 9000,
		.sleep_cycles = 10000,
		.window_cycles = 11000,
		.sleep_cost_cycles = 12000,
		.latency_cycles = 13000,
		.wake_late_cycles = 14000,
		.busy_pct = 15,
		.wake_cpu_cycles = 16000,
		.wake_late_p99_cycles = 17000,
		.idle_batches = 18,
		.idle_window_spins = 19,
		.idle_busy_spins = 20,
		.idle_full_spins = 21,
		.wake_late_pkt_p99_cycles = 22000,
	};
	/* At 1 GHz: 1000 cycles per microsecond. */
	static const uint64_t want[VSPIN_STATS_NB] = {
		1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11,
		12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22};
	unsigned int i;

	for (i = 0; i < VSPIN_STATS_NB; i++)
		VT_CHECK(vspin_stats_value(&s, i, 1000000000u) == want[i],
			 "%s = %llu, expected %llu", tx_q0[i],
			 (unsigned long long)vspin_stats_value(&s, i,
							       1000000000u),
			 (unsigned long long)want[i]);
	VT_CHECK(vspin_stats_value(&s, VSPIN_STATS_NB, 1000000000u) == 0,
		 "value past the end");
}

static void
test_cycles_converted_to_us(void)
{
	struct vspin_stats s;

	memset(&s, 0, sizeof(s));
	s.spin_cycles = UINT64_C(3000000000) * 5; /* 5 s at 3 GHz */
	s.sleep_cycles = 2999;			  /* just under 1 us at 3 GHz */
	s.window_cycles = 60000;		  /* 20 us */
	VT_CHECK(vspin_stats_value(&s, 8, 3000000000u) == 5000000,
		 "spin_us %llu, expected 5000000",
		 (unsigned long long)vspin_stats_value(&s, 8, 3000000000u));
	VT_CHECK(vspin_stats_value(&s, 9, 3000000000u) == 0,
		 "sleep_us %llu, expected 0 (rounded down)",
		 (unsigned long long)vspin_stats_value(&s, 9, 3000000000u));
	VT_CHECK(vspin_stats_value(&s, 10, 3000000000u) == 20,
		 "window_us %llu, expected 20",
		 (unsigned long long)vspin_stats_value(&s, 10, 3000000000u));
	/* A TSC of a real machine is not a round number of MHz. */
	s.spin_cycles = UINT64_C(2994373000);
	VT_CHECK(vspin_stats_value(&s, 8, UINT64_C(2994373000)) == 1000000,
		 "spin_us %llu for 1 s at 2.994373 GHz, expected 1000000",
		 (unsigned long long)vspin_stats_value(&s, 8,
						       UINT64_C(2994373000)));
	/* Plain counters are not scaled. */
	s.arms = 123456789;
	VT_CHECK(vspin_stats_value(&s, 2, 3000000000u) == 123456789,
		 "arms %llu scaled",
		 (unsigned long long)vspin_stats_value(&s, 2, 3000000000u));
}

/*
 * A reset reads zero for every count and keeps the eight settings, and it
 * writes nothing into the counters themselves.
 */
static void
test_reset_keeps_settings(void)
{
	struct vspin_stats s, before, base, out;
	unsigned int i;

	memset(&s, 0x5a, sizeof(s));
	memset(&base, 0, sizeof(base));
	s.window_cycles = 11;
	s.sleep_cost_cycles = 12;
	s.latency_cycles = 13;
	s.wake_late_cycles = 14;
	s.busy_pct = 15;
	s.wake_cpu_cycles = 16;
	s.wake_late_p99_cycles = 17;
	s.wake_late_pkt_p99_cycles = 22;
	before = s;
	vspin_stats_reset(&s, &base);
	VT_CHECK(memcmp(&s, &before, sizeof(s)) == 0,
		 "the reset wrote into the counters");
	vspin_stats_since(&s, &base, &out);
	for (i = 0; i < VSPIN_STATS_NB; i++)
		VT_CHECK((i >= 10 && i < 17) || i == 21 || /* the settings */
				 vspin_stats_value(&out, i, 0) == 0,
			 "%s = %llu after a reset", tx_q0[i],
			 (unsigned long long)vspin_stats_value(&out, i, 0));
	VT_CHECK(out.window_cycles == 11 && out.sleep_cost_cycles == 12 &&
			 out.latency_cycles == 13 &&
			 out.wake_late_cycles == 14 && out.busy_pct == 15 &&
			 out.wake_cpu_cycles == 16 &&
			 out.wake_late_p99_cycles == 17 &&
			 out.wake_late_pkt_p99_cycles == 22,
		 "settings after a reset: window %llu, B %llu, L %llu, D %llu, "
		 "u %llu, C %llu, D99 %llu, D99p %llu",
		 (unsigned long long)out.window_cycles,
		 (unsigned long long)out.sleep_cost_cycles,
		 (unsigned long long)out.latency_cycles,
		 (unsigned long long)out.wake_late_cycles,
		 (unsigned long long)out.busy_pct,
		 (unsigned long long)out.wake_cpu_cycles,
		 (unsigned long long)out.wake_late_p99_cycles,
		 (unsigned long long)out.wake_late_pkt_p99_cycles);
	s.sleeps += 3;
	s.spin_cycles += 2000;
	vspin_stats_since(&s, &base, &out);
	VT_CHECK(out.sleeps == 3 && out.spin_cycles == 2000 && out.arms == 0,
		 "since the reset: sleeps %llu, spin %llu cycles, arms %llu",
		 (unsigned long long)out.sleeps,
		 (unsigned long long)out.spin_cycles,
		 (unsigned long long)out.arms);
}

/*
 * The lcore's side of a counter: load, add, store, as a burst function
 * does, with a pause between the load and the store (a preempted vCPU)
 * where a reset that stored 0 into the counter would be undone.
 */
struct owner {
	uint64_t count;
	uint64_t adds; /* how many "count += 1" to do, then "+= 0" */
	bool stop;     /* the owner stops polling */
	bool added;    /* the owner has done its adds */
};

static void *
owner_poll(void *arg)
{
	struct owner *o = arg;
	uint64_t done = 0;

	while (!__atomic_load_n(&o->stop, __ATOMIC_ACQUIRE)) {
		uint64_t v = __atomic_load_n(&o->count, __ATOMIC_RELAXED);
		uint64_t n = done < o->adds ? 1 : 0;
		volatile unsigned int pause;

		for (pause = 0; pause < 64; pause++)
			;
		__atomic_store_n(&o->count, v + n, __ATOMIC_RELAXED);
		done += n;
		if (done == o->adds)
			__atomic_store_n(&o->added, true, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Resets from another thread while the owner polls, as testpmd's "clear
 * port stats" or dpdk-proc-info --stats-reset do: each reads 0 at once
 * and stays 0 while the owner adds nothing; the counts since a reset are
 * exactly the adds after it.
 */
static void
test_reset_while_owner_counts(void)
{
	struct owner o = {.adds = 200000};
	uint64_t base = 0, since, worst = 0;
	pthread_t t;
	unsigned int i, j;

	VT_CHECK(pthread_create(&t, NULL, owner_poll, &o) == 0,
		 "pthread_create");
	/* Resets while it adds: never more than it has added. */
	while (!__atomic_load_n(&o.added, __ATOMIC_ACQUIRE)) {
		vspin_count_reset(&o.count, &base);
		since = vspin_count_since(&o.count, &base);
		VT_CHECK(since <= o.adds, "%llu since a reset, of %llu adds",
			 (unsigned long long)since, (unsigned long long)o.adds);
	}
	/* Resets while it polls idle ("count += 0"): 0, every time. */
	for (i = 0; i < 2000; i++) {
		vspin_count_reset(&o.count, &base);
		for (j = 0; j < 50; j++) {
			since = vspin_count_since(&o.count, &base);
			if (since > worst)
				worst = since;
		}
		if (i % 64 == 0)
			sched_yield();
	}
	__atomic_store_n(&o.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	VT_CHECK(worst == 0,
		 "an idle owner undid a reset: %llu counted after it",
		 (unsigned long long)worst);
	VT_CHECK(vspin_count_since(&o.count, &base) == 0 && o.count == o.adds,
		 "after the owner stopped: %llu since the reset, count %llu "
		 "of %llu adds",
		 (unsigned long long)vspin_count_since(&o.count, &base),
		 (unsigned long long)o.count, (unsigned long long)o.adds);
	o.count += 7;
	VT_CHECK(vspin_count_since(&o.count, &base) == 7,
		 "7 adds after the reset read %llu",
		 (unsigned long long)vspin_count_since(&o.count, &base));
}

int
main(void)
{
	VT_RUN(test_names_in_dpdk_style);
	VT_RUN(test_names_unique);
	VT_RUN(test_name_bounds);
	VT_RUN(test_values_bound_to_fields);
	VT_RUN(test_cycles_converted_to_us);
	VT_RUN(test_reset_keeps_settings);
	VT_RUN(test_reset_while_owner_counts);
	return vt_summary();
}
