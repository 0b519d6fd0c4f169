// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the prober's pure logic (userspace/sm-probe/probe.c).
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../userspace/sm-probe/probe.h"

#define MS 1000000ull
#define T0 (5000 * MS)		/* arbitrary monotonic start */
#define RUN 0xabcdef01u

static struct smp_packet pkt(uint64_t seq, uint64_t send_ns)
{
	struct smp_packet p = {
		.magic = SMP_MAGIC, .run_id = RUN, .seq = seq, .send_ns = send_ns,
	};
	return p;
}

static int near(double a, double b)
{
	return a - b < 1e-6 && b - a < 1e-6;
}

/* The longest gap is ms long and starts at at_ms. */
static int gap_is(const struct smp_result *r, double ms, double at_ms)
{
	return near(r->max_gap_ms, ms) && near(r->max_gap_at_ms, at_ms);
}

/* The answer to the probe seq sent at send_ns, received at now_ns. */
static enum smp_answer_result answer(struct smp_tracker *t, uint64_t seq,
				      uint64_t send_ns, uint64_t now_ns)
{
	struct smp_packet p = pkt(seq, send_ns);

	return smp_tracker_answer(t, &p, now_ns);
}

static void test_packet_roundtrip(void)
{
	struct smp_packet in = pkt(0x0102030405060708ull, 0x1122334455667788ull), out;
	uint8_t buf[SMP_PKT_LEN + 8];

	tap_test("packet encode/decode round trip, network byte order");
	memset(buf, 0xee, sizeof(buf));
	smp_packet_encode(&in, buf);
	CHECK_EQ(buf[0], 'S');
	CHECK_EQ(buf[3], 'B');
	CHECK_EQ(buf[8], 0x01);
	CHECK_EQ(buf[15], 0x08);
	CHECK_EQ(smp_packet_decode(buf, SMP_PKT_LEN, &out), SMP_DECODE_OK);
	CHECK_EQ(out.run_id, RUN);
	CHECK(out.seq == in.seq);
	CHECK(out.send_ns == in.send_ns);
	/* Trailing bytes are tolerated. */
	CHECK_EQ(smp_packet_decode(buf, sizeof(buf), &out), SMP_DECODE_OK);
}

static void test_packet_reject(void)
{
	struct smp_packet in = pkt(1, 2), out;
	uint8_t buf[SMP_PKT_LEN];
	size_t n;

	tap_test("packet decode rejects short and wrong-magic data");
	smp_packet_encode(&in, buf);
	for (n = 0; n < SMP_PKT_LEN; n++)
		CHECK_EQ(smp_packet_decode(buf, n, &out), SMP_DECODE_SHORT);
	CHECK_EQ(smp_packet_decode(NULL, 100, &out), SMP_DECODE_SHORT);
	buf[2] ^= 0x40;
	CHECK_EQ(smp_packet_decode(buf, sizeof(buf), &out), SMP_DECODE_BAD_MAGIC);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(smp_packet_decode(buf, sizeof(buf), &out), SMP_DECODE_BAD_MAGIC);
}

/* Send n probes 10 ms apart, answer each after 1 ms except those in skip. */
static void steady(struct smp_tracker *t, uint64_t n, uint64_t skip_from,
		   uint64_t skip_to)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint64_t seq = smp_tracker_next_seq(t);
		struct smp_packet p = pkt(seq, T0 + seq * 10 * MS);

		if (seq >= skip_from && seq < skip_to)
			continue;
		CHECK_EQ(smp_tracker_answer(t, &p, p.send_ns + MS), SMP_ANS_OK);
	}
}

/* A run of steady() stopped at stop_ns, its result in r. */
static int steady_run(struct smp_tracker *t, struct smp_result *r, uint64_t n,
		      uint64_t skip_from, uint64_t skip_to, uint64_t stop_ns)
{
	smp_tracker_init(t, RUN, T0);
	steady(t, n, skip_from, skip_to);
	smp_tracker_stop(t, stop_ns);
	return smp_tracker_result(t, 0, r);
}

static void test_gap_middle(void)
{
	struct smp_tracker t;
	struct smp_result r;

	tap_test("gap in the middle: length and start");
	/* answers 39 then 60 missing between */
	CHECK_EQ(steady_run(&t, &r, 100, 40, 60, T0 + 100 * 10 * MS), 0);
	CHECK_EQ(r.sent, 100);
	CHECK_EQ(r.answered, 80);
	CHECK_EQ(r.lost, 20);
	/* Answer 39 at 391 ms, answer 60 at 601 ms. */
	CHECK(gap_is(&r, 210.0, 391.0));
	CHECK(near(r.duration_ms, 1000.0));
	CHECK(r.have_rtt);
	CHECK(near(r.rtt_min_ms, 1.0) && near(r.rtt_med_ms, 1.0) &&
	      near(r.rtt_max_ms, 1.0));
	smp_tracker_free(&t);
}

static void test_gap_edges(void)
{
	struct smp_tracker t;
	struct smp_result r;

	tap_test("gap from start to first answer");
	steady_run(&t, &r, 50, 0, 30, T0 + 500 * MS);	/* first answer: seq 30 at 301 ms */
	CHECK(gap_is(&r, 301.0, 0.0));
	smp_tracker_free(&t);

	tap_test("gap from last answer to end");
	steady_run(&t, &r, 50, 10, 50, T0 + 500 * MS);	/* last answer: seq 9 at 91 ms */
	CHECK(gap_is(&r, 409.0, 91.0));
	CHECK_EQ(r.lost, 40);
	smp_tracker_free(&t);

	tap_test("no answers at all: the whole run is one gap");
	smp_tracker_init(&t, RUN, T0);
	steady(&t, 20, 0, 20);
	smp_tracker_result(&t, T0 + 200 * MS, &r);	/* not stopped: end given */
	CHECK_EQ(r.answered, 0);
	CHECK_EQ(r.lost, 20);
	CHECK(gap_is(&r, 200.0, 0.0));
	CHECK(!r.have_rtt);
	smp_tracker_free(&t);

	tap_test("answers after the end are counted but do not widen gaps");
	smp_tracker_init(&t, RUN, T0);
	steady(&t, 10, 5, 10);		/* last in-window answer at 41 ms */
	smp_tracker_stop(&t, T0 + 100 * MS);
	{
		struct smp_packet p = pkt(7, T0 + 70 * MS);

		CHECK_EQ(smp_tracker_answer(&t, &p, T0 + 900 * MS), SMP_ANS_OK);
	}
	smp_tracker_result(&t, 0, &r);
	CHECK_EQ(r.answered, 6);
	CHECK(gap_is(&r, 59.0, 41.0));
	CHECK(near(r.rtt_max_ms, 830.0));
	smp_tracker_free(&t);
}

static void test_ignored_answers(void)
{
	struct smp_tracker t;
	struct smp_result r;
	struct smp_packet p;
	uint64_t i;

	tap_test("duplicate, foreign and out-of-order answers");
	smp_tracker_init(&t, RUN, T0);
	for (i = 0; i < 10; i++)
		smp_tracker_next_seq(&t);
	CHECK_EQ(answer(&t, 0, T0, T0 + 2 * MS), SMP_ANS_OK);
	/* Duplicate much later: must neither count nor close a gap. */
	p = pkt(3, T0 + 30 * MS);
	CHECK_EQ(smp_tracker_answer(&t, &p, T0 + 31 * MS), SMP_ANS_OK);
	CHECK_EQ(smp_tracker_answer(&t, &p, T0 + 60 * MS), SMP_ANS_DUPLICATE);
	/* Other run id, unknown sequence, send time before start or after receipt. */
	p = pkt(4, T0 + 40 * MS);
	p.run_id ^= 1;
	CHECK_EQ(smp_tracker_answer(&t, &p, T0 + 61 * MS), SMP_ANS_FOREIGN);
	CHECK_EQ(answer(&t, 10, T0 + 40 * MS, T0 + 62 * MS), SMP_ANS_FOREIGN);
	CHECK_EQ(answer(&t, 4, T0 - 1, T0 + 63 * MS), SMP_ANS_FOREIGN);
	CHECK_EQ(answer(&t, 4, T0 + 64 * MS, T0 + 63 * MS), SMP_ANS_FOREIGN);
	p = pkt(4, T0 + 40 * MS);
	p.magic = 0;
	CHECK_EQ(smp_tracker_answer(&t, &p, T0 + 64 * MS), SMP_ANS_FOREIGN);
	/* Out of order: seq 2 after seq 3 still counts, at its receive time. */
	p = pkt(2, T0 + 20 * MS);
	CHECK_EQ(smp_tracker_answer(&t, &p, T0 + 80 * MS), SMP_ANS_REORDERED);
	CHECK_EQ(smp_tracker_answer(&t, &p, T0 + 81 * MS), SMP_ANS_DUPLICATE);
	smp_tracker_stop(&t, T0 + 100 * MS);
	smp_tracker_result(&t, 0, &r);
	CHECK(r.sent == 10 && r.answered == 3 && r.lost == 7);
	CHECK(r.duplicates == 2 && r.foreign == 5 && r.reordered == 1);
	/* Gaps: 2, 29, 49 (31 -> 80), 20 (80 -> end). */
	CHECK(gap_is(&r, 49.0, 31.0));
	/* RTTs 2, 1, 60 ms. */
	CHECK(near(r.rtt_min_ms, 1.0));
	CHECK(near(r.rtt_med_ms, 2.0));
	CHECK(near(r.rtt_max_ms, 60.0));
	smp_tracker_free(&t);
}

static void test_large_sequence(void)
{
	struct smp_tracker t;
	struct smp_result r;
	uint64_t i;

	tap_test("many probes: bitmap and RTT storage grow");
	smp_tracker_init(&t, RUN, T0);
	for (i = 0; i < 200000; i++) {
		uint64_t seq = smp_tracker_next_seq(&t);
		struct smp_packet p = pkt(seq, T0 + seq * MS);

		if (seq % 3)
			CHECK(smp_tracker_answer(&t, &p, p.send_ns + (seq % 7) * 1000) ==
			      SMP_ANS_OK);
	}
	smp_tracker_stop(&t, T0 + 200000 * MS);
	smp_tracker_result(&t, 0, &r);
	CHECK_EQ(r.answered, 133333);
	CHECK_EQ(r.lost, 66667);
	CHECK_EQ(r.duplicates, 0);
	CHECK(r.rtt_max_ms < 0.007 && r.rtt_min_ms < 0.0011);
	smp_tracker_free(&t);
}

/* smp_rtt_stats of the first n of v are mn, md and mx. */
static int stats_are(const uint64_t *v, size_t n, uint64_t mn, double md,
		     uint64_t mx)
{
	uint64_t got_mn, got_mx;
	double got_md;

	return smp_rtt_stats(v, n, &got_mn, &got_md, &got_mx) == 0 &&
	       got_mn == mn && near(got_md, md) && got_mx == mx;
}

static void test_rtt_stats(void)
{
	uint64_t v[] = { 50, 10, 40, 20 }, mn, mx;
	double md;

	tap_test("RTT min/median/max");
	CHECK(stats_are(v, 4, 10, 30.0, 50));
	CHECK_EQ(v[0], 50);	/* input untouched */
	CHECK_EQ(smp_rtt_stats(v, 3, &mn, &md, &mx), 0);
	CHECK(near(md, 40.0));
	CHECK(stats_are(v, 1, 50, 50.0, 50));
	CHECK_EQ(smp_rtt_stats(v, 0, &mn, &md, &mx), -1);
}

static void test_stream(void)
{
	uint8_t a[1000], b[1000];
	size_t i;
	int differs = 0;

	tap_test("stream is deterministic and random-access");
	smp_stream_fill(42, 0, a, sizeof(a));
	for (i = 0; i < sizeof(a); i++)
		if (a[i] != smp_stream_byte(42, i))
			differs = 1;
	CHECK(!differs);
	smp_stream_fill(42, 333, b, 100);
	CHECK(memcmp(a + 333, b, 100) == 0);
	smp_stream_fill(43, 0, b, sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK_EQ(smp_stream_check(42, 0, a, sizeof(a)), sizeof(a));
	CHECK_EQ(smp_stream_check(42, 1, a, sizeof(a)) < 16, 1);

	tap_test("verifier detects a flipped byte");
	{
		struct smp_verifier v;

		smp_verifier_init(&v, 42);
		CHECK(smp_verifier_feed(&v, a, 300, 1000));
		a[500] ^= 0x01;
		CHECK(!smp_verifier_feed(&v, a + 300, 700, 1000));
		CHECK(v.mismatch);
		CHECK_EQ(v.mismatch_at, 500);
		CHECK_EQ(v.verified, 500);
		CHECK_EQ(v.offset, 1000);
		a[500] ^= 0x01;
		/* Stays failed even if later data is right. */
		CHECK(!smp_verifier_feed(&v, a, 0, 1000));
		CHECK_EQ(v.verified, 500);
	}

	tap_test("verifier accepts arbitrary chunking, rejects excess bytes");
	{
		struct smp_verifier v;
		size_t off = 0, step = 1;

		smp_verifier_init(&v, 42);
		while (off < sizeof(a)) {
			size_t n = step < sizeof(a) - off ? step : sizeof(a) - off;

			CHECK(smp_verifier_feed(&v, a + off, n, sizeof(a)));
			off += n;
			step = step * 3 % 97 + 1;
		}
		CHECK_EQ(v.verified, sizeof(a));
		CHECK(!v.mismatch);

		/* Only 600 bytes were sent, 700 came back. */
		smp_verifier_init(&v, 42);
		CHECK(!smp_verifier_feed(&v, a, 700, 600));
		CHECK_EQ(v.verified, 600);
		CHECK_EQ(v.mismatch_at, 600);
	}
}

static void test_format(void)
{
	static const char *const json_has[] = {
		"\"sent\": 5000,", "\"answered\": 4990,", "\"lost\": 10,",
		"\"max_gap_ms\": 123.400", "\"max_gap_at_ms\": 2345.600",
		"\"rtt_min_ms\": 0.500", "\"rtt_med_ms\": 1.250",
		"\"rtt_max_ms\": 30.100", "\"duration_ms\": 5000.000",
		"\"tcp_bytes_verified\": 777", "\"tcp_mismatch\": false",
		"\"tcp_reset\": true",
	};
	struct smp_result r;
	char buf[1024];
	size_t i;
	int n;

	tap_test("summary line and JSON keys");
	memset(&r, 0, sizeof(r));
	r.sent = 5000;
	r.answered = 4990;
	r.lost = 10;
	r.max_gap_ms = 123.4;
	r.max_gap_at_ms = 2345.6;
	r.duration_ms = 5000;
	r.have_rtt = true;
	r.rtt_min_ms = 0.5;
	r.rtt_med_ms = 1.25;
	r.rtt_max_ms = 30.1;
	n = smp_format_summary(&r, buf, sizeof(buf));
	CHECK_EQ(n, (int)strlen(buf));
	CHECK(strcmp(buf, "probe: sent 5000 answered 4990 lost 10 max_gap_ms 123.4 "
		     "at_ms 2345.6 rtt_ms min 0.500 med 1.250 max 30.100") == 0);
	CHECK(!strstr(buf, "tcp"));
	r.tcp = true;
	r.tcp_bytes_verified = 777;
	r.tcp_reset = true;
	smp_format_summary(&r, buf, sizeof(buf));
	CHECK(strstr(buf, " tcp_bytes_verified 777 tcp_mismatch 0 tcp_reset 1") != NULL);

	n = smp_format_json(&r, buf, sizeof(buf));
	CHECK_EQ(n, (int)strlen(buf));
	CHECK(buf[0] == '{' && buf[n - 2] == '}' && buf[n - 1] == '\n');
	for (i = 0; i < sizeof(json_has) / sizeof(json_has[0]); i++)
		if (!strstr(buf, json_has[i]))
			tap_fail(__FILE__, __LINE__, "JSON lacks %s", json_has[i]);

	r.have_rtt = false;
	r.tcp = false;
	smp_format_json(&r, buf, sizeof(buf));
	CHECK(strstr(buf, "\"rtt_med_ms\": null") != NULL);
	CHECK(!strstr(buf, "tcp_"));

	/* Truncation reports the full length and stays terminated. */
	n = smp_format_json(&r, buf, 10);
	CHECK(n > 10);
	CHECK_EQ(strlen(buf), 9);
}

int main(void)
{
	test_packet_roundtrip();
	test_packet_reject();
	test_gap_middle();
	test_gap_edges();
	test_ignored_answers();
	test_large_sequence();
	test_rtt_stats();
	test_stream();
	test_format();
	return tap_done();
}
