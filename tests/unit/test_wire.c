// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the page stream core: CRC32C, little-endian helpers, the
 * encoder, and the incremental decoder (whole buffers, byte by byte, random
 * chunks), including every decoder rejection.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "testbuf.h"
#include "tap.h"
#include "crc32c.h"
#include "wire.h"
#include "authkey.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */


static const u8 test_id[SMW_ID_LEN] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10
};

static u32 rng_state = 12345;

static u32 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void fill_page(u8 *page, u32 seed)
{
	u32 i;

	for (i = 0; i < SMW_PAGE_SIZE; i++)
		page[i] = (u8)(seed * 31 + i * 7 + (i >> 8));
	page[0] = 1;	/* never all zero */
}

/* Bit-at-a-time CRC32C, the reference for the table-driven one. */
static u32 crc32c_bitwise(const u8 *p, size_t len)
{
	u32 crc = 0xFFFFFFFFU;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78U & (0U - (crc & 1)));
	}
	return ~crc;
}

/* Raw record with a correct crc but arbitrary contents. */
static void put_rec(struct buf *b, u32 type, u32 flags, u32 seq,
		    const void *payload, u32 len)
{
	u8 hdr[SMW_REC_HDR_LEN];

	smw_rec_hdr_build(hdr, type, flags, seq, payload, len);
	buf_put(b, hdr, sizeof(hdr));
	buf_put(b, payload, len);
}

static void put_stream_hdr(struct buf *b, u64 page_count)
{
	u8 hdr[SMW_STREAM_HDR_LEN];

	smw_stream_hdr_build(hdr, test_id, page_count);
	buf_put(b, hdr, sizeof(hdr));
}

/* Re-seal a stream header after editing it. */
static void reseal_hdr(u8 *hdr)
{
	smw_put_le32(hdr + SMW_SH_CRC, smw_crc32c(0, hdr, SMW_SH_CRC));
}

struct dec_result {
	int ret;		/* final: 0 or negative error */
	int headers;
	int records;
	u32 types[64];
	u32 crcs[64];		/* crc of each record's payload */
	u64 offsets[64];
	u64 err_offset;
	s64 err_seq;
};

/*
 * Decode a whole buffer in chunks of `chunk` bytes (0: random sizes),
 * then call finish.
 */
static void decode(const u8 *p, size_t len, size_t chunk, const u8 *id,
		   struct dec_result *res)
{
	static u8 payload[SMW_MAX_PAYLOAD];
	struct smw_decoder d;
	struct smw_record rec;
	size_t pos = 0, n, used;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	ret = smw_dec_init(&d, payload, sizeof(payload), id);
	while (ret >= 0 && pos < len) {
		n = chunk ? chunk : 1 + rng() % 3000;
		if (n > len - pos)
			n = len - pos;
		while (n) {
			ret = smw_dec_feed(&d, p + pos, n, &used, &rec);
			pos += used;
			n -= used;
			if (ret < 0)
				break;
			if (ret == SMW_DEC_HEADER)
				res->headers++;
			if (ret == SMW_DEC_RECORD && res->records < 64) {
				res->types[res->records] = rec.type;
				res->crcs[res->records] =
					smw_crc32c(0, rec.payload, rec.len);
				res->offsets[res->records] = rec.offset;
				res->records++;
			}
			if (ret == SMW_DEC_MORE)
				break;
		}
	}
	if (ret >= 0)
		ret = smw_dec_finish(&d);
	res->ret = ret;
	smw_dec_where(&d, &res->err_offset, &res->err_seq);
}

/* ------------------------------------------------------------------ */
/* A complete valid stream built with the encoder                      */

struct built {
	struct buf s;
	u32 n_records;
};

static void build_stream(struct built *bs, int compress)
{
	static u8 meta[SMW_PAGES_META_MAX], data[SMW_PAGES_DATA_MAX];
	static u8 zbuf[SMW_PAGES_DATA_MAX + 1024];
	u8 shdr[SMW_STREAM_HDR_LEN], rh[SMW_REC_HDR_LEN];
	u8 re[SMW_ROUND_END_LEN], end[SMW_END_LEN], proc[256];
	u8 page[SMW_PAGE_SIZE];
	struct smw_encoder enc;
	struct smw_pages_batch b;
	struct smw_round_stats st;
	struct smw_proc_entry pe[2];
	uLongf zlen;
	u32 i, plen;

	memset(bs, 0, sizeof(*bs));
	CHECK_EQ(smw_enc_init(&enc, shdr, test_id, 1000), 0);
	buf_put(&bs->s, shdr, sizeof(shdr));

	/* Round 0: 10 pages, every third a zero marker. */
	smw_pages_begin(&enc, &b, meta, data);
	for (i = 0; i < 10; i++) {
		if (i % 3 == 0) {
			memset(page, 0, sizeof(page));
		} else {
			fill_page(page, i);
		}
		CHECK_EQ(smw_pages_add_auto(&b, i * 97, page), 0);
	}
	if (compress) {
		zlen = sizeof(zbuf);
		CHECK_EQ(compress2(zbuf, &zlen, data, b.data_len, 6), Z_OK);
		CHECK_EQ(smw_enc_pages(&enc, &b, rh, SMW_RECF_COMPRESSED, zbuf,
				       (u32)zlen), 0);
		buf_put(&bs->s, rh, sizeof(rh));
		buf_put(&bs->s, meta, b.meta_len);
		buf_put(&bs->s, zbuf, zlen);
	} else {
		CHECK_EQ(smw_enc_pages(&enc, &b, rh, 0, data, b.data_len), 0);
		buf_put(&bs->s, rh, sizeof(rh));
		buf_put(&bs->s, meta, b.meta_len);
		buf_put(&bs->s, data, b.data_len);
	}
	bs->n_records++;

	memset(&st, 0, sizeof(st));
	st.pages_scanned = 1000;
	st.pages_dirty = 10;
	st.duration_ns = 123456789;
	st.rate = 4096000;
	CHECK_EQ(smw_enc_round_end(&enc, rh, re, &st), 0);
	buf_put(&bs->s, rh, sizeof(rh));
	buf_put(&bs->s, re, sizeof(re));
	bs->n_records++;

	memset(pe, 0, sizeof(pe));
	pe[0].pid = 1;
	pe[0].pages = 300;
	memcpy(pe[0].comm, "init", 4);
	pe[1].pid = 4242;
	pe[1].pages = 7;
	memcpy(pe[1].comm, "sixteen-chars-xx", 16);
	CHECK_EQ(smw_enc_proc_stats(&enc, rh, proc, sizeof(proc), 0, pe, 2,
				    &plen), 0);
	CHECK_EQ(plen, SMW_PROC_PREFIX_LEN + 2 * SMW_PROC_ENTRY_LEN);
	buf_put(&bs->s, rh, sizeof(rh));
	buf_put(&bs->s, proc, plen);
	bs->n_records++;

	/* Round 1 (final): one raw page overwriting gfn 97. */
	smw_pages_begin(&enc, &b, meta, data);
	fill_page(page, 999);
	CHECK_EQ(smw_pages_add(&b, 97, page), 0);
	CHECK_EQ(smw_enc_pages(&enc, &b, rh, 0, data, b.data_len), 0);
	buf_put(&bs->s, rh, sizeof(rh));
	buf_put(&bs->s, meta, b.meta_len);
	buf_put(&bs->s, data, b.data_len);
	bs->n_records++;

	st.flags = SMW_ROUNDF_FINAL;
	CHECK_EQ(smw_enc_round_end(&enc, rh, re, &st), 0);
	buf_put(&bs->s, rh, sizeof(rh));
	buf_put(&bs->s, re, sizeof(re));
	bs->n_records++;

	CHECK_EQ(smw_enc_end(&enc, rh, end), 0);
	buf_put(&bs->s, rh, sizeof(rh));
	buf_put(&bs->s, end, sizeof(end));
	bs->n_records++;
	CHECK_EQ(enc.offset, bs->s.len);
	CHECK_EQ(enc.total_pages, 11);
}


/* ------------------------------------------------------------------ */
/* Version 2: authenticated streams                                    */

static const u8 key_a[SMW_KEY_LEN] = "0123456789abcdef0123456789abcdef";
static const u8 key_b[SMW_KEY_LEN] = "0123456789abcdef0123456789abcdeX";
static const u8 id_b[SMW_ID_LEN] = { 0xb0, 0xb1 };

static void put_tag(struct buf *b, const struct smw_encoder *enc, u8 kind,
		    const void *p1, size_t l1, const void *p2, size_t l2,
		    const void *p3, size_t l3)
{
	struct smw_hmac h;
	u8 tag[SMW_TAG_LEN];

	smw_enc_tag_begin(enc, &h, kind);
	smw_hmac_update(&h, p1, l1);
	smw_hmac_update(&h, p2, l2);
	smw_hmac_update(&h, p3, l3);
	smw_hmac_final(&h, tag);
	buf_put(b, p1, l1);
	buf_put(b, p2, l2);
	buf_put(b, p3, l3);
	buf_put(b, tag, sizeof(tag));
}

/* header, PAGES (4 pages, one zero), ROUND_END (final), END */
static void build_auth(struct buf *s, const u8 *id, const u8 *key)
{
	static u8 meta[SMW_PAGES_META_MAX], data[SMW_PAGES_DATA_MAX];
	u8 shdr[SMW_STREAM_HDR_LEN], rh[SMW_REC_HDR_LEN];
	u8 re[SMW_ROUND_END_LEN], end[SMW_END_LEN], page[SMW_PAGE_SIZE];
	struct smw_encoder enc;
	struct smw_pages_batch b;
	struct smw_round_stats st;
	u32 i;

	memset(s, 0, sizeof(*s));
	CHECK_EQ(smw_enc_init_auth(&enc, shdr, id, 100, key), 0);
	CHECK_EQ(smw_get_le32(shdr + SMW_SH_VERSION), SMW_VERSION_AUTH);
	put_tag(s, &enc, SMW_TAG_HDR, shdr, sizeof(shdr), NULL, 0, NULL, 0);
	smw_pages_begin(&enc, &b, meta, data);
	for (i = 0; i < 4; i++) {
		fill_page(page, i + 7);
		if (i == 2)
			memset(page, 0, sizeof(page));
		CHECK_EQ(smw_pages_add_auto(&b, i * 11, page), 0);
	}
	CHECK_EQ(smw_enc_pages(&enc, &b, rh, 0, data, b.data_len), 0);
	put_tag(s, &enc, SMW_TAG_REC, rh, sizeof(rh), meta, b.meta_len, data,
		b.data_len);
	memset(&st, 0, sizeof(st));
	st.flags = SMW_ROUNDF_FINAL;
	CHECK_EQ(smw_enc_round_end(&enc, rh, re, &st), 0);
	put_tag(s, &enc, SMW_TAG_REC, rh, sizeof(rh), re, sizeof(re), NULL, 0);
	CHECK_EQ(smw_enc_end(&enc, rh, end), 0);
	put_tag(s, &enc, SMW_TAG_REC, rh, sizeof(rh), end, sizeof(end), NULL, 0);
	CHECK_EQ(enc.offset, s->len);
}

/* Decode with an optional key; returns the result, *records the count. */
static int decode_auth(const u8 *p, size_t len, size_t chunk, const u8 *id,
		       const u8 *key, u32 *records, s64 *err_seq)
{
	static u8 payload[SMW_MAX_PAYLOAD];
	struct smw_decoder d;
	struct smw_record rec;
	size_t pos = 0, n, used;
	u64 off;
	int ret;

	*records = 0;
	ret = smw_dec_init(&d, payload, sizeof(payload), id);
	if (key)
		smw_dec_set_key(&d, key);
	while (ret >= 0 && pos < len) {
		n = chunk && chunk < len - pos ? chunk : len - pos;
		ret = smw_dec_feed(&d, p + pos, n, &used, &rec);
		pos += used;
		if (ret == SMW_DEC_RECORD)
			(*records)++;
	}
	if (ret >= 0)
		ret = smw_dec_finish(&d);
	smw_dec_where(&d, &off, err_seq);
	return ret;
}

static void reseal_rec(u8 *rec, u32 payload_len)
{
	u32 crc;

	smw_put_le32(rec + SMW_RH_CRC, 0);
	crc = smw_crc32c(0, rec, SMW_REC_HDR_LEN);
	crc = smw_crc32c(crc, rec + SMW_REC_HDR_LEN, payload_len);
	smw_put_le32(rec + SMW_RH_CRC, crc);
}

static void test_authkey(void)
{
	char line[SMK_LINE_LEN + 2], copy[SMK_LINE_LEN + 2];
	u8 id[SMW_ID_LEN], key[SMW_KEY_LEN];
	u32 i, bad = 0;

	tap_test("key line: format and parse round trip");
	smk_format(line, test_id, key_a);
	CHECK_EQ(strlen(line), SMK_LINE_LEN);
	CHECK(!strncmp(line, "selfmig-key/1 id=", 17));
	CHECK_EQ(smk_parse(line, SMK_LINE_LEN, id, key), 0);
	CHECK(!memcmp(id, test_id, SMW_ID_LEN));
	CHECK(!memcmp(key, key_a, SMW_KEY_LEN));
	memcpy(copy, line, SMK_LINE_LEN);
	copy[SMK_LINE_LEN] = '\n';
	CHECK_EQ(smk_parse(copy, SMK_LINE_LEN + 1, id, key), 0);

	tap_test("key line: any changed character, length or case is refused");
	for (i = 0; i < SMK_LINE_LEN; i++) {
		memcpy(copy, line, SMK_LINE_LEN);
		copy[i] = copy[i] == '0' ? '1' : '0';
		if (smk_parse(copy, SMK_LINE_LEN, id, key) != -EINVAL)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(smk_parse(line, SMK_LINE_LEN - 1, id, key), -EINVAL);
	CHECK_EQ(smk_parse(line, 0, id, key), -EINVAL);
	memcpy(copy, line, SMK_LINE_LEN);
	copy[SMK_LINE_LEN] = 'x';
	CHECK_EQ(smk_parse(copy, SMK_LINE_LEN + 1, id, key), -EINVAL);
	memcpy(copy, line, SMK_LINE_LEN);
	for (i = 17; i < SMK_LINE_LEN; i++)
		if (copy[i] >= 'a' && copy[i] <= 'f') {
			copy[i] -= 32;
			break;
		}
	CHECK_EQ(smk_parse(copy, SMK_LINE_LEN, id, key), -EINVAL);
}

static void test_auth(void)
{
	struct buf s, a, v1;
	struct built bs;
	size_t first, plen, cut;
	u32 recs;
	s64 seq;
	int ret, bad = 0;

	tap_test("auth: a keyed stream decodes whole, byte by byte, in chunks");
	build_auth(&s, test_id, key_a);
	CHECK_EQ(decode_auth(s.p, s.len, 0, test_id, key_a, &recs, &seq), 0);
	CHECK_EQ(recs, 3);
	CHECK_EQ(decode_auth(s.p, s.len, 1, test_id, key_a, &recs, &seq), 0);
	CHECK_EQ(recs, 3);
	CHECK_EQ(decode_auth(s.p, s.len, 33, test_id, key_a, &recs, &seq), 0);
	CHECK_EQ(recs, 3);

	tap_test("auth: a wrong secret is refused at the stream header");
	CHECK_EQ(decode_auth(s.p, s.len, 0, test_id, key_b, &recs, &seq),
		 -SMW_E_AUTH_TAG);
	CHECK_EQ(recs, 0);
	CHECK_EQ(seq, -1);

	tap_test("auth: unauthenticated streams with a key, keyed ones without");
	build_stream(&bs, 0);
	v1 = bs.s;
	CHECK_EQ(decode_auth(v1.p, v1.len, 0, test_id, key_a, &recs, &seq),
		 -SMW_E_AUTH_REQUIRED);
	CHECK_EQ(decode_auth(s.p, s.len, 0, test_id, NULL, &recs, &seq),
		 -SMW_E_NO_KEY);
	/* a v1 stream relabelled as version 2 has no valid tags */
	smw_put_le32(v1.p + SMW_SH_VERSION, SMW_VERSION_AUTH);
	reseal_hdr(v1.p);
	CHECK_EQ(decode_auth(v1.p, v1.len, 0, test_id, key_a, &recs, &seq),
		 -SMW_E_AUTH_TAG);
	free(v1.p);

	tap_test("auth: a page altered with its crc fixed is refused");
	first = SMW_STREAM_HDR_LEN + SMW_TAG_LEN;
	plen = smw_get_le32(s.p + first + SMW_RH_LEN);
	s.p[first + SMW_REC_HDR_LEN + plen - 5] ^= 0x40;
	reseal_rec(s.p + first, (u32)plen);
	CHECK_EQ(decode_auth(s.p, s.len, 0, test_id, key_a, &recs, &seq),
		 -SMW_E_AUTH_TAG);
	CHECK_EQ(recs, 0);
	CHECK_EQ(seq, 0);
	free(s.p);

	tap_test("auth: a flipped tag bit is refused, in every tag");
	build_auth(&s, test_id, key_a);
	{
		size_t off = SMW_STREAM_HDR_LEN;	/* the header's tag */
		u32 k;

		for (k = 0; k < 4; k++) {
			s.p[off + 7] ^= 1;
			ret = decode_auth(s.p, s.len, 0, test_id, key_a, &recs,
					  &seq);
			if (ret != -SMW_E_AUTH_TAG || recs != (k ? k - 1 : 0))
				bad++;
			s.p[off + 7] ^= 1;
			off += SMW_TAG_LEN;	/* the next record's header */
			if (k < 3)
				off += SMW_REC_HDR_LEN +
				       smw_get_le32(s.p + off + SMW_RH_LEN);
		}
	}
	CHECK_EQ(bad, 0);

	tap_test("auth: a stream replayed from another migration is refused");
	build_auth(&a, test_id, key_a);	/* an earlier migration */
	CHECK_EQ(decode_auth(a.p, a.len, 0, id_b, key_b, &recs, &seq),
		 -SMW_E_WRONG_ID);
	CHECK_EQ(recs, 0);
	/* even when the id is rewritten to the new one */
	memcpy(a.p + SMW_SH_ID, id_b, SMW_ID_LEN);
	reseal_hdr(a.p);
	CHECK_EQ(decode_auth(a.p, a.len, 0, id_b, key_b, &recs, &seq),
		 -SMW_E_AUTH_TAG);
	/* and under the old secret, the rewritten id breaks the tag */
	CHECK_EQ(decode_auth(a.p, a.len, 0, id_b, key_a, &recs, &seq),
		 -SMW_E_AUTH_TAG);
	free(a.p);

	tap_test("auth: every proper prefix is truncated or missing END");
	bad = 0;
	for (cut = 0; cut < s.len; cut++) {
		ret = decode_auth(s.p, cut, 0, test_id, key_a, &recs, &seq);
		if (ret != -SMW_E_TRUNCATED && ret != -SMW_E_MISSING_END)
			bad++;
	}
	CHECK_EQ(bad, 0);
	free(s.p);
}

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

static void test_header_layout(void)
{
	u8 h[SMW_STREAM_HDR_LEN];

	tap_test("stream header layout");
	smw_stream_hdr_build(h, test_id, 0x123456789ULL);
	CHECK(memcmp(h, "SELFMIG\0", 8) == 0);
	CHECK_EQ(smw_get_le32(h + 8), 1);
	CHECK_EQ(smw_get_le32(h + 12), 64);
	CHECK_EQ(smw_get_le32(h + 16), 0);
	CHECK_EQ(smw_get_le32(h + 20), 4096);
	CHECK(memcmp(h + 24, test_id, 16) == 0);
	CHECK(smw_get_le64(h + 40) == 0x123456789ULL);
	CHECK_EQ(smw_get_le32(h + 60), smw_crc32c(0, h, 60));
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
	h[8] = 3;		/* version 3, crc left stale on purpose */
	decode(h, sizeof(h), 1, test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_BAD_VERSION);
	CHECK_EQ(r.err_seq, -1);
	CHECK_EQ(r.err_offset, 0);

	smw_stream_hdr_build(h, test_id, 100);
	h[45] ^= 1;
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_HDR_CRC);

	smw_stream_hdr_build(h, test_id, 100);
	smw_put_le32(h + SMW_SH_HDR_LEN, 72);
	reseal_hdr(h);
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_BAD_HDR_LEN);

	smw_stream_hdr_build(h, test_id, 100);
	smw_put_le32(h + SMW_SH_FLAGS, 1);
	reseal_hdr(h);
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_HDR_FLAGS);

	smw_stream_hdr_build(h, test_id, 100);
	smw_put_le32(h + SMW_SH_PAGE_SIZE, 8192);
	reseal_hdr(h);
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_PAGE_SIZE);

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

	memcpy(other, test_id, sizeof(other));
	other[15] ^= 0x80;
	smw_stream_hdr_build(h, other, 100);
	decode(h, sizeof(h), sizeof(h), test_id, &r);
	CHECK_EQ(r.ret, -SMW_E_WRONG_ID);
	/* Without an expected id any id is accepted. */
	decode(h, sizeof(h), sizeof(h), NULL, &r);
	CHECK_EQ(r.headers, 1);
	CHECK_EQ(r.ret, -SMW_E_MISSING_END);

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
	CHECK_EQ(r.ret, -err);
	CHECK_EQ(r.err_seq, seq);
	CHECK_EQ(r.err_offset, offset);
	decode(b->p, b->len, 1, test_id, &r);
	CHECK_EQ(r.ret, -err);
	b->len = 0;
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
	put_stream_hdr(&b, 100);
	put_rec(&b, 5, 0, 0, p, 8);
	expect_rec_err(&b, SMW_E_UNKNOWN_TYPE, 0, off1);
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
	put_stream_hdr(&b, 100);
	put_rec(&b, SMW_REC_PAGES, 2, 0, p, len);
	expect_rec_err(&b, SMW_E_RECORD_FLAGS, 0, off1);
	put_stream_hdr(&b, 100);
	make_round_end(p, 0, 0, 0, 0, 0);
	put_rec(&b, SMW_REC_ROUND_END, SMW_RECF_COMPRESSED, 0, p,
		SMW_ROUND_END_LEN);
	expect_rec_err(&b, SMW_E_RECORD_FLAGS, 0, off1);

	tap_test("PAGES content rejections");
	put_stream_hdr(&b, 100);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, 12);
	expect_rec_err(&b, SMW_E_BAD_LENGTH, 0, off1);

	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 99);		/* gfns 99 and 100 */
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	expect_rec_err(&b, SMW_E_GFN_RANGE, 0, off1);
	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 1, 0);
	smw_put_le64(p + 16, 0xFFFFFFFFFFFFFFFFULL);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	expect_rec_err(&b, SMW_E_GFN_RANGE, 0, off1);

	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 0);
	smw_put_le32(p + SMW_PG_COUNT, 0);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	expect_rec_err(&b, SMW_E_BAD_COUNT, 0, off1);
	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 0);
	smw_put_le32(p + SMW_PG_COUNT, SMW_MAX_BATCH_PAGES + 1);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	expect_rec_err(&b, SMW_E_BAD_COUNT, 0, off1);

	/* count says 3 but the payload has room for the meta of 2 only. */
	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 0);
	smw_put_le32(p + SMW_PG_COUNT, 3);
	smw_put_le32(p + SMW_PG_DATA_LEN, 3 * SMW_PAGE_SIZE);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, SMW_PAGES_META_LEN(2) + 5);
	expect_rec_err(&b, SMW_E_COUNT_MISMATCH, 0, off1);
	/* data_len disagrees with the RAW kinds. */
	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 0);
	smw_put_le32(p + SMW_PG_DATA_LEN, SMW_PAGE_SIZE);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len - SMW_PAGE_SIZE);
	expect_rec_err(&b, SMW_E_COUNT_MISMATCH, 0, off1);
	/* payload one byte short of data_len. */
	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 0);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len - 1);
	expect_rec_err(&b, SMW_E_COUNT_MISMATCH, 0, off1);
	/* compressed with no compressed bytes. */
	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 0);
	put_rec(&b, SMW_REC_PAGES, SMW_RECF_COMPRESSED, 0, p,
		SMW_PAGES_META_LEN(2));
	expect_rec_err(&b, SMW_E_COUNT_MISMATCH, 0, off1);

	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 0);
	p[16 + 16 + 1] = 2;
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	expect_rec_err(&b, SMW_E_PAGE_KIND, 0, off1);

	put_stream_hdr(&b, 100);
	len = make_pages(p, 0, 2, 0);
	smw_put_le32(p + SMW_PG_RESERVED, 1);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	expect_rec_err(&b, SMW_E_RESERVED, 0, off1);

	put_stream_hdr(&b, 100);
	len = make_pages(p, 1, 2, 0);
	put_rec(&b, SMW_REC_PAGES, 0, 0, p, len);
	expect_rec_err(&b, SMW_E_BAD_ROUND, 0, off1);

	tap_test("ROUND_END rejections");
	put_stream_hdr(&b, 100);
	make_round_end(p, 0, 0, 0, 0, 0);
	put_rec(&b, SMW_REC_ROUND_END, 0, 0, p, SMW_ROUND_END_LEN - 8);
	expect_rec_err(&b, SMW_E_BAD_LENGTH, 0, off1);
	put_stream_hdr(&b, 100);
	make_round_end(p, 1, 0, 0, 0, 0);
	put_rec(&b, SMW_REC_ROUND_END, 0, 0, p, SMW_ROUND_END_LEN);
	expect_rec_err(&b, SMW_E_BAD_ROUND, 0, off1);
	put_stream_hdr(&b, 100);
	make_round_end(p, 0, 1, 0, 0, 0);
	put_rec(&b, SMW_REC_ROUND_END, 0, 0, p, SMW_ROUND_END_LEN);
	expect_rec_err(&b, SMW_E_STATS_MISMATCH, 0, off1);
	put_stream_hdr(&b, 100);
	make_round_end(p, 0, 0, 0, 0, 0);
	smw_put_le32(p + SMW_RE_FLAGS, 2);
	put_rec(&b, SMW_REC_ROUND_END, 0, 0, p, SMW_ROUND_END_LEN);
	expect_rec_err(&b, SMW_E_RESERVED, 0, off1);

	tap_test("PROC_STATS rejections");
	put_stream_hdr(&b, 100);
	memset(p, 0, 64);
	put_rec(&b, SMW_REC_PROC_STATS, 0, 0, p, 4);
	expect_rec_err(&b, SMW_E_BAD_LENGTH, 0, off1);
	put_stream_hdr(&b, 100);
	smw_put_le32(p + 4, 2);
	put_rec(&b, SMW_REC_PROC_STATS, 0, 0, p, 8 + 24);
	expect_rec_err(&b, SMW_E_COUNT_MISMATCH, 0, off1);
	put_stream_hdr(&b, 100);
	smw_put_le32(p + 4, SMW_MAX_PROC_ENTRIES + 1);
	put_rec(&b, SMW_REC_PROC_STATS, 0, 0, p, 8);
	expect_rec_err(&b, SMW_E_BAD_COUNT, 0, off1);
	put_stream_hdr(&b, 100);
	smw_put_le32(p, 1);
	smw_put_le32(p + 4, 0);
	put_rec(&b, SMW_REC_PROC_STATS, 0, 0, p, 8);
	expect_rec_err(&b, SMW_E_BAD_ROUND, 0, off1);

	tap_test("END rejections and trailing data");
	put_stream_hdr(&b, 100);
	memset(p, 0, SMW_END_LEN);
	smw_put_le64(p + SMW_EN_BYTES, off1);
	put_rec(&b, SMW_REC_END, 0, 0, p, SMW_END_LEN - 1);
	expect_rec_err(&b, SMW_E_BAD_LENGTH, 0, off1);
	put_stream_hdr(&b, 100);
	put_rec(&b, SMW_REC_END, 0, 0, p, SMW_END_LEN);
	buf_put(&b, "x", 1);
	expect_rec_err(&b, SMW_E_TRAILING, 1, off1 + SMW_REC_HDR_LEN +
		       SMW_END_LEN);
	put_stream_hdr(&b, 100);
	smw_put_le64(p + SMW_EN_BYTES, off1 + 1);
	put_rec(&b, SMW_REC_END, 0, 0, p, SMW_END_LEN);
	expect_rec_err(&b, SMW_E_TOTALS_MISMATCH, 0, off1);
	put_stream_hdr(&b, 100);
	smw_put_le64(p + SMW_EN_BYTES, off1);
	smw_put_le32(p + SMW_EN_RESERVED, 7);
	put_rec(&b, SMW_REC_END, 0, 0, p, SMW_END_LEN);
	expect_rec_err(&b, SMW_E_RESERVED, 0, off1);

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
	test_auth();
	test_authkey();
	return tap_done();
}
