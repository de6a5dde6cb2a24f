/* SPDX-License-Identifier: BSD-3-Clause */
#include "vspin_vq_device.h"

void
vspin_vq_dev_init(struct vspin_vq_dev *vq, const struct vspin_vring *vr,
		  bool event_idx, struct vspin_stats *stats)
{
	vq->vr = *vr;
	vq->kick = vspin_dir_avail(vr, event_idx);
	vq->call = vspin_dir_used(vr, event_idx);
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->call_idx = 0;
	vq->stats = stats;
	vq->bad_avail = 0;
	vq->quiet_mark = 0;
	vq->armed = false;
	/* As in vspin_vq_drv_init(): avail_event one behind, not 0. */
	if (event_idx)
		vspin_store16(vq->kick.event, (uint16_t)(vq->last_avail - 1));
	vspin_consumer_disarm(&vq->kick);
}

int
vspin_vq_dev_pop(struct vspin_vq_dev *vq, uint16_t *head, struct vspin_desc *sg,
		 unsigned int max_sg)
{
	uint32_t num = vq->vr.num, idx;
	unsigned int n = 0;

	uint16_t pending = vspin_vq_dev_avail_pending(vq);

	if (pending == 0)
		return 0;
	if (pending > num) {
		/* avail idx ran more than a ring ahead: the driver is broken. */
		vq->bad_avail++;
		return -1;
	}
	/* The acquire load of avail->idx above orders these reads. */
	idx = vq->vr.avail->ring[vq->last_avail & (num - 1)];
	vq->last_avail++;
	/* A quiet queue: no kick at the 16-bit index's wrap. */
	if (!vq->armed)
		vspin_consumer_keep_quiet(&vq->kick, vq->last_avail,
					  &vq->quiet_mark, num);
	*head = (uint16_t)idx;
	if (idx >= num)
		goto bad;
	for (;;) {
		struct vspin_desc d = vq->vr.desc[idx];

		if (n == max_sg || n == num)
			goto bad; /* too long, or a loop */
		sg[n++] = d;
		if (!(d.flags & VSPIN_DESC_F_NEXT))
			return (int)n;
		idx = d.next;
		if (idx >= num)
			goto bad;
	}
bad:
	vq->bad_avail++;
	if (*head < num)
		vspin_vq_dev_push(vq, *head, 0);
	return -1;
}

void
vspin_vq_dev_push(struct vspin_vq_dev *vq, uint16_t head, uint32_t len)
{
	struct vspin_used_elem *e =
		&vq->vr.used->ring[vq->used_idx & (vq->vr.num - 1)];

	e->id = head;
	e->len = len;
	vq->used_idx++;
}

bool
vspin_vq_dev_publish(struct vspin_vq_dev *vq)
{
	bool call;

	if (vq->used_idx == vq->call_idx)
		return false;
	call = vspin_producer_publish(&vq->call, vq->call_idx, vq->used_idx);
	vq->call_idx = vq->used_idx;
	if (call)
		vq->stats->notifies++;
	else
		vq->stats->notifies_suppressed++;
	return call;
}
