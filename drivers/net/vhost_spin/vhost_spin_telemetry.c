/* SPDX-License-Identifier: BSD-3-Clause
 * Telemetry of net_vhost_spin: /vhost_spin/queues,<port_id> shows the
 * spin policy of every rx queue (mode, state, learned window, sleep cost,
 * sleeps and wake-ups), as /virtio_spin/queues does for net_virtio_spin.
 * The command itself is drivers/common/vspin/vspin_telemetry.c; here is only
 * where this PMD keeps a queue's policy and counters.
 */
#include <rte_common.h>

#include "vhost_spin.h"
#include "vspin_telemetry.h"

static bool
vhost_spin_tel_read(const struct rte_eth_dev *dev, uint16_t qid,
		    struct vspin_tel_rxq *out)
{
	const struct vhost_spin_rxq *q = dev->data->rx_queues[qid];
	const struct vspin_policy *p;

	if (q == NULL)
		return false;
	p = &q->policy;
	out->mode = p->conf.mode;
	out->budget = p->conf.budget;
	out->sleep_max_us = p->conf.sleep_max_us;
	out->state = VSPIN_TEL_READ(p->state);
	out->hz = p->hz;
	out->window = VSPIN_TEL_READ(p->window);
	out->sleep_cost = VSPIN_TEL_READ(p->sleep_cost);
	out->arms = VSPIN_TEL_READ(q->vstats.arms);
	out->sleeps = VSPIN_TEL_READ(q->vstats.sleeps);
	out->wakeups = VSPIN_TEL_READ(q->vstats.wakeups);
	out->sleep_timeouts = VSPIN_TEL_READ(q->vstats.sleep_timeouts);
	out->spurious_wakeups = VSPIN_TEL_READ(q->vstats.spurious_wakeups);
	return true;
}

static int
vhost_spin_tel_queues(const char *cmd __rte_unused, const char *params,
		      struct rte_tel_data *d)
{
	return vspin_tel_queues(params, d, "net_vhost_spin",
				vhost_spin_tel_read);
}

RTE_INIT(vhost_spin_telemetry_init)
{
	rte_telemetry_register_cmd(
		"/vhost_spin/queues", vhost_spin_tel_queues,
		"Spin policy of each rx queue of a net_vhost_spin port. "
		"Parameters: int port_id");
}
