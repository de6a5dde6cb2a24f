/* SPDX-License-Identifier: BSD-3-Clause
 * Time for the spin policy: the TSC, read without a syscall.
 * DPDK callers pass vspin_clock_hz(rte_get_tsc_hz()); others calibrate
 * once here.
 */
#ifndef VSPIN_CLOCK_H
#define VSPIN_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns (a vDSO call: no system call on Linux). */
static inline uint64_t
vspin_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t
vspin_rdtsc(void)
{
	return __rdtsc();
}
#else
/* Without a TSC, the monotonic clock in ns (and vspin_tsc_hz() = 1e9). */
static inline uint64_t
vspin_rdtsc(void)
{
	return vspin_mono_ns();
}
#endif

/*
 * The rate of vspin_rdtsc() for a caller that knows the TSC's (DPDK's
 * rte_get_tsc_hz()): without a TSC it counts nanoseconds, whatever
 * DPDK's own cycle counter runs at (arm64's generic timer: 25 MHz or so).
 */
static inline uint64_t
vspin_clock_hz(uint64_t tsc_hz)
{
#if defined(__x86_64__) || defined(__i386__)
	return tsc_hz;
#else
	(void)tsc_hz;
	return 1000000000u;
#endif
}

/* TSC ticks per second, measured against CLOCK_MONOTONIC once (~20 ms). */
uint64_t vspin_tsc_hz(void);

/* CPU time of the calling thread in ns, 0 if unreadable (a system call). */
uint64_t vspin_thread_cpu_ns(void);

/*
 * Microseconds and nanoseconds to ticks at hz, and back. Whole seconds
 * apart: the product of a long time (a busy thread's CPU between two
 * sleeps, seconds) and hz would overflow 64 bits.
 */
static inline uint64_t
vspin_us_to_cycles(uint64_t us, uint64_t hz)
{
	return us / 1000000u * hz + us % 1000000u * hz / 1000000u;
}

static inline uint64_t
vspin_ns_to_cycles(uint64_t ns, uint64_t hz)
{
	return ns / 1000000000u * hz + ns % 1000000000u * hz / 1000000000u;
}

static inline uint64_t
vspin_cycles_to_ns(uint64_t cycles, uint64_t hz)
{
	return hz ? (uint64_t)((double)cycles * 1e9 / (double)hz) : 0;
}

#endif /* VSPIN_CLOCK_H */
