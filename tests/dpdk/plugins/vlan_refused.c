/* SPDX-License-Identifier: BSD-3-Clause
 * Packets a full ring refuses, with RTE_ETH_TX_OFFLOAD_VLAN_INSERT. Both
 * PMDs insert tags in software, in the mbuf (vspin_vlan.h), before they
 * know whether the ring has room; what rte_eth_tx_burst() does not take
 * stays the caller's, and must come back as the caller handed it over.
 *
 * One port of ours (the vdev on the command line) with the offload, and
 * a peer (the test's testpmd) that never forwards, so the ring fills.
 * Bursts of 48 numbered frames of 64 bytes: of each five, two without
 * RTE_MBUF_F_TX_VLAN, two flagged, one flagged and RTE_MBUF_F_RX_VLAN |
 * RTE_MBUF_F_RX_VLAN_STRIPPED (as forwarded from a port that stripped
 * it); every fourth in two segments of 32 bytes. Sent, once the port
 * took a first packet, until a burst is taken only in part (at most 500
 * bursts, 10 ms apart while none is taken), and then AFTER_FULL bursts
 * more (the ring stays full: each starts on another of the five); each
 * packet refused must have
 * its bytes, pkt_len, data_len, data_off, nb_segs, l2_len, vlan_tci and
 * ol_flags as before the call.
 *
 * Usage: vlan_refused EAL-ARGS. Prints "sent N refused M" and "ok"/"FAIL"
 * lines; exits 0 only if a burst was taken in part and every check
 * passed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define BURST 48 /* not a divisor of a ring, more than a chunk of 32 */
#define MAX_BURSTS 500
#define FRAME_LEN 64
#define TCI 5
#define AFTER_FULL 4
#define RX_STRIPPED (RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED)

/* What a packet was when handed over. */
struct before {
	uint8_t bytes[FRAME_LEN];
	uint32_t pkt_len;
	uint16_t data_len, data_off, nb_segs, vlan_tci;
	uint64_t l2_len, ol_flags;
};

static unsigned int failures;

static struct rte_mbuf *
make_frame(struct rte_mempool *mp, uint32_t no)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *t = NULL;
	uint8_t frame[FRAME_LEN];
	unsigned int i, first = FRAME_LEN;

	if (m == NULL)
		return NULL;
	for (i = 0; i < FRAME_LEN; i++)
		frame[i] = (uint8_t)(no * 7 + i);
	/* Ethernet: addresses numbered, IPv4 ethertype. */
	frame[12] = 0x08;
	frame[13] = 0x00;
	memcpy(&frame[14], &no, sizeof(no));
	if (no % 4 == 3) {
		t = rte_pktmbuf_alloc(mp);
		if (t == NULL) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		first = FRAME_LEN / 2;
	}
	memcpy(rte_pktmbuf_append(m, first), frame, first);
	if (t != NULL) {
		memcpy(rte_pktmbuf_append(t, FRAME_LEN - first), frame + first,
		       FRAME_LEN - first);
		rte_pktmbuf_chain(m, t);
	}
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->vlan_tci = TCI;
	if (no % 5 == 1 || no % 5 == 2)
		m->ol_flags |= RTE_MBUF_F_TX_VLAN;
	else if (no % 5 == 3)
		m->ol_flags |= RTE_MBUF_F_TX_VLAN | RX_STRIPPED;
	return m;
}

static void
record(const struct rte_mbuf *m, struct before *b)
{
	const void *p = rte_pktmbuf_read(m, 0, FRAME_LEN, b->bytes);

	if (p != b->bytes) /* contiguous: read in place */
		memcpy(b->bytes, p, FRAME_LEN);
	b->pkt_len = m->pkt_len;
	b->data_len = m->data_len;
	b->data_off = m->data_off;
	b->nb_segs = m->nb_segs;
	b->vlan_tci = m->vlan_tci;
	b->l2_len = m->l2_len;
	b->ol_flags = m->ol_flags;
}

/* A refused packet: as it was handed over, or a FAIL line. */
static void
check_refused(const struct rte_mbuf *m, const struct before *b, uint32_t no)
{
	uint8_t buf[FRAME_LEN];
	const uint8_t *now = NULL;

	if (m->pkt_len == FRAME_LEN)
		now = rte_pktmbuf_read(m, 0, FRAME_LEN, buf);
	if (m->pkt_len != b->pkt_len || m->data_len != b->data_len ||
	    m->data_off != b->data_off || m->nb_segs != b->nb_segs ||
	    m->vlan_tci != b->vlan_tci || m->l2_len != b->l2_len ||
	    m->ol_flags != b->ol_flags || now == NULL ||
	    memcmp(now, b->bytes, FRAME_LEN) != 0) {
		failures++;
		printf("FAIL packet %u refused changed: pkt_len %u (was %u) "
		       "data_len %u (%u) data_off %u (%u) l2_len %u (%u) "
		       "ol_flags 0x%llx (0x%llx) bytes %s\n",
		       no, m->pkt_len, b->pkt_len, m->data_len, b->data_len,
		       m->data_off, b->data_off, (unsigned int)m->l2_len,
		       (unsigned int)b->l2_len, (unsigned long long)m->ol_flags,
		       (unsigned long long)b->ol_flags,
		       now != NULL && memcmp(now, b->bytes, FRAME_LEN) == 0 ?
			       "same" :
			       "differ");
	}
}

static int
start_port(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = {
		.txmode.offloads = RTE_ETH_TX_OFFLOAD_VLAN_INSERT,
	};
	struct rte_eth_link link;
	int i;

	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 256, SOCKET_ID_ANY, NULL, mp) ||
	    rte_eth_tx_queue_setup(port, 0, 256, SOCKET_ID_ANY, NULL) ||
	    rte_eth_dev_start(port) != 0) {
		printf("FAIL port %u: cannot set up and start\n", port);
		return -1;
	}
	for (i = 0; i < 200; i++) {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return 0;
		usleep(100 * 1000);
	}
	printf("FAIL port %u: no link in 20 s\n", port);
	return -1;
}

/* Bursts until the ring is full, and a few more; how many were refused. */
static unsigned int
fill(uint16_t port, struct rte_mempool *mp, unsigned int *sent)
{
	static struct before b[BURST];
	struct rte_mbuf *pkts[BURST];
	uint32_t no = 0;
	unsigned int burst, i, took, refused, total = 0, after = 0;

	for (burst = 0; burst < MAX_BURSTS; burst++) {
		for (i = 0; i < BURST; i++) {
			pkts[i] = make_frame(mp, no + i);
			if (pkts[i] == NULL) {
				printf("FAIL mbuf pool empty\n");
				failures++;
				rte_pktmbuf_free_bulk(pkts, i);
				return 0;
			}
			record(pkts[i], &b[i]);
		}
		took = rte_eth_tx_burst(port, 0, pkts, BURST);
		*sent += took;
		refused = BURST - took;
		total += refused;
		for (i = took; i < BURST; i++)
			check_refused(pkts[i], &b[i], no + i);
		rte_pktmbuf_free_bulk(pkts + took, refused);
		no += BURST;
		if (*sent == 0) {
			/* The peer's ring may come a moment after the link. */
			usleep(10 * 1000);
			continue;
		}
		if (refused > 0 && after++ == AFTER_FULL)
			break;
	}
	return total;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	unsigned int sent = 0, refused;
	uint16_t port = 0;

	if (rte_eal_init(argc, argv) < 0 || rte_eth_dev_count_avail() != 1) {
		printf("FAIL EAL or not exactly one port\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("vlan_refused", 4096, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL || start_port(port, mp) != 0)
		return 1;
	refused = fill(port, mp, &sent);
	printf("sent %u refused %u\n", sent, refused);
	if (sent == 0 || refused == 0) {
		printf("FAIL no burst taken in part in %d\n", MAX_BURSTS);
		failures++;
	}
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_eal_cleanup();
	printf("%s: %u failures\n", failures ? "FAIL" : "ok", failures);
	return failures ? 1 : 0;
}
