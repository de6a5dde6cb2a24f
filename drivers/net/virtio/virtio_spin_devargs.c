/* SPDX-License-Identifier: BSD-3-Clause
 * net_virtio_spin's devargs: known keys, once each, with a value
 * (vspin_devargs_parse(), as on net_vhost_spin), then each value
 * validated; every error names the key and the value it did not accept.
 * The spin policy's keys use lib/vspin's grammar, shared with the host
 * side.
 */
#include <stdio.h>
#include <string.h>

#include <rte_kvargs.h>
#include <rte_string_fns.h>

#include "virtio_spin.h"
#include "vspin_devargs.h"
#include "vspin_parse.h"

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
	ARG_PATH,  ARG_SERVER,		 ARG_QUEUES,	 ARG_QUEUE_SIZE,
	ARG_MAC,   ARG_SPIN_US,		 ARG_SPIN_MODE,	 ARG_SLEEP_MAX_US,
	ARG_SLEEP, ARG_REPLY_TIMEOUT_MS, ARG_LATENCY_US, NULL,
};

#define REPLY_TIMEOUT_MIN_MS 100
#define REPLY_TIMEOUT_MAX_MS 3600000 /* one hour */

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

	if (strcmp(key, ARG_PATH) == 0) {
		if (strlen(val) >= sizeof(dev->path)) {
			PMD_LOG(ERR, "%s: path '%s' is too long (max %zu)",
				c->name, val, sizeof(dev->path) - 1);
			return -1;
		}
		strlcpy(dev->path, val, sizeof(dev->path));
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
		dev->rx_ring_default = dev->tx_ring_default = (uint16_t)v;
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
		/* As rte_eth_dev_default_mac_addr_set() would refuse it. */
		if (!rte_is_valid_assigned_ether_addr(&dev->mac)) {
			PMD_LOG(ERR,
				"invalid %s '%s': not a unicast address, or "
				"zero",
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
	/* spin_mode, spin_us, sleep_max_us: virtio_spin_parse_devargs(), together. */
	return 0;
}

int
virtio_spin_parse_devargs(struct virtio_spin_dev *dev, const char *name,
			  const char *args)
{
	struct parse_ctx c = {.dev = dev, .name = name};
	struct rte_kvargs *kv;
	char err[256];
	unsigned int i;
	int r = 0;

	if (args == NULL || *args == '\0') {
		PMD_LOG(ERR, "%s: missing devarg path=<vhost-user socket>",
			name);
		return -EINVAL;
	}
	/* The rules both PMDs follow: known keys, once each, with a value. */
	kv = vspin_devargs_parse(args, valid_args, err, sizeof(err));
	if (kv == NULL) {
		PMD_LOG(ERR, "%s: %s", name, err);
		return -EINVAL;
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

RTE_PMD_REGISTER_PARAM_STRING(
	net_virtio_spin, ARG_PATH
	"=<path> " ARG_SERVER "=<0|1> " ARG_QUEUES "=<int> " ARG_QUEUE_SIZE
	"=<int> " ARG_MAC "=<mac addr> " ARG_SPIN_MODE
	"=poll|notify|budget[:N]|spin[:US]|adaptive|ovs_sleep[:US] " ARG_SPIN_US
	"=<us> " ARG_SLEEP_MAX_US "=<us> " ARG_SLEEP
	"=auto|always|never " ARG_REPLY_TIMEOUT_MS "=<ms> " ARG_LATENCY_US
	"=<us>");
