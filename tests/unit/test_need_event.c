/* SPDX-License-Identifier: BSD-3-Clause
 * vspin_need_event(): a producer moving its index from old to new must
 * notify iff it published entry number event, i.e. event lies in
 * [old, new) counted forward modulo 2^16. Edge cases by name, then the
 * formula against two independent reference definitions.
 */
#include <linux/virtio_ring.h>
#include <stdint.h>

#include "vspin_test.h"
#include "vspin_vring.h"

/* Reference 1: walk the entries published and look for event. */
static int
ref_walk(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	uint16_t i;

	for (i = old_idx; i != new_idx; i++)
		if (i == event)
			return 1;
	return 0;
}

/* Reference 2: distance from old to event is less than old to new. */
static int
ref_dist(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(event - old_idx) < (uint16_t)(new_idx - old_idx);
}

static void
test_event_at_old_notifies(void)
{
	VT_CHECK(vspin_need_event(10, 11, 10), "event=old=10, new=11: silent");
	VT_CHECK(vspin_need_event(10, 20, 10), "event=old=10, new=20: silent");
}

static void
test_event_at_new_minus_1_notifies(void)
{
	VT_CHECK(vspin_need_event(19, 20, 10),
		 "event=19 new=20 old=10: silent");
	VT_CHECK(vspin_need_event(0, 1, 0), "event=0 new=1 old=0: silent");
}

static void
test_event_at_new_is_silent(void)
{
	VT_CHECK(!vspin_need_event(20, 20, 10), "event=new=20: notified");
	VT_CHECK(!vspin_need_event(21, 20, 10), "event=21 new=20: notified");
	VT_CHECK(!vspin_need_event(9, 20, 10), "event=old-1=9: notified");
}

static void
test_old_equals_new_never_notifies(void)
{
	uint32_t e;
	unsigned int hits = 0;

	for (e = 0; e <= UINT16_MAX; e++)
		hits += vspin_need_event((uint16_t)e, 777, 777) != 0;
	VT_CHECK(hits == 0, "old=new=777: %u events notified", hits);
}

static void
test_wrap_65535_to_0(void)
{
	/* One entry published across the wrap: entry 65535. */
	VT_CHECK(vspin_need_event(65535, 0, 65535), "event=65535 0<-65535");
	VT_CHECK(!vspin_need_event(0, 0, 65535), "event=0 0<-65535");
	VT_CHECK(!vspin_need_event(65534, 0, 65535), "event=65534 0<-65535");
	/* Entries 65534, 65535, 0 published. */
	VT_CHECK(vspin_need_event(65534, 1, 65534), "event=65534 1<-65534");
	VT_CHECK(vspin_need_event(65535, 1, 65534), "event=65535 1<-65534");
	VT_CHECK(vspin_need_event(0, 1, 65534), "event=0 1<-65534");
	VT_CHECK(!vspin_need_event(1, 1, 65534), "event=1 1<-65534");
	VT_CHECK(!vspin_need_event(65533, 1, 65534), "event=65533 1<-65534");
}

/* A full lap but one: every event except new itself is crossed. */
static void
test_largest_burst(void)
{
	uint32_t e;
	unsigned int hits = 0;

	for (e = 0; e <= UINT16_MAX; e++)
		hits += vspin_need_event((uint16_t)e, 99, 100) != 0;
	VT_CHECK(hits == 65535, "burst of 65535 crossed %u events", hits);
	VT_CHECK(!vspin_need_event(99, 99, 100), "event=new crossed");
}

/* Against the walk, every event, every burst up to 70, many olds. */
static void
test_matches_walk_small_bursts(void)
{
	static const uint16_t olds[] = {0,     1,     2,     255,   256,
					32767, 32768, 32769, 65279, 65407,
					65520, 65533, 65534, 65535, 12345};
	unsigned int i, d, bad = 0;
	uint32_t e;

	for (i = 0; i < sizeof(olds) / sizeof(olds[0]); i++) {
		for (d = 0; d <= 70; d++) {
			uint16_t o = olds[i], n = (uint16_t)(o + d);

			for (e = 0; e <= UINT16_MAX; e++) {
				int got = vspin_need_event((uint16_t)e, n, o);
				/* Beyond the burst the walk cannot hit. */
				int want = (uint16_t)(e - o) <= d ?
						   ref_walk((uint16_t)e, n, o) :
						   0;

				if (got != want && bad++ < 5)
					VT_CHECK(got == want,
						 "event=%u new=%u old=%u: got "
						 "%d",
						 e, n, o, got);
			}
		}
	}
	VT_CHECK(bad == 0, "%u mismatches", bad);
}

/* Every event, new in steps of 257, sampled olds, against ref_dist. */
static void
test_matches_definition_sampled_space(void)
{
	static const uint16_t olds[] = {0, 1, 32768, 65535};
	uint64_t bad = 0;
	uint32_t e, n;
	unsigned int i;

	for (i = 0; i < sizeof(olds) / sizeof(olds[0]); i++)
		for (n = 0; n <= UINT16_MAX; n += 257)
			for (e = 0; e <= UINT16_MAX; e++)
				if (vspin_need_event((uint16_t)e, (uint16_t)n,
						     olds[i]) !=
				    ref_dist((uint16_t)e, (uint16_t)n, olds[i]))
					bad++;
	VT_CHECK(bad == 0, "%llu mismatches", (unsigned long long)bad);
}

/* Random triples over the whole space (fixed seed, reproducible). */
static void
test_matches_definition_random(void)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	unsigned int i, bad = 0;

	for (i = 0; i < 4000000; i++) {
		uint16_t e, n, o;
		int got;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		e = (uint16_t)x;
		n = (uint16_t)(x >> 16);
		o = (uint16_t)(x >> 32);
		got = vspin_need_event(e, n, o);
		if (got != ref_dist(e, n, o) && bad++ < 5)
			VT_CHECK(got == ref_dist(e, n, o),
				 "event=%u new=%u old=%u: got %d", e, n, o,
				 got);
	}
	VT_CHECK(bad == 0, "%u mismatches", bad);
}

/* The kernel's vring_need_event(), what every peer uses, as a third. */
static void
test_matches_linux_uapi_sampled_space(void)
{
	static const uint16_t olds[] = {0, 7, 32767, 65535};
	uint64_t bad = 0;
	uint32_t e, n;
	unsigned int i;

	for (i = 0; i < sizeof(olds) / sizeof(olds[0]); i++)
		for (n = 0; n <= UINT16_MAX; n += 251)
			for (e = 0; e <= UINT16_MAX; e++)
				if (vspin_need_event((uint16_t)e, (uint16_t)n,
						     olds[i]) !=
				    vring_need_event((uint16_t)e, (uint16_t)n,
						     olds[i]))
					bad++;
	VT_CHECK(bad == 0, "%llu mismatches with vring_need_event()",
		 (unsigned long long)bad);
}

int
main(void)
{
	VT_RUN(test_event_at_old_notifies);
	VT_RUN(test_event_at_new_minus_1_notifies);
	VT_RUN(test_event_at_new_is_silent);
	VT_RUN(test_old_equals_new_never_notifies);
	VT_RUN(test_wrap_65535_to_0);
	VT_RUN(test_largest_burst);
	VT_RUN(test_matches_walk_small_bursts);
	VT_RUN(test_matches_definition_sampled_space);
	VT_RUN(test_matches_definition_random);
	VT_RUN(test_matches_linux_uapi_sampled_space);
	return vt_summary();
}
