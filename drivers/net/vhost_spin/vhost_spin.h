/* SPDX-License-Identifier: BSD-3-Clause
 * net_vhost_spin: the host side of virtio-spin, a vhost-user backend PMD on
 * DPDK's vhost library. Private to the PMD.
 *
 * Threads: one lcore polls each queue (rx/tx burst); the vhost-user thread
 * of the library runs the device callbacks; the application's control
 * thread configures, starts and stops the port. A gate per queue keeps the
 * lcore off a ring the vhost-user thread is tearing down.
 */
#ifndef VHOST_SPIN_H
#define VHOST_SPIN_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/un.h>

#include <ethdev_driver.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_vhost.h>

#include "vhost_spin_lookahead.h"
#include "vspin_fd_guard.h"
#include "vspin_policy.h"
#include "vspin_sleep_rule.h"
#include "vspin_sleeper.h"
#include "vspin_stats.h"

extern int vhost_spin_logtype;
#define VHOST_SPIN_LOG(level, fmt, ...)                                        \
	rte_log(RTE_LOG_##level, vhost_spin_logtype, "%s(): " fmt "\n",        \
		__func__, ##__VA_ARGS__)

/* Packets per call into the library (its own dequeue limit). */
#define VHOST_SPIN_CHUNK 32
/* Longest socket path a sockaddr_un holds, without its NUL. */
#define VHOST_SPIN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* Devargs, validated. */
struct vhost_spin_args {
	char iface[VHOST_SPIN_PATH_MAX + 1];
	uint16_t queues;
	bool client;
	enum vspin_sleep_rule sleep; /* when rx_burst may block */
	struct vspin_policy_conf policy;
};

/*
 * Keeps the polling lcore off a ring the vhost-user thread tears down.
 * Dekker again: the lcore stores busy then loads allow; the control side
 * stores allow then loads busy; both seq_cst, so one sees the other.
 * busy is the polling lcore's alone (its bursts: one thread a queue, as
 * DPDK requires). Calls that may come from another thread, or from the
 * lcore between bursts (rx_queue_count, get_monitor_addr, which DPDK's
 * power management makes on the control thread when it is enabled, rx
 * interrupt control) count themselves in side instead, so that none of
 * them leaving lets the control side past another. The control side
 * waits for both to be 0 only where the library holds no queue lock
 * (destroy_device, dev_stop): vring_state_changed runs with every
 * access_lock held, and an lcore inside rte_vhost_enqueue_burst() waits
 * for that lock.
 */
struct vhost_spin_gate {
	uint32_t allow; /* written by the control side */
	uint32_t busy;	/* the polling lcore is inside */
	uint32_t side;	/* how many other calls are inside */
	uint32_t gen;	/* closings: what was seen inside may have moved */
};

/*
 * The entry, one Dekker for both kinds of caller: side false for the
 * polling lcore in its bursts (a plain flag: nothing locked to leave),
 * true for any other call, on any thread (counted). The compiler folds
 * the constant.
 */
static inline void
vhost_spin_gate_out(struct vhost_spin_gate *g, bool side)
{
	if (side)
		__atomic_fetch_sub(&g->side, 1, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&g->busy, 0, __ATOMIC_RELEASE);
}

static inline bool
vhost_spin_gate_in(struct vhost_spin_gate *g, bool side)
{
	if (!__atomic_load_n(&g->allow, __ATOMIC_ACQUIRE))
		return false;
	if (side)
		__atomic_fetch_add(&g->side, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_store_n(&g->busy, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&g->allow, __ATOMIC_SEQ_CST))
		return true;
	vhost_spin_gate_out(g, side);
	return false;
}

/* The polling lcore, in its bursts. */
static inline bool
vhost_spin_gate_enter(struct vhost_spin_gate *g)
{
	return vhost_spin_gate_in(g, false);
}

static inline void
vhost_spin_gate_leave(struct vhost_spin_gate *g)
{
	vhost_spin_gate_out(g, false);
}

/* Any other caller, on any thread. */
static inline bool
vhost_spin_gate_enter_side(struct vhost_spin_gate *g)
{
	return vhost_spin_gate_in(g, true);
}

static inline void
vhost_spin_gate_leave_side(struct vhost_spin_gate *g)
{
	vhost_spin_gate_out(g, true);
}

/* Control side: close (the caller then waits for both counts if it must). */
static inline void
vhost_spin_gate_close(struct vhost_spin_gate *g)
{
	__atomic_fetch_add(&g->gen, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&g->allow, 0, __ATOMIC_SEQ_CST);
}

struct vhost_spin_port;

/* A queue's own counters (besides the lookahead's and lib/vspin's). */
struct vhost_spin_qcounts {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t publishes; /* bursts that returned buffers to the guest */
	/*
	 * tx: other queues' bursts on this queue's vring (they send there
	 * when the guest left theirs disabled), added atomically: the
	 * guest's notifications are counted per vring, by the library.
	 */
	uint64_t publishes_in;
	uint64_t errors; /* tx: packets dropped (no room for a VLAN tag) */
};

/*
 * What a user's reset took of a queue's counters, which it leaves alone
 * (vspin_stats.h says why): the counters report since then.
 */
struct vhost_spin_qbase {
	struct vhost_spin_qcounts cnt;
	uint64_t lookahead_bursts;
	struct vspin_stats vstats;
};

/* A user's reset of the basic counters ("clear port stats"). */
static inline void
vhost_spin_basic_reset(const struct vhost_spin_qcounts *cnt,
		       struct vhost_spin_qbase *base)
{
	vspin_count_reset(&cnt->pkts, &base->cnt.pkts);
	vspin_count_reset(&cnt->bytes, &base->cnt.bytes);
	vspin_count_reset(&cnt->errors, &base->cnt.errors);
}

/*
 * Entries the guest has made available and we have not taken. DPDK
 * 22.11's rte_vhost_rx_queue_count() subtracts the two 16-bit indexes as
 * ints, so across the index's wrap it returns about 4e9: the difference
 * is modulo 2^16.
 */
static inline uint16_t
vhost_spin_avail_pending(int vid, uint16_t vring)
{
	return (uint16_t)rte_vhost_rx_queue_count(vid, vring);
}

/*
 * get_monitor_addr's own mapping of the page holding the guest's avail
 * index (vhost_spin_monitor.c), its caller's (the polling lcore's): made
 * inside the gates, unmapped only by that caller or at queue release.
 */
struct vhost_spin_monitor {
	volatile uint16_t *idx; /* the avail index, through map */
	void *map;
	size_t map_len;
	uint32_t gen; /* the gates' closings when it was made */
	bool made;    /* for gen (idx NULL: it failed) */
};

/* Host receive: the guest's transmit ring. */
struct vhost_spin_rxq {
	struct vhost_spin_gate gate;
	int vid;	/* set while the gate is closed */
	uint16_t vring; /* virtqueue index in the device (2 * qid + 1) */
	uint16_t qid;
	uint16_t port_id;
	bool spin;	    /* the policy may arm and sleep (mode != poll) */
	bool vlan_strip;    /* RTE_ETH_RX_OFFLOAD_VLAN_STRIP (vspin_vlan.h) */
	bool armed;	    /* avail_event asks the guest to kick */
	bool quiet_pending; /* a new ring: tell the library to stay quiet */
	/*
	 * Around our stores to avail_event: the ring addresses the library
	 * hands out without a lock (rte_vhost_get_vhost_vring()) stay valid
	 * while the lcore is inside. A message that remaps guest memory or
	 * moves a ring (SET_MEM_TABLE, SET_VRING_ADDR) closes it and waits,
	 * in a hook of ours, before the library handles it; the lcore skips
	 * the stores meanwhile (the library's own calls lock the vring).
	 */
	struct vhost_spin_gate hold;
	uint16_t quiet_mark; /* last_avail when avail_event was last moved */
	struct rte_mempool *mb_pool;
	struct vhost_spin_lookahead ahead; /* prefetches the next packets */
	struct vhost_spin_lookahead_clock ahead_clock; /* times its loop */
	struct vhost_spin_monitor mon; /* get_monitor_addr's mapping */
	struct vhost_spin_port *port;

	/* Counters, plain increments by the polling lcore. */
	struct vhost_spin_qcounts cnt;
	struct vspin_stats vstats;
	struct vspin_policy policy;
	struct vspin_sleeper sleeper;
	/* The thread's traffic at the last poll (vspin_thread_sent_own()). */
	struct vspin_thread_traffic traffic_mark;

	/*
	 * Kick fd. kick_lib holds the library's (it closes it on
	 * reconnection): the control side uses it with the gate closed, rx
	 * interrupts take it through the guard (vspin_fd_guard.h). The lcore
	 * sleeps on its own dup, handed to the sleeper when a ring comes up
	 * (vspin_sleeper_give_fd): no fd the lcore may block on is ever
	 * closed by another thread.
	 */
	struct vspin_fd_guard kick_lib;

	/* Rx interrupts: the proxy epoll fd in the port's intr handle. */
	int intr_epfd;
	int intr_fd; /* kick fd registered in intr_epfd, or -1 */

	struct vhost_spin_qbase base; /* control plane only */
};

/* Host transmit: the guest's receive ring. */
struct vhost_spin_txq {
	struct vhost_spin_gate gate;
	int vid;
	uint16_t vring; /* 2 * qid */
	/*
	 * The vring the burst enqueues on: vring, or one the guest enabled
	 * when it left vring disabled (vhost_spin_vhost.c, tx_target()).
	 * Written by the control side, read once per burst.
	 */
	uint16_t target;
	uint16_t qid;
	uint16_t quiet_mark; /* as in the rxq: we consume its avail ring */
	/*
	 * The vring whose guest kicks the burst last turned off; none (-1)
	 * when the gate opens. The library applies no notification state to
	 * a vring that appears after new_device (QEMU sets queue pairs up one
	 * by one): a guest without EVENT_IDX would kick at every refill of
	 * that receive ring, a VM exit each, and nothing here waits for them.
	 */
	int32_t quieted;
	struct vhost_spin_gate hold; /* as in the rxq */
	bool vlan_insert; /* RTE_ETH_TX_OFFLOAD_VLAN_INSERT (vspin_vlan.h) */
	struct vhost_spin_lookahead ahead;
	struct vhost_spin_port *port;

	struct vhost_spin_qcounts cnt;
	struct vspin_stats vstats;
	struct vhost_spin_qbase base; /* control plane only */
};

/*
 * Queue pairs a port may have: the vhost library's own limit
 * (VHOST_MAX_QUEUE_PAIRS in DPDK 22.11, not in its public headers). A
 * queue beyond it would never get a vring of its own.
 */
#define VHOST_SPIN_MAX_QUEUES 128

/* dev_private of the ethdev. */
struct vhost_spin_port {
	struct vhost_spin_args args;
	/* args.iface spelt one way (vspin_socket_file()), "" if unknown */
	char iface_file[PATH_MAX];
	struct rte_eth_dev *dev;
	TAILQ_ENTRY(vhost_spin_port) next;
	pthread_mutex_t lock; /* control state below, not the data path */
	bool registered;      /* rte_vhost_driver_register done */
	bool attached;	      /* between new_device and destroy_device */
	bool started;	      /* between dev_start and dev_stop */
	/*
	 * The library handles a memory table or new ring addresses (between
	 * the hooks around it; vhost_spin_vhost.c): a gate opened meanwhile
	 * leaves the holds and lookahead to the hook after it.
	 */
	bool in_message;
	/*
	 * The library handles a new call or kick fd (between the hooks): a
	 * vring it drops meanwhile comes back before the message ends.
	 */
	bool fd_message;
	int conn_vid; /* the one connection the port serves, or -1 */
	int vid;
	/*
	 * Statistics readers inside a library call with vid (xstats):
	 * destroy_device waits for them before the library frees or resets
	 * the device (vhost_spin_xstats.c).
	 */
	uint32_t lib_readers;
	/*
	 * The library's vring statistics start from zero at the next
	 * new_device (a new connection, or RESET_OWNER): our publish counts
	 * restart with them.
	 */
	bool lib_counts_zeroed;
	/*
	 * The application reset the statistics while no frontend was
	 * attached: the library's, which its rings keep while stopped on the
	 * same connection, are reset at the next new_device.
	 */
	bool lib_reset_pending;
	uint64_t features;
	/* Which vrings the frontend enabled, by virtqueue index. */
	bool vring_ready[2 * VHOST_SPIN_MAX_QUEUES];
	/* Guest transmit queues no rx queue polls, when last logged. */
	unsigned int unpolled_logged;
};

/* vhost_spin_devargs.c */
int vhost_spin_parse_args(const char *name, const char *args,
			  struct vhost_spin_args *out);

/* vhost_spin_vhost.c: the library's side. */
int vhost_spin_vhost_start(struct vhost_spin_port *p);
void vhost_spin_vhost_stop(struct vhost_spin_port *p);
/* Open or close every queue's gate from the port state; p->lock held. */
void vhost_spin_update_gates(struct vhost_spin_port *p);
/*
 * Wait until no lcore is inside a closed queue. Never with p->lock or a
 * library lock held.
 */
void vhost_spin_drain_gates(struct vhost_spin_port *p);
/* vhost_spin_mem_table.c: ERR for a table the library could not map. */
enum rte_vhost_msg_result
vhost_spin_check_mem_table(const struct vhost_spin_port *p, void *msg);

/* vhost_spin_rxtx.c */
uint16_t vhost_spin_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb);
uint16_t vhost_spin_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb);
void vhost_spin_rxq_init_policy(struct vhost_spin_rxq *q,
				const struct vspin_policy_conf *conf);
/* Drop the lcore's sleep state of q; q is not being polled. */
void vhost_spin_rxq_quiesce(struct vhost_spin_rxq *q);
/* Arm for the k-th next entry, fence, recheck; true if k are there. */
bool vhost_spin_rxq_arm(struct vhost_spin_rxq *q, uint16_t k);
/* Quiet the guest's kicks again. */
void vhost_spin_rxq_disarm(struct vhost_spin_rxq *q);

/* vhost_spin_monitor.c: rte_eth_get_monitor_addr(); the release. */
int vhost_spin_get_monitor_addr(void *rxq, struct rte_power_monitor_cond *pmc);
void vhost_spin_monitor_release(struct vhost_spin_monitor *m);

/* vhost_spin_intr.c: the standard rx-interrupt API. */
int vhost_spin_intr_install(struct rte_eth_dev *dev);
void vhost_spin_intr_uninstall(struct rte_eth_dev *dev);
/* The queue's epoll fd (a queue released while the port keeps others). */
void vhost_spin_intr_queue_free(struct vhost_spin_rxq *q);
void vhost_spin_intr_attach(struct vhost_spin_rxq *q, int kickfd);
void vhost_spin_intr_wake(struct vhost_spin_rxq *q);
void vhost_spin_intr_detach(struct vhost_spin_rxq *q);
int vhost_spin_rx_intr_enable(struct rte_eth_dev *dev, uint16_t qid);
int vhost_spin_rx_intr_disable(struct rte_eth_dev *dev, uint16_t qid);

/* vhost_spin_xstats.c */
int vhost_spin_xstats_get_names(struct rte_eth_dev *dev,
				struct rte_eth_xstat_name *names,
				unsigned int size);
int vhost_spin_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
			  unsigned int n);
int vhost_spin_xstats_reset(struct rte_eth_dev *dev);
void vhost_spin_xstats_attached(struct vhost_spin_port *p, int vid);

#endif /* VHOST_SPIN_H */
