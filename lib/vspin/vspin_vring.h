/* SPDX-License-Identifier: BSD-3-Clause
 * The split virtqueue of the virtio 1.x specification (section 2.7): the
 * memory layout both ends of a vhost-user link map, and the event index
 * arithmetic. No behaviour lives here; the two sides of the ring are in
 * vspin_vq_driver.h and vspin_vq_device.h, the handshake in
 * vspin_handshake.h.
 */
#ifndef VSPIN_VRING_H
#define VSPIN_VRING_H

#include <stddef.h>
#include <stdint.h>

/* Feature bits this project cares about (virtio 1.x numbering). */
#define VSPIN_F_MRG_RXBUF 15
#define VSPIN_F_MQ 22
#define VSPIN_F_NOTIFY_ON_EMPTY 24
#define VSPIN_F_ANY_LAYOUT 27
#define VSPIN_F_INDIRECT_DESC 28
#define VSPIN_F_EVENT_IDX 29
#define VSPIN_F_PROTOCOL_FEATURES 30
#define VSPIN_F_VERSION_1 32
#define VSPIN_F_IN_ORDER 35

/* Descriptor flags. */
#define VSPIN_DESC_F_NEXT 1
#define VSPIN_DESC_F_WRITE 2

/* Driver -> device: "do not interrupt me" (ignored with EVENT_IDX). */
#define VSPIN_AVAIL_F_NO_INTERRUPT 1
/* Device -> driver: "do not kick me" (ignored with EVENT_IDX). */
#define VSPIN_USED_F_NO_NOTIFY 1

/* Largest queue the split ring allows. */
#define VSPIN_VRING_MAX_SIZE 32768

struct vspin_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vspin_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* num entries, then used_event */
};

struct vspin_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vspin_used {
	uint16_t flags;
	uint16_t idx;
	struct vspin_used_elem ring[]; /* num entries, then avail_event */
};

/* The three parts of one ring, wherever they were mapped. */
struct vspin_vring {
	uint32_t num; /* power of two */
	struct vspin_desc *desc;
	struct vspin_avail *avail;
	struct vspin_used *used;
};

/*
 * Written by the driver: "interrupt me when used idx passes this". It is
 * the slot after the last avail ring entry.
 */
static inline volatile uint16_t *
vspin_used_event(const struct vspin_vring *vr)
{
	return &vr->avail->ring[vr->num];
}

/* Written by the device: "kick me when avail idx passes this". */
static inline volatile uint16_t *
vspin_avail_event(const struct vspin_vring *vr)
{
	return (volatile uint16_t *)&vr->used->ring[vr->num];
}

/*
 * True when a producer that moved its index from old_idx to new_idx has
 * crossed event_idx (the consumer asked to hear about entry event_idx),
 * in 16-bit modular arithmetic: event_idx lies in [old_idx, new_idx).
 */
static inline int
vspin_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) <
	       (uint16_t)(new_idx - old_idx);
}

/* Bytes for the descriptor table, avail ring (with used_event). */
static inline size_t
vspin_vring_avail_end(uint32_t num)
{
	return sizeof(struct vspin_desc) * num + sizeof(uint16_t) * (3 + num);
}

/*
 * Bytes a ring of num entries needs when laid out contiguously, the used
 * ring starting at the next multiple of align (4096 as legacy virtio and
 * DPDK's virtio_user do; the 1.x minimum is 4).
 */
static inline size_t
vspin_vring_size(uint32_t num, size_t align)
{
	size_t used_off =
		(vspin_vring_avail_end(num) + align - 1) & ~(align - 1);

	return used_off + sizeof(uint16_t) * 3 +
	       sizeof(struct vspin_used_elem) * num;
}

/*
 * Lay out a ring of num entries (a power of two) at mem, contiguously.
 * Returns 0, or -1 if num or align is not a power of two in range.
 */
int vspin_vring_init(struct vspin_vring *vr, void *mem, uint32_t num,
		     size_t align);

#endif /* VSPIN_VRING_H */
