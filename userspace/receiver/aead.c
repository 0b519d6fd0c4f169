// SPDX-License-Identifier: GPL-2.0
/*
 * The page stream's seal through OpenSSL's libcrypto: HKDF-SHA256 for the
 * key, ChaCha20-Poly1305 (RFC 8439) for each part.  The nonce is the 96-bit
 * one of docs/wire-format.md: four zero bytes, then the 64-bit counter,
 * little-endian; the module's kernel library builds the same.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "aead.h"

int smr_stream_key(const u8 secret[SMW_KEY_LEN], const u8 id[SMW_ID_LEN],
		   const u8 salt[SMW_SALT_LEN], u8 key[SMW_KEY_LEN])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	u8 hsalt[SMW_ID_LEN + SMW_SALT_LEN];
	OSSL_PARAM p[5];
	int ok = 0;

	EVP_KDF_free(kdf);
	if (!ctx)
		return -1;
	memcpy(hsalt, id, SMW_ID_LEN);
	memcpy(hsalt + SMW_ID_LEN, salt, SMW_SALT_LEN);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)secret, SMW_KEY_LEN);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 hsalt, sizeof(hsalt));
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)SMW_KDF_INFO,
						 SMW_KDF_INFO_LEN);
	p[4] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(ctx, key, SMW_KEY_LEN, p) > 0;
	EVP_KDF_CTX_free(ctx);
	if (!ok)
		OPENSSL_cleanse(key, SMW_KEY_LEN);
	return ok ? 0 : -1;
}

void smr_aead_init(struct smr_aead *a, const u8 secret[SMW_KEY_LEN])
{
	memset(a, 0, sizeof(*a));
	memcpy(a->secret, secret, SMW_KEY_LEN);
	a->ops.begin = smr_aead_begin;
	a->ops.open = smr_aead_open;
	a->ops.ctx = a;
}

void smr_aead_wipe(struct smr_aead *a)
{
	OPENSSL_cleanse(a->secret, sizeof(a->secret));
	OPENSSL_cleanse(a->key, sizeof(a->key));
	a->keyed = 0;
}

int smr_aead_begin(void *ctx, const u8 id[SMW_ID_LEN],
		   const u8 salt[SMW_SALT_LEN])
{
	struct smr_aead *a = ctx;

	a->keyed = !smr_stream_key(a->secret, id, salt, a->key);
	return a->keyed ? 0 : -1;
}

static void smr_nonce(u8 iv[12], u64 nonce)
{
	memset(iv, 0, 4);
	smw_put_le64(iv + 4, nonce);
}

/* One part, either way (enc 1: seal, 0: open); 0 or -1. */
static int smr_aead_part(int enc, const u8 key[SMW_KEY_LEN], u64 nonce,
			 const u8 *ad, u32 ad_len, u8 *buf, u32 len, u8 *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	u8 iv[12];
	int n, ok;

	if (!c)
		return -1;
	smr_nonce(iv, nonce);
	ok = EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), NULL, NULL, NULL,
			       enc) > 0 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, sizeof(iv), NULL) > 0 &&
	     EVP_CipherInit_ex(c, NULL, NULL, key, iv, enc) > 0 &&
	     (!ad_len || EVP_CipherUpdate(c, NULL, &n, ad, (int)ad_len) > 0) &&
	     (!len || EVP_CipherUpdate(c, buf, &n, buf, (int)len) > 0);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, SMW_TAG_LEN,
					 tag) > 0;
	if (ok)
		ok = EVP_CipherFinal_ex(c, iv, &n) > 0;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, SMW_TAG_LEN,
					 tag) > 0;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

int smr_aead_seal(const u8 key[SMW_KEY_LEN], u64 nonce, const u8 *ad,
		  u32 ad_len, u8 *buf, u32 len, u8 tag[SMW_TAG_LEN])
{
	return smr_aead_part(1, key, nonce, ad, ad_len, buf, len, tag);
}

int smr_aead_open(void *ctx, u64 nonce, const u8 *ad, u32 ad_len, u8 *buf,
		  u32 len, const u8 tag[SMW_TAG_LEN])
{
	const struct smr_aead *a = ctx;
	u8 t[SMW_TAG_LEN];

	if (!a->keyed)
		return -1;
	memcpy(t, tag, sizeof(t));
	return smr_aead_part(0, a->key, nonce, ad, ad_len, buf, len, t);
}
