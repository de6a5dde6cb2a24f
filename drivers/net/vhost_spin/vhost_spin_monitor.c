/* SPDX-License-Identifier: BSD-3-Clause
 * rte_eth_get_monitor_addr() (vspin_monitor.h): the condition DPDK's power
 * management waits on in monitor mode, the guest's avail index while it
 * equals the next entry we take.
 *
 * The caller reads the address after we return, outside our gates, and
 * may wait on it (UMONITOR) until the guest writes the line: a window in
 * which the vhost-user thread may unmap guest memory (the guest leaves, a
 * new memory table). An address in the library's mapping would then
 * fault. So the index is read through a mapping of our own of its page,
 * made from the region's fd inside the gates, kept across calls and
 * unmapped only by the caller itself, on a later call that finds the
 * ring moved or gone (its earlier wait is over by then), or at queue
 * release. Writable: rte_power_monitor_wakeup() wakes a waiting lcore
 * by writing the line (an atomic compare-and-swap of the value with
 * itself, 8 bytes wide whatever the index's size: so 8 bytes are mapped,
 * or an index in a page's last bytes would take it past our mapping).
 * The page stays the guest's memory (hugetlbfs or memfd): the
 * guest's writes reach our mapping and wake the wait.
 *
 * Calls come from the polling lcore, or from the control thread while
 * the queue does not poll (when the power management is enabled): never
 * from both at once, as DPDK requires.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "vhost_spin.h"
#include "vhost_spin_lookahead.h"
#include "vspin_monitor.h"

void
vhost_spin_monitor_release(struct vhost_spin_monitor *m)
{
	if (m->map != NULL)
		munmap(m->map, m->map_len);
	m->map = NULL;
	m->map_len = 0;
	m->idx = NULL;
	m->made = false;
}

/* Inside both gates: the ring and guest memory are the library's now. */
static void
map_index(struct vhost_spin_rxq *q, struct vhost_spin_monitor *m)
{
	struct rte_vhost_memory *mem = NULL;
	struct rte_vhost_vring vr;

	if (rte_vhost_get_vhost_vring(q->vid, q->vring, &vr) == 0 &&
	    vr.avail != NULL && rte_vhost_get_mem_table(q->vid, &mem) == 0 &&
	    mem != NULL)
		m->idx = vhost_spin_map_guest(
			mem, (uintptr_t)&vr.avail->idx, sizeof(uint64_t),
			PROT_READ | PROT_WRITE, &m->map, &m->map_len);
	free(mem);
}

int
vhost_spin_get_monitor_addr(void *queue, struct rte_power_monitor_cond *pmc)
{
	struct vhost_spin_rxq *q = queue;
	struct vhost_spin_monitor *m;
	uint16_t last_avail, last_used;
	uint32_t gen;
	int r = -EINVAL;

	if (q == NULL)
		return -EINVAL;
	m = &q->mon;
	/* No guest: wait for the gate to open. */
	if (!vhost_spin_gate_enter_side(&q->gate)) {
		vhost_spin_monitor_release(m);
		vspin_monitor_word(pmc, &q->gate.allow, 0);
		return 0;
	}
	/*
	 * A message moving the rings is being handled: a short while, and
	 * the ring may be elsewhere after it. Poll meanwhile.
	 */
	if (!vhost_spin_gate_enter_side(&q->hold)) {
		vhost_spin_gate_leave_side(&q->gate);
		return -EBUSY;
	}
	gen = __atomic_load_n(&q->gate.gen, __ATOMIC_ACQUIRE) +
	      __atomic_load_n(&q->hold.gen, __ATOMIC_ACQUIRE);
	/* Once per ring: a mapping that failed is not tried at each call. */
	if (!m->made || m->gen != gen) {
		vhost_spin_monitor_release(m);
		map_index(q, m);
		m->gen = gen;
		m->made = true;
	}
	if (m->idx != NULL &&
	    rte_vhost_get_vring_base(q->vid, q->vring, &last_avail,
				     &last_used) == 0) {
		vspin_monitor_idx(pmc, m->idx, last_avail);
		r = 0;
	}
	vhost_spin_gate_leave_side(&q->hold);
	vhost_spin_gate_leave_side(&q->gate);
	return r;
}
