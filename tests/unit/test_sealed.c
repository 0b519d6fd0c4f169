// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for sealed (version 3) page streams opened with the receiver's
 * ChaCha20-Poly1305 (aead.c): round trips; wrong secrets and versions;
 * replayed, swapped and spliced records, from another migration or from a
 * retry of this one under another stream salt.
 */
#include "sealtest.h"

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

int main(void)
{
	test_sealed_roundtrip();
	test_sealed_refusals();
	test_sealed_salt();
	return tap_done();
}
