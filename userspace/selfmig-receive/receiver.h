/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig-receive: applying a decoded page stream to an image file.
 *
 * The receiver owns the decoder, the image file and the in-memory metadata
 * table.  Bytes go in through smr_feed() (or smr_run_fd()); each record is
 * applied only after the decoder has validated it completely and, for a
 * compressed batch, after the page data has inflated to exactly its stated
 * length, so a rejected record never changes the image.
 */
#ifndef SELFMIG_RECEIVE_RECEIVER_H
#define SELFMIG_RECEIVE_RECEIVER_H

#include <stdio.h>
#include "wire.h"

/* Receiver errors, numbered after the wire codes (enum smw_err). */
enum smr_err {
	SMR_E_IO = 100,		/* reading input or writing the image/meta */
	SMR_E_NOMEM = 101,	/* allocation failed */
};

const char *smr_errname(int err);
const char *smr_strerror(int err);

struct smr_config {
	const char *image_path;		/* NULL: no image, page_fn only */
	const char *meta_path;		/* NULL: no metadata file */
	u8 id[SMW_ID_LEN];
	int verbose;
	FILE *out;			/* progress lines; NULL for none */
	/*
	 * Called for every page applied, in stream order, with its data
	 * (NULL for a zero page); non-zero (errno set) fails the stream.
	 */
	int (*page_fn)(void *ctx, u64 gfn, const u8 *page);
	void *page_ctx;
	/*
	 * The migration's secret (SMW_KEY_LEN bytes): the stream must be
	 * authenticated with it (wire version 2).  NULL accepts only
	 * unauthenticated (version 1) streams.
	 */
	const u8 *key;
	/*
	 * Fault injection (test builds, SELFMIG_FAULT=receiver-crash:MiB):
	 * once this many stream bytes have arrived the process exits at once,
	 * with no clean-up, as a crash would.  0: never.
	 */
	u64 crash_after;
	/*
	 * Diagnosis: every byte read from the connection is also written
	 * here, as it arrived, before it is decoded (-1: none).  Compared
	 * with a capture of the same connection, it tells where bytes
	 * changed (docs/testbed.md).  0, standard input, means none.
	 */
	int tee_fd;
	/*
	 * Diagnosis: a record that fails its crc or authentication tag is
	 * written whole, as the decoder holds it (header, then payload), to
	 * DIR/bad-record-SEQ.bin, with its stream offset in the name of a
	 * second file, for comparison with what arrived.  NULL: no.
	 */
	const char *keep_bad_dir;
};

struct smr_stats {
	u64 rounds;			/* ROUND_END records applied */
	u64 records;
	u64 pages;			/* PAGES entries applied */
	u64 raw_pages;
	u64 zero_pages;
	u64 compressed_batches;
	u64 stream_bytes;		/* bytes accepted from the input */
	u64 page_bytes;			/* uncompressed page data written */
	u64 proc_records;
};

struct smr_receiver {
	struct smr_config cfg;
	struct smw_decoder dec;
	u8 *payload;			/* SMW_MAX_PAYLOAD */
	u8 *pages;			/* SMW_PAGES_DATA_MAX, inflate target */
	u8 *meta;			/* page_count entries of 8 bytes */
	int image_fd;
	int punch_ok;			/* hole punching still believed to work */
	u64 page_count;
	int complete;			/* END applied */
	struct smr_stats st;
	double t_start;
	double t_end;
	/* The first error, if any. */
	int err;			/* negative smw_err or smr_err */
	int sys_errno;
	const char *err_what;		/* operation that failed, or NULL */
	s64 err_seq;			/* -1: stream header */
	u64 err_offset;
};

int smr_init(struct smr_receiver *r, const struct smr_config *cfg);

/*
 * Read a key file (one authkey.h line) that only its owner may read or
 * write; its id must equal id.  0, or -1 with err set.
 */
int smr_load_key(const char *path, const u8 id[SMW_ID_LEN],
		 u8 key[SMW_KEY_LEN], char *err, size_t errlen);
/* 0: need more input, 1: stream complete, < 0: error (see r->err). */
int smr_feed(struct smr_receiver *r, const void *data, size_t len);
/* The input has ended; 0 if the stream was complete. */
int smr_finish(struct smr_receiver *r);
/*
 * Read fd until the stream is complete (until_eof == 0) or until end of file
 * (until_eof != 0, so that trailing bytes are caught).  Returns 0 or r->err.
 */
int smr_run_fd(struct smr_receiver *r, int fd, int until_eof);
/*
 * Flush and close the image, write the metadata file if the stream header
 * was accepted, and free everything.  Returns 0 or the first error.
 */
int smr_close(struct smr_receiver *r);

/* One-line description of r's error (no trailing newline). */
void smr_error_line(const struct smr_receiver *r, char *buf, size_t len);
void smr_print_summary(const struct smr_receiver *r, FILE *f);
int smr_write_json(const struct smr_receiver *r, const char *path);

/* Parse 32 hex digits ('-' separators allowed) into id; 0 or -EINVAL. */
int smr_parse_id(const char *hex, u8 id[SMW_ID_LEN]);

/* Inflate src into exactly dst_len bytes at dst; 0 or a negative code. */
int smr_inflate_exact(const u8 *src, u32 src_len, u8 *dst, u32 dst_len);

/*
 * Metadata file (see docs/wire-format.md): a 40-byte header, then per gfn
 * {round u32, crc32c u32}, little-endian.  Round SMR_META_NEVER means the
 * page was never written.
 */
#define SMR_META_MAGIC		"SELFMETA"	/* 8 bytes, no NUL */
#define SMR_META_VERSION	1U
#define SMR_META_HDR_LEN	40U
#define SMR_META_ENTRY_LEN	8U
#define SMR_META_NEVER		0xFFFFFFFFU
#define SMR_META_F_COMPLETE	0x1U

#define SMR_MH_MAGIC		0
#define SMR_MH_VERSION		8
#define SMR_MH_HDR_LEN		12
#define SMR_MH_PAGE_COUNT	16
#define SMR_MH_FLAGS		24
#define SMR_MH_ROUNDS		28
#define SMR_MH_ENTRIES_CRC	32
#define SMR_MH_CRC		36

/* Allocate a table of page_count entries, all "never written". */
u8 *smr_meta_alloc(u64 page_count);
void smr_meta_set(u8 *meta, u64 gfn, u32 round, u32 crc);
void smr_meta_get(const u8 *meta, u64 gfn, u32 *round, u32 *crc);
void smr_meta_header(u8 hdr[SMR_META_HDR_LEN], const u8 *meta,
		     u64 page_count, u32 flags, u32 rounds);
/* Write atomically (temporary file and rename); 0 or -errno. */
int smr_meta_write(const char *path, const u8 *meta, u64 page_count,
		   u32 flags, u32 rounds);
/*
 * Read and verify a metadata file; returns a malloc'd table and fills
 * *page_count, *flags and *rounds, or NULL with errno set (EINVAL for a bad
 * file).
 */
u8 *smr_meta_read(const char *path, u64 *page_count, u32 *flags,
		  u32 *rounds);

#endif /* SELFMIG_RECEIVE_RECEIVER_H */
