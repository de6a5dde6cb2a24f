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

static unsigned int
put_basic(struct rte_eth_xstat *xs, unsigned int k,
	  const struct virtio_spin_qstats *st, uint64_t bad_used)
{
	xs[k++].value = st->packets;
	xs[k++].value = st->bytes;
	xs[k++].value = st->errors;
	xs[k++].value = bad_used;
	return k;
}

int
virtio_spin_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		       unsigned int size)
{
	struct virtio_spin_dev *vd = dev->data->dev_private;
	unsigned int n = xstats_count(dev), k = 0, q, i;

	if (xs == NULL || size < n)
		return (int)n;
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		struct virtio_spin_rxq *rxq = dev->data->rx_queues[q];
		static const struct virtio_spin_qstats zero;

		k = put_basic(xs, k, rxq ? &rxq->st : &zero,
			      rxq ? rxq->vq.bad_used : 0);
		for (i = 0; i < VSPIN_STATS_NB; i++)
			xs[k++].value = rxq ? vspin_stats_value(&rxq->vst, i,
								vd->tsc_hz) :
					      0;
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		struct virtio_spin_txq *txq = dev->data->tx_queues[q];
		static const struct virtio_spin_qstats zero;

		k = put_basic(xs, k, txq ? &txq->st : &zero,
			      txq ? txq->vq.bad_used : 0);
		for (i = 0; i < TX_VSPIN_NB; i++)
			xs[k++].value = txq ? vspin_stats_value(&txq->vst, i,
								vd->tsc_hz) :
					      0;
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

		if (rxq != NULL) {
			memset(&rxq->st, 0, sizeof(rxq->st));
			vspin_stats_reset(&rxq->vst);
			rxq->vq.bad_used = 0;
		}
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		struct virtio_spin_txq *txq = dev->data->tx_queues[q];

		if (txq != NULL) {
			memset(&txq->st, 0, sizeof(txq->st));
			memset(&txq->vst, 0, sizeof(txq->vst));
			txq->vq.bad_used = 0;
		}
	}
	return 0;
}

int
virtio_spin_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats)
{
	unsigned int q;

	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		struct virtio_spin_rxq *rxq = dev->data->rx_queues[q];

		if (rxq == NULL)
			continue;
		stats->ipackets += rxq->st.packets;
		stats->ibytes += rxq->st.bytes;
		stats->ierrors += rxq->st.errors;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			stats->q_ipackets[q] = rxq->st.packets;
			stats->q_ibytes[q] = rxq->st.bytes;
			stats->q_errors[q] = rxq->st.errors;
		}
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		struct virtio_spin_txq *txq = dev->data->tx_queues[q];

		if (txq == NULL)
			continue;
		stats->opackets += txq->st.packets;
		stats->obytes += txq->st.bytes;
		stats->oerrors += txq->st.errors;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			stats->q_opackets[q] = txq->st.packets;
			stats->q_obytes[q] = txq->st.bytes;
		}
	}
	stats->rx_nombuf = dev->data->rx_mbuf_alloc_failed;
	return 0;
}

int
virtio_spin_stats_reset(struct rte_eth_dev *dev)
{
	unsigned int q;

	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		struct virtio_spin_rxq *rxq = dev->data->rx_queues[q];

		if (rxq != NULL)
			memset(&rxq->st, 0, sizeof(rxq->st));
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		struct virtio_spin_txq *txq = dev->data->tx_queues[q];

		if (txq != NULL)
			memset(&txq->st, 0, sizeof(txq->st));
	}
	dev->data->rx_mbuf_alloc_failed = 0;
	return 0;
}
