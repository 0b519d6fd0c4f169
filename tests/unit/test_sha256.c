// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for SHA-256 and HMAC-SHA256: the FIPS 180-4 example messages,
 * the empty message, every way of splitting a message over two or three
 * updates, the RFC 4231 HMAC test cases 1-7, long-key hashing, wiping of
 * finished contexts, and the constant-time comparison.
 *
 * Inputs are allocated at their exact size so that the sanitizer build
 * catches any read past them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sha256.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	abort();
}

/* Decode a hex string into out; returns the number of bytes. */
static size_t unhex(const char *hex, u8 *out, size_t cap)
{
	size_t n = strlen(hex) / 2, i;

	if (strlen(hex) % 2 || n > cap)
		abort();
	for (i = 0; i < n; i++)
		out[i] = (u8)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	return n;
}

/* A heap copy of len bytes of src (or of len copies of fill if src is NULL). */
static u8 *dup_exact(const void *src, size_t len, int fill)
{
	u8 *p = malloc(len ? len : 1);

	if (!p)
		abort();
	if (src)
		memcpy(p, src, len);
	else
		memset(p, fill, len);
	return p;
}

static int digest_is(const u8 *got, const char *hex)
{
	u8 want[SMW_SHA256_LEN];
	size_t n = unhex(hex, want, sizeof(want)), i;

	if (memcmp(got, want, n) == 0)
		return 1;
	printf("# got  ");
	for (i = 0; i < n; i++)
		printf("%02x", got[i]);
	printf("\n# want %s\n", hex);
	return 0;
}

static void sha_oneshot(const void *msg, size_t len, u8 *out)
{
	u8 *copy = dup_exact(msg, len, 0);

	smw_sha256(copy, len, out);
	free(copy);
}

/* ------------------------------------------------------------------ */
/* SHA-256                                                             */

#define ABC448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

static void test_fips_vectors(void)
{
	struct smw_sha256 s;
	u8 d[SMW_SHA256_LEN];
	u8 *big;
	unsigned int i;

	tap_test("sha256 of the empty message");
	sha_oneshot("", 0, d);
	CHECK(digest_is(d, "e3b0c44298fc1c149afbf4c8996fb924"
			   "27ae41e4649b934ca495991b7852b855"));
	smw_sha256(NULL, 0, d);
	CHECK(digest_is(d, "e3b0c44298fc1c149afbf4c8996fb924"
			   "27ae41e4649b934ca495991b7852b855"));
	smw_sha256_init(&s);
	smw_sha256_update(&s, NULL, 0);
	smw_sha256_final(&s, d);
	CHECK(digest_is(d, "e3b0c44298fc1c149afbf4c8996fb924"
			   "27ae41e4649b934ca495991b7852b855"));

	tap_test("sha256 FIPS 180-4 \"abc\"");
	sha_oneshot("abc", 3, d);
	CHECK(digest_is(d, "ba7816bf8f01cfea414140de5dae2223"
			   "b00361a396177a9cb410ff61f20015ad"));

	tap_test("sha256 FIPS 180-4 448-bit message");
	CHECK_EQ(strlen(ABC448), 56);
	sha_oneshot(ABC448, 56, d);
	CHECK(digest_is(d, "248d6a61d20638b8e5c026930c3e6039"
			   "a33ce45964ff2167f6ecedd419db06c1"));

	tap_test("sha256 FIPS 180-4 one million 'a'");
	big = dup_exact(NULL, 1000000, 'a');
	smw_sha256(big, 1000000, d);
	CHECK(digest_is(d, "cdc76e5c9914fb9281a1c7e284d73e67"
			   "f1809a48a497200e046d39ccc7112cd0"));
	/* The same in 1000-byte pieces (never block aligned after the first). */
	smw_sha256_init(&s);
	for (i = 0; i < 1000; i++)
		smw_sha256_update(&s, big + 1000 * i, 1000);
	smw_sha256_final(&s, d);
	CHECK(digest_is(d, "cdc76e5c9914fb9281a1c7e284d73e67"
			   "f1809a48a497200e046d39ccc7112cd0"));
	free(big);
}

/* Messages whose padding lands on each side of the 56-byte boundary. */
static void test_padding_lengths(void)
{
	/* SHA-256 of 55, 56, 63, 64 and 65 bytes of 'a'. */
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9a"
		      "e9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f"
		      "590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98"
		      "e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209"
		      "f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a"
		      "41685d6ad62aa9146d301d4f17eb0ae0" },
	};
	u8 d[SMW_SHA256_LEN];
	size_t i;

	tap_test("sha256 around the padding boundary (55..65 bytes)");
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		u8 *m = dup_exact(NULL, v[i].len, 'a');

		smw_sha256(m, v[i].len, d);
		if (!digest_is(d, v[i].hex))
			tap_fail(__FILE__, __LINE__, "length %zu", v[i].len);
		free(m);
	}
}

static void test_split_updates(void)
{
	enum { LEN = 131 };
	u8 *msg = dup_exact(NULL, LEN, 0);
	u8 want[SMW_SHA256_LEN], d[SMW_SHA256_LEN];
	struct smw_sha256 s;
	size_t i, j;
	int bad = 0;

	for (i = 0; i < LEN; i++)
		msg[i] = (u8)(i * 37 + 11);
	smw_sha256(msg, LEN, want);

	tap_test("sha256 split into two updates at every offset 0..130");
	for (i = 0; i <= LEN - 1; i++) {
		smw_sha256_init(&s);
		smw_sha256_update(&s, msg, i);
		smw_sha256_update(&s, msg + i, LEN - i);
		smw_sha256_final(&s, d);
		if (memcmp(d, want, sizeof(d))) {
			tap_fail(__FILE__, __LINE__, "split at %zu", i);
			bad++;
		}
	}
	CHECK_EQ(bad, 0);

	tap_test("sha256 split into three updates at every pair of offsets");
	for (i = 0; i <= LEN; i++) {
		for (j = i; j <= LEN; j++) {
			smw_sha256_init(&s);
			smw_sha256_update(&s, msg, i);
			smw_sha256_update(&s, msg + i, j - i);
			smw_sha256_update(&s, msg + j, LEN - j);
			smw_sha256_final(&s, d);
			if (memcmp(d, want, sizeof(d)) && bad++ < 5)
				tap_fail(__FILE__, __LINE__, "split at %zu, %zu",
					 i, j);
		}
	}
	CHECK_EQ(bad, 0);

	tap_test("sha256 byte by byte");
	smw_sha256_init(&s);
	for (i = 0; i < LEN; i++)
		smw_sha256_update(&s, msg + i, 1);
	smw_sha256_final(&s, d);
	CHECK(memcmp(d, want, sizeof(d)) == 0);

	tap_test("sha256 final wipes the context");
	{
		static const u8 zero[sizeof(s)];

		smw_sha256_init(&s);
		smw_sha256_update(&s, msg, 100);
		smw_sha256_final(&s, d);
		CHECK(memcmp(&s, zero, sizeof(s)) == 0);
	}
	free(msg);
}

/* ------------------------------------------------------------------ */
/* HMAC-SHA256 (RFC 4231)                                              */

struct hmac_case {
	int no;
	const char *key_hex;	/* NULL: key_len copies of key_byte */
	size_t key_len;
	u8 key_byte;
	const char *data;	/* text, or hex when data_hex */
	int data_hex;
	const char *mac_hex;	/* may be truncated (case 5) */
};

static const struct hmac_case rfc4231[] = {
	{ 1, NULL, 20, 0x0b, "Hi There", 0,
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ 2, "4a656665", 4, 0, "what do ya want for nothing?", 0,
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ 3, NULL, 20, 0xaa,
	  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	  "dddddddddddddddddddddddddddddddddddd", 1,
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ 4, "0102030405060708090a0b0c0d0e0f10111213141516171819", 25, 0,
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", 1,
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ 5, NULL, 20, 0x0c, "Test With Truncation", 0,
	  "a3b6167473100ee06e0c796c2955552b" },
	{ 6, NULL, 131, 0xaa,
	  "Test Using Larger Than Block-Size Key - Hash Key First", 0,
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ 7, NULL, 131, 0xaa,
	  "This is a test using a larger than block-size key and a larger "
	  "than block-size data. The key needs to be hashed before being "
	  "used by the HMAC algorithm.", 0,
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

static void hmac_oneshot(const u8 *key, size_t key_len, const u8 *data,
			 size_t len, u8 *out)
{
	struct smw_hmac h;

	smw_hmac_init(&h, key, key_len);
	smw_hmac_update(&h, data, len);
	smw_hmac_final(&h, out);
}

static void test_rfc4231(void)
{
	static char names[7][48];
	size_t c;

	for (c = 0; c < sizeof(rfc4231) / sizeof(rfc4231[0]); c++) {
		const struct hmac_case *t = &rfc4231[c];
		u8 kbuf[200], dbuf[200], mac[SMW_SHA256_LEN], mac2[SMW_SHA256_LEN];
		size_t dlen, i;
		u8 *key, *data;
		struct smw_hmac h;

		snprintf(names[c], sizeof(names[c]), "hmac-sha256 RFC 4231 case %d",
			 t->no);
		tap_test(names[c]);

		if (t->key_hex)
			CHECK_EQ(unhex(t->key_hex, kbuf, sizeof(kbuf)), t->key_len);
		else
			memset(kbuf, t->key_byte, t->key_len);
		if (t->data_hex) {
			dlen = unhex(t->data, dbuf, sizeof(dbuf));
		} else {
			dlen = strlen(t->data);
			memcpy(dbuf, t->data, dlen);
		}
		key = dup_exact(kbuf, t->key_len, 0);
		data = dup_exact(dbuf, dlen, 0);

		hmac_oneshot(key, t->key_len, data, dlen, mac);
		CHECK(digest_is(mac, t->mac_hex));

		/* Byte-at-a-time updates give the same MAC. */
		smw_hmac_init(&h, key, t->key_len);
		for (i = 0; i < dlen; i++)
			smw_hmac_update(&h, data + i, 1);
		smw_hmac_final(&h, mac2);
		CHECK(memcmp(mac, mac2, sizeof(mac)) == 0);

		free(key);
		free(data);
	}
}

static void test_hmac_keys(void)
{
	u8 key[200], kh[SMW_SHA256_LEN], a[SMW_SHA256_LEN], b[SMW_SHA256_LEN];
	static const u8 msg[] = "selfmig";
	struct smw_hmac h;
	size_t n, i;
	int bad = 0;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (u8)(i * 13 + 5);

	tap_test("hmac: a key longer than a block equals its digest as key");
	for (n = 65; n <= 200; n += 45) {
		smw_sha256(key, n, kh);
		hmac_oneshot(key, n, msg, sizeof(msg) - 1, a);
		hmac_oneshot(kh, sizeof(kh), msg, sizeof(msg) - 1, b);
		if (memcmp(a, b, sizeof(a)) && bad++ < 5)
			tap_fail(__FILE__, __LINE__, "key length %zu", n);
	}
	CHECK_EQ(bad, 0);

	tap_test("hmac: a key up to a block equals the key zero-padded");
	for (n = 0; n <= 64; n++) {
		u8 padded[64];

		memset(padded, 0, sizeof(padded));
		memcpy(padded, key, n);
		hmac_oneshot(key, n, msg, sizeof(msg) - 1, a);
		hmac_oneshot(padded, 64, msg, sizeof(msg) - 1, b);
		if (memcmp(a, b, sizeof(a)) && bad++ < 5)
			tap_fail(__FILE__, __LINE__, "key length %zu", n);
	}
	CHECK_EQ(bad, 0);
	/* An empty key may be passed as NULL. */
	hmac_oneshot(NULL, 0, msg, sizeof(msg) - 1, b);
	hmac_oneshot(key, 0, msg, sizeof(msg) - 1, a);
	CHECK(memcmp(a, b, sizeof(a)) == 0);

	tap_test("hmac: 64- and 65-byte keys give different MACs");
	hmac_oneshot(key, 64, msg, sizeof(msg) - 1, a);
	hmac_oneshot(key, 65, msg, sizeof(msg) - 1, b);
	CHECK(memcmp(a, b, sizeof(a)) != 0);

	tap_test("hmac final wipes the context");
	{
		static const u8 zero[sizeof(h)];

		smw_hmac_init(&h, key, 32);
		smw_hmac_update(&h, msg, sizeof(msg) - 1);
		smw_hmac_final(&h, a);
		CHECK(memcmp(&h, zero, sizeof(h)) == 0);
	}
}

/* ------------------------------------------------------------------ */
/* Constant-time comparison                                            */

static void test_ct_memcmp(void)
{
	u8 a[64], b[64];
	size_t i;
	unsigned int bit;
	int bad = 0;

	for (i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (u8)(i * 7);

	tap_test("smw_ct_memcmp: equal buffers and empty length give 0");
	CHECK_EQ(smw_ct_memcmp(a, b, sizeof(a)), 0);
	CHECK_EQ(smw_ct_memcmp(a, b, 0), 0);
	CHECK_EQ(smw_ct_memcmp(a, a, sizeof(a)), 0);

	tap_test("smw_ct_memcmp: any single flipped bit gives 1");
	for (i = 0; i < sizeof(a); i++) {
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (u8)(1U << bit);
			if (smw_ct_memcmp(a, b, sizeof(a)) != 1 ||
			    smw_ct_memcmp(b, a, sizeof(a)) != 1)
				bad++;
			b[i] ^= (u8)(1U << bit);
		}
	}
	CHECK_EQ(bad, 0);
	b[10] = (u8)~a[10];
	CHECK_EQ(smw_ct_memcmp(a, b, sizeof(a)), 1);
	CHECK_EQ(smw_ct_memcmp(a, b, 10), 0);
	CHECK_EQ(smw_ct_memcmp(a, b, 11), 1);
}

int main(void)
{
	test_fips_vectors();
	test_padding_lengths();
	test_split_updates();
	test_rfc4231();
	test_hmac_keys();
	test_ct_memcmp();
	return tap_done();
}
