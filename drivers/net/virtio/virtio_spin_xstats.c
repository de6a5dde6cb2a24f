/* SPDX-License-Identifier: BSD-3-Clause
 * Basic stats and per-queue xstats of net_virtio_spin. Per queue:
 * packets, bytes, errors, bad_used (entries the backend returned with a
 * bad id), then the lib/vspin counters named by vspin_stats_name(): on rx
 * all of them ("rx_q0_kicks" counts rx-buffer refill kicks, then arms,
 * sleeps, wake-ups, ...), on tx the kicks sent and suppressed.
 */
#include <stdio.h>
#include <string.h>

#include "virtio_spin.h"

#define Q_BASIC_NB 4  /* packets, bytes, errors, bad_used */
#define TX_VSPIN_NB 2 /* kicks, kicks_suppressed */

static const char *const q_basic_names[Q_BASIC_NB] = {"packets", "bytes",
						      "errors", "bad_used"};

static unsigned int
rx_nb(void)
{
	return Q_BASIC_NB + VSPIN_STATS_NB;
}

static unsigned int
tx_nb(void)
{
	return Q_BASIC_NB + TX_VSPIN_NB;
}

static unsigned int
xstats_count(const struct rte_eth_dev *dev)
{
	return dev->data->nb_rx_queues * rx_nb() +
	       dev->data->nb_tx_queues * tx_nb();
}

int
virtio_spin_xstats_get_names(struct rte_eth_dev *dev,
			     struct rte_eth_xstat_name *names,
			     unsigned int size)
{
	unsigned int n = xstats_count(dev), k = 0, q, i;

	if (names == NULL || size < n)
		return (int)n;
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		for (i = 0; i < Q_BASIC_NB; i++)
			snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE,
				 "rx_q%u_%s", q, q_basic_names[i]);
		for (i = 0; i < VSPIN_STATS_NB; i++)
			vspin_stats_name(i, "rx", q, "kicks", names[k++].name,
					 RTE_ETH_XSTATS_NAME_SIZE);
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		for (i = 0; i < Q_BASIC_NB; i++)
			snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE,
				 "tx_q%u_%s", q, q_basic_names[i]);
		for (i = 0; i < TX_VSPIN_NB; i++)
			vspin_stats_name(i, "tx", q, "kicks", names[k++].name,
					 RTE_ETH_XSTATS_NAME_SIZE);
	}
	return (int)n;
}

/*
 * A queue's counters since the user's last reset (vspin_stats.h): the
 * lcore keeps counting, only the bases move.
 */
static void
qstats_since(const struct virtio_spin_qstats *st,
	     const struct virtio_spin_qbase *b, struct virtio_spin_qstats *out)
{
	out->packets = vspin_count_since(&st->packets, &b->st.packets);
	out->bytes = vspin_count_since(&st->bytes, &b->st.bytes);
	out->errors = vspin_count_since(&st->errors, &b->st.errors);
	out->nombuf = vspin_count_since(&st->nombuf, &b->st.nombuf);
}

static void
qstats_reset(const struct virtio_spin_qstats *st, struct virtio_spin_qstats *b)
{
	vspin_count_reset(&st->packets, &b->packets);
	vspin_count_reset(&st->bytes, &b->bytes);
	vspin_count_reset(&st->errors, &b->errors);
	vspin_count_reset(&st->nombuf, &b->nombuf);
}

/* xstats_reset: the basic counters too (ethdev does not call both). */
static void
qbase_take(const struct virtio_spin_qstats *st, const uint64_t *bad_used,
	   const struct vspin_stats *vst, struct virtio_spin_qbase *b)
{
	qstats_reset(st, &b->st);
	vspin_count_reset(bad_used, &b->bad_used);
	vspin_stats_reset(vst, &b->vst);
}

/* The xstats of one queue from k on; nb_vspin of its lib/vspin ones. */
static unsigned int
put_queue(struct rte_eth_xstat *xs, unsigned int k,
	  const struct virtio_spin_qstats *st, const uint64_t *bad_used,
	  const struct vspin_stats *vst, const struct virtio_spin_qbase *b,
	  unsigned int nb_vspin, uint64_t tsc_hz)
{
	struct virtio_spin_qstats q;
	struct vspin_stats v;
	unsigned int i;

	qstats_since(st, b, &q);
	vspin_stats_since(vst, &b->vst, &v);
	xs[k++].value = q.packets;
	xs[k++].value = q.bytes;
	xs[k++].value = q.errors;
	xs[k++].value = vspin_count_since(bad_used, &b->bad_used);
	for (i = 0; i < nb_vspin; i++)
		xs[k++].value = vspin_stats_value(&v, i, tsc_hz);
	return k;
}

/* What a queue not set up yet (NULL) shows: zeros. */
static const struct virtio_spin_qstats zero_st;
static const struct vspin_stats zero_vst;
static const struct virtio_spin_qbase zero_base;
static const uint64_t zero_count;

int
virtio_spin_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		       unsigned int size)
{
	struct virtio_spin_dev *vd = dev->data->dev_private;
	unsigned int n = xstats_count(dev), k = 0, q, i;

	if (xs == NULL || size < n)
		return (int)n;
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		const struct virtio_spin_rxq *rxq = dev->data->rx_queues[q];

		k = put_queue(xs, k, rxq ? &rxq->st : &zero_st,
			      rxq ? &rxq->vq.bad_used : &zero_count,
			      rxq ? &rxq->vst : &zero_vst,
			      rxq ? &rxq->base : &zero_base, VSPIN_STATS_NB,
			      vd->tsc_hz);
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		const struct virtio_spin_txq *txq = dev->data->tx_queues[q];

		k = put_queue(xs, k, txq ? &txq->st : &zero_st,
			      txq ? &txq->vq.bad_used : &zero_count,
			      txq ? &txq->vst : &zero_vst,
			      txq ? &txq->base : &zero_base, TX_VSPIN_NB,
			      vd->tsc_hz);
	}
	for (i = 0; i < n; i++)
		xs[i].id = i;
	return (int)n;
}

int
virtio_spin_xstats_reset(struct rte_eth_dev *dev)
{
	unsigned int q;

	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		struct virtio_spin_rxq *rxq = dev->data->rx_queues[q];

		if (rxq != NULL)
			qbase_take(&rxq->st, &rxq->vq.bad_used, &rxq->vst,
				   &rxq->base);
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		struct virtio_spin_txq *txq = dev->data->tx_queues[q];

		if (txq != NULL)
			qbase_take(&txq->st, &txq->vq.bad_used, &txq->vst,
				   &txq->base);
	}
	return 0;
}

int
virtio_spin_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats)
{
	struct virtio_spin_qstats st;
	unsigned int q;

	/* Not ethdev's rx_mbuf_alloc_failed: each queue counts its own. */
	stats->rx_nombuf = 0;
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		const struct virtio_spin_rxq *rxq = dev->data->rx_queues[q];

		if (rxq == NULL)
			continue;
		qstats_since(&rxq->st, &rxq->base, &st);
		stats->ipackets += st.packets;
		stats->ibytes += st.bytes;
		stats->ierrors += st.errors;
		stats->rx_nombuf += st.nombuf;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			stats->q_ipackets[q] = st.packets;
			stats->q_ibytes[q] = st.bytes;
			stats->q_errors[q] = st.errors;
		}
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		const struct virtio_spin_txq *txq = dev->data->tx_queues[q];

		if (txq == NULL)
			continue;
		qstats_since(&txq->st, &txq->base, &st);
		stats->opackets += st.packets;
		stats->obytes += st.bytes;
		stats->oerrors += st.errors;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			stats->q_opackets[q] = st.packets;
			stats->q_obytes[q] = st.bytes;
		}
	}
	return 0;
}

int
virtio_spin_stats_reset(struct rte_eth_dev *dev)
{
	unsigned int q;

	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		struct virtio_spin_rxq *rxq = dev->data->rx_queues[q];

		if (rxq != NULL)
			qstats_reset(&rxq->st, &rxq->base.st);
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		struct virtio_spin_txq *txq = dev->data->tx_queues[q];

		if (txq != NULL)
			qstats_reset(&txq->st, &txq->base.st);
	}
	return 0;
}
