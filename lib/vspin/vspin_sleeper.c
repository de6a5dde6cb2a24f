/* SPDX-License-Identifier: BSD-3-Clause
 * The sleep path and the per-thread sleep groups (vspin_sleeper.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "vspin_clock.h"
#include "vspin_deadline.h"
#include "vspin_eventfd.h"
#include "vspin_sleeper.h"

/*
 * fd_next: an fd handed over and not yet taken, -1 for nothing handed
 * over, FD_NONE for "no fd from now on" (the new ring has none: the
 * queue must not sleep on the last ring's).
 */
#define FD_NONE (-2)

/*
 * A member the thread has not polled for this many passes of its loop,
 * and for GONE_US at least, is gone: the application stopped polling the
 * queue without stopping it (testpmd's "set nbport 1" leaves port 1
 * started). It neither holds the thread awake nor is slept on, until the
 * thread polls it again. A pass ends when a member is polled again after
 * another one was, or after its own last poll found nothing: a loop that
 * drains one queue burst by burst (testpmd's flush at start) is one pass,
 * a loop that polls only that queue, idle, is one pass a poll. The
 * applications sleep=auto trusts poll every queue every pass; one that
 * polls a queue once every few thousand turns (sleep=always) would see
 * it gone by passes alone, and sleep over its packets: hence the time.
 * Time is read at a mark every MARK_PASSES passes, not per poll.
 */
#define GONE_PASSES VSPIN_SLEEPER_GONE_PASSES
#define GONE_US VSPIN_SLEEPER_GONE_US
#define MARK_PASSES 64

/* One member of a group; written by the owner except `dead`. */
struct vspin_slot {
	bool used;
	bool ready;	  /* armed and rechecked empty, or detached */
	int fd;		  /* sleep on it, or -1 (detached, or no fd yet) */
	uint32_t max_us;  /* the member's bound of this sleep */
	uint32_t min_us;  /* and the time it should last (<= max_us) */
	bool timer_wakes; /* max_us ends it: a nap (vspin_policy.h) */
	bool cpu_wanted;  /* the member learns C from the thread's CPU time */
	uint32_t dead;	  /* atomic: the control plane released the member */
	/* The last sleep the member took part in, for its next poll. */
	uint32_t sleeps;
	enum vspin_wake why;
	uint64_t slept_at, woke_at;
	uint64_t cpu_at;  /* the thread's CPU time (ns) then, or 0 */
	uint64_t pass;	  /* the group's pass at its last poll */
	uint64_t idle_at; /* the first mark to find it unpolled, or 0: mark() */
	bool was_empty;	  /* its last poll found nothing */
	bool blocks;	  /* cannot be ready: see group_blocked() */
	bool fd_hung;	  /* a sleep found fd dead, for its next poll */
};

struct vspin_sleep_group {
	/*
	 * Odd while the owner may be blocked. Dekker with `dead`: the owner
	 * makes it odd, then reads every slot's dead; the control plane
	 * stores dead, then reads seq. So either the owner skips the dead
	 * slot's fd, or the control plane sees the sleep and waits it out.
	 */
	uint32_t seq;
	uint32_t dead_pending;	     /* atomic: some slot is dead, reclaim */
	int doorbell;		     /* eventfd in every sleep set */
	struct vspin_deadline bound; /* short bounds (vspin_deadline.h) */
	uint64_t woke_at;	     /* TSC: the end of the last sleep */
	unsigned int nused, nready;
	/*
	 * Members that cannot be ready (slots' blocks), and the newest pass
	 * one of them was polled in, with its idle_at: when that one is
	 * gone, they all are (each older one went idle at an earlier mark).
	 */
	unsigned int nblocking;
	uint64_t block_pass, block_idle_at;
	/* Turns of the thread's loop (GONE_PASSES), and the last member polled. */
	uint64_t pass;
	const struct vspin_slot *last_polled;
	/* ovs_sleep: the thread's nap, and the slots polled in this pass. */
	uint32_t nap_us;
	uint64_t nap_polled;
	/*
	 * A queue in another mode was polled in this pass: no nap, which
	 * would hold it back (the nap waits on the doorbell alone).
	 */
	bool nap_veto;
	/*
	 * Atomic: queues that found the group full. Each retries on every
	 * poll and vetoes every sleep until it joins, moves or is released,
	 * or is gone: wait_pass is the pass of the newest poll of one.
	 */
	uint32_t nwaiting;
	uint64_t wait_pass, wait_idle_at; /* as a slot's pass and idle_at */
	/* Marks (GONE_US): the last one's TSC and pass, and GONE_US. */
	uint64_t mark_at, mark_pass, gone_cycles;
	/*
	 * Under groups_lock: its thread, until the thread exits, and each
	 * sleeper whose group it is (s->group). The last one frees it.
	 */
	unsigned int refs;
	struct vspin_sleep_group *next_live; /* live_groups, groups_lock */
	struct vspin_slot slots[VSPIN_GROUP_MAX];
};

/*
 * One group per polling thread, created on its first join. It outlives
 * the thread while a sleeper refers to it: a control thread may still
 * ring its doorbell or mark a slot dead, and the queue's next owner reads
 * the last sleep from its slot. The last reference frees it, fds
 * included: an application that starts and ends polling threads (OVS's
 * PMD threads at each pmd-cpu-mask change) must not leak two fds each.
 * Read on every poll: initial-exec, one load off the thread pointer,
 * where the default model for a plugin calls __tls_get_addr() each time
 * (a few % of a receive burst). It takes 8 bytes of the static TLS
 * surplus that glibc keeps for libraries loaded with dlopen().
 */
static _Thread_local struct vspin_sleep_group *thread_group
	__attribute__((tls_model("initial-exec")));

/*
 * Guards refs and every s->group store, and a control thread's use of a
 * group it reached through s->group: held only for a few stores or one
 * eventfd write, never while waiting for an owner.
 */
static pthread_mutex_t groups_lock = PTHREAD_MUTEX_INITIALIZER;
/* Every group not yet freed, for vspin_sleeper_wake_all(). */
static struct vspin_sleep_group *live_groups;
/* Its destructor drops the thread's reference when the thread exits. */
static pthread_key_t group_key;
static pthread_once_t group_key_once = PTHREAD_ONCE_INIT;
static bool group_key_made;

/* groups_lock held: drop one reference; the last frees g. */
static void
group_put_locked(struct vspin_sleep_group *g)
{
	struct vspin_sleep_group **pp;

	if (--g->refs > 0)
		return;
	for (pp = &live_groups; *pp != NULL; pp = &(*pp)->next_live)
		if (*pp == g) {
			*pp = g->next_live;
			break;
		}
	close(g->doorbell);
	vspin_deadline_fini(&g->bound);
	free(g);
}

/* In the exiting thread: a poll from a later destructor starts anew. */
static void
group_thread_exit(void *arg)
{
	thread_group = NULL;
	pthread_mutex_lock(&groups_lock);
	group_put_locked(arg);
	pthread_mutex_unlock(&groups_lock);
}

static void
group_key_make(void)
{
	group_key_made = pthread_key_create(&group_key, group_thread_exit) == 0;
}

static struct vspin_sleep_group *
group_get(void)
{
	struct vspin_sleep_group *g = thread_group;
	unsigned int i;

	if (g != NULL)
		return g;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->doorbell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g->doorbell < 0) {
		free(g);
		return NULL;
	}
	for (i = 0; i < VSPIN_GROUP_MAX; i++)
		g->slots[i].fd = -1;
	(void)vspin_deadline_init(&g->bound); /* else ppoll's timeout */
	/* Without the key the group is never freed: a leak, not a crash. */
	g->refs = 1;
	pthread_mutex_lock(&groups_lock);
	g->next_live = live_groups;
	live_groups = g;
	pthread_mutex_unlock(&groups_lock);
	pthread_once(&group_key_once, group_key_make);
	if (group_key_made)
		(void)pthread_setspecific(group_key, g);
	thread_group = g;
	return g;
}

/* Point s at g (or at no group), moving s's reference. */
static void
set_group(struct vspin_sleeper *s, struct vspin_sleep_group *g)
{
	struct vspin_sleep_group *old;

	pthread_mutex_lock(&groups_lock);
	old = s->group;
	if (g != NULL)
		g->refs++;
	__atomic_store_n(&s->group, g, __ATOMIC_RELEASE);
	if (old != NULL)
		group_put_locked(old);
	pthread_mutex_unlock(&groups_lock);
}

void
vspin_sleeper_init(struct vspin_sleeper *s, struct vspin_policy *policy,
		   const struct vspin_sleeper_ops *ops, void *ctx)
{
	s->policy = policy;
	s->ops = ops;
	s->ctx = ctx;
	s->fd = -1;
	s->slot = NULL;
	s->sleeps_seen = 0;
	s->group = NULL;
	s->fd_next = -1;
	s->detached = false;
	s->fd_hung = false;
	s->waiting = false;
	s->polls_here = 0;
	s->ovs_nap = false;
}

/* A slot's bit in the group's nap_polled. */
static uint64_t
slot_bit(const struct vspin_sleep_group *g, const struct vspin_slot *sl)
{
	return UINT64_C(1) << (sl - g->slots);
}

static void
set_ready(struct vspin_sleep_group *g, struct vspin_slot *sl, bool ready)
{
	if (sl->ready == ready)
		return;
	sl->ready = ready;
	if (ready)
		g->nready++;
	else
		g->nready--;
}

/* Owner: sl cannot be ready now (blocks), or can again. */
static void
set_blocks(struct vspin_sleep_group *g, struct vspin_slot *sl, bool blocks)
{
	const struct vspin_slot *newest = NULL;
	unsigned int i;

	if (blocks) {
		g->block_pass = sl->pass; /* polled now: the newest */
		g->block_idle_at = 0;
	}
	if (sl->blocks == blocks)
		return;
	sl->blocks = blocks;
	if (blocks) {
		g->nblocking++;
		return;
	}
	/* Rare (a port restarted, a member reclaimed): the others' newest. */
	g->nblocking--;
	for (i = 0; g->nblocking != 0 && i < VSPIN_GROUP_MAX; i++) {
		const struct vspin_slot *o = &g->slots[i];

		if (o->used && o->blocks &&
		    (newest == NULL ||
		     g->pass - o->pass < g->pass - newest->pass))
			newest = o;
	}
	if (newest != NULL) {
		g->block_pass = newest->pass;
		g->block_idle_at = newest->idle_at;
	}
}

/* Owner: drop the slots the control plane released. */
static void
reclaim(struct vspin_sleep_group *g)
{
	unsigned int i;

	/* Cleared first: a slot released during the scan sets it again. */
	__atomic_store_n(&g->dead_pending, 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < VSPIN_GROUP_MAX; i++) {
		struct vspin_slot *sl = &g->slots[i];

		if (!sl->used || !__atomic_load_n(&sl->dead, __ATOMIC_SEQ_CST))
			continue;
		set_ready(g, sl, false);
		set_blocks(g, sl, false);
		sl->used = false;
		sl->fd = -1;
		g->nused--;
	}
}

/*
 * Ask the owner of g to drop slot sl, and wait until it cannot be blocked
 * on the slot's fd any more: then the fd may be closed (and its number
 * reused) without the owner polling or draining a stranger's fd. Called
 * by the control plane (release) and by a queue's new owner (a move); the
 * doorbell makes a sleeping owner leave at once.
 */
static void
mark_dead(struct vspin_sleep_group *g, struct vspin_slot *sl)
{
	uint32_t seq;

	/* Pairs with the seq increment in group_sleep(). */
	__atomic_store_n(&sl->dead, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&g->dead_pending, 1, __ATOMIC_SEQ_CST);
	seq = __atomic_load_n(&g->seq, __ATOMIC_SEQ_CST);
	if ((seq & 1) == 0)
		return; /* not sleeping: its next sleep sees `dead` */
	vspin_eventfd_signal(g->doorbell);
	while (__atomic_load_n(&g->seq, __ATOMIC_SEQ_CST) == seq)
		sched_yield();
}

/* s leaves its group (or its place in the group's waiting count). */
static void
leave(struct vspin_sleeper *s)
{
	struct vspin_sleep_group *old =
		__atomic_load_n(&s->group, __ATOMIC_ACQUIRE);

	if (old != NULL && s->slot != NULL)
		mark_dead(old, s->slot);
	else if (old != NULL && s->waiting)
		__atomic_fetch_sub(&old->nwaiting, 1, __ATOMIC_SEQ_CST);
	s->slot = NULL;
	s->waiting = false;
	set_group(s, NULL);
}

/* Owner: s is polled by this thread now; put it in g. */
static void
join(struct vspin_sleeper *s, struct vspin_sleep_group *g)
{
	unsigned int i;

	if (g != NULL && __atomic_load_n(&g->dead_pending, __ATOMIC_SEQ_CST))
		reclaim(g);
	for (i = 0; g != NULL && i < VSPIN_GROUP_MAX && g->slots[i].used; i++)
		;
	/* Waiting here already, the group still full: as it was. */
	if (s->waiting && s->group == g && i == VSPIN_GROUP_MAX)
		return;
	leave(s); /* it moved here from another thread, or is retrying */
	if (g == NULL)
		return;
	if (i == VSPIN_GROUP_MAX) {
		/* Cannot veto from a slot: veto from outside, every poll. */
		__atomic_fetch_add(&g->nwaiting, 1, __ATOMIC_SEQ_CST);
		s->waiting = true;
		set_group(s, g);
		return;
	}
	if (g->gone_cycles == 0)
		g->gone_cycles = vspin_us_to_cycles(GONE_US, s->policy->hz);
	g->slots[i] = (struct vspin_slot){
		.used = true,
		.fd = s->fd_hung ? -1 : s->fd,
		.max_us = s->policy->conf.sleep_max_us,
		.min_us = s->policy->conf.sleep_max_us,
		.pass = g->pass - 1, /* not polled in this pass yet */
	};
	g->nused++;
	s->polls_here = 0;
	s->slot = &g->slots[i];
	g->nap_polled &= ~slot_bit(g, s->slot); /* its last member's pass */
	s->sleeps_seen = 0;
	set_group(s, g);
}

/* Owner: take an fd the control plane handed over (or none). */
static void
take_fd(struct vspin_sleeper *s)
{
	int fd = __atomic_exchange_n(&s->fd_next, -1, __ATOMIC_ACQ_REL);

	if (fd == -1)
		return;
	if (fd == FD_NONE)
		fd = -1;
	/* Ours alone: no other thread sleeps on it (vspin_sleeper.h). */
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	s->fd_hung = false;
	if (s->slot != NULL) {
		s->slot->fd = fd;
		s->slot->fd_hung = false;
	}
}

/*
 * Owner: the sleeper's part of a group sleep, on its own poll. no_ring:
 * the queue had no ring when it slept, or has none now (detached): the
 * ring it slept on may be gone (its device destroyed while the group
 * slept), so the ops must not touch it.
 */
static void
apply_wake(struct vspin_sleeper *s, bool no_ring)
{
	struct vspin_slot *sl = s->slot;
	struct vspin_policy *p = s->policy;

	s->sleeps_seen = __atomic_load_n(&sl->sleeps, __ATOMIC_ACQUIRE);
	if (sl->fd_hung)
		s->fd_hung = true; /* a fresh fd (take_fd()) comes after */
	if (!vspin_policy_armed_p(p))
		return;
	vspin_policy_sleep(p, sl->slept_at, sl->cpu_at);
	/* Detached: no ring to look at or quiet (and none to call into). */
	if (no_ring) {
		vspin_policy_wake(p, VSPIN_WAKE_OTHER, sl->woke_at);
		return;
	}
	if (s->ops->woke != NULL)
		s->ops->woke(s->ctx, sl->why, sl->slept_at);
	vspin_policy_wake(p, sl->why, sl->woke_at);
	s->ops->disarm(s->ctx);
}

/* Not polled since pass (idle since the mark idle_at, or 0): gone? */
static bool
unpolled_gone(const struct vspin_sleep_group *g, uint64_t pass,
	      uint64_t idle_at)
{
	return g->pass - pass > GONE_PASSES && idle_at != 0 &&
	       g->mark_at - idle_at >= g->gone_cycles;
}

static bool
slot_gone(const struct vspin_sleep_group *g, const struct vspin_slot *sl)
{
	return unpolled_gone(g, sl->pass, sl->idle_at);
}

/*
 * Owner, every MARK_PASSES passes: the time, and for each member not
 * polled since the last mark, the first mark that found it so. That mark
 * is no earlier than its last poll: a member gone by it has been unpolled
 * for GONE_US at least, however rarely the thread reads the clock.
 */
static void
mark(struct vspin_sleep_group *g)
{
	uint64_t now = vspin_rdtsc();
	unsigned int i;

	for (i = 0; i < VSPIN_GROUP_MAX; i++) {
		struct vspin_slot *sl = &g->slots[i];

		if (sl->used && sl->idle_at == 0 &&
		    (int64_t)(sl->pass - g->mark_pass) < 0)
			sl->idle_at = now;
	}
	if (g->wait_idle_at == 0 && (int64_t)(g->wait_pass - g->mark_pass) < 0)
		g->wait_idle_at = now;
	if (g->block_idle_at == 0 &&
	    (int64_t)(g->block_pass - g->mark_pass) < 0)
		g->block_idle_at = now;
	g->mark_at = now;
	g->mark_pass = g->pass;
}

/*
 * Owner: may the group sleep as far as its members go? Every member that
 * is not gone is ready (released ones reclaimed first).
 */
static bool
members_ready(const struct vspin_sleep_group *g)
{
	unsigned int i;

	if (g->nused == 0)
		return false;
	if (g->nready == g->nused)
		return true;
	for (i = 0; i < VSPIN_GROUP_MAX; i++) {
		const struct vspin_slot *sl = &g->slots[i];

		if (sl->used && !sl->ready && !slot_gone(g, sl))
			return false;
	}
	return true;
}

/*
 * Common start of both polls: membership, fd, pending wake-up, the pass
 * (empty: this poll found nothing).
 */
static inline struct vspin_slot *
enter(struct vspin_sleeper *s, bool detached, bool empty)
{
	struct vspin_sleep_group *g = thread_group;

	/*
	 * A sleep it took part in, maybe in the group of the thread that
	 * polled it before (testpmd's main lcore at start): counted before
	 * it moves, so that every queue of a sleep counts it.
	 */
	if (s->slot != NULL &&
	    __atomic_load_n(&s->slot->sleeps, __ATOMIC_ACQUIRE) !=
		    s->sleeps_seen)
		apply_wake(s, s->detached || detached);
	if (__builtin_expect(
		    g == NULL || s->group != g || s->slot == NULL ||
			    __atomic_load_n(&s->slot->dead, __ATOMIC_RELAXED),
		    0))
		join(s, group_get());
	if (__builtin_expect(
		    __atomic_load_n(&s->fd_next, __ATOMIC_RELAXED) != -1, 0))
		take_fd(s);
	/*
	 * The group knows only the queues the thread has polled. Between two
	 * polls of a queue the thread goes round its whole loop, so from its
	 * second poll on, every queue of that loop has joined: a queue never
	 * puts the thread to sleep on its first poll here.
	 */
	if (s->slot != NULL) {
		struct vspin_sleep_group *sg = s->group;

		/* Back after it was gone: as if it had just joined. */
		if (slot_gone(sg, s->slot))
			s->polls_here = 0;
		/* Polled again, after another member or idle: a new pass. */
		if (s->slot->pass == sg->pass &&
		    (sg->last_polled != s->slot || s->slot->was_empty) &&
		    ++sg->pass % MARK_PASSES == 0)
			mark(sg);
		s->slot->pass = sg->pass;
		s->slot->idle_at = 0;
		s->slot->was_empty = empty;
		sg->last_polled = s->slot;
		if (s->polls_here < 2)
			s->polls_here++;
	} else if (s->waiting) {
		/* Vetoes while polled: the application may stop (gone). */
		s->group->wait_pass = s->group->pass;
		s->group->wait_idle_at = 0;
	}
	/* From now on the policy's state is about a ring, or about none. */
	if (s->detached != detached) {
		if (vspin_policy_armed_p(s->policy))
			vspin_policy_reset(s->policy);
		if (s->slot != NULL) /* its readiness was about that state */
			set_ready(s->group, s->slot, false);
		s->detached = detached;
	}
	return s->slot;
}

/*
 * Owner: every member is ready; block on all their fds and the doorbell.
 * Returns false if the group changed under us (a member released).
 */
static bool
group_sleep(struct vspin_sleep_group *g)
{
	int fds[VSPIN_GROUP_MAX + 1];
	unsigned int idx[VSPIN_GROUP_MAX + 1];
	uint32_t max_us = VSPIN_MAX_US, min_us = VSPIN_MAX_US;
	uint64_t fired = 0, dead = 0, timer = 0, notified = 0, hung = 0;
	uint64_t slept_at, woke_at;
	uint64_t cpu_at = 0;
	unsigned int i, n = 1;
	bool timed_out, nap = false, cpu_wanted = false;
	int r;

	if (__atomic_load_n(&g->dead_pending, __ATOMIC_SEQ_CST)) {
		reclaim(g);
		if (!members_ready(g))
			return false;
	}
	/* Odd: "may be blocked". Pairs with the seq load in release(). */
	__atomic_fetch_add(&g->seq, 1, __ATOMIC_SEQ_CST);
	fds[0] = g->doorbell;
	for (i = 0; i < VSPIN_GROUP_MAX; i++) {
		struct vspin_slot *sl = &g->slots[i];

		if (!sl->used || slot_gone(g, sl))
			continue;
		if (__atomic_load_n(&sl->dead, __ATOMIC_SEQ_CST)) {
			/* Released after our check: sleep without it. */
			__atomic_store_n(&g->dead_pending, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (sl->max_us < max_us || (sl->max_us == max_us && !nap)) {
			max_us = sl->max_us;
			nap = sl->timer_wakes;
		}
		if (sl->min_us < min_us)
			min_us = sl->min_us;
		cpu_wanted |= sl->cpu_wanted;
		if (sl->fd >= 0) {
			idx[n] = i;
			fds[n++] = sl->fd;
		}
	}
	/*
	 * A short bound goes on the group's timer, kept across sleeps
	 * (vspin_deadline.h), when a set of 64 has room for its fd; the
	 * wait's own timeout is then a second, past the tick (free). Not a
	 * nap's: its timer always fires, and setting, then draining, the
	 * timerfd costs two system calls more than the wait's own timeout
	 * (2.2-5.6 us of CPU a nap on the project's VMs:
	 * bench/README-adaptive.md, "A nap on the wait's own timeout").
	 */
	if (max_us < VSPIN_DEADLINE_BELOW_US && !nap &&
	    n < VSPIN_GROUP_MAX + 1) {
		/* min_us <= max_us: each slot's min is at most its max. */
		int tfd = vspin_deadline_arm(&g->bound, min_us, max_us);

		if (tfd >= 0) {
			timer = UINT64_C(1) << n;
			fds[n++] = tfd;
			max_us = VSPIN_MAX_US;
		}
	}
	/* A system call, about 0.2 us: once a sleep, where one costs 10+. */
	if (cpu_wanted)
		cpu_at = vspin_thread_cpu_ns();
	slept_at = vspin_rdtsc();
	r = vspin_eventfd_wait_mask(fds, n, max_us, &fired, &dead);
	woke_at = vspin_rdtsc();
	g->woke_at = woke_at;
	if (fired & timer)
		vspin_deadline_fired(&g->bound);
	/* A signal handler ran: the bound may not have passed. */
	timed_out = r != -EINTR && (r <= 0 || (fired | dead) == timer);
	__atomic_fetch_add(&g->seq, 1, __ATOMIC_SEQ_CST);
	/* The slots whose own fd fired, or died (VSPIN_GROUP_MAX < 64). */
	for (i = 1; i < n; i++) {
		if ((fired & ~timer) & (UINT64_C(1) << i))
			notified |= UINT64_C(1) << idx[i];
		if ((dead & ~timer) & (UINT64_C(1) << i))
			hung |= UINT64_C(1) << idx[i];
	}
	for (i = 0; i < VSPIN_GROUP_MAX; i++) {
		struct vspin_slot *sl = &g->slots[i];

		if (!sl->used || slot_gone(g, sl))
			continue;
		if (hung & (UINT64_C(1) << i)) {
			/* Every wait on it would end at once: not again. */
			sl->fd = -1;
			sl->fd_hung = true;
		}
		sl->why = notified & (UINT64_C(1) << i) ? VSPIN_WAKE_NOTIFIED :
			  timed_out			? VSPIN_WAKE_TIMEOUT :
							  VSPIN_WAKE_OTHER;
		sl->slept_at = slept_at;
		sl->woke_at = woke_at;
		sl->cpu_at = cpu_at;
		set_ready(g, sl, false); /* each member polls again first */
		/*
		 * The count last, a release: a queue that moved to another
		 * thread reads the sleep there once it sees the count
		 * (enter()).
		 */
		__atomic_store_n(&sl->sleeps, sl->sleeps + 1, __ATOMIC_RELEASE);
	}
	return true;
}

/* Owner: s is ready; sleep if the whole group is. */
static bool
try_sleep(struct vspin_sleeper *s)
{
	struct vspin_sleep_group *g = s->group;

	if (__atomic_load_n(&g->dead_pending, __ATOMIC_RELAXED))
		reclaim(g); /* released members must not veto */
	/* A queue waiting for a slot vetoed earlier: group_blocked(). */
	if (s->polls_here < 2 || !members_ready(g))
		return false;
	if (!group_sleep(g))
		return false;
	apply_wake(s, s->detached);
	return true;
}

/*
 * Before a thread's first timed sleep (a nap, or an adaptive sleep bounded
 * by the latency budget): its timer slack to VSPIN_PMD_TIMER_SLACK_NS, as
 * OVS does for its PMD threads. With Linux's default 50 us every timed
 * wake of a few tens of microseconds comes 50 late: OVS's rule measured
 * here would not be OVS's (bench/README-ovs-maxsleep.md), and adaptive's
 * batches would overrun their latency budget.
 */
static void
precise_timers(void)
{
	static __thread bool slack_set;

	if (!slack_set) {
		slack_set = true;
		(void)prctl(PR_SET_TIMERSLACK, VSPIN_PMD_TIMER_SLACK_NS, 0, 0,
			    0);
	}
}

/*
 * Owner, ovs_sleep mode, before a poll of s: if the thread polled s
 * already in this pass, the pass has ended, and the thread takes its nap
 * (a timed sleep, the ring left quiet, the doorbell the only fd; like
 * OVS, whatever the thread's other ovs_sleep queues are doing). Not if
 * the thread also polls a queue in another mode: that one's kicks would
 * not end the nap.
 */
bool
vspin_sleeper_nap(struct vspin_sleeper *s, bool may_block)
{
	struct vspin_sleep_group *g = s->group;
	struct vspin_slot *sl = s->slot;
	struct vspin_stats *st = s->policy->stats;
	uint64_t fired, t0, t1;
	uint32_t us;
	int fd;

	if (g == NULL || g != thread_group || sl == NULL ||
	    (g->nap_polled & slot_bit(g, sl)) == 0)
		return false;
	g->nap_polled = 0;
	if (g->nap_veto) {
		g->nap_veto = false;
		g->nap_us = 0;
		return false;
	}
	us = vspin_ovs_nap_pass_end(&g->nap_us, s->policy->conf.nap_max_us);
	if (us == 0 || !may_block)
		return false;
	precise_timers();
	fd = g->doorbell;
	t0 = vspin_rdtsc();
	st->sleeps++;
	/* Ended by the doorbell or a signal: neither wake-up nor timeout. */
	if (vspin_eventfd_wait_mask(&fd, 1, us, &fired, NULL) == 0)
		st->sleep_timeouts++;
	t1 = vspin_rdtsc();
	if (t1 > t0) /* woken on another CPU, its TSC maybe behind */
		st->sleep_cycles += t1 - t0;
	return true;
}

/*
 * Owner, ovs_sleep mode: s was polled in this pass, and found n entries.
 * A queue that may not block (its port's sleep rule) vetoes the pass's
 * nap, whichever queue's turn takes it.
 */
static void
ovs_polled(struct vspin_sleeper *s, struct vspin_slot *sl, unsigned int n,
	   bool may_block)
{
	struct vspin_sleep_group *g = s->group;

	s->ovs_nap = true;
	if (sl == NULL)
		return;
	if (!may_block)
		g->nap_veto = true;
	set_blocks(g, sl, true); /* never ready: it naps, not sleeps */
	g->nap_polled |= slot_bit(g, sl);
	vspin_ovs_nap_polled(&g->nap_us, n);
}

/*
 * The bounds of the sleep a queue armed at p->armed_at would take now,
 * and whether its timer is its wake (a nap). A batch's
 * bound counts from its arm: its first entry may have waited since, while
 * the thread stayed awake for its other queues (or the queue held), and
 * the group must not sleep the whole bound again on top. An idle queue's
 * bound (K = 1, sleep_max_us) only caps a sleep: it stays whole.
 */
static void
armed_bounds(struct vspin_slot *sl, const struct vspin_policy *p, uint64_t now)
{
	uint64_t gone;

	sl->max_us = p->sleep_us;
	sl->min_us = p->sleep_min_us;
	sl->timer_wakes = p->timer_wakes;
	sl->cpu_wanted = p->conf.mode == VSPIN_MODE_ADAPTIVE;
	if (p->arm_k < 2 || now <= p->armed_at)
		return;
	gone = vspin_cycles_to_ns(now - p->armed_at, p->hz) / 1000u;
	sl->max_us = gone < sl->max_us ? sl->max_us - (uint32_t)gone : 1;
	sl->min_us = gone < sl->min_us ? sl->min_us - (uint32_t)gone : 0;
}

/* A group that slept within this many of a batch's bounds lets it hold. */
#define HOLD_BOUNDS 4

bool
vspin_sleeper_holds_slow(struct vspin_sleeper *s)
{
	struct vspin_sleep_group *g = thread_group;
	struct vspin_policy *p = s->policy;
	struct vspin_slot *sl = s->slot;
	uint64_t now, bound;

	/* Polled by its owner, ready (armed, rechecked), not alone. */
	if (g == NULL || s->group != g || sl == NULL || !sl->ready ||
	    g->nused < 2)
		return false;
	now = vspin_rdtsc();
	bound = vspin_us_to_cycles(p->sleep_us, p->hz);
	if (now - p->armed_at >= bound ||
	    now - g->woke_at > HOLD_BOUNDS * bound)
		return false;
	return s->ops->pending(s->ctx) < p->arm_k;
}

/*
 * Owner: does a member that cannot be ready (blocks), or a queue that
 * found the group full, keep the group awake? Gone ones do not. A
 * released one counts until reclaimed: reclaim here, as the others stand
 * down and never reach try_sleep()'s.
 */
static bool
blocked_now(const struct vspin_sleep_group *g)
{
	return (__atomic_load_n(&g->nwaiting, __ATOMIC_RELAXED) != 0 &&
		!unpolled_gone(g, g->wait_pass, g->wait_idle_at)) ||
	       (g->nblocking != 0 &&
		!unpolled_gone(g, g->block_pass, g->block_idle_at));
}

static bool
group_blocked(struct vspin_sleep_group *g)
{
	if (!blocked_now(g))
		return false;
	if (!__atomic_load_n(&g->dead_pending, __ATOMIC_RELAXED))
		return true;
	reclaim(g);
	return blocked_now(g);
}

/*
 * Owner: may s arm for a sleep of its group now? can: s itself could
 * (blocking allowed, an fd or no ring). Mode poll never arms. A member
 * that cannot keeps the whole group awake, so while one does the others
 * do not arm either: each arm would cost a system call (the eventfd's
 * drain) and its producer a notification, for a sleep that cannot come.
 */
static bool
may_arm(struct vspin_sleeper *s, struct vspin_slot *sl, bool can)
{
	if (sl == NULL)
		return false; /* no group, or waiting for a slot */
	can = can && s->policy->conf.mode != VSPIN_MODE_POLL;
	set_blocks(s->group, sl, !can);
	return can && !group_blocked(s->group);
}

/*
 * Owner: blocking is not allowed; behave like poll, never veto late. Work
 * found meanwhile ends an idle period the policy had begun; an empty poll
 * leaves it running (the queue is still idle).
 */
static void
stand_down(struct vspin_sleeper *s, struct vspin_slot *sl, unsigned int n,
	   uint64_t now)
{
	if (vspin_policy_armed_p(s->policy)) {
		vspin_policy_reset(s->policy);
		if (!s->detached)
			s->ops->disarm(s->ctx);
	} else if (n > 0 && s->policy->state == VSPIN_ST_SPIN) {
		if (now == VSPIN_SLEEPER_NOW_LAZY)
			now = vspin_rdtsc();
		vspin_policy_idle_ended_unseen(s->policy, now);
	}
	if (sl != NULL)
		set_ready(s->group, sl, false);
}

bool
vspin_sleeper_poll(struct vspin_sleeper *s, unsigned int n, bool may_block,
		   uint64_t now)
{
	struct vspin_slot *sl = enter(s, false, n == 0);
	struct vspin_policy *p = s->policy;
	bool was_armed = vspin_policy_armed_p(p);
	bool work;

	if (p->conf.mode == VSPIN_MODE_OVS_SLEEP) {
		/*
		 * Never here: the caller holds the n entries it found (OVS
		 * naps after it has forwarded them), and the nap needs no fd
		 * of the queue's.
		 */
		ovs_polled(s, sl, n, may_block);
		return false;
	}
	if (sl != NULL)
		s->group->nap_veto = true;
	if (!may_arm(s, sl, may_block && s->fd >= 0 && !s->fd_hung)) {
		stand_down(s, sl, n, now);
		return false;
	}
	if (now == VSPIN_SLEEPER_NOW_LAZY && vspin_policy_needs_now(p, n))
		now = vspin_rdtsc();
	if (!vspin_policy_poll(p, n, now)) {
		if (!vspin_policy_armed_p(p)) {
			/* Busy or spinning; coming back from armed: quiet P. */
			if (was_armed)
				s->ops->disarm(s->ctx);
			set_ready(s->group, sl, false);
			return false;
		}
		/*
		 * Still armed (maybe by another thread: testpmd polls every
		 * queue from its main lcore first): ready in this group, and
		 * the thread's other queues may be ready now.
		 */
		armed_bounds(sl, p, now);
		set_ready(s->group, sl, true);
		return try_sleep(s);
	}
	if (p->conf.mode == VSPIN_MODE_ADAPTIVE)
		precise_timers();
	/* An old count would end the next sleep at once, for nothing. */
	vspin_eventfd_clear(s->fd);
	work = s->ops->arm(s->ctx, p->arm_k);
	vspin_policy_armed(p, work, vspin_rdtsc());
	if (work) {
		s->ops->disarm(s->ctx);
		/* It may have been ready (armed detached): not with work. */
		set_ready(s->group, sl, false);
		return false;
	}
	armed_bounds(sl, p, p->armed_at); /* just armed: the whole bound */
	set_ready(s->group, sl, true);
	return try_sleep(s);
}

bool
vspin_sleeper_poll_detached(struct vspin_sleeper *s, bool may_block)
{
	struct vspin_slot *sl = enter(s, true, true);
	struct vspin_policy *p = s->policy;
	uint64_t now;

	if (p->conf.mode == VSPIN_MODE_OVS_SLEEP) {
		/* As OVS with nothing to receive: the pass's naps grow. */
		ovs_polled(s, sl, 0, may_block);
		return false;
	}
	if (!may_arm(s, sl, may_block)) {
		stand_down(s, sl, 0, VSPIN_SLEEPER_NOW_LAZY);
		return false;
	}
	/*
	 * Idle with nothing to arm: the policy's window still runs first, so
	 * that a burst of calls (testpmd's flush at start) does not sleep.
	 */
	now = vspin_rdtsc();
	if (!vspin_policy_armed_p(p)) {
		if (!vspin_policy_poll(p, 0, now))
			return false;
		vspin_policy_armed(p, false, now);
	}
	sl->max_us = p->conf.sleep_max_us;
	sl->min_us = p->conf.sleep_max_us;
	sl->timer_wakes = false;
	sl->cpu_wanted = false;
	set_ready(s->group, sl, true);
	return try_sleep(s);
}

void
vspin_sleeper_give_fd(struct vspin_sleeper *s, int fd)
{
	int old = __atomic_exchange_n(&s->fd_next, fd >= 0 ? fd : FD_NONE,
				      __ATOMIC_ACQ_REL);

	/* One the owner never took is still ours to close. */
	if (old >= 0)
		close(old);
	vspin_sleeper_wake(s);
}

void
vspin_sleeper_wake(struct vspin_sleeper *s)
{
	struct vspin_sleep_group *g;

	/* The lock keeps the group (and its doorbell's fd) from going. */
	pthread_mutex_lock(&groups_lock);
	g = __atomic_load_n(&s->group, __ATOMIC_ACQUIRE);
	if (g != NULL)
		vspin_eventfd_signal(g->doorbell);
	pthread_mutex_unlock(&groups_lock);
}

void
vspin_sleeper_wake_all(void)
{
	struct vspin_sleep_group *g;

	pthread_mutex_lock(&groups_lock);
	for (g = live_groups; g != NULL; g = g->next_live)
		vspin_eventfd_signal(g->doorbell);
	pthread_mutex_unlock(&groups_lock);
}

void
vspin_sleeper_release(struct vspin_sleeper *s)
{
	int fd;

	leave(s); /* waits until its owner cannot be blocked on s->fd */
	fd = __atomic_exchange_n(&s->fd_next, -1, __ATOMIC_ACQ_REL);
	if (fd >= 0)
		close(fd);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->fd_hung = false;
	if (s->policy != NULL && vspin_policy_armed_p(s->policy))
		vspin_policy_reset(s->policy);
}
