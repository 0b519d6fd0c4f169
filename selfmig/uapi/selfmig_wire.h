/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig page stream: the numbers of wire format versions 1 (clear) and 3
 * (sealed).  The format itself, its rules and the order of a reader's
 * checks are specified once, in docs/wire-format.md; this header only
 * gives the constants that the module and dom0 must agree on, byte for
 * byte.  Offsets are in bytes from the start of their part; every integer
 * is little-endian and unaligned.
 */
#ifndef SELFMIG_UAPI_WIRE_H
#define SELFMIG_UAPI_WIRE_H

/* Stream header. */
#define SMW_MAGIC		"SELFMIG"	/* 7 characters and a NUL: 8 bytes */
#define SMW_MAGIC_LEN		8
#define SMW_VERSION		1U
#define SMW_VERSION_SEALED	3U	/* version 1 sealed by an AEAD */
#define SMW_TAG_LEN		16U	/* Poly1305 */
#define SMW_KEY_LEN		32U	/* the migration's secret; also the key */
#define SMW_KDF_INFO		"selfmig stream v3"
#define SMW_KDF_INFO_LEN	17U
#define SMW_STREAM_HDR_LEN	64U
#define SMW_ID_LEN		16U
#define SMW_PAGE_SIZE		4096U
#define SMW_MAX_GUEST_PAGES	(1ULL << 36)	/* 256 TiB of guest memory */

#define SMW_SH_MAGIC		0
#define SMW_SH_VERSION		8
#define SMW_SH_HDR_LEN		12
#define SMW_SH_FLAGS		16
#define SMW_SH_PAGE_SIZE	20
#define SMW_SH_ID		24
#define SMW_SH_PAGE_COUNT	40
#define SMW_SH_RESERVED		48
#define SMW_SH_RESERVED_LEN	12
#define SMW_SH_SALT		48	/* version 3: the reserved bytes */
#define SMW_SALT_LEN		12U
#define SMW_SH_CRC		60

/* Record header. */
#define SMW_REC_HDR_LEN		20U
#define SMW_RH_TYPE		0
#define SMW_RH_FLAGS		4
#define SMW_RH_LEN		8
#define SMW_RH_SEQ		12
#define SMW_RH_CRC		16

/* Record types: fixed numbers. */
#define SMW_REC_PAGES		1U
#define SMW_REC_ROUND_END	2U
#define SMW_REC_PROC_STATS	3U
#define SMW_REC_END		4U

/* Record flags. */
#define SMW_RECF_COMPRESSED	0x1U	/* PAGES only: page data is zlib */

/* Limits. */
#define SMW_MAX_PAYLOAD		(2U * 1024 * 1024)
#define SMW_MAX_BATCH_PAGES	256U
#define SMW_MAX_PROC_ENTRIES	65536U

/* PAGES payload. */
#define SMW_PAGES_PREFIX_LEN	16U
#define SMW_PG_ROUND		0
#define SMW_PG_COUNT		4
#define SMW_PG_DATA_LEN		8
#define SMW_PG_RESERVED		12
#define SMW_PAGES_META_LEN(n)	(SMW_PAGES_PREFIX_LEN + 9U * (n))
#define SMW_PAGES_META_MAX	SMW_PAGES_META_LEN(SMW_MAX_BATCH_PAGES)
#define SMW_PAGES_DATA_MAX	(SMW_MAX_BATCH_PAGES * SMW_PAGE_SIZE)

#define SMW_PAGE_ZERO		0U
#define SMW_PAGE_RAW		1U

/* ROUND_END payload. */
#define SMW_ROUND_END_LEN	72U
#define SMW_RE_ROUND		0
#define SMW_RE_FLAGS		4
#define SMW_RE_SCANNED		8
#define SMW_RE_DIRTY		16
#define SMW_RE_SENT		24
#define SMW_RE_ZERO		32
#define SMW_RE_BYTES_RAW	40
#define SMW_RE_BYTES_WIRE	48
#define SMW_RE_DURATION		56
#define SMW_RE_RATE		64
#define SMW_ROUNDF_FINAL	0x1U

/* PROC_STATS payload. */
#define SMW_PROC_PREFIX_LEN	8U
#define SMW_PROC_ENTRY_LEN	24U
#define SMW_PROC_COMM_LEN	16U

/* END payload. */
#define SMW_END_LEN		24U
#define SMW_EN_PAGES		0
#define SMW_EN_BYTES		8
#define SMW_EN_ROUNDS		16
#define SMW_EN_RESERVED		20

#endif /* SELFMIG_UAPI_WIRE_H */
