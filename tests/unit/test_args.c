// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the shared command-line grammar (userspace/common/args.c):
 * the strict decimal parser, signed and unsigned, and the messages of
 * smc_getopt for every kind of bad option.
 */
#include <stdarg.h>
#include <string.h>

#include "argv.h"
#include "tap.h"
#include "args.h"
#include "options.h"

static char err[256];

#define CHECK_ERR(what)                                                    \
	do {                                                               \
		if (!strstr(err, what))                                    \
			tap_fail(__FILE__, __LINE__, "message '%s' lacks '%s'", \
				 err, what);                               \
	} while (0)

static void test_u64(void)
{
	uint64_t v = 7;

	tap_test("smc_parse_u64: decimal, bounded, strict");
	CHECK_EQ(smc_parse_u64("--n", "0", 0, 10, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(smc_parse_u64("--n", "10", 0, 10, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 10);
	/* Leading zeros are decimal, never octal. */
	CHECK_EQ(smc_parse_u64("--n", "010", 0, 100, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 10);
	CHECK_EQ(smc_parse_u64("--n", "18446744073709551615", 0, UINT64_MAX, &v,
			       err, sizeof(err)), 0);
	CHECK(v == UINT64_MAX);

	v = 7;
	CHECK_EQ(smc_parse_u64("--n", "11", 0, 10, &v, err, sizeof(err)), -1);
	CHECK_ERR("--n '11': out of range, 0 to 10");
	CHECK_EQ(v, 7);
	CHECK_EQ(smc_parse_u64("--n", "4", 5, 10, &v, err, sizeof(err)), -1);
	CHECK_ERR("out of range, 5 to 10");
	CHECK_EQ(smc_parse_u64("--n", "18446744073709551616", 0, UINT64_MAX, &v,
			       err, sizeof(err)), -1);
	CHECK_ERR("out of range");
	CHECK_EQ(smc_parse_u64("--n", "99999999999999999999999", 0, 10, &v,
			       err, sizeof(err)), -1);
	CHECK_ERR("out of range");
	CHECK_EQ(smc_parse_u64("--mib", "12x", 0, 100, &v, err, sizeof(err)), -1);
	CHECK_ERR("--mib '12x': not a whole number in decimal");
	CHECK_EQ(smc_parse_u64("--n", "0x10", 0, 100, &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_u64("--n", "+1", 0, 10, &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_u64("--n", "-0", 0, 10, &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_u64("--n", " 1", 0, 10, &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_u64("--n", "1 ", 0, 10, &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_u64("--n", "1.5", 0, 10, &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_u64("--n", "", 0, 10, &v, err, sizeof(err)), -1);
	CHECK_ERR("--n '': not a whole number");
	CHECK_EQ(smc_parse_u64("--n", NULL, 0, 10, &v, err, sizeof(err)), -1);
	CHECK_EQ(v, 7);
	/* Without an option name, and without a buffer for the message. */
	CHECK_EQ(smc_parse_u64(NULL, "x", 0, 10, &v, err, sizeof(err)), -1);
	CHECK(!strcmp(err, "'x': not a whole number in decimal"));
	CHECK_EQ(smc_parse_u64(NULL, "x", 0, 10, &v, NULL, 0), -1);
	CHECK_EQ(smc_parse_u64(NULL, "3", 0, 10, &v, NULL, 0), 0);
	CHECK_EQ(v, 3);
}

static void test_i64(void)
{
	int64_t v = 7;

	tap_test("smc_parse_i64: an optional minus, bounded");
	CHECK_EQ(smc_parse_i64("--nice", "-20", -20, 19, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, -20);
	CHECK_EQ(smc_parse_i64("--nice", "19", -20, 19, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 19);
	CHECK_EQ(smc_parse_i64("--nice", "-0", -20, 19, &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(smc_parse_i64("--n", "-9223372036854775808", INT64_MIN, INT64_MAX,
			       &v, err, sizeof(err)), 0);
	CHECK(v == INT64_MIN);
	CHECK_EQ(smc_parse_i64("--n", "9223372036854775807", INT64_MIN, INT64_MAX,
			       &v, err, sizeof(err)), 0);
	CHECK(v == INT64_MAX);

	v = 7;
	CHECK_EQ(smc_parse_i64("--n", "9223372036854775808", INT64_MIN, INT64_MAX,
			       &v, err, sizeof(err)), -1);
	CHECK_ERR("out of range");
	CHECK_EQ(smc_parse_i64("--n", "-9223372036854775809", INT64_MIN, INT64_MAX,
			       &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_i64("--nice", "-21", -20, 19, &v, err, sizeof(err)), -1);
	CHECK_ERR("--nice '-21': out of range, -20 to 19");
	CHECK_EQ(smc_parse_i64("--nice", "20", -20, 19, &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_i64("--nice", "5x", -20, 19, &v, err, sizeof(err)), -1);
	CHECK_ERR("--nice '5x': not a whole number in decimal");
	CHECK_EQ(smc_parse_i64("--nice", "-", -20, 19, &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_i64("--nice", "--1", -20, 19, &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_i64("--nice", "+1", -20, 19, &v, err, sizeof(err)), -1);
	CHECK_EQ(smc_parse_i64("--nice", "", -20, 19, &v, err, sizeof(err)), -1);
	CHECK_EQ(v, 7);
}

static const int ids[] = { SMC_O_DEST, SMC_O_DEADLINE_S, SMC_O_NO_WAIT, SMC_O_HELP, 0 };
static struct smc_opts set;
static const struct option *lo;

/* Run smc_getopt over a NULL-terminated command line; the last result. */
static int run(const char *first, ...)
{
	char *argv[16];
	int argc, c;

	TEST_ARGV_VA(argc, argv, "prog", first);
	err[0] = 0;
	optind = 0;
	while ((c = smc_getopt(argc, argv, "h", lo, err, sizeof(err))) != -1)
		if (c == '?')
			return c;
	return -1;
}

/* A command line smc_getopt refuses, with what in the message. */
#define CHECK_REFUSED(what, ...)                                           \
	do {                                                               \
		CHECK_EQ(run(__VA_ARGS__, (const char *)NULL), '?');       \
		CHECK_ERR(what);                                           \
	} while (0)

static void test_getopt(void)
{
	tap_test("smc_getopt: good options pass, bad ones are named");
	CHECK_EQ(run("--dest", "x", "--no-wait", "-h", "pos", NULL), -1);
	CHECK_EQ(run("--dest=x", "--deadline-s=3", NULL), -1);
	CHECK_EQ(run("--no", "--des", "x", NULL), -1);
	CHECK(err[0] == 0);

	CHECK_REFUSED("unknown option '--frob'", "--frob");
	CHECK_REFUSED("unknown option '--frob'", "--frob=1");
	CHECK_REFUSED("unknown option '-x'", "-x");
	CHECK_REFUSED("ambiguous option '--de'", "--de", "x");
	CHECK_ERR("--dest");
	CHECK_ERR("--deadline-s");
	CHECK_REFUSED("--dest needs a value", "--dest");
	CHECK_REFUSED("--deadline-s needs a value", "--deadl");
	CHECK_REFUSED("--no-wait takes no value", "--no-wait=yes");
	CHECK_REFUSED("--help takes no value", "--help=1");
}

/* Every id has one entry, whose name is the id's, and no name is there twice. */
static void test_table(void)
{
	char want[64];
	const char *n, *m;
	int id, other, i;

	tap_test("smc_opts: one entry per id, named as the id, no name twice");
	for (id = 'a'; id < SMC_O_END; id++) {
		if (id > 'z' && id < SMC_O_AFTER)
			continue;
		n = smc_opt_name(id);
		if (id <= 'z' && id != SMC_O_HELP && id != SMC_O_OUTPUT &&
		    id != SMC_O_PORT && id != SMC_O_VERBOSE) {
			CHECK(!strcmp(n, "?"));
			continue;
		}
		CHECK(strcmp(n, "?") != 0);
		for (other = SMC_O_AFTER; other < SMC_O_END; other++) {
			m = smc_opt_name(other);
			CHECK(other == id || strcmp(n, m) != 0);
		}
	}
	/* The enum's spelling is the name's: SMC_O_DEADLINE_S is "deadline-s". */
	snprintf(want, sizeof(want), "%s", smc_opt_name(SMC_O_DEADLINE_S));
	CHECK(!strcmp(want, "deadline-s"));
	CHECK(!strcmp(smc_opt_name(SMC_O_XL_SSH), "xl-ssh"));
	CHECK(!strcmp(smc_opt_name(SMC_O_HELP), "help"));
	CHECK(!strcmp(smc_opt_name(SMC_O_END), "?"));
	for (i = 0; lo[i].name; i++)
		CHECK(lo[i].val == ids[i]);
	CHECK_EQ(i, 4);
}

static struct smc_optvals vals;

/* smc_optvals over a NULL-terminated command line. */
static int run_vals(const char *first, ...)
{
	char *argv[16];
	int argc;

	TEST_ARGV_VA(argc, argv, "prog", first);
	err[0] = 0;
	return smc_optvals(argc, argv, "h", ids, &vals, err, sizeof(err));
}

static void test_optvals(void)
{
	uint64_t n = 5;

	tap_test("smc_optvals: each option's last value by id, flags as \"\"");
	CHECK_EQ(run_vals("--dest", "a", "pos", "--no-wait", "--dest=b", NULL), 0);
	CHECK(vals.val[SMC_O_DEST] && !strcmp(vals.val[SMC_O_DEST], "b"));
	CHECK(vals.val[SMC_O_NO_WAIT] && !strcmp(vals.val[SMC_O_NO_WAIT], ""));
	CHECK(vals.val[SMC_O_DEADLINE_S] == NULL && vals.val[SMC_O_HELP] == NULL);
	CHECK_EQ(optind, 5);			/* "pos", moved after the options */
	CHECK_EQ(run_vals("-h", NULL), 0);
	CHECK(vals.val[SMC_O_HELP] != NULL);
	CHECK_EQ(run_vals("--dest", "a", "--frob", NULL), -1);
	CHECK_ERR("unknown option '--frob'");
	CHECK_EQ(run_vals("--dest", NULL), -1);
	CHECK_ERR("--dest needs a value");

	tap_test("smc_optval_u64: a given value in range, or the default kept");
	CHECK_EQ(run_vals("--deadline-s", "7", "--dest", "a", NULL), 0);
	CHECK_EQ(smc_optval_u64("prog", &vals, SMC_O_DEADLINE_S, 1, 10, &n), 0);
	CHECK_EQ(n, 7);
	CHECK_EQ(smc_optval_u64("prog", &vals, SMC_O_DEST, 1, 10, &n), -1);
	CHECK_EQ(run_vals(NULL), 0);
	CHECK_EQ(smc_optval_u64("prog", &vals, SMC_O_DEADLINE_S, 1, 10, &n), 0);
	CHECK_EQ(n, 7);
	CHECK_EQ(run_vals("--deadline-s", "11", NULL), 0);
	CHECK_EQ(smc_optval_u64("prog", &vals, SMC_O_DEADLINE_S, 1, 10, &n), -1);
	CHECK_EQ(n, 7);
}

static void test_ipv4_port(void)
{
	uint32_t a = 0;
	uint16_t port = 0;

	tap_test("smc_parse_ipv4_port: A.B.C.D:PORT, and what it refuses");
	CHECK(smc_parse_ipv4_port("169.254.0.1:7001", &a, &port) == 0 && port == 7001);
	CHECK(((const uint8_t *)&a)[0] == 169 && ((const uint8_t *)&a)[3] == 1);
	CHECK(smc_parse_ipv4_port("169.254.0.1:0", &a, &port) == -1);
	CHECK(smc_parse_ipv4_port("169.254.0.1:65536", &a, &port) == -1);
	CHECK(smc_parse_ipv4_port("169.254.0.1", &a, &port) == -1);
	CHECK(smc_parse_ipv4_port("localhost:80", &a, &port) == -1);
	CHECK(smc_parse_ipv4_port(":80", &a, &port) == -1);
	CHECK(smc_parse_ipv4_port("1111111111111111111111:80", &a, &port) == -1);
}

int main(void)
{
	lo = smc_opts(&set, ids);
	test_table();
	test_u64();
	test_i64();
	test_getopt();
	test_optvals();
	test_ipv4_port();
	return tap_done();
}
