/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <time.h>

#include "vspin_clock.h"

uint64_t
vspin_tsc_hz(void)
{
	static uint64_t hz; /* measured once per process */
	uint64_t t0, c0, t1, c1, v = __atomic_load_n(&hz, __ATOMIC_RELAXED);
	struct timespec d = {.tv_sec = 0, .tv_nsec = 20L * 1000 * 1000};

	if (v != 0)
		return v;
#if !defined(__x86_64__) && !defined(__i386__)
	v = 1000000000u;
	__atomic_store_n(&hz, v, __ATOMIC_RELAXED);
	return v;
#endif
	t0 = vspin_mono_ns();
	c0 = vspin_rdtsc();
	nanosleep(&d, NULL);
	t1 = vspin_mono_ns();
	c1 = vspin_rdtsc();
	v = (uint64_t)((double)(c1 - c0) * 1e9 / (double)(t1 - t0));
	/* The first reading stored wins: every caller gets the same. */
	t0 = 0;
	if (!__atomic_compare_exchange_n(&hz, &t0, v, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		v = t0; /* another thread's */
	return v;
}

uint64_t
vspin_thread_cpu_ns(void)
{
	struct timespec ts;

	/* 0: not read (the policy then learns nothing from it). */
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
