/* SPDX-License-Identifier: BSD-3-Clause
 * The online A/B of two settings (vspin_ab.h) on made-up samples: it
 * finds the cheaper one, keeps the default when they cost the same,
 * follows a change at its next trial, alternates within a trial, and
 * does not count samples past the bound.
 */
#include <stdint.h>

#include "vspin_ab.h"
#include "vspin_test.h"

#define TRIAL (VSPIN_AB_BLOCK * VSPIN_AB_BLOCKS)
#define MAX_COST 100000u
#define UNITS 32u

/* Cycles of one sample of a setting: cost[setting] per unit. */
struct costs {
	uint64_t per_unit[2];
};

/* Feed n samples, each with the setting in use. */
static void
feed(struct vspin_ab *ab, const struct costs *c, unsigned int n)
{
	while (n-- > 0) {
		uint8_t s = ab->setting;

		vspin_ab_sample(ab, c->per_unit[s] * UNITS, UNITS);
	}
}

static void
test_finds_cheaper(void)
{
	const struct costs c = {{100, 80}}; /* setting 1: 20% cheaper */
	struct vspin_ab ab;

	vspin_ab_init(&ab, MAX_COST);
	VT_REQUIRE(ab.setting == 0, "starts with %u", ab.setting);
	feed(&ab, &c, TRIAL);
	VT_CHECK(ab.trials == 1 && ab.setting == 1 && ab.kept == 1,
		 "after a trial: trials %llu setting %u kept %u",
		 (unsigned long long)ab.trials, ab.setting, ab.kept);
	feed(&ab, &c, VSPIN_AB_HOLD - 1);
	VT_CHECK(ab.setting == 1 && ab.block == VSPIN_AB_BLOCKS,
		 "held: setting %u block %u", ab.setting, ab.block);
	feed(&ab, &c, 1 + TRIAL);
	VT_CHECK(ab.trials == 2 && ab.setting == 1 && ab.switches == 1,
		 "second trial: trials %llu setting %u switches %llu",
		 (unsigned long long)ab.trials, ab.setting,
		 (unsigned long long)ab.switches);
}

/* Within the margin (1/32) the default stays. */
static void
test_keeps_default_when_close(void)
{
	const struct costs c = {{100, 98}};
	struct vspin_ab ab;
	unsigned int i;

	vspin_ab_init(&ab, MAX_COST);
	for (i = 0; i < 4; i++)
		feed(&ab, &c, TRIAL + VSPIN_AB_HOLD);
	VT_CHECK(ab.trials == 4 && ab.kept == 0 && ab.switches == 0,
		 "trials %llu kept %u switches %llu",
		 (unsigned long long)ab.trials, ab.kept,
		 (unsigned long long)ab.switches);
}

/* A change of the costs is followed at the next trial, both ways. */
static void
test_follows_change(void)
{
	const struct costs one = {{100, 70}}, zero = {{70, 100}};
	struct vspin_ab ab;

	vspin_ab_init(&ab, MAX_COST);
	feed(&ab, &one, TRIAL + VSPIN_AB_HOLD);
	VT_REQUIRE(ab.kept == 1, "kept %u", ab.kept);
	feed(&ab, &zero, TRIAL);
	VT_CHECK(ab.kept == 0 && ab.setting == 0 && ab.switches == 2,
		 "kept %u setting %u switches %llu", ab.kept, ab.setting,
		 (unsigned long long)ab.switches);
}

/* A trial alternates blocks, the kept setting first. */
static void
test_alternates(void)
{
	const struct costs c = {{100, 100}};
	struct vspin_ab ab;
	unsigned int b;

	vspin_ab_init(&ab, MAX_COST);
	for (b = 0; b < VSPIN_AB_BLOCKS; b++) {
		VT_CHECK(ab.setting == (b & 1), "block %u: setting %u", b,
			 ab.setting);
		feed(&ab, &c, VSPIN_AB_BLOCK);
	}
	VT_CHECK(ab.block == VSPIN_AB_BLOCKS && ab.setting == 0,
		 "holding: block %u setting %u", ab.block, ab.setting);
}

/*
 * Samples over the bound (a preempted lcore) are neither counted nor
 * advance the block: with them counted, setting 0 would look far dearer.
 */
static void
test_drops_outliers(void)
{
	const struct costs c = {{100, 99}};
	struct vspin_ab ab;
	unsigned int i;

	vspin_ab_init(&ab, MAX_COST);
	for (i = 0; i < 4 * TRIAL; i++) {
		uint8_t s = ab.setting;

		if (s == 0 && i % 4 == 0) {
			vspin_ab_sample(&ab, MAX_COST + 1, UNITS);
			continue;
		}
		vspin_ab_sample(&ab, c.per_unit[s] * UNITS, UNITS);
		if (ab.trials == 1)
			break;
	}
	VT_CHECK(ab.trials == 1 && ab.kept == 0,
		 "trials %llu kept %u (outliers counted?)",
		 (unsigned long long)ab.trials, ab.kept);
	VT_CHECK(ab.units[0] == (uint64_t)TRIAL / 2 * UNITS &&
			 ab.units[1] == (uint64_t)TRIAL / 2 * UNITS,
		 "units %llu %llu: each block counts %u samples",
		 (unsigned long long)ab.units[0],
		 (unsigned long long)ab.units[1], VSPIN_AB_BLOCK);
}

int
main(void)
{
	VT_RUN(test_finds_cheaper);
	VT_RUN(test_keeps_default_when_close);
	VT_RUN(test_follows_change);
	VT_RUN(test_alternates);
	VT_RUN(test_drops_outliers);
	return vt_summary();
}
