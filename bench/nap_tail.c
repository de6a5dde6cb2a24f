/* SPDX-License-Identifier: BSD-3-Clause
 * Nap tail: how much longer than asked a timed nap lasts, the way an
 * adaptive queue naps for a batch (a wait on an eventfd nobody signals,
 * 1 us of timer slack, 5 us of work between naps), on CPU 1 while a
 * thread keeps CPU 0 busy as a peer's polling lcore does (-i: CPU 0 left
 * idle). bench/wake_tail measures wake-ups by a signal; this one the
 * naps' own timer. Prints, per nap length, the overshoot's percentiles,
 * its maximum and how many naps overshot by 10 ms and by 50 ms or more.
 *
 *   nap_tail [-i] [SECONDS [NAP_US...]]   (default: 10 s; 50 122 200 400)
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bench_args.h"
#include "vspin_clock.h"
#include "vspin_eventfd.h"
#include "vt_hist.h"

static const uint32_t default_naps_us[] = {50, 122, 200, 400};
#define MAX_NAPS 16
#define WORK_NS 5000  /* between naps: a batch's processing */
#define SLACK_NS 1000 /* an adaptive lcore's timer slack */

static volatile bool stop_spinning;

static void *
spinner(void *arg)
{
	(void)arg;
	bench_pin(0);
	while (!stop_spinning)
		; /* the peer's CPU stays busy */
	return NULL;
}

/* The q-quantile of the overshoot in us (the bench's histogram: ~6%). */
static double
quantile_us(const struct vt_hist *h, double q)
{
	return (double)vspin_traffic_hist_quantile(h, q) / 1e3;
}

/* Naps of nap_us for secs seconds into h; one table row. */
static int
naps(uint32_t nap_us, unsigned int secs, uint64_t hz, struct vt_hist *h)
{
	uint64_t over10 = 0, over50 = 0, end;
	int fd = eventfd(0, EFD_NONBLOCK);

	if (fd < 0)
		return -1;
	vspin_traffic_hist_init(h);
	end = vspin_rdtsc() + vspin_us_to_cycles(secs * UINT64_C(1000000), hz);
	while (vspin_rdtsc() < end) {
		uint64_t t0 = vspin_rdtsc(), over, work;

		(void)vspin_eventfd_wait(&fd, 1, nap_us);
		over = vspin_cycles_to_ns(vspin_rdtsc() - t0, hz);
		over = over > nap_us * UINT64_C(1000) ?
			       over - nap_us * UINT64_C(1000) :
			       0;
		vt_hist_add(h, over);
		over10 += over >= 10000000;
		over50 += over >= 50000000;
		work = vspin_rdtsc() + vspin_us_to_cycles(WORK_NS / 1000, hz);
		while (vspin_rdtsc() < work)
			;
	}
	close(fd);
	printf("| %u | %llu | %.0f | %.0f | %.0f | %.1f | %llu | %llu |\n",
	       nap_us, (unsigned long long)h->count, quantile_us(h, 0.5),
	       quantile_us(h, 0.99), quantile_us(h, 0.999),
	       (double)h->max / 1e6, (unsigned long long)over10,
	       (unsigned long long)over50);
	return 0;
}

int
main(int argc, char **argv)
{
	uint32_t naps_us[MAX_NAPS], nnaps = 0, i;
	static struct vt_hist hist;
	uint32_t secs = 10;
	bool idle_peer = false;
	pthread_t t;
	uint64_t hz;
	int r;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("usage: nap_tail [-i] [SECONDS [NAP_US...]]\n"
		       "Timed naps of NAP_US (default 50 122 200 400) for "
		       "SECONDS each (default 10) on CPU 1,\n"
		       "1 us of timer slack, 5 us of work between naps, while "
		       "a thread keeps CPU 0 busy\n"
		       "(-i: CPU 0 idle). Prints how much longer than asked "
		       "the naps lasted.\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "-i") == 0) {
		idle_peer = true;
		argv++;
		argc--;
	}
	if (argc > 1 && !bench_u32(argv[1], 1, 3600, &secs)) {
		fprintf(stderr, "nap_tail: SECONDS '%s': 1-3600 (--help)\n",
			argv[1]);
		return 2;
	}
	r = bench_us_list("nap_tail", "NAP_US", argc > 2 ? argc - 2 : 0,
			  argv + 2, naps_us, MAX_NAPS, default_naps_us,
			  sizeof(default_naps_us) / sizeof(default_naps_us[0]));
	if (r < 0)
		return 2;
	nnaps = (uint32_t)r;
	if (!idle_peer && pthread_create(&t, NULL, spinner, NULL) != 0) {
		perror("nap_tail");
		return 1;
	}
	bench_pin(1);
	(void)prctl(PR_SET_TIMERSLACK, SLACK_NS, 0, 0, 0);
	hz = vspin_tsc_hz();
	printf("naps on CPU 1, CPU 0 %s, %u s each\n\n",
	       idle_peer ? "idle" : "busy", secs);
	printf("| nap us | naps | p50 over us | p99 over us | p99.9 over us "
	       "| max over ms | over 10 ms | over 50 ms |\n");
	printf("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (i = 0; i < nnaps; i++)
		if (naps(naps_us[i], secs, hz, &hist) != 0) {
			perror("nap_tail");
			break;
		}
	stop_spinning = true;
	if (!idle_peer)
		pthread_join(t, NULL);
	return i == nnaps ? 0 : 1;
}
