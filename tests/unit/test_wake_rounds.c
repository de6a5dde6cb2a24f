/* SPDX-License-Identifier: BSD-3-Clause
 * The summary of a sleep measurement's rounds (vspin_wake_rounds.h): the
 * caller's half of each round is what counts, so a helper on a busy CPU
 * (its wake-ups late, the caller's writes to it slow) does not inflate
 * the wake-up, the notification or the CPU per round. Figures are those
 * of one VM, quiet and beside a busy neighbour. And the CPUs the
 * measurement's tries run on: not the caller's alone, whose CPU may be a
 * busy lcore's.
 */
#include <string.h>

#include "vspin_policy.h"
#include "vspin_test.h"
#include "vspin_wake_rounds.h"

#define US 1000u /* ns */
#define N 64

/*
 * n rounds 100 us apart: the caller's write lasts own, the helper replies
 * after helper_late, its write lasts reply, and the caller returns wake
 * after the reply began.
 */
static void
fill(struct vspin_wake_round *r, unsigned int n, uint64_t own,
     uint64_t helper_late, uint64_t reply, uint64_t wake)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t start = 1000000 + (uint64_t)i * 100 * US;

		r[i].own_write = own;
		r[i].reply_at = start + own + helper_late;
		r[i].reply_write = reply;
		r[i].woke_at = r[i].reply_at + wake;
	}
}

/* Quiet: what the rounds show is what the summary says. */
static void
test_quiet_helper(void)
{
	struct vspin_wake_round r[N];
	struct vspin_wake_summary s;

	fill(r, N, 6 * US, 13 * US, 6 * US, 13 * US);
	vspin_wake_rounds_summarise(r, N, N * 17 * US, &s);
	VT_CHECK(s.wake == 13 * US, "wake %llu ns", (unsigned long long)s.wake);
	VT_CHECK(s.notify == 6 * US, "notify %llu ns",
		 (unsigned long long)s.notify);
	VT_CHECK(s.cpu == 17 * US, "cpu %llu ns", (unsigned long long)s.cpu);
}

/*
 * The helper's CPU busy: each caller write lasts 35 us, the helper answers
 * 300 us late, the caller's thread burns 46 us a round. The caller's own
 * wake-up is as quick as when quiet, and so is the summary.
 */
static void
test_busy_helper(void)
{
	struct vspin_wake_round r[N];
	struct vspin_wake_summary s;

	fill(r, N, 35 * US, 300 * US, 6 * US, 13 * US);
	vspin_wake_rounds_summarise(r, N, N * 46 * US, &s);
	VT_CHECK(s.wake == 13 * US, "wake %llu ns, the helper's lateness in it",
		 (unsigned long long)s.wake);
	VT_CHECK(s.notify == 6 * US, "notify %llu ns, the caller's write",
		 (unsigned long long)s.notify);
	VT_CHECK(s.cpu == 17 * US, "cpu %llu ns, the caller's slow write in it",
		 (unsigned long long)s.cpu);
}

/*
 * Medians for the latencies (a few preempted rounds do not move them),
 * means for the writes the CPU per round trades (they are in that mean as
 * often as they happened).
 */
static void
test_outliers(void)
{
	struct vspin_wake_round r[N];
	struct vspin_wake_summary s;
	unsigned int i;

	fill(r, N, 6 * US, 13 * US, 6 * US, 13 * US);
	for (i = 0; i < N; i += 16) {
		r[i].woke_at += 2000 * US;
		r[i].reply_write = 70 * US;
		r[i].own_write = 70 * US;
	}
	vspin_wake_rounds_summarise(r, N, N * 21 * US, &s);
	VT_CHECK(s.wake == 13 * US, "wake %llu ns", (unsigned long long)s.wake);
	VT_CHECK(s.notify == 6 * US, "notify %llu ns",
		 (unsigned long long)s.notify);
	VT_CHECK(s.cpu == 21 * US,
		 "cpu %llu ns, expected 21 us: both means "
		 "rose by 4 us",
		 (unsigned long long)s.cpu);
}

/* Odd inputs: no underflow, no division by zero, no overrun. */
static void
test_odd_inputs(void)
{
	struct vspin_wake_round r[VSPIN_WAKE_ROUNDS_MAX + 8];
	struct vspin_wake_summary s;

	/* A return stamped before the reply (clocks of two CPUs): 0. */
	fill(r, 3, 6 * US, 0, 6 * US, 13 * US);
	r[0].woke_at = r[0].reply_at - 1;
	r[1].woke_at = r[1].reply_at - 1;
	vspin_wake_rounds_summarise(r, 3, 3 * 17 * US, &s);
	VT_CHECK(s.wake == 0, "wake %llu ns", (unsigned long long)s.wake);

	/* Less CPU than the caller's writes took (wall time): the reply's. */
	fill(r, N, 35 * US, 0, 6 * US, 13 * US);
	vspin_wake_rounds_summarise(r, N, N * 20 * US, &s);
	VT_CHECK(s.cpu == 6 * US, "cpu %llu ns", (unsigned long long)s.cpu);

	memset(&s, 0xff, sizeof(s));
	vspin_wake_rounds_summarise(r, 0, 0, &s);
	VT_CHECK(s.wake == 0 && s.notify == 0 && s.cpu == 0,
		 "no rounds: %llu %llu %llu", (unsigned long long)s.wake,
		 (unsigned long long)s.notify, (unsigned long long)s.cpu);

	/* More than it reads: the first VSPIN_WAKE_ROUNDS_MAX. */
	fill(r, VSPIN_WAKE_ROUNDS_MAX + 8, 6 * US, 0, 6 * US, 13 * US);
	vspin_wake_rounds_summarise(r, VSPIN_WAKE_ROUNDS_MAX + 8,
				    (VSPIN_WAKE_ROUNDS_MAX + 8) * 17ull * US,
				    &s);
	VT_CHECK(s.wake == 13 * US && s.cpu >= 17 * US, "wake %llu cpu %llu",
		 (unsigned long long)s.wake, (unsigned long long)s.cpu);
}

/* The median both the summary and the nap overshoot take. */
static void
test_median(void)
{
	uint64_t odd[] = {9, 1, 5}, even[] = {4, 8, 2, 6};

	VT_CHECK(vspin_median_u64(odd, 3) == 5, "odd: %llu",
		 (unsigned long long)vspin_median_u64(odd, 3));
	VT_CHECK(vspin_median_u64(even, 4) == 6, "even: %llu, the upper",
		 (unsigned long long)vspin_median_u64(even, 4));
	VT_CHECK(vspin_median_u64(NULL, 0) == 0, "none");
}

/* Tries start on the caller's CPU, then visit every other one. */
static void
test_try_cpus(void)
{
	static const int two_from_1[] = {1, 0, 1, 0};
	bool seen[8] = {false};
	int i;

	for (i = 0; i < 4; i++)
		VT_CHECK(vspin_sleep_cost_try_cpu(1, 2, i) == two_from_1[i],
			 "2 CPUs from 1, try %d: CPU %d", i,
			 vspin_sleep_cost_try_cpu(1, 2, i));
	for (i = 0; i < 8; i++)
		seen[vspin_sleep_cost_try_cpu(5, 8, i)] = true;
	for (i = 0; i < 8; i++)
		VT_CHECK(seen[i], "8 CPUs from 5: CPU %d never tried", i);
	VT_CHECK(vspin_sleep_cost_try_cpu(5, 8, 0) == 5, "first try elsewhere");
	/* One CPU, an unknown caller's CPU, none reported. */
	VT_CHECK(vspin_sleep_cost_try_cpu(0, 1, 3) == 0, "one CPU");
	VT_CHECK(vspin_sleep_cost_try_cpu(-1, 4, 1) == 1, "unknown self");
	VT_CHECK(vspin_sleep_cost_try_cpu(3, 2, 0) == 0, "self past ncpu");
	VT_CHECK(vspin_sleep_cost_try_cpu(0, 0, 2) == 0, "no CPU count");
}

int
main(void)
{
	VT_RUN(test_quiet_helper);
	VT_RUN(test_busy_helper);
	VT_RUN(test_outliers);
	VT_RUN(test_odd_inputs);
	VT_RUN(test_median);
	VT_RUN(test_try_cpus);
	return vt_summary();
}
