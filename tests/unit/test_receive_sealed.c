// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the receiver on sealed streams (version 3): a bit flipped
 * anywhere is refused where it lies and leaves the image as the records
 * before it made it; a retried migration's stream (same id and secret,
 * another salt) is received while its records are refused in the first
 * attempt's stream; and the secret's key file.
 */
#include "receivetest.h"

static const u8 seal_secret[SMW_KEY_LEN] = "receiver's test secret, 32 bytes";

/*
 * Flip one bit at stream offset at and run the stream through a receiver
 * with the secret: it must fail with auth_tag at record seq, leave the
 * image and metadata as the records before it made them, and have handed
 * on and inflated nothing after them (pages_before pages handed on and
 * inflated_before batches inflated, the records before it).
 */
static void expect_flip_refused(struct tstream *t, size_t at, u32 bit,
				const struct snap *before, u32 pages_before,
				u32 inflated_before, s64 seq)
{
	struct smr_receiver r;
	s64 got;

	t->s.p[at] ^= (u8)(1U << bit);
	expect_reject(t, before->image, before->rounds, -SMW_E_AUTH_TAG, seq);
	reset_files();
	CHECK_EQ(run_stream(&t->s, 0, &got, &r), -SMW_E_AUTH_TAG);
	CHECK(!strcmp(smr_errname(r.err), "auth_tag"));
	CHECK_EQ(got, seq);
	CHECK_EQ(run_pages, pages_before);
	CHECK_EQ(r.st.pages, pages_before);
	CHECK_EQ(r.st.compressed_batches, inflated_before);
	t->s.p[at] ^= (u8)(1U << bit);
}

static void test_sealed(void)
{
	static const u32 g0[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const u32 s0[8] = { 11, 12, 0, 14, 15, 16, 17, 18 };
	static const u32 g1[5] = { 2, 20, 21, 22, 40 };
	static const u32 s1[5] = { 302, 320, 0, 322, 340 };
	static const u32 g2[3] = { 5, 50, 63 };
	static const u32 s2[3] = { 405, 450, 463 };
	u8 other[SMW_KEY_LEN];
	struct smr_receiver r;
	struct tstream t;
	struct snap a, b;
	size_t chunks[3] = { 0, 1, 777 };
	size_t rec, meta, len;
	s64 seq;
	u32 k;

	tap_test("sealed stream with its secret: image and metadata exact");
	run_key = seal_secret;
	build_two_rounds_with(&t, seal_secret, salt_one);
	for (k = 0; k < 3; k++) {
		reset_files();
		CHECK_EQ(run_stream(&t.s, chunks[k], &seq, &r), 0);
		CHECK(two_rounds_done(&r));
		/* the tags count: 16 bytes after the header and each record */
		CHECK_EQ(r.st.stream_bytes, t.s.len);
		CHECK_EQ(run_pages, 48);
		check_result(&t, 2);
	}

	tap_test("sealed stream under another secret: auth_tag, image untouched");
	memcpy(other, seal_secret, sizeof(other));
	other[31] ^= 1;
	run_key = other;
	expect_untouched(&t.s, -SMW_E_AUTH_TAG);

	tap_test("sealed stream to a receiver without a secret: no_key, image untouched");
	run_key = NULL;
	expect_untouched(&t.s, -SMW_E_NO_KEY);
	ts_free(&t);

	tap_test("sealed: a flipped bit in a compressed PAGES record: auth_tag, nothing written or inflated");
	run_key = seal_secret;
	ts_init_with(&t, seal_secret, salt_two);
	ts_batch(&t, g0, s0, 8, 0);
	snap_take(&a, &t);
	ts_batch(&t, g1, s1, 5, 1);
	snap_take(&b, &t);
	ts_batch(&t, g2, s2, 3, 0);
	ts_round_end(&t);
	ts_end(&t);
	CHECK_EQ(t.n_rec, 5);
	/* the whole stream is good */
	reset_files();
	CHECK_EQ(run_stream(&t.s, 0, &seq, &r), 0);
	check_result(&t, 1);
	/* record 1: header, a gfn, a kind, the zlib body, the tag */
	rec = t.rec_at[1];
	len = smw_get_le32(t.s.p + rec + SMW_RH_LEN);
	meta = SMW_PAGES_META_LEN(5);
	expect_flip_refused(&t, rec + SMW_RH_FLAGS, 0, &a, 8, 0, 1);
	expect_flip_refused(&t, rec + SMW_REC_HDR_LEN + SMW_PAGES_PREFIX_LEN + 8,
			    1, &a, 8, 0, 1);
	expect_flip_refused(&t, rec + SMW_REC_HDR_LEN + meta - 1, 0, &a, 8, 0, 1);
	expect_flip_refused(&t, rec + SMW_REC_HDR_LEN + meta + 2, 3, &a, 8, 0, 1);
	expect_flip_refused(&t, rec + SMW_REC_HDR_LEN + len - 1, 7, &a, 8, 0, 1);
	expect_flip_refused(&t, rec + SMW_REC_HDR_LEN + len + 5, 6, &a, 8, 0, 1);

	tap_test("sealed: a flipped bit in a raw PAGES record: auth_tag, image as before it");
	rec = t.rec_at[2];
	len = smw_get_le32(t.s.p + rec + SMW_RH_LEN);
	meta = SMW_PAGES_META_LEN(3);
	expect_flip_refused(&t, rec + SMW_RH_SEQ, 0, &b, 13, 1, 2);
	expect_flip_refused(&t, rec + SMW_REC_HDR_LEN + SMW_PG_ROUND, 0, &b,
			    13, 1, 2);
	expect_flip_refused(&t, rec + SMW_REC_HDR_LEN + meta, 0, &b, 13, 1, 2);
	expect_flip_refused(&t, rec + SMW_REC_HDR_LEN + meta + 5000, 4, &b,
			    13, 1, 2);
	expect_flip_refused(&t, rec + SMW_REC_HDR_LEN + len - 1, 7, &b, 13, 1, 2);
	expect_flip_refused(&t, rec + SMW_REC_HDR_LEN + len, 0, &b, 13, 1, 2);
	free(a.image);
	free(b.image);
	ts_free(&t);
	run_key = NULL;
}

/*
 * A migration retried under the same id and secret: the retry's stream
 * carries another salt, so another key; the receiver takes either stream
 * whole and refuses the one's records in the other.
 */
static void test_sealed_retry(void)
{
	/* build_two_rounds' records and the pages handed on before each */
	static const u32 splice_at[3] = { 0, 1, 5 };
	static const u32 pages_before[3] = { 0, 25, 46 };
	struct smr_receiver r;
	struct tstream t, u;
	struct buf s;
	s64 seq;
	u32 k, i;

	run_key = seal_secret;
	build_two_rounds_with(&t, seal_secret, salt_one);
	build_two_rounds_with(&u, seal_secret, salt_two);

	tap_test("sealed retry: same id and secret, another salt: received, another key");
	CHECK(memcmp(t.key, u.key, SMW_KEY_LEN));
	CHECK_EQ(t.s.len, u.s.len);
	CHECK_EQ(t.n_rec, 8);
	reset_files();
	CHECK_EQ(run_stream(&t.s, 0, &seq, &r), 0);
	check_result(&t, 2);
	reset_files();
	CHECK_EQ(run_stream(&u.s, 333, &seq, &r), 0);
	check_result(&u, 2);
	/* the same pages under the same nonces, sealed differently */
	for (i = 0; i < t.n_rec; i++) {
		size_t at = t.rec_at[i], n = (i + 1 < t.n_rec ?
					      t.rec_at[i + 1] : t.s.len) - at;

		CHECK_EQ(u.rec_at[i], at);
		CHECK(!memcmp(t.s.p + at, u.s.p + at, SMW_REC_HDR_LEN));
		CHECK(memcmp(t.s.p + at + SMW_REC_HDR_LEN,
			     u.s.p + at + SMW_REC_HDR_LEN,
			     n - SMW_REC_HDR_LEN));
	}

	tap_test("sealed retry: a record of one attempt spliced into the other: auth_tag");
	for (k = 0; k < 3; k++) {
		size_t at = t.rec_at[splice_at[k]];
		size_t end = t.rec_at[splice_at[k] + 1];

		memset(&s, 0, sizeof(s));
		buf_put(&s, t.s.p, at);
		buf_put(&s, u.s.p + at, end - at);
		buf_put(&s, t.s.p + end, t.s.len - end);
		reset_files();
		CHECK_EQ(run_stream(&s, k == 1 ? 1000 : 0, &seq, &r),
			 -SMW_E_AUTH_TAG);
		CHECK(!strcmp(smr_errname(r.err), "auth_tag"));
		CHECK_EQ(seq, splice_at[k]);
		CHECK_EQ(run_pages, pages_before[k]);
		CHECK_EQ(r.st.pages, pages_before[k]);
		free(s.p);
	}
	/* the retry's header (and its tag) in front of the first's records */
	memset(&s, 0, sizeof(s));
	buf_put(&s, u.s.p, t.rec_at[0]);
	buf_put(&s, t.s.p + t.rec_at[0], t.s.len - t.rec_at[0]);
	reset_files();
	CHECK_EQ(run_stream(&s, 0, &seq, &r), -SMW_E_AUTH_TAG);
	CHECK_EQ(seq, 0);
	CHECK_EQ(run_pages, 0);
	free(s.p);

	tap_test("sealed: the salt altered in the header, crc fixed up: auth_tag, image untouched");
	memset(&s, 0, sizeof(s));
	buf_put(&s, t.s.p, t.s.len);
	s.p[SMW_SH_SALT + 5] ^= 0x20;
	smw_put_le32(s.p + SMW_SH_CRC, smw_crc32c(0, s.p, SMW_SH_CRC));
	expect_untouched(&s, -SMW_E_AUTH_TAG);
	/* the retry's salt in the first attempt's header: the same */
	memcpy(s.p + SMW_SH_SALT, salt_two, SMW_SALT_LEN);
	smw_put_le32(s.p + SMW_SH_CRC, smw_crc32c(0, s.p, SMW_SH_CRC));
	expect_untouched(&s, -SMW_E_AUTH_TAG);
	free(s.p);

	ts_free(&t);
	ts_free(&u);
	run_key = NULL;
}

static void test_key_file(void)
{
	static const u8 id[SMW_ID_LEN] = { 1, 2, 3 }, other[SMW_ID_LEN] = { 9 };
	static const u8 secret[SMW_KEY_LEN] = { 0xaa, 0xbb, 0xcc };
	char path[300], line[SMK_LINE_LEN + 1], err[300];
	u8 key[SMW_KEY_LEN];
	int fd;

	tap_test("key file: read when private, refused when open to others");
	snprintf(path, sizeof(path), "%s/key", dir);
	smk_format(line, id, secret);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, line, SMK_LINE_LEN), (ssize_t)SMK_LINE_LEN);
	CHECK_EQ(write(fd, "\n", 1), 1);
	close(fd);
	CHECK_EQ(smr_load_key(path, id, key, err, sizeof(err)), 0);
	CHECK(!memcmp(key, secret, SMW_KEY_LEN));
	CHECK_EQ(smr_load_key(path, other, key, err, sizeof(err)), -1);
	CHECK(strstr(err, "another migration") != NULL);
	CHECK_EQ(chmod(path, 0640), 0);
	CHECK_EQ(smr_load_key(path, id, key, err, sizeof(err)), -1);
	CHECK(strstr(err, "mode 600") != NULL);
	CHECK_EQ(chmod(path, 0600), 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "selfmig-key/1 id=00", 19), 19);
	close(fd);
	CHECK_EQ(smr_load_key(path, id, key, err, sizeof(err)), -1);
	CHECK(strstr(err, "not a selfmig key line") != NULL);
	unlink(path);
	CHECK_EQ(smr_load_key(path, id, key, err, sizeof(err)), -1);

	tap_test("fault point: the receiver dies at once after crash_after bytes");
	{
		struct tstream t;
		pid_t pid;
		int status = 0;

		build_two_rounds(&t);
		pid = fork();
		if (pid == 0) {
			struct smr_config cfg;
			struct smr_receiver r;

			memset(&cfg, 0, sizeof(cfg));
			memcpy(cfg.id, test_id, SMW_ID_LEN);
			cfg.crash_after = 100;
			freopen("/dev/null", "w", stderr);
			if (smr_init(&r, &cfg))
				_exit(1);
			smr_feed(&r, t.s.p, t.s.len);
			_exit(0);	/* not reached: the stream is longer */
		}
		CHECK(pid > 0);
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 70);
		ts_free(&t);
	}

	tap_test("receiver with a secret: an unauthenticated stream is refused");
	{
		struct smr_config cfg;
		struct smr_receiver r;
		struct tstream t;

		build_two_rounds(&t);
		memset(&cfg, 0, sizeof(cfg));
		memcpy(cfg.id, test_id, SMW_ID_LEN);
		cfg.key = secret;
		CHECK_EQ(smr_init(&r, &cfg), 0);
		CHECK(smr_feed(&r, t.s.p, t.s.len) == -SMW_E_AUTH_REQUIRED);
		smr_close(&r);
		ts_free(&t);
	}
}

int main(void)
{
	receivetest_init();
	test_sealed();
	test_sealed_retry();
	test_key_file();
	return tap_done();
}
