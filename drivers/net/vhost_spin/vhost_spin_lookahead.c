/* SPDX-License-Identifier: BSD-3-Clause
 * The lookahead's control side: when a queue's gate opens, a copy
 * of the guest's memory table to translate buffer addresses by, and
 * read-only mappings of our own of the ring's descriptors and avail ring;
 * when it closes, the wait for the lcore's section and the unmapping
 * (vhost_spin_lookahead.h says why).
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifdef RTE_ARCH_X86
#include <cpuid.h>
#endif

#include <rte_pause.h>

#include "vhost_spin.h"
#include "vhost_spin_lookahead.h"

static void
unmap_rings(struct vhost_spin_lookahead *la)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(la->map); i++) {
		if (la->map[i] != NULL)
			munmap(la->map[i], la->map_len[i]);
		la->map[i] = NULL;
		la->map_len[i] = 0;
	}
	la->desc = NULL;
	la->avail = NULL;
}

void *
vhost_spin_map_guest(const struct rte_vhost_memory *mem, uint64_t hva,
		     uint64_t len, int prot, void **map, size_t *map_len)
{
	uint32_t i;

	for (i = 0; i < mem->nregions; i++) {
		const struct rte_vhost_mem_region *r = &mem->regions[i];
		uint64_t start = (uintptr_t)r->mmap_addr;
		uint64_t off, pg, lo, hi;
		struct stat st;
		void *m;

		if (hva - r->host_user_addr >= r->size ||
		    len > r->host_user_addr + r->size - hva)
			continue;
		/* A hugetlbfs file maps in whole huge pages. */
		if (r->fd < 0 || fstat(r->fd, &st) != 0 || st.st_blksize <= 0)
			return NULL;
		pg = (uint64_t)st.st_blksize;
		off = hva - start; /* the mapping starts at file offset 0 */
		lo = off & ~(pg - 1);
		hi = (off + len + pg - 1) & ~(pg - 1);
		m = mmap(NULL, hi - lo, prot, MAP_SHARED, r->fd, (off_t)lo);
		if (m == MAP_FAILED)
			return NULL;
		*map = m;
		*map_len = hi - lo;
		return (char *)m + (off - lo);
	}
	return NULL;
}

/* The rings again, read only, into the lookahead's slot. */
static const void *
map_again(struct vhost_spin_lookahead *la, unsigned int slot,
	  const struct rte_vhost_memory *mem, uint64_t hva, uint64_t len)
{
	return vhost_spin_map_guest(mem, hva, len, PROT_READ, &la->map[slot],
				    &la->map_len[slot]);
}

/* PREFETCHW: CPUID 0x80000001, ECX bit 8 (AMD since K8, Intel since
 * Broadwell). */
static bool
cpu_has_prefetchw(void)
{
#ifdef RTE_ARCH_X86
	unsigned int a, b, c, d;

	return __get_cpuid(0x80000001, &a, &b, &c, &d) != 0 &&
	       (c & bit_PRFCHW) != 0;
#else
	return false;
#endif
}

void
vhost_spin_lookahead_open(struct vhost_spin_lookahead *la, int vid,
			  uint16_t vring, uint64_t features)
{
	struct rte_vhost_memory *mem = NULL;
	struct rte_vhost_vring vr;
	uint32_t i;

	vhost_spin_lookahead_close(la);
	if ((features & (1ULL << VIRTIO_F_RING_PACKED)) ||
	    rte_vhost_get_vhost_vring(vid, vring, &vr) != 0 ||
	    vr.desc == NULL || vr.avail == NULL || vr.size == 0 ||
	    (vr.size & (vr.size - 1)) != 0 ||
	    rte_vhost_get_mem_table(vid, &mem) != 0 || mem == NULL)
		goto out;
	if (mem->nregions > RTE_DIM(la->region))
		goto out;
	la->desc = map_again(la, 0, mem, (uintptr_t)vr.desc,
			     (uint64_t)vr.size * sizeof(vr.desc[0]));
	la->avail = map_again(la, 1, mem, (uintptr_t)vr.avail,
			      sizeof(*vr.avail) +
				      (uint64_t)vr.size *
					      sizeof(vr.avail->ring[0]));
	if (la->desc == NULL || la->avail == NULL) {
		VHOST_SPIN_LOG(DEBUG,
			       "vring %u: rings not mapped again, "
			       "no lookahead",
			       vring);
		unmap_rings(la);
		goto out;
	}
	for (i = 0; i < mem->nregions; i++) {
		la->region[i].gpa = mem->regions[i].guest_phys_addr;
		la->region[i].size = mem->regions[i].size;
		la->region[i].hva = mem->regions[i].host_user_addr;
	}
	la->size = vr.size;
	la->prefetchw = cpu_has_prefetchw();
	vspin_ab_init(&la->depth, rte_get_tsc_hz() / 1000000 *
					  VHOST_SPIN_LOOKAHEAD_SAMPLE_MAX_US);
	__atomic_store_n(&la->nregions, mem->nregions, __ATOMIC_SEQ_CST);
out:
	free(mem);
}

void
vhost_spin_lookahead_close(struct vhost_spin_lookahead *la)
{
	__atomic_store_n(&la->nregions, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&la->busy, __ATOMIC_SEQ_CST))
		rte_pause();
	unmap_rings(la);
}
