// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the selfmig command's argument parsing, good and bad, for
 * every subcommand; number and domid parsing; usage and the fields of
 * its keys.  The notice protocol is tested in test_selfmig_notice.c, the
 * reports in test_selfmig_report.c.
 */
#include "clitest.h"

/* ------------------------------------------------------------------ */

static void test_json_checker(void)
{
	tap_test("the test's JSON checker accepts and refuses the right things");
	CHECK(json_valid("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"x\\\"\\u0001\"}}\n"));
	CHECK(json_valid("{}"));
	CHECK(json_valid("[1.5,-0.25,2e3,1E-2]"));
	CHECK(!json_valid("[1.]") && !json_valid("[.5]") && !json_valid("[1e]"));
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

static void test_parse_wws(void)
{
	tap_test("parse: wws, its defaults and its options");
	CHECK_EQ(parse("wws", "g", NULL), 0);
	CHECK_EQ(args.cmd, SMG_CMD_WWS);
	CHECK(!strcmp(args.domain, "g"));
	CHECK_U64(args.wws.seconds, SMG_WWS_SECONDS);
	CHECK_U64(args.wws.interval_ms, SMG_WWS_INTERVAL_MS);
	CHECK_U64(args.wws.bandwidth_mbit, SMG_WWS_BANDWIDTH);
	CHECK(args.wws.json == NULL);
	CHECK_EQ(parse("wws", "--seconds", "60", "--interval-ms=1000", "g",
		       "--bandwidth", "400", "--json", "w.json", NULL), 0);
	CHECK_U64(args.wws.seconds, 60);
	CHECK_U64(args.wws.interval_ms, 1000);
	CHECK_U64(args.wws.bandwidth_mbit, 400);
	CHECK(!strcmp(args.wws.json, "w.json"));
	CHECK_HELP("wws", "--help");

	tap_test("parse: wws refuses what the guest could not do");
	CHECK_USAGE("missing DOMAIN", "wws");
	CHECK_USAGE("out of range", "wws", "--interval-ms", "9", "g");
	CHECK_USAGE("out of range", "wws", "--seconds", "3601", "g");
	CHECK_USAGE("raise --interval-ms to at least 1500", "wws", "--seconds", "300", "g");
	CHECK_USAGE("unexpected argument", "wws", "g", "h");
	CHECK_USAGE("unknown option", "wws", "--mode", "self", "g");
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
	test_usage();
	test_fields();
	test_parse_wws();
	return tap_done();
}
