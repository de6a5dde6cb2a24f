/* SPDX-License-Identifier: BSD-3-Clause
 * net_virtio_spin data path on lib/vspin's split ring: rx and tx bursts on
 * mbufs, mergeable rx buffers, at most one kick per burst (only when the
 * event index says the backend sleeps), and the spin-aware receive that
 * lets an unmodified application sleep when idle.
 */
#include <errno.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "vspin_clock.h"
#include "vspin_eventfd.h"
#include "virtio_spin.h"
#include "vspin_monitor.h"
#include "vspin_port_census.h"
#include "vspin_vlan.h"

/*
 * Refill the rx ring once this many buffers are missing (at most a
 * quarter of the ring). Each refill stores avail->idx, which the backend
 * loads at every enqueue and misses on after each of our stores: with a
 * stock host at 64 B, 64 rather than 32 took a third of those stalls off
 * the host and 3% onto the rate (bench/README-guest.md). A queue about to
 * sleep refills from half as many missing (rx_sleeper_arm()).
 */
#define RX_REFILL_BATCH 64u
#define RX_REFILL_MAX (RX_REFILL_BATCH * 4)
#define DESC_PER_LINE (RTE_CACHE_LINE_SIZE / sizeof(struct vspin_desc))

/*
 * Rx buffers are posted so that the header lands in the headroom and the
 * packet at the usual data offset.
 */
static inline uint64_t
rx_buf_addr(const struct rte_mbuf *m)
{
	return (uintptr_t)m->buf_addr + RTE_PKTMBUF_HEADROOM -
	       VIRTIO_SPIN_HDR_SIZE;
}

static inline uint32_t
rx_buf_len(const struct rte_mbuf *m)
{
	return m->buf_len - RTE_PKTMBUF_HEADROOM + VIRTIO_SPIN_HDR_SIZE;
}

/*
 * Buffers missing from what the queue keeps posted: the whole ring when
 * deep (away from saturation, and when it arms: a batch, and what comes
 * while its wake-up is late, need the room), else the soft depth if it
 * has one (near saturation, where the host copies into fewer, warmer
 * buffers), as vspin_vq_drv_room() bounds it.
 */
static inline unsigned int
rx_missing(const struct virtio_spin_rxq *rxq, bool deep)
{
	return vspin_vq_drv_room(&rxq->vq, deep ? 0 : rxq->soft_depth);
}

/*
 * While the host is behind (the last burst found the ring empty), its
 * copy sets the pace: our core read these lines last (the application the
 * packet, we the header's num_buffers) and the host writes them next, so
 * hand them to the shared cache first (x86 CLDEMOTE; a CPU without it
 * never marks the host behind) and its write does not wait for a snoop
 * of our core. The header's line and the packet's first: all a 64-byte
 * frame takes. Only then: a guest that is the slower side pays for it
 * (6% at 64 B, bench/README-guest.md), as on transmit (tx_demote_frame()).
 */
static inline void
rx_demote_buf(bool behind, const struct rte_mbuf *m)
{
	const char *pkt = (const char *)m->buf_addr + RTE_PKTMBUF_HEADROOM;

	if (behind) {
		rte_cldemote(pkt - VIRTIO_SPIN_HDR_SIZE);
		rte_cldemote(pkt);
	}
}

/*
 * Post up to the missing buffers; returns how many were added. In order
 * (VIRTIO_F_IN_ORDER) each buffer is one descriptor taken in table order,
 * so its avail slot already names it after the first lap: only the
 * descriptor's address changes.
 */
static unsigned int
rx_refill(struct virtio_spin_rxq *rxq, bool deep)
{
	struct rte_mbuf *bufs[RX_REFILL_MAX];
	unsigned int n = rx_missing(rxq, deep), i;
	const bool behind = rxq->host_behind;

	if (n > RTE_DIM(bufs))
		n = RTE_DIM(bufs);
	/*
	 * End on a descriptor line: the backend reads each line once a lap
	 * instead of again after a second refill wrote its other half.
	 */
	if (rxq->vq.in_order && n > DESC_PER_LINE)
		n -= (rxq->vq.free_head + n) % DESC_PER_LINE;
	if (n == 0)
		return 0;
	/*
	 * The pool gives all n or none: short of them, post what it has
	 * (halving), so that a queue whose pool runs low keeps receiving.
	 */
	if (unlikely(rte_pktmbuf_alloc_bulk(rxq->mp, bufs, n) != 0)) {
		rxq->st.nombuf++;
		do {
			if (n == 1)
				return 0;
			n /= 2;
		} while (rte_pktmbuf_alloc_bulk(rxq->mp, bufs, n) != 0);
	}
	if (likely(rxq->vq.in_order)) {
		for (i = 0; i < n; i++) {
			rx_demote_buf(behind, bufs[i]);
			vspin_vq_drv_add1_in_order(&rxq->vq,
						   rx_buf_addr(bufs[i]),
						   rx_buf_len(bufs[i]),
						   VSPIN_DESC_F_WRITE, bufs[i]);
		}
		return n;
	}
	for (i = 0; i < n; i++) {
		struct vspin_sg sg = {rx_buf_addr(bufs[i]),
				      rx_buf_len(bufs[i])};

		rx_demote_buf(behind, bufs[i]);
		vspin_vq_drv_add(&rxq->vq, &sg, 0, 1, bufs[i]);
	}
	return n;
}

static inline void
rx_publish(struct virtio_spin_rxq *rxq)
{
	if (vspin_vq_drv_publish(&rxq->vq))
		vspin_eventfd_signal(rxq->kickfd);
}

/*
 * If at least min buffers are missing (rx_missing()), post all that are
 * (but the last line's few), then publish once. Leaving fewer than min
 * keeps a second call in the same burst (rx_sleeper_arm()) from
 * publishing, or kicking, again. Nothing more for a backend that broke
 * the ring.
 */
static inline void
rx_refill_from(struct virtio_spin_rxq *rxq, unsigned int min, bool deep)
{
	unsigned int added = 0, n;

	if (rx_missing(rxq, deep) < min || unlikely(rxq->vq.broken))
		return;
	do {
		n = rx_refill(rxq, deep);
		added += n;
	} while (n != 0 && rx_missing(rxq, deep) >= min);
	if (added != 0)
		rx_publish(rxq);
}

int
virtio_spin_rxq_fill(struct virtio_spin_rxq *rxq)
{
	rx_refill_from(rxq, 1, false);
	return rxq->vq.num_free == rxq->vq.vr.num ? -ENOMEM : 0;
}

/* The port stopped the queue (its rings' mbufs are freed at stop). */
static inline bool
queue_stopped(const struct rte_eth_dev_data *d, uint16_t q, bool rx)
{
	return (rx ? d->rx_queue_state[q] : d->tx_queue_state[q]) !=
	       RTE_ETH_QUEUE_STATE_STARTED;
}

/* Free the mbufs a ring still holds. */
static void
free_ring_mbufs(struct vspin_vq_drv *vq)
{
	uint32_t i;

	for (i = 0; i < vq->vr.num; i++) {
		if (vq->state[i].cookie != NULL) {
			rte_pktmbuf_free(vq->state[i].cookie);
			vq->state[i].cookie = NULL;
		}
	}
}

/*
 * The mergeable packet being assembled: its buffers are out of the ring
 * and ours whatever the backend did, so this is always safe.
 */
void
virtio_spin_rxq_drop_partial(struct virtio_spin_rxq *rxq)
{
	if (rxq->mrg_head != NULL)
		rte_pktmbuf_free(rxq->mrg_head);
	rxq->mrg_head = rxq->mrg_tail = NULL;
	rxq->mrg_left = 0;
	rxq->mrg_multi = false;
}

void
virtio_spin_rxq_flush(struct virtio_spin_rxq *rxq)
{
	free_ring_mbufs(&rxq->vq);
	virtio_spin_rxq_drop_partial(rxq);
}

void
virtio_spin_txq_flush(struct virtio_spin_txq *txq)
{
	free_ring_mbufs(&txq->vq);
}

unsigned int
virtio_spin_txq_unread(const struct virtio_spin_txq *txq)
{
	return txq->vq.broken ? 0 : vspin_vq_drv_unread(&txq->vq);
}

void
virtio_spin_txq_kick_unread(struct virtio_spin_txq *txq)
{
	if (virtio_spin_txq_unread(txq) != 0)
		vspin_eventfd_signal(txq->kickfd);
}

/*
 * A hostile or broken backend: the first invalid used entry stops the
 * queue (lib/vspin's vq.broken: nothing more is collected or posted, the
 * mbufs still in the ring are freed at the next port stop, a port
 * restart sets it up again). Counted once in errors (and in bad_used per
 * invalid entry) and logged once, here, outside the hot path.
 */
static __rte_noinline void
queue_broken(struct virtio_spin_dev *dev, const char *dir, uint16_t qid,
	     bool *seen, bool broken, struct virtio_spin_qstats *st)
{
	*seen = broken;
	if (!broken)
		return; /* set up again since */
	st->errors++;
	PMD_LOG(ERR,
		"%s: %s queue %u stopped: the backend returned an invalid "
		"used entry (restart the port to recover)",
		dev->path, dir, qid);
}

/*
 * A buffer the device returned. A length past what we posted means the
 * device wrote (or claims to have written) outside the buffer: the
 * queue is broken, the packet dropped.
 */
static inline struct rte_mbuf *
rx_get(struct virtio_spin_rxq *rxq, uint32_t *len)
{
	struct rte_mbuf *m = vspin_vq_drv_get_used(&rxq->vq, len);

	if (likely(m != NULL) && unlikely(*len > rx_buf_len(m))) {
		vspin_vq_drv_break(&rxq->vq);
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/*
 * A packet of several buffers for an application that did not enable
 * RTE_ETH_RX_OFFLOAD_SCATTER: a frame longer than the MTU (rx queue setup
 * checked that one of the MTU fits an mbuf). Dropped and counted in
 * errors, as a NIC drops an oversized frame, and logged once per queue:
 * an application that takes one-segment packets must not get a chain.
 */
static __rte_noinline void
rx_drop_chain(struct virtio_spin_rxq *rxq, struct rte_mbuf *m)
{
	rxq->st.errors++;
	if (!rxq->chain_logged) {
		rxq->chain_logged = true;
		PMD_LOG(WARNING,
			"%s: rx queue %u: dropped a %u-byte packet of %u "
			"buffers: the application did not enable "
			"RTE_ETH_RX_OFFLOAD_SCATTER (counted in errors, logged "
			"once)",
			rxq->dev->path, rxq->queue_id, m->pkt_len, m->nb_segs);
	}
	rte_pktmbuf_free(m);
}

/* Chain one more buffer of a mergeable packet: no header in this one. */
static __rte_always_inline void
rx_append(struct virtio_spin_rxq *rxq, struct rte_mbuf *m, uint32_t len)
{
	m->data_off = RTE_PKTMBUF_HEADROOM - VIRTIO_SPIN_HDR_SIZE;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	rxq->mrg_tail->next = m;
	rxq->mrg_tail = m;
	rxq->mrg_head->nb_segs++;
	rxq->mrg_head->pkt_len += len;
}

/*
 * Continue a mergeable packet with the buffers that have arrived. Returns
 * the completed packet, or NULL if some are still missing.
 */
static struct rte_mbuf *
rx_merge(struct virtio_spin_rxq *rxq)
{
	struct rte_mbuf *m;

	while (rxq->mrg_left > 0) {
		uint32_t len;

		m = rx_get(rxq, &len);
		if (m == NULL)
			return NULL;
		rx_append(rxq, m, len);
		rxq->mrg_left--;
	}
	m = rxq->mrg_head;
	rxq->mrg_head = rxq->mrg_tail = NULL;
	return m;
}

/* Buffers collected per batch of a receive burst. */
#define RX_BATCH 64
/*
 * Prefetch distances, in buffers ahead of the one being handled: the
 * mbuf's first line first, then, once its buf_addr is there to read, the
 * lines the device wrote (header and packet start), which the
 * application reads next. Only a packet's first buffer has those: see
 * rx_maybe_head().
 */
#define RX_PREFETCH_MBUF 8
#define RX_PREFETCH_DATA 4

/*
 * The used lines a batch collected, but the one the next entry starts in:
 * the host writes them next lap, so while it is behind they go back to the
 * shared cache as the buffers do (rx_demote_buf()).
 */
static inline void
rx_demote_used(const struct vspin_vq_drv *vq, uint16_t from)
{
	const char *base = (const char *)RTE_PTR_ALIGN_FLOOR(
		vq->vr.used, RTE_CACHE_LINE_SIZE);
	uint16_t line, ring_lines, n;

	n = vspin_vq_drv_used_lines(vq, from, RTE_CACHE_LINE_SIZE, &line,
				    &ring_lines);
	for (; n > 0; n--) {
		rte_cldemote(base + (size_t)line * RTE_CACHE_LINE_SIZE);
		if (++line == ring_lines)
			line = 0;
	}
}

static inline const struct virtio_spin_net_hdr *
rx_hdr(const struct rte_mbuf *m)
{
	return (const struct virtio_spin_net_hdr *)((const char *)m->buf_addr +
						    RTE_PKTMBUF_HEADROOM -
						    VIRTIO_SPIN_HDR_SIZE);
}

static inline void
rx_prefetch_data(const struct virtio_spin_rxq *rxq, const struct rte_mbuf *m)
{
	if (rxq->mrg_rxbuf)
		rte_prefetch0(rx_hdr(m));
	rte_prefetch0((const char *)m->buf_addr + RTE_PKTMBUF_HEADROOM);
}

/*
 * Whether buffer j of a batch may start a packet, so that prefetching its
 * header and first line pays: the buffers before next_head continue the
 * packet being assembled, next_head starts the next one, and past it we
 * guess from the last packet (one buffer: so is the next). The guess
 * matters: nobody reads a continuation's lines, and pulling them to our
 * core slows the backend when it copies into those buffers again.
 * Prefetching every buffer of 3-buffer packets held a saturating host to
 * 0.87 of its rate with the stock guest (bench/README-guest.md).
 */
static inline bool
rx_maybe_head(unsigned int j, unsigned int next_head, bool multi)
{
	return j == next_head || (j > next_head && !multi);
}

/*
 * A packet's first buffer too short for an Ethernet header: dropped and
 * counted in errors, as a NIC drops a runt (a VLAN strip, for one, reads
 * the header whole). With mergeable buffers it must still hold the whole
 * virtio-net header and say it is the whole packet: a device fills a
 * packet's first buffer (at least the pool's minimum frame) before the
 * next, and a short one that says more would leave us taking the
 * packet's other buffers for packets. Returns true for that lie: the
 * caller breaks the queue and frees m.
 */
static __rte_noinline bool
rx_runt(struct virtio_spin_rxq *rxq, struct rte_mbuf *m, uint32_t len)
{
	if (rxq->mrg_rxbuf &&
	    (len < VIRTIO_SPIN_HDR_SIZE || rx_hdr(m)->num_buffers > 1))
		return true;
	rxq->st.errors++;
	rte_pktmbuf_free(m);
	return false;
}

/*
 * One batch: collect the used buffers (in order: one read of used->idx
 * and the lengths, no ids), then turn them into packets. The lines the
 * device wrote (the header with num_buffers, the packet's start) are not
 * on our core, and after a sleep the mbufs' are not either: one miss
 * after another cost about 150 ns a packet in a batch after a wake-up.
 * Prefetching them ahead (RX_PREFETCH_MBUF, RX_PREFETCH_DATA) overlaps
 * those misses.
 * A mergeable packet may continue past the batch; rx_merge() then
 * completes it from the ring or leaves it pending. A lie from the device
 * (a length past the buffer, more buffers than it has used) breaks the
 * queue: the rest of the batch is dropped. Returns the packets.
 */
static inline uint16_t
rx_batch(struct virtio_spin_rxq *rxq, struct rte_mbuf **pkts, uint16_t nb,
	 uint64_t *bytes, bool *more)
{
	struct rte_mbuf *bufs[RX_BATCH];
	uint32_t lens[RX_BATCH];
	/* Where the next packet starts, if known: rx_maybe_head(). */
	unsigned int next_head = rxq->mrg_left, k, i;
	bool multi = rxq->mrg_multi;
	const uint16_t from = rxq->vq.last_used;
	uint16_t n = 0;

	if (nb > RX_BATCH)
		nb = RX_BATCH;
	k = vspin_vq_drv_get_used_bulk(&rxq->vq, (void **)bufs, lens, nb);
	*more = k == nb;
	if (k != 0 && rxq->host_behind)
		rx_demote_used(&rxq->vq, from);
	for (i = 0; i < k && i < RX_PREFETCH_MBUF; i++)
		rte_prefetch0(bufs[i]);
	for (i = 0; i < k && i < RX_PREFETCH_DATA; i++)
		if (rx_maybe_head(i, next_head, multi))
			rx_prefetch_data(rxq, bufs[i]);
	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = bufs[i];
		uint32_t len = lens[i];

		if (i + RX_PREFETCH_MBUF < k)
			rte_prefetch0(bufs[i + RX_PREFETCH_MBUF]);
		if (i + RX_PREFETCH_DATA < k &&
		    rx_maybe_head(i + RX_PREFETCH_DATA, next_head, multi))
			rx_prefetch_data(rxq, bufs[i + RX_PREFETCH_DATA]);
		if (unlikely(len > rx_buf_len(m)))
			goto broken;
		if (unlikely(rxq->mrg_left > 0)) {
			rx_append(rxq, m, len);
			if (--rxq->mrg_left == 0) {
				m = rxq->mrg_head;
				rxq->mrg_head = rxq->mrg_tail = NULL;
				if (unlikely(!rxq->scatter)) {
					rx_drop_chain(rxq, m);
					continue;
				}
				*bytes += m->pkt_len;
				pkts[n++] = m;
			}
			continue;
		}
		if (unlikely(len < VIRTIO_SPIN_HDR_SIZE + RTE_ETHER_HDR_LEN)) {
			if (rx_runt(rxq, m, len))
				goto broken;
			continue;
		}
		m->port = rxq->port_id;
		m->data_off = RTE_PKTMBUF_HEADROOM;
		m->data_len = (uint16_t)(len - VIRTIO_SPIN_HDR_SIZE);
		m->pkt_len = m->data_len;
		if (rxq->mrg_rxbuf) {
			uint16_t nbuf = rx_hdr(m)->num_buffers;

			next_head = i + nbuf;
			multi = nbuf > 1;
			if (multi && next_head < k)
				rx_prefetch_data(rxq, bufs[next_head]);

			/*
			 * A backend publishes all the buffers of a packet
			 * with one used idx store (vhost, QEMU, Linux all
			 * do): more than the ring or than what is used (in
			 * this batch or still in the ring) is a lie, and
			 * waiting for them would stall.
			 */
			if (unlikely(nbuf > 1)) {
				/* used entries after this one, seen or not */
				unsigned int after =
					k - i - 1u +
					vspin_vq_drv_used_pending(&rxq->vq);

				if (unlikely(nbuf > rxq->vq.vr.num ||
					     nbuf - 1u > after))
					goto broken;
				rxq->mrg_head = rxq->mrg_tail = m;
				rxq->mrg_left = nbuf - 1;
				continue;
			}
		}
		*bytes += m->pkt_len;
		pkts[n++] = m;
	}
	rxq->mrg_multi = multi;
	return n;
broken:
	vspin_vq_drv_break(&rxq->vq);
	rte_pktmbuf_free_bulk(bufs + i, k - i);
	*more = false;
	return n;
}

static inline uint16_t
rx_burst(struct virtio_spin_rxq *rxq, struct rte_mbuf **pkts, uint16_t nb)
{
	uint16_t n = 0;
	uint64_t bytes = 0;
	const uint16_t from = rxq->vq.last_used;
	bool more = true, deep;

	if (unlikely(rxq->vq.broken != rxq->broken_seen)) {
		queue_broken(rxq->dev, "rx", rxq->queue_id, &rxq->broken_seen,
			     rxq->vq.broken, &rxq->st);
	}
	if (unlikely(rxq->vq.broken))
		return 0;
	while (n < nb && more) {
		struct rte_mbuf *m;

		if (unlikely(rxq->mrg_left > 0)) {
			/* A packet continued past the last batch. */
			m = rx_merge(rxq);
			if (m == NULL)
				break;
			if (unlikely(!rxq->scatter)) {
				rx_drop_chain(rxq, m);
				continue;
			}
			bytes += m->pkt_len;
			pkts[n++] = m;
			continue;
		}
		n += rx_batch(rxq, pkts + n, nb - n, &bytes, &more);
	}
	/*
	 * Near saturation, the soft depth; otherwise the whole ring, refilled
	 * while the queue works (which its busy fraction then counts) rather
	 * than all at once when it arms.
	 */
	deep = !vspin_policy_busy_p(&rxq->policy);
	rx_refill_from(rxq, RTE_MIN(RX_REFILL_BATCH, rxq->vq.vr.num / 4), deep);
	/* Nothing collected: we wait for the host (rx_demote_buf()). */
	rxq->host_behind = rxq->demote && rxq->vq.last_used == from;
	/* Read per burst: "vlan set strip" may switch it meanwhile. */
	if (unlikely(__atomic_load_n(&rxq->vlan_strip, __ATOMIC_RELAXED)))
		bytes -= vspin_vlan_strip_burst(pkts, n);
	rxq->st.packets += n;
	rxq->st.bytes += bytes;
	return n;
}

static bool
rx_sleeper_arm(void *ctx, uint16_t k)
{
	struct virtio_spin_rxq *rxq = ctx;
	uint16_t most = (uint16_t)vspin_policy_arm_max(rxq->vq.vr.num), posted;

	/*
	 * While we sleep the backend may fill every buffer we have: post
	 * the whole ring (past the soft depth), unless fewer than half a
	 * busy queue's refill batch are missing from it.
	 */
	rx_refill_from(rxq, RTE_MIN(RX_REFILL_BATCH / 2, rxq->vq.vr.num / 8),
		       true);
	/*
	 * Only an entry the backend can fill: with the pool short of mbufs
	 * fewer buffers are posted, and a sleep for more would last until
	 * its timeout. None posted: stay awake, to post some.
	 */
	posted = vspin_vq_drv_in_flight(&rxq->vq); /* a buffer a descriptor */
	if (posted == 0)
		return true;
	if (most > posted)
		most = posted;
	/*
	 * used_event = the k-th next entry, fence, recheck (vspin_handshake.h):
	 * never so far that a burst could not follow it into the ring.
	 */
	return vspin_vq_drv_arm(&rxq->vq, k < most ? k : most);
}

static void
rx_sleeper_disarm(void *ctx)
{
	struct virtio_spin_rxq *rxq = ctx;

	vspin_vq_drv_disarm(&rxq->vq);
}

static uint16_t
rx_sleeper_pending(void *ctx)
{
	struct virtio_spin_rxq *rxq = ctx;
	uint16_t pending = vspin_vq_drv_used_pending(&rxq->vq);
	uint16_t posted = vspin_vq_drv_in_flight(&rxq->vq);

	/*
	 * Every buffer posted is filled (the pool short of mbufs): no more
	 * can come, so a batch held for more is complete (as the arm,
	 * rx_sleeper_arm(), asks for no more than are posted).
	 */
	return pending >= posted ? UINT16_MAX : pending;
}

/*
 * rte_eth_rx_queue_count(): entries the backend has filled and the
 * application has not taken (a mergeable packet counts one per buffer,
 * as ethdev counts descriptors; in order, a backend that wrote one used
 * entry for several buffers counts once). Never more than is posted: the
 * used index is the backend's to write.
 */
uint32_t
virtio_spin_rx_queue_count(void *q)
{
	const struct virtio_spin_rxq *rxq = q;
	uint16_t pending = vspin_vq_drv_used_pending(&rxq->vq);
	uint16_t posted = vspin_vq_drv_in_flight(&rxq->vq);

	/* Stopped: the ring's mbufs are freed, its indexes stale. */
	if (unlikely(rxq->vq.broken || queue_stopped(rxq->dev->eth_dev->data,
						     rxq->queue_id, true)))
		return 0;
	return RTE_MIN(pending, posted);
}

/*
 * rte_eth_get_monitor_addr() (vspin_monitor.h): the used index, which
 * the backend writes with each batch it fills, while it equals the next
 * entry we take. Used entries not yet taken, or a mergeable packet's
 * next buffer, move it past that. The ring is ours, in our memory, for
 * the queue's life. A queue the backend broke takes nothing more: it
 * waits for the backend's next write, so that its lcore does not spin.
 */
int
virtio_spin_get_monitor_addr(void *q, struct rte_power_monitor_cond *pmc)
{
	struct virtio_spin_rxq *rxq = q;
	volatile uint16_t *idx;

	if (rxq == NULL)
		return -EINVAL;
	idx = rxq->vq.call.idx;
	vspin_monitor_idx(pmc, idx,
			  unlikely(rxq->vq.broken) ? *idx : rxq->vq.last_used);
	return 0;
}

const struct vspin_sleeper_ops virtio_spin_rx_sleeper_ops = {
	.arm = rx_sleeper_arm,
	.disarm = rx_sleeper_disarm,
	.pending = rx_sleeper_pending,
};

/*
 * Every rx burst, in every mode, goes through lib/vspin's sleep path: the
 * queue stays in its lcore's group (a busy or poll-mode queue vetoes the
 * lcore's sleep), and when blocking is allowed (vspin_sleep_rule.h) the
 * policy decides when it arms used_event; when every queue of the lcore
 * is armed, the lcore sleeps on their call eventfds. With no backend the
 * queue sleeps detached until the connection wakes it.
 */
uint16_t
virtio_spin_recv(void *q, struct rte_mbuf **pkts, uint16_t nb)
{
	struct virtio_spin_rxq *rxq = q;
	struct virtio_spin_dev *dev = rxq->dev;
	/* Room for none: the application holds packets it cannot place. */
	bool may_block =
		nb > 0 && vspin_port_may_block(dev->eth_dev, dev->sleep_rule,
					       dev->spin, &rxq->traffic_mark);
	uint16_t used = rxq->vq.last_used, n;

	vspin_sleeper_before_poll(&rxq->sleeper, may_block);
	vspin_policy_burst(&rxq->policy, nb);
	/* A batch still filling while the lcore's other queues work. */
	n = vspin_sleeper_holds(&rxq->sleeper) ? 0 : rx_burst(rxq, pkts, nb);

	/* No backend, or a broken queue: sleep until the control plane. */
	if (unlikely(n == 0 && (!dev->link_up || rxq->vq.broken))) {
		vspin_sleeper_poll_detached(&rxq->sleeper, may_block);
		return 0;
	}
	/*
	 * After a sleep, no second burst here: the application polls again
	 * at once, and what that poll finds reaches the policy
	 * (vspin_sleeper_poll() in vspin_sleeper.h says why). The policy
	 * counts used entries, not packets: the event index it arms, and the
	 * ring room it keeps for a late wake-up, are in entries, and a
	 * mergeable packet takes one per buffer.
	 */
	used = (uint16_t)(rxq->vq.last_used - used);
	vspin_sleeper_poll(&rxq->sleeper, used, may_block,
			   VSPIN_SLEEPER_NOW_LAZY);
	vspin_thread_received(n);
	return n;
}

/*
 * The header goes in front of the data, in one descriptor, when the mbuf
 * is ours alone and has room; otherwise in the queue's header array.
 */
static inline bool
tx_can_push(const struct rte_mbuf *m)
{
	return rte_mbuf_refcnt_read(m) == 1 && RTE_MBUF_DIRECT(m) &&
	       m->nb_segs == 1 &&
	       rte_pktmbuf_headroom(m) >= VIRTIO_SPIN_HDR_SIZE;
}

/*
 * Zero the fields of a transmit header, writing only if they are not
 * zero already: an mbuf sent before (or received: the backend writes no
 * offload fields) comes back with them clean, and not dirtying the line
 * saves a cache-line transfer per packet, the backend reads it. Like the
 * stock PMD, num_buffers is left alone: it only means something on
 * receive, where the device writes it.
 */
static inline void
tx_hdr_clear(struct virtio_spin_net_hdr *h)
{
	uint64_t a;
	uint16_t b;

	RTE_BUILD_BUG_ON(offsetof(struct virtio_spin_net_hdr, num_buffers) !=
			 sizeof(a) + sizeof(b));
	memcpy(&a, h, sizeof(a));
	memcpy(&b, (char *)h + sizeof(a), sizeof(b));
	if (unlikely((a | b) != 0))
		memset(h, 0, sizeof(a) + sizeof(b));
}

/*
 * Give back what the device has used, in bulk: one mempool operation per
 * batch. In order this reads used->idx and one id per batch, no entry
 * per packet (the lengths are not needed).
 */
static inline uint32_t
tx_cleanup(struct virtio_spin_txq *txq, uint32_t max)
{
	struct rte_mbuf *done[64];
	uint32_t total = 0;
	unsigned int n, want;

	do {
		want = RTE_DIM(done);
		if (max != 0 && max - total < want)
			want = max - total;
		n = vspin_vq_drv_get_used_bulk(&txq->vq, (void **)done, NULL,
					       want);
		rte_pktmbuf_free_bulk(done, n);
		total += n;
	} while (n == want && total != max);
	return total;
}

/*
 * rte_eth_tx_done_cleanup(): an application whose pool runs low takes
 * back the mbufs of packets the backend has read, which the burst path
 * leaves in the ring until it is short of room. Up to free_cnt packets
 * (0: all); the caller owns the queue, as for a tx burst.
 */
int
virtio_spin_tx_done_cleanup(void *q, uint32_t free_cnt)
{
	struct virtio_spin_txq *txq = q;

	if (txq == NULL)
		return -EINVAL;
	/*
	 * Stopped: the stop freed every mbuf and left the used entries
	 * uncollected; collecting them now would find no mbuf and count the
	 * backend's entries as bad.
	 */
	if (queue_stopped(txq->dev->eth_dev->data, txq->queue_id, false))
		return 0;
	/* At most the chains in flight: a ring's worth (<= 32768). */
	return (int)tx_cleanup(txq, free_cnt);
}

/* Collect what the backend read: the room then (none if it broke). */
static inline uint16_t
tx_reclaim(struct virtio_spin_txq *txq)
{
	tx_cleanup(txq, 0);
	return txq->vq.broken ? 0 :
				vspin_vq_drv_room(&txq->vq, txq->soft_depth);
}

/* The header is pushed in front of the data: one descriptor. */
static inline void
tx_push(struct virtio_spin_txq *txq, struct rte_mbuf *m)
{
	struct virtio_spin_net_hdr *h;

	h = (void *)rte_pktmbuf_prepend(m, VIRTIO_SPIN_HDR_SIZE);
	tx_hdr_clear(h);
	if (likely(txq->vq.in_order)) {
		vspin_vq_drv_add1_in_order(&txq->vq,
					   rte_pktmbuf_mtod(m, uintptr_t),
					   m->data_len, 0, m);
	} else {
		struct vspin_sg sg = {rte_pktmbuf_mtod(m, uintptr_t),
				      m->data_len};

		vspin_vq_drv_add(&txq->vq, &sg, 1, 0, m);
	}
}

/*
 * While the host is behind (the last burst found the ring full), its copy
 * sets the pace, and its first read of each frame and of the ring lines we
 * wrote would wait for a snoop of our core: hand them to the shared cache
 * first (x86 CLDEMOTE; a CPU without it never marks the host behind).
 * Only then: a guest that is the slower side would pay for each line's
 * trip out and back (64-byte frames, measured in bench/README-guest.md).
 */
static inline void
tx_demote_frame(bool behind, const struct rte_mbuf *m, uint16_t off)
{
	if (behind)
		rte_cldemote(rte_pktmbuf_mtod_offset(m, char *, off));
}

/*
 * After the publish: the descriptors added since free_head was from, and
 * avail->idx. In order the avail slots are not rewritten after the first
 * lap (vspin_vq_drv_add1_in_order()).
 */
static void
tx_demote_ring(const struct vspin_vq_drv *vq, uint16_t from)
{
	const uint16_t mask = (uint16_t)(vq->vr.num - 1);
	uint16_t line, i, n;

	n = vspin_vq_drv_desc_lines(vq, from, DESC_PER_LINE, &line);
	for (i = 0; i < n; i++)
		rte_cldemote(&vq->vr.desc[((line + i) * DESC_PER_LINE) & mask]);
	rte_cldemote(&vq->vr.avail->idx);
}

uint16_t
virtio_spin_xmit(void *q, struct rte_mbuf **pkts, uint16_t nb)
{
	struct virtio_spin_txq *txq = q;
	struct vspin_sg sg[VIRTIO_SPIN_MAX_SEGS];
	const bool vlan = txq->vlan_insert;
	uint64_t bytes = 0;
	const bool behind = txq->host_behind;
	uint16_t n, room, dropped = 0, first;
	bool reclaimed;

	/* What it was handed, taken or not: for sleep=auto. */
	vspin_thread_sent(nb);
	/*
	 * Reclaim only when short of room, once a burst, like the stock
	 * PMD's tx_free_thresh: reclaiming on every call lets a backend
	 * that is slower than us dictate tiny bursts (one publish, fence and
	 * idx cache-line transfer per handful of packets). Short for the
	 * burst here; below, short for a packet, as a chain takes several
	 * descriptors and a ring left with less room than a chain would
	 * otherwise never reclaim.
	 */
	room = vspin_vq_drv_room(&txq->vq, txq->soft_depth);
	reclaimed = room < nb;
	if (reclaimed)
		room = tx_reclaim(txq);
	if (unlikely(txq->vq.broken != txq->broken_seen)) {
		queue_broken(txq->dev, "tx", txq->queue_id, &txq->broken_seen,
			     txq->vq.broken, &txq->st);
	}
	/* Stopped: takes nothing, as a full ring (the caller keeps them). */
	if (unlikely(txq->vq.broken))
		return 0;
	first = txq->vq.free_head;
	for (n = 0; n < nb; n++) {
		struct rte_mbuf *m = pkts[n], *s;
		uint64_t was = 0;
		unsigned int ns = 0, need;
		bool push;

		if (unlikely(vlan)) {
			was = m->ol_flags;
			if (vspin_vlan_tx(m) != 0) {
				dropped++; /* cannot take its tag: not sent */
				rte_pktmbuf_free(m);
				continue;
			}
		}
		/* The header pushed in front: one descriptor; else a chain. */
		push = tx_can_push(m);
		need = likely(push) ? 1 : m->nb_segs + 1u;
		if (unlikely(need > VIRTIO_SPIN_MAX_SEGS)) {
			dropped++; /* too long a chain: taken, not sent */
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(need > room) && !reclaimed) {
			reclaimed = true;
			room = tx_reclaim(txq);
		}
		if (unlikely(need > room)) {
			vspin_vlan_tx_undo(m, was);
			break;
		}
		room = (uint16_t)(room - need);
		if (likely(push)) {
			tx_push(txq, m);
			tx_demote_frame(behind, m, VIRTIO_SPIN_HDR_SIZE);
			bytes += m->pkt_len - VIRTIO_SPIN_HDR_SIZE;
			continue;
		}
		/* add() takes the free head: its header slot is ours. */
		tx_hdr_clear(&txq->hdrs[txq->vq.free_head]);
		sg[ns].addr = (uintptr_t)&txq->hdrs[txq->vq.free_head];
		sg[ns++].len = VIRTIO_SPIN_HDR_SIZE;
		for (s = m; s != NULL; s = s->next) {
			sg[ns].addr = rte_pktmbuf_mtod(s, uintptr_t);
			sg[ns++].len = s->data_len;
		}
		vspin_vq_drv_add(&txq->vq, sg, ns, 0, m);
		tx_demote_frame(behind, m, 0);
		bytes += m->pkt_len;
	}
	/* One publish per burst: at most one kick. */
	if (vspin_vq_drv_publish(&txq->vq) ||
	    (unlikely(n < nb) && vspin_vq_drv_kick_full(&txq->vq)))
		vspin_eventfd_signal(txq->kickfd);
	if (behind && n != 0)
		tx_demote_ring(&txq->vq, first);
	txq->host_behind = txq->demote && n < nb;
	txq->st.packets += n - dropped;
	txq->st.errors += dropped;
	txq->st.bytes += bytes;
	return n;
}

/*
 * Rx interrupts (rte_eth_dev_rx_intr_enable): arm used_event through
 * the same fence-and-recheck as the spin path. If the recheck finds
 * packets already there, the call eventfd is signalled here, so an
 * application that epolls on it next wakes at once and cannot lose the
 * wake-up, whatever it does with the return value.
 */
int
virtio_spin_rx_intr_enable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct virtio_spin_rxq *rxq = dev->data->rx_queues[qid];
	bool awake;

	if (rxq == NULL)
		return -EINVAL;
	/*
	 * A queue the backend broke delivers nothing until the port starts
	 * again, and its used index stays ahead of ours: arming would find
	 * "work" and wake the application at once, every time, for nothing.
	 */
	if (rxq->vq.broken)
		return 0;
	/*
	 * A started queue posts its whole ring first, as before a sleep of
	 * its own: the application may sleep until the backend fills it, and
	 * only rx_burst() posts more. With none posted (the pool empty) no
	 * entry can come: the application is woken to poll again.
	 */
	if (!queue_stopped(dev->data, qid, true))
		awake = rx_sleeper_arm(rxq, 1);
	else
		awake = vspin_vq_drv_arm(&rxq->vq, 1);
	if (awake) {
		vspin_vq_drv_disarm(&rxq->vq);
		vspin_eventfd_signal(rxq->callfd);
	}
	return 0;
}

int
virtio_spin_rx_intr_disable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct virtio_spin_rxq *rxq = dev->data->rx_queues[qid];

	if (rxq == NULL)
		return -EINVAL;
	vspin_vq_drv_disarm(&rxq->vq);
	return 0;
}
