/* SPDX-License-Identifier: BSD-3-Clause
 * Unit test of the latency histogram: percentiles within the bucket
 * resolution (1/16) of the exact answer, and the edge cases.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "vt_hist.h"

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			failures++;                                            \
			printf("FAIL %s:%d: ", __func__, __LINE__);            \
			printf(__VA_ARGS__);                                   \
			printf("\n");                                          \
		}                                                              \
	} while (0)

static void
empty_histogram_reports_zero(void)
{
	struct vt_hist h;

	vspin_traffic_hist_init(&h);
	CHECK(vspin_traffic_hist_quantile(&h, 0.5) == 0, "empty p50 = %" PRIu64,
	      vspin_traffic_hist_quantile(&h, 0.5));
}

static void
single_value_is_reported_exactly(void)
{
	struct vt_hist h;
	uint64_t v;

	vspin_traffic_hist_init(&h);
	vt_hist_add(&h, 123456);
	v = vspin_traffic_hist_quantile(&h, 0.999);
	CHECK(v == 123456, "one sample of 123456, p99.9 = %" PRIu64, v);
}

static void
uniform_percentiles_within_bucket_resolution(void)
{
	static struct vt_hist h;
	const double qs[] = {0.5, 0.9, 0.99, 0.999, 1.0};
	uint64_t i, n = 1000000, v;
	double want, err;
	unsigned int k;

	vspin_traffic_hist_init(&h);
	for (i = 1; i <= n; i++)
		vt_hist_add(&h, i);
	CHECK(h.min == 1 && h.max == n, "min %" PRIu64 " max %" PRIu64, h.min,
	      h.max);
	for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		want = qs[k] * (double)n;
		v = vspin_traffic_hist_quantile(&h, qs[k]);
		err = ((double)v - want) / want;
		CHECK(err < 1.0 / 16 && err > -1.0 / 16,
		      "q=%g: got %" PRIu64 ", want %.0f (error %.3f)", qs[k], v,
		      want, err);
	}
}

/* Values 0..n-1, one each: below 16 every value has its own bucket. */
static void
fill_small(struct vt_hist *h, uint64_t n)
{
	uint64_t i;

	vspin_traffic_hist_init(h);
	for (i = 0; i < n; i++)
		vt_hist_add(h, i);
}

static void
small_values_are_exact_at_the_nearest_rank(void)
{
	struct vt_hist h;
	uint64_t v;

	fill_small(&h, 10);
	v = vspin_traffic_hist_quantile(&h, 0.5);
	CHECK(v == 4, "values 0..9: p50 = %" PRIu64 ", want 4", v);
	/* 15 values: p90 is the ceil(13.5) = 14th, not the 13th. */
	fill_small(&h, 15);
	v = vspin_traffic_hist_quantile(&h, 0.9);
	CHECK(v == 13, "values 0..14: p90 = %" PRIu64 ", want 13", v);
}

int
main(void)
{
	empty_histogram_reports_zero();
	single_value_is_reported_exactly();
	uniform_percentiles_within_bucket_resolution();
	small_values_are_exact_at_the_nearest_rank();
	if (failures == 0)
		printf("all histogram checks passed\n");
	return failures ? 1 : 0;
}
