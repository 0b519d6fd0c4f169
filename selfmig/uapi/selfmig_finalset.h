/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig final-set descriptor: how a suspended guest tells dom0 which of its
 * pages changed since the last pre-copy round.
 *
 * The guest builds the descriptor in its own memory at the last instant
 * before the suspend hypercall (interrupts off, other vCPUs stopped).  Its
 * location is fixed in advance and published in xenstore as
 *
 *   control/selfmig/final-set = "<header gfn, lower-case hex, no 0x>"
 *
 * so dom0 can find it once the domain is suspended, by mapping guest frames.
 *
 * Layout, all integers little-endian:
 *
 *   The header occupies exactly one guest page (4096 bytes):
 *     off  size  field
 *       0     8  magic "SMFSET\0\0"
 *       8     4  version (1)
 *      12     4  header_len: bytes of header covered by header_crc (>= 128,
 *                <= 4096, and 128 + 16 * bitmap_pages)
 *      16    16  migration id (the same as in the page stream)
 *      32     8  page_count: frames covered; valid gfns are < page_count
 *      40     8  generation: increases each time the set is rebuilt
 *      48     8  dirty_count: number of bits set in the dirty bitmap
 *      56     8  free_count: number of bits set in the free bitmap
 *      64     4  bitmap_pages: pages in EACH bitmap = ceil(page_count / 32768)
 *      68     4  flags: bit 0 COMPLETE (the set was fully written); others 0
 *      72     4  bitmaps_crc: crc32c over the dirty bitmap's pages, then
 *                the free bitmap's pages, in gfn-array order, exactly
 *                bitmap_pages * 4096 bytes each
 *      76     4  header_crc: crc32c over bytes [0, header_len) with this
 *                field taken as zero
 *      80    48  reserved, zero
 *     128     8 * bitmap_pages   gfns of the dirty bitmap's pages, in order
 *       ...   8 * bitmap_pages   gfns of the free bitmap's pages, in order
 *
 *   Bitmaps: bit (gfn % 8) of byte (gfn / 8) stands for gfn; bits at and
 *   above page_count are zero.
 *
 *   dirty: the page may differ from the copy the destination holds (it was
 *          written since it was last sent, by the guest's CPUs or by anyone
 *          else: Xen, backends through grants), or it is one of the
 *          descriptor's own pages or a stack in use at the freeze.  dom0
 *          copies exactly these pages.
 *   free:  the page is free in the guest's allocator at the freeze; its
 *          content is meaningless and need not be copied.  A page can be
 *          both (then it is copied).
 *
 * A reader checks magic, version, header_len bounds, header_crc,
 * bitmap_pages == ceil(page_count / 32768), every gfn < page_count,
 * bitmaps_crc, that the counts match the bitmaps, and COMPLETE; it rejects
 * the descriptor otherwise.  crc32c is Castagnoli (as in the page stream).
 */
#ifndef _SELFMIG_FINALSET_H
#define _SELFMIG_FINALSET_H

#define SMFS_MAGIC		"SMFSET\0\0"
#define SMFS_MAGIC_LEN		8
#define SMFS_VERSION		1U
#define SMFS_PAGE_SIZE		4096U
#define SMFS_HDR_FIXED		128U	/* fixed part; gfn arrays follow */
#define SMFS_BITS_PER_PAGE	(SMFS_PAGE_SIZE * 8U)
/* Both gfn arrays must fit in the header page. */
#define SMFS_MAX_BITMAP_PAGES	((SMFS_PAGE_SIZE - SMFS_HDR_FIXED) / 16U)
#define SMFS_FLAG_COMPLETE	0x1U

#define SMFS_OFF_MAGIC		0
#define SMFS_OFF_VERSION	8
#define SMFS_OFF_HEADER_LEN	12
#define SMFS_OFF_ID		16
#define SMFS_OFF_PAGE_COUNT	32
#define SMFS_OFF_GENERATION	40
#define SMFS_OFF_DIRTY_COUNT	48
#define SMFS_OFF_FREE_COUNT	56
#define SMFS_OFF_BITMAP_PAGES	64
#define SMFS_OFF_FLAGS		68
#define SMFS_OFF_BITMAPS_CRC	72
#define SMFS_OFF_HEADER_CRC	76
#define SMFS_OFF_GFNS		128

#endif /* _SELFMIG_FINALSET_H */
