/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure building blocks of selfmig-workload: deterministic data patterns and
 * their verification, checksummed message framing, a small PRNG, a rate
 * limiter calculation and command-line parsing.  No I/O here, so all of it
 * is unit-tested (tests/unit/test_workload.c).
 */
#ifndef SMWL_WL_H
#define SMWL_WL_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ random */
struct smwl_rng {
	uint64_t s;
};

void smwl_rng_seed(struct smwl_rng *r, uint64_t seed);
uint64_t smwl_rng_next(struct smwl_rng *r);
/* Uniform in [0, n); n == 0 gives 0. */
uint64_t smwl_rng_below(struct smwl_rng *r, uint64_t n);
/* A 64-bit bijective mixer (finaliser); smwl_mix64(0) == 0. */
uint64_t smwl_mix64(uint64_t x);

/* ------------------------------------------------------------ patterns */
/*
 * A "block" (a page, a file chunk, a region) is identified by a key and a
 * generation.  Generation 0 is all zero bytes (fresh anonymous memory).  For
 * gen > 0 the first 8-byte word is a tag holding (key low 32 bits, gen low
 * 32 bits) and each further word is a hash of (key, gen, word index), so a
 * stale or misplaced block is recognisable.  Lengths need not be multiples
 * of 8: the tail uses the low bytes of the next word, little-endian.
 */
#define SMWL_TAG_SALT 0x5357574c00000000ull /* "SWWL" in the high half */

uint64_t smwl_pattern_word(uint64_t key, uint64_t gen, uint64_t idx);
void smwl_pattern_fill(void *buf, size_t len, uint64_t key, uint64_t gen);

struct smwl_mismatch {
	size_t offset;		/* first mismatching byte */
	uint8_t expected, got;	/* that byte */
	int tag_valid;		/* buffer starts with a well-formed tag */
	uint32_t tag_key, tag_gen; /* what the tag says, if tag_valid */
};

/* 0 if buf holds exactly the pattern, -1 (and *mm filled, if non-NULL). */
int smwl_pattern_check(const void *buf, size_t len, uint64_t key, uint64_t gen,
		       struct smwl_mismatch *mm);
/* Decode the tag at the start of buf (len >= 8); 0 if it is a valid tag. */
int smwl_pattern_tag(const void *buf, size_t len, uint32_t *key, uint32_t *gen);

/* Fill/check that also works at an arbitrary byte offset of a long stream
 * (key, offset) -> byte; used for file contents written in odd chunks. */
uint8_t smwl_stream_byte(uint64_t key, uint64_t gen, uint64_t off);
void smwl_stream_fill(void *buf, size_t len, uint64_t key, uint64_t gen, uint64_t off);
/* Returns -1 and the index of the first bad byte in *bad, or 0. */
int smwl_stream_check(const void *buf, size_t len, uint64_t key, uint64_t gen,
		      uint64_t off, size_t *bad);

/* ------------------------------------------------------------ messages */
/*
 * A message: 24-byte header + payload, all little-endian:
 *   0 magic "SMWM"   4 payload length   8 stream id   12 checksum
 *   16 sequence number (u64)
 * The payload is smwl_pattern_fill(stream id, seq + 1) of its length; the
 * checksum (FNV-1a 32 over header-with-zero-checksum and payload) covers all.
 */
#define SMWL_MSG_MAGIC	0x4d574d53u	/* "SMWM" as little-endian bytes */
#define SMWL_MSG_HDR	24
#define SMWL_MSG_MAXPAY	65536

struct smwl_msg {
	uint32_t len;		/* payload bytes */
	uint32_t stream;
	uint32_t csum;
	uint64_t seq;
};

enum smwl_msg_status {
	SMWL_MSG_OK = 0,
	SMWL_MSG_SHORT,		/* fewer bytes than header (+ payload) */
	SMWL_MSG_BAD_MAGIC,
	SMWL_MSG_BAD_LEN,	/* payload length over SMWL_MSG_MAXPAY */
	SMWL_MSG_BAD_CSUM,
	SMWL_MSG_BAD_PAYLOAD,	/* checksum fine but payload not the pattern */
};

uint32_t smwl_fnv1a(uint32_t h, const void *buf, size_t len);
#define SMWL_FNV_INIT 0x811c9dc5u

/* Encode into buf (cap bytes); returns total length or 0 if it does not fit. */
size_t smwl_msg_encode(void *buf, size_t cap, uint32_t stream, uint64_t seq,
		       uint32_t paylen);
/* Header only: magic and length checks; *total = header + payload length. */
enum smwl_msg_status smwl_msg_peek(const void *buf, size_t len, struct smwl_msg *m,
				   size_t *total);
/* Full decode and verification of one message at the start of buf. */
enum smwl_msg_status smwl_msg_decode(const void *buf, size_t len, struct smwl_msg *m);
const char *smwl_msg_status_str(enum smwl_msg_status st);

/* ------------------------------------------------------------ rate */
/* Nanoseconds to wait so that `bytes` done after `elapsed_ns` stays within
 * rate_bps bytes per second; 0 when unlimited (rate_bps == 0) or behind. */
uint64_t smwl_rate_delay_ns(uint64_t rate_bps, uint64_t bytes, uint64_t elapsed_ns);

/* ------------------------------------------------------------ options */
enum smwl_mode {
	SMWL_MODE_NONE = 0,
	SMWL_ANON_RANDOM,
	SMWL_ANON_SEQ,
	SMWL_FILE_WRITE,
	SMWL_MMAP_SHARED,
	SMWL_PIPES,
	SMWL_FORKSTORM,
	SMWL_CHURN,
	SMWL_NETRECV,
	SMWL_NETSEND,
	SMWL_COMPILE_MIX,
	SMWL_NOOP,
	SMWL_MODE_COUNT
};

#define SMWL_DEFAULT_PORT 7800

struct smwl_opts {
	enum smwl_mode mode;
	uint64_t mib;		/* resolved to the mode default if not given */
	double seconds;		/* 0: until SIGTERM/SIGINT */
	double rate_mib_s;	/* 0: unlimited */
	const char *dir;
	int quiet;
	uint16_t port;
	char target[64];	/* netsend: IPv4 address, no port */
	uint64_t seed;		/* 0: derived from time and pid */
};

const char *smwl_mode_name(enum smwl_mode m);
enum smwl_mode smwl_mode_parse(const char *s);
uint64_t smwl_mode_default_mib(enum smwl_mode m);

/* Parse argv (argv[0] is the program) with getopt_long: options anywhere,
 * numbers in decimal (userspace/common/args.h).  Returns 0 on success, 1 if
 * help was asked for, -1 on error with a message in err. */
int smwl_parse_args(int argc, char **argv, struct smwl_opts *o, char *err, size_t errlen);

#endif /* SMWL_WL_H */
