/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the selfmig command's unit tests (test_selfmig_cli.c,
 * test_selfmig_notice.c, test_selfmig_report.c): a parse of a command line
 * given as words, checks of usage errors, help and strings, expected
 * messages, output captured from a FILE, and a small JSON checker.
 */
#ifndef SELFMIG_CLITEST_H
#define SELFMIG_CLITEST_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "tap.h"
#include "../../userspace/selfmig/cli.h"
#include "notice.h"

#define ARGC(v)		((int)(sizeof(v) / sizeof((v)[0])))
#define U32MAX		4294967295ULL

static char err[512];
static struct smg_args args;

/* Parse a command line given as a NULL-terminated list of words. */
static inline int parse(const char *first, ...)
{
	char *argv[32];
	int argc;

	TEST_ARGV_VA(argc, argv, "selfmig", first);
	return smg_parse_args(argc, argv, &args, err, sizeof(err));
}

/* A usage error whose message contains what. */
#define CHECK_USAGE(what, ...)                                             \
	do {                                                               \
		int _r = parse(__VA_ARGS__, (const char *)NULL);           \
		CHECK_EQ(_r, SMG_EXIT_USAGE);                              \
		if (!strstr(err, what))                                    \
			tap_fail(__FILE__, __LINE__, "message '%s' lacks '%s'", \
				 err, what);                               \
	} while (0)

/* A request for help. */
#define CHECK_HELP(...)                                                    \
	do {                                                               \
		CHECK_EQ(parse(__VA_ARGS__, (const char *)NULL), 0);       \
		CHECK_EQ(args.cmd, SMG_CMD_HELP);                          \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *_x = (a), *_y = (b);                           \
		if (!_x || !_y || strcmp(_x, _y))                          \
			tap_fail(__FILE__, __LINE__, "%s is '%s', want '%s'", \
				 #a, _x ? _x : "(null)", _y ? _y : "(null)"); \
	} while (0)

static inline int starts_with(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* A valid message with the given fields, "k=v" each. */
static inline const char *msg(const char *k1, const char *v1, const char *k2,
		       const char *v2, const char *k3, const char *v3)
{
	static char out[SMN_MAX_LEN + 1];
	struct smn_msg m = { 0 };

	if (k1)
		smn_set(&m, k1, v1);
	if (k2)
		smn_set(&m, k2, v2);
	if (k3)
		smn_set(&m, k3, v3);
	if (smn_format(&m, out, sizeof(out)) < 0)
		return "";
	return out;
}

/* What a function wrote to a FILE, as a malloc'ed string. */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static inline FILE *cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	return c->f;
}

static inline char *cap_close(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

/* ---- a small JSON checker: the whole text must be one valid value ---- */

static inline const char *js_value(const char *p, int depth);

static inline const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static inline const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return NULL;	/* also refuses bytes a test did not expect */
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static inline const char *js_number(const char *p)
{
	const char *s = p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {		/* a fraction: at least one digit */
		if (*++p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p > s ? p : NULL;
}

static inline const char *js_list(const char *p, int depth, char close, int obj)
{
	p = js_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			p = js_string(js_ws(p));
			if (!p)
				return NULL;
			p = js_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = js_value(p, depth + 1);
		if (!p)
			return NULL;
		p = js_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static inline const char *js_value(const char *p, int depth)
{
	if (depth > 16)
		return NULL;
	p = js_ws(p);
	switch (*p) {
	case '{':
		return js_list(p, depth, '}', 1);
	case '[':
		return js_list(p, depth, ']', 0);
	case '"':
		return js_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return js_number(p);
	}
}

static inline int json_valid(const char *s)
{
	const char *e = s ? js_value(s, 0) : NULL;

	return e && *js_ws(e) == 0;
}

#endif /* SELFMIG_CLITEST_H */
