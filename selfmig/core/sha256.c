// SPDX-License-Identifier: GPL-2.0
/*
 * SHA-256 as specified in FIPS 180-4, and HMAC-SHA256 (RFC 2104).
 *
 * The compression function keeps only a 16-word window of the message
 * schedule and runs the 64 rounds eight at a time, renaming the working
 * variables instead of shifting them.  Whole blocks are hashed straight
 * from the caller's buffer; only a trailing partial block is copied into
 * the context.  Secrets (the padded HMAC key, the message schedule, the
 * finished contexts) are wiped with a store the compiler may not drop.
 */
#include "sha256.h"

/* First 32 bits of the fractional parts of the cube roots of the first
 * 64 primes.
 */
static const u32 smw_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* First 32 bits of the fractional parts of the square roots of the first
 * eight primes.
 */
static const u32 smw_sha256_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/*
 * Zero len bytes at p in a way the optimiser cannot remove even though
 * the memory is dead afterwards.
 */
static void smw_wipe(void *p, size_t len)
{
#ifdef __KERNEL__
	memzero_explicit(p, len);
#else
	memset(p, 0, len);
	/* Pretend to read p so that the memset stays. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
#endif
}

static inline u32 smw_get_be32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) |
	       (u32)p[3];
}

static inline void smw_put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static inline u32 smw_ror32(u32 x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline u32 smw_sha256_ch(u32 x, u32 y, u32 z)
{
	return z ^ (x & (y ^ z));
}

static inline u32 smw_sha256_maj(u32 x, u32 y, u32 z)
{
	return (x & y) | (z & (x | y));
}

static inline u32 smw_sha256_bsig0(u32 x)
{
	return smw_ror32(x, 2) ^ smw_ror32(x, 13) ^ smw_ror32(x, 22);
}

static inline u32 smw_sha256_bsig1(u32 x)
{
	return smw_ror32(x, 6) ^ smw_ror32(x, 11) ^ smw_ror32(x, 25);
}

static inline u32 smw_sha256_ssig0(u32 x)
{
	return smw_ror32(x, 7) ^ smw_ror32(x, 18) ^ (x >> 3);
}

static inline u32 smw_sha256_ssig1(u32 x)
{
	return smw_ror32(x, 17) ^ smw_ror32(x, 19) ^ (x >> 10);
}

/*
 * One round.  Of the eight working variables only d and h change: d gains
 * T1 (it becomes the next e) and h becomes T1 + T2 (the next a).  The
 * caller rotates the names for the following round.  kw is K[t] + W[t].
 */
static inline void smw_sha256_round(u32 a, u32 b, u32 c, u32 *d,
				    u32 e, u32 f, u32 g, u32 *h, u32 kw)
{
	u32 t1 = *h + smw_sha256_bsig1(e) + smw_sha256_ch(e, f, g) + kw;

	*d += t1;
	*h = t1 + smw_sha256_bsig0(a) + smw_sha256_maj(a, b, c);
}

/* W[t] for t >= 16, computed in place over W[t - 16] in the window. */
static inline u32 smw_sha256_sched(u32 *w, unsigned int t)
{
	w[t & 15] += smw_sha256_ssig1(w[(t - 2) & 15]) + w[(t - 7) & 15] +
		     smw_sha256_ssig0(w[(t - 15) & 15]);
	return w[t & 15];
}

static inline u32 smw_sha256_w(u32 *w, unsigned int t)
{
	return t < 16 ? w[t] : smw_sha256_sched(w, t);
}

/* Hash nblocks consecutive 64-byte blocks at p into the chaining value st. */
static void smw_sha256_blocks(u32 *st, const u8 *p, size_t nblocks)
{
	u32 w[16];
	u32 a, b, c, d, e, f, g, h;
	const u32 *k;
	unsigned int t;

	while (nblocks--) {
		for (t = 0; t < 16; t++)
			w[t] = smw_get_be32(p + 4 * t);
		a = st[0];
		b = st[1];
		c = st[2];
		d = st[3];
		e = st[4];
		f = st[5];
		g = st[6];
		h = st[7];
		for (t = 0; t < 64; t += 8) {
			k = smw_sha256_k + t;
			smw_sha256_round(a, b, c, &d, e, f, g, &h,
					 k[0] + smw_sha256_w(w, t));
			smw_sha256_round(h, a, b, &c, d, e, f, &g,
					 k[1] + smw_sha256_w(w, t + 1));
			smw_sha256_round(g, h, a, &b, c, d, e, &f,
					 k[2] + smw_sha256_w(w, t + 2));
			smw_sha256_round(f, g, h, &a, b, c, d, &e,
					 k[3] + smw_sha256_w(w, t + 3));
			smw_sha256_round(e, f, g, &h, a, b, c, &d,
					 k[4] + smw_sha256_w(w, t + 4));
			smw_sha256_round(d, e, f, &g, h, a, b, &c,
					 k[5] + smw_sha256_w(w, t + 5));
			smw_sha256_round(c, d, e, &f, g, h, a, &b,
					 k[6] + smw_sha256_w(w, t + 6));
			smw_sha256_round(b, c, d, &e, f, g, h, &a,
					 k[7] + smw_sha256_w(w, t + 7));
		}
		st[0] += a;
		st[1] += b;
		st[2] += c;
		st[3] += d;
		st[4] += e;
		st[5] += f;
		st[6] += g;
		st[7] += h;
		p += SMW_SHA256_BLOCK;
	}
	smw_wipe(w, sizeof(w));
}

void smw_sha256_init(struct smw_sha256 *s)
{
	memcpy(s->h, smw_sha256_iv, sizeof(s->h));
	s->len = 0;
	s->fill = 0;
}

void smw_sha256_update(struct smw_sha256 *s, const void *data, size_t len)
{
	const u8 *p = data;
	size_t n;

	if (!len)
		return;
	s->len += len;

	/* Top up a pending partial block first. */
	if (s->fill) {
		n = SMW_SHA256_BLOCK - s->fill;
		if (n > len)
			n = len;
		memcpy(s->buf + s->fill, p, n);
		s->fill += (unsigned int)n;
		p += n;
		len -= n;
		if (s->fill < SMW_SHA256_BLOCK)
			return;
		smw_sha256_blocks(s->h, s->buf, 1);
		s->fill = 0;
	}

	/* Whole blocks straight from the input. */
	n = len / SMW_SHA256_BLOCK;
	if (n) {
		smw_sha256_blocks(s->h, p, n);
		p += n * SMW_SHA256_BLOCK;
		len -= n * SMW_SHA256_BLOCK;
	}

	if (len) {
		memcpy(s->buf, p, len);
		s->fill = (unsigned int)len;
	}
}

void smw_sha256_final(struct smw_sha256 *s, u8 out[SMW_SHA256_LEN])
{
	u64 bits = s->len << 3;
	unsigned int fill = s->fill;
	unsigned int i;

	/* Padding: 0x80, zeros, then the message length in bits (big-endian)
	 * in the last eight bytes of a block.
	 */
	s->buf[fill++] = 0x80;
	if (fill > SMW_SHA256_BLOCK - 8) {
		memset(s->buf + fill, 0, SMW_SHA256_BLOCK - fill);
		smw_sha256_blocks(s->h, s->buf, 1);
		fill = 0;
	}
	memset(s->buf + fill, 0, SMW_SHA256_BLOCK - 8 - fill);
	smw_put_be32(s->buf + SMW_SHA256_BLOCK - 8, (u32)(bits >> 32));
	smw_put_be32(s->buf + SMW_SHA256_BLOCK - 4, (u32)bits);
	smw_sha256_blocks(s->h, s->buf, 1);

	for (i = 0; i < 8; i++)
		smw_put_be32(out + 4 * i, s->h[i]);
	smw_wipe(s, sizeof(*s));
}

void smw_sha256(const void *data, size_t len, u8 out[SMW_SHA256_LEN])
{
	struct smw_sha256 s;

	smw_sha256_init(&s);
	smw_sha256_update(&s, data, len);
	smw_sha256_final(&s, out);
}

void smw_hmac_init(struct smw_hmac *h, const u8 *key, size_t key_len)
{
	u8 pad[SMW_SHA256_BLOCK];
	unsigned int i;

	/* The key, zero-padded to a block; a long key is replaced by its hash. */
	memset(pad, 0, sizeof(pad));
	if (key_len > SMW_SHA256_BLOCK)
		smw_sha256(key, key_len, pad);
	else if (key_len)
		memcpy(pad, key, key_len);

	for (i = 0; i < SMW_SHA256_BLOCK; i++)
		pad[i] ^= 0x36;
	smw_sha256_init(&h->inner);
	smw_sha256_update(&h->inner, pad, sizeof(pad));

	for (i = 0; i < SMW_SHA256_BLOCK; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	smw_sha256_init(&h->outer);
	smw_sha256_update(&h->outer, pad, sizeof(pad));

	smw_wipe(pad, sizeof(pad));
}

void smw_hmac_update(struct smw_hmac *h, const void *data, size_t len)
{
	smw_sha256_update(&h->inner, data, len);
}

void smw_hmac_final(struct smw_hmac *h, u8 out[SMW_SHA256_LEN])
{
	u8 ihash[SMW_SHA256_LEN];

	smw_sha256_final(&h->inner, ihash);
	smw_sha256_update(&h->outer, ihash, sizeof(ihash));
	smw_sha256_final(&h->outer, out);
	smw_wipe(ihash, sizeof(ihash));
}

int smw_ct_memcmp(const void *a, const void *b, size_t len)
{
	const u8 *x = a;
	const u8 *y = b;
	u32 diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	/* 0 stays 0, any of 1..255 becomes 1, without a branch. */
	return (int)((diff + 0xff) >> 8);
}
