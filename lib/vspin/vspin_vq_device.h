/* SPDX-License-Identifier: BSD-3-Clause
 * Device side of a split virtqueue (the host's view): take chains from
 * the avail ring, return them on the used ring (deciding whether to call
 * the driver), and arm avail_event before sleeping.
 *
 * Everything the driver wrote is validated before use: head and next
 * indexes in range, chains no longer than the ring, no loops.
 */
#ifndef VSPIN_VQ_DEVICE_H
#define VSPIN_VQ_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "vspin_handshake.h"
#include "vspin_stats.h"
#include "vspin_vring.h"

struct vspin_vq_dev {
	struct vspin_vring vr;
	struct vspin_notify_dir kick; /* avail direction: we consume */
	struct vspin_notify_dir call; /* used direction: we produce */
	uint16_t last_avail;	      /* next avail entry to take */
	uint16_t used_idx;	      /* next used idx we publish */
	uint16_t call_idx;	      /* used idx at the last call decision */
	uint16_t quiet_mark; /* last_avail when avail_event was last moved */
	bool armed;	     /* avail_event asks for a kick */
	struct vspin_stats *stats;
	uint64_t bad_avail; /* chains rejected as malformed */
};

/* Set up on a ring the driver laid out; starts disarmed (no kicks). */
void vspin_vq_dev_init(struct vspin_vq_dev *vq, const struct vspin_vring *vr,
		       bool event_idx, struct vspin_stats *stats);

/* Chains the driver has made available that we have not taken. */
static inline uint16_t
vspin_vq_dev_avail_pending(const struct vspin_vq_dev *vq)
{
	return (uint16_t)(vspin_load_acquire16(vq->kick.idx) - vq->last_avail);
}

/*
 * Take the next chain: its head, and its segments copied into sg (at most
 * max_sg). Returns the number of segments, 0 if the ring is empty, or -1
 * if the chain is malformed (it is then returned to the driver with
 * length 0 and counted in bad_avail, so the ring keeps moving) or if the
 * driver's avail idx is more than a ring ahead (nothing is taken: the
 * ring is broken and the caller should stop using it).
 */
int vspin_vq_dev_pop(struct vspin_vq_dev *vq, uint16_t *head,
		     struct vspin_desc *sg, unsigned int max_sg);

/* Return a chain with the number of bytes written into it. */
void vspin_vq_dev_push(struct vspin_vq_dev *vq, uint16_t head, uint32_t len);

/*
 * Publish what push() returned since the last call. Returns true if the
 * driver must be called; counts the call as sent or suppressed.
 */
bool vspin_vq_dev_publish(struct vspin_vq_dev *vq);

/*
 * Arm avail_event for the k-th next entry (or clear NO_NOTIFY, k == 1);
 * true if k entries are already there.
 */
static inline bool
vspin_vq_dev_arm(struct vspin_vq_dev *vq, uint16_t k)
{
	vq->armed = true;
	return vspin_consumer_arm(&vq->kick, vq->last_avail, k);
}

static inline void
vspin_vq_dev_disarm(struct vspin_vq_dev *vq)
{
	vq->armed = false;
	vspin_consumer_disarm(&vq->kick);
}

#endif /* VSPIN_VQ_DEVICE_H */
