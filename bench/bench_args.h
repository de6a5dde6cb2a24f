/* SPDX-License-Identifier: BSD-3-Clause
 * What bench/wake_tail and bench/nap_tail share: a number or a list of
 * lengths in microseconds from the command line, and pinning a thread to
 * a CPU.
 */
#ifndef BENCH_ARGS_H
#define BENCH_ARGS_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_US_MAX 1000000u

/* s as a decimal number in [min, max] into *out; false if it is not one. */
static inline bool
bench_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/*
 * argv[0..argc-1] as lengths of 1 to BENCH_US_MAX us, at most max of them,
 * into out; none given: the ndef of def. Returns how many, or -1 after a
 * message naming prog and what (the argument's name in the usage line).
 */
static inline int
bench_us_list(const char *prog, const char *what, int argc, char **argv,
	      uint32_t *out, unsigned int max, const uint32_t *def,
	      unsigned int ndef)
{
	unsigned int n = 0;
	int i;

	for (i = 0; i < argc; i++) {
		if (n == max || !bench_u32(argv[i], 1, BENCH_US_MAX, &out[n])) {
			fprintf(stderr,
				"%s: %s '%s': at most %u of them, each 1-%u "
				"(--help)\n",
				prog, what, argv[i], max, BENCH_US_MAX);
			return -1;
		}
		n++;
	}
	if (n == 0) {
		n = ndef < max ? ndef : max;
		memcpy(out, def, n * sizeof(*out));
	}
	return (int)n;
}

/* The calling thread on cpu only (best effort: a failure leaves it free). */
static inline void
bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

#endif /* BENCH_ARGS_H */
