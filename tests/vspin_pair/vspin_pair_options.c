/* SPDX-License-Identifier: BSD-3-Clause
 * Command-line options of the harness, shared by the test and the
 * benchmark so both speak the same language (VSPIN_PAIR_OPTIONS_HELP).
 * The policy modes use the core's grammar (vspin_policy_parse_mode).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vspin_pair.h"
#include "vspin_parse.h"

static int
parse_burst(struct vspin_pair_conf *c, const char *v)
{
	uint64_t n;
	bool rnd = strncmp(v, "rand:", 5) == 0;

	if (vspin_parse_u64(rnd ? v + 5 : v, 1, 65535, &n) != 0)
		return -1;
	c->burst = (uint32_t)n;
	c->burst_random = rnd;
	return 0;
}

static int
parse_gap(struct vspin_pair_conf *c, const char *v)
{
	const uint64_t max = 10000000000u; /* 10 s */
	char lo[32];
	const char *dash;

	c->gap_min_ns = c->gap_max_ns = 0;
	if (strcmp(v, "none") == 0) {
		c->gap = VSPIN_PAIR_GAP_NONE;
		return 0;
	}
	if (strncmp(v, "fixed:", 6) == 0) {
		c->gap = VSPIN_PAIR_GAP_FIXED;
		return vspin_parse_u64(v + 6, 0, max, &c->gap_min_ns);
	}
	if (strncmp(v, "exp:", 4) == 0) {
		c->gap = VSPIN_PAIR_GAP_EXP;
		return vspin_parse_u64(v + 4, 0, max, &c->gap_min_ns);
	}
	if (strncmp(v, "uniform:", 8) != 0)
		return -1;
	v += 8;
	dash = strchr(v, '-');
	if (dash == NULL || (size_t)(dash - v) >= sizeof(lo))
		return -1;
	memcpy(lo, v, (size_t)(dash - v));
	lo[dash - v] = '\0';
	c->gap = VSPIN_PAIR_GAP_UNIFORM;
	if (vspin_parse_u64(lo, 0, max, &c->gap_min_ns) != 0 ||
	    vspin_parse_u64(dash + 1, c->gap_min_ns, max, &c->gap_max_ns) != 0)
		return -1;
	return 0;
}

static int
parse_cpus(struct vspin_pair_conf *c, const char *v)
{
	uint64_t p, k;
	char buf[32];
	char *comma;

	if (strcmp(v, "none") == 0) {
		c->prod_cpu = c->cons_cpu = -1;
		return 0;
	}
	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	comma = strchr(buf, ',');
	if (comma == NULL)
		return -1;
	*comma = '\0';
	if (vspin_parse_u64(buf, 0, 1023, &p) != 0 ||
	    vspin_parse_u64(comma + 1, 0, 1023, &k) != 0)
		return -1;
	c->prod_cpu = (int)p;
	c->cons_cpu = (int)k;
	return 0;
}

int
vspin_pair_set_option(struct vspin_pair_conf *c, const char *name,
		      const char *val, char *err, size_t errlen)
{
	uint64_t n;
	int r;

	if (val == NULL) {
		snprintf(err, errlen, "--%s needs a value", name);
		return -1;
	}
	if (strcmp(name, "mode") == 0)
		return vspin_policy_parse_mode(val, &c->policy, err, errlen);
	if (strcmp(name, "prod-wait") == 0)
		return vspin_policy_parse_mode(val, &c->prod_policy, err,
					       errlen);
	if (strcmp(name, "sleep-max-us") == 0) {
		if (vspin_parse_us("sleep_max_us", val, 1,
				   &c->policy.sleep_max_us, err, errlen) != 0)
			return -1;
		c->prod_policy.sleep_max_us = c->policy.sleep_max_us;
		return 0;
	}
	if (strcmp(name, "ring") == 0) {
		r = vspin_parse_u64(val, 2, 32768, &n);
		if (r == 0 && (n & (n - 1)) == 0) {
			c->ring_size = (uint32_t)n;
			return 0;
		}
		r = -1;
	} else if (strcmp(name, "packets") == 0) {
		r = vspin_parse_u64(val, 1, UINT64_MAX / 2, &c->packets);
	} else if (strcmp(name, "burst") == 0) {
		r = parse_burst(c, val);
	} else if (strcmp(name, "gap") == 0) {
		r = parse_gap(c, val);
	} else if (strcmp(name, "gap-pct") == 0) {
		r = vspin_parse_u64(val, 0, 100, &n);
		c->gap_pct = (uint32_t)n;
	} else if (strcmp(name, "prod-ns") == 0) {
		r = vspin_parse_u64(val, 0, 100000000, &n);
		c->prod_cost_ns = (uint32_t)n;
	} else if (strcmp(name, "cons-ns") == 0) {
		r = vspin_parse_u64(val, 0, 100000000, &n);
		c->cons_cost_ns = (uint32_t)n;
	} else if (strcmp(name, "pkt-max") == 0) {
		r = vspin_parse_u64(val, 16, 65536, &n);
		c->pkt_max = (uint32_t)n;
	} else if (strcmp(name, "event-idx") == 0) {
		r = strcmp(val, "on") == 0 || strcmp(val, "off") == 0 ? 0 : -1;
		c->event_idx = strcmp(val, "on") == 0;
	} else if (strcmp(name, "cpus") == 0) {
		r = parse_cpus(c, val);
	} else if (strcmp(name, "seed") == 0) {
		r = vspin_parse_u64(val, 0, UINT64_MAX / 2, &c->seed);
	} else if (strcmp(name, "timeout") == 0) {
		r = vspin_parse_u64(val, 1, 86400, &n);
		c->timeout_s = (uint32_t)n;
	} else {
		return 1;
	}
	if (r != 0)
		snprintf(err, errlen, "invalid --%s '%s'", name, val);
	return r;
}
