// SPDX-License-Identifier: GPL-2.0
/* Page forwarding and the switch's rule for each frame: see forward.h. */
#include "forward.h"
#include "wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int hk_fwd_init(struct hk_fwd *f, struct sxs_sink *sink, uint64_t nr)
{
	memset(f, 0, sizeof(*f));
	f->sink = sink;
	f->nr = nr;
	f->sent = calloc((size_t)(nr + 7) / 8 + 1, 1);
	f->data = malloc((size_t)SXS_BATCH_MAX * SXS_PAGE_SIZE);
	if (!f->sent || !f->data) {
		hk_fwd_free(f);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void hk_fwd_free(struct hk_fwd *f)
{
	uint8_t **bufs[] = { &f->sent, &f->data, &f->allocated };
	size_t i;

	for (i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		free(*bufs[i]);
		*bufs[i] = NULL;
	}
	free(f->digest);
	f->digest = NULL;
}

int hk_fwd_keep_digests(struct hk_fwd *f)
{
	f->digest = calloc((size_t)f->nr + 1, sizeof(*f->digest));
	if (!f->digest) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

uint64_t hk_page_digest(const uint8_t *page)
{
	static const uint8_t zero[SXS_PAGE_SIZE];
	const uint8_t *p = page ? page : zero;
	uLong c = crc32(0L, p, SXS_PAGE_SIZE);
	uLong a = adler32(1L, p, SXS_PAGE_SIZE);

	return (uint64_t)(c & 0xffffffffu) << 32 | (a & 0xffffffffu);
}

bool hk_fwd_matches(const struct hk_fwd *f, uint64_t pfn, const uint8_t *page)
{
	return f->digest && pfn < f->nr && f->digest[pfn] == hk_page_digest(page);
}

int hk_fwd_flush(struct hk_fwd *f)
{
	int r = 0;

	if (f->n)
		r = sxs_write_pages(f->sink, f->pfns, f->types, f->n, f->data);
	f->n = 0;
	f->with_data = 0;
	return r;
}

uint8_t *hk_fwd_slot(struct hk_fwd *f)
{
	if (f->n == SXS_BATCH_MAX && hk_fwd_flush(f))
		return NULL;
	return f->data + (size_t)f->with_data * SXS_PAGE_SIZE;
}

int hk_fwd_commit(struct hk_fwd *f, uint64_t pfn)
{
	f->pfns[f->n] = pfn;
	f->types[f->n] = (uint8_t)SXS_TYPE_NOTAB;
	f->n++;
	f->with_data++;
	return 0;
}

int hk_fwd_add(struct hk_fwd *f, uint64_t pfn, uint8_t type, const uint8_t *page)
{
	uint8_t *dst = hk_fwd_slot(f);

	if (!dst)
		return -1;
	if (type != SXS_TYPE_NOTAB) {
		f->pfns[f->n] = pfn;
		f->types[f->n] = type;
		f->n++;
		return 0;
	}
	if (page)
		memcpy(dst, page, SXS_PAGE_SIZE);
	else
		memset(dst, 0, SXS_PAGE_SIZE);
	return hk_fwd_commit(f, pfn);
}

int hk_fwd_page(void *ctx, uint64_t gfn, const uint8_t *page)
{
	struct hk_fwd *f = ctx;

	if (gfn < f->nr) {
		f->sent[gfn / 8] |= (uint8_t)(1u << (gfn % 8));
		if (f->digest)
			f->digest[gfn] = hk_page_digest(page);
	}
	f->forwarded++;
	return hk_fwd_add(f, gfn, SXS_TYPE_NOTAB, page);
}

bool hk_final_set_is_ours(const struct smfs_header *h, const uint8_t id[16])
{
	return !memcmp(h->id, id, SMFS_ID_LEN);
}

static void hex16(char out[33], const uint8_t id[16])
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

int hk_check_final_set_id(const struct smfs_header *h, const uint8_t id[16],
			  char *err, size_t errlen)
{
	char theirs[33], ours[33];

	if (hk_final_set_is_ours(h, id))
		return 0;
	hex16(theirs, h->id);
	hex16(ours, id);
	snprintf(err, errlen, "the guest's final set belongs to migration %s, not to this one (%s): it is left from another migration, and must not decide what is copied",
		 theirs, ours);
	return -1;
}

static bool map_has(const uint8_t *map, uint64_t nr, uint64_t pfn)
{
	return map && pfn < nr && (map[pfn / 8] & (1u << (pfn % 8)));
}

bool hk_fwd_was_sent(const struct hk_fwd *f, uint64_t pfn)
{
	return map_has(f->sent, f->nr, pfn);
}

bool hk_fwd_was_allocated(const struct hk_fwd *f, uint64_t pfn)
{
	return map_has(f->allocated, f->nr, pfn);
}

int64_t hk_fwd_prealloc(struct hk_fwd *f, const uint8_t *populated, uint64_t count,
			uint64_t max)
{
	uint64_t pfn, n = 0;

	if (!f->allocated) {
		f->allocated = calloc((size_t)(f->nr + 7) / 8 + 1, 1);
		if (!f->allocated) {
			errno = ENOMEM;
			return -1;
		}
	}
	if (count > f->nr)
		count = f->nr;
	/* The cursor only moves on: no frame is looked at twice. */
	for (pfn = f->prealloc_next; pfn < count && n < max; pfn++) {
		if (!map_has(populated, f->nr, pfn) || hk_fwd_was_sent(f, pfn))
			continue;
		if (hk_fwd_add(f, pfn, SXS_TYPE_XALLOC, NULL))
			return -1;
		f->allocated[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
		n++;
	}
	f->prealloc_next = pfn;
	if (hk_fwd_flush(f))
		return -1;
	f->preallocated += n;
	return (int64_t)n;
}

bool hk_fwd_prealloc_done(const struct hk_fwd *f, uint64_t count)
{
	return f->prealloc_next >= (count < f->nr ? count : f->nr);
}

enum hk_action hk_plan_frame(bool populated, bool below, bool dirty,
			     bool free, bool sent)
{
	if (!populated)
		return HK_SKIP;		/* not populated in the source either */
	if (!below)
		return HK_COPY;		/* rings and Xen's pages: always */
	if (dirty)
		return HK_COPY;		/* the final set */
	if (sent)
		return HK_SKIP;		/* pre-copied and clean */
	return free ? HK_ALLOC : HK_COPY;	/* never sent */
}

uint64_t hk_guest_page_limit(uint64_t max_pages)
{
	if (max_pages >= SMW_MAX_GUEST_PAGES - HK_HOLE_SLACK_PAGES)
		return SMW_MAX_GUEST_PAGES;
	return max_pages + HK_HOLE_SLACK_PAGES;
}

int hk_check_page_count(uint64_t count, uint64_t limit, const char *what,
			char *err, size_t errlen)
{
	if (count <= limit)
		return 0;
	snprintf(err, errlen, "%s claims %llu frames (%llu MiB), more than the domain's maximum memory allows: %llu frames, with %llu for holes",
		 what, (unsigned long long)count, (unsigned long long)(count >> 8),
		 (unsigned long long)limit,
		 (unsigned long long)HK_HOLE_SLACK_PAGES);
	return -1;
}
