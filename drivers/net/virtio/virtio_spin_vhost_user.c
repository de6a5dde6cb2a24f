/* SPDX-License-Identifier: BSD-3-Clause
 * The vhost-user frontend protocol (QEMU docs/interop/vhost-user.rst):
 * framing, fd passing, REPLY_ACK, one function per message. Every reply
 * is checked (virtio_spin_vu_msg.c, DPDK-free): request code, reply flag,
 * payload size, no fds.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "virtio_spin.h"
#include "virtio_spin_vu_msg.h"

static const char *
req_name(uint32_t r)
{
	return virtio_spin_vu_req_name(r);
}

int
virtio_spin_vu_set_timeouts(int fd, unsigned int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000,
			     .tv_usec = (suseconds_t)(ms % 1000) * 1000};

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	return 0;
}

/* Send header + payload, with nfds descriptors attached. */
static int
vu_send(struct virtio_spin_vu *vu, struct vu_msg *m, const int *fds, int nfds)
{
	char control[CMSG_SPACE(VU_MAX_REGIONS * sizeof(int))];
	struct iovec iov = {.iov_base = m, .iov_len = VU_HDR_SIZE + m->size};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t r;

	if (vu->fd < 0)
		return -1;
	if (vu->broken) {
		PMD_LOG(ERR,
			"%s: not sending %s: the connection is out of step",
			vu->path, req_name(m->request));
		return -1;
	}
	memset(control, 0, sizeof(control));
	if (nfds > 0) {
		struct cmsghdr *c;

		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	do {
		r = sendmsg(vu->fd, &mh, MSG_NOSIGNAL);
	} while (r < 0 && errno == EINTR);
	if (r != (ssize_t)(VU_HDR_SIZE + m->size)) {
		vu->broken = true;
		if (r < 0 && (errno == EPIPE || errno == ECONNRESET))
			vu->peer_closed = true;
		PMD_LOG(ERR, "%s: sending %s failed: %s", vu->path,
			req_name(m->request),
			r < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

/*
 * Receive the reply to request req; its payload must be size bytes
 * (virtio_spin_vu_msg.c checks it). Any failure leaves the stream out of
 * step: nothing more is sent on this connection.
 */
static int
vu_recv_reply(struct virtio_spin_vu *vu, uint32_t req, struct vu_msg *m,
	      uint32_t size)
{
	struct virtio_spin_vu_rx rx = {.peer_closed = false};

	if (virtio_spin_vu_recv_reply(vu->fd, req, m, size,
				      vu->reply_timeout_ms, &rx) < 0) {
		vu->broken = true;
		if (rx.peer_closed)
			vu->peer_closed = true;
		PMD_LOG(ERR, "%s: %s", vu->path, rx.err);
		return -1;
	}
	return 0;
}

static bool
reply_ack(const struct virtio_spin_vu *vu)
{
	return vu->protocol_features &
	       (1ULL << VIRTIO_SPIN_PROTOCOL_F_REPLY_ACK);
}

/*
 * Send a message that has no reply of its own; with REPLY_ACK ask for
 * one and check it is zero (success).
 */
static int
vu_send_acked(struct virtio_spin_vu *vu, struct vu_msg *m, const int *fds,
	      int nfds)
{
	uint32_t req = m->request;

	if (reply_ack(vu))
		m->flags |= VU_FLAG_NEED_REPLY;
	if (vu_send(vu, m, fds, nfds) < 0)
		return -1;
	if (!reply_ack(vu))
		return 0;
	if (vu_recv_reply(vu, req, m, sizeof(uint64_t)) < 0)
		return -1;
	if (m->payload.u64 != 0) {
		PMD_LOG(ERR, "%s: backend refused %s (status %" PRIu64 ")",
			vu->path, req_name(req), m->payload.u64);
		return -1;
	}
	return 0;
}

static void
msg_init(struct vu_msg *m, uint32_t req, uint32_t size)
{
	memset(m, 0, sizeof(*m));
	m->request = req;
	m->flags = VU_VERSION;
	m->size = size;
}

/* A request whose reply is one u64. */
static int
vu_get_u64(struct virtio_spin_vu *vu, uint32_t req, uint64_t *v)
{
	struct vu_msg m;

	msg_init(&m, req, 0);
	if (vu_send(vu, &m, NULL, 0) < 0 ||
	    vu_recv_reply(vu, req, &m, sizeof(uint64_t)) < 0)
		return -1;
	*v = m.payload.u64;
	return 0;
}

static int
vu_set_u64(struct virtio_spin_vu *vu, uint32_t req, uint64_t v)
{
	struct vu_msg m;

	msg_init(&m, req, sizeof(uint64_t));
	m.payload.u64 = v;
	return vu_send_acked(vu, &m, NULL, 0);
}

int
virtio_spin_vu_set_owner(struct virtio_spin_vu *vu)
{
	struct vu_msg m;

	msg_init(&m, VU_SET_OWNER, 0);
	return vu_send_acked(vu, &m, NULL, 0);
}

int
virtio_spin_vu_get_features(struct virtio_spin_vu *vu, uint64_t *f)
{
	return vu_get_u64(vu, VU_GET_FEATURES, f);
}

int
virtio_spin_vu_set_features(struct virtio_spin_vu *vu, uint64_t f)
{
	return vu_set_u64(vu, VU_SET_FEATURES, f);
}

int
virtio_spin_vu_get_protocol_features(struct virtio_spin_vu *vu, uint64_t *f)
{
	return vu_get_u64(vu, VU_GET_PROTOCOL_FEATURES, f);
}

int
virtio_spin_vu_set_protocol_features(struct virtio_spin_vu *vu, uint64_t f)
{
	struct vu_msg m;

	/* REPLY_ACK applies from the next message on. */
	msg_init(&m, VU_SET_PROTOCOL_FEATURES, sizeof(uint64_t));
	m.payload.u64 = f;
	if (vu_send(vu, &m, NULL, 0) < 0)
		return -1;
	vu->protocol_features = f;
	return 0;
}

int
virtio_spin_vu_get_queue_num(struct virtio_spin_vu *vu, uint64_t *n)
{
	return vu_get_u64(vu, VU_GET_QUEUE_NUM, n);
}

int
virtio_spin_vu_set_mem_table(struct virtio_spin_vu *vu,
			     const struct virtio_spin_mem_table *t)
{
	struct vu_msg m;
	uint32_t i;

	if (t->nregions == 0 || t->nregions > VU_MAX_REGIONS)
		return -1;
	msg_init(&m, VU_SET_MEM_TABLE,
		 offsetof(struct vu_memory, regions) +
			 t->nregions * sizeof(struct vu_region));
	m.payload.memory.nregions = t->nregions;
	for (i = 0; i < t->nregions; i++) {
		/* The payload is unaligned in the packed message: copy. */
		struct vu_region r = {
			.guest_phys_addr = t->regions[i].guest_phys_addr,
			.memory_size = t->regions[i].memory_size,
			.userspace_addr = t->regions[i].userspace_addr,
			.mmap_offset = t->regions[i].mmap_offset,
		};

		memcpy(&m.payload.memory.regions[i], &r, sizeof(r));
	}
	return vu_send_acked(vu, &m, t->fds, (int)t->nregions);
}

static int
vu_set_state(struct virtio_spin_vu *vu, uint32_t req, unsigned int idx,
	     unsigned int num)
{
	struct vu_msg m;

	msg_init(&m, req, sizeof(struct vu_vring_state));
	m.payload.state.index = idx;
	m.payload.state.num = num;
	return vu_send_acked(vu, &m, NULL, 0);
}

int
virtio_spin_vu_set_vring_num(struct virtio_spin_vu *vu, unsigned int idx,
			     unsigned int num)
{
	return vu_set_state(vu, VU_SET_VRING_NUM, idx, num);
}

int
virtio_spin_vu_set_vring_base(struct virtio_spin_vu *vu, unsigned int idx,
			      unsigned int base)
{
	return vu_set_state(vu, VU_SET_VRING_BASE, idx, base);
}

int
virtio_spin_vu_set_vring_enable(struct virtio_spin_vu *vu, unsigned int idx,
				int enable)
{
	return vu_set_state(vu, VU_SET_VRING_ENABLE, idx, enable ? 1 : 0);
}

int
virtio_spin_vu_get_vring_base(struct virtio_spin_vu *vu, unsigned int idx,
			      unsigned int *base)
{
	struct virtio_spin_vu_rx rx;
	struct vu_msg m;

	msg_init(&m, VU_GET_VRING_BASE, sizeof(struct vu_vring_state));
	m.payload.state.index = idx;
	if (vu_send(vu, &m, NULL, 0) < 0 ||
	    vu_recv_reply(vu, VU_GET_VRING_BASE, &m,
			  sizeof(struct vu_vring_state)) < 0)
		return -1;
	if (virtio_spin_vu_vring_base(&m, idx, base, &rx) < 0) {
		vu->broken = true;
		PMD_LOG(ERR, "%s: %s", vu->path, rx.err);
		return -1;
	}
	return 0;
}

int
virtio_spin_vu_set_vring_addr(struct virtio_spin_vu *vu, unsigned int idx,
			      const struct vspin_vring *vr)
{
	struct vu_msg m;

	msg_init(&m, VU_SET_VRING_ADDR, sizeof(struct vu_vring_addr));
	m.payload.addr.index = idx;
	m.payload.addr.desc = (uintptr_t)vr->desc;
	m.payload.addr.avail = (uintptr_t)vr->avail;
	m.payload.addr.used = (uintptr_t)vr->used;
	return vu_send_acked(vu, &m, NULL, 0);
}

static int
vu_set_vring_fd(struct virtio_spin_vu *vu, uint32_t req, unsigned int idx,
		int fd)
{
	struct vu_msg m;

	msg_init(&m, req, sizeof(uint64_t));
	m.payload.u64 = idx;
	if (fd < 0)
		m.payload.u64 |= VU_VRING_NOFD;
	return vu_send_acked(vu, &m, &fd, fd < 0 ? 0 : 1);
}

int
virtio_spin_vu_set_vring_kick(struct virtio_spin_vu *vu, unsigned int idx,
			      int fd)
{
	return vu_set_vring_fd(vu, VU_SET_VRING_KICK, idx, fd);
}

int
virtio_spin_vu_set_vring_call(struct virtio_spin_vu *vu, unsigned int idx,
			      int fd)
{
	return vu_set_vring_fd(vu, VU_SET_VRING_CALL, idx, fd);
}
