/* SPDX-License-Identifier: BSD-3-Clause
 * Which of two settings of a data path runs faster on this machine,
 * learnt while it runs. Where the better setting depends on the CPU and
 * the memory (how many lines of the guest's next packets the host
 * prefetches: four paid best on an AMD machine, with or without huge
 * pages; on an Intel one four with huge pages, the whole packet without),
 * no fixed choice serves every user, so the data path tries both.
 *
 * A sample is the cycles the polling loop took, with the setting in use,
 * to move some units (one full burst's packets, from the previous full
 * burst to this one). A trial alternates the settings in blocks of
 * VSPIN_AB_BLOCK samples, VSPIN_AB_BLOCKS blocks, so that a drift of the
 * machine's speed falls on both alike, then keeps the cheaper per unit
 * (the other one only if it is cheaper by 1/2^VSPIN_AB_MARGIN_SHIFT, so
 * that noise does not flip it) for VSPIN_AB_HOLD samples, and tries
 * again, in case the load changed. The worse setting then runs in under
 * half a percent of the samples (256 of 66,048). A sample longer than the
 * bound given at init (the lcore was preempted or did other work) is not
 * counted. Not thread-safe: one polling lcore per instance.
 */
#ifndef VSPIN_AB_H
#define VSPIN_AB_H

#include <stdbool.h>
#include <stdint.h>

#define VSPIN_AB_BLOCK 64
#define VSPIN_AB_BLOCKS 8
#define VSPIN_AB_HOLD 65536u
#define VSPIN_AB_MARGIN_SHIFT 5

struct vspin_ab {
	uint64_t cost[2];  /* this trial: cycles of each setting's samples */
	uint64_t units[2]; /* ... and the units they moved */
	uint64_t max_cost; /* a sample above it is not counted */
	uint32_t left;	   /* samples left in the block or the hold */
	uint16_t block;	   /* of the trial; VSPIN_AB_BLOCKS: holding */
	uint8_t setting;   /* in use now */
	uint8_t kept;	   /* the last trial's choice */
	uint64_t trials;   /* trials completed */
	uint64_t switches; /* trials whose choice differed from the last */
};

/* Start with setting 0 and a trial. max_cost: cycles. */
void vspin_ab_init(struct vspin_ab *ab, uint64_t max_cost);

/* Ends a block: the next block, or the trial's verdict and a hold. */
void vspin_ab_block_done(struct vspin_ab *ab);

/*
 * A sample of the setting in use (the caller applies the setting this
 * returns before its next sample): its cycles and units. Returns the
 * setting to use from now on.
 */
static inline uint8_t
vspin_ab_sample(struct vspin_ab *ab, uint64_t cycles, uint32_t units)
{
	if (cycles > ab->max_cost || units == 0)
		return ab->setting;
	if (ab->block < VSPIN_AB_BLOCKS) {
		ab->cost[ab->setting] += cycles;
		ab->units[ab->setting] += units;
	}
	if (--ab->left == 0)
		vspin_ab_block_done(ab);
	return ab->setting;
}

#endif /* VSPIN_AB_H */
