/* SPDX-License-Identifier: BSD-3-Clause
 * The producer: the virtio driver side, in the parent. It writes packets
 * into free buffers, adds them to the avail ring in bursts, publishes each
 * burst (one kick decision), kicks when the handshake says the device
 * sleeps, and recycles the buffers the device returns, checking that they
 * come back exactly once and in order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vspin_eventfd.h"
#include "vspin_pair_priv.h"

struct pair_producer {
	struct pair_ctx *c;
	struct vspin_pair_result *res;
	struct vspin_vq_drv vq;
	struct pair_waiter w; /* used direction: waits for room */
	bool sleeps;	      /* prod_policy is not poll */
	void *priv;
	uint32_t *free_bufs; /* stack of free buffer indexes */
	uint32_t nfree;
	uint64_t rng;
	uint64_t next_ret;    /* seq expected back next */
	uint64_t prod_cycles; /* busy work per packet */
	uint16_t stamped;     /* avail entries stamped up to here */
};

static void
fill(struct pair_producer *p, struct pair_pkt *pkt, uint64_t seq)
{
	uint32_t len = pair_pkt_len(seq, p->c->conf->pkt_max), i;
	uint64_t h = pair_mix(seq);

	pkt->seq = seq;
	pkt->len = len;
	pkt->hash = (uint32_t)h;
	for (i = 0; i < len - PAIR_PKT_MIN; i++)
		pkt->data[i] = pair_pkt_byte(h, i);
}

/* Collect what the device returned; returns how many. */
static unsigned int
reclaim(struct pair_producer *p)
{
	const uint32_t bs = p->c->buf_size;
	unsigned int n = 0;
	uint32_t len;
	void *cookie;

	while ((cookie = vspin_vq_drv_get_used(&p->vq, &len)) != NULL) {
		struct pair_pkt *pkt = cookie;
		uint32_t idx = (uint32_t)((uint8_t *)cookie - p->c->bufs) / bs;

		/* The device echoes the length it read (a harness rule). */
		if (pkt->seq != p->next_ret || len != pkt->len)
			vspin_pair_error(p->res,
					 "producer: got back seq %llu len %u, "
					 "expected seq %llu len %u",
					 (unsigned long long)pkt->seq, len,
					 (unsigned long long)p->next_ret,
					 pkt->len);
		p->next_ret++;
		p->res->returned++;
		p->free_bufs[p->nfree++] = idx;
		n++;
	}
	return n;
}

/* Publish the burst, kick if the device sleeps, then stamp it. */
static void
publish(struct pair_producer *p)
{
	const struct pair_ctx *c = p->c;

	if (p->vq.avail_idx == p->vq.kick_idx)
		return;
	if (vspin_vq_drv_publish(&p->vq) &&
	    vspin_eventfd_signal(c->kick_fd) != 0)
		vspin_pair_error(p->res, "producer: kick eventfd write failed");
	p->res->bursts++;
	/* After the kick: vspin_pair_sleep.c relies on this order. */
	vspin_pair_stamp(c->avail_stamp, c->vr.num, p->stamped,
			 p->vq.avail_idx);
	p->stamped = p->vq.avail_idx;
}

static bool
stop(const struct pair_producer *p)
{
	if (__atomic_load_n(&p->c->sh->abort, __ATOMIC_RELAXED))
		return true;
	if (vspin_rdtsc() > p->c->deadline) {
		__atomic_store_n(&p->c->sh->abort, 1, __ATOMIC_RELAXED);
		p->res->timed_out = true;
		return true;
	}
	return false;
}

/*
 * Wait until the device returns something (or the run stops). The policy
 * hears of every poll, the ones that found work included, so that its
 * idle periods start at the right time.
 */
static void
wait_used(struct pair_producer *p)
{
	unsigned int n;

	for (;;) {
		n = reclaim(p);
		if (p->sleeps)
			vspin_pair_waiter_poll(&p->w, n, p->vq.last_used);
		if (n > 0 || stop(p))
			return;
		if (!p->sleeps)
			pair_relax();
	}
}

static uint64_t
gap_cycles(struct pair_producer *p)
{
	const struct vspin_pair_conf *cf = p->c->conf;
	uint64_t ns;

	if (cf->gap == VSPIN_PAIR_GAP_NONE ||
	    pair_rand(&p->rng) % 100 >= cf->gap_pct)
		return 0;
	switch (cf->gap) {
	case VSPIN_PAIR_GAP_UNIFORM:
		ns = cf->gap_min_ns +
		     pair_rand(&p->rng) % (cf->gap_max_ns - cf->gap_min_ns + 1);
		break;
	case VSPIN_PAIR_GAP_EXP: {
		/* u in (0, 1]: -ln(u) is exponential with mean 1. */
		double u = (double)((pair_rand(&p->rng) >> 11) + 1) /
			   9007199254740992.0;

		ns = (uint64_t)(-log(u) * (double)cf->gap_min_ns);
		break;
	}
	default:
		ns = cf->gap_min_ns;
		break;
	}
	return (uint64_t)((double)ns * (double)p->c->hz / 1e9);
}

struct pair_producer *
vspin_pair_producer_new(struct pair_ctx *c, struct vspin_pair_result *res)
{
	const struct vspin_pair_conf *cf = c->conf;
	struct pair_producer *p = calloc(1, sizeof(*p));
	uint32_t i, num = c->vr.num;

	if (p == NULL)
		return NULL;
	vspin_sleeper_init(&p->w.sleeper, NULL, NULL, NULL); /* no fd yet */
	p->c = c;
	p->res = res;
	p->priv = calloc(1, vspin_vq_drv_priv_size(num));
	p->free_bufs = calloc(num, sizeof(*p->free_bufs));
	if (p->priv == NULL || p->free_bufs == NULL) {
		vspin_pair_producer_free(p);
		return NULL;
	}
	/* This zeroes and lays out the ring: before the device starts. */
	vspin_vq_drv_init(&p->vq, &c->vr, p->priv, cf->event_idx, &res->prod);
	for (i = 0; i < num; i++)
		p->free_bufs[i] = num - 1 - i;
	p->nfree = num;
	p->rng = cf->seed * 2 + 1;
	p->sleeps = cf->prod_policy.mode != VSPIN_MODE_POLL;
	vspin_pair_waiter_init(&p->w, &cf->prod_policy, c->hz, &res->prod,
			       &p->vq.call, c->call_fd, c->used_stamp, num);
	p->prod_cycles = (uint64_t)cf->prod_cost_ns * c->hz / 1000000000u;
	return p;
}

void
vspin_pair_producer_free(struct pair_producer *p)
{
	if (p == NULL)
		return;
	vspin_pair_waiter_fini(&p->w);
	free(p->priv);
	free(p->free_bufs);
	free(p);
}

void
vspin_pair_produce(struct pair_producer *p)
{
	struct pair_ctx *c = p->c;
	struct vspin_pair_result *res = p->res;
	const struct vspin_pair_conf *cf = c->conf;
	uint64_t seq = 0;

	while (seq < cf->packets && !stop(p)) {
		uint64_t b = cf->burst_random ?
				     1 + pair_rand(&p->rng) % cf->burst :
				     cf->burst;
		uint64_t i;

		if (b > cf->packets - seq)
			b = cf->packets - seq;
		for (i = 0; i < b; i++, seq++) {
			struct vspin_sg sg;
			struct pair_pkt *pkt;
			uint32_t idx;

			/* Ring full: show the device what we have first. */
			while (p->nfree == 0 && !stop(p)) {
				publish(p);
				wait_used(p);
			}
			if (p->nfree == 0)
				break;
			idx = p->free_bufs[--p->nfree];
			pkt = (struct pair_pkt *)(c->bufs +
						  (size_t)idx * c->buf_size);
			fill(p, pkt, seq);
			pair_busy(p->prod_cycles);
			sg.addr = (uint64_t)(uintptr_t)pkt;
			sg.len = pkt->len;
			if (vspin_vq_drv_add(&p->vq, &sg, 1, 0, pkt) < 0) {
				vspin_pair_error(res,
						 "producer: no descriptor free "
						 "with a buffer free");
				__atomic_store_n(&c->sh->abort, 1,
						 __ATOMIC_RELAXED);
				break;
			}
			res->sent++;
		}
		publish(p);
		reclaim(p);
		pair_busy(gap_cycles(p));
	}
	publish(p);
	/* Everything must come back before the ring is torn down. */
	while (res->returned < res->sent && !stop(p))
		wait_used(p);
	res->prod_bad_used = p->vq.bad_used;
	res->lost_wakeups_call = p->w.lost;
}
