/* SPDX-License-Identifier: BSD-3-Clause
 * Control-path calls in the orders applications make them, on every port
 * of the process (one per vdev on the command line, nobody connected to
 * it, rx interrupts configured).
 *
 * Queues configured but not set up, as while an application builds a
 * port or after a set-up failed (ethdev then holds NULL queues; OVS reads
 * statistics from another thread at any time). The port must:
 *   - answer stats and xstats (names, values, reset) without crashing,
 *     the same number of xstats for names and values;
 *   - refuse to start, with an error, while a queue is not set up, and
 *     keep no mbuf of the pool for it;
 *   - start once every queue is, and stop and close cleanly;
 *   - do the same after a reconfiguration to fewer queues.
 *
 * MTU (rte_eth_dev_set_mtu, as OVS's mtu_request and testpmd's "port
 * config mtu" call it), with queues set up on 2 KB mbufs:
 *   - stopped, 9000 is taken (OVS sets the MTU, then the queues), but
 *     net_virtio_spin then refuses to start (a frame would not fit one
 *     mbuf) until the MTU is 1500 again;
 *   - started, net_virtio_spin refuses 9000 and keeps its MTU;
 *     net_vhost_spin takes it (the library copies frames of any length
 *     into mbuf chains);
 *   - with scattered packets (RTE_ETH_RX_OFFLOAD_SCATTER, set up in the
 *     second configuration, which both PMDs must accept) both take 9000
 *     and start.
 *
 * MAC address (rte_eth_dev_default_mac_addr_set, as testpmd's "mac_addr
 * set" and applications that give each port its address call it): taken
 * stopped and started, and read back by rte_eth_macaddr_get.
 *
 * rte_eth_tx_done_cleanup on a started port that sent nothing: 0.
 *
 * Stopped, queue 0 set up again, started and stopped, three times: the
 * process holds no more file descriptors than before (rx interrupts on).
 *
 * rx_burst with room for no packet returns at once, where a burst with
 * room sleeps (the ports sleep when they may).
 *
 * On a queue set up and not started (ethdev checks neither):
 * rte_eth_tx_done_cleanup, rte_eth_dev_rx_intr_disable and
 * rte_eth_dev_rx_intr_enable answer 0, and none crashes.
 *
 * Usage: ethdev_control EAL-ARGS. Prints "ok"/"FAIL" per check; exits 0
 * only if there was a port and every check passed.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* File descriptors the process holds. */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Sets mtu; want_ok: whether the port must take it. */
static void
set_mtu(uint16_t port, uint16_t mtu, bool want_ok, const char *when)
{
	uint16_t before = 0, after = 0;
	int r;

	rte_eth_dev_get_mtu(port, &before);
	r = rte_eth_dev_set_mtu(port, mtu);
	rte_eth_dev_get_mtu(port, &after);
	if (want_ok)
		check(r == 0 && after == mtu, "%s: MTU %u taken: %d, now %u",
		      when, mtu, r, after);
	else
		check(r != 0 && after == before,
		      "%s: MTU %u refused: %d, still %u", when, mtu, r, after);
}

/* Sets the port's address to 02:00:00:00:<port>:<last>; must be taken. */
static void
set_mac(uint16_t port, uint8_t last, const char *when)
{
	struct rte_ether_addr want = {
		.addr_bytes = {0x02, 0, 0, 0, (uint8_t)port, last}};
	struct rte_ether_addr got;
	int r;

	r = rte_eth_dev_default_mac_addr_set(port, &want);
	memset(&got, 0, sizeof(got));
	rte_eth_macaddr_get(port, &got);
	check(r == 0 && rte_is_same_ether_addr(&want, &got),
	      "%s: MAC " RTE_ETHER_ADDR_PRT_FMT
	      " taken: %d, now " RTE_ETHER_ADDR_PRT_FMT,
	      when, RTE_ETHER_ADDR_BYTES(&want), r, RTE_ETHER_ADDR_BYTES(&got));
}

/*
 * Queue 0 set up and not started (ethdev checks neither for these calls;
 * rte_eth_rx_queue_count, a fast-path call, it answers itself until the
 * start): nothing to take back, nothing to disarm, and enabling rx
 * interrupts is taken (the host signals when a guest comes; the guest's
 * ring is empty until the start lays it out again).
 */
static void
unstarted_queue(uint16_t port, const char *when)
{
	int r;

	r = rte_eth_tx_done_cleanup(port, 0, 0);
	check(r == 0, "%s: tx_done_cleanup %d", when, r);
	r = rte_eth_dev_rx_intr_disable(port, 0);
	check(r == 0, "%s: rx_intr_disable %d", when, r);
	r = rte_eth_dev_rx_intr_enable(port, 0);
	check(r == 0, "%s: rx_intr_enable %d", when, r);
}

/*
 * An rx_burst with room for nothing (an application out of buffer space)
 * takes nothing and must not sleep; with room, the same queue sleeps its
 * bound (the ports run spin_mode=notify, sleep=always and sleep_max_us of
 * SLEEP_BOUND_MS, and nobody is connected), which shows the check can
 * fail.
 */
#define SLEEP_BOUND_MS 300

static uint64_t
ms_since(uint64_t t0)
{
	return (rte_get_timer_cycles() - t0) * 1000 / rte_get_timer_hz();
}

static void
burst_of_none(uint16_t port)
{
	struct rte_mbuf *pkts[32];
	uint64_t t0, none_ms, room_ms;
	unsigned int n = 0;
	int i;

	t0 = rte_get_timer_cycles();
	for (i = 0; i < 5; i++)
		n += rte_eth_rx_burst(port, 0, pkts, 0);
	none_ms = ms_since(t0);
	t0 = rte_get_timer_cycles();
	for (i = 0; i < 3; i++)
		n += rte_eth_rx_burst(port, 0, pkts, RTE_DIM(pkts));
	room_ms = ms_since(t0);
	check(n == 0 && none_ms < SLEEP_BOUND_MS / 3,
	      "5 rx bursts of room 0: %u packets in %llu ms (must not sleep)",
	      n, (unsigned long long)none_ms);
	check(room_ms >= SLEEP_BOUND_MS * 2 / 3,
	      "3 rx bursts of room 32, nobody connected: %llu ms (must sleep)",
	      (unsigned long long)room_ms);
}

static void
run_port(uint16_t port, struct rte_mempool *mp)
{
	/* Rx interrupts too: their set-up walks the queues at start. */
	struct rte_eth_conf conf = {.intr_conf = {.rxq = 1}};
	struct rte_eth_dev_info info;
	unsigned int avail;
	bool virtio;
	int r, fds, i;

	if (rte_eth_dev_info_get(port, &info) != 0)
		info.driver_name = "?";
	virtio = strcmp(info.driver_name, "net_virtio_spin") == 0;
	printf("port %u (%s)\n", port, info.driver_name);
	check(rte_eth_dev_configure(port, 2, 2, &conf) == 0,
	      "configure 2 queues");
	check(setup_queue(port, 0, mp) == 0, "set up queue 0 of 2");
	unstarted_queue(port, "queue 0 never started");
	read_stats(port, "queue 1 not set up");
	avail = rte_mempool_avail_count(mp);
	r = rte_eth_dev_start(port);
	check(r != 0, "start with queue 1 not set up: %d (must fail)", r);
	if (r == 0)
		rte_eth_dev_stop(port);
	/* Nothing posted to the rings of a start that failed. */
	check(rte_mempool_avail_count(mp) == avail,
	      "mbufs free after the refused start: %u, before it %u",
	      rte_mempool_avail_count(mp), avail);
	read_stats(port, "after the refused start");
	check(setup_queue(port, 1, mp) == 0, "set up queue 1");
	set_mac(port, 1, "stopped");
	/* Stopped: taken (OVS sets the MTU before it sets queues up). */
	set_mtu(port, 9000, true, "stopped, 2 KB mbufs");
	r = rte_eth_dev_start(port);
	check((r == 0) == !virtio, "start with MTU 9000 on 2 KB mbufs: %d%s", r,
	      virtio ? " (must fail)" : "");
	if (r == 0)
		rte_eth_dev_stop(port);
	set_mtu(port, 1500, true, "stopped, 2 KB mbufs");
	check(rte_eth_dev_start(port) == 0, "start with both queues");
	read_stats(port, "started");
	burst_of_none(port);
	set_mac(port, 2, "started");
	/* Nothing was sent: nothing to take back, and no -ENOTSUP. */
	r = rte_eth_tx_done_cleanup(port, 0, 0);
	check(r == 0, "tx_done_cleanup with nothing sent: %d", r);
	/* Started: only what the queues' mbufs hold (or any, host side). */
	set_mtu(port, 9000, !virtio, "started, 2 KB mbufs");
	set_mtu(port, 1500, true, "started, 2 KB mbufs");
	check(rte_eth_dev_stop(port) == 0, "stop");
	/* Queue 0 set up again, started, stopped: nothing held twice. */
	fds = open_fds();
	for (i = 0; i < 3; i++) {
		r = setup_queue(port, 0, mp);
		r = r != 0 ? r : rte_eth_dev_start(port);
		r = r != 0 ? r : rte_eth_dev_stop(port);
		check(r == 0, "set up queue 0 again, start, stop: %d", r);
	}
	check(open_fds() == fds,
	      "open fds after 3 set-ups of queue 0: %d, "
	      "before %d",
	      open_fds(), fds);
	/* Fewer queues (ethdev releases queue 1), scattered packets. */
	conf.rxmode.offloads =
		info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER;
	check(rte_eth_dev_configure(port, 1, 1, &conf) == 0,
	      "configure 1 queue%s", conf.rxmode.offloads ? ", scatter" : "");
	read_stats(port, "reconfigured to 1 queue");
	check(setup_queue(port, 0, mp) == 0, "set up queue 0 again");
	unstarted_queue(port, "queue 0 set up again");
	set_mtu(port, 9000, true, "scatter or the host");
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
	mp = rte_pktmbuf_pool_create("ethdev_control", 4096, 0, 0,
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
