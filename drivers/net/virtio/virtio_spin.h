/* SPDX-License-Identifier: BSD-3-Clause
 * net_virtio_spin: private definitions shared by the PMD's files.
 *
 *   virtio_spin_ethdev.c      eth_dev_ops, probe/remove
 *   virtio_spin_devargs.c     devargs
 *   virtio_spin_connect.c     connection life cycle (client and server),
 *                             link state
 *   virtio_spin_conn_thread.c the thread that reconnects and negotiates
 *   virtio_spin_vhost_user.c  the vhost-user frontend messages
 *   virtio_spin_mem.c         the memory table, sent again on memory events
 *   virtio_rxtx_spin.c        rx/tx bursts, spin-aware receive
 *   virtio_spin_xstats.c      per-queue counters as xstats
 */
#ifndef VIRTIO_SPIN_H
#define VIRTIO_SPIN_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "vspin_policy.h"
#include "vspin_sleep_rule.h"
#include "vspin_sleeper.h"
#include "vspin_stats.h"
#include "vspin_vq_driver.h"

extern int virtio_spin_logtype;
#define PMD_LOG_AT(level, fmt, ...)                                            \
	rte_log(level, virtio_spin_logtype, "%s(): " fmt "\n", __func__,       \
		##__VA_ARGS__)
#define PMD_LOG(level, fmt, ...) PMD_LOG_AT(RTE_LOG_##level, fmt, ##__VA_ARGS__)

#define VIRTIO_SPIN_MAX_QUEUES 8 /* queue pairs */
#define VIRTIO_SPIN_DEFAULT_QUEUE_SIZE 256
/*
 * Adaptive mode's rings without queue_size=: a queue that sleeps under
 * load coalesces at most half its ring, and a 256-entry ring holds a
 * batch to 128 at any load. The tx ring is the host's to coalesce on,
 * and longer: half of 1024 entries at half of saturation was 35 us of
 * arrivals on an Intel VM, hardly more than a wake-up cost the host
 * there (bench/README-adaptive.md, "A longer tx ring"). A full deep tx
 * ring cost the host's copy at saturation, so while the host polls the
 * guest keeps at most VIRTIO_SPIN_TX_SOFT_DEPTH of it in flight
 * (vspin_vq_drv_room(); bench/README-adaptive.md, "A soft depth"). The
 * soft depth applies to a ring of the default size, which is how the
 * PMD sees an application that asked for 0 descriptors; one that asks
 * for that size itself gets it too, and may lose what the port refuses
 * (OVS asks for 2048 and drops), so the default is 4096, a size few ask
 * for.
 * The rx ring is ours to coalesce on, and 1024 posted buffers cost the
 * host's copy into them at saturation too (bench/README-guest.md, "The
 * rx ring's footprint"): while our queue spins through a load near
 * saturation (vspin_policy_busy_p()), at most VIRTIO_SPIN_RX_SOFT_DEPTH
 * are posted; otherwise, and when it arms, all of them.
 */
#define VIRTIO_SPIN_ADAPTIVE_RX_QUEUE_SIZE 1024
#define VIRTIO_SPIN_ADAPTIVE_TX_QUEUE_SIZE 4096
#define VIRTIO_SPIN_TX_SOFT_DEPTH 256
#define VIRTIO_SPIN_RX_SOFT_DEPTH 256
#define VIRTIO_SPIN_MAX_SEGS 64		   /* descriptors per tx chain */
#define VIRTIO_SPIN_REPLY_TIMEOUT_MS 30000 /* reply_timeout_ms default */
/* dev_stop(): how long the backend gets to read what tx_burst took. */
#define VIRTIO_SPIN_STOP_DRAIN_MS 100

/* virtio_net_hdr_mrg_rxbuf: with VERSION_1 num_buffers is always there. */
struct virtio_spin_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
#define VIRTIO_SPIN_HDR_SIZE sizeof(struct virtio_spin_net_hdr)

/* Counters of one queue besides the lib/vspin ones. */
struct virtio_spin_qstats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;
	uint64_t nombuf; /* rx: refills the mempool could not serve */
};

/*
 * What a user's reset took of a queue's counters, which it leaves alone
 * (vspin_stats.h says why): the counters report since then. Zeroed with
 * the counters they track when the port starts.
 */
struct virtio_spin_qbase {
	struct virtio_spin_qstats st;
	uint64_t bad_used;
	struct vspin_stats vst;
};

struct virtio_spin_rxq {
	struct vspin_vq_drv vq; /* first: the hot fields */
	struct rte_mempool *mp;
	struct virtio_spin_dev *dev;
	int callfd;
	int kickfd;
	uint16_t queue_id;
	uint16_t port_id;
	bool mrg_rxbuf;
	bool scatter;	   /* the application takes multi-segment packets */
	bool vlan_strip;   /* RTE_ETH_RX_OFFLOAD_VLAN_STRIP (vspin_vlan.h) */
	bool chain_logged; /* a dropped chain (!scatter) has been logged */
	/* A mergeable packet whose buffers have not all arrived yet. */
	struct rte_mbuf *mrg_head, *mrg_tail;
	uint16_t mrg_left;
	bool mrg_multi;	  /* the last packet had several buffers (prefetch) */
	bool broken_seen; /* vq.broken already counted and logged */
	uint16_t soft_depth; /* posted while the queue polls (0: the ring) */
	bool demote;	     /* the CPU has CLDEMOTE (cpu_demotes()) */
	bool host_behind;    /* demote, and the last burst found it empty */
	struct virtio_spin_qstats st;
	struct vspin_stats vst;
	struct vspin_policy policy;
	struct vspin_sleeper sleeper;
	/* The thread's traffic at the last poll (vspin_thread_sent_own()). */
	struct vspin_thread_traffic traffic_mark;
	const struct rte_memzone *mz;  /* ring, in memory the backend maps */
	void *priv;		       /* vspin_vq_drv private state */
	struct virtio_spin_qbase base; /* control plane only */
};

struct virtio_spin_txq {
	struct vspin_vq_drv vq;
	struct virtio_spin_net_hdr *hdrs; /* one per head, for non-pushable */
	struct virtio_spin_dev *dev;
	int kickfd;
	int callfd;
	uint16_t queue_id;
	uint16_t soft_depth; /* in flight while the host polls (0: the ring) */
	bool vlan_insert;    /* RTE_ETH_TX_OFFLOAD_VLAN_INSERT (vspin_vlan.h) */
	bool broken_seen;    /* vq.broken already counted and logged */
	bool demote;	     /* the CPU has CLDEMOTE (cpu_demotes()) */
	bool host_behind;    /* demote, and the last burst found it full */
	struct virtio_spin_qstats st;
	struct vspin_stats vst;
	const struct rte_memzone *mz; /* ring then hdrs */
	void *priv;
	struct virtio_spin_qbase base; /* control plane only */
};

/* The vhost-user connection (virtio_spin_vhost_user.c). */
struct virtio_spin_vu {
	int fd;
	const char *path; /* for messages */
	uint64_t protocol_features;
	unsigned int reply_timeout_ms; /* every wait for a reply */
	/*
	 * A reply timed out or made no sense: the stream is out of step and
	 * nothing more is sent. peer_closed: the backend closed the socket.
	 */
	bool broken;
	bool peer_closed;
};

struct virtio_spin_dev {
	struct rte_eth_dev *eth_dev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool server;
	uint16_t max_qp; /* queues= */
	/* Rings for 0 descriptors: queue_size=, else by spin_mode (probe). */
	uint16_t rx_ring_default, tx_ring_default;
	uint16_t tx_soft_depth; /* for a tx ring of the default (0: none) */
	uint16_t rx_soft_depth; /* for an rx ring of the default (0: none) */
	struct rte_ether_addr mac;
	struct vspin_policy_conf pconf;
	bool spin;			  /* spin_mode other than poll */
	enum vspin_sleep_rule sleep_rule; /* sleep=: when rx_burst may block */
	uint64_t tsc_hz;

	/* Connection state, under lock (control thread, interrupt thread). */
	pthread_mutex_t lock;
	struct virtio_spin_vu vu; /* vu.fd < 0: not connected */
	int listen_fd;
	/*
	 * Server mode, for accept() out of file descriptors: one kept to give
	 * up then (/dev/null), the connection taken with it, and whether that
	 * was said. The interrupt thread's (callbacks and alarms) once
	 * listening; dev_close() closes them.
	 */
	int spare_fd;
	int parked_fd;
	bool accept_failing;
	struct rte_intr_handle *sock_intr;
	struct rte_intr_handle *listen_intr;
	uint64_t features; /* negotiated with the first backend */
	bool features_known;
	bool started;
	bool closing; /* dev_close(): no alarm may be armed any more */
	/*
	 * Connections attached so far, and which one virtio_spin_drop_gone()
	 * is to drop: by the time the thread runs it, that one may have been
	 * reset and another attached, maybe on the same fd number.
	 */
	uint32_t conn_gen;
	uint32_t gone_gen;
	/*
	 * The connection thread (virtio_spin_conn_thread.c) and the work
	 * handed to it, under conn_lock (taken after dev->lock, if both).
	 */
	pthread_mutex_t conn_lock;
	pthread_cond_t conn_cond;
	pthread_t conn_tid;
	bool conn_thread;      /* started */
	bool conn_stop;	       /* dev_close(): the thread ends, takes no work */
	bool gone_pending;     /* drop connection gone_gen (its backend left) */
	int accepted_fd;       /* server: accepted, not negotiated with yet */
	uint64_t accept_at;    /* server: negotiate with it no sooner (ns) */
	uint32_t conn_fails;   /* negotiations failed in a row (up to 4) */
	uint64_t reconnect_at; /* client: connect again then (ns), 0: no */
	int attaching_fd;      /* the socket of the handshake under way */
	bool attach_cut;       /* ... which a stop or close shut down */
	bool negotiating;      /* ... with dev->lock held (attach) */
	bool mem_changed;      /* ... during which the memory changed */
	unsigned int cutting;  /* stops waiting for dev->lock */
	uint16_t nb_qp;	       /* configured queue pairs */
	/*
	 * Vrings 0 to vrings_out - 1 went to a backend that may still use
	 * them: it has neither stopped them (GET_VRING_BASE) nor closed its
	 * end. A stop leaves their buffers alone (a leak, not a write into
	 * freed mbufs), and their rings: the next start gives the queues
	 * new ones (move_left_rings()).
	 */
	uint16_t vrings_out;
	/*
	 * Of those, vrings 0 to vrings_left - 1 went to a backend dropped
	 * live (not confirmed gone): a later backend's answers to
	 * GET_VRING_BASE do not take them back from it. Only the next
	 * start's new rings (move_left_rings()) leave them behind.
	 */
	uint16_t vrings_left;
	/*
	 * The ring zone each vring was last handed to a backend in: of the
	 * vrings below vrings_out, only a queue whose ring is still that
	 * zone holds one the backend may use (one set up since has a zone
	 * no backend saw).
	 */
	const struct rte_memzone *ring_given[2 * VIRTIO_SPIN_MAX_QUEUES];
	volatile uint8_t link_up; /* the rings are with the backend */
	/*
	 * The last memory table could not be built (more files than
	 * vhost-user's regions): the backend cannot reach all of our memory,
	 * so the link shows down to the application.
	 */
	bool mem_unshared;
	/*
	 * The backend's table may lack memory since: a memory event during
	 * a handshake, left for the thread to send again after it.
	 */
	bool table_behind;
	/*
	 * The rings were handed over while the table was behind (or could
	 * not be built): a backend cannot reach rings outside its table, and
	 * rte_vhost never looks at a vring it failed to map again when only
	 * the table changes. The next table that goes through hands them
	 * over anew (stop, table, start) instead of pausing them.
	 */
	bool rings_behind;
	int kickfd[2 * VIRTIO_SPIN_MAX_QUEUES]; /* per vring */
	int callfd[2 * VIRTIO_SPIN_MAX_QUEUES];
	bool mem_events; /* memory event callback registered */
};

/* Vring numbering of vhost-user net: rx of pair q is 2q, tx 2q + 1. */
static inline unsigned int
virtio_spin_rx_vring(uint16_t q)
{
	return 2u * q;
}

static inline unsigned int
virtio_spin_tx_vring(uint16_t q)
{
	return 2u * q + 1;
}

/*
 * Features we ask for; MQ only with queues > 1, IN_ORDER only for rings
 * laid out once the features are known (wanted_features()).
 */
#define VIRTIO_SPIN_WANTED_FEATURES                                            \
	((1ULL << VSPIN_F_VERSION_1) | (1ULL << VSPIN_F_EVENT_IDX) |           \
	 (1ULL << VSPIN_F_MRG_RXBUF) | (1ULL << VSPIN_F_PROTOCOL_FEATURES) |   \
	 (1ULL << VSPIN_F_IN_ORDER))

/* virtio_spin_vhost_user.c: one function per message; 0 or -1. */
#define VIRTIO_SPIN_PROTOCOL_F_MQ 0
#define VIRTIO_SPIN_PROTOCOL_F_REPLY_ACK 3

int virtio_spin_vu_set_timeouts(int fd, unsigned int ms);
int virtio_spin_vu_set_owner(struct virtio_spin_vu *vu);
int virtio_spin_vu_get_features(struct virtio_spin_vu *vu, uint64_t *f);
int virtio_spin_vu_set_features(struct virtio_spin_vu *vu, uint64_t f);
int virtio_spin_vu_get_protocol_features(struct virtio_spin_vu *vu,
					 uint64_t *f);
int virtio_spin_vu_set_protocol_features(struct virtio_spin_vu *vu, uint64_t f);
int virtio_spin_vu_get_queue_num(struct virtio_spin_vu *vu, uint64_t *n);

/* A memory table: vhost-user's regions, one fd each (not owned). */
#define VIRTIO_SPIN_MAX_MEM_REGIONS 8
struct virtio_spin_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};
struct virtio_spin_mem_table {
	uint32_t nregions;
	struct virtio_spin_mem_region regions[VIRTIO_SPIN_MAX_MEM_REGIONS];
	int fds[VIRTIO_SPIN_MAX_MEM_REGIONS];
};
int virtio_spin_vu_set_mem_table(struct virtio_spin_vu *vu,
				 const struct virtio_spin_mem_table *t);
int virtio_spin_vu_set_vring_num(struct virtio_spin_vu *vu, unsigned int idx,
				 unsigned int num);
int virtio_spin_vu_set_vring_base(struct virtio_spin_vu *vu, unsigned int idx,
				  unsigned int base);
int virtio_spin_vu_get_vring_base(struct virtio_spin_vu *vu, unsigned int idx,
				  unsigned int *base);
int virtio_spin_vu_set_vring_addr(struct virtio_spin_vu *vu, unsigned int idx,
				  const struct vspin_vring *vr);
int virtio_spin_vu_set_vring_kick(struct virtio_spin_vu *vu, unsigned int idx,
				  int fd);
int virtio_spin_vu_set_vring_call(struct virtio_spin_vu *vu, unsigned int idx,
				  int fd);
int virtio_spin_vu_set_vring_enable(struct virtio_spin_vu *vu, unsigned int idx,
				    int enable);

/*
 * virtio_spin_mem.c. Lock order: EAL's memory hotplug lock, then dev->lock
 * (EAL calls the memory event callback with the first held).
 * virtio_spin_ctl_lock() takes both, for every path that may send the
 * memory table.
 */
void virtio_spin_ctl_lock(struct virtio_spin_dev *dev);
void virtio_spin_ctl_unlock(struct virtio_spin_dev *dev);
/*
 * The table of EAL's memory, without [skip, skip + len); memory lock held.
 * quiet: why it cannot be built was said already (logged at DEBUG).
 */
int virtio_spin_mem_table_build(struct virtio_spin_mem_table *t,
				const char *path, const void *skip,
				size_t skip_len, bool quiet);
/*
 * A table built before the port's lock is taken (the connection thread's
 * handshakes), its descriptors duplicated (owned). status: 0, -ENOSPC (no
 * table can carry the memory: the port's link shows down) or -EMFILE (no
 * descriptor to duplicate into). take() takes the memory lock itself
 * (quiet: why no table can be built is logged at DEBUG); a memory event
 * after it makes the thread send the table again once the handshake is
 * over (virtio_spin_conn_mem_event(), virtio_spin_mem_resend()).
 */
struct virtio_spin_mem_snapshot {
	struct virtio_spin_mem_table t;
	int status;
};
void virtio_spin_mem_snapshot_take(struct virtio_spin_dev *dev, bool quiet,
				   struct virtio_spin_mem_snapshot *s);
void virtio_spin_mem_snapshot_release(struct virtio_spin_mem_snapshot *s);
/* Send a table of the memory as it is now (no lock held). */
void virtio_spin_mem_resend(struct virtio_spin_dev *dev);
/*
 * Send snap's table (dev->lock held), or without one build and send the
 * table now (both locks held); 0 or -1.
 */
int virtio_spin_mem_send(struct virtio_spin_dev *dev,
			 const struct virtio_spin_mem_snapshot *snap);
int virtio_spin_mem_events_register(struct virtio_spin_dev *dev);
void virtio_spin_mem_events_unregister(struct virtio_spin_dev *dev);

/* virtio_spin_ethdev.c: stop / hand over the rings (dev->lock held). */
void virtio_spin_vrings_stop(struct virtio_spin_dev *dev);
int virtio_spin_vrings_start(struct virtio_spin_dev *dev);

/* virtio_spin_devargs.c: fills dev from the devargs; 0 or -EINVAL. */
int virtio_spin_parse_devargs(struct virtio_spin_dev *dev, const char *name,
			      const char *args);

/*
 * virtio_spin_connect.c: the connection to the backend and the link.
 * Called with dev->lock held unless said otherwise.
 */
void virtio_spin_publish_link(struct virtio_spin_dev *dev);
void virtio_spin_reset_connection(struct virtio_spin_dev *dev);
void virtio_spin_set_link(struct virtio_spin_dev *dev, bool up);
/* The link the application sees: rings with the backend, memory shared. */
bool virtio_spin_link_shown(const struct virtio_spin_dev *dev);

/* Vrings 0 to this - 1: some backend may still use them. */
static inline unsigned int
virtio_spin_vrings_held(const struct virtio_spin_dev *dev)
{
	return RTE_MAX(dev->vrings_out, dev->vrings_left);
}
/* Outside dev->lock: the application's callback may call back into us. */
void virtio_spin_notify_lsc(struct virtio_spin_dev *dev, bool was_shown);
/* An EAL alarm that tells the application the link changed. */
void virtio_spin_lsc_alarm(void *arg);
/* Wake every lcore that may sleep on a queue of this port. */
void virtio_spin_wake_rx_sleepers(struct rte_eth_dev *eth_dev);
bool virtio_spin_has_feature(const struct virtio_spin_dev *dev,
			     unsigned int bit);
/* Hand the started port's vrings to the backend; 0 or -1. */
int virtio_spin_setup_vrings(struct virtio_spin_dev *dev);
/* Take them back; stopped[vring] says which the backend gave back. */
void virtio_spin_stop_vrings(struct virtio_spin_dev *dev, bool *stopped);
/*
 * A connected socket: negotiate with the backend behind it, sending snap's
 * memory table (without one, the memory lock held); 0 or -1.
 */
int virtio_spin_attach(struct virtio_spin_dev *dev, int fd,
		       const struct virtio_spin_mem_snapshot *snap);
/* Connect to path (client mode); the fd or -1 (quiet: no error log). */
int virtio_spin_connect_socket(struct virtio_spin_dev *dev, bool quiet);
/* Listen on path (server mode); 0 or -1. */
int virtio_spin_listen_socket(struct virtio_spin_dev *dev);
/* Interrupt and alarm callbacks (dev_close unregisters and cancels). */
void virtio_spin_sock_event(void *arg);
void virtio_spin_listen_event(void *arg);
void virtio_spin_park_alarm(void *arg);
/* The connection thread's work (no lock held). */
void virtio_spin_drop_gone(struct virtio_spin_dev *dev);
void virtio_spin_take_connection(struct virtio_spin_dev *dev, int fd);
void virtio_spin_reconnect(struct virtio_spin_dev *dev);
/*
 * Unregister cb from h, waiting for a run in progress: never from inside
 * cb. No application callback runs inside ours (link events come from an
 * alarm), so one that closes the port is not inside cb either.
 */
void virtio_spin_unwatch(struct rte_intr_handle *h, rte_intr_callback_fn cb,
			 void *arg);

/*
 * virtio_spin_conn_thread.c: the port's connection thread, and the work
 * handed to it. conn_init() before anything can fail in the probe,
 * conn_destroy() last in dev_close().
 */
void virtio_spin_conn_init(struct virtio_spin_dev *dev);
void virtio_spin_conn_destroy(struct virtio_spin_dev *dev);
int virtio_spin_conn_thread_start(struct virtio_spin_dev *dev);
/* Cut a handshake under way short, end the thread and wait for it. */
void virtio_spin_conn_thread_stop(struct virtio_spin_dev *dev);
/*
 * dev_stop(): cut_begin() before it takes dev->lock (a handshake under way
 * is cut short, none starts), cut_end() once it holds it.
 */
void virtio_spin_conn_cut_begin(struct virtio_spin_dev *dev);
void virtio_spin_conn_cut_end(struct virtio_spin_dev *dev);
/*
 * The thread, before it takes dev->lock to negotiate on fd: false if the
 * port is closing (fd is not to be used). attach_done(), dev->lock held,
 * after the handshake: true if a stop or close cut it short; *mem_changed:
 * a memory event came meanwhile and was left to the thread.
 */
bool virtio_spin_conn_attaching(struct virtio_spin_dev *dev, int fd);
bool virtio_spin_conn_attach_done(struct virtio_spin_dev *dev,
				  bool *mem_changed);
/* The thread, dev->lock held: the negotiation on the published fd starts. */
void virtio_spin_conn_negotiating(struct virtio_spin_dev *dev);
/*
 * EAL's memory event callback, its memory lock held for writing: waits up
 * to 100 ms for a negotiation under way in the thread, then true if it is
 * still under way: the thread sends the table again once it is over, and
 * the event need not wait for it.
 */
bool virtio_spin_conn_mem_event(struct virtio_spin_dev *dev);
/*
 * The same callback, dev->lock held (no negotiation under way): a socket
 * published may have its snapshot from before the event, so the thread
 * sends the table again after its handshake.
 */
void virtio_spin_conn_mem_changed(struct virtio_spin_dev *dev);
/*
 * Before fd, a connection's socket, is closed (dev->lock held): no cut
 * may shut it down any more. True if it was the handshake's under way
 * and a cut shut it down: then its reading as closed does not mean the
 * backend has let go of the rings.
 */
bool virtio_spin_conn_release(struct virtio_spin_dev *dev, int fd);
/* EAL's interrupt thread: an accepted connection (fd is the thread's). */
void virtio_spin_conn_hand_over(struct virtio_spin_dev *dev, int fd);
/* The attached backend left (gone_gen set, dev->lock held). */
void virtio_spin_conn_gone(struct virtio_spin_dev *dev);
/*
 * Client mode: connect again in a while, longer after failed
 * negotiations (either lock held, or none).
 */
void virtio_spin_conn_reconnect_later(struct virtio_spin_dev *dev);
/*
 * A negotiation succeeded or failed, or (server mode) a connection was
 * refused (dev->lock held): after a failure the next negotiation waits,
 * longer for each in a row.
 */
void virtio_spin_conn_result(struct virtio_spin_dev *dev, bool ok);

/* virtio_rxtx_spin.c */
uint16_t virtio_spin_recv(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_spin_xmit(void *txq, struct rte_mbuf **pkts, uint16_t n);
int virtio_spin_tx_done_cleanup(void *txq, uint32_t free_cnt);
uint32_t virtio_spin_rx_queue_count(void *rxq);
int virtio_spin_get_monitor_addr(void *rxq, struct rte_power_monitor_cond *pmc);
/* Fill the rx ring with fresh mbufs (start); 0 or -ENOMEM. */
int virtio_spin_rxq_fill(struct virtio_spin_rxq *rxq);
/* Free every mbuf still in a ring (stop). */
void virtio_spin_rxq_flush(struct virtio_spin_rxq *rxq);
void virtio_spin_rxq_drop_partial(struct virtio_spin_rxq *rxq);
void virtio_spin_txq_flush(struct virtio_spin_txq *txq);
/*
 * Stopping: what tx_burst published that the backend has not read (0 on
 * a broken queue), and a kick for it (a backend asleep wakes to read).
 */
unsigned int virtio_spin_txq_unread(const struct virtio_spin_txq *txq);
void virtio_spin_txq_kick_unread(struct virtio_spin_txq *txq);
/* How the sleep path arms and disarms an rx queue's used ring. */
extern const struct vspin_sleeper_ops virtio_spin_rx_sleeper_ops;
/* rx interrupts: arm with recheck / disarm. */
int virtio_spin_rx_intr_enable(struct rte_eth_dev *dev, uint16_t qid);
int virtio_spin_rx_intr_disable(struct rte_eth_dev *dev, uint16_t qid);

/* virtio_spin_xstats.c */
int virtio_spin_xstats_get_names(struct rte_eth_dev *dev,
				 struct rte_eth_xstat_name *names,
				 unsigned int size);
int virtio_spin_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
			   unsigned int n);
int virtio_spin_xstats_reset(struct rte_eth_dev *dev);
int virtio_spin_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats);
int virtio_spin_stats_reset(struct rte_eth_dev *dev);

#endif /* VIRTIO_SPIN_H */
