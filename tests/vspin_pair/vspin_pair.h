/* SPDX-License-Identifier: BSD-3-Clause
 * Two processes sharing one split ring, without DPDK: the engine of the
 * two-process test (tests/twoproc) and of the ring benchmark (bench/).
 *
 * The parent is the virtio driver (it produces buffers on the avail ring
 * and kicks), the forked child is the device (the vhost host reading avail,
 * running the spin policy and sleeping on the kick eventfd). Ring, packet
 * buffers and results live in one memfd mapped MAP_SHARED before the fork.
 * Every packet carries its sequence number and a pattern derived from it;
 * the child checks each one (exactly once, in order, intact) and counts
 * lost wake-ups (vspin_pair_sleep.c says how they are detected).
 */
#ifndef VSPIN_PAIR_H
#define VSPIN_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vspin_policy.h"
#include "vspin_stats.h"

/* Idle time the producer inserts after a burst. */
enum vspin_pair_gap {
	VSPIN_PAIR_GAP_NONE,
	VSPIN_PAIR_GAP_FIXED,	/* gap_min_ns */
	VSPIN_PAIR_GAP_UNIFORM, /* uniform in [gap_min_ns, gap_max_ns] */
	VSPIN_PAIR_GAP_EXP,	/* exponential, mean gap_min_ns */
};

struct vspin_pair_conf {
	uint32_t ring_size; /* descriptors, a power of two */
	uint64_t packets;   /* to send */
	uint32_t burst;	    /* packets per publish (one kick decision) */
	bool burst_random;  /* burst uniform in 1..burst instead of fixed */
	enum vspin_pair_gap gap;
	uint32_t gap_pct;    /* percentage of bursts followed by a gap */
	uint64_t gap_min_ns; /* see enum vspin_pair_gap */
	uint64_t gap_max_ns;
	uint32_t prod_cost_ns;		 /* busy work per packet, producer */
	uint32_t cons_cost_ns;		 /* busy work per packet, consumer */
	uint32_t pkt_max;		 /* largest packet in bytes (>= 16) */
	struct vspin_policy_conf policy; /* the device's, avail direction */
	bool event_idx;			 /* VIRTIO_RING_F_EVENT_IDX */
	/*
	 * How the producer waits for room when the ring is full: poll mode
	 * spins; any other mode arms used_event and sleeps on the call
	 * eventfd, which tests the handshake in the used direction too.
	 */
	struct vspin_policy_conf prod_policy;
	int prod_cpu, cons_cpu; /* sched_setaffinity targets; -1: none */
	uint64_t seed;
	uint32_t timeout_s; /* whole run; past it the run fails */
};

/* What one run produced. Times in ns. */
struct vspin_pair_result {
	uint64_t sent;	   /* packets the producer published */
	uint64_t received; /* packets the consumer took */
	uint64_t returned; /* packets the producer got back, in order */
	uint64_t bursts;   /* producer publishes */
	uint64_t errors;   /* bad packets, both sides */
	char first_error[160];
	struct vspin_stats cons;    /* device: avail policy, calls sent */
	struct vspin_stats prod;    /* driver: kicks sent, used policy */
	uint64_t lost_wakeups;	    /* consumer, avail direction */
	uint64_t lost_wakeups_call; /* producer, used direction */
	int64_t lost_first_age_ns;  /* publish of the lost work -> sleep */
	uint64_t late_wakeups;	    /* consumer timeouts, kick still coming */
	uint64_t cons_bad_avail, prod_bad_used;
	uint64_t wall_ns; /* producer start -> last packet checked */
	uint64_t cons_cpu_ns, prod_cpu_ns;
	/* Times each side was preempted (another task took its CPU). */
	uint64_t cons_preempted, prod_preempted;
	uint64_t sleep_cost_ns; /* adaptive: B the policy used */
	uint64_t tsc_hz;
	bool timed_out;
	bool child_failed; /* the consumer exited abnormally */
};

/* Defaults: ring 256, 1M packets, bursts 1..32, no gap, no cost, poll. */
void vspin_pair_conf_default(struct vspin_pair_conf *c);

/*
 * Set one option from its name (without "--") and value; the names are
 * listed in VSPIN_PAIR_OPTIONS_HELP. Returns 0, 1 if the name is not a
 * harness option, -1 with a message in err if the value is bad.
 */
int vspin_pair_set_option(struct vspin_pair_conf *c, const char *name,
			  const char *val, char *err, size_t errlen);

#define VSPIN_PAIR_OPTIONS_HELP                                                \
	"  --ring N             ring size, power of two (256)\n"               \
	"  --packets N          packets to send\n"                             \
	"  --burst N|rand:N     packets per publish, fixed or 1..N "           \
	"(rand:32)\n"                                                          \
	"  --gap none|fixed:NS|uniform:MIN-MAX|exp:MEAN  idle after a burst\n" \
	"  --gap-pct P          percent of bursts followed by a gap (100)\n"   \
	"  --prod-ns NS         busy work per packet in the producer (0)\n"    \
	"  --cons-ns NS         busy work per packet in the consumer (0)\n"    \
	"  --pkt-max B          largest packet, bytes (64)\n"                  \
	"  --mode MODE          consumer policy: poll, notify, budget[:N],\n"  \
	"                       spin[:US], adaptive (poll)\n"                  \
	"  --sleep-max-us US    bound on one sleep (10000)\n"                  \
	"  --event-idx on|off   negotiate EVENT_IDX (on)\n"                    \
	"  --prod-wait MODE     producer on a full ring: poll spins, others\n" \
	"                       sleep on the call eventfd (poll)\n"            \
	"  --cpus P,C|none      pin producer and consumer (0,1)\n"             \
	"  --seed N             random seed (1)\n"                             \
	"  --timeout S          fail the run after S seconds (60)\n"

/*
 * Run once: set up the shared ring, fork the consumer, produce, collect.
 * Returns 0 if the run completed (check res for what it saw), -1 if it
 * could not be set up (errno-style message on stderr).
 */
int vspin_pair_run(const struct vspin_pair_conf *c,
		   struct vspin_pair_result *res);

/* One line per counter group, for logs. */
void vspin_pair_print(const struct vspin_pair_conf *c,
		      const struct vspin_pair_result *r);

#endif /* VSPIN_PAIR_H */
