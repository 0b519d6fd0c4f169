// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the page stream core: CRC32C, little-endian helpers, the
 * encoder, and the incremental decoder (whole buffers, byte by byte, random
 * chunks), including every decoder rejection, and sealed (version 3)
 * streams opened with the receiver's ChaCha20-Poly1305 (aead.c): round
 * trips, wrong secrets and versions, replayed, swapped and spliced records
 * (from another migration, or from a retry of this one under another
 * stream salt), the decoder's begin() hook, and a bit flipped in every
 * region of every part.
 */
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
static void decode_with(const u8 *p, size_t len, size_t chunk, const u8 *id,
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
static int result_is(const struct dec_result *r, int ret, int headers,
		     int records, s64 err_seq)
{
	return r->ret == ret && (headers == ANY || r->headers == headers) &&
	       (records == ANY || r->records == records) &&
	       (err_seq == ANY || r->err_seq == err_seq);
}

static void decode(const u8 *p, size_t len, size_t chunk, const u8 *id,
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
/* Version 3: sealed streams                                           */

static const u8 secret_a[SMW_KEY_LEN] = "0123456789abcdef0123456789abcdef";
static const u8 secret_b[SMW_KEY_LEN] = "0123456789abcdef0123456789abcdeX";
static const u8 id_b[SMW_ID_LEN] = { 0xb0, 0xb1 };
/* Stream salts: fixed, so that every run builds the same streams. */
static const u8 salt_a[SMW_SALT_LEN] = {
	0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15, 0xf3, 0x9c, 0xc0, 0x60
};
static const u8 salt_b[SMW_SALT_LEN] = {
	0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15, 0xf3, 0x9c, 0xc0, 0x61
};

#define SEALED_MAX_PARTS 12

/* Where a sealed record lies in its stream, and what it carried. */
struct sealed_part {
	size_t at;		/* the record header */
	u32 type;
	u32 len;		/* payload length */
	u32 meta_len;		/* PAGES: prefix, gfns and kinds */
	int compressed;
	u32 crc;		/* of the plaintext payload */
};

struct sealed {
	struct buf s;
	u8 salt[SMW_SALT_LEN];	/* the stream header's bytes 48..59 */
	u8 key[SMW_KEY_LEN];
	u32 n;
	struct sealed_part part[SEALED_MAX_PARTS];
};

static size_t part_end(const struct sealed *z, u32 i)
{
	return z->part[i].at + SMW_REC_HDR_LEN + z->part[i].len + SMW_TAG_LEN;
}

/* s: into's stream with its record i replaced by from's record i. */
static void splice(struct buf *s, const struct sealed *into,
		   const struct sealed *from, u32 i)
{
	memset(s, 0, sizeof(*s));
	buf_put(s, into->s.p, into->part[i].at);
	buf_put(s, from->s.p + from->part[i].at,
		part_end(from, i) - from->part[i].at);
	buf_put(s, into->s.p + part_end(into, i), into->s.len - part_end(into, i));
}

/* Seal one record as the sender does and append it: header, ciphertext, tag. */
static void seal_rec(struct sealed *z, const struct smw_encoder *enc,
		     const u8 rh[SMW_REC_HDR_LEN], const void *p1, u32 l1,
		     const void *p2, u32 l2, u32 meta_len)
{
	static u8 pl[SMW_MAX_PAYLOAD];
	struct sealed_part *q;
	u8 tag[SMW_TAG_LEN];

	if (z->n >= SEALED_MAX_PARTS)
		abort();
	q = &z->part[z->n++];
	memcpy(pl, p1, l1);
	if (l2)
		memcpy(pl + l1, p2, l2);
	q->at = z->s.len;
	q->type = smw_get_le32(rh + SMW_RH_TYPE);
	q->len = l1 + l2;
	q->meta_len = meta_len;
	q->compressed = !!(smw_get_le32(rh + SMW_RH_FLAGS) &
			   SMW_RECF_COMPRESSED);
	q->crc = smw_crc32c(0, pl, q->len);
	/* The nonce of a record is its sequence number plus one. */
	CHECK_EQ(smw_enc_nonce(enc), smw_get_le32(rh + SMW_RH_SEQ) + 1ULL);
	CHECK_EQ(smr_aead_seal(z->key, smw_enc_nonce(enc), rh, SMW_REC_HDR_LEN,
			       pl, q->len, tag), 0);
	buf_put(&z->s, rh, SMW_REC_HDR_LEN);
	buf_put(&z->s, pl, q->len);
	buf_put(&z->s, tag, sizeof(tag));
}

/*
 * A sealed stream of 1000 pages for id and salt: round 0 with a batch of
 * raw and zero pages, a compressed batch, ROUND_END and PROC_STATS; round
 * 1 (final) with one page; END.  Seven records.  Sealed under key if it is
 * not NULL (a sender that got the key wrong), else under the key of secret
 * for the id and the salt the header carries, as the sender does.
 */
static void build_sealed_key(struct sealed *z, const u8 *id, const u8 *secret,
			     const u8 *salt, const u8 *key)
{
	static u8 meta[SMW_PAGES_META_MAX], data[SMW_PAGES_DATA_MAX];
	static u8 zbuf[SMW_PAGES_DATA_MAX + 1024];
	static const struct smw_proc_entry pe[2] = {
		{ 1, 300, "init" }, { 4242, 7, "worker" },
	};
	u8 shdr[SMW_STREAM_HDR_LEN], rh[SMW_REC_HDR_LEN], tag[SMW_TAG_LEN];
	u8 re[SMW_ROUND_END_LEN], end[SMW_END_LEN], page[SMW_PAGE_SIZE];
	u8 proc[SMW_PROC_PREFIX_LEN + 2 * SMW_PROC_ENTRY_LEN];
	struct smw_encoder enc;
	struct smw_pages_batch b;
	struct smw_round_stats st;
	uLongf zlen = sizeof(zbuf);
	u32 i, plen;

	memset(z, 0, sizeof(*z));
	CHECK_EQ(smw_enc_init_sealed(&enc, shdr, id, 1000, salt), 0);
	CHECK_EQ(smw_get_le32(shdr + SMW_SH_VERSION), SMW_VERSION_SEALED);
	/* the salt is in the header, and the key is derived with it */
	CHECK(!memcmp(shdr + SMW_SH_SALT, salt, SMW_SALT_LEN));
	memcpy(z->salt, shdr + SMW_SH_SALT, SMW_SALT_LEN);
	if (key)
		memcpy(z->key, key, SMW_KEY_LEN);
	else
		CHECK_EQ(smr_stream_key(secret, shdr + SMW_SH_ID, z->salt,
					z->key), 0);
	CHECK_EQ(smw_get_le32(shdr + SMW_SH_CRC),
		 smw_crc32c(0, shdr, SMW_SH_CRC));
	CHECK_EQ(smw_enc_nonce(&enc), 0);
	CHECK_EQ(smr_aead_seal(z->key, 0, shdr, sizeof(shdr), NULL, 0, tag), 0);
	buf_put(&z->s, shdr, sizeof(shdr));
	buf_put(&z->s, tag, sizeof(tag));
	CHECK_EQ(enc.offset, z->s.len);

	/* Round 0: six pages, every third one zero, as they are... */
	smw_pages_begin(&enc, &b, meta, data);
	for (i = 0; i < 6; i++) {
		if (i % 3 == 0)
			memset(page, 0, sizeof(page));
		else
			fill_page(page, i);
		CHECK_EQ(smw_pages_add_auto(&b, i * 97, page), 0);
	}
	CHECK_EQ(smw_enc_pages(&enc, &b, rh, 0, data, b.data_len), 0);
	seal_rec(z, &enc, rh, meta, b.meta_len, data, b.data_len, b.meta_len);

	/* ... and five more, the second one zero, compressed. */
	smw_pages_begin(&enc, &b, meta, data);
	for (i = 0; i < 5; i++) {
		if (i == 1)
			memset(page, 0, sizeof(page));
		else
			fill_page(page, 50 + i);
		CHECK_EQ(smw_pages_add_auto(&b, 600 + i, page), 0);
	}
	CHECK_EQ(compress2(zbuf, &zlen, data, b.data_len, 6), Z_OK);
	CHECK_EQ(smw_enc_pages(&enc, &b, rh, SMW_RECF_COMPRESSED, zbuf,
			       (u32)zlen), 0);
	seal_rec(z, &enc, rh, meta, b.meta_len, zbuf, (u32)zlen, b.meta_len);

	memset(&st, 0, sizeof(st));
	st.pages_scanned = 1000;
	st.pages_dirty = 11;
	CHECK_EQ(smw_enc_round_end(&enc, rh, re, &st), 0);
	seal_rec(z, &enc, rh, re, sizeof(re), NULL, 0, 0);
	CHECK_EQ(smw_enc_proc_stats(&enc, rh, proc, sizeof(proc), 0, pe, 2,
				    &plen), 0);
	seal_rec(z, &enc, rh, proc, plen, NULL, 0, 0);

	/* Round 1 (final): one page again. */
	smw_pages_begin(&enc, &b, meta, data);
	fill_page(page, 999);
	CHECK_EQ(smw_pages_add(&b, 97, page), 0);
	CHECK_EQ(smw_enc_pages(&enc, &b, rh, 0, data, b.data_len), 0);
	seal_rec(z, &enc, rh, meta, b.meta_len, data, b.data_len, b.meta_len);
	st.flags = SMW_ROUNDF_FINAL;
	CHECK_EQ(smw_enc_round_end(&enc, rh, re, &st), 0);
	seal_rec(z, &enc, rh, re, sizeof(re), NULL, 0, 0);

	CHECK_EQ(smw_enc_end(&enc, rh, end), 0);
	/* END's total_bytes counts every tag before it. */
	CHECK(smw_get_le64(end + SMW_EN_BYTES) == z->s.len);
	seal_rec(z, &enc, rh, end, sizeof(end), NULL, 0, 0);
	CHECK_EQ(enc.offset, z->s.len);
	CHECK_EQ(z->n, 7);
}

static void build_sealed(struct sealed *z, const u8 *id, const u8 *secret,
			 const u8 *salt)
{
	build_sealed_key(z, id, secret, salt, NULL);
}

/*
 * Decode with a decoder that holds secret (unkeyed if secret is NULL) and
 * expects id; it derives the key from the id and salt of the header it
 * reads.  check_id 0 lets any migration id through the header's checks,
 * so that only the tag can tell.
 */
static void decode_sealed(const u8 *p, size_t len, size_t chunk, const u8 *id,
			  const u8 *secret, int check_id, struct dec_result *res)
{
	struct smr_aead a;

	if (!secret) {
		decode_with(p, len, chunk, check_id ? id : NULL, NULL, res);
		return;
	}
	smr_aead_init(&a, secret);
	decode_with(p, len, chunk, check_id ? id : NULL, &a.ops, res);
	smr_aead_wipe(&a);
}

/* Copy of z's stream with its records in the order of idx (n of them). */
static void reorder(const struct sealed *z, const u32 *idx, u32 n,
		    struct buf *out)
{
	u32 i;

	memset(out, 0, sizeof(*out));
	buf_put(out, z->s.p, SMW_STREAM_HDR_LEN + SMW_TAG_LEN);
	for (i = 0; i < n; i++)
		buf_put(out, z->s.p + z->part[idx[i]].at,
			part_end(z, idx[i]) - z->part[idx[i]].at);
}

static void test_sealed_roundtrip(void)
{
	static const size_t chunks[3] = { 0, 1, 4093 };
	struct dec_result r;
	struct sealed z;
	u64 off;
	u32 i, k;

	tap_test("sealed: the encoder's nonces and offsets count the tags");
	build_sealed(&z, test_id, secret_a, salt_a);
	off = SMW_STREAM_HDR_LEN + SMW_TAG_LEN;
	for (i = 0; i < z.n; i++) {
		CHECK_EQ(z.part[i].at, off);
		off += SMW_REC_HDR_LEN + z.part[i].len + SMW_TAG_LEN;
	}
	CHECK_EQ(off, z.s.len);

	tap_test("sealed: a stream round-trips whole, byte by byte, in chunks");
	for (k = 0; k < 4; k++) {
		decode_sealed(z.s.p, z.s.len, k < 3 ? chunks[k] : z.s.len,
			      test_id, secret_a, 1, &r);
		CHECK_EQ(r.ret, 0);
		CHECK_EQ(r.headers, 1);
		CHECK_EQ(r.records, 7);
		for (i = 0; i < 7 && i < (u32)r.records; i++) {
			CHECK_EQ(r.types[i], z.part[i].type);
			CHECK_EQ(r.offsets[i], z.part[i].at);
			/* the payload handed out is the plaintext */
			CHECK_EQ(r.crcs[i], z.part[i].crc);
		}
		CHECK_EQ(r.pages[0], 6);
		CHECK_EQ(r.zero[0], 2);
		CHECK_EQ(r.compressed[0], 0);
		CHECK_EQ(r.pages[1], 5);
		CHECK_EQ(r.zero[1], 1);
		CHECK_EQ(r.compressed[1], 1);
		CHECK_EQ(r.pages[4], 1);
		CHECK_EQ(r.end_pages, 12);
		CHECK_EQ(r.end_rounds, 2);
		CHECK_EQ(r.end_bytes, z.part[6].at);
	}
	CHECK_EQ(z.part[1].compressed, 1);
	CHECK(z.part[1].len < z.part[1].meta_len + 4 * SMW_PAGE_SIZE);

	tap_test("sealed: the payload on the wire is not the plaintext");
	CHECK(smw_crc32c(0, z.s.p + z.part[0].at + SMW_REC_HDR_LEN,
			 z.part[0].len) != z.part[0].crc);
	CHECK(memcmp(z.s.p + z.part[2].at + SMW_REC_HDR_LEN, "\0\0\0\0", 4));

	tap_test("sealed: every proper prefix is truncated or missing END");
	{
		u32 bad = 0;
		size_t cut;

		for (cut = 0; cut < z.s.len; cut++) {
			int near = 0;

			for (i = 0; i < z.n; i++)
				near |= cut + 24 > z.part[i].at &&
					cut < z.part[i].at + 24;
			if (cut > 120 && !near && cut % 101 &&
			    cut + 40 < z.s.len)
				continue;
			decode_sealed(z.s.p, cut, 0, test_id, secret_a, 1, &r);
			if (r.ret != -SMW_E_TRUNCATED &&
			    r.ret != -SMW_E_MISSING_END)
				bad++;
		}
		CHECK_EQ(bad, 0);
	}
	free(z.s.p);
}

static void test_sealed_refusals(void)
{
	struct dec_result r;
	struct sealed z, o;
	struct built bs;
	struct buf s;
	static const u32 twice[2] = { 0, 0 };
	static const u32 later[5] = { 0, 1, 2, 2, 3 };
	static const u32 swapped[7] = { 0, 2, 1, 3, 4, 5, 6 };
	static const u32 dropped[3] = { 0, 2, 3 };
	static const u32 end_first[1] = { 6 };

	build_sealed(&z, test_id, secret_a, salt_a);

	tap_test("sealed: a wrong secret is refused at the stream header's tag");
	decode_sealed(z.s.p, z.s.len, 0, test_id, secret_b, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, 0, 0, -1));
	CHECK_EQ(r.err_offset, 0);
	/* the key is the secret's for this id: another id's key fails too */
	{
		struct sealed w;
		u8 k[SMW_KEY_LEN];

		CHECK_EQ(smr_stream_key(secret_a, id_b, salt_a, k), 0);
		build_sealed_key(&w, test_id, secret_a, salt_a, k);
		decode_sealed(w.s.p, w.s.len, 0, test_id, secret_a, 1, &r);
		CHECK(result_is(&r, -SMW_E_AUTH_TAG, 0, ANY, ANY));
		free(w.s.p);
		/* and so does the key of the id without the stream salt's */
		memset(k, 0, sizeof(k));
		CHECK_EQ(smr_stream_key(secret_a, test_id, salt_b, k), 0);
		build_sealed_key(&w, test_id, secret_a, salt_a, k);
		decode_sealed(w.s.p, w.s.len, 0, test_id, secret_a, 1, &r);
		CHECK(result_is(&r, -SMW_E_AUTH_TAG, 0, ANY, ANY));
		free(w.s.p);
	}

	tap_test("sealed: version 1 to a keyed reader, version 3 to an unkeyed one");
	build_stream(&bs, 0);
	decode_sealed(bs.s.p, bs.s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_REQUIRED, 0, ANY, -1));
	decode_sealed(z.s.p, z.s.len, 0, test_id, NULL, 1, &r);
	CHECK(result_is(&r, -SMW_E_NO_KEY, 0, ANY, -1));
	/* and the unsealed stream still passes an unkeyed reader */
	decode_sealed(bs.s.p, bs.s.len, 0, test_id, NULL, 1, &r);
	CHECK_EQ(r.ret, 0);

	tap_test("sealed: version 2 is an unsupported version, keyed or not");
	memset(&s, 0, sizeof(s));
	buf_put(&s, z.s.p, z.s.len);
	smw_put_le32(s.p + SMW_SH_VERSION, 2);
	reseal_hdr(s.p);
	decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
	CHECK_EQ(r.ret, -SMW_E_BAD_VERSION);
	decode_sealed(s.p, s.len, 0, test_id, NULL, 1, &r);
	CHECK_EQ(r.ret, -SMW_E_BAD_VERSION);
	smw_put_le32(bs.s.p + SMW_SH_VERSION, 2);
	reseal_hdr(bs.s.p);
	decode_sealed(bs.s.p, bs.s.len, 0, test_id, secret_a, 1, &r);
	CHECK_EQ(r.ret, -SMW_E_BAD_VERSION);
	decode_sealed(bs.s.p, bs.s.len, 0, test_id, NULL, 1, &r);
	CHECK(result_is(&r, -SMW_E_BAD_VERSION, ANY, ANY, -1));
	free(s.p);
	free(bs.s.p);

	tap_test("sealed: a record sent twice is refused at its second copy");
	reorder(&z, twice, 2, &s);
	decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, ANY, 1, 1));
	CHECK_EQ(r.err_offset, z.part[1].at);
	free(s.p);
	/* later in the stream too, as the record after it */
	reorder(&z, later, 5, &s);
	decode_sealed(s.p, s.len, 1, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, ANY, 3, 3));
	free(s.p);

	tap_test("sealed: two records swapped, or one dropped, are refused");
	reorder(&z, swapped, 7, &s);
	decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, ANY, 1, 1));
	free(s.p);
	reorder(&z, dropped, 3, &s);
	decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, ANY, 1, ANY));
	free(s.p);
	/* END moved up to follow the header (a stream cut short) */
	reorder(&z, end_first, 1, &s);
	decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, ANY, 0, ANY));
	free(s.p);

	tap_test("sealed: parts of another migration under the same secret are refused");
	build_sealed(&o, id_b, secret_a, salt_a);
	decode_sealed(o.s.p, o.s.len, 0, test_id, secret_a, 1, &r);
	CHECK_EQ(r.ret, -SMW_E_WRONG_ID);
	/* its id rewritten to this migration's, the header's tag fails */
	memset(&s, 0, sizeof(s));
	buf_put(&s, o.s.p, o.s.len);
	memcpy(s.p + SMW_SH_ID, test_id, SMW_ID_LEN);
	reseal_hdr(s.p);
	decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, 0, ANY, ANY));
	free(s.p);
	/* its first record, with the same seq, in this migration's stream */
	splice(&s, &z, &o, 0);
	decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, 1, 0, 0));
	free(s.p);
	free(o.s.p);

	/*
	 * ChaCha20 is a stream cipher and CRC32C is affine: whoever flips a
	 * ciphertext bit flips the same plaintext bit, and can patch the crc
	 * to match without knowing the plaintext.  Only the tag stops that.
	 */
	tap_test("sealed: a flipped page bit with the crc patched to match is refused");
	{
		const struct sealed_part *q = &z.part[0];
		size_t n = SMW_REC_HDR_LEN + q->len;
		size_t bit = (size_t)q->meta_len + 100;
		u8 *delta = calloc(1, n), *zero = calloc(1, n);
		u8 *rec = z.s.p + q->at;
		u32 crc = smw_get_le32(rec + SMW_RH_CRC), forged;

		delta[SMW_REC_HDR_LEN + bit] = 0x10;
		forged = crc ^ smw_crc32c(0, delta, n) ^ smw_crc32c(0, zero, n);
		/* what a reader without the tag would check: it matches */
		{
			static u8 plain[SMW_MAX_PAYLOAD];
			struct smr_aead a;
			u8 hz[SMW_REC_HDR_LEN];

			smr_aead_init(&a, secret_a);
			CHECK_EQ(smr_aead_begin(&a, test_id, z.salt), 0);
			memcpy(plain, rec + SMW_REC_HDR_LEN, q->len);
			CHECK_EQ(smr_aead_open(&a, 1, rec, SMW_REC_HDR_LEN, plain,
					       q->len, rec + n), 0);
			CHECK_EQ(smw_crc32c(0, plain, q->len), q->crc);
			plain[bit] ^= 0x10;
			memcpy(hz, rec, sizeof(hz));
			smw_put_le32(hz + SMW_RH_CRC, 0);
			CHECK_EQ(smw_crc32c(smw_crc32c(0, hz, sizeof(hz)), plain,
					    q->len), forged);
			smr_aead_wipe(&a);
		}
		rec[SMW_REC_HDR_LEN + bit] ^= 0x10;
		smw_put_le32(rec + SMW_RH_CRC, forged);
		decode_sealed(z.s.p, z.s.len, 0, test_id, secret_a, 1, &r);
		CHECK(result_is(&r, -SMW_E_AUTH_TAG, ANY, 0, ANY));
		rec[SMW_REC_HDR_LEN + bit] ^= 0x10;
		smw_put_le32(rec + SMW_RH_CRC, crc);
		decode_sealed(z.s.p, z.s.len, 0, test_id, secret_a, 1, &r);
		CHECK_EQ(r.ret, 0);
		free(delta);
		free(zero);
	}
	free(z.s.p);
}

/*
 * Flip one bit of the stream and decode it whole: 1 if the part it lies
 * in (record rec, or the stream header for rec < 0) is refused, with want
 * if want is not 0, and nothing from that part on is handed out.
 */
static int flip_refused(struct sealed *z, size_t byte, u32 bit, int rec,
			int want)
{
	struct dec_result r;

	z->s.p[byte] ^= (u8)(1U << bit);
	decode_sealed(z->s.p, z->s.len, z->s.len, test_id, secret_a, 1, &r);
	z->s.p[byte] ^= (u8)(1U << bit);
	if (r.ret >= 0 || (want && r.ret != want))
		return 0;
	if (rec < 0)
		return r.headers == 0 && r.records == 0 && r.err_seq == -1;
	return r.headers == 1 && r.records == rec && r.err_seq == rec;
}

/* Flip every step-th bit of bytes [from, from + len) in turn; failures. */
static u32 flip_region(struct sealed *z, size_t from, size_t len, u32 step,
		       int rec, int want)
{
	u32 bad = 0;
	size_t b;

	for (b = 0; b < len * 8; b += step)
		bad += !flip_refused(z, from + b / 8, (u32)(b % 8), rec, want);
	/* the region's last bit, whatever the step */
	if (len)
		bad += !flip_refused(z, from + len - 1, 7, rec, want);
	return bad;
}

/*
 * flip_region() over every bit of the meta of each PAGES record (pages), or
 * of the whole payload of each other record; failures.
 */
static u32 flip_heads(struct sealed *z, int pages, int want)
{
	const struct sealed_part *q;
	u32 bad = 0, i;

	for (i = 0; i < z->n; i++) {
		q = &z->part[i];
		if ((q->type == SMW_REC_PAGES) == !!pages)
			bad += flip_region(z, q->at + SMW_REC_HDR_LEN,
					   pages ? q->meta_len : q->len, 1,
					   (int)i, want);
	}
	return bad;
}

/*
 * flip_region() over every step-th bit of the page data after the meta of
 * each compressed PAGES record (compressed), or of each uncompressed one;
 * those records counted in *n; failures.
 */
static u32 flip_data(struct sealed *z, int compressed, u32 step, int want,
		     u32 *n)
{
	const struct sealed_part *q;
	u32 bad = 0, i;

	for (i = 0; i < z->n; i++) {
		q = &z->part[i];
		if (compressed ? !q->compressed :
		    q->type != SMW_REC_PAGES || q->compressed)
			continue;
		(*n)++;
		bad += flip_region(z, q->at + SMW_REC_HDR_LEN + q->meta_len,
				   q->len - q->meta_len, step, (int)i, want);
	}
	return bad;
}

static void test_sealed_bitflips(void)
{
	static const struct {
		const char *name;
		u32 off, len;
	} fields[5] = {
		{ "type", SMW_RH_TYPE, 4 }, { "flags", SMW_RH_FLAGS, 4 },
		{ "payload_len", SMW_RH_LEN, 4 }, { "seq", SMW_RH_SEQ, 4 },
		{ "crc", SMW_RH_CRC, 4 },
	};
	static char names[5][80];
	struct dec_result r;
	struct sealed z;
	u32 bad, i, f, b, pages = 0, bodies = 0;
	const int tagerr = -SMW_E_AUTH_TAG;

	build_sealed(&z, test_id, secret_a, salt_a);

	tap_test("bit flips: stream header, any bit, refused at the header");
	CHECK_EQ(flip_region(&z, 0, SMW_STREAM_HDR_LEN, 1, -1, 0), 0);

	tap_test("bit flips: stream header with its crc fixed: the tag refuses id, page_count and salt");
	bad = 0;
	for (b = 0; b < SMW_SH_CRC * 8; b++) {
		u8 *h = z.s.p;
		u8 save[SMW_STREAM_HDR_LEN];
		u32 byte = b / 8;
		int in_tag_only =
			(byte >= SMW_SH_ID && byte < SMW_SH_ID + SMW_ID_LEN) ||
			(byte >= SMW_SH_PAGE_COUNT &&
			 byte < SMW_SH_PAGE_COUNT + 4) ||
			(byte >= SMW_SH_SALT &&
			 byte < SMW_SH_SALT + SMW_SALT_LEN);

		memcpy(save, h, sizeof(save));
		h[byte] ^= (u8)(1U << (b % 8));
		reseal_hdr(h);
		/* no expected id: nothing but the tag can tell the id changed */
		decode_sealed(z.s.p, z.s.len, z.s.len, test_id, secret_a, 0, &r);
		memcpy(h, save, sizeof(save));
		if (r.ret >= 0 || r.headers || r.records ||
		    (in_tag_only && r.ret != tagerr))
			bad++;
	}
	CHECK_EQ(bad, 0);

	tap_test("bit flips: the stream header's tag, every bit, auth_tag");
	CHECK_EQ(flip_region(&z, SMW_STREAM_HDR_LEN, SMW_TAG_LEN, 1, -1,
			     tagerr), 0);

	for (f = 0; f < 5; f++) {
		snprintf(names[f], sizeof(names[f]),
			 "bit flips: record header %s, every bit of every record%s",
			 fields[f].name,
			 f == 2 ? ", any error" : ", auth_tag");
		tap_test(names[f]);
		bad = 0;
		for (i = 0; i < z.n; i++)
			bad += flip_region(&z, z.part[i].at + fields[f].off,
					   fields[f].len, 1, (int)i,
					   f == 2 ? 0 : tagerr);
		CHECK_EQ(bad, 0);
	}

	tap_test("bit flips: PAGES meta (round, count, data_len, gfns, kinds), every bit");
	CHECK_EQ(flip_heads(&z, 1, tagerr), 0);

	tap_test("bit flips: PAGES page data, a bit in every 61 bytes");
	CHECK_EQ(flip_data(&z, 0, 61 * 8 + 3, tagerr, &pages), 0);
	CHECK_EQ(pages, 2);

	tap_test("bit flips: compressed page data, every third bit, never inflated");
	CHECK_EQ(flip_data(&z, 1, 3, tagerr, &bodies), 0);
	CHECK_EQ(bodies, 1);

	tap_test("bit flips: ROUND_END, PROC_STATS and END payloads, every bit");
	CHECK_EQ(flip_heads(&z, 0, tagerr), 0);

	tap_test("bit flips: every record's tag, every bit");
	bad = 0;
	for (i = 0; i < z.n; i++)
		bad += flip_region(&z, part_end(&z, i) - SMW_TAG_LEN,
				   SMW_TAG_LEN, 1, (int)i, tagerr);
	CHECK_EQ(bad, 0);

	tap_test("bit flips: the stream itself is intact after all that");
	decode_sealed(z.s.p, z.s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, 0, ANY, 7, ANY));
	free(z.s.p);
}

/*
 * A migration retried under the same id and secret: each attempt's stream
 * draws its own salt, so the two get different keys and no (key, nonce)
 * pair is used twice; nothing of one stream opens in the other.
 */
static void test_sealed_salt(void)
{
	struct dec_result r;
	struct sealed z, o, again;
	struct buf s;
	u32 i, differ;

	build_sealed(&z, test_id, secret_a, salt_a);
	build_sealed(&o, test_id, secret_a, salt_b);

	tap_test("salt: the encoder writes it at bytes 48..59 of a version 3 header");
	CHECK(!memcmp(z.s.p + SMW_SH_SALT, salt_a, SMW_SALT_LEN));
	CHECK(!memcmp(o.s.p + SMW_SH_SALT, salt_b, SMW_SALT_LEN));
	CHECK_EQ(SMW_SH_SALT, 48);
	CHECK_EQ(SMW_SH_SALT + SMW_SALT_LEN, SMW_SH_CRC);
	CHECK_EQ(smw_get_le32(z.s.p + SMW_SH_CRC),
		 smw_crc32c(0, z.s.p, SMW_SH_CRC));
	/* the two headers differ in the salt (and so the crc) alone */
	CHECK(!memcmp(z.s.p, o.s.p, SMW_SH_SALT));
	CHECK(memcmp(z.s.p + SMW_SH_SALT, o.s.p + SMW_SH_SALT, SMW_SALT_LEN));

	tap_test("salt: same id and secret, another salt: another key, both streams open");
	CHECK(memcmp(z.key, o.key, SMW_KEY_LEN));
	decode_sealed(z.s.p, z.s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, 0, ANY, 7, ANY));
	decode_sealed(o.s.p, o.s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, 0, ANY, 7, ANY));
	/* same plaintexts under the same nonces, yet other ciphertexts */
	CHECK_EQ(z.s.len, o.s.len);
	differ = 0;
	for (i = 0; i < z.n; i++) {
		CHECK_EQ(z.part[i].at, o.part[i].at);
		CHECK_EQ(z.part[i].crc, o.part[i].crc);
		differ += !!memcmp(z.s.p + z.part[i].at + SMW_REC_HDR_LEN,
				   o.s.p + o.part[i].at + SMW_REC_HDR_LEN,
				   z.part[i].len + SMW_TAG_LEN);
	}
	CHECK_EQ(differ, z.n);
	CHECK(memcmp(z.s.p + SMW_STREAM_HDR_LEN, o.s.p + SMW_STREAM_HDR_LEN,
		     SMW_TAG_LEN));
	/* what the salt prevents: the same salt again seals byte for byte
	 * the same, one keystream under two streams */
	build_sealed(&again, test_id, secret_a, salt_a);
	CHECK_EQ(again.s.len, z.s.len);
	CHECK(!memcmp(again.s.p, z.s.p, z.s.len));
	free(again.s.p);

	tap_test("salt: a record of the retried stream spliced into the other: auth_tag");
	for (i = 0; i < z.n; i++) {
		/* o's record i in z's stream, where z's record i was */
		splice(&s, &z, &o, i);
		CHECK_EQ(s.len, z.s.len);
		decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
		CHECK(result_is(&r, -SMW_E_AUTH_TAG, 1, (int)i, (s64)i));
		CHECK_EQ(r.err_offset, z.part[i].at);
		free(s.p);
	}
	/* and the other way round: z's first record in o's stream */
	splice(&s, &o, &z, 0);
	decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, 1, 0, 0));
	free(s.p);
	/* o's header and tag in front of z's records: the first record fails */
	memset(&s, 0, sizeof(s));
	buf_put(&s, o.s.p, SMW_STREAM_HDR_LEN + SMW_TAG_LEN);
	buf_put(&s, z.s.p + z.part[0].at, z.s.len - z.part[0].at);
	decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, 1, 0, 0));
	free(s.p);
	/* o's header with z's header tag: refused at the header */
	memset(&s, 0, sizeof(s));
	buf_put(&s, o.s.p, SMW_STREAM_HDR_LEN);
	buf_put(&s, z.s.p + SMW_STREAM_HDR_LEN, z.s.len - SMW_STREAM_HDR_LEN);
	decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, -SMW_E_AUTH_TAG, 0, ANY, -1));
	free(s.p);

	tap_test("salt: altered in a version 3 header, crc fixed up: auth_tag at the header");
	{
		u32 bad = 0, b;

		for (b = 0; b < 8 * SMW_SALT_LEN; b++) {
			memset(&s, 0, sizeof(s));
			buf_put(&s, z.s.p, z.s.len);
			s.p[SMW_SH_SALT + b / 8] ^= (u8)(1U << (b % 8));
			reseal_hdr(s.p);
			decode_sealed(s.p, s.len, b % 3 ? 0 : 1, test_id,
				      secret_a, 1, &r);
			if (r.ret != -SMW_E_AUTH_TAG || r.headers ||
			    r.records || r.err_seq != -1 || r.err_offset)
				bad++;
			free(s.p);
		}
		CHECK_EQ(bad, 0);
		/* the whole salt replaced, even by zeros or by o's */
		memset(&s, 0, sizeof(s));
		buf_put(&s, z.s.p, z.s.len);
		memset(s.p + SMW_SH_SALT, 0, SMW_SALT_LEN);
		reseal_hdr(s.p);
		decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
		CHECK(result_is(&r, -SMW_E_AUTH_TAG, 0, ANY, ANY));
		memcpy(s.p + SMW_SH_SALT, salt_b, SMW_SALT_LEN);
		reseal_hdr(s.p);
		decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
		CHECK(result_is(&r, -SMW_E_AUTH_TAG, 0, ANY, ANY));
		/* put back, it opens again */
		memcpy(s.p + SMW_SH_SALT, salt_a, SMW_SALT_LEN);
		reseal_hdr(s.p);
		decode_sealed(s.p, s.len, 0, test_id, secret_a, 1, &r);
		CHECK_EQ(r.ret, 0);
		free(s.p);
	}
	free(z.s.p);
	free(o.s.p);
}

/*
 * The decoder's begin() hook, spied on: what it is given, when it is
 * called, and what its refusal does.  Opening is forwarded to the
 * receiver's opener.
 */
struct spy {
	struct smw_aead ops;
	struct smr_aead inner;
	int begin_ret;		/* nonzero: refuse to derive the key */
	int begins, opens;
	int opens_at_begin;	/* opens before the first begin() */
	u8 id[SMW_ID_LEN];
	u8 salt[SMW_SALT_LEN];
};

static int spy_begin(void *ctx, const u8 id[SMW_ID_LEN],
		     const u8 salt[SMW_SALT_LEN])
{
	struct spy *p = ctx;

	if (!p->begins++)
		p->opens_at_begin = p->opens;
	memcpy(p->id, id, SMW_ID_LEN);
	memcpy(p->salt, salt, SMW_SALT_LEN);
	if (p->begin_ret)
		return p->begin_ret;
	return smr_aead_begin(&p->inner, id, salt);
}

static int spy_open(void *ctx, u64 nonce, const u8 *ad, u32 ad_len, u8 *buf,
		    u32 len, const u8 tag[SMW_TAG_LEN])
{
	struct spy *p = ctx;

	p->opens++;
	return smr_aead_open(&p->inner, nonce, ad, ad_len, buf, len, tag);
}

static void spy_init(struct spy *p, const u8 *secret, int begin_ret)
{
	memset(p, 0, sizeof(*p));
	smr_aead_init(&p->inner, secret);
	p->begin_ret = begin_ret;
	p->opens_at_begin = -1;
	p->ops.begin = spy_begin;
	p->ops.open = spy_open;
	p->ops.ctx = p;
}

static void test_begin_hook(void)
{
	static const int refusals[3] = { 1, -1, 0x7fffffff };
	struct dec_result r;
	struct sealed z;
	struct spy p;
	struct buf s;
	u32 k;

	build_sealed(&z, test_id, secret_a, salt_b);

	tap_test("begin: called once with the header's id and salt, before any open");
	spy_init(&p, secret_a, 0);
	decode_with(z.s.p, z.s.len, 1, test_id, &p.ops, &r);
	CHECK_EQ(r.ret, 0);
	CHECK_EQ(r.records, 7);
	CHECK_EQ(p.begins, 1);
	CHECK_EQ(p.opens_at_begin, 0);
	CHECK_EQ(p.opens, 1 + 7);	/* the header's tag, then each record */
	CHECK(!memcmp(p.id, test_id, SMW_ID_LEN));
	CHECK(!memcmp(p.salt, salt_b, SMW_SALT_LEN));
	/* with no expected id too: the id is the header's */
	spy_init(&p, secret_a, 0);
	decode_with(z.s.p, z.s.len, 0, NULL, &p.ops, &r);
	CHECK_EQ(r.ret, 0);
	CHECK_EQ(p.begins, 1);
	CHECK(!memcmp(p.id, test_id, SMW_ID_LEN));
	CHECK(!memcmp(p.salt, salt_b, SMW_SALT_LEN));
	smr_aead_wipe(&p.inner);

	tap_test("begin: not called for a header that fails its own checks");
	spy_init(&p, secret_a, 0);
	decode_with(z.s.p, z.s.len, 0, id_b, &p.ops, &r);
	CHECK_EQ(r.ret, -SMW_E_WRONG_ID);
	CHECK_EQ(p.begins, 0);
	CHECK_EQ(p.opens, 0);
	memset(&s, 0, sizeof(s));
	buf_put(&s, z.s.p, z.s.len);
	s.p[SMW_SH_SALT] ^= 1;		/* crc not fixed */
	spy_init(&p, secret_a, 0);
	decode_with(s.p, s.len, 0, test_id, &p.ops, &r);
	CHECK_EQ(r.ret, -SMW_E_HDR_CRC);
	CHECK_EQ(p.begins, 0);
	CHECK_EQ(p.opens, 0);
	free(s.p);
	/* nor for a stream that stops before the header's tag is in */
	spy_init(&p, secret_a, 0);
	decode_with(z.s.p, SMW_STREAM_HDR_LEN + SMW_TAG_LEN - 1, 0, test_id,
		    &p.ops, &r);
	CHECK_EQ(r.ret, -SMW_E_TRUNCATED);
	CHECK_EQ(p.opens, 0);
	smr_aead_wipe(&p.inner);

	tap_test("begin: a nonzero return is error 34 \"key\", at the header, nothing opened");
	for (k = 0; k < 3; k++) {
		spy_init(&p, secret_a, refusals[k]);
		decode_with(z.s.p, z.s.len, k == 1 ? 1 : 0, test_id, &p.ops, &r);
		CHECK_EQ(r.ret, -SMW_E_KEY);
		CHECK_EQ(r.headers, 0);
		CHECK_EQ(r.records, 0);
		CHECK_EQ(r.err_seq, -1);
		CHECK_EQ(r.err_offset, 0);
		CHECK_EQ(p.begins, 1);
		CHECK_EQ(p.opens, 0);
		smr_aead_wipe(&p.inner);
	}
	CHECK_EQ(SMW_E_KEY, 34);
	CHECK(!strcmp(smw_errname(-SMW_E_KEY), "key"));
	CHECK(!strcmp(smw_strerror(SMW_E_KEY), smw_strerror(-SMW_E_KEY)));
	CHECK(strcmp(smw_strerror(SMW_E_KEY), smw_strerror(SMW_E_AUTH_TAG)));

	tap_test("begin: the key error is sticky");
	{
		static u8 payload[SMW_MAX_PAYLOAD];
		struct smw_decoder d;
		struct smw_record rec;
		size_t used;

		spy_init(&p, secret_a, 1);
		CHECK_EQ(smw_dec_init(&d, payload, sizeof(payload), test_id), 0);
		smw_dec_set_aead(&d, &p.ops);
		CHECK_EQ(smw_dec_feed(&d, z.s.p, z.s.len, &used, &rec),
			 -SMW_E_KEY);
		CHECK(!smw_dec_header_ok(&d));
		p.begin_ret = 0;
		CHECK_EQ(smw_dec_feed(&d, z.s.p + SMW_STREAM_HDR_LEN +
				      SMW_TAG_LEN, 20, &used, &rec), -SMW_E_KEY);
		CHECK_EQ(smw_dec_finish(&d), -SMW_E_KEY);
		CHECK_EQ(p.begins, 1);
		CHECK_EQ(p.opens, 0);
		smr_aead_wipe(&p.inner);
	}

	free(z.s.p);
}

static void test_authkey(void)
{
	char line[SMK_LINE_LEN + 2], copy[SMK_LINE_LEN + 2];
	u8 id[SMW_ID_LEN], key[SMW_KEY_LEN];
	u32 i, bad = 0;

	tap_test("key line: format and parse round trip");
	smk_format(line, test_id, secret_a);
	CHECK_EQ(strlen(line), SMK_LINE_LEN);
	CHECK(!strncmp(line, "selfmig-key/1 id=", 17));
	CHECK_EQ(smk_parse(line, SMK_LINE_LEN, id, key), 0);
	CHECK(!memcmp(id, test_id, SMW_ID_LEN));
	CHECK(!memcmp(key, secret_a, SMW_KEY_LEN));
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
	test_sealed_roundtrip();
	test_sealed_refusals();
	test_sealed_bitflips();
	test_sealed_salt();
	test_begin_hook();
	test_authkey();
	return tap_done();
}
