/* SPDX-License-Identifier: BSD-3-Clause
 * The split ring layout against the virtio 1.x specification (2.7): the
 * offsets a vhost-user peer computes from the same three addresses, and
 * the same layout as Linux's uapi <linux/virtio_ring.h> lays out (what
 * QEMU, the kernel and DPDK's vhost library agree on).
 */
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vspin_test.h"
#include "vspin_vring.h"

/* Byte offset of p from base. */
static size_t
off(const void *base, const volatile void *p)
{
	return (size_t)((const char *)p - (const char *)base);
}

static size_t
align_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static void
test_struct_sizes_match_spec(void)
{
	VT_CHECK(sizeof(struct vspin_desc) == 16, "desc is %zu bytes",
		 sizeof(struct vspin_desc));
	VT_CHECK(offsetof(struct vspin_desc, len) == 8 &&
			 offsetof(struct vspin_desc, flags) == 12 &&
			 offsetof(struct vspin_desc, next) == 14,
		 "desc fields at len=%zu flags=%zu next=%zu",
		 offsetof(struct vspin_desc, len),
		 offsetof(struct vspin_desc, flags),
		 offsetof(struct vspin_desc, next));
	VT_CHECK(sizeof(struct vspin_used_elem) == 8, "used elem is %zu bytes",
		 sizeof(struct vspin_used_elem));
	VT_CHECK(offsetof(struct vspin_avail, ring) == 4, "avail ring at %zu",
		 offsetof(struct vspin_avail, ring));
	VT_CHECK(offsetof(struct vspin_used, ring) == 4, "used ring at %zu",
		 offsetof(struct vspin_used, ring));
}

/* Every power-of-two size, both alignments: the spec's offsets. */
static void
check_layout(uint32_t num, size_t align)
{
	/* desc 16*num; avail 6+2*num (flags, idx, ring, used_event). */
	size_t avail_off = 16 * (size_t)num;
	size_t used_off = align_up(avail_off + 6 + 2 * (size_t)num, align);
	/* used 6+8*num (flags, idx, ring, avail_event). */
	size_t total = used_off + 6 + 8 * (size_t)num;
	struct vspin_vring vr;
	size_t size = vspin_vring_size(num, align);
	void *mem = malloc(size);

	VT_REQUIRE(mem != NULL, "malloc(%zu) failed", size);
	VT_CHECK(size == total, "num=%u align=%zu: size %zu, spec says %zu",
		 num, align, size, total);
	VT_CHECK(vspin_vring_init(&vr, mem, num, align) == 0,
		 "num=%u align=%zu rejected", num, align);
	VT_CHECK(vr.num == num, "num %u stored as %u", num, vr.num);
	VT_CHECK(off(mem, vr.desc) == 0, "num=%u: desc at %zu", num,
		 off(mem, vr.desc));
	VT_CHECK(off(mem, vr.avail) == avail_off,
		 "num=%u: avail at %zu, expected %zu", num, off(mem, vr.avail),
		 avail_off);
	VT_CHECK(off(mem, vr.used) == used_off,
		 "num=%u align=%zu: used at %zu, expected %zu", num, align,
		 off(mem, vr.used), used_off);
	VT_CHECK(off(mem, vr.used) % align == 0,
		 "num=%u: used at %zu not aligned to %zu", num,
		 off(mem, vr.used), align);
	/* used_event: the u16 after the num avail ring entries. */
	VT_CHECK(off(mem, vspin_used_event(&vr)) == avail_off + 4 + 2 * num,
		 "num=%u: used_event at %zu, expected %zu", num,
		 off(mem, vspin_used_event(&vr)), avail_off + 4 + 2 * num);
	/* avail_event: the u16 after the num used ring elements. */
	VT_CHECK(off(mem, vspin_avail_event(&vr)) == used_off + 4 + 8 * num,
		 "num=%u: avail_event at %zu, expected %zu", num,
		 off(mem, vspin_avail_event(&vr)), used_off + 4 + 8 * num);
	/* Both event words lie inside the size the peer maps. */
	VT_CHECK(off(mem, vspin_avail_event(&vr)) + 2 <= size,
		 "num=%u: avail_event past the end (%zu)", num, size);
	VT_CHECK(off(mem, vspin_used_event(&vr)) + 2 <= used_off,
		 "num=%u: used_event overlaps the used ring", num);
	free(mem);
}

static void
test_layout_all_sizes_align_4096(void)
{
	uint32_t num;

	for (num = 1; num <= VSPIN_VRING_MAX_SIZE; num *= 2)
		check_layout(num, 4096);
}

static void
test_layout_all_sizes_align_4(void)
{
	uint32_t num;

	for (num = 1; num <= VSPIN_VRING_MAX_SIZE; num *= 2)
		check_layout(num, 4);
}

/* Numbers worked by hand from the spec (and legacy vring_size()). */
static void
test_size_known_values(void)
{
	/* 4096 + 518 -> 8192, + 6 + 2048 */
	VT_CHECK(vspin_vring_size(256, 4096) == 10246, "size(256,4096)=%zu",
		 vspin_vring_size(256, 4096));
	/* 4096 + 518 -> 4616, + 6 + 2048 */
	VT_CHECK(vspin_vring_size(256, 4) == 6670, "size(256,4)=%zu",
		 vspin_vring_size(256, 4));
	/* 4096*4 + 6 + 2048 -> 20480, + 6 + 8192 */
	VT_CHECK(vspin_vring_size(1024, 4096) == 28678, "size(1024,4096)=%zu",
		 vspin_vring_size(1024, 4096));
}

/* Every size and both alignments against the kernel's vring_init(). */
static void
test_layout_matches_linux_uapi(void)
{
	size_t align;
	uint32_t num;

	for (align = 4; align <= 4096; align *= 1024) {
		for (num = 1; num <= VSPIN_VRING_MAX_SIZE; num *= 2) {
			size_t size = vring_size(num, align);
			void *mem = aligned_alloc(4096,
						  (size + 4095) / 4096 * 4096);
			struct vspin_vring vr;
			struct vring lx;

			VT_REQUIRE(mem != NULL, "aligned_alloc(%zu)", size);
			vring_init(&lx, num, mem, align);
			VT_CHECK(vspin_vring_size(num, align) == size,
				 "num=%u align=%zu: size %zu, Linux %zu", num,
				 align, vspin_vring_size(num, align), size);
			VT_CHECK(vspin_vring_init(&vr, mem, num, align) == 0,
				 "num=%u align=%zu refused", num, align);
			VT_CHECK((void *)vr.desc == (void *)lx.desc &&
					 (void *)vr.avail == (void *)lx.avail &&
					 (void *)vr.used == (void *)lx.used,
				 "num=%u align=%zu: avail at %zu (Linux %zu), "
				 "used at %zu (Linux %zu)",
				 num, align, off(mem, vr.avail),
				 off(mem, lx.avail), off(mem, vr.used),
				 off(mem, lx.used));
			VT_CHECK(
				(const volatile void *)vspin_used_event(&vr) ==
						(void *)&vring_used_event(
							&lx) &&
					(const volatile void *)
							vspin_avail_event(
								&vr) ==
						(void *)&vring_avail_event(&lx),
				"num=%u: used_event at %zu (Linux %zu), "
				"avail_event at %zu (Linux %zu)",
				num, off(mem, vspin_used_event(&vr)),
				off(mem, &vring_used_event(&lx)),
				off(mem, vspin_avail_event(&vr)),
				off(mem, &vring_avail_event(&lx)));
			free(mem);
		}
	}
	VT_CHECK(VSPIN_DESC_F_NEXT == VRING_DESC_F_NEXT &&
			 VSPIN_DESC_F_WRITE == VRING_DESC_F_WRITE &&
			 VSPIN_AVAIL_F_NO_INTERRUPT ==
				 VRING_AVAIL_F_NO_INTERRUPT &&
			 VSPIN_USED_F_NO_NOTIFY == VRING_USED_F_NO_NOTIFY &&
			 VSPIN_F_EVENT_IDX == VIRTIO_RING_F_EVENT_IDX &&
			 VSPIN_F_INDIRECT_DESC == VIRTIO_RING_F_INDIRECT_DESC,
		 "a flag or feature bit differs from <linux/virtio_ring.h>");
}

static void
test_bad_num_and_align_rejected(void)
{
	static const uint32_t bad_num[] = {
		0, 3, 6, 100, 65535, 65536, VSPIN_VRING_MAX_SIZE * 2};
	static const size_t bad_align[] = {0, 1, 2, 3, 6, 12, 4097};
	static char mem[64];
	struct vspin_vring vr;
	unsigned int i;

	for (i = 0; i < sizeof(bad_num) / sizeof(bad_num[0]); i++)
		VT_CHECK(vspin_vring_init(&vr, mem, bad_num[i], 4096) == -1,
			 "num=%u accepted", bad_num[i]);
	for (i = 0; i < sizeof(bad_align) / sizeof(bad_align[0]); i++)
		VT_CHECK(vspin_vring_init(&vr, mem, 8, bad_align[i]) == -1,
			 "align=%zu accepted", bad_align[i]);
}

int
main(void)
{
	VT_RUN(test_struct_sizes_match_spec);
	VT_RUN(test_layout_all_sizes_align_4096);
	VT_RUN(test_layout_all_sizes_align_4);
	VT_RUN(test_size_known_values);
	VT_RUN(test_layout_matches_linux_uapi);
	VT_RUN(test_bad_num_and_align_rejected);
	return vt_summary();
}
