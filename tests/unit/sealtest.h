/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the sealed (version 3) streams' unit tests: fixed secrets and
 * salts, a sealed stream whose records are located part by part, and the
 * splicing and reordering of its parts.
 */
#ifndef SELFMIG_SEALTEST_H
#define SELFMIG_SEALTEST_H

#include "wiretest.h"

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

static inline size_t part_end(const struct sealed *z, u32 i)
{
	return z->part[i].at + SMW_REC_HDR_LEN + z->part[i].len + SMW_TAG_LEN;
}

/* s: into's stream with its record i replaced by from's record i. */
static inline void splice(struct buf *s, const struct sealed *into,
		   const struct sealed *from, u32 i)
{
	memset(s, 0, sizeof(*s));
	buf_put(s, into->s.p, into->part[i].at);
	buf_put(s, from->s.p + from->part[i].at,
		part_end(from, i) - from->part[i].at);
	buf_put(s, into->s.p + part_end(into, i), into->s.len - part_end(into, i));
}

/* Seal one record as the sender does and append it: header, ciphertext, tag. */
static inline void seal_rec(struct sealed *z, const struct smw_encoder *enc,
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
static inline void build_sealed_key(struct sealed *z, const u8 *id, const u8 *secret,
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

static inline void build_sealed(struct sealed *z, const u8 *id, const u8 *secret,
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
static inline void decode_sealed(const u8 *p, size_t len, size_t chunk, const u8 *id,
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
static inline void reorder(const struct sealed *z, const u32 *idx, u32 n,
		    struct buf *out)
{
	u32 i;

	memset(out, 0, sizeof(*out));
	buf_put(out, z->s.p, SMW_STREAM_HDR_LEN + SMW_TAG_LEN);
	for (i = 0; i < n; i++)
		buf_put(out, z->s.p + z->part[idx[i]].at,
			part_end(z, idx[i]) - z->part[idx[i]].at);
}

#endif /* SELFMIG_SEALTEST_H */
