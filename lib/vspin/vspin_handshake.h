/* SPDX-License-Identifier: BSD-3-Clause
 * The notification handshake, in one place, for both directions of a ring.
 *
 * A direction has a producer P (it publishes an index) and a consumer C
 * (it consumes entries up to that index and may sleep). C asks to be
 * notified either with the event index (VIRTIO_RING_F_EVENT_IDX) or, without
 * it, by clearing a "do not notify" flag.
 *
 *   P: store idx (release); FULL FENCE; load event; notify iff crossed.
 *   C: store event = next;  FULL FENCE; load idx;   sleep iff idx == next.
 *
 * This is Dekker's pattern: each side stores its word, then loads the
 * other's. With both fences, at least one side sees the other's store: P
 * sees the new event and notifies, or C sees the new idx and does not sleep.
 * Remove either fence and both loads can run before the stores (x86 store
 * buffer): C sleeps on work P published without a kick. tests/model proves
 * both halves of this claim with spin.
 *
 *           avail direction (driver -> device)   used direction (device -> driver)
 *   P       driver publishing buffers             device returning buffers
 *   C       device (vhost host) reading avail     driver (guest) reading used
 *   idx     avail->idx                            used->idx
 *   event   avail_event (after used->ring)        used_event (after avail->ring)
 *   flag    used->flags NO_NOTIFY                 avail->flags NO_INTERRUPT
 */
#ifndef VSPIN_HANDSHAKE_H
#define VSPIN_HANDSHAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "vspin_barrier.h"
#include "vspin_vring.h"

/* The shared words of one direction of a ring. */
struct vspin_notify_dir {
	volatile uint16_t *idx;	  /* P's index */
	volatile uint16_t *event; /* C's event index */
	volatile uint16_t *flags; /* C's flags word */
	uint16_t no_notify;	  /* the flag in *flags meaning "quiet" */
	bool event_idx;		  /* VIRTIO_RING_F_EVENT_IDX negotiated */
};

/* Driver publishes, device consumes (guest transmit, host receive). */
static inline struct vspin_notify_dir
vspin_dir_avail(const struct vspin_vring *vr, bool event_idx)
{
	struct vspin_notify_dir d = {
		.idx = &vr->avail->idx,
		.event = vspin_avail_event(vr),
		.flags = &vr->used->flags,
		.no_notify = VSPIN_USED_F_NO_NOTIFY,
		.event_idx = event_idx,
	};
	return d;
}

/* Device publishes, driver consumes (host transmit, guest receive). */
static inline struct vspin_notify_dir
vspin_dir_used(const struct vspin_vring *vr, bool event_idx)
{
	struct vspin_notify_dir d = {
		.idx = &vr->used->idx,
		.event = vspin_used_event(vr),
		.flags = &vr->avail->flags,
		.no_notify = VSPIN_AVAIL_F_NO_INTERRUPT,
		.event_idx = event_idx,
	};
	return d;
}

/*
 * P: publish new_idx (the entries before it are written) and decide
 * whether C must be notified. old_idx is the index at P's previous
 * decision, so one call covers a whole burst: at most one notification
 * per burst.
 */
static inline bool
vspin_producer_publish(const struct vspin_notify_dir *d, uint16_t old_idx,
		       uint16_t new_idx)
{
	/* Ring entries before idx: C's acquire load of idx pairs with this. */
	vspin_store_release16(d->idx, new_idx);
	/*
	 * Order the idx store before the event/flags load below. Pairs with
	 * the fence in vspin_consumer_recheck() (event store before idx load).
	 */
	vspin_full_fence();
	if (d->event_idx)
		return vspin_need_event(vspin_load16(d->event), new_idx,
					old_idx);
	return !(vspin_load16(d->flags) & d->no_notify);
}

/*
 * C, second half of arming: after C has published its event index (or
 * cleared its flag), fence and look at the ring once more. Returns true
 * if at least k entries are there, in which case C must not sleep (the
 * notification for the k-th may already have been decided against).
 * Callers that arm through another library
 * (rte_vhost_enable_guest_notification) call this right after it.
 */
static inline bool
vspin_consumer_recheck(const struct vspin_notify_dir *d, uint16_t next,
		       uint16_t k)
{
	/*
	 * Order the event/flags store before the idx load. Pairs with the
	 * fence in vspin_producer_publish() (idx store before event load).
	 */
	vspin_full_fence();
	return (uint16_t)(vspin_load_acquire16(d->idx) - next) >= k;
}

/*
 * C: arm for the k-th entry from next (next: the index of the next entry
 * C will consume; k >= 1). With the event index P notifies when it
 * publishes entry next + k - 1 (coalescing: one notification for k
 * entries; fewer than k are left to the caller's timed wake). Without it,
 * only k == 1 can be asked for (clear the flag); for k > 1 nothing is
 * written and the caller's sleep is a timed nap. Returns true if the
 * recheck found k entries (stay awake), false if C may now sleep and is
 * guaranteed a notification once the k-th entry is published.
 */
static inline bool
vspin_consumer_arm(const struct vspin_notify_dir *d, uint16_t next, uint16_t k)
{
	if (d->event_idx)
		vspin_store16(d->event, (uint16_t)(next + k - 1));
	else if (k == 1)
		vspin_store16(d->flags, (uint16_t)(vspin_load16(d->flags) &
						   ~d->no_notify));
	return vspin_consumer_recheck(d, next, k);
}

/*
 * C: quiet P again after waking or after a recheck that found work. With
 * the event index there is nothing to write: the stale event stays behind
 * C's index, and vspin_consumer_keep_quiet() below moves it before P
 * laps it. Without it, set the flag (it is only a hint; P may still
 * notify once, harmlessly).
 */
static inline void
vspin_consumer_disarm(const struct vspin_notify_dir *d)
{
	if (!d->event_idx)
		vspin_store16(d->flags, (uint16_t)(vspin_load16(d->flags) |
						   d->no_notify));
}

/*
 * C, quiet (not armed), with the event index: keep P from crossing the
 * stale event. Left where it was, P crosses it once per 65536 entries
 * and notifies for nothing: 15 notifications per million packets in
 * every mode, poll included. So every VSPIN_QUIET_STEP entries C moves
 * it half a lap from next. P decides over spans [old, new) that lie
 * within a ring of C's next, and C checks at least once per ring of
 * entries it consumes, so between two moves P's spans stay inside
 * [mark - ring, mark + VSPIN_QUIET_STEP + 2 rings]: for rings up to
 * VSPIN_QUIET_MAX_RING, mark + 0x8000 is never in one of them.
 * Never while armed: moving an armed event would lose the wake-up.
 */
#define VSPIN_QUIET_STEP 0x2000u
#define VSPIN_QUIET_MAX_RING 0x2000u

/* VSPIN_QUIET_STEP entries since the last move (callers' cheap test). */
static inline bool
vspin_quiet_step_done(uint16_t next, uint16_t mark)
{
	return (uint16_t)(next - mark) >= VSPIN_QUIET_STEP;
}

/*
 * next: C's next entry; mark: next at the last move (C's private state);
 * ring: the ring's entries. Uses d->event and d->event_idx only.
 */
static inline void
vspin_consumer_keep_quiet(const struct vspin_notify_dir *d, uint16_t next,
			  uint16_t *mark, uint32_t ring)
{
	if (!d->event_idx || !vspin_quiet_step_done(next, *mark))
		return;
	/* A longer ring keeps the stale event; the callers' test waits. */
	*mark = next;
	if (ring <= VSPIN_QUIET_MAX_RING)
		vspin_store16(d->event, (uint16_t)(next + 0x8000u));
}

#endif /* VSPIN_HANDSHAKE_H */
