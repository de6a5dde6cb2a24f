/* SPDX-License-Identifier: BSD-3-Clause
 * An application that configures more queues than it has set up yet, as
 * one does while it builds a port or after a set-up failed: ethdev then
 * holds NULL queues, and statistics may be read at any time (OVS reads
 * them from another thread). Every port of the process (one per vdev on
 * the command line, nobody connected to it, rx interrupts configured)
 * must:
 *   - answer stats and xstats (names, values, reset) without crashing,
 *     the same number of xstats for names and values;
 *   - refuse to start, with an error, while a queue is not set up;
 *   - start once every queue is, and stop and close cleanly;
 *   - do the same after a reconfiguration to fewer queues.
 *
 * Usage: queue_order EAL-ARGS. Prints "ok"/"FAIL" per check; exits 0 only
 * if there was a port and every check passed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define NB_DESC 256

static unsigned int failures;

static void check(int ok, const char *fmt, ...) __rte_format_printf(2, 3);

static void
check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("  %s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
}

/* Every statistics call an application may make, on any state of port. */
static void
read_stats(uint16_t port, const char *when)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *values;
	struct rte_eth_stats st;
	int n, nn, nv;

	check(rte_eth_stats_get(port, &st) == 0, "%s: stats_get", when);
	check(rte_eth_stats_reset(port) == 0, "%s: stats_reset", when);
	n = rte_eth_xstats_get_names(port, NULL, 0);
	check(n > 0, "%s: %d xstats", when, n);
	if (n <= 0)
		return;
	names = calloc(n, sizeof(*names));
	values = calloc(n, sizeof(*values));
	if (names == NULL || values == NULL) {
		check(0, "%s: out of memory", when);
	} else {
		nn = rte_eth_xstats_get_names(port, names, n);
		nv = rte_eth_xstats_get(port, values, n);
		check(nn == n && nv == n, "%s: %d names, %d values of %d", when,
		      nn, nv, n);
	}
	free(names);
	free(values);
	check(rte_eth_xstats_reset(port) == 0, "%s: xstats_reset", when);
}

static int
setup_queue(uint16_t port, uint16_t q, struct rte_mempool *mp)
{
	unsigned int socket = rte_socket_id();

	return rte_eth_rx_queue_setup(port, q, NB_DESC, socket, NULL, mp) ||
	       rte_eth_tx_queue_setup(port, q, NB_DESC, socket, NULL);
}

static void
run_port(uint16_t port, struct rte_mempool *mp)
{
	/* Rx interrupts too: their set-up walks the queues at start. */
	struct rte_eth_conf conf = {.intr_conf = {.rxq = 1}};
	struct rte_eth_dev_info info;
	int r;

	if (rte_eth_dev_info_get(port, &info) != 0)
		info.driver_name = "?";
	printf("port %u (%s)\n", port, info.driver_name);
	check(rte_eth_dev_configure(port, 2, 2, &conf) == 0,
	      "configure 2 queues");
	check(setup_queue(port, 0, mp) == 0, "set up queue 0 of 2");
	read_stats(port, "queue 1 not set up");
	r = rte_eth_dev_start(port);
	check(r != 0, "start with queue 1 not set up: %d (must fail)", r);
	if (r == 0)
		rte_eth_dev_stop(port);
	read_stats(port, "after the refused start");
	check(setup_queue(port, 1, mp) == 0, "set up queue 1");
	check(rte_eth_dev_start(port) == 0, "start with both queues");
	read_stats(port, "started");
	check(rte_eth_dev_stop(port) == 0, "stop");
	/* Fewer queues: ethdev releases queue 1. */
	check(rte_eth_dev_configure(port, 1, 1, &conf) == 0,
	      "configure 1 queue");
	read_stats(port, "reconfigured to 1 queue");
	check(rte_eth_dev_start(port) == 0, "start with 1 queue");
	check(rte_eth_dev_stop(port) == 0, "stop");
	check(rte_eth_dev_close(port) == 0, "close");
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	unsigned int ports = 0;
	uint16_t port;

	setvbuf(stdout, NULL, _IOLBF, 0); /* every line, even before a crash */
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 2;
	}
	mp = rte_pktmbuf_pool_create("queue_order", 4096, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "no mbuf pool\n");
		return 2;
	}
	for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
		if (!rte_eth_dev_is_valid_port(port))
			continue;
		run_port(port, mp);
		ports++;
	}
	printf("%u ports, %u failures\n", ports, failures);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return ports > 0 && failures == 0 ? 0 : 1;
}
