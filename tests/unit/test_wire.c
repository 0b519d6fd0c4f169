// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the page stream core: CRC32C, little-endian helpers, the
 * encoder, and the incremental decoder (whole buffers, byte by byte, random
 * chunks), including every decoder rejection.  Sealed streams are tested
 * in test_sealed.c and test_sealed_parts.c.
 */
#include "sealtest.h"	/* salt_a, for the header checks */

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void test_crc(void)
{
	static const char check[] = "123456789";
	u8 buf[4096];
	u32 i, c, split;

	tap_test("crc32c known vectors");
	CHECK_EQ(smw_crc32c(0, check, 9), 0xE3069283U);
	CHECK_EQ(smw_crc32c(0, "", 0), 0);
	memset(buf, 0, 32);
	CHECK_EQ(smw_crc32c(0, buf, 32), 0x8A9136AAU);
	memset(buf, 0xFF, 32);
	CHECK_EQ(smw_crc32c(0, buf, 32), 0x62A8AB43U);
	for (i = 0; i < 32; i++)
		buf[i] = (u8)i;
	CHECK_EQ(smw_crc32c(0, buf, 32), 0x46DD794EU);
	for (i = 0; i < 32; i++)
		buf[i] = (u8)(31 - i);
	CHECK_EQ(smw_crc32c(0, buf, 32), 0x113FDB5CU);

	tap_test("crc32c matches bitwise reference and chains");
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)rng();
	for (i = 0; i < 50; i++) {
		u32 len = rng() % sizeof(buf);

		split = len ? rng() % len : 0;
		c = smw_crc32c(0, buf, split);
		c = smw_crc32c(c, buf + split, len - split);
		CHECK_EQ(c, crc32c_bitwise(buf, len));
		CHECK_EQ(smw_crc32c(0, buf, len), crc32c_bitwise(buf, len));
	}
}

static void test_le(void)
{
	u8 b[8];

	tap_test("little-endian helpers");
	smw_put_le64(b, 0x0102030405060708ULL);
	CHECK_EQ(b[0], 8);
	CHECK_EQ(b[7], 1);
	CHECK(smw_get_le64(b) == 0x0102030405060708ULL);
	smw_put_le32(b, 0xA1B2C3D4U);
	CHECK_EQ(b[0], 0xD4);
	CHECK_EQ(b[3], 0xA1);
	CHECK_EQ(smw_get_le32(b), 0xA1B2C3D4U);
	smw_put_le16(b, 0xBEEF);
	CHECK_EQ(b[0], 0xEF);
	CHECK_EQ(smw_get_le16(b), 0xBEEF);
}

/*
 * A stream header of this version for test_id and 0x123456789 pages: all
 * but bytes 48..59 where they belong, and its crc.
 */
static void check_hdr_fields(const u8 *h, u32 version)
{
	CHECK(memcmp(h, "SELFMIG\0", 8) == 0);
	CHECK_EQ(smw_get_le32(h + 8), version);
	CHECK_EQ(smw_get_le32(h + 12), 64);
	CHECK_EQ(smw_get_le32(h + 16), 0);
	CHECK_EQ(smw_get_le32(h + 20), 4096);
	CHECK(memcmp(h + 24, test_id, 16) == 0);
	CHECK(smw_get_le64(h + 40) == 0x123456789ULL);
	CHECK_EQ(smw_get_le32(h + 60), smw_crc32c(0, h, 60));
}

static void test_header_layout(void)
{
	u8 h[SMW_STREAM_HDR_LEN], salt[SMW_SALT_LEN];
	struct smw_encoder enc;
	u32 i;

	tap_test("stream header layout");
	smw_stream_hdr_build(h, test_id, 0x123456789ULL);
	check_hdr_fields(h, 1);
	for (i = 48; i < 60; i++)
		CHECK_EQ(h[i], 0);

	tap_test("stream header layout, version 3: the salt at 48..59");
	for (i = 0; i < SMW_SALT_LEN; i++)
		salt[i] = (u8)(0xc0 + i);
	CHECK_EQ(smw_enc_init_sealed(&enc, h, test_id, 0x123456789ULL, salt), 0);
	check_hdr_fields(h, 3);
	CHECK(memcmp(h + 48, salt, 12) == 0);
	CHECK_EQ(enc.sealed, 1);
	CHECK_EQ(enc.offset, SMW_STREAM_HDR_LEN + SMW_TAG_LEN);
}

static void check_roundtrip_records(const struct smw_record *recs, int compress)
{
	const struct smw_pages_view *v = &recs[0].u.pages;
	u8 page[SMW_PAGE_SIZE];
	static u8 out[SMW_PAGES_DATA_MAX];
	const u8 *data = v->body;
	uLongf olen = sizeof(out);
	struct smw_proc_entry e;
	u32 i, raw = 0;

	CHECK_EQ(recs[0].type, SMW_REC_PAGES);
	CHECK_EQ(recs[0].seq, 0);
	CHECK_EQ(recs[0].offset, SMW_STREAM_HDR_LEN);
	CHECK_EQ(v->round, 0);
	CHECK_EQ(v->count, 10);
	CHECK_EQ(v->zero_count, 4);
	CHECK_EQ(v->raw_count, 6);
	CHECK_EQ(v->data_len, 6 * SMW_PAGE_SIZE);
	CHECK_EQ(v->compressed, compress);
	if (compress) {
		CHECK_EQ(uncompress(out, &olen, v->body, v->body_len), Z_OK);
		CHECK_EQ(olen, v->data_len);
		data = out;
	}
	for (i = 0; i < v->count; i++) {
		CHECK(smw_pages_gfn(v, i) == i * 97);
		CHECK_EQ(v->kinds[i], i % 3 == 0 ? SMW_PAGE_ZERO : SMW_PAGE_RAW);
		if (v->kinds[i] == SMW_PAGE_RAW) {
			fill_page(page, i);
			CHECK(memcmp(data + raw * SMW_PAGE_SIZE, page,
				     SMW_PAGE_SIZE) == 0);
			raw++;
		}
	}

	CHECK_EQ(recs[1].type, SMW_REC_ROUND_END);
	CHECK_EQ(recs[1].u.round_end.round, 0);
	CHECK_EQ(recs[1].u.round_end.flags, 0);
	CHECK_EQ(recs[1].u.round_end.pages_sent, 10);
	CHECK_EQ(recs[1].u.round_end.pages_zero, 4);
	CHECK_EQ(recs[1].u.round_end.pages_scanned, 1000);
	CHECK_EQ(recs[1].u.round_end.pages_dirty, 10);
	CHECK_EQ(recs[1].u.round_end.bytes_uncompressed, 6 * SMW_PAGE_SIZE);
	CHECK_EQ(recs[1].u.round_end.bytes_compressed, v->body_len);
	CHECK_EQ(recs[1].u.round_end.duration_ns, 123456789);
	CHECK_EQ(recs[1].u.round_end.rate, 4096000);

	CHECK_EQ(recs[2].type, SMW_REC_PROC_STATS);
	CHECK_EQ(recs[2].u.proc.round, 0);
	CHECK_EQ(recs[2].u.proc.count, 2);
	smw_proc_get(&recs[2].u.proc, 1, &e);
	CHECK_EQ(e.pid, 4242);
	CHECK_EQ(e.pages, 7);
	CHECK(memcmp(e.comm, "sixteen-chars-xx", 16) == 0);
	smw_proc_get(&recs[2].u.proc, 0, &e);
	CHECK_EQ(e.pid, 1);
	CHECK(strcmp(e.comm, "init") == 0);

	CHECK_EQ(recs[3].type, SMW_REC_PAGES);
	CHECK_EQ(recs[3].u.pages.round, 1);
	CHECK_EQ(recs[4].type, SMW_REC_ROUND_END);
	CHECK_EQ(recs[4].u.round_end.flags, SMW_ROUNDF_FINAL);
	CHECK_EQ(recs[4].u.round_end.pages_sent, 1);
	CHECK_EQ(recs[5].type, SMW_REC_END);
	CHECK_EQ(recs[5].seq, 5);
	CHECK_EQ(recs[5].u.end.total_pages, 11);
	CHECK_EQ(recs[5].u.end.rounds, 2);
	CHECK_EQ(recs[5].u.end.total_bytes, recs[5].offset);
}

/* Decode a stream keeping copies of the decoded records' payloads. */
static int decode_keep(const struct buf *s, struct smw_record *recs,
		       u8 **copies, int max)
{
	static u8 payload[SMW_MAX_PAYLOAD];
	struct smw_decoder d;
	size_t pos = 0, used;
	int ret, n = 0;
	const u8 *base;

	smw_dec_init(&d, payload, sizeof(payload), test_id);
	while (pos < s->len) {
		ret = smw_dec_feed(&d, s->p + pos, s->len - pos, &used,
				   &recs[n]);
		pos += used;
		if (ret < 0)
			return ret;
		if (ret == SMW_DEC_RECORD && n < max) {
			/* Rebase the views onto a private copy. */
			base = recs[n].payload;
			copies[n] = malloc(recs[n].len + 1);
			memcpy(copies[n], base, recs[n].len);
			recs[n].payload = copies[n];
			if (recs[n].type == SMW_REC_PAGES) {
				struct smw_pages_view *v = &recs[n].u.pages;

				v->gfns = copies[n] + (v->gfns - base);
				v->kinds = copies[n] + (v->kinds - base);
				v->body = copies[n] + (v->body - base);
			} else if (recs[n].type == SMW_REC_PROC_STATS) {
				recs[n].u.proc.entries = copies[n] +
					(recs[n].u.proc.entries - base);
			}
			n++;
		}
	}
	ret = smw_dec_finish(&d);
	return ret < 0 ? ret : n;
}

static void test_roundtrip(int compress)
{
	struct built bs;
	struct smw_record recs[8];
	u8 *copies[8] = { 0 };
	int n, i;

	tap_test(compress ? "round trip, compressed batch" :
		 "round trip, raw batches");
	build_stream(&bs, compress);
	n = decode_keep(&bs.s, recs, copies, 8);
	CHECK_EQ(n, 6);
	if (n == 6)
		check_roundtrip_records(recs, compress);
	for (i = 0; i < 8; i++)
		free(copies[i]);
	free(bs.s.p);
}

static void test_incremental(void)
{
	struct dec_result whole, bytewise, rnd;
	struct built bs;
	int i;

	tap_test("incremental feeding: whole, byte by byte, random chunks");
	build_stream(&bs, 1);
	decode(bs.s.p, bs.s.len, bs.s.len, test_id, &whole);
	decode(bs.s.p, bs.s.len, 1, test_id, &bytewise);
	decode(bs.s.p, bs.s.len, 0, test_id, &rnd);
	CHECK_EQ(whole.ret, 0);
	CHECK_EQ(bytewise.ret, 0);
	CHECK_EQ(rnd.ret, 0);
	CHECK_EQ(whole.headers, 1);
	CHECK_EQ(bytewise.headers, 1);
	CHECK_EQ(whole.records, 6);
	CHECK_EQ(bytewise.records, 6);
	CHECK_EQ(rnd.records, 6);
	for (i = 0; i < 6; i++) {
		CHECK_EQ(whole.types[i], bytewise.types[i]);
		CHECK_EQ(whole.crcs[i], bytewise.crcs[i]);
		CHECK_EQ(whole.offsets[i], bytewise.offsets[i]);
		CHECK_EQ(whole.crcs[i], rnd.crcs[i]);
	}

	tap_test("any proper prefix is truncated or missing END");
	for (i = 0; i < (int)bs.s.len; i += 1 + (int)(rng() % 97)) {
		struct dec_result r;

		decode(bs.s.p, (size_t)i, (size_t)(i ? i : 1), test_id, &r);
		CHECK(r.ret == -SMW_E_TRUNCATED || r.ret == -SMW_E_MISSING_END);
	}
	free(bs.s.p);
}

static void test_strerror(void)
{
	int i, j;

	tap_test("every error has a distinct name and text");
	for (i = 1; i < SMW_E_COUNT_; i++) {
		CHECK(smw_errname(-i) != NULL);
		CHECK(strcmp(smw_errname(-i), "unknown_error") != 0);
		CHECK(strcmp(smw_strerror(i), smw_strerror(-i)) == 0);
		for (j = 1; j < i; j++)
			CHECK(strcmp(smw_errname(i), smw_errname(j)) != 0);
	}
	CHECK(strcmp(smw_errname(999), "unknown_error") == 0);
	CHECK(strcmp(smw_strerror(0), "no error") == 0);
}

/*
 * How a whole stream header for 100 pages decodes with the u32 at off set
 * to v (and its crc fixed).
 */
static int hdr_with(u32 off, u32 v)
{
	u8 h[SMW_STREAM_HDR_LEN];
	struct dec_result r;

	smw_stream_hdr_build(h, test_id, 100);
	smw_put_le32(h + off, v);
	reseal_hdr(h);
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	return r.ret;
}

/* Stream header rejections. */
static void test_header_errors(void)
{
	struct dec_result r;
	u8 h[SMW_STREAM_HDR_LEN];
	static u8 pbuf[SMW_MAX_PAYLOAD];
	struct smw_decoder d;
	struct smw_record rec;
	size_t used;
	u8 other[SMW_ID_LEN];

	tap_test("bad magic is caught on the first wrong byte");
	smw_dec_init(&d, pbuf, sizeof(pbuf), test_id);
	CHECK_EQ(smw_dec_feed(&d, "SELX", 4, &used, &rec), -SMW_E_BAD_MAGIC);
	CHECK_EQ(smw_dec_feed(&d, "x", 1, &used, &rec), -SMW_E_BAD_MAGIC);
	smw_dec_init(&d, pbuf, sizeof(pbuf), test_id);
	CHECK_EQ(smw_dec_feed(&d, "GET / HTTP/1.0\r\n", 16, &used, &rec),
		 -SMW_E_BAD_MAGIC);

	tap_test("stream header field rejections");
	smw_stream_hdr_build(h, test_id, 100);
	h[8] = 4;		/* version 4, crc left stale on purpose */
	decode(h, sizeof(h), 1, test_id, &r);
	CHECK(result_is(&r, -SMW_E_BAD_VERSION, ANY, ANY, -1));
	CHECK_EQ(r.err_offset, 0);
	h[8] = 2;		/* version 2, retired */
	decode(h, sizeof(h), 1, test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_BAD_VERSION);

	smw_stream_hdr_build(h, test_id, 100);
	h[45] ^= 1;
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_HDR_CRC);

	CHECK_EQ(hdr_with(SMW_SH_HDR_LEN, 72), -SMW_E_BAD_HDR_LEN);
	CHECK_EQ(hdr_with(SMW_SH_FLAGS, 1), -SMW_E_HDR_FLAGS);
	CHECK_EQ(hdr_with(SMW_SH_PAGE_SIZE, 8192), -SMW_E_PAGE_SIZE);

	smw_stream_hdr_build(h, test_id, 0);
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_PAGE_COUNT);
	smw_stream_hdr_build(h, test_id, SMW_MAX_GUEST_PAGES + 1);
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_PAGE_COUNT);

	smw_stream_hdr_build(h, test_id, 100);
	h[SMW_SH_RESERVED + 3] = 1;
	reseal_hdr(h);
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_RESERVED);

	tap_test("version 1: bytes 48..59 (version 3's salt) are reserved, any of them");
	CHECK_EQ(SMW_SH_RESERVED, SMW_SH_SALT);
	CHECK_EQ(SMW_SH_RESERVED_LEN, SMW_SALT_LEN);
	{
		u32 i, bad = 0;

		for (i = 0; i < SMW_SH_RESERVED_LEN; i++) {
			smw_stream_hdr_build(h, test_id, 100);
			h[SMW_SH_RESERVED + i] = (u8)(1U << (i % 8));
			reseal_hdr(h);
			decode(h, sizeof(h), i % 2 ? 1 : sizeof(h), test_id, &r);
			if (r.ret != -SMW_E_RESERVED || r.headers ||
			    r.err_seq != -1)
				bad++;
		}
		CHECK_EQ(bad, 0);
		/* a whole salt's worth, as a version 3 sender would write */
		smw_stream_hdr_build(h, test_id, 100);
		memcpy(h + SMW_SH_RESERVED, salt_a, SMW_SALT_LEN);
		reseal_hdr(h);
		decode(h, sizeof(h), sizeof(h), test_id, &r);
		CHECK_EQ(r.ret, -SMW_E_RESERVED);
		decode(h, sizeof(h), sizeof(h), NULL, &r);
		CHECK_EQ(r.ret, -SMW_E_RESERVED);
		/* the same bytes back to zero: accepted (then missing END) */
		memset(h + SMW_SH_RESERVED, 0, SMW_SALT_LEN);
		reseal_hdr(h);
		decode(h, sizeof(h), sizeof(h), test_id, &r);
		CHECK(result_is(&r, -SMW_E_MISSING_END, 1, ANY, ANY));
	}

	memcpy(other, test_id, sizeof(other));
	other[15] ^= 0x80;
	smw_stream_hdr_build(h, other, 100);
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_WRONG_ID);
	/* Without an expected id any id is accepted. */
	decode(h, sizeof(h), sizeof(h), NULL, &r);
	CHECK(result_is(&r, -SMW_E_MISSING_END, 1, ANY, ANY));

	decode(h, 0, 1, test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_TRUNCATED);
	decode(h, 30, 1, test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_TRUNCATED);

	tap_test("decoder refuses a small payload buffer");
	CHECK_EQ(smw_dec_init(&d, pbuf, 1024, NULL), -SMW_E_INVAL);
	CHECK_EQ(smw_dec_feed(&d, "S", 1, &used, &rec), -SMW_E_INVAL);
}

/* A valid PAGES payload with n raw pages at gfns base, base+1, ... */
static u32 make_pages(u8 *p, u32 round, u32 n, u64 base)
{
	u32 i;

	smw_put_le32(p + SMW_PG_ROUND, round);
	smw_put_le32(p + SMW_PG_COUNT, n);
	smw_put_le32(p + SMW_PG_DATA_LEN, n * SMW_PAGE_SIZE);
	smw_put_le32(p + SMW_PG_RESERVED, 0);
	for (i = 0; i < n; i++) {
		smw_put_le64(p + 16 + 8 * i, base + i);
		p[16 + 8 * n + i] = SMW_PAGE_RAW;
		fill_page(p + SMW_PAGES_META_LEN(n) + i * SMW_PAGE_SIZE, i);
	}
	return SMW_PAGES_META_LEN(n) + n * SMW_PAGE_SIZE;
}

static void make_round_end(u8 *p, u32 round, u64 sent, u64 zero, u64 raw,
			   u64 wire)
{
	memset(p, 0, SMW_ROUND_END_LEN);
	smw_put_le32(p + SMW_RE_ROUND, round);
	smw_put_le64(p + SMW_RE_SENT, sent);
	smw_put_le64(p + SMW_RE_ZERO, zero);
	smw_put_le64(p + SMW_RE_BYTES_RAW, raw);
	smw_put_le64(p + SMW_RE_BYTES_WIRE, wire);
}

/* Expect the stream to fail with err at record seq with its offset. */
static void expect_rec_err(struct buf *b, int err, s64 seq, u64 offset)
{
	struct dec_result r;

	decode(b->p, b->len, b->len, test_id, &r);
	CHECK(result_is(&r, -err, ANY, ANY, seq));
	CHECK_EQ(r.err_offset, offset);
	decode(b->p, b->len, 1, test_id, &r);
	CHECK_EQ(r.ret, -err);
	b->len = 0;
}

/*
 * Expect a stream of one record, of type and flags with len bytes of p and
 * seq 0, to fail with err at that record.
 */
static void expect_lone_rec_err(struct buf *b, u32 type, u32 flags,
				const u8 *p, u32 len, int err)
{
	put_stream_hdr(b, 100);
	put_rec(b, type, flags, 0, p, len);
	expect_rec_err(b, err, 0, SMW_STREAM_HDR_LEN);
}

static void test_record_errors(void)
{
	static u8 p[SMW_MAX_PAYLOAD + 16];
	struct buf b = { 0 };
	u8 hdr[SMW_REC_HDR_LEN];
	u32 len;
	u64 off1;

	off1 = SMW_STREAM_HDR_LEN;

	tap_test("record crc: payload byte, header byte, crc field");
	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 10);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	b.p[b.len - 5] ^= 0x40;
	expect_rec_err(&b, SMW_E_RECORD_CRC, 0, off1);
	put_stream_hdr(&b, 100);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	b.p[off1 + SMW_RH_TYPE] ^= 0x10;
	expect_rec_err(&b, SMW_E_RECORD_CRC, 0, off1);
	put_stream_hdr(&b, 100);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	b.p[off1 + SMW_RH_CRC] ^= 1;
	expect_rec_err(&b, SMW_E_RECORD_CRC, 0, off1);

	tap_test("sequence gap and second-record position");
	put_stream_hdr(&b, 100);
	put_rec(&b, SMW_REC_PAGES, 0, 1, p, len);
	expect_rec_err(&b, SMW_E_SEQ_GAP, 0, off1);
	put_stream_hdr(&b, 100);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	expect_rec_err(&b, SMW_E_SEQ_GAP, 1, off1 + SMW_REC_HDR_LEN + len);

	tap_test("unknown and reserved types");
	expect_lone_rec_err(&b, 5, 0, p, 8, SMW_E_UNKNOWN_TYPE);
	put_stream_hdr(&b, 100);
	put_rec(&b, 0, 0, 0, NULL, 0);
	expect_rec_err(&b, SMW_E_UNKNOWN_TYPE, 0, off1);

	tap_test("oversized length is refused before the payload arrives");
	put_stream_hdr(&b, 100);
	smw_rec_hdr_build(hdr, SMW_REC_PAGES, 0, 0, p, 0);
	smw_put_le32(hdr + SMW_RH_LEN, SMW_MAX_PAYLOAD + 1);
	buf_put(&b, hdr, sizeof(hdr));		/* no payload follows */
	expect_rec_err(&b, SMW_E_OVERSIZE, 0, off1);
	put_stream_hdr(&b, 100);
	smw_put_le32(hdr + SMW_RH_LEN, 0xFFFFFFFFU);
	buf_put(&b, hdr, sizeof(hdr));
	expect_rec_err(&b, SMW_E_OVERSIZE, 0, off1);

	tap_test("record flags");
	expect_lone_rec_err(&b, SMW_REC_PAGES, 2, p, len, SMW_E_RECORD_FLAGS);
	make_round_end(p, 0, 0, 0, 0, 0);
	expect_lone_rec_err(&b, SMW_REC_ROUND_END, SMW_RECF_COMPRESSED, p,
			    SMW_ROUND_END_LEN, SMW_E_RECORD_FLAGS);

	tap_test("PAGES content rejections");
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p, 12, SMW_E_BAD_LENGTH);

	len = make_pages(p, 0, 2, 99);		/* gfns 99 and 100 */
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p, len, SMW_E_GFN_RANGE);
	len = make_pages(p, 0, 1, 0);
	smw_put_le64(p + 16, 0xFFFFFFFFFFFFFFFFULL);
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p, len, SMW_E_GFN_RANGE);

	len = make_pages(p, 0, 2, 0);
	smw_put_le32(p + SMW_PG_COUNT, 0);
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p, len, SMW_E_BAD_COUNT);
	len = make_pages(p, 0, 2, 0);
	smw_put_le32(p + SMW_PG_COUNT, SMW_MAX_BATCH_PAGES + 1);
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p, len, SMW_E_BAD_COUNT);

	/* count says 3 but the payload has room for the meta of 2 only. */
	len = make_pages(p, 0, 2, 0);
	smw_put_le32(p + SMW_PG_COUNT, 3);
	smw_put_le32(p + SMW_PG_DATA_LEN, 3 * SMW_PAGE_SIZE);
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p,
			    SMW_PAGES_META_LEN(2) + 5, SMW_E_COUNT_MISMATCH);
	/* data_len disagrees with the RAW kinds. */
	len = make_pages(p, 0, 2, 0);
	smw_put_le32(p + SMW_PG_DATA_LEN, SMW_PAGE_SIZE);
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p,
			    len - SMW_PAGE_SIZE, SMW_E_COUNT_MISMATCH);
	/* payload one byte short of data_len. */
	len = make_pages(p, 0, 2, 0);
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p,
			    len - 1, SMW_E_COUNT_MISMATCH);
	/* compressed with no compressed bytes. */
	len = make_pages(p, 0, 2, 0);
	expect_lone_rec_err(&b, SMW_REC_PAGES, SMW_RECF_COMPRESSED, p,
			    SMW_PAGES_META_LEN(2), SMW_E_COUNT_MISMATCH);

	len = make_pages(p, 0, 2, 0);
	p[16 + 16 + 1] = 2;
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p, len, SMW_E_PAGE_KIND);

	len = make_pages(p, 0, 2, 0);
	smw_put_le32(p + SMW_PG_RESERVED, 1);
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p, len, SMW_E_RESERVED);

	len = make_pages(p, 1, 2, 0);
	expect_lone_rec_err(&b, SMW_REC_PAGES, 0, p, len, SMW_E_BAD_ROUND);

	tap_test("ROUND_END rejections");
	make_round_end(p, 0, 0, 0, 0, 0);
	expect_lone_rec_err(&b, SMW_REC_ROUND_END, 0, p,
			    SMW_ROUND_END_LEN - 8, SMW_E_BAD_LENGTH);
	make_round_end(p, 1, 0, 0, 0, 0);
	expect_lone_rec_err(&b, SMW_REC_ROUND_END, 0, p,
			    SMW_ROUND_END_LEN, SMW_E_BAD_ROUND);
	make_round_end(p, 0, 1, 0, 0, 0);
	expect_lone_rec_err(&b, SMW_REC_ROUND_END, 0, p,
			    SMW_ROUND_END_LEN, SMW_E_STATS_MISMATCH);
	make_round_end(p, 0, 0, 0, 0, 0);
	smw_put_le32(p + SMW_RE_FLAGS, 2);
	expect_lone_rec_err(&b, SMW_REC_ROUND_END, 0, p,
			    SMW_ROUND_END_LEN, SMW_E_RESERVED);

	tap_test("PROC_STATS rejections");
	memset(p, 0, 64);
	expect_lone_rec_err(&b, SMW_REC_PROC_STATS, 0, p, 4, SMW_E_BAD_LENGTH);
	smw_put_le32(p + 4, 2);
	expect_lone_rec_err(&b, SMW_REC_PROC_STATS, 0, p,
			    8 + 24, SMW_E_COUNT_MISMATCH);
	smw_put_le32(p + 4, SMW_MAX_PROC_ENTRIES + 1);
	expect_lone_rec_err(&b, SMW_REC_PROC_STATS, 0, p, 8, SMW_E_BAD_COUNT);
	smw_put_le32(p, 1);
	smw_put_le32(p + 4, 0);
	expect_lone_rec_err(&b, SMW_REC_PROC_STATS, 0, p, 8, SMW_E_BAD_ROUND);

	tap_test("END rejections and trailing data");
	memset(p, 0, SMW_END_LEN);
	smw_put_le64(p + SMW_EN_BYTES, off1);
	expect_lone_rec_err(&b, SMW_REC_END, 0, p,
			    SMW_END_LEN - 1, SMW_E_BAD_LENGTH);
	put_stream_hdr(&b, 100);
	put_rec(&b, SMW_REC_END, 0, 0, p, SMW_END_LEN);
	buf_put(&b, "x", 1);
	expect_rec_err(&b, SMW_E_TRAILING, 1, off1 + SMW_REC_HDR_LEN +
		       SMW_END_LEN);
	smw_put_le64(p + SMW_EN_BYTES, off1 + 1);
	expect_lone_rec_err(&b, SMW_REC_END, 0, p,
			    SMW_END_LEN, SMW_E_TOTALS_MISMATCH);
	smw_put_le64(p + SMW_EN_BYTES, off1);
	smw_put_le32(p + SMW_EN_RESERVED, 7);
	expect_lone_rec_err(&b, SMW_REC_END, 0, p, SMW_END_LEN, SMW_E_RESERVED);

	/* END while round 0 holds a batch. */
	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 1, 0);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	memset(p, 0, SMW_END_LEN);
	smw_put_le64(p + SMW_EN_PAGES, 1);
	smw_put_le64(p + SMW_EN_BYTES, off1 + SMW_REC_HDR_LEN + len);
	put_rec(&b, SMW_REC_END, 0, 1, p, SMW_END_LEN);
	expect_rec_err(&b, SMW_E_ROUND_OPEN, 1, off1 + SMW_REC_HDR_LEN + len);

	tap_test("truncated record and missing END");
	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 0);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	b.len -= 100;
	expect_rec_err(&b, SMW_E_TRUNCATED, 0, off1);
	put_stream_hdr(&b, 100);
	buf_put(&b, "\x01\x00\x00", 3);
	expect_rec_err(&b, SMW_E_TRUNCATED, 0, off1);
	put_stream_hdr(&b, 100);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	expect_rec_err(&b, SMW_E_MISSING_END, 1, off1 + SMW_REC_HDR_LEN + len);

	tap_test("errors are sticky");
	{
		static u8 pb[SMW_MAX_PAYLOAD];
		struct smw_decoder d;
		struct smw_record rec;
		size_t used;

		smw_dec_init(&d, pb, sizeof(pb), test_id);
		CHECK_EQ(smw_dec_feed(&d, "XX", 2, &used, &rec),
			 -SMW_E_BAD_MAGIC);
		CHECK_EQ(smw_dec_finish(&d), -SMW_E_BAD_MAGIC);
		CHECK_EQ(smw_dec_header_ok(&d), 0);
	}
	free(b.p);
}

static void test_encoder_errors(void)
{
	static u8 meta[SMW_PAGES_META_MAX], data[SMW_PAGES_DATA_MAX];
	u8 shdr[SMW_STREAM_HDR_LEN], rh[SMW_REC_HDR_LEN], pl[SMW_END_LEN];
	_Alignas(unsigned long) u8 page[SMW_PAGE_SIZE];
	u8 re[SMW_ROUND_END_LEN], pr[64];
	struct smw_encoder enc;
	struct smw_pages_batch b;
	struct smw_round_stats st;
	u32 i, plen;

	tap_test("encoder refuses what the decoder would reject");
	CHECK_EQ(smw_enc_init(&enc, shdr, test_id, 0), -SMW_E_PAGE_COUNT);
	CHECK_EQ(smw_enc_init(&enc, shdr, test_id, 300), 0);
	smw_pages_begin(&enc, &b, meta, data);
	CHECK_EQ(smw_enc_pages(&enc, &b, rh, 0, data, 0), -SMW_E_BAD_COUNT);
	CHECK_EQ(smw_pages_add(&b, 300, NULL), -SMW_E_GFN_RANGE);
	fill_page(page, 1);
	for (i = 0; i < SMW_MAX_BATCH_PAGES; i++)
		CHECK_EQ(smw_pages_add(&b, i, (i & 1) ? page : NULL), 0);
	CHECK(smw_pages_full(&b));
	CHECK_EQ(smw_pages_add(&b, 0, NULL), -SMW_E_BAD_COUNT);
	CHECK_EQ(smw_enc_pages(&enc, &b, rh, 0, data, 5),
		 -SMW_E_COUNT_MISMATCH);
	CHECK_EQ(smw_enc_pages(&enc, &b, rh, 4, data, b.data_len),
		 -SMW_E_RECORD_FLAGS);
	CHECK_EQ(smw_enc_pages(&enc, &b, rh, 0, data, b.data_len), 0);
	CHECK_EQ(b.meta_len, SMW_PAGES_META_MAX);
	CHECK_EQ(enc.next_seq, 1);
	CHECK_EQ(smw_enc_end(&enc, rh, pl), -SMW_E_ROUND_OPEN);
	CHECK_EQ(smw_enc_proc_stats(&enc, rh, pr, sizeof(pr), 1, NULL, 0,
				    &plen), -SMW_E_BAD_ROUND);
	CHECK_EQ(smw_enc_proc_stats(&enc, rh, pr, 8, 0, NULL, 1, &plen),
		 -SMW_E_INVAL);
	memset(&st, 0, sizeof(st));
	st.flags = 4;
	CHECK_EQ(smw_enc_round_end(&enc, rh, re, &st), -SMW_E_RESERVED);
	CHECK_EQ(smw_enc_round_end(&enc, rh, re, NULL), 0);
	CHECK_EQ(smw_get_le64(re + SMW_RE_SENT), SMW_MAX_BATCH_PAGES);
	CHECK_EQ(smw_get_le64(re + SMW_RE_ZERO), SMW_MAX_BATCH_PAGES / 2);
	CHECK_EQ(smw_enc_end(&enc, rh, pl), 0);
	CHECK_EQ(smw_enc_end(&enc, rh, pl), -SMW_E_INVAL);

	tap_test("smw_page_is_zero");
	memset(page, 0, sizeof(page));
	CHECK(smw_page_is_zero(page));
	page[4095] = 1;
	CHECK(!smw_page_is_zero(page));
	page[4095] = 0;
	page[0] = 1;
	CHECK(!smw_page_is_zero(page));
}

int main(void)
{
	test_crc();
	test_le();
	test_header_layout();
	test_roundtrip(0);
	test_roundtrip(1);
	test_incremental();
	test_strerror();
	test_header_errors();
	test_record_errors();
	test_encoder_errors();
	return tap_done();
}
