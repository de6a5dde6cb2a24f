/* SPDX-License-Identifier: BSD-3-Clause
 * The memory table the backend maps, and keeping it current.
 *
 * The backend reads and writes our packets through the memory table: one
 * region per file (hugetlbfs file or memfd) behind EAL's memory, spanning
 * every allocated segment of that file. With DPDK's default dynamic memory
 * the application's pools are allocated after probe, so the table is sent
 * again on every memory event (allocation or free of hugepages).
 *
 * Re-sending while the rings run: the vhost-user spec leaves it to the
 * frontend to keep the backend off memory being remapped. We pause the
 * rings the same way a frontend stops using them: SET_VRING_ENABLE 0 on
 * every vring (acked with REPLY_ACK: the backend has finished the burst in
 * progress; DPDK's rte_vhost takes every queue's access lock for it), the
 * new table (acked: mapped), SET_VRING_ENABLE 1. The ring indexes stay
 * where they are: nothing is lost, nothing is replayed. A table refused or
 * not acked leaves no table we can count on (DPDK 22.11's rte_vhost drops
 * the old one before mapping the new, and keeps none when that fails): the
 * rings stay paused and the connection starts again, as for a dead
 * backend. A backend without PROTOCOL_FEATURES has no enable message: its
 * rings are stopped with GET_VRING_BASE and handed over again after the
 * table. Without REPLY_ACK a GET_FEATURES round trip tells the backend has
 * mapped the new table before the allocation returns to the application
 * (which may then put the new memory in a ring at once). A free is
 * announced before the pages go: the segments being freed are left out
 * of the new table, which shrinks a file's region when they lie at its
 * edge; pages freed inside a region stay in it (the table does not
 * change), with no ring pointing into them any more.
 *
 * Locks: EAL calls the event callback with its memory hotplug lock held
 * (for writing) and then takes dev->lock. So every path that walks the
 * memory under dev->lock takes the hotplug lock (for reading) first:
 * virtio_spin_ctl_lock(). The connection thread's handshakes walk it
 * before they take dev->lock and hold no memory lock while the backend
 * answers: a snapshot, its descriptors duplicated. An event during such a
 * handshake waits for it 100 ms at most (a backend that answers takes
 * milliseconds); past that the thread sends the table again when the
 * handshake is over, and until then the backend lacks the change: new
 * memory out of its reach, freed memory still mapped (from the duplicated
 * descriptors). Nothing holding dev->lock may allocate EAL memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "virtio_spin.h"

#define MEM_EVENT_NAME "net_virtio_spin_mem"

void
virtio_spin_ctl_lock(struct virtio_spin_dev *dev)
{
	rte_mcfg_mem_read_lock();
	pthread_mutex_lock(&dev->lock);
}

void
virtio_spin_ctl_unlock(struct virtio_spin_dev *dev)
{
	pthread_mutex_unlock(&dev->lock);
	rte_mcfg_mem_read_unlock();
}

struct mem_walk {
	struct virtio_spin_mem_table *t;
	const char *path;
	uintptr_t skip_start, skip_end; /* being freed: left out */
	uint32_t level;			/* of its errors */
};

/* One region per memseg fd, spanning every segment of that fd. */
static int
add_memseg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
	   void *arg)
{
	struct mem_walk *w = arg;
	struct virtio_spin_mem_table *t = w->t;
	uint64_t start = (uintptr_t)ms->addr, end = start + ms->len;
	struct virtio_spin_mem_region *r;
	size_t off;
	uint32_t i;
	int fd;

	/* Memory the application registered itself: not ours to share. */
	if (msl->external)
		return 0;
	if (start >= w->skip_start && end <= w->skip_end)
		return 0;
	fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (fd < 0 || rte_memseg_get_fd_offset_thread_unsafe(ms, &off) < 0) {
		PMD_LOG_AT(w->level,
			   "%s: EAL memory at %p has no fd to share (rte_errno "
			   "%d): run EAL with --single-file-segments (dynamic "
			   "memory), or --no-huge",
			   w->path, ms->addr, rte_errno);
		return -1;
	}
	for (i = 0; i < t->nregions; i++) {
		r = &t->regions[i];
		if (t->fds[i] != fd)
			continue;
		/* Offset and address move together in one file. */
		if (start < r->userspace_addr) {
			r->memory_size += r->userspace_addr - start;
			r->userspace_addr = start;
			r->guest_phys_addr = start;
			r->mmap_offset = off;
		}
		if (end > r->userspace_addr + r->memory_size)
			r->memory_size = end - r->userspace_addr;
		return 0;
	}
	if (i == VIRTIO_SPIN_MAX_MEM_REGIONS) {
		PMD_LOG_AT(
			w->level,
			"%s: EAL memory is in more than %d files, more "
			"memory regions than vhost-user carries (each "
			"hugepage is a file without --single-file-segments, "
			"and always with --legacy-mem): run EAL with "
			"--single-file-segments (dynamic memory), or --no-huge",
			w->path, VIRTIO_SPIN_MAX_MEM_REGIONS);
		return -1;
	}
	r = &t->regions[i];
	/* Descriptors carry our virtual addresses: guest PA == our VA. */
	r->guest_phys_addr = start;
	r->userspace_addr = start;
	r->memory_size = ms->len;
	r->mmap_offset = off;
	t->fds[i] = fd;
	t->nregions++;
	return 0;
}

int
virtio_spin_mem_table_build(struct virtio_spin_mem_table *t, const char *path,
			    const void *skip, size_t skip_len, bool quiet)
{
	struct mem_walk w = {
		.t = t,
		.path = path,
		.level = quiet ? RTE_LOG_DEBUG : RTE_LOG_ERR,
	};

	memset(t, 0, sizeof(*t));
	if (skip != NULL) {
		w.skip_start = (uintptr_t)skip;
		w.skip_end = w.skip_start + skip_len;
	}
	if (rte_memseg_walk_thread_unsafe(add_memseg, &w) != 0)
		return -1;
	if (t->nregions == 0) {
		PMD_LOG(ERR, "%s: no EAL memory to share", path);
		return -1;
	}
	return 0;
}

/* Send a table built under the memory lock (or a snapshot). */
static int
send_table(struct virtio_spin_dev *dev, const struct virtio_spin_mem_table *t)
{
	uint64_t f;
	unsigned int i;

	/*
	 * Refused: the backend may have dropped its old table as well
	 * (rte_vhost does), so out of step as with no reply.
	 */
	if (virtio_spin_vu_set_mem_table(&dev->vu, t) < 0) {
		dev->vu.broken = true;
		return -1;
	}
	dev->table_behind = false;
	for (i = 0; i < t->nregions; i++)
		PMD_LOG(DEBUG,
			"%s: region %u: addr 0x%" PRIx64 " size 0x%" PRIx64
			" offset 0x%" PRIx64,
			dev->path, i, t->regions[i].userspace_addr,
			t->regions[i].memory_size, t->regions[i].mmap_offset);
	/* Without REPLY_ACK: a round trip, then the backend has mapped it. */
	if (!(dev->vu.protocol_features &
	      (1ULL << VIRTIO_SPIN_PROTOCOL_F_REPLY_ACK)) &&
	    virtio_spin_vu_get_features(&dev->vu, &f) < 0)
		return -1;
	return 0;
}

/*
 * The table of our memory; one that cannot be built leaves part of it out
 * of the backend's reach, and the link shows down until one can. Why is
 * logged as an error once, not at every memory event after.
 */
static int
build_shared_table(struct virtio_spin_dev *dev, struct virtio_spin_mem_table *t,
		   const void *skip, size_t skip_len)
{
	int r = virtio_spin_mem_table_build(t, dev->path, skip, skip_len,
					    dev->mem_unshared);

	dev->mem_unshared = r < 0;
	return r;
}

int
virtio_spin_mem_send(struct virtio_spin_dev *dev,
		     const struct virtio_spin_mem_snapshot *snap)
{
	struct virtio_spin_mem_table t;

	if (snap != NULL) {
		if (snap->status == 0 || snap->status == -ENOSPC)
			dev->mem_unshared = snap->status != 0;
		return snap->status == 0 ? send_table(dev, &snap->t) : -1;
	}
	if (build_shared_table(dev, &t, NULL, 0) < 0)
		return -1;
	return send_table(dev, &t);
}

void
virtio_spin_mem_snapshot_take(struct virtio_spin_dev *dev, bool quiet,
			      struct virtio_spin_mem_snapshot *s)
{
	uint32_t i;

	rte_mcfg_mem_read_lock();
	s->status = virtio_spin_mem_table_build(&s->t, dev->path, NULL, 0,
						quiet) == 0 ?
			    0 :
			    -ENOSPC;
	if (s->status != 0)
		s->t.nregions = 0;
	/* Ours: a free after the lock may close EAL's descriptors. */
	for (i = 0; i < s->t.nregions; i++) {
		int fd = fcntl(s->t.fds[i], F_DUPFD_CLOEXEC, 0);

		if (fd < 0) {
			PMD_LOG(ERR,
				"%s: cannot keep the memory table's "
				"descriptors: %s",
				dev->path, strerror(errno));
			s->t.nregions = i;
			virtio_spin_mem_snapshot_release(s);
			s->status = -EMFILE;
			break;
		}
		s->t.fds[i] = fd;
	}
	rte_mcfg_mem_read_unlock();
}

void
virtio_spin_mem_snapshot_release(struct virtio_spin_mem_snapshot *s)
{
	uint32_t i;

	for (i = 0; i < s->t.nregions; i++)
		close(s->t.fds[i]);
	s->t.nregions = 0;
}

/* Enable or disable every vring the backend runs. */
static int
enable_vrings(struct virtio_spin_dev *dev, int enable)
{
	unsigned int i;

	for (i = 0; i < 2u * dev->nb_qp; i++)
		if (virtio_spin_vu_set_vring_enable(&dev->vu, i, enable) < 0)
			return -1;
	return 0;
}

/* The memory changed: a new table, the rings paused around it. */
static int
mem_update(struct virtio_spin_dev *dev, const void *skip, size_t skip_len,
	   bool *paused)
{
	struct virtio_spin_mem_table t;

	*paused = false;
	/* A table that cannot be built leaves the rings alone. */
	if (build_shared_table(dev, &t, skip, skip_len) < 0)
		return -1;
	if (!(dev->started && dev->link_up))
		return send_table(dev, &t);
	*paused = true;
	/* Rings the last table lacked: handed over anew, not paused. */
	if ((dev->features & (1ULL << VSPIN_F_PROTOCOL_FEATURES)) &&
	    !dev->rings_behind) {
		/* No table to resume on after a failed one: stay paused. */
		if (enable_vrings(dev, 0) < 0 || send_table(dev, &t) < 0 ||
		    enable_vrings(dev, 1) < 0)
			goto out_of_step;
		return 0;
	}
	virtio_spin_vrings_stop(dev);
	/* The stop dropped the connection: no rings to hand over. */
	if (dev->vu.fd < 0)
		return -1;
	if (send_table(dev, &t) < 0 || virtio_spin_vrings_start(dev) < 0)
		goto out_of_step;
	return 0;
out_of_step:
	/*
	 * Some rings may be left paused or stopped: the connection starts
	 * again (table_update()), which hands them all over anew.
	 */
	dev->vu.broken = true;
	return -1;
}

/*
 * The memory changed (what: how, for the log): send the backend a new
 * table, both locks held, skipping [skip, skip + len) (being freed).
 */
static void
table_update(struct virtio_spin_dev *dev, const void *skip, size_t len,
	     const char *what)
{
	bool paused, was_shown = virtio_spin_link_shown(dev);
	bool was_unshared = dev->mem_unshared;

	if (mem_update(dev, skip, len, &paused) < 0) {
		PMD_LOG_AT(was_unshared && dev->mem_unshared ? RTE_LOG_DEBUG :
							       RTE_LOG_ERR,
			   "%s: the backend did not take the memory table "
			   "after the %s: packets in that memory will not "
			   "reach it%s",
			   dev->path, what,
			   dev->mem_unshared ? "; the link shows down" : "");
		/*
		 * A table refused, a reply that never came (or a garbled
		 * one), or rings left paused: the connection is out of
		 * step. Start again, as for a dead backend.
		 */
		if (dev->vu.broken)
			virtio_spin_reset_connection(dev);
	} else {
		PMD_LOG(INFO, "%s: memory table sent again (%s%s)", dev->path,
			what, paused ? ", rings paused" : "");
	}
	/*
	 * The event not from here: the application's callback may allocate,
	 * and EAL may hold the memory lock for writing.
	 */
	if (was_shown != virtio_spin_link_shown(dev)) {
		virtio_spin_set_link(dev, dev->link_up);
		rte_eal_alarm_set(1, virtio_spin_lsc_alarm, dev);
	}
}

static void
mem_event(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	struct virtio_spin_dev *dev = arg;
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);
	bool was_free = type == RTE_MEM_EVENT_FREE;
	unsigned int nap_us = 100;
	char what[96];

	if (msl == NULL || msl->external)
		return;
	/*
	 * A negotiation under way holds the port's lock while the backend
	 * answers: waited for 100 ms at most. Past that its thread sends the
	 * table again once it is over (virtio_spin_mem_resend()). The thread
	 * negotiates only with the lock held: once we have it, none is. The
	 * naps grow: an application's stop may hold it as long.
	 */
	while (pthread_mutex_trylock(&dev->lock) != 0) {
		if (virtio_spin_conn_mem_event(dev))
			return;
		usleep(nap_us);
		if (nap_us < 5000)
			nap_us *= 2;
	}
	/* A handshake about to start may hold a table from before this. */
	virtio_spin_conn_mem_changed(dev);
	snprintf(what, sizeof(what), "%s of %zu bytes at %p",
		 was_free ? "free" : "allocation", len, addr);
	/* The hotplug lock is ours already (EAL holds it for writing). */
	if (!dev->closing && dev->vu.fd >= 0)
		table_update(dev, was_free ? addr : NULL, len, what);
	pthread_mutex_unlock(&dev->lock);
}

void
virtio_spin_mem_resend(struct virtio_spin_dev *dev)
{
	/* Closing: the port is going away, not worth a wait. */
	if (__atomic_load_n(&dev->conn_stop, __ATOMIC_RELAXED))
		return;
	virtio_spin_ctl_lock(dev);
	if (!dev->closing && dev->vu.fd >= 0)
		table_update(dev, NULL, 0,
			     "memory's change during the handshake");
	virtio_spin_ctl_unlock(dev);
}

int
virtio_spin_mem_events_register(struct virtio_spin_dev *dev)
{
	if (rte_mem_event_callback_register(MEM_EVENT_NAME, mem_event, dev) ==
	    0) {
		dev->mem_events = true;
		return 0;
	}
	/* Legacy memory (--legacy-mem, --no-huge): it never changes. */
	if (rte_errno == ENOTSUP)
		return 0;
	PMD_LOG(ERR, "%s: cannot follow memory events: %s", dev->path,
		rte_strerror(rte_errno));
	return -1;
}

void
virtio_spin_mem_events_unregister(struct virtio_spin_dev *dev)
{
	if (!dev->mem_events)
		return;
	/* Waits for a callback in progress (it may wait for dev->lock). */
	rte_mem_event_callback_unregister(MEM_EVENT_NAME, dev);
	dev->mem_events = false;
}
