/* SPDX-License-Identifier: BSD-3-Clause
 * The one strict number parser of the project's devargs and options.
 */
#ifndef VSPIN_PARSE_H
#define VSPIN_PARSE_H

#include <stdint.h>

/*
 * A decimal number in [min, max] and nothing else: no sign, no blanks, no
 * trailing characters, no overflow. Returns 0 and stores it, or -1.
 */
int vspin_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif /* VSPIN_PARSE_H */
