/* SPDX-License-Identifier: BSD-3-Clause
 * What bench/wake_tail and bench/nap_tail share: a list of lengths in
 * microseconds from the command line, and pinning a thread to a CPU.
 */
#ifndef BENCH_ARGS_H
#define BENCH_ARGS_H

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_US_MAX 1000000u

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
		char *end;
		unsigned long v = strtoul(argv[i], &end, 10);

		if (*argv[i] == '\0' || *end != '\0' || v == 0 ||
		    v > BENCH_US_MAX || n == max) {
			fprintf(stderr,
				"%s: %s '%s': at most %u of them, each 1-%u "
				"(--help)\n",
				prog, what, argv[i], max, BENCH_US_MAX);
			return -1;
		}
		out[n++] = (uint32_t)v;
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
