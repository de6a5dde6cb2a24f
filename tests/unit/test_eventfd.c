/* SPDX-License-Identifier: BSD-3-Clause
 * The eventfd helpers (vspin_eventfd.h) on real eventfds: signal, wait,
 * drain, the fired mask, dead fds, the timeout bound (checked
 * generously: other tests share the cores), a wake-up from another
 * thread, a signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "vspin_eventfd.h"
#include "vspin_test.h"

/* The eventfd's count, read non-destructively from /proc. */
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
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "eventfd-count: %llx", &v) == 1) {
			ret = (long long)v;
			break;
		}
	}
	fclose(f);
	return ret;
}

static void
test_signal_adds_one(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);

	VT_REQUIRE(fd >= 0, "eventfd: errno %d", errno);
	VT_CHECK(vspin_eventfd_signal(fd) == 0, "signal failed");
	VT_CHECK(vspin_eventfd_signal(fd) == 0, "signal failed");
	VT_CHECK(efd_count(fd) == 2, "count %lld after 2 signals",
		 efd_count(fd));
	close(fd);
}

static void
test_wait_returns_signalled_and_drains(void)
{
	int fd = eventfd(0, EFD_NONBLOCK), r;

	VT_REQUIRE(fd >= 0, "eventfd: errno %d", errno);
	vspin_eventfd_signal(fd);
	vspin_eventfd_signal(fd);
	vspin_eventfd_signal(fd);
	r = vspin_eventfd_wait(&fd, 1, 1000000);
	VT_CHECK(r == 1, "wait returned %d with a signalled fd", r);
	VT_CHECK(efd_count(fd) == 0, "count %lld after the wait",
		 efd_count(fd));
	r = vspin_eventfd_wait(&fd, 1, 0);
	VT_CHECK(r == 0, "second wait returned %d, expected 0", r);
	close(fd);
}

static void
test_drain_clears_and_never_blocks(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);

	VT_REQUIRE(fd >= 0, "eventfd: errno %d", errno);
	vspin_eventfd_signal(fd);
	vspin_eventfd_drain(fd);
	VT_CHECK(efd_count(fd) == 0, "count %lld after drain", efd_count(fd));
	vspin_eventfd_drain(fd); /* empty: returns at once */
	VT_CHECK(efd_count(fd) == 0, "count %lld", efd_count(fd));
	close(fd);
}

/*
 * A peer shares the fd's file status: it may make the fd blocking, and
 * read the count itself between our poll (or ppoll) and our read. The
 * drain (vspin_eventfd_clear() and the sleep's ppoll() end in it) must
 * not then block until the peer's next signal, which may never come.
 */
struct drain_call {
	int fd;
	bool done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *
drain_in_thread(void *arg)
{
	struct drain_call *c = arg;

	vspin_eventfd_drain(c->fd);
	pthread_mutex_lock(&c->lock);
	c->done = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void
test_drain_never_blocks_on_a_peers_blocking_fd(void)
{
	struct drain_call c = {.done = false};
	struct timespec until;
	pthread_t t;
	int r = 0;

	c.fd = eventfd(0, 0); /* blocking, count 0: the peer read it */
	VT_REQUIRE(c.fd >= 0, "eventfd: errno %d", errno);
	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.cond, NULL);
	VT_REQUIRE(pthread_create(&t, NULL, drain_in_thread, &c) == 0,
		   "thread");
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&c.lock);
	while (!c.done && r == 0)
		r = pthread_cond_timedwait(&c.cond, &c.lock, &until);
	pthread_mutex_unlock(&c.lock);
	if (!c.done) {
		/* Blocked in read(): nothing will wake it; end here. */
		VT_FAIL("drain of a blocking eventfd with no count still "
			"blocked after 5 s");
		printf("FAIL test_drain_never_blocks_on_a_peers_blocking_fd\n");
		fflush(stdout);
		exit(1);
	}
	pthread_join(t, NULL);
	VT_CHECK(efd_count(c.fd) == 0, "count %lld", efd_count(c.fd));
	close(c.fd);
}

static void
test_zero_timeout_does_not_block(void)
{
	int fd = eventfd(0, EFD_NONBLOCK), r;
	uint64_t t0 = vt_now_us(), dt;

	VT_REQUIRE(fd >= 0, "eventfd: errno %d", errno);
	r = vspin_eventfd_wait(&fd, 1, 0);
	dt = vt_now_us() - t0;
	VT_CHECK(r == 0 && dt < 500000, "wait(0) returned %d after %llu us", r,
		 (unsigned long long)dt);
	close(fd);
}

static void
test_timeout_bound_respected(void)
{
	int fd = eventfd(0, EFD_NONBLOCK), r;
	uint64_t t0 = vt_now_us(), dt;

	VT_REQUIRE(fd >= 0, "eventfd: errno %d", errno);
	r = vspin_eventfd_wait(&fd, 1, 30000);
	dt = vt_now_us() - t0;
	VT_CHECK(r == 0, "wait on a silent fd returned %d", r);
	/* At least the bound (less 1 ms of clock slack), at most 3 s. */
	VT_CHECK(dt >= 29000 && dt < 3000000, "a 30 ms wait took %llu us",
		 (unsigned long long)dt);
	/* A bound over one second (the tv_sec part). */
	t0 = vt_now_us();
	r = vspin_eventfd_wait(&fd, 1, 1000500);
	dt = vt_now_us() - t0;
	VT_CHECK(r == 0 && dt >= 999500 && dt < 5000000,
		 "a 1.0005 s wait returned %d after %llu us", r,
		 (unsigned long long)dt);
	close(fd);
}

static void
test_mask_names_the_signalled_fds(void)
{
	int fds[3], r, i;
	uint64_t mask = 0xff;

	for (i = 0; i < 3; i++)
		fds[i] = eventfd(0, EFD_NONBLOCK);
	VT_REQUIRE(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0, "eventfd");
	vspin_eventfd_signal(fds[0]);
	vspin_eventfd_signal(fds[2]);
	vspin_eventfd_signal(fds[2]);
	r = vspin_eventfd_wait_mask(fds, 3, 1000000, &mask, NULL);
	VT_CHECK(r == 2 && mask == 5, "returned %d mask %#llx, expected 2 0x5",
		 r, (unsigned long long)mask);
	for (i = 0; i < 3; i++)
		VT_CHECK(efd_count(fds[i]) == 0, "fd %d count %lld", i,
			 efd_count(fds[i]));
	r = vspin_eventfd_wait_mask(fds, 3, 0, &mask, NULL);
	VT_CHECK(r == 0 && mask == 0, "after drain: %d mask %#llx", r,
		 (unsigned long long)mask);
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

/* Bit 63: the last fd of the largest set. */
static void
test_mask_bit_63(void)
{
	int fds[64], r, i, ok = 1;
	uint64_t mask = 0;

	for (i = 0; i < 64; i++)
		ok &= (fds[i] = eventfd(0, EFD_NONBLOCK)) >= 0;
	VT_REQUIRE(ok, "eventfd");
	vspin_eventfd_signal(fds[63]);
	r = vspin_eventfd_wait_mask(fds, 64, 1000000, &mask, NULL);
	VT_CHECK(r == 1 && mask == UINT64_C(1) << 63, "returned %d mask %#llx",
		 r, (unsigned long long)mask);
	for (i = 0; i < 64; i++)
		close(fds[i]);
}

static void
test_bad_counts_rejected(void)
{
	int fds[65] = {0};
	uint64_t mask;

	VT_CHECK(vspin_eventfd_wait(fds, 0, 0) == -EINVAL, "n=0 accepted");
	VT_CHECK(vspin_eventfd_wait_mask(fds, 65, 0, &mask, NULL) == -EINVAL,
		 "n=65 accepted");
}

/*
 * A dead fd, one no signal can come through and every wait on returns at
 * once for: a pipe whose writer closed, an fd number not open. The wait
 * names it apart from the signalled ones, and does not pass it off as a
 * timeout (a sleep on it would loop, counted as timeouts).
 */
static void
test_dead_fd_reported(void)
{
	uint64_t fired = 0, dead = 0, t0, dt;
	int p[2], fds[3], r;

	VT_REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0, "pipe: errno %d",
		   errno);
	close(p[1]);
	fds[0] = eventfd(0, EFD_NONBLOCK);
	fds[1] = p[0];
	fds[2] = dup(fds[0]);
	VT_REQUIRE(fds[0] >= 0 && fds[2] >= 0, "eventfd: errno %d", errno);
	close(fds[2]); /* not open now: no other thread to reuse it */
	vspin_eventfd_signal(fds[0]);
	t0 = vt_now_us();
	r = vspin_eventfd_wait_mask(fds, 3, 1000000, &fired, &dead);
	dt = vt_now_us() - t0;
	VT_CHECK(r == 3 && fired == 1 && dead == 6 && dt < 500000,
		 "returned %d fired %#llx dead %#llx after %llu us, expected "
		 "3 0x1 0x6 at once",
		 r, (unsigned long long)fired, (unsigned long long)dead,
		 (unsigned long long)dt);
	r = vspin_eventfd_wait(&p[0], 1, 1000000);
	VT_CHECK(r == 1, "wait on a hung-up pipe returned %d, expected 1", r);
	close(fds[0]);
	close(p[0]);
}

static void
test_signal_errors(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);

	VT_CHECK(vspin_eventfd_signal(-1) == -EBADF, "signal(-1) = %d",
		 vspin_eventfd_signal(-1));
	VT_REQUIRE(fd >= 0, "eventfd");
	/* A saturated counter means the peer has a wake-up pending. */
	{
		uint64_t big = UINT64_C(0xfffffffffffffffe);

		VT_REQUIRE(write(fd, &big, sizeof(big)) == sizeof(big),
			   "write");
	}
	VT_CHECK(vspin_eventfd_signal(fd) == 0,
		 "signal of a saturated eventfd failed");
	close(fd);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * A signal handler runs during the wait (ppoll() is never restarted,
 * SA_RESTART or not): -EINTR, told apart from a timeout. No other thread
 * runs here, so the process's SIGALRM reaches this one.
 */
static void
test_interrupted_wait(void)
{
	struct sigaction sa, old;
	int fd = eventfd(0, EFD_NONBLOCK), r;
	uint64_t t0, dt;

	VT_REQUIRE(fd >= 0, "eventfd");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	VT_REQUIRE(sigaction(SIGALRM, &sa, &old) == 0, "sigaction: errno %d",
		   errno);
	t0 = vt_now_us();
	ualarm(20000, 0);
	r = vspin_eventfd_wait(&fd, 1, 1000000);
	dt = vt_now_us() - t0;
	ualarm(0, 0);
	sigaction(SIGALRM, &old, NULL);
	VT_CHECK(r == -EINTR && dt < 500000,
		 "interrupted after 20 ms: returned %d after %llu us, expected "
		 "-EINTR (%d)",
		 r, (unsigned long long)dt, -EINTR);
	close(fd);
}

static void *
late_signal(void *arg)
{
	struct timespec d = {0, 20 * 1000 * 1000};

	nanosleep(&d, NULL);
	vspin_eventfd_signal(*(int *)arg);
	return NULL;
}

static void
test_woken_by_another_thread(void)
{
	int fd = eventfd(0, EFD_NONBLOCK), r;
	uint64_t t0, dt;
	pthread_t t;

	VT_REQUIRE(fd >= 0, "eventfd");
	t0 = vt_now_us();
	VT_REQUIRE(pthread_create(&t, NULL, late_signal, &fd) == 0, "thread");
	r = vspin_eventfd_wait(&fd, 1, 10000000);
	dt = vt_now_us() - t0;
	pthread_join(t, NULL);
	VT_CHECK(r == 1 && dt < 9000000, "returned %d after %llu us", r,
		 (unsigned long long)dt);
	close(fd);
}

int
main(void)
{
	VT_RUN(test_signal_adds_one);
	VT_RUN(test_wait_returns_signalled_and_drains);
	VT_RUN(test_drain_clears_and_never_blocks);
	VT_RUN(test_drain_never_blocks_on_a_peers_blocking_fd);
	VT_RUN(test_zero_timeout_does_not_block);
	VT_RUN(test_timeout_bound_respected);
	VT_RUN(test_mask_names_the_signalled_fds);
	VT_RUN(test_mask_bit_63);
	VT_RUN(test_bad_counts_rejected);
	VT_RUN(test_dead_fd_reported);
	VT_RUN(test_signal_errors);
	VT_RUN(test_woken_by_another_thread);
	VT_RUN(test_interrupted_wait);
	return vt_summary();
}
