/* SPDX-License-Identifier: BSD-3-Clause
 * net_virtio_spin: a vhost-user frontend vdev. This file: devargs,
 * probe/remove, eth_dev_ops, queues, and the life cycle of the connection
 * to the backend (client mode with reconnection, or server mode accepting
 * the backend again after it restarts) that drives the link state.
 *
 * Threads: the application's control thread (dev ops) and EAL's interrupt
 * thread (socket events and alarms) both talk to the backend; dev->lock
 * serialises them. The data path never takes it: rings live in EAL memory
 * and outlive any connection, so a backend that disappears only stops
 * the rings from moving.
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

#include <bus_vdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_interrupts.h>
#include <rte_kvargs.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "virtio_spin.h"
#include "vspin_parse.h"
#include "vspin_port_census.h"

RTE_LOG_REGISTER(virtio_spin_logtype, pmd.net.virtio_spin, NOTICE);

#define ARG_PATH "path"
#define ARG_SERVER "server"
#define ARG_QUEUES "queues"
#define ARG_QUEUE_SIZE "queue_size"
#define ARG_MAC "mac"
#define ARG_SPIN_MODE "spin_mode"
#define ARG_SPIN_US "spin_us"
#define ARG_SLEEP_MAX_US "sleep_max_us"
#define ARG_SLEEP "sleep"
#define ARG_LATENCY_US "latency_us"
#define ARG_REPLY_TIMEOUT_MS "reply_timeout_ms"

static const char *const valid_args[] = {
	ARG_PATH,	ARG_SERVER,	  ARG_QUEUES,
	ARG_QUEUE_SIZE, ARG_MAC,	  ARG_SPIN_US,
	ARG_SPIN_MODE,	ARG_SLEEP_MAX_US, ARG_SLEEP,
	ARG_REPLY_TIMEOUT_MS, ARG_LATENCY_US, NULL,
};

#define RECONNECT_US (200 * 1000)
#define REPLY_TIMEOUT_MIN_MS 100
#define REPLY_TIMEOUT_MAX_MS 3600000 /* one hour */
#define VRING_ALIGN 4096

/* -- devargs ----------------------------------------------------------- */

struct parse_ctx {
	struct virtio_spin_dev *dev;
	const char *name;
	bool have_path;
};

static int
parse_uint(const char *key, const char *val, unsigned long min,
	   unsigned long max, unsigned long *out)
{
	uint64_t v;

	if (vspin_parse_u64(val, min, max, &v) != 0) {
		PMD_LOG(ERR, "invalid %s '%s': expected a number, %lu to %lu",
			key, val, min, max);
		return -1;
	}
	*out = (unsigned long)v;
	return 0;
}

static int
parse_arg(const char *key, const char *val, void *opaque)
{
	struct parse_ctx *c = opaque;
	struct virtio_spin_dev *dev = c->dev;
	char err[96];
	unsigned long v;

	if (val == NULL || *val == '\0') {
		PMD_LOG(ERR, "%s: %s needs a value", c->name, key);
		return -1;
	}
	if (strcmp(key, ARG_PATH) == 0) {
		if (strlen(val) >= sizeof(dev->path)) {
			PMD_LOG(ERR, "%s: path '%s' is too long (max %zu)",
				c->name, val, sizeof(dev->path) - 1);
			return -1;
		}
		strcpy(dev->path, val);
		c->have_path = true;
	} else if (strcmp(key, ARG_SERVER) == 0) {
		if (parse_uint(key, val, 0, 1, &v) < 0)
			return -1;
		dev->server = v == 1;
	} else if (strcmp(key, ARG_QUEUES) == 0) {
		if (parse_uint(key, val, 1, VIRTIO_SPIN_MAX_QUEUES, &v) < 0)
			return -1;
		dev->max_qp = (uint16_t)v;
	} else if (strcmp(key, ARG_QUEUE_SIZE) == 0) {
		if (parse_uint(key, val, 64, VSPIN_VRING_MAX_SIZE, &v) < 0)
			return -1;
		if (v & (v - 1)) {
			PMD_LOG(ERR, "invalid %s '%s': not a power of two", key,
				val);
			return -1;
		}
		dev->queue_size = (uint16_t)v;
	} else if (strcmp(key, ARG_REPLY_TIMEOUT_MS) == 0) {
		if (parse_uint(key, val, REPLY_TIMEOUT_MIN_MS,
			       REPLY_TIMEOUT_MAX_MS, &v) < 0)
			return -1;
		dev->vu.reply_timeout_ms = (unsigned int)v;
	} else if (strcmp(key, ARG_MAC) == 0) {
		if (rte_ether_unformat_addr(val, &dev->mac) < 0) {
			PMD_LOG(ERR,
				"invalid %s '%s': expected xx:xx:xx:xx:xx:xx",
				key, val);
			return -1;
		}
	} else if (strcmp(key, ARG_SLEEP) == 0) {
		if (vspin_sleep_rule_parse(val, &dev->sleep_rule, err,
					   sizeof(err)) != 0) {
			PMD_LOG(ERR, "%s: %s", c->name, err);
			return -1;
		}
	}
	/* spin_mode, spin_us, sleep_max_us: parse_devargs(), together. */
	return 0;
}

/* Name the first unknown key: rte_kvargs_parse() only says "invalid". */
static void
report_unknown_key(const char *name, const char *args)
{
	char buf[1024], *save = NULL, *tok;
	unsigned int i;

	snprintf(buf, sizeof(buf), "%s", args);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq != NULL)
			*eq = '\0';
		for (i = 0; valid_args[i] != NULL; i++)
			if (strcmp(tok, valid_args[i]) == 0)
				break;
		if (valid_args[i] == NULL) {
			PMD_LOG(ERR, "%s: unknown devarg '%s' (valid: %s)",
				name, tok,
				ARG_PATH
				"," ARG_SERVER "," ARG_QUEUES "," ARG_QUEUE_SIZE
				"," ARG_MAC "," ARG_SPIN_MODE "," ARG_SPIN_US
				"," ARG_SLEEP_MAX_US "," ARG_SLEEP
				"," ARG_REPLY_TIMEOUT_MS "," ARG_LATENCY_US);
			return;
		}
	}
	PMD_LOG(ERR, "%s: cannot parse devargs '%s'", name, args);
}

static int
parse_devargs(struct virtio_spin_dev *dev, const char *name, const char *args)
{
	struct parse_ctx c = {.dev = dev, .name = name};
	struct rte_kvargs *kv;
	char err[160];
	unsigned int i;
	int r = 0;

	if (args == NULL || *args == '\0') {
		PMD_LOG(ERR, "%s: missing devarg path=<vhost-user socket>",
			name);
		return -EINVAL;
	}
	kv = rte_kvargs_parse(args, valid_args);
	if (kv == NULL) {
		report_unknown_key(name, args);
		return -EINVAL;
	}
	/* As net_vhost_spin: a key given twice is an error, not "last wins". */
	for (i = 0; valid_args[i] != NULL; i++) {
		if (rte_kvargs_count(kv, valid_args[i]) > 1) {
			PMD_LOG(ERR, "%s: devarg '%s' given twice", name,
				valid_args[i]);
			rte_kvargs_free(kv);
			return -EINVAL;
		}
	}
	for (i = 0; valid_args[i] != NULL && r == 0; i++)
		if (rte_kvargs_count(kv, valid_args[i]) > 0)
			r = rte_kvargs_process(kv, valid_args[i], parse_arg,
					       &c);
	/* The policy's keys with lib/vspin's grammar, shared with the host. */
	if (r == 0 && vspin_policy_conf_parse(
			      &dev->pconf, rte_kvargs_get(kv, ARG_SPIN_MODE),
			      rte_kvargs_get(kv, ARG_SPIN_US),
			      rte_kvargs_get(kv, ARG_SLEEP_MAX_US),
			      rte_kvargs_get(kv, ARG_LATENCY_US), err,
			      sizeof(err)) != 0) {
		PMD_LOG(ERR, "%s: %s", name, err);
		r = -1;
	}
	rte_kvargs_free(kv);
	if (r != 0)
		return -EINVAL;
	if (!c.have_path) {
		PMD_LOG(ERR, "%s: missing devarg path=<vhost-user socket>",
			name);
		return -EINVAL;
	}
	return 0;
}

/* -- link -------------------------------------------------------------- */

/* Wake every lcore that may sleep on a queue of this port. */
static void
wake_rx_sleepers(struct rte_eth_dev *eth_dev)
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

static void
set_link(struct virtio_spin_dev *dev, bool up)
{
	struct rte_eth_link link = {
		.link_speed = RTE_ETH_SPEED_NUM_10G,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
	};

	dev->link_up = up;
	rte_eth_linkstatus_set(dev->eth_dev, &link);
	/* A sleeper waiting for the backend must see it come at once. */
	if (up)
		wake_rx_sleepers(dev->eth_dev);
}

/* Outside dev->lock: the application's callback may call back into us. */
static void
notify_lsc(struct virtio_spin_dev *dev, bool was_up)
{
	if (was_up != (bool)dev->link_up)
		rte_eth_dev_callback_process(dev->eth_dev,
					     RTE_ETH_EVENT_INTR_LSC, NULL);
}

/* -- connection -------------------------------------------------------- */

static void sock_event(void *arg);
static void sock_gone(void *arg);
static void reconnect_alarm(void *arg);
static void unwatch(struct rte_intr_handle *h, rte_intr_callback_fn cb,
		    void *arg);

static uint64_t
wanted_features(const struct virtio_spin_dev *dev)
{
	uint64_t f = VIRTIO_SPIN_WANTED_FEATURES;

	if (dev->max_qp > 1)
		f |= 1ULL << VSPIN_F_MQ;
	/*
	 * IN_ORDER binds how a ring uses its descriptors from the first one
	 * on: not for rings started before any backend said what it offers
	 * (server mode), and then not on this port at all (the features of
	 * the first backend are the port's).
	 */
	if (dev->features_known ? !(dev->features & (1ULL << VSPIN_F_IN_ORDER))
				: dev->started)
		f &= ~(1ULL << VSPIN_F_IN_ORDER);
	return f;
}

/* Features, protocol features and memory table with a new backend. */
static int
negotiate(struct virtio_spin_dev *dev)
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
	if (dev->features_known &&
	    (f & ~(1ULL << VSPIN_F_PROTOCOL_FEATURES)) !=
		    (dev->features & ~(1ULL << VSPIN_F_PROTOCOL_FEATURES))) {
		PMD_LOG(ERR,
			"%s: backend offers features 0x%" PRIx64
			", the port runs with 0x%" PRIx64 ": restart the port",
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
	/* The caller holds the memory lock (virtio_spin_ctl_lock()). */
	if (virtio_spin_vu_set_features(vu, f) < 0 ||
	    virtio_spin_mem_send(dev) < 0)
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

static bool
has_feature(const struct virtio_spin_dev *dev, unsigned int bit)
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

	if (virtio_spin_vu_set_vring_num(vu, idx, vr->num) < 0 ||
	    virtio_spin_vu_set_vring_base(vu, idx, base) < 0 ||
	    virtio_spin_vu_set_vring_addr(vu, idx, vr) < 0 ||
	    virtio_spin_vu_set_vring_call(vu, idx, dev->callfd[idx]) < 0 ||
	    virtio_spin_vu_set_vring_kick(vu, idx, dev->kickfd[idx]) < 0)
		return -1;
	return 0;
}

/* Hand every configured vring to the backend; then the link is up. */
static int
setup_vrings(struct virtio_spin_dev *dev)
{
	struct rte_eth_dev_data *d = dev->eth_dev->data;
	bool ev = has_feature(dev, VSPIN_F_EVENT_IDX);
	unsigned int q, i;

	for (q = 0; q < dev->nb_qp; q++) {
		struct virtio_spin_rxq *rxq = d->rx_queues[q];
		struct virtio_spin_txq *txq = d->tx_queues[q];

		/*
		 * Server mode started the rings before the first backend
		 * came: make them follow what it negotiated (the backend
		 * reads nothing before SET_VRING_KICK below).
		 */
		rxq->vq.kick.event_idx = rxq->vq.call.event_idx = ev;
		txq->vq.kick.event_idx = txq->vq.call.event_idx = ev;
		rxq->mrg_rxbuf = has_feature(dev, VSPIN_F_MRG_RXBUF);
		if (setup_vring(dev, virtio_spin_rx_vring(q), &rxq->vq.vr) ||
		    setup_vring(dev, virtio_spin_tx_vring(q), &txq->vq.vr))
			return -1;
	}
	if (has_feature(dev, VSPIN_F_PROTOCOL_FEATURES))
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
	set_link(dev, true);
	return 0;
}

/* Drop the connection; the caller holds the lock. */
static void
drop_connection(struct virtio_spin_dev *dev)
{
	if (dev->vu.fd >= 0)
		close(dev->vu.fd);
	dev->vu.fd = -1;
	set_link(dev, false);
}

/* Client mode: connect again soon, once (lock held). */
static void
schedule_reconnect(struct virtio_spin_dev *dev)
{
	if (dev->server || dev->closing || dev->reconnect_pending)
		return;
	if (rte_eal_alarm_set(RECONNECT_US, reconnect_alarm, dev) == 0)
		dev->reconnect_pending = true;
	else
		PMD_LOG(ERR, "%s: cannot arm the reconnection alarm",
			dev->path);
}

/*
 * A backend that is still connected but out of step, misbehaving or
 * leaving: stop watching its socket, close it and start again as for a
 * dead peer.
 * Control thread (never from sock_event itself), lock held: sock_event
 * only try-locks, so waiting for it here cannot deadlock.
 */
static void
reset_connection(struct virtio_spin_dev *dev)
{
	if (dev->vu.fd < 0)
		return;
	PMD_LOG(NOTICE, "%s: resetting the connection to the backend",
		dev->path);
	unwatch(dev->sock_intr, sock_event, dev);
	drop_connection(dev);
	schedule_reconnect(dev);
}

/*
 * Tell the backend to stop the rings (it answers with its indexes).
 * stopped[i]: the backend no longer touches vring i (it said so, or it is
 * gone), so the buffers in it may be freed. A live backend that does not
 * answer may still write into them: the connection is reset and they are
 * left alone.
 */
static void
stop_vrings(struct virtio_spin_dev *dev, bool *stopped)
{
	unsigned int i, n = 2u * dev->nb_qp, base;

	for (i = 0; i < n; i++)
		stopped[i] = dev->vu.fd < 0;
	if (dev->vu.fd < 0)
		return;
	for (i = 0; i < n; i++) {
		if (virtio_spin_vu_get_vring_base(&dev->vu, i, &base) < 0)
			break;
		stopped[i] = true;
		PMD_LOG(DEBUG, "%s: vring %u stopped at %u", dev->path, i,
			base);
	}
	if (i == n)
		return;
	if (dev->vu.peer_closed) {
		/* As when sock_gone() sees it leave. */
		PMD_LOG(NOTICE, "%s: backend went away while stopping",
			dev->path);
		for (; i < n; i++)
			stopped[i] = true;
	} else {
		PMD_LOG(WARNING,
			"%s: backend did not stop vring %u: the buffers of "
			"vrings %u to %u stay with it (not freed)",
			dev->path, i, i, n - 1);
	}
	reset_connection(dev);
}

/* For virtio_spin_mem.c: stop the rings, hand them over again. */
void
virtio_spin_vrings_stop(struct virtio_spin_dev *dev)
{
	bool stopped[2 * VIRTIO_SPIN_MAX_QUEUES];

	stop_vrings(dev, stopped);
}

int
virtio_spin_vrings_start(struct virtio_spin_dev *dev)
{
	return setup_vrings(dev);
}

/*
 * A connected socket (from connect or accept): negotiate, hand over the
 * rings if the port runs, and watch the socket for the backend leaving.
 * Holds the lock. Returns 0, or -1 with the socket closed.
 */
static int
attach(struct virtio_spin_dev *dev, int fd)
{
	dev->vu.fd = fd;
	dev->vu.broken = false;
	dev->vu.peer_closed = false;
	if (virtio_spin_vu_set_timeouts(fd, dev->vu.reply_timeout_ms) < 0 ||
	    negotiate(dev) < 0 || (dev->started && setup_vrings(dev) < 0)) {
		drop_connection(dev);
		return -1;
	}
	if (rte_intr_fd_set(dev->sock_intr, fd) < 0 ||
	    rte_intr_callback_register(dev->sock_intr, sock_event, dev) < 0) {
		PMD_LOG(ERR, "%s: cannot watch the socket", dev->path);
		drop_connection(dev);
		return -1;
	}
	PMD_LOG(INFO, "%s: backend connected", dev->path);
	return 0;
}

static int
connect_socket(struct virtio_spin_dev *dev, bool quiet)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	strcpy(sa.sun_path, dev->path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (!quiet)
			PMD_LOG(ERR,
				"%s: cannot connect to the vhost-user "
				"socket: %s",
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
static void
sock_event(void *arg)
{
	struct virtio_spin_dev *dev = arg;
	int fd = rte_intr_fd_get(dev->sock_intr);
	uint8_t buf[64];
	ssize_t r;

	/*
	 * Busy: a control path waits for a reply (this data) and reads it,
	 * or dev_close()/reset_connection() wait for this callback to return.
	 * Only try: blocking here could deadlock with them.
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
	/*
	 * Gone or misbehaving: stop watching (EAL removes this callback when
	 * it returns), then clean up from an alarm: EAL holds its interrupt
	 * lock around the unregister hook, where registering anything would
	 * deadlock. closing is false under the lock: dev_close() cancels the
	 * alarm after setting it.
	 */
	rte_intr_callback_unregister_pending(dev->sock_intr, sock_event, dev,
					     NULL);
	rte_eal_alarm_set(1, sock_gone, dev);
	pthread_mutex_unlock(&dev->lock);
}

static void
sock_gone(void *arg)
{
	struct virtio_spin_dev *dev = arg;
	bool was_up;

	pthread_mutex_lock(&dev->lock);
	was_up = dev->link_up;
	if (!dev->closing && dev->vu.fd >= 0) {
		PMD_LOG(NOTICE, "%s: backend went away", dev->path);
		drop_connection(dev);
		schedule_reconnect(dev);
	}
	pthread_mutex_unlock(&dev->lock);
	notify_lsc(dev, was_up);
}

/* Client mode: try again until the backend is back. */
static void
reconnect_alarm(void *arg)
{
	struct virtio_spin_dev *dev = arg;
	bool was_up;
	int fd;

	virtio_spin_ctl_lock(dev);
	was_up = dev->link_up;
	dev->reconnect_pending = false;
	if (dev->closing || dev->vu.fd >= 0) {
		virtio_spin_ctl_unlock(dev);
		return;
	}
	fd = connect_socket(dev, true);
	if (fd < 0 || attach(dev, fd) < 0)
		schedule_reconnect(dev);
	virtio_spin_ctl_unlock(dev);
	notify_lsc(dev, was_up);
}

/* Server mode: a backend connects (again). */
static void
listen_event(void *arg)
{
	struct virtio_spin_dev *dev = arg;
	bool was_up;
	int fd = accept4(dev->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	virtio_spin_ctl_lock(dev);
	was_up = dev->link_up;
	if (dev->closing || dev->vu.fd >= 0) {
		PMD_LOG(WARNING,
			"%s: a backend is already connected; "
			"refusing another",
			dev->path);
		close(fd);
	} else {
		attach(dev, fd);
	}
	virtio_spin_ctl_unlock(dev);
	notify_lsc(dev, was_up);
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

	if (stat(dev->path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0; /* absent, or bind() says what is wrong */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	strcpy(sa.sun_path, dev->path);
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

static int
listen_socket(struct virtio_spin_dev *dev)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	/* A socket file left by an earlier run would make bind() fail. */
	if (clear_stale_socket(dev) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	strcpy(sa.sun_path, dev->path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0) {
		PMD_LOG(ERR, "%s: cannot listen: %s", dev->path,
			strerror(errno));
		close(fd);
		return -1;
	}
	dev->listen_fd = fd;
	if (rte_intr_fd_set(dev->listen_intr, fd) < 0 ||
	    rte_intr_callback_register(dev->listen_intr, listen_event, dev) <
		    0) {
		PMD_LOG(ERR, "%s: cannot watch the listening socket",
			dev->path);
		return -1;
	}
	PMD_LOG(NOTICE, "%s: waiting for the vhost-user backend", dev->path);
	return 0;
}

/* -- eth_dev_ops --------------------------------------------------------- */

static int
dev_configure(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	uint16_t nrx = eth_dev->data->nb_rx_queues;

	if (nrx != eth_dev->data->nb_tx_queues) {
		PMD_LOG(ERR, "%s: needs as many rx as tx queues (%u rx, %u tx)",
			dev->path, nrx, eth_dev->data->nb_tx_queues);
		return -EINVAL;
	}
	if (nrx > dev->max_qp) {
		PMD_LOG(ERR, "%s: %u queues configured, devarg queues=%u",
			dev->path, nrx, dev->max_qp);
		return -EINVAL;
	}
	dev->nb_qp = nrx;
	return 0;
}

static int
dev_infos_get(struct rte_eth_dev *eth_dev, struct rte_eth_dev_info *info)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;

	info->max_mac_addrs = 1;
	info->max_rx_pktlen = 9728;
	info->min_rx_bufsize = 64;
	info->max_rx_queues = dev->max_qp;
	info->max_tx_queues = dev->max_qp;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->rx_desc_lim.nb_max = VSPIN_VRING_MAX_SIZE;
	info->rx_desc_lim.nb_min = 64;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rxportconf.ring_size = dev->queue_size;
	info->default_txportconf.ring_size = dev->queue_size;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->speed_capa = RTE_ETH_LINK_SPEED_10G;
	return 0;
}

/* Ring size from the application (testpmd defaults to queue_size). */
static int
ring_size(struct virtio_spin_dev *dev, uint16_t nb_desc)
{
	if (nb_desc == 0)
		nb_desc = dev->queue_size;
	if (nb_desc & (nb_desc - 1)) {
		PMD_LOG(ERR, "%s: ring size %u is not a power of two",
			dev->path, nb_desc);
		return -EINVAL;
	}
	return nb_desc;
}

/* Ring memory in EAL memory, which the backend maps. */
static const struct rte_memzone *
ring_zone(struct rte_eth_dev *eth_dev, const char *what, uint16_t qid,
	  size_t size, int socket)
{
	char name[RTE_MEMZONE_NAMESIZE];

	snprintf(name, sizeof(name), "vspin%u_%s%u", eth_dev->data->port_id,
		 what, qid);
	return rte_memzone_reserve_aligned(
		name, size, socket, RTE_MEMZONE_IOVA_CONTIG, VRING_ALIGN);
}

/*
 * Control state (queue structs with their function pointers, the free list
 * and cookies of each ring) in process-private memory: all of EAL memory
 * is in the memory table the backend maps. Cache-line aligned, zeroed;
 * free() it. The socket is not honoured: malloc has no notion of it.
 */
static void *
private_zalloc(size_t size)
{
	void *p;

	size = RTE_ALIGN_CEIL(size, RTE_CACHE_LINE_SIZE);
	if (posix_memalign(&p, RTE_CACHE_LINE_SIZE, size) != 0)
		return NULL;
	memset(p, 0, size);
	return p;
}

/* DEBUG: where the control state of a queue is (the tests look). */
static void
log_private(struct virtio_spin_dev *dev, const char *what, uint16_t qid,
	    const void *q, const void *priv)
{
	bool shared = rte_mem_virt2memseg(q, NULL) != NULL ||
		      rte_mem_virt2memseg(priv, NULL) != NULL;

	PMD_LOG(DEBUG, "%s: %s %u control state at %p (priv %p): %s EAL memory",
		dev->path, what, qid, q, priv, shared ? "inside" : "outside");
}

static void rx_queue_release(struct rte_eth_dev *eth_dev, uint16_t qid);
static void tx_queue_release(struct rte_eth_dev *eth_dev, uint16_t qid);

static int
rx_queue_setup(struct rte_eth_dev *eth_dev, uint16_t qid, uint16_t nb_desc,
	       unsigned int socket,
	       const struct rte_eth_rxconf *conf __rte_unused,
	       struct rte_mempool *mp)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	struct virtio_spin_rxq *rxq;
	int num = ring_size(dev, nb_desc);

	if (num < 0)
		return num;
	if (rte_pktmbuf_data_room_size(mp) <
	    RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN) {
		PMD_LOG(ERR, "%s: mbufs of pool %s are too small", dev->path,
			mp->name);
		return -EINVAL;
	}
	rx_queue_release(eth_dev, qid);
	rxq = private_zalloc(sizeof(*rxq));
	if (rxq == NULL)
		return -ENOMEM;
	rxq->priv = private_zalloc(vspin_vq_drv_priv_size(num));
	rxq->mz = ring_zone(eth_dev, "rx", qid,
			    vspin_vring_size(num, VRING_ALIGN), (int)socket);
	if (rxq->priv == NULL || rxq->mz == NULL) {
		free(rxq->priv);
		rte_memzone_free(rxq->mz);
		free(rxq);
		return -ENOMEM;
	}
	vspin_vring_init(&rxq->vq.vr, rxq->mz->addr, (uint32_t)num,
			 VRING_ALIGN);
	rxq->mp = mp;
	rxq->dev = dev;
	rxq->queue_id = qid;
	rxq->port_id = eth_dev->data->port_id;
	rxq->callfd = dev->callfd[virtio_spin_rx_vring(qid)];
	vspin_sleeper_init(&rxq->sleeper, &rxq->policy,
			   &virtio_spin_rx_sleeper_ops, rxq);
	rxq->kickfd = dev->kickfd[virtio_spin_rx_vring(qid)];
	eth_dev->data->rx_queues[qid] = rxq;
	log_private(dev, "rxq", qid, rxq, rxq->priv);
	return 0;
}

static int
tx_queue_setup(struct rte_eth_dev *eth_dev, uint16_t qid, uint16_t nb_desc,
	       unsigned int socket,
	       const struct rte_eth_txconf *conf __rte_unused)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	struct virtio_spin_txq *txq;
	int num = ring_size(dev, nb_desc);
	size_t ring;

	if (num < 0)
		return num;
	tx_queue_release(eth_dev, qid);
	txq = private_zalloc(sizeof(*txq));
	if (txq == NULL)
		return -ENOMEM;
	ring = RTE_ALIGN_CEIL(vspin_vring_size(num, VRING_ALIGN),
			      RTE_CACHE_LINE_SIZE);
	txq->priv = private_zalloc(vspin_vq_drv_priv_size(num));
	txq->mz = ring_zone(eth_dev, "tx", qid,
			    ring + (size_t)num * VIRTIO_SPIN_HDR_SIZE,
			    (int)socket);
	if (txq->priv == NULL || txq->mz == NULL) {
		free(txq->priv);
		rte_memzone_free(txq->mz);
		free(txq);
		return -ENOMEM;
	}
	vspin_vring_init(&txq->vq.vr, txq->mz->addr, (uint32_t)num,
			 VRING_ALIGN);
	txq->hdrs = (void *)((char *)txq->mz->addr + ring);
	txq->dev = dev;
	txq->queue_id = qid;
	txq->callfd = dev->callfd[virtio_spin_tx_vring(qid)];
	txq->kickfd = dev->kickfd[virtio_spin_tx_vring(qid)];
	eth_dev->data->tx_queues[qid] = txq;
	log_private(dev, "txq", qid, txq, txq->priv);
	return 0;
}

static void
rx_queue_release(struct rte_eth_dev *eth_dev, uint16_t qid)
{
	struct virtio_spin_rxq *rxq = eth_dev->data->rx_queues[qid];

	if (rxq == NULL)
		return;
	vspin_sleeper_release(&rxq->sleeper);
	rte_memzone_free(rxq->mz);
	free(rxq->priv);
	free(rxq);
	eth_dev->data->rx_queues[qid] = NULL;
}

static void
tx_queue_release(struct rte_eth_dev *eth_dev, uint16_t qid)
{
	struct virtio_spin_txq *txq = eth_dev->data->tx_queues[qid];

	if (txq == NULL)
		return;
	rte_memzone_free(txq->mz);
	free(txq->priv);
	free(txq);
	eth_dev->data->tx_queues[qid] = NULL;
}

/* Fresh rings for a start: zeroed, rx filled, policies reset. */
static int
init_queues(struct virtio_spin_dev *dev)
{
	struct rte_eth_dev_data *d = dev->eth_dev->data;
	bool event_idx = has_feature(dev, VSPIN_F_EVENT_IDX);
	/* Unknown features: no IN_ORDER (wanted_features()). */
	bool in_order = has_feature(dev, VSPIN_F_IN_ORDER);
	unsigned int q;

	/* Not connected yet (server mode): assume what we ask for. */
	if (!dev->features_known)
		event_idx = true;
	for (q = 0; q < dev->nb_qp; q++) {
		struct virtio_spin_rxq *rxq = d->rx_queues[q];
		struct virtio_spin_txq *txq = d->tx_queues[q];
		struct vspin_vring vr;

		if (rxq == NULL || txq == NULL) {
			PMD_LOG(ERR, "%s: queue %u not set up", dev->path, q);
			return -EINVAL;
		}
		memset(&rxq->vst, 0, sizeof(rxq->vst));
		/* A copy: vspin_vq_drv_init() clears *vq before reading vr. */
		vr = rxq->vq.vr;
		vspin_vq_drv_init(&rxq->vq, &vr, rxq->priv, event_idx,
				  &rxq->vst);
		vspin_vq_drv_set_in_order(&rxq->vq, in_order);
		rxq->mrg_rxbuf = !dev->features_known ||
				 has_feature(dev, VSPIN_F_MRG_RXBUF);
		vspin_policy_init(&rxq->policy, &dev->pconf, dev->tsc_hz,
				  &rxq->vst);
		/* The lcore sleeps on its own reference to the call fd. */
		vspin_sleeper_release(&rxq->sleeper);
		vspin_sleeper_give_fd(&rxq->sleeper,
				      fcntl(rxq->callfd, F_DUPFD_CLOEXEC, 0));
		memset(&txq->vst, 0, sizeof(txq->vst));
		vr = txq->vq.vr;
		vspin_vq_drv_init(&txq->vq, &vr, txq->priv, event_idx,
				  &txq->vst);
		vspin_vq_drv_set_in_order(&txq->vq, in_order);
		if (virtio_spin_rxq_fill(rxq) < 0) {
			PMD_LOG(ERR, "%s: no mbufs to fill rx queue %u",
				dev->path, q);
			/* Not handed to the backend yet: give them back. */
			do
				virtio_spin_rxq_flush(d->rx_queues[q]);
			while (q-- > 0);
			return -ENOMEM;
		}
	}
	return 0;
}

static int
setup_rx_intr(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	struct rte_intr_handle *h = eth_dev->intr_handle;
	unsigned int q;

	if (!eth_dev->data->dev_conf.intr_conf.rxq)
		return 0;
	for (q = 0; q < dev->nb_qp; q++)
		if (rte_intr_efds_index_set(
			    h, q, dev->callfd[virtio_spin_rx_vring(q)]))
			return -rte_errno;
	if (rte_intr_nb_efd_set(h, dev->nb_qp) ||
	    rte_intr_max_intr_set(h, dev->nb_qp + 1) ||
	    rte_intr_type_set(h, RTE_INTR_HANDLE_VDEV) ||
	    rte_intr_efd_counter_size_set(h, sizeof(uint64_t)))
		return -rte_errno;
	if (rte_intr_vec_list_alloc(h, "intr_vec", dev->nb_qp))
		return -rte_errno;
	for (q = 0; q < dev->nb_qp; q++)
		if (rte_intr_vec_list_index_set(h, q,
						q + RTE_INTR_VEC_RXTX_OFFSET))
			return -rte_errno;
	return 0;
}

static int dev_stop(struct rte_eth_dev *eth_dev);

static int
dev_start(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	bool was_up;
	int r;

	r = setup_rx_intr(eth_dev);
	if (r < 0) {
		PMD_LOG(ERR, "%s: rx interrupt set-up failed", dev->path);
		return r;
	}
	pthread_mutex_lock(&dev->lock);
	was_up = dev->link_up;
	r = init_queues(dev);
	if (r == 0) {
		dev->started = true;
		if (dev->vu.fd >= 0 && setup_vrings(dev) < 0) {
			PMD_LOG(ERR, "%s: backend refused the rings",
				dev->path);
			r = -EIO;
		}
	}
	pthread_mutex_unlock(&dev->lock);
	notify_lsc(dev, was_up);
	if (r == -EIO) {
		/* Take back what the backend got, as a stop does. */
		dev_stop(eth_dev);
		return r;
	}
	if (r != 0) {
		rte_intr_vec_list_free(eth_dev->intr_handle);
		return r;
	}
	eth_dev->rx_pkt_burst = virtio_spin_recv;
	eth_dev->tx_pkt_burst = virtio_spin_xmit;
	for (r = 0; r < dev->nb_qp; r++) {
		eth_dev->data->rx_queue_state[r] = RTE_ETH_QUEUE_STATE_STARTED;
		eth_dev->data->tx_queue_state[r] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	return 0;
}

static int
dev_stop(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	bool stopped[2 * VIRTIO_SPIN_MAX_QUEUES];
	unsigned int q;
	bool was_up;

	pthread_mutex_lock(&dev->lock);
	was_up = dev->link_up;
	if (dev->started) {
		stop_vrings(dev, stopped);
		dev->started = false;
		set_link(dev, false);
		for (q = 0; q < dev->nb_qp; q++) {
			struct virtio_spin_rxq *rxq =
				eth_dev->data->rx_queues[q];
			struct virtio_spin_txq *txq =
				eth_dev->data->tx_queues[q];

			vspin_sleeper_release(&rxq->sleeper);
			/* Otherwise leaked: the backend may still write them. */
			if (stopped[virtio_spin_rx_vring(q)])
				virtio_spin_rxq_flush(rxq);
			if (stopped[virtio_spin_tx_vring(q)])
				virtio_spin_txq_flush(txq);
			eth_dev->data->rx_queue_state[q] =
				RTE_ETH_QUEUE_STATE_STOPPED;
			eth_dev->data->tx_queue_state[q] =
				RTE_ETH_QUEUE_STATE_STOPPED;
		}
	}
	pthread_mutex_unlock(&dev->lock);
	notify_lsc(dev, was_up);
	rte_intr_vec_list_free(eth_dev->intr_handle);
	return 0;
}

static int
link_update(struct rte_eth_dev *eth_dev, int wait __rte_unused)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;

	set_link(dev, dev->link_up);
	return 0;
}

static int
promisc_noop(struct rte_eth_dev *eth_dev __rte_unused)
{
	return 0; /* the backend delivers every frame anyway */
}

static void
unwatch(struct rte_intr_handle *h, rte_intr_callback_fn cb, void *arg)
{
	int r;

	/* -EAGAIN: the callback runs right now; wait for it. */
	while ((r = rte_intr_callback_unregister(h, cb, arg)) == -EAGAIN)
		usleep(1000);
}

static int
dev_close(struct rte_eth_dev *eth_dev)
{
	struct virtio_spin_dev *dev = eth_dev->data->dev_private;
	unsigned int i;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	if (dev->started)
		dev_stop(eth_dev);
	/*
	 * Under the lock, every callback and alarm sees closing before it
	 * arms an alarm (sock_event, sock_gone, reconnect_alarm, attach), so
	 * after the cancels below none is pending or can come back.
	 */
	pthread_mutex_lock(&dev->lock);
	dev->closing = true;
	pthread_mutex_unlock(&dev->lock);
	virtio_spin_mem_events_unregister(dev);
	rte_eal_alarm_cancel(reconnect_alarm, dev);
	rte_eal_alarm_cancel(sock_gone, dev);
	if (dev->sock_intr != NULL) {
		unwatch(dev->sock_intr, sock_event, dev);
		rte_intr_instance_free(dev->sock_intr);
		dev->sock_intr = NULL;
	}
	if (dev->listen_intr != NULL) {
		unwatch(dev->listen_intr, listen_event, dev);
		rte_intr_instance_free(dev->listen_intr);
		dev->listen_intr = NULL;
	}
	pthread_mutex_lock(&dev->lock);
	if (dev->vu.fd >= 0)
		close(dev->vu.fd);
	dev->vu.fd = -1;
	pthread_mutex_unlock(&dev->lock);
	if (dev->listen_fd >= 0) {
		close(dev->listen_fd);
		unlink(dev->path);
		dev->listen_fd = -1;
	}
	for (i = 0; i < eth_dev->data->nb_rx_queues; i++)
		rx_queue_release(eth_dev, i);
	for (i = 0; i < eth_dev->data->nb_tx_queues; i++)
		tx_queue_release(eth_dev, i);
	for (i = 0; i < 2u * VIRTIO_SPIN_MAX_QUEUES; i++) {
		if (dev->kickfd[i] >= 0)
			close(dev->kickfd[i]);
		if (dev->callfd[i] >= 0)
			close(dev->callfd[i]);
		dev->kickfd[i] = dev->callfd[i] = -1;
	}
	rte_intr_instance_free(eth_dev->intr_handle);
	eth_dev->intr_handle = NULL;
	pthread_mutex_destroy(&dev->lock);
	/* mac_addrs points into dev_private: not freed by ethdev. */
	eth_dev->data->mac_addrs = NULL;
	return 0;
}

static const struct eth_dev_ops virtio_spin_ops = {
	.dev_configure = dev_configure,
	.dev_infos_get = dev_infos_get,
	.dev_start = dev_start,
	.dev_stop = dev_stop,
	.dev_close = dev_close,
	.link_update = link_update,
	.promiscuous_enable = promisc_noop,
	.promiscuous_disable = promisc_noop,
	.allmulticast_enable = promisc_noop,
	.allmulticast_disable = promisc_noop,
	.rx_queue_setup = rx_queue_setup,
	.tx_queue_setup = tx_queue_setup,
	.rx_queue_release = rx_queue_release,
	.tx_queue_release = tx_queue_release,
	.rx_queue_intr_enable = virtio_spin_rx_intr_enable,
	.rx_queue_intr_disable = virtio_spin_rx_intr_disable,
	.stats_get = virtio_spin_stats_get,
	.stats_reset = virtio_spin_stats_reset,
	.xstats_get = virtio_spin_xstats_get,
	.xstats_get_names = virtio_spin_xstats_get_names,
	.xstats_reset = virtio_spin_xstats_reset,
};

/* -- probe / remove ---------------------------------------------------- */

/* The port census changed: every sleeping lcore re-reads the rule. */
static void
virtio_spin_wake_all(void)
{
	uint16_t pid;

	for (pid = rte_eth_find_next(0); pid < RTE_MAX_ETHPORTS;
	     pid = rte_eth_find_next(pid + 1))
		if (rte_eth_devices[pid].dev_ops == &virtio_spin_ops)
			wake_rx_sleepers(&rte_eth_devices[pid]);
}

static int
dev_init(struct virtio_spin_dev *dev, const char *name)
{
	unsigned int i;
	int fd;

	for (i = 0; i < 2u * dev->max_qp; i++) {
		dev->kickfd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		dev->callfd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (dev->kickfd[i] < 0 || dev->callfd[i] < 0) {
			PMD_LOG(ERR, "%s: eventfd: %s", name, strerror(errno));
			return -1;
		}
	}
	dev->eth_dev->intr_handle =
		rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	dev->sock_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	dev->listen_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (dev->eth_dev->intr_handle == NULL || dev->sock_intr == NULL ||
	    dev->listen_intr == NULL ||
	    rte_intr_type_set(dev->sock_intr, RTE_INTR_HANDLE_EXT) ||
	    rte_intr_type_set(dev->listen_intr, RTE_INTR_HANDLE_EXT) ||
	    rte_intr_type_set(dev->eth_dev->intr_handle, RTE_INTR_HANDLE_VDEV))
		return -1;
	/* Before any connection: a new table whenever the memory changes. */
	if (virtio_spin_mem_events_register(dev) < 0)
		return -1;
	if (dev->server)
		return listen_socket(dev);
	/* Client: the backend must be there now; later it may come and go. */
	fd = connect_socket(dev, false);
	if (fd < 0)
		return -1;
	virtio_spin_ctl_lock(dev);
	i = attach(dev, fd);
	virtio_spin_ctl_unlock(dev);
	if ((int)i < 0) {
		PMD_LOG(ERR, "%s: vhost-user negotiation with %s failed", name,
			dev->path);
		return -1;
	}
	return 0;
}

static int
virtio_spin_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *eth_dev;
	struct virtio_spin_dev *dev;
	unsigned int i;
	int r;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		PMD_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	eth_dev = rte_eth_vdev_allocate(vdev, sizeof(*dev));
	if (eth_dev == NULL)
		return -ENOMEM;
	dev = eth_dev->data->dev_private;
	dev->eth_dev = eth_dev;
	dev->vu.fd = -1;
	dev->vu.path = dev->path;
	dev->vu.reply_timeout_ms = VIRTIO_SPIN_REPLY_TIMEOUT_MS;
	dev->listen_fd = -1;
	/* Before anything can fail: dev_close() closes every fd >= 0. */
	for (i = 0; i < 2u * VIRTIO_SPIN_MAX_QUEUES; i++)
		dev->kickfd[i] = dev->callfd[i] = -1;
	dev->max_qp = 1;
	dev->queue_size = VIRTIO_SPIN_DEFAULT_QUEUE_SIZE;
	vspin_policy_conf_default(&dev->pconf);
	rte_eth_random_addr(dev->mac.addr_bytes);
	pthread_mutex_init(&dev->lock, NULL);
	eth_dev->dev_ops = &virtio_spin_ops;
	eth_dev->data->mac_addrs = &dev->mac;
	eth_dev->rx_pkt_burst = virtio_spin_recv;
	eth_dev->tx_pkt_burst = virtio_spin_xmit;
	eth_dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;

	r = parse_devargs(dev, name, rte_vdev_device_args(vdev));
	/* sleep=auto needs to know every port of the process. */
	if (r == 0 && vspin_census_track(&virtio_spin_ops,
					 virtio_spin_wake_all) != 0)
		PMD_LOG(WARNING, "%s: cannot follow the ports: sleep=auto "
			"will not block", name);
	if (r == 0) {
		dev->spin = dev->pconf.mode != VSPIN_MODE_POLL;
		dev->tsc_hz = rte_get_tsc_hz();
		if (dev_init(dev, name) < 0)
			r = -EIO;
	}
	if (r != 0) {
		dev_close(eth_dev);
		rte_eth_dev_release_port(eth_dev);
		return r;
	}
	set_link(dev, false);
	PMD_LOG(INFO, "%s: %s on %s, %u queue pairs, ring %u, spin_mode %s",
		name, dev->server ? "server" : "client", dev->path, dev->max_qp,
		dev->queue_size, vspin_mode_name(dev->pconf.mode));
	rte_eth_dev_probing_finish(eth_dev);
	return 0;
}

static int
virtio_spin_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *eth_dev =
		rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (eth_dev == NULL)
		return 0;
	dev_close(eth_dev);
	return rte_eth_dev_release_port(eth_dev);
}

static struct rte_vdev_driver virtio_spin_vdev = {
	.probe = virtio_spin_probe,
	.remove = virtio_spin_remove,
};

RTE_PMD_REGISTER_VDEV(net_virtio_spin, virtio_spin_vdev);
RTE_PMD_REGISTER_PARAM_STRING(
	net_virtio_spin, ARG_PATH
	"=<path> " ARG_SERVER "=<0|1> " ARG_QUEUES "=<int> " ARG_QUEUE_SIZE
	"=<int> " ARG_MAC "=<mac addr> " ARG_SPIN_MODE
	"=poll|notify|budget[:N]|spin[:US]|adaptive " ARG_SPIN_US
	"=<us> " ARG_SLEEP_MAX_US "=<us> " ARG_SLEEP "=auto|always|never "
	ARG_REPLY_TIMEOUT_MS "=<ms> " ARG_LATENCY_US "=<us>");
