/* SPDX-License-Identifier: BSD-3-Clause
 * A new memory table with a region the vhost library could not map is
 * refused before the library sees it. DPDK 22.11's library unmaps the old
 * table first and, when a region of the new one fails to map, keeps none,
 * while the rings still point into the old one: the next poll of a ring
 * (ours, stock net_vhost's, any library call on it) faults. A frontend
 * that asked for an ack (REPLY_ACK) keeps its connection after the
 * failure, so one buggy or hostile frontend could crash the switch. Each
 * region is checked the way the library maps it, by mapping it and
 * unmapping it again; a region that ends past the end of its file is
 * refused too (it maps, and the first read past the file's end faults).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <rte_common.h>

#include "vhost_spin.h"
#include "vhost_spin_msg.h"

/* VhostUserMemory: a region count, padding, then the regions. */
#define MEM_OFF_REGIONS (VU_MSG_OFF_PAYLOAD + 8)
#define REGION_SIZE 32 /* guest phys addr, size, user addr, mmap offset */

/* Why the library could not use this region, or NULL. */
static const char *
region_unusable(int fd, uint64_t size, uint64_t offset, char *why, size_t len)
{
	uint64_t end = size + offset, map;
	struct stat st;
	void *addr;

	if (size == 0 || end < size)
		return "has no size, or its offset and size overflow";
	if (fstat(fd, &st) != 0) {
		snprintf(why, len, "has no file to map (%s)", strerror(errno));
		return why;
	}
	if (st.st_blksize <= 0)
		return "has a file with no block size";
	/* The library maps whole blocks (huge pages on hugetlbfs). */
	map = RTE_ALIGN_CEIL(end, (uint64_t)st.st_blksize);
	if (map < end)
		return "overflows when rounded to its file's block size";
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < end) {
		snprintf(why, len,
			 "ends at byte %" PRIu64 " of a file of %" PRIu64
			 " bytes",
			 end, (uint64_t)st.st_size);
		return why;
	}
	addr = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		snprintf(why, len, "cannot be mapped (%s)", strerror(errno));
		return why;
	}
	munmap(addr, map);
	return NULL;
}

enum rte_vhost_msg_result
vhost_spin_check_mem_table(const struct vhost_spin_port *p, void *msg)
{
	uint32_t n = vu_msg_u32(msg, VU_MSG_OFF_PAYLOAD), i;
	int fds[VU_MSG_MAX_FDS], nfds;
	const char *why = NULL;
	char buf[128];

	if (vu_msg_request(msg) != VU_REQ_SET_MEM_TABLE)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	/* None, or a count the library refuses before it unmaps anything. */
	nfds = vu_msg_fds(msg, fds);
	if (n == 0 || nfds < 0 || (uint32_t)nfds != n)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	for (i = 0; i < n && why == NULL; i++) {
		size_t r = MEM_OFF_REGIONS + (size_t)i * REGION_SIZE;

		why = region_unusable(fds[i], vu_msg_u64(msg, r + 8),
				      vu_msg_u64(msg, r + 24), buf,
				      sizeof(buf));
	}
	if (why == NULL)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	VHOST_SPIN_LOG(ERR,
		       "port %u: iface %s: refusing a memory table whose "
		       "region %u %s; the old table stays",
		       p->dev->data->port_id, p->args.iface, i - 1, why);
	vu_msg_close_fds(msg);
	return RTE_VHOST_MSG_RESULT_ERR;
}
