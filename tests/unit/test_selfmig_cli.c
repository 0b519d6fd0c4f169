// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the selfmig command's pure part (userspace/selfmig/, all
 * but the *_xen.c files): argument parsing, good and bad, for every
 * subcommand; number and domid parsing; the choice of a request's seq;
 * request texts; acks and how a new one is told from an old one; key
 * permissions; xl's argument vector; the migration report as text and JSON,
 * and the status output.
 */
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
static int parse(const char *first, ...)
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

static int starts_with(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* A valid message with the given fields, "k=v" each. */
static const char *msg(const char *k1, const char *v1, const char *k2,
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

static FILE *cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	return c->f;
}

static char *cap_close(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

/* ---- a small JSON checker: the whole text must be one valid value ---- */

static const char *js_value(const char *p, int depth);

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *js_string(const char *p)
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

static const char *js_number(const char *p)
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
	return p > s ? p : NULL;
}

static const char *js_list(const char *p, int depth, char close, int obj)
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

static const char *js_value(const char *p, int depth)
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

static int json_valid(const char *s)
{
	const char *e = s ? js_value(s, 0) : NULL;

	return e && *js_ws(e) == 0;
}

/* ------------------------------------------------------------------ */

static void test_json_checker(void)
{
	tap_test("the test's JSON checker accepts and refuses the right things");
	CHECK(json_valid("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"x\\\"\\u0001\"}}\n"));
	CHECK(json_valid("{}"));
	CHECK(!json_valid("{\"a\":1,}"));
	CHECK(!json_valid("{\"a\":1"));
	CHECK(!json_valid("{\"a\" 1}"));
	CHECK(!json_valid("{\"a\":\"x\ny\"}"));
	CHECK(!json_valid("{\"a\":01}"));
	CHECK(!json_valid("{\"a\":1}{}"));
	CHECK(!json_valid(""));
}

static void test_parse_simple(void)
{
	tap_test("parse: help, prepare, status");
	CHECK_HELP("help");
	CHECK_HELP("--help");
	CHECK_HELP("-h");
	CHECK_HELP("migrate", "--help");
	/* Help wins over what follows it, not over what comes before. */
	CHECK_HELP("notify", "--help", "--frob");
	CHECK(err[0] == 0);
	CHECK_USAGE("unknown option '--frob'", "notify", "--frob", "--help");
	CHECK_HELP("notify", "g", "-h");

	CHECK_EQ(parse("prepare", "guest1", NULL), 0);
	CHECK_EQ(args.cmd, SMG_CMD_PREPARE);
	CHECK_STR(args.domain, "guest1");
	CHECK_EQ(parse("status", "7", NULL), 0);
	CHECK_EQ(args.cmd, SMG_CMD_STATUS);
	CHECK_STR(args.domain, "7");
	CHECK(args.json == NULL);
	CHECK_EQ(parse("status", "--json", "-", "g", NULL), 0);
	CHECK_STR(args.json, "-");
	CHECK_STR(args.domain, "g");
	CHECK_EQ(parse("status", "--", "-odd-name", NULL), 0);
	CHECK_STR(args.domain, "-odd-name");
}

static void test_parse_simple_bad(void)
{
	tap_test("parse: bad commands, DOMAIN missing, extra or out of range");
	CHECK_EQ(parse(NULL), SMG_EXIT_USAGE);
	CHECK(strstr(err, "no command") != NULL);
	CHECK_USAGE("unknown command 'frob'", "frob");
	CHECK_USAGE("unknown command", "--json");
	CHECK_USAGE("missing DOMAIN", "prepare");
	CHECK_USAGE("unexpected argument 'b'", "prepare", "a", "b");
	CHECK_USAGE("unexpected argument", "status", "a", "b", "c");
	CHECK_USAGE("unknown option '--json'", "prepare", "--json", "g");
	CHECK_USAGE("--json needs a value", "status", "g", "--json");
	CHECK_USAGE("--help takes no value", "status", "--help=1", "g");
	CHECK_USAGE("dom0", "status", "0");
	CHECK_USAGE("out of range", "status", "32752");
	CHECK_USAGE("out of range", "prepare", "99999999999999999999");
	CHECK_USAGE("empty DOMAIN", "prepare", "");
	CHECK_USAGE("unknown option '-x'", "status", "-x", "g");
	/* Every usage message tells what to do. */
	CHECK_USAGE("selfmig help", "prepare", "--frob", "g");
}

static void test_parse_notify(void)
{
	const struct smg_notify_opts *o = &args.notify;

	tap_test("parse: notify, good");
	CHECK_EQ(parse("notify", "g", "--phase", "stop", NULL), 0);
	CHECK_EQ(args.cmd, SMG_CMD_NOTIFY);
	CHECK_STR(args.domain, "g");
	CHECK_EQ(o->have_phase, 1);
	CHECK_EQ(o->phase, SMN_PHASE_STOP);
	CHECK_EQ(o->mode, SMN_MODE_ASSISTED);
	CHECK(o->dest == NULL);
	CHECK_EQ(o->deadline_s, 0);
	CHECK_EQ(o->have_seq, 0);
	CHECK_EQ(o->timeout_s, SMG_NOTIFY_TIMEOUT_S);
	CHECK_EQ(o->no_wait, 0);
	CHECK(o->raw == NULL);

	CHECK_EQ(parse("notify", "--phase=notice", "--dest", "host2", "--mode",
		       "transparent", "--deadline-s", "60", "--seq", "4294967295",
		       "--timeout", "9", "--no-wait", "12", NULL), 0);
	CHECK_STR(args.domain, "12");
	CHECK_EQ(o->phase, SMN_PHASE_NOTICE);
	CHECK_STR(o->dest, "host2");
	CHECK_EQ(o->mode, SMN_MODE_TRANSPARENT);
	CHECK_EQ(o->deadline_s, 60);
	CHECK_EQ(o->have_seq, 1);
	CHECK_EQ(o->seq, U32MAX);
	CHECK_EQ(o->timeout_s, 9);
	CHECK_EQ(o->no_wait, 1);

	CHECK_EQ(parse("notify", "g", "--seq", "0", "--phase", "done", NULL), 0);
	CHECK_EQ(o->have_seq, 1);
	CHECK_EQ(o->seq, 0);
	CHECK_EQ(o->phase, SMN_PHASE_DONE);
	CHECK_EQ(parse("notify", "g", "--phase", "abort", "--mode", "self", NULL), 0);
	CHECK_EQ(o->mode, SMN_MODE_SELF);

	CHECK_EQ(parse("notify", "g", "--raw", "selfmig/1 junk", NULL), 0);
	CHECK_STR(o->raw, "selfmig/1 junk");
	CHECK_EQ(parse("notify", "g", "--raw=", "--timeout", "2", NULL), 0);
	CHECK_STR(o->raw, "");
	CHECK_EQ(o->timeout_s, 2);
}

static void test_parse_notify_bad(void)
{
	tap_test("parse: notify, bad");
	CHECK_USAGE("needs --phase", "notify", "g");
	CHECK_USAGE("missing DOMAIN", "notify", "--phase", "stop");
	CHECK_USAGE("needs --dest", "notify", "g", "--phase", "notice");
	CHECK_USAGE("not one of notice", "notify", "g", "--phase", "go");
	CHECK_USAGE("not one of assisted", "notify", "g", "--phase", "stop",
		    "--mode", "fast");
	CHECK_USAGE("--phase needs a value", "notify", "g", "--phase");
	CHECK_USAGE("--seq", "notify", "g", "--phase", "stop", "--seq", "4294967296");
	CHECK_USAGE("--seq", "notify", "g", "--phase", "stop", "--seq", "-1");
	CHECK_USAGE("--seq", "notify", "g", "--phase", "stop", "--seq", "12x");
	CHECK_USAGE("--seq", "notify", "g", "--phase", "stop", "--seq", "");
	CHECK_USAGE("--seq", "notify", "g", "--phase", "stop", "--seq", " 1");
	CHECK_USAGE("--timeout", "notify", "g", "--phase", "stop", "--timeout", "0");
	CHECK_USAGE("--timeout", "notify", "g", "--phase", "stop", "--timeout", "3601");
	CHECK_USAGE("--deadline-s", "notify", "g", "--phase", "stop",
		    "--deadline-s", "0");
	CHECK_USAGE("--dest", "notify", "g", "--phase", "notice", "--dest", "a b");
	CHECK_USAGE("--dest", "notify", "g", "--phase", "notice", "--dest", "");
	CHECK_USAGE("--dest", "notify", "g", "--phase", "notice", "--dest",
		    "0123456789012345678901234567890123456789012345678901234567890123"
		    "0123456789012345678901234567890123456789012345678901234567890123");
	CHECK_USAGE("--raw and --fields send their text", "notify", "g", "--raw", "x", "--seq", "3");
	CHECK_USAGE("--raw and --fields send their text", "notify", "g", "--phase", "stop",
		    "--raw", "x");
	CHECK_USAGE("--no-wait takes no value", "notify", "g", "--phase", "stop",
		    "--no-wait=yes");
	CHECK_USAGE("unknown option '--json'", "notify", "g", "--phase", "stop",
		    "--json");
	CHECK_USAGE("unexpected argument 'h'", "notify", "g", "h", "--phase", "stop");
}

static void test_parse_migrate(void)
{
	const struct smg_migrate_opts *o = &args.migrate;

	tap_test("parse: migrate, good and defaults");
	CHECK_EQ(parse("migrate", "g", "localhost", NULL), 0);
	CHECK_EQ(args.cmd, SMG_CMD_MIGRATE);
	CHECK_STR(args.domain, "g");
	CHECK_STR(o->dest, "localhost");
	CHECK_EQ(o->mode, SMN_MODE_ASSISTED);
	CHECK_EQ(o->deadline_s, SMG_DEADLINE_S);
	CHECK_EQ(o->settle_ms, SMG_SETTLE_MS);
	CHECK_EQ(o->max_downtime_ms, 0);
	CHECK_EQ(o->max_bandwidth_mbit, 0);
	CHECK(o->json == NULL && o->xl_ssh == NULL && o->xl_log == NULL);
	CHECK_EQ(o->verbose, 0);

	CHECK_EQ(parse("migrate", "--mode", "transparent", "--json", "out.json",
		       "g", "--xl-ssh", "ssh -p 2222", "--xl-log=xl.log",
		       "--settle-ms", "0", "--deadline-s", "30", "-v", "host2", NULL), 0);
	CHECK_EQ(o->mode, SMN_MODE_TRANSPARENT);
	CHECK_STR(o->json, "out.json");
	CHECK_STR(o->xl_ssh, "ssh -p 2222");
	CHECK_STR(o->xl_log, "xl.log");
	CHECK_EQ(o->settle_ms, 0);
	CHECK_EQ(o->deadline_s, 30);
	CHECK_EQ(o->verbose, 1);
	CHECK_STR(args.domain, "g");
	CHECK_STR(o->dest, "host2");

	CHECK_EQ(parse("migrate", "--verbose", "--mode=assisted", "5", "--",
		       "-host", NULL), 0);
	CHECK_EQ(o->verbose, 1);
	CHECK_EQ(o->mode, SMN_MODE_ASSISTED);
	CHECK_STR(args.domain, "5");
	CHECK_STR(o->dest, "-host");

	/* Self mode takes its limits and the hook's address. */
	CHECK_EQ(parse("migrate", "--mode", "self", "--max-downtime", "50",
		       "--max-bandwidth=800", "--listen", "169.254.0.1:7002",
		       "g", "localhost", NULL), 0);
	CHECK_EQ(o->mode, SMN_MODE_SELF);
	CHECK_EQ(o->max_downtime_ms, 50);
	CHECK_EQ(o->max_bandwidth_mbit, 800);
	CHECK_STR(o->listen, "169.254.0.1:7002");
	CHECK_EQ(parse("migrate", "--mode", "self", "g", "h", NULL), 0);
	CHECK(o->listen == NULL && o->max_downtime_ms == 0 && o->max_bandwidth_mbit == 0);
	CHECK_EQ(o->verify, 0);
	CHECK_EQ(parse("migrate", "--verify", "--mode", "self", "g", "h", NULL), 0);
	CHECK_EQ(o->verify, 1);
}

static void test_self_rune(void)
{
	struct smg_migrate_opts o;
	char out[256];

	tap_test("self mode: the receiver's command");
	memset(&o, 0, sizeof(o));
	o.dest = "localhost";
	CHECK_EQ(smg_self_rune("xl", &o, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "xl migrate-receive");
	o.verbose = 1;
	CHECK_EQ(smg_self_rune("/usr/sbin/xl", &o, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "/usr/sbin/xl -vvv migrate-receive");
	o.verbose = 0;
	o.dest = "host2.example";
	CHECK_EQ(smg_self_rune("xl", &o, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "ssh host2.example xl migrate-receive");
	o.xl_ssh = "ssh -p 2222";
	CHECK_EQ(smg_self_rune("xl", &o, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "ssh -p 2222 host2.example xl migrate-receive");
	o.dest = "localhost";
	CHECK_EQ(smg_self_rune("xl", &o, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "ssh -p 2222 localhost xl migrate-receive");
	o.xl_ssh = NULL;
	o.dest = "h;rm";
	CHECK_EQ(smg_self_rune("xl", &o, out, sizeof(out), err, sizeof(err)), -1);
	CHECK(strstr(err, "DEST 'h;rm'") != NULL);
	o.dest = "localhost";
	CHECK_EQ(smg_self_rune("x l", &o, out, sizeof(out), err, sizeof(err)), -1);
	CHECK_EQ(smg_self_rune("xl", &o, out, 10, err, sizeof(err)), -1);
	CHECK(strstr(err, "too long") != NULL);

	tap_test("self mode: the hook's round lines");
	{
		struct smg_round rd;

		CHECK_EQ(smg_round_line("round 9: 5671 pages sent (54 zero), 23007232 bytes raw, 23007232 on wire, scanned 65439, dirty 5671, 15760.0 ms, 381.5 MiB/s", &rd), 0);
		CHECK_EQ(rd.round, 9);
		CHECK(rd.pages_sent == 5671 && rd.pages_dirty == 5671);
		CHECK(rd.mib_s > 381.4 && rd.mib_s < 381.6);
		CHECK_EQ(rd.predicted_stop_ms, 58);
		CHECK_EQ(smg_round_line("round 12 (final): 10 pages sent (0 zero), 40960 bytes raw, 40960 on wire, scanned 65439, dirty 10, 1.0 ms, 0.0 MiB/s", &rd), 0);
		CHECK_EQ(rd.round, 12);
		CHECK_EQ(rd.predicted_stop_ms, SMG_NONE);
		CHECK_EQ(smg_round_line("selfmig-hook: listening on 169.254.0.1:7001", &rd), -1);
		CHECK_EQ(smg_round_line("round 3: 5 pages sent", &rd), -1);
		CHECK_EQ(smg_round_line("", &rd), -1);
	}

	tap_test("self mode: figures from the hook's report");
	CHECK_EQ(smg_json_figure("{\"domid\":3,\"rounds\":12,\"hook_pages\":0}", "rounds"), 12);
	CHECK_EQ(smg_json_figure("{\"domid\":3,\"rounds\":12,\"hook_pages\":0}", "hook_pages"), 0);
	CHECK_EQ(smg_json_figure("{\"domid\":3}", "rounds"), SMG_NONE);
	CHECK_EQ(smg_json_figure("{\"rounds\":x}", "rounds"), SMG_NONE);
	CHECK_EQ(smg_json_figure("{\"rounds\":99999999999999999999}", "rounds"), SMG_NONE);
	CHECK_EQ(smg_json_figure("{\"stopped_ms\":412}", "stopped_ms"), 412);
}

static void test_parse_migrate_bad(void)
{
	tap_test("parse: migrate, bad");
	CHECK_USAGE("missing DEST", "migrate", "g");
	CHECK_USAGE("missing DOMAIN", "migrate");
	CHECK_USAGE("missing DOMAIN", "migrate", "--mode", "assisted");
	CHECK_USAGE("unexpected argument 'x'", "migrate", "g", "h", "x");
	CHECK_USAGE("not one of assisted, transparent, self", "migrate", "--mode",
		    "fast", "g", "h");
	CHECK_USAGE("--mode needs a value", "migrate", "g", "h", "--mode");
	CHECK_USAGE("unknown option '--bogus'", "migrate", "--bogus", "g", "h");
	CHECK_USAGE("unknown option '--phase'", "migrate", "--phase", "stop", "g", "h");
	CHECK_USAGE("unknown option '--raw'", "migrate", "--raw=x", "g", "h");
	CHECK_USAGE("--listen applies only to --mode self", "migrate",
		    "--listen", "169.254.0.1:7001", "g", "h");
	CHECK_USAGE("--verify applies only to --mode self", "migrate",
		    "--verify", "g", "h");
	CHECK_USAGE("--listen '169.254.0.1'", "migrate", "--mode", "self",
		    "--listen", "169.254.0.1", "g", "h");
	CHECK_USAGE("--listen needs a value", "migrate", "--mode", "self", "g", "h",
		    "--listen");
	/* The self-mode limits are refused with the other modes. */
	CHECK_USAGE("--max-bandwidth applies only to --mode self", "migrate",
		    "--max-bandwidth", "100", "g", "h");
	CHECK_USAGE("--max-bandwidth applies only to --mode self", "migrate",
		    "--mode", "assisted", "--max-bandwidth", "100", "g", "h");
	CHECK_USAGE("--max-downtime applies only to --mode self", "migrate",
		    "--mode", "transparent", "--max-downtime", "50", "g", "h");
	CHECK_USAGE("--max-downtime '0'", "migrate", "--max-downtime", "0", "g", "h");
	CHECK_USAGE("--max-bandwidth 'x'", "migrate", "--max-bandwidth", "x", "g", "h");
	CHECK_USAGE("--deadline-s", "migrate", "--deadline-s", "0", "g", "h");
	CHECK_USAGE("--deadline-s", "migrate", "--deadline-s", "31536001", "g", "h");
	CHECK_USAGE("--settle-ms", "migrate", "--settle-ms", "600001", "g", "h");
	CHECK_USAGE("--json needs a value", "migrate", "g", "h", "--json");
	CHECK_USAGE("--xl-ssh", "migrate", "--xl-ssh", "", "g", "h");
	CHECK_USAGE("DEST", "migrate", "g", "a host");
	CHECK_USAGE("dom0", "migrate", "0", "h");
	CHECK_USAGE("--verbose takes no value", "migrate", "--verbose=1", "g", "h");
}

static void test_parse_grammar(void)
{
	tap_test("parse: getopt_long's grammar, numbers in decimal");
	CHECK_EQ(parse("notify", "g", "--phase", "stop", "--seq", "010", NULL), 0);
	CHECK_EQ(args.notify.seq, 10);
	/* A unique prefix of a long option stands for it. */
	CHECK_EQ(parse("notify", "g", "--pha", "stop", "--time=7", NULL), 0);
	CHECK_EQ(args.notify.timeout_s, 7);
	CHECK_USAGE("ambiguous option '--de'", "notify", "g", "--de", "x");
	CHECK_USAGE("--timeout '0': out of range, 1 to 3600 (seconds)", "notify",
		    "g", "--phase", "stop", "--timeout", "0");
	CHECK_USAGE("--seq '0x10': not a whole number in decimal", "notify", "g",
		    "--phase", "stop", "--seq", "0x10");
	CHECK_USAGE("--settle-ms '-1': not a whole number", "migrate",
		    "--settle-ms", "-1", "g", "h");
	CHECK_USAGE("unknown option '-v' for 'status'", "status", "-v", "g");
	CHECK_HELP("status", "g", "-h");
	CHECK_HELP("migrate", "--help");
	/* Help wins over what follows it, not over what comes before. */
	CHECK_HELP("notify", "--help", "--frob");
	CHECK(err[0] == 0);
	CHECK_USAGE("unknown option '--frob'", "notify", "--frob", "--help");
	CHECK_EQ(parse("migrate", "-v", "g", "h", NULL), 0);
	CHECK_EQ(args.migrate.verbose, 1);
	/* Each parse starts afresh, whatever the one before left. */
	CHECK_USAGE("--phase needs a value", "notify", "g", "--phase");
	CHECK_EQ(parse("notify", "g", "--phase", "done", NULL), 0);
	CHECK_STR(args.domain, "g");
}

/* s parses as domid want. */
static int domid_is(const char *s, unsigned int want)
{
	unsigned int d = 99;

	return smg_parse_domid(s, &d) == 1 && d == want;
}

static void test_numbers(void)
{
	unsigned int d = 99;

	tap_test("smg_parse_domid and smg_value_ok");
	CHECK(domid_is("12", 12));
	CHECK(domid_is("0", 0));
	CHECK_EQ(smg_parse_domid("32751", &d), 1);
	CHECK_EQ(smg_parse_domid("32752", &d), -1);
	CHECK_EQ(smg_parse_domid("guest1", &d), 0);
	CHECK_EQ(smg_parse_domid("1a", &d), 0);
	CHECK_EQ(smg_parse_domid("", &d), 0);

	CHECK(smg_value_ok("host2.example:22"));
	CHECK(!smg_value_ok(""));
	CHECK(!smg_value_ok("a b"));
	CHECK(!smg_value_ok("a\tb"));
	CHECK(!smg_value_ok("caf\xc3\xa9"));
}

/* smg_next_seq on the ack, request and state values (NULL: missing). */
static int next_seq(const char *ack, const char *req, const char *state,
		    uint64_t now, uint64_t min, uint32_t *seq)
{
	const char *v[3] = { ack, req, state };
	size_t l[3];
	unsigned int i;

	for (i = 0; i < 3; i++)
		l[i] = v[i] ? strlen(v[i]) : 0;
	return smg_next_seq(v, l, 3, now, min, seq);
}

/* next_seq succeeds and picks want. */
static int seq_is(const char *ack, const char *req, const char *state,
		  uint64_t now, uint64_t min, uint64_t want)
{
	uint32_t seq;

	return next_seq(ack, req, state, now, min, &seq) == 0 && seq == want;
}

static void test_next_seq(void)
{
	char ack[SMN_MAX_LEN + 1], req[SMN_MAX_LEN + 1];
	const uint64_t now = 1700000000;
	uint32_t seq = 0;

	tap_test("seq: the largest of the clock, ack/request/state + 1 and min");
	/* Fresh keys: the clock. */
	CHECK(seq_is(NULL, NULL, NULL, now, 0, now));
	CHECK(seq_is("", "", NULL, now, 0, now));
	/* The clock truncated to 32 bits. */
	CHECK(seq_is(NULL, NULL, NULL, (1ULL << 32) + 5, 0, 5));

	/* Several requests in the same second: ack + 1. */
	snprintf(ack, sizeof(ack), "%s", msg("seq", "1700000003", "status", "ok", NULL, NULL));
	CHECK(seq_is(ack, NULL, NULL, now, 0, 1700000004));
	/* A rejected ack counts the same. */
	snprintf(ack, sizeof(ack), "%s",
		 msg("seq", "1700000007", "status", "rejected", "reason", "old-seq"));
	CHECK(seq_is(ack, NULL, NULL, now, 0, 1700000008));
	/* An unacknowledged request with a larger seq: above it. */
	snprintf(req, sizeof(req), "%s", msg("seq", "1700000010", "phase", "stop", NULL, NULL));
	CHECK(seq_is(ack, req, NULL, now, 0, 1700000011));
	/*
	 * Manual requests overwrote ack and request with small seqs: the
	 * guest's state still has its last seq.
	 */
	snprintf(ack, sizeof(ack), "%s",
		 msg("seq", "1", "status", "rejected", "reason", "old-seq"));
	snprintf(req, sizeof(req), "%s", msg("seq", "1", "phase", "done", NULL, NULL));
	CHECK(seq_is(ack, req, msg("state", "stopping", "seq", "1700000020",
				   "frozen", "0"), now, 0, 1700000021));
	CHECK_EQ(smg_next_seq(NULL, NULL, 0, now, 0, &seq), 0);
	CHECK_EQ(seq, now);
	snprintf(req, sizeof(req), "%s", msg("seq", "1700000010", "phase", "stop", NULL, NULL));
	/* The clock has moved past both: the clock. */
	CHECK(seq_is(ack, req, NULL, now + 100, 0, now + 100));
	/* Small seqs (set with --seq) do not pull it below the clock. */
	snprintf(ack, sizeof(ack), "%s", msg("seq", "3", "status", "ok", NULL, NULL));
	CHECK(seq_is(ack, NULL, NULL, now, 0, now));
	/* min chains a command's own requests (a migrated guest's empty keys). */
	CHECK(seq_is(NULL, NULL, NULL, now, now + 2, now + 2));
	CHECK(seq_is(NULL, NULL, NULL, now, U32MAX, U32MAX));
	CHECK_EQ(next_seq(NULL, NULL, NULL, now, U32MAX + 1, &seq), -1);

	/* Invalid values are ignored: garbage, bad crc, no seq, bad seq. */
	CHECK(seq_is("garbage", NULL, NULL, now, 0, now));
	snprintf(ack, sizeof(ack), "%s", msg("seq", "1800000000", "status", "ok", NULL, NULL));
	ack[strlen(ack) - 1] ^= 1;
	CHECK(seq_is(ack, NULL, NULL, now, 0, now));
	snprintf(ack, sizeof(ack), "%s", msg("status", "ok", NULL, NULL, NULL, NULL));
	CHECK(seq_is(ack, NULL, NULL, now, 0, now));
	snprintf(ack, sizeof(ack), "%s", msg("seq", "4294967296", "status", "ok", NULL, NULL));
	CHECK(seq_is(ack, NULL, NULL, now, 0, now));
	snprintf(ack, sizeof(ack), "%s", msg("seq", "-5", "status", "ok", NULL, NULL));
	CHECK(seq_is(ack, NULL, NULL, now, 0, now));

	/* The seq space used up. */
	snprintf(ack, sizeof(ack), "%s", msg("seq", "4294967295", "status", "ok", NULL, NULL));
	CHECK_EQ(next_seq(ack, NULL, NULL, now, 0, &seq), -1);
	snprintf(ack, sizeof(ack), "%s", msg("seq", "4294967294", "status", "ok", NULL, NULL));
	CHECK(seq_is(ack, NULL, NULL, now, 0, U32MAX));
}

static void test_request_text(void)
{
	struct smg_notify_opts o;
	struct smn_request r;
	char out[SMN_MAX_LEN + 1], e[128];
	int n;

	tap_test("request text: fields, deadline from now, refusals");
	memset(&o, 0, sizeof(o));
	o.have_phase = 1;
	o.phase = SMN_PHASE_NOTICE;
	o.mode = SMN_MODE_ASSISTED;
	o.dest = "localhost";
	o.deadline_s = 600;
	n = smg_request_text(&o, 42, 1700000000, out, sizeof(out), e, sizeof(e));
	CHECK(n > 0);
	CHECK_EQ(n, strlen(out));
	CHECK_EQ(smn_request_parse(out, (size_t)n, &r, e, sizeof(e)), 0);
	CHECK_EQ(r.seq, 42);
	CHECK_EQ(r.phase, SMN_PHASE_NOTICE);
	CHECK_EQ(r.mode, SMN_MODE_ASSISTED);
	CHECK_STR(r.dest, "localhost");
	CHECK_EQ(r.deadline, 1700000600);
	CHECK(starts_with(out, "selfmig/1 seq=42 phase=notice mode=assisted dest=localhost deadline=1700000600 crc="));

	/* stop without a destination or deadline */
	o.phase = SMN_PHASE_STOP;
	o.dest = NULL;
	o.deadline_s = 0;
	o.mode = SMN_MODE_TRANSPARENT;
	n = smg_request_text(&o, U32MAX, 5, out, sizeof(out), e, sizeof(e));
	CHECK(n > 0);
	CHECK_EQ(smn_request_parse(out, (size_t)n, &r, e, sizeof(e)), 0);
	CHECK_EQ(r.seq, U32MAX);
	CHECK_EQ(r.phase, SMN_PHASE_STOP);
	CHECK_EQ(r.mode, SMN_MODE_TRANSPARENT);
	CHECK_EQ(r.dest[0], 0);
	CHECK_EQ(r.deadline, 0);
	CHECK(strstr(out, "deadline") == NULL);

	/* refusals */
	o.phase = SMN_PHASE_NOTICE;
	CHECK_EQ(smg_request_text(&o, 1, 5, out, sizeof(out), e, sizeof(e)), -1);
	CHECK(strstr(e, "destination") != NULL);
	o.dest = "a b";
	CHECK_EQ(smg_request_text(&o, 1, 5, out, sizeof(out), e, sizeof(e)), -1);
	o.dest = "h";
	o.have_phase = 0;
	CHECK_EQ(smg_request_text(&o, 1, 5, out, sizeof(out), e, sizeof(e)), -1);
	o.have_phase = 1;
	CHECK_EQ(smg_request_text(&o, 1, 5, out, 20, e, sizeof(e)), -1);
	CHECK(smg_request_text(&o, 1, 5, out, sizeof(out), e, sizeof(e)) > 0);
}

static void test_ack_parse(void)
{
	struct smg_ack a;
	char line[128], m[SMN_MAX_LEN + 1];

	tap_test("ack: parse and print");
	snprintf(m, sizeof(m), "%s", msg("seq", "17", "status", "ok", NULL, NULL));
	CHECK_EQ(smg_ack_parse(m, strlen(m), &a), 0);
	CHECK_EQ(a.seq, 17);
	CHECK_EQ(a.ok, 1);
	CHECK_EQ(a.reason[0], 0);
	smg_ack_line(&a, line, sizeof(line));
	CHECK_STR(line, "ack seq=17 status=ok");

	snprintf(m, sizeof(m), "%s",
		 msg("seq", "4294967295", "status", "rejected", "reason", "old-seq"));
	CHECK_EQ(smg_ack_parse(m, strlen(m), &a), 0);
	CHECK_EQ(a.seq, U32MAX);
	CHECK_EQ(a.ok, 0);
	CHECK_STR(a.reason, "old-seq");
	smg_ack_line(&a, line, sizeof(line));
	CHECK_STR(line, "ack seq=4294967295 status=rejected reason=old-seq");

	/* A rejection without a reason; unknown fields are ignored. */
	snprintf(m, sizeof(m), "%s", msg("seq", "0", "status", "rejected", "x-new", "1"));
	CHECK_EQ(smg_ack_parse(m, strlen(m), &a), 0);
	CHECK_EQ(a.ok, 0);
	CHECK_EQ(a.reason[0], 0);
	smg_ack_line(&a, line, sizeof(line));
	CHECK_STR(line, "ack seq=0 status=rejected reason=none");

	/* Not acks. */
	snprintf(m, sizeof(m), "%s", msg("seq", "1", "status", "maybe", NULL, NULL));
	CHECK_EQ(smg_ack_parse(m, strlen(m), &a), -1);
	snprintf(m, sizeof(m), "%s", msg("seq", "1", NULL, NULL, NULL, NULL));
	CHECK_EQ(smg_ack_parse(m, strlen(m), &a), -1);
	snprintf(m, sizeof(m), "%s", msg("status", "ok", NULL, NULL, NULL, NULL));
	CHECK_EQ(smg_ack_parse(m, strlen(m), &a), -1);
	snprintf(m, sizeof(m), "%s", msg("seq", "x", "status", "ok", NULL, NULL));
	CHECK_EQ(smg_ack_parse(m, strlen(m), &a), -1);
	snprintf(m, sizeof(m), "%s", msg("seq", "1", "status", "ok", NULL, NULL));
	m[10] = 'S';		/* checksum no longer matches */
	CHECK_EQ(smg_ack_parse(m, strlen(m), &a), -1);
	CHECK_EQ(smg_ack_parse("", 0, &a), -1);
	CHECK_EQ(smg_ack_parse("selfmig/1 seq=1 status=ok", 25, &a), -1);

	CHECK(strstr(smg_reject_hint("old-seq"), "--seq") != NULL);
	CHECK(strstr(smg_reject_hint("not-from-dom0"), "selfmig prepare") != NULL);
	CHECK(strstr(smg_reject_hint("no-destination"), "--dest") != NULL);
	CHECK(smg_reject_hint("something-new") != NULL);
	CHECK(smg_reject_hint("") != NULL);
}

static void test_ack_check(void)
{
	char old[SMN_MAX_LEN + 1], cur[SMN_MAX_LEN + 1];
	struct smg_ack a;

	tap_test("ack: a new ack with our seq answers, an old one does not");
	snprintf(old, sizeof(old), "%s", msg("seq", "9", "status", "ok", NULL, NULL));
	snprintf(cur, sizeof(cur), "%s", msg("seq", "10", "status", "ok", NULL, NULL));

	/* Nothing there yet, or not an ack. */
	CHECK_EQ(smg_ack_check(NULL, 0, old, strlen(old), 1, 10, &a), 0);
	CHECK_EQ(smg_ack_check("", 0, old, strlen(old), 1, 10, &a), 0);
	CHECK_EQ(smg_ack_check("junk", 4, NULL, 0, 1, -1, &a), 0);
	/* The old value, unchanged. */
	CHECK_EQ(smg_ack_check(old, strlen(old), old, strlen(old), 0, 9, &a), 0);
	CHECK_EQ(smg_ack_check(old, strlen(old), old, strlen(old), 0, -1, &a), 0);
	/* The new ack. */
	memset(&a, 0, sizeof(a));
	CHECK_EQ(smg_ack_check(cur, strlen(cur), old, strlen(old), 0, 10, &a), 1);
	CHECK_EQ(a.seq, 10);
	CHECK_EQ(a.ok, 1);
	CHECK_EQ(smg_ack_check(cur, strlen(cur), NULL, 0, 0, 10, &a), 1);
	/* A new ack for another request. */
	CHECK_EQ(smg_ack_check(cur, strlen(cur), old, strlen(old), 0, 11, &a), 0);
	CHECK_EQ(smg_ack_check(cur, strlen(cur), old, strlen(old), 1, 11, &a), 0);
	/* --raw takes any new ack. */
	CHECK_EQ(smg_ack_check(cur, strlen(cur), old, strlen(old), 0, -1, &a), 1);
	/* The same value written again after the request (a watch event). */
	CHECK_EQ(smg_ack_check(old, strlen(old), old, strlen(old), 1, 9, &a), 1);
	CHECK_EQ(smg_ack_check(old, strlen(old), old, strlen(old), 1, -1, &a), 1);
	/* A value that only shares a prefix with the old one is new. */
	CHECK_EQ(smg_ack_check(cur, strlen(cur), cur, strlen(cur) - 1, 0, 10, &a), 1);
	snprintf(old, sizeof(old), "%s", msg("seq", "10", "status", "rejected",
					     "reason", "old-seq"));
	CHECK_EQ(smg_ack_check(cur, strlen(cur), old, strlen(old), 0, 10, &a), 1);
	CHECK_EQ(a.ok, 1);
}

static void test_perms(void)
{
	struct smg_perm p[2], q[3];
	const unsigned int d = 7;

	tap_test("key permissions: wanted and checked");
	CHECK_EQ(smg_perms_want(SMG_KEY_REQUEST, 0, d, p), 2);
	CHECK(p[0].id == 0 && p[0].perms == SMG_PERM_NONE);
	CHECK(p[1].id == d && p[1].perms == SMG_PERM_READ);
	CHECK_EQ(smg_perms_want(SMG_KEY_ACK, 1, d, p), 2);	/* the directory */
	CHECK(p[0].id == 0 && p[1].id == d && p[1].perms == SMG_PERM_READ);
	CHECK_EQ(smg_perms_want(SMG_KEY_FEATURE, 0, d, p), 1);
	CHECK(p[0].id == d && p[0].perms == SMG_PERM_NONE);
	CHECK_EQ(smg_perms_want(SMG_KEY_ACK, 0, d, p), 1);
	CHECK_EQ(smg_perms_want(SMG_KEY_STATE, 0, d, p), 1);
	CHECK_EQ(smg_perms_want(SMG_KEY_PROGRESS, 0, d, p), 1);
	CHECK_EQ(smg_perms_want(SMG_KEY_FINAL_SET, 0, d, p), 1);
	CHECK_EQ(p[0].id, d);

	/* request: exactly n0 rDOMID */
	q[0] = (struct smg_perm){ 0, SMG_PERM_NONE };
	q[1] = (struct smg_perm){ d, SMG_PERM_READ };
	CHECK(smg_perms_ok(SMG_KEY_REQUEST, d, q, 2));
	CHECK(!smg_perms_ok(SMG_KEY_REQUEST, d, q, 1));
	CHECK(!smg_perms_ok(SMG_KEY_REQUEST, d + 1, q, 2));
	q[1].perms = SMG_PERM_READ | SMG_PERM_WRITE;
	CHECK(!smg_perms_ok(SMG_KEY_REQUEST, d, q, 2));
	q[1].perms = SMG_PERM_READ;
	q[0].perms = SMG_PERM_READ;		/* everyone may read */
	CHECK(!smg_perms_ok(SMG_KEY_REQUEST, d, q, 2));
	q[0] = (struct smg_perm){ d, SMG_PERM_NONE };	/* guest owns it */
	CHECK(!smg_perms_ok(SMG_KEY_REQUEST, d, q, 2));
	q[0] = (struct smg_perm){ 0, SMG_PERM_NONE };
	q[2] = (struct smg_perm){ 9, SMG_PERM_WRITE };	/* a third party */
	CHECK(!smg_perms_ok(SMG_KEY_REQUEST, d, q, 3));
	CHECK(!smg_perms_ok(SMG_KEY_REQUEST, d, q, 0));

	/* guest keys: owner is the guest, the rest is its business */
	q[0] = (struct smg_perm){ d, SMG_PERM_NONE };
	CHECK(smg_perms_ok(SMG_KEY_ACK, d, q, 1));
	q[0].perms = SMG_PERM_READ;
	q[1] = (struct smg_perm){ 0, SMG_PERM_READ };
	CHECK(smg_perms_ok(SMG_KEY_STATE, d, q, 2));
	q[0] = (struct smg_perm){ 0, SMG_PERM_NONE };
	q[1] = (struct smg_perm){ d, SMG_PERM_READ | SMG_PERM_WRITE };
	CHECK(!smg_perms_ok(SMG_KEY_FEATURE, d, q, 2));
	CHECK(!smg_perms_ok(SMG_KEY_ACK, d, q, 0));

	CHECK_STR(smg_keys[SMG_KEY_FEATURE].path, "control/feature-selfmig");
	CHECK_STR(smg_keys[SMG_KEY_REQUEST].path, "control/selfmig/request");
	CHECK_STR(smg_keys[SMG_KEY_FINAL_SET].path, "control/selfmig/final-set");
}

static const char *xl_av[SMG_XL_ARGC_MAX];
static char xl_host[64], xl_err[256];

/* smg_xl_argv into xl_av and xl_err, with hostlen bytes of xl_host. */
static int xl_argv(const char *xl, const struct smg_migrate_opts *o,
		   const char *domain, const char *path, size_t hostlen)
{
	return smg_xl_argv(xl, o, domain, path, xl_host, hostlen, xl_av, xl_err,
			   sizeof(xl_err));
}

/* From xl_av[from] on, xl_av holds the words given up to a NULL, and ends. */
static void check_xl_av(int from, ...)
{
	const char *want;
	va_list ap;
	int i = from;

	va_start(ap, from);
	do {
		want = va_arg(ap, const char *);
		if (want ? !xl_av[i] || strcmp(xl_av[i], want) : xl_av[i] != NULL)
			tap_fail(__FILE__, __LINE__, "xl argv[%d] is '%s', want '%s'",
				 i, xl_av[i] ? xl_av[i] : "(null)",
				 want ? want : "(null)");
		i++;
	} while (want);
	va_end(ap);
}

static void test_xl_argv(void)
{
	struct smg_migrate_opts o;

	tap_test("xl argv: localhost through env, --xl-ssh, remote, -vvv");
	memset(&o, 0, sizeof(o));
	o.dest = "localhost";
	CHECK_EQ(xl_argv("xl", &o, "5", "/usr/sbin:/usr/bin", sizeof(xl_host)), 0);
	check_xl_av(0, "xl", "migrate", "-s", "env", "5", "PATH=/usr/sbin:/usr/bin",
		    NULL);

	o.verbose = 1;
	CHECK_EQ(xl_argv("/opt/xl", &o, "5", "/bin", sizeof(xl_host)), 0);
	CHECK_STR(xl_av[0], "/opt/xl");
	CHECK_STR(xl_av[1], "-vvv");
	CHECK_STR(xl_av[2], "migrate");
	check_xl_av(6, "PATH=/bin", NULL);

	/* --xl-ssh: passed as -s, the host as given, also for localhost */
	o.verbose = 0;
	o.xl_ssh = "ssh -p 2222";
	CHECK_EQ(xl_argv("xl", &o, "5", "/bin", sizeof(xl_host)), 0);
	check_xl_av(2, "-s", "ssh -p 2222", "5", "localhost", NULL);

	/* another host: plain xl migrate (ssh), PATH not needed */
	o.xl_ssh = NULL;
	o.dest = "host2";
	CHECK_EQ(xl_argv("xl", &o, "12", NULL, sizeof(xl_host)), 0);
	check_xl_av(1, "migrate", "12", "host2", NULL);

	/* a PATH the shell would split, none, or too long */
	o.dest = "localhost";
	CHECK_EQ(xl_argv("xl", &o, "5", "/my dir:/bin", sizeof(xl_host)), -1);
	CHECK(strstr(xl_err, "--xl-ssh") != NULL);
	CHECK_EQ(xl_argv("xl", &o, "5", "/bin;rm", sizeof(xl_host)), -1);
	CHECK_EQ(xl_argv("xl", &o, "5", NULL, sizeof(xl_host)), -1);
	CHECK_EQ(xl_argv("xl", &o, "5", "", sizeof(xl_host)), -1);
	CHECK_EQ(xl_argv("xl", &o, "5", "/usr/local/sbin:/usr/local/bin", 10), -1);
	CHECK(smg_dest_is_local("localhost"));
	CHECK(!smg_dest_is_local("localhost2"));
	CHECK(smg_shell_safe("/usr/local/bin:/a-b_c.d,e+f=g@h%i"));
	CHECK(!smg_shell_safe("$HOME"));
	CHECK(!smg_shell_safe("a'b"));
}

/* r's report, as text or as JSON, as a malloc'ed string. */
static char *report_of(const struct smg_report *r, int json)
{
	struct capture c;

	if (json)
		smg_report_json(cap_open(&c), r);
	else
		smg_report_text(cap_open(&c), r);
	return cap_close(&c);
}

/*
 * r's report: as text, text (with part: text within it); as JSON, valid and
 * json (with part: json within it).
 */
static void check_report(const struct smg_report *r, int part,
			 const char *text, const char *json)
{
	char *s;

	s = report_of(r, 0);
	if (part)
		CHECK(strstr(s, text) != NULL);
	else
		CHECK_STR(s, text);
	free(s);
	s = report_of(r, 1);
	CHECK(json_valid(s));
	if (part)
		CHECK(strstr(s, json) != NULL);
	else
		CHECK_STR(s, json);
	free(s);
}

/* A fresh report of this mode, domain and dest. */
static void report_start(struct smg_report *r, enum smn_mode mode,
			 const char *domain, const char *dest)
{
	smg_report_init(r);
	r->mode = mode;
	r->domain = domain;
	r->dest = dest;
}

/* How the migration ended. */
static void report_end(struct smg_report *r, int xl_exit, long long total_ms,
		       int ok)
{
	r->xl_exit = xl_exit;
	r->total_ms = total_ms;
	r->ok = ok;
}

static void test_report(void)
{
	struct smg_report r;
	char *s;

	tap_test("report: text and JSON, with and without figures");
	report_start(&r, SMN_MODE_ASSISTED, "guest1", "localhost");
	r.guest_helped = 1;
	r.notice_ack_ms = 12;
	r.stop_ack_ms = 3;
	r.done_ack_ms = 40;
	report_end(&r, 0, 8123, 1);
	check_report(&r, 0,
		     "mode: assisted\ndomain: guest1\ndest: localhost\n"
		     "guest_helped: true\nnotice_ack_ms: 12\nstop_ack_ms: 3\n"
		     "done_ack_ms: 40\nxl_exit: 0\ntotal_ms: 8123\nok: true\n",
		     "{\"mode\":\"assisted\",\"domain\":\"guest1\",\"dest\":\"localhost\","
		     "\"guest_helped\":true,\"notice_ack_ms\":12,\"stop_ack_ms\":3,"
		     "\"done_ack_ms\":40,\"xl_exit\":0,\"total_ms\":8123,\"ok\":true}\n");

	/* transparent, xl failed: no acks */
	report_start(&r, SMN_MODE_TRANSPARENT, "g", "host2");
	report_end(&r, 1, 0, 0);
	check_report(&r, 0,
		     "mode: transparent\ndomain: g\ndest: host2\nguest_helped: false\n"
		     "notice_ack_ms: -\nstop_ack_ms: -\ndone_ack_ms: -\nxl_exit: 1\n"
		     "total_ms: 0\nok: false\n",
		     "{\"mode\":\"transparent\",\"domain\":\"g\",\"dest\":\"host2\","
		     "\"guest_helped\":false,\"notice_ack_ms\":null,\"stop_ack_ms\":null,"
		     "\"done_ack_ms\":null,\"xl_exit\":1,\"total_ms\":0,\"ok\":false}\n");

	/* defaults: nothing measured; names that need escaping */
	smg_report_init(&r);
	r.domain = "we\"ird\\name";
	r.dest = "a\tb";
	s = report_of(&r, 1);
	CHECK(json_valid(s));
	CHECK(strstr(s, "\"domain\":\"we\\\"ird\\\\name\"") != NULL);
	CHECK(strstr(s, "\"dest\":\"a\\u0009b\"") != NULL);
	CHECK(strstr(s, "\"xl_exit\":null,\"total_ms\":null") != NULL);
	free(s);
	s = report_of(&r, 0);
	CHECK(strstr(s, "\nxl_exit: -\ntotal_ms: -\nok: false\n") != NULL);
	free(s);

	/* self mode: the hook's figures follow */
	report_start(&r, SMN_MODE_SELF, "g", "localhost");
	r.rounds = 7;
	r.stream_bytes = 300000000;
	r.hook_pages = 420;
	r.final_set_pages = 400;
	r.guest_pages = 65536;
	report_end(&r, -1, 9000, 1);
	check_report(&r, 1,
		     "total_ms: 9000\nrounds: 7\nstream_bytes: 300000000\n"
		     "hook_pages: 420\nfinal_set_pages: 400\nguest_pages: 65536\n"
		     "stopped_ms: -\nok: true\n",
		     "\"rounds\":7,\"stream_bytes\":300000000,\"hook_pages\":420,"
		     "\"final_set_pages\":400,\"guest_pages\":65536,\"stopped_ms\":null,"
		     "\"ok\":true}");

	/* --verify's figures appear when the hook reports them */
	smg_report_take_hook(&r, "{\"rounds\":7,\"verify_checked_pages\":12000,\"verify_missed_pages\":0}");
	check_report(&r, 1,
		     "stopped_ms: -\nverify_checked_pages: 12000\nverify_missed_pages: 0\nok: true\n",
		     "\"verify_checked_pages\":12000,\"verify_missed_pages\":0,\"ok\":true}");
}

static void test_status(void)
{
	char req[SMN_MAX_LEN + 1], ack[SMN_MAX_LEN + 1];
	struct smg_status st;
	struct capture c;
	char *s;

	tap_test("status: text and JSON, messages decoded, bad values shown");
	snprintf(req, sizeof(req), "%s", msg("seq", "12", "phase", "notice", "dest", "h2"));
	snprintf(ack, sizeof(ack), "%s", msg("seq", "12", "status", "ok", NULL, NULL));
	memset(&st, 0, sizeof(st));
	st.name = "guest1";
	st.domid = 3;
	st.val[SMG_KEY_FEATURE] = "1";
	st.len[SMG_KEY_FEATURE] = 1;
	st.val[SMG_KEY_REQUEST] = req;
	st.len[SMG_KEY_REQUEST] = strlen(req);
	st.val[SMG_KEY_ACK] = ack;
	st.len[SMG_KEY_ACK] = strlen(ack);
	st.val[SMG_KEY_STATE] = "garbage\001\xff";
	st.len[SMG_KEY_STATE] = 9;
	st.val[SMG_KEY_PROGRESS] = "";
	st.len[SMG_KEY_PROGRESS] = 0;
	/* final-set missing */

	smg_status_text(cap_open(&c), &st);
	s = cap_close(&c);
	CHECK_STR(s, "domain: guest1 (domid 3)\n"
		  "feature-selfmig: 1\n"
		  "request: seq=12 phase=notice dest=h2\n"
		  "ack: seq=12 status=ok\n"
		  "state: 'garbage?\?' (not a message: not a selfmig/1 message)\n"
		  "progress: (empty)\n"
		  "final-set: (missing)\n");
	free(s);

	smg_status_json(cap_open(&c), &st);
	s = cap_close(&c);
	CHECK(json_valid(s));
	CHECK(starts_with(s, "{\"domain\":\"guest1\",\"domid\":3,\"feature-selfmig\":{\"value\":\"1\"},"
			  "\"request\":{\"value\":\"selfmig/1 seq=12 phase=notice dest=h2 crc="));
	CHECK(strstr(s, "\"fields\":{\"seq\":\"12\",\"phase\":\"notice\",\"dest\":\"h2\"}}") != NULL);
	CHECK(strstr(s, "\"state\":{\"value\":\"garbage??\",\"error\":\"not a selfmig/1 message\"}") != NULL);
	CHECK(strstr(s, "\"progress\":{\"value\":\"\"},\"final-set\":null}\n") != NULL);
	free(s);

	/* nothing there at all */
	memset(&st, 0, sizeof(st));
	st.name = "g";
	st.domid = 9;
	smg_status_json(cap_open(&c), &st);
	s = cap_close(&c);
	CHECK_STR(s, "{\"domain\":\"g\",\"domid\":9,\"feature-selfmig\":null,\"request\":null,"
		  "\"ack\":null,\"state\":null,\"progress\":null,\"final-set\":null}\n");
	CHECK(json_valid(s));
	free(s);
}

static void test_usage(void)
{
	struct capture c;
	char *s;

	tap_test("usage names every subcommand and the exit codes");
	smg_usage(cap_open(&c));
	s = cap_close(&c);
	CHECK(strstr(s, "selfmig prepare DOMAIN") != NULL);
	CHECK(strstr(s, "selfmig notify DOMAIN") != NULL);
	CHECK(strstr(s, "selfmig status DOMAIN") != NULL);
	CHECK(strstr(s, "selfmig migrate") != NULL);
	CHECK(strstr(s, "4 no acknowledgement") != NULL);
	free(s);
}

static void test_fields(void)
{
	char out[SMN_MAX_LEN + 1], why[160];
	struct smn_msg m;

	tap_test("--fields: a well-formed message with exactly those fields");
	CHECK(smg_fields_text(" seq=9  phase=teleport ", out, sizeof(out), why, sizeof(why)) > 0);
	CHECK(smn_parse(out, strlen(out), &m, why, sizeof(why)) == 0);
	CHECK(m.n == 2 && !strcmp(smn_get(&m, "phase"), "teleport"));
	CHECK(smg_fields_text("", out, sizeof(out), why, sizeof(why)) > 0);
	CHECK(smg_fields_text("novalue", out, sizeof(out), why, sizeof(why)) == -1);
	CHECK(smg_fields_text("crc=1", out, sizeof(out), why, sizeof(why)) == -1);
	CHECK(smg_fields_text("Bad=1", out, sizeof(out), why, sizeof(why)) == -1);
}

int main(void)
{
	test_json_checker();
	test_parse_simple();
	test_parse_simple_bad();
	test_parse_notify();
	test_parse_notify_bad();
	test_parse_migrate();
	test_parse_migrate_bad();
	test_self_rune();
	test_parse_grammar();
	test_numbers();
	test_next_seq();
	test_request_text();
	test_ack_parse();
	test_ack_check();
	test_perms();
	test_xl_argv();
	test_report();
	test_status();
	test_usage();
	test_fields();
	return tap_done();
}
