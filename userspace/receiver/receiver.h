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
#include "aead.h"

/* Receiver errors, numbered after the wire codes (enum smw_err). */
enum smr_err {
	SMR_E_IO = 100,		/* reading input or writing the image/meta */
	SMR_E_NOMEM = 101,	/* allocation failed */
	SMR_E_TIMEOUT = 102,	/* no input within the read deadline */
	SMR_E_PAGE_LIMIT = 103,	/* page_count above the receiver's limit */
	SMR_E_ROUND_LIMIT = 104,	/* more rounds than the receiver allows */
	SMR_E_BYTE_LIMIT = 105,	/* more stream bytes than the receiver allows */
};

/*
 * The receiver's own limits (docs/wire-format.md, Receiver limits): what a
 * sender may make it allocate, write and wait for.  A zero field in
 * struct smr_config takes the default here.
 */
#define SMR_DEF_MAX_PAGES	(1ULL << 22)	/* 16 GiB of guest memory */
#define SMR_DEF_MAX_ROUNDS	1000U
#define SMR_DEF_BYTES_FACTOR	16U		/* x the declared guest memory */
#define SMR_BYTES_SLACK		(16ULL << 20)	/* + this, for small guests */
#define SMR_DEF_IO_TIMEOUT_MS	60000U
#define SMR_DEF_MAX_TIME_MS	(4U * 3600U * 1000U)	/* a whole stream: 4 hours */
/* Connections at once that may wait for their stream header (serve.c). */
#define SMR_MAX_PENDING		16U

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
	 * sealed with the key derived from it (wire version 3).  NULL accepts
	 * only unsealed (version 1) streams.
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
	/*
	 * Limits; 0 takes the SMR_DEF_* default.  A stream header whose
	 * page_count is above max_pages is refused before anything is
	 * allocated or created; a PAGES or ROUND_END record of round
	 * max_rounds or later is refused; so is any byte beyond
	 * max_bytes_factor times the declared guest memory (page_count x
	 * 4096) plus SMR_BYTES_SLACK.  smr_run_fd() waits at most
	 * io_timeout_ms for each read, and a stream has max_time_ms from
	 * smr_init() to its END, however steadily a slow sender trickles.
	 */
	u64 max_pages;
	u32 max_rounds;
	u32 max_bytes_factor;
	unsigned int io_timeout_ms;
	unsigned int max_time_ms;
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
	struct smr_aead aead;		/* with cfg.key: the stream key */
	u8 *payload;			/* SMW_MAX_PAYLOAD */
	u8 *pages;			/* SMW_PAGES_DATA_MAX, inflate target */
	u8 *meta;			/* page_count entries of 8 bytes, with
					 * meta_path only */
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
	char err_detail[160];		/* limits: what and how much, or "" */
	u64 max_bytes;			/* stream bytes allowed, once the header is in */
};

int smr_init(struct smr_receiver *r, const struct smr_config *cfg);

/*
 * Read a key file (one authkey.h line) that only its owner may read or
 * write; its id must equal id.  0, or -1 with err set.
 */
int smr_load_key(const char *path, const u8 id[SMW_ID_LEN],
		 u8 key[SMW_KEY_LEN], char *err, size_t errlen);
/*
 * Whether a stream header's page_count is within cfg's limit (0), or not
 * (-SMR_E_PAGE_LIMIT, with a message in detail).
 */
int smr_check_page_count(const struct smr_config *cfg, u64 page_count,
			 char *detail, size_t len);
/* 0: need more input, 1: stream complete, < 0: error (see r->err). */
int smr_feed(struct smr_receiver *r, const void *data, size_t len);
/* The input has ended; 0 if the stream was complete. */
int smr_finish(struct smr_receiver *r);
/*
 * The stream's own deadline, max_time_ms from smr_init(): 0 with the time
 * left in *left_ms (at least 1), or, once it has passed, the timeout error,
 * recorded in r as any other.  For callers that read the stream themselves
 * (selfmig-hook self).
 */
int smr_stream_time_left(struct smr_receiver *r, unsigned int *left_ms);

/*
 * Read fd until the stream is complete (until_eof == 0) or until end of file
 * (until_eof != 0, so that trailing bytes are caught).  Each read waits at
 * most the configured io_timeout_ms (SMR_E_TIMEOUT).  Returns 0 or r->err.
 */
int smr_run_fd(struct smr_receiver *r, int fd, int until_eof);
/*
 * Flush and close the image, write the metadata file if the stream header
 * was accepted, and free everything.  Returns 0 or the first error.
 */
int smr_close(struct smr_receiver *r);

/* Waiting for the connection whose stream is accepted (serve.c). */
struct smr_serve_opts {
	unsigned int wait_ms;	/* give up after this long; 0: never */
	FILE *log;		/* a line per connection and refusal; NULL: none */
};

/*
 * Accept connections on lfd until one sends a stream header that cfg
 * accepts (its id, secret and page count), with up to SMR_MAX_PENDING
 * waiting at once, each for at most the read deadline; the others are
 * refused or dropped, and logged.  Returns the accepted connection, with r
 * initialised and fed its first bytes (r->err set if they already failed
 * it: its outcome is final), or -1 with err set (r untouched).
 */
int smr_accept_stream(int lfd, const struct smr_config *cfg,
		      const struct smr_serve_opts *o, struct smr_receiver *r,
		      char *peer, size_t peerlen, char *err, size_t errlen);

/* One-line description of r's error (no trailing newline). */
void smr_error_line(const struct smr_receiver *r, char *buf, size_t len);
void smr_print_summary(const struct smr_receiver *r, FILE *f);
int smr_write_json(const struct smr_receiver *r, const char *path);

/* Seconds (a decimal number, 0.01 to 86400) into milliseconds; 0 or -EINVAL. */
int smr_parse_seconds(const char *s, unsigned int *ms);

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
