/* SPDX-License-Identifier: BSD-3-Clause
 * Per-queue counters: plain increments by the one thread that polls the
 * queue, read by the control plane (xstats) without a lock. A reader may
 * see a value a few increments old; that is all.
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
	/* Settings, not counts: kept across a reset (vspin_stats_reset()). */
	uint64_t window_cycles;	    /* current spin window (spin, adaptive) */
	uint64_t sleep_cost_cycles; /* B, the measured cost of a sleep */
	uint64_t latency_cycles;    /* L, the latency budget (adaptive) */
	uint64_t wake_late_cycles; /* D, batches' wake-up lateness (adaptive) */
	uint64_t busy_pct;	   /* u, the busy fraction in % (adaptive) */
	uint64_t wake_cpu_cycles;  /* C, a wake-up's CPU (adaptive) */
	uint64_t wake_late_p99_cycles; /* D99, the lateness's p99 (adaptive) */
};

/*
 * The counters as a user sees them (DPDK xstats), in a fixed order, so
 * both PMDs name them alike: "<dir>_q<N>_<name>". notify_name is what the
 * producer's notifications are called on that side ("kicks" or "calls").
 */
#define VSPIN_STATS_NB 17

/*
 * Write the name of counter i (0 <= i < VSPIN_STATS_NB) into buf.
 * Returns what snprintf returns.
 */
int vspin_stats_name(unsigned int i, const char *dir, unsigned int queue,
		     const char *notify_name, char *buf, size_t len);

/* Value of counter i; cycle counts are reported in microseconds. */
uint64_t vspin_stats_value(const struct vspin_stats *s, unsigned int i,
			   uint64_t tsc_hz);

/* Zero the counts, keep the settings (a user's xstats reset). */
void vspin_stats_reset(struct vspin_stats *s);

#endif /* VSPIN_STATS_H */
