/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for authenticating
 * selfmig messages.
 *
 * All state lives in the structures below, which the caller provides; the
 * functions never allocate and keep no global state, so they are safe to
 * call from any context.  The final functions wipe the state they finish,
 * and key material is wiped from the stack before returning.
 */
#ifndef SELFMIG_CORE_SHA256_H
#define SELFMIG_CORE_SHA256_H

#include "compat.h"

#define SMW_SHA256_LEN		32	/* digest bytes */
#define SMW_SHA256_BLOCK	64	/* bytes per compression block */

struct smw_sha256 {
	u32 h[8];			/* chaining value */
	u64 len;			/* bytes hashed so far */
	u8 buf[SMW_SHA256_BLOCK];	/* partial block */
	unsigned int fill;		/* bytes used in buf */
};

void smw_sha256_init(struct smw_sha256 *s);
void smw_sha256_update(struct smw_sha256 *s, const void *data, size_t len);
/* Write the digest and wipe *s; init it again before reusing it. */
void smw_sha256_final(struct smw_sha256 *s, u8 out[SMW_SHA256_LEN]);
/* One-shot digest of data[0..len). */
void smw_sha256(const void *data, size_t len, u8 out[SMW_SHA256_LEN]);

struct smw_hmac {
	struct smw_sha256 inner, outer;
};

/* Key of any length; keys longer than 64 bytes are hashed first (RFC 2104). */
void smw_hmac_init(struct smw_hmac *h, const u8 *key, size_t key_len);
void smw_hmac_update(struct smw_hmac *h, const void *data, size_t len);
/* Write the MAC and wipe *h; init it again before reusing it. */
void smw_hmac_final(struct smw_hmac *h, u8 out[SMW_SHA256_LEN]);

/*
 * Compare a[0..len) with b[0..len) in time that depends only on len, for
 * checking MACs.  Returns 0 when equal and 1 otherwise (no ordering).
 */
int smw_ct_memcmp(const void *a, const void *b, size_t len);

#endif /* SELFMIG_CORE_SHA256_H */
