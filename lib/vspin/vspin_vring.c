/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>

#include "vspin_vring.h"

int
vspin_vring_init(struct vspin_vring *vr, void *mem, uint32_t num, size_t align)
{
	uintptr_t used;

	if (num == 0 || num > VSPIN_VRING_MAX_SIZE || (num & (num - 1)) ||
	    align < 4 || (align & (align - 1)))
		return -1;
	vr->num = num;
	vr->desc = mem;
	vr->avail = (struct vspin_avail *)((char *)mem +
					   sizeof(struct vspin_desc) * num);
	/* Offsets from mem, as vspin_vring_size() counts them. */
	used = (vspin_vring_avail_end(num) + align - 1) &
	       ~(uintptr_t)(align - 1);
	vr->used = (struct vspin_used *)((char *)mem + used);
	return 0;
}
