/* SPDX-License-Identifier: BSD-3-Clause
 * Telemetry of both PMDs: the spin policy of every rx queue of a port,
 * as a dict per queue, for /virtio_spin/queues,<port_id> and
 * /vhost_spin/queues,<port_id>.
 *
 * Shared by the two plugins (compiled into each, hidden): the command
 * handling and the dict layout live here, so both answer alike; what is
 * PMD specific is where a queue keeps its policy and counters, one small
 * function per PMD (virtio_spin_telemetry.c, vhost_spin_telemetry.c).
 */
#ifndef VSPIN_TELEMETRY_H
#define VSPIN_TELEMETRY_H

#include <stdbool.h>
#include <stdint.h>

#include <ethdev_driver.h>
#include <rte_telemetry.h>

#include "vspin_policy.h"
#include "vspin_stats.h"

/* Read from a shared field without tearing; the lcore keeps writing it. */
#define VSPIN_TEL_READ(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* What the telemetry shows of one rx queue, copied out by the PMD. */
struct vspin_tel_rxq {
	enum vspin_mode mode;
	enum vspin_state state;
	uint64_t hz;	     /* TSC ticks per second of the policy */
	uint64_t window;     /* cycles: the spin window (spin, adaptive) */
	uint64_t sleep_cost; /* cycles: B, the price of a sleep (adaptive) */
	uint64_t latency;    /* cycles: L, the latency budget (adaptive) */
	uint64_t wake_late;  /* cycles: D, batches' wake-up lateness */
	uint64_t busy_pct;   /* u, the busy fraction in % (adaptive) */
	uint64_t wake_cpu;   /* cycles: C, a wake-up's CPU (adaptive) */
	uint64_t late99;     /* cycles: D99, the lateness's p99 (adaptive) */
	uint64_t late99p;    /* cycles: D99p, as the packets see it */
	uint32_t budget;
	uint32_t sleep_max_us;
	uint32_t ring_size; /* entries of the ring the policy plans for */
	uint64_t arms;
	uint64_t sleeps;
	uint64_t wakeups;
	uint64_t sleep_timeouts;
	uint64_t spurious_wakeups;
};

/*
 * Where rx queue qid of dev keeps its policy, its counters and the base
 * of their last reset (vspin_stats.h); false when the queue is not set
 * up. Runs on the telemetry thread: only finds them, the fields are read
 * here with VSPIN_TEL_READ.
 */
typedef bool (*vspin_tel_read_t)(const struct rte_eth_dev *dev, uint16_t qid,
				 const struct vspin_policy **policy,
				 const struct vspin_stats **stats,
				 const struct vspin_stats **base);

/*
 * The command handler's body. params: the port id, then optionally ","
 * and one rx queue's. driver: our driver's name; another driver's port
 * is refused (-EINVAL), as are a missing, malformed or unknown port or
 * queue id. Without a queue, the first VSPIN_TEL_QUEUES_MAX queues (a
 * reply holds 16 KB: more would be cut silently), and "more" says which
 * are left out. d gets a dict "rx_q<N>" -> dict of the
 * queue's mode, state, window_us, sleep_cost_us, latency_us,
 * wake_late_us, busy_pct, wake_cpu_us, wake_late_p99_us and
 * wake_late_pkt_p99_us (adaptive: D, u, C, D99 and D99p), budget,
 * sleep_max_us, ring_size (0 until a peer attached) and counters (arms,
 * sleeps, wakeups, sleep_timeouts, spurious_wakeups).
 */
#define VSPIN_TEL_QUEUES_MAX 32

int vspin_tel_queues(const char *params, struct rte_tel_data *d,
		     const char *driver, vspin_tel_read_t read);

/* Name of a policy state ("poll", "spin", "armed", "sleep"). */
const char *vspin_tel_state_name(enum vspin_state s);

#endif /* VSPIN_TELEMETRY_H */
