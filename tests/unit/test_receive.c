// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the receiver: a valid two-round stream lands byte for byte
 * in the image and the metadata file, and every rejection leaves the image
 * exactly as the records before the rejected one made it, sealed streams
 * (version 3) included, and a retried migration's stream (same id and
 * secret, another salt) is received while its records are refused in the
 * first attempt's stream.
 */
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


static void fill_page(u8 *page, u32 seed)
{
	u32 i;

	for (i = 0; i < SMW_PAGE_SIZE; i++)
		page[i] = (u8)((seed * 131 + i * 3 + (i >> 7)) ^ (seed >> 3));
	page[0] = 1;
}

static u8 *read_file(const char *path, size_t *len)
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

static int write_file(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, p, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
}

static int file_equals(const char *path, const u8 *want, size_t len)
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
static void ts_init_with(struct tstream *t, const u8 *secret, const u8 *salt)
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

static void ts_init(struct tstream *t)
{
	ts_init_with(t, NULL, NULL);
}

/* Append a record the encoder has just framed, sealed if the stream is. */
static void ts_put(struct tstream *t, const u8 rh[SMW_REC_HDR_LEN],
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

static void ts_free(struct tstream *t)
{
	free(t->s.p);
	free(t->image);
}

/*
 * Append a batch.  seeds[i] == 0 sends gfns[i] as a zero page, otherwise
 * as a page filled from the seed.
 */
static void ts_batch(struct tstream *t, const u32 *gfns, const u32 *seeds,
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

static void ts_round_end(struct tstream *t)
{
	u8 rh[SMW_REC_HDR_LEN], re[SMW_ROUND_END_LEN];

	CHECK_EQ(smw_enc_round_end(&t->enc, rh, re, NULL), 0);
	ts_put(t, rh, re, sizeof(re), NULL, 0);
}

static void ts_end(struct tstream *t)
{
	u8 rh[SMW_REC_HDR_LEN], end[SMW_END_LEN];

	CHECK_EQ(smw_enc_end(&t->enc, rh, end), 0);
	ts_put(t, rh, end, sizeof(end), NULL, 0);
}

/* Append a record with a correct crc and the encoder's next seq. */
static void ts_raw(struct tstream *t, u32 type, u32 flags, const void *pl,
		   u32 len)
{
	u8 rh[SMW_REC_HDR_LEN];

	smw_rec_hdr_build(rh, type, flags, t->enc.next_seq, pl, len);
	buf_put(&t->s, rh, sizeof(rh));
	buf_put(&t->s, pl, len);
}

/* Round 0 prefix used by the rejection tests: gfns 0..7 with data. */
static void ts_prefix(struct tstream *t)
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

static int count_page(void *ctx, u64 gfn, const u8 *page)
{
	(void)ctx;
	(void)gfn;
	(void)page;
	run_pages++;
	return 0;
}

static void cfg_init(struct smr_config *cfg)
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
static int run_stream(const struct buf *s, size_t chunk, s64 *seq,
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
static void reset_files(void)
{
	unlink(meta_path);
	write_file(image_path, "sentinel", 8);
}

/*
 * Rejection check: the stream t (good prefix + bad record) fails with err at
 * record seq, the image equals the prefix's image, and the metadata file
 * says "incomplete" with the prefix's rounds.
 */
static void expect_reject(struct tstream *t, const u8 *prefix_image,
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

static void check_result(struct tstream *t, u32 rounds)
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

static void build_two_rounds_with(struct tstream *t, const u8 *secret,
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

static void build_two_rounds(struct tstream *t)
{
	build_two_rounds_with(t, NULL, NULL);
}

/* r took the whole stream of build_two_rounds(): its records and pages. */
static int two_rounds_done(const struct smr_receiver *r)
{
	return r->complete == 1 && r->st.rounds == 2 && r->st.pages == 48 &&
	       r->st.compressed_batches == 2 && r->st.records == 8;
}

static void test_positive(void)
{
	struct smr_receiver r;
	struct tstream t;
	s64 seq;
	size_t chunks[4] = { 0, 1, 777, 65536 };
	u32 k;

	tap_test("two rounds then END: image and metadata exact");
	build_two_rounds(&t);
	for (k = 0; k < 4; k++) {
		reset_files();
		CHECK_EQ(run_stream(&t.s, chunks[k], &seq, &r), 0);
		CHECK(two_rounds_done(&r));
		CHECK_EQ(r.st.zero_pages, 8 + 3);
		CHECK_EQ(r.st.stream_bytes, t.s.len);
		check_result(&t, 2);
	}
	ts_free(&t);
}

static void test_run_fd(void)
{
	struct smr_receiver r;
	struct smr_config cfg;
	struct tstream t;
	char json[320], line[256];
	FILE *devnull = fopen("/dev/null", "w");
	size_t jlen;
	u8 *j;
	int fd;

	tap_test("file input via smr_run_fd, verbose output, JSON summary");
	build_two_rounds(&t);
	CHECK_EQ(write_file(stream_path, t.s.p, t.s.len), 0);
	reset_files();
	cfg_init(&cfg);
	cfg.verbose = 1;
	cfg.out = devnull;
	fd = open(stream_path, O_RDONLY);
	CHECK_EQ(smr_init(&r, &cfg), 0);
	CHECK_EQ(smr_run_fd(&r, fd, 1), 0);
	close(fd);
	CHECK_EQ(smr_close(&r), 0);
	check_result(&t, 2);
	snprintf(json, sizeof(json), "%s/summary.json", dir);
	CHECK_EQ(smr_write_json(&r, json), 0);
	j = read_file(json, &jlen);
	CHECK(j != NULL);
	if (j) {
		j[jlen] = 0;
		CHECK(strstr((char *)j, "\"status\": \"ok\"") != NULL);
		CHECK(strstr((char *)j, "\"rounds\": 2,") != NULL);
		CHECK(strstr((char *)j, "\"pages\": 48,") != NULL);
		free(j);
	}
	smr_print_summary(&r, devnull);

	tap_test("trailing bytes after END are rejected in file mode");
	buf_put(&t.s, "junk", 4);
	CHECK_EQ(write_file(stream_path, t.s.p, t.s.len), 0);
	reset_files();
	fd = open(stream_path, O_RDONLY);
	CHECK_EQ(smr_init(&r, &cfg), 0);
	CHECK_EQ(smr_run_fd(&r, fd, 1), -SMW_E_TRAILING);
	close(fd);
	CHECK_EQ(smr_close(&r), -SMW_E_TRAILING);
	smr_error_line(&r, line, sizeof(line));
	CHECK(strstr(line, "trailing_data") != NULL);
	CHECK(strstr(line, "record seq 8") != NULL);
	CHECK_EQ(smr_write_json(&r, json), 0);
	j = read_file(json, &jlen);
	if (j) {
		j[jlen] = 0;
		CHECK(strstr((char *)j, "\"status\": \"error\"") != NULL);
		CHECK(strstr((char *)j, "\"name\": \"trailing_data\"") != NULL);
		free(j);
	}
	unlink(json);
	ts_free(&t);
	fclose(devnull);
}

/* ------------------------------------------------------------------ */
/* Rejections before the stream header is accepted                     */

static void expect_untouched(const struct buf *s, int err)
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

static void test_header_rejects(void)
{
	struct tstream t;
	u8 *h;
	u8 other[SMW_ID_LEN];

	tap_test("reject bad magic; image untouched");
	build_two_rounds(&t);
	t.s.p[0] = 'X';
	expect_untouched(&t.s, -SMW_E_BAD_MAGIC);
	ts_free(&t);

	tap_test("reject bad version (the retired 2); image untouched");
	build_two_rounds(&t);
	h = t.s.p;
	smw_put_le32(h + SMW_SH_VERSION, 2);
	smw_put_le32(h + SMW_SH_CRC, smw_crc32c(0, h, SMW_SH_CRC));
	expect_untouched(&t.s, -SMW_E_BAD_VERSION);
	ts_free(&t);

	tap_test("reject stream header crc; image untouched");
	build_two_rounds(&t);
	t.s.p[SMW_SH_PAGE_COUNT] ^= 4;
	expect_untouched(&t.s, -SMW_E_HDR_CRC);
	ts_free(&t);

	tap_test("reject wrong migration id; image untouched");
	build_two_rounds(&t);
	h = t.s.p;
	memcpy(other, test_id, sizeof(other));
	other[0] ^= 1;
	smw_stream_hdr_build(h, other, PAGES);
	expect_untouched(&t.s, -SMW_E_WRONG_ID);
	ts_free(&t);

	tap_test("reject empty input as truncated; image untouched");
	{
		struct buf empty = { 0 };

		expect_untouched(&empty, -SMW_E_TRUNCATED);
	}
}

/* ------------------------------------------------------------------ */
/* Rejections of a record after a good prefix                          */

/* Snapshot of the prefix's expected state. */
struct snap {
	u8 *image;
	u32 rounds[PAGES];
};

static void snap_take(struct snap *s, const struct tstream *t)
{
	s->image = malloc((size_t)PAGES * SMW_PAGE_SIZE);
	memcpy(s->image, t->image, (size_t)PAGES * SMW_PAGE_SIZE);
	memcpy(s->rounds, t->round_of, sizeof(s->rounds));
}

/* PAGES payload for raw pages at gfns, seeds from 900. */
static u32 raw_pages(u8 *p, const u64 *gfns, u32 n, u32 data_len)
{
	u32 i;

	smw_put_le32(p + SMW_PG_ROUND, 0);
	smw_put_le32(p + SMW_PG_COUNT, n);
	smw_put_le32(p + SMW_PG_DATA_LEN, data_len);
	smw_put_le32(p + SMW_PG_RESERVED, 0);
	for (i = 0; i < n; i++) {
		smw_put_le64(p + 16 + 8 * i, gfns[i]);
		p[16 + 8 * n + i] = SMW_PAGE_RAW;
		fill_page(p + SMW_PAGES_META_LEN(n) + i * SMW_PAGE_SIZE,
			  900 + i);
	}
	return SMW_PAGES_META_LEN(n);
}

/* Compress len bytes of src at level into z (of cap bytes): their length. */
static uLongf deflate_to(u8 *z, uLongf cap, const u8 *src, uLong len, int level)
{
	uLongf zlen = cap;

	CHECK_EQ(compress2(z, &zlen, src, len, level), Z_OK);
	return zlen;
}

/*
 * After the stream's prefix, a compressed PAGES record of meta bytes of p
 * and the zlen bytes of z is refused with err at seq 1.
 */
static void reject_zlib(struct tstream *t, const struct snap *sn, u8 *p,
			u32 meta, const u8 *z, u32 zlen, int err)
{
	memcpy(p + meta, z, zlen);
	ts_raw(t, SMW_REC_PAGES, SMW_RECF_COMPRESSED, p, meta + zlen);
	expect_reject(t, sn->image, sn->rounds, err, 1);
	ts_free(t);
}

static void test_record_rejects(void)
{
	static u8 p[SMW_MAX_PAYLOAD], z[SMW_PAGES_DATA_MAX + 4096];
	static const u64 good_gfns[3] = { 2, 5, 40 };
	struct tstream t;
	struct snap sn;
	u8 rh[SMW_REC_HDR_LEN];
	uLongf zlen;
	u32 meta;
	int variant;

	tap_test("reject record crc; image as before the record");
	ts_prefix(&t);
	snap_take(&sn, &t);
	meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
	ts_raw(&t, SMW_REC_PAGES, 0, p, meta + 3 * SMW_PAGE_SIZE);
	t.s.p[t.s.len - 100] ^= 0x01;
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_RECORD_CRC, 1);
	ts_free(&t);

	tap_test("reject gfn beyond guest memory; no page of the batch lands");
	{
		static const u64 bad[3] = { 2, 5, PAGES };

		ts_prefix(&t);
		meta = raw_pages(p, bad, 3, 3 * SMW_PAGE_SIZE);
		ts_raw(&t, SMW_REC_PAGES, 0, p, meta + 3 * SMW_PAGE_SIZE);
		expect_reject(&t, sn.image, sn.rounds, -SMW_E_GFN_RANGE, 1);
		ts_free(&t);
	}

	tap_test("reject truncated record at end of input");
	ts_prefix(&t);
	meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
	ts_raw(&t, SMW_REC_PAGES, 0, p, meta + 3 * SMW_PAGE_SIZE);
	t.s.len -= SMW_PAGE_SIZE + 10;
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_TRUNCATED, 1);
	ts_free(&t);

	tap_test("reject oversized payload length");
	ts_prefix(&t);
	smw_rec_hdr_build(rh, SMW_REC_PAGES, 0, 1, p, 0);
	smw_put_le32(rh + SMW_RH_LEN, SMW_MAX_PAYLOAD + 4096);
	buf_put(&t.s, rh, sizeof(rh));
	buf_put(&t.s, p, 4096);
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_OVERSIZE, 1);
	ts_free(&t);

	tap_test("reject corrupt zlib data");
	ts_prefix(&t);
	meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
	zlen = deflate_to(z, sizeof(z), p + meta, 3 * SMW_PAGE_SIZE, 6);
	z[zlen / 2] ^= 0xFF;
	z[zlen / 2 + 1] ^= 0x5A;
	reject_zlib(&t, &sn, p, meta, z, (u32)zlen, -SMW_E_ZLIB_CORRUPT);

	tap_test("reject zlib garbage, cut stream and trailing bytes");
	for (variant = 0; variant < 3; variant++) {
		u32 clen;

		ts_prefix(&t);
		meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
		zlen = deflate_to(z, sizeof(z), p + meta, 3 * SMW_PAGE_SIZE, 6);
		clen = (u32)zlen;
		if (variant == 0) {
			memset(z, 0xA5, 64);	/* not a zlib header */
			clen = 64;
		} else if (variant == 1) {
			clen = clen / 2;	/* stream stops early */
		} else {
			z[clen++] = 0;		/* byte after stream end */
		}
		reject_zlib(&t, &sn, p, meta, z, clen, -SMW_E_ZLIB_CORRUPT);
	}

	tap_test("reject zlib data inflating past the stated length");
	ts_prefix(&t);
	/* Three RAW pages are declared but four pages' worth compressed. */
	meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
	fill_page(p + meta + 3 * SMW_PAGE_SIZE, 999);
	zlen = deflate_to(z, sizeof(z), p + meta, 4 * SMW_PAGE_SIZE, 6);
	reject_zlib(&t, &sn, p, meta, z, (u32)zlen, -SMW_E_ZLIB_OVERFLOW);

	tap_test("reject a zlib bomb: tiny input, huge output");
	ts_prefix(&t);
	meta = raw_pages(p, good_gfns, 1, SMW_PAGE_SIZE);
	memset(p + meta, 0x42, SMW_MAX_PAYLOAD / 2);
	zlen = deflate_to(z, sizeof(z), p + meta, SMW_MAX_PAYLOAD / 2, 9);
	CHECK(zlen < 4096);
	reject_zlib(&t, &sn, p, meta, z, (u32)zlen, -SMW_E_ZLIB_OVERFLOW);

	tap_test("reject zlib data inflating short of the stated length");
	ts_prefix(&t);
	meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
	zlen = deflate_to(z, sizeof(z), p + meta, 2 * SMW_PAGE_SIZE, 6);
	reject_zlib(&t, &sn, p, meta, z, (u32)zlen, -SMW_E_ZLIB_SHORT);

	tap_test("reject sequence gap and unknown type after a good round");
	ts_prefix(&t);
	ts_round_end(&t);
	smw_rec_hdr_build(rh, SMW_REC_END, 0, t.enc.next_seq + 1, p, 0);
	buf_put(&t.s, rh, sizeof(rh));
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_SEQ_GAP, 2);
	ts_free(&t);
	ts_prefix(&t);
	ts_raw(&t, 77, 0, p, 16);
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_UNKNOWN_TYPE, 1);
	ts_free(&t);

	tap_test("reject stream that stops without END");
	ts_prefix(&t);
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_MISSING_END, 1);
	ts_free(&t);

	free(sn.image);
}

static void test_misc(void)
{
	char host[64], port[16];
	u8 id[SMW_ID_LEN];
	u8 z[64];
	u8 out[16];
	uLongf zlen = sizeof(z);

	tap_test("migration id parsing");
	CHECK_EQ(smc_parse_id("deadbeef00112233445566778899aabb", id), 0);
	CHECK(memcmp(id, test_id, SMW_ID_LEN) == 0);
	CHECK_EQ(smc_parse_id("DEADBEEF-0011-2233-4455-66778899AABB", id), 0);
	CHECK(memcmp(id, test_id, SMW_ID_LEN) == 0);
	CHECK_EQ(smc_parse_id("deadbeef", id), -EINVAL);
	CHECK_EQ(smc_parse_id("deadbeef00112233445566778899aabbcc", id),
		 -EINVAL);
	CHECK_EQ(smc_parse_id("deadbeef00112233445566778899aabx", id),
		 -EINVAL);

	tap_test("listen address parsing");
	CHECK_EQ(smr_split_hostport("127.0.0.1:7000", host, sizeof(host), port,
				    sizeof(port)), 0);
	CHECK(strcmp(host, "127.0.0.1") == 0 && strcmp(port, "7000") == 0);
	CHECK_EQ(smr_split_hostport("[::1]:80", host, sizeof(host), port,
				    sizeof(port)), 0);
	CHECK(strcmp(host, "::1") == 0 && strcmp(port, "80") == 0);
	CHECK_EQ(smr_split_hostport("7000", host, sizeof(host), port,
				    sizeof(port)), -EINVAL);
	CHECK_EQ(smr_split_hostport(":7000", host, sizeof(host), port,
				    sizeof(port)), -EINVAL);
	CHECK_EQ(smr_split_hostport("::1:7000", host, sizeof(host), port,
				    sizeof(port)), -EINVAL);
	CHECK_EQ(smr_split_hostport("1.2.3.4:", host, sizeof(host), port,
				    sizeof(port)), -EINVAL);

	tap_test("bounded inflate: exact, empty output");
	CHECK_EQ(compress2(z, &zlen, (const Bytef *)"", 0, 6), Z_OK);
	CHECK_EQ(smr_inflate_exact(z, (u32)zlen, out, 0), 0);
	zlen = sizeof(z);
	CHECK_EQ(compress2(z, &zlen, (const Bytef *)"0123456789abcdef", 16, 6),
		 Z_OK);
	CHECK_EQ(smr_inflate_exact(z, (u32)zlen, out, 16), 0);
	CHECK(memcmp(out, "0123456789abcdef", 16) == 0);
	CHECK_EQ(smr_inflate_exact(z, (u32)zlen, out, 15),
		 -SMW_E_ZLIB_OVERFLOW);
	CHECK_EQ(smr_inflate_exact(z, (u32)zlen, out, 0),
		 -SMW_E_ZLIB_OVERFLOW);

	tap_test("metadata file rejects corruption");
	{
		u8 meta_bytes[SMR_META_HDR_LEN + 2 * SMR_META_ENTRY_LEN];
		u8 *m = smr_meta_alloc(2), *back;
		u64 count;
		u32 flags, rounds;

		smr_meta_set(m, 1, 3, 0x1234);
		CHECK_EQ(smr_meta_write(meta_path, m, 2, 1, 4), 0);
		back = smr_meta_read(meta_path, &count, &flags, &rounds);
		CHECK(back != NULL);
		if (back) {
			CHECK_EQ(count, 2);
			CHECK_EQ(flags, 1);
			CHECK_EQ(rounds, 4);
			CHECK(memcmp(back, m, 16) == 0);
			free(back);
		}
		smr_meta_header(meta_bytes, m, 2, 1, 4);
		memcpy(meta_bytes + SMR_META_HDR_LEN, m, 16);
		meta_bytes[SMR_META_HDR_LEN + 12] ^= 1;	/* entry 1 crc */
		write_file(meta_path, meta_bytes, sizeof(meta_bytes));
		CHECK(smr_meta_read(meta_path, &count, &flags, &rounds) == NULL);
		CHECK_EQ(errno, EINVAL);
		free(m);
	}
}

/* ------------------------------------------------------------------ */
/* Sealed streams (version 3)                                          */

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
	const char *tmp = getenv("TMPDIR");

	scratch_make(dir, sizeof(dir), tmp ? tmp : "/tmp", "smr-test-XXXXXX",
		     image_path, "image", meta_path, "meta", stream_path, "stream",
		     NULL);

	test_positive();
	test_run_fd();
	test_header_rejects();
	test_record_rejects();
	test_misc();
	test_sealed();
	test_sealed_retry();
	test_key_file();

	return tap_done();
}
