// SPDX-License-Identifier: GPL-2.0
/*
 * The stream's seal (version 3 of docs/wire-format.md): the key, derived from
 * dom0's secret with HKDF-SHA256 through the crypto API's hmac(sha256), and
 * ChaCha20-Poly1305 over each part, through the kernel's library functions.
 *
 * Those functions take the key on every call and keep no keyed state: the
 * cipher's state lives on the stack for one call and is wiped before it
 * returns.  So the only frame that holds key material is the key page
 * here, which the migration owns alone.  The sender never puts it in the
 * stream, and it is wiped and freed before the freeze, so that the final
 * set lists it as free: dom0 copies it only if someone else has taken and
 * written it since, and the destination never needs its old contents.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/string.h>
#include <linux/random.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <crypto/chacha20poly1305.h>

#include "selfmig.h"
#include "wire.h"
#include "migrate.h"

/*
 * HKDF (RFC 5869) with SHA-256, one output block: key = T(1).  The salt is
 * the migration id followed by the stream's own random salt.
 */
static int seal_hkdf(const u8 secret[SMW_KEY_LEN], const u8 id[SMW_ID_LEN],
		     const u8 salt[SMW_SALT_LEN], u8 key[SMW_KEY_LEN])
{
	static const u8 one = 1;
	struct crypto_shash *tfm;
	u8 prk[SHA256_DIGEST_SIZE], hsalt[SMW_ID_LEN + SMW_SALT_LEN];
	int ret;

	BUILD_BUG_ON(SMW_KEY_LEN != SHA256_DIGEST_SIZE);
	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	memcpy(hsalt, id, SMW_ID_LEN);
	memcpy(hsalt + SMW_ID_LEN, salt, SMW_SALT_LEN);
	/* Extract: the salts are HMAC's key, the secret its message. */
	ret = crypto_shash_setkey(tfm, hsalt, sizeof(hsalt));
	if (!ret)
		ret = crypto_shash_tfm_digest(tfm, secret, SMW_KEY_LEN, prk);
	/* Expand: one block of the stream's info. */
	if (!ret)
		ret = crypto_shash_setkey(tfm, prk, sizeof(prk));
	if (!ret) {
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_init(desc) ?:
		      crypto_shash_update(desc, SMW_KDF_INFO, SMW_KDF_INFO_LEN) ?:
		      crypto_shash_finup(desc, &one, 1, key);
		shash_desc_zero(desc);
	}
	memzero_explicit(prk, sizeof(prk));
	/* The tfm's keyed state is wiped as it is freed. */
	crypto_free_shash(tfm);
	if (ret)
		memzero_explicit(key, SMW_KEY_LEN);
	return ret;
}

int selfmig_seal_init(struct selfmig_mig *m, const u8 secret[SMW_KEY_LEN])
{
	int ret;

	m->key_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!m->key_page)
		return -ENOMEM;
	m->key = page_address(m->key_page);
	m->key_pfn = page_to_pfn(m->key_page);
	/* A stream of its own, even if the id and the secret come again. */
	get_random_bytes(m->salt, sizeof(m->salt));
	ret = seal_hkdf(secret, m->cfg.id, m->salt, m->key);
	if (ret)
		selfmig_seal_free(m);
	return ret;
}

bool selfmig_seal_frame(const struct selfmig_mig *m, unsigned long pfn)
{
	return m->key_page && pfn == m->key_pfn;
}

void selfmig_seal_part(struct selfmig_mig *m, const u8 *ad, u32 ad_len,
		       u8 *buf, u32 len)
{
	chacha20poly1305_encrypt(buf, buf, len, ad, ad_len,
				 smw_enc_nonce(&m->enc), m->key);
}

void selfmig_seal_free(struct selfmig_mig *m)
{
	if (!m->key_page)
		return;
	memzero_explicit(m->key, PAGE_SIZE);
	__free_page(m->key_page);
	m->key_page = NULL;
	m->key = NULL;
}
