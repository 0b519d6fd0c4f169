/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for selfmig's userspace unit tests.
 *
 * Each test program runs its checks with CHECK(),
 * groups them with tap_test(), and returns tap_done() from main().  The output
 * is TAP version 13; tests/unit/run counts "ok"/"not ok" lines across programs.
 */
#ifndef SELFMIG_TAP_H
#define SELFMIG_TAP_H

#include <stdio.h>
#include <stdarg.h>

static int tap_count;
static int tap_failed;
static int tap_cur_failed;
static const char *tap_cur_name;

static inline void tap_end_current(void)
{
	if (!tap_cur_name)
		return;
	tap_count++;
	if (tap_cur_failed) {
		tap_failed++;
		printf("not ok %d - %s\n", tap_count, tap_cur_name);
	} else {
		printf("ok %d - %s\n", tap_count, tap_cur_name);
	}
	fflush(stdout);
	tap_cur_name = NULL;
}

/* Start a named test; the previous one (if any) is reported. */
static inline void tap_test(const char *name)
{
	tap_end_current();
	tap_cur_name = name;
	tap_cur_failed = 0;
}

static inline void tap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	tap_cur_failed = 1;
}

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond))                                               \
			tap_fail(__FILE__, __LINE__, "check failed: %s", #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                     \
	do {                                                               \
		long long _a = (long long)(a), _b = (long long)(b);        \
		if (_a != _b)                                              \
			tap_fail(__FILE__, __LINE__, "%s == %lld, want %s == %lld", \
				 #a, _a, #b, _b);                          \
	} while (0)

/* For 64-bit unsigned values, which CHECK_EQ's long long would wrap. */
#define CHECK_U64(a, b)                                                    \
	do {                                                               \
		unsigned long long _x = (a), _y = (b);                     \
		if (_x != _y)                                              \
			tap_fail(__FILE__, __LINE__, "%s == %llu, want %llu", \
				 #a, _x, _y);                              \
	} while (0)

static inline int tap_done(void)
{
	tap_end_current();
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif /* SELFMIG_TAP_H */
