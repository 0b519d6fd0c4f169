// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig final-set descriptor: builder (guest) and validating parser (dom0).
 *
 * All header fields are read and written byte by byte through the
 * little-endian helpers of compat.h; no structure is laid over the page.
 * Every length taken from the header is checked against a fixed bound and
 * against the caller's buffer before it is used.
 */
#include "finalset.h"
#include "crc32c.h"

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static const char *const smfs_err_text[SMFS_E_COUNT_][2] = {
	[SMFS_OK]		= { "ok", "no error" },
	[SMFS_E_SHORT]		= { "short", "buffer shorter than the descriptor header" },
	[SMFS_E_BAD_MAGIC]	= { "bad_magic", "bad final-set magic" },
	[SMFS_E_BAD_VERSION]	= { "bad_version", "unsupported final-set version" },
	[SMFS_E_HDR_LEN]	= { "bad_header_len", "header_len out of bounds" },
	[SMFS_E_HDR_CRC]	= { "header_crc", "final-set header crc mismatch" },
	[SMFS_E_FLAGS]		= { "flags", "undefined final-set flag set" },
	[SMFS_E_INCOMPLETE]	= { "incomplete", "final set not marked COMPLETE" },
	[SMFS_E_RESERVED]	= { "reserved", "reserved header bytes not zero" },
	[SMFS_E_PAGE_COUNT]	= { "page_count", "page_count is 0 or too large" },
	[SMFS_E_BITMAP_PAGES]	= { "bitmap_pages", "bitmap_pages does not match page_count" },
	[SMFS_E_HDR_LEN_MISMATCH] = { "header_len_mismatch",
				      "header_len does not match bitmap_pages" },
	[SMFS_E_GFN_RANGE]	= { "gfn_range", "bitmap page gfn beyond page_count" },
	[SMFS_E_BITMAPS_CRC]	= { "bitmaps_crc", "bitmaps crc mismatch" },
	[SMFS_E_STRAY_BIT]	= { "stray_bit", "bitmap bit set at or above page_count" },
	[SMFS_E_DIRTY_COUNT]	= { "dirty_count", "dirty_count disagrees with the dirty bitmap" },
	[SMFS_E_FREE_COUNT]	= { "free_count", "free_count disagrees with the free bitmap" },
	[SMFS_E_INVAL]		= { "invalid", "invalid argument" },
};

static int smfs_err_index(int err)
{
	if (err < 0)
		err = -err;
	if (err >= SMFS_E_COUNT_)
		return -1;
	return err;
}

const char *smfs_errname(int err)
{
	int i = smfs_err_index(err);

	return i < 0 ? "unknown_error" : smfs_err_text[i][0];
}

const char *smfs_strerror(int err)
{
	int i = smfs_err_index(err);

	return i < 0 ? "unknown error" : smfs_err_text[i][1];
}

/* ------------------------------------------------------------------ */
/* Bitmaps                                                             */

u32 smfs_bitmap_pages(u64 page_count)
{
	if (page_count == 0 || page_count > SMFS_MAX_PAGE_COUNT)
		return 0;
	return (u32)((page_count + SMFS_BITS_PER_PAGE - 1) >> SMFS_BITS_SHIFT);
}

/* Bits of the last bitmap page that stand for valid gfns: 1..32768. */
static u32 smfs_tail_bits(u64 page_count, u32 pages)
{
	return (u32)(page_count - ((u64)(pages - 1) << SMFS_BITS_SHIFT));
}

void smfs_clear_tail(u8 *const pages[], u64 page_count)
{
	u32 n = smfs_bitmap_pages(page_count);
	u32 bits, byte;
	u8 *last;

	if (!n)
		return;
	bits = smfs_tail_bits(page_count, n);
	last = pages[n - 1];
	byte = bits / 8;
	if (bits % 8) {
		last[byte] &= (u8)((1U << (bits % 8)) - 1);
		byte++;
	}
	if (byte < SMFS_PAGE_SIZE)
		memset(last + byte, 0, SMFS_PAGE_SIZE - byte);
}

/* 1 if a bit at or above page_count is set in an n-page bitmap. */
static int smfs_has_stray(const u8 *const pages[], u32 n, u64 page_count)
{
	u32 bits = smfs_tail_bits(page_count, n);
	const u8 *last = pages[n - 1];
	u32 byte = bits / 8;

	if (bits % 8) {
		if (last[byte] & (u8)~((1U << (bits % 8)) - 1))
			return 1;
		byte++;
	}
	for (; byte < SMFS_PAGE_SIZE; byte++)
		if (last[byte])
			return 1;
	return 0;
}

static u32 smfs_popcount64(u64 v)
{
	v = v - ((v >> 1) & 0x5555555555555555ULL);
	v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (u32)((v * 0x0101010101010101ULL) >> 56);
}

u64 smfs_popcount(const u8 *const pages[], u32 n)
{
	u64 total = 0, w;
	u32 i, off;

	for (i = 0; i < n; i++) {
		for (off = 0; off < SMFS_PAGE_SIZE; off += 8) {
			memcpy(&w, pages[i] + off, 8);
			total += smfs_popcount64(w);
		}
	}
	return total;
}

static u32 smfs_bitmaps_crc(const u8 *const dmap[], const u8 *const fmap[],
			    u32 n)
{
	u32 crc = 0, i;

	for (i = 0; i < n; i++)
		crc = smw_crc32c(crc, dmap[i], SMFS_PAGE_SIZE);
	for (i = 0; i < n; i++)
		crc = smw_crc32c(crc, fmap[i], SMFS_PAGE_SIZE);
	return crc;
}

/*
 * crc32c of hdr[0..header_len) with the flags field read as 'flags' and the
 * header_crc field as zero.  header_len must be at least SMFS_HDR_FIXED.
 */
static u32 smfs_header_crc(const u8 *hdr, u32 header_len, u32 flags)
{
	u8 tmp[4];
	u32 crc;

	crc = smw_crc32c(0, hdr, SMFS_OFF_FLAGS);
	smw_put_le32(tmp, flags);
	crc = smw_crc32c(crc, tmp, 4);
	crc = smw_crc32c(crc, hdr + SMFS_OFF_BITMAPS_CRC, 4);
	smw_put_le32(tmp, 0);
	crc = smw_crc32c(crc, tmp, 4);
	return smw_crc32c(crc, hdr + SMFS_OFF_RESERVED,
			  header_len - SMFS_OFF_RESERVED);
}

/* ------------------------------------------------------------------ */
/* Builder                                                             */

static int smfs_build_check(const struct smfs_build *b, u32 n)
{
	u32 i;

	if (b->header_gfn >= b->page_count)
		return -SMFS_E_GFN_RANGE;
	for (i = 0; i < n; i++) {
		if (!b->dirty_pages[i] || !b->free_pages[i])
			return -SMFS_E_INVAL;
		if (b->dirty_gfns[i] >= b->page_count ||
		    b->free_gfns[i] >= b->page_count)
			return -SMFS_E_GFN_RANGE;
	}
	if (smfs_has_stray((const u8 *const *)b->dirty_pages, n,
			   b->page_count) ||
	    smfs_has_stray((const u8 *const *)b->free_pages, n,
			   b->page_count))
		return -SMFS_E_STRAY_BIT;
	return 0;
}

int smfs_build_header(u8 *hdr, size_t len, const struct smfs_build *b)
{
	const u8 *const *dmap, *const *fmap;
	u32 n, i, header_len, crc;
	int ret;

	if (!hdr || len < SMFS_PAGE_SIZE)
		return -SMFS_E_INVAL;
	/* Withdraw any earlier COMPLETE descriptor before anything else. */
	smw_put_le32(hdr + SMFS_OFF_FLAGS, 0);
	memset(hdr, 0, SMFS_PAGE_SIZE);
	if (!b || !b->id || !b->dirty_gfns || !b->free_gfns ||
	    !b->dirty_pages || !b->free_pages)
		return -SMFS_E_INVAL;
	n = smfs_bitmap_pages(b->page_count);
	if (!n)
		return -SMFS_E_PAGE_COUNT;
	ret = smfs_build_check(b, n);
	if (ret)
		return ret;

	/* The descriptor's own pages change now: they belong to the set. */
	smfs_set_bit(b->dirty_pages, b->header_gfn);
	for (i = 0; i < n; i++) {
		smfs_set_bit(b->dirty_pages, b->dirty_gfns[i]);
		smfs_set_bit(b->dirty_pages, b->free_gfns[i]);
	}

	dmap = (const u8 *const *)b->dirty_pages;
	fmap = (const u8 *const *)b->free_pages;
	header_len = SMFS_HDR_FIXED + 16 * n;
	memcpy(hdr + SMFS_OFF_MAGIC, SMFS_MAGIC, SMFS_MAGIC_LEN);
	smw_put_le32(hdr + SMFS_OFF_VERSION, SMFS_VERSION);
	smw_put_le32(hdr + SMFS_OFF_HEADER_LEN, header_len);
	memcpy(hdr + SMFS_OFF_ID, b->id, SMFS_ID_LEN);
	smw_put_le64(hdr + SMFS_OFF_PAGE_COUNT, b->page_count);
	smw_put_le64(hdr + SMFS_OFF_GENERATION, b->generation);
	smw_put_le64(hdr + SMFS_OFF_DIRTY_COUNT, smfs_popcount(dmap, n));
	smw_put_le64(hdr + SMFS_OFF_FREE_COUNT, smfs_popcount(fmap, n));
	smw_put_le32(hdr + SMFS_OFF_BITMAP_PAGES, n);
	smw_put_le32(hdr + SMFS_OFF_BITMAPS_CRC,
		     smfs_bitmaps_crc(dmap, fmap, n));
	for (i = 0; i < n; i++) {
		smw_put_le64(hdr + SMFS_OFF_GFNS + 8 * i, b->dirty_gfns[i]);
		smw_put_le64(hdr + SMFS_OFF_GFNS + 8 * (n + i),
			     b->free_gfns[i]);
	}
	/* The crc covers COMPLETE, which is stored only after it. */
	crc = smfs_header_crc(hdr, header_len, SMFS_FLAG_COMPLETE);
	smw_put_le32(hdr + SMFS_OFF_HEADER_CRC, crc);
	smw_put_le32(hdr + SMFS_OFF_FLAGS, SMFS_FLAG_COMPLETE);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */

int smfs_parse_header(const u8 *hdr, size_t len, struct smfs_header *out)
{
	u32 header_len, flags, n, i;
	u64 page_count, gfn;

	if (!hdr || !out)
		return -SMFS_E_INVAL;
	if (len < SMFS_HDR_FIXED)
		return -SMFS_E_SHORT;
	if (memcmp(hdr + SMFS_OFF_MAGIC, SMFS_MAGIC, SMFS_MAGIC_LEN) != 0)
		return -SMFS_E_BAD_MAGIC;
	if (smw_get_le32(hdr + SMFS_OFF_VERSION) != SMFS_VERSION)
		return -SMFS_E_BAD_VERSION;
	header_len = smw_get_le32(hdr + SMFS_OFF_HEADER_LEN);
	if (header_len < SMFS_HDR_FIXED || header_len > SMFS_PAGE_SIZE)
		return -SMFS_E_HDR_LEN;
	if (header_len > len)
		return -SMFS_E_SHORT;
	flags = smw_get_le32(hdr + SMFS_OFF_FLAGS);
	if (smfs_header_crc(hdr, header_len, flags) !=
	    smw_get_le32(hdr + SMFS_OFF_HEADER_CRC))
		return -SMFS_E_HDR_CRC;
	if (flags & ~SMFS_FLAG_COMPLETE)
		return -SMFS_E_FLAGS;
	if (!(flags & SMFS_FLAG_COMPLETE))
		return -SMFS_E_INCOMPLETE;
	for (i = SMFS_OFF_RESERVED; i < SMFS_HDR_FIXED; i++)
		if (hdr[i])
			return -SMFS_E_RESERVED;
	page_count = smw_get_le64(hdr + SMFS_OFF_PAGE_COUNT);
	if (page_count == 0)
		return -SMFS_E_PAGE_COUNT;
	n = smw_get_le32(hdr + SMFS_OFF_BITMAP_PAGES);
	if (n == 0 || n > SMFS_MAX_BITMAP_PAGES ||
	    n != smfs_bitmap_pages(page_count))
		return -SMFS_E_BITMAP_PAGES;
	if (header_len != SMFS_HDR_FIXED + 16 * n)
		return -SMFS_E_HDR_LEN_MISMATCH;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < 2 * n; i++) {
		gfn = smw_get_le64(hdr + SMFS_OFF_GFNS + 8 * i);
		if (gfn >= page_count)
			return -SMFS_E_GFN_RANGE;
		if (i < n)
			out->dirty_gfns[i] = gfn;
		else
			out->free_gfns[i - n] = gfn;
	}
	out->dirty_count = smw_get_le64(hdr + SMFS_OFF_DIRTY_COUNT);
	out->free_count = smw_get_le64(hdr + SMFS_OFF_FREE_COUNT);
	if (out->dirty_count > page_count)
		return -SMFS_E_DIRTY_COUNT;
	if (out->free_count > page_count)
		return -SMFS_E_FREE_COUNT;
	out->version = SMFS_VERSION;
	out->header_len = header_len;
	memcpy(out->id, hdr + SMFS_OFF_ID, SMFS_ID_LEN);
	out->page_count = page_count;
	out->generation = smw_get_le64(hdr + SMFS_OFF_GENERATION);
	out->bitmap_pages = n;
	out->flags = flags;
	out->bitmaps_crc = smw_get_le32(hdr + SMFS_OFF_BITMAPS_CRC);
	out->header_crc = smw_get_le32(hdr + SMFS_OFF_HEADER_CRC);
	return 0;
}

int smfs_check_bitmaps(const struct smfs_header *h,
		       const u8 *const dirty_pages[],
		       const u8 *const free_pages[])
{
	u32 n, i;

	if (!h || !dirty_pages || !free_pages)
		return -SMFS_E_INVAL;
	n = h->bitmap_pages;
	if (n == 0 || n != smfs_bitmap_pages(h->page_count))
		return -SMFS_E_INVAL;
	for (i = 0; i < n; i++)
		if (!dirty_pages[i] || !free_pages[i])
			return -SMFS_E_INVAL;
	if (smfs_bitmaps_crc(dirty_pages, free_pages, n) != h->bitmaps_crc)
		return -SMFS_E_BITMAPS_CRC;
	if (smfs_has_stray(dirty_pages, n, h->page_count) ||
	    smfs_has_stray(free_pages, n, h->page_count))
		return -SMFS_E_STRAY_BIT;
	if (smfs_popcount(dirty_pages, n) != h->dirty_count)
		return -SMFS_E_DIRTY_COUNT;
	if (smfs_popcount(free_pages, n) != h->free_count)
		return -SMFS_E_FREE_COUNT;
	return 0;
}
