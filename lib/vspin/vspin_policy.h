/* SPDX-License-Identifier: BSD-3-Clause
 * The spin policy: when a consumer that found no work stops spinning and
 * arms the event index. One instance per consumer queue; the caller owns
 * the ring and the clock and tells the policy what happened.
 *
 *   POLL --empty poll--> SPIN --policy says arm--> ARMED --sleep--> SLEEP
 *     ^                   |                          |                |
 *     +----work found-----+------recheck hit---------+-----wake-------+
 *
 * Modes (the guide lists them for users: doc/guides/nics/virtio-spin.rst):
 *   poll       never arms: stock DPDK behaviour, 100% CPU
 *   notify     arms on the first empty poll: the pathological baseline
 *   budget:N   arms after N consecutive empty polls
 *   spin:US    arms after US microseconds without work
 *   adaptive   arms after a window W learned online (below)
 *
 * Adaptive rule. Spin-then-sleep is the ski-rental problem: sleeping
 * costs B (arm, block, be kicked, be scheduled again); spinning for B
 * before sleeping costs at most twice the best choice made in hindsight,
 * whatever the gaps. So B is measured on the running machine
 * (vspin_sleep_cost_ns(), an eventfd wake-up round trip, unless
 * sleep_cost_us is given), W starts at B and stays in [Wmin, Wmax]
 * (defaults B/2 and 8B, at least 1 us), and every sleep teaches it:
 *   - woken by a notification g < 2B after arming: the producer came back
 *     within about one sleep's cost, so spinning through would have been
 *     cheaper: grow, W += W/4 + g/2;
 *   - woken g >= 16B after arming, or by the sleep_max_us timeout: the
 *     idle was long and the spin bought nothing: shrink, W -= W/8;
 *   - otherwise W stays.
 * Growth is fast and shrinking slow because an early sleep costs B of
 * latency on the next packet, while an overlong spin costs only CPU time.
 */
#ifndef VSPIN_POLICY_H
#define VSPIN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vspin_stats.h"

#ifndef VSPIN_DEFAULT_SPIN_US
#define VSPIN_DEFAULT_SPIN_US 20 /* meson option default_spin_us */
#endif
#define VSPIN_DEFAULT_BUDGET 20		 /* the 2013 QEMU patch */
#define VSPIN_DEFAULT_SLEEP_MAX_US 10000 /* l3fwd-power's bound */
#define VSPIN_MAX_US 1000000u		 /* upper bound of any time knob */

enum vspin_mode {
	VSPIN_MODE_POLL,
	VSPIN_MODE_NOTIFY,
	VSPIN_MODE_BUDGET,
	VSPIN_MODE_SPIN,
	VSPIN_MODE_ADAPTIVE,
};

enum vspin_state {
	VSPIN_ST_POLL,
	VSPIN_ST_SPIN,
	VSPIN_ST_ARMED,
	VSPIN_ST_SLEEP,
};

struct vspin_policy_conf {
	enum vspin_mode mode;
	uint32_t budget;       /* budget: empty polls before arming */
	uint32_t spin_us;      /* spin: window; adaptive: first window (0: B) */
	uint32_t sleep_max_us; /* bound on one sleep */
	uint32_t sleep_cost_us; /* adaptive: B (0: measure) */
	uint32_t min_us;	/* adaptive: Wmin (0: default) */
	uint32_t max_us;	/* adaptive: Wmax (0: default) */
};

struct vspin_policy {
	struct vspin_policy_conf conf;
	struct vspin_stats *stats;
	enum vspin_state state;
	uint64_t hz;
	uint64_t window; /* cycles: spin and adaptive */
	uint64_t win_min, win_max, sleep_cost;
	uint64_t idle_since; /* first empty poll of this idle period */
	uint64_t armed_at;
	uint64_t slept_at;
	uint32_t empty_polls;
	bool woken; /* a notification woke us; the next poll tells if spurious */
};

/* The defaults: mode poll, budget 20, spin_us 20, sleep_max_us 10000. */
void vspin_policy_conf_default(struct vspin_policy_conf *c);

/*
 * Parse a mode: "poll", "notify", "budget" or "budget:N", "spin" or
 * "spin:US", "adaptive". Fills c->mode and, when given, c->budget or
 * c->spin_us. Returns 0, or -1 with a message naming the problem in err.
 */
int vspin_policy_parse_mode(const char *s, struct vspin_policy_conf *c,
			    char *err, size_t errlen);

/*
 * Parse a time knob in microseconds (spin_us, sleep_max_us, ...): decimal,
 * in [min, VSPIN_MAX_US]. Returns 0, or -1 with a message in err.
 */
int vspin_parse_us(const char *key, const char *s, uint32_t min, uint32_t *out,
		   char *err, size_t errlen);

/*
 * The policy's devargs as both PMDs take them, each the raw value or NULL
 * when absent: spin_mode, spin_us, sleep_max_us. Starts from the
 * defaults. spin_us alone means spin_mode=spin; with spin:US both must
 * agree; with adaptive it is the first window (absent: the measured sleep
 * cost). Returns 0, or -1 with a message naming the key and value in err.
 */
int vspin_policy_conf_parse(struct vspin_policy_conf *c, const char *mode,
			    const char *spin_us, const char *sleep_max_us,
			    char *err, size_t errlen);

/* Name of a mode, for logs ("spin", "budget", ...). */
const char *vspin_mode_name(enum vspin_mode m);

/*
 * hz: TSC ticks per second. stats: the queue's counters. In adaptive
 * mode without sleep_cost_us this measures B (once per process).
 */
void vspin_policy_init(struct vspin_policy *p,
		       const struct vspin_policy_conf *c, uint64_t hz,
		       struct vspin_stats *stats);

/*
 * After every poll of the queue, n the entries it found. Returns true
 * when the caller must arm now: publish the event index, fence, recheck
 * (vspin_consumer_arm()), then report with vspin_policy_armed(). A poll
 * that finds work while ARMED returns the queue to POLL: the caller then
 * disarms the ring (vspin_consumer_disarm()).
 */
bool vspin_policy_poll(struct vspin_policy *p, unsigned int n, uint64_t now);

/*
 * The caller armed; work tells whether the recheck found entries. On a
 * hit the queue is back in POLL and the caller disarms the ring.
 */
void vspin_policy_armed(struct vspin_policy *p, bool work, uint64_t now);

/* The caller is about to block on the queue's eventfd (ARMED -> SLEEP). */
void vspin_policy_sleep(struct vspin_policy *p, uint64_t now);

/* Why a sleep ended. */
enum vspin_wake {
	VSPIN_WAKE_NOTIFIED, /* this queue's eventfd fired */
	VSPIN_WAKE_TIMEOUT,  /* sleep_max_us passed */
	VSPIN_WAKE_OTHER,    /* another queue of the same lcore fired */
};

/* The caller is back from the block. SLEEP -> POLL; the caller disarms. */
void vspin_policy_wake(struct vspin_policy *p, enum vspin_wake why,
		       uint64_t now);

/*
 * Back to POLL without a sleep (blocking was disallowed, or the ring went
 * away while armed); the caller disarms the ring if it still has one.
 */
void vspin_policy_reset(struct vspin_policy *p);

static inline bool
vspin_policy_armed_p(const struct vspin_policy *p)
{
	return p->state == VSPIN_ST_ARMED;
}

/*
 * Cost of one sleep on this machine, in ns: half the median round trip of
 * two threads on different CPUs waking each other through eventfds,
 * within [2 us, 200 us]. Measured once per process (a few ms), then
 * cached.
 */
uint64_t vspin_sleep_cost_ns(void);

#endif /* VSPIN_POLICY_H */
