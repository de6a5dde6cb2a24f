/* SPDX-License-Identifier: BSD-3-Clause
 * The ethdev side, common to both roles: set-up, link, xstats, clocks.
 */
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "vt.h"
#include "vt_pkt.h"

volatile sig_atomic_t vspin_traffic_quit;

double
vspin_traffic_thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t
vspin_traffic_thread_minflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_minflt;
}

static int
pmu_open(uint64_t config, int group)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = config;
	a.disabled = group < 0;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	a.read_format = PERF_FORMAT_GROUP;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, group, 0);
}

void
vspin_traffic_pmu_start(struct vt_pmu *p)
{
	memset(p, 0, sizeof(*p));
	p->fd2 = -1;
	p->fd = pmu_open(PERF_COUNT_HW_CPU_CYCLES, -1);
	if (p->fd < 0)
		return;
	p->fd2 = pmu_open(PERF_COUNT_HW_INSTRUCTIONS, p->fd);
	if (p->fd2 < 0) {
		close(p->fd);
		p->fd = -1;
		return;
	}
	p->ok = ioctl(p->fd, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) == 0;
}

void
vspin_traffic_pmu_stop(struct vt_pmu *p)
{
	uint64_t v[3];

	if (p->fd < 0)
		return;
	if (p->ok && read(p->fd, v, sizeof(v)) == (ssize_t)sizeof(v) &&
	    v[0] == 2) {
		p->cycles = v[1];
		p->instructions = v[2];
	} else {
		p->ok = false;
	}
	close(p->fd2);
	close(p->fd);
	p->fd = p->fd2 = -1;
}

double
vspin_traffic_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
vspin_traffic_port_init(uint16_t port, uint16_t queues, uint16_t ring,
			struct rte_mempool *mp)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	/* 0: the PMD's default, so two pairs compare at their own depth. */
	uint16_t nb_rx = ring, nb_tx = ring;
	int socket, ret;
	uint16_t q;

	if (!rte_eth_dev_is_valid_port(port)) {
		fprintf(stderr, "vspin-traffic: no port %u (%u ports found)\n",
			port, rte_eth_dev_count_avail());
		return -1;
	}
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		goto fail;
	socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	/* Mbufs smaller than a frame (--mbuf-size): packets in segments. */
	if (rte_pktmbuf_data_room_size(mp) <
		    RTE_PKTMBUF_HEADROOM + VT_MAX_FRAME &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (queues > info.max_rx_queues || queues > info.max_tx_queues) {
		fprintf(stderr,
			"vspin-traffic: port %u: --queues %u, the port has "
			"%u rx and %u tx queues at most\n",
			port, queues, info.max_rx_queues, info.max_tx_queues);
		return -1;
	}
	ret = rte_eth_dev_configure(port, queues, queues, &conf);
	if (ret != 0)
		goto fail;
	if (ring != 0) {
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rx, &nb_tx);
		if (ret != 0)
			goto fail;
	}
	for (q = 0; q < queues; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nb_rx, socket, NULL, mp);
		if (ret != 0)
			goto fail;
		ret = rte_eth_tx_queue_setup(port, q, nb_tx, socket, NULL);
		if (ret != 0)
			goto fail;
	}
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "vspin-traffic: port %u set-up failed: %s\n", port,
		rte_strerror(-ret));
	return -1;
}

bool
vspin_traffic_port_wait_link(uint16_t port, uint32_t wait_s)
{
	double end = vspin_traffic_wall_s() + wait_s;
	struct rte_eth_link link;

	while (!vspin_traffic_quit) {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return true;
		if (vspin_traffic_wall_s() > end)
			break;
		usleep(10000);
	}
	return false;
}

/*
 * One xstat as a member. A name seen earlier in the list (DPDK 22.11's
 * net_vhost names its tx queue counters rx_q0_* too) gets a "#k" suffix,
 * so a JSON reader keeps both instead of the last.
 */
static void
xstat_member(struct vt_json *j, const struct rte_eth_xstat_name *names,
	     uint64_t id, uint64_t value)
{
	char key[RTE_ETH_XSTATS_NAME_SIZE + 8];
	unsigned int dup = 0;
	uint64_t k;

	for (k = 0; k < id; k++)
		if (strcmp(names[k].name, names[id].name) == 0)
			dup++;
	if (dup == 0) {
		vspin_traffic_json_u64(j, names[id].name, value);
		return;
	}
	snprintf(key, sizeof(key), "%s#%u", names[id].name, dup + 1);
	vspin_traffic_json_u64(j, key, value);
}

void
vspin_traffic_port_json(struct vt_json *j, uint16_t port)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN] = "";
	int n, i;

	rte_eth_dev_get_name_by_port(port, name);
	vspin_traffic_json_obj(j, "port");
	vspin_traffic_json_u64(j, "id", port);
	vspin_traffic_json_str(j, "name", name);
	if (rte_eth_dev_info_get(port, &info) == 0)
		vspin_traffic_json_str(j, "driver", info.driver_name);
	vspin_traffic_json_end(j);

	/* All of them, so the harness reads our PMDs' counters by name. */
	vspin_traffic_json_obj(j, "xstats");
	n = rte_eth_xstats_get_names(port, NULL, 0);
	if (n > 0) {
		names = calloc((size_t)n, sizeof(*names));
		vals = calloc((size_t)n, sizeof(*vals));
	}
	if (names != NULL && vals != NULL &&
	    rte_eth_xstats_get_names(port, names, (unsigned int)n) == n &&
	    rte_eth_xstats_get(port, vals, (unsigned int)n) == n) {
		for (i = 0; i < n; i++)
			if (vals[i].id < (uint64_t)n)
				xstat_member(j, names, vals[i].id,
					     vals[i].value);
	}
	vspin_traffic_json_end(j);
	free(names);
	free(vals);
}
