/* SPDX-License-Identifier: GPL-2.0 */
/* What the fuzz harnesses and their seed generator share. */
#ifndef SELFMIG_FUZZ_COMMON_H
#define SELFMIG_FUZZ_COMMON_H

#include <stdint.h>

#include "wire.h"

/* The migration id of every seed stream; the harness's receiver expects it. */
static const u8 smf_test_id[SMW_ID_LEN] = {
	0x5e, 0x1f, 0x31, 0x6e, 0x00, 0x11, 0x22, 0x33,
	0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb
};

/* The secret of the authenticated (version 2) seed streams. */
static const u8 smf_test_key[SMW_KEY_LEN] = "selfmig fuzz secret, 32 bytes..";

#endif /* SELFMIG_FUZZ_COMMON_H */
