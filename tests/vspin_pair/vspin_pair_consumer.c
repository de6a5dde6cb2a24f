/* SPDX-License-Identifier: BSD-3-Clause
 * The consumer: the device side (the vhost host reading avail), in the
 * child. It polls the avail ring, checks every packet (in order, exactly
 * once, length and bytes intact), returns it on the used ring, calls the
 * driver when the handshake says it sleeps, and when the ring runs dry
 * lets the spin policy decide when to arm and sleep on the kick eventfd.
 */
#include <string.h>

#include "vspin_eventfd.h"
#include "vspin_pair_priv.h"

#define POP_MAX 32 /* chains taken per poll, as an rx burst */

struct consumer {
	struct pair_ctx *c;
	struct vspin_vq_dev *vq;
	struct vspin_pair_result *res;
	uint64_t expected; /* next seq */
	uint64_t cost;	   /* busy work per packet, cycles */
	bool stamp_used;   /* the producer may sleep on the call eventfd */
	uint16_t stamped;  /* used entries stamped up to here */
};

/* Check one chain; returns the length to report on the used ring. */
static uint32_t
check(struct consumer *k, int nseg, const struct vspin_desc *d)
{
	const struct pair_ctx *c = k->c;
	const struct pair_pkt *pkt;
	uint64_t off, h, seq = k->expected;
	uint32_t i;

	k->expected++;
	if (nseg != 1) {
		vspin_pair_error(k->res,
				 "consumer: seq %llu: chain of %d segments",
				 (unsigned long long)seq, nseg);
		return 0;
	}
	off = d->addr - (uint64_t)(uintptr_t)c->bufs;
	if (off >= (uint64_t)c->buf_size * c->vr.num || off % c->buf_size) {
		vspin_pair_error(k->res,
				 "consumer: seq %llu: address %#llx is not "
				 "a buffer",
				 (unsigned long long)seq,
				 (unsigned long long)d->addr);
		return 0;
	}
	pkt = (const struct pair_pkt *)(uintptr_t)d->addr;
	if (pkt->seq != seq) {
		vspin_pair_error(
			k->res, "consumer: expected seq %llu, got %llu",
			(unsigned long long)seq, (unsigned long long)pkt->seq);
		/* Resynchronise so one loss is reported once. */
		k->expected = pkt->seq + 1;
		seq = pkt->seq;
	}
	h = pair_mix(seq);
	if (pkt->len != pair_pkt_len(seq, c->conf->pkt_max) ||
	    d->len != pkt->len || pkt->hash != (uint32_t)h) {
		vspin_pair_error(k->res,
				 "consumer: seq %llu: header len %u desc "
				 "len %u hash %#x, expected len %u hash %#x",
				 (unsigned long long)seq, pkt->len, d->len,
				 pkt->hash, pair_pkt_len(seq, c->conf->pkt_max),
				 (uint32_t)h);
		return 0;
	}
	for (i = 0; i < pkt->len - PAIR_PKT_MIN; i++)
		if (pkt->data[i] != pair_pkt_byte(h, i)) {
			vspin_pair_error(k->res,
					 "consumer: seq %llu: byte %u is "
					 "%#x, expected %#x",
					 (unsigned long long)seq, i,
					 pkt->data[i], pair_pkt_byte(h, i));
			return 0;
		}
	return pkt->len;
}

/* Return what we took; call the driver if it sleeps; stamp for it. */
static void
publish_used(struct consumer *k)
{
	const struct pair_ctx *c = k->c;

	if (vspin_vq_dev_publish(k->vq) &&
	    vspin_eventfd_signal(c->call_fd) != 0)
		vspin_pair_error(k->res, "consumer: call eventfd write failed");
	if (k->stamp_used) {
		/* After the call: vspin_pair_sleep.c relies on this order. */
		vspin_pair_stamp(c->used_stamp, c->vr.num, k->stamped,
				 k->vq->used_idx);
		k->stamped = k->vq->used_idx;
	}
}

static bool
stop(const struct consumer *k)
{
	if (__atomic_load_n(&k->c->sh->abort, __ATOMIC_RELAXED))
		return true;
	if (vspin_rdtsc() > k->c->deadline) {
		__atomic_store_n(&k->c->sh->abort, 1, __ATOMIC_RELAXED);
		k->res->timed_out = true;
		return true;
	}
	return false;
}

void
vspin_pair_consume(struct pair_ctx *c, struct vspin_vq_dev *vq,
		   struct vspin_pair_result *res)
{
	const struct vspin_pair_conf *cf = c->conf;
	struct consumer k = {
		.c = c,
		.vq = vq,
		.res = res,
		.cost = (uint64_t)cf->cons_cost_ns * c->hz / 1000000000u,
		.stamp_used = cf->prod_policy.mode != VSPIN_MODE_POLL,
	};
	struct pair_waiter w;

	vspin_pair_waiter_init(&w, &cf->policy, c->hz, &res->cons, &vq->kick,
			       c->kick_fd, c->avail_stamp, c->vr.num);
	res->sleep_cost_ns = vspin_cycles_to_ns(w.pol.sleep_cost, c->hz);
	while (res->received < cf->packets && !stop(&k)) {
		struct vspin_desc d[2];
		unsigned int n = 0;
		uint16_t head;
		int r;

		while (n < POP_MAX &&
		       (r = vspin_vq_dev_pop(vq, &head, d, 2)) != 0) {
			uint32_t len = 0;

			if (r > 0)
				len = check(&k, r, d);
			else
				vspin_pair_error(
					res,
					"consumer: malformed chain "
					"at avail %u",
					(unsigned int)(vq->last_avail - 1));
			pair_busy(k.cost);
			if (r > 0)
				vspin_vq_dev_push(vq, head, len);
			n++;
		}
		res->received += n;
		if (n > 0)
			publish_used(&k);
		if (res->received >= cf->packets)
			break;
		vspin_pair_waiter_poll(&w, n, vq->last_avail);
	}
	res->cons_bad_avail = vq->bad_avail;
	res->lost_wakeups = w.lost;
	res->late_wakeups = w.late;
	res->lost_first_age_ns =
		w.lost_first_age < 0 ?
			-(int64_t)vspin_cycles_to_ns(
				(uint64_t)-w.lost_first_age, c->hz) :
			(int64_t)vspin_cycles_to_ns((uint64_t)w.lost_first_age,
						    c->hz);
	vspin_pair_waiter_fini(&w);
}
