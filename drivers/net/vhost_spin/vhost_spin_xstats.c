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
 *   3. per rx queue, then per tx queue, the library's own vring
 *      statistics under its own names ("rx_q0_guest_notifications", ...;
 *      0 while no frontend is attached). The count never changes while
 *      the queues stay configured.
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

/*
 * The library's per-vring statistics we pass on, by the name it gives them
 * after "tx_qN_" (DPDK 22.11's set). A fixed list, so that the count of
 * xstats stays the same when a frontend comes or goes: ethdev sizes its
 * buffer with one call and fills it with the next
 * (rte_eth_xstats_get_by_id() reads and writes past it if the count grew
 * between them). With no frontend attached, or if the library lacks one,
 * it reads 0.
 */
static const char *const lib_names[] = {
	"good_packets",		  "good_bytes",
	"multicast_packets",	  "broadcast_packets",
	"undersize_packets",	  "size_64_packets",
	"size_65_127_packets",	  "size_128_255_packets",
	"size_256_511_packets",	  "size_512_1023_packets",
	"size_1024_1518_packets", "size_1519_max_packets",
	"guest_notifications",	  "iotlb_hits",
	"iotlb_misses",		  "inflight_submitted",
	"inflight_completed",
};
#define LIB_NB RTE_DIM(lib_names)
/* Its notifications of the guest: our "calls". */
#define LIB_CALLS_NAME "guest_notifications"

struct lib_stats {
	int n;			    /* the library's per vring; <= 0: none */
	int at[LIB_NB];		    /* its index of each of ours, or -1 */
	int calls;		    /* our index of LIB_CALLS_NAME */
	struct rte_vhost_stat *buf; /* n of them, for one vring's read */
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
lib_vid_take(struct rte_eth_dev *dev, bool reset_later)
{
	struct vhost_spin_port *p = dev->data->dev_private;
	int vid;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -1;
	pthread_mutex_lock(&p->lock);
	vid = p->attached ? p->vid : -1;
	if (vid >= 0)
		__atomic_fetch_add(&p->lib_readers, 1, __ATOMIC_SEQ_CST);
	else if (reset_later) /* vhost_spin_xstats_attached() */
		p->lib_reset_pending = true;
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

/* Where the library keeps each of our lib_names (vid < 0: nowhere). */
static void
lib_stats_probe(int vid, struct lib_stats *ls)
{
	struct rte_vhost_stat_name *names = NULL;
	unsigned int i;
	int k;

	ls->calls = -1;
	for (i = 0; i < LIB_NB; i++) {
		ls->at[i] = -1;
		if (strcmp(lib_names[i], LIB_CALLS_NAME) == 0)
			ls->calls = i;
	}
	ls->buf = NULL;
	ls->n = vid < 0 ? -1 : rte_vhost_vring_stats_get_names(vid, 0, NULL, 0);
	if (ls->n <= 0)
		return;
	names = calloc(ls->n, sizeof(*names));
	ls->buf = calloc(ls->n, sizeof(*ls->buf));
	if (names == NULL || ls->buf == NULL ||
	    rte_vhost_vring_stats_get_names(vid, 0, names, ls->n) != ls->n) {
		ls->n = -1;
		goto out;
	}
	for (k = 0; k < ls->n; k++) {
		/* "tx_q0_good_packets": what follows the second '_'. */
		const char *suffix = strchr(names[k].name, '_');

		suffix = suffix ? strchr(suffix + 1, '_') : NULL;
		for (i = 0; suffix != NULL && i < LIB_NB; i++)
			if (strcmp(suffix + 1, lib_names[i]) == 0)
				ls->at[i] = k;
	}
out:
	free(names);
}

static void
lib_stats_free(struct lib_stats *ls)
{
	free(ls->buf);
	ls->buf = NULL;
}

/* One vring's values of lib_names into v (0 where the library has none). */
static void
lib_stats_read(int vid, uint16_t vring, struct lib_stats *ls, uint64_t *v)
{
	bool ok = ls->n > 0 && rte_vhost_vring_stats_get(vid, vring, ls->buf,
							 ls->n) == ls->n;
	unsigned int i;

	for (i = 0; i < LIB_NB; i++)
		v[i] = ok && ls->at[i] >= 0 ? ls->buf[ls->at[i]].value : 0;
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

static unsigned int
xstats_count(const struct rte_eth_dev *dev)
{
	unsigned int nq = nb_queues(dev);

	return nq * (VSPIN_STATS_NB + 1 + LIB_NB) + dev->data->nb_rx_queues;
}

int
vhost_spin_xstats_get_names(struct rte_eth_dev *dev,
			    struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int nq = nb_queues(dev), total = xstats_count(dev), j, i;
	unsigned int k = 0;
	bool rx;
	uint16_t qid, vring;

	if (names == NULL || size < total)
		return total;
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
	for (j = 0; j < nq; j++) {
		queue_at(dev, j, &rx, &qid, &vring);
		for (i = 0; i < LIB_NB; i++)
			snprintf(names[k++].name, sizeof(names[0].name),
				 "%s_q%u_%s", rx ? "rx" : "tx", qid,
				 lib_names[i]);
	}
	return total;
}

/*
 * A queue's counters since the user's last reset; returns the publishes on
 * its vring (other tx queues' too, as the library's calls count them).
 */
static uint64_t
since_base(const struct vhost_spin_qcounts *cnt,
	   const struct vspin_stats *vstats,
	   const struct vhost_spin_qbase *base, struct vspin_stats *s)
{
	vspin_stats_since(vstats, &base->vstats, s);
	return vspin_count_since(&cnt->publishes, &base->cnt.publishes) +
	       vspin_count_since(&cnt->publishes_in, &base->cnt.publishes_in);
}

int
vhost_spin_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
		      unsigned int n)
{
	unsigned int nq = nb_queues(dev), total = xstats_count(dev), j, i;
	unsigned int k = 0;
	uint64_t *lib = NULL;
	uint64_t hz = vspin_clock_hz(rte_get_tsc_hz());
	struct lib_stats ls;
	int vid;
	bool rx;
	uint16_t qid, vring;

	if (xstats == NULL || n < total)
		return total;
	vid = lib_vid_take(dev, false);
	lib_stats_probe(vid, &ls);
	lib = calloc((size_t)nq * LIB_NB, sizeof(*lib));
	for (j = 0; j < nq; j++) {
		struct vspin_stats s = {0};
		uint64_t publishes = 0;
		uint64_t *v = lib ? lib + (size_t)j * LIB_NB : NULL;

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
		/*
		 * Calls are counted by the library, per vring: read after our
		 * publishes, so that suppressed ones are never over-counted.
		 */
		if (v != NULL && ls.n > 0 && ls.calls >= 0) {
			lib_stats_read(vid, vring, &ls, v);
			s.notifies = v[ls.calls];
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
	lib_vid_put(dev, vid);
	lib_stats_free(&ls);
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
	for (j = 0; j < nq; j++) {
		for (i = 0; i < LIB_NB; i++) {
			xstats[k].id = k;
			xstats[k].value = lib ? lib[(size_t)j * LIB_NB + i] : 0;
			k++;
		}
	}
	free(lib);
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
	vspin_count_reset(&cnt->publishes_in, &base->cnt.publishes_in);
	vspin_count_reset(bursts, &base->lookahead_bursts);
	vspin_stats_reset(vstats, &base->vstats);
}

/* The library's statistics of every queue's vring (vid >= 0). */
static void
lib_reset(struct rte_eth_dev_data *d, int vid)
{
	uint16_t i;

	for (i = 0; d->rx_queues != NULL && i < d->nb_rx_queues; i++) {
		struct vhost_spin_rxq *q = d->rx_queues[i];

		if (q != NULL)
			rte_vhost_vring_stats_reset(vid, q->vring);
	}
	for (i = 0; d->tx_queues != NULL && i < d->nb_tx_queues; i++) {
		struct vhost_spin_txq *q = d->tx_queues[i];

		if (q != NULL)
			rte_vhost_vring_stats_reset(vid, q->vring);
	}
}

/*
 * new_device, the port's lock held, gates closed: a reset the
 * application asked for while no frontend was attached reaches the
 * library's counters now. A frontend that stopped its rings and starts
 * them again on the same connection brings them back unreset otherwise.
 */
void
vhost_spin_xstats_attached(struct vhost_spin_port *p, int vid)
{
	if (!p->lib_reset_pending)
		return;
	p->lib_reset_pending = false;
	lib_reset(p->dev->data, vid);
}

int
vhost_spin_xstats_reset(struct rte_eth_dev *dev)
{
	uint16_t i;
	int vid;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vhost_spin_rxq *q = dev->data->rx_queues[i];

		if (q != NULL)
			reset_base(&q->cnt, &q->ahead.bursts, &q->vstats,
				   &q->base);
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct vhost_spin_txq *q = dev->data->tx_queues[i];

		if (q != NULL)
			reset_base(&q->cnt, &q->ahead.bursts, &q->vstats,
				   &q->base);
	}
	/* The library's: now, or at the next attach. */
	vid = lib_vid_take(dev, true);
	if (vid >= 0)
		lib_reset(dev->data, vid);
	lib_vid_put(dev, vid);
	return 0;
}
