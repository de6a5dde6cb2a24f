/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <string.h>

#include "vspin_vq_driver.h"

#define likely_id(x) __builtin_expect(!!(x), 1)

size_t
vspin_vq_drv_priv_size(uint32_t num)
{
	return sizeof(uint16_t) * num + sizeof(struct vspin_desc_state) * num;
}

void
vspin_vq_drv_init(struct vspin_vq_drv *vq, const struct vspin_vring *vr,
		  void *priv, bool event_idx, struct vspin_stats *stats)
{
	const struct vspin_vring ring = *vr; /* vr may point into vq */
	uint32_t i;

	vr = &ring;
	/*
	 * All but bad_used, a count over the queue's life (its memory starts
	 * zeroed), never stored back to 0: a reader sees it only grow.
	 */
	memset(vq, 0, offsetof(struct vspin_vq_drv, bad_used));
	memset(&vq->bad_used + 1, 0,
	       sizeof(*vq) - offsetof(struct vspin_vq_drv, bad_used) -
		       sizeof(vq->bad_used));
	vq->vr = ring;
	vq->kick = vspin_dir_avail(vr, event_idx);
	vq->call = vspin_dir_used(vr, event_idx);
	vq->state = priv;
	vq->next = (uint16_t *)(vq->state + vr->num);
	vq->stats = stats;

	memset(vr->desc, 0, sizeof(struct vspin_desc) * vr->num);
	memset(vr->avail, 0, sizeof(uint16_t) * (3 + vr->num));
	memset(vr->used, 0,
	       sizeof(uint16_t) * 3 + sizeof(struct vspin_used_elem) * vr->num);
	for (i = 0; i < vr->num; i++) {
		vq->next[i] = (uint16_t)(i + 1);
		vq->state[i].cookie = NULL;
		vq->state[i].ndescs = 0;
	}
	vq->free_head = 0;
	vq->num_free = (uint16_t)vr->num;
	vq->full_kicked = UINT32_C(1) << 16; /* none yet */
	/*
	 * Disarmed until the consumer policy arms: the device stays quiet.
	 * With the event index a zeroed used_event would ask for entry 0,
	 * so point it one behind: crossed only after a full 65536 lap.
	 */
	if (event_idx)
		vspin_store16(vq->call.event, (uint16_t)(vq->last_used - 1));
	vspin_consumer_disarm(&vq->call);
}

int
vspin_vq_drv_add(struct vspin_vq_drv *vq, const struct vspin_sg *sg,
		 unsigned int n_out, unsigned int n_in, void *cookie)
{
	unsigned int n = n_out + n_in, i;
	uint16_t head = vq->free_head, idx = head;

	if (n == 0 || n > vq->num_free || cookie == NULL)
		return -1;
	if (vq->in_order) {
		const uint16_t mask = (uint16_t)(vq->vr.num - 1);
		uint16_t *slot;

		/* Table order, wrapping: the chain is consecutive. */
		for (i = 0; i < n; i++) {
			struct vspin_desc *d = &vq->vr.desc[idx];

			d->addr = sg[i].addr;
			d->len = sg[i].len;
			d->flags =
				(uint16_t)((i < n_out ? 0 :
							VSPIN_DESC_F_WRITE) |
					   (i + 1 < n ? VSPIN_DESC_F_NEXT : 0));
			idx = (uint16_t)((idx + 1) & mask);
			d->next = idx;
		}
		vq->free_head = idx;
		vq->num_free = (uint16_t)(vq->num_free - n);
		vq->state[head].cookie = cookie;
		vq->state[head].ndescs = (uint16_t)n;
		slot = &vq->vr.avail->ring[vq->avail_idx & mask];
		if (*slot != head)
			*slot = head;
		vq->avail_idx++;
		return head;
	}
	for (i = 0; i < n; i++) {
		struct vspin_desc *d = &vq->vr.desc[idx];

		d->addr = sg[i].addr;
		d->len = sg[i].len;
		d->flags = (uint16_t)((i < n_out ? 0 : VSPIN_DESC_F_WRITE) |
				      (i + 1 < n ? VSPIN_DESC_F_NEXT : 0));
		d->next = vq->next[idx];
		idx = vq->next[idx];
	}
	vq->free_head = idx;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->state[head].cookie = cookie;
	vq->state[head].ndescs = (uint16_t)n;
	/* The slot is written now; the idx store in publish makes it visible. */
	vq->vr.avail->ring[vq->avail_idx & (vq->vr.num - 1)] = head;
	vq->avail_idx++;
	return head;
}

bool
vspin_vq_drv_publish(struct vspin_vq_drv *vq)
{
	uint16_t n;
	bool kick;

	vq->last_suppressed = false;
	if (vq->avail_idx == vq->kick_idx)
		return false;
	n = (uint16_t)(vq->avail_idx - vq->kick_idx);
	kick = vspin_producer_publish(&vq->kick, vq->kick_idx, vq->avail_idx);
	vq->kick_idx = vq->avail_idx;
	/* The line the decision just read: for vspin_vq_drv_room(). */
	if (vq->kick.event_idx) {
		uint16_t e = vspin_load16(vq->kick.event);

		vq->event_fresh = vq->event_fresh > n ? vq->event_fresh - n : 0;
		if (e != vq->event_seen) {
			vq->event_seen = e;
			vq->event_fresh = 2 * vq->vr.num;
			/* A new index: the same value laps later is new too. */
			vq->full_kicked = UINT32_C(1) << 16;
		}
	}
	if (kick)
		vq->stats->notifies++;
	else
		vq->stats->notifies_suppressed++;
	vq->last_suppressed = !kick;
	return kick;
}

bool
vspin_vq_drv_kick_full(struct vspin_vq_drv *vq)
{
	uint16_t e;

	if (!vq->kick.event_idx)
		return false; /* a flag: the publish's kick covered it */
	/* Our idx store was fenced before this load (publish). */
	e = vspin_load16(vq->kick.event);
	if ((uint16_t)(e - vq->avail_idx) >= vq->vr.num || e == vq->full_kicked)
		return false;
	vq->full_kicked = e;
	vq->stats->notifies++;
	if (vq->last_suppressed) {
		vq->stats->notifies_suppressed--;
		vq->last_suppressed = false;
	}
	return true;
}

/* Give a chain back to the private free list. */
static void
free_chain(struct vspin_vq_drv *vq, uint16_t head)
{
	uint16_t n = vq->state[head].ndescs, idx = head, i;

	for (i = 1; i < n; i++)
		idx = vq->next[idx];
	vq->next[idx] = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + n);
	vq->state[head].cookie = NULL;
	vq->state[head].ndescs = 0;
}

int
vspin_vq_drv_set_in_order(struct vspin_vq_drv *vq, bool on)
{
	const uint16_t mask = (uint16_t)(vq->vr.num - 1);
	unsigned int i;

	if (on == vq->in_order)
		return 0;
	/*
	 * Either way only with every descriptor free: in order, the chains
	 * in flight have no links in next[] for free_chain() to follow.
	 */
	if (vq->num_free != vq->vr.num)
		return -1;
	if (on) {
		vq->used_head = vq->free_head;
		vq->skipped = 0;
		vq->in_order = true;
		return 0;
	}
	/* The descriptors are consecutive from free_head: link them. */
	for (i = 0; i < vq->num_free; i++) {
		uint16_t d = (uint16_t)((vq->free_head + i) & mask);

		vq->next[d] = (uint16_t)((d + 1) & mask);
	}
	vq->in_order = false;
	return 0;
}

/*
 * Before each read of used->idx (every entry before it is collected, so
 * at least once per ring of entries): a quiet queue moves its stale
 * used_event out of the device's way (vspin_consumer_keep_quiet()).
 */
static inline void
stay_quiet(struct vspin_vq_drv *vq)
{
	if (!vq->armed)
		vspin_consumer_keep_quiet(&vq->call, vq->last_used,
					  &vq->quiet_mark, vq->vr.num);
}

/*
 * Used entries the device published that we have not collected: reads
 * used->idx only when the last read's entries are all collected (the
 * line it is on bounces between the cores, one read serves a burst).
 * The acquire load orders the entry reads after it. More than a ring
 * ahead breaks the queue (entries past the ring would be stale ones).
 */
static inline uint16_t
used_ready(struct vspin_vq_drv *vq)
{
	uint16_t seen;

	if (vq->last_used != vq->used_seen)
		return (uint16_t)(vq->used_seen - vq->last_used);
	stay_quiet(vq);
	seen = vspin_load_acquire16(vq->call.idx);
	if ((uint16_t)(seen - vq->last_used) > vq->vr.num) {
		vspin_vq_drv_break(vq);
		return 0;
	}
	vq->used_seen = seen;
	return (uint16_t)(seen - vq->last_used);
}

/* In order: complete the oldest chain in flight; NULL if none is. */
static inline void *
complete_oldest(struct vspin_vq_drv *vq)
{
	struct vspin_desc_state *st = &vq->state[vq->used_head];
	void *cookie = st->cookie;

	if (cookie == NULL)
		return NULL;
	st->cookie = NULL;
	vq->num_free = (uint16_t)(vq->num_free + st->ndescs);
	vq->used_head =
		(uint16_t)((vq->used_head + st->ndescs) & (vq->vr.num - 1));
	return cookie;
}

/*
 * In order, the last entry of a batch has been collected as completing
 * the chain at head: check its id. Another in-flight head there means the
 * device wrote one entry for several chains: those up to it are done
 * (skipped, collected next; the entry's length is the last one's, the
 * chain its id names). Anything else breaks the queue.
 */
static void
check_batch_end(struct vspin_vq_drv *vq, uint16_t head)
{
	const uint16_t mask = (uint16_t)(vq->vr.num - 1);
	uint32_t id = *(volatile const uint32_t *)&vq->vr.used
			       ->ring[(uint16_t)(vq->last_used - 1) & mask]
			       .id;
	uint16_t h = vq->used_head, n = 0;

	if (likely_id(id == head))
		return;
	/* Walk the chains still in flight, oldest first, looking for id. */
	while (vq->state[h].cookie != NULL && n < vq->vr.num) {
		n++;
		if (h == id) {
			vq->skipped = n;
			return;
		}
		h = (uint16_t)((h + vq->state[h].ndescs) & mask);
	}
	vspin_vq_drv_break(vq);
}

/*
 * The chains a batch entry completed, up to max in all: the last gets the
 * entry's length, those before it 0.
 */
static unsigned int
take_skipped(struct vspin_vq_drv *vq, void **cookies, uint32_t *lens,
	     unsigned int n, unsigned int max)
{
	while (vq->skipped > 0 && n < max) {
		void *c = complete_oldest(vq);

		vq->skipped--;
		if (c == NULL)
			break;
		if (lens != NULL)
			lens[n] = vq->skipped == 0 ? vq->batch_len : 0;
		cookies[n++] = c;
	}
	return n;
}

static unsigned int
get_used_in_order(struct vspin_vq_drv *vq, void **cookies, uint32_t *lens,
		  unsigned int max)
{
	const uint16_t mask = (uint16_t)(vq->vr.num - 1);
	unsigned int n, ready;
	uint16_t head = 0;

	if (vq->broken)
		return 0;
	n = take_skipped(vq, cookies, lens, 0, max);
	ready = used_ready(vq);
	if (ready > max - n)
		ready = max - n;
	while (ready-- > 0) {
		void *c;

		head = vq->used_head;
		c = complete_oldest(vq);
		if (c == NULL) {
			/* More used than in flight: a broken device. */
			vspin_vq_drv_break(vq);
			return n;
		}
		if (lens != NULL)
			lens[n] = *(volatile const uint32_t *)&vq->vr.used
					   ->ring[vq->last_used & mask]
					   .len;
		vq->last_used++;
		cookies[n++] = c;
		/* Chains completed before a bad batch end stay collected. */
		if (vq->last_used == vq->used_seen) {
			check_batch_end(vq, head);
			if (vq->skipped > 0 && lens != NULL) {
				/* Not this chain's length: the id's. */
				vq->batch_len = lens[n - 1];
				lens[n - 1] = 0;
			}
			/* The rest of a batch now, not at the next call. */
			return take_skipped(vq, cookies, lens, n, max);
		}
	}
	return n;
}

unsigned int
vspin_vq_drv_get_used_bulk(struct vspin_vq_drv *vq, void **cookies,
			   uint32_t *lens, unsigned int max)
{
	unsigned int n = 0;
	uint32_t len;

	if (vq->in_order)
		return get_used_in_order(vq, cookies, lens, max);
	while (n < max &&
	       (cookies[n] = vspin_vq_drv_get_used(vq, &len)) != NULL) {
		if (lens != NULL)
			lens[n] = len;
		n++;
	}
	return n;
}

void *
vspin_vq_drv_get_used(struct vspin_vq_drv *vq, uint32_t *len)
{
	const struct vspin_used_elem *e;
	uint32_t id;
	void *cookie;

	if (vq->in_order)
		return get_used_in_order(vq, &cookie, len, 1) == 1 ? cookie :
								     NULL;
	if (vq->broken)
		return NULL;
	/* One read of used->idx per burst; its acquire orders the reads. */
	if (used_ready(vq) == 0)
		return NULL;
	e = &vq->vr.used->ring[vq->last_used & (vq->vr.num - 1)];
	/* One read of each field: the device may rewrite them meanwhile. */
	id = *(volatile const uint32_t *)&e->id;
	*len = *(volatile const uint32_t *)&e->len;
	vq->last_used++;
	if (id >= vq->vr.num || vq->state[id].cookie == NULL) {
		vspin_vq_drv_break(vq);
		return NULL;
	}
	cookie = vq->state[id].cookie;
	free_chain(vq, (uint16_t)id);
	return cookie;
}
