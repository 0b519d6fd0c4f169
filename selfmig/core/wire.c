// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig page stream: the error names and the building of the stream and
 * record headers.
 *
 * The header builders are public for the tests, which forge streams with
 * them; the encoder (wire_enc.c) frames every record through them, by way
 * of wire_int.h.
 */
#include "wire.h"
#include "wire_int.h"
#include "crc32c.h"

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static const char *const smw_err_text[SMW_E_COUNT_][2] = {
	[SMW_OK]		= { "ok", "no error" },
	[SMW_E_BAD_MAGIC]	= { "bad_magic", "bad stream magic" },
	[SMW_E_BAD_VERSION]	= { "bad_version", "unsupported stream version" },
	[SMW_E_BAD_HDR_LEN]	= { "bad_header_len", "bad stream header length" },
	[SMW_E_HDR_CRC]		= { "header_crc", "stream header crc mismatch" },
	[SMW_E_HDR_FLAGS]	= { "header_flags", "unknown stream header flags" },
	[SMW_E_PAGE_SIZE]	= { "page_size", "unsupported page size" },
	[SMW_E_PAGE_COUNT]	= { "page_count", "guest page count out of range" },
	[SMW_E_WRONG_ID]	= { "wrong_id", "wrong migration id" },
	[SMW_E_RECORD_CRC]	= { "record_crc", "record crc mismatch" },
	[SMW_E_SEQ_GAP]		= { "seq_gap", "record sequence gap" },
	[SMW_E_UNKNOWN_TYPE]	= { "unknown_type", "unknown record type" },
	[SMW_E_OVERSIZE]	= { "oversize", "record payload length over limit" },
	[SMW_E_BAD_LENGTH]	= { "bad_length", "bad payload length for record type" },
	[SMW_E_TRUNCATED]	= { "truncated", "stream truncated inside a header or record" },
	[SMW_E_GFN_RANGE]	= { "gfn_range", "gfn beyond guest page count" },
	[SMW_E_COUNT_MISMATCH]	= { "count_mismatch", "count and length disagree" },
	[SMW_E_BAD_COUNT]	= { "bad_count", "entry count out of range" },
	[SMW_E_PAGE_KIND]	= { "page_kind", "bad page kind" },
	[SMW_E_RECORD_FLAGS]	= { "record_flags", "bad record flags" },
	[SMW_E_BAD_ROUND]	= { "bad_round", "round number out of order" },
	[SMW_E_ROUND_OPEN]	= { "round_open", "end of stream inside an open round" },
	[SMW_E_STATS_MISMATCH]	= { "stats_mismatch", "round statistics disagree with the round" },
	[SMW_E_TOTALS_MISMATCH]	= { "totals_mismatch", "end totals disagree with the stream" },
	[SMW_E_TRAILING]	= { "trailing_data", "data after end of stream" },
	[SMW_E_MISSING_END]	= { "missing_end", "stream ended without END record" },
	[SMW_E_RESERVED]	= { "reserved", "reserved field or bit set" },
	[SMW_E_ZLIB_CORRUPT]	= { "zlib_corrupt", "corrupt compressed page data" },
	[SMW_E_ZLIB_OVERFLOW]	= { "zlib_overflow", "compressed page data too long" },
	[SMW_E_ZLIB_SHORT]	= { "zlib_short", "compressed page data inflates short" },
	[SMW_E_INVAL]		= { "invalid", "invalid argument or state" },
	[SMW_E_AUTH_REQUIRED]	= { "auth_required",
				    "stream is not authenticated, but a secret is required" },
	[SMW_E_AUTH_TAG]	= { "auth_tag",
				    "bad authentication tag: wrong secret, altered or replayed" },
	[SMW_E_NO_KEY]		= { "no_key", "authenticated stream, but no secret was given" },
	[SMW_E_KEY]		= { "key", "cannot derive the stream key" },
};

static int smw_err_index(int err)
{
	if (err < 0)
		err = -err;
	if (err >= SMW_E_COUNT_)
		return -1;
	return err;
}

const char *smw_errname(int err)
{
	int i = smw_err_index(err);

	return i < 0 ? "unknown_error" : smw_err_text[i][0];
}

const char *smw_strerror(int err)
{
	int i = smw_err_index(err);

	return i < 0 ? "unknown error" : smw_err_text[i][1];
}

/* ------------------------------------------------------------------ */
/* Stream and record headers                                           */

void smw_rec_hdr_fill(u8 hdr[SMW_REC_HDR_LEN], u32 type, u32 flags,
		      u32 seq, const void *p1, u32 l1,
		      const void *p2, u32 l2)
{
	u32 crc;

	smw_put_le32(hdr + SMW_RH_TYPE, type);
	smw_put_le32(hdr + SMW_RH_FLAGS, flags);
	smw_put_le32(hdr + SMW_RH_LEN, l1 + l2);
	smw_put_le32(hdr + SMW_RH_SEQ, seq);
	smw_put_le32(hdr + SMW_RH_CRC, 0);
	crc = smw_crc32c(0, hdr, SMW_REC_HDR_LEN);
	if (l1)
		crc = smw_crc32c(crc, p1, l1);
	if (l2)
		crc = smw_crc32c(crc, p2, l2);
	smw_put_le32(hdr + SMW_RH_CRC, crc);
}

void smw_rec_hdr_build(u8 hdr[SMW_REC_HDR_LEN], u32 type, u32 flags, u32 seq,
		       const void *payload, u32 len)
{
	smw_rec_hdr_fill(hdr, type, flags, seq, payload, len, NULL, 0);
}

void smw_stream_hdr_fill(u8 hdr[SMW_STREAM_HDR_LEN], u32 version,
			 const u8 id[SMW_ID_LEN], u64 page_count,
			 const u8 *salt)
{
	memset(hdr, 0, SMW_STREAM_HDR_LEN);
	memcpy(hdr + SMW_SH_MAGIC, SMW_MAGIC, SMW_MAGIC_LEN);
	smw_put_le32(hdr + SMW_SH_VERSION, version);
	smw_put_le32(hdr + SMW_SH_HDR_LEN, SMW_STREAM_HDR_LEN);
	smw_put_le32(hdr + SMW_SH_FLAGS, 0);
	smw_put_le32(hdr + SMW_SH_PAGE_SIZE, SMW_PAGE_SIZE);
	memcpy(hdr + SMW_SH_ID, id, SMW_ID_LEN);
	smw_put_le64(hdr + SMW_SH_PAGE_COUNT, page_count);
	if (salt)
		memcpy(hdr + SMW_SH_SALT, salt, SMW_SALT_LEN);
	smw_put_le32(hdr + SMW_SH_CRC, smw_crc32c(0, hdr, SMW_SH_CRC));
}

void smw_stream_hdr_build(u8 hdr[SMW_STREAM_HDR_LEN],
			  const u8 id[SMW_ID_LEN], u64 page_count)
{
	smw_stream_hdr_fill(hdr, SMW_VERSION, id, page_count, NULL);
}
