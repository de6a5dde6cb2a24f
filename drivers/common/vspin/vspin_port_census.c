/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include <rte_ethdev.h>

#include "vspin_port_census.h"

static const struct eth_dev_ops *census_ops;
static void (*census_wake)(void);
bool vspin_census_all_ours;
bool vspin_census_only_ethdev;

/*
 * Recount. A port that an event names is not listed yet or any more:
 * ethdev sends RTE_ETH_EVENT_NEW before it marks the port attached, and
 * RTE_ETH_EVENT_DESTROY before it frees it. So the new port counts by
 * its own ops, and the one going not at all (event_port -1: none).
 */
static void
recount(int event_port, bool added)
{
	bool all = true;
	uint16_t pid;

	for (pid = rte_eth_find_next(0); pid < RTE_MAX_ETHPORTS;
	     pid = rte_eth_find_next(pid + 1)) {
		/* Owned ports too: a bonding or failsafe port polls them. */
		if ((int)pid != event_port &&
		    rte_eth_devices[pid].dev_ops != census_ops)
			all = false;
	}
	if (added && event_port >= 0 &&
	    rte_eth_devices[event_port].dev_ops != census_ops)
		all = false;
	__atomic_store_n(&vspin_census_all_ours, all, __ATOMIC_RELEASE);
}

static int
port_event(uint16_t port_id, enum rte_eth_event_type type,
	   void *arg __rte_unused, void *ret __rte_unused)
{
	recount(port_id, type == RTE_ETH_EVENT_NEW);
	/* Every lcore asleep on a port of ours re-reads the census. */
	if (census_wake != NULL)
		census_wake();
	return 0;
}

/* Undo a vspin_census_track() that failed half-way. */
static void
census_untrack(void)
{
	if (census_ops == NULL)
		return;
	rte_eth_dev_callback_unregister(RTE_ETH_ALL, RTE_ETH_EVENT_NEW,
					port_event, NULL);
	rte_eth_dev_callback_unregister(RTE_ETH_ALL, RTE_ETH_EVENT_DESTROY,
					port_event, NULL);
	census_ops = NULL;
	census_wake = NULL;
	__atomic_store_n(&vspin_census_all_ours, false, __ATOMIC_RELEASE);
}

int
vspin_census_track(const struct eth_dev_ops *ours, void (*wake)(void))
{
	if (census_ops != NULL)
		return 0;
	census_ops = ours;
	census_wake = wake;
	vspin_census_only_ethdev =
		vspin_app_only_ethdev(program_invocation_short_name);
	if (rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_NEW,
					  port_event, NULL) != 0 ||
	    rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_DESTROY,
					  port_event, NULL) != 0) {
		census_untrack();
		return -EIO;
	}
	recount(-1, false);
	return 0;
}
