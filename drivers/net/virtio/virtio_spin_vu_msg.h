/* SPDX-License-Identifier: BSD-3-Clause
 * vhost-user messages as net_virtio_spin sends and receives them, and the
 * parser of the backend's replies. DPDK-free (libc only): the PMD and the
 * fuzzer (tests/fuzz) compile the same file.
 */
#ifndef VIRTIO_SPIN_VU_MSG_H
#define VIRTIO_SPIN_VU_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum virtio_spin_vu_request {
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

/* What went wrong with a reply, for the caller's log. */
struct virtio_spin_vu_rx {
	char err[192];	  /* set when a call returns -1 */
	bool peer_closed; /* the backend closed the socket (or reset it) */
};

/* "GET_FEATURES", ..., "?" for a code we do not send. */
const char *virtio_spin_vu_req_name(uint32_t r);

/*
 * Receive the reply to request req on socket fd: a header with the same
 * request code, version 1, the REPLY flag and a payload of exactly size
 * bytes (sizeof(uint64_t) or sizeof(struct vu_vring_state)), no file
 * descriptors; all of it within timeout_ms. Returns 0, or -1 with rx->err
 * set: the stream is then out of step (the caller drops the connection).
 * Descriptors that come along are closed in any case.
 */
int virtio_spin_vu_recv_reply(int fd, uint32_t req, struct vu_msg *m,
			      uint32_t size, unsigned int timeout_ms,
			      struct virtio_spin_vu_rx *rx);

/*
 * A GET_VRING_BASE reply (m from virtio_spin_vu_recv_reply()) must name
 * vring idx. Returns 0 and stores the base, or -1 with rx->err set.
 */
int virtio_spin_vu_vring_base(const struct vu_msg *m, unsigned int idx,
			      unsigned int *base, struct virtio_spin_vu_rx *rx);

#endif /* VIRTIO_SPIN_VU_MSG_H */
