/* SPDX-License-Identifier: BSD-3-Clause
 * The data path of net_vhost_spin.
 *
 * Receive (the guest's transmit ring) runs the spin policy of lib/vspin:
 * while packets come or the window runs, the guest's kicks stay
 * suppressed (and with EVENT_IDX nothing is written: the library's
 * "disable" is a no-op, so arming after a short idle would leave the guest
 * kicking). When the window is over: arm through the library, fence,
 * recheck the count of pending avail entries (not a dequeue: a dry mbuf
 * pool leaves entries an idle ring has not), then sleep on the kick
 * eventfd(s) of the lcore's queues through vspin_sleeper. Not armed, both
 * rings' avail_event is moved out of the guest's way (keep_quiet()).
 *
 * Transmit (the guest's receive ring): the library calls the guest as
 * used_event (or NO_INTERRUPT) says; we only count.
 */
#include <rte_cycles.h>
#include <rte_vhost.h>

#include "vhost_spin.h"
#include "vspin_barrier.h"
#include "vspin_clock.h"
#include "vspin_handshake.h"
#include "vspin_port_census.h"
#include "vspin_vlan.h"

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
			q->cnt.publishes++;
		n += got;
		if (got < want)
			break;
	}
	return n;
}

/* avail_event: the word after the used ring's entries. */
static inline volatile uint16_t *
avail_event_of(const struct rte_vhost_vring *vr)
{
	return (volatile uint16_t *)&vr->used->ring[vr->size];
}

/*
 * A vring we consume and have not armed, with EVENT_IDX: move its
 * avail_event out of the guest's way every few thousand entries
 * (vspin_consumer_keep_quiet()), or the guest kicks for nothing each
 * time its 16-bit index laps the stale one. The library writes
 * avail_event only when it arms. Called after every burst that
 * consumed entries, so at least once per ring of them; the vring is
 * looked up only when a move is due.
 */
static inline void
keep_quiet(struct vhost_spin_port *p, struct vhost_spin_gate *hold, int vid,
	   uint16_t vring, uint16_t *mark)
{
	struct rte_vhost_vring vr;
	uint16_t last_avail, last_used;

	if (!(p->features & (1ULL << VIRTIO_RING_F_EVENT_IDX)))
		return;
	if (rte_vhost_get_vring_base(vid, vring, &last_avail, &last_used) ||
	    !vspin_quiet_step_done(last_avail, *mark))
		return;
	if (!vhost_spin_gate_enter(hold))
		return; /* the next burst tries again */
	if (rte_vhost_get_vhost_vring(vid, vring, &vr) == 0 &&
	    vr.used != NULL) {
		struct vspin_notify_dir d = {
			.event = avail_event_of(&vr),
			.event_idx = true,
		};

		vspin_consumer_keep_quiet(&d, last_avail, mark, vr.size);
	}
	vhost_spin_gate_leave(hold);
}

/*
 * The handshake's consumer half, through the library: ask the guest to
 * kick for the k-th next entry, fence, recheck. Returns true if k entries
 * are waiting (entries the dequeue could not take, a dry mbuf pool, count
 * too: the guest will not kick for them). The rx path (through the
 * sleeper) and rx interrupts (k = 1) both arm here.
 */
bool
vhost_spin_rxq_arm(struct vhost_spin_rxq *q, uint16_t k)
{
	bool event_idx = q->port->features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	struct rte_vhost_vring vr;
	uint16_t last_avail, last_used;

	if (k > 1 && !event_idx)
		goto recheck; /* nothing to arm ahead: a timed nap */
	/* avail_event = last_avail_idx, or NO_NOTIFY cleared. */
	if (rte_vhost_enable_guest_notification(q->vid, q->vring, 1) != 0)
		return true; /* could not arm: keep polling */
	q->armed = true;
	/*
	 * Coalescing: move avail_event k - 1 entries further, as the library
	 * has no call for it. Both are the library's own view of the ring.
	 */
	if (k > 1 && vhost_spin_gate_enter(&q->hold)) {
		if (rte_vhost_get_vhost_vring(q->vid, q->vring, &vr) == 0 &&
		    vr.used != NULL &&
		    rte_vhost_get_vring_base(q->vid, q->vring, &last_avail,
					     &last_used) == 0) {
			uint32_t most = vspin_policy_arm_max(vr.size);

			if (k > most)
				k = (uint16_t)most; /* a live ring: >= 1 */
			vspin_store16(avail_event_of(&vr),
				      (uint16_t)(last_avail + k - 1));
		} else {
			k = 1;
		}
		vhost_spin_gate_leave(&q->hold);
	} else {
		k = 1; /* as the library armed it: the next entry */
	}
recheck:
	/*
	 * The library does not fence. Ours orders the avail_event (or flags)
	 * store before the avail->idx load under rx_queue_count, and pairs
	 * with the guest's fence between its avail->idx store and its
	 * avail_event load (vspin_producer_publish on the guest side).
	 */
	vspin_full_fence();
	return vhost_spin_avail_pending(q->vid, q->vring) >= k;
}

/*
 * Quiet the guest again (sets NO_NOTIFY; a no-op with EVENT_IDX, where
 * keep_quiet() moves the stale avail_event later).
 */
void
vhost_spin_rxq_disarm(struct vhost_spin_rxq *q)
{
	q->armed = false;
	rte_vhost_enable_guest_notification(q->vid, q->vring, 0);
}

/* The sleeper calls these from our rx_burst only: the gate is held. */
static bool
sleeper_arm(void *ctx, uint16_t k)
{
	return vhost_spin_rxq_arm(ctx, k);
}

static void
sleeper_disarm(void *ctx)
{
	vhost_spin_rxq_disarm(ctx);
}

static uint16_t
sleeper_pending(void *ctx)
{
	struct vhost_spin_rxq *q = ctx;

	return vhost_spin_avail_pending(q->vid, q->vring);
}

static const struct vspin_sleeper_ops rxq_sleeper_ops = {
	.arm = sleeper_arm,
	.disarm = sleeper_disarm,
	.pending = sleeper_pending,
};

uint16_t
vhost_spin_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb)
{
	struct vhost_spin_rxq *q = queue;
	/* Room for none: the application holds packets it cannot place. */
	bool may_block = nb > 0 &&
			 vspin_port_may_block(q->port->dev, q->port->args.sleep,
					      q->spin, &q->traffic_mark);
	uint64_t bytes = 0;
	uint16_t n, i;

	vspin_sleeper_before_poll(&q->sleeper, may_block);
	vspin_policy_burst(&q->policy, nb);
	if (unlikely(!vhost_spin_gate_enter(&q->gate))) {
		/* No ring: sleep until a connect rings the doorbell. */
		vspin_sleeper_poll_detached(&q->sleeper, may_block);
		return 0;
	}
	if (unlikely(q->quiet_pending)) {
		q->quiet_pending = false;
		vhost_spin_rxq_disarm(q);
		/* Armed before the gate closed and never slept: not now. */
		if (vspin_policy_armed_p(&q->policy))
			vspin_policy_reset(&q->policy);
	}
	/* A batch still filling while the lcore's other queues work. */
	n = vspin_sleeper_holds(&q->sleeper) ? 0 : rx_dequeue(q, pkts, nb);
	vhost_spin_lookahead_rx(&q->ahead, &q->ahead_clock, q->vid, q->vring, n,
				nb, n > 0 ? pkts[n - 1]->pkt_len : 0);
	if (n > 0 && !q->armed)
		keep_quiet(q->port, &q->hold, q->vid, q->vring, &q->quiet_mark);
	/*
	 * After a sleep, no second dequeue here: the application polls
	 * again at once, and what that poll finds reaches the policy. (A
	 * dequeue the policy never saw made every wake-up look spurious and
	 * hid the packets that ended sleeps from the rate it coalesces by.)
	 */
	vspin_sleeper_poll(&q->sleeper, n, may_block, VSPIN_SLEEPER_NOW_LAZY);
	vhost_spin_gate_leave(&q->gate);

	for (i = 0; i < n; i++) {
		pkts[i]->port = q->port_id;
		bytes += pkts[i]->pkt_len;
	}
	/* Read per burst: "vlan set strip" may switch it meanwhile. */
	if (unlikely(__atomic_load_n(&q->vlan_strip, __ATOMIC_RELAXED)))
		bytes -= vspin_vlan_strip_burst(pkts, n);
	q->cnt.pkts += n;
	q->cnt.bytes += bytes;
	vspin_thread_received(n);
	return n;
}

/*
 * A burst that returned buffers on vring: counted by the queue whose
 * vring it is, against that vring's notifications (vhost_spin_xstats.c).
 */
static void
tx_published(struct vhost_spin_txq *q, uint16_t vring)
{
	const struct rte_eth_dev_data *d;
	struct vhost_spin_txq *owner;

	if (likely(vring == q->vring)) {
		q->cnt.publishes++;
		return;
	}
	d = q->port->dev->data;
	owner = vring / 2 < d->nb_tx_queues ? d->tx_queues[vring / 2] : NULL;
	if (owner != NULL)
		__atomic_fetch_add(&owner->cnt.publishes_in, 1,
				   __ATOMIC_RELAXED);
}

/* Enqueue pkts[0..n) on vring; how many the guest's ring took. */
static uint16_t
tx_enqueue(struct vhost_spin_txq *q, uint16_t vring, struct rte_mbuf **pkts,
	   uint16_t n)
{
	uint16_t sent = 0;

	while (sent < n) {
		uint16_t want = RTE_MIN(n - sent, VHOST_SPIN_CHUNK);
		uint16_t got = rte_vhost_enqueue_burst(q->vid, vring,
						       pkts + sent, want);

		/* The library decided once whether to call the guest. */
		if (got > 0)
			tx_published(q, vring);
		sent += got;
		if (got < want)
			break;
	}
	return sent;
}

/*
 * The same with RTE_ETH_TX_OFFLOAD_VLAN_INSERT (vspin_vlan.h): runs of at
 * most a chunk of packets that took their tags, and between them each
 * packet that could not, dropped and counted, its slot set to NULL (ours
 * once taken). Stops where the ring is full: what follows stays the
 * caller's, the run's refused packets untagged again. Returns how many
 * were taken, sent or dropped; *sent the ones sent, *bytes and *last_len
 * their bytes and the length of the last.
 */
static uint16_t
tx_enqueue_tagged(struct vhost_spin_txq *q, uint16_t vring,
		  struct rte_mbuf **pkts, uint16_t nb, uint16_t *sent,
		  uint64_t *bytes, uint32_t *last_len)
{
	uint64_t was[VHOST_SPIN_CHUNK];
	uint16_t pos = 0, end, got, i;

	*sent = 0;
	while (pos < nb) {
		bool untaggable = false;

		for (end = pos; end < nb && end - pos < VHOST_SPIN_CHUNK;
		     end++) {
			was[end - pos] = pkts[end]->ol_flags;
			if (vspin_vlan_tx(pkts[end]) != 0) {
				untaggable = true;
				break;
			}
		}
		got = tx_enqueue(q, vring, pkts + pos, end - pos);
		for (i = pos; i < pos + got; i++)
			*bytes += pkts[i]->pkt_len;
		if (got > 0)
			*last_len = pkts[pos + got - 1]->pkt_len;
		*sent += got;
		if (pos + got < end) {
			for (i = pos + got; i < end; i++)
				vspin_vlan_tx_undo(pkts[i], was[i - pos]);
			pos += got;
			break;
		}
		pos = end;
		if (!untaggable)
			continue; /* a run all taken: the next one */
		rte_pktmbuf_free(pkts[end]);
		pkts[end] = NULL;
		q->cnt.errors++;
		pos = end + 1;
	}
	return pos;
}

uint16_t
vhost_spin_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb)
{
	struct vhost_spin_txq *q = queue;
	uint64_t bytes = 0;
	uint32_t last_len = 0;
	uint16_t sent, taken, i, vring;

	/* What it was handed, taken or not: for sleep=auto. */
	vspin_thread_sent(nb);
	if (unlikely(!vhost_spin_gate_enter(&q->gate)))
		return 0;
	vring = __atomic_load_n(&q->target, __ATOMIC_RELAXED);
	/* In the gate, not in the callback: the library's locks are held. */
	if (unlikely(q->quieted != vring)) {
		rte_vhost_enable_guest_notification(q->vid, vring, 0);
		q->quieted = vring;
	}
	if (likely(!q->vlan_insert)) {
		taken = sent = tx_enqueue(q, vring, pkts, nb);
		for (i = 0; i < sent; i++)
			bytes += pkts[i]->pkt_len;
		if (sent > 0)
			last_len = pkts[sent - 1]->pkt_len;
	} else {
		taken = tx_enqueue_tagged(q, vring, pkts, nb, &sent, &bytes,
					  &last_len);
	}
	/* The lookahead follows the queue's own ring only. */
	if (sent > 0 && vring == q->vring)
		vhost_spin_lookahead_tx(&q->ahead, q->vid, q->vring, sent,
					last_len);
	/* We never arm the guest's receive ring: no kick is wanted. */
	if (sent > 0)
		keep_quiet(q->port, &q->hold, q->vid, vring, &q->quiet_mark);
	vhost_spin_gate_leave(&q->gate);

	/* The library copied them: the mbufs sent are ours to free. */
	rte_pktmbuf_free_bulk(pkts, taken);
	q->cnt.pkts += sent;
	q->cnt.bytes += bytes;
	return taken;
}

void
vhost_spin_rxq_init_policy(struct vhost_spin_rxq *q,
			   const struct vspin_policy_conf *conf)
{
	vspin_policy_init(&q->policy, conf, vspin_clock_hz(rte_get_tsc_hz()),
			  &q->vstats);
	q->spin = conf->mode != VSPIN_MODE_POLL;
	vspin_sleeper_init(&q->sleeper, &q->policy, &rxq_sleeper_ops, q);
}

void
vhost_spin_rxq_quiesce(struct vhost_spin_rxq *q)
{
	struct vspin_policy_conf conf = q->policy.conf;

	vspin_sleeper_release(&q->sleeper);
	/* The next ring starts from a fresh policy. */
	vspin_policy_init(&q->policy, &conf, vspin_clock_hz(rte_get_tsc_hz()),
			  &q->vstats);
}
