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

/*
 * The secret of the sealed (version 3) seed streams.  The receiver (and
 * fuzz_receive's re-seal pass) derives a stream's key from it and the id
 * and salt of that stream's header.
 */
static const u8 smf_test_key[SMW_KEY_LEN] = "selfmig fuzz secret, 32 bytes..";

/*
 * The stream salt (header bytes 48..59) of the sealed seed: fixed, so that
 * mkseeds writes the same seed every time; a sender draws it at random.
 */
static const u8 smf_test_salt[SMW_SALT_LEN] = {
	0xf0, 0x0d, 0x5a, 0x17, 0x0c, 0xa5, 0xe3, 0x21, 0x9b, 0x46, 0x7e, 0xd8
};

#endif /* SELFMIG_FUZZ_COMMON_H */
