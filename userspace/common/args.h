/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command-line grammar the project's programs share: long options
 * "--name VALUE" or "--name=VALUE" through getopt_long, -h/--help, and
 * whole numbers in decimal within a range.  Errors come back as one line
 * that names the option, for the program to print after its name, with its
 * usage, before it exits with status 2.
 */
#ifndef SELFMIG_COMMON_ARGS_H
#define SELFMIG_COMMON_ARGS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define SMC_EXIT_USAGE	2	/* every program's status for a usage error */

/*
 * A whole number in decimal, digits only (no sign, space, "0x" or trailing
 * characters), in [min, max]; leading zeros do not make it octal.  Returns
 * 0 with *out set, or -1 with the reason in err: "OPT 'S': ..." (opt may be
 * NULL for a value that is not an option's; err may be NULL).
 */
int smc_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
		  uint64_t *out, char *err, size_t errlen);

/*
 * smc_parse_u64() for a program's option: on a bad value, "PROG: reason"
 * on standard error and -1.
 */
int smc_opt_u64(const char *prog, const char *opt, const char *s, uint64_t min,
		uint64_t max, uint64_t *out);

/* The same with an optional leading '-'. */
int smc_parse_i64(const char *opt, const char *s, int64_t min, int64_t max,
		  int64_t *out, char *err, size_t errlen);

/*
 * getopt_long(3) that reports instead of printing: the next option's val,
 * -1 after the last option, or '?' with one line in err for an unknown or
 * ambiguous option, a missing value or a value given to an option that
 * takes none.  shortopts as for getopt_long, without a leading ':'.  Set
 * optind to 0 before the first call on a new argument vector.
 */
int smc_getopt(int argc, char *const argv[], const char *shortopts,
	       const struct option *longopts, char *err, size_t errlen);

/*
 * The end of every program's option switch: -h/--help (opt 'h') prints the
 * usage to standard output and gives 0; anything else prints it to standard
 * error and gives SMC_EXIT_USAGE.  The status to exit with.
 */
int smc_usage_exit(int opt, void (*usage)(FILE *f));

/*
 * A usage error: "PROG: msg" and the usage on standard error; gives
 * SMC_EXIT_USAGE.
 */
int smc_usage_error(const char *prog, const char *msg, void (*usage)(FILE *f));

/*
 * The index of the keyword s among the n names (a NULL name never matches),
 * or -1: for a value that names one of a fixed set ("notice", "stop", ...).
 */
int smc_name_index(const char *s, const char *const *names, size_t n);
/* The same over a whole array of names. */
#define SMC_NAME_INDEX(s, names) \
	smc_name_index((s), (names), sizeof(names) / sizeof((names)[0]))

/*
 * A migration's id: 32 hex digits, either case, '-' separators allowed
 * (as a UUID is written), into 16 bytes.  0, or -EINVAL.
 */
#define SMC_ID_LEN	16
int smc_parse_id(const char *hex, uint8_t id[SMC_ID_LEN]);

/*
 * "A.B.C.D:PORT", PORT 1-65535: the address in network byte order and the
 * port in host order.  0, or -1 if s is not one.
 */
int smc_parse_ipv4_port(const char *s, uint32_t *addr, uint16_t *port);

/* A parser's reason, printf-style, into err of errlen bytes (none if NULL). */
__attribute__((format(printf, 3, 4)))
void smc_seterr(char *err, size_t errlen, const char *fmt, ...);

#endif /* SELFMIG_COMMON_ARGS_H */
