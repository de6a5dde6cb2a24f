/* SPDX-License-Identifier: BSD-3-Clause
 * What a sleep costs on the running machine, for the adaptive policy
 * (vspin_policy.h: B, C, N and M): measured when the first adaptive queue
 * starts, then again now and then while the process runs, keeping the
 * quickest try: the lowest B, the larger of its wake-up and its round's
 * CPU (vspin_sleep_cost.c).
 */
#ifndef VSPIN_SLEEP_COST_H
#define VSPIN_SLEEP_COST_H

#include <stdbool.h>
#include <stdint.h>

/* One try of the measurement, in ns (wake_ns 0: the try failed). */
struct vspin_sleep_costs {
	uint64_t wake_ns;   /* B's wake-up latency */
	uint64_t cpu_ns;    /* the CPU of one sleep-and-wake round (C/2) */
	uint64_t notify_ns; /* N: the write that wakes the sleeper */
	uint64_t bound_ns;  /* M: moving a sleep's bound */
};

/*
 * Cost of one sleep on this machine, in ns: of two threads on different
 * CPUs waking each other through eventfds, the median time from the
 * helper's write to the measuring thread's return from its wait, within
 * [2 us, 200 us]; the quickest of a few tries, the measuring thread on a
 * different CPU in each (vspin_sleep_cost_try_cpu()). The first call
 * measures (about 0.1 s, at most about 1.2 s on a machine that starves
 * the helper) and starts a thread that tries again 1, 2, 4,
 * ... 512 s later: a start-up in a slow moment of the machine, or
 * with every CPU busy, is not kept for the process's life. A quicker try
 * replaces the costs held (vspin_sleep_costs_generation()).
 */
uint64_t vspin_sleep_cost_ns(void);

/*
 * The CPU the sleeping side of the measurement's try i runs on: the
 * caller's (self) first, then each other online CPU in turn (ncpu of
 * them, numbered from 0), round again if there are more tries than CPUs.
 * An unknown self counts as CPU 0.
 */
int vspin_sleep_cost_try_cpu(int self, long ncpu, int i);

/*
 * CPU time one sleep-and-wake round costs the sleeping thread (the
 * syscalls, the block and the wake-up on its own CPU), in ns, from the
 * same try; within [0.5 us, 200 us].
 */
uint64_t vspin_sleep_cpu_ns(void);

/*
 * CPU time a notification costs its producer, in ns: the median time an
 * eventfd write takes when a thread on another CPU is blocked on it (the
 * write wakes it up), from the same try; 0 if it could not run.
 */
uint64_t vspin_notify_cost_ns(void);

/*
 * CPU time moving a coalescing sleep's bound costs the sleeping thread, in
 * ns: what a sleep-and-wake round costs more when a timerfd's expiry is
 * first moved to 10C ahead (vspin_deadline_arm()), from the same try; 0
 * if that is nothing, or if it could not run.
 */
uint64_t vspin_bound_cost_ns(void);

/*
 * All four from one try, as the accessors above clamp them (the first
 * call measures). Returns their generation (vspin_sleep_costs_generation()),
 * read with them.
 */
uint32_t vspin_sleep_costs_get(struct vspin_sleep_costs *out);

/*
 * Offer a try's costs: kept if none are held yet or if it is quicker than
 * the held one, a lower B, the larger of wake_ns and cpu_ns (the
 * generation then moves on). Returns
 * whether it was kept. The measurement offers each of its tries; a test
 * may offer its own before the first vspin_sleep_cost_ns(), which then
 * measures nothing and starts no thread.
 */
bool vspin_sleep_costs_offer(const struct vspin_sleep_costs *t);

/*
 * How many times the held costs have changed (0: none held yet). Cheap:
 * a queue compares it with the one it planned with at the start of each
 * idle period.
 */
uint32_t vspin_sleep_costs_generation(void);

/*
 * Timer slack of a thread that takes timed sleeps in ovs_sleep and
 * adaptive modes: OVS's PMD threads' (read from /proc/TID/timerslack_ns).
 */
#define VSPIN_PMD_TIMER_SLACK_NS 1000

/*
 * How much longer than asked a short timed sleep lasts on this machine
 * (timer slack and wake-up), in ns: the median of a few 10 us waits with
 * the slack of VSPIN_PMD_TIMER_SLACK_NS. Measured once per process (about
 * a millisecond), then cached.
 */
uint64_t vspin_nap_overshoot_ns(void);

#endif /* VSPIN_SLEEP_COST_H */
