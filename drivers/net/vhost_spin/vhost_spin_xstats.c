/* SPDX-License-Identifier: BSD-3-Clause
 * Extended statistics of net_vhost_spin, in this order:
 *   1. per rx queue, then per tx queue, the counters of lib/vspin
 *      ("rx_q0_calls", "rx_q0_arms", ...; "calls" are the library's
 *      notifications of the guest on that ring, "calls_suppressed" the
 *      publishes it decided not to notify);
 *   2. per rx queue, then per tx queue, "rx_q0_lookahead_bursts": the
 *      bursts after which the guest's next packets were prefetched
 *      (vhost_spin_lookahead.h; 0 with short frames or a packed ring);
 *      then per rx queue "rx_q0_lookahead_lines", the lines per packet
 *      the receive side prefetches now (4 or 32, the faster here);
 *   3. while a frontend is attached, the library's own vring statistics
 *      under its own names ("rx_q0_guest_notifications", ...).
 * Read by the control thread without a lock (plain per-queue counters),
 * or by a secondary process (the queues are in shared memory).
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_vhost.h>

#include "vhost_spin.h"
#include "vspin_clock.h"

/* The library's notification counter, looked up by name once per read. */
#define LIB_CALLS_NAME "guest_notifications"

struct lib_stats {
	int n;				   /* per vring; <= 0: none */
	struct rte_vhost_stat_name *names; /* of vring 0 (tx) */
	int calls_id;			   /* index of LIB_CALLS_NAME, or -1 */
};

/*
 * The frontend's vid for the library's statistics calls, or -1; give it
 * back with lib_vid_put(). The library frees or resets the device only
 * after destroy_device() (vhost_spin_vhost.c), which waits for us. A
 * secondary process (dpdk-proc-info)
 * has no vhost device of its own to ask, nor may it take the primary's
 * lock: it reads our counters only.
 */
static int
lib_vid_take(struct rte_eth_dev *dev)
{
	struct vhost_spin_port *p = dev->data->dev_private;
	int vid;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -1;
	pthread_mutex_lock(&p->lock);
	vid = p->attached ? p->vid : -1;
	if (vid >= 0)
		__atomic_fetch_add(&p->lib_readers, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&p->lock);
	return vid;
}

static void
lib_vid_put(struct rte_eth_dev *dev, int vid)
{
	struct vhost_spin_port *p = dev->data->dev_private;

	if (vid >= 0)
		__atomic_fetch_sub(&p->lib_readers, 1, __ATOMIC_RELEASE);
}

/* How many statistics the library has per vring, and which is "calls". */
static void
lib_stats_probe(int vid, struct lib_stats *ls)
{
	struct rte_vhost_stat_name *names;
	int i;

	ls->n = vid < 0 ? -1 : rte_vhost_vring_stats_get_names(vid, 0, NULL, 0);
	ls->names = NULL;
	ls->calls_id = -1;
	if (ls->n <= 0)
		return;
	names = calloc(ls->n, sizeof(*names));
	if (names == NULL ||
	    rte_vhost_vring_stats_get_names(vid, 0, names, ls->n) != ls->n) {
		free(names);
		ls->n = -1;
		return;
	}
	ls->names = names;
	for (i = 0; i < ls->n; i++)
		if (strstr(ls->names[i].name, LIB_CALLS_NAME) != NULL)
			ls->calls_id = i;
}

static unsigned int
nb_queues(const struct rte_eth_dev *dev)
{
	return dev->data->nb_rx_queues + dev->data->nb_tx_queues;
}

/* Queue j of the combined list: rx queues first, then tx queues. */
static void
queue_at(struct rte_eth_dev *dev, unsigned int j, bool *rx, uint16_t *qid,
	 uint16_t *vring)
{
	*rx = j < dev->data->nb_rx_queues;
	*qid = *rx ? j : j - dev->data->nb_rx_queues;
	*vring = *rx ? 2 * *qid + 1 : 2 * *qid;
}

/* Lines per packet of an rx queue's lookahead now (0: not set up). */
static uint64_t
lookahead_lines(struct rte_eth_dev *dev, uint16_t qid)
{
	const struct vhost_spin_rxq *q = dev->data->rx_queues[qid];

	if (q == NULL)
		return 0;
	return __atomic_load_n(&q->ahead.depth.setting, __ATOMIC_RELAXED) ?
		       VHOST_SPIN_LOOKAHEAD_LINES_WHOLE :
		       VHOST_SPIN_LOOKAHEAD_LINES;
}

/* A queue configured but not set up yet (NULL) counts nothing. */
static uint64_t
lookahead_bursts(struct rte_eth_dev *dev, bool rx, uint16_t qid)
{
	const struct vhost_spin_rxq *rq = rx ? dev->data->rx_queues[qid] : NULL;
	const struct vhost_spin_txq *tq = rx ? NULL : dev->data->tx_queues[qid];

	if (rq != NULL)
		return vspin_count_since(&rq->ahead.bursts,
					 &rq->base.lookahead_bursts);
	return tq != NULL ? vspin_count_since(&tq->ahead.bursts,
					      &tq->base.lookahead_bursts) :
			    0;
}

int
vhost_spin_xstats_get_names(struct rte_eth_dev *dev,
			    struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int nq = nb_queues(dev), total, j, i, k = 0;
	struct lib_stats ls;
	bool rx;
	uint16_t qid, vring;
	int vid = lib_vid_take(dev);

	lib_stats_probe(vid, &ls);
	lib_vid_put(dev, vid);
	total = nq * (VSPIN_STATS_NB + 1) + dev->data->nb_rx_queues +
		(ls.n > 0 ? nq * ls.n : 0);
	if (names == NULL || size < total) {
		free(ls.names);
		return total;
	}
	for (j = 0; j < nq; j++) {
		queue_at(dev, j, &rx, &qid, &vring);
		for (i = 0; i < VSPIN_STATS_NB; i++)
			vspin_stats_name(i, rx ? "rx" : "tx", qid, "calls",
					 names[k++].name,
					 sizeof(names[0].name));
	}
	for (j = 0; j < nq; j++) {
		queue_at(dev, j, &rx, &qid, &vring);
		snprintf(names[k++].name, sizeof(names[0].name),
			 "%s_q%u_lookahead_bursts", rx ? "rx" : "tx", qid);
	}
	for (qid = 0; qid < dev->data->nb_rx_queues; qid++)
		snprintf(names[k++].name, sizeof(names[0].name),
			 "rx_q%u_lookahead_lines", qid);
	for (j = 0; ls.n > 0 && j < nq; j++) {
		queue_at(dev, j, &rx, &qid, &vring);
		/* The library's "tx_q0_x" of vring 0 becomes ours per queue. */
		for (i = 0; i < (unsigned int)ls.n; i++) {
			const char *suffix = strchr(ls.names[i].name, '_');

			suffix = suffix ? strchr(suffix + 1, '_') : NULL;
			snprintf(names[k++].name, sizeof(names[0].name),
				 "%s_q%u%s", rx ? "rx" : "tx", qid,
				 suffix ? suffix : "_?");
		}
	}
	free(ls.names);
	return total;
}

/* A queue's counters since the user's last reset; returns its publishes. */
static uint64_t
since_base(const struct vhost_spin_qcounts *cnt,
	   const struct vspin_stats *vstats,
	   const struct vhost_spin_qbase *base, struct vspin_stats *s)
{
	vspin_stats_since(vstats, &base->vstats, s);
	return vspin_count_since(&cnt->publishes, &base->cnt.publishes);
}

int
vhost_spin_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
		      unsigned int n)
{
	unsigned int nq = nb_queues(dev), total, j, i, k = 0;
	struct rte_vhost_stat *lib = NULL;
	uint64_t hz = vspin_clock_hz(rte_get_tsc_hz());
	struct lib_stats ls;
	int vid = lib_vid_take(dev);
	bool rx;
	uint16_t qid, vring;

	lib_stats_probe(vid, &ls);
	total = nq * (VSPIN_STATS_NB + 1) + dev->data->nb_rx_queues +
		(ls.n > 0 ? nq * ls.n : 0);
	if (xstats == NULL || n < total)
		goto out;
	if (ls.n > 0) {
		lib = calloc((size_t)nq * ls.n, sizeof(*lib));
		for (j = 0; lib != NULL && j < nq; j++) {
			queue_at(dev, j, &rx, &qid, &vring);
			if (rte_vhost_vring_stats_get(vid, vring,
						      lib + (size_t)j * ls.n,
						      ls.n) != ls.n)
				memset(lib + (size_t)j * ls.n, 0,
				       sizeof(*lib) * ls.n);
		}
	}
	for (j = 0; j < nq; j++) {
		struct vspin_stats s = {0};
		uint64_t publishes = 0;

		queue_at(dev, j, &rx, &qid, &vring);
		if (rx) {
			struct vhost_spin_rxq *q = dev->data->rx_queues[qid];

			if (q != NULL)
				publishes = since_base(&q->cnt, &q->vstats,
						       &q->base, &s);
		} else {
			struct vhost_spin_txq *q = dev->data->tx_queues[qid];

			if (q != NULL)
				publishes = since_base(&q->cnt, &q->vstats,
						       &q->base, &s);
		}
		/* Calls are counted by the library, per vring. */
		if (lib != NULL && ls.calls_id >= 0) {
			s.notifies = lib[(size_t)j * ls.n + ls.calls_id].value;
			s.notifies_suppressed = publishes > s.notifies ?
							publishes - s.notifies :
							0;
		}
		for (i = 0; i < VSPIN_STATS_NB; i++) {
			xstats[k].id = k;
			xstats[k].value = vspin_stats_value(&s, i, hz);
			k++;
		}
	}
	for (j = 0; j < nq; j++) {
		queue_at(dev, j, &rx, &qid, &vring);
		xstats[k].id = k;
		xstats[k].value = lookahead_bursts(dev, rx, qid);
		k++;
	}
	for (qid = 0; qid < dev->data->nb_rx_queues; qid++) {
		xstats[k].id = k;
		xstats[k].value = lookahead_lines(dev, qid);
		k++;
	}
	for (j = 0; ls.n > 0 && j < nq; j++) {
		for (i = 0; i < (unsigned int)ls.n; i++) {
			xstats[k].id = k;
			xstats[k].value =
				lib ? lib[(size_t)j * ls.n + i].value : 0;
			k++;
		}
	}
out:
	lib_vid_put(dev, vid);
	free(lib);
	free(ls.names);
	return total;
}

/*
 * The lcore keeps counting: only the bases move (vspin_stats.h). The
 * basic counters too: ethdev's generic xstats (rx_good_packets, ...) are
 * those, and rte_eth_xstats_reset() calls this alone.
 */
static void
reset_base(const struct vhost_spin_qcounts *cnt, const uint64_t *bursts,
	   const struct vspin_stats *vstats, struct vhost_spin_qbase *base)
{
	vhost_spin_basic_reset(cnt, base);
	vspin_count_reset(&cnt->publishes, &base->cnt.publishes);
	vspin_count_reset(bursts, &base->lookahead_bursts);
	vspin_stats_reset(vstats, &base->vstats);
}

int
vhost_spin_xstats_reset(struct rte_eth_dev *dev)
{
	int vid = lib_vid_take(dev);
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vhost_spin_rxq *q = dev->data->rx_queues[i];

		if (q == NULL)
			continue;
		reset_base(&q->cnt, &q->ahead.bursts, &q->vstats, &q->base);
		if (vid >= 0)
			rte_vhost_vring_stats_reset(vid, q->vring);
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct vhost_spin_txq *q = dev->data->tx_queues[i];

		if (q == NULL)
			continue;
		reset_base(&q->cnt, &q->ahead.bursts, &q->vstats, &q->base);
		if (vid >= 0)
			rte_vhost_vring_stats_reset(vid, q->vring);
	}
	lib_vid_put(dev, vid);
	return 0;
}
