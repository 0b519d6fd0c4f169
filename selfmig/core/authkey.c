// SPDX-License-Identifier: GPL-2.0
/* The migration secret as a line of text: see authkey.h. */
#include "authkey.h"
#include "crc32c.h"

#define SMK_ID_AT	17U			/* after the magic */
#define SMK_KEY_AT	(SMK_ID_AT + 32U + 5U)	/* after " key=" */
#define SMK_CRC_AT	(SMK_KEY_AT + 64U + 5U)	/* after " crc=" */
#define SMK_SIGNED	(SMK_KEY_AT + 64U)	/* characters under the crc */

static const char smk_hex[] = "0123456789abcdef";

static void smk_put_hex(char *out, const u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = smk_hex[p[i] >> 4];
		out[2 * i + 1] = smk_hex[p[i] & 15];
	}
}

static int smk_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int smk_get_hex(const char *in, u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = smk_nibble(in[2 * i]), lo = smk_nibble(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		p[i] = (u8)(hi << 4 | lo);
	}
	return 0;
}

void smk_format(char buf[SMK_LINE_LEN + 1], const u8 id[SMW_ID_LEN],
		const u8 key[SMW_KEY_LEN])
{
	u8 crc[4];
	u32 c;

	memcpy(buf, SMK_MAGIC, SMK_ID_AT);
	smk_put_hex(buf + SMK_ID_AT, id, SMW_ID_LEN);
	memcpy(buf + SMK_KEY_AT - 5, " key=", 5);
	smk_put_hex(buf + SMK_KEY_AT, key, SMW_KEY_LEN);
	memcpy(buf + SMK_CRC_AT - 5, " crc=", 5);
	c = smw_crc32c(0, buf, SMK_SIGNED);
	crc[0] = (u8)(c >> 24);
	crc[1] = (u8)(c >> 16);
	crc[2] = (u8)(c >> 8);
	crc[3] = (u8)c;
	smk_put_hex(buf + SMK_CRC_AT, crc, 4);
	buf[SMK_LINE_LEN] = 0;
}

int smk_parse(const char *s, size_t len, u8 id[SMW_ID_LEN],
	      u8 key[SMW_KEY_LEN])
{
	u8 crc[4];

	if (len == SMK_LINE_LEN + 1 && s[SMK_LINE_LEN] == '\n')
		len--;
	if (len != SMK_LINE_LEN || memcmp(s, SMK_MAGIC, SMK_ID_AT) ||
	    memcmp(s + SMK_KEY_AT - 5, " key=", 5) ||
	    memcmp(s + SMK_CRC_AT - 5, " crc=", 5) ||
	    smk_get_hex(s + SMK_ID_AT, id, SMW_ID_LEN) ||
	    smk_get_hex(s + SMK_KEY_AT, key, SMW_KEY_LEN) ||
	    smk_get_hex(s + SMK_CRC_AT, crc, 4))
		goto bad;
	if (smw_crc32c(0, s, SMK_SIGNED) !=
	    ((u32)crc[0] << 24 | (u32)crc[1] << 16 | (u32)crc[2] << 8 | crc[3]))
		goto bad;
	return 0;
bad:
	memset(key, 0, SMW_KEY_LEN);
	return -EINVAL;
}
