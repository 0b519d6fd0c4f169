// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the workload generator's pure pieces
 * (userspace/selfmig-workload/wl.c).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "tap.h"
#include "../../userspace/selfmig-workload/wl.h"

static void test_rng(void)
{
	struct smwl_rng a, b;
	int hist[10] = { 0 }, same = 1;

	tap_test("rng: deterministic per seed, bounded, roughly uniform");
	smwl_rng_seed(&a, 42);
	smwl_rng_seed(&b, 42);
	for (int i = 0; i < 100; i++)
		if (smwl_rng_next(&a) != smwl_rng_next(&b))
			same = 0;
	CHECK(same);
	smwl_rng_seed(&b, 43);
	CHECK(smwl_rng_next(&a) != smwl_rng_next(&b));
	CHECK_EQ(smwl_rng_below(&a, 0), 0);
	CHECK_EQ(smwl_rng_below(&a, 1), 0);
	for (int i = 0; i < 10000; i++) {
		uint64_t v = smwl_rng_below(&a, 10);

		CHECK(v < 10);
		if (v < 10)
			hist[v]++;
	}
	for (int i = 0; i < 10; i++)
		CHECK(hist[i] > 800 && hist[i] < 1200);
	CHECK_EQ(smwl_mix64(0), 0);
	CHECK(smwl_mix64(1) != smwl_mix64(2));
}

static void test_pattern_roundtrip(void)
{
	uint8_t page[4096], other[4096];
	uint32_t k, g;

	tap_test("pattern: fill then check, tag decodes, gen 0 is zeros");
	smwl_pattern_fill(page, sizeof(page), 17, 5);
	CHECK_EQ(smwl_pattern_check(page, sizeof(page), 17, 5, NULL), 0);
	CHECK_EQ(smwl_pattern_tag(page, sizeof(page), &k, &g), 0);
	CHECK_EQ(k, 17);
	CHECK_EQ(g, 5);
	/* Different key or generation does not match. */
	CHECK_EQ(smwl_pattern_check(page, sizeof(page), 18, 5, NULL), -1);
	CHECK_EQ(smwl_pattern_check(page, sizeof(page), 17, 6, NULL), -1);
	smwl_pattern_fill(other, sizeof(other), 17, 6);
	CHECK(memcmp(page, other, sizeof(page)) != 0);
	/* Generation 0 is fresh zeroed memory. */
	memset(page, 0, sizeof(page));
	CHECK_EQ(smwl_pattern_check(page, sizeof(page), 3, 0, NULL), 0);
	CHECK(smwl_pattern_tag(page, sizeof(page), &k, &g) != 0);
	smwl_pattern_fill(other, sizeof(other), 3, 0);
	CHECK(memcmp(page, other, sizeof(page)) == 0);
	/* Noise is not taken for a tag. */
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)(i * 7 + 1);
	CHECK(smwl_pattern_tag(page, sizeof(page), &k, &g) != 0);
}

static void test_pattern_flip_detected(void)
{
	uint8_t page[4096];
	struct smwl_mismatch mm;
	size_t offs[] = { 0, 1, 7, 8, 100, 2049, 4095 };

	tap_test("pattern: a single flipped byte anywhere is CORRUPTION");
	for (size_t j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
		smwl_pattern_fill(page, sizeof(page), 9, 77);
		page[offs[j]] ^= 0x01;
		CHECK_EQ(smwl_pattern_check(page, sizeof(page), 9, 77, &mm), -1);
		CHECK_EQ(mm.offset, offs[j]);
		CHECK_EQ(mm.got ^ mm.expected, 0x01);
		/* Outside the tag words, the tag still names the page. */
		if (offs[j] >= 16) {
			CHECK(mm.tag_valid);
			CHECK_EQ(mm.tag_key, 9);
			CHECK_EQ(mm.tag_gen, 77);
		}
	}
	/* A nonzero byte in a page that must still be zero. */
	memset(page, 0, sizeof(page));
	page[333] = 0x80;
	CHECK_EQ(smwl_pattern_check(page, sizeof(page), 1, 0, &mm), -1);
	CHECK_EQ(mm.offset, 333);
	CHECK(!mm.tag_valid);
}

static void test_pattern_stale(void)
{
	uint8_t page[4096];
	struct smwl_mismatch mm;

	tap_test("pattern: a stale page is recognised by its tag");
	smwl_pattern_fill(page, sizeof(page), 1234, 41);
	CHECK_EQ(smwl_pattern_check(page, sizeof(page), 1234, 42, &mm), -1);
	CHECK_EQ(mm.offset, 4);		/* first byte of the tag's gen half */
	CHECK(mm.tag_valid);
	CHECK_EQ(mm.tag_key, 1234);
	CHECK_EQ(mm.tag_gen, 41);
}

static void test_pattern_odd_lengths(void)
{
	uint8_t buf[64], big[64];

	tap_test("pattern: lengths not a multiple of 8 are prefixes of longer fills");
	smwl_pattern_fill(big, sizeof(big), 5, 2);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		memset(buf, 0xaa, sizeof(buf));
		smwl_pattern_fill(buf, len, 5, 2);
		CHECK(memcmp(buf, big, len) == 0);
		CHECK_EQ(smwl_pattern_check(buf, len, 5, 2, NULL), 0);
		if (len < sizeof(buf))
			CHECK_EQ(buf[len], 0xaa);
		if (len) {
			buf[len - 1] ^= 0x40;
			CHECK_EQ(smwl_pattern_check(buf, len, 5, 2, NULL), -1);
		}
	}
	CHECK_EQ(smwl_pattern_word(5, 2, 3),
		 (uint64_t)big[24] | (uint64_t)big[25] << 8 | (uint64_t)big[26] << 16 |
		 (uint64_t)big[27] << 24 | (uint64_t)big[28] << 32 | (uint64_t)big[29] << 40 |
		 (uint64_t)big[30] << 48 | (uint64_t)big[31] << 56);
}

static void test_stream(void)
{
	uint8_t whole[1000], part[1000];
	size_t bad = 0;

	tap_test("stream pattern: any chunking gives the same bytes; flips found");
	smwl_stream_fill(whole, sizeof(whole), 3, 9, 0);
	/* Chunks at odd offsets. */
	for (size_t off = 0, step = 1; off < sizeof(part); off += step, step += 3) {
		size_t n = step < sizeof(part) - off ? step : sizeof(part) - off;

		smwl_stream_fill(part + off, n, 3, 9, off);
		CHECK_EQ(smwl_stream_check(part + off, n, 3, 9, off, NULL), 0);
	}
	CHECK(memcmp(whole, part, sizeof(whole)) == 0);
	for (size_t i = 0; i < sizeof(whole); i += 97)
		CHECK_EQ(smwl_stream_byte(3, 9, i), whole[i]);
	CHECK_EQ(smwl_stream_check(whole + 13, 500, 3, 9, 13, &bad), 0);
	whole[400] ^= 0xff;
	CHECK_EQ(smwl_stream_check(whole + 13, 500, 3, 9, 13, &bad), -1);
	CHECK_EQ(bad, 400 - 13);
	CHECK_EQ(smwl_stream_check(whole, 400, 3, 9, 0, &bad), 0);
	/* Other generation differs. */
	CHECK_EQ(smwl_stream_check(part, sizeof(part), 3, 10, 0, &bad), -1);
}

static void test_msg_roundtrip(void)
{
	static uint8_t buf[SMWL_MSG_HDR + SMWL_MSG_MAXPAY + 8];
	struct smwl_msg m;
	uint32_t lens[] = { 0, 1, 7, 8, 1200, 4096, SMWL_MSG_MAXPAY };
	size_t total;

	tap_test("message: encode/decode round trip at several lengths");
	for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
		size_t n = smwl_msg_encode(buf, sizeof(buf), 0xabcd, 1000 + j, lens[j]);

		CHECK_EQ(n, SMWL_MSG_HDR + lens[j]);
		memset(&m, 0, sizeof(m));
		CHECK_EQ(smwl_msg_decode(buf, n, &m), SMWL_MSG_OK);
		CHECK_EQ(m.len, lens[j]);
		CHECK_EQ(m.stream, 0xabcd);
		CHECK_EQ(m.seq, 1000 + j);
		CHECK_EQ(smwl_msg_peek(buf, n, &m, &total), SMWL_MSG_OK);
		CHECK_EQ(total, n);
		/* Truncated input is short, not bad. */
		if (n > SMWL_MSG_HDR)
			CHECK_EQ(smwl_msg_decode(buf, n - 1, &m), SMWL_MSG_SHORT);
	}
	CHECK_EQ(buf[0], 'S');
	CHECK_EQ(buf[3], 'M');
	CHECK_EQ(smwl_msg_decode(buf, 10, &m), SMWL_MSG_SHORT);
	/* Does not fit / too long. */
	CHECK_EQ(smwl_msg_encode(buf, 100, 1, 1, 100), 0);
	CHECK_EQ(smwl_msg_encode(buf, sizeof(buf), 1, 1, SMWL_MSG_MAXPAY + 1), 0);
}

static void test_msg_flip_detected(void)
{
	uint8_t buf[SMWL_MSG_HDR + 300];
	struct smwl_msg m;
	size_t n;
	int all = 1;

	tap_test("message: every single-byte flip is rejected");
	n = smwl_msg_encode(buf, sizeof(buf), 7, 99, 300);
	for (size_t i = 0; i < n; i++) {
		enum smwl_msg_status st;

		buf[i] ^= 0x10;
		st = smwl_msg_decode(buf, n, &m);
		if (st == SMWL_MSG_OK)
			all = 0;
		if (i >= 12 && i < 16)	/* the checksum itself */
			CHECK_EQ(st, SMWL_MSG_BAD_CSUM);
		buf[i] ^= 0x10;
	}
	CHECK(all);
	CHECK_EQ(smwl_msg_decode(buf, n, &m), SMWL_MSG_OK);
	buf[0] ^= 1;
	CHECK_EQ(smwl_msg_decode(buf, n, &m), SMWL_MSG_BAD_MAGIC);
	buf[0] ^= 1;
	buf[6] = 0x10;		/* length 1 MiB + 300 */
	CHECK_EQ(smwl_msg_decode(buf, n, &m), SMWL_MSG_BAD_LEN);
	CHECK(strcmp(smwl_msg_status_str(SMWL_MSG_BAD_CSUM), "bad-checksum") == 0);
}

static void test_msg_payload_forged(void)
{
	uint8_t buf[SMWL_MSG_HDR + 64];
	struct smwl_msg m;
	uint32_t c;
	size_t n;

	tap_test("message: payload with a valid checksum but wrong pattern is caught");
	n = smwl_msg_encode(buf, sizeof(buf), 7, 5, 64);
	buf[SMWL_MSG_HDR + 30] ^= 0xff;
	/* Recompute the checksum as a corrupting writer upstream would. */
	buf[12] = buf[13] = buf[14] = buf[15] = 0;
	c = smwl_fnv1a(SMWL_FNV_INIT, buf, n);
	buf[12] = (uint8_t)c;
	buf[13] = (uint8_t)(c >> 8);
	buf[14] = (uint8_t)(c >> 16);
	buf[15] = (uint8_t)(c >> 24);
	CHECK_EQ(smwl_msg_decode(buf, n, &m), SMWL_MSG_BAD_PAYLOAD);
}

static void test_rate(void)
{
	tap_test("rate: delay keeps bytes within rate, zero means unlimited");
	CHECK_EQ(smwl_rate_delay_ns(0, 1ull << 40, 0), 0);
	/* 1 MiB at 1 MiB/s after 0.25 s: 0.75 s to wait. */
	CHECK_EQ(smwl_rate_delay_ns(1 << 20, 1 << 20, 250000000), 750000000);
	CHECK_EQ(smwl_rate_delay_ns(1 << 20, 1 << 20, 1000000000), 0);
	CHECK_EQ(smwl_rate_delay_ns(1 << 20, 1 << 20, 5000000000ull), 0);
	CHECK_EQ(smwl_rate_delay_ns(1000, 500, 0), 500000000);
}

static int parse(struct smwl_opts *o, char *err, ...)
{
	char *argv[32];
	va_list ap;
	int argc;

	va_start(ap, err);
	argc = test_argv(argv, 32, "selfmig-workload", va_arg(ap, const char *), ap);
	va_end(ap);
	return smwl_parse_args(argc, argv, o, err, 128);
}

/* The options parsed into o, but port, target and seed. */
static void check_opts(const struct smwl_opts *o, enum smwl_mode mode,
		       uint64_t mib, double seconds, double rate_mib_s,
		       const char *dir, int quiet)
{
	CHECK_EQ(o->mode, mode);
	CHECK_EQ(o->mib, mib);
	CHECK(o->seconds == seconds);
	CHECK(o->rate_mib_s == rate_mib_s);
	CHECK(strcmp(o->dir, dir) == 0);
	CHECK_EQ(o->quiet, quiet);
}

static void test_args(void)
{
	struct smwl_opts o;
	char err[128];

	tap_test("args: modes, defaults and options");
	CHECK_EQ(parse(&o, err, "anon-random", NULL), 0);
	check_opts(&o, SMWL_ANON_RANDOM, 32, 0, 0, "/tmp", 0);
	CHECK_EQ(o.port, SMWL_DEFAULT_PORT);

	CHECK_EQ(parse(&o, err, "--quiet", "anon-seq", "--mib", "8", "--seconds=2.5",
		       "--rate-mib-s", "10", "--dir", "/run", NULL), 0);
	check_opts(&o, SMWL_ANON_SEQ, 8, 2.5, 10, "/run", 1);

	CHECK_EQ(parse(&o, err, "file-write", NULL), 0);
	CHECK_EQ(o.mib, 16);
	CHECK_EQ(parse(&o, err, "mmap-shared", NULL), 0);
	CHECK_EQ(o.mib, 16);
	CHECK_EQ(parse(&o, err, "churn", NULL), 0);
	CHECK_EQ(o.mib, 64);
	CHECK_EQ(parse(&o, err, "netrecv", "--port", "9000", NULL), 0);
	CHECK_EQ(o.port, 9000);

	for (int m = 1; m < SMWL_MODE_COUNT; m++)
		CHECK_EQ(smwl_mode_parse(smwl_mode_name((enum smwl_mode)m)), m);
	CHECK_EQ(parse(&o, err, "--help", NULL), 1);
}

static void test_args_netsend(void)
{
	struct smwl_opts o;
	char err[128];

	tap_test("args: netsend target forms");
	CHECK_EQ(parse(&o, err, "netsend", "--target", "10.0.0.2:7900", "--seconds", "3",
		       NULL), 0);
	CHECK_EQ(o.mode, SMWL_NETSEND);
	CHECK(strcmp(o.target, "10.0.0.2") == 0);
	CHECK_EQ(o.port, 7900);
	CHECK_EQ(parse(&o, err, "netsend", "--target=127.0.0.1", NULL), 0);
	CHECK_EQ(o.port, SMWL_DEFAULT_PORT);
	CHECK_EQ(parse(&o, err, "netsend", "--port", "1234", "--target", "127.0.0.1", NULL), 0);
	CHECK_EQ(o.port, 1234);
	CHECK_EQ(parse(&o, err, "netsend", NULL), -1);
	CHECK(strstr(err, "--target") != NULL);
	CHECK_EQ(parse(&o, err, "netsend", "--target", "host.example", NULL), -1);
	CHECK_EQ(parse(&o, err, "netsend", "--target", "1.2.3.4:0", NULL), -1);
	CHECK_EQ(parse(&o, err, "netsend", "--target", "1.2.3.4:70000", NULL), -1);
}

static void test_args_errors(void)
{
	struct smwl_opts o;
	char err[128];

	tap_test("args: errors are reported");
	CHECK_EQ(parse(&o, err, NULL), -1);
	CHECK(strstr(err, "no mode") != NULL);
	CHECK_EQ(parse(&o, err, "bogus", NULL), -1);
	CHECK(strstr(err, "bogus") != NULL);
	CHECK_EQ(parse(&o, err, "anon-random", "churn", NULL), -1);
	CHECK_EQ(parse(&o, err, "anon-random", "--mib", NULL), -1);
	CHECK_EQ(parse(&o, err, "anon-random", "--mib", "0", NULL), -1);
	CHECK_EQ(parse(&o, err, "anon-random", "--mib", "-3", NULL), -1);
	CHECK_EQ(parse(&o, err, "anon-random", "--mib", "12x", NULL), -1);
	CHECK_EQ(parse(&o, err, "anon-random", "--seconds", "-1", NULL), -1);
	CHECK_EQ(parse(&o, err, "anon-random", "--seconds", "nan", NULL), -1);
	CHECK_EQ(parse(&o, err, "anon-random", "--rate-mib-s", "fast", NULL), -1);
	CHECK_EQ(parse(&o, err, "anon-random", "--port", "0", NULL), -1);
	CHECK_EQ(parse(&o, err, "anon-random", "--quiet=1", NULL), -1);
	CHECK_EQ(parse(&o, err, "anon-random", "--frobnicate", NULL), -1);
	CHECK(strstr(err, "frobnicate") != NULL);
	CHECK_EQ(parse(&o, err, "anon-random", "--dir", "", NULL), -1);
}

static void test_args_grammar(void)
{
	struct smwl_opts o;
	char err[128];

	tap_test("args: getopt_long's grammar, numbers in decimal");
	/* Decimal, never octal or hex. */
	CHECK_EQ(parse(&o, err, "anon-seq", "--mib", "010", NULL), 0);
	CHECK_EQ(o.mib, 10);
	CHECK_EQ(parse(&o, err, "anon-seq", "--mib=08", NULL), 0);
	CHECK_EQ(o.mib, 8);
	CHECK_EQ(parse(&o, err, "anon-seq", "--mib", "0x10", NULL), -1);
	CHECK(strstr(err, "--mib '0x10': not a whole number in decimal") != NULL);
	CHECK_EQ(parse(&o, err, "anon-seq", "--seed", "0x10", NULL), -1);
	CHECK(strstr(err, "--seed") != NULL);
	CHECK_EQ(parse(&o, err, "anon-seq", "--seed", "18446744073709551615", NULL), 0);
	CHECK(o.seed == UINT64_MAX);
	CHECK_EQ(parse(&o, err, "anon-seq", "--seed", "18446744073709551616", NULL), -1);
	CHECK(strstr(err, "out of range") != NULL);
	CHECK_EQ(parse(&o, err, "anon-seq", "--mib", "1048577", NULL), -1);
	CHECK(strstr(err, "--mib '1048577': out of range, 1 to 1048576") != NULL);
	CHECK_EQ(parse(&o, err, "anon-seq", "--seconds", "0x10", NULL), -1);
	CHECK(strstr(err, "--seconds '0x10'") != NULL);
	CHECK_EQ(parse(&o, err, "anon-seq", "--seconds", ".5", "--rate-mib-s", "1e1", NULL), 0);
	CHECK(o.seconds == 0.5 && o.rate_mib_s == 10);
	CHECK_EQ(parse(&o, err, "netsend", "--target", "1.2.3.4:08", NULL), 0);
	CHECK_EQ(o.port, 8);
	CHECK_EQ(parse(&o, err, "netsend", "--target", "1.2.3.4:0x50", NULL), -1);
	CHECK(strstr(err, "port") != NULL);
	/* getopt_long: options anywhere, prefixes, "--", -h. */
	CHECK_EQ(parse(&o, err, "--qu", "--mi", "3", "churn", NULL), 0);
	CHECK(o.quiet == 1 && o.mib == 3 && o.mode == SMWL_CHURN);
	CHECK_EQ(parse(&o, err, "--seconds", "1", "--", "noop", NULL), 0);
	CHECK_EQ(o.mode, SMWL_NOOP);
	CHECK_EQ(parse(&o, err, "anon-seq", "-h", NULL), 1);
	CHECK_EQ(parse(&o, err, "anon-seq", "--quiet=1", NULL), -1);
	CHECK(strstr(err, "--quiet takes no value") != NULL);
	CHECK_EQ(parse(&o, err, "anon-seq", "--seconds", NULL), -1);
	CHECK(strstr(err, "--seconds needs a value") != NULL);
	CHECK_EQ(parse(&o, err, "anon-seq", "-x", NULL), -1);
	CHECK(strstr(err, "unknown option '-x'") != NULL);
	CHECK_EQ(parse(&o, err, "anon-seq", "--s", "1", NULL), -1);
	CHECK(strstr(err, "ambiguous option '--s'") != NULL);
	CHECK_EQ(parse(&o, err, "anon-seq", "anon-random", NULL), -1);
	CHECK(strstr(err, "unexpected argument 'anon-random'") != NULL);
}

int main(void)
{
	test_rng();
	test_pattern_roundtrip();
	test_pattern_flip_detected();
	test_pattern_stale();
	test_pattern_odd_lengths();
	test_stream();
	test_msg_roundtrip();
	test_msg_flip_detected();
	test_msg_payload_forged();
	test_rate();
	test_args();
	test_args_netsend();
	test_args_errors();
	test_args_grammar();
	return tap_done();
}
