/* SPDX-License-Identifier: BSD-3-Clause
 * The standard rx-interrupt API (rte_eth_dev_rx_intr_enable/disable) for
 * l3fwd-power-style applications. The kick fd changes on every reconnect,
 * so the port's intr handle holds one proxy epoll fd per rx queue (stable
 * for the application) into which the current kick fd is added.
 *
 * Unlike enabling notifications alone, enable here is lossless: drain the
 * kick fd, arm, fence, recheck the ring; if work came in meanwhile, signal
 * the kick fd ourselves so the application's epoll returns at once.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <rte_interrupts.h>
#include <rte_vhost.h>

#include "vhost_spin.h"
#include "vspin_eventfd.h"

void
vhost_spin_intr_queue_free(struct vhost_spin_rxq *q)
{
	if (q->intr_epfd >= 0)
		close(q->intr_epfd);
	q->intr_epfd = -1;
	q->intr_fd = -1;
}

void
vhost_spin_intr_uninstall(struct rte_eth_dev *dev)
{
	uint16_t i;

	for (i = 0; dev->data->rx_queues != NULL && i < dev->data->nb_rx_queues;
	     i++) {
		struct vhost_spin_rxq *q = dev->data->rx_queues[i];

		if (q != NULL)
			vhost_spin_intr_queue_free(q);
	}
	if (dev->intr_handle != NULL) {
		rte_intr_vec_list_free(dev->intr_handle);
		rte_intr_instance_free(dev->intr_handle);
		dev->intr_handle = NULL;
	}
}

int
vhost_spin_intr_install(struct rte_eth_dev *dev)
{
	uint16_t nb = dev->data->nb_rx_queues, i;

	dev->intr_handle = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (dev->intr_handle == NULL)
		return -ENOMEM;
	/* The application must not read the proxy fds: we drain the kicks. */
	if (rte_intr_efd_counter_size_set(dev->intr_handle, 0) ||
	    rte_intr_vec_list_alloc(dev->intr_handle, NULL, nb) ||
	    rte_intr_nb_efd_set(dev->intr_handle, nb) ||
	    rte_intr_max_intr_set(dev->intr_handle, nb + 1) ||
	    rte_intr_type_set(dev->intr_handle, RTE_INTR_HANDLE_VDEV))
		goto fail;
	for (i = 0; i < nb; i++) {
		struct vhost_spin_rxq *q = dev->data->rx_queues[i];

		q->intr_epfd = epoll_create1(EPOLL_CLOEXEC);
		q->intr_fd = -1;
		if (q->intr_epfd < 0 ||
		    rte_intr_vec_list_index_set(dev->intr_handle, i,
						RTE_INTR_VEC_RXTX_OFFSET + i) ||
		    rte_intr_efds_index_set(dev->intr_handle, i, q->intr_epfd))
			goto fail;
	}
	return 0;
fail:
	VHOST_SPIN_LOG(ERR, "port %u: cannot set up rx interrupts",
		       dev->data->port_id);
	vhost_spin_intr_uninstall(dev);
	return -ENOMEM;
}

/* Control side, gate closed: put the queue's current kick fd in its epoll. */
void
vhost_spin_intr_attach(struct vhost_spin_rxq *q, int kickfd)
{
	struct epoll_event ev = {.events = EPOLLIN};

	if (q->intr_epfd < 0 || kickfd < 0)
		return;
	ev.data.fd = kickfd;
	if (epoll_ctl(q->intr_epfd, EPOLL_CTL_ADD, kickfd, &ev) != 0) {
		VHOST_SPIN_LOG(ERR, "rxq %u: cannot watch kick fd %d: %s",
			       q->qid, kickfd, strerror(errno));
		return;
	}
	q->intr_fd = kickfd;
}

/*
 * Control side, after the gate opened: wake an application that slept
 * while no frontend was there. Not before: woken with the gate still
 * closed, its rx_intr_enable() could not arm the ring, and EAL's epoll
 * (edge-triggered) would not report the same kick again.
 */
void
vhost_spin_intr_wake(struct vhost_spin_rxq *q)
{
	if (q->intr_fd >= 0)
		vspin_eventfd_signal(q->intr_fd);
}

/* Before the library closes the kick fd. */
void
vhost_spin_intr_detach(struct vhost_spin_rxq *q)
{
	if (q->intr_epfd < 0 || q->intr_fd < 0)
		return;
	epoll_ctl(q->intr_epfd, EPOLL_CTL_DEL, q->intr_fd, NULL);
	q->intr_fd = -1;
}

/*
 * Clear or signal the library's kick fd, never after the library may have
 * closed it: its number may belong to another file by then. The control
 * side retires the guard before the library closes the fd and waits for
 * us; neither operation blocks (vspin_eventfd_clear polls first; in rx
 * interrupt mode the lcore does not sleep, so nothing else drains it).
 */
static void
kick_fd_op(struct vhost_spin_rxq *q, bool signal)
{
	int fd = vspin_fd_guard_take(&q->kick_lib);

	if (fd < 0)
		return;
	if (signal)
		vspin_eventfd_signal(fd);
	else
		vspin_eventfd_clear(fd);
	vspin_fd_guard_put(&q->kick_lib);
}

int
vhost_spin_rx_intr_enable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vhost_spin_rxq *q = dev->data->rx_queues[qid];

	if (!vhost_spin_gate_enter_side(&q->gate))
		return 0; /* no ring; vhost_spin_intr_wake() when one comes */
	if (q->intr_fd < 0) {
		/* A ring without a kick fd to watch: nothing would wake us. */
		vhost_spin_gate_leave_side(&q->gate);
		return -ENOTSUP;
	}
	/* The application sets the notification state from now on. */
	q->quiet_pending = false;
	/*
	 * Old kicks would wake an application that watches the fd level-
	 * triggered (rte_eth_dev_rx_intr_ctl_q_get_fd) for nothing: drop
	 * them. EAL's own epoll (edge-triggered) does not need it.
	 */
	kick_fd_op(q, false);
	/* Work came in: the wake-up the application would lose. */
	if (vhost_spin_rxq_arm(q, 1))
		kick_fd_op(q, true);
	vhost_spin_gate_leave_side(&q->gate);
	return 0;
}

int
vhost_spin_rx_intr_disable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vhost_spin_rxq *q = dev->data->rx_queues[qid];

	if (!vhost_spin_gate_enter_side(&q->gate))
		return 0;
	vhost_spin_rxq_disarm(q);
	vhost_spin_gate_leave_side(&q->gate);
	return 0;
}
