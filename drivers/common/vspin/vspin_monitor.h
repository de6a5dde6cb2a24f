/* SPDX-License-Identifier: BSD-3-Clause
 * rte_eth_get_monitor_addr() for both PMDs. DPDK's power management in
 * monitor mode (rte_power_ethdev_pmgmt_queue_enable() with
 * RTE_POWER_MGMT_TYPE_MONITOR, l3fwd-power --pmd-mgmt=monitor) lets an
 * idle lcore wait on the cache line of the index the peer writes when it
 * hands over work (UMONITOR/UMWAIT on CPUs with WAITPKG) instead of
 * polling; no notification is involved. Each time it is about to wait
 * it asks the queue for the address and a condition, reads the index
 * and waits only if the condition says so.
 *
 * The condition: the index still equals the next entry the queue takes,
 * in all 16 bits. A peer that made a whole ring's worth available moves
 * the index by the ring's size, which a comparison modulo the ring (the
 * stock virtio and vhost PMDs' in DPDK 22.11) takes for no change. A
 * wait on a line nobody writes lasts until the kernel's cap on UMWAIT
 * (/sys/devices/system/cpu/umwait_control/max_time, 100,000 TSC cycles
 * by default; 0 lifts it), or an interrupt.
 */
#ifndef VSPIN_MONITOR_H
#define VSPIN_MONITOR_H

#include <stdint.h>

#include <rte_power_intrinsics.h>

/* 0: wait (the word still reads as when asked); -1: do not wait. */
static inline int
vspin_monitor_changed(const uint64_t value,
		      const uint64_t opaque[RTE_POWER_MONITOR_OPAQUE_SZ])
{
	return value == opaque[0] ? 0 : -1;
}

/* Wait on *idx while it equals next. */
static inline void
vspin_monitor_idx(struct rte_power_monitor_cond *pmc, volatile uint16_t *idx,
		  uint16_t next)
{
	pmc->addr = idx;
	pmc->size = sizeof(*idx);
	pmc->opaque[0] = next;
	pmc->fn = vspin_monitor_changed;
}

/*
 * Wait on *word while it equals now: a queue with no ring yet waits for
 * the control plane's store that gives it one.
 */
static inline void
vspin_monitor_word(struct rte_power_monitor_cond *pmc, uint32_t *word,
		   uint32_t now)
{
	pmc->addr = word;
	pmc->size = sizeof(*word);
	pmc->opaque[0] = now;
	pmc->fn = vspin_monitor_changed;
}

#endif /* VSPIN_MONITOR_H */
