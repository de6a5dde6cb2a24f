/* SPDX-License-Identifier: BSD-3-Clause
 * The devargs rules both PMDs follow, in one place: every key must be one
 * of the PMD's, given once, with a value; each error names the key (and,
 * for an unknown one, the keys that are valid). The PMD then reads its
 * values from the returned rte_kvargs and validates each one itself.
 */
#ifndef VSPIN_DEVARGS_H
#define VSPIN_DEVARGS_H

#include <stddef.h>

#include <rte_kvargs.h>

/*
 * Parse args (may be NULL or empty) against keys (NULL-terminated).
 * Returns the pairs, to free with rte_kvargs_free(), or NULL with the
 * reason in err.
 */
struct rte_kvargs *vspin_devargs_parse(const char *args,
				       const char *const keys[], char *err,
				       size_t errlen);

#endif /* VSPIN_DEVARGS_H */
