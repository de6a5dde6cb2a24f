/* SPDX-License-Identifier: BSD-3-Clause
 * The vhost-user message our hooks see, read in place. The library hands
 * its hooks a struct vhu_msg_context (DPDK 22.11, lib/vhost/vhost_user.h),
 * which rte_vhost.h does not declare; the library notes that external
 * message handlers rely on its layout. It is packed: the message (a
 * 12-byte header, then a payload of up to 632 bytes, its largest
 * member's), then the file descriptors that came with it (at most 8),
 * then their count. Requests, flags and payloads are the vhost-user
 * spec's. Unaligned fields: read and written with memcpy.
 */
#ifndef VHOST_SPIN_MSG_H
#define VHOST_SPIN_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define VU_REQ_RESET_OWNER 4
#define VU_REQ_SET_MEM_TABLE 5
#define VU_REQ_SET_VRING_ADDR 9
#define VU_REQ_SET_VRING_KICK 12
#define VU_REQ_SET_VRING_CALL 13
/* The header's flags word: an ack is asked for. */
#define VU_FLAG_NEED_REPLY (1u << 3)

#define VU_MSG_OFF_FLAGS 4
#define VU_MSG_OFF_PAYLOAD 12
#define VU_MSG_MAX_FDS 8
#define VU_CTX_OFF_FDS 644 /* the header and the largest payload */
/* That payload holds pointers: 644 is a 64-bit build's offset. */
_Static_assert(sizeof(void *) == 8, "vhost_spin_msg.h: 64-bit layout");
#define VU_CTX_OFF_FD_NUM (VU_CTX_OFF_FDS + VU_MSG_MAX_FDS * 4)

static inline uint32_t
vu_msg_u32(const void *msg, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)msg + off, sizeof(v));
	return v;
}

static inline uint64_t
vu_msg_u64(const void *msg, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)msg + off, sizeof(v));
	return v;
}

static inline uint32_t
vu_msg_request(const void *msg)
{
	return vu_msg_u32(msg, 0);
}

/* The library acks a failed message that asked for it, and reads on. */
static inline void
vu_msg_clear_need_reply(void *msg)
{
	uint32_t flags = vu_msg_u32(msg, VU_MSG_OFF_FLAGS);

	flags &= ~VU_FLAG_NEED_REPLY;
	memcpy((char *)msg + VU_MSG_OFF_FLAGS, &flags, sizeof(flags));
}

/*
 * The descriptors that came with the message, in fds (room for
 * VU_MSG_MAX_FDS): their count, or -1 for a count out of range (not the
 * layout above).
 */
static inline int
vu_msg_fds(const void *msg, int *fds)
{
	int n;

	memcpy(&n, (const char *)msg + VU_CTX_OFF_FD_NUM, sizeof(n));
	if (n < 0 || n > VU_MSG_MAX_FDS)
		return -1;
	memcpy(fds, (const char *)msg + VU_CTX_OFF_FDS, n * sizeof(*fds));
	return n;
}

/*
 * A memory table or ring address whose descriptors are not those its
 * request takes (one per region; none): the library refuses it before it
 * touches anything, and runs no hook after it.
 */
static inline bool
vu_msg_fds_refused(const void *msg)
{
	int fds[VU_MSG_MAX_FDS], n = vu_msg_fds(msg, fds);
	uint32_t want = 0;

	if (vu_msg_request(msg) == VU_REQ_SET_MEM_TABLE)
		want = vu_msg_u32(msg, VU_MSG_OFF_PAYLOAD);
	return n < 0 || (uint32_t)n != want;
}

/*
 * Close them, for a message a hook refuses: the library closes the fds
 * of a message nobody handled, not of one a hook failed.
 */
static inline void
vu_msg_close_fds(void *msg)
{
	int fds[VU_MSG_MAX_FDS], n = vu_msg_fds(msg, fds), i, none = 0;

	for (i = 0; i < n; i++)
		close(fds[i]);
	if (n > 0)
		memcpy((char *)msg + VU_CTX_OFF_FD_NUM, &none, sizeof(none));
}

#endif /* VHOST_SPIN_MSG_H */
