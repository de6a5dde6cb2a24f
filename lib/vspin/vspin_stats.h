/* SPDX-License-Identifier: BSD-3-Clause
 * Per-queue counters: plain increments by the one thread that polls the
 * queue, read by the control plane (xstats) without a lock. A reader may
 * see a value a few increments old; that is all.
 *
 * A user's reset (testpmd "clear port stats", dpdk-proc-info
 * --stats-reset) runs on another thread, or in another process, while the
 * lcore counts. It never writes a counter: a 0 stored between the lcore's
 * load and its store of "count + n" is lost, and the counter jumps back to
 * its old value. The reset copies the counts into a base instead, which
 * only the control plane writes, and readers report count - base.
 */
#ifndef VSPIN_STATS_H
#define VSPIN_STATS_H

#include <stddef.h>
#include <stdint.h>

struct vspin_stats {
	/* As a producer: kicks (driver) or calls (device). */
	uint64_t notifies;
	uint64_t notifies_suppressed;
	/* As a consumer, driven by the spin policy. */
	uint64_t arms;		   /* event index published (SPIN -> ARMED) */
	uint64_t arm_rechecks_hit; /* armed, then work came before a sleep */
	uint64_t sleeps;	   /* blocked on the eventfd */
	uint64_t wakeups;	   /* a notification ended the sleep */
	uint64_t sleep_timeouts;   /* its bound ended the sleep */
	uint64_t spurious_wakeups; /* woken, but the next poll was empty */
	uint64_t spin_cycles;	   /* TSC cycles polled with no work */
	uint64_t sleep_cycles;	   /* TSC cycles blocked */
	/* Adaptive: how each idle period was planned (vspin_policy.h). */
	uint64_t idle_batches;	    /* regime 1: coalesced, armed at once */
	uint64_t idle_window_spins; /* regime 2: a learnt window, then K = 1 */
	uint64_t idle_busy_spins;   /* regime 3: near saturation */
	uint64_t idle_full_spins;   /* of those: the producer ran flat out */
	/* Settings, not counts: kept across a reset (vspin_stats_reset()). */
	uint64_t window_cycles;	    /* current spin window (spin, adaptive) */
	uint64_t sleep_cost_cycles; /* B, the measured cost of a sleep */
	uint64_t latency_cycles;    /* L, the latency budget (adaptive) */
	uint64_t wake_late_cycles; /* D, batches' wake-up lateness (adaptive) */
	uint64_t busy_pct;	   /* u, the busy fraction in % (adaptive) */
	uint64_t wake_cpu_cycles;  /* C, a wake-up's CPU (adaptive) */
	uint64_t wake_late_p99_cycles; /* D99, the lateness's p99 (adaptive) */
	/* D99p, D99 as the packets see it: L's share (adaptive) */
	uint64_t wake_late_pkt_p99_cycles;
};

/*
 * The counters as a user sees them (DPDK xstats), in a fixed order, so
 * both PMDs name them alike: "<dir>_q<N>_<name>". notify_name is what the
 * producer's notifications are called on that side ("kicks" or "calls").
 */
#define VSPIN_STATS_NB 22

/*
 * Write the name of counter i (0 <= i < VSPIN_STATS_NB) into buf.
 * Returns what snprintf returns.
 */
int vspin_stats_name(unsigned int i, const char *dir, unsigned int queue,
		     const char *notify_name, char *buf, size_t len);

/* Value of counter i; cycle counts are reported in microseconds. */
uint64_t vspin_stats_value(const struct vspin_stats *s, unsigned int i,
			   uint64_t tsc_hz);

/*
 * The counts of s since the reset that took base, into out; the settings
 * as they are in s.
 */
void vspin_stats_since(const struct vspin_stats *s,
		       const struct vspin_stats *base, struct vspin_stats *out);

/* A user's reset: base takes the counts of s, which is not written. */
void vspin_stats_reset(const struct vspin_stats *s, struct vspin_stats *base);

/* One counter outside struct vspin_stats, reset the same way. */
static inline uint64_t
vspin_count_since(const uint64_t *count, const uint64_t *base)
{
	uint64_t b = __atomic_load_n(base, __ATOMIC_ACQUIRE);

	/* Loaded after the base, the count is not behind it. */
	return __atomic_load_n(count, __ATOMIC_RELAXED) - b;
}

static inline void
vspin_count_reset(const uint64_t *count, uint64_t *base)
{
	__atomic_store_n(base, __atomic_load_n(count, __ATOMIC_RELAXED),
			 __ATOMIC_RELEASE);
}

#endif /* VSPIN_STATS_H */
