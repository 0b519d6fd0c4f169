/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the receiver's unit tests (test_receive.c,
 * test_receive_sealed.c): scratch files for the image, metadata and
 * stream; a test stream built record by record beside the image and rounds
 * it must leave; a receiver run over it whole or in chunks; and the checks
 * that a rejection left the image as the records before it made it.
 */
#ifndef SELFMIG_RECEIVETEST_H
#define SELFMIG_RECEIVETEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "args.h"
#include "testbuf.h"
#include "scratch.h"
#include "tap.h"
#include "crc32c.h"
#include "wire.h"
#include "authkey.h"
#include "receiver.h"
#include "net.h"
#include "aead.h"

#define PAGES 64U

static const u8 test_id[SMW_ID_LEN] = {
	0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22, 0x33,
	0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb
};

/* Stream salts of sealed streams: fixed, one per attempt of a migration. */
static const u8 salt_one[SMW_SALT_LEN] = {
	0x31, 0x41, 0x59, 0x26, 0x53, 0x58, 0x97, 0x93, 0x23, 0x84, 0x62, 0x64
};
static const u8 salt_two[SMW_SALT_LEN] = {
	0x27, 0x18, 0x28, 0x18, 0x28, 0x45, 0x90, 0x45, 0x23, 0x53, 0x60, 0x28
};

static char dir[256], image_path[SCRATCH_PATH_LEN], meta_path[SCRATCH_PATH_LEN];
static char stream_path[SCRATCH_PATH_LEN];

/* ------------------------------------------------------------------ */
/* Helpers                                                             */


static inline void fill_page(u8 *page, u32 seed)
{
	u32 i;

	for (i = 0; i < SMW_PAGE_SIZE; i++)
		page[i] = (u8)((seed * 131 + i * 3 + (i >> 7)) ^ (seed >> 3));
	page[0] = 1;
}

static inline u8 *read_file(const char *path, size_t *len)
{
	struct stat sb;
	u8 *p;
	int fd = open(path, O_RDONLY);

	*len = 0;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return NULL;
	}
	p = malloc((size_t)sb.st_size + 1);
	if (p && read(fd, p, (size_t)sb.st_size) != sb.st_size) {
		free(p);
		p = NULL;
	}
	close(fd);
	*len = (size_t)sb.st_size;
	return p;
}

static inline int write_file(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, p, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
}

static inline int file_equals(const char *path, const u8 *want, size_t len)
{
	size_t got_len;
	u8 *got = read_file(path, &got_len);
	int eq = got && got_len == len && memcmp(got, want, len) == 0;

	free(got);
	return eq;
}

/*
 * A test stream plus the image and metadata it should produce.
 */
struct tstream {
	struct smw_encoder enc;
	struct buf s;
	u8 *image;		/* expected image */
	u32 round_of[PAGES];	/* expected metadata round per gfn */
	int sealed;		/* version 3, under key */
	u8 salt[SMW_SALT_LEN];	/* sealed: the header's bytes 48..59 */
	u8 key[SMW_KEY_LEN];	/* derived with that salt */
	u32 n_rec;
	size_t rec_at[32];	/* where each record starts */
};

/*
 * A stream of PAGES pages; with secret, sealed (version 3) under the key
 * of secret for test_id and salt, which goes into the header.
 */
static inline void ts_init_with(struct tstream *t, const u8 *secret, const u8 *salt)
{
	u8 hdr[SMW_STREAM_HDR_LEN], tag[SMW_TAG_LEN];
	u32 i;

	memset(t, 0, sizeof(*t));
	t->image = calloc(PAGES, SMW_PAGE_SIZE);
	if (secret) {
		t->sealed = 1;
		CHECK_EQ(smw_enc_init_sealed(&t->enc, hdr, test_id, PAGES,
					     salt), 0);
		memcpy(t->salt, hdr + SMW_SH_SALT, SMW_SALT_LEN);
		CHECK(!memcmp(t->salt, salt, SMW_SALT_LEN));
		CHECK_EQ(smr_stream_key(secret, hdr + SMW_SH_ID, t->salt,
					t->key), 0);
		CHECK_EQ(smr_aead_seal(t->key, smw_enc_nonce(&t->enc), hdr,
				       sizeof(hdr), NULL, 0, tag), 0);
		buf_put(&t->s, hdr, sizeof(hdr));
		buf_put(&t->s, tag, sizeof(tag));
	} else {
		smw_enc_init(&t->enc, hdr, test_id, PAGES);
		buf_put(&t->s, hdr, sizeof(hdr));
	}
	for (i = 0; i < PAGES; i++)
		t->round_of[i] = SMR_META_NEVER;
}

static inline void ts_init(struct tstream *t)
{
	ts_init_with(t, NULL, NULL);
}

/* Append a record the encoder has just framed, sealed if the stream is. */
static inline void ts_put(struct tstream *t, const u8 rh[SMW_REC_HDR_LEN],
		   const void *p1, u32 l1, const void *p2, u32 l2)
{
	static u8 pl[SMW_MAX_PAYLOAD];
	u8 tag[SMW_TAG_LEN];

	if (t->n_rec < 32)
		t->rec_at[t->n_rec++] = t->s.len;
	buf_put(&t->s, rh, SMW_REC_HDR_LEN);
	if (!t->sealed) {
		buf_put(&t->s, p1, l1);
		buf_put(&t->s, p2, l2);
		return;
	}
	memcpy(pl, p1, l1);
	if (l2)
		memcpy(pl + l1, p2, l2);
	CHECK_EQ(smr_aead_seal(t->key, smw_enc_nonce(&t->enc), rh,
			       SMW_REC_HDR_LEN, pl, l1 + l2, tag), 0);
	buf_put(&t->s, pl, l1 + l2);
	buf_put(&t->s, tag, sizeof(tag));
}

static inline void ts_free(struct tstream *t)
{
	free(t->s.p);
	free(t->image);
}

/*
 * Append a batch.  seeds[i] == 0 sends gfns[i] as a zero page, otherwise
 * as a page filled from the seed.
 */
static inline void ts_batch(struct tstream *t, const u32 *gfns, const u32 *seeds,
		     u32 n, int compress)
{
	static u8 meta[SMW_PAGES_META_MAX], data[SMW_PAGES_DATA_MAX];
	static u8 z[SMW_PAGES_DATA_MAX + 4096];
	u8 rh[SMW_REC_HDR_LEN], page[SMW_PAGE_SIZE];
	struct smw_pages_batch b;
	uLongf zlen = sizeof(z);
	u32 i;

	smw_pages_begin(&t->enc, &b, meta, data);
	for (i = 0; i < n; i++) {
		u8 *dst = t->image + (size_t)gfns[i] * SMW_PAGE_SIZE;

		if (seeds[i]) {
			fill_page(page, seeds[i]);
			CHECK_EQ(smw_pages_add(&b, gfns[i], page), 0);
			memcpy(dst, page, SMW_PAGE_SIZE);
		} else {
			CHECK_EQ(smw_pages_add(&b, gfns[i], NULL), 0);
			memset(dst, 0, SMW_PAGE_SIZE);
		}
		t->round_of[gfns[i]] = t->enc.round;
	}
	if (compress) {
		CHECK_EQ(compress2(z, &zlen, data, b.data_len, 6), Z_OK);
		CHECK_EQ(smw_enc_pages(&t->enc, &b, rh, SMW_RECF_COMPRESSED, z,
				       (u32)zlen), 0);
		ts_put(t, rh, meta, b.meta_len, z, (u32)zlen);
	} else {
		CHECK_EQ(smw_enc_pages(&t->enc, &b, rh, 0, data, b.data_len), 0);
		ts_put(t, rh, meta, b.meta_len, data, b.data_len);
	}
}

static inline void ts_round_end(struct tstream *t)
{
	u8 rh[SMW_REC_HDR_LEN], re[SMW_ROUND_END_LEN];

	CHECK_EQ(smw_enc_round_end(&t->enc, rh, re, NULL), 0);
	ts_put(t, rh, re, sizeof(re), NULL, 0);
}

static inline void ts_end(struct tstream *t)
{
	u8 rh[SMW_REC_HDR_LEN], end[SMW_END_LEN];

	CHECK_EQ(smw_enc_end(&t->enc, rh, end), 0);
	ts_put(t, rh, end, sizeof(end), NULL, 0);
}

/* Append a record with a correct crc and the encoder's next seq. */
static inline void ts_raw(struct tstream *t, u32 type, u32 flags, const void *pl,
		   u32 len)
{
	u8 rh[SMW_REC_HDR_LEN];

	smw_rec_hdr_build(rh, type, flags, t->enc.next_seq, pl, len);
	buf_put(&t->s, rh, sizeof(rh));
	buf_put(&t->s, pl, len);
}

/* Round 0 prefix used by the rejection tests: gfns 0..7 with data. */
static inline void ts_prefix(struct tstream *t)
{
	static const u32 g[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const u32 s[8] = { 11, 12, 13, 14, 15, 16, 17, 18 };

	ts_init(t);
	ts_batch(t, g, s, 8, 0);
}

/* The secret run_stream's receivers get (NULL: none), and the pages
 * they hand on while they have one. */
static const u8 *run_key;
static u32 run_pages;

static inline int count_page(void *ctx, u64 gfn, const u8 *page)
{
	(void)ctx;
	(void)gfn;
	(void)page;
	run_pages++;
	return 0;
}

static inline void cfg_init(struct smr_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->image_path = image_path;
	cfg->meta_path = meta_path;
	memcpy(cfg->id, test_id, SMW_ID_LEN);
	if (run_key) {
		cfg->key = run_key;
		cfg->page_fn = count_page;
	}
}

/*
 * Run a stream through a receiver in chunks of `chunk` bytes (0: one
 * call), then finish and close.  Returns the final error (0 or negative)
 * and the error position in *seq.
 */
static inline int run_stream(const struct buf *s, size_t chunk, s64 *seq,
		      struct smr_receiver *out)
{
	struct smr_receiver r;
	struct smr_config cfg;
	size_t pos = 0, n;
	int ret;

	cfg_init(&cfg);
	run_pages = 0;
	ret = smr_init(&r, &cfg);
	while (!ret && pos < s->len) {
		n = chunk ? chunk : s->len;
		if (n > s->len - pos)
			n = s->len - pos;
		ret = smr_feed(&r, s->p + pos, n);
		if (ret > 0)
			ret = 0;
		pos += n;
	}
	if (!ret)
		ret = smr_finish(&r);
	ret = smr_close(&r);
	*seq = r.err_seq;
	if (out)
		*out = r;
	return ret;
}

/* Fresh output files: image holds a sentinel, no metadata file. */
static inline void reset_files(void)
{
	unlink(meta_path);
	write_file(image_path, "sentinel", 8);
}

/*
 * Rejection check: the stream t (good prefix + bad record) fails with err at
 * record seq, the image equals the prefix's image, and the metadata file
 * says "incomplete" with the prefix's rounds.
 */
static inline void expect_reject(struct tstream *t, const u8 *prefix_image,
			  const u32 *prefix_rounds, int err, s64 seq)
{
	static const size_t chunks[2] = { 0, 1000 };
	u64 count;
	u32 flags, rounds, r, crc, i, k;
	s64 got_seq;
	u8 *meta;

	for (k = 0; k < 2; k++) {
		reset_files();
		CHECK_EQ(run_stream(&t->s, chunks[k], &got_seq, NULL), err);
		CHECK_EQ(got_seq, seq);
		CHECK(file_equals(image_path, prefix_image,
				  (size_t)PAGES * SMW_PAGE_SIZE));
		meta = smr_meta_read(meta_path, &count, &flags, &rounds);
		CHECK(meta != NULL);
		if (!meta)
			continue;
		CHECK_EQ(count, PAGES);
		CHECK_EQ(flags & SMR_META_F_COMPLETE, 0);
		for (i = 0; i < PAGES; i++) {
			smr_meta_get(meta, i, &r, &crc);
			CHECK_EQ(r, prefix_rounds[i]);
		}
		free(meta);
	}
}

/* ------------------------------------------------------------------ */
/* Positive path                                                       */

static inline void check_result(struct tstream *t, u32 rounds)
{
	u64 count;
	u32 flags, got_rounds, r, crc, i;
	u8 *meta;

	CHECK(file_equals(image_path, t->image, (size_t)PAGES * SMW_PAGE_SIZE));
	meta = smr_meta_read(meta_path, &count, &flags, &got_rounds);
	CHECK(meta != NULL);
	if (!meta)
		return;
	CHECK_EQ(count, PAGES);
	CHECK_EQ(flags, SMR_META_F_COMPLETE);
	CHECK_EQ(got_rounds, rounds);
	for (i = 0; i < PAGES; i++) {
		smr_meta_get(meta, i, &r, &crc);
		CHECK_EQ(r, t->round_of[i]);
		if (r != SMR_META_NEVER)
			CHECK_EQ(crc, smw_crc32c(0, t->image +
						 (size_t)i * SMW_PAGE_SIZE,
						 SMW_PAGE_SIZE));
		else
			CHECK_EQ(crc, 0);
	}
	free(meta);
}

static inline void build_two_rounds_with(struct tstream *t, const u8 *secret,
				  const u8 *salt)
{
	u32 g[40], s[40], i;
	static const u32 g1[6] = { 3, 6, 9, 10, 39, 63 };
	static const u32 s1[6] = { 1003, 0, 1009, 0, 1039, 1063 };
	static const u32 g2[2] = { 6, 12 };
	static const u32 s2[2] = { 2006, 0 };
	struct smw_proc_entry pe = { 77, 12, "worker" };
	u8 rh[SMW_REC_HDR_LEN], pl[64];
	u32 plen;

	ts_init_with(t, secret, salt);
	/* Round 0: gfns 0..39, every fifth a zero page, in two batches. */
	for (i = 0; i < 40; i++) {
		g[i] = i;
		s[i] = i % 5 == 0 ? 0 : 100 + i;
	}
	ts_batch(t, g, s, 25, 0);
	ts_batch(t, g + 25, s + 25, 15, 1);
	ts_round_end(t);
	CHECK_EQ(smw_enc_proc_stats(&t->enc, rh, pl, sizeof(pl), 0, &pe, 1,
				    &plen), 0);
	ts_put(t, rh, pl, plen, NULL, 0);
	/* Round 1: rewrite some pages, zero some that had data. */
	ts_batch(t, g1, s1, 6, 1);
	ts_batch(t, g2, s2, 2, 0);
	ts_round_end(t);
	ts_end(t);
}

static inline void build_two_rounds(struct tstream *t)
{
	build_two_rounds_with(t, NULL, NULL);
}

/* r took the whole stream of build_two_rounds(): its records and pages. */
static inline int two_rounds_done(const struct smr_receiver *r)
{
	return r->complete == 1 && r->st.rounds == 2 && r->st.pages == 48 &&
	       r->st.compressed_batches == 2 && r->st.records == 8;
}

static inline void expect_untouched(const struct buf *s, int err)
{
	s64 seq;
	struct stat sb;

	reset_files();
	CHECK_EQ(run_stream(s, 0, &seq, NULL), err);
	CHECK_EQ(seq, -1);
	CHECK(file_equals(image_path, (const u8 *)"sentinel", 8));
	CHECK(stat(meta_path, &sb) < 0 && errno == ENOENT);
	reset_files();
	CHECK_EQ(run_stream(s, 1, &seq, NULL), err);
	CHECK(file_equals(image_path, (const u8 *)"sentinel", 8));
}

/* Snapshot of the prefix's expected state. */
struct snap {
	u8 *image;
	u32 rounds[PAGES];
};

static inline void snap_take(struct snap *s, const struct tstream *t)
{
	s->image = malloc((size_t)PAGES * SMW_PAGE_SIZE);
	memcpy(s->image, t->image, (size_t)PAGES * SMW_PAGE_SIZE);
	memcpy(s->rounds, t->round_of, sizeof(s->rounds));
}

/* Make the scratch directory and its files' names. */
static inline void receivetest_init(void)
{
	const char *tmp = getenv("TMPDIR");

	scratch_make(dir, sizeof(dir), tmp ? tmp : "/tmp", "smr-test-XXXXXX",
		     image_path, "image", meta_path, "meta", stream_path, "stream",
		     NULL);
}

#endif /* SELFMIG_RECEIVETEST_H */
