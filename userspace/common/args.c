// SPDX-License-Identifier: GPL-2.0
/*
 * The command-line grammar the project's programs share; see args.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "args.h"

static int num_error(const char *opt, const char *s, const char *why,
		     char *err, size_t errlen)
{
	if (err && errlen) {
		if (opt)
			snprintf(err, errlen, "%s '%.64s': %s", opt, s ? s : "", why);
		else
			snprintf(err, errlen, "'%.64s': %s", s ? s : "", why);
	}
	return -1;
}

/* Digits only into *v; 0, -1 if not a number, 1 if it does not fit. */
static int digits(const char *s, uint64_t *v)
{
	uint64_t n = 0;
	int over = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (*s < '0' || *s > '9')
			return -1;
		if (n > (UINT64_MAX - d) / 10)
			over = 1;
		else
			n = n * 10 + d;
	}
	*v = n;
	return over;
}

int smc_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
		  uint64_t *out, char *err, size_t errlen)
{
	char why[96];
	uint64_t v = 0;
	int r = digits(s, &v);

	if (r < 0)
		return num_error(opt, s, "not a whole number in decimal", err, errlen);
	if (r > 0 || v < min || v > max) {
		snprintf(why, sizeof(why), "out of range, %" PRIu64 " to %" PRIu64,
			 min, max);
		return num_error(opt, s, why, err, errlen);
	}
	*out = v;
	return 0;
}

int smc_opt_u64(const char *prog, const char *opt, const char *s, uint64_t min,
		uint64_t max, uint64_t *out)
{
	char err[160];

	if (!smc_parse_u64(opt, s, min, max, out, err, sizeof(err)))
		return 0;
	fprintf(stderr, "%s: %s\n", prog, err);
	return -1;
}

int smc_parse_i64(const char *opt, const char *s, int64_t min, int64_t max,
		  int64_t *out, char *err, size_t errlen)
{
	const uint64_t lim = (uint64_t)INT64_MAX + 1;	/* -INT64_MIN */
	int neg = s && *s == '-';
	char why[96];
	uint64_t mag = 0;
	int64_t v;
	int r = digits(s ? s + neg : s, &mag);

	if (r < 0)
		return num_error(opt, s, "not a whole number in decimal", err, errlen);
	snprintf(why, sizeof(why), "out of range, %" PRId64 " to %" PRId64, min, max);
	if (r > 0 || mag > lim || (!neg && mag == lim))
		return num_error(opt, s, why, err, errlen);
	v = neg ? (mag == lim ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
	if (v < min || v > max)
		return num_error(opt, s, why, err, errlen);
	*out = v;
	return 0;
}

/* The long options whose names start with the n characters of name. */
static int long_matches(const struct option *lo, const char *name, size_t n,
			int *exact)
{
	int i, count = 0;

	*exact = -1;
	for (i = 0; lo && lo[i].name; i++) {
		if (strncmp(lo[i].name, name, n))
			continue;
		if (strlen(lo[i].name) == n)
			*exact = i;
		count++;
	}
	return count;
}

/* The full name of the long option arg ("--pha=x") stands for, or NULL. */
static const char *long_name(const struct option *lo, const char *arg)
{
	const char *name = arg + 2;
	size_t n = strcspn(name, "=");
	int exact, i;

	if (!long_matches(lo, name, n, &exact))
		return NULL;
	if (exact >= 0)
		return lo[exact].name;
	for (i = 0; strncmp(lo[i].name, name, n); i++)
		;
	return lo[i].name;
}

static void say_option(const char *arg, int c, const struct option *lo,
		       const char *what, char *err, size_t errlen)
{
	const char *name = NULL;

	if (!strncmp(arg, "--", 2))
		name = long_name(lo, arg);
	if (name)
		snprintf(err, errlen, "--%s %s", name, what);
	else
		snprintf(err, errlen, "-%c %s", c, what);
}

static void unknown_long(const char *arg, const struct option *lo,
			 char *err, size_t errlen)
{
	const char *name = arg + 2;
	size_t n = strcspn(name, "="), used;
	int exact, i;

	if (long_matches(lo, name, n, &exact) < 2) {
		snprintf(err, errlen, "unknown option '--%.*s'",
			 (int)(n > 64 ? 64 : n), name);
		return;
	}
	used = (size_t)snprintf(err, errlen, "ambiguous option '--%.*s': it could be",
				(int)(n > 64 ? 64 : n), name);
	for (i = 0; lo[i].name && used < errlen; i++)
		if (!strncmp(lo[i].name, name, n))
			used += (size_t)snprintf(err + used, errlen - used, " --%s",
						 lo[i].name);
}

int smc_getopt(int argc, char *const argv[], const char *shortopts,
	       const struct option *longopts, char *err, size_t errlen)
{
	char opts[64];
	const char *arg;
	int c, lead = shortopts[0] == '+' || shortopts[0] == '-';

	snprintf(opts, sizeof(opts), "%.*s:%s", lead, shortopts, shortopts + lead);
	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	if (c != ':' && c != '?')
		return c;
	arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	if (!err || !errlen)
		return '?';
	if (c == ':') {
		say_option(arg, optopt, longopts, "needs a value", err, errlen);
	} else if (!strncmp(arg, "--", 2) && optopt && strchr(arg, '=') &&
		   long_name(longopts, arg)) {
		say_option(arg, optopt, longopts, "takes no value", err, errlen);
	} else if (!strncmp(arg, "--", 2) && !optopt) {
		unknown_long(arg, longopts, err, errlen);
	} else {
		snprintf(err, errlen, "unknown option '-%c'", optopt);
	}
	return '?';
}

int smc_name_index(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return (int)i;
	return -1;
}

int smc_parse_id(const char *hex, uint8_t id[SMC_ID_LEN])
{
	unsigned int n = 0, v;
	char c;

	for (; (c = *hex) != '\0'; hex++) {
		if (c == '-')
			continue;
		if (c >= '0' && c <= '9')
			v = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
		if (n >= 2 * SMC_ID_LEN)
			return -EINVAL;
		if (n % 2 == 0)
			id[n / 2] = (uint8_t)(v << 4);
		else
			id[n / 2] |= (uint8_t)v;
		n++;
	}
	return n == 2 * SMC_ID_LEN ? 0 : -EINVAL;
}

int smc_usage_exit(int opt, void (*usage)(FILE *f))
{
	usage(opt == 'h' ? stdout : stderr);
	return opt == 'h' ? 0 : SMC_EXIT_USAGE;
}

int smc_usage_error(const char *prog, const char *msg, void (*usage)(FILE *f))
{
	fprintf(stderr, "%s: %s\n", prog, msg);
	return smc_usage_exit('?', usage);
}

void smc_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int smc_parse_ipv4_port(const char *s, uint32_t *addr, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char host[INET_ADDRSTRLEN];
	struct in_addr a;
	uint64_t p;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1 ||
	    smc_parse_u64(NULL, colon + 1, 1, 65535, &p, NULL, 0))
		return -1;
	*addr = a.s_addr;
	*port = (uint16_t)p;
	return 0;
}
