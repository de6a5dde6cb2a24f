/* SPDX-License-Identifier: BSD-3-Clause
 * Measure B, the cost of one sleep, for the adaptive policy: two threads
 * take turns to block on an eventfd and wake the other, the way a consumer
 * and its producer do. The helper thread runs on another CPU than the
 * caller, so each wake-up crosses CPUs as it does between two lcores (left
 * to the scheduler, both threads often share a CPU and a wake-up looks
 * several times cheaper than it is); only the caller's half of a round is
 * read as a PMD's (vspin_wake_rounds.h: the helper's CPU may be busy). The
 * same rounds, each after moving a timer's expiry the way a coalescing
 * sleep moves its bound, price that move. The sleeping side runs on each
 * CPU in turn, not on the caller's only (try_on()), and a thread of its
 * own tries again while the process runs (refine()): the quickest try is
 * held.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "vspin_clock.h"
#include "vspin_deadline.h"
#include "vspin_eventfd.h"
#include "vspin_sleep_cost.h"
#include "vspin_wake_rounds.h"

#define ROUNDS 64
#define FALLBACK_NS 30000 /* if the measurement cannot run */
/*
 * Sanity bounds: below, the helper shared the caller's CPU after all;
 * above, it waited for a CPU busy with a neighbour: neither is the cost of
 * waking an idle lcore.
 */
#define MIN_NS 2000
#define MAX_NS 200000
#define WAIT_US 100000
/*
 * Tries, apart: on one VM a wake-up sometimes took three to six times as
 * long for a short while, and a queue that priced its wake-ups from such
 * a start-up (B 38-76 us against 11-18) polled through a load it would
 * otherwise have coalesced (bench/README-adaptive.md, v21). The quickest
 * of a few tries far enough apart, and on more than one CPU, is the
 * machine's.
 */
#define TRIES 4
#define TRY_GAP_US 30000
/*
 * A try's whole time (about 5 ms on a quiet machine): on a machine that
 * starves the helper, rounds just under WAIT_US each would hold the
 * caller (a port's start, its lock held) for many seconds. What it did by
 * then counts (ROUNDS / 2 rounds at least, or the fallback).
 */
#define TRY_MAX_NS 250000000ull
/* A bound this far ahead or more goes to ppoll() (vspin_deadline.h). */
#define BOUND_MAX_US (VSPIN_DEADLINE_BELOW_US - 1)

struct pingpong {
	int ping, pong;
	uint64_t round_limit; /* ns: a longer round ends the try (0: none) */
	uint64_t end_ns;      /* vspin_mono_ns() past which no round starts */
	/* Plain rounds, then rounds with the timer; each side fills its own. */
	struct vspin_wake_round r[2 * ROUNDS];
};

static void *
ponger(void *arg)
{
	struct pingpong *pp = arg;
	int i;

	for (i = 0; i < 2 * ROUNDS; i++) {
		uint64_t t;

		if (vspin_eventfd_wait(&pp->ping, 1, WAIT_US) <= 0)
			break;
		t = vspin_mono_ns();
		pp->r[i].reply_at = t;
		vspin_eventfd_signal(pp->pong);
		pp->r[i].reply_write = vspin_mono_ns() - t;
	}
	return NULL;
}

/* Every online CPU but the caller's (all of them on a single CPU). */
static void
other_cpus(cpu_set_t *set)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int self = sched_getcpu(), i;

	CPU_ZERO(set);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		if (i != self || n == 1)
			CPU_SET(i, set);
}

/*
 * The quickest try so far. Written under the lock, rarely (the tries);
 * the generation tells readers that it changed.
 */
static struct vspin_sleep_costs held;
static bool held_fallback; /* no try could run: any try beats it */
static uint32_t generation;
static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * n rounds from r: wake the helper, wait for its reply; before each, with
 * a timer, move its expiry span_us ahead, as a coalescing sleep does when
 * its pending bound no longer fits (vspin_deadline.h). Returns the rounds
 * done; *cpu_ns is the thread's CPU over them.
 */
static int
rounds(struct pingpong *pp, struct vspin_wake_round *r, int n,
       struct vspin_deadline *timer, uint32_t span_us, uint64_t *cpu_ns)
{
	uint64_t cpu0 = vspin_thread_cpu_ns();
	int i;

	for (i = 0; i < n; i++) {
		uint64_t t0;

		if (timer != NULL &&
		    vspin_deadline_arm(timer, span_us, span_us) < 0)
			break;
		/* The helper is blocked on it. */
		t0 = vspin_mono_ns();
		vspin_eventfd_signal(pp->ping);
		r[i].own_write = vspin_mono_ns() - t0;
		if (vspin_eventfd_wait(&pp->pong, 1, WAIT_US) <= 0)
			break;
		r[i].woke_at = vspin_mono_ns();
		if (pp->round_limit != 0 && r[i].woke_at - t0 > pp->round_limit)
			break;
		if (r[i].woke_at > pp->end_ns) {
			i++; /* this round is whole */
			break;
		}
	}
	*cpu_ns = vspin_thread_cpu_ns() - cpu0;
	return i;
}

static struct vspin_sleep_costs
measure_once(uint64_t round_limit)
{
	struct vspin_sleep_costs out = {0, 0, 0, 0};
	struct pingpong pp = {.ping = eventfd(0, EFD_NONBLOCK),
			      .pong = eventfd(0, EFD_NONBLOCK),
			      .round_limit = round_limit,
			      .end_ns = vspin_mono_ns() + TRY_MAX_NS};
	struct vspin_wake_summary plain, with;
	struct vspin_deadline timer;
	uint64_t cpu = 0, cpu_with = 0;
	pthread_attr_t attr;
	cpu_set_t all;
	pthread_t t;
	int n = 0, n_with = 0;

	if (pp.ping < 0 || pp.pong < 0)
		goto out;
	pthread_attr_init(&attr);
	other_cpus(&all);
	pthread_attr_setaffinity_np(&attr, sizeof(all), &all);
	if (pthread_create(&t, &attr, ponger, &pp) != 0 &&
	    pthread_create(&t, NULL, ponger, &pp) != 0) {
		pthread_attr_destroy(&attr);
		goto out;
	}
	pthread_attr_destroy(&attr);
	/* Each round: a write, a poll that blocks, a wake-up, a read. */
	n = rounds(&pp, pp.r, ROUNDS, NULL, 0, &cpu);
	if (n == ROUNDS && vspin_deadline_init(&timer) == 0) {
		/*
		 * 10C ahead: the default span before M adds to it. The last
		 * reply's write may still be under way: the others came
		 * before a reply that woke us.
		 */
		vspin_wake_rounds_summarise(pp.r, ROUNDS - 1, cpu, &plain);
		uint64_t span_us = 20 * plain.cpu / 1000 + 1;

		if (span_us > BOUND_MAX_US)
			span_us = BOUND_MAX_US;
		n_with = rounds(&pp, pp.r + ROUNDS, ROUNDS, &timer,
				(uint32_t)span_us, &cpu_with);
		close(timer.fd); /* and the expiry with it */
	}
	vspin_eventfd_signal(pp.ping); /* whatever is left, let it finish */
	pthread_join(t, NULL);
out:
	if (pp.ping >= 0)
		close(pp.ping);
	if (pp.pong >= 0)
		close(pp.pong);
	if (n < ROUNDS / 2)
		return out;
	/* The helper has finished: every round of both series is complete. */
	vspin_wake_rounds_summarise(pp.r, (unsigned int)n, cpu, &plain);
	out.cpu_ns = plain.cpu;
	out.notify_ns = plain.notify > MAX_NS ? MAX_NS : plain.notify;
	out.wake_ns = plain.wake < MIN_NS ? MIN_NS :
		      plain.wake > MAX_NS ? MAX_NS :
					    plain.wake;
	if (n_with == ROUNDS) {
		vspin_wake_rounds_summarise(pp.r + ROUNDS, ROUNDS, cpu_with,
					    &with);
		out.bound_ns = with.cpu > plain.cpu ? with.cpu - plain.cpu : 0;
	}
	return out;
}

int
vspin_sleep_cost_try_cpu(int self, long ncpu, int i)
{
	if (ncpu < 1)
		ncpu = 1;
	if (ncpu > CPU_SETSIZE)
		ncpu = CPU_SETSIZE;
	if (self < 0 || self >= ncpu)
		self = 0;
	return (int)((self + (i < 0 ? 0 : i)) % ncpu);
}

/*
 * A later try, while lcores may poll: its sleeping side only takes a CPU
 * nothing else wants (SCHED_IDLE), and a round longer than this ends it.
 * On an idle CPU that changes nothing (a sleeper there is woken and run at
 * once); on a busy one the first round waits for the CPU and the try
 * stops, one round instead of a few ms of rounds taken from an lcore.
 */
#define LATER_ROUND_LIMIT_NS 1000000

struct try_arg {
	bool later; /* a try while the process runs */
	struct vspin_sleep_costs out;
};

static void *
measure_on_cpu(void *arg)
{
	struct try_arg *a = arg;

	if (a->later) {
		struct sched_param none = {.sched_priority = 0};

		if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) !=
		    0)
			return NULL; /* out stays a failed try */
	}
	a->out = measure_once(a->later ? LATER_ROUND_LIMIT_NS : 0);
	return NULL;
}

/*
 * One try with the sleeping side pinned to cpu. The caller is often an
 * application's main thread, pinned to a CPU that another process's lcore
 * polls (a guest's main lcore on its host's forwarding core): there every
 * wake-up waits for that lcore's time slice, and B and C came out five to
 * six times what the PMD's own lcore, on a core of its own, pays
 * (bench/README-adaptive.md, "A busy CPU under the start-up"). At
 * start-up, measured where the caller is if no thread can run on cpu; a
 * later try is then skipped.
 */
static struct vspin_sleep_costs
try_on(int cpu, bool later)
{
	struct try_arg a = {.later = later, .out = {0, 0, 0, 0}};
	pthread_attr_t attr;
	cpu_set_t one;
	pthread_t t;
	int rc;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	pthread_attr_init(&attr);
	rc = pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
	if (rc == 0)
		rc = pthread_create(&t, &attr, measure_on_cpu, &a);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return later ? a.out : measure_once(0);
	pthread_join(t, NULL);
	return a.out;
}

/*
 * What a try says a sleep costs: B, the larger of its wake-up and its
 * round's CPU, as the policy prices it. A try whose wake-up was quick but
 * whose round's CPU took a slow write in (a helper preempted on a busy
 * CPU: one run measured C at the 400 us clamp) is not the quicker one.
 */
static uint64_t
sleep_of(const struct vspin_sleep_costs *t)
{
	return t->wake_ns > t->cpu_ns ? t->wake_ns : t->cpu_ns;
}

/* Keep t if it is the first, beats a fallback, or is quicker. */
static bool
offer(const struct vspin_sleep_costs *t, bool fallback)
{
	bool kept;

	pthread_mutex_lock(&held_lock);
	kept = t->wake_ns != 0 &&
	       (generation == 0 ||
		(!fallback &&
		 (held_fallback || sleep_of(t) < sleep_of(&held))));
	if (kept) {
		held = *t;
		held_fallback = fallback;
		__atomic_store_n(&generation, generation + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&held_lock);
	return kept;
}

bool
vspin_sleep_costs_offer(const struct vspin_sleep_costs *t)
{
	return offer(t, false);
}

uint32_t
vspin_sleep_costs_generation(void)
{
	return __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
}

/* The CPU of the first measurement's caller: later tries go on from it. */
static int first_cpu; /* atomic: two queues may start at once */

/*
 * Tries again 1, 2, 4, ... 512 s after the start-up (about 17 minutes in
 * all), each on the next CPU: a start-up that met a slow moment of the
 * machine (on one VM its wake-ups took twice as long for minutes at a
 * time), or every CPU busy, is then left behind once a CPU is idle. A
 * try costs an idle CPU a few ms, a busy one a round (measure_on_cpu()).
 */
#define REFINES 10

static void *
refine(void *arg)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int self = __atomic_load_n(&first_cpu, __ATOMIC_RELAXED), i;

	(void)arg;
	for (i = 0; i < REFINES; i++) {
		struct vspin_sleep_costs t;

		sleep(1u << i);
		t = try_on(vspin_sleep_cost_try_cpu(self, ncpu, TRIES + i),
			   true);
		(void)vspin_sleep_costs_offer(&t);
	}
	return NULL;
}

static void
start_refining(void)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, refine, NULL) == 0)
		pthread_setname_np(t, "vspin-cost");
	pthread_attr_destroy(&attr);
}

/* The start-up measurement: TRIES tries, each offered. */
static void
measure(void)
{
	/* The CPU priced as the wake-up: C = 2B, as when tests give B. */
	static const struct vspin_sleep_costs fallback = {FALLBACK_NS,
							  FALLBACK_NS, 0, 0};
	static pthread_once_t refining = PTHREAD_ONCE_INIT;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int self = sched_getcpu(), i;

	__atomic_store_n(&first_cpu, self, __ATOMIC_RELAXED);
	for (i = 0; i < TRIES; i++) {
		struct vspin_sleep_costs t;

		if (i > 0)
			usleep(TRY_GAP_US);
		t = try_on(vspin_sleep_cost_try_cpu(self, ncpu, i), false);
		(void)vspin_sleep_costs_offer(&t);
	}
	/* No try could run: priced so, until one can. */
	(void)offer(&fallback, true);
	pthread_once(&refining, start_refining);
}

uint32_t
vspin_sleep_costs_get(struct vspin_sleep_costs *out)
{
	uint32_t gen;

	if (vspin_sleep_costs_generation() == 0)
		measure();
	pthread_mutex_lock(&held_lock);
	*out = held;
	gen = generation;
	pthread_mutex_unlock(&held_lock);
	if (out->cpu_ns < MIN_NS / 4)
		out->cpu_ns = MIN_NS / 4;
	if (out->cpu_ns > MAX_NS)
		out->cpu_ns = MAX_NS;
	if (out->bound_ns > MAX_NS)
		out->bound_ns = MAX_NS;
	return gen;
}

uint64_t
vspin_sleep_cost_ns(void)
{
	struct vspin_sleep_costs c;

	(void)vspin_sleep_costs_get(&c);
	return c.wake_ns;
}

/*
 * How much longer than asked a short timed wait lasts (the timer's slack
 * and its wake-up): the median over a few 10 us waits on an eventfd
 * nobody signals.
 */
#define NAP_ASK_US 10
#define NAP_ASK_NS (NAP_ASK_US * UINT64_C(1000))
#define NAP_ROUNDS 16

static uint64_t
measure_overshoot(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	uint64_t over[NAP_ROUNDS], dt;
	int i;

	if (fd < 0)
		return FALLBACK_NS;
	/* The slack the sleeping lcore will have (vspin_sleeper.c). */
	(void)prctl(PR_SET_TIMERSLACK, VSPIN_PMD_TIMER_SLACK_NS, 0, 0, 0);
	for (i = 0; i < NAP_ROUNDS; i++) {
		uint64_t t0 = vspin_mono_ns();

		(void)vspin_eventfd_wait(&fd, 1, NAP_ASK_US);
		dt = vspin_mono_ns() - t0;
		over[i] = dt > NAP_ASK_NS ? dt - NAP_ASK_NS : 0;
	}
	close(fd);
	if (slack > 0)
		(void)prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
	dt = vspin_median_u64(over, NAP_ROUNDS);
	return dt > MAX_NS ? MAX_NS : dt;
}

uint64_t
vspin_nap_overshoot_ns(void)
{
	static uint64_t over; /* measured once per process */
	uint64_t o = __atomic_load_n(&over, __ATOMIC_RELAXED);

	if (o == 0) {
		o = measure_overshoot() + 1; /* never 0 once measured */
		__atomic_store_n(&over, o, __ATOMIC_RELAXED);
	}
	return o;
}

uint64_t
vspin_sleep_cpu_ns(void)
{
	struct vspin_sleep_costs c;

	(void)vspin_sleep_costs_get(&c);
	return c.cpu_ns;
}

uint64_t
vspin_notify_cost_ns(void)
{
	struct vspin_sleep_costs c;

	(void)vspin_sleep_costs_get(&c);
	return c.notify_ns;
}

uint64_t
vspin_bound_cost_ns(void)
{
	struct vspin_sleep_costs c;

	(void)vspin_sleep_costs_get(&c);
	return c.bound_ns;
}
