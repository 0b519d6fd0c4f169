// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for selfmig-hook self's hypervisor-free parts
 * (userspace/selfmig-hook/forward.c): the guest's pages forwarded as Xen
 * PAGE_DATA records come back byte for byte, zero pages as zeros, the last
 * copy of a page winning; and the switch's rule for every frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "testbuf.h"
#include "../../userspace/selfmig-hook/forward.h"
#include "wire.h"

static int buf_write(void *ctx, const void *p, size_t len)
{
	buf_put(ctx, p, len);
	return 0;
}

#define NR 2000u

static uint8_t expect[NR][SXS_PAGE_SIZE];
static uint8_t times[NR];	/* copies of each pfn seen so far */
static unsigned int mismatches, seen;

static int check_page(void *ctx, uint64_t pfn, const uint8_t *page)
{
	(void)ctx;
	seen++;
	if (pfn >= NR)
		return -1;
	times[pfn]++;
	/* pfns 100..399 were sent twice: the second copy is the one kept */
	if (times[pfn] == (pfn >= 100 && pfn < 400 ? 2 : 1) &&
	    memcmp(page, expect[pfn], SXS_PAGE_SIZE))
		mismatches++;
	return 0;
}

static void fill(uint8_t *p, uint64_t pfn, unsigned int gen)
{
	for (unsigned int i = 0; i < SXS_PAGE_SIZE; i++)
		p[i] = (uint8_t)(pfn + i * 3 + gen * 101);
}

int main(void)
{
	struct buf b = { 0 };
	struct sxs_sink s = { buf_write, &b, 0 };
	struct sxs_walk_stats st;
	struct hk_fwd f;
	uint8_t page[SXS_PAGE_SIZE], ctx[32] = { 1 };
	char err[200];
	uint64_t pfn;
	unsigned int ok, i;

	tap_test("forwarded rounds walk back byte for byte; zero pages are zeros");
	CHECK(hk_fwd_init(&f, &s, NR) == 0);
	CHECK(sxs_write_libxl_start(&s) == 0 && sxs_write_libxc_start(&s, 4, 17) == 0);
	CHECK(sxs_write_record(&s, SXS_REC_STATIC_DATA_END, NULL, 0) == 0);
	/* round 0: every page; pfns divisible by 7 are zero pages */
	for (pfn = 0; pfn < NR; pfn++) {
		if (pfn % 7 == 0) {
			CHECK(hk_fwd_page(&f, pfn, NULL) == 0);
		} else {
			fill(page, pfn, 0);
			CHECK(hk_fwd_page(&f, pfn, page) == 0);
		}
	}
	CHECK(hk_fwd_flush(&f) == 0);
	/* round 1: 300 pages again, new content */
	for (pfn = 100; pfn < 400; pfn++) {
		fill(page, pfn, 1);
		CHECK(hk_fwd_page(&f, pfn, page) == 0);
	}
	CHECK(hk_fwd_add(&f, NR + 5, SXS_TYPE_XALLOC, NULL) == 0);
	CHECK(hk_fwd_flush(&f) == 0);
	CHECK(sxs_write_record(&s, SXS_REC_HVM_CONTEXT, ctx, sizeof(ctx)) == 0);
	CHECK(sxs_write_end(&s) == 0);
	CHECK(f.forwarded == NR + 300);
	/* the last copy of each page is what the destination keeps */
	for (pfn = 0; pfn < NR; pfn++) {
		if (pfn >= 100 && pfn < 400)
			fill(expect[pfn], pfn, 1);
		else if (pfn % 7 == 0)
			memset(expect[pfn], 0, SXS_PAGE_SIZE);
		else
			fill(expect[pfn], pfn, 0);
	}
	CHECK(sxs_walk(b.p, b.len, false, &st, NULL, NULL, err, sizeof(err)) == 0);
	CHECK(st.pages == NR + 300 && st.pfn_words == NR + 301);
	CHECK(st.page_records == (NR + SXS_BATCH_MAX - 1) / SXS_BATCH_MAX + 1);
	{
		memset(times, 0, sizeof(times));
		mismatches = seen = 0;
		CHECK(sxs_walk(b.p, b.len, false, &st, check_page, NULL, err, sizeof(err)) == 0);
		CHECK(mismatches == 0 && seen == NR + 300);
		CHECK(times[150] == 2 && times[99] == 1 && times[7] == 1);
	}
	ok = 1;
	for (pfn = 0; pfn < NR; pfn++)
		ok &= hk_fwd_was_sent(&f, pfn);
	CHECK(ok);
	CHECK(!hk_fwd_was_sent(&f, NR) && !hk_fwd_was_sent(&f, NR + 5));
	hk_fwd_free(&f);
	free(b.p);

	tap_test("the switch copies the final set, the unsent and beyond-RAM frames, and nothing clean");
	ok = 1;
	for (i = 0; i < 32; i++) {
		bool pop = i & 1, below = i & 2, dirty = i & 4, fr = i & 8, sent = i & 16;
		enum hk_action a = hk_plan_frame(pop, below, dirty, fr, sent), want;

		if (!pop)
			want = HK_SKIP;
		else if (!below || dirty)
			want = HK_COPY;
		else if (sent)
			want = HK_SKIP;
		else
			want = fr ? HK_ALLOC : HK_COPY;
		if (a != want) {
			printf("# pop %d below %d dirty %d free %d sent %d: %d, want %d\n",
			       pop, below, dirty, fr, sent, a, want);
			ok = 0;
		}
	}
	CHECK(ok);
	/* the cases that matter most, spelled out */
	CHECK(hk_plan_frame(true, true, false, false, true) == HK_SKIP);
	CHECK(hk_plan_frame(true, true, true, true, true) == HK_COPY);
	CHECK(hk_plan_frame(true, true, false, true, false) == HK_ALLOC);
	CHECK(hk_plan_frame(false, true, true, false, false) == HK_SKIP);

	tap_test("the final set must carry this migration's id");
	{
		struct smfs_header fh;
		uint8_t id[16];

		memset(&fh, 0, sizeof(fh));
		memset(id, 0xab, sizeof(id));
		memcpy(fh.id, id, sizeof(id));
		CHECK(hk_final_set_is_ours(&fh, id));
		CHECK_EQ(hk_check_final_set_id(&fh, id, err, sizeof(err)), 0);
		fh.id[15] ^= 1;
		CHECK(!hk_final_set_is_ours(&fh, id));
		CHECK_EQ(hk_check_final_set_id(&fh, id, err, sizeof(err)), -1);
		/* Both ids in full: a difference in the last byte shows. */
		CHECK(strstr(err, "abababababababababababababababaa") != NULL);
		CHECK(strstr(err, "abababababababababababababababab") != NULL);
		CHECK(strstr(err, "another migration") != NULL);
	}

	tap_test("--verify: a page matches what was last sent, and nothing else does");
	memset(&b, 0, sizeof(b));
	CHECK(hk_fwd_init(&f, &s, NR) == 0);
	CHECK(!hk_fwd_matches(&f, 3, NULL));	/* no digests kept */
	CHECK(hk_fwd_keep_digests(&f) == 0);
	fill(page, 5, 0);
	CHECK(hk_fwd_page(&f, 5, page) == 0);
	CHECK(hk_fwd_page(&f, 6, NULL) == 0);
	CHECK(hk_fwd_matches(&f, 5, page));
	fill(page, 5, 1);
	CHECK(!hk_fwd_matches(&f, 5, page));	/* newer than what was sent */
	CHECK(hk_fwd_page(&f, 5, page) == 0);
	CHECK(hk_fwd_matches(&f, 5, page));
	page[SXS_PAGE_SIZE - 1] ^= 1;		/* one bit anywhere */
	CHECK(!hk_fwd_matches(&f, 5, page));
	memset(page, 0, sizeof(page));
	CHECK(hk_fwd_matches(&f, 6, page) && hk_fwd_matches(&f, 6, NULL));
	CHECK(!hk_fwd_matches(&f, NR, page));	/* beyond the frames */
	CHECK(hk_page_digest(NULL) == hk_page_digest(page));
	hk_fwd_free(&f);
	free(b.p);

	tap_test("after round 0, the populated frames left out are allocated early, once");
	{
		static uint8_t populated[NR / 8 + 1];
		uint64_t want = 0;
		int64_t n;

		memset(&b, 0, sizeof(b));
		CHECK(hk_fwd_init(&f, &s, NR) == 0);
		CHECK(!hk_fwd_was_allocated(&f, 1));	/* nothing allocated yet */
		CHECK(sxs_write_libxl_start(&s) == 0 && sxs_write_libxc_start(&s, 4, 17) == 0);
		CHECK(sxs_write_record(&s, SXS_REC_STATIC_DATA_END, NULL, 0) == 0);
		for (pfn = 0; pfn < NR; pfn++)
			if (pfn % 11)
				populated[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
		/* round 0 sends every third frame */
		for (pfn = 0; pfn < NR; pfn += 3)
			CHECK(hk_fwd_page(&f, pfn, NULL) == 0);
		for (pfn = 0; pfn < 1500; pfn++)
			want += (pfn % 11) && (pfn % 3);
		/* a batch at a time, from where the last one stopped */
		CHECK(!hk_fwd_prealloc_done(&f, 1500));
		CHECK_EQ(hk_fwd_prealloc(&f, populated, 1500, 100), 100);
		CHECK(!hk_fwd_prealloc_done(&f, 1500));
		n = 100;
		while (!hk_fwd_prealloc_done(&f, 1500))
			n += hk_fwd_prealloc(&f, populated, 1500, 100);
		CHECK_EQ(n, (long long)want);
		CHECK_EQ(f.preallocated, want);
		CHECK(hk_fwd_was_allocated(&f, 1) && hk_fwd_was_allocated(&f, 1499));
		CHECK(!hk_fwd_was_allocated(&f, 3));	/* sent */
		CHECK(!hk_fwd_was_allocated(&f, 22));	/* not populated */
		CHECK(!hk_fwd_was_allocated(&f, 1501));	/* at or above the count */
		CHECK(!hk_fwd_was_allocated(&f, NR + 1));
		/* again: nothing new; a count above the frames is clamped */
		CHECK_EQ(hk_fwd_prealloc(&f, populated, 1500, UINT64_MAX), 0);
		n = hk_fwd_prealloc(&f, populated, 10 * NR, UINT64_MAX);
		CHECK(hk_fwd_prealloc_done(&f, 10 * NR));
		want = 0;
		for (pfn = 1500; pfn < NR; pfn++)
			want += (pfn % 11) && (pfn % 3);
		CHECK_EQ(n, (long long)want);
		CHECK(hk_fwd_was_allocated(&f, NR - 1));
		/* the stream holds them as allocate-only frames, no data */
		CHECK(sxs_write_record(&s, SXS_REC_HVM_CONTEXT, ctx, sizeof(ctx)) == 0);
		CHECK(sxs_write_end(&s) == 0);
		CHECK(sxs_walk(b.p, b.len, false, &st, NULL, NULL, err, sizeof(err)) == 0);
		CHECK_EQ(st.pages, (NR + 2) / 3);
		CHECK_EQ(st.pfn_words - st.pages, f.preallocated);
		hk_fwd_free(&f);
		CHECK(!hk_fwd_was_allocated(&f, 1));
		free(b.p);
	}

	tap_test("the guest's page count is bounded by its maximum memory plus 4 GiB for holes");
	{
		/* A 256 MiB guest: 65536 pages, and up to 4 GiB of holes above. */
		CHECK_EQ(hk_guest_page_limit(65536), 65536 + (1ULL << 20));
		CHECK_EQ(hk_check_page_count(65536, hk_guest_page_limit(65536), "x",
					     err, sizeof(err)), 0);
		CHECK_EQ(hk_check_page_count(65536 + (1ULL << 20), hk_guest_page_limit(65536),
					     "x", err, sizeof(err)), 0);
		/* What the guest claims beyond that is refused, with both numbers. */
		CHECK_EQ(hk_check_page_count(1ULL << 25, hk_guest_page_limit(65536),
					     "the guest's final set", err, sizeof(err)), -1);
		CHECK(strstr(err, "the guest's final set claims 33554432 frames") != NULL);
		CHECK(strstr(err, "1114112 frames, with 1048576 for holes") != NULL);
		/* Never beyond the wire format's own bound, whatever Xen says. */
		CHECK_EQ(hk_guest_page_limit(SMW_MAX_GUEST_PAGES), SMW_MAX_GUEST_PAGES);
		CHECK_EQ(hk_guest_page_limit(~0ULL), SMW_MAX_GUEST_PAGES);
		CHECK_EQ(hk_guest_page_limit(0), 1ULL << 20);
	}

	return tap_done();
}
