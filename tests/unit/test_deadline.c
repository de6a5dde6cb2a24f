/* SPDX-License-Identifier: BSD-3-Clause
 * The kept bound (vspin_deadline.h): which pending expiry a sleep may keep,
 * and on a real timerfd that a kept expiry is not set again, that a new one
 * fires at its bound, and that one which passed while nobody waited does
 * not end the next sleep at once. Times are checked generously (other
 * tests share the cores); a wait that never ends fails at 1 s.
 */
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "vspin_deadline.h"
#include "vspin_test.h"

#define US 1000u /* ns */
#define GIVE_UP_MS 1000

/* Wait for fd up to GIVE_UP_MS; returns the us waited, or 0 on none. */
static uint64_t
wait_fd(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint64_t t0 = vt_now_us(), ticks;

	if (poll(&p, 1, GIVE_UP_MS) != 1)
		return 0;
	(void)!read(fd, &ticks, sizeof(ticks));
	return vt_now_us() - t0;
}

static bool
readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1;
}

/* Which pending expiry falls in [now + min, now + max]. */
static void
test_fits(void)
{
	const uint64_t now = 1000000 * US;

	VT_CHECK(!vspin_deadline_fits(0, now, 0, 300), "none pending fits");
	VT_CHECK(vspin_deadline_fits(now + 100 * US, now, 80, 300),
		 "100 us ahead does not fit [80, 300]");
	VT_CHECK(vspin_deadline_fits(now + 80 * US, now, 80, 300) &&
			 vspin_deadline_fits(now + 300 * US, now, 80, 300),
		 "the ends of [80, 300] do not fit");
	VT_CHECK(!vspin_deadline_fits(now + 79 * US, now, 80, 300),
		 "before the sleep should end: fits");
	VT_CHECK(!vspin_deadline_fits(now + 301 * US, now, 80, 300),
		 "past the bound: fits");
	VT_CHECK(!vspin_deadline_fits(now - 1, now, 0, 300),
		 "an expiry already passed fits");
}

/* A new expiry fires at its bound; a fitting one is kept, not set. */
static void
test_set_then_kept(void)
{
	struct vspin_deadline d;
	uint64_t us, at;
	int fd;

	VT_REQUIRE(vspin_deadline_init(&d) == 0 && d.fd >= 0, "timerfd");
	fd = vspin_deadline_arm(&d, 1000, 3000);
	VT_REQUIRE(fd == d.fd && d.at_ns != 0, "arm: fd %d, expiry %llu", fd,
		   (unsigned long long)d.at_ns);
	us = wait_fd(fd);
	vspin_deadline_fired(&d);
	VT_CHECK(us >= 2500,
		 "fired after %llu us, expected about 3000 (0: "
		 "never)",
		 (unsigned long long)us);
	/* 50 ms ahead: a sleep that should last 1 ms keeps it. */
	vspin_deadline_arm(&d, 1000, 50000);
	at = d.at_ns;
	vspin_deadline_arm(&d, 1000, 50000);
	VT_CHECK(d.at_ns == at, "a fitting expiry was set again");
	/* One that should last 49.5 ms cannot: it would end early. */
	usleep(5000);
	vspin_deadline_arm(&d, 49500, 50000);
	VT_CHECK(d.at_ns > at, "an expiry before min_us was kept");
	close(d.fd);
}

/*
 * An expiry that passed while the thread was awake leaves the fd readable:
 * the next arm sets a new one and clears it, so the sleep lasts its bound.
 */
static void
test_passed_while_awake(void)
{
	struct vspin_deadline d;
	uint64_t us, at;

	VT_REQUIRE(vspin_deadline_init(&d) == 0, "timerfd");
	vspin_deadline_arm(&d, 100, 1000);
	at = d.at_ns;
	usleep(20000);
	VT_REQUIRE(readable(d.fd), "the expiry did not pass in 20 ms");
	vspin_deadline_arm(&d, 100, 3000);
	VT_CHECK(d.at_ns > at && !readable(d.fd),
		 "after the next arm: set anew %d, readable %d", d.at_ns > at,
		 readable(d.fd));
	us = wait_fd(d.fd);
	VT_CHECK(us >= 2500,
		 "the next sleep lasted %llu us, expected about "
		 "3000 (0: never ended)",
		 (unsigned long long)us);
	close(d.fd);
}

/* Without a timer, arm says so: the caller bounds the wait itself. */
static void
test_no_timer(void)
{
	struct vspin_deadline d = {.fd = -1};

	VT_CHECK(vspin_deadline_arm(&d, 100, 300) == -1 && d.at_ns == 0,
		 "arm without a timer returned an fd");
}

int
main(void)
{
	VT_RUN(test_fits);
	VT_RUN(test_set_then_kept);
	VT_RUN(test_passed_while_awake);
	VT_RUN(test_no_timer);
	return vt_summary();
}
