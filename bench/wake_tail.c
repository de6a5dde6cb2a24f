/* SPDX-License-Identifier: BSD-3-Clause
 * Wake-up tail: how late a consumer blocked on an eventfd runs after its
 * producer signals it, in the situation of an adaptive queue under load.
 * The sleeper (CPU 1) blocks for the whole gap, so its CPU goes idle (on
 * a VM, its vCPU halts); the producer (CPU 0) keeps its CPU busy, spins
 * for the gap, then signals. The sleeper notes when it runs again. Prints
 * the percentiles of that latency for a few gaps; B, the sleep cost the
 * adaptive rule measures at start-up, is its median without the halt.
 *
 *   wake_tail [ROUNDS]    (default 4000 per gap)
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vspin_clock.h"
#include "vspin_eventfd.h"

static const uint32_t gaps_us[] = {20, 100, 200, 1000};

struct shared {
	int fd;		     /* the sleeper's eventfd */
	int back;	     /* the producer waits on it between rounds */
	uint64_t signal_tsc; /* when the producer signalled */
	uint64_t *lat;	     /* TSC ticks, one per round */
	unsigned int rounds;
};

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
sleeper(void *arg)
{
	struct shared *s = arg;
	unsigned int i;

	pin(1);
	for (i = 0; i < s->rounds; i++) {
		int fd = s->fd;

		(void)vspin_eventfd_wait(&fd, 1, 1000000);
		s->lat[i] = vspin_rdtsc() -
			    __atomic_load_n(&s->signal_tsc, __ATOMIC_ACQUIRE);
		vspin_eventfd_drain(s->fd);
		vspin_eventfd_signal(s->back);
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of n sorted TSC intervals, in us. */
static double
pct(const uint64_t *v, unsigned int n, double q, uint64_t hz)
{
	return (double)vspin_cycles_to_ns(v[(unsigned int)(q * (n - 1))], hz) /
	       1000.0;
}

int
main(int argc, char **argv)
{
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 4000;
	struct shared s;
	unsigned int g, i;
	uint64_t hz;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("usage: wake_tail [ROUNDS]\n"
		       "Percentiles of an eventfd wake-up after a gap of 20, "
		       "100, 200 and\n1000 us (the sleeper's CPU idle, the "
		       "waker's busy); ROUNDS wake-ups\nper gap, 100 or more "
		       "(default 4000). Pins threads to CPUs 0 and 1.\n");
		return 0;
	}
	if (rounds < 100) {
		fprintf(stderr, "wake_tail: ROUNDS must be a number, 100 or "
				"more (--help)\n");
		return 2;
	}
	hz = vspin_tsc_hz();
	printf("| gap us | rounds | p50 us | p90 us | p95 us | p99 us | "
	       "p99.9 us | max us |\n");
	printf("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (g = 0; g < sizeof(gaps_us) / sizeof(gaps_us[0]); g++) {
		pthread_t t;
		int back;

		s.fd = eventfd(0, EFD_NONBLOCK);
		s.back = eventfd(0, EFD_NONBLOCK);
		s.rounds = rounds;
		s.lat = calloc(rounds, sizeof(*s.lat));
		if (s.fd < 0 || s.back < 0 || s.lat == NULL) {
			perror("wake_tail");
			return 1;
		}
		pin(0);
		pthread_create(&t, NULL, sleeper, &s);
		back = s.back;
		for (i = 0; i < rounds; i++) {
			uint64_t until = vspin_rdtsc() +
					 vspin_us_to_cycles(gaps_us[g], hz);

			while (vspin_rdtsc() < until)
				; /* the producer's CPU stays busy */
			__atomic_store_n(&s.signal_tsc, vspin_rdtsc(),
					 __ATOMIC_RELEASE);
			vspin_eventfd_signal(s.fd);
			(void)vspin_eventfd_wait(&back, 1, 1000000);
			vspin_eventfd_drain(s.back);
		}
		pthread_join(t, NULL);
		qsort(s.lat, rounds, sizeof(*s.lat), cmp_u64);
		printf("| %u | %u | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f "
		       "|\n",
		       gaps_us[g], rounds, pct(s.lat, rounds, 0.5, hz),
		       pct(s.lat, rounds, 0.9, hz),
		       pct(s.lat, rounds, 0.95, hz),
		       pct(s.lat, rounds, 0.99, hz),
		       pct(s.lat, rounds, 0.999, hz),
		       pct(s.lat, rounds, 1, hz));
		free(s.lat);
		close(s.fd);
		close(s.back);
	}
	return 0;
}
