/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encoder and decoder of the selfmig page stream, whose format
 * docs/wire-format.md specifies.  The code is shared by the guest kernel
 * module (sender) and the userspace receiver; it never allocates memory and
 * never compresses: the caller owns every buffer and does any zlib work
 * itself.  The errors and header builders are in wire.c, the encoder in
 * wire_enc.c, the decoder in wire_dec.c.
 */
#ifndef SELFMIG_CORE_WIRE_H
#define SELFMIG_CORE_WIRE_H

#include "compat.h"
#include "selfmig_wire.h"

/*
 * Error codes.  Functions return 0 (or a positive status) on success and the
 * negated code on failure.  The values are stable: they appear in logs and
 * in the receiver's JSON summary.
 */
enum smw_err {
	SMW_OK = 0,
	SMW_E_BAD_MAGIC = 1,		/* stream does not start with the magic */
	SMW_E_BAD_VERSION = 2,		/* version not implemented */
	SMW_E_BAD_HDR_LEN = 3,		/* header_len is not 64 */
	SMW_E_HDR_CRC = 4,		/* stream header crc mismatch */
	SMW_E_HDR_FLAGS = 5,		/* unknown stream header flag */
	SMW_E_PAGE_SIZE = 6,		/* page_size is not 4096 */
	SMW_E_PAGE_COUNT = 7,		/* page_count is 0 or too large */
	SMW_E_WRONG_ID = 8,		/* migration id differs from expected */
	SMW_E_RECORD_CRC = 9,		/* record crc mismatch */
	SMW_E_SEQ_GAP = 10,		/* seq is not the next number */
	SMW_E_UNKNOWN_TYPE = 11,	/* record type not defined */
	SMW_E_OVERSIZE = 12,		/* payload_len above SMW_MAX_PAYLOAD */
	SMW_E_BAD_LENGTH = 13,		/* payload_len wrong for the type */
	SMW_E_TRUNCATED = 14,		/* stream ends inside a header or record */
	SMW_E_GFN_RANGE = 15,		/* gfn not below page_count */
	SMW_E_COUNT_MISMATCH = 16,	/* counts and lengths disagree */
	SMW_E_BAD_COUNT = 17,		/* count is 0 or above its maximum */
	SMW_E_PAGE_KIND = 18,		/* undefined page kind byte */
	SMW_E_RECORD_FLAGS = 19,	/* undefined or misplaced record flag */
	SMW_E_BAD_ROUND = 20,		/* round number out of order */
	SMW_E_ROUND_OPEN = 21,		/* END while the open round has pages */
	SMW_E_STATS_MISMATCH = 22,	/* ROUND_END disagrees with the round */
	SMW_E_TOTALS_MISMATCH = 23,	/* END disagrees with the stream */
	SMW_E_TRAILING = 24,		/* bytes after END */
	SMW_E_MISSING_END = 25,		/* stream stops between records, no END */
	SMW_E_RESERVED = 26,		/* a reserved field is not zero */
	SMW_E_ZLIB_CORRUPT = 27,	/* compressed page data does not inflate */
	SMW_E_ZLIB_OVERFLOW = 28,	/* compressed data inflates past data_len */
	SMW_E_ZLIB_SHORT = 29,		/* compressed data inflates short */
	SMW_E_INVAL = 30,		/* API misuse: bad argument or state */
	SMW_E_AUTH_REQUIRED = 31,	/* unauthenticated stream, key given */
	SMW_E_AUTH_TAG = 32,		/* authentication tag mismatch */
	SMW_E_NO_KEY = 33,		/* authenticated stream, no key given */
	SMW_E_KEY = 34,			/* the reader cannot derive the stream key */
	SMW_E_COUNT_ = 35
};

/* Short description and stable symbolic name ("bad_magic"); err or -err. */
const char *smw_strerror(int err);
const char *smw_errname(int err);

/* Stream header fields, decoded. */
struct smw_stream_info {
	u32 version;
	u32 flags;
	u32 page_size;
	u8 id[SMW_ID_LEN];
	u8 salt[SMW_SALT_LEN];		/* version 3; zero in version 1 */
	u64 page_count;
};

struct smw_round_stats {
	u32 round;
	u32 flags;			/* SMW_ROUNDF_* */
	u64 pages_scanned;
	u64 pages_dirty;
	u64 pages_sent;
	u64 pages_zero;
	u64 bytes_uncompressed;
	u64 bytes_compressed;
	u64 duration_ns;
	u64 rate;
};

struct smw_proc_entry {
	u32 pid;
	u32 pages;
	char comm[SMW_PROC_COMM_LEN];	/* NUL-padded, maybe not terminated */
};

struct smw_end_info {
	u64 total_pages;
	u64 total_bytes;
	u32 rounds;
};

/*
 * The reader's AEAD (version 3), supplied by the caller: the core frames
 * the stream but never implements a cipher.  begin() derives the stream
 * key from the migration id and the stream salt, once the stream header
 * has passed its own checks and before its tag is opened; 0, or nonzero
 * if it cannot.  open() decrypts buf[0..len) in place and checks tag, with
 * ad[0..ad_len) as associated data and the 96-bit nonce of docs/wire-format.md
 * built from nonce; it returns 0 if the tag matches and nonzero otherwise
 * (buf is then garbage).
 */
struct smw_aead {
	int (*begin)(void *ctx, const u8 id[SMW_ID_LEN],
		     const u8 salt[SMW_SALT_LEN]);
	int (*open)(void *ctx, u64 nonce, const u8 *ad, u32 ad_len, u8 *buf,
		    u32 len, const u8 tag[SMW_TAG_LEN]);
	void *ctx;
};

/* ------------------------------------------------------------------ */
/* Encoder                                                             */

/*
 * Low level: fill a record header for a contiguous payload, computing the
 * crc.  No checks and no state; useful for tools and tests.
 */
void smw_rec_hdr_build(u8 hdr[SMW_REC_HDR_LEN], u32 type, u32 flags, u32 seq,
		       const void *payload, u32 len);

/* Low level: fill a stream header. */
void smw_stream_hdr_build(u8 hdr[SMW_STREAM_HDR_LEN],
			  const u8 id[SMW_ID_LEN], u64 page_count);

/*
 * Stream state of a sender: sequence numbers, byte offset, and the per-round
 * and whole-stream counters that go into ROUND_END and END.  Fields are
 * read-only for callers.
 */
struct smw_encoder {
	u64 page_count;
	u64 offset;		/* bytes emitted, stream header included */
	u32 next_seq;
	u32 round;		/* the open round */
	u64 total_pages;
	u64 round_pages;
	u64 round_zero;
	u64 round_raw_bytes;
	u64 round_wire_bytes;
	int ended;
	int sealed;		/* version 3: the caller seals every part */
};

/* Start a stream: fills the 64-byte stream header to send first. */
int smw_enc_init(struct smw_encoder *enc, u8 hdr[SMW_STREAM_HDR_LEN],
		 const u8 id[SMW_ID_LEN], u64 page_count);

/*
 * Start a sealed (version 3) stream under salt, the SMW_SALT_LEN random
 * bytes the key was derived with.  The encoder builds every part in
 * clear as in version 1; the caller seals each part before it sends it:
 * the stream header with an empty plaintext, a record's payload in place,
 * with the part's header as associated data and smw_enc_nonce() as nonce,
 * and sends the tag after it.  The core itself does no cryptography.
 */
int smw_enc_init_sealed(struct smw_encoder *enc, u8 hdr[SMW_STREAM_HDR_LEN],
			const u8 id[SMW_ID_LEN], u64 page_count,
			const u8 salt[SMW_SALT_LEN]);

/* The nonce of the part built last: 0 for the header, seq + 1 for a record. */
static inline u64 smw_enc_nonce(const struct smw_encoder *enc)
{
	return enc->next_seq;
}

/*
 * A PAGES batch under construction.  meta is a caller buffer of
 * SMW_PAGES_META_MAX bytes (prefix, gfns, kinds); data is a caller buffer of
 * SMW_PAGES_DATA_MAX bytes receiving the RAW pages' contents.  The record on
 * the wire is: record header, meta[0..meta_len), then either data[0..data_len)
 * or the caller's zlib compression of it.
 */
struct smw_pages_batch {
	u8 *meta;
	u8 *data;
	u64 page_count;
	u32 round;
	u32 count;
	u32 meta_len;		/* valid after smw_enc_pages() */
	u32 data_len;		/* RAW pages * 4096 so far */
	u8 kinds[SMW_MAX_BATCH_PAGES];
};

void smw_pages_begin(const struct smw_encoder *enc, struct smw_pages_batch *b,
		     u8 *meta, u8 *data);
/* Add a page; page == NULL adds a zero marker.  -SMW_E_BAD_COUNT if full. */
int smw_pages_add(struct smw_pages_batch *b, u64 gfn, const void *page);
/* As smw_pages_add(), sending an all-zero page as a zero marker. */
int smw_pages_add_auto(struct smw_pages_batch *b, u64 gfn, const void *page);
int smw_page_is_zero(const void *page);
/* Copy a whole page, whatever it holds (not instrumented in the kernel). */
void smw_page_copy(void *dst, const void *src);

static inline int smw_pages_full(const struct smw_pages_batch *b)
{
	return b->count >= SMW_MAX_BATCH_PAGES;
}

/*
 * Close a non-empty batch: writes the prefix and kinds into b->meta, sets
 * b->meta_len and fills the record header.  body is b->data (body_len ==
 * b->data_len) or, with SMW_RECF_COMPRESSED in flags, the zlib stream of it.
 */
int smw_enc_pages(struct smw_encoder *enc, struct smw_pages_batch *b,
		  u8 hdr[SMW_REC_HDR_LEN], u32 flags,
		  const void *body, u32 body_len);

/*
 * Close the open round.  round, pages_sent, pages_zero and the two byte
 * counts come from the encoder; flags, pages_scanned, pages_dirty,
 * duration_ns and rate from st (which may be NULL).  payload receives
 * SMW_ROUND_END_LEN bytes.
 */
int smw_enc_round_end(struct smw_encoder *enc, u8 hdr[SMW_REC_HDR_LEN],
		      u8 payload[SMW_ROUND_END_LEN],
		      const struct smw_round_stats *st);

/*
 * PROC_STATS for round (at most the open one).  payload needs
 * SMW_PROC_PREFIX_LEN + n * SMW_PROC_ENTRY_LEN bytes (cap); *len receives
 * the payload length.
 */
int smw_enc_proc_stats(struct smw_encoder *enc, u8 hdr[SMW_REC_HDR_LEN],
		       u8 *payload, size_t cap, u32 round,
		       const struct smw_proc_entry *e, u32 n, u32 *len);

/* END; payload receives SMW_END_LEN bytes.  No record may follow. */
int smw_enc_end(struct smw_encoder *enc, u8 hdr[SMW_REC_HDR_LEN],
		u8 payload[SMW_END_LEN]);

/* ------------------------------------------------------------------ */
/* Decoder                                                             */

struct smw_pages_view {
	u32 round;
	u32 count;
	u32 data_len;		/* uncompressed page data length */
	u32 raw_count;		/* RAW pages: data_len / 4096 */
	u32 zero_count;
	int compressed;
	const u8 *gfns;		/* count little-endian u64: smw_pages_gfn() */
	const u8 *kinds;	/* count bytes */
	const u8 *body;		/* page data, or zlib stream if compressed */
	u32 body_len;
};

static inline u64 smw_pages_gfn(const struct smw_pages_view *v, u32 i)
{
	return smw_get_le64(v->gfns + 8 * (size_t)i);
}

struct smw_proc_view {
	u32 round;
	u32 count;
	const u8 *entries;	/* count * SMW_PROC_ENTRY_LEN bytes */
};

void smw_proc_get(const struct smw_proc_view *v, u32 i,
		  struct smw_proc_entry *e);

/* A decoded, fully validated record.  Pointers are into the decoder's
 * buffer and stay valid until the next smw_dec_feed() call.
 */
struct smw_record {
	u32 type;
	u32 flags;
	u32 seq;
	u32 len;		/* payload length */
	u64 offset;		/* stream offset of the record header */
	const u8 *payload;
	union {
		struct smw_pages_view pages;
		struct smw_round_stats round_end;
		struct smw_proc_view proc;
		struct smw_end_info end;
	} u;
};

/* smw_dec_feed() results besides negative errors. */
#define SMW_DEC_MORE	0	/* everything consumed, need more bytes */
#define SMW_DEC_HEADER	1	/* stream header accepted: see dec->info */
#define SMW_DEC_RECORD	2	/* *rec holds a record */

struct smw_decoder {
	int state;
	int err;			/* sticky negative error, or 0 */
	u8 *buf;			/* caller buffer for payloads */
	size_t cap;
	int check_id;
	int hdr_ok;			/* stream header accepted */
	u8 expect_id[SMW_ID_LEN];
	u8 hdr[SMW_STREAM_HDR_LEN];	/* stream or record header bytes */
	u32 have;			/* bytes gathered of the current part */
	u32 need;			/* bytes needed for the current part */
	u64 offset;			/* stream bytes consumed */
	u64 rec_offset;			/* stream offset of the current part */
	u64 next_seq;
	u32 rec_type;
	u32 rec_flags;
	u32 rec_len;
	u32 rec_crc;
	struct smw_stream_info info;
	/* Checked state. */
	u32 round;			/* the open round */
	u64 round_pages;
	u64 round_zero;
	u64 round_raw_bytes;
	u64 round_wire_bytes;
	u64 rounds_closed;
	u64 total_pages;
	const struct smw_aead *aead;	/* set: version 3 only */
	u8 tag[SMW_TAG_LEN];
};

/*
 * buf must hold SMW_MAX_PAYLOAD bytes.  expect_id may be NULL to accept any
 * migration id (offline inspection); the receiver always passes one.
 */
int smw_dec_init(struct smw_decoder *d, u8 *buf, size_t cap,
		 const u8 *expect_id);

/*
 * Require a sealed (version 3) stream, opened with aead; call after
 * smw_dec_init() and before feeding.  aead must outlive the decoder.
 */
void smw_dec_set_aead(struct smw_decoder *d, const struct smw_aead *aead);

/*
 * Feed len bytes.  *used receives how many were consumed; call again with
 * the rest after handling a SMW_DEC_HEADER or SMW_DEC_RECORD result.  Errors
 * are sticky.
 */
int smw_dec_feed(struct smw_decoder *d, const void *data, size_t len,
		 size_t *used, struct smw_record *rec);

/* The input has ended: 0 if END was decoded, else the error. */
int smw_dec_finish(struct smw_decoder *d);

/* 1 once the stream header has been accepted, 1 after END as well. */
int smw_dec_header_ok(const struct smw_decoder *d);
int smw_dec_done(const struct smw_decoder *d);

/*
 * Where the current (or failed) part starts: *offset is its stream offset,
 * *seq the sequence number a record there must carry, or -1 for the stream
 * header.
 */
void smw_dec_where(const struct smw_decoder *d, u64 *offset, s64 *seq);

#endif /* SELFMIG_CORE_WIRE_H */
