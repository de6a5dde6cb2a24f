/* SPDX-License-Identifier: BSD-3-Clause
 * Driver side of a split virtqueue (the guest's view): add buffers to the
 * avail ring, publish them (deciding whether to kick), collect used
 * buffers, and arm used_event before sleeping.
 *
 * The shared ring is never trusted: the free list and each chain's length
 * live in private memory, and every id the device returns is checked. The
 * first invalid used entry (an id out of range or not in flight, a used
 * idx more than a ring ahead) is counted in bad_used and marks the queue
 * broken: from then on nothing more is collected from it, until
 * vspin_vq_drv_init() starts it again (bad_used goes on counting).
 * Entries after a bad one cannot be trusted either, and a broken queue
 * holds no stale state that a later entry could use to reach memory it
 * does not own.
 *
 * In order (VIRTIO_F_IN_ORDER, vspin_vq_drv_set_in_order()): descriptors
 * are taken in table order, wrapping at the end, and the device returns
 * chains in the order they were made available. The driver then knows
 * which chain each used entry completes without reading its id: a burst
 * of completions costs one read of used->idx and, per entry, only the
 * length when the caller wants it (receive). One id is still read per
 * batch, the last one's, to check the order was kept; a device that
 * writes one used entry for several chains (the spec allows it under
 * IN_ORDER) is caught there: the entry's length goes to the chain its id
 * names, the last of the batch, and the chains before it are completed
 * with length 0 (a receive path drops those as runts: their lengths are
 * not known). Any other id there, or more entries than chains in flight,
 * breaks the queue as above.
 */
#ifndef VSPIN_VQ_DRIVER_H
#define VSPIN_VQ_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "vspin_handshake.h"
#include "vspin_stats.h"
#include "vspin_vring.h"

/* One segment of a buffer chain. */
struct vspin_sg {
	uint64_t addr; /* as the device translates it (vhost-user: our VA) */
	uint32_t len;
};

/* Private state of one descriptor chain, indexed by its head. */
struct vspin_desc_state {
	void *cookie; /* NULL when the head is free */
	uint16_t ndescs;
};

struct vspin_vq_drv {
	struct vspin_vring vr;
	struct vspin_notify_dir kick; /* avail direction: we produce */
	struct vspin_notify_dir call; /* used direction: we consume */
	uint16_t avail_idx;	      /* next avail idx we publish */
	uint16_t kick_idx;	      /* avail idx at the last kick decision */
	uint16_t last_used;	      /* next used entry to collect */
	uint16_t used_seen;	      /* used idx at its last read */
	uint16_t free_head;
	uint16_t num_free;
	uint16_t used_head;   /* in order: head of the oldest chain in flight */
	uint16_t skipped;     /* in order: chains completed by a batch entry */
	uint32_t batch_len;   /* that entry's length: the last skipped one's */
	bool in_order;	      /* VIRTIO_F_IN_ORDER: see the top of this file */
	bool armed;	      /* used_event asks for a notification */
	uint16_t quiet_mark;  /* last_used when used_event was last moved */
	uint16_t event_seen;  /* avail_event at the last publish (EVENT_IDX) */
	uint32_t event_fresh; /* entries left to publish since it last moved */
	uint32_t full_kicked; /* avail_event kicked for when full, or 1 << 16 */
	bool last_suppressed; /* the last publish counted a suppressed kick */
	uint16_t *next;	      /* private free-list links */
	struct vspin_desc_state *state; /* num entries */
	struct vspin_stats *stats;
	uint64_t bad_used; /* invalid used entries (or idx jumps) seen */
	bool broken;	   /* the device broke the ring: collect nothing */
};

/* Bytes of private memory vspin_vq_drv_init() needs for num entries. */
size_t vspin_vq_drv_priv_size(uint32_t num);

/*
 * Set up the driver side on a ring already laid out (vspin_vring_init()).
 * priv is vspin_vq_drv_priv_size(num) bytes the caller owns. The ring is
 * zeroed here: a driver owns the initial contents. Starts disarmed. vq's
 * bad_used is kept (a count over the queue's life: vq starts zeroed).
 */
void vspin_vq_drv_init(struct vspin_vq_drv *vq, const struct vspin_vring *vr,
		       void *priv, bool event_idx, struct vspin_stats *stats);

/*
 * Add one chain: n_out device-readable segments then n_in device-writable
 * ones. Not visible to the device until vspin_vq_drv_publish().
 * Returns the head, or -1 if fewer than n_out + n_in descriptors are free.
 */
int vspin_vq_drv_add(struct vspin_vq_drv *vq, const struct vspin_sg *sg,
		     unsigned int n_out, unsigned int n_in, void *cookie);

/*
 * Switch in-order descriptor use on or off (the feature as negotiated),
 * only with every descriptor free (after init, before any add, or once
 * everything is collected); returns -1 otherwise.
 */
int vspin_vq_drv_set_in_order(struct vspin_vq_drv *vq, bool on);

/*
 * In order only: add one single-descriptor chain (one segment, device
 * readable if flags is 0, writable with VSPIN_DESC_F_WRITE). The caller
 * has checked num_free > 0. The avail slot is written only if it does
 * not hold the head already: with single-descriptor chains it always
 * does after the first lap, and the device's cached copy of the line
 * stays valid.
 */
static inline void
vspin_vq_drv_add1_in_order(struct vspin_vq_drv *vq, uint64_t addr, uint32_t len,
			   uint16_t flags, void *cookie)
{
	const uint16_t mask = (uint16_t)(vq->vr.num - 1);
	uint16_t head = vq->free_head;
	struct vspin_desc *d = &vq->vr.desc[head];
	uint16_t *slot = &vq->vr.avail->ring[vq->avail_idx & mask];

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	vq->free_head = (uint16_t)((head + 1) & mask);
	vq->num_free--;
	vq->state[head].cookie = cookie;
	vq->state[head].ndescs = 1;
	if (*slot != head)
		*slot = head;
	vq->avail_idx++;
}

/*
 * Collect up to max used chains: their cookies in order and, if lens is
 * not NULL, the lengths the device wrote. Reads used->idx only when the
 * entries seen at its last read are all collected. Returns how many.
 * Works in both modes; in order it reads no used id but the batch's last.
 */
unsigned int vspin_vq_drv_get_used_bulk(struct vspin_vq_drv *vq, void **cookies,
					uint32_t *lens, unsigned int max);

/*
 * Publish everything added since the last call. Returns true if the
 * device must be kicked (the event index or flag says it sleeps); counts
 * the kick as sent or suppressed. One call per burst.
 */
bool vspin_vq_drv_publish(struct vspin_vq_drv *vq);

/*
 * After a burst the ring could not take whole (and no kick from the
 * publish): true if the device must be kicked anyway, counted as a kick.
 * Its event index asks for an entry at or past avail_idx, which a full
 * ring cannot add: a device that planned a batch of K entries counts K
 * chains, and chains of several descriptors fit fewer in the ring, so
 * it would sleep to its timer while we refuse packets. Once per event
 * index it sets. A device that polls (an index half a lap away, or one a
 * stock vhost left behind) is not kicked. The kick replaces the publish's
 * suppressed one in the counts: one decision per burst.
 */
bool vspin_vq_drv_kick_full(struct vspin_vq_drv *vq);

/* Chains published that the device has not returned as used. */
static inline uint16_t
vspin_vq_drv_unread(const struct vspin_vq_drv *vq)
{
	return (uint16_t)(vq->kick_idx - vspin_load_acquire16(vq->call.idx));
}

/* Descriptors lent to the device and not collected back yet. */
static inline uint16_t
vspin_vq_drv_in_flight(const struct vspin_vq_drv *vq)
{
	return (uint16_t)(vq->vr.num - vq->num_free);
}

/*
 * Descriptors the caller may fill now when it keeps at most soft of them
 * in flight (added and not collected) while the device polls. The whole
 * ring is open while the device's event index, as the publishes read it,
 * moved within the last two rings of entries and lies within a ring of
 * avail_idx either way: the device armed for an entry near here (it
 * sleeps, or was just woken) and planned its batch on the ring's length.
 * Otherwise soft bounds what is in flight: a device that polls leaves
 * its index where it was (a stock vhost never writes it: avail_idx laps
 * it every 65,536 entries) or moves it half a lap away, and a ring
 * deeper than it needs then only holds more buffers, colder ones, in the
 * way of its copy. Without the event index, or with soft 0 or >= num, the
 * whole ring. The caller collects used entries first when this is short.
 */
static inline uint16_t
vspin_vq_drv_room(const struct vspin_vq_drv *vq, uint16_t soft)
{
	uint16_t in_flight = vspin_vq_drv_in_flight(vq);
	uint16_t ahead = (uint16_t)(vq->event_seen - vq->avail_idx);
	uint16_t behind = (uint16_t)(vq->avail_idx - vq->event_seen);

	if (soft == 0 || soft >= vq->vr.num || !vq->kick.event_idx ||
	    (vq->event_fresh > 0 &&
	     (ahead < vq->vr.num || behind < vq->vr.num)))
		return vq->num_free;
	return in_flight < soft ? (uint16_t)(soft - in_flight) : 0;
}

/*
 * In order: the lines of per_line descriptors each that hold what was
 * added since free_head was from (for a caller that hands them to the
 * device's core), the first of them in *first. 0 out of order (the free
 * list scatters them), for nothing added, and for a whole ring added at
 * once (from is back at free_head: the same as nothing).
 */
static inline uint16_t
vspin_vq_drv_desc_lines(const struct vspin_vq_drv *vq, uint16_t from,
			uint16_t per_line, uint16_t *first)
{
	const uint16_t ring_lines =
		(uint16_t)((vq->vr.num + per_line - 1) / per_line);
	uint16_t added = (uint16_t)((vq->free_head - from) & (vq->vr.num - 1));
	uint16_t lines;

	*first = (uint16_t)(from / per_line);
	if (!vq->in_order || added == 0)
		return 0;
	lines = (uint16_t)((from % per_line + added + per_line - 1) / per_line);
	return lines < ring_lines ? lines : ring_lines;
}

/*
 * The used ring's lines (line_size bytes, a power of two, numbered from
 * the one used->flags is in) that hold the entries collected since
 * last_used was from, but the line the next entry starts in, which the
 * device writes next (for a caller that hands them back to the device's
 * core): returns how many, the first of them in *first. They wrap at
 * *ring_lines, the lines up to avail_event's. 0 for nothing collected,
 * and for a batch that ends in the line it started in after a lap (a
 * whole ring, or all but a line's entries of it).
 */
static inline uint16_t
vspin_vq_drv_used_lines(const struct vspin_vq_drv *vq, uint16_t from,
			uint16_t line_size, uint16_t *first,
			uint16_t *ring_lines)
{
	const uintptr_t base =
		(uintptr_t)vq->vr.used & ~(uintptr_t)(line_size - 1);
	const uint16_t mask = (uint16_t)(vq->vr.num - 1);
	const uintptr_t end = (uintptr_t)(vspin_avail_event(&vq->vr) + 1);
	uint16_t next;

	*ring_lines = (uint16_t)((end - 1 - base) / line_size + 1);
	*first =
		(uint16_t)(((uintptr_t)&vq->vr.used->ring[from & mask] - base) /
			   line_size);
	next = (uint16_t)(((uintptr_t)&vq->vr.used->ring[vq->last_used & mask] -
			   base) /
			  line_size);
	return (uint16_t)(next >= *first ? next - *first :
					   next + *ring_lines - *first);
}

/*
 * Entries the device has returned that we have not collected, and in
 * order the chains a batch entry completed that are not collected yet.
 */
static inline uint16_t
vspin_vq_drv_used_pending(const struct vspin_vq_drv *vq)
{
	return (uint16_t)(vspin_load_acquire16(vq->call.idx) - vq->last_used +
			  vq->skipped);
}

/*
 * Collect one used buffer: returns its cookie and stores the length the
 * device wrote, or NULL if none is pending. An entry with an id that is
 * out of range or not in flight, or a used idx more than a ring ahead of
 * the last entry collected, is counted in bad_used and breaks the queue
 * (vspin_vq_drv_break()): NULL from then on.
 */
void *vspin_vq_drv_get_used(struct vspin_vq_drv *vq, uint32_t *len);

/*
 * The device broke the protocol on this queue (also for the caller's own
 * checks, e.g. a length longer than the buffer): count it once more in
 * bad_used and collect nothing more until the next vspin_vq_drv_init().
 */
static inline void
vspin_vq_drv_break(struct vspin_vq_drv *vq)
{
	vq->bad_used++;
	vq->broken = true;
}

/*
 * Arm used_event for the k-th next entry (or clear NO_INTERRUPT, k == 1);
 * true if k entries are already there.
 */
static inline bool
vspin_vq_drv_arm(struct vspin_vq_drv *vq, uint16_t k)
{
	vq->armed = true;
	return vspin_consumer_arm(&vq->call, vq->last_used, k);
}

static inline void
vspin_vq_drv_disarm(struct vspin_vq_drv *vq)
{
	vq->armed = false;
	vspin_consumer_disarm(&vq->call);
}

#endif /* VSPIN_VQ_DRIVER_H */
