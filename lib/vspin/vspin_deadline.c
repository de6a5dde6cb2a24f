/* SPDX-License-Identifier: BSD-3-Clause
 * A sleep's short bound on a timer kept across sleeps (vspin_deadline.h).
 */
#include <errno.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vspin_clock.h"
#include "vspin_deadline.h"

#define NS_PER_US 1000u
#define NS_PER_S 1000000000u

int
vspin_deadline_init(struct vspin_deadline *d)
{
	d->at_ns = 0;
	d->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	return d->fd < 0 ? -errno : 0;
}

void
vspin_deadline_fini(struct vspin_deadline *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	d->at_ns = 0;
}

bool
vspin_deadline_fits(uint64_t at_ns, uint64_t now_ns, uint32_t min_us,
		    uint32_t max_us)
{
	return at_ns != 0 && at_ns >= now_ns + (uint64_t)min_us * NS_PER_US &&
	       at_ns <= now_ns + (uint64_t)max_us * NS_PER_US;
}

int
vspin_deadline_arm(struct vspin_deadline *d, uint32_t min_us, uint32_t max_us)
{
	struct itimerspec it = {0};
	uint64_t now;

	if (d->fd < 0)
		return -1;
	now = vspin_mono_ns();
	if (vspin_deadline_fits(d->at_ns, now, min_us, max_us))
		return d->fd;
	/*
	 * As late as the bound allows: later sleeps can keep it as long as
	 * it still falls after their own min_us. Setting it also clears a
	 * count left by an expiry that passed while the thread was awake.
	 */
	d->at_ns = now + (uint64_t)max_us * NS_PER_US;
	it.it_value.tv_sec = (time_t)(d->at_ns / NS_PER_S);
	it.it_value.tv_nsec = (long)(d->at_ns % NS_PER_S);
	if (timerfd_settime(d->fd, TFD_TIMER_ABSTIME, &it, NULL) != 0) {
		d->at_ns = 0;
		return -1;
	}
	return d->fd;
}

void
vspin_deadline_fired(struct vspin_deadline *d)
{
	d->at_ns = 0;
}
