/* SPDX-License-Identifier: BSD-3-Clause
 * net_virtio_spin: the connection to the backend and the link state it
 * drives. Client mode connects (and reconnects after the backend left);
 * server mode listens and accepts the backend again after it restarts.
 * Each new backend is negotiated with (features, memory table) and gets
 * the started port's vrings.
 *
 * Threads: the application's control thread (dev ops) and the port's
 * connection thread (virtio_spin_conn_thread.c) talk to the backend;
 * dev->lock serialises them. EAL's interrupt thread watches the sockets
 * and hands what it sees to the connection thread: it never waits for a
 * backend, nor for dev->lock. The data path never takes it: rings live in
 * EAL memory and outlive any connection, so a backend that disappears
 * only stops the rings from moving.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_interrupts.h>
#include <rte_string_fns.h>

#include "virtio_spin.h"
#include "vspin_socket_path.h"

/* Server mode, out of file descriptors: how often we look for some. */
#define ACCEPT_RETRY_US (UINT64_C(100) * 1000)

/* -- link -------------------------------------------------------------- */

/* Wake every lcore that may sleep on a queue of this port. */
void
virtio_spin_wake_rx_sleepers(struct rte_eth_dev *eth_dev)
{
	uint16_t q;

	for (q = 0; eth_dev->data->rx_queues != NULL &&
		    q < eth_dev->data->nb_rx_queues;
	     q++) {
		struct virtio_spin_rxq *rxq = eth_dev->data->rx_queues[q];

		if (rxq != NULL)
			vspin_sleeper_wake(&rxq->sleeper);
	}
}

/* What ethdev shows for dev->link_up; the caller holds the lock. */
void
virtio_spin_publish_link(struct virtio_spin_dev *dev)
{
	struct rte_eth_link link = {
		.link_speed = RTE_ETH_SPEED_NUM_10G,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
	};

	link.link_status = virtio_spin_link_shown(dev) ? RTE_ETH_LINK_UP :
							 RTE_ETH_LINK_DOWN;
	rte_eth_linkstatus_set(dev->eth_dev, &link);
}

void
virtio_spin_set_link(struct virtio_spin_dev *dev, bool up)
{
	dev->link_up = up;
	virtio_spin_publish_link(dev);
	/* A sleeper waiting for the backend must see it come at once. */
	if (up)
		virtio_spin_wake_rx_sleepers(dev->eth_dev);
}

bool
virtio_spin_link_shown(const struct virtio_spin_dev *dev)
{
	return dev->link_up && !dev->mem_unshared;
}

/*
 * Link state change events reach the application from an alarm, in EAL's
 * interrupt thread, never from inside one of our functions: its callback
 * may stop and close the port (dev_close() cancels the pending ones).
 * Called outside dev->lock.
 */
void
virtio_spin_notify_lsc(struct virtio_spin_dev *dev, bool was_shown)
{
	if (was_shown == virtio_spin_link_shown(dev))
		return;
	pthread_mutex_lock(&dev->lock);
	if (!dev->closing &&
	    rte_eal_alarm_set(1, virtio_spin_lsc_alarm, dev) != 0)
		PMD_LOG(ERR, "%s: cannot raise a link state change event",
			dev->path);
	pthread_mutex_unlock(&dev->lock);
}

void
virtio_spin_lsc_alarm(void *arg)
{
	struct virtio_spin_dev *dev = arg;

	rte_eth_dev_callback_process(dev->eth_dev, RTE_ETH_EVENT_INTR_LSC,
				     NULL);
}

/* -- connection -------------------------------------------------------- */

static uint64_t
wanted_features(const struct virtio_spin_dev *dev)
{
	uint64_t f = VIRTIO_SPIN_WANTED_FEATURES;
	bool in_order;

	if (dev->max_qp > 1)
		f |= 1ULL << VSPIN_F_MQ;
	/*
	 * IN_ORDER binds how a ring uses its descriptors from the first one
	 * on: while the port runs, only if its rings were laid out for it
	 * (not for rings started before any backend said what it offers,
	 * in server mode); a stopped port lays them out again at its start.
	 */
	if (dev->started)
		in_order = dev->features_known &&
			   (dev->features & (1ULL << VSPIN_F_IN_ORDER)) != 0;
	else
		in_order = true;
	if (!in_order)
		f &= ~(1ULL << VSPIN_F_IN_ORDER);
	return f;
}

/*
 * Features, protocol features and memory table (snap's, or built now)
 * with a new backend.
 */
static int
negotiate(struct virtio_spin_dev *dev,
	  const struct virtio_spin_mem_snapshot *snap)
{
	struct virtio_spin_vu *vu = &dev->vu;
	uint64_t offered, f, pf = 0, nq;
	const uint64_t must = (1ULL << VSPIN_F_VERSION_1);

	vu->protocol_features = 0;
	if (virtio_spin_vu_set_owner(vu) < 0 ||
	    virtio_spin_vu_get_features(vu, &offered) < 0)
		return -1;
	f = offered & wanted_features(dev);
	if ((f & must) != must) {
		PMD_LOG(ERR,
			"%s: backend lacks VIRTIO_F_VERSION_1 "
			"(offered 0x%" PRIx64 ")",
			dev->path, offered);
		return -1;
	}
	/* The running rings were laid out for the port's features. */
	if (dev->started && dev->features_known &&
	    (f & ~(1ULL << VSPIN_F_PROTOCOL_FEATURES)) !=
		    (dev->features & ~(1ULL << VSPIN_F_PROTOCOL_FEATURES))) {
		PMD_LOG(ERR,
			"%s: backend offers features 0x%" PRIx64
			", the port runs with 0x%" PRIx64
			": stop the port to take them",
			dev->path, f, dev->features);
		return -1;
	}
	if (f & (1ULL << VSPIN_F_PROTOCOL_FEATURES)) {
		uint64_t want = 1ULL << VIRTIO_SPIN_PROTOCOL_F_REPLY_ACK;

		if (dev->max_qp > 1)
			want |= 1ULL << VIRTIO_SPIN_PROTOCOL_F_MQ;
		if (virtio_spin_vu_get_protocol_features(vu, &pf) < 0)
			return -1;
		pf &= want;
		if (virtio_spin_vu_set_protocol_features(vu, pf) < 0)
			return -1;
	}
	if (dev->max_qp > 1) {
		if (!(pf & (1ULL << VIRTIO_SPIN_PROTOCOL_F_MQ)) ||
		    !(f & (1ULL << VSPIN_F_MQ))) {
			PMD_LOG(ERR,
				"%s: queues=%u but the backend has no "
				"multiqueue",
				dev->path, dev->max_qp);
			return -1;
		}
		if (virtio_spin_vu_get_queue_num(vu, &nq) < 0)
			return -1;
		if (nq < dev->max_qp) {
			PMD_LOG(ERR,
				"%s: queues=%u but the backend has %" PRIu64,
				dev->path, dev->max_qp, nq);
			return -1;
		}
	}
	/* Without snap, the caller holds the memory lock. */
	if (virtio_spin_vu_set_features(vu, f) < 0 ||
	    virtio_spin_mem_send(dev, snap) < 0)
		return -1;
	dev->features = f;
	dev->features_known = true;
	PMD_LOG(INFO,
		"%s: negotiated features 0x%" PRIx64
		" (EVENT_IDX %s, MRG_RXBUF %s, IN_ORDER %s), protocol features"
		" 0x%" PRIx64,
		dev->path, f, (f & (1ULL << VSPIN_F_EVENT_IDX)) ? "on" : "off",
		(f & (1ULL << VSPIN_F_MRG_RXBUF)) ? "on" : "off",
		(f & (1ULL << VSPIN_F_IN_ORDER)) ? "on" : "off", pf);
	return 0;
}

bool
virtio_spin_has_feature(const struct virtio_spin_dev *dev, unsigned int bit)
{
	return dev->features & (1ULL << bit);
}

/* One vring: size, where the backend resumes, addresses, eventfds. */
static int
setup_vring(struct virtio_spin_dev *dev, unsigned int idx,
	    const struct vspin_vring *vr)
{
	/* A new backend resumes where the last one stopped. */
	uint16_t base = vspin_load16(&vr->used->idx);
	struct virtio_spin_vu *vu = &dev->vu;

	/* From its first message on, the backend may hold the vring. */
	if (dev->vrings_out < idx + 1)
		dev->vrings_out = idx + 1;
	if (virtio_spin_vu_set_vring_num(vu, idx, vr->num) < 0 ||
	    virtio_spin_vu_set_vring_base(vu, idx, base) < 0 ||
	    virtio_spin_vu_set_vring_addr(vu, idx, vr) < 0 ||
	    virtio_spin_vu_set_vring_call(vu, idx, dev->callfd[idx]) < 0 ||
	    virtio_spin_vu_set_vring_kick(vu, idx, dev->kickfd[idx]) < 0)
		return -1;
	return 0;
}

/* Hand every configured vring to the backend; then the link is up. */
int
virtio_spin_setup_vrings(struct virtio_spin_dev *dev)
{
	struct rte_eth_dev_data *d = dev->eth_dev->data;
	bool ev = virtio_spin_has_feature(dev, VSPIN_F_EVENT_IDX);
	unsigned int q, i;

	for (q = 0; q < dev->nb_qp; q++) {
		struct virtio_spin_rxq *rxq = d->rx_queues[q];
		struct virtio_spin_txq *txq = d->tx_queues[q];

		/*
		 * Server mode started the rings before the first backend
		 * came, assuming EVENT_IDX: make them follow what it
		 * negotiated (the backend reads nothing before
		 * SET_VRING_KICK below, and the lcore neither arms nor
		 * plans while the link is down). Without it the rings'
		 * quiet state is the NO_INTERRUPT flag, not yet written,
		 * and the rx policy naps on timers instead of arming for
		 * K entries.
		 */
		if (rxq->vq.call.event_idx && !ev) {
			rxq->vq.kick.event_idx = rxq->vq.call.event_idx = false;
			txq->vq.kick.event_idx = txq->vq.call.event_idx = false;
			vspin_policy_set_ring(&rxq->policy, rxq->vq.vr.num,
					      false);
		}
		/*
		 * Quiet for the new backend: a queue that slept when the
		 * last one left stays armed (no ring ops while detached).
		 * Not when the rings are only paused (memory table, link
		 * up), where the lcore may sleep armed, nor with rx
		 * interrupts, where the application armed the ring and
		 * waits on the call fd for the new backend's notification.
		 * The queue forgets it armed: a queue that never arms again
		 * (busy from now on) must move its stale event out of the
		 * backend's way (vspin_consumer_keep_quiet()).
		 */
		if (!dev->link_up && !d->dev_conf.intr_conf.rxq) {
			vspin_vq_drv_disarm(&rxq->vq);
			vspin_vq_drv_disarm(&txq->vq);
		}
		rxq->mrg_rxbuf =
			virtio_spin_has_feature(dev, VSPIN_F_MRG_RXBUF);
		dev->ring_given[virtio_spin_rx_vring(q)] = rxq->mz;
		dev->ring_given[virtio_spin_tx_vring(q)] = txq->mz;
		if (setup_vring(dev, virtio_spin_rx_vring(q), &rxq->vq.vr) ||
		    setup_vring(dev, virtio_spin_tx_vring(q), &txq->vq.vr))
			return -1;
	}
	if (virtio_spin_has_feature(dev, VSPIN_F_PROTOCOL_FEATURES))
		for (i = 0; i < 2u * dev->nb_qp; i++)
			if (virtio_spin_vu_set_vring_enable(&dev->vu, i, 1) < 0)
				return -1;
	/* Without REPLY_ACK, a round trip tells the backend has them all. */
	if (!(dev->vu.protocol_features &
	      (1ULL << VIRTIO_SPIN_PROTOCOL_F_REPLY_ACK))) {
		uint64_t f;

		if (virtio_spin_vu_get_features(&dev->vu, &f) < 0)
			return -1;
	}
	dev->rings_behind = dev->table_behind || dev->mem_unshared;
	virtio_spin_set_link(dev, true);
	return 0;
}

/* Drop the connection; the caller holds the lock. */
static void
drop_connection(struct virtio_spin_dev *dev)
{
	bool cut = false;

	if (dev->vu.fd >= 0) {
		cut = virtio_spin_conn_release(dev, dev->vu.fd);
		close(dev->vu.fd);
	}
	dev->vu.fd = -1;
	dev->table_behind = false; /* the next one gets a table of its own */
	dev->rings_behind = false;
	/*
	 * A backend that closed its end has let go of the rings; one whose
	 * handshake we cut short has not seen the end yet.
	 */
	if (dev->vu.peer_closed && !cut)
		dev->vrings_out = 0;
	else if (dev->vrings_left < dev->vrings_out)
		dev->vrings_left = dev->vrings_out;
	virtio_spin_set_link(dev, false);
}

/*
 * A backend that is still connected but out of step, misbehaving or
 * leaving: stop watching its socket, close it and start again as for a
 * dead peer. The application's control thread or the connection thread,
 * lock held: virtio_spin_sock_event() only try-locks, so waiting for it
 * here cannot deadlock.
 */
void
virtio_spin_reset_connection(struct virtio_spin_dev *dev)
{
	if (dev->vu.fd < 0)
		return;
	PMD_LOG(NOTICE, "%s: resetting the connection to the backend",
		dev->path);
	virtio_spin_unwatch(dev->sock_intr, virtio_spin_sock_event, dev);
	drop_connection(dev);
	virtio_spin_conn_reconnect_later(dev);
}

/*
 * Tell the backend to stop the rings (it answers with its indexes).
 * stopped[i]: no backend touches vring i any more (it said so, it is
 * gone, or it never got the vring: dev->vrings_out), so the buffers in it
 * may be freed. A live backend that does not answer may still write into
 * them: the connection is reset and they are left alone, also by later
 * stops without a backend (we closed the socket, it may not have seen).
 */
void
virtio_spin_stop_vrings(struct virtio_spin_dev *dev, bool *stopped)
{
	unsigned int i, n = 2u * dev->nb_qp, base;
	unsigned int held = virtio_spin_vrings_held(dev);
	/* What a backend dropped live may use stays with it, answers or not. */
	unsigned int kept = dev->vu.fd < 0 ? held : dev->vrings_left;

	for (i = 0; i < n; i++)
		stopped[i] = i >= held;
	if (kept > 0)
		PMD_LOG(WARNING,
			"%s: the backend dropped earlier did not stop vrings 0 "
			"to %u: their buffers stay with it (not freed)",
			dev->path, kept - 1u);
	if (dev->vu.fd < 0)
		return;
	for (i = 0; i < n && i < dev->vrings_out; i++) {
		if (virtio_spin_vu_get_vring_base(&dev->vu, i, &base) < 0)
			break;
		stopped[i] = i >= dev->vrings_left;
		PMD_LOG(DEBUG, "%s: vring %u stopped at %u", dev->path, i,
			base);
	}
	if (i == n || i == dev->vrings_out) {
		dev->vrings_out = 0;
		return;
	}
	if (dev->vu.peer_closed) {
		/* As when virtio_spin_drop_gone() sees it leave. */
		PMD_LOG(NOTICE, "%s: backend went away while stopping",
			dev->path);
		for (; i < n; i++)
			stopped[i] = i >= dev->vrings_left;
	} else {
		PMD_LOG(WARNING,
			"%s: backend did not stop vring %u: the buffers of "
			"vrings %u to %u stay with it (not freed)",
			dev->path, i, i, dev->vrings_out - 1u);
	}
	virtio_spin_reset_connection(dev);
}

/* For virtio_spin_mem.c: stop the rings, hand them over again. */
void
virtio_spin_vrings_stop(struct virtio_spin_dev *dev)
{
	bool stopped[2 * VIRTIO_SPIN_MAX_QUEUES];

	virtio_spin_stop_vrings(dev, stopped);
}

int
virtio_spin_vrings_start(struct virtio_spin_dev *dev)
{
	return virtio_spin_setup_vrings(dev);
}

/*
 * A connected socket (from connect or accept): negotiate, hand over the
 * rings if the port runs, and watch the socket for the backend leaving.
 * Holds the lock. Returns 0, or -1 with the socket closed.
 */
int
virtio_spin_attach(struct virtio_spin_dev *dev, int fd,
		   const struct virtio_spin_mem_snapshot *snap)
{
	dev->vu.fd = fd;
	dev->vu.broken = false;
	dev->vu.peer_closed = false;
	dev->conn_gen++;
	if (virtio_spin_vu_set_timeouts(fd, dev->vu.reply_timeout_ms) < 0 ||
	    negotiate(dev, snap) < 0 ||
	    (dev->started && virtio_spin_setup_vrings(dev) < 0)) {
		drop_connection(dev);
		return -1;
	}
	if (rte_intr_fd_set(dev->sock_intr, fd) < 0 ||
	    rte_intr_callback_register(dev->sock_intr, virtio_spin_sock_event,
				       dev) < 0) {
		PMD_LOG(ERR, "%s: cannot watch the socket", dev->path);
		drop_connection(dev);
		return -1;
	}
	PMD_LOG(INFO, "%s: backend connected", dev->path);
	return 0;
}

/*
 * Non-blocking: a unix socket connects at once or not at all, except to a
 * listener whose backlog is full (a backend that stopped accepting), where
 * a blocking connect would wait for good, on the connection or probe
 * thread with our locks held; that is EAGAIN here, tried again like a
 * refusal.
 */
int
virtio_spin_connect_socket(struct virtio_spin_dev *dev, bool quiet)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int flags;

	if (fd < 0)
		return -1;
	strlcpy(sa.sun_path, dev->path, sizeof(sa.sun_path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (!quiet)
			PMD_LOG(ERR,
				"%s: cannot connect to the vhost-user "
				"socket: %s",
				dev->path,
				vspin_path_not_socket(dev->path) ?
					"it exists and is not a socket" :
					strerror(errno));
		close(fd);
		return -1;
	}
	/* Messages then block, within reply_timeout_ms (attach). */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		PMD_LOG(ERR, "%s: fcntl on the vhost-user socket: %s",
			dev->path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * EAL interrupt thread: the socket is readable, or closed. The interrupt is
 * level-triggered, so whatever is there must be consumed here unless the
 * control thread is about to read it.
 */
void
virtio_spin_sock_event(void *arg)
{
	struct virtio_spin_dev *dev = arg;
	int fd = rte_intr_fd_get(dev->sock_intr);
	uint8_t buf[64];
	ssize_t r;

	/*
	 * Busy: a control path waits for a reply (this data) and reads it,
	 * or dev_close() or virtio_spin_reset_connection() waits for this
	 * callback to return. Only try: blocking could deadlock with them.
	 */
	if (pthread_mutex_trylock(&dev->lock) != 0)
		return;
	if (dev->closing || dev->vu.fd != fd) {
		pthread_mutex_unlock(&dev->lock);
		return;
	}
	/* Nobody waits for a reply: the backend sent something unasked. */
	r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
		pthread_mutex_unlock(&dev->lock);
		return;
	}
	if (r > 0)
		PMD_LOG(ERR,
			"%s: unsolicited data from the backend (%zd bytes, "
			"first 0x%02x): dropping the connection",
			dev->path, r, buf[0]);
	else /* end of stream, or the connection broke */
		dev->vu.peer_closed = true;
	/*
	 * Gone or misbehaving: stop watching (EAL removes this callback when
	 * it returns), then clean up in the connection thread (EAL holds its
	 * interrupt lock around the unregister hook, where registering
	 * anything would deadlock).
	 */
	rte_intr_callback_unregister_pending(dev->sock_intr,
					     virtio_spin_sock_event, dev, NULL);
	dev->gone_gen = dev->conn_gen;
	virtio_spin_conn_gone(dev);
	pthread_mutex_unlock(&dev->lock);
}

/* The connection thread: virtio_spin_sock_event() saw the backend leave. */
void
virtio_spin_drop_gone(struct virtio_spin_dev *dev)
{
	bool was_shown;

	pthread_mutex_lock(&dev->lock);
	was_shown = virtio_spin_link_shown(dev);
	/* Not a connection attached since (its callback is registered). */
	if (!dev->closing && dev->vu.fd >= 0 &&
	    dev->gone_gen == dev->conn_gen) {
		PMD_LOG(NOTICE, "%s: backend went away", dev->path);
		drop_connection(dev);
		virtio_spin_conn_reconnect_later(dev);
	}
	pthread_mutex_unlock(&dev->lock);
	virtio_spin_notify_lsc(dev, was_shown);
}

/*
 * The connection thread, lock held, fd published (conn_attaching()):
 * negotiate on fd with snap's table. A stop or close that cut the
 * handshake short found it published: a connection attached before the
 * cut is reset, and the port connects again later. *mem_changed: the
 * memory changed meanwhile. Returns 0, -ECANCELED if cut, or -1.
 */
static int
attach_in_thread(struct virtio_spin_dev *dev, int fd,
		 const struct virtio_spin_mem_snapshot *snap, bool *mem_changed)
{
	int r;

	virtio_spin_conn_negotiating(dev);
	r = virtio_spin_attach(dev, fd, snap);
	if (virtio_spin_conn_attach_done(dev, mem_changed)) {
		if (r == 0)
			virtio_spin_reset_connection(dev);
		r = -ECANCELED;
	}
	return r;
}

/*
 * The connection thread, fd published: the memory table of its
 * handshake, built before the port's lock is taken for the handshake (so
 * that no memory lock is held while the backend answers).
 */
static void
take_snapshot(struct virtio_spin_dev *dev,
	      struct virtio_spin_mem_snapshot *snap)
{
	bool quiet;

	pthread_mutex_lock(&dev->lock);
	quiet = dev->mem_unshared; /* said already why */
	pthread_mutex_unlock(&dev->lock);
	virtio_spin_mem_snapshot_take(dev, quiet, snap);
}

/*
 * The connection thread: publish fd, take its memory table, then the
 * port's lock (held on return, the link as shown then in *was_shown).
 * False if the port closes (fd closed).
 */
static bool
before_handshake(struct virtio_spin_dev *dev, int fd,
		 struct virtio_spin_mem_snapshot *snap, bool *was_shown)
{
	if (!virtio_spin_conn_attaching(dev, fd)) {
		close(fd); /* closing */
		return false;
	}
	take_snapshot(dev, snap);
	pthread_mutex_lock(&dev->lock);
	*was_shown = virtio_spin_link_shown(dev);
	return true;
}

/* The connection thread: drop the port's lock, and what is left to do. */
static void
after_handshake(struct virtio_spin_dev *dev,
		struct virtio_spin_mem_snapshot *snap, bool mem_changed,
		bool was_shown)
{
	/* Until the resend, a start hands over rings the table may lack. */
	if (mem_changed && dev->vu.fd >= 0)
		dev->table_behind = true;
	pthread_mutex_unlock(&dev->lock);
	virtio_spin_mem_snapshot_release(snap);
	/* Left to us by a memory event: the table may lack its change. */
	if (mem_changed)
		virtio_spin_mem_resend(dev);
	virtio_spin_notify_lsc(dev, was_shown);
}

/* The connection thread, client mode: try again until the backend is back. */
void
virtio_spin_reconnect(struct virtio_spin_dev *dev)
{
	struct virtio_spin_mem_snapshot snap;
	bool was_shown, mem_changed = false;
	int fd = virtio_spin_connect_socket(dev, true), r;

	if (fd < 0) {
		virtio_spin_conn_reconnect_later(dev);
		return;
	}
	if (!before_handshake(dev, fd, &snap, &was_shown))
		return;
	if (dev->vu.fd >= 0) { /* attached already (the probe's) */
		virtio_spin_conn_attach_done(dev, &mem_changed);
		close(fd);
	} else {
		r = attach_in_thread(dev, fd, &snap, &mem_changed);
		if (r != -ECANCELED)
			virtio_spin_conn_result(dev, r == 0);
		if (r < 0)
			virtio_spin_conn_reconnect_later(dev);
	}
	after_handshake(dev, &snap, mem_changed, was_shown);
}

static int
open_spare_fd(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/*
 * The attached backend has closed its end (lock held): seen by
 * virtio_spin_sock_event(), whose clean-up has not run yet, or
 * there to read.
 */
static bool
backend_gone(struct virtio_spin_dev *dev)
{
	char c;

	if (!dev->vu.peer_closed &&
	    recv(dev->vu.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
		dev->vu.peer_closed = true;
	return dev->vu.peer_closed;
}

/*
 * The connection thread: a connection accepted; attach it, unless a live
 * one is attached. A backend that closed and connected again at once has
 * its end and the new connection found in one wake-up of the interrupt
 * thread: the old connection goes now, not at virtio_spin_drop_gone()
 * (which then finds it gone).
 */
void
virtio_spin_take_connection(struct virtio_spin_dev *dev, int fd)
{
	struct virtio_spin_mem_snapshot snap;
	bool was_shown, mem_changed = false;
	int r;

	if (!before_handshake(dev, fd, &snap, &was_shown))
		return;
	if (dev->vu.fd >= 0 && !backend_gone(dev)) {
		PMD_LOG(WARNING,
			"%s: a backend is already connected; "
			"refusing another",
			dev->path);
		virtio_spin_conn_attach_done(dev, &mem_changed);
		close(fd);
		virtio_spin_conn_result(dev, false);
	} else {
		virtio_spin_reset_connection(dev); /* the old one, if any */
		r = attach_in_thread(dev, fd, &snap, &mem_changed);
		if (r != -ECANCELED)
			virtio_spin_conn_result(dev, r == 0);
	}
	after_handshake(dev, &snap, mem_changed, was_shown);
}

/* EAL's interrupt thread: an accepted connection, to the thread. */
static void
take_connection(struct virtio_spin_dev *dev, int fd)
{
	if (dev->accept_failing)
		PMD_LOG(NOTICE,
			"%s: descriptors are free again: taking the "
			"backend's connection",
			dev->path);
	dev->accept_failing = false;
	virtio_spin_conn_hand_over(dev, fd);
}

/*
 * accept() found no free descriptor. Left queued, the connection keeps
 * the listening socket readable and EAL (level-triggered) calls us again
 * at once: the interrupt thread would spin until a descriptor is free.
 * Take it with the descriptor kept for this (/dev/null, opened with the
 * socket) and park it, unused, until park_alarm() finds descriptors free;
 * the backend, a client, waits for our first message meanwhile. A newer
 * connection takes the parked one's place (its backend restarted). Not
 * by unwatching the socket for a while: EAL then rebuilds its epoll set,
 * and aborts the process if it finds no descriptor for it. Without a
 * spare (another thread took its descriptor), this spins as before until
 * listen_event() gets one back.
 */
static void
park_connection(struct virtio_spin_dev *dev, int err)
{
	int fd, *slot = dev->parked_fd >= 0 ? &dev->parked_fd : &dev->spare_fd;
	bool parked = dev->parked_fd >= 0;

	if (*slot < 0)
		return;
	close(*slot);
	*slot = -1;
	fd = accept4(dev->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (!parked)
			dev->spare_fd = open_spare_fd();
		return; /* another thread took the descriptor first */
	}
	if (!dev->accept_failing)
		PMD_LOG(ERR,
			"%s: out of file descriptors (%s): the backend's "
			"connection waits until some are free",
			dev->path, strerror(err));
	dev->accept_failing = true;
	if (parked) { /* its alarm is armed already */
		dev->parked_fd = fd;
		return;
	}
	pthread_mutex_lock(&dev->conn_lock);
	if (!dev->conn_stop &&
	    rte_eal_alarm_set(ACCEPT_RETRY_US, virtio_spin_park_alarm, dev) ==
		    0) {
		dev->parked_fd = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&dev->conn_lock);
	if (fd >= 0) {
		close(fd);
		dev->spare_fd = open_spare_fd();
	}
}

/*
 * The spare back, if there is a descriptor for it and two more (slack for
 * the attach: EAL rebuilds its epoll set when the socket is watched).
 */
static int
reopen_spare(void)
{
	int fds[3], got = 0, i;

	while (got < 3 && (fds[got] = open_spare_fd()) >= 0)
		got++;
	for (i = 1; i < got; i++)
		close(fds[i]);
	if (got == 3)
		return fds[0];
	if (got > 0)
		close(fds[0]);
	return -1;
}

/*
 * The alarm of park_connection(): once descriptors are free, the spare
 * takes one back and the parked connection is attached.
 */
void
virtio_spin_park_alarm(void *arg)
{
	struct virtio_spin_dev *dev = arg;
	int spare = reopen_spare(), fd;

	if (dev->parked_fd < 0) { /* lost taking a newer one's place */
		if (dev->spare_fd < 0)
			dev->spare_fd = spare;
		else if (spare >= 0)
			close(spare);
		return;
	}
	if (spare < 0) {
		pthread_mutex_lock(&dev->conn_lock);
		if (dev->conn_stop || /* dev_close() closes it */
		    rte_eal_alarm_set(ACCEPT_RETRY_US, virtio_spin_park_alarm,
				      dev) == 0) {
			pthread_mutex_unlock(&dev->conn_lock);
			return;
		}
		pthread_mutex_unlock(&dev->conn_lock);
		PMD_LOG(ERR,
			"%s: cannot wait for descriptors: closing the "
			"backend's connection",
			dev->path);
		close(dev->parked_fd);
		dev->parked_fd = -1;
		dev->spare_fd = open_spare_fd();
		return;
	}
	dev->spare_fd = spare;
	fd = dev->parked_fd;
	dev->parked_fd = -1;
	take_connection(dev, fd);
}

/* Server mode: a backend connects (again). */
void
virtio_spin_listen_event(void *arg)
{
	struct virtio_spin_dev *dev = arg;
	int fd;

	if (dev->spare_fd < 0 && dev->parked_fd < 0) /* lost to a race */
		dev->spare_fd = open_spare_fd();
	fd = accept4(dev->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0 && dev->parked_fd >= 0) {
		/*
		 * Descriptors came back before the park alarm: this one is
		 * newer than the parked one and takes its place, or the
		 * alarm would hand the older over after it and close it.
		 */
		close(dev->parked_fd);
		dev->parked_fd = -1;
	}
	if (fd >= 0)
		take_connection(dev, fd);
	else if (errno == EMFILE || errno == ENFILE)
		park_connection(dev, errno);
}

/*
 * A socket file already at path: unlink it only when nobody listens on it
 * (left by a process that died). 0: path is free now; -1: it is not.
 */
static int
clear_stale_socket(struct virtio_spin_dev *dev)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, r, err;

	if (stat(dev->path, &st) < 0)
		return 0; /* absent, or bind() says what is wrong */
	if (!S_ISSOCK(st.st_mode)) {
		PMD_LOG(ERR, "%s: exists and is not a socket (left alone)",
			dev->path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	strlcpy(sa.sun_path, dev->path, sizeof(sa.sun_path));
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = errno;
	close(fd);
	if (r < 0 && (err == ECONNREFUSED || err == ENOENT)) {
		/* Dead: nobody accepts on it. */
		if (unlink(dev->path) < 0 && errno != ENOENT) {
			PMD_LOG(ERR, "%s: cannot remove the stale socket: %s",
				dev->path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (r == 0 || err == EAGAIN)
		PMD_LOG(ERR,
			"%s: socket already in use: another process listens "
			"on it (left alone)",
			dev->path);
	else
		PMD_LOG(ERR,
			"%s: socket file exists and cannot be checked (%s): "
			"left alone",
			dev->path, strerror(err));
	return -1;
}

int
virtio_spin_listen_socket(struct virtio_spin_dev *dev)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	/* A socket file left by an earlier run would make bind() fail. */
	if (clear_stale_socket(dev) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	strlcpy(sa.sun_path, dev->path, sizeof(sa.sun_path));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0) {
		PMD_LOG(ERR, "%s: cannot listen: %s", dev->path,
			strerror(errno));
		close(fd);
		return -1;
	}
	dev->listen_fd = fd;
	dev->spare_fd = open_spare_fd();
	/*
	 * EAL registers its alarm handler at a process's first alarm, and
	 * rebuilds its epoll set then: now, not at a park with no descriptor
	 * left for it.
	 */
	if (rte_eal_alarm_set(ACCEPT_RETRY_US, virtio_spin_park_alarm, dev) ==
	    0)
		rte_eal_alarm_cancel(virtio_spin_park_alarm, dev);
	if (dev->spare_fd < 0 || rte_intr_fd_set(dev->listen_intr, fd) < 0 ||
	    rte_intr_callback_register(dev->listen_intr,
				       virtio_spin_listen_event, dev) < 0) {
		PMD_LOG(ERR, "%s: cannot watch the listening socket",
			dev->path);
		return -1;
	}
	PMD_LOG(NOTICE, "%s: waiting for the vhost-user backend", dev->path);
	return 0;
}

void
virtio_spin_unwatch(struct rte_intr_handle *h, rte_intr_callback_fn cb,
		    void *arg)
{
	/* -EAGAIN: the callback runs right now; wait for it. */
	while (rte_intr_callback_unregister(h, cb, arg) == -EAGAIN)
		usleep(1000);
}
