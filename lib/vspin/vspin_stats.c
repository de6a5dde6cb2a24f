/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdio.h>

#include "vspin_stats.h"

struct stat_desc {
	const char *suffix; /* NULL: the notify name itself */
	size_t offset;
	int cycles; /* reported in microseconds */
};

static const struct stat_desc stat_descs[VSPIN_STATS_NB] = {
	{NULL, offsetof(struct vspin_stats, notifies), 0},
	{"suppressed", offsetof(struct vspin_stats, notifies_suppressed), 0},
	{"arms", offsetof(struct vspin_stats, arms), 0},
	{"arm_rechecks_hit", offsetof(struct vspin_stats, arm_rechecks_hit), 0},
	{"sleeps", offsetof(struct vspin_stats, sleeps), 0},
	{"wakeups", offsetof(struct vspin_stats, wakeups), 0},
	{"sleep_timeouts", offsetof(struct vspin_stats, sleep_timeouts), 0},
	{"spurious_wakeups", offsetof(struct vspin_stats, spurious_wakeups), 0},
	{"spin_us", offsetof(struct vspin_stats, spin_cycles), 1},
	{"sleep_us", offsetof(struct vspin_stats, sleep_cycles), 1},
	{"window_us", offsetof(struct vspin_stats, window_cycles), 1},
	{"sleep_cost_us", offsetof(struct vspin_stats, sleep_cost_cycles), 1},
	{"latency_us", offsetof(struct vspin_stats, latency_cycles), 1},
	{"wake_late_us", offsetof(struct vspin_stats, wake_late_cycles), 1},
	{"busy_pct", offsetof(struct vspin_stats, busy_pct), 0},
	{"wake_cpu_us", offsetof(struct vspin_stats, wake_cpu_cycles), 1},
	{"wake_late_p99_us", offsetof(struct vspin_stats, wake_late_p99_cycles),
	 1},
	/* Appended: the indexes above stay what they were. */
	{"idle_batches", offsetof(struct vspin_stats, idle_batches), 0},
	{"idle_window_spins", offsetof(struct vspin_stats, idle_window_spins),
	 0},
	{"idle_busy_spins", offsetof(struct vspin_stats, idle_busy_spins), 0},
	{"idle_full_spins", offsetof(struct vspin_stats, idle_full_spins), 0},
	{"wake_late_pkt_p99_us",
	 offsetof(struct vspin_stats, wake_late_pkt_p99_cycles), 1},
};

int
vspin_stats_name(unsigned int i, const char *dir, unsigned int queue,
		 const char *notify_name, char *buf, size_t len)
{
	const struct stat_desc *d;

	if (i >= VSPIN_STATS_NB)
		return -1;
	d = &stat_descs[i];
	if (d->suffix == NULL)
		return snprintf(buf, len, "%s_q%u_%s", dir, queue, notify_name);
	if (i == 1)
		return snprintf(buf, len, "%s_q%u_%s_%s", dir, queue,
				notify_name, d->suffix);
	return snprintf(buf, len, "%s_q%u_%s", dir, queue, d->suffix);
}

uint64_t
vspin_stats_value(const struct vspin_stats *s, unsigned int i, uint64_t tsc_hz)
{
	uint64_t v;

	if (i >= VSPIN_STATS_NB)
		return 0;
	v = *(const volatile uint64_t *)((const char *)s +
					 stat_descs[i].offset);
	if (stat_descs[i].cycles && tsc_hz != 0)
		v = (uint64_t)((double)v * 1e6 / (double)tsc_hz);
	return v;
}

/* The struct keeps its settings last, from window_cycles on. */
static bool
is_setting(unsigned int i)
{
	return stat_descs[i].offset >=
	       offsetof(struct vspin_stats, window_cycles);
}

static uint64_t *
field(struct vspin_stats *s, unsigned int i)
{
	return (uint64_t *)((char *)s + stat_descs[i].offset);
}

static const uint64_t *
cfield(const struct vspin_stats *s, unsigned int i)
{
	return (const uint64_t *)((const char *)s + stat_descs[i].offset);
}

void
vspin_stats_since(const struct vspin_stats *s, const struct vspin_stats *base,
		  struct vspin_stats *out)
{
	unsigned int i;

	for (i = 0; i < VSPIN_STATS_NB; i++) {
		const uint64_t *v = cfield(s, i);

		if (is_setting(i))
			*field(out, i) = __atomic_load_n(v, __ATOMIC_RELAXED);
		else
			*field(out, i) = vspin_count_since(v, cfield(base, i));
	}
}

void
vspin_stats_reset(const struct vspin_stats *s, struct vspin_stats *base)
{
	unsigned int i;

	for (i = 0; i < VSPIN_STATS_NB; i++)
		if (!is_setting(i))
			vspin_count_reset(cfield(s, i), field(base, i));
}
