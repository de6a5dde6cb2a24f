/* SPDX-License-Identifier: BSD-3-Clause
 * The smallest test harness that does the job: a case is a function, a
 * check that fails prints where and what was seen, every case ends with
 * one PASS or FAIL line, and the program exits non-zero if any failed.
 *
 *   static void test_x(void) { VT_CHECK(a == b, "a=%d b=%d", a, b); }
 *   int main(void) { VT_RUN(test_x); return vt_summary(); }
 */
#ifndef VSPIN_TEST_H
#define VSPIN_TEST_H

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* A case stops reporting after this many failed checks: one is enough. */
#define VT_MAX_REPORTS 5

static unsigned int vt_case_failures;
static unsigned int vt_cases_run, vt_cases_failed;

static inline void
vt_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	if (++vt_case_failures > VT_MAX_REPORTS)
		return;
	if (*cond)
		fprintf(stdout, "  %s:%d: check failed: %s: ", file, line,
			cond);
	else
		fprintf(stdout, "  %s:%d: failed: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* fmt and its arguments say what was seen. */
#define VT_CHECK(cond, ...)                                                    \
	do {                                                                   \
		if (!(cond))                                                   \
			vt_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);       \
	} while (0)

/* Fail unconditionally, after a test of its own. */
#define VT_FAIL(...) vt_fail(__FILE__, __LINE__, "", __VA_ARGS__)

/* Fail the case and leave it (for checks later steps depend on). */
#define VT_REQUIRE(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			vt_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);       \
			return;                                                \
		}                                                              \
	} while (0)

static inline void
vt_run(const char *name, void (*fn)(void))
{
	vt_case_failures = 0;
	fn();
	vt_cases_run++;
	if (vt_case_failures) {
		vt_cases_failed++;
		printf("FAIL %s (%u failed checks)\n", name, vt_case_failures);
	} else {
		printf("PASS %s\n", name);
	}
	fflush(stdout);
}

#define VT_RUN(fn) vt_run(#fn, fn)

static inline int
vt_summary(void)
{
	printf("%u cases, %u failed\n", vt_cases_run, vt_cases_failed);
	return vt_cases_failed ? 1 : 0;
}

/* The monotonic clock in us, for the cases that time real waits. */
static inline uint64_t
vt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Entries of a /proc directory (/proc/self/fd, /proc/self/task), or -1. */
static inline int
vt_proc_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

#endif /* VSPIN_TEST_H */
