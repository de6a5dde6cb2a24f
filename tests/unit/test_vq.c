/* SPDX-License-Identifier: BSD-3-Clause
 * Both sides of a split virtqueue, driver (vspin_vq_drv) and device
 * (vspin_vq_dev), on one ring in one process: index wrap-around at 65535,
 * kick and call decisions, and what each side does with a peer that writes
 * garbage (bad used ids, used idx jumps, malformed avail chains).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vspin_test.h"
#include "vspin_vq_device.h"
#include "vspin_vq_driver.h"
#include "vspin_vring.h"

#define MAX_SEGS 3

struct pair {
	void *mem, *priv;
	struct vspin_vring vr;
	struct vspin_vq_drv drv;
	struct vspin_vq_dev dev;
	struct vspin_stats drv_stats, dev_stats;
};

static int
pair_open(struct pair *p, uint32_t num, bool event_idx)
{
	size_t size = vspin_vring_size(num, 4096);

	memset(p, 0, sizeof(*p));
	p->mem = aligned_alloc(4096, (size + 4095) / 4096 * 4096);
	p->priv = malloc(vspin_vq_drv_priv_size(num));
	if (p->mem == NULL || p->priv == NULL ||
	    vspin_vring_init(&p->vr, p->mem, num, 4096) != 0)
		return -1;
	vspin_vq_drv_init(&p->drv, &p->vr, p->priv, event_idx, &p->drv_stats);
	vspin_vq_dev_init(&p->dev, &p->vr, event_idx, &p->dev_stats);
	return 0;
}

static void
pair_close(struct pair *p)
{
	free(p->mem);
	free(p->priv);
}

static void *
seq_cookie(uint32_t seq)
{
	return (void *)(uintptr_t)(seq + 1);
}

static uint32_t
cookie_seq(void *c)
{
	return (uint32_t)((uintptr_t)c - 1);
}

/* Segments of chain seq: 1 to MAX_SEGS, addresses derived from seq. */
static unsigned int
seq_segs(uint32_t seq, struct vspin_sg *sg)
{
	unsigned int n = 1 + seq % MAX_SEGS, i;

	for (i = 0; i < n; i++) {
		sg[i].addr = (uint64_t)seq << 8 | i;
		sg[i].len = 64 + i;
	}
	return n;
}

/* Counters of one run of many rounds. */
struct run {
	uint32_t sent, returned, rounds, armed_rounds;
	uint32_t kicks, calls;
	uint32_t errors;
};

/*
 * One round: the driver adds a burst and publishes; the device takes every
 * chain, checks it, returns them (in order, or the burst reversed) and
 * publishes; the driver collects. On arm rounds each consumer arms first
 * with an empty ring, so the other side's publish must notify; on the
 * others each consumer stays disarmed, so it must not.
 */
static void
round_trip(struct pair *p, struct run *r, unsigned int burst, bool arm,
	   bool reverse)
{
	uint16_t heads[64], head;
	uint32_t first = r->sent, n_in = 0, i;
	struct vspin_desc segs[MAX_SEGS + 1];
	struct vspin_sg sg[MAX_SEGS];
	bool kick, call;
	uint8_t seen[64] = {0};

	if (arm) {
		VT_CHECK(!vspin_vq_dev_arm(&p->dev, 1),
			 "round %u: device arm found work on an empty ring",
			 r->rounds);
		VT_CHECK(!vspin_vq_drv_arm(&p->drv, 1),
			 "round %u: driver arm found work on an empty ring",
			 r->rounds);
	}
	for (i = 0; i < burst; i++) {
		unsigned int n = seq_segs(r->sent, sg);

		if (vspin_vq_drv_add(&p->drv, sg, n - 1, 1,
				     seq_cookie(r->sent)) < 0)
			break; /* out of descriptors: a shorter burst */
		r->sent++;
	}
	kick = vspin_vq_drv_publish(&p->drv);
	r->kicks += kick;
	if (kick != arm && r->errors++ < 5)
		VT_CHECK(kick == arm, "round %u: kick=%d with device armed=%d",
			 r->rounds, kick, arm);
	if (kick)
		vspin_vq_dev_disarm(&p->dev); /* as the woken device would */

	for (;;) {
		int n = vspin_vq_dev_pop(&p->dev, &head, segs, MAX_SEGS + 1);
		uint32_t seq = first + n_in;

		if (n == 0)
			break;
		if ((n != (int)(1 + seq % MAX_SEGS) ||
		     segs[0].addr != (uint64_t)seq << 8 ||
		     !(segs[n - 1].flags & VSPIN_DESC_F_WRITE)) &&
		    r->errors++ < 5)
			VT_FAIL("chain %u: %d segs, addr %#llx", seq, n,
				(unsigned long long)segs[0].addr);
		heads[n_in++] = head;
	}
	VT_CHECK(n_in == r->sent - first, "round %u: device took %u of %u",
		 r->rounds, n_in, r->sent - first);
	for (i = 0; i < n_in; i++) {
		uint32_t k = reverse ? n_in - 1 - i : i;

		vspin_vq_dev_push(&p->dev, heads[k], first + k);
	}
	call = vspin_vq_dev_publish(&p->dev);
	r->calls += call;
	if (call != arm && r->errors++ < 5)
		VT_CHECK(call == arm, "round %u: call=%d with driver armed=%d",
			 r->rounds, call, arm);
	if (call)
		vspin_vq_drv_disarm(&p->drv);

	for (i = 0; i < n_in; i++) {
		uint32_t len = 0,
			 want = reverse ? first + n_in - 1 - i : first + i;
		void *c = vspin_vq_drv_get_used(&p->drv, &len);

		if (c == NULL || cookie_seq(c) - first >= n_in ||
		    seen[cookie_seq(c) - first]++ || len != cookie_seq(c) ||
		    cookie_seq(c) != want) {
			if (r->errors++ < 5)
				VT_FAIL("round %u: got cookie %p len %u, "
					"expected seq %u",
					r->rounds, c, len, want);
			continue;
		}
		r->returned++;
	}
	VT_CHECK(vspin_vq_drv_get_used(&p->drv, &i) == NULL,
		 "round %u: an extra used entry", r->rounds);
	r->rounds++;
	r->armed_rounds += arm;
}

static void
wrap_around_mode(uint32_t num, bool event_idx, bool reverse, bool in_order)
{
	struct pair p;
	struct run r = {0};
	uint64_t x = 88172645463325252u;

	VT_REQUIRE(pair_open(&p, num, event_idx) == 0, "ring set-up failed");
	VT_REQUIRE(vspin_vq_drv_set_in_order(&p.drv, in_order) == 0,
		   "in-order mode refused on a fresh ring");
	/* Two full laps of the 16-bit indexes and some. */
	while (r.sent < 2 * 65536 + 1000 && r.errors == 0) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		round_trip(&p, &r, 1 + (unsigned int)(x % num), x >> 63,
			   reverse);
	}
	VT_CHECK(r.returned == r.sent, "%u sent, %u returned", r.sent,
		 r.returned);
	VT_CHECK(p.vr.avail->idx == (uint16_t)r.sent &&
			 p.vr.used->idx == (uint16_t)r.sent,
		 "after %u entries avail idx %u used idx %u", r.sent,
		 p.vr.avail->idx, p.vr.used->idx);
	VT_CHECK(p.drv_stats.notifies == r.armed_rounds &&
			 p.drv_stats.notifies_suppressed ==
				 r.rounds - r.armed_rounds,
		 "kicks %llu suppressed %llu; armed rounds %u of %u",
		 (unsigned long long)p.drv_stats.notifies,
		 (unsigned long long)p.drv_stats.notifies_suppressed,
		 r.armed_rounds, r.rounds);
	VT_CHECK(p.dev_stats.notifies == r.armed_rounds &&
			 p.dev_stats.notifies_suppressed ==
				 r.rounds - r.armed_rounds,
		 "calls %llu suppressed %llu; armed rounds %u of %u",
		 (unsigned long long)p.dev_stats.notifies,
		 (unsigned long long)p.dev_stats.notifies_suppressed,
		 r.armed_rounds, r.rounds);
	VT_CHECK(p.drv.bad_used == 0 && p.dev.bad_avail == 0,
		 "bad_used %llu bad_avail %llu on a clean run",
		 (unsigned long long)p.drv.bad_used,
		 (unsigned long long)p.dev.bad_avail);
	VT_CHECK(p.drv.num_free == num, "%u of %u descriptors free at the end",
		 p.drv.num_free, num);
	pair_close(&p);
}

static void
wrap_around(uint32_t num, bool event_idx, bool reverse)
{
	wrap_around_mode(num, event_idx, reverse, false);
}

/* VIRTIO_F_IN_ORDER: chains of 1-3 descriptors in table order. */
static void
test_in_order_feature_wrap_around(void)
{
	wrap_around_mode(8, true, false, true);
	wrap_around_mode(16, false, false, true);
}

/*
 * In order, a device may write one used entry for a batch (the last
 * chain's head): every chain of the batch comes back, the ones without an
 * entry of their own with length 0, and nothing counts as bad.
 */
static void
test_in_order_batched_used_entry(void)
{
	struct vspin_sg sg[MAX_SEGS];
	uint16_t heads[3];
	struct pair p;
	uint32_t len, i;
	void *c;

	VT_REQUIRE(pair_open(&p, 8, true) == 0, "ring set-up failed");
	VT_REQUIRE(vspin_vq_drv_set_in_order(&p.drv, true) == 0,
		   "in-order mode refused on a fresh ring");
	for (i = 0; i < 3; i++) {
		unsigned int n = seq_segs(i, sg);
		int h = vspin_vq_drv_add(&p.drv, sg, n, 0, seq_cookie(i));

		VT_REQUIRE(h >= 0, "add %u failed", i);
		heads[i] = (uint16_t)h;
	}
	VT_CHECK(heads[0] == 0 && heads[1] == 1 && heads[2] == 3,
		 "heads %u %u %u, expected 0 1 3 (table order)", heads[0],
		 heads[1], heads[2]);
	vspin_vq_drv_publish(&p.drv);
	/* One entry for all three, as the device may under IN_ORDER. */
	p.vr.used->ring[0].id = heads[2];
	p.vr.used->ring[0].len = 77;
	p.vr.used->idx = 1;
	for (i = 0; i < 3; i++) {
		c = vspin_vq_drv_get_used(&p.drv, &len);
		/* The length is the last chain's, the one the id names. */
		VT_CHECK(c == seq_cookie(i) && len == (i == 2 ? 77u : 0u),
			 "completion %u: cookie %p len %u", i, c, len);
	}
	VT_CHECK(vspin_vq_drv_get_used(&p.drv, &len) == NULL,
		 "a fourth completion out of one entry");
	VT_CHECK(p.drv.num_free == 8 && p.drv.bad_used == 0,
		 "num_free %u bad_used %llu after the batch", p.drv.num_free,
		 (unsigned long long)p.drv.bad_used);
	/*
	 * An id that is not in flight at a batch end breaks the queue: the
	 * chain collected stays collected, nothing more comes out.
	 */
	VT_REQUIRE(vspin_vq_drv_add(&p.drv, sg, 1, 0, seq_cookie(9)) >= 0,
		   "add after the batch failed");
	vspin_vq_drv_publish(&p.drv);
	p.vr.used->ring[1].id = 5;
	p.vr.used->idx = 2;
	c = vspin_vq_drv_get_used(&p.drv, &len);
	VT_CHECK(c == seq_cookie(9) && p.drv.bad_used == 1 && p.drv.broken,
		 "bad batch id: cookie %p bad_used %llu broken %d", c,
		 (unsigned long long)p.drv.bad_used, p.drv.broken);
	p.vr.used->ring[2].id = 6;
	p.vr.used->idx = 3;
	VT_CHECK(vspin_vq_drv_get_used(&p.drv, &len) == NULL,
		 "a broken in-order queue still returned a chain");
	/* In-order mode cannot be turned on with chains in flight. */
	VT_REQUIRE(vspin_vq_drv_add(&p.drv, sg, 1, 0, seq_cookie(10)) >= 0,
		   "add failed");
	VT_CHECK(vspin_vq_drv_set_in_order(&p.drv, false) == -1 &&
			 p.drv.in_order,
		 "in-order switched off with a chain in flight");
	pair_close(&p);
}

/* Chains of 1, 2 and 3 descriptors, published: the last head, or -1. */
static int
add_three_published(struct pair *p)
{
	struct vspin_sg sg[MAX_SEGS];
	uint32_t i;
	int h = -1;

	for (i = 0; i < 3 && (i == 0 || h >= 0); i++)
		h = vspin_vq_drv_add(&p->drv, sg, seq_segs(i, sg), 0,
				     seq_cookie(i));
	vspin_vq_drv_publish(&p->drv);
	return h;
}

/*
 * A batch entry's chains come out in one bulk call, and until collected
 * they count as pending (what a queue checks before it sleeps).
 */
static void
test_in_order_batch_in_one_call(void)
{
	void *got[8];
	uint32_t lens[8];
	struct pair p;
	int h;

	VT_REQUIRE(pair_open(&p, 8, true) == 0, "ring set-up failed");
	VT_REQUIRE(vspin_vq_drv_set_in_order(&p.drv, true) == 0,
		   "in-order mode refused on a fresh ring");
	h = add_three_published(&p);
	VT_REQUIRE(h >= 0, "adding 3 chains failed");
	p.vr.used->ring[0].id = (uint32_t)h;
	p.vr.used->ring[0].len = 5;
	p.vr.used->idx = 1;
	VT_CHECK(vspin_vq_drv_get_used_bulk(&p.drv, got, lens, 1) == 1 &&
			 got[0] == seq_cookie(0),
		 "first of the batch not collected alone");
	VT_CHECK(vspin_vq_drv_used_pending(&p.drv) == 2,
		 "%u pending, expected the batch's 2 other chains",
		 vspin_vq_drv_used_pending(&p.drv));
	VT_CHECK(vspin_vq_drv_get_used_bulk(&p.drv, got, lens, 8) == 2 &&
			 got[0] == seq_cookie(1) && got[1] == seq_cookie(2),
		 "the rest of the batch not collected in one call");
	VT_CHECK(vspin_vq_drv_used_pending(&p.drv) == 0 && p.drv.num_free == 8,
		 "after the batch: %u pending, %u free",
		 vspin_vq_drv_used_pending(&p.drv), p.drv.num_free);
	/* The same batch again, all in one call this time. */
	h = add_three_published(&p);
	VT_REQUIRE(h >= 0, "adding 3 chains failed");
	p.vr.used->ring[1].id = (uint32_t)h;
	p.vr.used->idx = 2;
	VT_CHECK(vspin_vq_drv_get_used_bulk(&p.drv, got, lens, 8) == 3 &&
			 got[2] == seq_cookie(2) && p.drv.num_free == 8,
		 "a batch of 3 not collected in one call of 8");
	/* Nothing in flight: in-order may be turned off, and on again. */
	VT_CHECK(vspin_vq_drv_set_in_order(&p.drv, false) == 0 &&
			 vspin_vq_drv_set_in_order(&p.drv, true) == 0,
		 "in-order not switched with nothing in flight");
	pair_close(&p);
}

/* In order, then not: the free descriptors are relinked and keep going. */
static void
test_in_order_then_not(void)
{
	struct pair p;
	struct run r = {0};
	unsigned int k;

	VT_REQUIRE(pair_open(&p, 8, true) == 0, "ring set-up failed");
	VT_REQUIRE(vspin_vq_drv_set_in_order(&p.drv, true) == 0,
		   "in-order mode refused on a fresh ring");
	for (k = 0; k < 5; k++)
		round_trip(&p, &r, 3, false, false);
	VT_REQUIRE(vspin_vq_drv_set_in_order(&p.drv, false) == 0,
		   "in-order not turned off with everything collected");
	for (k = 0; k < 50; k++)
		round_trip(&p, &r, 1 + k % 5, k & 1, k % 3 == 0);
	VT_CHECK(r.returned == r.sent && r.errors == 0 && p.drv.num_free == 8,
		 "%u sent, %u returned, %u errors, %u free", r.sent, r.returned,
		 r.errors, p.drv.num_free);
	pair_close(&p);
}

static void
test_wrap_around_event_idx_in_order(void)
{
	wrap_around(8, true, false);
}

static void
test_wrap_around_flags_in_order(void)
{
	wrap_around(8, false, false);
}

/* Completions out of order exercise the private free list. */
static void
test_wrap_around_event_idx_reversed(void)
{
	wrap_around(4, true, true);
}

static void
test_wrap_around_flags_reversed(void)
{
	wrap_around(16, false, true);
}

static void
test_driver_add_rejects_what_does_not_fit(void)
{
	struct pair p;
	struct vspin_sg sg[9] = {{0}};

	VT_REQUIRE(pair_open(&p, 8, true) == 0, "ring set-up failed");
	VT_CHECK(vspin_vq_drv_add(&p.drv, sg, 9, 0, seq_cookie(0)) == -1,
		 "a chain of 9 on a ring of 8 accepted");
	VT_CHECK(vspin_vq_drv_add(&p.drv, sg, 0, 0, seq_cookie(0)) == -1,
		 "an empty chain accepted");
	VT_CHECK(vspin_vq_drv_add(&p.drv, sg, 1, 0, NULL) == -1,
		 "a NULL cookie accepted");
	VT_CHECK(vspin_vq_drv_add(&p.drv, sg, 6, 0, seq_cookie(0)) >= 0,
		 "a chain of 6 of 8 refused");
	VT_CHECK(vspin_vq_drv_add(&p.drv, sg, 2, 1, seq_cookie(1)) == -1,
		 "a chain of 3 with 2 free accepted");
	VT_CHECK(vspin_vq_drv_add(&p.drv, sg, 1, 1, seq_cookie(1)) >= 0,
		 "a chain of 2 with 2 free refused");
	VT_CHECK(p.drv.num_free == 0, "%u free, expected 0", p.drv.num_free);
	pair_close(&p);
}

/*
 * The device returns an entry the driver never lent: counted, and the
 * queue is broken: nothing more is collected, not even good entries after
 * it, until the queue is set up again.
 */
enum bad_kind {
	BAD_OUT_OF_RANGE,
	BAD_HIGH_BITS, /* a 32-bit id whose low 16 bits name a chain */
	BAD_FREE,      /* free, never lent */
	BAD_NOT_HEAD,  /* inside a chain */
	BAD_TWICE,     /* a good head returned twice */
	BAD_NB
};

static void
bad_used_id(enum bad_kind kind)
{
	struct vspin_sg sg[2] = {{0x1000, 10}, {0x2000, 20}};
	struct pair p;
	int h0, h1, h2;
	uint32_t len = 0;
	void *c;

	VT_REQUIRE(pair_open(&p, 8, true) == 0, "ring set-up failed");
	h0 = vspin_vq_drv_add(&p.drv, sg, 1, 1, seq_cookie(0)); /* 2 descs */
	h1 = vspin_vq_drv_add(&p.drv, sg, 1, 0, seq_cookie(1));
	h2 = vspin_vq_drv_add(&p.drv, sg, 0, 1, seq_cookie(2));
	VT_REQUIRE(h0 >= 0 && h1 >= 0 && h2 >= 0, "adds failed");
	vspin_vq_drv_publish(&p.drv);

	vspin_vq_dev_push(&p.dev, (uint16_t)h1, 111); /* good */
	switch (kind) {
	case BAD_OUT_OF_RANGE:
		vspin_vq_dev_push(&p.dev, 8, 1);
		break;
	case BAD_HIGH_BITS:
		vspin_vq_dev_push(&p.dev, 0, 1);
		p.vr.used->ring[1].id = 0x10000u + (uint32_t)h0;
		break;
	case BAD_FREE:
		vspin_vq_dev_push(&p.dev, 7, 1);
		break;
	case BAD_NOT_HEAD:
		vspin_vq_dev_push(&p.dev, (uint16_t)(h0 + 1), 1);
		break;
	default:
		vspin_vq_dev_push(&p.dev, (uint16_t)h1, 1);
		break;
	}
	vspin_vq_dev_push(&p.dev, (uint16_t)h0, 100); /* good, after the bad */
	vspin_vq_dev_publish(&p.dev);

	c = vspin_vq_drv_get_used(&p.drv, &len);
	VT_CHECK(c == seq_cookie(1) && len == 111,
		 "kind %d: first good entry: cookie %p len %u, expected %p "
		 "len 111",
		 kind, c, len, seq_cookie(1));
	VT_CHECK(!p.drv.broken && p.drv.bad_used == 0,
		 "kind %d: broken after a good entry", kind);
	c = vspin_vq_drv_get_used(&p.drv, &len);
	VT_CHECK(c == NULL, "kind %d: cookie %p from a bad entry", kind, c);
	VT_CHECK(p.drv.broken && p.drv.bad_used == 1,
		 "kind %d: broken %d bad_used %llu after a bad entry", kind,
		 p.drv.broken, (unsigned long long)p.drv.bad_used);
	c = vspin_vq_drv_get_used(&p.drv, &len);
	VT_CHECK(c == NULL, "kind %d: cookie %p from a broken queue", kind, c);
	VT_CHECK(p.drv.bad_used == 1, "kind %d: bad_used %llu, expected 1",
		 kind, (unsigned long long)p.drv.bad_used);
	/* h0 and h2 stay in flight (the caller frees them at stop). */
	VT_CHECK(p.drv.num_free == 5, "kind %d: %u free, expected 5", kind,
		 p.drv.num_free);
	/* A fresh start clears it; the count goes on. */
	vspin_vq_drv_init(&p.drv, &p.vr, p.priv, true, &p.drv_stats);
	VT_CHECK(!p.drv.broken && p.drv.bad_used == 1 && p.drv.num_free == 8,
		 "kind %d: after init: broken %d bad_used %llu (kept: 1) free "
		 "%u",
		 kind, p.drv.broken, (unsigned long long)p.drv.bad_used,
		 p.drv.num_free);
	pair_close(&p);
}

static void
test_driver_breaks_on_bad_used_ids(void)
{
	int k;

	for (k = 0; k < BAD_NB; k++)
		bad_used_id((enum bad_kind)k);
}

/* A used idx more than a ring ahead: counted, the queue is broken. */
static void
test_driver_breaks_on_used_idx_jump(void)
{
	struct vspin_sg sg = {0x1000, 10};
	struct pair p;
	uint32_t len = 0, i;
	void *c;

	VT_REQUIRE(pair_open(&p, 8, true) == 0, "ring set-up failed");
	for (i = 0; i < 8; i++)
		VT_REQUIRE(vspin_vq_drv_add(&p.drv, &sg, 0, 1, seq_cookie(i)) >=
				   0,
			   "add %u failed", i);
	vspin_vq_drv_publish(&p.drv);
	/* Exactly a ring ahead is legal: all 8 come back. */
	for (i = 0; i < 8; i++)
		vspin_vq_dev_push(&p.dev, (uint16_t)i, 1);
	vspin_vq_dev_publish(&p.dev);
	for (i = 0; i < 8; i++) {
		c = vspin_vq_drv_get_used(&p.drv, &len);
		VT_CHECK(c == seq_cookie(i), "entry %u: cookie %p", i, c);
	}
	VT_CHECK(!p.drv.broken, "broken by a full ring of good entries");
	for (i = 0; i < 8; i++)
		vspin_vq_drv_add(&p.drv, &sg, 0, 1, seq_cookie(i));
	vspin_vq_drv_publish(&p.drv);
	p.vr.used->idx = (uint16_t)(p.vr.used->idx + 9);
	c = vspin_vq_drv_get_used(&p.drv, &len);
	VT_CHECK(c == NULL && p.drv.broken && p.drv.bad_used == 1,
		 "used idx 9 ahead on a ring of 8: cookie %p broken %d "
		 "bad_used %llu",
		 c, p.drv.broken, (unsigned long long)p.drv.bad_used);
	/* Stepping back into range does not revive it. */
	p.vr.used->idx = (uint16_t)(p.vr.used->idx - 8);
	c = vspin_vq_drv_get_used(&p.drv, &len);
	VT_CHECK(c == NULL && p.drv.bad_used == 1,
		 "a broken queue gave cookie %p", c);
	pair_close(&p);
}

/* Write one avail entry by hand, as a broken or hostile driver would. */
static void
raw_avail(struct pair *p, uint16_t head)
{
	p->vr.avail->ring[p->vr.avail->idx & (p->vr.num - 1)] = head;
	p->vr.avail->idx++;
}

static void
raw_desc(struct pair *p, uint16_t i, uint16_t flags, uint16_t next)
{
	p->vr.desc[i].addr = 0x1000u * i;
	p->vr.desc[i].len = 100;
	p->vr.desc[i].flags = flags;
	p->vr.desc[i].next = next;
}

/*
 * Pop one entry; expect result want. A rejected chain with a head in
 * range must come back on the used ring with length 0.
 */
static void
expect_pop(struct pair *p, const char *what, int want, unsigned int max_sg,
	   uint64_t bad_before)
{
	struct vspin_desc segs[16];
	uint16_t head = 0xabcd, used_before = p->dev.used_idx;
	int n = vspin_vq_dev_pop(&p->dev, &head, segs, max_sg);

	VT_CHECK(n == want, "%s: pop returned %d, expected %d", what, n, want);
	if (want >= 0) {
		VT_CHECK(p->dev.bad_avail == bad_before,
			 "%s: bad_avail %llu, expected %llu", what,
			 (unsigned long long)p->dev.bad_avail,
			 (unsigned long long)bad_before);
		return;
	}
	VT_CHECK(p->dev.bad_avail == bad_before + 1,
		 "%s: bad_avail %llu, expected %llu", what,
		 (unsigned long long)p->dev.bad_avail,
		 (unsigned long long)bad_before + 1);
	if (head < p->vr.num) {
		struct vspin_used_elem *e =
			&p->vr.used->ring[used_before & (p->vr.num - 1)];

		VT_CHECK(p->dev.used_idx == (uint16_t)(used_before + 1) &&
				 e->id == head && e->len == 0,
			 "%s: returned as id %u len %u (used %u -> %u)", what,
			 e->id, e->len, used_before, p->dev.used_idx);
	} else {
		VT_CHECK(p->dev.used_idx == used_before,
			 "%s: head %u out of range was returned", what, head);
	}
}

static void
test_device_rejects_malformed_chains(void)
{
	const uint16_t N = VSPIN_DESC_F_NEXT;
	struct pair p;

	VT_REQUIRE(pair_open(&p, 8, true) == 0, "ring set-up failed");
	raw_avail(&p, 8);
	expect_pop(&p, "head = num", -1, 16, 0);
	raw_avail(&p, 0xffff);
	expect_pop(&p, "head = 65535", -1, 16, 1);

	raw_desc(&p, 0, N, 8);
	raw_avail(&p, 0);
	expect_pop(&p, "next = num", -1, 16, 2);

	raw_desc(&p, 1, N, 2);
	raw_desc(&p, 2, N, 1);
	raw_avail(&p, 1);
	expect_pop(&p, "loop 1->2->1", -1, 16, 3);

	raw_desc(&p, 3, N, 3);
	raw_avail(&p, 3);
	expect_pop(&p, "self loop 3->3", -1, 16, 4);

	/* A chain of 5 where the caller takes 4 segments. */
	raw_desc(&p, 0, N, 1);
	raw_desc(&p, 1, N, 2);
	raw_desc(&p, 2, N, 3);
	raw_desc(&p, 3, N, 4);
	raw_desc(&p, 4, 0, 0);
	raw_avail(&p, 0);
	expect_pop(&p, "5 segments, room for 4", -1, 4, 5);
	/* The same chain fits 5: the boundary is exact. */
	raw_avail(&p, 0);
	expect_pop(&p, "5 segments, room for 5", 5, 5, 6);

	/* All 8 descriptors in one chain is legal; a ninth hop is a loop. */
	raw_desc(&p, 4, N, 5);
	raw_desc(&p, 5, N, 6);
	raw_desc(&p, 6, N, 7);
	raw_desc(&p, 7, 0, 0);
	raw_avail(&p, 0);
	expect_pop(&p, "8 segments on a ring of 8", 8, 16, 6);
	raw_desc(&p, 7, N, 0);
	raw_avail(&p, 0);
	expect_pop(&p, "8 segments then back to 0", -1, 16, 6);

	/* The ring keeps moving after garbage. */
	raw_desc(&p, 6, 0, 0);
	raw_avail(&p, 6);
	expect_pop(&p, "good single after garbage", 1, 16, 7);
	expect_pop(&p, "empty ring", 0, 16, 7);
	pair_close(&p);
}

/*
 * A fresh ring is disarmed in both directions: neither producer notifies
 * before its consumer arms (vspin_vq_drv_init()/vspin_vq_dev_init()).
 */
static void
fresh_ring_silent(bool event_idx)
{
	struct vspin_sg sg = {0x1000, 64};
	struct vspin_desc segs[1];
	struct pair p;
	uint16_t head;
	bool kick, call;

	VT_REQUIRE(pair_open(&p, 8, event_idx) == 0, "ring set-up failed");
	VT_REQUIRE(vspin_vq_drv_add(&p.drv, &sg, 1, 0, seq_cookie(0)) >= 0,
		   "add failed");
	kick = vspin_vq_drv_publish(&p.drv);
	VT_CHECK(!kick,
		 "event_idx=%d: first publish kicked a device that "
		 "never armed",
		 event_idx);
	VT_REQUIRE(vspin_vq_dev_pop(&p.dev, &head, segs, 1) == 1, "pop failed");
	vspin_vq_dev_push(&p.dev, head, 0);
	call = vspin_vq_dev_publish(&p.dev);
	VT_CHECK(!call,
		 "event_idx=%d: first publish called a driver that "
		 "never armed",
		 event_idx);
	pair_close(&p);
}

/*
 * With the event index, consumers that stay quiet are never notified, over
 * three laps of the 16-bit indexes: left where it was, a stale event index
 * is crossed once a lap (15 notifications per million packets). Every
 * 4099th round both arm, and must then be notified: the event moved while
 * quiet does not hide the next arm.
 */
static void
quiet_laps(uint32_t num, bool in_order)
{
	struct pair p;
	struct run r = {0};

	VT_REQUIRE(pair_open(&p, num, true) == 0, "ring set-up failed");
	VT_REQUIRE(vspin_vq_drv_set_in_order(&p.drv, in_order) == 0,
		   "in-order mode refused on a fresh ring");
	while (r.sent < 3 * 65536 && r.errors == 0)
		round_trip(&p, &r, 1 + r.rounds % (num < 64 ? num : 64),
			   r.rounds % 4099 == 4098, false);
	VT_CHECK(r.errors == 0 && r.kicks == r.armed_rounds &&
			 r.calls == r.armed_rounds && r.armed_rounds > 0,
		 "ring %u: %u kicks and %u calls in %u rounds, %u armed", num,
		 r.kicks, r.calls, r.rounds, r.armed_rounds);
	VT_CHECK(r.returned == r.sent, "%u sent, %u returned", r.sent,
		 r.returned);
	pair_close(&p);
}

static void
test_quiet_consumers_are_not_notified_at_laps(void)
{
	quiet_laps(8, false);
	quiet_laps(256, true);
	quiet_laps(VSPIN_QUIET_MAX_RING, false);
}

/* A driver whose avail idx runs more than a ring ahead is refused whole. */
static void
test_device_rejects_avail_idx_a_ring_ahead(void)
{
	struct vspin_desc segs[4];
	struct pair p;
	uint16_t head = 0;
	int n;

	VT_REQUIRE(pair_open(&p, 8, true) == 0, "ring set-up failed");
	raw_desc(&p, 0, 0, 0);
	p.vr.avail->ring[0] = 0;
	p.vr.avail->idx = 9; /* nine pending on a ring of eight */
	n = vspin_vq_dev_pop(&p.dev, &head, segs, 4);
	VT_CHECK(n == -1 && p.dev.bad_avail == 1 && p.dev.last_avail == 0,
		 "pop returned %d, bad_avail %llu, last_avail %u; expected -1, "
		 "1, 0 (nothing taken)",
		 n, (unsigned long long)p.dev.bad_avail, p.dev.last_avail);
	p.vr.avail->idx = 8; /* exactly a ring: legal */
	n = vspin_vq_dev_pop(&p.dev, &head, segs, 4);
	VT_CHECK(n == 1 && head == 0, "a full ring: pop returned %d head %u", n,
		 head);
	pair_close(&p);
}

/* Start both sides of a fresh pair at index start, as if after laps. */
static void
pair_start_at(struct pair *p, uint16_t start)
{
	p->drv.avail_idx = p->drv.kick_idx = p->drv.last_used = start;
	p->drv.used_seen = start;
	p->vr.avail->idx = p->vr.used->idx = start;
	p->dev.last_avail = p->dev.used_idx = p->dev.call_idx = start;
}

/* Add and publish n one-descriptor chains from seq; how many fitted. */
static unsigned int
add_publish(struct pair *p, uint32_t *seq, unsigned int n)
{
	struct vspin_sg sg = {0x1000, 64};
	unsigned int i;

	for (i = 0; i < n; i++, (*seq)++)
		if (vspin_vq_drv_add(&p->drv, &sg, 1, 0, seq_cookie(*seq)) < 0)
			break;
	(void)vspin_vq_drv_publish(&p->drv);
	return i;
}

/* The device takes and returns n chains; the driver collects them. */
static void
consume(struct pair *p, unsigned int n)
{
	struct vspin_desc segs[MAX_SEGS + 1];
	uint16_t head;
	uint32_t len;
	unsigned int i;

	for (i = 0; i < n; i++) {
		VT_REQUIRE(vspin_vq_dev_pop(&p->dev, &head, segs, 4) == 1,
			   "the device found no chain %u of %u", i, n);
		vspin_vq_dev_push(&p->dev, head, 0);
	}
	(void)vspin_vq_dev_publish(&p->dev);
	for (i = 0; i < n; i++)
		VT_REQUIRE(vspin_vq_drv_get_used(&p->drv, &len) != NULL,
			   "used chain %u of %u not collected", i, n);
}

/*
 * The soft depth (vspin_vq_drv_room): at most soft in flight while the
 * device's event index is away from avail_idx (a device that polls), the
 * whole ring while it lies within a ring of it (a device asleep for an
 * entry near here, or just woken by one), from index start on (wrapping
 * through 65535 when start is near it).
 */
static void
soft_depth(bool event_idx, uint16_t start)
{
	const uint16_t num = 64, soft = 16;
	volatile uint16_t *ev;
	uint32_t seq = 0;
	struct pair p;
	unsigned int n;

	VT_REQUIRE(pair_open(&p, num, event_idx) == 0, "ring set-up failed");
	ev = vspin_avail_event(&p.vr);
	pair_start_at(&p, start);

	/* Polling: the device moved its stale event half a lap away. */
	*ev = (uint16_t)(start + 0x8000u);
	n = add_publish(&p, &seq, 1);
	VT_CHECK(n == 1, "the first chain did not fit");
	n = vspin_vq_drv_room(&p.drv, soft);
	if (!event_idx) {
		VT_CHECK(n == p.drv.num_free,
			 "without the event index: room "
			 "%u, expected the %u free",
			 n, p.drv.num_free);
		pair_close(&p);
		return;
	}
	VT_CHECK(n == soft - 1u,
		 "device polling, 1 in flight: room %u, "
		 "expected %u",
		 n, soft - 1u);
	add_publish(&p, &seq, n);
	VT_CHECK(vspin_vq_drv_room(&p.drv, soft) == 0,
		 "%u in flight, room "
		 "%u, expected 0",
		 num - p.drv.num_free, vspin_vq_drv_room(&p.drv, soft));
	VT_CHECK(vspin_vq_drv_room(&p.drv, num) == p.drv.num_free &&
			 vspin_vq_drv_room(&p.drv, 0) == p.drv.num_free,
		 "soft = num or 0: room %u / %u, expected the %u free",
		 vspin_vq_drv_room(&p.drv, num), vspin_vq_drv_room(&p.drv, 0),
		 p.drv.num_free);
	/* Returned and collected: room again, no more than soft. */
	consume(&p, 10);
	VT_CHECK(vspin_vq_drv_room(&p.drv, soft) == 10,
		 "10 collected: room "
		 "%u, expected 10",
		 vspin_vq_drv_room(&p.drv, soft));
	consume(&p, soft - 10u);

	/* The device sleeps for its next entry: the whole ring. */
	VT_CHECK(!vspin_vq_dev_arm(&p.dev, 1), "arm found work on a dry ring");
	add_publish(&p, &seq, 1);
	VT_CHECK(vspin_vq_drv_room(&p.drv, soft) == p.drv.num_free,
		 "device armed for the next entry: room %u, expected the %u "
		 "free",
		 vspin_vq_drv_room(&p.drv, soft), p.drv.num_free);
	consume(&p, 1);

	/* Coalescing, 40 ahead: the whole ring, past the event too. */
	VT_CHECK(!vspin_vq_dev_arm(&p.dev, 40), "arm found work on a dry "
						"ring");
	n = add_publish(&p, &seq, 50);
	VT_CHECK(n == 50, "armed 40 ahead: %u of 50 chains fitted", n);
	VT_CHECK(vspin_vq_drv_room(&p.drv, soft) == num - 50u,
		 "armed 40 ahead, 50 in flight: room %u, expected %u",
		 vspin_vq_drv_room(&p.drv, soft), num - 50u);
	/* Woken, it polls on: a ring past its event, soft again. */
	vspin_vq_dev_disarm(&p.dev);
	for (n = 0; n < 3u * num && (uint16_t)(p.drv.avail_idx - *ev) < num;
	     n += 8) {
		consume(&p, vspin_vq_dev_avail_pending(&p.dev));
		add_publish(&p, &seq, 8);
	}
	VT_CHECK((uint16_t)(p.drv.avail_idx - *ev) >= num,
		 "avail idx %u still within a ring of the event %u",
		 p.drv.avail_idx, *ev);
	n = num - p.drv.num_free;
	VT_CHECK(vspin_vq_drv_room(&p.drv, soft) == (n < soft ? soft - n : 0),
		 "a ring past the event, %u in flight: room %u, expected "
		 "%u",
		 n, vspin_vq_drv_room(&p.drv, soft), n < soft ? soft - n : 0);
	pair_close(&p);
}

/*
 * A device that never writes its event index (a stock vhost that polls):
 * the soft bound holds when avail_idx passes the stale index (0) too.
 */
static void
stale_event(void)
{
	const uint16_t num = 64, soft = 16, start = 65530;
	uint32_t seq = 0;
	struct pair p;
	unsigned int i;

	VT_REQUIRE(pair_open(&p, num, true) == 0, "ring set-up failed");
	pair_start_at(&p, start);
	/* As the driver zeroed it; our test device would move it. */
	*vspin_avail_event(&p.vr) = 0;
	p.dev.quiet_mark = start;
	for (i = 0; i < 4; i++) {
		uint16_t room = vspin_vq_drv_room(&p.drv, soft);

		VT_CHECK(room == soft,
			 "round %u, avail idx %u, event index 0 "
			 "never written: room %u, expected %u",
			 i, p.drv.avail_idx, room, soft);
		add_publish(&p, &seq, room);
		consume(&p, room);
	}
	pair_close(&p);
}

static void
test_soft_depth(void)
{
	soft_depth(true, 0);
	soft_depth(true, 65530);
	soft_depth(false, 0);
	stale_event();
}

/*
 * A device armed for a batch larger than the ring can hold in chains of 3
 * descriptors: the ring fills, the publish decides no kick (the index is
 * beyond), and the full ring kicks once for that index, not again until
 * the device sets another. An index half a lap away (a device that
 * polls) or behind (a stock vhost's stale one) gets no kick.
 */
static void
test_full_ring_kicks_a_device_armed_beyond(void)
{
	struct vspin_sg sg[3] = {{0x1000, 12}, {0x2000, 64}, {0x3000, 64}};
	const uint16_t num = 16;
	uint64_t kicks;
	struct pair p;
	int chains = 0;

	VT_REQUIRE(pair_open(&p, num, true) == 0, "ring set-up failed");
	/* Armed for 12 entries from 0: 16 descriptors hold 5 chains. */
	*vspin_avail_event(&p.vr) = 11;
	while (vspin_vq_drv_add(&p.drv, sg, 3, 0, seq_cookie(chains)) >= 0)
		chains++;
	VT_CHECK(chains == 5 && !vspin_vq_drv_publish(&p.drv),
		 "%d chains, or the publish kicked below the event index",
		 chains);
	kicks = p.drv.stats->notifies;
	VT_CHECK(p.drv.stats->notifies_suppressed == 1,
		 "the publish counted %llu suppressed kicks, expected 1",
		 (unsigned long long)p.drv.stats->notifies_suppressed);
	VT_CHECK(vspin_vq_drv_kick_full(&p.drv) &&
			 !vspin_vq_drv_kick_full(&p.drv) &&
			 p.drv.stats->notifies == kicks + 1,
		 "a full ring below the event index: not kicked once");
	/* One decision for the burst: a kick, no longer a suppressed one. */
	VT_CHECK(p.drv.stats->notifies_suppressed == 0,
		 "the full ring's kick left %llu suppressed kicks counted",
		 (unsigned long long)p.drv.stats->notifies_suppressed);
	*vspin_avail_event(&p.vr) = 12; /* the device armed again */
	VT_CHECK(vspin_vq_drv_kick_full(&p.drv),
		 "a new event index beyond the full ring: no kick");
	*vspin_avail_event(&p.vr) = (uint16_t)(5 + 0x8000);
	VT_CHECK(!vspin_vq_drv_kick_full(&p.drv),
		 "kicked a device whose index is half a lap away");
	*vspin_avail_event(&p.vr) = 2;
	VT_CHECK(!vspin_vq_drv_kick_full(&p.drv),
		 "kicked for an index behind avail_idx");
	pair_close(&p);
}

static void
test_fresh_ring_silent_event_idx(void)
{
	fresh_ring_silent(true);
}

static void
test_fresh_ring_silent_flags(void)
{
	fresh_ring_silent(false);
}

/* Lines of entries 'from' .. free_head - 1, 4 descriptors (64 bytes) a
 * line, as vspin_vq_drv_desc_lines(). */
static void
desc_lines_case(uint32_t num, bool in_order, uint16_t from, uint16_t head,
		uint16_t lines, uint16_t first)
{
	struct vspin_vq_drv vq;
	uint16_t got_first = 0xffff, got;

	memset(&vq, 0, sizeof(vq));
	vq.vr.num = num;
	vq.in_order = in_order;
	vq.free_head = head;
	got = vspin_vq_drv_desc_lines(&vq, from, 4, &got_first);
	VT_CHECK(got == lines && (lines == 0 || got_first == first),
		 "ring %u, %s, %u..%u: %u lines from %u, expected %u from %u",
		 num, in_order ? "in order" : "free list", from, head, got,
		 got_first, lines, first);
}

static void
test_desc_lines_to_demote(void)
{
	struct pair p;
	uint32_t seq = 0;

	desc_lines_case(256, true, 0, 1, 1, 0);
	desc_lines_case(256, true, 3, 5, 2, 0);	    /* 3 and 4 straddle */
	desc_lines_case(256, true, 4, 36, 8, 1);    /* 32 entries, aligned */
	desc_lines_case(256, true, 6, 38, 9, 1);    /* 32 entries, not */
	desc_lines_case(256, true, 252, 4, 2, 63);  /* wraps to line 0 */
	desc_lines_case(256, true, 250, 250, 0, 0); /* a whole ring: none */
	desc_lines_case(256, true, 7, 7, 0, 0);	    /* nothing added */
	desc_lines_case(256, false, 0, 8, 0, 0);    /* free list: none */
	desc_lines_case(2, true, 1, 0, 1, 0);	    /* a ring within a line */
	desc_lines_case(8, true, 1, 0, 2, 0);	    /* 7 of 8: both lines */
	desc_lines_case(8, true, 3, 2, 2, 0);	    /* 7 of 8, each line once */

	/* On a real ring across the wrap. */
	VT_REQUIRE(pair_open(&p, 256, true) == 0, "ring setup failed");
	VT_REQUIRE(vspin_vq_drv_set_in_order(&p.drv, true) == 0,
		   "in order refused");
	add_publish(&p, &seq, 250);
	consume(&p, 250);
	{
		uint16_t from = p.drv.free_head, first;

		add_publish(&p, &seq, 10);
		VT_CHECK(vspin_vq_drv_desc_lines(&p.drv, from, 4, &first) ==
					 3 &&
				 first == 62,
			 "250..3: lines from %u", first);
	}
	consume(&p, 10);
	pair_close(&p);
}

/*
 * The used lines a batch collected from..last_used lies in, on a ring of
 * num whose used ring starts off bytes into a line: how many, the first,
 * the ring's lines.
 */
static void
used_lines_case(uint32_t num, uint16_t off, uint16_t from, uint16_t last,
		uint16_t lines, uint16_t first, uint16_t ring_lines)
{
	struct vspin_vq_drv vq;
	uint16_t got_first = 0xffff, got_ring = 0, got;
	void *mem = aligned_alloc(64, 64 + 8 * 4096);

	VT_REQUIRE(mem != NULL, "no memory");
	memset(&vq, 0, sizeof(vq));
	vq.vr.num = num;
	vq.vr.used = (struct vspin_used *)((char *)mem + off);
	vq.last_used = last;
	got = vspin_vq_drv_used_lines(&vq, from, 64, &got_first, &got_ring);
	VT_CHECK(got == lines && (lines == 0 || got_first == first) &&
			 got_ring == ring_lines,
		 "ring %u at +%u, %u..%u: %u lines from %u of %u, expected "
		 "%u from %u of %u",
		 num, off, from, last, got, got_first, got_ring, lines, first,
		 ring_lines);
	free(mem);
}

/*
 * vspin_vq_drv_used_lines(): entry j is at 4 + 8j bytes into the used
 * ring, so entry 7 straddles lines 0 and 1; a 256 ring's avail_event is
 * in line 32.
 */
static void
test_used_lines_to_demote(void)
{
	struct pair p;
	uint32_t seq = 0;

	used_lines_case(256, 0, 0, 1, 0, 0, 33);  /* next in the same line */
	used_lines_case(256, 0, 0, 8, 1, 0, 33);  /* next starts line 1 */
	used_lines_case(256, 0, 7, 8, 1, 0, 33);  /* the straddling entry */
	used_lines_case(256, 0, 6, 7, 0, 0, 33);  /* next straddles from 0 */
	used_lines_case(256, 0, 8, 40, 4, 1, 33); /* 32 entries */
	used_lines_case(256, 0, 250, 266, 3, 31, 33); /* wraps: 31, 32, 0 */
	used_lines_case(256, 0, 65530, 6, 2, 31, 33); /* at 65535: 31, 32 */
	used_lines_case(256, 0, 5, 261, 0, 0, 33);    /* a whole ring: none */
	used_lines_case(256, 0, 9, 9, 0, 0, 33);      /* nothing collected */
	used_lines_case(4, 0, 0, 3, 0, 0, 1);	      /* a ring within a line */
	used_lines_case(8, 0, 0, 7, 0, 0, 2);	      /* next straddles */
	used_lines_case(8, 0, 2, 9, 0, 0, 2);	      /* back to line 0: none */
	used_lines_case(256, 36, 0, 3, 1, 0, 33); /* entry 3 starts line 1 */

	/* On a real ring across the wrap. */
	VT_REQUIRE(pair_open(&p, 256, true) == 0, "ring setup failed");
	add_publish(&p, &seq, 250);
	consume(&p, 250);
	add_publish(&p, &seq, 10);
	{
		uint16_t from = p.drv.last_used, first, ring_lines;

		consume(&p, 10);
		VT_CHECK(vspin_vq_drv_used_lines(&p.drv, from, 64, &first,
						 &ring_lines) == 2 &&
				 first == 31 && ring_lines == 33,
			 "250..260: lines from %u of %u", first, ring_lines);
	}
	pair_close(&p);
}

int
main(void)
{
	VT_RUN(test_wrap_around_event_idx_in_order);
	VT_RUN(test_in_order_feature_wrap_around);
	VT_RUN(test_in_order_batched_used_entry);
	VT_RUN(test_in_order_batch_in_one_call);
	VT_RUN(test_in_order_then_not);
	VT_RUN(test_wrap_around_flags_in_order);
	VT_RUN(test_wrap_around_event_idx_reversed);
	VT_RUN(test_wrap_around_flags_reversed);
	VT_RUN(test_driver_add_rejects_what_does_not_fit);
	VT_RUN(test_driver_breaks_on_bad_used_ids);
	VT_RUN(test_driver_breaks_on_used_idx_jump);
	VT_RUN(test_device_rejects_malformed_chains);
	VT_RUN(test_device_rejects_avail_idx_a_ring_ahead);
	VT_RUN(test_fresh_ring_silent_event_idx);
	VT_RUN(test_fresh_ring_silent_flags);
	VT_RUN(test_quiet_consumers_are_not_notified_at_laps);
	VT_RUN(test_soft_depth);
	VT_RUN(test_full_ring_kicks_a_device_armed_beyond);
	VT_RUN(test_desc_lines_to_demote);
	VT_RUN(test_used_lines_to_demote);
	return vt_summary();
}
