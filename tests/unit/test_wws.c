// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the writable working set report (userspace/common/wws.c):
 * its text form, its checks, and the summary `selfmig wws` prints.
 */
#include <stdio.h>
#include <string.h>

#include "crc32c.h"
#include "tap.h"
#include "wws.h"

static struct sww_report rep(uint32_t n)
{
	struct sww_report r = { .seq = 77, .interval_ms = 1000, .guest_pages = 65536, .n = n };

	for (uint32_t i = 0; i < n; i++) {
		r.s[i].t_ms = 1000 * (i + 1) + i % 7;
		r.s[i].frames = 100 * (i % 10 + 1);
	}
	return r;
}

static void test_roundtrip(void)
{
	struct sww_report r = rep(5), out;
	char text[SWW_MAX_LEN + 1], err[128];
	int n;

	tap_test("a report survives format and parse");
	n = sww_format(&r, text, sizeof(text));
	CHECK(n > 0 && (size_t)n == strlen(text));
	CHECK(!strncmp(text, "selfmig-wws/1 seq=77 interval_ms=1000 guest_pages=65536 error=0 n=5 samples=1000:100,2001:200,", 94));
	CHECK_EQ(sww_parse(text, (size_t)n, &out, err, sizeof(err)), 0);
	CHECK(!memcmp(&r, &out, sizeof(r)));
	/* One trailing newline is allowed. */
	text[n] = '\n';
	CHECK_EQ(sww_parse(text, (size_t)n + 1, &out, err, sizeof(err)), 0);

	tap_test("no sample, and a negative error, survive too");
	r = rep(0);
	r.error = -16;
	n = sww_format(&r, text, sizeof(text));
	CHECK(n > 0 && strstr(text, " error=-16 n=0 samples=- crc="));
	CHECK_EQ(sww_parse(text, (size_t)n, &out, err, sizeof(err)), 0);
	CHECK(out.error == -16 && out.n == 0);
}

static void test_bounds(void)
{
	struct sww_report r = rep(SWW_MAX_SAMPLES), out;
	char text[SWW_MAX_LEN + 1], small[64], err[128];
	int n;

	tap_test("the most samples, with seven-digit figures, fit xenstore's value");
	for (uint32_t i = 0; i < r.n; i++) {
		r.s[i].t_ms = 3600000 - SWW_MAX_SAMPLES + i;
		r.s[i].frames = 4194303;
	}
	n = sww_format(&r, text, sizeof(text));
	CHECK(n > 0 && n <= SWW_MAX_LEN);
	CHECK_EQ(sww_parse(text, (size_t)n, &out, err, sizeof(err)), 0);
	CHECK(out.n == SWW_MAX_SAMPLES && out.s[SWW_MAX_SAMPLES - 1].frames == 4194303);

	tap_test("format refuses a short buffer and too many samples");
	CHECK_EQ(sww_format(&r, small, sizeof(small)), -1);
	r.n = SWW_MAX_SAMPLES + 1;
	CHECK_EQ(sww_format(&r, text, sizeof(text)), -1);
}

static void test_rejects(void)
{
	struct sww_report r = rep(3), out;
	char text[SWW_MAX_LEN + 1], bad[SWW_MAX_LEN + 1], err[128];
	int n = sww_format(&r, text, sizeof(text));

	tap_test("damage is refused with a reason");
	CHECK_EQ(sww_parse(text, (size_t)n - 1, &out, err, sizeof(err)), -1);
	memcpy(bad, text, (size_t)n + 1);
	bad[9] = '2';
	CHECK_EQ(sww_parse(bad, (size_t)n, &out, err, sizeof(err)), -1);
	CHECK(strstr(err, "magic") != NULL);
	memcpy(bad, text, (size_t)n + 1);
	bad[20] ^= 1;
	CHECK_EQ(sww_parse(bad, (size_t)n, &out, err, sizeof(err)), -1);
	CHECK(strstr(err, "crc mismatch") != NULL);
	for (int i = 0; i < n; i++) {
		memcpy(bad, text, (size_t)n + 1);
		bad[i] ^= 0x04;
		if (sww_parse(bad, (size_t)n, &out, err, sizeof(err)) == 0) {
			CHECK(!"a changed byte went unnoticed");
			break;
		}
	}
}

/* A well-formed report with these fields after the magic (crc computed). */
static int parse_fields(const char *fields, char *err, size_t errlen)
{
	char t[SWW_MAX_LEN + 64];
	struct sww_report out;
	int n = snprintf(t, sizeof(t), "%s %s", SWW_MAGIC, fields);

	snprintf(t + n, sizeof(t) - (size_t)n, " crc=%08x", (unsigned int)smw_crc32c(0, t, (size_t)n));
	return sww_parse(t, strlen(t), &out, err, errlen);
}

static void test_fields(void)
{
	char err[128];

	tap_test("fields: order, counts, times and limits are checked");
	CHECK_EQ(parse_fields("seq=1 interval_ms=10 guest_pages=5 error=0 n=2 samples=10:1,20:2", err, sizeof(err)), 0);
	CHECK_EQ(parse_fields("interval_ms=10 seq=1 guest_pages=5 error=0 n=2 samples=10:1,20:2", err, sizeof(err)), -1);
	CHECK_EQ(parse_fields("seq=1 interval_ms=10 guest_pages=5 error=0 n=3 samples=10:1,20:2", err, sizeof(err)), -1);
	CHECK_EQ(parse_fields("seq=1 interval_ms=10 guest_pages=5 error=0 n=1 samples=10:1,20:2", err, sizeof(err)), -1);
	CHECK(strstr(err, "not 1 samples") != NULL);
	CHECK_EQ(parse_fields("seq=1 interval_ms=10 guest_pages=5 error=0 n=2 samples=20:1,10:2", err, sizeof(err)), -1);
	CHECK(strstr(err, "back in time") != NULL);
	CHECK_EQ(parse_fields("seq=1 interval_ms=10 guest_pages=5 error=0 n=201 samples=10:1", err, sizeof(err)), -1);
	CHECK_EQ(parse_fields("seq=4294967296 interval_ms=10 guest_pages=5 error=0 n=1 samples=10:1", err, sizeof(err)), -1);
	CHECK_EQ(parse_fields("seq=1 interval_ms=10 guest_pages=5 error=0 n=1 samples=10:", err, sizeof(err)), -1);
	CHECK_EQ(parse_fields("seq=1 interval_ms=10 guest_pages=5 error=0 n=0 samples=", err, sizeof(err)), -1);
	CHECK_EQ(parse_fields("seq=1 interval_ms=10 guest_pages=5 error=- n=0 samples=-", err, sizeof(err)), -1);
}

static void test_summary(void)
{
	struct sww_report r = rep(10);
	struct sww_summary s;

	tap_test("the summary: median, 90th percentile, max, rate, time on the link");
	/* frames 100..1000, one each; the last sample at 10002 ms */
	sww_summarise(&r, 100, &s);
	CHECK_U64(s.n, 10);
	CHECK_U64(s.median, 500);
	CHECK_U64(s.p90, 900);
	CHECK_U64(s.max, 1000);
	CHECK(s.rate_pages_s > 549.8 && s.rate_pages_s < 549.95);	/* 5500 / 10.002 s */
	/* 1000 pages of 4 KiB at 100 Mbit/s: 327.68 ms */
	CHECK(s.max_ms > 327.6 && s.max_ms < 327.7);
	CHECK(sww_send_ms(1, 0) == 0);
	r.n = 0;
	sww_summarise(&r, 100, &s);
	CHECK_U64(s.n, 0);
	CHECK_U64(s.max, 0);
}

int main(void)
{
	test_roundtrip();
	test_bounds();
	test_rejects();
	test_fields();
	test_summary();
	return tap_done();
}
