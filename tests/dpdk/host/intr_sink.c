/* SPDX-License-Identifier: BSD-3-Clause
 * An l3fwd-power-style receiver for the rx-interrupt test of
 * net_vhost_spin: poll port 0 queue 0; when it is empty, enable the rx
 * interrupt, block in rte_epoll_wait (1 s timeout), disable, poll again.
 *
 * A lost wake-up shows as an epoll timeout after which the very next
 * poll finds packets: the packets were there (or arrived) while the
 * application slept and nothing woke it. Counted as "lost". A lost
 * wake-up that the next burst's wake-up covers shows as one awake period
 * that receives two bursts: "most" is the largest number of packets
 * received between two sleeps.
 *
 * Usage: intr_sink EAL-ARGS -- EXPECTED SECONDS [pool=N] [hold]
 * Runs until SIGINT/SIGTERM or SECONDS (it outlives the frontend: leaving
 * as soon as the count is reached would pull the socket from under a
 * frontend still sending). Then prints "rx N wakeups W timeouts T lost L most M",
 * one "xstat NAME VALUE" line per extended statistic of port 0 (the PMD's
 * sleep counters: rx_burst must not block when the application configured
 * rx interrupts), and exits 0 if N reached EXPECTED, 1 otherwise.
 *
 * pool=N gives the port a pool of N mbufs without a per-lcore cache
 * (4095 and a cache by default). hold keeps the packets of one awake
 * period until the next period's first packets came: with a pool smaller
 * than the ring, the application then sleeps with the pool dry and the
 * ring part-filled, as one that holds mbufs elsewhere (tx rings,
 * reassembly) does.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_mbuf.h>

#define BURST 32
#define HOLD_MAX 1024 /* packets one awake period may hold */

static volatile sig_atomic_t stop;

static void
on_signal(int sig __rte_unused)
{
	stop = 1;
}

static int
setup_port(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = {.intr_conf = {.rxq = 1}};
	unsigned int socket = rte_socket_id();

	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 256, socket, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 256, socket, NULL) != 0 ||
	    rte_eth_dev_start(port) != 0)
		return -1;
	/* Put the queue's event fd into this thread's epoll set. */
	return rte_eth_dev_rx_intr_ctl_q(port, 0, RTE_EPOLL_PER_THREAD,
					 RTE_INTR_EVENT_ADD, NULL);
}

/* Every xstat of the port, one "xstat NAME VALUE" line each. */
static void
print_xstats(uint16_t port)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;
	int n = rte_eth_xstats_get_names(port, NULL, 0), i;

	if (n <= 0)
		return;
	names = calloc(n, sizeof(*names));
	vals = calloc(n, sizeof(*vals));
	if (names != NULL && vals != NULL &&
	    rte_eth_xstats_get_names(port, names, n) == n &&
	    rte_eth_xstats_get(port, vals, n) == n)
		for (i = 0; i < n; i++)
			printf("xstat %s %" PRIu64 "\n", names[vals[i].id].name,
			       vals[i].value);
	free(names);
	free(vals);
}

int
main(int argc, char **argv)
{
	uint64_t rx = 0, wakeups = 0, timeouts = 0, lost = 0, deadline;
	uint64_t awake = 0, most = 0; /* packets between two sleeps */
	static struct rte_mbuf *held[HOLD_MAX];
	unsigned int nb_held = 0, pool_size = 4095, cache = 256;
	struct rte_mbuf *pkts[BURST];
	struct rte_mempool *pool;
	unsigned long expected;
	double seconds;
	bool timed_out = false, hold = false, new_period = true;
	int n, i;

	n = rte_eal_init(argc, argv);
	if (n < 0)
		return 2;
	argc -= n;
	argv += n;
	for (i = 3; i < argc; i++) {
		if (strncmp(argv[i], "pool=", 5) == 0) {
			pool_size =
				(unsigned int)strtoul(argv[i] + 5, NULL, 10);
			cache = 0;
		} else if (strcmp(argv[i], "hold") == 0) {
			hold = true;
		} else {
			break;
		}
	}
	if (argc < 3 || i != argc || pool_size == 0) {
		fprintf(stderr, "usage: intr_sink EAL-ARGS -- EXPECTED SECONDS "
				"[pool=N] [hold]\n");
		return 2;
	}
	expected = strtoul(argv[1], NULL, 10);
	seconds = atof(argv[2]);
	pool = rte_pktmbuf_pool_create("sink", pool_size, cache, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (pool == NULL || rte_eth_dev_count_avail() < 1 ||
	    setup_port(0, pool) != 0) {
		fprintf(stderr, "intr_sink: port 0 set-up failed\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("intr_sink: ready\n");
	fflush(stdout);
	deadline = rte_get_timer_cycles() +
		   (uint64_t)(seconds * rte_get_timer_hz());
	while (!stop && rte_get_timer_cycles() < deadline) {
		struct rte_epoll_event ev;

		n = rte_eth_rx_burst(0, 0, pkts, BURST);
		if (n > 0) {
			if (timed_out)
				lost++;
			timed_out = false;
			rx += n;
			awake += n;
			if (!hold) {
				rte_pktmbuf_free_bulk(pkts, n);
				continue;
			}
			/* The last period's packets go when this one's come. */
			if (new_period || nb_held + n > HOLD_MAX) {
				rte_pktmbuf_free_bulk(held, nb_held);
				nb_held = 0;
			}
			new_period = false;
			memcpy(&held[nb_held], pkts, n * sizeof(pkts[0]));
			nb_held += n;
			continue;
		}
		timed_out = false;
		new_period = true;
		if (awake > most)
			most = awake;
		awake = 0;
		rte_eth_dev_rx_intr_enable(0, 0);
		n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, 1000);
		rte_eth_dev_rx_intr_disable(0, 0);
		if (n > 0) {
			wakeups++;
		} else {
			timeouts++;
			timed_out = true;
		}
	}
	if (awake > most)
		most = awake;
	printf("rx %lu wakeups %lu timeouts %lu lost %lu most %lu\n",
	       (unsigned long)rx, (unsigned long)wakeups,
	       (unsigned long)timeouts, (unsigned long)lost,
	       (unsigned long)most);
	print_xstats(0);
	fflush(stdout);
	rte_pktmbuf_free_bulk(held, nb_held);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return rx >= expected ? 0 : 1;
}
