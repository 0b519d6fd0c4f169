/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRC32C (Castagnoli), the checksum of the selfmig stream and metadata.
 */
#ifndef SELFMIG_CORE_CRC32C_H
#define SELFMIG_CORE_CRC32C_H

#include "compat.h"

/*
 * Continue a CRC32C over buf[0..len).  Start with crc = 0; the result of one
 * call can be passed as crc to the next to checksum data in pieces.  The
 * pre- and post-inversion are done inside, so smw_crc32c(0, "123456789", 9)
 * is the standard check value 0xE3069283.
 *
 * In the module this is the kernel's crc32c(), which leaves the inversions
 * to its caller.  Userspace has no library for it (zlib's crc32() is the
 * other polynomial), so userspace/common/crc32c.c computes it there.
 */
#ifdef __KERNEL__
#include <linux/crc32c.h>

static inline u32 smw_crc32c(u32 crc, const void *buf, size_t len)
{
	return ~crc32c(~crc, buf, len);
}
#else
u32 smw_crc32c(u32 crc, const void *buf, size_t len);
#endif

#endif /* SELFMIG_CORE_CRC32C_H */
