// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the walker of Xen's save/migration stream
 * (userspace/common/xenstream.c), which checks every image selfmig-hook
 * writes and every stream the receiver assembles.  The first byte selects
 * whether an xl header is expected; the page callback reads every byte of
 * each page it is given, so a page that runs past the input is a finding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xenstream.h"

static int touch(void *ctx, uint64_t pfn, const uint8_t *page)
{
	unsigned int *sum = ctx;

	(void)pfn;
	for (unsigned int i = 0; i < SXS_PAGE_SIZE; i++)
		*sum += page[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sxs_walk_stats st;
	unsigned int sum = 0;
	char err[160];
	uint8_t *copy;

	if (!len)
		return 0;
	/* An exact-size heap copy, so that ASan sees any read past the end. */
	copy = malloc(len - 1 ? len - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, len - 1);
	if (sxs_walk(copy, len - 1, data[0] & 1, &st, touch, &sum, err, sizeof(err)))
		if (!err[0] || !memchr(err, 0, sizeof(err)))
			abort();	/* a refusal always says why */
	free(copy);
	return 0;
}
