/* SPDX-License-Identifier: BSD-3-Clause
 * What the adaptive rule measures at start-up (vspin_sleep_cost.c), as a
 * queue would read it: B's wake-up latency, the CPU of a sleep-and-wake
 * round (C is twice it), N and M, one line of key=value in ns. Each is
 * measured once per process: run it once per sample.
 *
 * With --busy, a thread spins on every CPU but this one while it measures,
 * as the peer's polling lcore does on a small machine when a PMD starts
 * next to it (bench/README-adaptive.md, "A busy neighbour at start-up").
 *
 *   startup_cost [--busy]
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vspin_policy.h"

static volatile bool stop;

static void *
spin(void *arg)
{
	(void)arg;
	while (!stop)
		;
	return NULL;
}

int
main(int argc, char **argv)
{
	bool busy = argc > 1 && strcmp(argv[1], "--busy") == 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int self = sched_getcpu(), i, nspin = 0;
	pthread_t spinners[64];

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("usage: startup_cost [--busy]\n"
		       "What an adaptive queue measures at start-up, in ns: "
		       "B's wake-up latency,\nthe CPU of a sleep-and-wake "
		       "round (C is twice it), N and M. --busy: a\nthread "
		       "spins on every other CPU meanwhile, as a peer's "
		       "polling lcore does.\n");
		return 0;
	}
	if (argc > 2 || (argc == 2 && !busy)) {
		fprintf(stderr, "usage: startup_cost [--busy] (--help)\n");
		return 2;
	}
	for (i = 0; busy && i < ncpu && nspin < 64; i++) {
		pthread_attr_t attr;
		cpu_set_t one;

		if (i == self)
			continue;
		CPU_ZERO(&one);
		CPU_SET(i, &one);
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
		if (pthread_create(&spinners[nspin], &attr, spin, NULL) == 0)
			nspin++;
		pthread_attr_destroy(&attr);
	}
	if (busy)
		usleep(20000); /* the spinners are running */
	printf("busy=%d wake_ns=%llu sleep_cpu_ns=%llu notify_ns=%llu "
	       "bound_ns=%llu\n",
	       nspin, (unsigned long long)vspin_sleep_cost_ns(),
	       (unsigned long long)vspin_sleep_cpu_ns(),
	       (unsigned long long)vspin_notify_cost_ns(),
	       (unsigned long long)vspin_bound_cost_ns());
	stop = true;
	for (i = 0; i < nspin; i++)
		pthread_join(spinners[i], NULL);
	return 0;
}
