/* SPDX-License-Identifier: BSD-3-Clause
 * The devargs of net_vhost_spin, validated: every error names the key and
 * the value it did not accept. The policy keys share the guest side's
 * grammar through lib/vspin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_kvargs.h>
#include <rte_string_fns.h>

#include "vhost_spin.h"
#include "vspin_devargs.h"
#include "vspin_parse.h"

static const char *const known_keys[] = {
	"iface",	"queues", "client",	"spin_mode", "spin_us",
	"sleep_max_us", "sleep",  "latency_us", NULL,
};

/* A decimal number in [min, max] and nothing else. */
static int
parse_uint(const char *s, unsigned long min, unsigned long max,
	   unsigned long *out)
{
	uint64_t v;

	if (vspin_parse_u64(s, min, max, &v) != 0)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

int
vhost_spin_parse_args(const char *name, const char *args,
		      struct vhost_spin_args *out)
{
	struct rte_kvargs *kv;
	const char *spin_us = NULL, *mode = NULL, *sleep_max_us = NULL;
	const char *latency_us = NULL;
	char err[256];
	unsigned long v;
	unsigned int i;
	int ret = -EINVAL;

	memset(out, 0, sizeof(*out));
	out->queues = 1;

	/* The rules both PMDs follow: known keys, once each, with a value. */
	kv = vspin_devargs_parse(args, known_keys, err, sizeof(err));
	if (kv == NULL) {
		VHOST_SPIN_LOG(ERR, "%s: %s", name, err);
		return -EINVAL;
	}
	for (i = 0; i < kv->count; i++) {
		const char *key = kv->pairs[i].key;
		const char *val = kv->pairs[i].value;

		if (strcmp(key, "iface") == 0) {
			if (strlen(val) > VHOST_SPIN_PATH_MAX) {
				VHOST_SPIN_LOG(ERR,
					       "%s: invalid iface '%s': longer "
					       "than %zu characters",
					       name, val, VHOST_SPIN_PATH_MAX);
				goto out;
			}
			strlcpy(out->iface, val, sizeof(out->iface));
		} else if (strcmp(key, "queues") == 0) {
			if (parse_uint(val, 1, VHOST_SPIN_MAX_QUEUES, &v)) {
				VHOST_SPIN_LOG(ERR,
					       "%s: invalid queues '%s': "
					       "expected 1 to %d",
					       name, val,
					       VHOST_SPIN_MAX_QUEUES);
				goto out;
			}
			out->queues = (uint16_t)v;
		} else if (strcmp(key, "client") == 0) {
			if (parse_uint(val, 0, 1, &v)) {
				VHOST_SPIN_LOG(ERR,
					       "%s: invalid client '%s': "
					       "expected 0 or 1",
					       name, val);
				goto out;
			}
			out->client = v == 1;
		} else if (strcmp(key, "spin_mode") == 0) {
			mode = val;
		} else if (strcmp(key, "spin_us") == 0) {
			spin_us = val;
		} else if (strcmp(key, "latency_us") == 0) {
			latency_us = val;
		} else if (strcmp(key, "sleep") == 0) {
			if (vspin_sleep_rule_parse(val, &out->sleep, err,
						   sizeof(err)) != 0) {
				VHOST_SPIN_LOG(ERR, "%s: %s", name, err);
				goto out;
			}
		} else {
			sleep_max_us = val;
		}
	}
	if (out->iface[0] == '\0') {
		VHOST_SPIN_LOG(ERR, "%s: devarg 'iface' (socket path) missing",
			       name);
		goto out;
	}
	/* The grammar both PMDs share (lib/vspin). */
	if (vspin_policy_conf_parse(&out->policy, mode, spin_us, sleep_max_us,
				    latency_us, err, sizeof(err)) != 0) {
		VHOST_SPIN_LOG(ERR, "%s: %s", name, err);
		goto out;
	}
	ret = 0;
out:
	rte_kvargs_free(kv);
	return ret;
}
