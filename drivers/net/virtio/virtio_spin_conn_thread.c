/* SPDX-License-Identifier: BSD-3-Clause
 * net_virtio_spin: the port's connection thread. It does the work that
 * waits for the backend after the first connection: connecting again
 * (client mode), negotiating with a connection EAL's interrupt thread
 * accepted (server mode), dropping a connection whose backend left.
 *
 * Why a thread of its own: a handshake waits for each reply up to
 * reply_timeout_ms (30 s by default). In EAL's interrupt thread that wait
 * held back every other port's interrupts and alarms, among them other
 * ports' reconnections and link events. The interrupt thread now only
 * hands work over here (under conn_lock, never waiting for dev->lock).
 *
 * The application's stop and close do not wait for a handshake under way
 * either: they cut it short (shutdown() of its socket: the wait for the
 * reply ends at once) and the port connects again later. Buffers handed
 * over in a cut handshake stay with the backend, which has not seen the
 * connection end yet: see virtio_spin_conn_release().
 *
 * Lock order: dev->lock, then conn_lock. The thread holds neither while it
 * waits for work, and takes dev->lock only after publishing the socket it
 * negotiates on, so a cut always finds it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "virtio_spin.h"
#include "vspin_clock.h"

/*
 * The wait before the next negotiation: 200 ms, doubled for each failed
 * negotiation in a row, up to a second (client mode: the next connection
 * attempt; server mode: the next connection accepted). A backend in
 * client mode (rte_vhost's, OVS's dpdkvhostuserclient) connects again the
 * moment we close: where a failure lasts (a memory table vhost-user
 * cannot carry, a backend without VERSION_1) the two cycled hundreds to
 * thousands of connections a second, each in the backend's log. A client
 * refused by a backend serving another frontend retried five times a
 * second, each logged on both sides.
 */
#define RECONNECT_NS (UINT64_C(200) * 1000 * 1000)
#define RETRY_MAX_NS (UINT64_C(1000) * 1000 * 1000)
#define RETRY_DOUBLINGS 3u

/* conn_lock held: the wait after conn_fails failures in a row. */
static uint64_t
retry_wait_ns(const struct virtio_spin_dev *dev)
{
	uint32_t n = dev->conn_fails > 0 ? dev->conn_fails - 1 : 0;
	uint64_t wait = RECONNECT_NS << RTE_MIN(n, RETRY_DOUBLINGS);

	return RTE_MIN(wait, RETRY_MAX_NS);
}
/*
 * How long a memory event waits for a negotiation under way: a backend
 * that answers takes milliseconds. Past that, the event goes on and the
 * thread sends the table again after the negotiation.
 */
#define MEM_EVENT_WAIT_NS (UINT64_C(100) * 1000 * 1000)

/* conn_lock held: wait for work, until `at` (ns) if not 0. */
static void
wait_for_work(struct virtio_spin_dev *dev, uint64_t at)
{
	struct timespec ts;

	if (at == 0) {
		pthread_cond_wait(&dev->conn_cond, &dev->conn_lock);
		return;
	}
	ts.tv_sec = (time_t)(at / 1000000000u);
	ts.tv_nsec = (long)(at % 1000000000u);
	pthread_cond_timedwait(&dev->conn_cond, &dev->conn_lock, &ts);
}

static void *
conn_thread_main(void *arg)
{
	struct virtio_spin_dev *dev = arg;
	int fd;

	pthread_mutex_lock(&dev->conn_lock);
	while (!dev->conn_stop) {
		fd = dev->accepted_fd;
		if (dev->gone_pending) {
			dev->gone_pending = false;
			pthread_mutex_unlock(&dev->conn_lock);
			virtio_spin_drop_gone(dev);
		} else if (fd >= 0 && vspin_mono_ns() < dev->accept_at) {
			wait_for_work(dev, dev->accept_at);
			continue;
		} else if (fd >= 0) {
			dev->accepted_fd = -1;
			pthread_mutex_unlock(&dev->conn_lock);
			virtio_spin_take_connection(dev, fd);
		} else if (dev->reconnect_at != 0 &&
			   vspin_mono_ns() >= dev->reconnect_at) {
			dev->reconnect_at = 0;
			pthread_mutex_unlock(&dev->conn_lock);
			virtio_spin_reconnect(dev);
		} else {
			wait_for_work(dev, dev->reconnect_at);
			continue;
		}
		pthread_mutex_lock(&dev->conn_lock);
	}
	pthread_mutex_unlock(&dev->conn_lock);
	return NULL;
}

void
virtio_spin_conn_init(struct virtio_spin_dev *dev)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&dev->conn_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&dev->conn_cond, &ca);
	pthread_condattr_destroy(&ca);
	dev->accepted_fd = dev->attaching_fd = -1;
}

int
virtio_spin_conn_thread_start(struct virtio_spin_dev *dev)
{
	char name[RTE_MAX_THREAD_NAME_LEN];
	int r;

	snprintf(name, sizeof(name), "vspin-conn%u",
		 dev->eth_dev->data->port_id);
	r = rte_ctrl_thread_create(&dev->conn_tid, name, NULL, conn_thread_main,
				   dev);
	if (r != 0) {
		PMD_LOG(ERR, "%s: cannot start the connection thread: %s",
			dev->path, strerror(r));
		return -1;
	}
	dev->conn_thread = true;
	return 0;
}

/* conn_lock held: end the handshake under way, if any, at once. */
static void
cut_locked(struct virtio_spin_dev *dev, const char *why)
{
	if (dev->attaching_fd < 0 || dev->attach_cut)
		return;
	dev->attach_cut = true;
	PMD_LOG(NOTICE, "%s: %s: the handshake under way is cut short",
		dev->path, why);
	shutdown(dev->attaching_fd, SHUT_RDWR);
}

/* conn_lock held: the negotiation is over (a memory event may go on). */
static void
negotiation_over(struct virtio_spin_dev *dev)
{
	if (!dev->negotiating)
		return;
	dev->negotiating = false;
	pthread_cond_broadcast(&dev->conn_cond);
}

void
virtio_spin_conn_thread_stop(struct virtio_spin_dev *dev)
{
	pthread_mutex_lock(&dev->conn_lock);
	/* Read unlocked by virtio_spin_mem_resend(). */
	__atomic_store_n(&dev->conn_stop, true, __ATOMIC_RELAXED);
	cut_locked(dev, "port close");
	pthread_cond_broadcast(&dev->conn_cond);
	pthread_mutex_unlock(&dev->conn_lock);
	if (dev->conn_thread)
		pthread_join(dev->conn_tid, NULL);
	dev->conn_thread = false;
	/* Accepted after the thread's last look: never attached. */
	pthread_mutex_lock(&dev->conn_lock);
	if (dev->accepted_fd >= 0)
		close(dev->accepted_fd);
	dev->accepted_fd = -1;
	pthread_mutex_unlock(&dev->conn_lock);
}

void
virtio_spin_conn_destroy(struct virtio_spin_dev *dev)
{
	pthread_cond_destroy(&dev->conn_cond);
	pthread_mutex_destroy(&dev->conn_lock);
}

void
virtio_spin_conn_cut_begin(struct virtio_spin_dev *dev)
{
	pthread_mutex_lock(&dev->conn_lock);
	dev->cutting++;
	cut_locked(dev, "port stop");
	pthread_mutex_unlock(&dev->conn_lock);
}

void
virtio_spin_conn_cut_end(struct virtio_spin_dev *dev)
{
	pthread_mutex_lock(&dev->conn_lock);
	dev->cutting--;
	pthread_cond_broadcast(&dev->conn_cond);
	pthread_mutex_unlock(&dev->conn_lock);
}

bool
virtio_spin_conn_attaching(struct virtio_spin_dev *dev, int fd)
{
	bool ok;

	pthread_mutex_lock(&dev->conn_lock);
	/* A stop under way has the next turn at dev->lock. */
	while (dev->cutting > 0 && !dev->conn_stop)
		pthread_cond_wait(&dev->conn_cond, &dev->conn_lock);
	ok = !dev->conn_stop;
	if (ok) {
		dev->attaching_fd = fd;
		dev->attach_cut = false;
		dev->mem_changed = false;
	}
	pthread_mutex_unlock(&dev->conn_lock);
	return ok;
}

bool
virtio_spin_conn_attach_done(struct virtio_spin_dev *dev, bool *mem_changed)
{
	bool cut;

	pthread_mutex_lock(&dev->conn_lock);
	cut = dev->attach_cut;
	*mem_changed = dev->mem_changed;
	dev->attaching_fd = -1;
	dev->attach_cut = false;
	dev->mem_changed = false;
	negotiation_over(dev);
	pthread_mutex_unlock(&dev->conn_lock);
	return cut;
}

void
virtio_spin_conn_negotiating(struct virtio_spin_dev *dev)
{
	pthread_mutex_lock(&dev->conn_lock);
	dev->negotiating = true;
	pthread_mutex_unlock(&dev->conn_lock);
}

bool
virtio_spin_conn_mem_event(struct virtio_spin_dev *dev)
{
	uint64_t until = vspin_mono_ns() + MEM_EVENT_WAIT_NS;
	struct timespec ts = {
		.tv_sec = (time_t)(until / 1000000000u),
		.tv_nsec = (long)(until % 1000000000u),
	};
	bool busy;

	pthread_mutex_lock(&dev->conn_lock);
	/* Once per negotiation: the next events know it is slow. */
	while (dev->negotiating && !dev->mem_changed &&
	       pthread_cond_timedwait(&dev->conn_cond, &dev->conn_lock, &ts) ==
		       0)
		;
	busy = dev->negotiating;
	if (busy)
		dev->mem_changed = true;
	pthread_mutex_unlock(&dev->conn_lock);
	return busy;
}

void
virtio_spin_conn_mem_changed(struct virtio_spin_dev *dev)
{
	pthread_mutex_lock(&dev->conn_lock);
	if (dev->attaching_fd >= 0)
		dev->mem_changed = true;
	pthread_mutex_unlock(&dev->conn_lock);
}

bool
virtio_spin_conn_release(struct virtio_spin_dev *dev, int fd)
{
	bool cut = false;

	pthread_mutex_lock(&dev->conn_lock);
	if (dev->attaching_fd == fd) {
		cut = dev->attach_cut;
		dev->attaching_fd = -1; /* no shutdown() once it is closed */
		negotiation_over(dev);
	}
	pthread_mutex_unlock(&dev->conn_lock);
	return cut;
}

void
virtio_spin_conn_hand_over(struct virtio_spin_dev *dev, int fd)
{
	pthread_mutex_lock(&dev->conn_lock);
	if (dev->conn_stop) {
		close(fd);
	} else {
		if (dev->accepted_fd >= 0) {
			PMD_LOG(NOTICE,
				"%s: a newer connection replaces one not "
				"negotiated with yet",
				dev->path);
			close(dev->accepted_fd);
		}
		dev->accepted_fd = fd;
		pthread_cond_broadcast(&dev->conn_cond);
	}
	pthread_mutex_unlock(&dev->conn_lock);
}

void
virtio_spin_conn_gone(struct virtio_spin_dev *dev)
{
	pthread_mutex_lock(&dev->conn_lock);
	dev->gone_pending = true;
	pthread_cond_broadcast(&dev->conn_cond);
	pthread_mutex_unlock(&dev->conn_lock);
}

void
virtio_spin_conn_result(struct virtio_spin_dev *dev, bool ok)
{
	pthread_mutex_lock(&dev->conn_lock);
	if (ok) {
		dev->conn_fails = 0;
		dev->accept_at = 0;
	} else {
		if (dev->conn_fails <= RETRY_DOUBLINGS)
			dev->conn_fails++;
		if (dev->server)
			dev->accept_at = vspin_mono_ns() + retry_wait_ns(dev);
	}
	pthread_mutex_unlock(&dev->conn_lock);
}

void
virtio_spin_conn_reconnect_later(struct virtio_spin_dev *dev)
{
	if (dev->server)
		return;
	pthread_mutex_lock(&dev->conn_lock);
	if (!dev->conn_stop && dev->reconnect_at == 0) {
		dev->reconnect_at = vspin_mono_ns() + retry_wait_ns(dev);
		pthread_cond_broadcast(&dev->conn_cond);
	}
	pthread_mutex_unlock(&dev->conn_lock);
}
