// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the receiver's seal of the page stream (aead.c): the
 * ChaCha20-Poly1305 opener and sealer against RFC 8439's decryption
 * vector, the stream key (salted with the migration id and the stream's
 * salt) against HKDF-SHA256 computed here step by step from HMAC-SHA256,
 * and the opener's refusals, unkeyed ones included.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tap.h"
#include "wire.h"
#include "aead.h"

/* Hex digits (whitespace ignored) into out; the number of bytes. */
static size_t unhex(const char *s, u8 *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n == cap)
				abort();
			out[n++] = (u8)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		abort();
	return n;
}

/* ------------------------------------------------------------------ */
/* RFC 8439, Appendix A.5: the ChaCha20-Poly1305 decryption example     */

static const char a5_key[] =
	"1c9240a5eb55d38af333888604f6b5f0"
	"473917c1402b80099dca5cbc207075c0";
/* 96-bit nonce 00000000 0102030405060708: four zero bytes, then ours */
static const u64 a5_nonce = 0x0807060504030201ULL;
static const char a5_ad[] = "f33388860000000000004e91";
static const char a5_ct[] =
	"64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
	"4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
	"332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
	"9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
	"b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
	"af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
	"0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
	"49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
	"a6ad5cb4022b02709b";
static const char a5_tag[] = "eead9d67890cbb22392336fea1851f38";
static const char a5_plain[] =
	"Internet-Drafts are draft documents valid for a maximum of six "
	"months and may be updated, replaced, or obsoleted by other documents "
	"at any time. It is inappropriate to use Internet-Drafts as reference "
	"material or to cite them other than as /\xe2\x80\x9cwork in progress./"
	"\xe2\x80\x9d";

struct a5 {
	struct smr_aead a;
	u8 ad[12];
	u8 ct[265];
	u8 tag[SMW_TAG_LEN];
	size_t ad_len, ct_len;
};

static void a5_load(struct a5 *v)
{
	memset(v, 0, sizeof(*v));
	CHECK_EQ(unhex(a5_key, v->a.key, sizeof(v->a.key)), SMW_KEY_LEN);
	v->ad_len = unhex(a5_ad, v->ad, sizeof(v->ad));
	v->ct_len = unhex(a5_ct, v->ct, sizeof(v->ct));
	CHECK_EQ(unhex(a5_tag, v->tag, sizeof(v->tag)), SMW_TAG_LEN);
	CHECK_EQ(v->ad_len, 12);
	CHECK_EQ(v->ct_len, 265);
	CHECK_EQ(sizeof(a5_plain) - 1, 265);
	v->a.keyed = 1;		/* the example's key, set directly */
	v->a.ops.open = smr_aead_open;
	v->a.ops.ctx = &v->a;
}

static void test_rfc8439(void)
{
	struct a5 v;
	u8 buf[265], tag[SMW_TAG_LEN];

	tap_test("RFC 8439 A.5: open decrypts the example and accepts its tag");
	a5_load(&v);
	memcpy(buf, v.ct, sizeof(buf));
	CHECK_EQ(smr_aead_open(&v.a, a5_nonce, v.ad, (u32)v.ad_len, buf,
			       (u32)v.ct_len, v.tag), 0);
	CHECK(!memcmp(buf, a5_plain, sizeof(buf)));
	/* through the decoder's interface as well */
	memcpy(buf, v.ct, sizeof(buf));
	CHECK_EQ(v.a.ops.open(v.a.ops.ctx, a5_nonce, v.ad, (u32)v.ad_len, buf,
			      (u32)v.ct_len, v.tag), 0);
	CHECK(!memcmp(buf, a5_plain, sizeof(buf)));

	tap_test("RFC 8439 A.5: seal gives back the ciphertext and the tag");
	memcpy(buf, a5_plain, sizeof(buf));
	memset(tag, 0, sizeof(tag));
	CHECK_EQ(smr_aead_seal(v.a.key, a5_nonce, v.ad, (u32)v.ad_len, buf,
			       (u32)v.ct_len, tag), 0);
	CHECK(!memcmp(buf, v.ct, sizeof(buf)));
	CHECK(!memcmp(tag, v.tag, sizeof(tag)));

	tap_test("seal then open round-trips empty, short and page-sized parts");
	{
		static u8 page[2 * SMW_PAGE_SIZE + 7], copy[sizeof(page)];
		static const u32 lens[5] = { 0, 1, 63, SMW_PAGE_SIZE,
					     sizeof(page) };
		u32 i, k, bad = 0;

		for (i = 0; i < sizeof(page); i++)
			page[i] = (u8)(i * 13 + 5);
		for (k = 0; k < 5; k++) {
			memcpy(copy, page, sizeof(page));
			if (smr_aead_seal(v.a.key, 1000 + k, v.ad, 12, copy,
					  lens[k], tag))
				bad++;
			if (lens[k] > 16 && !memcmp(copy, page, lens[k]))
				bad++;	/* not encrypted */
			if (smr_aead_open(&v.a, 1000 + k, v.ad, 12, copy,
					  lens[k], tag) ||
			    memcmp(copy, page, lens[k]))
				bad++;
		}
		/* no associated data at all */
		memcpy(copy, page, 100);
		if (smr_aead_seal(v.a.key, 7, NULL, 0, copy, 100, tag) ||
		    smr_aead_open(&v.a, 7, NULL, 0, copy, 100, tag) ||
		    memcmp(copy, page, 100))
			bad++;
		CHECK_EQ(bad, 0);
	}
}

static void test_open_refuses(void)
{
	struct a5 v;
	u8 buf[265], tag[SMW_TAG_LEN], ad[12];
	u32 i, bad;

	a5_load(&v);

	tap_test("open refuses a wrong nonce: every bit of the counter");
	bad = 0;
	for (i = 0; i < 64; i++) {
		memcpy(buf, v.ct, sizeof(buf));
		bad += !smr_aead_open(&v.a, a5_nonce ^ (1ULL << i), v.ad, 12,
				      buf, sizeof(buf), v.tag);
	}
	CHECK_EQ(bad, 0);

	tap_test("open refuses wrong associated data: a bit flipped, cut, longer");
	bad = 0;
	for (i = 0; i < 8 * sizeof(ad); i++) {
		memcpy(ad, v.ad, sizeof(ad));
		ad[i / 8] ^= (u8)(1U << (i % 8));
		memcpy(buf, v.ct, sizeof(buf));
		bad += !smr_aead_open(&v.a, a5_nonce, ad, sizeof(ad), buf,
				      sizeof(buf), v.tag);
	}
	memcpy(buf, v.ct, sizeof(buf));
	bad += !smr_aead_open(&v.a, a5_nonce, v.ad, 11, buf, sizeof(buf),
			      v.tag);
	memcpy(buf, v.ct, sizeof(buf));
	bad += !smr_aead_open(&v.a, a5_nonce, NULL, 0, buf, sizeof(buf), v.tag);
	{
		u8 longer[13];

		memcpy(longer, v.ad, 12);
		longer[12] = 0;
		memcpy(buf, v.ct, sizeof(buf));
		bad += !smr_aead_open(&v.a, a5_nonce, longer, 13, buf,
				      sizeof(buf), v.tag);
	}
	CHECK_EQ(bad, 0);

	tap_test("open refuses a tag with any one bit flipped");
	bad = 0;
	for (i = 0; i < 8 * SMW_TAG_LEN; i++) {
		memcpy(tag, v.tag, sizeof(tag));
		tag[i / 8] ^= (u8)(1U << (i % 8));
		memcpy(buf, v.ct, sizeof(buf));
		bad += !smr_aead_open(&v.a, a5_nonce, v.ad, 12, buf,
				      sizeof(buf), tag);
	}
	CHECK_EQ(bad, 0);

	tap_test("open refuses a ciphertext with any one bit flipped, or cut");
	bad = 0;
	for (i = 0; i < 8 * sizeof(buf); i += 5) {
		memcpy(buf, v.ct, sizeof(buf));
		buf[i / 8] ^= (u8)(1U << (i % 8));
		bad += !smr_aead_open(&v.a, a5_nonce, v.ad, 12, buf,
				      sizeof(buf), v.tag);
	}
	memcpy(buf, v.ct, sizeof(buf));
	bad += !smr_aead_open(&v.a, a5_nonce, v.ad, 12, buf, sizeof(buf) - 1,
			      v.tag);
	CHECK_EQ(bad, 0);

	tap_test("open refuses another key, and an empty part's tag is keyed too");
	bad = 0;
	v.a.key[31] ^= 0x80;
	memcpy(buf, v.ct, sizeof(buf));
	bad += !smr_aead_open(&v.a, a5_nonce, v.ad, 12, buf, sizeof(buf), v.tag);
	v.a.key[31] ^= 0x80;
	/* the stream header's form: nothing encrypted, the header as AD */
	CHECK_EQ(smr_aead_seal(v.a.key, 0, v.ad, 12, NULL, 0, tag), 0);
	CHECK_EQ(smr_aead_open(&v.a, 0, v.ad, 12, NULL, 0, tag), 0);
	bad += !smr_aead_open(&v.a, 1, v.ad, 12, NULL, 0, tag);
	v.ad[0] ^= 1;
	bad += !smr_aead_open(&v.a, 0, v.ad, 12, NULL, 0, tag);
	v.ad[0] ^= 1;
	v.a.key[0] ^= 1;
	bad += !smr_aead_open(&v.a, 0, v.ad, 12, NULL, 0, tag);
	CHECK_EQ(bad, 0);
}

/* ------------------------------------------------------------------ */
/* The stream key: HKDF-SHA256 (RFC 5869), computed independently       */

/* HMAC-SHA256 of a || b under key, through EVP_MAC. */
static void hmac256(const u8 *key, size_t klen, const void *a, size_t alen,
		    const void *b, size_t blen, u8 out[32])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM p[2];
	size_t n = 0;
	int ok;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_end();
	ok = c && EVP_MAC_init(c, key, klen, p) &&
	     (!alen || EVP_MAC_update(c, a, alen)) &&
	     (!blen || EVP_MAC_update(c, b, blen)) &&
	     EVP_MAC_final(c, out, &n, 32);
	CHECK(ok);
	CHECK_EQ(n, 32);
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(mac);
}

/* HKDF's first block: PRK = HMAC(salt, ikm), T(1) = HMAC(PRK, info || 1). */
static void hkdf_t1(const u8 *ikm, size_t ikm_len, const u8 *salt,
		    size_t salt_len, const void *info, size_t info_len,
		    u8 out[32])
{
	static const u8 one = 1;
	u8 prk[32];

	hmac256(salt, salt_len, ikm, ikm_len, NULL, 0, prk);
	hmac256(prk, sizeof(prk), info, info_len, &one, 1, out);
}

/* smr_stream_key() puts into got HKDF-SHA256(secret, id || salt). */
static void check_stream_key(const u8 *secret, const u8 *id, const u8 *salt,
			     u8 *got)
{
	u8 hsalt[SMW_ID_LEN + SMW_SALT_LEN], want[32];

	CHECK_EQ(smr_stream_key(secret, id, salt, got), 0);
	memcpy(hsalt, id, SMW_ID_LEN);
	memcpy(hsalt + SMW_ID_LEN, salt, SMW_SALT_LEN);
	hkdf_t1(secret, SMW_KEY_LEN, hsalt, sizeof(hsalt), SMW_KDF_INFO,
		SMW_KDF_INFO_LEN, want);
	CHECK(!memcmp(got, want, SMW_KEY_LEN));
}

static void test_stream_key(void)
{
	static const u8 secret_a[SMW_KEY_LEN] = "a secret of 32 bytes, for tests.";
	static const u8 id_a[SMW_ID_LEN] = {
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10
	};
	static const u8 salt_a[SMW_SALT_LEN] = {
		0x5a, 0x17, 0xc3, 0x08, 0x99, 0x41, 0xee, 0x2d,
		0x70, 0x0b, 0xb6, 0x3f
	};
	u8 secret_b[SMW_KEY_LEN], id_b[SMW_ID_LEN], salt_b[SMW_SALT_LEN];
	u8 want[32], got[SMW_KEY_LEN], ka[SMW_KEY_LEN], kb[SMW_KEY_LEN];
	struct smr_aead a;
	u32 i;

	tap_test("the reference HKDF gives RFC 5869 test case 1's first block");
	{
		u8 ikm[22], salt[13], info[10], t1[32];

		memset(ikm, 0x0b, sizeof(ikm));
		for (i = 0; i < sizeof(salt); i++)
			salt[i] = (u8)i;
		for (i = 0; i < sizeof(info); i++)
			info[i] = (u8)(0xf0 + i);
		unhex("3cb25f25faacd57a90434f64d0362f2a"
		      "2d2d0a90cf1a5a4c5db02d56ecc4c5bf", want, sizeof(want));
		hkdf_t1(ikm, sizeof(ikm), salt, sizeof(salt), info,
			sizeof(info), t1);
		CHECK(!memcmp(t1, want, 32));
	}

	tap_test("smr_stream_key is HKDF-SHA256(secret, salt id || stream salt, info SMW_KDF_INFO)");
	CHECK_EQ(strlen(SMW_KDF_INFO), SMW_KDF_INFO_LEN);
	CHECK_EQ(SMW_ID_LEN + SMW_SALT_LEN, 28);
	for (i = 0; i < SMW_KEY_LEN; i++)
		secret_b[i] = (u8)(0xa0 ^ (i * 37));
	for (i = 0; i < SMW_ID_LEN; i++)
		id_b[i] = (u8)(200 - i * 3);
	for (i = 0; i < SMW_SALT_LEN; i++)
		salt_b[i] = (u8)(i * 29 + 3);
	check_stream_key(secret_a, id_a, salt_a, got);
	check_stream_key(secret_b, id_b, salt_b, got);
	/* the key is not the secret */
	CHECK(memcmp(got, secret_b, SMW_KEY_LEN));
	/* and the stream salt is part of HKDF's salt: not the id alone */
	hkdf_t1(secret_b, SMW_KEY_LEN, id_b, SMW_ID_LEN, SMW_KDF_INFO,
		SMW_KDF_INFO_LEN, want);
	CHECK(memcmp(got, want, SMW_KEY_LEN));
	/* an all-zero stream salt is still 28 bytes of HKDF salt */
	memset(salt_b, 0, sizeof(salt_b));
	check_stream_key(secret_b, id_b, salt_b, got);
	for (i = 0; i < SMW_SALT_LEN; i++)
		salt_b[i] = (u8)(i * 29 + 3);

	tap_test("the stream key changes with the id, the salt and the secret");
	CHECK_EQ(smr_stream_key(secret_a, id_a, salt_a, ka), 0);
	CHECK_EQ(smr_stream_key(secret_a, id_b, salt_a, kb), 0);
	CHECK(memcmp(ka, kb, SMW_KEY_LEN));
	CHECK_EQ(smr_stream_key(secret_b, id_a, salt_a, kb), 0);
	CHECK(memcmp(ka, kb, SMW_KEY_LEN));
	CHECK_EQ(smr_stream_key(secret_a, id_a, salt_b, kb), 0);
	CHECK(memcmp(ka, kb, SMW_KEY_LEN));
	memcpy(id_b, id_a, SMW_ID_LEN);
	id_b[15] ^= 1;
	CHECK_EQ(smr_stream_key(secret_a, id_b, salt_a, kb), 0);
	CHECK(memcmp(ka, kb, SMW_KEY_LEN));
	memcpy(secret_b, secret_a, SMW_KEY_LEN);
	secret_b[0] ^= 0x80;
	CHECK_EQ(smr_stream_key(secret_b, id_a, salt_a, kb), 0);
	CHECK(memcmp(ka, kb, SMW_KEY_LEN));
	/* every bit of the stream salt counts */
	{
		u32 same = 0;

		for (i = 0; i < 8 * SMW_SALT_LEN; i++) {
			memcpy(salt_b, salt_a, SMW_SALT_LEN);
			salt_b[i / 8] ^= (u8)(1U << (i % 8));
			CHECK_EQ(smr_stream_key(secret_a, id_a, salt_b, kb), 0);
			same += !memcmp(ka, kb, SMW_KEY_LEN);
		}
		CHECK_EQ(same, 0);
	}
	/* and is the same every time */
	CHECK_EQ(smr_stream_key(secret_a, id_a, salt_a, kb), 0);
	CHECK(!memcmp(ka, kb, SMW_KEY_LEN));

	tap_test("smr_aead_init keeps the secret, unkeyed: open refuses until begin");
	memset(&a, 0x55, sizeof(a));
	smr_aead_init(&a, secret_a);
	CHECK(!memcmp(a.secret, secret_a, SMW_KEY_LEN));
	CHECK_EQ(a.keyed, 0);
	CHECK(a.ops.begin == smr_aead_begin);
	CHECK(a.ops.open == smr_aead_open);
	CHECK(a.ops.ctx == &a);
	{
		u8 part[40], tag[SMW_TAG_LEN];

		memset(part, 7, sizeof(part));
		CHECK_EQ(smr_aead_seal(ka, 5, part, 8, part + 8, 32, tag), 0);
		/* not keyed yet: refused, even though the tag is right */
		CHECK(a.ops.open(a.ops.ctx, 5, part, 8, part + 8, 32, tag) != 0);

		tap_test("smr_aead_begin derives the stream key from id and salt");
		memset(part, 7, sizeof(part));
		CHECK_EQ(smr_aead_seal(ka, 5, part, 8, part + 8, 32, tag), 0);
		CHECK_EQ(a.ops.begin(a.ops.ctx, id_a, salt_a), 0);
		CHECK_EQ(a.keyed, 1);
		CHECK(!memcmp(a.key, ka, SMW_KEY_LEN));
		CHECK_EQ(a.ops.open(a.ops.ctx, 5, part, 8, part + 8, 32, tag), 0);
		CHECK_EQ(part[8], 7);
		/* a stream with another salt: another key, the old tag fails */
		memset(part, 7, sizeof(part));
		CHECK_EQ(smr_aead_seal(ka, 5, part, 8, part + 8, 32, tag), 0);
		memcpy(salt_b, salt_a, SMW_SALT_LEN);
		salt_b[11] ^= 0x01;
		CHECK_EQ(smr_aead_begin(&a, id_a, salt_b), 0);
		CHECK(memcmp(a.key, ka, SMW_KEY_LEN));
		CHECK(smr_aead_open(&a, 5, part, 8, part + 8, 32, tag) != 0);
	}

	tap_test("smr_aead_wipe forgets the secret and the key");
	CHECK_EQ(smr_aead_begin(&a, id_a, salt_a), 0);
	smr_aead_wipe(&a);
	for (i = 0; i < SMW_KEY_LEN; i++) {
		CHECK_EQ(a.key[i], 0);
		CHECK_EQ(a.secret[i], 0);
	}
	CHECK_EQ(a.keyed, 0);
	{
		u8 part[8] = { 0 }, tag[SMW_TAG_LEN];

		CHECK_EQ(smr_aead_seal(ka, 0, NULL, 0, part, 8, tag), 0);
		CHECK(smr_aead_open(&a, 0, NULL, 0, part, 8, tag) != 0);
	}
}

int main(void)
{
	test_rfc8439();
	test_open_refuses();
	test_stream_key();
	return tap_done();
}
