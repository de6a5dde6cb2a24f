/* SPDX-License-Identifier: BSD-3-Clause
 * What a series of ping-pong rounds says about a sleep (vspin_sleep_cost.c).
 *
 * In each round the caller wakes a helper thread on another CPU through an
 * eventfd, blocks on a second one, and is woken by the helper's reply. Only
 * the caller's half is a PMD's: its own wake-up, on its own idle CPU, by a
 * write from another CPU. The helper's CPU is often busy (on a small
 * machine it is the peer's polling lcore): waking the helper there made the
 * caller's write last 35 us instead of 6 on one VM, and the helper answer
 * late, which doubled B and C and so the default latency budget
 * (bench/README-adaptive.md, "A busy neighbour at start-up"). So the
 * summary times the wake-up from the helper's reply to the caller's
 * return, prices a notification by the reply's write (it wakes an idle
 * CPU, as a producer's does), and counts that write in the caller's CPU
 * per round in place of the caller's own.
 */
#ifndef VSPIN_WAKE_ROUNDS_H
#define VSPIN_WAKE_ROUNDS_H

#include <stdint.h>

/* Rounds a summary reads at most. */
#define VSPIN_WAKE_ROUNDS_MAX 256

/* One round; clocks are CLOCK_MONOTONIC ns, durations ns. */
struct vspin_wake_round {
	uint64_t own_write;   /* caller: its write that wakes the helper */
	uint64_t reply_at;    /* helper: just before its reply's write */
	uint64_t reply_write; /* helper: how long that write took */
	uint64_t woke_at;     /* caller: when its wait returned */
};

struct vspin_wake_summary {
	uint64_t wake;	 /* median, reply_at to woke_at */
	uint64_t notify; /* median reply_write */
	uint64_t cpu;	 /* caller's CPU per round, the reply's write its own */
};

/*
 * Summarise n rounds (1 <= n <= VSPIN_WAKE_ROUNDS_MAX) over which the
 * caller's thread used cpu_ns.
 */
void vspin_wake_rounds_summarise(const struct vspin_wake_round *r,
				 unsigned int n, uint64_t cpu_ns,
				 struct vspin_wake_summary *out);

/*
 * The median of n values (the upper one of an even count; 0 if none),
 * sorting v in place: the summary's, and the nap overshoot's in
 * vspin_sleep_cost.c.
 */
uint64_t vspin_median_u64(uint64_t *v, unsigned int n);

#endif /* VSPIN_WAKE_ROUNDS_H */
