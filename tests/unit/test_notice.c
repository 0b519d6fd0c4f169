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
	with_crc("selfmig/1  seq=1", buf, sizeof(buf));
	CHECK(parse(buf, &m2, err, sizeof(err)) == -1 && strstr(err, "one space"));
	with_crc("selfmig/1 seq", buf, sizeof(buf));
	CHECK(parse(buf, &m2, err, sizeof(err)) == -1 && strstr(err, "without '='"));
	with_crc("selfmig/1 seq=1 seq=2", buf, sizeof(buf));
	CHECK(parse(buf, &m2, err, sizeof(err)) == -1 && strstr(err, "repeated"));
	with_crc("selfmig/1 SEQ=1", buf, sizeof(buf));
	CHECK(parse(buf, &m2, err, sizeof(err)) == -1 && strstr(err, "bad key"));
	with_crc("selfmig/1 crc=1", buf, sizeof(buf));
	CHECK(parse(buf, &m2, err, sizeof(err)) == -1);
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
	memset(&r, 0, sizeof(r));
	r.seq = 42;
	r.phase = SMN_PHASE_NOTICE;
	r.mode = SMN_MODE_SELF;
	strcpy(r.dest, "localhost");
	r.deadline = 1800000000ULL;
	n = smn_request_format(&r, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(smn_request_parse(buf, (size_t)n, &r2, err, sizeof(err)) == 0);
	CHECK(r2.seq == 42 && r2.phase == SMN_PHASE_NOTICE && r2.mode == SMN_MODE_SELF);
	CHECK(!strcmp(r2.dest, "localhost") && r2.deadline == 1800000000ULL);

	tap_test("requests: refusals name the reason");
	with_crc("selfmig/1 seq=1 phase=teleport", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "unknown phase"));
	with_crc("selfmig/1 seq=1", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "missing phase"));
	with_crc("selfmig/1 seq=1 phase=notice", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "without a destination"));
	with_crc("selfmig/1 phase=done", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "seq"));
	with_crc("selfmig/1 seq=4294967296 phase=done", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1);
	with_crc("selfmig/1 seq=-1 phase=done", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1);
	with_crc("selfmig/1 seq=1 phase=done mode=teleport", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "unknown mode"));
	with_crc("selfmig/1 seq=1 phase=done deadline=soon", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "deadline"));

	tap_test("requests: phase migrate, round trip and refusals");
	memset(&r, 0, sizeof(r));
	r.seq = 43;
	r.phase = SMN_PHASE_MIGRATE;
	r.mode = SMN_MODE_SELF;
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
	with_crc("selfmig/1 seq=1 phase=migrate id=0123456789abcdef0123456789abcdef listen=h:7001", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "mode other than self"));
	with_crc("selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcdef", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "listen"));
	with_crc("selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcdef listen=h:0", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "listen"));
	with_crc("selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcdef listen=:7001", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1);
	with_crc("selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcdef listen=h:65536", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1);
	with_crc("selfmig/1 seq=1 phase=migrate mode=self id=0123456789ABCDEF0123456789abcdef listen=h:7001", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "id of 32 hex"));
	with_crc("selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcde listen=h:7001", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1);
	with_crc("selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcdef0 listen=h:7001", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1);
	with_crc("selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcdef listen=h:7001 downtime_ms=0", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "downtime_ms"));
	with_crc("selfmig/1 seq=1 phase=migrate mode=self id=0123456789abcdef0123456789abcdef listen=h:7001 max_bandwidth=1000001", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == -1 &&
	      strstr(err, "max_bandwidth"));

	tap_test("requests: defaults and unknown keys");
	with_crc("selfmig/1 seq=4294967295 phase=abort future=1", buf, sizeof(buf));
	CHECK(smn_request_parse(buf, strlen(buf), &r2, err, sizeof(err)) == 0);
	CHECK(r2.seq == 4294967295U && r2.mode == SMN_MODE_ASSISTED && r2.deadline == 0);
	CHECK(!strcmp(smn_phase_name(SMN_PHASE_STOP), "stop"));
	CHECK(!strcmp(smn_mode_name(SMN_MODE_TRANSPARENT), "transparent"));
	CHECK(!strcmp(smn_phase_name((enum smn_phase)9), "?"));

	return tap_done();
}
