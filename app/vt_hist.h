/* SPDX-License-Identifier: BSD-3-Clause
 * Latency histogram: log-linear buckets (16 per power of two, so a
 * percentile is within ~6% of the true value), fixed size, no
 * allocation when recording.
 */
#ifndef VT_HIST_H
#define VT_HIST_H

#include <stdint.h>

#include "vspin_log_bucket.h"

#define VT_HIST_SUB_BITS 4
#define VT_HIST_SUB (1u << VT_HIST_SUB_BITS)
#define VT_HIST_NB ((64 - VT_HIST_SUB_BITS + 1) * VT_HIST_SUB)

struct vt_hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint64_t bucket[VT_HIST_NB];
};

static inline void
vt_hist_add(struct vt_hist *h, uint64_t v)
{
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->bucket[vspin_log_bucket(v, VT_HIST_SUB_BITS)]++;
}

void vspin_traffic_hist_init(struct vt_hist *h);

/* Value at quantile q in [0,1] (midpoint of its bucket); 0 if empty. */
uint64_t vspin_traffic_hist_quantile(const struct vt_hist *h, double q);

#endif /* VT_HIST_H */
