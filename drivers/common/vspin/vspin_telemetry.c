/* SPDX-License-Identifier: BSD-3-Clause
 * The telemetry command shared by both PMDs (vspin_telemetry.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <dev_driver.h>
#include <rte_ethdev.h>
#include <rte_string_fns.h>

#include "vspin_parse.h"
#include "vspin_telemetry.h"

/* Copy what the telemetry shows of one queue, the lcore still writing. */
static void
fill(struct vspin_tel_rxq *out, const struct vspin_policy *p,
     const struct vspin_stats *counters, const struct vspin_stats *base)
{
	struct vspin_stats st;

	vspin_stats_since(counters, base, &st);
	out->mode = p->conf.mode;
	out->budget = p->conf.budget;
	out->sleep_max_us = p->conf.sleep_max_us;
	out->ring_size = VSPIN_TEL_READ(p->conf.ring_size);
	out->state = VSPIN_TEL_READ(p->state);
	out->hz = p->hz;
	out->window = VSPIN_TEL_READ(p->window);
	out->sleep_cost = VSPIN_TEL_READ(p->sleep_cost);
	out->latency = VSPIN_TEL_READ(p->latency);
	out->wake_late = st.wake_late_cycles;
	out->busy_pct = st.busy_pct;
	out->wake_cpu = st.wake_cpu_cycles;
	out->late99 = st.wake_late_p99_cycles;
	out->late99p = st.wake_late_pkt_p99_cycles;
	out->arms = st.arms;
	out->sleeps = st.sleeps;
	out->wakeups = st.wakeups;
	out->sleep_timeouts = st.sleep_timeouts;
	out->spurious_wakeups = st.spurious_wakeups;
}

static const char *const state_names[] = {
	[VSPIN_ST_POLL] = "poll",
	[VSPIN_ST_SPIN] = "spin",
	[VSPIN_ST_ARMED] = "armed",
	[VSPIN_ST_SLEEP] = "sleep",
};

const char *
vspin_tel_state_name(enum vspin_state s)
{
	if ((unsigned int)s >= RTE_DIM(state_names))
		return "?";
	return state_names[s];
}

/* Cycles to microseconds at hz (0 when the policy has no clock yet). */
static uint64_t
cycles_us(uint64_t cycles, uint64_t hz)
{
	if (hz == 0)
		return 0;
	return (uint64_t)((double)cycles * 1e6 / (double)hz + 0.5);
}

static struct rte_tel_data *
queue_dict(const struct vspin_tel_rxq *q)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "mode", vspin_mode_name(q->mode));
	rte_tel_data_add_dict_string(d, "state",
				     vspin_tel_state_name(q->state));
	rte_tel_data_add_dict_u64(d, "window_us", cycles_us(q->window, q->hz));
	rte_tel_data_add_dict_u64(d, "sleep_cost_us",
				  cycles_us(q->sleep_cost, q->hz));
	rte_tel_data_add_dict_u64(d, "latency_us",
				  cycles_us(q->latency, q->hz));
	rte_tel_data_add_dict_u64(d, "wake_late_us",
				  cycles_us(q->wake_late, q->hz));
	rte_tel_data_add_dict_u64(d, "busy_pct", q->busy_pct);
	rte_tel_data_add_dict_u64(d, "wake_cpu_us",
				  cycles_us(q->wake_cpu, q->hz));
	rte_tel_data_add_dict_u64(d, "wake_late_p99_us",
				  cycles_us(q->late99, q->hz));
	rte_tel_data_add_dict_u64(d, "wake_late_pkt_p99_us",
				  cycles_us(q->late99p, q->hz));
	rte_tel_data_add_dict_u64(d, "budget", q->budget);
	rte_tel_data_add_dict_u64(d, "sleep_max_us", q->sleep_max_us);
	rte_tel_data_add_dict_u64(d, "ring_size", q->ring_size);
	rte_tel_data_add_dict_u64(d, "arms", q->arms);
	rte_tel_data_add_dict_u64(d, "sleeps", q->sleeps);
	rte_tel_data_add_dict_u64(d, "wakeups", q->wakeups);
	rte_tel_data_add_dict_u64(d, "sleep_timeouts", q->sleep_timeouts);
	rte_tel_data_add_dict_u64(d, "spurious_wakeups", q->spurious_wakeups);
	return d;
}

/* "PORT" or "PORT,QUEUE" (*qid UINT16_MAX: every queue). */
static int
parse_params(const char *params, uint16_t *port, uint16_t *qid)
{
	char buf[32], *comma;
	uint64_t v;

	if (params == NULL || strlen(params) >= sizeof(buf))
		return -EINVAL;
	strlcpy(buf, params, sizeof(buf));
	*qid = UINT16_MAX;
	comma = strchr(buf, ',');
	if (comma != NULL) {
		*comma = '\0';
		if (vspin_parse_u64(comma + 1, 0, UINT16_MAX - 1, &v) != 0)
			return -EINVAL;
		*qid = (uint16_t)v;
	}
	if (vspin_parse_u64(buf, 0, RTE_MAX_ETHPORTS - 1, &v) != 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int
add_queue(struct rte_tel_data *d, const struct rte_eth_dev *dev, uint16_t qid,
	  vspin_tel_read_t read)
{
	const struct vspin_policy *p;
	const struct vspin_stats *st, *base;
	struct vspin_tel_rxq q;
	struct rte_tel_data *qd;
	char key[32];

	memset(&q, 0, sizeof(q));
	if (!read(dev, qid, &p, &st, &base))
		return 0;
	fill(&q, p, st, base);
	qd = queue_dict(&q);
	if (qd == NULL)
		return -ENOMEM;
	snprintf(key, sizeof(key), "rx_q%u", qid);
	if (rte_tel_data_add_dict_container(d, key, qd, 0) != 0) {
		rte_tel_data_free(qd);
		return -ENOSPC;
	}
	return 0;
}

int
vspin_tel_queues(const char *params, struct rte_tel_data *d, const char *driver,
		 vspin_tel_read_t read)
{
	const struct rte_eth_dev *dev;
	uint16_t port, qid, nb, one;
	char more[96];
	int r;

	if (parse_params(params, &port, &one) != 0 ||
	    !rte_eth_dev_is_valid_port(port))
		return -EINVAL;
	dev = &rte_eth_devices[port];
	if (dev->device == NULL || dev->device->driver == NULL ||
	    strcmp(dev->device->driver->name, driver) != 0)
		return -EINVAL;
	nb = dev->data->rx_queues == NULL ? 0 : dev->data->nb_rx_queues;
	if (one != UINT16_MAX && one >= nb)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	if (one != UINT16_MAX)
		return add_queue(d, dev, one, read);
	for (qid = 0; qid < nb && qid < VSPIN_TEL_QUEUES_MAX; qid++) {
		r = add_queue(d, dev, qid, read);
		if (r != 0)
			return r;
	}
	if (nb > VSPIN_TEL_QUEUES_MAX) {
		snprintf(more, sizeof(more),
			 "rx queues %u to %u: ask for each with <port>,<queue>",
			 VSPIN_TEL_QUEUES_MAX, nb - 1u);
		rte_tel_data_add_dict_string(d, "more", more);
	}
	return 0;
}
