/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "vspin_sleep_rule.h"

/* Initial-exec, as vspin_sleeper.c's group: 16 more bytes of static TLS. */
_Thread_local struct vspin_thread_traffic vspin_thread_traffic
	__attribute__((tls_model("initial-exec")));

static const char *const rule_names[] = {
	[VSPIN_SLEEP_AUTO] = "auto",
	[VSPIN_SLEEP_ALWAYS] = "always",
	[VSPIN_SLEEP_NEVER] = "never",
};

const char *
vspin_sleep_rule_name(enum vspin_sleep_rule r)
{
	if ((unsigned int)r >= sizeof(rule_names) / sizeof(rule_names[0]))
		return "?";
	return rule_names[r];
}

int
vspin_sleep_rule_parse(const char *s, enum vspin_sleep_rule *out, char *err,
		       size_t errlen)
{
	unsigned int i;

	for (i = 0; s != NULL && i < sizeof(rule_names) / sizeof(rule_names[0]);
	     i++) {
		if (strcmp(s, rule_names[i]) == 0) {
			*out = (enum vspin_sleep_rule)i;
			return 0;
		}
	}
	snprintf(err, errlen,
		 "invalid sleep '%s': expected auto, always or never",
		 s ? s : "");
	return -1;
}

bool
vspin_app_only_ethdev(const char *prog)
{
	static const char *const known[] = {"dpdk-testpmd", "testpmd",
					    "vspin-traffic"};
	size_t i;

	for (i = 0; prog != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(prog, known[i]) == 0)
			return true;
	return false;
}
