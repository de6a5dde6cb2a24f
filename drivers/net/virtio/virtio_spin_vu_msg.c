/* SPDX-License-Identifier: BSD-3-Clause
 * The parser of the backend's vhost-user replies (virtio_spin_vu_msg.h).
 * No DPDK here: tests/fuzz/fuzz_vu_reply.c drives it with libFuzzer.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "virtio_spin_vu_msg.h"

const char *
virtio_spin_vu_req_name(uint32_t r)
{
	static const char *const names[] = {
		[VU_GET_FEATURES] = "GET_FEATURES",
		[VU_SET_FEATURES] = "SET_FEATURES",
		[VU_SET_OWNER] = "SET_OWNER",
		[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
		[VU_SET_VRING_NUM] = "SET_VRING_NUM",
		[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
		[VU_SET_VRING_BASE] = "SET_VRING_BASE",
		[VU_GET_VRING_BASE] = "GET_VRING_BASE",
		[VU_SET_VRING_KICK] = "SET_VRING_KICK",
		[VU_SET_VRING_CALL] = "SET_VRING_CALL",
		[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
		[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	};

	if (r < sizeof(names) / sizeof(names[0]) && names[r] != NULL)
		return names[r];
	return "?";
}

/* Nanoseconds on the monotonic clock. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Close every descriptor in a received control buffer; how many. */
static int
close_fds(struct msghdr *mh)
{
	struct cmsghdr *c;
	int total = 0;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len >= CMSG_LEN(0)) {
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			size_t i;

			for (i = 0; i < n; i++) {
				int fd;

				/* CMSG_DATA need not be int-aligned. */
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
				       sizeof(fd));
				close(fd);
			}
			total += (int)n;
		}
	}
	return total;
}

/*
 * Read exactly len bytes before deadline (ns). -1 with errno ETIMEDOUT
 * (deadline), 0 (peer closed), EBADMSG (descriptors came along: closed)
 * or the socket's error.
 */
static int
read_exact(int fd, void *buf, size_t len, uint64_t deadline,
	   struct virtio_spin_vu_rx *rx)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_REGIONS * sizeof(int))];
		struct cmsghdr align;
	} control;
	size_t got = 0;

	while (got < len) {
		struct iovec iov = {.iov_base = (char *)buf + got,
				    .iov_len = len - got};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = control.buf,
				    .msg_controllen = sizeof(control.buf)};
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t now = now_ns();
		ssize_t r;
		int p;

		if (now >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		/* Round up: never a busy loop on a sub-millisecond rest. */
		p = poll(&pfd, 1, (int)((deadline - now + 999999) / 1000000));
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return -1;
		if (p == 0)
			continue; /* the deadline check above ends it */
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r == 0)
			errno = 0;
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			rx->peer_closed = true;
		if (r <= 0)
			return -1;
		/* Replies carry no fds: a backend that sends some is wrong. */
		if (close_fds(&mh) > 0 || (mh.msg_flags & MSG_CTRUNC)) {
			errno = EBADMSG;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static const char *
why(int err)
{
	if (err == ETIMEDOUT)
		return "timed out";
	if (err == EBADMSG)
		return "it carried file descriptors";
	return err ? strerror(err) : "connection closed";
}

int
virtio_spin_vu_recv_reply(int fd, uint32_t req, struct vu_msg *m, uint32_t size,
			  unsigned int timeout_ms, struct virtio_spin_vu_rx *rx)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	const char *name = virtio_spin_vu_req_name(req);

	rx->err[0] = '\0';
	if (size > sizeof(m->payload)) {
		snprintf(rx->err, sizeof(rx->err),
			 "reply to %s of %u bytes: too large", name, size);
		return -1;
	}
	if (read_exact(fd, m, VU_HDR_SIZE, deadline, rx) < 0) {
		int err = errno;

		if (err == ETIMEDOUT)
			snprintf(rx->err, sizeof(rx->err),
				 "no reply to %s within %u ms", name,
				 timeout_ms);
		else if (err == EBADMSG)
			snprintf(rx->err, sizeof(rx->err),
				 "bad reply to %s: %s", name, why(err));
		else
			snprintf(rx->err, sizeof(rx->err),
				 "no reply to %s: %s%s", name, why(err),
				 err == 0 || err == ECONNRESET ?
					 " (as a backend serving another "
					 "frontend does)" :
					 "");
		return -1;
	}
	if (m->request != req || (m->flags & 0x3) != VU_VERSION ||
	    !(m->flags & VU_FLAG_REPLY) || m->size != size) {
		snprintf(rx->err, sizeof(rx->err),
			 "bad reply to %s: request %u flags 0x%x size %u "
			 "(expected size %u)",
			 name, m->request, m->flags, m->size, size);
		return -1;
	}
	if (read_exact(fd, &m->payload, size, deadline, rx) < 0) {
		int err = errno;

		snprintf(rx->err, sizeof(rx->err), "%s reply to %s: %s",
			 err == EBADMSG ? "bad" : "truncated", name, why(err));
		return -1;
	}
	return 0;
}

int
virtio_spin_vu_vring_base(const struct vu_msg *m, unsigned int idx,
			  unsigned int *base, struct virtio_spin_vu_rx *rx)
{
	struct vu_vring_state st;

	memcpy(&st, &m->payload.state, sizeof(st)); /* packed: unaligned */
	if (st.index != idx) {
		snprintf(rx->err, sizeof(rx->err),
			 "GET_VRING_BASE answered vring %u, not %u", st.index,
			 idx);
		return -1;
	}
	*base = st.num;
	return 0;
}
