/* SPDX-License-Identifier: BSD-3-Clause
 * Summary of a sleep measurement's rounds, and the median it takes: see
 * vspin_wake_rounds.h.
 */
#include <stdlib.h>

#include "vspin_wake_rounds.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t
vspin_median_u64(uint64_t *v, unsigned int n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp_u64);
	return v[n / 2];
}

void
vspin_wake_rounds_summarise(const struct vspin_wake_round *r, unsigned int n,
			    uint64_t cpu_ns, struct vspin_wake_summary *out)
{
	uint64_t v[VSPIN_WAKE_ROUNDS_MAX];
	uint64_t own = 0, reply = 0, per_round;
	unsigned int i;

	if (n == 0) {
		out->wake = out->notify = out->cpu = 0;
		return;
	}
	per_round = cpu_ns / n;
	if (n > VSPIN_WAKE_ROUNDS_MAX)
		n = VSPIN_WAKE_ROUNDS_MAX;
	/*
	 * Means, not medians, for what the CPU per round trades: that CPU
	 * is a mean, and a slow write is in it as often as it happened.
	 */
	for (i = 0; i < n; i++) {
		own += r[i].own_write;
		reply += r[i].reply_write;
	}
	own /= n;
	reply /= n;
	out->cpu = (per_round > own ? per_round - own : 0) + reply;

	for (i = 0; i < n; i++)
		v[i] = r[i].woke_at > r[i].reply_at ?
			       r[i].woke_at - r[i].reply_at :
			       0;
	out->wake = vspin_median_u64(v, n);
	for (i = 0; i < n; i++)
		v[i] = r[i].reply_write;
	out->notify = vspin_median_u64(v, n);
}
