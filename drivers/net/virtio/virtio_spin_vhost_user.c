/* SPDX-License-Identifier: BSD-3-Clause
 * The vhost-user frontend protocol (QEMU docs/interop/vhost-user.rst):
 * framing, fd passing, REPLY_ACK, one function per message. Every reply
 * is checked: request code, reply flag, payload size, no stray fds.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal_memconfig.h>
#include <rte_memory.h>

#include "virtio_spin.h"

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_SET_MEM_TABLE = 5,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
};

#define VU_VERSION 0x1
#define VU_FLAG_REPLY (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)
#define VU_VRING_NOFD (1ULL << 8)
#define VU_MAX_REGIONS 8

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct vu_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vu_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vu_region regions[VU_MAX_REGIONS];
};

struct vu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* of the payload that follows */
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_vring_addr addr;
		struct vu_memory memory;
	} payload;
} __attribute__((packed));

#define VU_HDR_SIZE offsetof(struct vu_msg, payload)

static const char *
req_name(uint32_t r)
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

	if (r < RTE_DIM(names) && names[r] != NULL)
		return names[r];
	return "?";
}

int
virtio_spin_vu_set_timeouts(int fd, unsigned int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000,
			     .tv_usec = (ms % 1000) * 1000};

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

/* Nanoseconds on the monotonic clock. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Read exactly len bytes before deadline (ns); any fd the peer attaches is
 * closed. -1 with errno ETIMEDOUT (deadline), 0 (peer closed) or the
 * socket's error.
 */
static int
vu_read(struct virtio_spin_vu *vu, void *buf, size_t len, uint64_t deadline)
{
	char control[CMSG_SPACE(VU_MAX_REGIONS * sizeof(int))];
	size_t got = 0;

	while (got < len) {
		struct iovec iov = {.iov_base = (char *)buf + got,
				    .iov_len = len - got};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = control,
				    .msg_controllen = sizeof(control)};
		struct pollfd pfd = {.fd = vu->fd, .events = POLLIN};
		struct cmsghdr *c;
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
		r = recvmsg(vu->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r == 0)
			errno = 0;
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			vu->peer_closed = true;
		if (r <= 0)
			return -1;
		/* Replies carry no fds: drop whatever came. */
		for (c = CMSG_FIRSTHDR(&mh); c != NULL;
		     c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_RIGHTS) {
				int n = (c->cmsg_len - CMSG_LEN(0)) /
					sizeof(int);
				int *fds = (int *)CMSG_DATA(c), i;

				for (i = 0; i < n; i++)
					close(fds[i]);
				PMD_LOG(WARNING, "%s: reply carried %d fds",
					vu->path, n);
			}
		}
		got += (size_t)r;
	}
	return 0;
}

static void
log_no_reply(const struct virtio_spin_vu *vu, uint32_t req, int err)
{
	if (err == ETIMEDOUT)
		PMD_LOG(ERR, "%s: no reply to %s within %u ms", vu->path,
			req_name(req), vu->reply_timeout_ms);
	else
		PMD_LOG(ERR, "%s: no reply to %s: %s", vu->path, req_name(req),
			err ? strerror(err) : "connection closed");
}

/* Receive the reply to request req; its payload must be size bytes. */
static int
vu_recv_reply(struct virtio_spin_vu *vu, uint32_t req, struct vu_msg *m,
	      uint32_t size)
{
	uint64_t deadline =
		now_ns() + (uint64_t)vu->reply_timeout_ms * 1000000ULL;

	/* Any failure leaves the stream out of step: no more messages. */
	if (vu_read(vu, m, VU_HDR_SIZE, deadline) < 0) {
		vu->broken = true;
		log_no_reply(vu, req, errno);
		return -1;
	}
	if (m->request != req || (m->flags & 0x3) != VU_VERSION ||
	    !(m->flags & VU_FLAG_REPLY) || m->size != size) {
		vu->broken = true;
		PMD_LOG(ERR,
			"%s: bad reply to %s: request %u flags 0x%x size %u "
			"(expected size %u)",
			vu->path, req_name(req), m->request, m->flags, m->size,
			size);
		return -1;
	}
	if (vu_read(vu, &m->payload, size, deadline) < 0) {
		int err = errno;

		vu->broken = true;
		PMD_LOG(ERR, "%s: truncated reply to %s: %s", vu->path,
			req_name(req),
			err == ETIMEDOUT ? "timed out" :
			err		 ? strerror(err) :
					   "connection closed");
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

struct mem_walk {
	struct vu_memory *mem;
	int fds[VU_MAX_REGIONS];
	const char *path;
};

/* One region per memseg fd, spanning every segment of that fd. */
static int
add_memseg(const struct rte_memseg_list *msl __rte_unused,
	   const struct rte_memseg *ms, void *arg)
{
	struct mem_walk *w = arg;
	uint64_t start = (uintptr_t)ms->addr, end = start + ms->len;
	struct vu_region *r;
	size_t off;
	uint32_t i;
	int fd;

	fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (fd < 0 || rte_memseg_get_fd_offset_thread_unsafe(ms, &off) < 0) {
		PMD_LOG(ERR,
			"%s: EAL memory at %p has no fd to share (rte_errno "
			"%d): run with --no-huge (memfd) or hugepages",
			w->path, ms->addr, rte_errno);
		return -1;
	}
	for (i = 0; i < w->mem->nregions; i++) {
		r = &w->mem->regions[i];
		if (w->fds[i] != fd)
			continue;
		/* Keep offset and address consistent while widening. */
		if (start < r->userspace_addr) {
			r->memory_size += r->userspace_addr - start;
			r->userspace_addr = start;
			r->guest_phys_addr = start;
			r->mmap_offset = off;
		}
		if (end > r->userspace_addr + r->memory_size)
			r->memory_size = end - r->userspace_addr;
		return 0;
	}
	if (i == VU_MAX_REGIONS) {
		PMD_LOG(ERR, "%s: more than %d memory regions", w->path,
			VU_MAX_REGIONS);
		return -1;
	}
	r = &w->mem->regions[i];
	/* Descriptors carry our virtual addresses: guest PA == our VA. */
	r->guest_phys_addr = start;
	r->userspace_addr = start;
	r->memory_size = ms->len;
	r->mmap_offset = off;
	w->fds[i] = fd;
	w->mem->nregions++;
	return 0;
}

int
virtio_spin_vu_set_mem_table(struct virtio_spin_vu *vu)
{
	struct vu_memory mem = {0};
	struct mem_walk w = {.mem = &mem, .path = vu->path};
	struct vu_msg m;
	int r;

	rte_mcfg_mem_read_lock();
	r = rte_memseg_walk_thread_unsafe(add_memseg, &w);
	rte_mcfg_mem_read_unlock();
	if (r < 0 || mem.nregions == 0)
		return -1;
	/* The payload is unaligned in the packed message: copy it in. */
	msg_init(&m, VU_SET_MEM_TABLE,
		 offsetof(struct vu_memory, regions) +
			 mem.nregions * sizeof(struct vu_region));
	memcpy(&m.payload.memory, &mem, m.size);
	return vu_send_acked(vu, &m, w.fds, (int)mem.nregions);
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
	struct vu_msg m;

	msg_init(&m, VU_GET_VRING_BASE, sizeof(struct vu_vring_state));
	m.payload.state.index = idx;
	if (vu_send(vu, &m, NULL, 0) < 0 ||
	    vu_recv_reply(vu, VU_GET_VRING_BASE, &m,
			  sizeof(struct vu_vring_state)) < 0)
		return -1;
	if (m.payload.state.index != idx) {
		vu->broken = true;
		PMD_LOG(ERR, "%s: GET_VRING_BASE answered vring %u, not %u",
			vu->path, m.payload.state.index, idx);
		return -1;
	}
	*base = m.payload.state.num;
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
