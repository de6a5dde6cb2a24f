/* SPDX-License-Identifier: BSD-3-Clause
 * The data path of net_vhost_spin.
 *
 * Receive (the guest's transmit ring) runs the spin policy of lib/vspin:
 * while packets come or the window runs, the guest's kicks stay
 * suppressed (and with EVENT_IDX nothing is written: the library's
 * "disable" is a no-op, so arming after a short idle would leave the guest
 * kicking). When the window is over: arm through the library, fence,
 * recheck with one more dequeue, then sleep on the kick eventfd(s) of the
 * lcore's queues through vspin_sleeper.
 *
 * Transmit (the guest's receive ring): the library calls the guest as
 * used_event (or NO_INTERRUPT) says; we only count.
 */
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_vhost.h>

#include "vhost_spin.h"
#include "vspin_barrier.h"

/* Dequeue up to nb packets, in chunks the library accepts. */
static inline uint16_t
rx_dequeue(struct vhost_spin_rxq *q, struct rte_mbuf **pkts, uint16_t nb)
{
	uint16_t n = 0;

	while (n < nb) {
		uint16_t want = RTE_MIN(nb - n, VHOST_SPIN_CHUNK);
		uint16_t got = rte_vhost_dequeue_burst(
			q->vid, q->vring, q->mb_pool, pkts + n, want);

		/* Each one returned used entries: one call decision. */
		if (got > 0)
			q->publishes++;
		n += got;
		if (got < want)
			break;
	}
	return n;
}

/* Quiet the guest again (sets NO_NOTIFY; a no-op with EVENT_IDX). */
static void
rx_disarm(struct vhost_spin_rxq *q)
{
	rte_vhost_enable_guest_notification(q->vid, q->vring, 0);
}

/* Called by vspin_sleeper for every queue of the lcore after a sleep. */
static void
rx_disarm_member(struct vspin_sleeper *s)
{
	struct vhost_spin_rxq *q =
		container_of(s, struct vhost_spin_rxq, sleeper);

	/* The sleeper may be another queue: only touch a live ring. */
	if (__atomic_load_n(&q->gate.allow, __ATOMIC_ACQUIRE))
		rx_disarm(q);
}

/*
 * The control side handed over a new kick fd (a ring came up: start,
 * reconnection, a new SET_VRING_KICK). Cold path: close our previous one
 * and forget the old ring's policy state.
 */
void
vhost_spin_rxq_take_kickfd(struct vhost_spin_rxq *q)
{
	struct vspin_policy_conf conf = q->policy.conf;
	int fd = __atomic_exchange_n(&q->kick_slot, -1, __ATOMIC_ACQ_REL);

	if (fd < 0)
		return;
	if (q->sleeper.fd >= 0)
		close(q->sleeper.fd);
	q->sleeper.fd = fd;
	vspin_policy_init(&q->policy, &conf, rte_get_tsc_hz(), &q->vstats);
}

/*
 * Every queue of this lcore is armed (or the group says no): sleep, then
 * look at the ring at once, since a wake-up usually means work.
 */
static uint16_t
rx_sleep(struct vhost_spin_rxq *q, struct rte_mbuf **pkts, uint16_t nb)
{
	uint16_t n;

	if (vspin_sleeper_join(&q->sleeper) != 0 ||
	    !vspin_sleeper_try_sleep(&q->sleeper))
		return 0;
	n = rx_dequeue(q, pkts, nb);
	/* Tells the policy whether the wake-up was spurious. */
	vspin_policy_poll(&q->policy, n, rte_rdtsc());
	return n;
}

static uint16_t
rx_policy(struct vhost_spin_rxq *q, struct rte_mbuf **pkts, uint16_t nb,
	  uint16_t n)
{
	struct vspin_policy *p = &q->policy;
	bool was_armed = vspin_policy_armed_p(p);
	bool work;

	if (!vspin_policy_poll(p, n, rte_rdtsc())) {
		if (!was_armed)
			return n; /* busy, or spinning: the guest stays quiet */
		if (n > 0) {
			rx_disarm(q);
			return n;
		}
		/* Still armed: the lcore's other queues may be armed now. */
		return rx_sleep(q, pkts, nb);
	}
	/*
	 * Arm: avail_event = last_avail_idx (or clear NO_NOTIFY). The library
	 * does not fence: ours orders that store before the avail->idx load
	 * of the recheck dequeue, and pairs with the guest's fence between
	 * its avail->idx store and its avail_event (or flags) load.
	 */
	if (rte_vhost_enable_guest_notification(q->vid, q->vring, 1) != 0) {
		vspin_policy_armed(p, true, rte_rdtsc()); /* not armed: poll */
		return 0;
	}
	vspin_full_fence();
	n = rx_dequeue(q, pkts, nb);
	/*
	 * Entries the dequeue could not take (mbuf pool dry) are work too:
	 * the guest published them already and will not kick for them.
	 */
	work = n > 0 || rte_vhost_rx_queue_count(q->vid, q->vring) > 0;
	vspin_policy_armed(p, work, rte_rdtsc());
	if (work) {
		rx_disarm(q);
		return n;
	}
	return rx_sleep(q, pkts, nb);
}

uint16_t
vhost_spin_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb)
{
	struct vhost_spin_rxq *q = queue;
	uint64_t bytes = 0;
	uint16_t n, i;

	if (unlikely(!vhost_spin_gate_enter(&q->gate))) {
		/* No ring: never hold the lcore's other queues awake. */
		if (unlikely(q->sleeper.group != NULL))
			vspin_sleeper_leave(&q->sleeper);
		return 0;
	}
	if (unlikely(__atomic_load_n(&q->kick_slot, __ATOMIC_RELAXED) >= 0))
		vhost_spin_rxq_take_kickfd(q);
	n = rx_dequeue(q, pkts, nb);
	if (q->spin && q->sleeper.fd >= 0)
		n = rx_policy(q, pkts, nb, n);
	vhost_spin_gate_leave(&q->gate);

	for (i = 0; i < n; i++) {
		pkts[i]->port = q->port_id;
		bytes += pkts[i]->pkt_len;
	}
	q->pkts += n;
	q->bytes += bytes;
	return n;
}

uint16_t
vhost_spin_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb)
{
	struct vhost_spin_txq *q = queue;
	uint64_t bytes = 0;
	uint16_t sent = 0, i;

	if (unlikely(!vhost_spin_gate_enter(&q->gate)))
		return 0;
	while (sent < nb) {
		uint16_t want = RTE_MIN(nb - sent, VHOST_SPIN_CHUNK);
		uint16_t got = rte_vhost_enqueue_burst(q->vid, q->vring,
						       pkts + sent, want);

		/* The library decided once whether to call the guest. */
		if (got > 0)
			q->publishes++;
		sent += got;
		if (got < want)
			break;
	}
	vhost_spin_gate_leave(&q->gate);

	/* The library copied them: the mbufs sent are ours to free. */
	for (i = 0; i < sent; i++)
		bytes += pkts[i]->pkt_len;
	rte_pktmbuf_free_bulk(pkts, sent);
	q->pkts += sent;
	q->bytes += bytes;
	q->missed += nb - sent;
	return sent;
}

void
vhost_spin_rxq_init_policy(struct vhost_spin_rxq *q,
			   const struct vspin_policy_conf *conf)
{
	vspin_policy_init(&q->policy, conf, rte_get_tsc_hz(), &q->vstats);
	q->spin = conf->mode != VSPIN_MODE_POLL;
	q->sleeper.policy = &q->policy;
	q->sleeper.fd = -1;
	q->sleeper.disarm = rx_disarm_member;
	q->sleeper.group = NULL;
	q->kick_slot = -1;
}

void
vhost_spin_rxq_quiesce(struct vhost_spin_rxq *q)
{
	vspin_sleeper_leave(&q->sleeper);
	if (q->sleeper.fd >= 0)
		close(q->sleeper.fd);
	q->sleeper.fd = -1;
}
