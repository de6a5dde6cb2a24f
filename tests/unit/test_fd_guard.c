/* SPDX-License-Identifier: BSD-3-Clause
 * The fd guard (vspin_fd_guard.h): a retire waits for a user that holds
 * the fd, and a user never gets an fd after its retire returned. Real
 * threads; the first case fails if retire does not wait, the second if
 * the Dekker between take and retire is broken.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "vspin_fd_guard.h"
#include "vspin_test.h"

static void
test_take_and_retire(void)
{
	struct vspin_fd_guard g;

	vspin_fd_guard_init(&g);
	VT_CHECK(vspin_fd_guard_take(&g) == -1, "no fd yet");
	vspin_fd_guard_set(&g, 7);
	VT_CHECK(vspin_fd_guard_take(&g) == 7, "set fd");
	vspin_fd_guard_put(&g);
	vspin_fd_guard_retire(&g);
	VT_CHECK(vspin_fd_guard_take(&g) == -1, "retired");
	VT_CHECK(g.users == 0, "users %u after a failed take", g.users);
}

struct holder {
	struct vspin_fd_guard *g;
	uint32_t taken, done;
};

static void *
hold_for_a_while(void *arg)
{
	struct holder *h = arg;
	struct timespec ts = {0, 100 * 1000 * 1000};

	if (vspin_fd_guard_take(h->g) < 0)
		return NULL;
	__atomic_store_n(&h->taken, 1, __ATOMIC_SEQ_CST);
	nanosleep(&ts, NULL);
	__atomic_store_n(&h->done, 1, __ATOMIC_SEQ_CST);
	vspin_fd_guard_put(h->g);
	return NULL;
}

static void
test_retire_waits_for_holder(void)
{
	struct vspin_fd_guard g;
	struct holder h = {.g = &g};
	pthread_t t;

	vspin_fd_guard_init(&g);
	vspin_fd_guard_set(&g, 3);
	VT_REQUIRE(pthread_create(&t, NULL, hold_for_a_while, &h) == 0,
		   "pthread_create");
	while (!__atomic_load_n(&h.taken, __ATOMIC_SEQ_CST))
		;
	vspin_fd_guard_retire(&g);
	VT_CHECK(__atomic_load_n(&h.done, __ATOMIC_SEQ_CST) == 1,
		 "retire returned while the holder still used the fd");
	pthread_join(t, NULL);
}

/* Many rounds: fd n is "closed" (closed[n] set) right after its retire. */
#define ROUNDS 20000

struct race {
	struct vspin_fd_guard g;
	uint8_t closed[ROUNDS + 1];
	uint32_t stop;
	uint64_t uses, bad;
};

static void *
use_loop(void *arg)
{
	struct race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		int fd = vspin_fd_guard_take(&r->g);

		if (fd < 0)
			continue;
		r->uses++;
		/* Twice: once at once, once after the owner had a chance. */
		if (__atomic_load_n(&r->closed[fd], __ATOMIC_SEQ_CST))
			r->bad++;
		for (int i = 0; i < 50; i++)
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->closed[fd], __ATOMIC_SEQ_CST))
			r->bad++;
		vspin_fd_guard_put(&r->g);
	}
	return NULL;
}

static void
test_never_used_after_retire(void)
{
	static struct race r;
	pthread_t t;
	int n;

	vspin_fd_guard_init(&r.g);
	VT_REQUIRE(pthread_create(&t, NULL, use_loop, &r) == 0,
		   "pthread_create");
	for (n = 1; n <= ROUNDS; n++) {
		vspin_fd_guard_set(&r.g, n);
		for (int i = 0; i < 20; i++)
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
		vspin_fd_guard_retire(&r.g);
		__atomic_store_n(&r.closed[n], 1, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	VT_CHECK(r.bad == 0, "%llu uses of a closed fd in %llu",
		 (unsigned long long)r.bad, (unsigned long long)r.uses);
	VT_CHECK(r.g.users == 0, "users %u at the end", r.g.users);
}

int
main(void)
{
	VT_RUN(test_take_and_retire);
	VT_RUN(test_retire_waits_for_holder);
	VT_RUN(test_never_used_after_retire);
	return vt_summary();
}
