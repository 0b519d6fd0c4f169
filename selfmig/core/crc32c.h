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
 */
u32 smw_crc32c(u32 crc, const void *buf, size_t len);

#endif /* SELFMIG_CORE_CRC32C_H */
