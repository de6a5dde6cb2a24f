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
 *   poll          never arms: stock DPDK behaviour, 100% CPU
 *   notify        arms on the first empty poll: the pathological baseline
 *   budget:N      arms after N consecutive empty polls
 *   spin:US       arms after US microseconds without work
 *   adaptive      the rule below
 *   ovs_sleep:US  OVS-DPDK 3.1's pmd-maxsleep rule, for comparison: never
 *                 arms; the polling thread naps (a timed sleep,
 *                 notifications off) once per pass over its queues, for a
 *                 time that grows by 1 us per pass, up to US, and drops
 *                 to 0 in a pass where a poll found 16 packets or more
 *                 (lib/dpif-netdev.c, pmd_thread_main(), OVS 3.1; here
 *                 ring entries: a mergeable packet's buffers count one
 *                 each),
 *                 with OVS's PMD timer slack of 1 us (vspin_sleeper.c).
 *
 * Adaptive rule: what a sleep costs, and when to pay it.
 *
 *   B  the cost of one sleep, measured on the running machine unless
 *      sleep_cost_us is given: the larger of the latency an eventfd
 *      wake-up across CPUs adds (vspin_sleep_cost_ns()) and the CPU one
 *      sleep-and-wake round burns in the sleeping thread
 *      (vspin_sleep_cpu_ns()): at start-up the quickest of four tries
 *      30 ms apart, the sleeping thread on each CPU in turn (the
 *      caller's may be a peer's busy lcore's), each read from the
 *      sleeping thread's half of its rounds alone (the helper's CPU may
 *      be the peer's busy lcore: vspin_wake_rounds.h); then one try 1,
 *      2, 4, ... 512 s later, and a queue takes up a quicker one at the
 *      start of its next idle period (a slow moment at start-up would
 *      otherwise set B, C, N and M for the process's life).
 *   C  the CPU one wake-up costs a PMD: twice the measured CPU of one
 *      sleep-and-wake round (vspin_sleep_cpu_ns(), 5-10 us on the
 *      project's first machines, 12-18 on a later one): in a PMD the
 *      arm, the recheck, a cold ring and a coalescing sleep's bound come
 *      on top (about 11 us measured at 1% load on one machine; on another
 *      the bound's timer alone cost 16-21 us a sleep, set for each sleep,
 *      and a whole coalesced wake-up 28-74 us, bench/README-adaptive.md).
 *      That is C's start-up price, and the margin of the ring's room and
 *      the full-burst rule; what prices a batch is C as batches cost it,
 *      learnt from the thread's CPU time between two sleeps less the
 *      entries' work, within one and two rounds (on the Intel VM twice
 *      a round read 28-46 us, where batches taught 13-30).
 *      rx_qN_wake_cpu_us shows C as learnt. B is a latency, not what a
 *      sleep costs in CPU, and pricing the one as the other made the
 *      queue sleep after every other packet at 1% load.
 *   N  the CPU a notification costs its producer: an eventfd write that
 *      wakes a thread on another CPU, measured with B (vspin_notify_cost_ns(),
 *      1.5-1.6 us on the project's VMs).
 *   M  the CPU a coalescing sleep pays to move its bound's timer, measured
 *      with B as what a round costs more when it first moves a timerfd's
 *      expiry 10C ahead (vspin_bound_cost_ns()): near nothing where the
 *      timer is cheap, 14-16 us on a VM where each such call costs 7-11
 *      us (bench/data/issue10-timer-cost-20261201/).
 *   L  latency_us: the extra latency the user accepts for the first packet
 *      of a batch in exchange for CPU. By default the queue plans batches
 *      of 10 (C + M) (at least 3B): one wake-up per batch, and at most
 *      one move of its bound, then cost about a tenth of a core, and L is
 *      what that costs in latency: 10 (C + M), plus D99p - B when
 *      wake-ups come later than B (rx_qN_latency_us shows it as it
 *      moves).
 *   r  the arrival rate, an average over the last few hundred
 *      microseconds, sleeps included (ring entries per cycle: a packet
 *      is one entry but with mergeable rx buffers, one per buffer; K is
 *      in entries too, and the code's "packets" are these entries).
 *   u  the busy fraction, r times the cost of an entry: what a poll that
 *      found entries takes, up to the next poll, beyond an empty poll,
 *      per entry (per rate window, averaged over the last few).
 *   D  how late a coalesced batch's wake-up comes after it was due (the
 *      nap's end, or the K-th entry or the bound): the 95th percentile of
 *      the last few hundred batches, tracked one step at a time
 *      (learn_late()); it keeps room
 *      in the ring. D99, the 99th percentile, tracked the same way, is
 *      what a nap's room must outlast. D99p is D99 as the packets see
 *      it, each wake-up weighing waited / planned batches (a batch that
 *      woke late holds that many more packets), the larger of a
 *      histogram's of the last thousand or two batches and a slow
 *      tracker's: what the latency budget
 *      allows for, L bounding the packets' 99th percentile. On an AMD VM
 *      whose wake-ups had a tail of milliseconds, D99 was 290-440 us and
 *      the packets' p99 0.5-8 ms at 1% and 10% load.
 *
 * At the first empty poll of an idle period the queue picks one of three
 * regimes:
 *
 * 1. Coalescing, when K = min(r * S, ring/2, ring - r * D - ring/8) >= 2
 *    (what arrives while the wake-up is late, and a burst, must still fit
 *    in the ring) and the batch pays: (1 - u) (K / r + E) >= C + N
 *    (a nap's N weighted by how often one is notified: below), E
 *    how late the wake-up comes most times (the least of D as wake-ups
 *    taught it, its decay aside, B and a nap's measured overshoot: the
 *    queue is away that long too; 0 where the ring, not the budget,
 *    bounds K), or its
 *    cycle saves an eighth of a core (below),
 *    with S = min(L, L + B - D99p) the span a batch is planned for:
 *    packets come faster than the latency budget lets us wait for each,
 *    so spinning through the gaps would keep the core busy however light
 *    the load (the old failure: 98% CPU at 1% load). Instead the queue
 *    arms at once and sleeps for one batch. Its wake-up is a timer
 *    where one can be (a nap): with EVENT_IDX the nap lasts up to S,
 *    shortened so that the ring's room (ring - ring/8 - r * D) holds
 *    what arrives until the timer fires, late by its measured overshoot
 *    (vspin_nap_overshoot_ns(), with the 1 us timer slack a sleeping
 *    lcore gets) or by D if the naps came later, and the event index
 *    goes to the room's end: only a burst, or a timer later than that,
 *    brings a notification (naps to the ring's half, as before
 *    2026-12-05, took half as many wake-ups again where the ring bounds
 *    the batch: at 10% load on the Intel VM a median of 19.1-23.6% of a
 *    core per sweep against 15.7-19.4%; bench/README-adaptive.md, "Naps
 *    to the ring's room").
 *    Without EVENT_IDX the nap lasts up to K / r and only half the ring
 *    holds it: no index catches a late timer. Where the room (the half
 *    without EVENT_IDX) fills sooner than that lateness and C, or with
 *    EVENT_IDX sooner than D99 and C (the index at the room's end leaves
 *    no margin past D: naps taken on less at half the load raised D and
 *    cost the Intel VM's guest 5 points of a core), the event
 *    index goes K entries ahead (Linux's virtqueue_enable_cb_delayed
 *    does the same) and the producer's notification comes with the
 *    K-th entry, the sleep bounded by S. On the project's VMs the
 *    timer won where both could serve: a batch woken by its timer cost
 *    the consumer 21-24 us of CPU against 35-41 us for one woken by a
 *    notification (an IPI to a halted vCPU), and its producer no syscall
 *    (at 1% load, latency_us=100: 23-28% of a core against 41-44%, and
 *    48 notifications per million packets against 56,748;
 *    bench/README-adaptive.md, "The timer wakes a batch"). Either way
 *    one wake-up per batch: a batch's first packet waits about
 *    K / r <= S, plus D99p for the
 *    wake-up: at most L + B for 99% of the packets, the bound the user
 *    traded for. A notified batch's bound S only ends one whose rate
 *    dropped; kept on a timer set for an earlier sleep, it may end one
 *    anywhere between K / r and S (vspin_deadline.h). CPU then follows
 *    the load: per batch, one wake-up and K packets. After the wake-up
 *    the queue takes its batch in full bursts, and the first poll of
 *    less than 16 entries (FULL_BURST; or than the caller's burst size,
 *    if smaller: vspin_policy_burst()) past the batch's first says the
 *    backlog is gone: from there each poll would find what arrived
 *    during the last, a few entries each paying what a poll costs
 *    beyond them (in net_vhost_spin's dequeue 300 ns for a poll of one
 *    entry, against 38 ns an entry in full bursts): at half the load
 *    that round cost our host some 6 points of a core
 *    (bench/README-adaptive.md, "A drained batch ends at once"). So the
 *    PMD holds its next poll (vspin_sleeper_holds()): it reports no
 *    entries, the idle period starts, and the next batch's K entries
 *    count those left in the ring. The second condition asks
 *    the time the batch leaves the consumer idle to pay for the
 *    wake-up and, for a batch its K-th entry wakes, for the producer's
 *    notification (N; a nap's index sits at the room's end, so its
 *    producer is notified only when a burst or a late timer reaches it:
 *    a nap pays N times the share of recent naps a notification woke,
 *    an average of weight 1/8 that halves every 256 ms without a nap.
 *    Priced N in full, a short budget polled on the Intel VM, where N is
 *    14-15 us, at loads where OVS's rule naps; priced none, at half the
 *    load nine naps in ten ended on the index; bench/README-adaptive.md,
 *    "A nap pays for the notifications it brings"): a consumer barely
 *    faster than its producer (at
 *    saturation) would save nothing by sleeping, and would cost the
 *    producer a notification per batch, a syscall taken from its
 *    throughput. That per-batch account undercounts a busy consumer's
 *    saving: the wake-up's CPU and the processing overlap the entries
 *    that keep arriving, so a sleep of s = K / r + E starts a cycle of
 *    (s + C) / (1 - u) in which the consumer works (u s + C) / (s + C)
 *    instead of all of it. So a batch whose sleep covers the wake-up
 *    (s >= C + N, a nap's N weighted as above) also coalesces when that
 *    cycle saves an eighth of a core or more, (1 - u) s >= (s + C + N) /
 *    8: a host consumer busy
 *    about 0.7 by its estimate at half the load, the ring bounding K to
 *    half of 1024 entries, then sleeps instead of polling (63% of a core
 *    against 99% at 9.5 Mpps, bench/README-adaptive.md, "A batch's
 *    cycle"). Without EVENT_IDX (a stock virtio_user
 *    producer) nothing can be armed ahead: the queue stays quiet and
 *    takes the same nap, and none where the ring's half fills sooner
 *    than the timer's lateness and C: a nap that let the ring fill
 *    stalled a stock producer at saturation.
 *
 * 2. Spin then sleep (ski rental), at low rates (K < 2; with latency_us
 *    given, fewer than two entries within L too): the queue spins
 *    for a window W, then arms for the next entry (K = 1) and sleeps up to
 *    sleep_max_us. Every idle gap g teaches it, whether it ended in a spin
 *    or in the recheck after arming (g known) or in a sleep woken by a
 *    notification (g about the wake time less B); timeouts count as long
 *    gaps, and a spurious wake-up (a notification, then nothing to read)
 *    teaches nothing. The gaps go into a decayed histogram of four
 *    classes, [0, B/4), [B/4, B/2), [B/2, B) and [B, inf), and W is the
 *    candidate of {0, B/4, B/2, B} that minimises the expected cost
 *    sum(weight(g) * cost(g, W)), with cost(g, W) = g if g < W (spun
 *    through) and W + B otherwise (spun, then paid a sleep). With no
 *    history W = B. W never exceeds B: B is the break-even point, and
 *    spinning up to B before sleeping costs at most twice the hindsight
 *    optimum min(g, B) on any gap (the classic 2-competitive bound); a
 *    learned W below B trades that worst-case bound for a lower expected
 *    cost on the gaps actually seen.
 *
 * 3. Near saturation, when K >= 2 but the batch does not pay (the ring
 *    bounds K, or the consumer is nearly always busy, and a batch leaves
 *    it idle for less than a wake-up's CPU and saves less than an eighth
 *    of a core over its cycle), or when the producer publishes full
 *    bursts back to back: 16 entries or more (OVS reads a poll of 16
 *    packets or more as a busy PMD) in half or more of the polls that
 *    find work right after an empty one, one burst sooner than 2 (C +
 *    N). Half, not an average size: a paced producer catches up in full
 *    bursts after a stall, and at half the load 12-16% of its
 *    publications were full, enough to lift an average past 16.
 *    Such a producer runs flat out, and the rate and u cannot tell it: a
 *    consumer four times faster than its producer finds a batch of K
 *    leaving it as idle at saturation as at half the load, and coalesced,
 *    one notification per batch out of the producer's throughput
 *    (bench/README-adaptive.md, v19). A coalescing queue arms at once and
 *    sees no such poll, so one of its idle periods in 16 spins first
 *    until work comes (at most C), at rates where that can matter. No
 *    gap shorter than C is worth a sleep at this rate either, and a
 *    notification now costs a producer that has no time to spare. The
 *    queue spins max(L, 1 ms), then arms for the next entry (K = 1) and
 *    sleeps up to sleep_max_us: it sleeps when the producer stops, not
 *    when it hiccups. The window learnt at low rates (often 0 after idle
 *    timeouts) would have it arm on every brief dry-out of a producer
 *    running flat out, and a spin of C still sleeps through its hiccups,
 *    one notification each: on the project's VMs a vCPU stalls for tens
 *    to hundreds of microseconds (bench/wake_tail's tail). A queue whose
 *    load stops at once spins 1 ms more before its first sleep.
 *    These gaps teach nothing.
 *    With latency_us given, the queue spins so too where two or more
 *    entries arrive within L but the wake-ups' tail (D99p) leaves a span
 *    too short for a batch of two (budget_past_tail()): regime 2's
 *    sleeps, one per gap longer than its window, came as late and took
 *    the packets' p99 to milliseconds on a VM with such a tail.
 *    A queue that polls reads u from polls of an entry or two, each
 *    paying what a poll that finds work costs beyond an empty one: u
 *    comes out several times what a batch costs it (0.27-0.49 against
 *    0.04-0.18 at a tenth of the load, bench/README-adaptive.md), and it
 *    would poll on; and a queue that does not sleep keeps C where it
 *    was. So once every 16 ms, where a batch would pay at half as much
 *    idle time again (where the ring bounds K, with C as low as it can
 *    be learnt, half its start-up price), and the producer's bursts are
 *    not full, it coalesces two idle periods in a row: the batch after
 *    the first wake-up teaches u as batches cost it, the cycle between
 *    the two sleeps C.
 *
 * Rate and histogram decay: each idle gap is one sample, old ones weigh
 * 7/8 per new sample; the rate is re-estimated over windows of at least
 * 64 us that end on a poll that found packets (or after 1 ms without),
 * old estimates weighing 3/4, and u with it; the cost of an empty poll
 * weighs the past 7/8 per poll, that of a packet 7/8 per window, and a
 * producer's publication (the work a poll right after an empty one finds)
 * 7/8 per such poll. D starts at B (S = L) and moves by B/16 up for a
 * wake-up later than D, by a nineteenth of that down otherwise (and per
 * rate window without a coalesced wake-up): it settles where 1 in 20 is
 * later. D99 moves by B/4 up, a ninety-ninth of that down: 1 in 100.
 * D99p is the larger of two estimates of the same weighted quantile, each
 * wake-up weighing the batches it held (at most 64):
 * a histogram of the wake-ups' lateness (four classes a doubling, a rate
 * window without one a punctual batch), halved once it holds 2048
 * batches, which learns a tail within a second and forgets it as fast;
 * and steps as D99's, times the weight, which take seconds to climb
 * to it and as long to come down. The packets' tail on a VM is a few
 * wake-ups milliseconds late a second: the steps alone missed it in 2 s
 * runs, the histogram alone forgot it between stalls in 10 s runs
 * (bench/README-adaptive.md, "D99p: the faster of two trackers up, the
 * slower down").
 */
#ifndef VSPIN_POLICY_H
#define VSPIN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vspin_sleep_cost.h"
#include "vspin_stats.h"

#ifndef VSPIN_DEFAULT_SPIN_US
#define VSPIN_DEFAULT_SPIN_US 20 /* meson option default_spin_us */
#endif
#define VSPIN_DEFAULT_BUDGET 20		 /* the 2013 QEMU patch */
#define VSPIN_DEFAULT_SLEEP_MAX_US 10000 /* l3fwd-power's bound */
#define VSPIN_MAX_US 1000000u		 /* upper bound of any time knob */
#define VSPIN_OVS_MAX_US 10000u		 /* OVS caps pmd-maxsleep there */
#define VSPIN_BUDGET_MAX 1000000000u	 /* empty polls of budget:N */
#define VSPIN_BUSY_SPIN_US 1000u	 /* adaptive near saturation */

enum vspin_mode {
	VSPIN_MODE_POLL,
	VSPIN_MODE_NOTIFY,
	VSPIN_MODE_BUDGET,
	VSPIN_MODE_SPIN,
	VSPIN_MODE_ADAPTIVE,
	VSPIN_MODE_OVS_SLEEP,
};

/* Adaptive: the regime of the current idle period (vspin_policy.h, top). */
enum vspin_regime {
	VSPIN_RG_SPIN,	   /* 2: spin a learnt window, then K = 1 */
	VSPIN_RG_COALESCE, /* 1: arm at once, nap K / r or sleep to K */
	VSPIN_RG_BUSY,	   /* 3: near saturation, spin max(L, 1 ms) */
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
	uint32_t latency_us;	/* adaptive: L (0: 10 x a wake-up's CPU) */
	uint32_t nap_max_us;	/* ovs_sleep: the longest nap */
	uint32_t ring_size; /* entries of the ring (K <= half); 0: unknown */
	bool timed_naps;    /* no EVENT_IDX: every batch is a timed nap */
};

/* Classes of the adaptive rule's gap histogram (in units of B). */
#define VSPIN_GAP_CLASSES 4
/*
 * Classes of D99p's histogram (vspin_policy.c, late_class()): four a
 * doubling of 256 cycles, up to 2^34 cycles (seconds on any TSC).
 */
#define VSPIN_LATE_CLASSES (26 * 4)

struct vspin_policy {
	struct vspin_policy_conf conf;
	struct vspin_stats *stats;
	enum vspin_state state;
	uint64_t hz;
	uint64_t window; /* cycles: spin and adaptive */
	uint64_t sleep_cost;
	uint64_t idle_since; /* first empty poll of this idle period */
	uint64_t armed_at;
	uint64_t slept_at;
	uint32_t empty_polls;
	bool woken; /* a notification woke us; the next poll tells if spurious */
	bool trickle; /* the batch is drained: hold the next poll */

	/* What the caller does when it arms (set when poll says arm). */
	uint16_t arm_k;	   /* event index this many entries ahead (a nap:
			    * as far as the ring has room) */
	uint32_t sleep_us; /* bound of the coming sleep */
	/*
	 * ... and how long it should last: a bound kept from an earlier
	 * sleep may end it anywhere between the two (vspin_deadline.h).
	 */
	uint32_t sleep_min_us;
	/*
	 * The sleep's timer is its wake (a nap), not a bound that the
	 * notification normally beats: the sleeper gives it to the wait
	 * itself rather than to a timer kept across sleeps.
	 */
	bool timer_wakes;

	/* Adaptive. */
	uint64_t latency;      /* cycles: L */
	uint64_t default_span; /* cycles: 10 (C + M), without latency_us */
	uint64_t wake_cpu;     /* cycles: C as priced at start-up (2 rounds) */
	uint64_t wake_learnt;  /* cycles: C as batches cost it */
	uint64_t cycle_cpu;    /* thread CPU ns at the last sleep, or 0 */
	uint64_t cycle_pkts;   /* entries taken since */
	bool cycle_clean;      /* ... and every idle period since coalesced */
	uint64_t explored_at;  /* last idle period coalesced to re-learn u */
	bool explore_again;    /* ... the first of two in a row */
	uint64_t notify_cost;  /* cycles: what a notification costs the peer */
	uint64_t bound_cost;   /* cycles: M, moving a sleep's bound */
	uint64_t overshoot;    /* cycles: a timed nap's lateness (measured) */
	uint32_t cost_gen;     /* of the measured costs planned with */
	uint64_t rate_fp;      /* packets per 2^20 cycles, averaged */
	uint64_t rate_since;   /* start of the current rate window */
	uint64_t rate_pkts;    /* packets in it */
	uint64_t last_poll;    /* the previous poll */
	uint32_t last_n;       /* ... and what it found */
	/*
	 * A poll of this many entries is a full burst: FULL_BURST, or the
	 * caller's burst size if smaller (vspin_policy_burst()).
	 */
	uint16_t full_burst;
	uint32_t untimed;      /* polls since, not timed (needs_now()) */
	uint64_t poll_cost;    /* cycles x 16 of an empty poll, averaged */
	uint64_t work;	       /* cycles x 16 processing packets, this window */
	uint64_t work_pkts;    /* ... and how many */
	uint64_t pkt_cost;     /* cycles x 16 to process a packet, averaged */
	uint32_t util_fp;      /* busy fraction r x pkt_cost, 1.0 = 65536 */
	uint64_t pub_fp;       /* entries x 16 a producer publishes at once */
	uint32_t full_share;   /* ... in full bursts, 1.0 = 256 (averaged) */
	uint32_t nap_notified; /* naps a notification woke, 1.0 = 256 (avg) */
	uint64_t nap_at;       /* last nap planned, or the share halved */
	uint32_t batches;      /* coalescing idle periods, for probing */
	bool probing;	       /* this one spins for a publication first */
	uint64_t late;	       /* cycles: a coalesced wake's lateness, p95 */
	uint64_t late_tail;    /* ... and its 99th percentile (D99) */
	uint64_t late_pkts;    /* D99p: D99 as the packets see it */
	uint64_t late_pkts_slow; /* ... from steps (learn_late()) */
	uint64_t late_taught;	 /* D from wake-ups alone (no decay) */
	uint64_t planned;	 /* cycles: this coalescing sleep's span */
	bool late_sampled;	 /* a coalesced wake-up taught D this window */
	uint32_t hist[VSPIN_GAP_CLASSES]; /* decayed weights, 1.0 = 256 */
	uint64_t pending_gap; /* a sleep's gap, learnt at the next poll */
	bool pending;
	enum vspin_regime regime; /* of this idle period */

	/* D99p's samples (lateness classes), weighted as late_weight(). */
	uint32_t late_hist[VSPIN_LATE_CLASSES];
	uint32_t late_hist_sum; /* ... of every class */
	uint32_t late_hist_top; /* no sample above this class */
};

/* The defaults: mode poll, budget 20, spin_us 20, sleep_max_us 10000. */
void vspin_policy_conf_default(struct vspin_policy_conf *c);

/*
 * Parse a mode: "poll", "notify", "budget" or "budget:N", "spin" or
 * "spin:US", "adaptive", "ovs_sleep" or "ovs_sleep:US". Fills c->mode
 * and, when given, c->budget, c->spin_us or c->nap_max_us. Returns 0, or
 * -1 with a message naming the problem in err.
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
 * when absent: spin_mode, spin_us, sleep_max_us, latency_us. Starts from the
 * defaults. spin_us alone means spin_mode=spin; with spin:US both must
 * agree; with adaptive it is the first window (absent: the measured sleep
 * cost). Returns 0, or -1 with a message naming the key and value in err.
 */
int vspin_policy_conf_parse(struct vspin_policy_conf *c, const char *mode,
			    const char *spin_us, const char *sleep_max_us,
			    const char *latency_us, char *err, size_t errlen);

/* Name of a mode, for logs ("spin", "budget", ...). */
const char *vspin_mode_name(enum vspin_mode m);

/*
 * hz: TSC ticks per second. stats: the queue's counters. In adaptive
 * mode without sleep_cost_us this measures B (the process's first queue:
 * vspin_sleep_cost.h).
 */
void vspin_policy_init(struct vspin_policy *p,
		       const struct vspin_policy_conf *c, uint64_t hz,
		       struct vspin_stats *stats);

/*
 * After every poll of the queue, n the entries it found. Returns true
 * when the caller must arm now: publish the event index p->arm_k entries
 * ahead (without EVENT_IDX and with K > 1: nothing, the sleep is a timed
 * nap), fence, recheck
 * (vspin_consumer_arm()), then report with vspin_policy_armed(); the
 * sleep that follows lasts at most p->sleep_us. A poll that finds work
 * while ARMED returns the queue to POLL, counted as a recheck hit: the
 * caller then disarms the ring (vspin_consumer_disarm()).
 */
bool vspin_policy_poll(struct vspin_policy *p, unsigned int n, uint64_t now);

/*
 * The caller armed; work tells whether the recheck found entries. On a
 * hit the queue is back in POLL and the caller disarms the ring.
 */
void vspin_policy_armed(struct vspin_policy *p, bool work, uint64_t now);

/*
 * The caller is about to block on the queue's eventfd (ARMED -> SLEEP).
 * cpu_ns: the thread's CPU time then (vspin_thread_cpu_ns()), or 0 if not
 * read; adaptive learns from it what a batch's wake-up costs.
 */
void vspin_policy_sleep(struct vspin_policy *p, uint64_t now, uint64_t cpu_ns);

/* Why a sleep ended. */
enum vspin_wake {
	VSPIN_WAKE_NOTIFIED, /* this queue's eventfd fired */
	VSPIN_WAKE_TIMEOUT,  /* its bound passed (sleep_us) */
	VSPIN_WAKE_OTHER,    /* another queue of the same lcore fired */
};

/* The caller is back from the block. SLEEP -> POLL; the caller disarms. */
void vspin_policy_wake(struct vspin_policy *p, enum vspin_wake why,
		       uint64_t now);

/*
 * The ring's size and whether the peer negotiated EVENT_IDX, once known
 * (when the peer attaches): K stays within half of the ring, a coalescing
 * sleep within the time K entries take, a nap with EVENT_IDX within what
 * the ring has room for, its event index at the room's end, and without
 * EVENT_IDX (a timed nap) within what half the ring holds however late
 * the timer fires. May be called from the control thread while the
 * queue's lcore polls.
 */
static inline void
vspin_policy_set_ring(struct vspin_policy *p, uint32_t entries, bool event_idx)
{
	__atomic_store_n(&p->conf.timed_naps, !event_idx, __ATOMIC_RELAXED);
	__atomic_store_n(&p->conf.ring_size, entries, __ATOMIC_RELAXED);
}

/*
 * The furthest ahead a queue arms its event index: its ring less an
 * eighth, kept for a burst that comes while the wake-up is on its way.
 * Both PMDs clamp what they arm to it; the rule keeps its naps within it.
 */
static inline uint32_t
vspin_policy_arm_max(uint32_t ring)
{
	return ring - ring / 8;
}

/*
 * Back to POLL without a sleep (blocking was disallowed, or the ring went
 * away while armed); the caller disarms the ring if it still has one.
 */
void vspin_policy_reset(struct vspin_policy *p);

/*
 * A poll the policy was not shown (blocking was disallowed) found work: an
 * idle period the policy had begun ends at now, its time counted as spun
 * but its gap not learnt (the polls in between were not seen). Without
 * this the next empty poll would find the window long spent and arm at
 * once, and learn the busy stretch as one long gap.
 */
void vspin_policy_idle_ended_unseen(struct vspin_policy *p, uint64_t now);

/*
 * ovs_sleep only. OVS keeps one sleep time per PMD thread, not per queue:
 * *nap_us is the polling thread's (vspin_sleeper.c keeps it in the
 * thread's group). After every poll of one of its queues, n the entries
 * the poll found:
 */
void vspin_ovs_nap_polled(uint32_t *nap_us, unsigned int n);

/*
 * ovs_sleep only: the thread has polled each of its queues once (a pass
 * of OVS's loop). Returns the microseconds to nap now (0: none; the nap
 * is not armed), and grows the next pass's nap.
 */
uint32_t vspin_ovs_nap_pass_end(uint32_t *nap_us, uint32_t max_us);

static inline bool
vspin_policy_armed_p(const struct vspin_policy *p)
{
	return p->state == VSPIN_ST_ARMED;
}

/*
 * Adaptive: the last idle period was spun through near saturation (the
 * queue neither coalesces nor arms for the next entry). A driver that
 * keeps fewer buffers posted while it polls posts the whole ring
 * otherwise, while it works, so that a batch finds room.
 */
static inline bool
vspin_policy_busy_p(const struct vspin_policy *p)
{
	return p->conf.mode == VSPIN_MODE_ADAPTIVE &&
	       p->regime == VSPIN_RG_BUSY;
}

/*
 * A poll that found this many entries or more is a full burst (OVS's PMD
 * threads read a poll of 16 packets or more as busy): more was waiting.
 */
#define VSPIN_POLICY_FULL_BURST 16u
/* At most this many busy polls in a row go untimed (needs_now()). */
#define VSPIN_POLICY_UNTIMED_MAX 7u

/*
 * Whether vspin_policy_poll() with n found will read its now argument:
 * not while the queue stays busy (n > 0 in POLL). adaptive times its
 * polls for the rate and the cost of a packet, but not a full burst
 * that follows a poll that found work (VSPIN_POLICY_UNTIMED_MAX in a row
 * at most; the first poll after an empty one or a sleep starts the
 * interval the next timed poll ends): that interval covers it, and the
 * clock read was most of what adaptive added to a saturated host's
 * profile (bench/README-adaptive.md, "Full bursts go untimed"). 0 passed
 * as now then says so.
 */
static inline bool
vspin_policy_needs_now(const struct vspin_policy *p, unsigned int n)
{
	if (n == 0 || p->state != VSPIN_ST_POLL)
		return true;
	return p->conf.mode == VSPIN_MODE_ADAPTIVE &&
	       (n < p->full_burst || p->last_n == 0 ||
		p->untimed >= VSPIN_POLICY_UNTIMED_MAX);
}

/*
 * Before each poll: the most the caller takes (nb_pkts). A poll can find
 * no more, so one that fills a burst under FULL_BURST is a full one too:
 * counted short, every poll of an application that takes 8 at a time
 * said the batch was drained, and the queue went back to sleep on a ring
 * nearly full.
 */
static inline void
vspin_policy_burst(struct vspin_policy *p, unsigned int nb)
{
	p->full_burst = nb != 0 && nb < VSPIN_POLICY_FULL_BURST ?
				(uint16_t)nb :
				VSPIN_POLICY_FULL_BURST;
}

#endif /* VSPIN_POLICY_H */
