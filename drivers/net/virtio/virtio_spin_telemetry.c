/* SPDX-License-Identifier: BSD-3-Clause
 * Telemetry of net_virtio_spin: /virtio_spin/queues,<port_id> shows the
 * spin policy of every rx queue (mode, state, learned window, sleep cost,
 * sleeps and wake-ups), as /vhost_spin/queues does for net_vhost_spin.
 * The command itself is drivers/common/vspin/vspin_telemetry.c; here is only
 * where this PMD keeps a queue's policy and counters.
 */
#include <rte_common.h>

#include "virtio_spin.h"
#include "vspin_telemetry.h"

static bool
virtio_spin_tel_read(const struct rte_eth_dev *dev, uint16_t qid,
		     const struct vspin_policy **policy,
		     const struct vspin_stats **stats,
		     const struct vspin_stats **base)
{
	const struct virtio_spin_rxq *q = dev->data->rx_queues[qid];

	if (q == NULL)
		return false;
	*policy = &q->policy;
	*stats = &q->vst;
	*base = &q->base.vst;
	return true;
}

static int
virtio_spin_tel_queues(const char *cmd __rte_unused, const char *params,
		       struct rte_tel_data *d)
{
	return vspin_tel_queues(params, d, "net_virtio_spin",
				virtio_spin_tel_read);
}

RTE_INIT(virtio_spin_telemetry_init)
{
	rte_telemetry_register_cmd(
		"/virtio_spin/queues", virtio_spin_tel_queues,
		"Spin policy of each rx queue of a net_virtio_spin port. "
		"Parameters: int port_id[,int queue_id]");
}
