/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include "vspin_clock.h"
#include "vspin_eventfd.h"
#include "vspin_sleep_group.h"

struct vspin_sleep_group {
	unsigned int n;
	struct vspin_sleeper *members[VSPIN_GROUP_MAX];
};

/* One group per polling thread. */
static _Thread_local struct vspin_sleep_group thread_group;

int
vspin_sleeper_join(struct vspin_sleeper *s)
{
	struct vspin_sleep_group *g = &thread_group;

	if (s->group == g)
		return 0;
	if (s->group != NULL)
		vspin_sleeper_leave(s); /* the queue moved to another lcore */
	if (g->n == VSPIN_GROUP_MAX)
		return -1;
	g->members[g->n++] = s;
	s->group = g;
	return 0;
}

void
vspin_sleeper_leave(struct vspin_sleeper *s)
{
	struct vspin_sleep_group *g = s->group;
	unsigned int i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++) {
		if (g->members[i] == s) {
			g->members[i] = g->members[--g->n];
			break;
		}
	}
	s->group = NULL;
}

bool
vspin_sleeper_try_sleep(struct vspin_sleeper *s)
{
	struct vspin_sleep_group *g = s->group;
	int fds[VSPIN_GROUP_MAX];
	uint32_t max_us = VSPIN_MAX_US;
	uint64_t fired = 0, now;
	unsigned int i;
	int r;

	if (g == NULL)
		return false;
	for (i = 0; i < g->n; i++) {
		struct vspin_policy *p = g->members[i]->policy;

		if (!vspin_policy_armed_p(p))
			return false;
		if (p->conf.sleep_max_us < max_us)
			max_us = p->conf.sleep_max_us;
		fds[i] = g->members[i]->fd;
	}
	now = vspin_rdtsc();
	for (i = 0; i < g->n; i++)
		vspin_policy_sleep(g->members[i]->policy, now);
	r = vspin_eventfd_wait_mask(fds, g->n, max_us, &fired);
	now = vspin_rdtsc();
	for (i = 0; i < g->n; i++) {
		struct vspin_sleeper *m = g->members[i];
		enum vspin_wake why = VSPIN_WAKE_OTHER;

		if (fired & (UINT64_C(1) << i))
			why = VSPIN_WAKE_NOTIFIED;
		else if (r <= 0)
			why = VSPIN_WAKE_TIMEOUT;
		vspin_policy_wake(m->policy, why, now);
		if (m->disarm != NULL)
			m->disarm(m);
	}
	return true;
}
