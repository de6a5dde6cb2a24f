/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "vt_hist.h"

void
vspin_traffic_hist_init(struct vt_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t
vspin_traffic_hist_quantile(const struct vt_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, width, v;
	unsigned int i;
	double want;

	if (h->count == 0)
		return 0;
	/*
	 * Rank of the q-quantile, 1-based, so q=1 is the largest value: the
	 * nearest rank, ceil(q * count) (a product a rounding error puts just
	 * above an integer stays at it).
	 */
	want = q * (double)h->count;
	rank = (uint64_t)want;
	if ((double)rank < want - 1e-9)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (i = 0; i < VT_HIST_NB; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	vspin_log_bucket_range(i, VT_HIST_SUB_BITS, &lo, &width);
	v = lo + width / 2;
	/* A midpoint can lie outside what was seen: clamp to [min, max]. */
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}
