/* SPDX-License-Identifier: BSD-3-Clause
 * Two-process ring test (suite 'twoproc'): a driver process and a device
 * process share a split ring through memfd; the device runs the spin
 * policy in the given mode and sleeps on the kick eventfd. The run must
 * deliver every packet exactly once, in order, intact, with no lost
 * wake-up in either direction, and counters that obey the invariants
 * derived below. Options: the harness's (VSPIN_PAIR_OPTIONS_HELP), and
 * --expect-lost-wakeups for the negative test: the same program linked
 * with the harness built without the consumer's fence and recheck must
 * see lost wake-ups (every other check still has to pass).
 *
 * Workload by default: ring 256, random bursts 1..32, after 4% of the
 * bursts a random gap of 0..200 us, shorter and longer than the spin
 * windows of budget:20 (~1 us), spin:20 and adaptive (B is 16-30 us here,
 * its window at most 8B); bursts without a gap make notify and budget arm
 * while the producer publishes. The
 * producer sleeps on the call eventfd when the ring is full (prod-wait
 * spin:5), so the used direction's handshake is tested too, except in
 * poll mode, where the exact notification counts are checked instead.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vspin_handshake.h"
#include "vspin_pair.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||     \
	__has_feature(undefined_behavior_sanitizer)
#define SANITIZED 1
#endif
#endif

#ifdef SANITIZED
#define DEFAULT_PACKETS 200000 /* seconds under the sanitizers */
#else
#define DEFAULT_PACKETS 10000000
#endif

static int failures;

static void check(int ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("  ok   %s\n", what);
		return;
	}
	failures++;
	printf("  FAIL %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/*
 * Notifications a producer sends for a stale event index: none. A quiet
 * consumer moves its event index out of the way every few thousand
 * entries (vspin_consumer_keep_quiet()), on rings up to
 * VSPIN_QUIET_MAX_RING; on larger ones the producer crosses the stale
 * index once per 65536 entries. Without EVENT_IDX the NO_NOTIFY flag
 * silences every one.
 */
static uint64_t
lap_notifies(uint64_t packets, bool event_idx, uint32_t ring)
{
	return event_idx && ring > VSPIN_QUIET_MAX_RING ? packets / 65536 : 0;
}

/*
 * The consumer of one direction, s its counters, notifies the count of
 * notifications its producer sent it.
 */
static void
check_direction(const char *who, const struct vspin_stats *s, uint64_t notifies,
		bool sleeps, bool timed_batches, bool event_idx,
		uint64_t packets, uint32_t ring)
{
	char what[128];
	unsigned long long arms = s->arms, hit = s->arm_rechecks_hit,
			   sl = s->sleeps, wk = s->wakeups,
			   to = s->sleep_timeouts, sp = s->spurious_wakeups,
			   n = notifies;

	/*
	 * Every arm found work before a sleep (at the recheck, or at a poll
	 * while armed: the first poll never sleeps) or slept.
	 */
	snprintf(what, sizeof(what), "%s: arms == rechecks_hit + sleeps", who);
	check(arms == hit + sl, what,
	      "arms %llu, rechecks_hit %llu, sleeps %llu", arms, hit, sl);
	/* Every sleep ends by a notification or by the timeout. */
	snprintf(what, sizeof(what), "%s: sleeps == wakeups + timeouts", who);
	check(sl == wk + to, what, "sleeps %llu, wakeups %llu, timeouts %llu",
	      sl, wk, to);
	snprintf(what, sizeof(what), "%s: spurious wakeups <= wakeups", who);
	check(sp <= wk, what, "spurious %llu, wakeups %llu", sp, wk);
	/* A notified wake-up drains at least one eventfd write. */
	snprintf(what, sizeof(what), "%s: wakeups <= notifications sent", who);
	check(wk <= n, what, "wakeups %llu, notifications %llu", wk, n);
	/*
	 * Sleeps, none ended by a notification: the sleeper waits on
	 * something the kicks never reach (the timeout alone delivered the
	 * packets; with the tests' 1 s bound, ten such take 10 s, well
	 * within the run's bound). Not adaptive, whose batches may all end
	 * by their own timer under steady load.
	 */
	if (sl >= 10 && !timed_batches) {
		snprintf(what, sizeof(what), "%s: notifications end sleeps",
			 who);
		check(wk > 0, what, "sleeps %llu, wakeups 0, timeouts %llu", sl,
		      to);
	}
	if (!sleeps) {
		uint64_t want = lap_notifies(packets, event_idx, ring);

		snprintf(what, sizeof(what), "%s: never armed, never slept",
			 who);
		check(arms == 0 && sl == 0, what, "arms %llu, sleeps %llu",
		      arms, sl);
		snprintf(what, sizeof(what),
			 "%s: notifications == %" PRIu64 " (never armed)", who,
			 want);
		check(n == want, what, "%llu notifications", n);
		return;
	}
	if (event_idx) {
		/*
		 * The producer crosses each value an arm writes at most once
		 * (and the initial one), and the quiet consumer's moves never
		 * (lap_notifies()). So at most one notification per arm, and
		 * one more.
		 */
		unsigned long long bound =
			arms + 1 + lap_notifies(packets, event_idx, ring);

		snprintf(what, sizeof(what),
			 "%s: notifications <= arms + 1 (+ laps)", who);
		check(n <= bound, what, "%llu notifications, bound %llu", n,
		      bound);
	}
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [options]\n"
		"  --expect-lost-wakeups  pass only if lost wake-ups are seen\n"
		"                       (the build with the recheck compiled "
		"out)\n"
		"%s",
		prog, VSPIN_PAIR_OPTIONS_HELP);
}

int
main(int argc, char **argv)
{
	struct vspin_pair_conf c;
	struct vspin_pair_result r;
	bool cons_sleeps, prod_sleeps, expect_lost = false;
	char err[160];
	int i;

	vspin_pair_conf_default(&c);
	c.packets = DEFAULT_PACKETS;
	c.burst = 32;
	c.burst_random = true;
	c.gap = VSPIN_PAIR_GAP_UNIFORM;
	c.gap_min_ns = 0;
	c.gap_max_ns = 200000;
	c.gap_pct = 4;
	c.prod_policy.mode = VSPIN_MODE_SPIN;
	c.prod_policy.spin_us = 5;
	c.timeout_s = 200; /* generous: neighbours may share the CPUs */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int ret;

		if (strcmp(a, "--expect-lost-wakeups") == 0) {
			expect_lost = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
			usage(argv[0]);
			return 2;
		}
		ret = vspin_pair_set_option(&c, a + 2, argv[i + 1], err,
					    sizeof(err));
		if (ret != 0) {
			if (ret > 0)
				snprintf(err, sizeof(err), "unknown option %s",
					 a);
			fprintf(stderr, "%s\n", err);
			usage(argv[0]);
			return 2;
		}
		i++;
	}
	/* Poll mode checks the exact counts of a ring nobody arms. */
	if (c.policy.mode == VSPIN_MODE_POLL)
		c.prod_policy.mode = VSPIN_MODE_POLL;
	cons_sleeps = c.policy.mode != VSPIN_MODE_POLL;
	prod_sleeps = c.prod_policy.mode != VSPIN_MODE_POLL;

	if (vspin_pair_run(&c, &r) != 0) {
		printf("FAIL: the harness could not run\n");
		return 1;
	}
	vspin_pair_print(&c, &r);

	check(!r.timed_out && !r.child_failed, "run completed in time",
	      "timed out %d, consumer failed %d (timeout %u s)", r.timed_out,
	      r.child_failed, c.timeout_s);
	check(r.errors == 0, "every packet in order and intact",
	      "%llu errors, first: %s", (unsigned long long)r.errors,
	      r.first_error);
	check(r.sent == c.packets && r.received == c.packets &&
		      r.returned == c.packets,
	      "every packet delivered and returned exactly once",
	      "sent %llu received %llu returned %llu of %llu",
	      (unsigned long long)r.sent, (unsigned long long)r.received,
	      (unsigned long long)r.returned, (unsigned long long)c.packets);
	check(r.cons_bad_avail == 0 && r.prod_bad_used == 0,
	      "no malformed ring entry", "bad avail %llu, bad used %llu",
	      (unsigned long long)r.cons_bad_avail,
	      (unsigned long long)r.prod_bad_used);
	if (expect_lost)
		check(r.lost_wakeups > 0,
		      "lost wake-ups reported (recheck compiled out)",
		      "none seen: the detector or the workload cannot catch "
		      "a missing recheck");
	else
		check(r.lost_wakeups == 0, "no lost wake-up (avail direction)",
		      "%llu lost, the first on work published %lld ns before "
		      "the sleep",
		      (unsigned long long)r.lost_wakeups,
		      (long long)r.lost_first_age_ns);
	if (!expect_lost)
		check(r.lost_wakeups_call == 0,
		      "no lost wake-up (used direction)", "%llu lost",
		      (unsigned long long)r.lost_wakeups_call);
	/* One kick decision per publish. */
	check(r.prod.notifies + r.prod.notifies_suppressed == r.bursts,
	      "kicks + suppressed == publishes",
	      "kicks %llu + suppressed %llu != publishes %llu",
	      (unsigned long long)r.prod.notifies,
	      (unsigned long long)r.prod.notifies_suppressed,
	      (unsigned long long)r.bursts);
	check_direction("consumer", &r.cons, r.prod.notifies, cons_sleeps,
			c.policy.mode == VSPIN_MODE_ADAPTIVE, c.event_idx,
			c.packets, c.ring_size);
	check_direction("producer", &r.prod, r.cons.notifies, prod_sleeps,
			c.prod_policy.mode == VSPIN_MODE_ADAPTIVE, c.event_idx,
			c.packets, c.ring_size);
	/* Not a timing threshold: tens of thousands of gaps exceed any window. */
	if (cons_sleeps && c.packets >= 100000 && c.gap != VSPIN_PAIR_GAP_NONE)
		check(r.cons.sleeps > 0, "the consumer's sleep path ran",
		      "it never slept: the handshake was not exercised");
	/* The used direction: the producer sleeps on a full ring. */
	if (prod_sleeps && !expect_lost && c.packets >= 100000)
		check(r.prod.sleeps > 0, "the producer's sleep path ran",
		      "it never slept: no lost wake-up (used direction) was "
		      "possible");
	printf("%s: %d check(s) failed\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}
