/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command lines for the unit tests of argument parsers: an argument vector
 * from a program name and a NULL-terminated list of words.
 */
#ifndef SELFMIG_TEST_ARGV_H
#define SELFMIG_TEST_ARGV_H

#include <stdarg.h>
#include <stddef.h>

/*
 * argv[0] = prog, then first and the words of ap up to a NULL (none if
 * first is NULL), at most max - 2 of them; argv[argc] = NULL.  The argc.
 */
static inline int test_argv(char **argv, int max, const char *prog,
			    const char *first, va_list ap)
{
	const char *w;
	int argc = 0;

	argv[argc++] = (char *)prog;
	for (w = first; w && argc < max - 1; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	argv[argc] = NULL;
	return argc;
}

/*
 * In a variadic function whose last named parameter is the word first:
 * argv (an array) and argc from prog, first and the words after it.
 */
#define TEST_ARGV_VA(argc, argv, prog, first)                              \
	do {                                                               \
		va_list ap_;                                               \
									   \
		va_start(ap_, first);                                      \
		(argc) = test_argv(argv,                                   \
				   (int)(sizeof(argv) / sizeof((argv)[0])), \
				   prog, first, ap_);                      \
		va_end(ap_);                                               \
	} while (0)

#endif /* SELFMIG_TEST_ARGV_H */
