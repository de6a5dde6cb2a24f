/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target: net_virtio_spin's parser of vhost-user replies
 * (drivers/net/virtio/virtio_spin_vu_msg.c) fed by a hostile backend.
 *
 * Input: one option byte, then the bytes the backend writes on the
 * socket. Option bit 0: the bytes go with a file descriptor attached
 * (SCM_RIGHTS), as a backend may send where none is due; bits 1-3: the
 * step of the sequence below to start at. The guest side then asks for
 * one reply after another, as the PMD does (GET_FEATURES,
 * GET_PROTOCOL_FEATURES, a REPLY_ACK, GET_QUEUE_NUM, GET_VRING_BASE of
 * vrings 0 and 1, ...), until a reply is refused or 32 were taken.
 *
 * Checked besides the sanitizers: a refused reply always says why, an
 * accepted one is exactly what was asked for, and no descriptor the
 * backend sent survives (each is closed by the parser or with the
 * socket).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "virtio_spin_vu_msg.h"

#define MAX_INPUT 4096

struct step {
	uint32_t req;
	uint32_t size;
	int vring; /* GET_VRING_BASE: the vring asked for */
};

static const struct step seq[] = {
	{VU_GET_FEATURES, sizeof(uint64_t), -1},
	{VU_GET_PROTOCOL_FEATURES, sizeof(uint64_t), -1},
	{VU_SET_FEATURES, sizeof(uint64_t), -1}, /* REPLY_ACK */
	{VU_GET_QUEUE_NUM, sizeof(uint64_t), -1},
	{VU_SET_MEM_TABLE, sizeof(uint64_t), -1}, /* REPLY_ACK */
	{VU_GET_VRING_BASE, sizeof(struct vu_vring_state), 0},
	{VU_GET_VRING_BASE, sizeof(struct vu_vring_state), 1},
	{VU_SET_VRING_KICK, sizeof(uint64_t), -1}, /* REPLY_ACK */
};
#define SEQ_NB (sizeof(seq) / sizeof(seq[0]))

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_vu_reply: %s\n", what);
	abort();
}

/* Write the backend's bytes, an fd attached to the first chunk if asked. */
static void
backend_write(int fd, const uint8_t *data, size_t len, bool with_fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = (void *)(uintptr_t)data,
			    .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int extra = -1;

	if (len == 0)
		return;
	if (with_fd) {
		struct cmsghdr *c;

		extra = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (extra < 0)
			fail("cannot open /dev/null");
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &extra, sizeof(int));
	}
	/* MAX_INPUT is far below the socket buffer: one call suffices. */
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)len)
		fail("sendmsg to the socket pair failed");
	if (extra >= 0)
		close(extra);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2], lowest, i;
	unsigned int step;
	uint8_t opt;

	if (size < 1)
		return 0;
	opt = data[0];
	data++;
	size--;
	if (size > MAX_INPUT)
		size = MAX_INPUT;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		fail("socketpair failed");
	/* The lowest free descriptor: where a leaked one would land. */
	lowest = dup(0);
	if (lowest >= 0)
		close(lowest);
	backend_write(sv[1], data, size, opt & 1);
	shutdown(sv[1], SHUT_WR); /* then EOF: no waiting for a timeout */

	step = (opt >> 1) & 7;
	for (i = 0; i < 32; i++, step++) {
		const struct step *s = &seq[step % SEQ_NB];
		struct virtio_spin_vu_rx rx = {.peer_closed = false};
		struct vu_msg m;
		unsigned int base;

		memset(&m, 0xa5, sizeof(m));
		if (virtio_spin_vu_recv_reply(sv[0], s->req, &m, s->size, 1000,
					      &rx) < 0) {
			if (rx.err[0] == '\0')
				fail("a refused reply without a reason");
			break;
		}
		if (m.request != s->req || m.size != s->size ||
		    !(m.flags & VU_FLAG_REPLY) || (m.flags & 0x3) != VU_VERSION)
			fail("an accepted reply that is not the one asked for");
		if (s->vring >= 0) {
			if (virtio_spin_vu_vring_base(&m,
						      (unsigned int)s->vring,
						      &base, &rx) < 0) {
				if (rx.err[0] == '\0')
					fail("a refused base without a reason");
				break;
			}
			if (m.payload.state.index != (uint32_t)s->vring)
				fail("a base for another vring accepted");
		}
	}
	close(sv[0]);
	close(sv[1]);
	if (lowest >= 0 && fcntl(lowest, F_GETFD) >= 0)
		fail("a descriptor the backend sent was leaked");
	return 0;
}
