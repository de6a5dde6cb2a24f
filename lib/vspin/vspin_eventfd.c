/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "vspin_eventfd.h"

/* Enough for every rx queue one lcore may poll. */
#define WAIT_MAX_FDS 64

int
vspin_eventfd_signal(int fd)
{
	uint64_t one = 1;

	for (;;) {
		if (write(fd, &one, sizeof(one)) == (ssize_t)sizeof(one))
			return 0;
		if (errno == EINTR)
			continue;
		/* EAGAIN: the counter is saturated, the peer is awake. */
		return errno == EAGAIN ? 0 : -errno;
	}
}

/*
 * RWF_NOWAIT: the read fails with EAGAIN on a count of 0 even if the fd is
 * blocking. A peer that shares the fd shares its file status too, so it
 * can make the fd blocking and read the count between our poll and our
 * read: a plain read() would then wait for its next signal, maybe for
 * ever, with the lcore. A kernel whose eventfds lack RWF_NOWAIT (older
 * than Debian 12's) says EOPNOTSUPP: a plain read() there, as before.
 */
void
vspin_eventfd_drain(int fd)
{
	uint64_t v;
	struct iovec iov = {.iov_base = &v, .iov_len = sizeof(v)};
	ssize_t r;

	while ((r = preadv2(fd, &iov, 1, -1, RWF_NOWAIT)) < 0 && errno == EINTR)
		;
	if (r < 0 && errno == EOPNOTSUPP)
		while (read(fd, &v, sizeof(v)) < 0 && errno == EINTR)
			;
}

bool
vspin_eventfd_clear(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	while ((r = poll(&p, 1, 0)) < 0 && errno == EINTR)
		;
	if (r <= 0 || !(p.revents & POLLIN))
		return false;
	vspin_eventfd_drain(fd);
	return true;
}

int
vspin_eventfd_wait(const int *fds, unsigned int n, uint32_t max_us)
{
	uint64_t fired;

	return vspin_eventfd_wait_mask(fds, n, max_us, &fired, NULL);
}

int
vspin_eventfd_wait_mask(const int *fds, unsigned int n, uint32_t max_us,
			uint64_t *fired_mask, uint64_t *dead_mask)
{
	uint64_t dead_unused;
	struct pollfd p[WAIT_MAX_FDS];
	struct timespec ts = {
		.tv_sec = max_us / 1000000u,
		.tv_nsec = (long)(max_us % 1000000u) * 1000,
	};
	unsigned int i;
	int r;

	if (dead_mask == NULL)
		dead_mask = &dead_unused;
	*fired_mask = 0;
	*dead_mask = 0;
	if (n == 0 || n > WAIT_MAX_FDS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		p[i].fd = fds[i];
		p[i].events = POLLIN;
		p[i].revents = 0;
	}
	r = ppoll(p, n, &ts, NULL);
	if (r < 0)
		return -errno;
	/* r: the fds with revents, POLLIN or what says the fd is dead. */
	for (i = 0; i < n && r > 0; i++) {
		if (p[i].revents & POLLIN) {
			vspin_eventfd_drain(fds[i]);
			*fired_mask |= UINT64_C(1) << i;
		}
		if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL))
			*dead_mask |= UINT64_C(1) << i;
	}
	return r;
}
