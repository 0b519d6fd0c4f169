/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig final-set descriptor: the numbers of version 1.  The format, and
 * how the guest builds it and dom0 checks it, are specified once, in
 * docs/final-set.md; this header only gives the constants that the module
 * and dom0 must agree on, byte for byte.  Offsets are in bytes from the
 * start of the header page; every integer is little-endian.
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
