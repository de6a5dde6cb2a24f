/* SPDX-License-Identifier: BSD-3-Clause
 * net_vhost_spin as an ethdev: probe and remove of the vdev, the
 * eth_dev_ops (configure, start, stop, close, queues, link, stats).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bus_vdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_malloc.h>
#include <rte_vhost.h>

#include "vhost_spin.h"
#include "vspin_port_census.h"
#include "vspin_vlan.h"

RTE_LOG_REGISTER(vhost_spin_logtype, pmd.net.vhost_spin, NOTICE);

static int
vhost_spin_configure(struct rte_eth_dev *dev)
{
	struct vhost_spin_port *p = dev->data->dev_private;

	/* A thread's sleep group holds 63 queues (vspin_sleeper.h). */
	if (p->args.policy.mode != VSPIN_MODE_POLL &&
	    dev->data->nb_rx_queues > VSPIN_GROUP_MAX)
		VHOST_SPIN_LOG(WARNING,
			       "%s: %u rx queues: a thread that polls more "
			       "than %u of them (of all ports of this PMD) "
			       "never sleeps",
			       dev->data->name, dev->data->nb_rx_queues,
			       VSPIN_GROUP_MAX);
	return 0;
}

/* Every configured queue has been set up (ethdev leaves the others NULL). */
static int
queues_set_up(struct rte_eth_dev *dev)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		if (dev->data->rx_queues[i] == NULL) {
			VHOST_SPIN_LOG(ERR, "%s: rx queue %u not set up",
				       dev->data->name, i);
			return -EINVAL;
		}
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		if (dev->data->tx_queues[i] == NULL) {
			VHOST_SPIN_LOG(ERR, "%s: tx queue %u not set up",
				       dev->data->name, i);
			return -EINVAL;
		}
	return 0;
}

static int
vhost_spin_start(struct rte_eth_dev *dev)
{
	struct vhost_spin_port *p = dev->data->dev_private;
	uint16_t i;

	if (queues_set_up(dev) != 0)
		return -EINVAL;
	vhost_spin_intr_uninstall(dev);
	if (dev->data->dev_conf.intr_conf.rxq && vhost_spin_intr_install(dev))
		return -ENOMEM;
	pthread_mutex_lock(&p->lock);
	p->started = true;
	vhost_spin_update_gates(p);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

static int
vhost_spin_stop(struct rte_eth_dev *dev)
{
	struct vhost_spin_port *p = dev->data->dev_private;
	uint16_t i;

	pthread_mutex_lock(&p->lock);
	p->started = false;
	vhost_spin_update_gates(p);
	pthread_mutex_unlock(&p->lock);
	vhost_spin_drain_gates(p);
	/* Forwarding has stopped: no lcore polls these queues now. */
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vhost_spin_rxq *q = dev->data->rx_queues[i];

		if (q != NULL) {
			vhost_spin_rxq_quiesce(q);
			/* Nobody waits on it: let the guest's memory go. */
			vhost_spin_monitor_release(&q->mon);
		}
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	dev->data->dev_started = 0;
	return 0;
}

/*
 * The vhost callbacks walk the queues under the port's lock (a memory
 * table may come while the application sets a stopped port's queues up
 * again): a queue leaves the array, and joins it set up, under it.
 */
static void
queue_publish(struct rte_eth_dev *dev, void **slot, void *q,
	      struct vhost_spin_gate *hold)
{
	struct vhost_spin_port *p = dev->data->dev_private;

	pthread_mutex_lock(&p->lock);
	/*
	 * Closed while the library moves the rings, as the hook before the
	 * message closed the others' (the hook after opens them all): a
	 * queue set up meanwhile must not map a table being replaced.
	 */
	if (hold != NULL)
		hold->allow = !p->in_message;
	*slot = q;
	pthread_mutex_unlock(&p->lock);
}

static void
vhost_spin_rxq_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vhost_spin_rxq *q = dev->data->rx_queues[qid];

	if (q == NULL)
		return;
	queue_publish(dev, &dev->data->rx_queues[qid], NULL, NULL);
	vhost_spin_rxq_quiesce(q);
	vhost_spin_monitor_release(&q->mon);
	vhost_spin_intr_queue_free(q);
	rte_free(q);
}

static void
vhost_spin_txq_release(struct rte_eth_dev *dev, uint16_t qid)
{
	void *q = dev->data->tx_queues[qid];

	queue_publish(dev, &dev->data->tx_queues[qid], NULL, NULL);
	rte_free(q);
}

static int
vhost_spin_close(struct rte_eth_dev *dev)
{
	struct vhost_spin_port *p = dev->data->dev_private;
	uint16_t i;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || p == NULL)
		return 0;
	vhost_spin_stop(dev);
	vhost_spin_vhost_stop(p);
	vhost_spin_intr_uninstall(dev);
	for (i = 0; dev->data->rx_queues && i < dev->data->nb_rx_queues; i++)
		vhost_spin_rxq_release(dev, i);
	for (i = 0; dev->data->tx_queues && i < dev->data->nb_tx_queues; i++)
		vhost_spin_txq_release(dev, i);
	pthread_mutex_destroy(&p->lock);
	/* mac_addrs and dev_private are freed by the port release. */
	return 0;
}

static int
vhost_spin_rxq_setup(struct rte_eth_dev *dev, uint16_t qid,
		     uint16_t nb_desc __rte_unused, unsigned int socket,
		     const struct rte_eth_rxconf *conf __rte_unused,
		     struct rte_mempool *pool)
{
	struct vhost_spin_port *p = dev->data->dev_private;
	struct vhost_spin_rxq *q;

	vhost_spin_rxq_release(dev, qid);
	q = rte_zmalloc_socket("vhost_spin_rxq", sizeof(*q),
			       RTE_CACHE_LINE_SIZE, socket);
	if (q == NULL)
		return -ENOMEM;
	q->port = p;
	q->port_id = dev->data->port_id;
	q->qid = qid;
	q->vring = 2 * qid + 1; /* the guest's transmit ring */
	q->vid = -1;
	q->mb_pool = pool;
	vspin_fd_guard_init(&q->kick_lib);
	q->intr_epfd = -1;
	q->intr_fd = -1;
	q->vlan_strip = vspin_vlan_strip_on(dev);
	vhost_spin_rxq_init_policy(q, &p->args.policy);
	queue_publish(dev, &dev->data->rx_queues[qid], q, &q->hold);
	return 0;
}

static int
vhost_spin_txq_setup(struct rte_eth_dev *dev, uint16_t qid,
		     uint16_t nb_desc __rte_unused, unsigned int socket,
		     const struct rte_eth_txconf *conf)
{
	struct vhost_spin_txq *q;

	vhost_spin_txq_release(dev, qid);
	q = rte_zmalloc_socket("vhost_spin_txq", sizeof(*q),
			       RTE_CACHE_LINE_SIZE, socket);
	if (q == NULL)
		return -ENOMEM;
	q->port = dev->data->dev_private;
	q->qid = qid;
	q->vring = 2 * qid; /* the guest's receive ring */
	q->target = q->vring;
	q->vid = -1;
	q->vlan_insert = vspin_vlan_insert_on(dev, conf);
	queue_publish(dev, &dev->data->tx_queues[qid], q, &q->hold);
	return 0;
}

static int
vhost_spin_info(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct vhost_spin_port *p = dev->data->dev_private;

	info->max_mac_addrs = 1;
	info->max_rx_pktlen = (uint32_t)-1;
	info->max_rx_queues = p->args.queues;
	info->max_tx_queues = p->args.queues;
	info->min_rx_bufsize = 0;
	/* The library chains mbufs for a frame longer than one (jumbo). */
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER | VSPIN_VLAN_RX_CAPA;
	info->tx_offload_capa =
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS | VSPIN_VLAN_TX_CAPA;
	return 0;
}

/*
 * Any MTU ethdev accepts: the library copies a frame of any length into
 * an mbuf chain and out of one, so there is nothing to check or set. The
 * guest's MTU is its own (QEMU's host_mtu, VIRTIO_NET_F_MTU).
 */
static int
vhost_spin_mtu_set(struct rte_eth_dev *dev __rte_unused,
		   uint16_t mtu __rte_unused)
{
	return 0;
}

/*
 * The address is the port's own (ethdev stores it in mac_addrs): the
 * device offers no VIRTIO_NET_F_MAC config space to tell a guest about.
 */
static int
vhost_spin_mac_addr_set(struct rte_eth_dev *dev __rte_unused,
			struct rte_ether_addr *addr __rte_unused)
{
	return 0;
}

/*
 * rte_eth_tx_done_cleanup(): nothing to take back. The library copies a
 * packet into the guest's buffers at once, and the burst frees the mbufs
 * it sent.
 */
static int
vhost_spin_tx_done_cleanup(void *txq __rte_unused,
			   uint32_t free_cnt __rte_unused)
{
	return 0;
}

static int
vhost_spin_link_update(struct rte_eth_dev *dev __rte_unused,
		       int wait __rte_unused)
{
	return 0; /* dev_link is kept by the device callbacks */
}

/* VLAN stripping switched at run time: each rx queue's lcore follows. */
static int
vhost_spin_vlan_offload_set(struct rte_eth_dev *dev, int mask)
{
	bool on = vspin_vlan_strip_on(dev);
	uint16_t i;

	if (!(mask & RTE_ETH_VLAN_STRIP_MASK))
		return 0;
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vhost_spin_rxq *q = dev->data->rx_queues[i];

		if (q != NULL)
			__atomic_store_n(&q->vlan_strip, on, __ATOMIC_RELAXED);
	}
	return 0;
}

static int
vhost_spin_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	uint64_t pkts, bytes;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		const struct vhost_spin_rxq *q = dev->data->rx_queues[i];

		if (q == NULL)
			continue;
		pkts = vspin_count_since(&q->cnt.pkts, &q->base.cnt.pkts);
		bytes = vspin_count_since(&q->cnt.bytes, &q->base.cnt.bytes);
		st->ipackets += pkts;
		st->ibytes += bytes;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[i] = pkts;
			st->q_ibytes[i] = bytes;
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		const struct vhost_spin_txq *q = dev->data->tx_queues[i];

		if (q == NULL)
			continue;
		pkts = vspin_count_since(&q->cnt.pkts, &q->base.cnt.pkts);
		bytes = vspin_count_since(&q->cnt.bytes, &q->base.cnt.bytes);
		st->opackets += pkts;
		st->obytes += bytes;
		st->oerrors +=
			vspin_count_since(&q->cnt.errors, &q->base.cnt.errors);
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_opackets[i] = pkts;
			st->q_obytes[i] = bytes;
		}
	}
	return 0;
}

/* The lcore keeps counting: only the bases move (vspin_stats.h). */
static int
vhost_spin_stats_reset(struct rte_eth_dev *dev)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vhost_spin_rxq *q = dev->data->rx_queues[i];

		if (q != NULL)
			vhost_spin_basic_reset(&q->cnt, &q->base);
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct vhost_spin_txq *q = dev->data->tx_queues[i];

		if (q != NULL)
			vhost_spin_basic_reset(&q->cnt, &q->base);
	}
	return 0;
}

static uint32_t
vhost_spin_rx_queue_count(void *queue)
{
	struct vhost_spin_rxq *q = queue;
	uint32_t n = 0;

	if (vhost_spin_gate_enter_side(&q->gate)) {
		n = vhost_spin_avail_pending(q->vid, q->vring);
		vhost_spin_gate_leave_side(&q->gate);
	}
	return n;
}

/*
 * A queue's descriptors are the guest's: the size of the ring it set up,
 * 0 while none is attached (nb_desc of the queue's setup is not used).
 * vid and vring are read inside the gate, which is closed while the
 * control side changes them.
 */
static uint16_t
vhost_spin_ring_size(struct vhost_spin_gate *gate, const int *vid,
		     const uint16_t *vring)
{
	struct rte_vhost_vring vr;
	uint16_t n = 0;

	if (vhost_spin_gate_enter_side(gate)) {
		if (rte_vhost_get_vhost_vring(*vid, *vring, &vr) == 0)
			n = vr.size;
		vhost_spin_gate_leave_side(gate);
	}
	return n;
}

static void
vhost_spin_rxq_info(struct rte_eth_dev *dev, uint16_t qid,
		    struct rte_eth_rxq_info *info)
{
	struct vhost_spin_rxq *q = dev->data->rx_queues[qid];

	info->mp = q->mb_pool;
	info->nb_desc = vhost_spin_ring_size(&q->gate, &q->vid, &q->vring);
	info->rx_buf_size =
		rte_pktmbuf_data_room_size(q->mb_pool) - RTE_PKTMBUF_HEADROOM;
	info->scattered_rx = 1; /* the library chains what one mbuf misses */
}

static void
vhost_spin_txq_info(struct rte_eth_dev *dev, uint16_t qid,
		    struct rte_eth_txq_info *info)
{
	struct vhost_spin_txq *q = dev->data->tx_queues[qid];

	info->nb_desc = vhost_spin_ring_size(&q->gate, &q->vid, &q->target);
}

static const struct eth_dev_ops vhost_spin_dev_ops = {
	.dev_configure = vhost_spin_configure,
	.dev_start = vhost_spin_start,
	.dev_stop = vhost_spin_stop,
	.dev_close = vhost_spin_close,
	.dev_infos_get = vhost_spin_info,
	.rx_queue_setup = vhost_spin_rxq_setup,
	.tx_queue_setup = vhost_spin_txq_setup,
	.rx_queue_release = vhost_spin_rxq_release,
	.tx_queue_release = vhost_spin_txq_release,
	.rxq_info_get = vhost_spin_rxq_info,
	.txq_info_get = vhost_spin_txq_info,
	.tx_done_cleanup = vhost_spin_tx_done_cleanup,
	.link_update = vhost_spin_link_update,
	.mtu_set = vhost_spin_mtu_set,
	.mac_addr_set = vhost_spin_mac_addr_set,
	.vlan_offload_set = vhost_spin_vlan_offload_set,
	.stats_get = vhost_spin_stats_get,
	.stats_reset = vhost_spin_stats_reset,
	.xstats_get = vhost_spin_xstats_get,
	.xstats_get_names = vhost_spin_xstats_get_names,
	.xstats_reset = vhost_spin_xstats_reset,
	.rx_queue_intr_enable = vhost_spin_rx_intr_enable,
	.get_monitor_addr = vhost_spin_get_monitor_addr,
	.rx_queue_intr_disable = vhost_spin_rx_intr_disable,
};

/*
 * A secondary process (dpdk-proc-info) reads the port: its information,
 * link and statistics, all in shared memory (ethdev's data, our queues).
 * It never polls, sets up or closes what the primary runs: the vhost
 * device is the primary's alone.
 */
static int
vhost_spin_secondary_close(struct rte_eth_dev *dev __rte_unused)
{
	return 0; /* ethdev releases the secondary's own port */
}

static const struct eth_dev_ops vhost_spin_secondary_ops = {
	.dev_close = vhost_spin_secondary_close,
	.dev_infos_get = vhost_spin_info,
	.link_update = vhost_spin_link_update,
	.stats_get = vhost_spin_stats_get,
	.stats_reset = vhost_spin_stats_reset,
	.xstats_get = vhost_spin_xstats_get,
	.xstats_get_names = vhost_spin_xstats_get_names,
	.xstats_reset = vhost_spin_xstats_reset,
};

static int
vhost_spin_attach_secondary(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev = rte_eth_dev_attach_secondary(name);

	if (dev == NULL) {
		VHOST_SPIN_LOG(ERR, "%s: not found in the primary process",
			       name);
		return -ENODEV;
	}
	dev->device = &vdev->device; /* not shared: ethdev reads its driver */
	dev->dev_ops = &vhost_spin_secondary_ops;
	dev->rx_pkt_burst = rte_eth_pkt_burst_dummy;
	dev->tx_pkt_burst = rte_eth_pkt_burst_dummy;
	rte_eth_dev_probing_finish(dev);
	return 0;
}

/* A locally administered address per port: 56:48:53:50:00:<port>. */
static const struct rte_ether_addr base_mac = {
	.addr_bytes = {0x56, 0x48, 0x53, 0x50, 0x00, 0x00}};

static int
vhost_spin_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct vhost_spin_args args;
	struct vhost_spin_port *p;
	struct rte_eth_dev *dev;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return vhost_spin_attach_secondary(vdev);
	ret = vhost_spin_parse_args(name, rte_vdev_device_args(vdev), &args);
	if (ret != 0)
		return ret;
	/* sleep=auto needs to know every port of the process. */
	if (vspin_census_track(&vhost_spin_dev_ops, vspin_sleeper_wake_all) !=
	    0)
		VHOST_SPIN_LOG(WARNING,
			       "%s: cannot follow the ports: sleep=auto "
			       "will not block",
			       name);
	if (vdev->device.numa_node == SOCKET_ID_ANY)
		vdev->device.numa_node = rte_socket_id();

	dev = rte_eth_vdev_allocate(vdev, sizeof(*p));
	if (dev == NULL)
		return -ENOMEM;
	p = dev->data->dev_private;
	p->args = args;
	p->dev = dev;
	p->vid = -1;
	pthread_mutex_init(&p->lock, NULL);

	dev->data->mac_addrs = rte_zmalloc_socket(name, sizeof(base_mac), 0,
						  vdev->device.numa_node);
	if (dev->data->mac_addrs == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	dev->data->mac_addrs[0] = base_mac;
	dev->data->mac_addrs[0].addr_bytes[5] = (uint8_t)dev->data->port_id;
	dev->data->dev_link = (struct rte_eth_link){
		.link_speed = RTE_ETH_SPEED_NUM_10G,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_status = RTE_ETH_LINK_DOWN,
	};
	dev->data->dev_flags =
		RTE_ETH_DEV_INTR_LSC | RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->data->promiscuous = 1;
	dev->data->all_multicast = 1;
	dev->dev_ops = &vhost_spin_dev_ops;
	dev->rx_pkt_burst = vhost_spin_rx_burst;
	dev->tx_pkt_burst = vhost_spin_tx_burst;
	dev->rx_queue_count = vhost_spin_rx_queue_count;

	/* Now, so that a bad or busy socket fails the probe, by name. */
	ret = vhost_spin_vhost_start(p);
	if (ret != 0)
		goto fail;
	rte_eth_dev_probing_finish(dev);
	return 0;
fail:
	VHOST_SPIN_LOG(ERR, "%s: not created", name);
	pthread_mutex_destroy(&p->lock);
	rte_eth_dev_release_port(dev);
	return ret;
}

static int
vhost_spin_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;

	dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (dev == NULL)
		return 0;
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		vhost_spin_close(dev);
	rte_eth_dev_release_port(dev);
	return 0;
}

static struct rte_vdev_driver vhost_spin_driver = {
	.probe = vhost_spin_probe,
	.remove = vhost_spin_remove,
};

RTE_PMD_REGISTER_VDEV(net_vhost_spin, vhost_spin_driver);
RTE_PMD_REGISTER_PARAM_STRING(
	net_vhost_spin, "iface=<path> "
			"queues=<int> "
			"client=<0|1> "
			"spin_mode=poll|notify|budget[:N]|spin[:US]|adaptive|"
			"ovs_sleep[:US] "
			"spin_us=<int> "
			"sleep_max_us=<int> "
			"sleep=auto|always|never "
			"latency_us=<int>");
