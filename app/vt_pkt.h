/* SPDX-License-Identifier: BSD-3-Clause
 * The packet format shared by the generator and the sink: an Ethernet
 * header with a local experimental EtherType, then a fixed header with a
 * sequence number, the TSC at transmission and the transmit queue (each
 * queue numbers its packets from 0 and ends with its own end-of-stream).
 * Both processes run on one machine and read the same TSC, so the sink
 * subtracts it directly.
 */
#ifndef VT_PKT_H
#define VT_PKT_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#define VT_ETHERTYPE 0x88B5  /* IEEE 802 local experimental 1 */
#define VT_MAGIC 0x76737069u /* "vspi" */

#define VT_F_EOS 1u /* end of stream (count: see struct vt_hdr) */

struct vt_hdr {
	uint32_t magic;
	uint32_t flags;
	uint64_t seq;
	uint64_t tsc;
	/*
	 * End of stream: the data packets sent on the queue. A data packet:
	 * the TSC its schedule sent it at (paced loads; 0 unpaced), which the
	 * sink measures latency from too, waits in the sender included.
	 */
	uint64_t count;
	uint32_t queue; /* the sender's tx queue */
	uint32_t len;	/* the frame's length as sent */
} __attribute__((packed));

#define VT_HDR_OFF sizeof(struct rte_ether_hdr)
#define VT_MIN_FRAME (VT_HDR_OFF + sizeof(struct vt_hdr))
#define VT_MAX_FRAME 1514u

static inline struct vt_hdr *
vt_pkt_hdr(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct vt_hdr *, VT_HDR_OFF);
}

/*
 * Lay out a frame of len bytes (without CRC) in an empty mbuf; the
 * payload after the header is left as the pool gave it (vt_pkt_fill()
 * writes a pattern there). Returns the header for the caller to stamp.
 */
static inline struct vt_hdr *
vt_pkt_build(struct rte_mbuf *m, uint16_t len, uint32_t flags, uint64_t seq,
	     uint64_t count, uint16_t queue)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct vt_hdr *h;

	/* Locally administered addresses: nothing on a real LAN uses them. */
	memset(&eth->dst_addr, 0, sizeof(eth->dst_addr));
	eth->dst_addr.addr_bytes[0] = 0x02;
	eth->dst_addr.addr_bytes[5] = 0x01;
	memset(&eth->src_addr, 0, sizeof(eth->src_addr));
	eth->src_addr.addr_bytes[0] = 0x02;
	eth->src_addr.addr_bytes[5] = 0x02;
	eth->ether_type = rte_cpu_to_be_16(VT_ETHERTYPE);
	h = vt_pkt_hdr(m);
	h->magic = VT_MAGIC;
	h->flags = flags;
	h->seq = seq;
	h->tsc = 0;
	h->count = count;
	h->queue = queue;
	h->len = len;
	m->data_len = len;
	m->pkt_len = len;
	return h;
}

/*
 * --payload: each payload byte a hash of the packet's sequence number,
 * queue and offset (mixed, not periodic in any of them), so that a byte
 * from another packet, another offset or a segment out of place shows.
 */
static inline uint8_t
vt_pkt_pattern(uint64_t seq, uint32_t queue, uint32_t off)
{
	uint32_t x = (uint32_t)seq * 0x9e3779b1u + (uint32_t)(seq >> 32) +
		     queue * 0x85ebca77u + off * 0xc2b2ae3du;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return (uint8_t)(x ^ (x >> 24));
}

/* Write the pattern after the header of a one-segment frame. */
static inline void
vt_pkt_fill(struct rte_mbuf *m, const struct vt_hdr *h)
{
	uint8_t *b = rte_pktmbuf_mtod(m, uint8_t *);
	const uint64_t seq = h->seq;
	const uint32_t queue = h->queue, len = h->len;
	uint32_t off;

	for (off = VT_MIN_FRAME; off < len; off++)
		b[off] = vt_pkt_pattern(seq, queue, off);
}

/* Whether every payload byte, over all segments, is the pattern's. */
static inline bool
vt_pkt_payload_ok(const struct rte_mbuf *m, const struct vt_hdr *h)
{
	const struct rte_mbuf *seg;
	uint32_t base = 0, i;

	for (seg = m; seg != NULL; seg = seg->next) {
		const uint8_t *b = rte_pktmbuf_mtod(seg, const uint8_t *);

		for (i = 0; i < seg->data_len; i++)
			if (base + i >= VT_MIN_FRAME && base + i < h->len &&
			    b[i] != vt_pkt_pattern(h->seq, h->queue, base + i))
				return false;
		base += seg->data_len;
	}
	return true;
}

/* The header of a frame of ours, or NULL for anything else. */
static inline const struct vt_hdr *
vt_pkt_parse(struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth;
	const struct vt_hdr *h;

	if (rte_pktmbuf_data_len(m) < VT_MIN_FRAME)
		return NULL;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type != rte_cpu_to_be_16(VT_ETHERTYPE))
		return NULL;
	h = vt_pkt_hdr(m);
	return h->magic == VT_MAGIC ? h : NULL;
}

#endif /* VT_PKT_H */
