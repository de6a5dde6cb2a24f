/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vspin_clock.h"
#include "vspin_log_bucket.h"
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
	c->nap_max_us = VSPIN_OVS_MAX_US;
}

static const char *const mode_names[] = {
	[VSPIN_MODE_POLL] = "poll",
	[VSPIN_MODE_NOTIFY] = "notify",
	[VSPIN_MODE_BUDGET] = "budget",
	[VSPIN_MODE_SPIN] = "spin",
	[VSPIN_MODE_ADAPTIVE] = "adaptive",
	[VSPIN_MODE_OVS_SLEEP] = "ovs_sleep",
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
			 "budget[:N], spin[:US], adaptive or "
			 "ovs_sleep[:US]",
			 s ? s : "");
		return -1;
	}
	if (arg != NULL) {
		arg++;
		if (m == VSPIN_MODE_BUDGET) {
			if (parse_u32(arg, 1, VSPIN_BUDGET_MAX, &c->budget) !=
			    0) {
				snprintf(err, errlen,
					 "invalid spin_mode '%s': budget "
					 "needs a count of empty polls, 1 to "
					 "%u",
					 s, VSPIN_BUDGET_MAX);
				return -1;
			}
		} else if (m == VSPIN_MODE_OVS_SLEEP) {
			if (parse_u32(arg, 1, VSPIN_OVS_MAX_US,
				      &c->nap_max_us) != 0) {
				snprintf(err, errlen,
					 "invalid spin_mode '%s': ovs_sleep "
					 "needs microseconds, 1 to %u",
					 s, VSPIN_OVS_MAX_US);
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
			const char *latency_us, char *err, size_t errlen)
{
	uint32_t us = 0;

	vspin_policy_conf_default(c);
	if (latency_us != NULL &&
	    vspin_parse_us("latency_us", latency_us, 1, &c->latency_us, err,
			   errlen) != 0)
		return -1;
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
	} else {
		/* Without a value in the mode, spin_us (or the default). */
		c->spin_us = spin_us != NULL ? us : VSPIN_DEFAULT_SPIN_US;
		if (vspin_policy_parse_mode(mode, c, err, errlen) != 0)
			return -1;
	}
	if (spin_us != NULL && c->mode == VSPIN_MODE_SPIN && c->spin_us != us) {
		snprintf(err, errlen,
			 "spin_mode '%s' and spin_us '%s' disagree: give the "
			 "window once",
			 mode, spin_us);
		return -1;
	}
	/* A key the mode would ignore: the user meant another mode. */
	if (spin_us != NULL && c->mode != VSPIN_MODE_SPIN &&
	    c->mode != VSPIN_MODE_ADAPTIVE) {
		snprintf(err, errlen,
			 "spin_us applies to spin_mode spin and adaptive, not "
			 "'%s'",
			 mode);
		return -1;
	}
	if (sleep_max_us != NULL &&
	    (c->mode == VSPIN_MODE_POLL || c->mode == VSPIN_MODE_OVS_SLEEP)) {
		snprintf(err, errlen,
			 "sleep_max_us applies to the modes that sleep on the "
			 "ring (notify, budget, spin, adaptive), not '%s'",
			 mode != NULL ? mode : vspin_mode_name(c->mode));
		return -1;
	}
	if (latency_us != NULL && c->mode != VSPIN_MODE_ADAPTIVE) {
		snprintf(err, errlen,
			 "latency_us applies to spin_mode adaptive only, not "
			 "'%s'",
			 mode != NULL ? mode : vspin_mode_name(c->mode));
		return -1;
	}
	if (c->mode == VSPIN_MODE_ADAPTIVE && spin_us == NULL)
		c->spin_us = 0; /* start from the measured sleep cost */
	/*
	 * Longer than one sleep: an idle queue would spin far more than it
	 * sleeps (every timeout starts the window again), and a batch planned
	 * past the bound would end at it, short of its entries.
	 */
	if ((c->mode == VSPIN_MODE_SPIN || c->mode == VSPIN_MODE_ADAPTIVE) &&
	    c->spin_us > c->sleep_max_us) {
		snprintf(err, errlen,
			 "spin window %" PRIu32 " us is longer than "
			 "sleep_max_us %" PRIu32 ": raise sleep_max_us",
			 c->spin_us, c->sleep_max_us);
		return -1;
	}
	if (c->mode == VSPIN_MODE_ADAPTIVE && c->latency_us > c->sleep_max_us) {
		snprintf(err, errlen,
			 "latency_us %" PRIu32 " is longer than sleep_max_us "
			 "%" PRIu32 ": raise sleep_max_us",
			 c->latency_us, c->sleep_max_us);
		return -1;
	}
	return 0;
}

/* Fixed point of the rate: packets per 2^RATE_SHIFT cycles. */
#define RATE_SHIFT 20
/*
 * A rate window lasts at least RATE_WINDOW_US (sleeps included), and ends
 * on a poll that found packets unless it has lasted RATE_WINDOW_MAX_US: a
 * producer's pause shorter than that weighs as one window, not as one per
 * 64 us (which made a queue at saturation coalesce after each pause,
 * batches filled in a few microseconds, a notification each).
 */
#define RATE_WINDOW_US 64
#define RATE_WINDOW_MAX_US 1000
/* Histogram weights: 1.0 is 256; each new sample ages the rest by 7/8. */
#define HIST_ONE 256u
/* Busy fraction: 1.0 is 2^UTIL_SHIFT. */
#define UTIL_SHIFT 16
#define UTIL_ONE (UINT64_C(1) << UTIL_SHIFT)
/* Fixed point of a packet's cost: cycles x 2^COST_SHIFT. */
#define COST_SHIFT 4
/*
 * A publication of FULL_BURST entries or more is a full burst (as a
 * poll's, vspin_policy.h; p->full_burst: fewer if the caller takes
 * fewer a poll). A producer whose publications are full
 * bursts, half of them or more (FULL_SHARE; a share averaged with weight
 * 1/8, 1.0 = FULL_ONE), runs flat out (at saturation all of them were).
 * The share, not the average size: a paced producer at half to three
 * quarters of its rate publishes 5-15 entries most times and catches up
 * in full bursts after a stall (12-16% of its publications,
 * bench/README-adaptive.md, "Full bursts most times"), and an average of
 * those crossed 16 for runs of idle periods, long enough to poll.
 */
#define FULL_BURST VSPIN_POLICY_FULL_BURST
#define FULL_ONE 256u
#define FULL_SHARE (FULL_ONE / 2)
/*
 * A coalescing queue arms at its first empty poll and never sees a
 * publication on its own: one idle period in 2^PROBE_SHIFT spins first
 * until one comes, for at most C (only at rates where a full burst
 * could come back to back: not at light loads, where it would only cost).
 */
#define PROBE_SHIFT 4
/*
 * A queue that polls through a load at which half as much idle time again
 * would let a batch pay for its wake-up coalesces one idle period per
 * EXPLORE_US, to learn u from a batch (plan_idle()).
 */
#define EXPLORE_US 16000

/*
 * The share of naps a notification woke halves once per NAP_RETRY_US
 * without a nap: a queue that a passing load kept from napping tries
 * again within a second or so. Halved every EXPLORE_US, the queue kept
 * trying naps at half the load, most of them ended by the notification
 * (bench/README-adaptive.md, "A nap pays for the notifications it
 * brings").
 */
#define NAP_RETRY_US 256000
/*
 * A batch whose wake-up its idle time does not pay for still coalesces if
 * its cycle saves 1 / 2^SAVE_SHIFT of a core (batch_saves()).
 */
#define SAVE_SHIFT 3

/* Batches of 10 (C + M), and what wake-ups as late as tail add. */
static uint64_t
default_latency_with(const struct vspin_policy *p, uint64_t tail)
{
	return p->default_span +
	       (tail > p->sleep_cost ? tail - p->sleep_cost : 0);
}

/* Default L: the packets' D99 (late_weight()). */
static uint64_t
default_latency(const struct vspin_policy *p)
{
	return default_latency_with(p, p->late_pkts);
}

/* C within one measured round and the start-up price of two. */
static uint64_t
wake_within(const struct vspin_policy *p, uint64_t c)
{
	if (c < p->wake_cpu / 2)
		return p->wake_cpu / 2;
	return c < p->wake_cpu ? c : p->wake_cpu;
}

/*
 * Take up the sleep's costs (adaptive): given (tests: B alone, the rest
 * free, C priced at 2B), or measured (vspin_sleep_cost.h), at start-up
 * and again whenever a later try of the measurement was quicker. What the
 * queue has learnt (the rate, u, the gap histogram) stays; D, until a
 * batch has taught it, and W follow B.
 */
static void
take_costs(struct vspin_policy *p)
{
	const struct vspin_policy_conf *c = &p->conf;
	uint64_t hz = p->hz, one_us = vspin_us_to_cycles(1, hz);
	uint64_t b = vspin_us_to_cycles(c->sleep_cost_us, hz), old_b;
	/* Tests give B: C is then 2B, the producer and the bound free. */
	uint64_t cpu = 0, notify = 0, bound = 0;

	if (c->sleep_cost_us == 0) {
		struct vspin_sleep_costs m;

		p->cost_gen = vspin_sleep_costs_get(&m);
		/* B: the larger of a sleep's wake-up latency and its CPU. */
		b = vspin_ns_to_cycles(
			m.wake_ns > m.cpu_ns ? m.wake_ns : m.cpu_ns, hz);
		cpu = vspin_ns_to_cycles(m.cpu_ns, hz);
		notify = vspin_ns_to_cycles(m.notify_ns, hz);
		bound = vspin_ns_to_cycles(m.bound_ns, hz);
	}
	old_b = p->sleep_cost;
	p->sleep_cost = b > one_us ? b : one_us;
	if (p->late == old_b) /* not learnt yet: plan for L */
		p->late = p->sleep_cost;
	if (p->late_taught == old_b)
		p->late_taught = p->sleep_cost;
	if (p->late_tail == old_b)
		p->late_tail = p->sleep_cost;
	if (p->late_pkts_slow == old_b)
		p->late_pkts_slow = p->sleep_cost;
	if (p->late_pkts == old_b)
		p->late_pkts = p->sleep_cost;
	/*
	 * C, the CPU one wake-up costs a PMD, priced at start-up at twice
	 * the measured sleep-and-wake round (with the eventfd, the arm, the
	 * recheck and a cold ring; about 11 us measured at 1% load,
	 * bench/README-adaptive.md); then learnt from the batches
	 * (learn_wake_cpu()).
	 */
	p->wake_cpu = 2 * (c->sleep_cost_us ? p->sleep_cost : cpu);
	/* What batches taught stays, within the new measurement's range. */
	p->wake_learnt =
		p->wake_learnt ? wake_within(p, p->wake_learnt) : p->wake_cpu;
	p->notify_cost = notify;
	p->bound_cost = bound;
	/*
	 * Default: batches of 10 (C + M), one wake-up per batch, and the
	 * move of its bound, then cost a tenth of a core; L is what they
	 * cost in latency (that span, plus what wake-ups come later than B,
	 * learn_late()).
	 */
	p->default_span = 10 * (p->wake_cpu + p->bound_cost);
	if (p->default_span < 3 * p->sleep_cost)
		p->default_span = 3 * p->sleep_cost;
	p->latency = c->latency_us ? vspin_us_to_cycles(c->latency_us, hz) :
				     default_latency(p);
	if (p->window > p->sleep_cost)
		p->window = p->sleep_cost; /* W <= B */
	p->stats->window_cycles = p->window;
	p->stats->sleep_cost_cycles = p->sleep_cost;
	p->stats->latency_cycles = p->latency;
	p->stats->wake_late_cycles = p->late;
	p->stats->wake_late_p99_cycles = p->late_tail;
	p->stats->wake_late_pkt_p99_cycles = p->late_pkts;
	p->stats->wake_cpu_cycles = p->wake_learnt;
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
	p->arm_k = 1;
	p->full_burst = FULL_BURST;
	p->sleep_us = c->sleep_max_us;
	p->sleep_min_us = c->sleep_max_us;
	/* Only spin and adaptive have a window: the others show none. */
	stats->window_cycles = c->mode == VSPIN_MODE_SPIN ? p->window : 0;
	stats->sleep_cost_cycles = 0;
	stats->latency_cycles = 0;
	stats->wake_late_cycles = 0;
	stats->wake_late_p99_cycles = 0;
	stats->wake_late_pkt_p99_cycles = 0;
	stats->wake_cpu_cycles = 0;
	stats->busy_pct = 0;
	if (c->mode != VSPIN_MODE_ADAPTIVE)
		return;
	/* spin_us given with adaptive is the first window (<= B). */
	if (c->spin_us == 0)
		p->window = UINT64_MAX;
	take_costs(p);
	/* Tests give B: a timed nap is then priced late by B too. */
	p->overshoot = c->sleep_cost_us ?
			       p->sleep_cost :
			       vspin_ns_to_cycles(vspin_nap_overshoot_ns(), hz);
}

/*
 * A later try of the start-up measurement was quicker (vspin_sleep_cost.h):
 * plan with its costs from now on.
 */
static void
follow_costs(struct vspin_policy *p)
{
	if (p->conf.sleep_cost_us == 0 &&
	    vspin_sleep_costs_generation() != p->cost_gen)
		take_costs(p);
}

/* Leave an idle period: account the time it was polled for nothing. */
static void
end_idle(struct vspin_policy *p, uint64_t now)
{
	if (now > p->idle_since)
		p->stats->spin_cycles += now - p->idle_since;
	p->empty_polls = 0;
}

/* The class of a gap: [0, B/4), [B/4, B/2), [B/2, B), [B, inf). */
static unsigned int
gap_class(const struct vspin_policy *p, uint64_t gap)
{
	uint64_t b = p->sleep_cost;

	if (gap >= b)
		return 3;
	if (gap >= b / 2)
		return 2;
	return gap >= b / 4 ? 1 : 0;
}

/* Choose W from the histogram: the candidate of least expected cost. */
static void
choose_window(struct vspin_policy *p)
{
	uint64_t b = p->sleep_cost, best_cost = UINT64_MAX, best = b;
	/* A representative gap per class (the upper class: any g >= B). */
	const uint64_t g[VSPIN_GAP_CLASSES] = {b / 8, 3 * b / 8, 3 * b / 4,
					       2 * b};
	const uint64_t cand[VSPIN_GAP_CLASSES] = {0, b / 4, b / 2, b};
	unsigned int i, j;
	uint32_t total = 0;

	for (j = 0; j < VSPIN_GAP_CLASSES; j++)
		total += p->hist[j];
	if (total == 0) {
		p->window = b; /* nothing seen: the 2-competitive choice */
		return;
	}
	for (i = 0; i < VSPIN_GAP_CLASSES; i++) {
		uint64_t cost = 0;

		for (j = 0; j < VSPIN_GAP_CLASSES; j++)
			cost += (uint64_t)p->hist[j] *
				(g[j] < cand[i] ? g[j] : cand[i] + b);
		/* Ties go to the longer window: nearer the bound. */
		if (cost <= best_cost) {
			best_cost = cost;
			best = cand[i];
		}
	}
	p->window = best;
}

/* One idle gap observed: age the histogram, add it, choose W again. */
static void
learn_gap(struct vspin_policy *p, uint64_t gap)
{
	unsigned int j;

	for (j = 0; j < VSPIN_GAP_CLASSES; j++)
		p->hist[j] -= p->hist[j] / 8;
	p->hist[gap_class(p, gap)] += HIST_ONE;
	choose_window(p);
	p->stats->window_cycles = p->window;
}

/*
 * Regime 3's spin: near saturation a notification is paid by a producer
 * with no time to spare, and the queue sleeps only through a pause of
 * VSPIN_BUSY_SPIN_US or L, whichever is longer. The default L here counts
 * the wake-ups' D99, not the packets': a pause is one wake-up, and a
 * window of milliseconds (a VM's late tail, late_weight()) would keep the
 * queue spinning through pauses it slept through before.
 */
static uint64_t
busy_window(const struct vspin_policy *p)
{
	uint64_t w = vspin_us_to_cycles(VSPIN_BUSY_SPIN_US, p->hz);
	uint64_t l = p->conf.latency_us ? p->latency :
					  default_latency_with(p, p->late_tail);

	return l > w ? l : w;
}

/* Whether this idle period's gap teaches the window (regime 2 only). */
static bool
learning(const struct vspin_policy *p)
{
	return p->regime == VSPIN_RG_SPIN;
}

/* An average that weighs the past 7/8 (the first sample as it is). */
static uint64_t
ewma8(uint64_t avg, uint64_t sample)
{
	return avg ? (7 * avg + sample) / 8 : sample;
}

/*
 * Time the previous poll: from it to this one is one empty poll if it
 * found nothing and the queue spun on, or one poll plus the processing of
 * the n packets it found (with the untimed polls after it, each a poll
 * and its packets: vspin_policy_needs_now()). What exceeds the polls'
 * own cost is work on those packets (counting the whole interval would
 * take a polling loop's overhead for work, and a queue that polls
 * through small gaps would look busy and never find a batch worth its
 * wake-up); the window's work per packet is the cost of a packet
 * (update_rate(): no division per poll).
 */
static void
time_poll(struct vspin_policy *p, uint64_t now)
{
	uint64_t dt = (now - p->last_poll) << COST_SHIFT;
	uint64_t polls = (uint64_t)p->poll_cost * (p->untimed + 1u);

	if (p->last_poll == 0 || now <= p->last_poll)
		return;
	if (p->last_n == 0) {
		if (p->state == VSPIN_ST_SPIN) /* not across a sleep */
			p->poll_cost = ewma8(p->poll_cost, dt);
	} else if (dt > polls) {
		p->work += dt - polls;
		p->work_pkts += p->last_n;
	}
}

static void learn_late(struct vspin_policy *p, uint64_t waited, bool sampled);

/*
 * Count arrivals; re-estimate the rate once a window has passed, and with
 * it the busy fraction u = r x the cost of a packet; D forgets a step if
 * no coalesced wake-up taught it in the window.
 */
static void
update_rate(struct vspin_policy *p, unsigned int n, uint64_t now)
{
	uint64_t span;

	p->rate_pkts += n;
	if (now == 0) { /* a full burst, untimed: the next poll times it */
		p->untimed++;
		p->last_n += n;
		return;
	}
	span = now - p->rate_since;
	time_poll(p, now);
	p->last_poll = now;
	p->last_n = n;
	p->untimed = 0;
	if (span < vspin_us_to_cycles(RATE_WINDOW_US, p->hz) ||
	    (n == 0 && span < vspin_us_to_cycles(RATE_WINDOW_MAX_US, p->hz)))
		return;
	if (p->rate_since != 0) {
		uint64_t r = (p->rate_pkts << RATE_SHIFT) / span, u;

		p->rate_fp = p->rate_fp ? (3 * p->rate_fp + r) / 4 : r;
		if (p->work_pkts != 0)
			p->pkt_cost =
				ewma8(p->pkt_cost, p->work / p->work_pkts);
		u = (p->rate_fp * p->pkt_cost) >>
		    (RATE_SHIFT + COST_SHIFT - UTIL_SHIFT);
		p->util_fp = (uint32_t)(u < UTIL_ONE ? u : UTIL_ONE);
		p->stats->busy_pct = (p->util_fp * UINT64_C(100)) >> UTIL_SHIFT;
		if (!p->late_sampled)
			learn_late(p, 0, false);
		p->late_sampled = false;
	}
	p->rate_since = now;
	p->rate_pkts = 0;
	p->work = 0;
	p->work_pkts = 0;
}

/*
 * The span a batch is planned for: L, less the lateness of past wake-ups
 * beyond the B the bound allows (their 99th percentile, learn_late(): the
 * bound is on the 99th percentile of the latency); 10 (C + M) by default.
 */
static uint64_t
plan_span(const struct vspin_policy *p)
{
	uint64_t slack = p->latency + p->sleep_cost;

	if (p->late_pkts >= slack)
		return 0;
	return slack - p->late_pkts < p->latency ? slack - p->late_pkts :
						   p->latency;
}

/*
 * One step of a quantile tracker: up by step for a sample above the
 * estimate, down by step / odds otherwise (and for a rate window without
 * a sample), so that it settles where 1 sample in odds + 1 is above it.
 */
static void
track_quantile(uint64_t *q, uint64_t sample, bool sampled, uint64_t step,
	       uint64_t odds, uint64_t max)
{
	if (sampled && sample > *q)
		*q = *q + step < max ? *q + step : max;
	else
		*q -= *q > step / odds ? step / odds : *q;
}

/*
 * The budget is on the 99th percentile of the packets' latency, not of
 * the batches': a batch holds what arrived while it slept, so one that
 * woke late holds more packets. For L (plan_span(), default_latency())
 * each wake-up counts as waited / planned batches (at most
 * LATE_WEIGHT_MAX); the ring's room, a matter of each batch, keeps D99.
 * On an AMD VM whose wake-ups had a tail of milliseconds
 * (bench/README-adaptive.md, "The lateness the packets see"), D99 was
 * 290-440 us while the packets' p99 was 0.5-8 ms.
 */
#define LATE_WEIGHT_ONE 16u
#define LATE_WEIGHT_MAX (64u * LATE_WEIGHT_ONE)

static uint64_t
late_weight(const struct vspin_policy *p, uint64_t waited)
{
	uint64_t w;

	if (p->planned == 0 || waited <= p->planned)
		return LATE_WEIGHT_ONE;
	w = waited / (p->planned / LATE_WEIGHT_ONE + 1);
	return w < LATE_WEIGHT_MAX ? w : LATE_WEIGHT_MAX;
}

/*
 * D99p's histogram: log-linear classes (vspin_log_bucket.h) of the
 * lateness in units of 2^LATE_UNIT_LOG cycles, four a doubling, a class
 * read as its middle, within 13% of any lateness in it. Every class is
 * halved once the sum would pass LATE_HIST_FULL, 2048 punctual batches'
 * weight (about a second at 1% load on the project's VMs): the last 1024
 * weigh as much as all before, and a tail that stops is forgotten after
 * about 1024 batches for each halving its share needs to fall under 1%.
 */
#define LATE_UNIT_LOG 8
#define LATE_SUB_BITS 2
#define LATE_HIST_FULL (2048u * LATE_WEIGHT_ONE)

static unsigned int
late_class(uint64_t late)
{
	unsigned int c = vspin_log_bucket(late >> LATE_UNIT_LOG, LATE_SUB_BITS);

	return c < VSPIN_LATE_CLASSES ? c : VSPIN_LATE_CLASSES - 1;
}

static uint64_t
late_class_mid(unsigned int c)
{
	uint64_t lo, width;

	vspin_log_bucket_range(c, LATE_SUB_BITS, &lo, &width);
	return (lo + width / 2) << LATE_UNIT_LOG;
}

/* Add a wake-up's lateness of weight w; return the weighted p99. */
static uint64_t
late_hist_p99(struct vspin_policy *p, uint64_t late, uint32_t w)
{
	uint32_t above = 0;
	unsigned int c;

	if (p->late_hist_sum + w > LATE_HIST_FULL) {
		p->late_hist_sum = 0;
		for (c = 0; c < VSPIN_LATE_CLASSES; c++) {
			p->late_hist[c] /= 2;
			p->late_hist_sum += p->late_hist[c];
		}
	}
	c = late_class(late);
	p->late_hist[c] += w;
	p->late_hist_sum += w;
	if (c > p->late_hist_top)
		p->late_hist_top = c;
	while (p->late_hist_top > 0 && p->late_hist[p->late_hist_top] == 0)
		p->late_hist_top--;
	/* The class that the heaviest 1% of the weight reaches into. */
	for (c = p->late_hist_top; c > 0; c--) {
		above += p->late_hist[c];
		if ((uint64_t)above * 100 > p->late_hist_sum)
			break;
	}
	return late_class_mid(c);
}

/*
 * A coalescing sleep ended waited cycles after the queue armed, planned
 * to last p->planned: track how late such wake-ups come (the wake-up's
 * own latency, a timer's overshoot). D, their 95th percentile, keeps room
 * in the ring for what arrives meanwhile; their 99th percentile (D99)
 * plans the batches' span and the default L, the budget being on the
 * 99th percentile of the latency: on the project's VMs the slowest 1% of
 * wake-ups after a sleep of a few hundred microseconds came 30-110 us or
 * more later than D, enough to lift a run's p99 past L + B
 * (bench/README-adaptive.md, "A budget for the 99th percentile"). D99
 * steps four times as far, so that it settles within a run despite its
 * rarer samples. A rate window without such a wake-up (!sampled) steps
 * both down: a D that keeps the queue from coalescing (it leaves no room
 * in the ring) would otherwise never be sampled again.
 */
static void
learn_late(struct vspin_policy *p, uint64_t waited, bool sampled)
{
	uint64_t late = waited > p->planned ? waited - p->planned : 0;
	uint64_t step = p->sleep_cost / 16 + 1, hist;
	uint64_t w = late_weight(p, waited);

	p->late_sampled = sampled;
	/* A second is past any sleep's bound. */
	track_quantile(&p->late, late, sampled, step, 19, p->hz);
	track_quantile(&p->late_tail, late, sampled, 4 * step, 99, p->hz);
	/*
	 * D99p: the larger of the histogram's p99, which learns a tail
	 * within a second and forgets it as fast, and the steps',
	 * which climb to it over seconds and come down as slowly. Users
	 * run for hours, where a tail that came and went will come again.
	 */
	track_quantile(&p->late_pkts_slow, late, sampled,
		       4 * step * w / LATE_WEIGHT_ONE, 99, p->hz);
	p->late_pkts = p->late_pkts_slow;
	if (sampled || p->late_hist_sum != 0) {
		hist = late_hist_p99(p, sampled ? late : 0,
				     sampled ? w : LATE_WEIGHT_ONE);
		if (hist > p->late_pkts)
			p->late_pkts = hist;
	}
	if (sampled) /* the same p95, without the decay */
		track_quantile(&p->late_taught, late, true, step, 19, p->hz);
	p->stats->wake_late_cycles = p->late;
	p->stats->wake_late_p99_cycles = p->late_tail;
	p->stats->wake_late_pkt_p99_cycles = p->late_pkts;
	if (p->conf.latency_us == 0) {
		p->latency = default_latency(p);
		p->stats->latency_cycles = p->latency;
	}
}

/* A coalescing sleep's cycles in us, within [1, sleep_max_us]. */
static uint32_t
us_of(const struct vspin_policy *p, uint64_t cycles)
{
	uint64_t us = cycles * 1000000u / p->hz;

	if (us == 0)
		us = 1;
	return us > p->conf.sleep_max_us ? p->conf.sleep_max_us : (uint32_t)us;
}

/*
 * A batch that leaves the consumer less idle time than a wake-up costs
 * may still pay: the wake-up's CPU and the processing overlap the next
 * arrivals, so a cycle lasts (s + C) / (1 - u) for a sleep of s (K / r
 * and the wake-up's lateness),
 * and the consumer works (u s + C) / (s + C) of it instead of all of it
 * (bench/README-adaptive.md, "A batch's cycle"). Worth it when the sleep
 * covers at least a wake-up (s >= C + N) and the cycle saves an eighth
 * of a core or more: (1 - u) s >= (s + C + N) / 8. Below that a
 * notification a batch, and the latency, buy little. All three in cycles
 * x rate_fp: s, idle (1 - u) s, wake C + N.
 */
static bool
batch_saves(uint64_t s, uint64_t idle, uint64_t wake)
{
	return s >= wake && idle >= (s + wake) >> SAVE_SHIFT;
}

/*
 * How late a wake-up comes most times, in cycles (plan_idle()): D as
 * wake-ups taught it, not as it decays while the queue spins (that decay
 * reopens the ring's room; taken as the credit it left a short budget
 * spinning for good once D reached 0: bench/README-adaptive.md, "Short
 * budgets learn from their wake-ups").
 */
static uint64_t
late_credit(const struct vspin_policy *p)
{
	uint64_t d =
		p->late_taught < p->sleep_cost ? p->late_taught : p->sleep_cost;

	return d < p->overshoot ? d : p->overshoot;
}

/*
 * Whether a batch the plan turned down would pay were its idle time half
 * as large again (plan_idle()). Where the ring bounds K, priced with C as
 * low as it can be learnt (half the start-up price, wake_within()): at
 * half the load on the Intel VM a queue whose batches cost 16 us there
 * polled, its start-up price 31 us, and never explored
 * (bench/README-adaptive.md, "Exploring at the least C"). Where the
 * budget bounds K, at the start-up price: short budgets explored at the
 * least C took more of a core at a light load. slept, idle and notified
 * (C's start-up price and N) as plan_idle() has them.
 */
static bool
worth_exploring(const struct vspin_policy *p, bool bounded, uint64_t slept,
		uint64_t idle, uint64_t notified)
{
	uint64_t hope;

	if (!bounded)
		return 3 * idle >= 2 * notified;
	hope = (wake_within(p, 0) + p->notify_cost) * p->rate_fp;
	return 3 * idle >= 2 * hope ||
	       batch_saves(slept, idle + idle / 2, hope);
}

/*
 * A budget the wake-ups' tail leaves no batch in: with latency_us given,
 * two or more entries arrive within L, yet D99p left a span too short for
 * a batch of two (plan_span()). Regime 2 would then sleep through every
 * gap longer than its window (at most B), each sleep ended by the next
 * entry and as late as any wake-up; that lateness teaches nothing, so D99p
 * stays where batches stopped and the budget breaks unseen: on an AMD VM
 * whose wake-ups came milliseconds late, latency_us=200 at 1% load took
 * 51-67% of a core for a p99 of 0.95-3.4 ms (bench/README-adaptive.md, "A
 * budget the wake-ups cannot keep"). Spin as near saturation (regime 3):
 * sleep when the producer stops, not between its entries. D99p steps down
 * every rate window without a batch, so batches resume once the tail they
 * learnt has faded. The default L already counts D99p: no such case.
 */
static bool
budget_past_tail(const struct vspin_policy *p, uint64_t k)
{
	return p->conf.latency_us != 0 && k < 2 &&
	       (p->rate_fp * p->latency) >> RATE_SHIFT >= 2;
}

/* Regime and parameters of the idle period starting now (adaptive). */
static void
plan_idle(struct vspin_policy *p)
{
	uint64_t span = plan_span(p);
	uint64_t k = (p->rate_fp * span) >> RATE_SHIFT;
	uint32_t ring = __atomic_load_n(&p->conf.ring_size, __ATOMIC_RELAXED);
	uint64_t half = ring ? ring / 2 : 32768, kmax = half, room = half;
	uint64_t sleep = span, slept, idle, wake, notified, b2b;
	uint64_t fill = 0, nap_late = 0;
	bool timed = __atomic_load_n(&p->conf.timed_naps, __ATOMIC_RELAXED);
	bool coalescing, full, bounded, nap = false;

	if (half == 0)
		half = kmax = 1;
	if (ring != 0) {
		/*
		 * What arrives while the wake-up is late (D) comes on top of
		 * the K entries: keep room for it and a burst, or the ring
		 * fills and a producer running flat out stalls.
		 */
		uint64_t late = (p->rate_fp * p->late) >> RATE_SHIFT;
		uint32_t most = vspin_policy_arm_max(ring);

		room = most > late ? most - late : 0;
		if (room < kmax)
			kmax = room;
	}
	bounded = k > kmax;
	if (bounded) {
		/*
		 * The ring bounds K: sleep no longer than the K entries take
		 * to arrive. A timed nap of L (a producer without EVENT_IDX)
		 * would leave the ring full and the producer stalled.
		 */
		k = kmax;
		sleep = (k << RATE_SHIFT) / p->rate_fp;
	}
	/*
	 * The batch's wake-up: a timed nap wherever one can be it. A nap
	 * wakes late by the timer's overshoot measured at start-up, or by D
	 * if the naps taken so far came later: the ring must hold what
	 * arrives meanwhile, and its room must outlast that lateness and a
	 * wake-up (with EVENT_IDX a wake-up as late as D99: the index at the
	 * room's end leaves no margin past D; where it did not, at half the
	 * load on the Intel VM, the naps came late, raised D and shrank
	 * every batch: bench/README-adaptive.md, "Naps to the ring's room").
	 */
	if (k >= 2) {
		uint64_t tail;

		fill = ((timed ? half : room) << RATE_SHIFT) / p->rate_fp;
		nap_late = p->late > p->overshoot ? p->late : p->overshoot;
		tail = !timed && p->late_tail > nap_late ? p->late_tail :
							   nap_late;
		nap = fill >= tail + p->wake_cpu;
	}
	/* The share is learnt from naps only (NAP_RETRY_US). */
	if (p->nap_notified != 0 &&
	    p->idle_since - p->nap_at >=
		    vspin_us_to_cycles(NAP_RETRY_US, p->hz)) {
		p->nap_notified /= 2;
		p->nap_at = p->idle_since;
	}
	/*
	 * Worth a sleep only if the time the consumer is away, less the time
	 * spent processing what arrived meanwhile (the busy fraction u), pays
	 * for a wake-up and, for a batch its K-th entry wakes, the
	 * notification that brings it: (1 - u) (K / r + E) >= wake_learnt
	 * (+ notify_cost), the first as batches cost it (learn_wake_cpu()),
	 * the second the measured eventfd write that wakes a thread; or if the
	 * batch's whole cycle saves enough (batch_saves()). A nap's producer
	 * is notified only when a burst or a timer later than planned meets
	 * the index at the room's end (without EVENT_IDX notifications are
	 * off): a nap pays N in the share of recent naps a notification
	 * woke. Priced N in full, a nap had to leave the consumer idle for
	 * C + N, some 50 us where N is 14-15 us (the Intel VM), and a short
	 * budget polled where OVS's rule naps; priced none, at half the load
	 * there nine naps in ten ended on the index and the generator found
	 * the ring full twice as often (bench/README-adaptive.md, "A nap
	 * pays for the notifications it brings"). E is how late the wake-up
	 * comes most times (the least of D as wake-ups taught it, B and a
	 * nap's measured overshoot): the queue is away that long too, so a
	 * short budget's batch, K / r below C + N, can still pay. Not where the
	 * ring bounds K: what arrives during the lateness fills the room
	 * kept for it, and near saturation the consumer is not idle but
	 * behind (a notification there is taken from a producer running
	 * flat out). Otherwise (near saturation: the ring bounds K, or the
	 * consumer is barely faster than its producer) no gap shorter than
	 * that is worth a sleep either: the queue spins first.
	 */
	/* Both sides in cycles x rate_fp (packets per 2^RATE_SHIFT cycles). */
	slept = (k << RATE_SHIFT) + (bounded ? 0 : late_credit(p) * p->rate_fp);
	idle = ((UTIL_ONE - p->util_fp) * slept) >> UTIL_SHIFT;
	notified = (p->wake_cpu + p->notify_cost) * p->rate_fp;
	wake = (p->wake_learnt +
		(nap ? p->notify_cost * p->nap_notified / FULL_ONE :
		       p->notify_cost)) *
	       p->rate_fp;
	coalescing = k >= 2 && (idle >= wake || batch_saves(slept, idle, wake));
	/*
	 * A producer that publishes full bursts (half the times or more)
	 * back to back, one sooner than two wake-ups and notifications cost
	 * (pub / r < 2 (C + N), pub the average publication), runs flat
	 * out: each batch would take a notification out of its throughput.
	 * The rate and u alone cannot tell: a consumer much faster than its
	 * producer finds K leaving it as idle at saturation as at half the
	 * load. Spin as near saturation. Full bursts further apart (a bursty
	 * lighter load) still coalesce.
	 */
	b2b = 2 * notified;
	full = p->full_share >= FULL_SHARE &&
	       p->pub_fp << (RATE_SHIFT - COST_SHIFT) < b2b;
	if (full)
		coalescing = false;
	/*
	 * A nap is shortened so that the ring still holds what arrives
	 * until its late timer fires. With EVENT_IDX the nap may outlast
	 * K / r, up to S, within the ring's room (a timer later than planned
	 * meets the index at the room's end: a burst still wakes the queue
	 * before the ring fills); without it, within the ring's half. Only a
	 * batch the ring cannot wait for is woken by its K-th entry's
	 * notification (K at most half the ring): on the project's VMs a
	 * wake-up by that notification (an IPI to a halted vCPU) cost the
	 * consumer more CPU than one by its own timer (35-41 us against
	 * 21-24), and the producer a syscall a batch
	 * (bench/README-adaptive.md, "The timer wakes a batch").
	 * Without EVENT_IDX nothing can be armed ahead: no nap, no batch.
	 */
	if (coalescing) {
		if (!nap && timed)
			coalescing = false;
		if (nap && !timed)
			sleep = span; /* past K / r: the index guards the room */
		if (nap && sleep > fill - nap_late)
			sleep = fill - nap_late;
	}
	/*
	 * u and C are learnt from batches. Polling through the load the
	 * queue finds an entry or two per poll, and each carries the cost
	 * of a poll that finds work: u comes out several times what a batch
	 * costs (0.27-0.49 against 0.04-0.18 at a tenth of the load); and a
	 * queue that does not sleep keeps C where it was. Every EXPLORE_US,
	 * where a batch would pay were its idle time half as large again, it
	 * coalesces twice in a row (worth_exploring()): the batch after the
	 * wake-up teaches u as batches cost it, and the cycle between the
	 * two sleeps C (learn_wake_cpu()). Not near saturation: there a
	 * batch leaves too little idle even so.
	 */
	if (!coalescing && !full && k >= 2 && !timed &&
	    (p->explore_again ||
	     (p->idle_since - p->explored_at >=
		      vspin_us_to_cycles(EXPLORE_US, p->hz) &&
	      worth_exploring(p, bounded, slept, idle, notified)))) {
		coalescing = true;
		nap = false; /* a batch its K-th entry wakes, as planned */
		p->explore_again = !p->explore_again;
		p->explored_at = p->idle_since;
	}
	if (coalescing) {
		p->regime = VSPIN_RG_COALESCE;
		p->stats->idle_batches++;
	} else if (k >= 2 || full || budget_past_tail(p, k)) {
		p->regime = VSPIN_RG_BUSY;
		p->stats->idle_busy_spins++;
		p->stats->idle_full_spins += full;
	} else {
		p->regime = VSPIN_RG_SPIN;
		p->stats->idle_window_spins++;
	}
	if (!coalescing) {
		p->cycle_clean = false; /* a spin: no sample of C */
		p->arm_k = 1;
		p->sleep_us = p->conf.sleep_max_us;
		p->sleep_min_us = p->sleep_us;
		p->timer_wakes = false;
		return;
	}
	/* Probe only at a rate where a full burst could come back to back. */
	p->probing = ((uint64_t)p->full_burst << RATE_SHIFT) < b2b &&
		     (++p->batches & ((1u << PROBE_SHIFT) - 1)) == 0;
	if (p->probing)
		p->cycle_clean = false; /* it spins up to C: no sample of C */
	/* A nap with EVENT_IDX arms where the ring's room ends. */
	p->arm_k = (uint16_t)(nap && !timed ? room : k);
	p->planned = sleep;
	p->sleep_min_us = us_of(p, sleep);
	/*
	 * A nap keeps K / r: its timer is the wake. Otherwise the K-th
	 * entry's notification ends the sleep; the bound only caps a batch
	 * whose rate dropped, at the span the latency budget allows. A bound
	 * past K / r lets one timer serve several sleeps (vspin_deadline.h).
	 */
	p->sleep_us = nap ? p->sleep_min_us : us_of(p, span);
	p->timer_wakes = nap;
	if (nap)
		p->nap_at = p->idle_since;
}

bool
vspin_policy_poll(struct vspin_policy *p, unsigned int n, uint64_t now)
{
	bool adaptive = p->conf.mode == VSPIN_MODE_ADAPTIVE;
	/* What the previous poll found (adaptive: update_rate() keeps it). */
	uint32_t prev_n = p->last_n;

	p->trickle = false;
	if (adaptive) {
		update_rate(p, n, now);
		p->cycle_pkts += n;
	}
	if (p->woken) {
		p->woken = false;
		if (n == 0) {
			p->stats->spurious_wakeups++;
			p->pending =
				false; /* a spurious wake teaches nothing */
		}
	}
	if (p->pending) {
		p->pending = false;
		if (adaptive && learning(p))
			learn_gap(p, p->pending_gap);
	}
	if (n > 0) {
		/*
		 * Work found while spinning, right after an empty poll: what
		 * the producer published in one go (not what piled up while
		 * we slept or were busy).
		 */
		if (adaptive && p->state == VSPIN_ST_SPIN) {
			p->pub_fp = ewma8(p->pub_fp, (uint64_t)n << COST_SHIFT);
			p->full_share = (uint32_t)ewma8(
				p->full_share,
				n >= p->full_burst ? FULL_ONE : 0);
		}
		/*
		 * Armed, not asleep (the lcore's other queues were busy, or
		 * this was the queue's first poll on it), and work came: the
		 * arm ends as a recheck that finds work does, and counts so.
		 */
		if (p->state == VSPIN_ST_ARMED)
			p->stats->arm_rechecks_hit++;
		/*
		 * Past a coalesced batch's first poll (the previous one found
		 * work too: not the empty poll that armed before the sleep or
		 * the recheck), a poll of less than a full burst means the
		 * backlog is gone: from here each poll finds what arrived
		 * during the last (a few entries, each poll paying its fixed
		 * cost) and the queue can stay busy at a load it could sleep
		 * through. Hold the next poll instead: its empty report starts
		 * the idle period, whose batch counts the entries left in the
		 * ring.
		 */
		if (adaptive && p->regime == VSPIN_RG_COALESCE &&
		    p->state == VSPIN_ST_POLL && prev_n > 0 &&
		    n < p->full_burst)
			p->trickle = true;
		if (p->state != VSPIN_ST_POLL) {
			/* A gap that ended while spinning: its length is known. */
			if (adaptive && p->state == VSPIN_ST_SPIN &&
			    learning(p))
				learn_gap(p, now - p->idle_since);
			end_idle(p, now);
		}
		p->state = VSPIN_ST_POLL;
		return false;
	}
	switch (p->state) {
	case VSPIN_ST_POLL:
		p->state = VSPIN_ST_SPIN;
		p->idle_since = now;
		p->empty_polls = 1;
		if (adaptive) {
			follow_costs(p);
			plan_idle(p);
		}
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
		return now - p->idle_since >= p->window;
	case VSPIN_MODE_ADAPTIVE:
		if (p->regime == VSPIN_RG_COALESCE)
			return !p->probing ||
			       now - p->idle_since >= p->wake_cpu;
		return now - p->idle_since >= (p->regime == VSPIN_RG_BUSY ?
						       busy_window(p) :
						       p->window);
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
		/*
		 * A gap that ended between the arm and the recheck: its length
		 * is known. Left out, only the gaps that slept would teach, and
		 * a window once at 0 (after idle timeouts) would stay there.
		 */
		if (p->conf.mode == VSPIN_MODE_ADAPTIVE && learning(p))
			learn_gap(p, now - p->idle_since);
		end_idle(p, now);
		p->state = VSPIN_ST_POLL;
		return;
	}
	p->state = VSPIN_ST_ARMED;
	p->armed_at = now;
}

/*
 * C as batches cost it: the thread's CPU from one sleep to the next, less
 * the work of the entries taken in between (their count times the cost
 * of an entry, u's), where every idle period in between coalesced
 * without a probe (a spin's polls are not a wake-up's cost). That is the
 * wake-up's whole cost: both halves of the block, the arm, the recheck,
 * the polls and the cold ring. Learnt within one and two rounds: priced
 * at two rounds, a short budget on the Intel VM spun through half its
 * idle periods where a batch paid (bench/README-adaptive.md, "Short
 * budgets learn from their wake-ups"). Never above the start-up price,
 * which stays the ring's and the full-burst rule's margin (plan_idle()):
 * a thread whose other queues' work falls in the interval reads too high
 * and keeps it.
 */
static void
learn_wake_cpu(struct vspin_policy *p, uint64_t cpu_ns)
{
	if (p->cycle_cpu != 0 && p->cycle_clean && cpu_ns > p->cycle_cpu) {
		uint64_t c = vspin_ns_to_cycles(cpu_ns - p->cycle_cpu, p->hz);
		uint64_t work = (p->cycle_pkts * p->pkt_cost) >> COST_SHIFT;

		c = c > work ? c - work : 0;
		p->wake_learnt = ewma8(p->wake_learnt, wake_within(p, c));
		p->stats->wake_cpu_cycles = p->wake_learnt;
	}
	p->cycle_cpu = cpu_ns;
	p->cycle_pkts = 0;
	p->cycle_clean = true;
}

void
vspin_policy_sleep(struct vspin_policy *p, uint64_t now, uint64_t cpu_ns)
{
	if (p->conf.mode == VSPIN_MODE_ADAPTIVE)
		learn_wake_cpu(p, cpu_ns);
	p->stats->sleeps++;
	end_idle(p, now);
	p->state = VSPIN_ST_SLEEP;
	p->slept_at = now;
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
	if (p->conf.mode == VSPIN_MODE_ADAPTIVE) {
		/*
		 * The gap lasted from the start of the idle period to the
		 * producer's publish, about B before we woke; a timeout is a
		 * long gap. Learnt at the next poll, unless that poll shows a
		 * spurious wake-up. Another queue's wake-up says nothing.
		 */
		/*
		 * A wake-up stamped before the idle period began (a TSC read
		 * on another CPU, behind this one's) teaches nothing: the
		 * difference would wrap to the largest lateness there is.
		 */
		bool known = now >= p->idle_since;
		uint64_t g = known ? now - p->idle_since : 0;

		if (p->regime == VSPIN_RG_COALESCE && why != VSPIN_WAKE_OTHER &&
		    known) {
			uint32_t woke =
				why == VSPIN_WAKE_NOTIFIED ? FULL_ONE : 0;

			learn_late(p, g, true);
			/* How often a nap's producer pays N (plan_idle()). */
			if (p->timer_wakes)
				p->nap_notified =
					(7 * p->nap_notified + woke) / 8;
		}
		p->pending_gap =
			why == VSPIN_WAKE_TIMEOUT ?
				UINT64_MAX :
				(g > p->sleep_cost ? g - p->sleep_cost : 0);
		/* A timeout's gap is long whatever the stamps say. */
		p->pending = why != VSPIN_WAKE_OTHER &&
			     (known || why == VSPIN_WAKE_TIMEOUT);
	}
	/* The sleep is not spin time: the next idle period starts afresh. */
	p->empty_polls = 0;
	p->state = VSPIN_ST_POLL;
	p->woken = why == VSPIN_WAKE_NOTIFIED;
}

void
vspin_policy_reset(struct vspin_policy *p)
{
	p->cycle_cpu = 0; /* awake without a sleep: no sample of C */
	p->empty_polls = 0;
	p->woken = false;
	p->pending = false;
	p->state = VSPIN_ST_POLL;
}

void
vspin_policy_idle_ended_unseen(struct vspin_policy *p, uint64_t now)
{
	if (p->state != VSPIN_ST_SPIN)
		return;
	end_idle(p, now);
	p->state = VSPIN_ST_POLL;
}

void
vspin_ovs_nap_polled(uint32_t *nap_us, unsigned int n)
{
	/* OVS 3.1: a poll of half a burst (16) or more ends the naps. */
	if (n >= 16)
		*nap_us = 0;
}

uint32_t
vspin_ovs_nap_pass_end(uint32_t *nap_us, uint32_t max_us)
{
	uint32_t nap = *nap_us < max_us ? *nap_us : max_us;

	/* Then the next pass's nap grows by 1 us, up to the maximum. */
	*nap_us = nap < max_us ? nap + 1 : max_us;
	return nap;
}
