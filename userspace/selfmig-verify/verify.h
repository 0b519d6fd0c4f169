/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig-verify: compare a suspended guest's memory with the image the
 * receiver wrote, page by page, and classify every difference with the
 * guest's final-set descriptor.
 *
 * verify.c holds everything that needs no Xen library (classification,
 * counting, reading the image and the metadata file, the report); the
 * *_xen.c files hold the hypervisor, xenstore and mapping calls.
 */
#ifndef SELFMIG_VERIFY_H
#define SELFMIG_VERIFY_H

#include <signal.h>
#include <stdio.h>
#include "finalset.h"

#define SMV_PAGE_SIZE		SMFS_PAGE_SIZE
#define SMV_BATCH_PAGES		1024U	/* guest frames mapped per call */
#define SMV_DEFAULT_WAIT_S	60
#define SMV_DEFAULT_LIST	20
#define SMV_XS_KEY		"control/selfmig/final-set"
#define SMV_ROUND_UNKNOWN	0xFFFFFFFEU	/* no metadata file given */
#define SMV_ROUND_NEVER		0xFFFFFFFFU	/* as in the metadata file */

/* How one page compares. */
enum smv_class {
	SMV_IDENTICAL = 0,
	SMV_DIFF_FINAL = 1,	/* differs, dirty bit set: dom0 copies it */
	SMV_DIFF_FREE = 2,	/* differs, free bit set: content irrelevant */
	SMV_MISSED = 3,		/* differs, neither bit: a lost write */
};

struct smv_missed {
	u64 gfn;
	u32 offset;		/* first differing byte in the page */
	u32 round;		/* last round the page was sent, from --meta */
};

struct smv_report {
	u32 domid;
	u64 page_count;
	u64 generation;
	u8 id[SMFS_ID_LEN];
	u64 compared;
	u64 identical;
	u64 differ_in_final_set;
	u64 differ_free;
	u64 missed;
	u64 unmapped;
	u64 final_set_pages;	/* dirty_count */
	u64 free_pages;		/* free_count */
	int have_header;	/* the descriptor was accepted */
	int resumed;
	/* The first list_cap missed pages, in gfn order. */
	struct smv_missed *list;
	u32 list_cap;
	u32 list_len;
	/* If set: the listed missed pages are written here, both sides. */
	const char *keep_dir;
	/* Error, if the run failed: a message, empty otherwise. */
	char error[256];
};

/* Bitmaps and optional metadata table used during the comparison. */
struct smv_sets {
	const struct smfs_header *hdr;
	const u8 *const *dirty;	/* hdr->bitmap_pages pages each */
	const u8 *const *free_map;
	const u8 *meta;		/* metadata entries (8 bytes per gfn) or NULL */
};

/*
 * Compare one guest page with its image copy.  Returns the class and, when
 * the pages differ, the index of the first differing byte in *offset.
 * gfn must be below sets->hdr->page_count.
 */
enum smv_class smv_classify(const struct smv_sets *sets, u64 gfn,
			    const u8 *guest, const u8 *image, u32 *offset);

/* Count one classified page (and remember it if missed). */
void smv_account(struct smv_report *r, const struct smv_sets *sets, u64 gfn,
		 enum smv_class c, u32 offset);

/*
 * Compare n consecutive pages starting at gfn0: guest holds n pages as
 * mapped (a page is skipped and counted unmapped when err[i] != 0; err may
 * be NULL), image holds the n pages read from the image.
 */
void smv_compare_batch(struct smv_report *r, const struct smv_sets *sets,
		       u64 gfn0, u32 n, const u8 *guest, const int *err,
		       const u8 *image);

/*
 * Read n pages of the image starting at gfn0 into buf; bytes beyond the end
 * of the file read as zeros.  0 or -errno.
 */
int smv_image_read(int fd, u64 gfn0, u32 n, u8 *buf);
/* Read up to len bytes at pos, through short reads: the count, or -errno. */
ssize_t smv_pread_full(int fd, u8 *buf, size_t len, off_t pos);

/* Parse the xenstore value: 1 to 16 lower-case hex digits.  0 or -EINVAL. */
int smv_parse_gfn(const char *s, u64 *gfn);
/* Parse a decimal domain id (0 .. 0x7FEF).  0 or -EINVAL. */
int smv_parse_domid(const char *s, u32 *domid);
/* Parse a non-negative decimal integer no larger than max.  0 or -EINVAL. */
int smv_parse_uint(const char *s, unsigned long max, unsigned long *v);

/*
 * Read and check a metadata file written by selfmig-receive.  Returns a
 * malloc'd entry table and fills *page_count and *flags, or NULL with a
 * message in err.
 */
u8 *smv_meta_load(const char *path, u64 *page_count, u32 *flags, char *err,
		  size_t errlen);
/* Round of the last write of gfn in a metadata table. */
u32 smv_meta_round(const u8 *meta, u64 gfn);

/*
 * Access to the guest's frames.  map() maps the n gfns read-only into one
 * contiguous range and sets err[i] to 0 or an errno value per frame; it
 * returns NULL (errno set) only when nothing could be attempted.  unmap()
 * releases what map() returned.
 */
struct smv_mapper {
	void *ctx;
	void *(*map)(void *ctx, const u64 *gfns, u32 n, int *err);
	void (*unmap)(void *ctx, void *addr, u32 n);
};

/* Inputs of a verification run besides the guest. */
struct smv_inputs {
	u64 header_gfn;		/* from xenstore */
	int image_fd;
	u64 image_size;		/* bytes */
	const u8 *meta;		/* metadata table or NULL */
	u64 meta_pages;		/* its page_count */
	FILE *log;		/* warnings; NULL for none */
	volatile sig_atomic_t *stop;	/* set (by a signal) to give up; or NULL */
};

/*
 * Read and validate the descriptor, then compare every gfn below
 * page_count with the image, filling r.  Returns 0 when the comparison ran
 * to the end (whatever it found), -1 with r->error set otherwise.
 */
int smv_verify(const struct smv_mapper *m, const struct smv_inputs *in,
	       struct smv_report *r);

/* Allocate room for the first cap missed pages; 0 or -ENOMEM. */
int smv_report_init(struct smv_report *r, u32 domid, u32 list_cap);
void smv_report_free(struct smv_report *r);
/* Take over the header fields of an accepted descriptor. */
void smv_report_header(struct smv_report *r, const struct smfs_header *h);

void smv_print_report(const struct smv_report *r, FILE *f);
/* Write the report as one JSON object; 0 or -errno. */
int smv_write_json_file(const struct smv_report *r, FILE *f);
int smv_write_json(const struct smv_report *r, const char *path);

#endif /* SELFMIG_VERIFY_H */
