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
 *   sleep=auto    (default) block only when nothing unseen can be polled:
 *                 every ethdev port of the process belongs to this PMD,
 *                 re-evaluated when ports come and go;
 *                 the application has not configured rx interrupts on
 *                 the port (intr_conf.rxq: it sleeps by itself, as
 *                 l3fwd-power does); and the application is not one known
 *                 to poll sources that are not ethdev ports (OVS-DPDK,
 *                 ovs-vswitchd, polls its dpdkvhostuser ports through the
 *                 vhost library).
 * The spin policy still decides when, inside an allowed block, a queue
 * arms; mode poll never arms, so it never blocks either.
 */
#ifndef VSPIN_SLEEP_RULE_H
#define VSPIN_SLEEP_RULE_H

#include <stdbool.h>
#include <stddef.h>

enum vspin_sleep_rule {
	VSPIN_SLEEP_AUTO,
	VSPIN_SLEEP_ALWAYS,
	VSPIN_SLEEP_NEVER,
};

/* What the PMD knows about the thread's other work. */
struct vspin_sleep_facts {
	bool only_our_ports;   /* every ethdev port is this PMD's */
	bool app_rx_intr;      /* the port was configured with intr_conf.rxq */
	bool app_polls_unseen; /* the application polls non-ethdev sources */
};

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
		       !f->app_polls_unseen;
	default:
		return false;
	}
}

/*
 * Applications known to poll more than ethdev ports on their threads
 * (the process name, e.g. program_invocation_short_name).
 */
bool vspin_app_polls_unseen(const char *prog);

#endif /* VSPIN_SLEEP_RULE_H */
