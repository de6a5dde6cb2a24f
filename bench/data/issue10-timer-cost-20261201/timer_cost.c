/*
 * What a short sleep bound costs the sleeper on this machine (a probe for
 * issue 10, not part of the suite).
 *
 * A waker thread on CPU 0 writes an eventfd every PERIOD us; a sleeper on
 * CPU 1 waits for it in ppoll() and reports its own CPU time per wake-up
 * (CLOCK_THREAD_CPUTIME_ID). The ways to sleep:
 *
 *   none     ppoll(eventfd) with a 10 ms timeout (beyond the 4 ms tick)
 *   far      as none, plus a timerfd set 8 ms ahead before each sleep
 *   each     a timerfd set BOUND us ahead before each sleep, in the set
 *   kept     as each, but the pending expiry is kept while it lies in
 *            [now + PERIOD, now + BOUND] (what v21 does)
 *   kept2    as kept, with two timerfds: the new expiry is started on the
 *            idle one before the old one is stopped
 *   setcan   a timerfd set BOUND us ahead and stopped again before each
 *            sleep: the timer calls without a pending expiry while asleep
 *   ppoll    ppoll's own timeout of BOUND us (what v20 does)
 *   slack    as ppoll, with a 4 ms timer slack (prctl): the expiry may
 *            wait for the tick, so the bound is no longer BOUND
 *
 * Usage: timer_cost WAY [PERIOD_US [BOUND_US [SECONDS]]]
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum way { NONE, FAR, EACH, KEPT, KEPT2, SETCAN, PPOLL, SLACK };
static const char *const names[] = {"none",  "far",    "each",	"kept",
				    "kept2", "setcan", "ppoll", "slack"};

static int efd;
static uint64_t period_ns = 113000;
static atomic_int stop;

static uint64_t
now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void
pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
}

static void *
waker(void *arg)
{
	uint64_t next = now_ns(CLOCK_MONOTONIC), one = 1;

	(void)arg;
	pin(0);
	while (!atomic_load(&stop)) {
		next += period_ns;
		while (now_ns(CLOCK_MONOTONIC) < next)
			;
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			abort();
	}
	return NULL;
}

static void
set_at(int fd, uint64_t at)
{
	struct itimerspec its = {
		{0, 0}, {(time_t)(at / 1000000000u), (long)(at % 1000000000u)}};

	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		abort();
}

int
main(int argc, char **argv)
{
	uint64_t bound_ns = 300000, secs = 3, at[2] = {0, 0};
	uint64_t wakes = 0, timeouts = 0, sets = 0, t0, c0, t1, c1;
	int way = -1, tfd[2], cur = 0;
	pthread_t w;

	for (int i = 0; argc > 1 && i < (int)(sizeof(names) / sizeof(*names));
	     i++)
		if (strcmp(argv[1], names[i]) == 0)
			way = i;
	if (way < 0) {
		fprintf(stderr, "usage: timer_cost "
				"none|far|each|kept|kept2|setcan|ppoll|slack "
				"[PERIOD_US [BOUND_US [SECONDS]]]\n");
		return 2;
	}
	if (argc > 2)
		period_ns = strtoull(argv[2], NULL, 10) * 1000;
	if (argc > 3)
		bound_ns = strtoull(argv[3], NULL, 10) * 1000;
	if (argc > 4)
		secs = strtoull(argv[4], NULL, 10);
	efd = eventfd(0, EFD_NONBLOCK);
	tfd[0] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	tfd[1] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (way == SLACK)
		prctl(PR_SET_TIMERSLACK, 4000000UL);
	pin(1);
	pthread_create(&w, NULL, waker, NULL);
	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	while (now_ns(CLOCK_MONOTONIC) - t0 < secs * 1000000000u) {
		struct pollfd p[2] = {{efd, POLLIN, 0}, {-1, POLLIN, 0}};
		struct timespec to = {0, 10000000};
		uint64_t now = now_ns(CLOCK_MONOTONIC), v;
		bool fits =
			at[cur] >= now + period_ns && at[cur] <= now + bound_ns;
		int n = 1, r;

		switch (way) {
		case FAR:
			set_at(tfd[0], now + 8000000);
			sets++;
			break;
		case SETCAN:
			set_at(tfd[0], now + bound_ns);
			set_at(tfd[0], 0); /* an expiry of 0 stops it */
			sets++;
			break;
		case EACH:
		case KEPT:
			if (way == EACH || !fits) {
				at[0] = now + bound_ns;
				set_at(tfd[0], at[0]);
				sets++;
			}
			p[1].fd = tfd[0];
			n = 2;
			to.tv_nsec = 0;
			to.tv_sec = 1;
			break;
		case KEPT2:
			if (!fits) {
				int old = cur;

				cur ^= 1;
				at[cur] = now + bound_ns;
				set_at(tfd[cur], at[cur]);
				set_at(tfd[old], 0);
				at[old] = 0;
				sets++;
			}
			p[1].fd = tfd[cur];
			n = 2;
			to.tv_nsec = 0;
			to.tv_sec = 1;
			break;
		case PPOLL:
		case SLACK:
			to.tv_nsec = (long)bound_ns;
			break;
		default:
			break;
		}
		r = ppoll(p, (nfds_t)n, &to, NULL);
		if (r > 0 && (p[0].revents & POLLIN)) {
			if (read(efd, &v, sizeof(v)) != sizeof(v))
				abort();
			wakes++;
		}
		if (r > 0 && n == 2 && (p[1].revents & POLLIN)) {
			if (read(p[1].fd, &v, sizeof(v)) != sizeof(v))
				abort();
			at[cur] = 0;
			timeouts++;
		}
		if (r == 0)
			timeouts++;
	}
	c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	t1 = now_ns(CLOCK_MONOTONIC);
	atomic_store(&stop, 1);
	pthread_join(w, NULL);
	printf("%-6s period %3llu us bound %3llu us: cpu %5.1f%% wake-ups %llu "
	       "timeouts %llu sets %llu cpu per wake-up %5.2f us\n",
	       names[way], (unsigned long long)(period_ns / 1000),
	       (unsigned long long)(bound_ns / 1000),
	       100.0 * (double)(c1 - c0) / (double)(t1 - t0),
	       (unsigned long long)wakes, (unsigned long long)timeouts,
	       (unsigned long long)sets,
	       (double)(c1 - c0) / 1000.0 / (double)(wakes + timeouts));
	return 0;
}
