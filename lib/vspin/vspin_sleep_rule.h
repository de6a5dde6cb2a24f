/* SPDX-License-Identifier: BSD-3-Clause
 * When rx_burst may block: the rule, in one place (the guide's "Sleeping
 * inside rx_burst" section states it for users).
 *
 * The lcore belongs to the application. A PMD that blocks inside rx_burst
 * stops the thread's loop, so it must know that nothing else that loop
 * polls can have work. Our sleep group sees every queue of ours on the
 * thread (vspin_sleeper.h), nothing else. So:
 *
 *   sleep=never   rx_burst never blocks (nor arms): it polls like mode
 *                 poll. Sleeping is the application's: rx interrupts
 *                 (rte_eth_dev_rx_intr_enable, with our recheck) or its
 *                 own timed sleep (OVS's pmd-maxsleep).
 *   sleep=always  the user promises that the threads polling these
 *                 queues poll nothing but queues of this PMD.
 *   sleep=auto    (default) block only when nothing unseen can have
 *                 work: every ethdev port of the process belongs to this
 *                 PMD, re-evaluated when ports come and go; the
 *                 application has not configured rx interrupts on the
 *                 port (intr_conf.rxq: it sleeps by itself, as
 *                 l3fwd-power does); and the application is one known to
 *                 keep no work of its own between two rx bursts
 *                 (vspin_app_only_ethdev()); and the thread sent no
 *                 more through this PMD than it received from it since
 *                 the queue's last poll (a thread that makes packets of
 *                 its own, testpmd's flowgen or tx_first, has work
 *                 between two rx bursts: vspin_thread_sent_own()).
 *                 Most applications keep some: l2fwd and
 *                 l3fwd hold packets in tx buffers drained on a timer,
 *                 OVS-DPDK polls its dpdkvhostuser ports through the vhost
 *                 library, others have rings or timers; a block inside
 *                 rx_burst would hold all that back.
 * The spin policy still decides when, inside an allowed block, a queue
 * arms; mode poll never arms, so it never blocks either.
 */
#ifndef VSPIN_SLEEP_RULE_H
#define VSPIN_SLEEP_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vspin_sleep_rule {
	VSPIN_SLEEP_AUTO,
	VSPIN_SLEEP_ALWAYS,
	VSPIN_SLEEP_NEVER,
};

/* What the PMD knows about the thread's other work. */
struct vspin_sleep_facts {
	bool only_our_ports;   /* every ethdev port is this PMD's */
	bool app_rx_intr;      /* the port was configured with intr_conf.rxq */
	bool app_only_ethdev;  /* the application is vspin_app_only_ethdev() */
	bool thread_sends_own; /* vspin_thread_sent_own() */
};

/*
 * What this PMD's bursts moved for the calling thread: packets its rx
 * bursts delivered, and packets the thread handed to its tx bursts
 * (taken or not: a generator facing a full ring still has work). Each
 * plugin has its own (a port of the other counts as foreign anyway).
 */
struct vspin_thread_traffic {
	uint64_t rx, tx;
};

extern _Thread_local struct vspin_thread_traffic vspin_thread_traffic
	__attribute__((tls_model("initial-exec")));

static inline void
vspin_thread_received(uint16_t n)
{
	vspin_thread_traffic.rx += n;
}

static inline void
vspin_thread_sent(uint16_t n)
{
	vspin_thread_traffic.tx += n;
}

/*
 * Did the thread send more than it received since *mark (a queue's: its
 * last poll, so the whole loop of the application in between)? Moves
 * the mark. Forwarding sends at most what it received; a generator sends
 * packets of its own between two polls.
 */
static inline bool
vspin_thread_sent_own(struct vspin_thread_traffic *mark)
{
	struct vspin_thread_traffic now = vspin_thread_traffic;
	bool own = now.tx - mark->tx > now.rx - mark->rx;

	*mark = now;
	return own;
}

/* "auto", "always" or "never"; 0, or -1 with a message in err. */
int vspin_sleep_rule_parse(const char *s, enum vspin_sleep_rule *out, char *err,
			   size_t errlen);

const char *vspin_sleep_rule_name(enum vspin_sleep_rule r);

/* The rule above. */
static inline bool
vspin_sleep_allowed(enum vspin_sleep_rule r, const struct vspin_sleep_facts *f)
{
	switch (r) {
	case VSPIN_SLEEP_ALWAYS:
		return true;
	case VSPIN_SLEEP_AUTO:
		return f->only_our_ports && !f->app_rx_intr &&
		       f->app_only_ethdev && !f->thread_sends_own;
	default:
		return false;
	}
}

/*
 * Applications known to do nothing between two rx bursts of a thread but
 * send what they received, from the process name (e.g.
 * program_invocation_short_name): testpmd (its forwarding engines, but
 * noisy_vnf, which holds packets back on a timer, and csum with GRO's
 * flush above 1: sleep=never there) and this project's vspin-traffic.
 * Their threads that generate packets (testpmd's flowgen, tx_first) are
 * told apart by vspin_thread_sent_own().
 */
bool vspin_app_only_ethdev(const char *prog);

#endif /* VSPIN_SLEEP_RULE_H */
