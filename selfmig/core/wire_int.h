/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the page stream's header building (wire.c) shares with the encoder
 * (wire_enc.c), and nothing else includes: filling a record header whose
 * crc covers a payload in two pieces, and a stream header of either
 * version.
 */
#ifndef SELFMIG_CORE_WIRE_INT_H
#define SELFMIG_CORE_WIRE_INT_H

#include "wire.h"

void smw_rec_hdr_fill(u8 hdr[SMW_REC_HDR_LEN], u32 type, u32 flags,
		      u32 seq, const void *p1, u32 l1,
		      const void *p2, u32 l2);
void smw_stream_hdr_fill(u8 hdr[SMW_STREAM_HDR_LEN], u32 version,
			 const u8 id[SMW_ID_LEN], u64 page_count,
			 const u8 *salt);

#endif /* SELFMIG_CORE_WIRE_INT_H */
