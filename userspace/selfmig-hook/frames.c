// SPDX-License-Identifier: GPL-2.0
/* Populated frames, from what the mappings answer: see frames.h. */
#include "frames.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum hk_frame hk_frame_kind(int err)
{
	if (!err)
		return HK_FRAME_MAPPED;
	return err == -EINVAL ? HK_FRAME_HOLE : HK_FRAME_FAILED;
}

int hk_mark_batch(uint8_t *bm, const uint64_t *pfns, const int *errs,
		  unsigned int n, uint64_t *found, unsigned int *bad)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		switch (hk_frame_kind(errs[i])) {
		case HK_FRAME_MAPPED:
			bm[pfns[i] / 8] |= (uint8_t)(1u << (pfns[i] % 8));
			++*found;
			break;
		case HK_FRAME_HOLE:
			break;
		case HK_FRAME_FAILED:
			*bad = i;
			return -1;
		}
	}
	return 0;
}

int hk_bitmap_resize(uint8_t **bm, uint64_t old_nr, uint64_t nr)
{
	size_t oldb = (size_t)(old_nr + 7) / 8 + 1, newb = (size_t)(nr + 7) / 8 + 1;
	uint8_t *b = *bm;
	uint64_t i;

	if (newb > oldb) {
		b = realloc(b, newb);
		if (!b)
			return -1;
		memset(b + oldb, 0, newb - oldb);
		*bm = b;
	}
	/* Bits from the smaller size up (in its last byte too) mean nothing. */
	for (i = nr < old_nr ? nr : old_nr; i < (uint64_t)((nr > old_nr ? nr : old_nr) + 7) / 8 * 8; i++)
		b[i / 8] &= (uint8_t)~(1u << (i % 8));
	return 0;
}

unsigned int hk_reprobe_batch(const uint8_t *bm, uint64_t old_nr, uint64_t nr,
			      uint64_t ram_limit, uint64_t *cursor,
			      uint64_t *pfns, unsigned int max)
{
	uint64_t pfn = *cursor, ram = ram_limit < nr ? ram_limit : nr;
	unsigned int n = 0;

	while (pfn < nr && n < max) {
		if (pfn >= ram && pfn < old_nr) {
			pfn = old_nr;	/* known, above the RAM: not tried again */
			continue;
		}
		if (!hk_bit(bm, pfn))
			pfns[n++] = pfn;
		pfn++;
	}
	*cursor = pfn;
	return n;
}
