/* SPDX-License-Identifier: BSD-3-Clause
 * The monitor condition of port 0 queue 0 (rte_eth_get_monitor_addr()),
 * read and evaluated as DPDK's power management does before each wait:
 * read the index at the address, call the condition; a wait only if it
 * returns 0. On a CPU with a power monitor (WAITPKG) "wait" really waits
 * in rte_power_monitor(); elsewhere it reads the line in a loop.
 *
 * Usage: monitor_probe EAL-ARGS
 * Sets up port 0 (one queue pair, default ring sizes), prints "ready
 * power_monitor=0|1", then reads commands on stdin, one answer line each
 * (each answer starts "probe: ", apart from the EAL's log on stdout):
 *   link SECONDS      "link up", or "error link" after SECONDS
 *   cond              "cond fn=F idx=I next=N addr=A" (F 0: would
 *                     wait; A the address it would wait on)
 *   wait SECONDS      one wait on the condition asked for once:
 *                     "waiting" if it says wait (else "woke us=0"),
 *                     then "woke us=T" once a write to its line makes
 *                     it say stop, or "timeout" after SECONDS
 *   drain N SECONDS   receive until N packets came, then 0.1 s more:
 *                     "drained COUNT"
 *   stop, start       rte_eth_dev_stop/start of the port: "stopped",
 *                     "started"
 *   quit              stops and closes the port, exits 0
 * A failed call prints "error WHAT" and exits 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cpuflags.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_power_intrinsics.h>

#define BURST 32

static void
die(const char *what, int err)
{
	printf("probe: error %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static uint64_t
read_index(const struct rte_power_monitor_cond *pmc)
{
	switch (pmc->size) {
	case 1:
		return *(const volatile uint8_t *)pmc->addr;
	case 2:
		return *(const volatile uint16_t *)pmc->addr;
	case 4:
		return *(const volatile uint32_t *)pmc->addr;
	case 8:
		return *(const volatile uint64_t *)pmc->addr;
	}
	printf("probe: error monitor size %u\n", pmc->size);
	exit(1);
}

/* Ask for the condition; read the index; 0: it says wait. */
static int
condition(uint16_t port, struct rte_power_monitor_cond *pmc, uint64_t *idx)
{
	int r = rte_eth_get_monitor_addr(port, 0, pmc);

	if (r != 0)
		die("rte_eth_get_monitor_addr", r);
	*idx = read_index(pmc);
	return pmc->fn(*idx, pmc->opaque);
}

/*
 * One wait, as rte_power_monitor() makes it: on the condition asked for
 * once, until a write to its line makes it say stop. (The power
 * management asks again after each wait; a PMD whose line is never
 * written would show here as a timeout.)
 */
static void
cmd_wait(uint16_t port, double seconds, bool monitor)
{
	uint64_t hz = rte_get_tsc_hz(), t0 = rte_get_tsc_cycles(), idx;
	uint64_t end = t0 + (uint64_t)(seconds * (double)hz);
	struct rte_power_monitor_cond pmc;

	if (condition(port, &pmc, &idx) != 0) {
		printf("probe: woke us=0\n");
		return;
	}
	printf("probe: waiting idx=%" PRIu64 "\n", idx);
	for (;;) {
		uint64_t now = rte_get_tsc_cycles();

		if (pmc.fn(read_index(&pmc), pmc.opaque) != 0) {
			printf("probe: woke us=%.0f\n",
			       (double)(now - t0) * 1e6 / (double)hz);
			return;
		}
		if (now >= end) {
			printf("probe: timeout\n");
			return;
		}
		if (monitor)
			rte_power_monitor(&pmc, RTE_MIN(end, now + hz / 1000));
		else
			rte_pause();
	}
}

static void
cmd_drain(uint16_t port, unsigned long want, double seconds)
{
	uint64_t hz = rte_get_tsc_hz(), now = rte_get_tsc_cycles();
	uint64_t end = now + (uint64_t)(seconds * (double)hz), extra = 0;
	struct rte_mbuf *pkts[BURST];
	unsigned long got = 0;

	while (now < end && (extra == 0 || now < extra)) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, BURST);

		rte_pktmbuf_free_bulk(pkts, n);
		got += n;
		now = rte_get_tsc_cycles();
		/* What came too many shows in 0.1 s more. */
		if (got >= want && extra == 0)
			extra = now + hz / 10;
	}
	printf("probe: drained %lu\n", got);
}

static void
cmd_link(uint16_t port, double seconds)
{
	uint64_t end = rte_get_tsc_cycles() +
		       (uint64_t)(seconds * (double)rte_get_tsc_hz());
	struct rte_eth_link link;
	int r;

	do {
		r = rte_eth_link_get_nowait(port, &link);
		if (r == 0 && link.link_status) {
			printf("probe: link up\n");
			return;
		}
		rte_delay_ms(10);
	} while (rte_get_tsc_cycles() < end);
	die("link", ETIMEDOUT);
}

int
main(int argc, char **argv)
{
	struct rte_eth_conf conf = {0};
	struct rte_cpu_intrinsics intr;
	struct rte_mempool *pool;
	char line[128];
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	r = rte_eal_init(argc, argv);
	if (r < 0)
		die("rte_eal_init", rte_errno);
	if (rte_eth_dev_count_avail() < 1)
		die("no port", ENODEV);
	pool = rte_pktmbuf_pool_create("probe", 4096, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (pool == NULL)
		die("rte_pktmbuf_pool_create", rte_errno);
	r = rte_eth_dev_configure(0, 1, 1, &conf);
	if (r == 0)
		r = rte_eth_rx_queue_setup(0, 0, 0, rte_socket_id(), NULL,
					   pool);
	if (r == 0)
		r = rte_eth_tx_queue_setup(0, 0, 0, rte_socket_id(), NULL);
	if (r == 0)
		r = rte_eth_dev_start(0);
	if (r != 0)
		die("port set-up", r);
	rte_cpu_get_intrinsics_support(&intr);
	printf("probe: ready power_monitor=%d\n", intr.power_monitor ? 1 : 0);

	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct rte_power_monitor_cond pmc = {0};
		unsigned long n;
		uint64_t idx = 0;
		double s;

		if (sscanf(line, "link %lf", &s) == 1) {
			cmd_link(0, s);
		} else if (strncmp(line, "cond", 4) == 0) {
			r = condition(0, &pmc, &idx);
			printf("probe: cond fn=%d idx=%" PRIu64 " next=%" PRIu64
			       " addr=%p\n",
			       r, idx, pmc.opaque[0], (const void *)pmc.addr);
		} else if (sscanf(line, "wait %lf", &s) == 1) {
			cmd_wait(0, s, intr.power_monitor);
		} else if (sscanf(line, "drain %lu %lf", &n, &s) == 2) {
			cmd_drain(0, n, s);
		} else if (strncmp(line, "stop", 4) == 0) {
			r = rte_eth_dev_stop(0);
			if (r != 0)
				die("rte_eth_dev_stop", r);
			printf("probe: stopped\n");
		} else if (strncmp(line, "start", 5) == 0) {
			r = rte_eth_dev_start(0);
			if (r != 0)
				die("rte_eth_dev_start", r);
			printf("probe: started\n");
		} else if (strncmp(line, "quit", 4) == 0) {
			break;
		} else {
			printf("probe: error unknown command: %s", line);
			return 1;
		}
	}
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return 0;
}
