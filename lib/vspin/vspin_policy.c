/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vspin_clock.h"
#include "vspin_parse.h"
#include "vspin_policy.h"

void
vspin_policy_conf_default(struct vspin_policy_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = VSPIN_MODE_POLL;
	c->budget = VSPIN_DEFAULT_BUDGET;
	c->spin_us = VSPIN_DEFAULT_SPIN_US;
	c->sleep_max_us = VSPIN_DEFAULT_SLEEP_MAX_US;
}

static const char *const mode_names[] = {
	[VSPIN_MODE_POLL] = "poll",	    [VSPIN_MODE_NOTIFY] = "notify",
	[VSPIN_MODE_BUDGET] = "budget",	    [VSPIN_MODE_SPIN] = "spin",
	[VSPIN_MODE_ADAPTIVE] = "adaptive",
};

const char *
vspin_mode_name(enum vspin_mode m)
{
	if ((unsigned int)m >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "?";
	return mode_names[m];
}

/* A decimal number in [min, max], nothing else. */
static int
parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (vspin_parse_u64(s, min, max, &v) != 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
vspin_parse_us(const char *key, const char *s, uint32_t min, uint32_t *out,
	       char *err, size_t errlen)
{
	if (parse_u32(s, min, VSPIN_MAX_US, out) == 0)
		return 0;
	snprintf(err, errlen,
		 "invalid %s '%s': expected microseconds, %u to %u", key,
		 s ? s : "", min, VSPIN_MAX_US);
	return -1;
}

int
vspin_policy_parse_mode(const char *s, struct vspin_policy_conf *c, char *err,
			size_t errlen)
{
	const char *arg = s ? strchr(s, ':') : NULL;
	size_t len = s ? (arg ? (size_t)(arg - s) : strlen(s)) : 0;
	unsigned int m;

	for (m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++)
		if (strlen(mode_names[m]) == len &&
		    strncmp(s, mode_names[m], len) == 0)
			break;
	if (s == NULL || m == sizeof(mode_names) / sizeof(mode_names[0])) {
		snprintf(err, errlen,
			 "invalid spin_mode '%s': expected poll, notify, "
			 "budget[:N], spin[:US] or adaptive",
			 s ? s : "");
		return -1;
	}
	if (arg != NULL) {
		arg++;
		if (m == VSPIN_MODE_BUDGET) {
			if (parse_u32(arg, 1, 1000000000u, &c->budget) != 0) {
				snprintf(err, errlen,
					 "invalid spin_mode '%s': budget "
					 "needs a count of empty polls, 1 or "
					 "more",
					 s);
				return -1;
			}
		} else if (m == VSPIN_MODE_SPIN) {
			if (parse_u32(arg, 0, VSPIN_MAX_US, &c->spin_us) != 0) {
				snprintf(err, errlen,
					 "invalid spin_mode '%s': spin needs "
					 "microseconds, 0 to %u",
					 s, VSPIN_MAX_US);
				return -1;
			}
		} else {
			snprintf(err, errlen,
				 "invalid spin_mode '%s': %s takes no "
				 "argument",
				 s, mode_names[m]);
			return -1;
		}
	}
	c->mode = (enum vspin_mode)m;
	return 0;
}

int
vspin_policy_conf_parse(struct vspin_policy_conf *c, const char *mode,
			const char *spin_us, const char *sleep_max_us,
			char *err, size_t errlen)
{
	uint32_t us = 0;

	vspin_policy_conf_default(c);
	if (sleep_max_us != NULL &&
	    vspin_parse_us("sleep_max_us", sleep_max_us, 1, &c->sleep_max_us,
			   err, errlen) != 0)
		return -1;
	if (spin_us != NULL &&
	    vspin_parse_us("spin_us", spin_us, 0, &us, err, errlen) != 0)
		return -1;
	if (mode == NULL) {
		/* spin_us=US alone asks for a spin of US. */
		if (spin_us != NULL) {
			c->mode = VSPIN_MODE_SPIN;
			c->spin_us = us;
		}
		return 0;
	}
	/* Without a value in the mode, spin_us (or the default) applies. */
	c->spin_us = spin_us != NULL ? us : VSPIN_DEFAULT_SPIN_US;
	if (vspin_policy_parse_mode(mode, c, err, errlen) != 0)
		return -1;
	if (spin_us != NULL && c->mode == VSPIN_MODE_SPIN && c->spin_us != us) {
		snprintf(err, errlen,
			 "spin_mode '%s' and spin_us '%s' disagree: give the "
			 "window once",
			 mode, spin_us);
		return -1;
	}
	if (c->mode == VSPIN_MODE_ADAPTIVE && spin_us == NULL)
		c->spin_us = 0; /* start from the measured sleep cost */
	return 0;
}

static uint64_t
clamp64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

void
vspin_policy_init(struct vspin_policy *p, const struct vspin_policy_conf *c,
		  uint64_t hz, struct vspin_stats *stats)
{
	memset(p, 0, sizeof(*p));
	p->conf = *c;
	p->stats = stats;
	p->hz = hz;
	p->state = VSPIN_ST_POLL;
	p->window = vspin_us_to_cycles(c->spin_us, hz);
	if (c->mode == VSPIN_MODE_ADAPTIVE) {
		uint64_t b = c->sleep_cost_us ?
				     vspin_us_to_cycles(c->sleep_cost_us, hz) :
				     vspin_sleep_cost_ns() * hz / 1000000000u;
		uint64_t one_us = vspin_us_to_cycles(1, hz);

		p->sleep_cost = b > one_us ? b : one_us;
		p->win_min = c->min_us ? vspin_us_to_cycles(c->min_us, hz) :
					 p->sleep_cost / 2;
		p->win_max = c->max_us ? vspin_us_to_cycles(c->max_us, hz) :
					 p->sleep_cost * 8;
		if (p->win_min < one_us)
			p->win_min = one_us;
		if (p->win_max < p->win_min)
			p->win_max = p->win_min;
		/* spin_us given with adaptive is the first window. */
		p->window = clamp64(c->spin_us ? p->window : p->sleep_cost,
				    p->win_min, p->win_max);
	}
	stats->window_cycles = p->window;
}

/* Leave an idle period: account the time it was polled for nothing. */
static void
end_idle(struct vspin_policy *p, uint64_t now)
{
	if (now > p->idle_since)
		p->stats->spin_cycles += now - p->idle_since;
	p->empty_polls = 0;
}

bool
vspin_policy_poll(struct vspin_policy *p, unsigned int n, uint64_t now)
{
	if (p->woken) {
		p->woken = false;
		if (n == 0)
			p->stats->spurious_wakeups++;
	}
	if (n > 0) {
		if (p->state != VSPIN_ST_POLL)
			end_idle(p, now);
		p->state = VSPIN_ST_POLL;
		return false;
	}
	switch (p->state) {
	case VSPIN_ST_POLL:
		p->state = VSPIN_ST_SPIN;
		p->idle_since = now;
		p->empty_polls = 1;
		break;
	case VSPIN_ST_SPIN:
		p->empty_polls++;
		break;
	default: /* already armed: waiting for the lcore's other queues */
		return false;
	}
	switch (p->conf.mode) {
	case VSPIN_MODE_NOTIFY:
		return true;
	case VSPIN_MODE_BUDGET:
		return p->empty_polls >= p->conf.budget;
	case VSPIN_MODE_SPIN:
	case VSPIN_MODE_ADAPTIVE:
		return now - p->idle_since >= p->window;
	default:
		return false;
	}
}

void
vspin_policy_armed(struct vspin_policy *p, bool work, uint64_t now)
{
	p->stats->arms++;
	if (work) {
		p->stats->arm_rechecks_hit++;
		end_idle(p, now);
		p->state = VSPIN_ST_POLL;
		return;
	}
	p->state = VSPIN_ST_ARMED;
	p->armed_at = now;
}

void
vspin_policy_sleep(struct vspin_policy *p, uint64_t now)
{
	p->stats->sleeps++;
	end_idle(p, now);
	p->state = VSPIN_ST_SLEEP;
	p->slept_at = now;
}

/* The adaptive rule documented in vspin_policy.h. */
static void
adapt(struct vspin_policy *p, enum vspin_wake why, uint64_t gap)
{
	uint64_t w = p->window;

	if (why == VSPIN_WAKE_NOTIFIED && gap < 2 * p->sleep_cost)
		w += w / 4 + gap / 2;
	else if (why == VSPIN_WAKE_TIMEOUT || gap >= 16 * p->sleep_cost)
		w -= w / 8;
	p->window = clamp64(w, p->win_min, p->win_max);
	p->stats->window_cycles = p->window;
}

void
vspin_policy_wake(struct vspin_policy *p, enum vspin_wake why, uint64_t now)
{
	if (now > p->slept_at)
		p->stats->sleep_cycles += now - p->slept_at;
	if (why == VSPIN_WAKE_NOTIFIED)
		p->stats->wakeups++;
	else if (why == VSPIN_WAKE_TIMEOUT)
		p->stats->sleep_timeouts++;
	if (p->conf.mode == VSPIN_MODE_ADAPTIVE)
		adapt(p, why, now - p->armed_at);
	/* The sleep is not spin time: the next idle period starts afresh. */
	p->empty_polls = 0;
	p->state = VSPIN_ST_POLL;
	p->woken = why == VSPIN_WAKE_NOTIFIED;
}

void
vspin_policy_reset(struct vspin_policy *p)
{
	p->empty_polls = 0;
	p->woken = false;
	p->state = VSPIN_ST_POLL;
}
