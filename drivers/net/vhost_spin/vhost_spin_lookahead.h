/* SPDX-License-Identifier: BSD-3-Clause
 * Prefetching the guest's next packets, on both rings.
 *
 * The library copies a packet between guest memory and an mbuf right
 * after it maps the packet's descriptor, so each copy starts on lines the
 * guest wrote (receive) or that this core must first own (transmit), with
 * nothing fetched ahead (its own prefetch comes a few instructions before
 * the copy). After a burst of n packets, the next n avail entries are
 * most likely posted already (a producer that keeps us busy is ahead of
 * us), so we prefetch the first lines of their buffers (for writing on
 * the transmit side) while the application works on this burst. An entry
 * not posted yet is one of the previous lap: a prefetch of a stale buffer
 * is wasted, never wrong. Measured at 1518 B (bench/README-guest.md):
 * four lines per packet paid best both ways on an AMD machine, more cost
 * far more than they saved; frames of 256 bytes or less gain nothing (the
 * library defers short copies until the whole burst is mapped, which is
 * lead enough). On an Intel machine the receive side's copy out of guest
 * memory of small pages (--no-huge) ran 1.2x faster with the whole
 * packet prefetched, where four lines bought nothing, and 14% slower with
 * huge pages ("Four lines or the whole packet"): so the receive side
 * tries both while it runs and keeps the faster (lib/vspin/vspin_ab.h).
 *
 * On the receive side the avail index's line is prefetched first: the
 * guest stores avail->idx while we copy a burst and the library loads it
 * first in the next dequeue (with a guest without EVENT_IDX the library's
 * own load of avail->flags, on that line, does it). Alone it bought
 * 1.5-3.5% at 1518 B guest -> host, nothing at 64 B.
 *
 * Safety: the avail ring and the descriptors are loaded, not just
 * prefetched, so the lcore reads them inside a section that whoever
 * takes them away waits for (vhost_spin_lookahead_close(): the section
 * takes no lock and never blocks, so waiting with the library's queue
 * locks held cannot deadlock): the gate closing, and a new memory table,
 * which a frontend may send while its rings run (QEMU does on memory
 * hotplug) and after which the library maps all guest memory anew (a
 * message hook of ours closes the lookahead before the library handles
 * the table and opens it again after). On top of that the rings are read
 * through a read-only mapping of our own, made from the library's region
 * fds, so no remap by the library can pull them from under the lcore.
 * Buffer addresses are translated through a copy of the memory table:
 * a wrong translation only prefetches the wrong line, which cannot
 * fault. Split rings only.
 */
#ifndef VHOST_SPIN_LOOKAHEAD_H
#define VHOST_SPIN_LOOKAHEAD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_prefetch.h>
#include <rte_vhost.h>

#include "vspin_ab.h"

/* The vhost-user protocol's limit on memory regions. */
#define VHOST_SPIN_LOOKAHEAD_REGIONS 8
/* Lines prefetched per packet, and the packets that get them. */
#define VHOST_SPIN_LOOKAHEAD_LINES 4
#define VHOST_SPIN_LOOKAHEAD_MIN_LEN 256
/* The receive side's other setting: the whole packet, up to 2 KB. */
#define VHOST_SPIN_LOOKAHEAD_LINES_WHOLE 32
/* A loop between two full bursts longer than this is not a sample. */
#define VHOST_SPIN_LOOKAHEAD_SAMPLE_MAX_US 100

/*
 * The receive side's timing of its polling loop, the lcore's own (in its
 * queue, not in the lookahead, which the control side resets at open).
 */
struct vhost_spin_lookahead_clock {
	uint64_t tsc; /* when the lookahead last followed a burst */
	bool full;    /* that burst was full: the next full one samples */
};

struct vhost_spin_lookahead {
	uint32_t busy;	   /* the lcore reads the rings */
	uint32_t nregions; /* of the table copy; 0: closed */
	uint16_t size;	   /* of the ring */
	uint64_t bursts;   /* prefetched after (xstats, lcore writes) */
	bool prefetchw;	   /* x86: the CPU has PREFETCHW (set at open) */
	/* Receive side: four lines (0) or the whole packet (1); the lcore
	 * writes it inside its section, the control side at open. */
	struct vspin_ab depth;
	const volatile struct vring_avail *avail; /* through our mappings */
	const volatile struct vring_desc *desc;	  /* ... */
	void *map[2];				  /* of desc and avail */
	size_t map_len[2];
	struct vhost_spin_region {
		uint64_t gpa, size, hva;
	} region[VHOST_SPIN_LOOKAHEAD_REGIONS];
};

/*
 * Control side (vhost_spin_lookahead.c): open on a closed lookahead (its
 * last store publishes the copy); close before the rings or the memory
 * go away. Callers serialise them (the port's lock).
 */
void vhost_spin_lookahead_open(struct vhost_spin_lookahead *la, int vid,
			       uint16_t vring, uint64_t features);
void vhost_spin_lookahead_close(struct vhost_spin_lookahead *la);

/*
 * Map [hva, hva + len) of the library's view of guest memory again, from
 * the fd of the region it lies in, with prot: a mapping of our own, which
 * no remap by the library takes away (whole pages of the file: *map and
 * *map_len to unmap). Returns our address of hva, or NULL.
 */
void *vhost_spin_map_guest(const struct rte_vhost_memory *mem, uint64_t hva,
			   uint64_t len, int prot, void **map, size_t *map_len);

/*
 * A prefetch for writing. GCC emits PREFETCHW for __builtin_prefetch(p, 1,
 * 3) only when the target has it, and DPDK's x86 baseline (-march=corei7)
 * does not: there it is a read prefetch, after which the copy must take
 * each line from the guest's core again to write it. On an Intel machine
 * that made the transmit side's lookahead cost 10% at 1518 B host ->
 * guest; with PREFETCHW it bought 47% (bench/README-guest.md, "The
 * transmit lookahead's prefetch for writing"). A CPU without it gets the
 * compiler's prefetch, as before.
 */
static __rte_always_inline void
vhost_spin_prefetch_w(const struct vhost_spin_lookahead *la, const void *p)
{
#ifdef RTE_ARCH_X86
	if (la->prefetchw) {
		asm volatile("prefetchw %0" : : "m"(*(const volatile char *)p));
		return;
	}
#else
	RTE_SET_USED(la);
#endif
	__builtin_prefetch(p, 1, 3);
}

static inline uint64_t
vhost_spin_lookahead_va(const struct vhost_spin_lookahead *la, uint32_t nr,
			uint64_t gpa)
{
	uint32_t i;

	for (i = 0; i < nr; i++) {
		const struct vhost_spin_region *r = &la->region[i];

		if (gpa - r->gpa < r->size)
			return r->hva + (gpa - r->gpa);
	}
	return 0;
}

/*
 * Prefetch lines of the buffers of the n avail entries after the
 * library's last one (for writing: the transmit side), when the burst's
 * frames are long enough (the callers check). The receive side gives
 * the loop's sample (cycles, or UINT64_MAX for none) of the depth in use,
 * which picks the depth it prefetches with now. Dekker with
 * vhost_spin_lookahead_close(), as the gate: the lcore stores busy then
 * loads nregions, the control side stores nregions then loads busy.
 */
static __rte_always_inline void
vhost_spin_lookahead(struct vhost_spin_lookahead *la, int vid, uint16_t vring,
		     uint16_t n, bool write, uint64_t sample)
{
	uint16_t last_avail, last_used, mask, i, l;
	uint32_t nr, lines = VHOST_SPIN_LOOKAHEAD_LINES;

	__atomic_store_n(&la->busy, 1, __ATOMIC_SEQ_CST);
	nr = __atomic_load_n(&la->nregions, __ATOMIC_SEQ_CST);
	if (nr == 0 ||
	    rte_vhost_get_vring_base(vid, vring, &last_avail, &last_used) != 0)
		goto out;
	if (!write) {
		uint8_t depth = sample != UINT64_MAX ?
					vspin_ab_sample(&la->depth, sample, n) :
					la->depth.setting;

		rte_prefetch0((const void *)(uintptr_t)la->avail);
		if (depth)
			lines = VHOST_SPIN_LOOKAHEAD_LINES_WHOLE;
	}
	mask = (uint16_t)(la->size - 1);
	for (i = 0; i < n; i++) {
		uint16_t head = la->avail->ring[(last_avail + i) & mask];
		const char *buf;
		uint32_t len, nl;

		if (head >= la->size)
			continue;
		len = la->desc[head].len;
		buf = (const char *)(uintptr_t)vhost_spin_lookahead_va(
			la, nr, la->desc[head].addr);
		if (buf == NULL)
			continue;
		/* A compare per packet, not per line: the loop stays short. */
		nl = RTE_MIN(lines, len / RTE_CACHE_LINE_SIZE + 1);
		for (l = 0; l < nl; l++) {
			if (write)
				vhost_spin_prefetch_w(
					la, buf + l * RTE_CACHE_LINE_SIZE);
			else
				rte_prefetch0(buf + l * RTE_CACHE_LINE_SIZE);
		}
	}
	la->bursts++;
out:
	__atomic_store_n(&la->busy, 0, __ATOMIC_RELEASE);
}

/* Transmit side: after a burst of n packets into the guest. */
static __rte_always_inline void
vhost_spin_lookahead_tx(struct vhost_spin_lookahead *la, int vid,
			uint16_t vring, uint16_t n, uint32_t last_len)
{
	if (last_len > VHOST_SPIN_LOOKAHEAD_MIN_LEN &&
	    __atomic_load_n(&la->nregions, __ATOMIC_RELAXED) != 0)
		vhost_spin_lookahead(la, vid, vring, n, true, UINT64_MAX);
}

/*
 * Receive side: after a burst of n packets of the nb asked for (n may be
 * 0). The loop from one full burst to the next, both followed by the
 * lookahead, is a sample of the depth the first prefetched with (still
 * the depth in use: only a sample changes it): its prefetches are what
 * the second burst's copies found.
 */
static __rte_always_inline void
vhost_spin_lookahead_rx(struct vhost_spin_lookahead *la,
			struct vhost_spin_lookahead_clock *c, int vid,
			uint16_t vring, uint16_t n, uint16_t nb,
			uint32_t last_len)
{
	uint64_t now, sample = UINT64_MAX;

	if (n == 0 || last_len <= VHOST_SPIN_LOOKAHEAD_MIN_LEN ||
	    __atomic_load_n(&la->nregions, __ATOMIC_RELAXED) == 0) {
		c->full = false;
		return;
	}
	now = rte_rdtsc();
	if (c->full && n == nb)
		sample = now - c->tsc;
	c->tsc = now;
	c->full = n == nb;
	vhost_spin_lookahead(la, vid, vring, n, false, sample);
}

#endif /* VHOST_SPIN_LOOKAHEAD_H */
