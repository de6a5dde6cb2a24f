/* SPDX-License-Identifier: BSD-3-Clause
 * VLAN offloads in software, for both PMDs, as the stock virtio and vhost
 * PMDs offer them: neither a virtio ring nor vhost-user carries a tag
 * beside the frame, so "stripping" and "inserting" move the 4 bytes in
 * the mbuf.
 *
 * RTE_ETH_RX_OFFLOAD_VLAN_STRIP: each received frame with an 802.1Q tag
 * loses it, its TCI goes to mbuf->vlan_tci, flagged RTE_MBUF_F_RX_VLAN and
 * RTE_MBUF_F_RX_VLAN_STRIPPED. Port-wide, switched at run time too
 * (rte_eth_dev_set_vlan_offload(), testpmd "vlan set strip on"): the
 * control thread stores the queue's flag, its lcore reads it per burst.
 *
 * RTE_ETH_TX_OFFLOAD_VLAN_INSERT: a packet flagged RTE_MBUF_F_TX_VLAN gets
 * the tag of its vlan_tci in front of its ethertype, in the headroom. The
 * burst checks packets only while the application has the offload
 * enabled. A packet that cannot take it (an indirect or shared mbuf, a
 * first segment without headroom or shorter than two addresses) is
 * dropped and counted in the queue's errors; one the ring has no room for
 * goes back to the caller without the tag, flagged as it came.
 */
#ifndef VSPIN_VLAN_H
#define VSPIN_VLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define VSPIN_VLAN_RX_CAPA RTE_ETH_RX_OFFLOAD_VLAN_STRIP
#define VSPIN_VLAN_TX_CAPA RTE_ETH_TX_OFFLOAD_VLAN_INSERT

/* The strip flag a queue reads per burst, from the port's offloads. */
static inline bool
vspin_vlan_strip_on(const struct rte_eth_dev *dev)
{
	return (dev->data->dev_conf.rxmode.offloads &
		RTE_ETH_RX_OFFLOAD_VLAN_STRIP) != 0;
}

/* Whether a tx queue checks its packets for RTE_MBUF_F_TX_VLAN. */
static inline bool
vspin_vlan_insert_on(const struct rte_eth_dev *dev,
		     const struct rte_eth_txconf *conf)
{
	return ((dev->data->dev_conf.txmode.offloads | conf->offloads) &
		RTE_ETH_TX_OFFLOAD_VLAN_INSERT) != 0;
}

/*
 * Received packets: take off the tag of those that have one. Only where
 * the first segment holds the Ethernet header and the tag: the peer sets
 * a frame's length, and rte_vlan_strip() reads the ethertype and moves
 * the header without looking at data_len (a runt whose buffer holds an
 * old tag would make it move 12 bytes to NULL). Returns the bytes taken
 * off, for a queue that counted the frames before: its byte counters
 * count what the application receives, as the stock PMDs' do.
 */
static inline uint32_t
vspin_vlan_strip_burst(struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t gone = 0;
	uint16_t i;

	for (i = 0; i < n; i++)
		if (likely(pkts[i]->data_len >=
			   RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr)) &&
		    rte_vlan_strip(pkts[i]) == 0)
			gone += sizeof(struct rte_vlan_hdr);
	return gone;
}

/*
 * A packet about to be sent: insert its tag if the application asked for
 * one. 0 when it is ready, a negative errno when it cannot be sent. A
 * packet tagged here that the ring then has no room for goes back through
 * vspin_vlan_tx_undo() with the ol_flags it came with.
 */
static inline int
vspin_vlan_tx(struct rte_mbuf *m)
{
	if (!(m->ol_flags & RTE_MBUF_F_TX_VLAN))
		return 0;
	return rte_vlan_insert(&m);
}

/*
 * A packet vspin_vlan_tx() made ready that the ring refused: the caller
 * gets it back as it handed it over (rte_eth_tx_burst() leaves what it
 * did not take to the caller, which may resend it elsewhere, set the flag
 * again, or read the frame). was: its ol_flags before vspin_vlan_tx().
 * rte_vlan_insert() moved the two addresses 4 bytes into the headroom and
 * wrote the tag where their last 4 bytes were: moving them back restores
 * the frame byte for byte.
 */
static inline void
vspin_vlan_tx_undo(struct rte_mbuf *m, uint64_t was)
{
	char *p;

	if (!(was & RTE_MBUF_F_TX_VLAN))
		return;
	p = rte_pktmbuf_mtod(m, char *);
	memmove(p + sizeof(struct rte_vlan_hdr), p, 2 * RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_adj(m, sizeof(struct rte_vlan_hdr));
	if (was & RTE_MBUF_F_TX_TUNNEL_MASK)
		m->outer_l2_len -= sizeof(struct rte_vlan_hdr);
	else
		m->l2_len -= sizeof(struct rte_vlan_hdr);
	m->ol_flags = was;
}

#endif /* VSPIN_VLAN_H */
