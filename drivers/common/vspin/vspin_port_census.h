/* SPDX-License-Identifier: BSD-3-Clause
 * Which ethdev ports the process has, for the sleep rule's "auto"
 * (lib/vspin/vspin_sleep_rule.h): are they all this PMD's? Compiled into
 * each of our plugins, each with its own copy: a port of the other vspin
 * PMD is another PMD's port, since the two keep separate sleep groups.
 */
#ifndef VSPIN_PORT_CENSUS_H
#define VSPIN_PORT_CENSUS_H

#include <stdbool.h>

#include <ethdev_driver.h>

#include "vspin_sleep_rule.h"

/*
 * A port of ours is being probed: start following ports coming and going
 * (idempotent). ours: the PMD's eth_dev_ops. wake: wakes every lcore that
 * may sleep on a queue of ours (vspin_sleeper_wake_all()); after a port
 * was added or removed it is called on that thread, so that they re-read
 * the census. It must not reach the ports' queues: the event may come on
 * one thread while another sets up or closes a port of ours, which
 * ethdev allows.
 */
int vspin_census_track(const struct eth_dev_ops *ours, void (*wake)(void));

/*
 * The census, each plugin's own (hidden, -fvisibility=hidden): every
 * ethdev port uses ours (atomic: written on port events); the
 * application keeps no work of its own between rx bursts (from its
 * name). Read by every rx_burst, inline: a call was 0.5% of a saturated
 * host's samples.
 */
extern bool vspin_census_all_ours;
extern bool vspin_census_only_ethdev;

/*
 * The facts of the sleep rule for a port (app_rx_intr from its conf) and
 * a queue of it (mark: the thread's traffic at the queue's last poll).
 */
static inline void
vspin_census_facts(const struct rte_eth_dev *dev,
		   struct vspin_thread_traffic *mark,
		   struct vspin_sleep_facts *f)
{
	f->only_our_ports =
		__atomic_load_n(&vspin_census_all_ours, __ATOMIC_RELAXED);
	f->app_rx_intr = dev->data->dev_conf.intr_conf.rxq != 0;
	f->app_only_ethdev = vspin_census_only_ethdev;
	f->thread_sends_own = vspin_thread_sent_own(mark);
}

/*
 * May an rx_burst of this queue block now? spin: the port's mode arms at
 * all (not poll); mark: the queue's vspin_thread_sent_own() mark. A few
 * loads and tests: called every burst.
 */
static inline bool
vspin_port_may_block(const struct rte_eth_dev *dev, enum vspin_sleep_rule rule,
		     bool spin, struct vspin_thread_traffic *mark)
{
	struct vspin_sleep_facts f;

	if (!spin || rule == VSPIN_SLEEP_NEVER)
		return false;
	vspin_census_facts(dev, mark, &f);
	return vspin_sleep_allowed(rule, &f);
}

#endif /* VSPIN_PORT_CENSUS_H */
