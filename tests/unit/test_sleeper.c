/* SPDX-License-Identifier: BSD-3-Clause
 * The sleep path (vspin_sleeper.h) with real eventfds and real threads: a
 * thread sleeps only when every queue it polls is ready, each member
 * learns why the sleep ended and applies it (policy, disarm) on its own
 * next poll, and the control plane's requests (wake, give_fd, release)
 * reach an owner that is blocked.
 *
 * Every sleep is bounded by a long sleep_max_us (LONG_US), and a wake-up
 * is checked against a much shorter deadline (WOKE_US), so a missing
 * wake-up fails instead of passing late or hanging. A helper thread (the
 * "actor") acts only once the owner is seen blocked (its task state 'S'
 * in /proc), so a wake-up cannot be drained by the arm that precedes the
 * sleep.
 *
 * Groups are per thread: every case releases its queues, and the second
 * polling thread (T2) is one persistent thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vspin_clock.h"
#include "vspin_eventfd.h"
#include "vspin_policy.h"
#include "vspin_sleeper.h"
#include "vspin_test.h"

#define LONG_US 2000000u /* a sleep that must not run out in a test */
#define WOKE_US 200000u	 /* a wake-up must end the sleep within this */
#define QUICK_US 100000u /* a call that must not sleep returns within */

static uint64_t hz;

static pid_t
my_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* A consumer queue with fake ring ops that count their calls. */
struct queue {
	struct vspin_sleeper s;
	struct vspin_policy pol;
	struct vspin_stats st;
	int fd; /* the eventfd given to the sleeper (it owns it), or -1 */
	unsigned int arms, disarms, wokes;
	enum vspin_wake why; /* of the last ops->woke */
	/* If >= 0, the first arm records fcntl(check_fd, F_GETFD). */
	int check_fd;
	bool checked;
	int check_r, check_errno;
	uint16_t pending; /* hold_ops: the entries its ring holds */
	bool work_on_arm; /* the arm's recheck finds entries */
};

static bool
fake_arm(void *ctx, uint16_t k)
{
	struct queue *q = ctx;

	(void)k;
	q->arms++;
	if (q->check_fd >= 0 && !q->checked) {
		errno = 0;
		q->check_r = fcntl(q->check_fd, F_GETFD);
		q->check_errno = errno;
		q->checked = true;
	}
	return q->work_on_arm;
}

static void
fake_disarm(void *ctx)
{
	struct queue *q = ctx;

	q->disarms++;
}

static void
fake_woke(void *ctx, enum vspin_wake why, uint64_t slept_at)
{
	struct queue *q = ctx;

	(void)slept_at;
	q->wokes++;
	q->why = why;
}

static const struct vspin_sleeper_ops fake_ops = {
	.arm = fake_arm,
	.disarm = fake_disarm,
	.woke = fake_woke,
};

static uint16_t
fake_pending(void *ctx)
{
	return ((struct queue *)ctx)->pending;
}

/* fake_ops, and a ring whose waiting entries the test sets. */
static const struct vspin_sleeper_ops hold_ops = {
	.arm = fake_arm,
	.disarm = fake_disarm,
	.woke = fake_woke,
	.pending = fake_pending,
};

/* Give the sleeper a fresh eventfd, q->fd (ownership passes to it). */
static int
give_new_fd(struct queue *q)
{
	q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->fd < 0)
		return -1;
	vspin_sleeper_give_fd(&q->s, q->fd);
	return 0;
}

/* with_fd: give the sleeper a fresh eventfd (q->fd), else none. */
static int
queue_open_ops(struct queue *q, enum vspin_mode mode, uint32_t sleep_max_us,
	       bool with_fd, const struct vspin_sleeper_ops *ops)
{
	struct vspin_policy_conf c;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	q->check_fd = -1;
	q->why = (enum vspin_wake) - 1;
	vspin_policy_conf_default(&c);
	c.mode = mode;
	c.sleep_max_us = sleep_max_us;
	vspin_policy_init(&q->pol, &c, hz, &q->st);
	vspin_sleeper_init(&q->s, &q->pol, ops, q);
	if (with_fd && give_new_fd(q) != 0)
		return -1;
	/*
	 * A first, busy poll: the queue joins this thread's group (a queue
	 * never sleeps on its first poll in a group: vspin_sleeper.c).
	 */
	vspin_sleeper_poll(&q->s, 1, true, vspin_rdtsc());
	return 0;
}

static int
queue_open(struct queue *q, enum vspin_mode mode, uint32_t sleep_max_us,
	   bool with_fd)
{
	return queue_open_ops(q, mode, sleep_max_us, with_fd, &fake_ops);
}

static void
queue_close(struct queue *q)
{
	vspin_sleeper_release(&q->s);
	q->fd = -1;
}

/* One poll that found n entries; *us: how long the call took. */
static bool
qpoll(struct queue *q, unsigned int n, bool may_block, uint64_t *us)
{
	uint64_t t0 = vt_now_us();
	bool r = vspin_sleeper_poll(&q->s, n, may_block, vspin_rdtsc());

	if (us != NULL)
		*us = vt_now_us() - t0;
	return r;
}

/* How long a test waits for a member to be gone (passes and time). */
#define GONE_WAIT_US (30u * VSPIN_SLEEPER_GONE_US)

/*
 * b alone, idle, until it sleeps, for GONE_WAIT_US at most: the poll that
 * slept (0: none), *us the time from the first poll to the start of that
 * one. Another queue no longer polled is gone after 1024 passes and
 * VSPIN_SLEEPER_GONE_US.
 */
static unsigned int
first_sleep_timed(struct queue *b, uint64_t *us)
{
	uint64_t t0 = vt_now_us(), t;
	unsigned int i;

	for (i = 1; (t = vt_now_us()) - t0 < GONE_WAIT_US; i++)
		if (qpoll(b, 0, true, NULL)) {
			*us = t - t0;
			return i;
		}
	*us = t - t0;
	return 0;
}

/* A first sleep of a queue once the other was gone: after both bounds. */
static bool
slept_once_gone(unsigned int first, uint64_t us)
{
	return first > VSPIN_SLEEPER_GONE_PASSES && us >= VSPIN_SLEEPER_GONE_US;
}

static bool
fd_closed(int fd)
{
	errno = 0;
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/* An eventfd's count, read without draining it (-1: unknown). */
static long long
efd_count(int fd)
{
	char path[64], line[128];
	unsigned long long v;
	long long ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "eventfd-count: %llx", &v) == 1) {
			ret = (long long)v;
			break;
		}
	fclose(f);
	return ret;
}

#define FD_SCAN 1024

/* Mark in is[] the fds below FD_SCAN that are eventfds. */
static void
list_eventfds(bool *is)
{
	char path[64], link[64];
	ssize_t r;
	int fd;

	for (fd = 0; fd < FD_SCAN; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		r = readlink(path, link, sizeof(link) - 1);
		is[fd] = r > 0 && (link[r] = '\0', strstr(link, "[eventfd]"));
	}
}

/*
 * A stray doorbell count (a wake-up sent while nobody slept) ends the
 * next sleep at once, by design. Every timed case starts with a drained
 * doorbell: a detached queue alone sleeps at most 1 ms on it.
 */
static void
flush_doorbell(void)
{
	struct queue q;

	queue_open(&q, VSPIN_MODE_NOTIFY, 1000, false);
	vspin_sleeper_poll_detached(&q.s, true);
	queue_close(&q);
}

/* The actor: a control-plane thread acting on a blocked owner. */
enum act {
	ACT_SIGNAL,
	ACT_WAKE,
	ACT_WAKE_ALL,
	ACT_GIVE,
	ACT_RELEASE,
	ACT_INTERRUPT
};

struct step {
	enum act what;
	struct queue *q;
	int fd; /* ACT_SIGNAL: the fd to signal; ACT_GIVE: the fd to give */
};

#define ACTOR_STEPS 2

struct actor {
	pthread_t th;
	pid_t owner;
	int statfd; /* the owner's /proc stat, opened once: no fd churn */
	unsigned int nsteps;
	struct step steps[ACTOR_STEPS];
	unsigned int go; /* atomic: the owner is about to block for step go-1 */
	unsigned int done; /* atomic: steps done */
	/* Per step, what the actor saw. */
	bool blocked[ACTOR_STEPS]; /* the owner was in 'S' before the act */
	uint64_t acted_us[ACTOR_STEPS];
	char state_after[ACTOR_STEPS]; /* the owner's state once it returned */
	bool released_fd_closed[ACTOR_STEPS];
	/* ACT_RELEASE: the owner's doorbell and its count once it returned. */
	int bell;
	long long bell_count[ACTOR_STEPS];
	int cpu; /* run on this CPU (the owner's), or -1 */
};

static char
task_state(int statfd)
{
	char buf[512], *p;
	ssize_t r = pread(statfd, buf, sizeof(buf) - 1, 0);

	if (r <= 0)
		return '?';
	buf[r] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : '?';
}

static void *
actor_main(void *arg)
{
	struct actor *a = arg;
	unsigned int i;

	if (a->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(a->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	for (i = 0; i < a->nsteps; i++) {
		struct step *st = &a->steps[i];
		uint64_t t0 = vt_now_us();

		while (__atomic_load_n(&a->go, __ATOMIC_ACQUIRE) < i + 1 &&
		       vt_now_us() - t0 < 10000000u)
			usleep(100);
		/* Blocked in its ppoll; give up after a second (a failure). */
		t0 = vt_now_us();
		while (!(a->blocked[i] = task_state(a->statfd) == 'S') &&
		       vt_now_us() - t0 < 1000000u)
			usleep(200);
		a->acted_us[i] = vt_now_us();
		switch (st->what) {
		case ACT_SIGNAL:
			vspin_eventfd_signal(st->fd);
			break;
		case ACT_WAKE:
			vspin_sleeper_wake(&st->q->s);
			break;
		case ACT_WAKE_ALL: /* the census: reaches no queue */
			vspin_sleeper_wake_all();
			break;
		case ACT_GIVE:
			vspin_sleeper_give_fd(&st->q->s, st->fd);
			break;
		case ACT_INTERRUPT: /* SIGALRM to the owner alone */
			syscall(SYS_tgkill, getpid(), a->owner, SIGALRM);
			break;
		case ACT_RELEASE:
			vspin_sleeper_release(&st->q->s);
			/* Before any fd is created: nobody reuses the number. */
			a->released_fd_closed[i] = fd_closed(st->q->fd);
			/* 0 once the owner drained it, after its ppoll. */
			a->bell_count[i] =
				a->bell >= 0 ? efd_count(a->bell) : -1;
			break;
		}
		a->state_after[i] = task_state(a->statfd);
		__atomic_store_n(&a->done, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int
actor_start_on(struct actor *a, pid_t owner, unsigned int nsteps,
	       const struct step *steps, int bell, int cpu)
{
	char path[64];

	memset(a, 0, sizeof(*a));
	a->owner = owner;
	a->bell = -1;
	a->cpu = -1;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)owner);
	a->statfd = open(path, O_RDONLY | O_CLOEXEC);
	if (a->statfd < 0)
		return -1;
	a->nsteps = nsteps;
	memcpy(a->steps, steps, nsteps * sizeof(*steps));
	a->bell = bell;
	a->cpu = cpu;
	if (pthread_create(&a->th, NULL, actor_main, a) != 0) {
		close(a->statfd);
		return -1;
	}
	return 0;
}

static int
actor_start(struct actor *a, pid_t owner, unsigned int nsteps,
	    const struct step *steps)
{
	return actor_start_on(a, owner, nsteps, steps, -1, -1);
}

/* The owner: about to poll with step i's sleep. */
static void
actor_go(struct actor *a, unsigned int i)
{
	__atomic_store_n(&a->go, i + 1, __ATOMIC_RELEASE);
}

/* The owner: spin (never 'S') until step i is done. */
static void
actor_wait_done(struct actor *a, unsigned int i)
{
	while (__atomic_load_n(&a->done, __ATOMIC_ACQUIRE) < i + 1)
		sched_yield();
}

static void
actor_join(struct actor *a)
{
	/* A step the owner never reached still runs, so the actor ends. */
	__atomic_store_n(&a->go, a->nsteps, __ATOMIC_RELEASE);
	pthread_join(a->th, NULL);
	close(a->statfd);
}

/*
 * Polling threads other than this one, alive until the process exits
 * (their groups then live as long): T2 polls moved queues (case 9), T3 is
 * the owner of case 5. runner_run() runs fn there and waits for it.
 */
struct runner {
	pthread_mutex_t m;
	pthread_cond_t c;
	pthread_t th;
	bool started;
	pid_t tid;
	void (*fn)(void *);
	void *arg;
};

#define RUNNER_INIT                                                            \
	{                                                                      \
		.m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER  \
	}

static struct runner t2 = RUNNER_INIT, t3 = RUNNER_INIT;

static void *
runner_main(void *arg)
{
	struct runner *rn = arg;

	pthread_mutex_lock(&rn->m);
	rn->tid = my_tid();
	pthread_cond_broadcast(&rn->c);
	for (;;) {
		while (rn->fn == NULL)
			pthread_cond_wait(&rn->c, &rn->m);
		pthread_mutex_unlock(&rn->m);
		rn->fn(rn->arg);
		pthread_mutex_lock(&rn->m);
		rn->fn = NULL;
		pthread_cond_broadcast(&rn->c);
	}
	return NULL;
}

static pid_t
runner_tid(struct runner *rn)
{
	pthread_mutex_lock(&rn->m);
	if (!rn->started) {
		rn->started =
			pthread_create(&rn->th, NULL, runner_main, rn) == 0;
		while (rn->started && rn->tid == 0)
			pthread_cond_wait(&rn->c, &rn->m);
	}
	pthread_mutex_unlock(&rn->m);
	return rn->tid;
}

static bool
runner_run(struct runner *rn, void (*fn)(void *), void *arg)
{
	if (runner_tid(rn) == 0)
		return false;
	pthread_mutex_lock(&rn->m);
	rn->arg = arg;
	rn->fn = fn;
	pthread_cond_broadcast(&rn->c);
	while (rn->fn != NULL)
		pthread_cond_wait(&rn->c, &rn->m);
	pthread_mutex_unlock(&rn->m);
	return true;
}

/* Release from another thread. */
static void *
release_main(void *arg)
{
	vspin_sleeper_release(&((struct queue *)arg)->s);
	return NULL;
}

static void
release_from_thread(struct queue *q)
{
	pthread_t th;

	if (pthread_create(&th, NULL, release_main, q) == 0)
		pthread_join(th, NULL);
	else
		vspin_sleeper_release(&q->s);
}

/*
 * Case 1. One queue armed, the other busy or in poll mode: no sleep.
 * Both armed: the thread sleeps, a signal on B wakes it, B counts a
 * wake-up and A does not, and each applies the sleep on its own poll.
 */
static void
test_sleep_only_when_all_armed(void)
{
	struct queue a, b, c;
	struct actor act;
	uint64_t us, t1;
	bool r;
	int i;

	flush_doorbell();
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, LONG_US, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, LONG_US, true) ==
				   0,
		   "set-up: errno %d", errno);
	/* B busy, A armed: A's polls never block. */
	r = qpoll(&b, 1, true, &us);
	VT_CHECK(!r && us < QUICK_US, "busy b: slept %d, %llu us", r,
		 (unsigned long long)us);
	for (i = 0; i < 3; i++) {
		r = qpoll(&a, 0, true, &us);
		VT_CHECK(!r && us < QUICK_US,
			 "a armed, b busy: poll %d slept %d, %llu us", i, r,
			 (unsigned long long)us);
		r = qpoll(&b, 1, true, &us);
		VT_CHECK(!r && us < QUICK_US, "busy b: slept %d, %llu us", r,
			 (unsigned long long)us);
	}
	VT_CHECK(a.arms == 1 && a.pol.state == VSPIN_ST_ARMED,
		 "a: arms %u state %d, expected 1 and ARMED", a.arms,
		 a.pol.state);
	VT_CHECK(b.arms == 0 && a.disarms == 0 && b.disarms == 0,
		 "b arms %u, disarms a %u b %u: expected none", b.arms,
		 a.disarms, b.disarms);
	queue_close(&a);
	queue_close(&b);

	/*
	 * C in poll mode (never arms): no sleep either, and A does not arm
	 * for one that cannot come.
	 */
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, LONG_US, true) == 0 &&
			   queue_open(&c, VSPIN_MODE_POLL, LONG_US, true) == 0,
		   "set-up: errno %d", errno);
	qpoll(&c, 0, true, NULL);
	for (i = 0; i < 3; i++) {
		r = qpoll(&a, 0, true, &us);
		VT_CHECK(!r && us < QUICK_US,
			 "a armed, c poll mode: slept %d, %llu us", r,
			 (unsigned long long)us);
		r = qpoll(&c, 0, true, &us);
		VT_CHECK(!r && us < QUICK_US,
			 "c in poll mode: slept %d, %llu us", r,
			 (unsigned long long)us);
	}
	VT_CHECK(c.arms == 0 && a.arms == 0, "arms c %u a %u, expected 0 0",
		 c.arms, a.arms);
	queue_close(&a);
	queue_close(&c);

	/* Both armed: sleep; B's producer signals. */
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, LONG_US, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, LONG_US, true) ==
				   0,
		   "set-up: errno %d", errno);
	qpoll(&b, 1, true, NULL); /* B joins the group first */
	r = qpoll(&a, 0, true, &us);
	VT_CHECK(!r, "a slept while b was busy (%llu us)",
		 (unsigned long long)us);
	VT_REQUIRE(actor_start(&act, my_tid(), 1,
			       &(struct step){ACT_SIGNAL, &b, b.fd}) == 0,
		   "actor: errno %d", errno);
	actor_go(&act, 0);
	r = qpoll(&b, 0, true, &us);
	t1 = vt_now_us();
	actor_join(&act);
	VT_CHECK(r, "both armed: did not sleep (%llu us)",
		 (unsigned long long)us);
	VT_CHECK(act.blocked[0], "the owner was never seen blocked");
	VT_CHECK(t1 - act.acted_us[0] < WOKE_US,
		 "woke %llu us after b's signal, expected < %u",
		 (unsigned long long)(t1 - act.acted_us[0]), WOKE_US);
	VT_CHECK(b.st.sleeps == 1 && b.st.wakeups == 1 &&
			 b.st.sleep_timeouts == 0 &&
			 b.why == VSPIN_WAKE_NOTIFIED,
		 "b: sleeps %llu wakeups %llu timeouts %llu why %d, expected "
		 "1 1 0 NOTIFIED",
		 (unsigned long long)b.st.sleeps,
		 (unsigned long long)b.st.wakeups,
		 (unsigned long long)b.st.sleep_timeouts, (int)b.why);
	VT_CHECK(b.disarms == 1, "b disarmed %u times on its own poll",
		 b.disarms);
	/* Lazy: A learns of the sleep on its own next poll, not before. */
	VT_CHECK(a.disarms == 0 && a.wokes == 0 && a.st.sleeps == 0,
		 "a before its next poll: disarms %u wokes %u sleeps %llu, "
		 "expected 0 0 0",
		 a.disarms, a.wokes, (unsigned long long)a.st.sleeps);
	r = qpoll(&a, 0, true, &us);
	VT_CHECK(!r && us < QUICK_US,
		 "a's next poll slept %d (%llu us) with b not armed", r,
		 (unsigned long long)us);
	VT_CHECK(a.disarms == 1 && a.wokes == 1 && a.why == VSPIN_WAKE_OTHER,
		 "a after its next poll: disarms %u wokes %u why %d, expected "
		 "1 1 OTHER",
		 a.disarms, a.wokes, (int)a.why);
	VT_CHECK(a.st.sleeps == 1 && a.st.wakeups == 0 &&
			 a.st.sleep_timeouts == 0,
		 "a: sleeps %llu wakeups %llu timeouts %llu, expected 1 0 0",
		 (unsigned long long)a.st.sleeps,
		 (unsigned long long)a.st.wakeups,
		 (unsigned long long)a.st.sleep_timeouts);
	qpoll(&b, 1, true, NULL);
	VT_CHECK(b.disarms == 1 && a.disarms == 1,
		 "a sleep applied twice: disarms a %u b %u", a.disarms,
		 b.disarms);
	queue_close(&a);
	queue_close(&b);
}

/*
 * A member's ring goes away while the group sleeps (the host's device is
 * destroyed: its gate closes, the doorbell rings): the member's next
 * poll is detached and counts the sleep, but must not call its ring's
 * ops, which would reach into a device being freed.
 */
static void
test_ring_gone_during_sleep(void)
{
	struct actor act;
	struct queue a, b;
	uint64_t us;
	bool r;

	flush_doorbell();
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, LONG_US, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, LONG_US, true) ==
				   0,
		   "set-up: errno %d", errno);
	qpoll(&b, 1, true, NULL); /* B joins the group first */
	qpoll(&a, 0, true, NULL); /* A arms */
	VT_REQUIRE(actor_start(&act, my_tid(), 1,
			       &(struct step){ACT_WAKE, &a, -1}) == 0,
		   "actor: errno %d", errno);
	actor_go(&act, 0);
	r = qpoll(&b, 0, true, &us); /* both armed: the group sleeps */
	actor_join(&act);
	VT_CHECK(r, "both armed: did not sleep (%llu us)",
		 (unsigned long long)us);
	vspin_sleeper_poll_detached(&a.s, false);
	VT_CHECK(a.disarms == 0 && a.wokes == 0,
		 "a's ring gone: its ops were called (disarms %u wokes %u)",
		 a.disarms, a.wokes);
	VT_CHECK(a.st.sleeps == 1, "a: sleeps %llu, expected the group's 1",
		 (unsigned long long)a.st.sleeps);
	queue_close(&a);
	queue_close(&b);
}

/*
 * Case 2. may_block false: no sleep and no arm; an armed queue is
 * disarmed and back to POLL.
 */
static void
test_may_block_false(void)
{
	struct queue a, b;
	uint64_t us, total = 0;
	unsigned int slept = 0;
	int i;

	flush_doorbell();
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, LONG_US, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, LONG_US, true) ==
				   0,
		   "set-up: errno %d", errno);
	qpoll(&b, 1, true, NULL);
	qpoll(&a, 0, true, NULL);
	VT_REQUIRE(a.pol.state == VSPIN_ST_ARMED && a.arms == 1,
		   "a not armed: state %d arms %u", a.pol.state, a.arms);
	VT_CHECK(!qpoll(&a, 0, false, &us) && us < QUICK_US,
		 "may_block false: slept (%llu us)", (unsigned long long)us);
	VT_CHECK(a.disarms == 1 && a.pol.state == VSPIN_ST_POLL,
		 "armed a with may_block false: disarms %u state %d, expected "
		 "1 POLL",
		 a.disarms, a.pol.state);
	VT_CHECK(!qpoll(&a, 0, false, NULL) && a.arms == 1 && a.disarms == 1,
		 "again: arms %u disarms %u, expected 1 1", a.arms, a.disarms);
	queue_close(&a);
	queue_close(&b);

	/* Alone (it would sleep if blocking were allowed): never arms. */
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, LONG_US, true) == 0,
		   "set-up: errno %d", errno);
	for (i = 0; i < 100; i++) {
		slept += qpoll(&a, 0, false, &us);
		total += us;
	}
	VT_CHECK(slept == 0 && total < 5 * QUICK_US,
		 "100 polls may_block false: slept %u times, %llu us", slept,
		 (unsigned long long)total);
	VT_CHECK(a.arms == 0 && a.pol.state != VSPIN_ST_ARMED &&
			 a.st.sleeps == 0,
		 "arms %u state %d sleeps %llu, expected no arm, no sleep",
		 a.arms, a.pol.state, (unsigned long long)a.st.sleeps);
	queue_close(&a);
}

/*
 * Work found by polls that may not block ends the idle period the policy
 * had begun: the next empty poll starts a fresh spin window instead of
 * arming at once on a window the busy stretch used up, and the busy
 * stretch is not counted as spun.
 */
static void
test_unseen_work_ends_idle(void)
{
	const uint64_t window_us = 50000, busy_us = 80000;
	struct queue a;
	uint64_t t0, us, spun_us;

	VT_REQUIRE(queue_open(&a, VSPIN_MODE_SPIN, 100000, true) == 0,
		   "set-up: errno %d", errno);
	a.pol.window = vspin_us_to_cycles(window_us, hz);
	VT_REQUIRE(!qpoll(&a, 0, true, NULL) && a.pol.state == VSPIN_ST_SPIN,
		   "first empty poll: state %d, expected SPIN", a.pol.state);
	t0 = vt_now_us();
	while (vt_now_us() - t0 < busy_us)
		(void)qpoll(&a, 4, false, NULL);
	VT_CHECK(!qpoll(&a, 0, true, &us) && us < QUICK_US && a.arms == 0 &&
			 a.st.sleeps == 0 && a.pol.state == VSPIN_ST_SPIN,
		 "empty poll after %llu us of unseen work: slept %llu us, "
		 "arms %u sleeps %llu state %d, expected a new spin window",
		 (unsigned long long)busy_us, (unsigned long long)us, a.arms,
		 (unsigned long long)a.st.sleeps, a.pol.state);
	spun_us = a.st.spin_cycles * 1000000 / hz;
	VT_CHECK(spun_us < busy_us / 2,
		 "%llu us counted as spun over %llu us of work",
		 (unsigned long long)spun_us, (unsigned long long)busy_us);
	queue_close(&a);
}

/*
 * Case 3. The doorbell: vspin_sleeper_wake() ends a sleep at once, and so
 * does vspin_sleeper_wake_all() (what a port coming or going calls).
 */
static void
doorbell(enum act how)
{
	struct queue q;
	struct actor act;
	uint64_t us, t1;
	bool r;

	flush_doorbell();
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, LONG_US, true) == 0,
		   "set-up: errno %d", errno);
	VT_REQUIRE(actor_start(&act, my_tid(), 1,
			       &(struct step){how, &q, -1}) == 0,
		   "actor: errno %d", errno);
	actor_go(&act, 0);
	r = qpoll(&q, 0, true, &us);
	t1 = vt_now_us();
	actor_join(&act);
	VT_CHECK(r && act.blocked[0], "slept %d, seen blocked %d", r,
		 act.blocked[0]);
	VT_CHECK(t1 - act.acted_us[0] < WOKE_US,
		 "woke %llu us after vspin_sleeper_wake%s(), expected < %u",
		 (unsigned long long)(t1 - act.acted_us[0]),
		 how == ACT_WAKE_ALL ? "_all" : "", WOKE_US);
	VT_CHECK(q.why == VSPIN_WAKE_OTHER && q.st.wakeups == 0 &&
			 q.st.sleep_timeouts == 0,
		 "why %d wakeups %llu timeouts %llu, expected OTHER 0 0",
		 (int)q.why, (unsigned long long)q.st.wakeups,
		 (unsigned long long)q.st.sleep_timeouts);
	queue_close(&q);
}

static void
test_doorbell(void)
{
	doorbell(ACT_WAKE);
}

static void
test_doorbell_wake_all(void)
{
	doorbell(ACT_WAKE_ALL);
}

/*
 * Case 4. give_fd while the owner sleeps on fd1: it wakes, takes fd2 on
 * its next poll, closes fd1 itself, and a signal on fd2 wakes it.
 */
static void
test_give_fd(void)
{
	struct queue q;
	struct actor act;
	struct step steps[2];
	uint64_t us, t1, t2v;
	int fd1, fd2;
	bool r1, r2, closed_after;

	flush_doorbell();
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, LONG_US, true) == 0,
		   "set-up: errno %d", errno);
	fd1 = q.fd;
	fd2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	VT_REQUIRE(fd2 >= 0, "eventfd: errno %d", errno);
	steps[0] = (struct step){ACT_GIVE, &q, fd2};
	steps[1] = (struct step){ACT_SIGNAL, &q, fd2};
	VT_REQUIRE(actor_start(&act, my_tid(), 2, steps) == 0,
		   "actor: errno %d", errno);
	actor_go(&act, 0);
	r1 = qpoll(&q, 0, true, &us); /* sleeps on fd1 */
	t1 = vt_now_us();
	/* The next poll takes fd2 and closes fd1 before it arms. */
	q.check_fd = fd1;
	actor_go(&act, 1);
	r2 = qpoll(&q, 0, true, &us); /* sleeps on fd2 */
	t2v = vt_now_us();
	closed_after = fd_closed(fd1); /* no fd created since */
	actor_join(&act);
	VT_CHECK(r1 && act.blocked[0], "first sleep %d, seen blocked %d", r1,
		 act.blocked[0]);
	VT_CHECK(t1 - act.acted_us[0] < WOKE_US,
		 "woke %llu us after give_fd, expected < %u",
		 (unsigned long long)(t1 - act.acted_us[0]), WOKE_US);
	VT_CHECK(q.checked && q.check_r == -1 && q.check_errno == EBADF,
		 "fd1 at the next arm: checked %d fcntl %d errno %d, expected "
		 "closed (EBADF)",
		 q.checked, q.check_r, q.check_errno);
	VT_CHECK(closed_after, "fd1 %d still open after the owner's poll", fd1);
	VT_CHECK(q.s.fd == fd2, "the sleeper's fd is %d, expected fd2 %d",
		 q.s.fd, fd2);
	VT_CHECK(r2 && act.blocked[1], "second sleep %d, seen blocked %d", r2,
		 act.blocked[1]);
	VT_CHECK(t2v - act.acted_us[1] < WOKE_US,
		 "woke %llu us after fd2's signal, expected < %u",
		 (unsigned long long)(t2v - act.acted_us[1]), WOKE_US);
	VT_CHECK(q.why == VSPIN_WAKE_NOTIFIED && q.st.wakeups == 1,
		 "on fd2: why %d wakeups %llu, expected NOTIFIED 1", (int)q.why,
		 (unsigned long long)q.st.wakeups);
	/* No fd from now on (a ring without one): poll only, fd2 closed. */
	vspin_sleeper_give_fd(&q.s, -1);
	r2 = qpoll(&q, 0, true, &us);
	VT_CHECK(!r2 && us < QUICK_US && q.s.fd == -1,
		 "after give_fd(-1): slept %d (%llu us), fd %d, expected no "
		 "sleep and no fd",
		 r2, (unsigned long long)us, q.s.fd);
	VT_CHECK(fd_closed(fd2), "fd2 %d still open after give_fd(-1)", fd2);
	queue_close(&q);
}

/* Case 5, part 1, on T3 (the owner). */
struct rel_job {
	struct queue *a, *b;
	struct actor act;
	bool started, slept, slept_again, idle;
	int bell, cpu, polls;
	uint64_t us;
};

static void
release_job(void *arg)
{
	struct rel_job *j = arg;
	static bool had[FD_SCAN], has[FD_SCAN];
	struct sched_param sp = {0};
	struct step steps[2];
	cpu_set_t set;
	int fd;

	/* The group (and its doorbell) is made by T3's first poll. */
	list_eventfds(had);
	qpoll(j->a, 1, true, NULL);
	list_eventfds(has);
	j->bell = -1;
	for (fd = 0; fd < FD_SCAN; fd++)
		if (has[fd] && !had[fd])
			j->bell = fd;
	qpoll(j->b, 0, true, NULL); /* B armed, A busy: no sleep */
	/*
	 * The actor on our CPU, and we at idle priority: woken by the
	 * doorbell we cannot run (and drain it) before the actor stops, so
	 * a release that returns without waiting for us is caught.
	 */
	j->cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(j->cpu, &set);
	if (j->cpu < 0 ||
	    pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		j->cpu = -1;
	j->idle = pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) == 0;
	steps[0] = (struct step){ACT_RELEASE, j->b, -1};
	steps[1] = (struct step){ACT_SIGNAL, j->a, j->a->fd};
	j->started = actor_start_on(&j->act, my_tid(), 2, steps, j->bell,
				    j->cpu) == 0;
	if (!j->started)
		return;
	actor_go(&j->act, 0);
	j->slept = qpoll(j->a, 0, true, &j->us); /* on A, B and the bell */
	/* Spin, not 'S', until the release returned and looked at us. */
	actor_wait_done(&j->act, 0);
	/* A alone now: its next sleep must not wait for B any more. */
	actor_go(&j->act, 1);
	for (j->polls = 0; j->polls < 5 && !j->slept_again; j->polls++)
		j->slept_again = qpoll(j->a, 0, true, NULL) &&
				 j->a->why == VSPIN_WAKE_NOTIFIED;
	actor_join(&j->act);
}

/*
 * Case 5. Release from another thread while the owner is blocked: it
 * returns only after the owner left its ppoll, closes the queue's fds,
 * and the owner's group no longer holds the queue. Then 200 give/release
 * cycles leak no fd.
 */
static void
test_release_while_blocked(void)
{
	struct queue a, b, q;
	struct rel_job j;
	int b_fd, before, after, i;

	VT_REQUIRE(runner_tid(&t3) != 0, "T3 not started");
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, LONG_US, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, LONG_US, true) ==
				   0,
		   "set-up: errno %d", errno);
	b_fd = b.fd;
	memset(&j, 0, sizeof(j));
	j.a = &a;
	j.b = &b;
	runner_run(&t3, release_job, &j);
	VT_REQUIRE(j.started, "actor: errno %d", errno);
	VT_CHECK(j.bell >= 0, "T3's doorbell not found among its eventfds");
	if (j.cpu < 0 || !j.idle)
		printf("  note: owner pinned %d, idle priority %d: a release "
		       "that does not wait may go unseen\n",
		       j.cpu >= 0, j.idle);
	VT_CHECK(j.slept && j.act.blocked[0],
		 "slept %d, seen blocked %d (%llu us)", j.slept,
		 j.act.blocked[0], (unsigned long long)j.us);
	VT_CHECK(j.act.bell_count[0] == 0 && j.act.state_after[0] != 'S',
		 "release returned before the owner left its ppoll: doorbell "
		 "count %lld (0 once drained after the ppoll), owner state %c",
		 j.act.bell_count[0], j.act.state_after[0]);
	VT_CHECK(j.act.released_fd_closed[0],
		 "b's fd %d still open when release returned", b_fd);
	VT_CHECK(b.s.fd == -1 && b.s.group == NULL && b.s.slot == NULL,
		 "b after release: fd %d group %p slot %p", b.s.fd,
		 (void *)b.s.group, (void *)b.s.slot);
	VT_CHECK(j.slept_again && j.act.blocked[1],
		 "a alone never slept "
		 "in %d polls after b was released (slept %d, seen blocked "
		 "%d, a: sleeps %llu, state %d): b's dead slot still counts "
		 "in nused",
		 j.polls, j.slept_again, j.act.blocked[1],
		 (unsigned long long)a.st.sleeps, a.pol.state);
	queue_close(&a);

	/* 200 give/release cycles, some fds never taken: no fd leak. */
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, LONG_US, false) == 0,
		   "set-up");
	qpoll(&q, 1, false, NULL); /* the group and its doorbell exist */
	before = vt_proc_entries("/proc/self/fd");
	for (i = 0; i < 200; i++) {
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

		VT_REQUIRE(fd >= 0, "eventfd: errno %d", errno);
		vspin_sleeper_give_fd(&q.s, fd);
		if (i % 3 == 0) /* replaces one never taken */
			vspin_sleeper_give_fd(
				&q.s, eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
		if (i % 2 == 0) /* taken */
			qpoll(&q, i % 4 == 0, false, NULL);
		if (i % 5 == 0)
			release_from_thread(&q);
		else
			vspin_sleeper_release(&q.s);
	}
	after = vt_proc_entries("/proc/self/fd");
	VT_CHECK(before > 0 && after == before,
		 "open fds %d before 200 give/release cycles, %d after", before,
		 after);
}

static void *
poll_once_main(void *arg)
{
	qpoll(arg, 1, false, NULL);
	return NULL;
}

/* q joins the group of a new thread, which then exits. */
static void
poll_in_new_thread(struct queue *q)
{
	pthread_t th;

	if (pthread_create(&th, NULL, poll_once_main, q) == 0)
		pthread_join(th, NULL);
}

/*
 * Case 5b. Polling threads that end (OVS's PMD threads at each
 * pmd-cpu-mask change): a thread's group, its doorbell and timer go once
 * the thread has exited and no queue refers to it. Until then a queue of
 * the ended thread can still be woken and released. 100 threads that
 * poll a queue and exit, the queue released after every other one and
 * taken over by the next thread otherwise: no fd left behind.
 */
static void
test_thread_exit_frees_group(void)
{
	struct queue q;
	int before, after, i;

	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, LONG_US, false) == 0,
		   "set-up");
	vspin_sleeper_release(&q.s);
	before = vt_proc_entries("/proc/self/fd");
	for (i = 0; i < 100; i++) {
		poll_in_new_thread(&q);
		/* Its thread has gone, its group not yet. */
		vspin_sleeper_wake(&q.s);
		if (i % 2 == 0)
			vspin_sleeper_release(&q.s);
	}
	vspin_sleeper_release(&q.s);
	after = vt_proc_entries("/proc/self/fd");
	VT_CHECK(before > 0 && after == before,
		 "open fds %d before 100 polling threads came and went, %d "
		 "after",
		 before, after);
}

/* Case 6. Detached: sleeps until vspin_sleeper_wake(), or not at all. */
static void
test_detached(void)
{
	struct queue q;
	struct actor act;
	uint64_t us, t1;
	bool r;

	flush_doorbell();
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, LONG_US, false) == 0,
		   "set-up");
	VT_REQUIRE(actor_start(&act, my_tid(), 1,
			       &(struct step){ACT_WAKE, &q, -1}) == 0,
		   "actor: errno %d", errno);
	actor_go(&act, 0);
	r = vspin_sleeper_poll_detached(&q.s, true);
	t1 = vt_now_us();
	actor_join(&act);
	VT_CHECK(r && act.blocked[0], "detached: slept %d, seen blocked %d", r,
		 act.blocked[0]);
	VT_CHECK(t1 - act.acted_us[0] < WOKE_US,
		 "woke %llu us after vspin_sleeper_wake(), expected < %u",
		 (unsigned long long)(t1 - act.acted_us[0]), WOKE_US);
	us = vt_now_us();
	r = vspin_sleeper_poll_detached(&q.s, false);
	us = vt_now_us() - us;
	VT_CHECK(!r && us < QUICK_US, "may_block false: slept %d, %llu us", r,
		 (unsigned long long)us);
	/* No ring: the ops are never called; the sleep itself is counted. */
	VT_CHECK(q.arms == 0 && q.st.sleeps == 1,
		 "detached: arms %u policy sleeps %llu, expected 0 1", q.arms,
		 (unsigned long long)q.st.sleeps);
	queue_close(&q);
}

/*
 * Case 7. A count written while the queue was busy is drained before it
 * arms: the sleep lasts until the (short) timeout.
 */
static void
test_drain_before_arm(void)
{
	struct queue q;
	uint64_t us;
	bool r;
	int i;

	flush_doorbell();
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, 50000, true) == 0,
		   "set-up: errno %d", errno);
	qpoll(&q, 1, true, NULL);
	for (i = 0; i < 3; i++) /* kicks while busy */
		vspin_eventfd_signal(q.fd);
	qpoll(&q, 2, true, NULL);
	r = qpoll(&q, 0, true, &us); /* idle: arm, sleep */
	VT_CHECK(r && us >= 40000,
		 "slept %d for %llu us, expected the 50 ms timeout", r,
		 (unsigned long long)us);
	VT_CHECK(q.why == VSPIN_WAKE_TIMEOUT && q.st.sleep_timeouts == 1 &&
			 q.st.wakeups == 0,
		 "why %d timeouts %llu wakeups %llu, expected TIMEOUT 1 0",
		 (int)q.why, (unsigned long long)q.st.sleep_timeouts,
		 (unsigned long long)q.st.wakeups);
	qpoll(&q, 0, true, NULL); /* counts a spurious one if notified */
	VT_CHECK(q.st.spurious_wakeups == 0, "spurious wake-ups %llu",
		 (unsigned long long)q.st.spurious_wakeups);
	queue_close(&q);
}

/* Set up VSPIN_GROUP_MAX members, all busy. */
static struct queue *
full_group(void)
{
	struct queue *qs = calloc(VSPIN_GROUP_MAX, sizeof(*qs));
	int i;

	if (qs == NULL)
		return NULL;
	for (i = 0; i < VSPIN_GROUP_MAX; i++) {
		if (queue_open(&qs[i], VSPIN_MODE_NOTIFY, LONG_US, true) != 0) {
			while (i-- > 0)
				queue_close(&qs[i]);
			free(qs);
			return NULL;
		}
		qpoll(&qs[i], 1, true, NULL);
	}
	return qs;
}

static void
close_all(struct queue *qs, int from)
{
	int i;

	for (i = from; i < VSPIN_GROUP_MAX; i++)
		queue_close(&qs[i]);
	free(qs);
}

/* Arm every member from `from`; returns how many polls slept. */
static unsigned int
arm_all(struct queue *qs, int from, uint64_t *total_us)
{
	unsigned int slept = 0;
	uint64_t us;
	int i;

	*total_us = 0;
	for (i = from; i < VSPIN_GROUP_MAX; i++) {
		slept += qpoll(&qs[i], 0, true, &us);
		*total_us += us;
	}
	return slept;
}

/*
 * Case 8. A full group plus one queue that cannot join: nobody sleeps;
 * once a member is released, the extra one joins and all sleep.
 */
static void
test_group_full(void)
{
	struct queue *qs, e;
	struct actor act;
	uint64_t us, t1;
	unsigned int slept;
	bool r;

	flush_doorbell();
	qs = full_group();
	VT_REQUIRE(qs != NULL, "set-up: errno %d", errno);
	VT_REQUIRE(queue_open(&e, VSPIN_MODE_NOTIFY, LONG_US, true) == 0,
		   "set-up: errno %d", errno);
	r = qpoll(&e, 0, true, &us);
	VT_CHECK(!r && e.arms == 0 && e.s.slot == NULL,
		 "the extra queue: slept %d arms %u slot %p, expected no "
		 "room",
		 r, e.arms, (void *)e.s.slot);
	slept = arm_all(qs, 0, &us);
	VT_CHECK(slept == 0 && us < 5 * QUICK_US,
		 "all %d members idle, one outside: %u polls slept, %llu us",
		 VSPIN_GROUP_MAX, slept, (unsigned long long)us);
	VT_CHECK(qs[0].arms == 0 && qs[VSPIN_GROUP_MAX - 1].arms == 0,
		 "members armed (%u, %u) beside a queue waiting for a slot",
		 qs[0].arms, qs[VSPIN_GROUP_MAX - 1].arms);
	r = qpoll(&e, 0, true, &us);
	VT_CHECK(!r && e.arms == 0, "the extra queue: slept %d arms %u", r,
		 e.arms);
	release_from_thread(&qs[0]);
	qpoll(&e, 1, true, NULL); /* joins: never sleeps on its first poll */
	/* Nobody waits now: the members arm (e busy: no sleep yet). */
	slept = arm_all(qs, 1, &us);
	VT_CHECK(slept == 0, "the members slept %u times with e busy", slept);
	VT_REQUIRE(actor_start(&act, my_tid(), 1,
			       &(struct step){ACT_SIGNAL, &e, e.fd}) == 0,
		   "actor: errno %d", errno);
	actor_go(&act, 0);
	r = qpoll(&e, 0, true, &us); /* arms: every member ready */
	t1 = vt_now_us();
	actor_join(&act);
	VT_CHECK(e.s.slot != NULL && e.arms == 1,
		 "after a release: the extra queue has slot %p, arms %u",
		 (void *)e.s.slot, e.arms);
	VT_CHECK(r && act.blocked[0], "all armed: slept %d, seen blocked %d", r,
		 act.blocked[0]);
	VT_CHECK(t1 - act.acted_us[0] < WOKE_US,
		 "woke %llu us after the signal, expected < %u",
		 (unsigned long long)(t1 - act.acted_us[0]), WOKE_US);
	VT_CHECK(e.st.wakeups == 1, "e wakeups %llu, expected 1",
		 (unsigned long long)e.st.wakeups);
	queue_close(&e);
	close_all(qs, 1);
}

/*
 * Case 8b. The queue that could not join is released (it is no longer
 * polled): the full group's members alone can sleep again.
 */
static void
test_group_full_extra_released(void)
{
	struct queue *qs, e;
	struct actor act;
	uint64_t us;
	unsigned int slept;

	flush_doorbell();
	qs = full_group();
	VT_REQUIRE(qs != NULL, "set-up: errno %d", errno);
	VT_REQUIRE(queue_open(&e, VSPIN_MODE_NOTIFY, LONG_US, true) == 0,
		   "set-up: errno %d", errno);
	qpoll(&e, 0, true, NULL); /* cannot join */
	queue_close(&e);
	VT_REQUIRE(actor_start(&act, my_tid(), 1,
			       &(struct step){ACT_SIGNAL, &qs[0], qs[0].fd}) ==
			   0,
		   "actor: errno %d", errno);
	actor_go(&act, 0);
	slept = arm_all(qs, 0, &us);
	actor_join(&act);
	VT_CHECK(slept == 1 && act.blocked[0],
		 "the %d members, all "
		 "armed, slept %u times (seen blocked %d) after the queue "
		 "that could not join was released: overflow never cleared",
		 VSPIN_GROUP_MAX, slept, act.blocked[0]);
	close_all(qs, 0);
}

/*
 * Case 8c. The queue that could not join is no longer polled (the
 * application stopped polling it, as testpmd's "set nbport" does, without
 * stopping the port): like a gone member, it stops vetoing after 1024
 * passes, and vetoes again once polled again.
 */
static void
test_group_full_extra_unpolled(void)
{
	struct queue *qs = calloc(VSPIN_GROUP_MAX + 1, sizeof(*qs));
	struct queue *e = qs + VSPIN_GROUP_MAX;
	unsigned int i, pass, first = 0, slept = 0;
	uint64_t t0, us = 0;
	bool ok = true;

	VT_REQUIRE(qs != NULL, "set-up: no memory");
	flush_doorbell();
	for (i = 0; i <= VSPIN_GROUP_MAX; i++)
		ok &= queue_open(&qs[i], VSPIN_MODE_NOTIFY, 1000, true) == 0;
	VT_REQUIRE(ok && e->s.slot == NULL && e->s.waiting,
		   "set-up: errno %d, the extra queue has a slot", errno);
	/* The members alone, idle: a 1 ms sleep a pass, once it is gone. */
	t0 = vt_now_us();
	for (pass = 1; vt_now_us() - t0 < GONE_WAIT_US && first == 0; pass++)
		for (i = 0; i < VSPIN_GROUP_MAX; i++)
			if (qpoll(&qs[i], 0, true, NULL) && first == 0) {
				first = pass;
				us = vt_now_us() - t0;
			}
	VT_CHECK(slept_once_gone(first, us),
		 "the extra queue unpolled: the %d members slept first in "
		 "pass %u, %llu us in, expected after 1024 passes and %u us",
		 VSPIN_GROUP_MAX, first, (unsigned long long)us,
		 VSPIN_SLEEPER_GONE_US);
	/* Polled again, still no room: it vetoes again. */
	qpoll(e, 0, true, NULL);
	for (pass = 0; pass < 3; pass++)
		for (i = 0; i < VSPIN_GROUP_MAX; i++)
			slept += qpoll(&qs[i], 0, true, NULL);
	VT_CHECK(slept == 0 && e->s.waiting,
		 "the extra queue polled again (waiting %d): %u sleeps",
		 e->s.waiting, slept);
	for (i = 0; i <= VSPIN_GROUP_MAX; i++)
		queue_close(&qs[i]);
	free(qs);
}

/* Case 9: Q's polls on T2. */
struct t2_job {
	struct queue *q;
	unsigned int n;
	int polls;
	bool slept;
	enum vspin_wake why;
	struct actor *act;
};

static void
t2_poll(void *arg)
{
	struct t2_job *j = arg;
	int i;

	j->slept = false;
	if (j->act != NULL)
		actor_go(j->act, 0);
	for (i = 0; i < j->polls && !j->slept; i++)
		j->slept = qpoll(j->q, j->n, true, NULL);
	j->why = j->q->why;
}

/* The owner polls q (empty) until a signalled sleep, at most 3 polls. */
static bool
sleep_notified(struct queue *q, struct actor *act, unsigned int step)
{
	bool r = false;
	int i;

	actor_go(act, step);
	for (i = 0; i < 3 && !r; i++)
		r = qpoll(q, 0, true, NULL) && q->why == VSPIN_WAKE_NOTIFIED;
	return r;
}

/*
 * Case 9. Q, polled (armed) by T1 (this thread), is then polled by T2:
 * T2 can sleep with it, and T1's group drops it (P alone sleeps).
 */
static void
test_move_armed_queue(void)
{
	struct queue p, q;
	struct actor act;
	struct t2_job job;
	pid_t tid2 = runner_tid(&t2);
	bool r;

	VT_REQUIRE(tid2 != 0, "T2 not started");
	flush_doorbell();
	VT_REQUIRE(queue_open(&p, VSPIN_MODE_NOTIFY, LONG_US, true) == 0 &&
			   queue_open(&q, VSPIN_MODE_NOTIFY, LONG_US, true) ==
				   0,
		   "set-up: errno %d", errno);
	qpoll(&p, 1, true, NULL);
	r = qpoll(&q, 0, true, NULL);
	VT_REQUIRE(!r && q.pol.state == VSPIN_ST_ARMED,
		   "q on T1: slept %d state %d, expected armed, no sleep", r,
		   q.pol.state);

	/* T2 takes Q over (Q still armed) and must be able to sleep. */
	VT_REQUIRE(actor_start(&act, tid2, 1,
			       &(struct step){ACT_SIGNAL, &q, q.fd}) == 0,
		   "actor: errno %d", errno);
	job = (struct t2_job){.q = &q, .n = 0, .polls = 3, .act = &act};
	runner_run(&t2, t2_poll, &job);
	actor_join(&act);
	VT_CHECK(job.slept && act.blocked[0] && job.why == VSPIN_WAKE_NOTIFIED,
		 "T2 never slept with q alone in %d polls (slept %d, seen "
		 "blocked %d, why %d, q state %d, arms %u): q arrived armed "
		 "in a fresh slot that was never made ready",
		 job.polls, job.slept, act.blocked[0], (int)job.why,
		 q.pol.state, q.arms);

	/* T1 with P alone: Q is no longer in its group. */
	VT_REQUIRE(actor_start(&act, my_tid(), 1,
			       &(struct step){ACT_SIGNAL, &p, p.fd}) == 0,
		   "actor: errno %d", errno);
	r = sleep_notified(&p, &act, 0);
	actor_join(&act);
	VT_CHECK(r && act.blocked[0] && p.st.wakeups == 1,
		 "T1 with p alone: signalled sleep %d, seen blocked %d, "
		 "wakeups %llu",
		 r, act.blocked[0], (unsigned long long)p.st.wakeups);
	queue_close(&p);
	queue_close(&q);
}

/*
 * Case 9b. The same move, but Q was busy (not ready) on T1 when T2 took
 * it: T1 with P alone must still be able to sleep.
 */
static void
test_move_busy_queue(void)
{
	struct queue p, q;
	struct actor act;
	struct t2_job job;
	pid_t tid2 = runner_tid(&t2);
	bool r;

	VT_REQUIRE(tid2 != 0, "T2 not started");
	flush_doorbell();
	VT_REQUIRE(queue_open(&p, VSPIN_MODE_NOTIFY, LONG_US, true) == 0 &&
			   queue_open(&q, VSPIN_MODE_NOTIFY, LONG_US, true) ==
				   0,
		   "set-up: errno %d", errno);
	qpoll(&p, 1, true, NULL);
	qpoll(&q, 1, true, NULL);
	job = (struct t2_job){.q = &q, .n = 1, .polls = 1, .act = NULL};
	runner_run(&t2, t2_poll, &job);
	VT_CHECK(!job.slept, "T2 slept with q busy");
	VT_REQUIRE(actor_start(&act, my_tid(), 1,
			       &(struct step){ACT_SIGNAL, &p, p.fd}) == 0,
		   "actor: errno %d", errno);
	r = sleep_notified(&p, &act, 0);
	actor_join(&act);
	VT_CHECK(r && act.blocked[0] && p.st.wakeups == 1,
		 "T1 with p alone "
		 "never slept after busy q moved to T2 (signalled sleep %d, "
		 "seen blocked %d, wakeups %llu, p state %d)",
		 r, act.blocked[0], (unsigned long long)p.st.wakeups,
		 p.pol.state);
	queue_close(&p);
	queue_close(&q);
}

/*
 * Case 11. A queue never puts its thread to sleep on its first poll in a
 * group: the thread's other queues may not have joined yet (testpmd's
 * first loop, a queue restarted). Its second poll may.
 */
static void
test_no_sleep_on_first_poll(void)
{
	struct queue q;
	uint64_t us;
	bool r;

	flush_doorbell();
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, 20000, true) == 0,
		   "set-up: errno %d", errno);
	vspin_sleeper_release(&q.s); /* out of the group, fd closed */
	VT_REQUIRE(give_new_fd(&q) == 0, "eventfd: errno %d", errno);
	r = qpoll(&q, 0, true, &us); /* joins again: its first poll */
	VT_CHECK(!r && us < QUICK_US,
		 "slept %d (%llu us) on its first poll in the group", r,
		 (unsigned long long)us);
	r = qpoll(&q, 0, true, &us);
	VT_CHECK(r && us >= 15000,
		 "second poll, armed and alone: slept %d for %llu us, "
		 "expected the 20 ms timeout",
		 r, (unsigned long long)us);
	queue_close(&q);
}

/*
 * A queue whose arm's recheck found entries is not ready, whatever it was
 * before: here it was ready while detached, and its first poll with a
 * ring armed and found work. Another queue of the thread that arms next
 * must not put the thread to sleep (nothing would end that sleep but
 * its timeout: the recheck already saw the entries).
 */
static void
test_recheck_hit_not_ready(void)
{
	struct queue a, b;
	uint64_t us;
	bool r;

	flush_doorbell();
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, LONG_US, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, LONG_US, true) ==
				   0,
		   "set-up: errno %d", errno);
	/* Both join; a, detached, is armed and ready; b is busy. */
	qpoll(&b, 1, true, NULL);
	vspin_sleeper_poll_detached(&a.s, true);
	qpoll(&b, 1, true, NULL);
	vspin_sleeper_poll_detached(&a.s, true);
	/* A ring comes: a's first poll arms, and the recheck finds entries. */
	a.work_on_arm = true;
	r = qpoll(&a, 0, true, &us);
	VT_CHECK(!r && a.arms == 1 && a.st.arm_rechecks_hit == 1,
		 "a: slept %d, arms %u, rechecks hit %llu, expected 0 1 1", r,
		 a.arms, (unsigned long long)a.st.arm_rechecks_hit);
	r = qpoll(&b, 0, true, &us); /* b arms, empty: a still has work */
	VT_CHECK(!r && us < QUICK_US,
		 "b armed: the thread slept %d for %llu us while a had work", r,
		 (unsigned long long)us);
	/*
	 * The same after the PMD reset a's armed policy itself (the host's
	 * quiet_pending after a ring change): a, armed and ready while b is
	 * busy, is reset, arms again and finds work.
	 */
	a.work_on_arm = false;
	qpoll(&b, 1, true, NULL);
	qpoll(&a, 0, true, NULL);
	r = qpoll(&a, 0, true, NULL); /* armed, ready; b busy: no sleep */
	VT_REQUIRE(!r && vspin_policy_armed_p(&a.pol), "a did not arm");
	vspin_policy_reset(&a.pol);
	a.work_on_arm = true;
	qpoll(&a, 0, true, NULL);
	r = qpoll(&b, 0, true, &us);
	VT_CHECK(!r && us < QUICK_US,
		 "after a reset: the thread slept %d for %llu us while a had "
		 "work",
		 r, (unsigned long long)us);
	queue_close(&a);
	queue_close(&b);
}

/*
 * A queue the thread stopped polling (testpmd's "set nbport 1": the port
 * stays started) stops holding it awake after 1024 passes of its loop
 * (GONE_PASSES), and holds it again once it is polled again. Another
 * queue drained burst by burst meanwhile is no pass.
 */
static void
test_gone_member(void)
{
	struct queue a, b;
	uint64_t us;
	unsigned int i, first_sleep;
	bool r;

	flush_doorbell();
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, 20000, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, LONG_US, true) ==
				   0,
		   "set-up: errno %d", errno);
	for (i = 0; i < 3; i++) { /* both join; b busy at its last poll */
		qpoll(&a, 0, true, NULL);
		qpoll(&b, 1, true, NULL);
	}
	/* Draining a, burst by burst, is one pass: b still counts. */
	for (i = 0; i < 2000; i++)
		qpoll(&a, 32, true, NULL);
	r = qpoll(&a, 0, true, &us);
	VT_CHECK(!r && us < QUICK_US,
		 "a drained in 2000 bursts, then idle: slept %d (b, busy, "
		 "counted as gone)",
		 r);
	/*
	 * Only a is polled now, idle: b, not ready, holds it awake until b
	 * has missed 1024 passes (each poll of a is one) and 100 ms.
	 */
	first_sleep = first_sleep_timed(&a, &us);
	VT_CHECK(slept_once_gone(first_sleep, us),
		 "a alone slept first at its poll %u, %llu us in, expected "
		 "after 1024 passes and %u us without b",
		 first_sleep, (unsigned long long)us, VSPIN_SLEEPER_GONE_US);
	/* b is polled again, busy: it holds the thread again. */
	r = qpoll(&b, 1, true, &us);
	VT_CHECK(!r && us < QUICK_US, "b back: slept %d", r);
	r = qpoll(&a, 0, true, &us);
	VT_CHECK(!r && us < QUICK_US, "b back and busy: a slept %d for %llu us",
		 r, (unsigned long long)us);
	queue_close(&a);
	queue_close(&b);
}

/*
 * A queue the application polls far less often than another (once every
 * 2000 turns, sleep=always) is still a member. Busy at its polls
 * (blocker false), it keeps the thread awake: counted as gone by passes
 * alone, it let the other sleep its whole bound on almost every poll, and
 * its own next poll came 976 sleeps late. A member that may not block
 * (blocker true: its port's sleep rule) keeps the other from even arming
 * (a pass-only rule let it arm 3 times).
 */
static void
rarely_polled(bool blocker)
{
	struct queue a, b;
	unsigned int round, i, slept = 0;

	flush_doorbell();
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, 1000, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, LONG_US, true) ==
				   0,
		   "set-up: errno %d", errno);
	for (round = 0; round < 3; round++) {
		qpoll(&b, !blocker, !blocker, NULL);
		for (i = 0; i < 2000; i++)
			slept += qpoll(&a, 0, true, NULL);
	}
	VT_CHECK(slept == 0 && (!blocker || a.arms == 0),
		 "b %s, polled every 2000 turns: a slept %u times and armed "
		 "%u in 6000 polls",
		 blocker ? "may not block" : "busy at each poll", slept,
		 a.arms);
	queue_close(&a);
	queue_close(&b);
}

static void
test_rarely_polled_member(void)
{
	rarely_polled(false);
}

static void
test_rarely_polled_blocker(void)
{
	rarely_polled(true);
}

/*
 * Passes of x (idle; may_block as given) and b (busy and idle by
 * turns): how many b's polls slept; *arms: b's arms meanwhile.
 */
static unsigned int
passes_beside(struct queue *x, bool x_may_block, struct queue *b,
	      unsigned int passes, unsigned int *arms)
{
	unsigned int i, slept = 0, arms0 = b->arms;

	for (i = 0; i < passes; i++) {
		qpoll(x, 0, x_may_block, NULL);
		slept += qpoll(b, i & 1, true, NULL);
	}
	*arms = b->arms - arms0;
	return slept;
}

/* b alone, idle, until it sleeps (at most n polls): the poll that slept. */
static unsigned int
first_sleep_alone(struct queue *b, unsigned int n)
{
	unsigned int i;

	for (i = 1; i <= n; i++)
		if (qpoll(b, 0, true, NULL))
			return i;
	return 0;
}

/*
 * A queue that can never be ready (it may not block, has no fd, or naps
 * in ovs_sleep mode) keeps its thread awake: a sibling must not arm
 * meanwhile (each arm drains its eventfd, a system call, and has its
 * producer notify) for a sleep that cannot come. Once the blocker can be
 * ready again, is gone (not polled for 1024 passes), moves to another
 * thread or is released, the sibling arms and the thread sleeps again.
 */
static void
test_blocked_member_no_arm(void)
{
	struct queue a, b, c;
	struct t2_job job;
	unsigned int slept, arms, first, i;
	uint64_t us;

	flush_doorbell();
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, 20000, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, 20000, true) == 0,
		   "set-up: errno %d", errno);
	slept = passes_beside(&a, false, &b, 1000, &arms);
	VT_CHECK(slept == 0 && arms == 0 && b.disarms == 0,
		 "beside a queue that may not block, 500 idle gaps: b armed "
		 "%u times (disarms %u), slept %u, expected none",
		 arms, b.disarms, slept);
	/* a may block again: both arm, the thread sleeps. */
	slept = passes_beside(&a, true, &b, 2, &arms);
	VT_CHECK(slept == 1 && arms == 1,
		 "a may block again: b armed %u, slept %u, expected 1 1", arms,
		 slept);
	/* a may not block, then is no longer polled: gone after 1024. */
	passes_beside(&a, false, &b, 2, &arms);
	first = first_sleep_timed(&b, &us);
	VT_CHECK(slept_once_gone(first, us),
		 "a stood down, then unpolled: b slept first at its poll %u, "
		 "%llu us in, expected after 1024 passes and %u us",
		 first, (unsigned long long)us, VSPIN_SLEEPER_GONE_US);
	/* a back (it may not block): b stands down again; a moves to T2. */
	passes_beside(&a, false, &b, 10, &arms);
	VT_CHECK(arms == 0, "a back: b armed %u times", arms);
	job = (struct t2_job){.q = &a, .n = 1, .polls = 1, .act = NULL};
	VT_CHECK(runner_run(&t2, t2_poll, &job), "T2 not started");
	first = first_sleep_alone(&b, 3);
	VT_CHECK(first != 0, "a moved to T2: b alone never slept");
	/* a back on this thread, may not block; then released. */
	passes_beside(&a, false, &b, 10, &arms);
	VT_CHECK(arms == 0, "a back from T2: b armed %u times", arms);
	queue_close(&a);
	first = first_sleep_alone(&b, 3);
	VT_CHECK(first != 0, "a released: b alone never slept");

	/*
	 * A queue with no fd (a host queue polling only), then one in
	 * ovs_sleep mode (it naps; it is never ready).
	 */
	for (i = 0; i < 2; i++) {
		static const char *const what[] = {"a queue with no fd",
						   "an ovs_sleep queue"};
		bool ovs = i == 1;

		VT_REQUIRE(queue_open(&c,
				      ovs ? VSPIN_MODE_OVS_SLEEP :
					    VSPIN_MODE_NOTIFY,
				      20000, ovs) == 0,
			   "set-up: errno %d", errno);
		slept = passes_beside(&c, true, &b, 100, &arms);
		VT_CHECK(slept == 0 && arms == 0,
			 "beside %s: b armed %u, slept %u", what[i], arms,
			 slept);
		queue_close(&c);
		VT_CHECK(first_sleep_alone(&b, 3) != 0,
			 "%s released: b never slept", what[i]);
	}
	queue_close(&b);
}

/*
 * A queue's fd is dead: a pipe whose writer closed (the host keeps
 * whatever fd its frontend sent as a kick). Every wait on it ends at
 * once, so each sleep would be a busy loop counted as a timeout. The
 * first sleep finds it dead: from then on the queue polls only, and its
 * sibling stands down with it (no sleep, no arm), until a live fd comes.
 */
static void
test_hung_up_fd(void)
{
	struct queue a, b;
	unsigned int i, slept = 0, arms;
	uint64_t us = 0;
	bool r = false;
	int p[2];

	flush_doorbell();
	VT_REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0, "pipe: errno %d",
		   errno);
	close(p[1]);
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, 50000, false) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, 50000, true) == 0,
		   "set-up: errno %d", errno);
	vspin_sleeper_give_fd(&a.s, p[0]);
	a.fd = p[0];
	for (i = 0; i < 1000; i++) {
		slept += qpoll(&a, 0, true, NULL);
		slept += qpoll(&b, 0, true, NULL);
	}
	arms = b.arms;
	VT_CHECK(slept <= 1 && a.st.sleep_timeouts + b.st.sleep_timeouts == 0,
		 "a's fd hung up: %u sleeps in 1000 passes, timeouts a %llu b "
		 "%llu, expected at most the one that found it",
		 slept, (unsigned long long)a.st.sleep_timeouts,
		 (unsigned long long)b.st.sleep_timeouts);
	VT_CHECK(arms <= 1 && a.arms <= 1,
		 "arms a %u b %u: armed on beside a queue that cannot sleep",
		 a.arms, arms);
	/* A live fd: a sleeps again, to its bound (once a doorbell's past). */
	VT_REQUIRE(give_new_fd(&a) == 0, "eventfd: errno %d", errno);
	for (i = 0; i < 4 && !(r && us >= 40000); i++) {
		qpoll(&a, 0, true, NULL);
		r = qpoll(&b, 0, true, &us);
	}
	VT_CHECK(r && us >= 40000,
		 "given a live fd: slept %d for %llu us, expected its 50 ms "
		 "bound",
		 r, (unsigned long long)us);
	queue_close(&a);
	queue_close(&b);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/* q slept once, no notification: why, and a timeout only if it was one. */
static void
check_one_sleep(const struct queue *q, enum vspin_wake why, const char *what)
{
	unsigned long long timeouts = why == VSPIN_WAKE_TIMEOUT;

	VT_CHECK(q->why == why && q->st.sleep_timeouts == timeouts &&
			 q->st.wakeups == 0 && q->st.sleeps == 1,
		 "%s: why %d timeouts %llu wakeups %llu sleeps %llu, expected "
		 "%d %llu 0 1",
		 what, (int)q->why, (unsigned long long)q->st.sleep_timeouts,
		 (unsigned long long)q->st.wakeups,
		 (unsigned long long)q->st.sleeps, (int)why, timeouts);
}

/*
 * A signal handler runs while the thread sleeps (ppoll() fails with EINTR,
 * SA_RESTART or not): the sleep ended neither by its bound nor by a
 * notification. Counted as a timeout, adaptive would learn a long gap.
 * The signal goes to the owner alone: other threads of this process
 * would take a process-wide SIGALRM (ualarm()) as well.
 */
static void
test_interrupted_sleep(void)
{
	struct sigaction sa, old;
	struct actor act;
	struct queue q;
	uint64_t us;
	bool r;

	flush_doorbell();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	VT_REQUIRE(sigaction(SIGALRM, &sa, &old) == 0, "sigaction: errno %d",
		   errno);
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, 1000000, true) == 0,
		   "set-up: errno %d", errno);
	VT_REQUIRE(actor_start(&act, my_tid(), 1,
			       &(struct step){ACT_INTERRUPT, &q, -1}) == 0,
		   "actor: errno %d", errno);
	actor_go(&act, 0);
	r = qpoll(&q, 0, true, &us);
	actor_join(&act);
	sigaction(SIGALRM, &old, NULL);
	VT_CHECK(r && act.blocked[0] && us < 500000,
		 "slept %d (seen blocked %d) for %llu us of its 1 s bound", r,
		 act.blocked[0], (unsigned long long)us);
	check_one_sleep(&q, VSPIN_WAKE_OTHER, "interrupted");
	queue_close(&q);
}

/* Case 10. Nothing signalled: the sleep ends by its sleep_max_us. */
static void
test_timeout(void)
{
	struct queue q;
	uint64_t us;
	bool r;

	flush_doorbell();
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, 20000, true) == 0,
		   "set-up: errno %d", errno);
	r = qpoll(&q, 0, true, &us);
	VT_CHECK(r && us >= 15000 && us < 1000000,
		 "slept %d for %llu us, expected about 20 ms", r,
		 (unsigned long long)us);
	check_one_sleep(&q, VSPIN_WAKE_TIMEOUT, "nothing signalled");
	queue_close(&q);
}

/* Calls fn for each line of the fdinfo of each of this process's timerfds. */
static void
each_timerfd_line(void (*fn)(const char *line, void *arg), void *arg)
{
	char path[64], link[64], line[128];
	ssize_t r;
	FILE *f;
	int fd;

	for (fd = 0; fd < FD_SCAN; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		r = readlink(path, link, sizeof(link) - 1);
		if (r <= 0 || (link[r] = '\0', !strstr(link, "[timerfd]")))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f))
			fn(line, arg);
		fclose(f);
	}
}

static void
note_abs_expiry(const char *line, void *arg)
{
	if (strstr(line, "settime flags: 01"))
		*(bool *)arg = true;
}

/* Is one of this process's fds a timerfd set with an absolute expiry? */
static bool
abs_timerfd_open(void)
{
	bool found = false;

	each_timerfd_line(note_abs_expiry, &found);
	return found;
}

static void
note_time_left(const char *line, void *arg)
{
	long long sec, nsec;
	uint64_t *most = arg, us;

	if (sscanf(line, "it_value: (%lld, %lld)", &sec, &nsec) != 2)
		return;
	us = (uint64_t)sec * 1000000u + (uint64_t)nsec / 1000u;
	if (us > *most)
		*most = us;
}

/* The longest time left before a timerfd of this process expires, in us. */
static uint64_t
timerfd_time_left_us(void)
{
	uint64_t most = 0;

	each_timerfd_line(note_time_left, &most);
	return most;
}

/* Every one of n sleeps ended by its bound, none by a wake-up. */
static void
check_timeouts(const struct queue *q, uint64_t n)
{
	VT_CHECK(q->st.sleep_timeouts == n && q->st.wakeups == 0 &&
			 q->st.sleeps == n,
		 "timeouts %llu wakeups %llu sleeps %llu, expected %llu 0 %llu",
		 (unsigned long long)q->st.sleep_timeouts,
		 (unsigned long long)q->st.wakeups,
		 (unsigned long long)q->st.sleeps, (unsigned long long)n,
		 (unsigned long long)n);
}

/*
 * Case 10b. A bound shorter than the tick is kept by the group's timer
 * (vspin_deadline.h), not by the wait: nothing signalled, each of two
 * sleeps in a row ends by it, as a timeout, after about its 3 ms (the
 * first expiry, drained by the wait, does not end the second at once).
 */
static void
test_short_bound_timer(void)
{
	struct queue q;
	uint64_t us[2];
	unsigned int i;
	bool r[2];

	flush_doorbell();
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, 3000, true) == 0,
		   "set-up: errno %d", errno);
	for (i = 0; i < 2; i++) {
		r[i] = qpoll(&q, 0, true, &us[i]);
		qpoll(&q, 1, true, NULL); /* applies the wake-up */
	}
	for (i = 0; i < 2; i++)
		VT_CHECK(r[i] && us[i] >= 2500 && us[i] < 1000000,
			 "sleep %u: slept %d for %llu us, expected about 3 ms",
			 i, r[i], (unsigned long long)us[i]);
	VT_CHECK(abs_timerfd_open(),
		 "no timerfd set with an absolute expiry: the wait's own "
		 "timeout bounded the sleeps");
	check_timeouts(&q, 2);
	queue_close(&q);
}

/* Read by a helper thread during a nap (test_nap_own_timeout). */
struct timer_probe {
	uint32_t after_us;
	uint64_t left_us;
};

static void *
probe_timers(void *arg)
{
	struct timer_probe *t = arg;

	usleep(t->after_us);
	t->left_us = timerfd_time_left_us();
	return NULL;
}

/*
 * Case 10b'. A nap (the policy's timer_wakes: adaptive sets it for a
 * batch its timer wakes) shorter than the tick ends on the wait's own
 * timeout, not on the group's timer as the bound of case 10b does:
 * setting and draining the timerfd would cost two system calls a nap.
 * 1 ms into a 3.5 ms nap no timerfd of the process has 1 ms left (the
 * group's would have about 2.5), and the nap ends as a timeout.
 */
static void
test_nap_own_timeout(void)
{
	const uint32_t nap_us = 3500;
	struct timer_probe probe = {.after_us = 1000};
	pthread_t th;
	struct queue q;
	uint64_t us;
	bool r;

	flush_doorbell();
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_NOTIFY, nap_us, true) == 0,
		   "set-up: errno %d", errno);
	q.pol.timer_wakes = true;
	VT_REQUIRE(pthread_create(&th, NULL, probe_timers, &probe) == 0,
		   "set-up: no helper thread");
	r = qpoll(&q, 0, true, &us);
	pthread_join(th, NULL);
	qpoll(&q, 1, true, NULL); /* applies the wake-up */
	VT_CHECK(r && us >= nap_us - 500 && us < LONG_US,
		 "napped %d for %llu us, expected about 3.5 ms", r,
		 (unsigned long long)us);
	VT_CHECK(probe.left_us < 1000,
		 "1 ms into the nap a timerfd had %llu us left: the "
		 "group's timer, not the wait, was ending it",
		 (unsigned long long)probe.left_us);
	check_timeouts(&q, 1);
	queue_close(&q);
}

/*
 * Case 10c. A queue armed for a batch of K (arm_k set by hand: notify
 * mode arms for 1) in a group that slept lately holds its ring while its
 * thread stays awake for a busy neighbour: not while K entries wait, not
 * past its bound, not once the thread has stayed awake for a few bounds.
 * A held poll reports 0 entries and keeps it armed (no disarm, no
 * recheck hit), so when the neighbour arms the thread sleeps,
 * where a poll that took the batch's first entries would have ended the
 * arm and kept it awake.
 */
static void
test_hold_batch(void)
{
	const uint32_t bound_us = 200000;
	struct queue a, b;
	unsigned int disarms, hits;
	uint64_t armed_at;
	bool held, r;

	flush_doorbell();
	VT_REQUIRE(queue_open_ops(&a, VSPIN_MODE_NOTIFY, bound_us, true,
				  &hold_ops) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, bound_us, true) ==
				   0,
		   "set-up: errno %d", errno);
	a.pol.arm_k = 4;
	a.pending = 2;
	/* Both arm: the group sleeps (to its bound), and has slept lately. */
	qpoll(&a, 0, true, NULL);
	r = qpoll(&b, 0, true, NULL);
	VT_REQUIRE(r, "set-up: the group did not sleep with both armed");
	qpoll(&b, 1, true, NULL); /* b is busy from now on */
	qpoll(&a, 0, true, NULL); /* a arms again, for K = 4 */
	VT_REQUIRE(vspin_policy_armed_p(&a.pol), "set-up: a is not armed");
	held = vspin_sleeper_holds(&a.s);
	VT_CHECK(held, "armed for 4 with 2 waiting, the group slept lately: "
		       "a does not hold");
	a.pending = 4;
	VT_CHECK(!vspin_sleeper_holds(&a.s), "a holds with K entries waiting");
	a.pending = 2;
	armed_at = a.pol.armed_at;
	a.pol.armed_at -= vspin_us_to_cycles(bound_us, hz);
	VT_CHECK(!vspin_sleeper_holds(&a.s), "a holds past its bound");
	a.pol.armed_at = armed_at;
	/* A held poll: 0 entries; a stays armed and ready. */
	disarms = a.disarms;
	hits = (unsigned int)a.st.arm_rechecks_hit;
	r = qpoll(&a, 0, true, NULL);
	VT_CHECK(!r && vspin_policy_armed_p(&a.pol) && a.disarms == disarms &&
			 a.st.arm_rechecks_hit == hits,
		 "held poll: slept %d armed %d disarms %u->%u hits %u->%llu", r,
		 vspin_policy_armed_p(&a.pol), disarms, a.disarms, hits,
		 (unsigned long long)a.st.arm_rechecks_hit);
	/* The neighbour runs dry and arms: the thread sleeps. */
	r = qpoll(&b, 0, true, NULL);
	VT_CHECK(r, "b armed beside a held a: the thread did not sleep");
	/* A thread that has not slept for 4 bounds: no holding. */
	qpoll(&b, 1, true, NULL);
	qpoll(&a, 0, true, NULL);
	usleep(4 * bound_us + 50000);
	a.pol.armed_at = vspin_rdtsc(); /* a fresh arm, in its bound */
	VT_CHECK(vspin_policy_armed_p(&a.pol) && !vspin_sleeper_holds(&a.s),
		 "a holds (armed %d) in a thread that has not slept for "
		 "four of its bounds",
		 vspin_policy_armed_p(&a.pol));
	queue_close(&a);
	queue_close(&b);
}

/*
 * Case 10e. A drained batch (the policy's trickle, set by hand here) holds
 * one poll and only one: the flag is cleared by the hold itself, so a
 * queue that may no longer block, whose polls the policy does not see,
 * is not held for ever.
 */
static void
test_hold_drained_batch_once(void)
{
	struct queue a;

	flush_doorbell();
	VT_REQUIRE(queue_open_ops(&a, VSPIN_MODE_NOTIFY, LONG_US, true,
				  &hold_ops) == 0,
		   "set-up: errno %d", errno);
	qpoll(&a, 1, true, NULL);
	a.pol.trickle = true;
	VT_CHECK(vspin_sleeper_holds(&a.s), "a drained batch: no hold");
	VT_CHECK(!a.pol.trickle && !vspin_sleeper_holds(&a.s),
		 "held a second poll (trickle %d)", a.pol.trickle);
	a.pol.trickle = true;
	qpoll(&a, 1, false, NULL); /* may_block false: no policy */
	VT_CHECK(vspin_sleeper_holds(&a.s) && !vspin_sleeper_holds(&a.s),
		 "may_block false: not held exactly once");
	queue_close(&a);
}

/*
 * Case 10d. A batch's bound counts from its arm: a queue armed for a batch
 * (arm_k set by hand) that waited 200 ms of its 300 ms bound while its
 * thread stayed awake for a busy neighbour gives the group's sleep what
 * is left, about 100 ms, not a whole bound again. (An idle queue's bound,
 * K = 1, only caps a sleep; the neighbour's stays 300 ms.)
 */
static void
test_armed_bound_counts_from_arm(void)
{
	const uint32_t bound_us = 300000;
	struct queue a, b;
	uint64_t us;
	bool r;

	flush_doorbell();
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_NOTIFY, bound_us, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_NOTIFY, bound_us, true) ==
				   0,
		   "set-up: errno %d", errno);
	a.pol.arm_k = 4;
	qpoll(&b, 1, true, NULL); /* busy */
	qpoll(&a, 0, true, NULL); /* arms */
	usleep(200000);
	qpoll(&a, 0, true, NULL); /* still armed: 100 ms left */
	r = qpoll(&b, 0, true, &us);
	VT_CHECK(r && us >= 50000 && us < 190000,
		 "slept %d for %llu us, expected what was left of a's bound "
		 "(about 100 ms), not a whole one (300 ms)",
		 r, (unsigned long long)us);
	queue_close(&a);
	queue_close(&b);
}

/*
 * ovs_sleep: a poll that found entries never naps (its caller holds them);
 * the nap it decided is taken before the next poll, and a poll of 16 or
 * more owes none.
 */
static void
test_ovs_nap_before_next_poll(void)
{
	struct queue q;
	uint64_t us, t0, most = 0;
	bool r, napped;
	int i;

	flush_doorbell();
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_OVS_SLEEP, 20000, true) == 0,
		   "set-up: errno %d", errno);
	/* 300 light polls: the nap grows by 1 us each, to about 300 us. */
	for (i = 0; i < 300; i++) {
		r = qpoll(&q, 1, true, &us);
		if (r || us > most)
			most = r ? UINT64_MAX : us;
		vspin_sleeper_before_poll(&q.s, false); /* may not block */
	}
	VT_CHECK(most < QUICK_US,
		 "a poll that found an entry napped inside the poll "
		 "(longest %llu us)",
		 (unsigned long long)most);
	VT_CHECK(q.st.sleeps == 0, "napped %llu times with may_block false",
		 (unsigned long long)q.st.sleeps);
	r = qpoll(&q, 1, true, &us);
	VT_CHECK(!r && us < QUICK_US, "poll with an entry: slept %d (%llu us)",
		 r, (unsigned long long)us);
	t0 = vt_now_us();
	napped = vspin_sleeper_before_poll(&q.s, true);
	us = vt_now_us() - t0;
	VT_CHECK(napped && us >= 200 && q.st.sleeps == 1,
		 "before the next poll: napped %d for %llu us (sleeps %llu), "
		 "expected about 300 us",
		 napped, (unsigned long long)us,
		 (unsigned long long)q.st.sleeps);
	/* It ran out: said so, as a sleep's end is (sleeps, and how). */
	VT_CHECK(q.st.sleep_timeouts == 1 && q.st.wakeups == 0,
		 "a nap that ran out: sleep_timeouts %llu wakeups %llu, "
		 "expected 1 and 0",
		 (unsigned long long)q.st.sleep_timeouts,
		 (unsigned long long)q.st.wakeups);
	VT_CHECK(!vspin_sleeper_before_poll(&q.s, true),
		 "the owed nap was taken twice");
	qpoll(&q, 16, true, NULL);
	VT_CHECK(!vspin_sleeper_before_poll(&q.s, true),
		 "a poll of 16 entries still owed a nap");
	queue_close(&q);
}

/*
 * ovs_sleep is the thread's rule, as in OVS: a thread that polls a queue
 * finding 16 entries a poll and an idle one never naps, however long the
 * idle one stays idle (a nap of the idle queue's own would hold the busy
 * one back); two idle queues nap once per pass over both, the nap
 * growing by 1 us a pass.
 */
static void
test_ovs_nap_per_thread(void)
{
	struct queue a, b;
	uint64_t t0, us, most = 0;
	int i;

	flush_doorbell();
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_OVS_SLEEP, LONG_US, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_OVS_SLEEP, LONG_US,
				      true) == 0,
		   "set-up: errno %d", errno);
	/* A first pass with a poll of 16: what the thread owed is gone. */
	vspin_sleeper_before_poll(&a.s, true);
	qpoll(&a, 16, true, NULL);
	vspin_sleeper_before_poll(&b.s, true);
	qpoll(&b, 0, true, NULL);
	a.st.sleeps = b.st.sleeps = 0;
	for (i = 0; i < 300; i++) {
		t0 = vt_now_us();
		vspin_sleeper_before_poll(&a.s, true);
		qpoll(&a, 16, true, NULL);
		vspin_sleeper_before_poll(&b.s, true);
		qpoll(&b, 0, true, NULL);
		us = vt_now_us() - t0;
		if (us > most)
			most = us;
	}
	VT_CHECK(a.st.sleeps + b.st.sleeps == 0,
		 "beside a queue of 16 entries a poll the thread napped %llu "
		 "times (the longest pass %llu us)",
		 (unsigned long long)(a.st.sleeps + b.st.sleeps),
		 (unsigned long long)most);
	/* Idle: no nap after the busy pass, then 1, 2, ... 19 us. */
	for (i = 0; i < 20; i++) {
		vspin_sleeper_before_poll(&a.s, true);
		qpoll(&a, 0, true, NULL);
		vspin_sleeper_before_poll(&b.s, true);
		qpoll(&b, 0, true, NULL);
	}
	VT_CHECK(a.st.sleeps + b.st.sleeps == 19,
		 "20 idle passes over two queues: %llu naps, expected 19 (one "
		 "a pass, but the first)",
		 (unsigned long long)(a.st.sleeps + b.st.sleeps));
	/*
	 * b's port may not block (sleep=never): no nap, though the pass
	 * ends at a's turn, whose port may.
	 */
	for (i = 0; i < 21; i++) {
		/* The first turn ends the last pass above, owed a nap. */
		if (i == 1)
			a.st.sleeps = b.st.sleeps = 0;
		vspin_sleeper_before_poll(&a.s, true);
		qpoll(&a, 0, true, NULL);
		vspin_sleeper_before_poll(&b.s, false);
		qpoll(&b, 0, false, NULL);
	}
	VT_CHECK(a.st.sleeps + b.st.sleeps == 0,
		 "20 idle passes, b's port may not block: %llu naps",
		 (unsigned long long)(a.st.sleeps + b.st.sleeps));
	queue_close(&a);
	queue_close(&b);
}

/*
 * ovs_sleep beside a queue of another mode on the same thread: no nap.
 * The nap waits on the doorbell alone, so the other queue's kicks would
 * not end it; that queue would wait up to nap_max_us a pass.
 */
static void
test_ovs_nap_beside_other_mode(void)
{
	struct queue a, b;
	int i;

	flush_doorbell();
	VT_REQUIRE(queue_open(&a, VSPIN_MODE_OVS_SLEEP, LONG_US, true) == 0 &&
			   queue_open(&b, VSPIN_MODE_POLL, LONG_US, true) == 0,
		   "set-up: errno %d", errno);
	for (i = 0; i < 20; i++) {
		vspin_sleeper_before_poll(&a.s, true);
		qpoll(&a, 0, true, NULL);
		vspin_sleeper_before_poll(&b.s, true);
		qpoll(&b, 0, true, NULL);
	}
	VT_CHECK(a.st.sleeps == 0,
		 "20 idle passes beside a poll-mode queue: %llu naps",
		 (unsigned long long)a.st.sleeps);
	queue_close(&b);
	/* Alone again: the naps come back (the first pass ends the veto). */
	for (i = 0; i < 5; i++) {
		vspin_sleeper_before_poll(&a.s, true);
		qpoll(&a, 0, true, NULL);
	}
	VT_CHECK(a.st.sleeps >= 3,
		 "5 idle passes alone after the other queue left: %llu naps",
		 (unsigned long long)a.st.sleeps);
	queue_close(&a);
}

/*
 * ovs_sleep with no peer (detached) and no eventfd: the thread naps as
 * OVS's idle loop does, its nap growing to the maximum, rather than
 * polling flat out.
 */
static void
test_ovs_nap_detached(void)
{
	struct queue q;
	uint64_t t0, us;
	int i;

	flush_doorbell();
	VT_REQUIRE(queue_open(&q, VSPIN_MODE_OVS_SLEEP, LONG_US, false) == 0,
		   "set-up: errno %d", errno);
	q.pol.conf.nap_max_us = 100;
	t0 = vt_now_us();
	for (i = 0; i < 300; i++) {
		vspin_sleeper_before_poll(&q.s, true);
		vspin_sleeper_poll_detached(&q.s, true);
	}
	us = vt_now_us() - t0;
	/* Naps of 0, 1, ... 100, then 100 us: 25 ms asked for in all. */
	VT_CHECK(q.st.sleeps >= 290 && us >= 20000,
		 "300 polls with no peer: %llu naps in %llu us, expected "
		 "about 300 naps and 25 ms or more",
		 (unsigned long long)q.st.sleeps, (unsigned long long)us);
	queue_close(&q);
}

int
main(void)
{
	hz = vspin_tsc_hz();
	VT_RUN(test_sleep_only_when_all_armed);
	VT_RUN(test_may_block_false);
	VT_RUN(test_unseen_work_ends_idle);
	VT_RUN(test_ring_gone_during_sleep);
	VT_RUN(test_doorbell);
	VT_RUN(test_doorbell_wake_all);
	VT_RUN(test_give_fd);
	VT_RUN(test_release_while_blocked);
	VT_RUN(test_thread_exit_frees_group);
	VT_RUN(test_detached);
	VT_RUN(test_drain_before_arm);
	VT_RUN(test_group_full);
	VT_RUN(test_group_full_extra_released);
	VT_RUN(test_group_full_extra_unpolled);
	VT_RUN(test_move_armed_queue);
	VT_RUN(test_move_busy_queue);
	VT_RUN(test_timeout);
	VT_RUN(test_interrupted_sleep);
	VT_RUN(test_short_bound_timer);
	VT_RUN(test_nap_own_timeout);
	VT_RUN(test_hold_batch);
	VT_RUN(test_hold_drained_batch_once);
	VT_RUN(test_armed_bound_counts_from_arm);
	VT_RUN(test_no_sleep_on_first_poll);
	VT_RUN(test_recheck_hit_not_ready);
	VT_RUN(test_gone_member);
	VT_RUN(test_rarely_polled_member);
	VT_RUN(test_rarely_polled_blocker);
	VT_RUN(test_blocked_member_no_arm);
	VT_RUN(test_hung_up_fd);
	VT_RUN(test_ovs_nap_before_next_poll);
	VT_RUN(test_ovs_nap_per_thread);
	VT_RUN(test_ovs_nap_detached);
	VT_RUN(test_ovs_nap_beside_other_mode);
	return vt_summary();
}
