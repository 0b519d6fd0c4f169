/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page stream's seal (version 3 of docs/wire-format.md) in userspace: the
 * key derived from the migration's secret, and ChaCha20-Poly1305 to open
 * and seal parts, both through OpenSSL's libcrypto.
 */
#ifndef SELFMIG_RECEIVE_AEAD_H
#define SELFMIG_RECEIVE_AEAD_H

#include "wire.h"

/*
 * An opener for the decoder (smw_dec_set_aead()): the ops, the secret, and
 * the key derived from it once a stream header brings its salt.
 */
struct smr_aead {
	struct smw_aead ops;
	u8 secret[SMW_KEY_LEN];
	u8 key[SMW_KEY_LEN];
	int keyed;
};

/*
 * The key of one stream of migration id: HKDF-SHA256 of secret, salt id
 * followed by the stream's salt, info SMW_KDF_INFO.  0, or -1 if
 * libcrypto fails.
 */
int smr_stream_key(const u8 secret[SMW_KEY_LEN], const u8 id[SMW_ID_LEN],
		   const u8 salt[SMW_SALT_LEN], u8 key[SMW_KEY_LEN]);

/* Keep the secret in a and point a->ops at a. */
void smr_aead_init(struct smr_aead *a, const u8 secret[SMW_KEY_LEN]);
/* Forget the secret and the key. */
void smr_aead_wipe(struct smr_aead *a);
/* The decoder's begin(): derive the stream's key.  ctx is a struct smr_aead. */
int smr_aead_begin(void *ctx, const u8 id[SMW_ID_LEN],
		   const u8 salt[SMW_SALT_LEN]);

/*
 * Seal buf[0..len) in place under key and nonce (as docs/wire-format.md builds
 * it), with ad as associated data, and write the tag.  For tools and
 * tests: the stream's sender is the module.  0, or -1.
 */
int smr_aead_seal(const u8 key[SMW_KEY_LEN], u64 nonce, const u8 *ad,
		  u32 ad_len, u8 *buf, u32 len, u8 tag[SMW_TAG_LEN]);
/* The opener: ctx is a struct smr_aead.  0 if the tag matches. */
int smr_aead_open(void *ctx, u64 nonce, const u8 *ad, u32 ad_len, u8 *buf,
		  u32 len, const u8 tag[SMW_TAG_LEN]);

#endif /* SELFMIG_RECEIVE_AEAD_H */
