/* SPDX-License-Identifier: BSD-3-Clause
 * Memory ordering used by the virtqueue and the handshake.
 *
 * Every ring index is shared with a peer in another process (or VM), so
 * ordinary C atomics on plain uint16_t words are used through these helpers.
 * Each call site says which store it orders against which load.
 */
#ifndef VSPIN_BARRIER_H
#define VSPIN_BARRIER_H

#include <stdint.h>

/* Publish an index: every earlier store (ring entries) is visible first. */
static inline void
vspin_store_release16(volatile uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Read a peer's index: later loads (ring entries) see what it published. */
static inline uint16_t
vspin_load_acquire16(const volatile uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* A shared word with no ordering of its own (flags, event indexes). */
static inline uint16_t
vspin_load16(const volatile uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void
vspin_store16(volatile uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/*
 * Full fence: orders an earlier store before a later load. This is the
 * one reordering x86 does (store buffer), and the one the handshake must
 * forbid on both sides (Dekker): see vspin_handshake.h.
 */
static inline void
vspin_full_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#endif /* VSPIN_BARRIER_H */
