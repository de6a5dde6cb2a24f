/* SPDX-License-Identifier: BSD-3-Clause
 * Log-linear buckets: each value below 2^bits has a bucket of its own,
 * then every power of two is cut into 2^bits buckets, so that the middle
 * of a bucket is within 2^-(bits + 1) of any value in it. Header only and
 * DPDK-free: the bench's latency histogram (app/vt_hist.h) and the
 * adaptive rule's D99p (vspin_policy.c) both count in them.
 */
#ifndef VSPIN_LOG_BUCKET_H
#define VSPIN_LOG_BUCKET_H

#include <stdint.h>

/* The bucket of v; bits is at least 1. */
static inline unsigned int
vspin_log_bucket(uint64_t v, unsigned int bits)
{
	unsigned int msb;

	if (v < (UINT64_C(1) << bits))
		return (unsigned int)v;
	msb = 63u - (unsigned int)__builtin_clzll(v);
	return ((msb - bits + 1) << bits) |
	       (unsigned int)((v >> (msb - bits)) & ((1u << bits) - 1));
}

/* The smallest value of bucket i, and the bucket's width. */
static inline void
vspin_log_bucket_range(unsigned int i, unsigned int bits, uint64_t *lo,
		       uint64_t *width)
{
	unsigned int group = i >> bits, sub = i & ((1u << bits) - 1);

	if (group == 0) {
		*lo = sub;
		*width = 1;
		return;
	}
	*lo = (uint64_t)((1u << bits) + sub) << (group - 1);
	*width = UINT64_C(1) << (group - 1);
}

#endif /* VSPIN_LOG_BUCKET_H */
