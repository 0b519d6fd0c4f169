// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for how selfmig-hook learns a guest's populated frames
 * (userspace/selfmig-hook/frames.c): only Xen's answer for a hole makes a
 * frame unpopulated, any other failure to map is an error; and at the
 * switch the frames tried again are the unknown ones of the guest's RAM and
 * every frame the physical map gained during pre-copy.
 *
 * Before frames.c any failure counted as a hole, and only frames below the
 * guest's page count were tried again, so a frame that failed to map, or
 * one the map gained above the RAM, was silently left out of the switch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../userspace/selfmig-hook/frames.h"

static void set(uint8_t *bm, uint64_t i)
{
	bm[i / 8] |= (uint8_t)(1u << (i % 8));
}

int main(void)
{
	uint64_t pfns[600], found, cursor, got[2000];
	uint8_t *bm;
	unsigned int n, bad, i, total;
	int errs[8];

	tap_test("a frame's answer: mapped, a hole (EINVAL), or there but not mapped");
	CHECK_EQ(hk_frame_kind(0), HK_FRAME_MAPPED);
	CHECK_EQ(hk_frame_kind(-EINVAL), HK_FRAME_HOLE);
	CHECK_EQ(hk_frame_kind(-ENOENT), HK_FRAME_FAILED);	/* paged out or shared */
	CHECK_EQ(hk_frame_kind(-ENOMEM), HK_FRAME_FAILED);
	CHECK_EQ(hk_frame_kind(-EPERM), HK_FRAME_FAILED);
	CHECK_EQ(hk_frame_kind(-EFAULT), HK_FRAME_FAILED);
	CHECK_EQ(hk_frame_kind(-EBUSY), HK_FRAME_FAILED);

	tap_test("a batch: mapped frames are set, holes left, a failed frame stops it");
	bm = calloc(16, 1);
	for (i = 0; i < 8; i++) {
		pfns[i] = 10 + 3 * i;
		errs[i] = i % 2 ? -EINVAL : 0;
	}
	found = 0;
	CHECK_EQ(hk_mark_batch(bm, pfns, errs, 8, &found, &bad), 0);
	CHECK_EQ(found, 4);
	for (i = 0; i < 8; i++)
		CHECK(hk_bit(bm, pfns[i]) == !(i % 2));
	memset(bm, 0, 16);
	errs[5] = -ENOENT;
	found = 0;
	bad = 99;
	CHECK_EQ(hk_mark_batch(bm, pfns, errs, 8, &found, &bad), -1);
	CHECK_EQ(bad, 5);
	free(bm);

	tap_test("the bitmap follows the map: gained frames unknown, lost frames cleared");
	bm = calloc((100 + 7) / 8 + 1, 1);
	memset(bm, 0xff, (100 + 7) / 8 + 1);
	CHECK_EQ(hk_bitmap_resize(&bm, 100, 5000), 0);
	CHECK(hk_bit(bm, 99));
	for (i = 100; i < 5000; i++)
		if (hk_bit(bm, i))
			break;
	CHECK_EQ(i, 5000);
	CHECK_EQ(hk_bitmap_resize(&bm, 5000, 50), 0);
	CHECK(hk_bit(bm, 49));
	for (i = 50; i < 56; i++)
		CHECK(!hk_bit(bm, i));
	free(bm);

	tap_test("at the switch: the RAM's unknown frames and all the map gained are tried again");
	/* RAM: 1000 frames, 900 known; the map had 1600 frames, has 1700 now. */
	bm = calloc((1700 + 7) / 8 + 1, 1);
	for (i = 0; i < 900; i++)
		set(bm, i);
	set(bm, 1200);			/* a known page above the RAM */
	cursor = 0;
	total = 0;
	while ((n = hk_reprobe_batch(bm, 1600, 1700, 1000, &cursor, pfns, 512))) {
		CHECK(n <= 512);
		memcpy(got + total, pfns, n * sizeof(*pfns));
		total += n;
		if (total > 1800)
			break;
	}
	CHECK_EQ(total, 100 + 100);
	CHECK_EQ(got[0], 900);
	CHECK_EQ(got[99], 999);
	CHECK_EQ(got[100], 1600);	/* the map's growth, above the RAM */
	CHECK_EQ(got[199], 1699);
	/* A page count above the map: every unknown frame of the map. */
	cursor = 0;
	total = 0;
	while ((n = hk_reprobe_batch(bm, 1600, 1700, 1u << 20, &cursor, pfns, 512)))
		total += n;
	CHECK_EQ(total, 1700 - 900 - 1);
	/* Small batches come out in order and end. */
	cursor = 0;
	n = hk_reprobe_batch(bm, 1600, 1700, 1000, &cursor, pfns, 3);
	CHECK_EQ(n, 3);
	CHECK(pfns[0] == 900 && pfns[2] == 902 && cursor == 903);
	free(bm);
	return tap_done();
}
