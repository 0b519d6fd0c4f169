/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The migration secret as one line of text (authkey.c), the form in which
 * dom0 hands it to the guest (xenstore, control/selfmig/key) and to the
 * receiver (a file):
 *
 *   selfmig-key/1 id=<32 hex digits> key=<64 hex digits> crc=<8 hex digits>
 *
 * Lower-case hex, single spaces, exactly SMK_LINE_LEN characters, optionally
 * followed by one newline.  id is the migration id (SMW_ID_LEN bytes), key
 * the secret (SMW_KEY_LEN bytes), crc the CRC32C of every character before
 * " crc=".  The magic carries the format's version.
 */
#ifndef SELFMIG_CORE_AUTHKEY_H
#define SELFMIG_CORE_AUTHKEY_H

#include "compat.h"
#include "selfmig_wire.h"

#define SMK_MAGIC	"selfmig-key/1 id="
#define SMK_LINE_LEN	131U	/* 17 + 32 + 5 + 64 + 5 + 8 */

/* Write the line and a NUL into buf (SMK_LINE_LEN + 1 bytes). */
void smk_format(char buf[SMK_LINE_LEN + 1], const u8 id[SMW_ID_LEN],
		const u8 key[SMW_KEY_LEN]);

/* Parse s[0..len); 0, or -EINVAL for anything but a well-formed line. */
int smk_parse(const char *s, size_t len, u8 id[SMW_ID_LEN],
	      u8 key[SMW_KEY_LEN]);

#endif /* SELFMIG_CORE_AUTHKEY_H */
