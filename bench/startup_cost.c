/* SPDX-License-Identifier: BSD-3-Clause
 * What the adaptive rule measures at start-up (vspin_sleep_cost.c), as a
 * queue would read it: B's wake-up latency, the CPU of a sleep-and-wake
 * round (C is twice it), N and M, one line of key=value in ns. The
 * start-up measurement runs once per process: run it once per sample.
 *
 * With --busy, a thread spins on every CPU but this one while it measures,
 * as the peer's polling lcore does on a small machine when a PMD starts
 * next to it (bench/README-adaptive.md, "A busy neighbour at start-up").
 * With --busy-here, one spins on this process's own CPU (it is pinned
 * there first), as a peer's lcore does on the CPU of the main lcore that
 * starts the port ("A busy CPU under the start-up"); --busy-everywhere,
 * both. With --then S the spinners stop after the start-up measurement,
 * and a second line, S seconds later, shows the costs held then: the
 * later tries' (vspin_sleep_cost.h).
 *
 *   startup_cost [--busy | --busy-here | --busy-everywhere] [--then S]
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

static const char usage[] =
	"usage: startup_cost [--busy | --busy-here | --busy-everywhere] "
	"[--then S]\n"
	"What an adaptive queue measures at start-up, in ns: B's wake-up "
	"latency,\nthe CPU of a sleep-and-wake round (C is twice it), N and "
	"M. --busy: a\nthread spins on every other CPU meanwhile, as a peer's "
	"polling lcore does;\n--busy-here: one spins on this process's own "
	"CPU, as a peer's lcore does\non the CPU of the main lcore that starts "
	"the port; --busy-everywhere: both.\n--then S: stop the spinners, "
	"and S seconds later print what is held then\n(the measurement tries "
	"again 1, 2, 4, ... s after the start-up).\n";

static void
print_costs(const char *head)
{
	struct vspin_sleep_costs c;

	/* One snapshot: a later try may land between four reads. */
	(void)vspin_sleep_costs_get(&c);
	printf("%s wake_ns=%llu sleep_cpu_ns=%llu notify_ns=%llu "
	       "bound_ns=%llu\n",
	       head, (unsigned long long)c.wake_ns,
	       (unsigned long long)c.cpu_ns, (unsigned long long)c.notify_ns,
	       (unsigned long long)c.bound_ns);
	fflush(stdout);
}

/* A thread spinning on cpu; false if it could not start. */
static bool
start_spinner(int cpu, pthread_t *t)
{
	pthread_attr_t attr;
	cpu_set_t one;
	bool ok;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
	ok = pthread_create(t, &attr, spin, NULL) == 0;
	pthread_attr_destroy(&attr);
	return ok;
}

int
main(int argc, char **argv)
{
	bool others = false, here = false;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), then = -1;
	int self = sched_getcpu(), i, nspin = 0;
	pthread_t spinners[64];
	char head[64];

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--busy") == 0) {
			others = true;
		} else if (strcmp(argv[i], "--busy-here") == 0) {
			here = true;
		} else if (strcmp(argv[i], "--busy-everywhere") == 0) {
			others = here = true;
		} else if (strcmp(argv[i], "--then") == 0 && i + 1 < argc) {
			char *end;

			then = strtol(argv[++i], &end, 10);
			if (*end != '\0' || then < 0 || then > 3600) {
				fprintf(stderr,
					"startup_cost: --then %s: "
					"seconds, 0-3600\n",
					argv[i]);
				return 2;
			}
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (here) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(self, &one);
		if (sched_setaffinity(0, sizeof(one), &one) != 0 ||
		    !start_spinner(self, &spinners[0])) {
			perror("startup_cost: cannot pin a spinner here");
			return 1;
		}
		nspin = 1;
	}
	for (i = 0; others && i < ncpu && nspin < 64; i++)
		if (i != self && start_spinner(i, &spinners[nspin]))
			nspin++;
	if (nspin > 0)
		usleep(20000); /* the spinners are running */
	snprintf(head, sizeof(head), "busy=%d", nspin);
	print_costs(head);
	stop = true;
	for (i = 0; i < nspin; i++)
		pthread_join(spinners[i], NULL);
	if (then >= 0) {
		sleep((unsigned int)then);
		snprintf(head, sizeof(head), "after_s=%ld generation=%u", then,
			 vspin_sleep_costs_generation());
		print_costs(head);
	}
	return 0;
}
