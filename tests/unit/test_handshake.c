/* SPDX-License-Identifier: BSD-3-Clause
 * The notification handshake of vspin_handshake.h, single-threaded: what
 * the producer decides after each kind of consumer step, in both ring
 * directions, with and without VIRTIO_RING_F_EVENT_IDX. (The concurrent
 * half, the fences, is proved by tests/model.)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vspin_handshake.h"
#include "vspin_test.h"
#include "vspin_vring.h"

#define NUM 8

struct cfg {
	const char *name;
	bool used_dir; /* false: avail direction */
	bool event_idx;
};

static const struct cfg cfgs[] = {
	{"avail/event_idx", false, true},
	{"avail/flags", false, false},
	{"used/event_idx", true, true},
	{"used/flags", true, false},
};

#define NB_CFGS (sizeof(cfgs) / sizeof(cfgs[0]))

struct ring {
	void *mem;
	struct vspin_vring vr;
	struct vspin_notify_dir d;
};

/* A zeroed ring, the consumer disarmed as the vq init functions leave it. */
static int
ring_open(struct ring *r, const struct cfg *c)
{
	size_t size = vspin_vring_size(NUM, 4096);

	r->mem = aligned_alloc(4096, (size + 4095) / 4096 * 4096);
	if (r->mem == NULL || vspin_vring_init(&r->vr, r->mem, NUM, 4096))
		return -1;
	memset(r->mem, 0, size);
	r->d = c->used_dir ? vspin_dir_used(&r->vr, c->event_idx) :
			     vspin_dir_avail(&r->vr, c->event_idx);
	*r->d.event = 0xffff;
	vspin_consumer_disarm(&r->d);
	return 0;
}

/* P publishes n more entries; returns the notify decision. */
static bool
publish(struct ring *r, uint16_t n)
{
	uint16_t old = *r->d.idx;

	return vspin_producer_publish(&r->d, old, (uint16_t)(old + n));
}

static void
test_directions_map_to_spec_words(void)
{
	struct vspin_vring vr;
	static uint64_t mem[2048];
	struct vspin_notify_dir a, u;

	VT_REQUIRE(vspin_vring_init(&vr, mem, NUM, 4096) == 0, "init failed");
	a = vspin_dir_avail(&vr, true);
	u = vspin_dir_used(&vr, true);
	VT_CHECK(a.idx == &vr.avail->idx && a.event == vspin_avail_event(&vr) &&
			 a.flags == &vr.used->flags &&
			 a.no_notify == VSPIN_USED_F_NO_NOTIFY,
		 "avail direction: idx %p event %p flags %p no_notify %u",
		 (void *)a.idx, (void *)a.event, (void *)a.flags, a.no_notify);
	VT_CHECK(u.idx == &vr.used->idx && u.event == vspin_used_event(&vr) &&
			 u.flags == &vr.avail->flags &&
			 u.no_notify == VSPIN_AVAIL_F_NO_INTERRUPT,
		 "used direction: idx %p event %p flags %p no_notify %u",
		 (void *)u.idx, (void *)u.event, (void *)u.flags, u.no_notify);
}

static void
test_disarmed_consumer_is_never_notified(void)
{
	unsigned int i, k, hits;
	struct ring r;

	for (i = 0; i < NB_CFGS; i++) {
		VT_REQUIRE(ring_open(&r, &cfgs[i]) == 0, "ring set-up failed");
		for (k = 0, hits = 0; k < 1000; k++)
			hits += publish(&r, (uint16_t)(1 + k % 5));
		VT_CHECK(hits == 0, "%s: %u notifications in 1000 publishes",
			 cfgs[i].name, hits);
		free(r.mem);
	}
}

/*
 * Armed on an empty ring: the next publish notifies, once; after the
 * woken consumer disarms, nothing more until it arms again.
 */
static void
test_arm_then_publish_notifies_exactly_once(void)
{
	unsigned int i, k, hits;
	struct ring r;

	for (i = 0; i < NB_CFGS; i++) {
		const char *n = cfgs[i].name;

		VT_REQUIRE(ring_open(&r, &cfgs[i]) == 0, "ring set-up failed");
		publish(&r, 3); /* consumer next = 3 after taking them */
		VT_CHECK(!vspin_consumer_arm(&r.d, 3, 1),
			 "%s: arm on an empty ring reports work", n);
		VT_CHECK(publish(&r, 2), "%s: publish after arm was silent", n);
		vspin_consumer_disarm(&r.d); /* the consumer woke */
		for (k = 0, hits = 0; k < 100; k++)
			hits += publish(&r, 1);
		VT_CHECK(hits == 0, "%s: %u notifications after the wake", n,
			 hits);
		/* Re-armed at its new index: one notification again. */
		VT_CHECK(!vspin_consumer_arm(&r.d, *r.d.idx, 1),
			 "%s: re-arm on an empty ring reports work", n);
		VT_CHECK(publish(&r, 4), "%s: publish after re-arm silent", n);
		free(r.mem);
	}
}

/* With the event index a burst of publishes before the wake: one kick. */
static void
test_event_idx_notifies_once_per_arm_without_disarm(void)
{
	unsigned int i, k, hits;
	struct ring r;

	for (i = 0; i < NB_CFGS; i++) {
		if (!cfgs[i].event_idx)
			continue;
		VT_REQUIRE(ring_open(&r, &cfgs[i]) == 0, "ring set-up failed");
		VT_CHECK(!vspin_consumer_arm(&r.d, 0, 1), "%s: arm saw work",
			 cfgs[i].name);
		for (k = 0, hits = 0; k < 50; k++)
			hits += publish(&r, 1);
		VT_CHECK(hits == 1, "%s: %u notifications for one arm",
			 cfgs[i].name, hits);
		free(r.mem);
	}
}

/* Without it, the producer notifies while the flag is clear: a hint. */
static void
test_flags_notify_until_disarmed(void)
{
	unsigned int i, k, hits;
	struct ring r;

	for (i = 0; i < NB_CFGS; i++) {
		if (cfgs[i].event_idx)
			continue;
		VT_REQUIRE(ring_open(&r, &cfgs[i]) == 0, "ring set-up failed");
		VT_CHECK(!vspin_consumer_arm(&r.d, 0, 1), "%s: arm saw work",
			 cfgs[i].name);
		for (k = 0, hits = 0; k < 10; k++)
			hits += publish(&r, 1);
		VT_CHECK(hits == 10, "%s: %u of 10 publishes notified",
			 cfgs[i].name, hits);
		free(r.mem);
	}
}

static void
test_arm_writes_event_or_clears_flag(void)
{
	unsigned int i;
	struct ring r;

	for (i = 0; i < NB_CFGS; i++) {
		const char *n = cfgs[i].name;

		VT_REQUIRE(ring_open(&r, &cfgs[i]) == 0, "ring set-up failed");
		/* An unrelated bit in the flags word must survive. */
		*r.d.flags |= 0x8000;
		vspin_consumer_disarm(&r.d);
		vspin_consumer_arm(&r.d, 0x1234, 1);
		if (cfgs[i].event_idx) {
			VT_CHECK(*r.d.event == 0x1234, "%s: event %#x", n,
				 *r.d.event);
			VT_CHECK(*r.d.flags == 0x8000,
				 "%s: flags %#x, expected untouched 0x8000", n,
				 *r.d.flags);
		} else {
			VT_CHECK(*r.d.flags == 0x8000, "%s: armed flags %#x", n,
				 *r.d.flags);
			VT_CHECK(*r.d.event == 0xffff,
				 "%s: event written (%#x) without event_idx", n,
				 *r.d.event);
		}
		free(r.mem);
	}
}

/* Flags mode sets the flag; event-idx mode writes nothing. */
static void
test_disarm_sets_flag_or_leaves_event_stale(void)
{
	unsigned int i;
	struct ring r;

	for (i = 0; i < NB_CFGS; i++) {
		const char *n = cfgs[i].name;

		VT_REQUIRE(ring_open(&r, &cfgs[i]) == 0, "ring set-up failed");
		vspin_consumer_arm(&r.d, 7, 1);
		vspin_consumer_disarm(&r.d);
		if (cfgs[i].event_idx)
			VT_CHECK(*r.d.event == 7 && *r.d.flags == 0,
				 "%s: after disarm event %u flags %#x, "
				 "expected 7 and 0",
				 n, *r.d.event, *r.d.flags);
		else
			VT_CHECK(*r.d.flags == r.d.no_notify,
				 "%s: after disarm flags %#x, expected %#x", n,
				 *r.d.flags, r.d.no_notify);
		free(r.mem);
	}
}

/*
 * The stale event left by a disarm in event-idx mode is crossed again
 * only when the producer has gone a full 65536 lap past it.
 */
static void
test_event_idx_stale_event_silent_for_a_lap(void)
{
	unsigned int i, k, first_again;
	struct ring r;

	for (i = 0; i < NB_CFGS; i++) {
		if (!cfgs[i].event_idx)
			continue;
		VT_REQUIRE(ring_open(&r, &cfgs[i]) == 0, "ring set-up failed");
		publish(&r, 40000);
		vspin_consumer_arm(&r.d, 40000, 1);
		VT_CHECK(publish(&r, 1), "%s: crossing the armed event silent",
			 cfgs[i].name);
		vspin_consumer_disarm(&r.d);
		first_again = 0;
		for (k = 1; k <= 70000 && !first_again; k++)
			if (publish(&r, 1))
				first_again = k;
		/* 40001 .. 40000+65535 pass; the next one is 40000 again. */
		VT_CHECK(first_again == 65536,
			 "%s: stale event crossed again after %u entries, "
			 "expected 65536",
			 cfgs[i].name, first_again);
		free(r.mem);
	}
}

/*
 * Keeping quiet moves the event half a lap ahead once per step, on rings
 * up to VSPIN_QUIET_MAX_RING; a longer ring keeps its stale event, but
 * its mark still moves, so the callers' cheap test is false for the next
 * step instead of true on every burst.
 */
static void
test_keep_quiet_moves_mark_on_any_ring(void)
{
	static const uint32_t rings[] = {256, VSPIN_QUIET_MAX_RING,
					 2 * VSPIN_QUIET_MAX_RING};
	volatile uint16_t event = 7;
	struct vspin_notify_dir d = {.event = &event, .event_idx = true};
	uint16_t mark, next = 0x3000;
	unsigned int i;

	for (i = 0; i < sizeof(rings) / sizeof(rings[0]); i++) {
		bool moves = rings[i] <= VSPIN_QUIET_MAX_RING;

		event = 7;
		mark = 0;
		vspin_consumer_keep_quiet(&d, next, &mark, rings[i]);
		VT_CHECK(mark == next && !vspin_quiet_step_done(next, mark),
			 "ring %u: mark %u after a step to %u", rings[i], mark,
			 next);
		VT_CHECK(event == (moves ? (uint16_t)(next + 0x8000u) : 7),
			 "ring %u: event %u", rings[i], event);
	}
}

/* Work published before the arm: the recheck sees it, do not sleep. */
static void
test_recheck_finds_work_published_before_arm(void)
{
	unsigned int i;
	struct ring r;

	for (i = 0; i < NB_CFGS; i++) {
		const char *n = cfgs[i].name;

		VT_REQUIRE(ring_open(&r, &cfgs[i]) == 0, "ring set-up failed");
		VT_CHECK(!publish(&r, 1), "%s: disarmed consumer notified", n);
		VT_CHECK(vspin_consumer_arm(&r.d, 0, 1),
			 "%s: arm with idx 1, next 0 saw no work", n);
		VT_CHECK(vspin_consumer_recheck(&r.d, 0, 1),
			 "%s: recheck with idx 1, next 0 saw no work", n);
		VT_CHECK(!vspin_consumer_recheck(&r.d, 1, 1),
			 "%s: recheck with idx 1, next 1 saw work", n);
		/* Across the wrap: idx 0 after 65536 entries, next 65535. */
		publish(&r, 65535);
		VT_CHECK(vspin_consumer_arm(&r.d, 65535, 1),
			 "%s: idx %u next 65535 saw no work", n, *r.d.idx);
		VT_CHECK(!vspin_consumer_arm(&r.d, 0, 1),
			 "%s: idx %u next 0 saw work", n, *r.d.idx);
		free(r.mem);
	}
}

int
main(void)
{
	VT_RUN(test_directions_map_to_spec_words);
	VT_RUN(test_disarmed_consumer_is_never_notified);
	VT_RUN(test_arm_then_publish_notifies_exactly_once);
	VT_RUN(test_event_idx_notifies_once_per_arm_without_disarm);
	VT_RUN(test_flags_notify_until_disarmed);
	VT_RUN(test_arm_writes_event_or_clears_flag);
	VT_RUN(test_disarm_sets_flag_or_leaves_event_stale);
	VT_RUN(test_event_idx_stale_event_silent_for_a_lap);
	VT_RUN(test_recheck_finds_work_published_before_arm);
	VT_RUN(test_keep_quiet_moves_mark_on_any_ring);
	return vt_summary();
}
