/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "vspin_devargs.h"

/* "a, b, c" of the valid keys, for an error message. */
static void
list_keys(const char *const keys[], char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; keys[i] != NULL && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", keys[i]);
}

static int
key_index(const char *const keys[], const char *key)
{
	int i;

	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], key) == 0)
			return i;
	return -1;
}

/*
 * An item "a=b=c" (outside a [list]): rte_kvargs reads it as "b=c", a
 * key the user did not mean, so "queues=8=iface=..." set iface. Returns
 * the item's length, with *at its start, or 0 for none.
 */
static size_t
item_with_two_equals(const char *args, const char **at)
{
	const char *start = args, *c;
	unsigned int depth = 0, equals = 0;

	for (c = args;; c++) {
		if (*c == '[') {
			depth++;
		} else if (*c == ']' && depth > 0) {
			depth--;
		} else if (*c == '=' && depth == 0) {
			equals++;
		} else if ((*c == ',' && depth == 0) || *c == '\0') {
			if (equals > 1) {
				*at = start;
				return (size_t)(c - start);
			}
			if (*c == '\0')
				return 0;
			start = c + 1;
			equals = 0;
		}
	}
}

struct rte_kvargs *
vspin_devargs_parse(const char *args, const char *const keys[], char *err,
		    size_t errlen)
{
	struct rte_kvargs *kv;
	unsigned int i, j;
	char valid[256];
	const char *item;
	size_t n;

	n = item_with_two_equals(args ? args : "", &item);
	if (n > 0) {
		snprintf(err, errlen,
			 "devarg '%.*s' has more than one '=': a value "
			 "cannot hold one",
			 (int)n, item);
		return NULL;
	}
	/* No key list given to rte_kvargs: unknown keys are named below. */
	kv = rte_kvargs_parse(args ? args : "", NULL);
	if (kv == NULL) {
		snprintf(err, errlen, "cannot parse devargs '%s'",
			 args ? args : "");
		return NULL;
	}
	for (i = 0; i < kv->count; i++) {
		const char *key = kv->pairs[i].key;
		const char *val = kv->pairs[i].value;

		if (key_index(keys, key) < 0) {
			list_keys(keys, valid, sizeof(valid));
			snprintf(err, errlen, "unknown devarg '%s' (valid: %s)",
				 key, valid);
			goto fail;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(kv->pairs[j].key, key) == 0) {
				snprintf(err, errlen, "devarg '%s' given twice",
					 key);
				goto fail;
			}
		}
		if (val == NULL || *val == '\0') {
			snprintf(err, errlen, "devarg '%s' needs a value", key);
			goto fail;
		}
	}
	return kv;
fail:
	rte_kvargs_free(kv);
	return NULL;
}
