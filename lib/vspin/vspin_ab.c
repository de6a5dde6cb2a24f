/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "vspin_ab.h"

void
vspin_ab_init(struct vspin_ab *ab, uint64_t max_cost)
{
	memset(ab, 0, sizeof(*ab));
	ab->max_cost = max_cost;
	ab->left = VSPIN_AB_BLOCK;
}

/* Setting a costs less per unit than b, by the margin (cross-multiplied). */
static bool
cheaper(const struct vspin_ab *ab, uint8_t a, uint8_t b)
{
	/* cost[a] / units[a] < (1 - 1/2^M) cost[b] / units[b] */
	uint64_t lhs = ab->cost[a] * ab->units[b];
	uint64_t rhs = ab->cost[b] * ab->units[a];

	return ab->units[a] != 0 && ab->units[b] != 0 &&
	       lhs < rhs - (rhs >> VSPIN_AB_MARGIN_SHIFT);
}

void
vspin_ab_block_done(struct vspin_ab *ab)
{
	uint8_t other = (uint8_t)(ab->kept ^ 1);

	if (ab->block == VSPIN_AB_BLOCKS) {
		/* The hold is over: a new trial, the kept setting first. */
		ab->block = 0;
		ab->cost[0] = ab->cost[1] = 0;
		ab->units[0] = ab->units[1] = 0;
		ab->setting = ab->kept;
		ab->left = VSPIN_AB_BLOCK;
		return;
	}
	if (++ab->block < VSPIN_AB_BLOCKS) {
		/* Blocks alternate, the kept setting's first. */
		ab->setting = (uint8_t)(ab->kept ^ (ab->block & 1));
		ab->left = VSPIN_AB_BLOCK;
		return;
	}
	ab->trials++;
	if (cheaper(ab, other, ab->kept)) {
		ab->kept = other;
		ab->switches++;
	}
	ab->setting = ab->kept;
	ab->left = VSPIN_AB_HOLD;
}
