/* SPDX-License-Identifier: BSD-3-Clause
 * net_virtio_spin as an ethdev: the eth_dev_ops (configure, queues,
 * start, stop, close, link) and probe/remove of the vdev. The devargs are
 * virtio_spin_devargs.c's, the connection to the backend
 * virtio_spin_connect.c's, its messages virtio_spin_vhost_user.c's, the
 * data path virtio_rxtx_spin.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bus_vdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_alarm.h>
#include <rte_cpuflags.h>
#include <rte_cycles.h>
#include <rte_interrupts.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "virtio_spin.h"
#include "vspin_clock.h"
#include "vspin_port_census.h"
#include "vspin_socket_path.h"
#include "vspin_vlan.h"

RTE_LOG_REGISTER(virtio_spin_logtype, pmd.net.virtio_spin, NOTICE);

#define VRING_ALIGN 4096

/* -- eth_dev_ops --------------------------------------------------------- */

static int
dev_configure(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	uint16_t nrx = eth_dev->data->nb_rx_queues;

	if (nrx != eth_dev->data->nb_tx_queues) {
		PMD_LOG(ERR, "%s: needs as many rx as tx queues (%u rx, %u tx)",
			dev->path, nrx, eth_dev->data->nb_tx_queues);
		return -EINVAL;
	}
	if (nrx > dev->max_qp) {
		PMD_LOG(ERR, "%s: %u queues configured, devarg queues=%u",
			dev->path, nrx, dev->max_qp);
		return -EINVAL;
	}
	dev->nb_qp = nrx;
	return 0;
}

static int
dev_infos_get(struct rte_eth_dev *eth_dev, struct rte_eth_dev_info *info)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;

	info->max_mac_addrs = 1;
	info->max_rx_pktlen = 9728;
	info->min_rx_bufsize = 64;
	info->max_rx_queues = dev->max_qp;
	info->max_tx_queues = dev->max_qp;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER | VSPIN_VLAN_RX_CAPA;
	info->tx_offload_capa =
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS | VSPIN_VLAN_TX_CAPA;
	info->rx_desc_lim.nb_max = VSPIN_VRING_MAX_SIZE;
	info->rx_desc_lim.nb_min = 64;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim = info->rx_desc_lim;
	/* A longer chain is dropped and counted in tx_qN_errors. */
	info->tx_desc_lim.nb_seg_max = VIRTIO_SPIN_MAX_SEGS - 1;
	info->tx_desc_lim.nb_mtu_seg_max = VIRTIO_SPIN_MAX_SEGS - 1;
	info->default_rxportconf.ring_size = dev->rx_ring_default;
	info->default_txportconf.ring_size = dev->tx_ring_default;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->speed_capa = RTE_ETH_LINK_SPEED_10G;
	return 0;
}

/* Ring size from the application, else the port's default. */
static int
ring_size(const struct virtio_spin_dev *dev, uint16_t nb_desc, uint16_t def)
{
	if (nb_desc == 0)
		nb_desc = def;
	if (nb_desc & (nb_desc - 1)) {
		PMD_LOG(ERR, "%s: ring size %u is not a power of two",
			dev->path, nb_desc);
		return -EINVAL;
	}
	return nb_desc;
}

/*
 * Ring memory in EAL memory, which the backend maps. Each zone has a name
 * of its own: one left to a backend (move_left_rings()) is never freed,
 * and the queue set up again must not find its name taken.
 */
static const struct rte_memzone *
ring_zone(struct rte_eth_dev *eth_dev, const char *what, uint16_t qid,
	  size_t size, int socket)
{
	static uint32_t zones;
	char name[RTE_MEMZONE_NAMESIZE];

	snprintf(name, sizeof(name), "vspin%u_%s%u_%u", eth_dev->data->port_id,
		 what, qid, __atomic_fetch_add(&zones, 1, __ATOMIC_RELAXED));
	return rte_memzone_reserve_aligned(
		name, size, socket, RTE_MEMZONE_IOVA_CONTIG, VRING_ALIGN);
}

/*
 * Control state (queue structs with their function pointers, the free list
 * and cookies of each ring) in process-private memory: all of EAL memory
 * is in the memory table the backend maps. Cache-line aligned, zeroed;
 * free() it. The socket is not honoured: malloc has no notion of it.
 */
static void *
private_zalloc(size_t size)
{
	void *p;

	size = RTE_ALIGN_CEIL(size, RTE_CACHE_LINE_SIZE);
	if (posix_memalign(&p, RTE_CACHE_LINE_SIZE, size) != 0)
		return NULL;
	memset(p, 0, size);
	return p;
}

/* DEBUG: where the control state of a queue is (the tests look). */
static void
log_private(struct virtio_spin_dev *dev, const char *what, uint16_t qid,
	    const void *q, const void *priv)
{
	bool shared = rte_mem_virt2memseg(q, NULL) != NULL ||
		      rte_mem_virt2memseg(priv, NULL) != NULL;

	PMD_LOG(DEBUG, "%s: %s %u control state at %p (priv %p): %s EAL memory",
		dev->path, what, qid, q, priv, shared ? "inside" : "outside");
}

/* A tx queue's zone: the ring, then its header array from this offset. */
static size_t
tx_ring_bytes(uint32_t num)
{
	return RTE_ALIGN_CEIL(vspin_vring_size(num, VRING_ALIGN),
			      RTE_CACHE_LINE_SIZE);
}

static void rx_queue_release(struct rte_eth_dev *eth_dev, uint16_t qid);
static void tx_queue_release(struct rte_eth_dev *eth_dev, uint16_t qid);

/*
 * Without RTE_ETH_RX_OFFLOAD_SCATTER the application takes packets of one
 * mbuf only: a frame of the MTU (and a VLAN tag) must fit one. A longer
 * frame that spans buffers anyway is dropped in the data path
 * (rx_drop_chain()). Checked at queue set-up, at start and at an MTU
 * change while started.
 */
static int
rx_frame_fits(const struct virtio_spin_dev *dev, uint16_t qid,
	      struct rte_mempool *mp, bool scatter, uint16_t mtu)
{
	uint32_t frame = (uint32_t)mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	uint32_t room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;

	if (scatter || frame <= room)
		return 0;
	PMD_LOG(ERR,
		"%s: rx queue %u: a frame of MTU %u takes %u bytes, mbufs of "
		"pool %s hold %u: enable RTE_ETH_RX_OFFLOAD_SCATTER (testpmd: "
		"--enable-scatter) or use larger mbufs",
		dev->path, qid, mtu, frame, mp->name, room);
	return -EINVAL;
}

/* Every rx queue set up takes a frame of mtu. */
static int
rx_frames_fit(struct rte_eth_dev *eth_dev, uint16_t mtu)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	uint16_t q;

	for (q = 0; q < eth_dev->data->nb_rx_queues; q++) {
		struct virtio_spin_rxq *rxq = eth_dev->data->rx_queues[q];

		if (rxq != NULL &&
		    rx_frame_fits(dev, q, rxq->mp, rxq->scatter, mtu) != 0)
			return -EINVAL;
	}
	return 0;
}

/*
 * The data path hands lines to the shared cache while the host is behind
 * (rx_demote_buf(), tx_demote_frame()). Where the CPU lacks CLDEMOTE the
 * instruction is a NOP, yet the loops around it still run: such a queue
 * never marks the host behind.
 */
static bool
cpu_demotes(void)
{
#ifdef RTE_ARCH_X86
	return rte_cpu_get_flag_enabled(RTE_CPUFLAG_CLDEMOTE) > 0;
#else
	return false;
#endif
}

/*
 * A queue set up has an empty ring, laid out again at each start for the
 * backend's features: the calls ethdev lets in before the start (tx done
 * cleanup, rx interrupt control, the monitor address) find nothing.
 */
static void
set_up_empty(struct vspin_vq_drv *vq, void *mem, int num, void *priv,
	     struct vspin_stats *stats)
{
	struct vspin_vring vr;

	vspin_vring_init(&vr, mem, (uint32_t)num, VRING_ALIGN);
	vspin_vq_drv_init(vq, &vr, priv, false, stats);
}

/* A queue's ring in zone mz, empty (at set-up, or moved at a start). */
static void
rxq_use_ring(struct virtio_spin_rxq *rxq, const struct rte_memzone *mz, int num)
{
	rxq->mz = mz;
	set_up_empty(&rxq->vq, mz->addr, num, rxq->priv, &rxq->vst);
}

static void
txq_use_ring(struct virtio_spin_txq *txq, const struct rte_memzone *mz, int num)
{
	txq->mz = mz;
	set_up_empty(&txq->vq, mz->addr, num, txq->priv, &txq->vst);
	txq->hdrs = (void *)((char *)mz->addr + tx_ring_bytes((uint32_t)num));
}

static int
rx_queue_setup(struct rte_eth_dev *eth_dev, uint16_t qid, uint16_t nb_desc,
	       unsigned int socket, const struct rte_eth_rxconf *conf,
	       struct rte_mempool *mp)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	const struct rte_memzone *mz;
	struct virtio_spin_rxq *rxq;
	int num = ring_size(dev, nb_desc, dev->rx_ring_default);
	bool scatter =
		((conf->offloads | eth_dev->data->dev_conf.rxmode.offloads) &
		 RTE_ETH_RX_OFFLOAD_SCATTER) != 0;

	if (num < 0)
		return num;
	if (rte_pktmbuf_data_room_size(mp) <
	    RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN) {
		PMD_LOG(ERR, "%s: mbufs of pool %s are too small", dev->path,
			mp->name);
		return -EINVAL;
	}
	if (rx_frame_fits(dev, qid, mp, scatter, eth_dev->data->mtu) != 0)
		return -EINVAL;
	rx_queue_release(eth_dev, qid);
	rxq = private_zalloc(sizeof(*rxq));
	if (rxq == NULL)
		return -ENOMEM;
	rxq->priv = private_zalloc(vspin_vq_drv_priv_size(num));
	mz = ring_zone(eth_dev, "rx", qid, vspin_vring_size(num, VRING_ALIGN),
		       (int)socket);
	if (rxq->priv == NULL || mz == NULL) {
		free(rxq->priv);
		rte_memzone_free(mz);
		free(rxq);
		return -ENOMEM;
	}
	rxq_use_ring(rxq, mz, num);
	rxq->mp = mp;
	rxq->scatter = scatter;
	rxq->vlan_strip = vspin_vlan_strip_on(eth_dev);
	rxq->dev = dev;
	rxq->queue_id = qid;
	rxq->port_id = eth_dev->data->port_id;
	rxq->demote = cpu_demotes();
	if (num == dev->rx_ring_default)
		rxq->soft_depth = dev->rx_soft_depth;
	rxq->callfd = dev->callfd[virtio_spin_rx_vring(qid)];
	vspin_sleeper_init(&rxq->sleeper, &rxq->policy,
			   &virtio_spin_rx_sleeper_ops, rxq);
	rxq->kickfd = dev->kickfd[virtio_spin_rx_vring(qid)];
	eth_dev->data->rx_queues[qid] = rxq;
	log_private(dev, "rxq", qid, rxq, rxq->priv);
	return 0;
}

static int
tx_queue_setup(struct rte_eth_dev *eth_dev, uint16_t qid, uint16_t nb_desc,
	       unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	struct virtio_spin_txq *txq;
	int num = ring_size(dev, nb_desc, dev->tx_ring_default);
	const struct rte_memzone *mz;

	if (num < 0)
		return num;
	tx_queue_release(eth_dev, qid);
	txq = private_zalloc(sizeof(*txq));
	if (txq == NULL)
		return -ENOMEM;
	txq->priv = private_zalloc(vspin_vq_drv_priv_size(num));
	mz = ring_zone(eth_dev, "tx", qid,
		       tx_ring_bytes((uint32_t)num) +
			       (size_t)num * VIRTIO_SPIN_HDR_SIZE,
		       (int)socket);
	if (txq->priv == NULL || mz == NULL) {
		free(txq->priv);
		rte_memzone_free(mz);
		free(txq);
		return -ENOMEM;
	}
	txq_use_ring(txq, mz, num);
	txq->dev = dev;
	txq->queue_id = qid;
	txq->demote = cpu_demotes();
	if (num == dev->tx_ring_default)
		txq->soft_depth = dev->tx_soft_depth;
	txq->vlan_insert = vspin_vlan_insert_on(eth_dev, conf);
	txq->callfd = dev->callfd[virtio_spin_tx_vring(qid)];
	txq->kickfd = dev->kickfd[virtio_spin_tx_vring(qid)];
	eth_dev->data->tx_queues[qid] = txq;
	log_private(dev, "txq", qid, txq, txq->priv);
	return 0;
}

/* Whether vring's ring zone mz went to a backend that may still use it. */
static bool
ring_out(const struct virtio_spin_dev *dev, unsigned int vring,
	 const struct rte_memzone *mz)
{
	return vring < virtio_spin_vrings_held(dev) &&
	       dev->ring_given[vring] == mz;
}

/*
 * A ring a backend may still use is left to it: the port was not started
 * since (move_left_rings()).
 */
static void
free_ring_zone(struct rte_eth_dev *eth_dev, unsigned int vring,
	       const struct rte_memzone *mz)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	bool out;

	pthread_mutex_lock(&dev->lock);
	out = ring_out(dev, vring, mz);
	pthread_mutex_unlock(&dev->lock);
	if (!out)
		rte_memzone_free(mz);
}

static void
rx_queue_release(struct rte_eth_dev *eth_dev, uint16_t qid)
{
	struct virtio_spin_rxq *rxq = eth_dev->data->rx_queues[qid];

	if (rxq == NULL)
		return;
	/*
	 * A packet half assembled is ours (its buffers came back used), even
	 * when a stop left the ring's own mbufs to a backend that did not
	 * answer.
	 */
	virtio_spin_rxq_drop_partial(rxq);
	vspin_sleeper_release(&rxq->sleeper);
	free_ring_zone(eth_dev, virtio_spin_rx_vring(qid), rxq->mz);
	free(rxq->priv);
	free(rxq);
	eth_dev->data->rx_queues[qid] = NULL;
}

static void
tx_queue_release(struct rte_eth_dev *eth_dev, uint16_t qid)
{
	struct virtio_spin_txq *txq = eth_dev->data->tx_queues[qid];

	if (txq == NULL)
		return;
	free_ring_zone(eth_dev, virtio_spin_tx_vring(qid), txq->mz);
	free(txq->priv);
	free(txq);
	eth_dev->data->tx_queues[qid] = NULL;
}

/* Fresh rings for a start: zeroed, rx filled, policies reset. */
static int
init_queues(struct virtio_spin_dev *dev)
{
	struct rte_eth_dev_data *d = dev->eth_dev->data;
	bool event_idx = virtio_spin_has_feature(dev, VSPIN_F_EVENT_IDX);
	/* Unknown features (0): no IN_ORDER (wanted_features()). */
	bool in_order = virtio_spin_has_feature(dev, VSPIN_F_IN_ORDER);
	unsigned int q;

	/* Not connected yet (server mode): assume what we ask for. */
	if (!dev->features_known)
		event_idx = true;
	/*
	 * Rings and buffers a backend we left may still use were left to it
	 * (move_left_rings()); the rings start over with new buffers, handed
	 * to the next backend from scratch.
	 */
	dev->vrings_out = 0;
	dev->vrings_left = 0;
	/* All first: ethdev starts a port with a queue not set up. */
	for (q = 0; q < dev->nb_qp; q++) {
		if (d->rx_queues[q] == NULL || d->tx_queues[q] == NULL) {
			PMD_LOG(ERR, "%s: queue %u not set up", dev->path, q);
			return -EINVAL;
		}
	}
	for (q = 0; q < dev->nb_qp; q++) {
		struct virtio_spin_rxq *rxq = d->rx_queues[q];
		struct virtio_spin_txq *txq = d->tx_queues[q];
		struct vspin_vring vr;

		/*
		 * A packet half assembled when the last run stopped (not
		 * flushed when the backend kept the ring): not this ring's.
		 */
		virtio_spin_rxq_drop_partial(rxq);
		/*
		 * The counters go on across a restart, as the packet counts
		 * (and every stock PMD's) do; the ring's state does not
		 * (vspin_vq_drv_init() keeps bad_used). A copy:
		 * vspin_vq_drv_init() clears *vq before reading vr.
		 */
		vr = rxq->vq.vr;
		vspin_vq_drv_init(&rxq->vq, &vr, rxq->priv, event_idx,
				  &rxq->vst);
		vspin_vq_drv_set_in_order(&rxq->vq, in_order);
		rxq->mrg_rxbuf =
			!dev->features_known ||
			virtio_spin_has_feature(dev, VSPIN_F_MRG_RXBUF);
		vspin_policy_init(&rxq->policy, &dev->pconf, dev->tsc_hz,
				  &rxq->vst);
		vspin_policy_set_ring(&rxq->policy, vr.num, event_idx);
		/* The lcore sleeps on its own reference to the call fd. */
		vspin_sleeper_release(&rxq->sleeper);
		vspin_sleeper_give_fd(&rxq->sleeper,
				      fcntl(rxq->callfd, F_DUPFD_CLOEXEC, 0));
		vr = txq->vq.vr;
		vspin_vq_drv_init(&txq->vq, &vr, txq->priv, event_idx,
				  &txq->vst);
		vspin_vq_drv_set_in_order(&txq->vq, in_order);
		if (virtio_spin_rxq_fill(rxq) < 0) {
			PMD_LOG(ERR, "%s: no mbufs to fill rx queue %u",
				dev->path, q);
			/* Not handed to the backend yet: give them back. */
			do
				virtio_spin_rxq_flush(d->rx_queues[q]);
			while (q-- > 0);
			return -ENOMEM;
		}
	}
	return 0;
}

static int
setup_rx_intr(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	struct rte_intr_handle *h = eth_dev->intr_handle;
	unsigned int q;

	if (!eth_dev->data->dev_conf.intr_conf.rxq)
		return 0;
	for (q = 0; q < dev->nb_qp; q++)
		if (rte_intr_efds_index_set(
			    h, q, dev->callfd[virtio_spin_rx_vring(q)]))
			return -rte_errno;
	if (rte_intr_nb_efd_set(h, dev->nb_qp) ||
	    rte_intr_max_intr_set(h, dev->nb_qp + 1) ||
	    rte_intr_type_set(h, RTE_INTR_HANDLE_VDEV) ||
	    rte_intr_efd_counter_size_set(h, sizeof(uint64_t)))
		return -rte_errno;
	if (rte_intr_vec_list_alloc(h, "intr_vec", dev->nb_qp))
		return -rte_errno;
	for (q = 0; q < dev->nb_qp; q++)
		if (rte_intr_vec_list_index_set(h, q,
						q + RTE_INTR_VEC_RXTX_OFFSET))
			return -rte_errno;
	return 0;
}

/* The ring zone of vring i's queue, if it is set up. */
static const struct rte_memzone *
ring_of(const struct rte_eth_dev_data *d, unsigned int i)
{
	uint16_t q = (uint16_t)(i / 2);
	const struct virtio_spin_rxq *rxq;
	const struct virtio_spin_txq *txq;

	if (i % 2 == 0) {
		rxq = q < d->nb_rx_queues ? d->rx_queues[q] : NULL;
		return rxq != NULL ? rxq->mz : NULL;
	}
	txq = q < d->nb_tx_queues ? d->tx_queues[q] : NULL;
	return txq != NULL ? txq->mz : NULL;
}

/*
 * At start, a port whose last backend neither stopped vrings 0 to
 * vrings_out - 1 nor closed its end (it did not answer, or we dropped it):
 * it may still read and write those rings, not only the buffers left in
 * them, and read their kick eventfds. Each such queue gets new ring memory
 * and a new kick eventfd (an old backend still draining the old one would
 * take the next one's kicks); the old zone is left to that backend, never
 * freed or reused (as its buffers), so the next run's rings are ours and
 * the next backend's alone. The call eventfds stay: what an old backend
 * writes there only wakes us for nothing, and the application may wait on
 * them (rx interrupts). The zones are reserved without the port's lock: a
 * reservation may grow EAL memory, and the memory event waits for that
 * lock. Returns 0, or a negative errno with nothing moved.
 */
static int
move_left_rings(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	struct rte_eth_dev_data *d = eth_dev->data;
	const struct rte_memzone *mz[2 * VIRTIO_SPIN_MAX_QUEUES] = {NULL};
	int kick[2 * VIRTIO_SPIN_MAX_QUEUES];
	bool out[2 * VIRTIO_SPIN_MAX_QUEUES] = {false};
	unsigned int n, nk, i, moved = 0;
	int r = 0;

	pthread_mutex_lock(&dev->lock);
	/*
	 * Every vring that went out: its kick eventfd, also of a queue pair
	 * configured away since (a later configuration may bring it back).
	 */
	nk = RTE_MIN(virtio_spin_vrings_held(dev), 2u * dev->max_qp);
	n = RTE_MIN(nk, 2u * dev->nb_qp); /* and the queues' rings */
	for (i = 0; i < n; i++)
		out[i] = ring_of(d, i) != NULL &&
			 ring_out(dev, i, ring_of(d, i));
	pthread_mutex_unlock(&dev->lock);
	for (i = 0; i < nk; i++)
		kick[i] = -1;
	for (i = 0; i < nk && r == 0; i++) {
		const struct rte_memzone *old = ring_of(d, i);

		kick[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (kick[i] < 0)
			r = -errno;
		/*
		 * Zone not out: released since (free_ring_zone() left it),
		 * or set up again, in a zone no backend saw.
		 */
		if (r != 0 || i >= n || !out[i])
			continue;
		mz[i] = ring_zone(eth_dev, i % 2 == 0 ? "rx" : "tx",
				  (uint16_t)(i / 2), old->len, old->socket_id);
		if (mz[i] == NULL)
			r = -ENOMEM;
	}
	pthread_mutex_lock(&dev->lock);
	for (i = 0; i < nk && r == 0; i++) {
		uint16_t q = (uint16_t)(i / 2);
		struct virtio_spin_rxq *rxq =
			q < d->nb_rx_queues ? d->rx_queues[q] : NULL;
		struct virtio_spin_txq *txq =
			q < d->nb_tx_queues ? d->tx_queues[q] : NULL;

		close(dev->kickfd[i]); /* the old backend keeps its own */
		dev->kickfd[i] = kick[i];
		if (i % 2 == 0 && rxq != NULL)
			rxq->kickfd = kick[i];
		else if (i % 2 == 1 && txq != NULL)
			txq->kickfd = kick[i];
		if (mz[i] == NULL)
			continue;
		if (i % 2 == 0)
			rxq_use_ring(rxq, mz[i], (int)rxq->vq.vr.num);
		else
			txq_use_ring(txq, mz[i], (int)txq->vq.vr.num);
		moved++;
	}
	if (r != 0)
		PMD_LOG(ERR,
			"%s: no memory or eventfd for new rings in place of "
			"vrings 0 to %u, which the last backend may still use",
			dev->path, nk - 1u);
	else if (nk > 0)
		PMD_LOG(WARNING,
			"%s: the backend that did not stop them may still use "
			"vrings 0 to %u: each gets a new kick eventfd, and %u "
			"queue ring(s) new memory (the old is not freed)",
			dev->path, nk - 1u, moved);
	if (r == 0) {
		dev->vrings_out = 0; /* the rings now are none's */
		dev->vrings_left = 0;
	}
	pthread_mutex_unlock(&dev->lock);
	/* Not under the lock either: a free may shrink EAL memory. */
	for (i = 0; r != 0 && i < nk; i++) {
		rte_memzone_free(mz[i]);
		if (kick[i] >= 0)
			close(kick[i]);
	}
	return r;
}

static int dev_stop(struct rte_eth_dev *eth_dev);

static int
dev_start(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	bool was_shown;
	int r;

	/* The MTU may have grown since the queues were set up. */
	r = rx_frames_fit(eth_dev, eth_dev->data->mtu);
	if (r < 0)
		return r;
	r = setup_rx_intr(eth_dev);
	if (r < 0) {
		PMD_LOG(ERR, "%s: rx interrupt set-up failed", dev->path);
		return r;
	}
	/* Never hand a new backend rings an old one may still use. */
	r = move_left_rings(eth_dev);
	if (r < 0) {
		rte_intr_vec_list_free(eth_dev->intr_handle);
		return r;
	}
	pthread_mutex_lock(&dev->lock);
	was_shown = virtio_spin_link_shown(dev);
	/*
	 * No backend now: the rings are laid out for whichever comes next,
	 * as in server mode before the first (the last one's features bind
	 * nothing; wanted_features()).
	 */
	if (dev->vu.fd < 0) {
		dev->features_known = false;
		dev->features = 0;
	}
	r = init_queues(dev);
	if (r == 0) {
		dev->started = true;
		if (dev->vu.fd >= 0 && virtio_spin_setup_vrings(dev) < 0) {
			if (dev->vu.peer_closed) {
				/*
				 * Gone before the control thread noticed:
				 * start as with no backend, the next one
				 * gets the rings.
				 */
				virtio_spin_reset_connection(dev);
			} else {
				PMD_LOG(ERR,
					"%s: the backend did not take the "
					"rings (refused, or no reply in time)",
					dev->path);
				r = -EIO;
			}
		}
	}
	pthread_mutex_unlock(&dev->lock);
	virtio_spin_notify_lsc(dev, was_shown);
	if (r == -EIO) {
		/* Take back what the backend got, as a stop does. */
		dev_stop(eth_dev);
		return r;
	}
	if (r != 0) {
		rte_intr_vec_list_free(eth_dev->intr_handle);
		return r;
	}
	eth_dev->rx_pkt_burst = virtio_spin_recv;
	eth_dev->tx_pkt_burst = virtio_spin_xmit;
	for (r = 0; r < dev->nb_qp; r++) {
		eth_dev->data->rx_queue_state[r] = RTE_ETH_QUEUE_STATE_STARTED;
		eth_dev->data->tx_queue_state[r] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	return 0;
}

/*
 * Before the rings are taken back (GET_VRING_BASE), the packets tx_burst
 * took are the backend's to read: one that sleeps, a host that coalesces
 * waiting for more than will come, would lose them with the ring. Each
 * tx ring is kicked, and the backend given VIRTIO_SPIN_STOP_DRAIN_MS to
 * return what was published; what it has not read by then is dropped,
 * and said. The application has stopped its lcores (ethdev's rule for a
 * stop), so the rings stand still but for the backend.
 */
static void
drain_tx(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	uint64_t deadline =
		rte_get_timer_cycles() +
		rte_get_timer_hz() * VIRTIO_SPIN_STOP_DRAIN_MS / 1000;
	unsigned int q, left;
	bool kicked = false;
	uint32_t gen = 0;

	/*
	 * Locked at each look: the connection thread sets the rings up
	 * again for a backend that reconnects (under the lock). A backend
	 * that left or was replaced meanwhile holds none of these packets.
	 * Never waited for: a handshake that holds the lock is dev_stop()'s
	 * to cut (with its link down, nothing to drain), not to wait out.
	 */
	for (;;) {
		if (pthread_mutex_trylock(&dev->lock) != 0) {
			if (rte_get_timer_cycles() >= deadline)
				return;
			rte_delay_us_sleep(50);
			continue;
		}
		if (!dev->started || !dev->link_up ||
		    (kicked && dev->conn_gen != gen))
			break;
		for (left = 0, q = 0; q < dev->nb_qp; q++)
			left += virtio_spin_txq_unread(
				eth_dev->data->tx_queues[q]);
		if (left == 0)
			break;
		if (!kicked) {
			gen = dev->conn_gen;
			kicked = true;
			for (q = 0; q < dev->nb_qp; q++)
				virtio_spin_txq_kick_unread(
					eth_dev->data->tx_queues[q]);
		} else if (rte_get_timer_cycles() >= deadline) {
			PMD_LOG(WARNING,
				"%s: stopping with %u packet(s) the backend "
				"did not read within %u ms: dropped with the "
				"rings",
				dev->path, left, VIRTIO_SPIN_STOP_DRAIN_MS);
			break;
		}
		pthread_mutex_unlock(&dev->lock);
		rte_delay_us_sleep(50);
	}
	pthread_mutex_unlock(&dev->lock);
}

static int
dev_stop(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	bool stopped[2 * VIRTIO_SPIN_MAX_QUEUES];
	bool was_shown, was_started;
	unsigned int q;

	drain_tx(eth_dev);
	/* A handshake under way is cut short, not waited for. */
	virtio_spin_conn_cut_begin(dev);
	pthread_mutex_lock(&dev->lock);
	virtio_spin_conn_cut_end(dev);
	was_shown = virtio_spin_link_shown(dev);
	was_started = dev->started;
	if (was_started) {
		virtio_spin_stop_vrings(dev, stopped);
		dev->started = false;
		virtio_spin_set_link(dev, false);
		for (q = 0; q < dev->nb_qp; q++) {
			struct virtio_spin_rxq *rxq =
				eth_dev->data->rx_queues[q];

			vspin_sleeper_release(&rxq->sleeper);
			eth_dev->data->rx_queue_state[q] =
				RTE_ETH_QUEUE_STATE_STOPPED;
			eth_dev->data->tx_queue_state[q] =
				RTE_ETH_QUEUE_STATE_STOPPED;
		}
	}
	pthread_mutex_unlock(&dev->lock);
	/*
	 * The mbufs back to their pools, after unlocking: the application's
	 * may carry external buffers that rte_free() frees, and a free that
	 * shrinks EAL memory runs mem_event() in this thread, which waits
	 * for the lock. Nothing else touches a stopped port's rings (only
	 * dev_start() and a queue's release, which ethdev serializes with
	 * this). A ring the backend did not give back stays its own.
	 */
	for (q = 0; was_started && q < dev->nb_qp; q++) {
		if (stopped[virtio_spin_rx_vring(q)])
			virtio_spin_rxq_flush(eth_dev->data->rx_queues[q]);
		if (stopped[virtio_spin_tx_vring(q)])
			virtio_spin_txq_flush(eth_dev->data->tx_queues[q]);
	}
	virtio_spin_notify_lsc(dev, was_shown);
	rte_intr_vec_list_free(eth_dev->intr_handle);
	return 0;
}

/*
 * The control plane publishes every change of the link as it makes it;
 * this only repeats it, under the lock, so that a status read before a
 * change never overwrites the change (and dev->link_up stays the control
 * plane's alone). Lock busy: a change is under way and will publish.
 */
static int
link_update(struct rte_eth_dev *eth_dev, int wait __rte_unused)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;

	if (pthread_mutex_trylock(&dev->lock) != 0)
		return 0;
	virtio_spin_publish_link(dev);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

static int
promisc_noop(struct rte_eth_dev *eth_dev __rte_unused)
{
	return 0; /* the backend delivers every frame anyway */
}

/*
 * The address is the port's own: ethdev stores it in mac_addrs (our
 * dev->mac). The device does not offer VIRTIO_NET_F_CTRL_MAC_ADDR, and a
 * vhost-user backend keeps no MAC of the frontend's to update.
 */
static int
mac_addr_set(struct rte_eth_dev *eth_dev __rte_unused,
	     struct rte_ether_addr *addr __rte_unused)
{
	return 0;
}

static int
dev_close(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	unsigned int i;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	if (dev->started)
		dev_stop(eth_dev);
	/*
	 * The connection thread first: it takes no more work once told to
	 * end (park_connection and virtio_spin_park_alarm see that before
	 * they arm an alarm). Then, under the lock, mem_event and
	 * virtio_spin_notify_lsc see closing before they arm one, so after
	 * the cancels below none is pending or can come back.
	 */
	virtio_spin_conn_thread_stop(dev);
	pthread_mutex_lock(&dev->lock);
	dev->closing = true;
	pthread_mutex_unlock(&dev->lock);
	virtio_spin_mem_events_unregister(dev);
	rte_eal_alarm_cancel(virtio_spin_lsc_alarm, dev);
	rte_eal_alarm_cancel(virtio_spin_park_alarm, dev);
	if (dev->sock_intr != NULL) {
		virtio_spin_unwatch(dev->sock_intr, virtio_spin_sock_event,
				    dev);
		rte_intr_instance_free(dev->sock_intr);
		dev->sock_intr = NULL;
	}
	if (dev->listen_intr != NULL) {
		virtio_spin_unwatch(dev->listen_intr, virtio_spin_listen_event,
				    dev);
		rte_intr_instance_free(dev->listen_intr);
		dev->listen_intr = NULL;
	}
	pthread_mutex_lock(&dev->lock);
	if (dev->vu.fd >= 0)
		close(dev->vu.fd);
	dev->vu.fd = -1;
	pthread_mutex_unlock(&dev->lock);
	if (dev->listen_fd >= 0) {
		close(dev->listen_fd);
		unlink(dev->path);
		dev->listen_fd = -1;
	}
	if (dev->parked_fd >= 0)
		close(dev->parked_fd);
	if (dev->spare_fd >= 0)
		close(dev->spare_fd);
	dev->parked_fd = dev->spare_fd = -1;
	for (i = 0; i < eth_dev->data->nb_rx_queues; i++)
		rx_queue_release(eth_dev, i);
	for (i = 0; i < eth_dev->data->nb_tx_queues; i++)
		tx_queue_release(eth_dev, i);
	for (i = 0; i < 2u * VIRTIO_SPIN_MAX_QUEUES; i++) {
		if (dev->kickfd[i] >= 0)
			close(dev->kickfd[i]);
		if (dev->callfd[i] >= 0)
			close(dev->callfd[i]);
		dev->kickfd[i] = dev->callfd[i] = -1;
	}
	rte_intr_instance_free(eth_dev->intr_handle);
	eth_dev->intr_handle = NULL;
	pthread_mutex_destroy(&dev->lock);
	virtio_spin_conn_destroy(dev);
	/* mac_addrs points into dev_private: not freed by ethdev. */
	eth_dev->data->mac_addrs = NULL;
	return 0;
}

/* VLAN stripping switched at run time: each rx queue's lcore follows. */
static int
vlan_offload_set(struct rte_eth_dev *eth_dev, int mask)
{
	bool on = vspin_vlan_strip_on(eth_dev);
	uint16_t q;

	if (!(mask & RTE_ETH_VLAN_STRIP_MASK))
		return 0;
	for (q = 0; q < eth_dev->data->nb_rx_queues; q++) {
		struct virtio_spin_rxq *rxq = eth_dev->data->rx_queues[q];

		if (rxq != NULL)
			__atomic_store_n(&rxq->vlan_strip, on,
					 __ATOMIC_RELAXED);
	}
	return 0;
}

/*
 * A new MTU (ethdev has checked its range). Stopped, any: the application
 * may set its queues up again on larger mbufs, and start checks them
 * (the order OVS uses: configure, MTU, queues). Started, only one every rx
 * queue takes a frame of. Nothing goes to the backend: we do not
 * negotiate VIRTIO_NET_F_MTU, the device's limit on what we may send.
 */
static int
mtu_set(struct rte_eth_dev *eth_dev, uint16_t mtu)
{
	if (!eth_dev->data->dev_started)
		return 0;
	return rx_frames_fit(eth_dev, mtu);
}

/* What testpmd's "show rxq info" prints: the ring a queue got. */
static void
rxq_info_get(struct rte_eth_dev *eth_dev, uint16_t qid,
	     struct rte_eth_rxq_info *qinfo)
{
	const struct virtio_spin_rxq *rxq = eth_dev->data->rx_queues[qid];

	qinfo->mp = rxq->mp;
	qinfo->nb_desc = (uint16_t)rxq->vq.vr.num;
	qinfo->scattered_rx = rxq->scatter;
	qinfo->rx_buf_size =
		rte_pktmbuf_data_room_size(rxq->mp) - RTE_PKTMBUF_HEADROOM;
}

static void
txq_info_get(struct rte_eth_dev *eth_dev, uint16_t qid,
	     struct rte_eth_txq_info *qinfo)
{
	const struct virtio_spin_txq *txq = eth_dev->data->tx_queues[qid];

	qinfo->nb_desc = (uint16_t)txq->vq.vr.num;
}

static const struct eth_dev_ops virtio_spin_ops = {
	.dev_configure = dev_configure,
	.dev_infos_get = dev_infos_get,
	.dev_start = dev_start,
	.dev_stop = dev_stop,
	.dev_close = dev_close,
	.link_update = link_update,
	.mtu_set = mtu_set,
	.mac_addr_set = mac_addr_set,
	.vlan_offload_set = vlan_offload_set,
	.promiscuous_enable = promisc_noop,
	.promiscuous_disable = promisc_noop,
	.allmulticast_enable = promisc_noop,
	.allmulticast_disable = promisc_noop,
	.rx_queue_setup = rx_queue_setup,
	.tx_queue_setup = tx_queue_setup,
	.rx_queue_release = rx_queue_release,
	.tx_queue_release = tx_queue_release,
	.rxq_info_get = rxq_info_get,
	.txq_info_get = txq_info_get,
	.tx_done_cleanup = virtio_spin_tx_done_cleanup,
	.get_monitor_addr = virtio_spin_get_monitor_addr,
	.rx_queue_intr_enable = virtio_spin_rx_intr_enable,
	.rx_queue_intr_disable = virtio_spin_rx_intr_disable,
	.stats_get = virtio_spin_stats_get,
	.stats_reset = virtio_spin_stats_reset,
	.xstats_get = virtio_spin_xstats_get,
	.xstats_get_names = virtio_spin_xstats_get_names,
	.xstats_reset = virtio_spin_xstats_reset,
};

/* -- probe / remove ---------------------------------------------------- */

/*
 * A server port of this process already on dev's socket file, however
 * spelt: without this, the new port would take the other's listening
 * socket for another process's and connect to it to find out (and the
 * other would take that for a backend). NULL if none.
 */
static const struct virtio_spin_dev *
server_on_same_file(const struct virtio_spin_dev *dev)
{
	uint16_t pid;

	for (pid = 0; pid < RTE_MAX_ETHPORTS; pid++) {
		const struct rte_eth_dev *e = &rte_eth_devices[pid];
		const struct virtio_spin_dev *other;

		if (e->state == RTE_ETH_DEV_UNUSED ||
		    e->dev_ops != &virtio_spin_ops || e == dev->eth_dev)
			continue;
		other = e->data->dev_private;
		if (other->server &&
		    vspin_same_socket_file(other->path, dev->path))
			return other;
	}
	return NULL;
}

static int
dev_init(struct virtio_spin_dev *dev, const char *name)
{
	unsigned int i;
	int fd;

	for (i = 0; i < 2u * dev->max_qp; i++) {
		dev->kickfd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		dev->callfd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (dev->kickfd[i] < 0 || dev->callfd[i] < 0) {
			PMD_LOG(ERR, "%s: eventfd: %s", name, strerror(errno));
			return -1;
		}
	}
	dev->eth_dev->intr_handle =
		rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	dev->sock_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	dev->listen_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (dev->eth_dev->intr_handle == NULL || dev->sock_intr == NULL ||
	    dev->listen_intr == NULL ||
	    rte_intr_type_set(dev->sock_intr, RTE_INTR_HANDLE_EXT) ||
	    rte_intr_type_set(dev->listen_intr, RTE_INTR_HANDLE_EXT) ||
	    rte_intr_type_set(dev->eth_dev->intr_handle, RTE_INTR_HANDLE_VDEV))
		return -1;
	/* Before any connection: a new table whenever the memory changes. */
	if (virtio_spin_mem_events_register(dev) < 0 ||
	    virtio_spin_conn_thread_start(dev) < 0)
		return -1;
	if (dev->server) {
		const struct virtio_spin_dev *other = server_on_same_file(dev);

		if (other != NULL) {
			PMD_LOG(ERR,
				"%s: %s: already used by port %u (path %s)",
				name, dev->path, other->eth_dev->data->port_id,
				other->path);
			return -1;
		}
		return virtio_spin_listen_socket(dev);
	}
	/* Client: the backend must be there now; later it may come and go. */
	fd = virtio_spin_connect_socket(dev, false);
	if (fd < 0)
		return -1;
	virtio_spin_ctl_lock(dev);
	i = virtio_spin_attach(dev, fd, NULL);
	virtio_spin_ctl_unlock(dev);
	if ((int)i < 0) {
		PMD_LOG(ERR, "%s: vhost-user negotiation with %s failed", name,
			dev->path);
		return -1;
	}
	return 0;
}

static int
virtio_spin_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *eth_dev;
	struct virtio_spin_dev *dev;
	unsigned int i;
	int r;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		PMD_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	eth_dev = rte_eth_vdev_allocate(vdev, sizeof(*dev));
	if (eth_dev == NULL)
		return -ENOMEM;
	dev = eth_dev->data->dev_private;
	dev->eth_dev = eth_dev;
	dev->vu.fd = -1;
	dev->vu.path = dev->path;
	dev->vu.reply_timeout_ms = VIRTIO_SPIN_REPLY_TIMEOUT_MS;
	dev->listen_fd = dev->spare_fd = dev->parked_fd = -1;
	/* Before anything can fail: dev_close() closes every fd >= 0. */
	for (i = 0; i < 2u * VIRTIO_SPIN_MAX_QUEUES; i++)
		dev->kickfd[i] = dev->callfd[i] = -1;
	dev->max_qp = 1;
	dev->rx_ring_default = dev->tx_ring_default = 0; /* queue_size= */
	vspin_policy_conf_default(&dev->pconf);
	rte_eth_random_addr(dev->mac.addr_bytes);
	pthread_mutex_init(&dev->lock, NULL);
	virtio_spin_conn_init(dev);
	eth_dev->dev_ops = &virtio_spin_ops;
	eth_dev->data->mac_addrs = &dev->mac;
	eth_dev->rx_pkt_burst = virtio_spin_recv;
	eth_dev->tx_pkt_burst = virtio_spin_xmit;
	eth_dev->rx_queue_count = virtio_spin_rx_queue_count;
	eth_dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;

	r = virtio_spin_parse_devargs(dev, name, rte_vdev_device_args(vdev));
	/* sleep=auto needs to know every port of the process. */
	if (r == 0 &&
	    vspin_census_track(&virtio_spin_ops, vspin_sleeper_wake_all) != 0)
		PMD_LOG(WARNING,
			"%s: cannot follow the ports: sleep=auto "
			"will not block",
			name);
	/* Without queue_size=, adaptive gets longer rings. */
	if (dev->rx_ring_default == 0) {
		dev->tx_ring_default = VIRTIO_SPIN_DEFAULT_QUEUE_SIZE;
		dev->rx_ring_default = VIRTIO_SPIN_DEFAULT_QUEUE_SIZE;
		if (dev->pconf.mode == VSPIN_MODE_ADAPTIVE) {
			dev->rx_ring_default =
				VIRTIO_SPIN_ADAPTIVE_RX_QUEUE_SIZE;
			dev->tx_ring_default =
				VIRTIO_SPIN_ADAPTIVE_TX_QUEUE_SIZE;
			dev->tx_soft_depth = VIRTIO_SPIN_TX_SOFT_DEPTH;
			dev->rx_soft_depth = VIRTIO_SPIN_RX_SOFT_DEPTH;
		}
	}
	if (r == 0) {
		dev->spin = dev->pconf.mode != VSPIN_MODE_POLL;
		dev->tsc_hz = vspin_clock_hz(rte_get_tsc_hz());
		if (dev_init(dev, name) < 0)
			r = -EIO;
	}
	if (r != 0) {
		dev_close(eth_dev);
		rte_eth_dev_release_port(eth_dev);
		return r;
	}
	virtio_spin_set_link(dev, false);
	PMD_LOG(INFO,
		"%s: %s on %s, %u queue pairs, rings rx %u (%u posted near "
		"saturation) tx %u (%u in flight while the host polls), "
		"spin_mode %s",
		name, dev->server ? "server" : "client", dev->path, dev->max_qp,
		dev->rx_ring_default,
		dev->rx_soft_depth ? dev->rx_soft_depth : dev->rx_ring_default,
		dev->tx_ring_default,
		dev->tx_soft_depth ? dev->tx_soft_depth : dev->tx_ring_default,
		vspin_mode_name(dev->pconf.mode));
	rte_eth_dev_probing_finish(eth_dev);
	return 0;
}

static int
virtio_spin_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *eth_dev =
		rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (eth_dev == NULL)
		return 0;
	dev_close(eth_dev);
	return rte_eth_dev_release_port(eth_dev);
}

static struct rte_vdev_driver virtio_spin_vdev = {
	.probe = virtio_spin_probe,
	.remove = virtio_spin_remove,
};

RTE_PMD_REGISTER_VDEV(net_virtio_spin, virtio_spin_vdev);
