// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-hook: a domain's memory as dom0 reads it through foreign
 * mappings, Xen calls: which frames are populated (frames.h; frames.c
 * judges what each mapping answers), what frames hold, the domain's
 * maximum memory, and the guest's final-set descriptor
 * (docs/final-set.md).
 *
 * See verify_xen.c for why __STRICT_ANSI__ is dropped.
 */
#undef __STRICT_ANSI__

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenstore.h>

#include "hook_xen.h"
#include "hook_xen_int.h"
#include "finalset.h"
#include "frames.h"
#include "xenstream.h"

/* A frame that is there but could not be mapped (frames.h): why, in err. */
void hk_frame_failed(uint64_t pfn, uint32_t domid, int e, char *err,
		  size_t errlen)
{
	ERR("frame %#llx of domain %u is populated but cannot be mapped: %s; it cannot be left out",
	    (unsigned long long)pfn, domid, strerror(-e));
}

int hk_xen_max_pages(struct hk_xen *x, uint32_t domid, uint64_t *pages,
		     char *err, size_t errlen)
{
	xc_dominfo_t info;

	if (xc_domain_getinfo(x->h.xch, domid, 1, &info) != 1 || info.domid != domid) {
		ERR("cannot read domain %u's maximum memory: %s", domid,
		    strerror(errno ? errno : ESRCH));
		return -1;
	}
	/* max_memkb is Xen's max_pages in KiB. */
	*pages = (uint64_t)info.max_memkb / (SXS_PAGE_SIZE / 1024);
	return 0;
}

/* Map pfns (n <= SXS_BATCH_MAX) to see which are populated, into bm. */
static int probe_batch(struct hk_xen *x, uint32_t domid, const uint64_t *pfns,
		       unsigned int n, uint8_t *bm, uint64_t *found, char *err,
		       size_t errlen)
{
	xen_pfn_t p[SXS_BATCH_MAX];
	int errs[SXS_BATCH_MAX];
	unsigned int i, bad;
	void *map;
	int r;

	for (i = 0; i < n; i++)
		p[i] = pfns[i];
	map = xenforeignmemory_map(x->h.fmem, domid, PROT_READ, n, p, errs);
	if (!map) {
		/* Holes fail one by one, in errs; this is not that. */
		ERR("cannot map frames %#llx-%#llx of domain %u to see which are populated: %s",
		    (unsigned long long)pfns[0], (unsigned long long)pfns[n - 1],
		    domid, strerror(errno));
		return -1;
	}
	r = hk_mark_batch(bm, pfns, errs, n, found, &bad);
	if (r)
		hk_frame_failed(pfns[bad], domid, errs[bad], err, errlen);
	xenforeignmemory_unmap(x->h.fmem, map, n);
	return r;
}

int hk_xen_populated(struct hk_xen *x, uint32_t domid, uint8_t **bitmap,
		     uint64_t *nr_out, char *err, size_t errlen)
{
	uint64_t base, found = 0, pfns[SXS_BATCH_MAX];
	xen_pfn_t nr = 0;
	uint8_t *bm;

	if (xc_domain_nr_gpfns(x->h.xch, domid, &nr) < 0) {
		ERR("cannot read domain %u's physical map size: %s", domid,
		    strerror(errno));
		return -1;
	}
	bm = calloc((size_t)(nr + 7) / 8 + 1, 1);
	if (!bm) {
		ERR("out of memory");
		return -1;
	}
	for (base = 0; base < nr; base += SXS_BATCH_MAX) {
		unsigned int n = nr - base < SXS_BATCH_MAX ? (unsigned int)(nr - base)
							   : SXS_BATCH_MAX;
		unsigned int i;

		for (i = 0; i < n; i++)
			pfns[i] = base + i;
		if (probe_batch(x, domid, pfns, n, bm, &found, err, errlen)) {
			free(bm);
			return -1;
		}
	}
	*bitmap = bm;
	*nr_out = nr;
	return 0;
}

int hk_xen_populated_again(struct hk_xen *x, uint32_t domid, uint8_t **bitmap,
			   uint64_t *nr_io, uint64_t limit, uint64_t *found,
			   char *err, size_t errlen)
{
	uint64_t old = *nr_io, cursor = 0, pfns[SXS_BATCH_MAX];
	xen_pfn_t nr = 0;
	unsigned int n;

	*found = 0;
	if (xc_domain_nr_gpfns(x->h.xch, domid, &nr) < 0) {
		ERR("cannot read domain %u's physical map size: %s", domid,
		    strerror(errno));
		return -1;
	}
	if (hk_bitmap_resize(bitmap, old, nr)) {
		ERR("out of memory");
		return -1;
	}
	*nr_io = nr;
	while ((n = hk_reprobe_batch(*bitmap, old, nr, limit, &cursor, pfns,
				     SXS_BATCH_MAX)))
		if (probe_batch(x, domid, pfns, n, *bitmap, found, err, errlen))
			return -1;
	return 0;
}

int hk_xen_read_pages(struct hk_xen *x, uint32_t domid, const uint64_t *pfns,
		      unsigned int n, uint8_t *buf, char *err, size_t errlen)
{
	xen_pfn_t p[SXS_BATCH_MAX] = { 0 };
	int errs[SXS_BATCH_MAX];
	unsigned int i;
	uint8_t *map;

	if (n > SXS_BATCH_MAX) {
		ERR("internal: batch of %u pages", n);
		return -1;
	}
	for (i = 0; i < n; i++)
		p[i] = pfns[i];
	map = xenforeignmemory_map(x->h.fmem, domid, PROT_READ, n, p, errs);
	if (!map) {
		ERR("mapping %u frames of domain %u: %s", n, domid, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (errs[i]) {
			ERR("frame %#llx of domain %u cannot be mapped: %s",
			    (unsigned long long)pfns[i], domid, strerror(-errs[i]));
			xenforeignmemory_unmap(x->h.fmem, map, n);
			return -1;
		}
		memcpy(buf + (size_t)i * SXS_PAGE_SIZE, map + (size_t)i * SXS_PAGE_SIZE,
		       SXS_PAGE_SIZE);
	}
	xenforeignmemory_unmap(x->h.fmem, map, n);
	return 0;
}

int hk_xen_final_set(struct hk_xen *x, uint32_t domid, struct smfs_header *h,
		     uint8_t **maps_out, char *err, size_t errlen)
{
	const uint8_t *dirty[SMFS_MAX_BITMAP_PAGES], *freem[SMFS_MAX_BITMAP_PAGES];
	uint8_t page[SXS_PAGE_SIZE], *maps;
	char path[96], *val, *end;
	unsigned int len = 0, i, n;
	uint64_t gfn;
	int e;

	snprintf(path, sizeof(path), "/local/domain/%u/control/selfmig/final-set",
		 domid);
	val = xs_read(x->h.xsh, XBT_NULL, path, &len);
	if (!val) {
		ERR("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	gfn = strtoull(val, &end, 16);
	if (!len || strlen(val) != len || *end || errno || len > 16) {
		ERR("%s is not a gfn in hexadecimal", path);
		free(val);
		return -1;
	}
	free(val);
	if (hk_xen_read_pages(x, domid, &gfn, 1, page, err, errlen))
		return -1;
	e = smfs_parse_header(page, sizeof(page), h);
	if (e) {
		ERR("final-set header at gfn %#llx rejected: %s",
		    (unsigned long long)gfn, smfs_strerror(e));
		return -1;
	}
	n = h->bitmap_pages;
	maps = malloc((size_t)2 * n * SXS_PAGE_SIZE);
	if (!maps) {
		ERR("out of memory");
		return -1;
	}
	for (i = 0; i < 2 * n; i++) {
		uint64_t g = i < n ? h->dirty_gfns[i] : h->free_gfns[i - n];

		if (hk_xen_read_pages(x, domid, &g, 1, maps + (size_t)i * SXS_PAGE_SIZE,
				      err, errlen)) {
			free(maps);
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		dirty[i] = maps + (size_t)i * SXS_PAGE_SIZE;
		freem[i] = maps + (size_t)(n + i) * SXS_PAGE_SIZE;
	}
	e = smfs_check_bitmaps(h, dirty, freem);
	if (e) {
		ERR("final-set bitmaps rejected: %s", smfs_strerror(e));
		free(maps);
		return -1;
	}
	*maps_out = maps;
	return 0;
}
