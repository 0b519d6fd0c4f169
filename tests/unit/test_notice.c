// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for relocation notice messages (docs/notices.md): formatting
 * and parsing round trips, the checksum, every refusal, and request checks.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "notice.h"
#include "crc32c.h"

static int parse(const char *s, struct smn_msg *m, char *err, size_t el)
{
	return smn_parse(s, strlen(s), m, err, el);
}

/* Re-checksum text (everything before " crc=") so only the syntax is tested. */
static void with_crc(const char *body, char *out, size_t len)
{
	struct smn_msg m = { 0 };
	char tmp[600];

	(void)m;
	snprintf(tmp, sizeof(tmp), "%s", body);
	snprintf(out, len, "%s crc=%08x", tmp,
		 (unsigned int)smw_crc32c(0, tmp, strlen(tmp)));
}

/*
 * body, re-checksummed, is refused by parse (as a message, or as a request
 * if req), with why in the reason unless why is NULL.
 */
static int refused(int req, const char *body, const char *why)
{
	struct smn_request r;
	struct smn_msg m;
	char buf[SMN_MAX_LEN + 64], err[160];
	int rc;

	with_crc(body, buf, sizeof(buf));
	if (req)
		rc = smn_request_parse(buf, strlen(buf), &r, err, sizeof(err));
	else
		rc = parse(buf, &m, err, sizeof(err));
	return rc == -1 && (!why || strstr(err, why));
}

static int msg_refused(const char *body, const char *why)
{
	return refused(0, body, why);
}

static int req_refused(const char *body, const char *why)
{
	return refused(1, body, why);
}

/* A request of mode self and nothing else set. */
static void req_init(struct smn_request *r, uint32_t seq, enum smn_phase phase)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->phase = phase;
	r->mode = SMN_MODE_SELF;
}

/* A migrate request up to its listen field. */
#define MIG_ID "selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcdef"

/*
 * Requests that are refused (re-checksummed), with a word of the reason
 * (NULL: any); migrate marks those of phase migrate.
 */
static const struct {
	int migrate;
	const char *body, *why;
} req_bad[] = {
	{ 0, "selfmig/1 seq=1 phase=teleport", "unknown phase" },
	{ 0, "selfmig/1 seq=1", "missing phase" },
	{ 0, "selfmig/1 seq=1 phase=notice", "without a destination" },
	{ 0, "selfmig/1 phase=done", "seq" },
	{ 0, "selfmig/1 seq=4294967296 phase=done", NULL },
	{ 0, "selfmig/1 seq=-1 phase=done", NULL },
	{ 0, "selfmig/1 seq=1 phase=done mode=teleport", "unknown mode" },
	{ 0, "selfmig/1 seq=1 phase=done deadline=soon", "deadline" },
	{ 1, "selfmig/1 seq=1 phase=migrate id=0123456789abcdef0123456789abcdef listen=h:7001", "mode other than self" },
	{ 1, MIG_ID, "listen" },
	{ 1, MIG_ID " listen=h:0", "listen" },
	{ 1, MIG_ID " listen=:7001", NULL },
	{ 1, MIG_ID " listen=h:65536", NULL },
	{ 1, "selfmig/1 seq=1 phase=migrate mode=self id=0123456789ABCDEF0123456789abcdef listen=h:7001", "id of 32 hex" },
	{ 1, "selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcde listen=h:7001", NULL },
	{ 1, MIG_ID "0 listen=h:7001", NULL },
	{ 1, MIG_ID " listen=h:7001 downtime_ms=0", "downtime_ms" },
	{ 1, MIG_ID " listen=h:7001 max_bandwidth=1000001", "max_bandwidth" },
};

/* Every request of req_bad with this migrate mark is refused. */
static void check_req_refusals(int migrate)
{
	size_t i;

	for (i = 0; i < sizeof(req_bad) / sizeof(req_bad[0]); i++) {
		if (req_bad[i].migrate != migrate)
			continue;
		if (!req_refused(req_bad[i].body, req_bad[i].why))
			tap_fail(__FILE__, __LINE__, "request not refused as wanted: %s",
				 req_bad[i].body);
	}
}

int main(void)
{
	struct smn_msg m = { 0 }, m2;
	struct smn_request r, r2;
	char buf[SMN_MAX_LEN + 64], err[160], big[700];
	int n;

	tap_test("format then parse gives the same fields");
	CHECK(smn_set(&m, "seq", "7") == 0);
	CHECK(smn_set(&m, "phase", "notice") == 0);
	CHECK(smn_set(&m, "dest", "169.254.0.1:7001") == 0);
	CHECK(smn_set(&m, "empty", "") == 0);
	n = smn_format(&m, buf, sizeof(buf));
	CHECK(n > 0 && (size_t)n == strlen(buf));
	CHECK(!strncmp(buf, "selfmig/1 seq=7 phase=notice", 28));
	CHECK(parse(buf, &m2, err, sizeof(err)) == 0);
	CHECK(m2.n == 4);
	CHECK(smn_get(&m2, "dest") && !strcmp(smn_get(&m2, "dest"), "169.254.0.1:7001"));
	CHECK(smn_get(&m2, "empty") && !strcmp(smn_get(&m2, "empty"), ""));
	CHECK(smn_get(&m2, "nothere") == NULL);

	tap_test("a trailing newline is accepted");
	strcat(buf, "\n");
	CHECK(parse(buf, &m2, err, sizeof(err)) == 0);

	tap_test("smn_set replaces, refuses bad keys, values and crc");
	CHECK(smn_set(&m, "seq", "8") == 0 && !strcmp(smn_get(&m, "seq"), "8"));
	CHECK(smn_set(&m, "Bad", "x") == -1);
	CHECK(smn_set(&m, "", "x") == -1);
	CHECK(smn_set(&m, "k", "two words") == -1);
	CHECK(smn_set(&m, "crc", "0") == -1);
	CHECK(smn_set(&m, "abcdefghijklmnopqrstuvwxyz", "x") == -1);

	tap_test("the checksum catches one changed byte");
	n = smn_format(&m, buf, sizeof(buf));
	CHECK(n > 0);
	buf[12] ^= 1;
	CHECK(parse(buf, &m2, err, sizeof(err)) == -1 && strstr(err, "crc mismatch"));

	tap_test("refusals: magic, version, syntax, length, bytes");
	CHECK(parse("", &m2, err, sizeof(err)) == -1 && strstr(err, "not a selfmig/1"));
	CHECK(parse("selfmig/2 seq=1 crc=00000000", &m2, err, sizeof(err)) == -1);
	CHECK(parse("selfmig/1x seq=1 crc=00000000", &m2, err, sizeof(err)) == -1);
	CHECK(parse("selfmig/1 seq=1", &m2, err, sizeof(err)) == -1 && strstr(err, "no crc"));
	CHECK(parse("selfmig/1 seq=1 crc=zzzzzzzz", &m2, err, sizeof(err)) == -1);
	CHECK(msg_refused("selfmig/1  seq=1", "one space"));
	CHECK(msg_refused("selfmig/1 seq", "without '='"));
	CHECK(msg_refused("selfmig/1 seq=1 seq=2", "repeated"));
	CHECK(msg_refused("selfmig/1 SEQ=1", "bad key"));
	CHECK(msg_refused("selfmig/1 crc=1", NULL));
	memset(big, 'a', sizeof(big));
	memcpy(big, "selfmig/1 k=", 12);
	big[sizeof(big) - 1] = 0;
	CHECK(parse(big, &m2, err, sizeof(err)) == -1 && strstr(err, "longer"));
	CHECK(smn_parse("selfmig/1 a=\001 crc=00000000", 26, &m2, err, sizeof(err)) == -1);
	CHECK(smn_parse("selfmig/1 a=b\0 crc=00000000", 27, &m2, err, sizeof(err)) == -1);

	tap_test("too many fields are refused when formatting and parsing");
	{
		struct smn_msg f = { 0 };
		char k[24], body[600];
		int i;

		for (i = 0; i < SMN_MAX_FIELDS; i++) {
			snprintf(k, sizeof(k), "k%d", i);
			CHECK(smn_set(&f, k, "v") == 0);
		}
		CHECK(smn_set(&f, "one-more", "v") == -1);
		strcpy(body, "selfmig/1");
		for (i = 0; i <= SMN_MAX_FIELDS; i++) {
			snprintf(k, sizeof(k), " k%d=v", i);
			strcat(body, k);
		}
		with_crc(body, buf, sizeof(buf));
		CHECK(parse(buf, &m2, err, sizeof(err)) == -1 && strstr(err, "too many"));
	}

	tap_test("a message over 512 bytes cannot be formatted");
	{
		struct smn_msg f = { 0 };
		char v[SMN_VAL_LEN], k[24];
		int i;

		memset(v, 'x', sizeof(v) - 1);
		v[sizeof(v) - 1] = 0;
		for (i = 0; i < 5; i++) {
			snprintf(k, sizeof(k), "k%d", i);
			smn_set(&f, k, v);
		}
		CHECK(smn_format(&f, big, sizeof(big)) == -1);
		CHECK(smn_format(&f, buf, 10) == -1);
	}

	tap_test("requests: round trip");
	req_init(&r, 42, SMN_PHASE_NOTICE);
	strcpy(r.dest, "localhost");
	r.deadline = 1800000000ULL;
	n = smn_request_format(&r, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(smn_request_parse(buf, (size_t)n, &r2, err, sizeof(err)) == 0);
	CHECK(r2.seq == 42 && r2.phase == SMN_PHASE_NOTICE && r2.mode == SMN_MODE_SELF);
	CHECK(!strcmp(r2.dest, "localhost") && r2.deadline == 1800000000ULL);

	tap_test("requests: refusals name the reason");
	check_req_refusals(0);

	tap_test("requests: phase migrate, round trip and refusals");
	req_init(&r, 43, SMN_PHASE_MIGRATE);
	strcpy(r.listen, "169.254.0.1:7001");
	strcpy(r.id, "0123456789abcdef0123456789abcdef");
	r.downtime_ms = 80;
	r.bandwidth_mbit = 400;
	n = smn_request_format(&r, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(strstr(buf, "phase=migrate mode=self listen=169.254.0.1:7001 id=0123456789abcdef0123456789abcdef downtime_ms=80 max_bandwidth=400 crc=") != NULL);
	CHECK(smn_request_parse(buf, (size_t)n, &r2, err, sizeof(err)) == 0);
	CHECK(r2.phase == SMN_PHASE_MIGRATE && r2.mode == SMN_MODE_SELF);
	CHECK(!strcmp(r2.listen, r.listen) && !strcmp(r2.id, r.id));
	CHECK(r2.downtime_ms == 80 && r2.bandwidth_mbit == 400);
	CHECK(!strcmp(smn_phase_name(SMN_PHASE_MIGRATE), "migrate"));
	with_crc("selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcdef listen=h:7001", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == 0 &&
	      r2.downtime_ms == 0 && r2.bandwidth_mbit == 0);
	check_req_refusals(1);

	tap_test("requests: phase sample, round trip and refusals");
	req_init(&r, 44, SMN_PHASE_SAMPLE);
	r.seconds = 30;
	r.interval_ms = 500;
	n = smn_request_format(&r, buf, sizeof(buf));
	CHECK(n > 0 && strstr(buf, "phase=sample mode=self seconds=30 interval_ms=500 crc=") != NULL);
	CHECK(smn_request_parse(buf, (size_t)n, &r2, err, sizeof(err)) == 0);
	CHECK(r2.phase == SMN_PHASE_SAMPLE && r2.seconds == 30 && r2.interval_ms == 500);
	CHECK(!strcmp(smn_phase_name(SMN_PHASE_SAMPLE), "sample"));
	with_crc("selfmig/1 seq=1 phase=sample interval_ms=500", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "sample without seconds"));
	with_crc("selfmig/1 seq=1 phase=sample seconds=3601 interval_ms=500", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1);
	with_crc("selfmig/1 seq=1 phase=sample seconds=0 interval_ms=500", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1);
	with_crc("selfmig/1 seq=1 phase=sample seconds=10 interval_ms=9", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "interval_ms from 10 to 60000"));
	with_crc("selfmig/1 seq=1 phase=sample seconds=10", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1);

	tap_test("requests: defaults and unknown keys");
	with_crc("selfmig/1 seq=4294967295 phase=abort future=1", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == 0);
	CHECK(r2.seq == 4294967295U && r2.mode == SMN_MODE_ASSISTED && r2.deadline == 0);
	CHECK(!strcmp(smn_phase_name(SMN_PHASE_STOP), "stop"));
	CHECK(!strcmp(smn_mode_name(SMN_MODE_TRANSPARENT), "transparent"));
	CHECK(!strcmp(smn_phase_name((enum smn_phase)9), "?"));

	return tap_done();
}
