/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Builder and validating parser of the final-set descriptor (see
 * selfmig_finalset.h for the format).
 *
 * The builder runs in the guest kernel at the freeze; the parser runs in
 * dom0 on pages mapped from the suspended guest.  Neither allocates memory
 * nor touches anything outside the buffers it is given.  A bitmap is passed
 * as an array of bitmap_pages pointers, each to one 4096-byte page.
 */
#ifndef SELFMIG_CORE_FINALSET_H
#define SELFMIG_CORE_FINALSET_H

#include "compat.h"
#include "selfmig_finalset.h"

#define SMFS_ID_LEN		16U
#define SMFS_OFF_RESERVED	80
#define SMFS_RESERVED_LEN	(SMFS_OFF_GFNS - SMFS_OFF_RESERVED)
#define SMFS_BITS_SHIFT		15	/* log2(SMFS_BITS_PER_PAGE) */
/* Largest page_count a descriptor can describe (31 GiB of guest). */
#define SMFS_MAX_PAGE_COUNT	((u64)SMFS_MAX_BITMAP_PAGES * SMFS_BITS_PER_PAGE)

/*
 * Error codes.  Functions return 0 on success and the negated code on
 * failure.  The values are stable: they appear in logs and JSON reports.
 */
enum smfs_err {
	SMFS_OK = 0,
	SMFS_E_SHORT = 1,		/* buffer shorter than the header needs */
	SMFS_E_BAD_MAGIC = 2,		/* magic is not "SMFSET\0\0" */
	SMFS_E_BAD_VERSION = 3,		/* version not implemented */
	SMFS_E_HDR_LEN = 4,		/* header_len below 128 or above 4096 */
	SMFS_E_HDR_CRC = 5,		/* header_crc mismatch */
	SMFS_E_FLAGS = 6,		/* undefined flag bit set */
	SMFS_E_INCOMPLETE = 7,		/* COMPLETE flag not set */
	SMFS_E_RESERVED = 8,		/* reserved bytes 80..127 not zero */
	SMFS_E_PAGE_COUNT = 9,		/* page_count is 0 or too large */
	SMFS_E_BITMAP_PAGES = 10,	/* bitmap_pages != ceil(page_count/32768) */
	SMFS_E_HDR_LEN_MISMATCH = 11,	/* header_len != 128 + 16 * bitmap_pages */
	SMFS_E_GFN_RANGE = 12,		/* a bitmap page gfn >= page_count */
	SMFS_E_BITMAPS_CRC = 13,	/* bitmaps_crc mismatch */
	SMFS_E_STRAY_BIT = 14,		/* a bit at or above page_count is set */
	SMFS_E_DIRTY_COUNT = 15,	/* dirty_count disagrees with the bitmap */
	SMFS_E_FREE_COUNT = 16,		/* free_count disagrees with the bitmap */
	SMFS_E_INVAL = 17,		/* API misuse: bad argument */
	SMFS_E_COUNT_ = 18
};

/* Short description and stable symbolic name ("bad_magic"); err or -err. */
const char *smfs_strerror(int err);
const char *smfs_errname(int err);

/* A parsed header.  The gfn arrays hold bitmap_pages valid entries each. */
struct smfs_header {
	u32 version;
	u32 header_len;
	u8 id[SMFS_ID_LEN];
	u64 page_count;
	u64 generation;
	u64 dirty_count;
	u64 free_count;
	u32 bitmap_pages;
	u32 flags;
	u32 bitmaps_crc;
	u32 header_crc;
	u64 dirty_gfns[SMFS_MAX_BITMAP_PAGES];
	u64 free_gfns[SMFS_MAX_BITMAP_PAGES];
};

/* ------------------------------------------------------------------ */
/* Bitmap helpers                                                      */

/* Pages in each bitmap for page_count frames; 0 if page_count is 0 or
 * above SMFS_MAX_PAGE_COUNT.
 */
u32 smfs_bitmap_pages(u64 page_count);

/*
 * Bit gfn of a bitmap: bit (gfn % 8) of byte (gfn / 8), counting bytes
 * across the pages in order.  gfn must be below bitmap_pages * 32768.
 */
static inline u8 *smfs_bit_byte(u8 *const pages[], u64 gfn)
{
	return &pages[gfn >> SMFS_BITS_SHIFT][(gfn >> 3) & (SMFS_PAGE_SIZE - 1)];
}

static inline void smfs_set_bit(u8 *const pages[], u64 gfn)
{
	*smfs_bit_byte(pages, gfn) |= (u8)(1U << (gfn & 7));
}

static inline void smfs_clear_bit(u8 *const pages[], u64 gfn)
{
	*smfs_bit_byte(pages, gfn) &= (u8)~(1U << (gfn & 7));
}

static inline int smfs_test_bit(const u8 *const pages[], u64 gfn)
{
	const u8 *p = pages[gfn >> SMFS_BITS_SHIFT];

	return (p[(gfn >> 3) & (SMFS_PAGE_SIZE - 1)] >> (gfn & 7)) & 1;
}

/*
 * Clear the bits at and above page_count in the last page of a bitmap of
 * smfs_bitmap_pages(page_count) pages (nothing if page_count is invalid).
 */
void smfs_clear_tail(u8 *const pages[], u64 page_count);

/* Number of bits set in a bitmap of n pages. */
u64 smfs_popcount(const u8 *const pages[], u32 n);

/* ------------------------------------------------------------------ */
/* Builder (guest)                                                     */

struct smfs_build {
	const u8 *id;			/* SMFS_ID_LEN bytes: the migration id */
	u64 page_count;
	u64 generation;
	u64 header_gfn;			/* gfn of the header page itself */
	const u64 *dirty_gfns;		/* smfs_bitmap_pages(page_count) each */
	const u64 *free_gfns;
	u8 *const *dirty_pages;		/* the bitmaps' pages, same order */
	u8 *const *free_pages;
};

/*
 * Fill the header page hdr (len >= 4096 bytes).  The descriptor's own pages
 * (header_gfn and every bitmap page gfn) are marked in the dirty bitmap
 * first, as the format requires; nothing else in the bitmaps is changed.
 * Then the header is written with flags 0, the counts and both crcs are
 * computed, and the COMPLETE flag is stored last.
 *
 * Fails with -SMFS_E_INVAL (NULL pointer, len < 4096), -SMFS_E_PAGE_COUNT,
 * -SMFS_E_GFN_RANGE (a descriptor gfn >= page_count) or -SMFS_E_STRAY_BIT
 * (a bitmap bit at or above page_count; see smfs_clear_tail()).  On failure
 * the header page is cleared (so it is never COMPLETE) when len allows.
 */
int smfs_build_header(u8 *hdr, size_t len, const struct smfs_build *b);

/* ------------------------------------------------------------------ */
/* Parser (dom0)                                                       */

/*
 * Validate the header page hdr_page[0..len) and decode it into *out.
 * Checks, in this order: length, magic, version, header_len bounds,
 * header_crc, flags (no undefined bit, COMPLETE set), reserved bytes,
 * page_count, bitmap_pages, header_len consistency, gfn ranges, and that
 * neither count exceeds page_count.  Returns 0 or a negated smfs_err.
 */
int smfs_parse_header(const u8 *hdr_page, size_t len,
		      struct smfs_header *out);

/*
 * Validate the bitmaps of a header accepted by smfs_parse_header(): each
 * array holds h->bitmap_pages pointers to 4096-byte pages.  Checks
 * bitmaps_crc, that no bit at or above page_count is set, and the two
 * counts.  Returns 0 or a negated smfs_err.
 */
int smfs_check_bitmaps(const struct smfs_header *h,
		       const u8 *const dirty_pages[],
		       const u8 *const free_pages[]);

#endif /* SELFMIG_CORE_FINALSET_H */
