/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing and walking Xen's own save/migration stream, as stock xl and libxl
 * read it (docs/xen-stream.md):
 *
 *   xl save-file header   "Xen saved domain, xl format\n \0 \r", flags, the
 *                         domain configuration;
 *   libxl stream          header "LibxlFmt" v2, records, END;
 *     LIBXC_CONTEXT       followed by the libxc stream:
 *       image header      "XENF" v3, domain header (x86 HVM, 4 KiB pages),
 *       records           CPUID and MSR policy, STATIC_DATA_END, PAGE_DATA
 *                         (any number, a pfn may repeat: the last one wins),
 *                         X86_TSC_INFO, HVM_CONTEXT, HVM_PARAMS, END.
 *
 * selfmig writes this stream so that stock `xl restore` / `xl
 * migrate-receive` build the destination domain.  Every writer goes through
 * one sink; the walker checks framing, lengths, padding and the order rules
 * that Xen's restore relies on, and never reads outside its buffer.
 */
#ifndef SELFMIG_COMMON_XENSTREAM_H
#define SELFMIG_COMMON_XENSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SXS_PAGE_SIZE 4096u
/* Pages per PAGE_DATA record: well inside libxc's record length limit. */
#define SXS_BATCH_MAX 512u

/* libxl record types. */
enum {
	SXS_LIBXL_END = 0,
	SXS_LIBXL_LIBXC_CONTEXT = 1,
	SXS_LIBXL_EMULATOR_XENSTORE = 2,
	SXS_LIBXL_EMULATOR_CONTEXT = 3,
	SXS_LIBXL_CHECKPOINT_END = 4,
};

/* libxc record types used by an x86 HVM (and PVH) stream. */
enum {
	SXS_REC_END = 0x00,
	SXS_REC_PAGE_DATA = 0x01,
	SXS_REC_TSC_INFO = 0x08,
	SXS_REC_HVM_CONTEXT = 0x09,
	SXS_REC_HVM_PARAMS = 0x0a,
	SXS_REC_STATIC_DATA_END = 0x10,
	SXS_REC_CPUID_POLICY = 0x11,
	SXS_REC_MSR_POLICY = 0x12,
	SXS_REC_MAX = 0x12,
};

/* Page types in a PAGE_DATA pfn word (bits 60-63). */
#define SXS_PFN_MASK ((UINT64_C(1) << 52) - 1)
#define SXS_TYPE_SHIFT 60
#define SXS_TYPE_NOTAB UINT64_C(0x0)	/* a page with data */
#define SXS_TYPE_XALLOC UINT64_C(0xe)	/* populate, no data */
#define SXS_TYPE_XTAB UINT64_C(0xf)	/* not populated, no data */

/* Where the bytes go.  write returns 0, or -1 with errno set. */
struct sxs_sink {
	int (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
	uint64_t bytes;		/* written so far */
};

struct sxs_hvm_param {
	uint64_t index;
	uint64_t value;
};

struct sxs_tsc_info {
	uint32_t mode;
	uint32_t khz;
	uint64_t nsec;
	uint32_t incarnation;
};

/*
 * The xl save-file header.  config is the domain configuration (len bytes,
 * NUL included when json), as libxl JSON when json, else as xl config text.
 */
int sxs_write_xl_header(struct sxs_sink *s, const void *config, uint32_t len,
			bool json);
/* libxl header, then the LIBXC_CONTEXT record that opens the libxc stream. */
int sxs_write_libxl_start(struct sxs_sink *s);
/* libxc image header (v3) and x86 HVM domain header. */
int sxs_write_libxc_start(struct sxs_sink *s, uint32_t xen_major,
			  uint32_t xen_minor);
/* One libxc record of any type; the body is padded to 8 bytes. */
int sxs_write_record(struct sxs_sink *s, uint32_t type, const void *body,
		     uint32_t len);
/*
 * One PAGE_DATA record: n (1..SXS_BATCH_MAX) pfns with their types, and
 * the data of the NOTAB ones, 4 KiB each in pfn order, in pages.
 */
int sxs_write_pages(struct sxs_sink *s, const uint64_t *pfns,
		    const uint8_t *types, unsigned int n, const void *pages);
int sxs_write_tsc_info(struct sxs_sink *s, const struct sxs_tsc_info *t);
int sxs_write_hvm_params(struct sxs_sink *s, const struct sxs_hvm_param *p,
			 unsigned int n);
/* libxc END, then libxl END: the stream is complete. */
int sxs_write_end(struct sxs_sink *s);

/* A sink into a file descriptor (ctx is a pointer to the int fd). */
int sxs_fd_write(void *ctx, const void *buf, size_t len);
/*
 * Write all of buf to fd (a pipe or socket, best non-blocking), failing
 * with ETIMEDOUT when the reader takes nothing for timeout_ms: a reader
 * that stops reading cannot hold the writer for ever.
 */
int sxs_fd_write_deadline(int fd, const void *buf, size_t len,
			  unsigned int timeout_ms);
/* strerror(e), but saying what ETIMEDOUT means for those writes. */
const char *sxs_write_strerror(int e);

/* ---- walking a whole stream held in memory */

struct sxs_walk_stats {
	bool has_xl_header;
	bool config_json;
	uint32_t config_len;
	uint32_t libxc_version;
	uint32_t xen_major, xen_minor;
	uint32_t records[SXS_REC_MAX + 1];	/* libxc records by type */
	uint64_t page_records;
	uint64_t pages;			/* pfns carrying data */
	uint64_t pfn_words;		/* all pfn entries */
	uint32_t hvm_params;
	uint64_t hvm_context_len;
};

/*
 * Page callback: every page with data, in stream order; return non-zero to
 * stop the walk (the walk then fails with that message).
 */
typedef int (*sxs_page_fn)(void *ctx, uint64_t pfn, const uint8_t *page);

/*
 * Check a stream: with want_xl the xl header first, then the libxl and
 * libxc layers to both ENDs, with nothing after.  0 when valid; -1 with a
 * one-line reason in err otherwise.
 */
int sxs_walk(const uint8_t *buf, size_t len, bool want_xl,
	     struct sxs_walk_stats *st, sxs_page_fn fn, void *ctx,
	     char *err, size_t errlen);

#endif /* SELFMIG_COMMON_XENSTREAM_H */
