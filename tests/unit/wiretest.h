/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the page stream's unit tests (test_wire.c, test_sealed.c,
 * test_sealed_parts.c): fixed ids, filled pages, raw records and stream
 * headers, a decoder run whole or in chunks with what it handed out, and a
 * stream of every record type built by the encoder.
 */
#ifndef SELFMIG_WIRETEST_H
#define SELFMIG_WIRETEST_H

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "testbuf.h"
#include "tap.h"
#include "crc32c.h"
#include "wire.h"
#include "authkey.h"
#include "aead.h"

static const u8 test_id[SMW_ID_LEN] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10
};

static u32 rng_state = 12345;

static inline u32 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static inline void fill_page(u8 *page, u32 seed)
{
	u32 i;

	for (i = 0; i < SMW_PAGE_SIZE; i++)
		page[i] = (u8)(seed * 31 + i * 7 + (i >> 8));
	page[0] = 1;	/* never all zero */
}

/* Bit-at-a-time CRC32C, the reference for the table-driven one. */
static inline u32 crc32c_bitwise(const u8 *p, size_t len)
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
static inline void put_rec(struct buf *b, u32 type, u32 flags, u32 seq,
		    const void *payload, u32 len)
{
	u8 hdr[SMW_REC_HDR_LEN];

	smw_rec_hdr_build(hdr, type, flags, seq, payload, len);
	buf_put(b, hdr, sizeof(hdr));
	buf_put(b, payload, len);
}

static inline void put_stream_hdr(struct buf *b, u64 page_count)
{
	u8 hdr[SMW_STREAM_HDR_LEN];

	smw_stream_hdr_build(hdr, test_id, page_count);
	buf_put(b, hdr, sizeof(hdr));
}

/* Re-seal a stream header after editing it. */
static inline void reseal_hdr(u8 *hdr)
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
	u32 pages[64];		/* PAGES: count, zero pages, compressed */
	u32 zero[64];
	int compressed[64];
	u64 end_pages;		/* END's totals */
	u64 end_bytes;
	u32 end_rounds;
	u64 err_offset;
	s64 err_seq;
};

/*
 * Decode a whole buffer in chunks of `chunk` bytes (0: random sizes),
 * then call finish; aead, if not NULL, opens a sealed stream.
 */
static inline void decode_with(const u8 *p, size_t len, size_t chunk, const u8 *id,
			const struct smw_aead *aead, struct dec_result *res)
{
	static u8 payload[SMW_MAX_PAYLOAD];
	struct smw_decoder d;
	struct smw_record rec;
	size_t pos = 0, n, used;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	ret = smw_dec_init(&d, payload, sizeof(payload), id);
	if (aead)
		smw_dec_set_aead(&d, aead);
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
				if (rec.type == SMW_REC_PAGES) {
					res->pages[res->records] =
						rec.u.pages.count;
					res->zero[res->records] =
						rec.u.pages.zero_count;
					res->compressed[res->records] =
						rec.u.pages.compressed;
				}
				if (rec.type == SMW_REC_END) {
					res->end_pages = rec.u.end.total_pages;
					res->end_bytes = rec.u.end.total_bytes;
					res->end_rounds = rec.u.end.rounds;
				}
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

/* A value result_is() does not check. */
#define ANY	INT_MIN

/* The decode ended in ret, after so many headers and records, at err_seq. */
static inline int result_is(const struct dec_result *r, int ret, int headers,
		     int records, s64 err_seq)
{
	return r->ret == ret && (headers == ANY || r->headers == headers) &&
	       (records == ANY || r->records == records) &&
	       (err_seq == ANY || r->err_seq == err_seq);
}

static inline void decode(const u8 *p, size_t len, size_t chunk, const u8 *id,
		   struct dec_result *res)
{
	decode_with(p, len, chunk, id, NULL, res);
}

/* ------------------------------------------------------------------ */
/* A complete valid stream built with the encoder                      */

struct built {
	struct buf s;
	u32 n_records;
};

static inline void build_stream(struct built *bs, int compress)
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
/* Version 3: sealed streams                                           */

#endif /* SELFMIG_WIRETEST_H */
