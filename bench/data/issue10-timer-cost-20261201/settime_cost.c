/*
 * The cost of timerfd_settime() on a running CPU by how far ahead the
 * expiry is (a probe for issue 10, not part of the suite): an expiry
 * before the next tick (4 ms here) becomes the CPU's next timer event, so
 * setting it and stopping it again each write the hardware timer.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <time.h>

static uint64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int
main(void)
{
	static const long ahead_us[] = {100, 300, 1000, 3000, 8000, 50000};
	const struct itimerspec stop = {{0, 0}, {0, 0}};
	const int n = 20000;
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(1, &s);
	sched_setaffinity(0, sizeof(s), &s);
	for (unsigned int k = 0; k < sizeof(ahead_us) / sizeof(*ahead_us);
	     k++) {
		uint64_t set = 0, cancel = 0;

		for (int i = 0; i < n; i++) {
			uint64_t a = now_ns(), at = a + ahead_us[k] * 1000, b,
				 c;
			struct itimerspec its = {{0, 0},
						 {(time_t)(at / 1000000000u),
						  (long)(at % 1000000000u)}};

			timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
			b = now_ns();
			timerfd_settime(fd, TFD_TIMER_ABSTIME, &stop, NULL);
			c = now_ns();
			set += b - a;
			cancel += c - b;
		}
		printf("expiry %5ld us ahead: set %.2f us, stop %.2f us\n",
		       ahead_us[k], (double)set / 1000.0 / n,
		       (double)cancel / 1000.0 / n);
	}
	return 0;
}
