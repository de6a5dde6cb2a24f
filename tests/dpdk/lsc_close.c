/* SPDX-License-Identifier: BSD-3-Clause
 * An application that stops and closes port 0 from its link-state callback
 * the first time the link comes up (as one that takes a port out of
 * service on an event may). The callback runs in EAL's interrupt thread,
 * inside the PMD's own interrupt callback or alarm that raised the event.
 * With "queue_state": from its first queue state event instead, after
 * reading rx queue 0's count (a call that takes the queue's ring lock).
 *
 * Usage: lsc_close EAL-ARGS -- SECONDS [queue_state]
 * Prints "ready" once the port runs, then "closed from the callback
 * (status S)" (the stop's status, or else the close's) and exits 0 when
 * the callback's calls returned; prints
 * "no close within SECONDS s" and exits 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

static int closing;
static int closed;
static int close_status;

static int
on_event(uint16_t port, enum rte_eth_event_type type, void *arg __rte_unused,
	 void *ret __rte_unused)
{
	struct rte_eth_link link;

	if (__atomic_load_n(&closing, __ATOMIC_ACQUIRE))
		return 0;
	if (type == RTE_ETH_EVENT_INTR_LSC &&
	    (rte_eth_link_get_nowait(port, &link) != 0 || !link.link_status))
		return 0;
	__atomic_store_n(&closing, 1, __ATOMIC_RELEASE);
	if (type == RTE_ETH_EVENT_QUEUE_STATE)
		printf("queue state: rx queue 0 holds %d; ",
		       rte_eth_rx_queue_count(port, 0));
	printf("closing port %u from the callback\n", port);
	fflush(stdout);
	close_status = rte_eth_dev_stop(port);
	if (close_status == 0)
		close_status = rte_eth_dev_close(port);
	__atomic_store_n(&closed, 1, __ATOMIC_RELEASE);
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_eth_conf conf = {.intr_conf = {.lsc = 1}};
	enum rte_eth_event_type event = RTE_ETH_EVENT_INTR_LSC;
	struct rte_mempool *pool;
	uint64_t deadline;
	int n, seconds;

	n = rte_eal_init(argc, argv);
	if (n < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed\n");
	argc -= n;
	argv += n;
	seconds = argc > 1 ? atoi(argv[1]) : 10;
	if (argc > 2 && strcmp(argv[2], "queue_state") == 0)
		event = RTE_ETH_EVENT_QUEUE_STATE;
	pool = rte_pktmbuf_pool_create("pool", 4095, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (pool == NULL || rte_eth_dev_count_avail() < 1)
		rte_exit(EXIT_FAILURE, "no pool or no port\n");
	if (rte_eth_dev_callback_register(0, event, on_event, NULL) != 0 ||
	    rte_eth_dev_configure(0, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(0, 0, 256, rte_socket_id(), NULL, pool) !=
		    0 ||
	    rte_eth_tx_queue_setup(0, 0, 256, rte_socket_id(), NULL) != 0 ||
	    rte_eth_dev_start(0) != 0)
		rte_exit(EXIT_FAILURE, "cannot start port 0\n");
	printf("ready\n");
	fflush(stdout);
	deadline = rte_get_timer_cycles() + seconds * rte_get_timer_hz();
	while (!__atomic_load_n(&closed, __ATOMIC_ACQUIRE) &&
	       rte_get_timer_cycles() < deadline)
		usleep(10000);
	if (!__atomic_load_n(&closed, __ATOMIC_ACQUIRE)) {
		printf("no close within %d s\n", seconds);
		fflush(stdout);
		_exit(1); /* the interrupt thread is stuck: no EAL clean-up */
	}
	printf("closed from the callback (status %d)\n", close_status);
	rte_eal_cleanup();
	return 0;
}
