/* SPDX-License-Identifier: BSD-3-Clause
 * The one sleep path of every consumer queue: poll -> spin -> arm ->
 * recheck -> disarm or sleep -> wake. Both PMDs and the two-process engine
 * call vspin_sleeper_poll() after every poll of a queue, and
 * vspin_sleeper_before_poll() (ovs_sleep's nap) before the next; nothing
 * else drives the policy or blocks.
 *
 * Sleeping inside rx_burst without starving a queue. A thread may block
 * only when every consumer queue it polls is ready to: armed with its
 * recheck empty, or detached (no peer: nothing can arrive but a connect).
 * Every queue of ours joins the group of the thread that polls it on every
 * call, in every mode, so a queue that is busy, spinning or in poll mode
 * vetoes the sleep; a queue that cannot join (group full) vetoes the whole
 * group. While a queue can never be ready (it may not block, has no fd,
 * is in mode poll or ovs_sleep, or waits for a slot) the others do not
 * arm either: they poll as it does, rather than pay an arm and have their
 * producers notify for a sleep that cannot come; they arm again once it
 * can be ready, is released or moves, or is gone (below).
 * A member the thread has not polled for VSPIN_SLEEPER_GONE_PASSES
 * passes of its loop and VSPIN_SLEEPER_GONE_US (the application stopped
 * polling it) neither vetoes nor is slept on until it is polled again;
 * nor does a queue waiting for a slot. A queue polled once every few
 * thousand turns stays a member. Whether
 * blocking is allowed at all (queues of other drivers on the same thread,
 * applications that sleep by themselves) is the caller's may_block,
 * decided by vspin_sleep_rule.h.
 *
 * Threads. The owner is the thread that polls the queue; only it edits
 * its group, drives the policy, sleeps and closes the fds it slept on.
 * The control plane (another thread) only makes requests:
 *   - vspin_sleeper_give_fd(): hand over a new eventfd; the owner takes
 *     it on its next poll and closes the one it replaces;
 *   - vspin_sleeper_wake(): ring the group's doorbell, an eventfd in every
 *     sleep set, so a state change (a connect, a closed ring) is seen at
 *     once rather than after sleep_max_us;
 *   - vspin_sleeper_release(): the queue is no longer polled; mark its
 *     slot dead and wait until the owner cannot be blocked on its fd any
 *     more, then close the fds.
 * A sleep is bounded by the shortest bound of the group's members; one
 * shorter than the scheduler tick (a coalescing batch's) is kept by the
 * group's timer across sleeps (vspin_deadline.h).
 *
 * A group never calls into a member's queue: it records each sleep in the
 * member's slot, and the member applies it (policy, disarm) on its own
 * next poll, where the PMD holds whatever protects its ring.
 */
#ifndef VSPIN_SLEEPER_H
#define VSPIN_SLEEPER_H

#include <stdbool.h>
#include <stdint.h>

#include "vspin_policy.h"

/* When a member the thread stopped polling is gone (vspin_sleeper.c). */
#define VSPIN_SLEEPER_GONE_PASSES 1024
#define VSPIN_SLEEPER_GONE_US 100000

/* Consumer queues one thread can sleep on (plus its doorbell: 64 fds). */
#define VSPIN_GROUP_MAX 63

struct vspin_sleep_group;
struct vspin_slot;

/* What the sleep path needs from the queue's owner (the PMD). */
struct vspin_sleeper_ops {
	/*
	 * Ask the producer for a notification when the k-th next entry is
	 * published (k > 1 without EVENT_IDX: ask for nothing, the sleep is
	 * a timed nap), full fence, look at the ring again: the consumer half
	 * of the handshake (vspin_consumer_arm()). Returns true if k entries
	 * are there (then the queue must not sleep).
	 */
	bool (*arm)(void *ctx, uint16_t k);
	/* Quiet the producer again (after a recheck hit or a wake-up). */
	void (*disarm)(void *ctx);
	/* Optional: a sleep of this queue ended, before the disarm. */
	void (*woke)(void *ctx, enum vspin_wake why, uint64_t slept_at);
	/*
	 * Optional: the entries waiting in the ring, a load of the
	 * producer's index (vspin_sleeper_holds()). Without it a queue never
	 * holds.
	 */
	uint16_t (*pending)(void *ctx);
};

struct vspin_sleeper {
	struct vspin_policy *policy;
	const struct vspin_sleeper_ops *ops;
	void *ctx;
	/* Owner's. */
	int fd;			 /* the eventfd it sleeps on, or -1 */
	struct vspin_slot *slot; /* in group, or NULL */
	uint32_t sleeps_seen;	 /* slot's sleep records applied */
	bool detached;		 /* last polled with no ring */
	bool fd_hung; /* fd is dead (hung up): polls only until given one */
	bool waiting; /* found its group full: counted there, vetoing */
	uint8_t polls_here; /* polls since it joined its group, up to 2 */
	bool ovs_nap;	    /* ovs_sleep: its thread's nap may be due */
	/* Shared with the control plane (atomics). */
	struct vspin_sleep_group *group; /* the owner's group, or NULL */
	int fd_next; /* handed over, not yet taken; -1 or FD_NONE (.c) */
};

/* Before first use: no fd, no group. ops and policy stay the caller's. */
void vspin_sleeper_init(struct vspin_sleeper *s, struct vspin_policy *policy,
			const struct vspin_sleeper_ops *ops, void *ctx);

/*
 * Data path, after every poll of the queue: n entries were found. Drives
 * the policy; arms when it says so (draining the eventfd first, so an old
 * count cannot end the next sleep at once); sleeps when may_block and
 * every queue of the thread is ready. Returns true if the thread slept;
 * the caller's next poll then finds what woke it, and must be reported
 * here like any other (a poll the policy never sees makes its wake-up look
 * spurious and hides its packets from the rate). In ovs_sleep mode it
 * never sleeps here: see vspin_sleeper_before_poll().
 * now: the TSC, or VSPIN_SLEEPER_NOW_LAZY to have it read only when the
 * policy needs it: a queue that is busy, or may not block, never does,
 * and a TSC read per burst is tens of ns (far more where the hypervisor
 * traps it).
 */
#define VSPIN_SLEEPER_NOW_LAZY 0
bool vspin_sleeper_poll(struct vspin_sleeper *s, unsigned int n, bool may_block,
			uint64_t now);

/*
 * Data path, before a poll (the owner): true if the queue is to leave its
 * ring alone this time and report a poll of 0 entries to
 * vspin_sleeper_poll(). A queue armed for a batch of K (coalescing) whose
 * thread stays awake for its other queues would otherwise take the
 * batch's first entries on its next poll, which ends the arm (counted as
 * a recheck hit), and start over: the thread then sleeps only when every
 * queue comes up empty at the same poll, which grows rarer with each
 * queue. So it holds while fewer than K entries wait, until the bound of
 * its sleep, as a sleeping queue would; only in a group of two or more
 * that has slept within its last few bounds (a thread kept awake by a
 * busy queue gains nothing by waiting), and only with ops->pending.
 * It also holds once after a coalesced batch is drained (the policy's
 * trickle: vspin_policy.h, regime 1), so that the idle period starts
 * instead of a round of polls of a few entries each.
 */
bool vspin_sleeper_holds_slow(struct vspin_sleeper *s);

static inline bool
vspin_sleeper_holds(struct vspin_sleeper *s)
{
	/*
	 * Once, and cleared here: the policy does not see the polls of a
	 * queue that may no longer block, and a flag left set would hold
	 * every one of them.
	 */
	if (s->policy->trickle) {
		s->policy->trickle = false;
		return true;
	}
	return s->policy->state == VSPIN_ST_ARMED && s->policy->arm_k > 1 &&
	       s->ops->pending != NULL && vspin_sleeper_holds_slow(s);
}

/* The nap itself, for vspin_sleeper_before_poll() only. */
bool vspin_sleeper_nap(struct vspin_sleeper *s, bool may_block);

/*
 * Data path, before every poll of the queue (after the previous poll's
 * entries have gone on): in ovs_sleep mode, where the thread polls this
 * queue again, its pass over its queues has ended: it takes the pass's
 * timed nap there, once for all its queues, as OVS's PMD thread naps once
 * per loop (the rule: vspin_ovs_nap_pass_end()). That mode never sleeps
 * inside vspin_sleeper_poll(), which a caller may reach holding entries
 * it found. Returns true if it napped. Inline: in every other mode it is
 * one load per burst.
 */
static inline bool
vspin_sleeper_before_poll(struct vspin_sleeper *s, bool may_block)
{
	return s->ovs_nap && vspin_sleeper_nap(s, may_block);
}

/*
 * Data path, instead of a poll, when the queue has no ring (no peer, or
 * the ring is being torn down): after the policy's window the queue is
 * ready to sleep until the control plane calls vspin_sleeper_wake(); ops
 * are not called. Returns true if it slept.
 */
bool vspin_sleeper_poll_detached(struct vspin_sleeper *s, bool may_block);

/*
 * Control plane: the queue's new eventfd (ownership passes to the
 * sleeper; -1 for none: the queue then polls only, and closes the fd it
 * had). Wakes the owner so it takes it at once. An fd that a sleep finds
 * dead (a pipe whose writer closed: vspin_eventfd_wait_mask()) is not
 * slept on again: the queue polls only, as with none (fd_hung), until
 * it is given another.
 */
void vspin_sleeper_give_fd(struct vspin_sleeper *s, int fd);

/* Control plane: wake the thread that polls s, if it sleeps. */
void vspin_sleeper_wake(struct vspin_sleeper *s);

/*
 * Control plane: wake every thread that has a group (of this copy of the
 * library), from any thread. Reaches no queue, so no queue that another
 * thread frees meanwhile (a port of ours set up again or closed while
 * some other port comes or goes: vspin_port_census.c).
 */
void vspin_sleeper_wake_all(void);

/*
 * Control plane: s is no longer polled (queue stopped or released; the
 * application has stopped the thread's calls into it). Waits until the
 * owner cannot be blocked on s's fd, then closes every fd of s. s can be
 * polled again afterwards: it joins anew (with no fd until given one).
 */
void vspin_sleeper_release(struct vspin_sleeper *s);

#endif /* VSPIN_SLEEPER_H */
