// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the selfmig command's side of the notice protocol: the
 * choice of a request's seq, request texts, acks and how a new one is told
 * from an old one, and the permissions of the keys.
 */
#include "clitest.h"

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

int main(void)
{
	test_next_seq();
	test_request_text();
	test_ack_parse();
	test_ack_check();
	test_perms();
	return tap_done();
}
