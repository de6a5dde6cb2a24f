/* SPDX-License-Identifier: BSD-3-Clause
 * net_vhost_spin and the vhost library: register and start the vhost-user
 * socket, and map the device callbacks (new_device, destroy_device,
 * vring_state_changed) to link state and to the gates of the queues.
 * Ring pointers and kick fds change on every reconnect: each queue takes
 * them afresh whenever its gate opens. Only destroy_device waits for the
 * lcores to leave (the library then holds no queue lock); the other
 * callbacks run with every queue lock held and must never wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_pause.h>
#include <rte_string_fns.h>
#include <rte_vhost.h>

#include "vhost_spin.h"
#include "vhost_spin_msg.h"
#include "vspin_eventfd.h"
#include "vspin_socket_path.h"

/* Every port, to find one from the socket path the library reports. */
static TAILQ_HEAD(, vhost_spin_port) ports = TAILQ_HEAD_INITIALIZER(ports);
static pthread_mutex_t ports_lock = PTHREAD_MUTEX_INITIALIZER;

static struct vhost_spin_port *
find_port(const char *iface)
{
	struct vhost_spin_port *p;

	pthread_mutex_lock(&ports_lock);
	for (p = TAILQ_FIRST(&ports); p != NULL; p = TAILQ_NEXT(p, next))
		if (strcmp(p->args.iface, iface) == 0)
			break;
	pthread_mutex_unlock(&ports_lock);
	return p;
}

/*
 * Whether a port of this process is on the same socket file as iface,
 * however spelt (its iface copied into other): without this, a server
 * port would take the other's listening socket for another process's,
 * and connect to it to find out.
 */
static bool
port_on_file(const struct vhost_spin_port *self, char *other, size_t size)
{
	struct vhost_spin_port *p;

	/* Resolved at the probe, outside the lock the callbacks take. */
	pthread_mutex_lock(&ports_lock);
	for (p = TAILQ_FIRST(&ports); p != NULL; p = TAILQ_NEXT(p, next)) {
		if (strcmp(p->args.iface, self->args.iface) == 0 ||
		    (self->iface_file[0] != '\0' &&
		     strcmp(p->iface_file, self->iface_file) == 0)) {
			strlcpy(other, p->args.iface, size);
			break;
		}
	}
	pthread_mutex_unlock(&ports_lock);
	return p != NULL;
}

static struct vhost_spin_port *
port_of_vid(int vid)
{
	char iface[PATH_MAX];

	if (rte_vhost_get_ifname(vid, iface, sizeof(iface)) != 0)
		return NULL;
	return find_port(iface);
}

/*
 * The port whose connection vid is, locked; NULL for a connection no
 * port serves (claim_port() refused it, or it sent nothing yet). Every
 * library callback but new_connection() and claim_port() acts only
 * through it.
 */
static struct vhost_spin_port *
lock_port_of_conn(int vid)
{
	struct vhost_spin_port *p = port_of_vid(vid);

	if (p == NULL)
		return NULL;
	pthread_mutex_lock(&p->lock);
	if (vid == p->conn_vid)
		return p;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* No vring of the frontend's is enabled any more (p->lock held). */
static void
forget_vrings(struct vhost_spin_port *p)
{
	memset(p->vring_ready, 0, sizeof(p->vring_ready));
	p->unpolled_logged = 0;
}

static void
gate_wait(struct vhost_spin_gate *g)
{
	while (__atomic_load_n(&g->busy, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&g->side, __ATOMIC_SEQ_CST))
		rte_pause();
}

static void
rxq_gate(struct vhost_spin_port *p, struct vhost_spin_rxq *q, bool open)
{
	struct rte_vhost_vring vr;
	bool is_open = __atomic_load_n(&q->gate.allow, __ATOMIC_RELAXED);
	int fd, kickfd;

	if (open == is_open)
		return;
	if (!open) {
		vhost_spin_gate_close(&q->gate);
		/*
		 * The lcore may sleep inside this queue's burst, holding the
		 * gate: wake it so that it leaves (and sleeps detached).
		 */
		vspin_sleeper_wake(&q->sleeper);
		/* Never blocks: safe with the library's queue locks held. */
		vhost_spin_lookahead_close(&q->ahead);
		/* Rx interrupt calls let go of it before the library closes it. */
		vspin_fd_guard_retire(&q->kick_lib);
		vhost_spin_intr_detach(q);
		return;
	}
	q->vid = p->vid;
	q->armed = false; /* a new ring: nothing asked of the guest yet */
	/*
	 * But the library re-applies the last notification state we set
	 * when it enables a vring, and a queue that slept when its gate
	 * closed never disarmed (no ring ops while detached): a guest
	 * without EVENT_IDX would kick at every burst. The first burst in
	 * the gate quiets it (not here: the library's vring locks are held).
	 */
	q->quiet_pending = true;
	/*
	 * A hook that never reopened it (a message the library refused);
	 * not while the library moves the rings (the hook after does).
	 */
	if (!p->in_message)
		__atomic_store_n(&q->hold.allow, 1, __ATOMIC_SEQ_CST);
	kickfd = -1;
	if (rte_vhost_get_vhost_vring(p->vid, q->vring, &vr) == 0) {
		kickfd = vr.kickfd;
		vspin_policy_set_ring(
			&q->policy, vr.size,
			p->features & (1ULL << VIRTIO_RING_F_EVENT_IDX));
	}
	/* Published to the lcore by the gate's opening store below. */
	if (!p->in_message)
		vhost_spin_lookahead_open(&q->ahead, p->vid, q->vring,
					  p->features);
	/* The lcore's own reference, for its sleep. */
	fd = kickfd >= 0 ? fcntl(kickfd, F_DUPFD_CLOEXEC, 0) : -1;
	if (fd < 0 && q->spin)
		VHOST_SPIN_LOG(WARNING,
			       "port %u rxq %u: no kick fd, polling only",
			       q->port_id, q->qid);
	if (p->dev->data->dev_conf.intr_conf.rxq)
		vhost_spin_intr_attach(q, kickfd);
	vspin_fd_guard_set(&q->kick_lib, kickfd);
	__atomic_store_n(&q->gate.allow, 1, __ATOMIC_SEQ_CST);
	/* After the gate opens: the woken lcore finds the ring there. */
	vspin_sleeper_give_fd(&q->sleeper, fd);
	vhost_spin_intr_wake(q);
}

static void
txq_gate(struct vhost_spin_port *p, struct vhost_spin_txq *q, bool open)
{
	bool is_open = __atomic_load_n(&q->gate.allow, __ATOMIC_RELAXED);

	if (open == is_open)
		return;
	if (!open) {
		vhost_spin_gate_close(&q->gate);
		vhost_spin_lookahead_close(&q->ahead);
		return;
	}
	q->vid = p->vid;
	q->quieted = -1;      /* the first burst quiets its target */
	if (!p->in_message) { /* as in the rxq */
		__atomic_store_n(&q->hold.allow, 1, __ATOMIC_SEQ_CST);
		vhost_spin_lookahead_open(&q->ahead, p->vid, q->vring,
					  p->features);
	}
	__atomic_store_n(&q->gate.allow, 1, __ATOMIC_SEQ_CST);
}

/*
 * The guest's receive vring tx queue qid enqueues on: its own (2 qid)
 * when the guest enabled it, else one it enabled, picked by qid among
 * them; -1 if it enabled none. A guest may use fewer queue pairs than the
 * port has (a Linux guest enables one per vCPU by default), and an
 * application sends on any tx queue it configured: without this, all it
 * sends on such a queue is refused. OVS maps its own vhost ports so;
 * ports of DPDK drivers, ours among them, it does not. Enqueues of two
 * tx queues on one vring are serialized by the library's vring lock.
 */
static int
tx_target(const struct vhost_spin_port *p, uint16_t qid)
{
	unsigned int own = 2u * qid, n = 0, pick, i;

	if (own < RTE_DIM(p->vring_ready) && p->vring_ready[own])
		return (int)own;
	for (i = 0; i < RTE_DIM(p->vring_ready); i += 2)
		n += p->vring_ready[i];
	if (n == 0)
		return -1;
	pick = qid % n;
	for (i = 0; i < RTE_DIM(p->vring_ready); i += 2)
		if (p->vring_ready[i] && pick-- == 0)
			break;
	return (int)i;
}

/*
 * The guest sends on every transmit queue it enabled, but only the rx
 * queues the application configured are polled: what the guest sends on
 * another stays in its ring (in OVS, options:n_rxq below the devarg
 * queues). Say so once per change of their number.
 */
static void
warn_unpolled(struct vhost_spin_port *p)
{
	uint16_t nrx = p->dev->data->nb_rx_queues;
	unsigned int n = 0, first = 0, i;

	for (i = 2u * nrx + 1; i < RTE_DIM(p->vring_ready); i += 2)
		if (p->vring_ready[i] && n++ == 0)
			first = i / 2;
	if (n != 0 && n != p->unpolled_logged)
		VHOST_SPIN_LOG(WARNING,
			       "port %u: the guest sends on %u queue(s) from "
			       "queue %u on, which no rx queue polls (%u "
			       "configured): what it sends there is not "
			       "received",
			       p->dev->data->port_id, n, first, nrx);
	p->unpolled_logged = n;
}

void
vhost_spin_update_gates(struct vhost_spin_port *p)
{
	struct rte_eth_dev_data *d = p->dev->data;
	bool up = p->started && p->attached;
	uint16_t i;

	for (i = 0; d->rx_queues != NULL && i < d->nb_rx_queues; i++) {
		struct vhost_spin_rxq *q = d->rx_queues[i];

		if (q != NULL)
			rxq_gate(p, q, up && p->vring_ready[q->vring]);
	}
	for (i = 0; d->tx_queues != NULL && i < d->nb_tx_queues; i++) {
		struct vhost_spin_txq *q = d->tx_queues[i];
		int t;

		if (q == NULL)
			continue;
		t = up ? tx_target(p, q->qid) : -1;
		if (t >= 0 &&
		    t != __atomic_load_n(&q->target, __ATOMIC_RELAXED)) {
			/* Often for a moment: a guest enables queue 0 first. */
			VHOST_SPIN_LOG(
				INFO,
				"port %u: tx queue %u sends on the "
				"guest's queue %d%s",
				d->port_id, q->qid, t / 2,
				t == q->vring ? "" : " (its own not enabled)");
			__atomic_store_n(&q->target, (uint16_t)t,
					 __ATOMIC_RELAXED);
		}
		txq_gate(p, q, t >= 0);
	}
	if (up)
		warn_unpolled(p);
}

void
vhost_spin_drain_gates(struct vhost_spin_port *p)
{
	struct rte_eth_dev_data *d = p->dev->data;
	uint16_t i;

	for (i = 0; d->rx_queues != NULL && i < d->nb_rx_queues; i++) {
		struct vhost_spin_rxq *q = d->rx_queues[i];

		if (q != NULL &&
		    !__atomic_load_n(&q->gate.allow, __ATOMIC_SEQ_CST))
			gate_wait(&q->gate);
	}
	for (i = 0; d->tx_queues != NULL && i < d->nb_tx_queues; i++) {
		struct vhost_spin_txq *q = d->tx_queues[i];

		if (q != NULL &&
		    !__atomic_load_n(&q->gate.allow, __ATOMIC_SEQ_CST))
			gate_wait(&q->gate);
	}
}

/*
 * A new memory table: the library unmaps and maps all guest memory while
 * it handles it, and a frontend may send one while its rings run. Each
 * open queue's lookahead (which reads the rings from the lcore, outside
 * the library's locks) closes before the library handles the message and
 * opens again after it, with the new table; so do the queues' holds
 * (vhost_spin.h), also around new ring addresses (the library drops a
 * ring's translation while it handles them; QEMU sends them again when
 * a migration starts). A table the library could not map is refused
 * before any of this (vhost_spin_mem_table.c).
 */

/*
 * One queue around such a message: its hold (vhost_spin.h) closed before
 * it, waited for (safe with the library's vring locks held: inside it the
 * lcore takes none), and opened after; for a memory table, its lookahead
 * too, reopened only if the queue's gate is open. Returns 1 for a
 * lookahead reopened.
 */
static unsigned int
queue_around_message(struct vhost_spin_port *p, struct vhost_spin_gate *hold,
		     struct vhost_spin_lookahead *la,
		     const struct vhost_spin_gate *g, uint16_t vring,
		     bool mem_table, bool open)
{
	if (open) {
		__atomic_store_n(&hold->allow, 1, __ATOMIC_SEQ_CST);
	} else {
		vhost_spin_gate_close(hold);
		gate_wait(hold);
	}
	if (!mem_table)
		return 0;
	if (!open) {
		vhost_spin_lookahead_close(la);
		return 0;
	}
	if (!__atomic_load_n(&g->allow, __ATOMIC_SEQ_CST))
		return 0;
	vhost_spin_lookahead_open(la, p->vid, vring, p->features);
	return 1;
}

static unsigned int
queues_around_message(struct vhost_spin_port *p, bool mem_table, bool open)
{
	struct rte_eth_dev_data *d = p->dev->data;
	unsigned int opened = 0;
	uint16_t i;

	for (i = 0; d->rx_queues != NULL && i < d->nb_rx_queues; i++) {
		struct vhost_spin_rxq *q = d->rx_queues[i];

		if (q != NULL)
			opened += queue_around_message(p, &q->hold, &q->ahead,
						       &q->gate, q->vring,
						       mem_table, open);
	}
	for (i = 0; d->tx_queues != NULL && i < d->nb_tx_queues; i++) {
		struct vhost_spin_txq *q = d->tx_queues[i];

		if (q != NULL)
			opened += queue_around_message(p, &q->hold, &q->ahead,
						       &q->gate, q->vring,
						       mem_table, open);
	}
	return opened;
}

static enum rte_vhost_msg_result
message_hook(int vid, void *msg, bool open)
{
	struct vhost_spin_port *p;
	unsigned int n = 0;
	uint32_t req;
	bool moves;

	req = vu_msg_request(msg);
	moves = req == VU_REQ_SET_MEM_TABLE || req == VU_REQ_SET_VRING_ADDR;
	/*
	 * Refused before anything moves, with no hook after it to open
	 * the holds again: they stay open (the rings run on).
	 */
	if (!open && moves && vu_msg_fds_refused(msg))
		moves = false;
	p = lock_port_of_conn(vid);
	if (p == NULL)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	p->fd_message = !open && (req == VU_REQ_SET_VRING_CALL ||
				  req == VU_REQ_SET_VRING_KICK);
	if (!open &&
	    vhost_spin_check_mem_table(p, msg) == RTE_VHOST_MSG_RESULT_ERR) {
		pthread_mutex_unlock(&p->lock);
		return RTE_VHOST_MSG_RESULT_ERR; /* the rings run on */
	}
	/* The library zeroes the vrings' statistics with the device. */
	if (req == VU_REQ_RESET_OWNER)
		p->lib_counts_zeroed = true;
	/*
	 * A connection's messages come one at a time: the next one's hook
	 * also ends a refused one's (the library skips the hook after it).
	 */
	if (!open)
		p->in_message = moves;
	else if (moves)
		p->in_message = false;
	if (moves && p->attached)
		n = queues_around_message(p, req == VU_REQ_SET_MEM_TABLE, open);
	pthread_mutex_unlock(&p->lock);
	if (n > 0)
		VHOST_SPIN_LOG(INFO,
			       "port %u: a new memory table while %u ring(s) "
			       "ran; their lookahead reopened",
			       p->dev->data->port_id, n);
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

static enum rte_vhost_msg_result
before_message(int vid, void *msg)
{
	return message_hook(vid, msg, false);
}

static enum rte_vhost_msg_result
after_message(int vid, void *msg)
{
	return message_hook(vid, msg, true);
}

static const struct rte_vhost_user_extern_ops message_hooks = {
	.pre_msg_handle = before_message,
	.post_msg_handle = after_message,
};

/*
 * A new connection's vrings (or a reset device's) count the library's
 * notifications from zero: so do the publishes they are set against
 * (calls_suppressed, in vhost_spin_xstats.c). A frontend that stopped
 * and started its rings on the same connection keeps both counting. The
 * gates are closed: nothing publishes now.
 */
static void
restart_publish_counts(struct vhost_spin_port *p)
{
	struct rte_eth_dev_data *d = p->dev->data;
	uint16_t i;

	if (!p->lib_counts_zeroed)
		return;
	p->lib_counts_zeroed = false;

	for (i = 0; d->rx_queues != NULL && i < d->nb_rx_queues; i++) {
		struct vhost_spin_rxq *q = d->rx_queues[i];

		if (q != NULL)
			vspin_count_reset(&q->cnt.publishes,
					  &q->base.cnt.publishes);
	}
	for (i = 0; d->tx_queues != NULL && i < d->nb_tx_queues; i++) {
		struct vhost_spin_txq *q = d->tx_queues[i];

		if (q != NULL) {
			vspin_count_reset(&q->cnt.publishes,
					  &q->base.cnt.publishes);
			vspin_count_reset(&q->cnt.publishes_in,
					  &q->base.cnt.publishes_in);
		}
	}
}

/*
 * One frontend per port. The library accepts any number of connections on
 * a server socket, but a port has one set of queues: a second frontend
 * would take the port over while the first one's rings still run (our
 * lcore reading memory that the library unmaps when the first one sends a
 * new memory table), and its leaving would detach the first. Refuse it:
 * the first keeps the port, the second sees its connection closed.
 *
 * Not at connect time, though: a frontend that closes its connection and
 * connects again at once (a guest port restarted) may be accepted before
 * the library reads the old connection's end, since in one pass over its
 * fds the listening socket comes first. A connection takes the port at
 * its first message, which comes in a later pass: by then the old
 * connection's end has been handled, if nothing was left unread before
 * it (the library reads one message per connection and pass; a frontend
 * waits for the answer to its last message before it closes). Until
 * new_device() installs message_hooks, every message passes here.
 */
static enum rte_vhost_msg_result
claim_port(int vid, void *msg)
{
	struct vhost_spin_port *p = port_of_vid(vid);
	int other = -1;

	if (p == NULL)
		return RTE_VHOST_MSG_RESULT_ERR;
	pthread_mutex_lock(&p->lock);
	if (p->conn_vid < 0)
		p->conn_vid = vid;
	else if (p->conn_vid != vid)
		other = p->conn_vid;
	pthread_mutex_unlock(&p->lock);
	if (other < 0) /* rings set up before they run need their table */
		return vhost_spin_check_mem_table(p, msg);
	VHOST_SPIN_LOG(ERR,
		       "port %u: iface %s: a frontend is connected already "
		       "(vid %d): refusing another (vid %d)",
		       p->dev->data->port_id, p->args.iface, other, vid);
	/*
	 * The library closes a connection whose message failed, unless the
	 * message asked for an ack: then it acks the failure and reads on.
	 * Ask for none.
	 */
	vu_msg_clear_need_reply(msg);
	vu_msg_close_fds(msg);
	return RTE_VHOST_MSG_RESULT_ERR;
}

static const struct rte_vhost_user_extern_ops claim_hooks = {
	.pre_msg_handle = claim_port,
};

static int
new_connection(int vid)
{
	if (port_of_vid(vid) == NULL ||
	    rte_vhost_extern_callback_register(vid, &claim_hooks, NULL) != 0)
		return -1;
	return 0;
}

/*
 * After destroy_device, if the device ran (the library's order). A
 * connection that ended before it ran had no destroy_device: the vrings
 * it enabled are forgotten here, or the next frontend's queues would send
 * on them.
 */
static void
destroy_connection(int vid)
{
	struct vhost_spin_port *p = lock_port_of_conn(vid);

	if (p == NULL)
		return;
	p->conn_vid = -1;
	p->lib_counts_zeroed = true; /* the next connection's are new */
	/* One that ended inside a ring-moving message: the next opens. */
	p->in_message = false;
	p->fd_message = false;
	if (!p->attached)
		forget_vrings(p);
	pthread_mutex_unlock(&p->lock);
}

/*
 * Link state change and queue state events reach the application from
 * EAL's interrupt thread (an alarm), as other PMDs' do. Raised here, in
 * the library's callbacks, the application's callback would run in the
 * library's thread, inside the callback for the frontend's message (for
 * a vring's state, with every vring lock held): stopping and closing the
 * port there waited for that very callback to end
 * (rte_vhost_driver_unregister() retries while one of the connection's
 * callbacks runs), as it does with stock net_vhost.
 */
static void
lsc_alarm(void *arg)
{
	struct vhost_spin_port *p = arg;

	/* The callback may close the port: nothing after it. */
	rte_eth_dev_callback_process(p->dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

static void
queue_state_alarm(void *arg)
{
	struct vhost_spin_port *p = arg;

	rte_eth_dev_callback_process(p->dev, RTE_ETH_EVENT_QUEUE_STATE, NULL);
}

static void
raise_event(struct vhost_spin_port *p, rte_eal_alarm_callback cb,
	    const char *what)
{
	if (rte_eal_alarm_set(1, cb, p) != 0)
		VHOST_SPIN_LOG(ERR, "port %u: cannot raise a %s event",
			       p->dev->data->port_id, what);
}

static void
raise_lsc(struct vhost_spin_port *p)
{
	raise_event(p, lsc_alarm, "link state change");
}

static int
new_device(int vid)
{
	struct vhost_spin_port *p = lock_port_of_conn(vid);
	uint16_t i, n;

	if (p == NULL) {
		VHOST_SPIN_LOG(ERR, "vid %d: no port serves this connection",
			       vid);
		return -1;
	}
	p->vid = vid;
	if (rte_vhost_get_negotiated_features(vid, &p->features) != 0)
		p->features = 0;
	/* Quiet until a queue's policy arms (the library starts armed). */
	n = rte_vhost_get_vring_num(vid);
	for (i = 0; i < n; i++)
		rte_vhost_enable_guest_notification(vid, i, 0);
	rte_vhost_get_mtu(vid, &p->dev->data->mtu);
	if (rte_vhost_extern_callback_register(vid, &message_hooks, NULL) != 0)
		VHOST_SPIN_LOG(WARNING, "vid %d: no message hooks", vid);
	restart_publish_counts(p);
	vhost_spin_xstats_attached(p, vid);
	p->attached = true;
	p->dev->data->dev_link.link_status = RTE_ETH_LINK_UP;
	vhost_spin_update_gates(p);
	pthread_mutex_unlock(&p->lock);

	VHOST_SPIN_LOG(INFO,
		       "port %u: frontend attached on %s (vid %d, %u vrings, "
		       "EVENT_IDX %s)",
		       p->dev->data->port_id, p->args.iface, vid, n,
		       (p->features & (1ULL << VIRTIO_RING_F_EVENT_IDX)) ?
			       "on" :
			       "off");
	raise_lsc(p);
	return 0;
}

static void
destroy_device(int vid)
{
	struct vhost_spin_port *p = lock_port_of_conn(vid);

	if (p == NULL)
		return;
	if (!p->attached) {
		pthread_mutex_unlock(&p->lock);
		return;
	}
	p->attached = false;
	vhost_spin_update_gates(p);
	forget_vrings(p);
	p->vid = -1;
	p->dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	/*
	 * The library unmaps the rings when we return (and frees or resets
	 * the device after: connection closed, port closed, RESET_OWNER);
	 * it holds no queue lock here, so lcores blocked on one get through
	 * and leave, and statistics readers inside a library call with the
	 * vid (taken while attached: none comes now) finish. The lock stays
	 * held over the gates: a queue the application releases meanwhile
	 * (a stopped port set up again) leaves the arrays, and is freed,
	 * only under it (queue_publish()). No gate holder takes it.
	 */
	vhost_spin_drain_gates(p);
	pthread_mutex_unlock(&p->lock);
	while (__atomic_load_n(&p->lib_readers, __ATOMIC_ACQUIRE) != 0)
		sched_yield();

	VHOST_SPIN_LOG(INFO, "port %u: frontend detached from %s (vid %d)",
		       p->dev->data->port_id, p->args.iface, vid);
	raise_lsc(p);
}

static int
vring_state_changed(int vid, uint16_t vring, int enable)
{
	/* Every queue lock is held: close gates, never wait for an lcore. */
	struct vhost_spin_port *p = lock_port_of_conn(vid);

	if (p == NULL)
		return 0;
	if (vring >= RTE_DIM(p->vring_ready)) {
		pthread_mutex_unlock(&p->lock);
		return 0; /* beyond any queue this port can have */
	}
	/*
	 * A new call or kick fd: the library drops a running vring for the
	 * message only, every vring lock held, and raises it again before it
	 * lets go of them. The guest's receive vrings (tx targets) stay up
	 * meanwhile: a tx burst waits for the library's lock and delivers,
	 * as with stock net_vhost, instead of meeting a closed gate and
	 * sending nothing (or sending on another queue). QEMU changes the
	 * call fd when the guest masks or unmasks the vring's interrupt.
	 */
	if (!enable && p->fd_message && vring % 2 == 0 &&
	    p->vring_ready[vring]) {
		pthread_mutex_unlock(&p->lock);
		VHOST_SPIN_LOG(DEBUG,
			       "port %u: vring %u kept up through a new fd",
			       p->dev->data->port_id, vring);
		return 0;
	}
	p->vring_ready[vring] = enable != 0;
	if (p->attached)
		vhost_spin_update_gates(p);
	pthread_mutex_unlock(&p->lock);

	VHOST_SPIN_LOG(DEBUG, "port %u: vring %u %s", p->dev->data->port_id,
		       vring, enable ? "enabled" : "disabled");
	raise_event(p, queue_state_alarm, "queue state");
	return 0;
}

static const struct rte_vhost_device_ops vhost_spin_ops = {
	.new_device = new_device,
	.destroy_device = destroy_device,
	.vring_state_changed = vring_state_changed,
	.new_connection = new_connection,
	.destroy_connection = destroy_connection,
};

/*
 * Bind a socket of our own in iface's directory (dir), then remove it: a
 * failure the library would only meet in bind() (a read-only file system,
 * a directory we may not write) is said here. In DPDK 22.11 it never gets
 * there: vhost_user_start_server() closes its socket when bind() fails,
 * and rte_vhost_driver_unregister() closes the same descriptor number
 * again, by then maybe another thread's. A name of our own, not iface:
 * another server starting on iface meanwhile must find no socket of ours
 * there. A name too long for a socket skips the check.
 */
static int
try_bind(const char *iface, const char *dir)
{
	static uint32_t seq;
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	int fd, n, err = 0;

	n = snprintf(un.sun_path, sizeof(un.sun_path), "%s/.vhost-spin-%d-%u",
		     dir, (int)getpid(),
		     __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	if (n < 0 || (size_t)n >= sizeof(un.sun_path))
		return 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&un, sizeof(un)) != 0)
		err = errno;
	else if (unlink(un.sun_path) != 0)
		VHOST_SPIN_LOG(WARNING, "iface %s: cannot remove %s: %s", iface,
			       un.sun_path, strerror(errno));
	close(fd);
	if (err != 0)
		VHOST_SPIN_LOG(ERR, "iface %s: cannot bind a socket in %s: %s",
			       iface, dir, strerror(err));
	return -err;
}

/*
 * A server socket needs a directory to live in and a free path it can be
 * bound to: say which is wrong, instead of the library's bare bind error.
 */
static int
check_server_path(const struct vhost_spin_port *p)
{
	char copy[sizeof(p->args.iface)];
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	const char *dir;
	struct stat st;
	int fd, busy;

	strlcpy(un.sun_path, p->args.iface, sizeof(un.sun_path));
	strlcpy(copy, p->args.iface, sizeof(copy));
	dir = dirname(copy); /* "." for a name without a directory */
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		VHOST_SPIN_LOG(ERR, "iface %s: directory %s does not exist",
			       p->args.iface, dir);
		return -ENOENT;
	}
	if (lstat(p->args.iface, &st) != 0)
		return try_bind(p->args.iface, dir);
	if (!S_ISSOCK(st.st_mode)) {
		VHOST_SPIN_LOG(ERR, "iface %s: exists and is not a socket",
			       p->args.iface);
		return -EEXIST;
	}
	/*
	 * Non-blocking: a server that accepts nothing (stopped, hung), its
	 * backlog full, would hold a blocking connect() for ever, and the
	 * probe (OVS's main thread) with it. EAGAIN: busy too.
	 */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	busy = connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0 ||
	       errno != ECONNREFUSED;
	close(fd);
	if (busy) {
		VHOST_SPIN_LOG(ERR,
			       "iface %s: busy, another vhost-user server "
			       "listens on it",
			       p->args.iface);
		return -EADDRINUSE;
	}
	/*
	 * Nobody listens: the socket of a server that ended without closing
	 * its port (an application restarted after a crash or a SIGTERM, as
	 * OVS does). Take its place, as the stock net_vhost does.
	 */
	if (unlink(p->args.iface) != 0) {
		int err = errno;

		VHOST_SPIN_LOG(ERR,
			       "iface %s: cannot remove the stale socket: %s",
			       p->args.iface, strerror(err));
		return -err;
	}
	VHOST_SPIN_LOG(NOTICE, "iface %s: removed a stale socket (no server)",
		       p->args.iface);
	return try_bind(p->args.iface, dir);
}

/*
 * Features not offered: offloads we cannot honour without software
 * checksums in this PMD, and packed rings (the rx-interrupt recheck,
 * rte_vhost_rx_queue_count(), reads the split ring's avail index).
 */
#define VHOST_SPIN_OFF_FEATURES                                                \
	((1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GSO) |            \
	 (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) | \
	 (1ULL << VIRTIO_NET_F_HOST_UFO) | (1ULL << VIRTIO_NET_F_HOST_ECN) |   \
	 (1ULL << VIRTIO_F_RING_PACKED))

int
vhost_spin_vhost_start(struct vhost_spin_port *p)
{
	const char *path = p->args.iface;
	/* The stock net_vhost's defaults: same library work per packet. */
	uint64_t flags = RTE_VHOST_USER_NET_STATS_ENABLE |
			 RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS;
	char other[sizeof(p->args.iface)];
	int ret;

	if (!vspin_socket_file(path, p->iface_file, sizeof(p->iface_file)))
		p->iface_file[0] = '\0'; /* compared as given only */
	if (port_on_file(p, other, sizeof(other))) {
		VHOST_SPIN_LOG(ERR,
			       "iface %s: already used by another port (iface "
			       "%s)",
			       path, other);
		return -EADDRINUSE;
	}
	if (p->args.client) {
		flags |= RTE_VHOST_USER_CLIENT;
		/* The library would retry there every second, and say nothing. */
		if (vspin_path_not_socket(path)) {
			VHOST_SPIN_LOG(ERR,
				       "iface %s: exists and is not a socket "
				       "(client=1 connects to a frontend's "
				       "socket)",
				       path);
			return -ENOTSOCK;
		}
		/* Not an error (the frontend may come later), but say so. */
		if (access(path, F_OK) != 0)
			VHOST_SPIN_LOG(NOTICE,
				       "iface %s: no frontend listening yet, "
				       "retrying every second",
				       path);
	} else if ((ret = check_server_path(p)) != 0) {
		return ret;
	}

	p->conn_vid = -1; /* a new socket: no connection yet */
	p->lib_counts_zeroed = true;
	pthread_mutex_lock(&ports_lock);
	TAILQ_INSERT_TAIL(&ports, p, next);
	pthread_mutex_unlock(&ports_lock);

	if (rte_vhost_driver_register(path, flags) != 0) {
		VHOST_SPIN_LOG(ERR, "iface %s: vhost-user registration failed",
			       path);
		goto unlist;
	}
	p->registered = true;
	if (rte_vhost_driver_disable_features(path, VHOST_SPIN_OFF_FEATURES) ||
	    rte_vhost_driver_callback_register(path, &vhost_spin_ops) != 0) {
		VHOST_SPIN_LOG(ERR, "iface %s: vhost-user set-up failed", path);
		goto unregister;
	}
	if (rte_vhost_driver_start(path) != 0) {
		VHOST_SPIN_LOG(ERR, "iface %s: cannot %s the vhost-user socket",
			       path, p->args.client ? "connect" : "listen on");
		goto unregister;
	}
	VHOST_SPIN_LOG(INFO, "iface %s: vhost-user %s, spin_mode %s", path,
		       p->args.client ? "client" : "server",
		       vspin_mode_name(p->args.policy.mode));
	return 0;

unregister:
	rte_vhost_driver_unregister(path);
	p->registered = false;
unlist:
	pthread_mutex_lock(&ports_lock);
	TAILQ_REMOVE(&ports, p, next);
	pthread_mutex_unlock(&ports_lock);
	return -EIO;
}

void
vhost_spin_vhost_stop(struct vhost_spin_port *p)
{
	if (!p->registered)
		return;
	/* May run destroy_device: the port must still be listed, unlocked. */
	rte_vhost_driver_unregister(p->args.iface);
	p->registered = false;
	/* Events for a port about to be freed (not the one running). */
	rte_eal_alarm_cancel(lsc_alarm, p);
	rte_eal_alarm_cancel(queue_state_alarm, p);
	pthread_mutex_lock(&ports_lock);
	TAILQ_REMOVE(&ports, p, next);
	pthread_mutex_unlock(&ports_lock);
}
