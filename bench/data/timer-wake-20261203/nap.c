/* SPDX-License-Identifier: BSD-3-Clause
 * What one timed nap costs here: N nanosleeps of REQ_NS on CPU 1 with a
 * timer slack of 1 us (as a sleeping lcore has), their wall time (p50,
 * p99) and the thread's CPU per nap.
 *   cc -O2 -o nap nap.c && ./nap 5000 1000
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

static double
now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5000;
	long req = argc > 2 ? atol(argv[2]) : 1000;
	struct timespec ts = {0, req};
	double c0, c1, w0, w1, *d;
	cpu_set_t set;
	int i;

	if (n < 100 || (d = malloc(n * sizeof(*d))) == NULL)
		return 1;
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	prctl(PR_SET_TIMERSLACK, 1000);
	c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	w0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		double a = now_ns(CLOCK_MONOTONIC);

		nanosleep(&ts, NULL);
		d[i] = now_ns(CLOCK_MONOTONIC) - a;
	}
	c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	w1 = now_ns(CLOCK_MONOTONIC);
	qsort(d, n, sizeof(*d), by_value);
	printf("request %ld ns: lasted p50 %.1f p99 %.1f us; CPU %.2f us a "
	       "nap, %.1f%% of the core\n",
	       req, d[n / 2] / 1e3, d[n * 99 / 100] / 1e3, (c1 - c0) / n / 1e3,
	       100 * (c1 - c0) / (w1 - w0));
	free(d);
	return 0;
}
