// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-receive: bounded inflation of a compressed PAGES batch.
 *
 * The output buffer is exactly the stated length.  When it fills up before
 * the zlib stream ends, one more byte of room is offered: if the stream
 * produces it, the data inflates past the limit and is rejected; the
 * destination buffer itself is never overrun.
 */
#include <string.h>
#include <zlib.h>

#include "receiver.h"

int smr_inflate_exact(const u8 *src, u32 src_len, u8 *dst, u32 dst_len)
{
	z_stream zs;
	u8 probe;
	int zr, ret;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return -SMR_E_NOMEM;
	zs.next_in = (Bytef *)src;
	zs.avail_in = src_len;
	zs.next_out = dst;
	zs.avail_out = dst_len;

	zr = inflate(&zs, Z_FINISH);
	if (zr != Z_STREAM_END && (zr == Z_OK || zr == Z_BUF_ERROR) &&
	    zs.avail_out == 0) {
		/* Output is full: the stream must end without more output. */
		zs.next_out = &probe;
		zs.avail_out = 1;
		zr = inflate(&zs, Z_FINISH);
		if (zs.avail_out == 0) {
			ret = -SMW_E_ZLIB_OVERFLOW;
			goto out;
		}
	}

	switch (zr) {
	case Z_STREAM_END:
		if (zs.avail_in != 0)
			ret = -SMW_E_ZLIB_CORRUPT;	/* bytes after the stream */
		else if (zs.total_out != dst_len)
			ret = -SMW_E_ZLIB_SHORT;
		else
			ret = 0;
		break;
	case Z_MEM_ERROR:
		ret = -SMR_E_NOMEM;
		break;
	default:
		/* Corrupt, needs a dictionary, or the input stops early. */
		ret = -SMW_E_ZLIB_CORRUPT;
		break;
	}
out:
	inflateEnd(&zs);
	return ret;
}
