/* SPDX-License-Identifier: BSD-3-Clause
 * Wake-up tail: how late a consumer blocked on an eventfd runs after its
 * producer signals it, in the situation of an adaptive queue under load.
 * The sleeper (CPU 1) blocks for the whole gap, so its CPU goes idle (on
 * a VM, its vCPU halts); the producer (CPU 0) keeps its CPU busy, spins
 * for the gap, then signals. The sleeper notes when it runs again. Prints
 * the percentiles of that latency for a few gaps, and the CPU time the
 * sleeper's thread used per round (the syscalls and a wake-up after its
 * CPU idled: what a PMD's wake-up costs beyond its own work); B, the
 * sleep cost the adaptive rule measures at start-up, is the latency's
 * median without the halt.
 *
 * With -b, the sleeper's wait is bounded as an adaptive queue's coalescing
 * sleep is (a timeout of BOUND_US, 1 us of timer slack), though the signal
 * should come first: on a VM a bound shorter than the scheduler tick costs
 * the sleeper CPU of its own (the timer is programmed and cancelled on
 * every sleep), which the CPU column shows. With -p, the sleeper waits
 * instead on the signal and on a periodic timer (a timerfd armed once,
 * every PERIOD_US), which bounds any wait by the period without a timer
 * per sleep. Either way only the signal ends a round: a wake-up by the
 * timer alone (the bound when the producer ran late, or a period) is
 * counted, its CPU goes into the column, and the sleeper waits again.
 *
 *   wake_tail [-b BOUND_US | -p PERIOD_US] [ROUNDS [GAP_US...]]
 *   (default: no bound; 4000 rounds; 20 100 200 1000 us)
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "bench_args.h"
#include "vspin_clock.h"
#include "vspin_eventfd.h"

static const uint32_t default_gaps_us[] = {20, 100, 200, 1000};
#define MAX_GAPS 32
#define NO_BOUND_US 1000000u /* a second: past the tick, never fires */

struct shared {
	int fd;		     /* the sleeper's eventfd */
	int back;	     /* the producer waits on it between rounds */
	uint64_t signal_tsc; /* when the producer signalled */
	uint64_t *lat;	     /* TSC ticks, one per round */
	unsigned int rounds;
	uint32_t bound_us;	  /* the sleeper's timeout */
	int tfd;		  /* its periodic timer, or -1 */
	unsigned int timer_wakes; /* wake-ups by the periodic timer alone */
	uint64_t cpu_ns;	  /* the sleeper's thread CPU over all rounds */
};

/* A timerfd that fires every period_us from now on, or -1 (errno set). */
static int
periodic_timer(uint32_t period_us)
{
	struct itimerspec it = {
		.it_interval = {.tv_sec = period_us / 1000000u,
				.tv_nsec = (long)(period_us % 1000000u) * 1000},
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);

	it.it_value = it.it_interval;
	if (fd >= 0 && timerfd_settime(fd, 0, &it, NULL) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void *
sleeper(void *arg)
{
	struct shared *s = arg;
	unsigned int i;
	uint64_t cpu0;

	int fds[2] = {s->fd, s->tfd};
	uint64_t fired;

	bench_pin(1);
	if (s->bound_us != NO_BOUND_US || s->tfd >= 0)
		(void)prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0);
	cpu0 = vspin_thread_cpu_ns();
	for (i = 0; i < s->rounds; i++) {
		/*
		 * Only the signal ends a round: a wake-up by the periodic
		 * timer (drained by the wait) or by the bound (the producer
		 * ran late) is counted and waited past. Without either, a
		 * second's timeout ends the round as the signal would.
		 */
		for (;;) {
			int r = vspin_eventfd_wait_mask(fds, fds[1] < 0 ? 1 : 2,
							s->bound_us, &fired,
							NULL);

			if (r < 0 || (fired & 1) ||
			    (r == 0 && s->bound_us == NO_BOUND_US))
				break;
			s->timer_wakes++;
		}
		s->lat[i] = vspin_rdtsc() -
			    __atomic_load_n(&s->signal_tsc, __ATOMIC_ACQUIRE);
		vspin_eventfd_drain(s->fd);
		vspin_eventfd_signal(s->back);
	}
	s->cpu_ns = vspin_thread_cpu_ns() - cpu0;
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
	uint32_t gaps_us[MAX_GAPS], bound_us = NO_BOUND_US, period_us = 0;
	unsigned int timer_wakes[MAX_GAPS];
	unsigned int rounds, g, i, ngaps;
	struct shared s;
	uint64_t hz;
	int r;

	while (argc > 2 &&
	       (strcmp(argv[1], "-b") == 0 || strcmp(argv[1], "-p") == 0)) {
		uint32_t v;

		if (!bench_u32(argv[2], 1, NO_BOUND_US - 1, &v) ||
		    bound_us != NO_BOUND_US || period_us != 0) {
			fprintf(stderr,
				"wake_tail: %s '%s': 1-999999 us, and only one "
				"of -b and -p (--help)\n",
				argv[1], argv[2]);
			return 2;
		}
		if (argv[1][1] == 'b')
			bound_us = v;
		else
			period_us = v;
		argv += 2;
		argc -= 2;
	}
	rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 4000;
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("usage: wake_tail [-b BOUND_US | -p PERIOD_US] [ROUNDS "
		       "[GAP_US...]]\n"
		       "Percentiles of an eventfd wake-up after each gap "
		       "(default 20, 100, 200\nand 1000 us; the sleeper's CPU "
		       "idle, the waker's busy), and the sleeper's\nthread CPU "
		       "per round; ROUNDS wake-ups per gap, 100 or more "
		       "(default\n4000). Pins threads to CPUs 0 and 1. -b: the "
		       "sleeper's wait times out after\nBOUND_US (the signal "
		       "comes first), with 1 us of timer slack. -p: it also\n"
		       "waits on a timer firing every PERIOD_US (timer-only "
		       "wake-ups are counted).\n");
		return 0;
	}
	if (rounds < 100) {
		fprintf(stderr, "wake_tail: ROUNDS must be a number, 100 or "
				"more (--help)\n");
		return 2;
	}
	r = bench_us_list("wake_tail", "GAP_US", argc > 2 ? argc - 2 : 0,
			  argv + 2, gaps_us, MAX_GAPS, default_gaps_us,
			  sizeof(default_gaps_us) / sizeof(default_gaps_us[0]));
	if (r < 0)
		return 2;
	ngaps = (unsigned int)r;
	for (g = 0; g < ngaps; g++) {
		if (bound_us != NO_BOUND_US && gaps_us[g] + 50 > bound_us) {
			fprintf(stderr,
				"wake_tail: -b %u: at least 50 us above every "
				"gap (the signal must come first)\n",
				bound_us);
			return 2;
		}
	}
	hz = vspin_tsc_hz();
	if (bound_us != NO_BOUND_US)
		printf("sleeper's wait bounded at %u us\n\n", bound_us);
	if (period_us != 0)
		printf("sleeper also woken by a timer every %u us\n\n",
		       period_us);
	printf("| gap us | rounds | p50 us | p90 us | p95 us | p99 us | "
	       "p99.9 us | max us | sleeper CPU us/round |\n");
	printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (g = 0; g < ngaps; g++) {
		pthread_t t;
		int back;

		s.fd = eventfd(0, EFD_NONBLOCK);
		s.back = eventfd(0, EFD_NONBLOCK);
		s.rounds = rounds;
		s.bound_us = bound_us;
		s.timer_wakes = 0;
		s.tfd = period_us ? periodic_timer(period_us) : -1;
		s.lat = calloc(rounds, sizeof(*s.lat));
		bench_pin(0);
		if (s.fd < 0 || s.back < 0 || s.lat == NULL ||
		    (period_us && s.tfd < 0) ||
		    pthread_create(&t, NULL, sleeper, &s) != 0) {
			perror("wake_tail");
			free(s.lat);
			if (s.fd >= 0)
				close(s.fd);
			if (s.back >= 0)
				close(s.back);
			if (s.tfd >= 0)
				close(s.tfd);
			return 1;
		}
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
		       "| %.2f |\n",
		       gaps_us[g], rounds, pct(s.lat, rounds, 0.5, hz),
		       pct(s.lat, rounds, 0.9, hz),
		       pct(s.lat, rounds, 0.95, hz),
		       pct(s.lat, rounds, 0.99, hz),
		       pct(s.lat, rounds, 0.999, hz), pct(s.lat, rounds, 1, hz),
		       (double)s.cpu_ns / rounds / 1000.0);
		free(s.lat);
		close(s.fd);
		close(s.back);
		if (s.tfd >= 0)
			close(s.tfd);
		timer_wakes[g] = s.timer_wakes;
	}
	for (g = 0; (period_us || bound_us != NO_BOUND_US) && g < ngaps; g++)
		printf("%sgap %u us: %u wake-ups by the timer alone in %u "
		       "rounds\n",
		       g ? "" : "\n", gaps_us[g], timer_wakes[g], rounds);
	return 0;
}
