// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the final-set descriptor: a built descriptor parses back
 * to what went in, its bytes sit where selfmig_finalset.h says, and every
 * malformed header or bitmap is rejected with its own error code.
 *
 * All buffers are allocated at their exact size so that the sanitizer
 * build catches any read outside them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "crc32c.h"
#include "finalset.h"

/* 40000 frames: two bitmap pages, the second one partly used. */
#define PC		40000ULL
#define NPAGES		2U
#define HDR_GFN		1000ULL
#define GEN		7ULL

static const u8 test_id[SMFS_ID_LEN] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10
};

struct fixture {
	u8 *hdr;			/* exactly 4096 bytes */
	u8 *dirty[NPAGES];		/* each exactly 4096 bytes */
	u8 *free_map[NPAGES];
	u64 dirty_gfns[NPAGES];
	u64 free_gfns[NPAGES];
	struct smfs_build b;
};

static u8 *page_alloc(void)
{
	u8 *p = calloc(1, SMFS_PAGE_SIZE);

	if (!p)
		abort();
	return p;
}

static void fixture_init(struct fixture *f)
{
	u32 i;

	memset(f, 0, sizeof(*f));
	f->hdr = page_alloc();
	for (i = 0; i < NPAGES; i++) {
		f->dirty[i] = page_alloc();
		f->free_map[i] = page_alloc();
	}
	f->dirty_gfns[0] = 2000;
	f->dirty_gfns[1] = 2001;
	f->free_gfns[0] = 3000;
	f->free_gfns[1] = PC - 1;
	/* Some content: a few dirty pages, a run of free ones. */
	smfs_set_bit(f->dirty, 0);
	smfs_set_bit(f->dirty, 7);
	smfs_set_bit(f->dirty, 8);
	smfs_set_bit(f->dirty, 32767);
	smfs_set_bit(f->dirty, 32768);
	smfs_set_bit(f->dirty, PC - 1);
	for (i = 5000; i < 5100; i++)
		smfs_set_bit(f->free_map, i);
	smfs_set_bit(f->free_map, 7);	/* both dirty and free */
	f->b.id = test_id;
	f->b.page_count = PC;
	f->b.generation = GEN;
	f->b.header_gfn = HDR_GFN;
	f->b.dirty_gfns = f->dirty_gfns;
	f->b.free_gfns = f->free_gfns;
	f->b.dirty_pages = f->dirty;
	f->b.free_pages = f->free_map;
}

static void fixture_free(struct fixture *f)
{
	u32 i;

	free(f->hdr);
	for (i = 0; i < NPAGES; i++) {
		free(f->dirty[i]);
		free(f->free_map[i]);
	}
}

static int build(struct fixture *f)
{
	return smfs_build_header(f->hdr, SMFS_PAGE_SIZE, &f->b);
}

/* Recompute header_crc independently of the code under test. */
static void recrc(u8 *hdr)
{
	u32 len = smw_get_le32(hdr + 12);
	u8 copy[SMFS_PAGE_SIZE];

	if (len > SMFS_PAGE_SIZE)
		len = SMFS_PAGE_SIZE;
	memcpy(copy, hdr, SMFS_PAGE_SIZE);
	memset(copy + 76, 0, 4);
	smw_put_le32(hdr + 76, smw_crc32c(0, copy, len));
}

static u32 bitmaps_crc(const struct fixture *f)
{
	u32 crc = 0, i;

	for (i = 0; i < NPAGES; i++)
		crc = smw_crc32c(crc, f->dirty[i], SMFS_PAGE_SIZE);
	for (i = 0; i < NPAGES; i++)
		crc = smw_crc32c(crc, f->free_map[i], SMFS_PAGE_SIZE);
	return crc;
}

/* Parse f->hdr from a buffer of exactly len bytes. */
static int parse_len(const struct fixture *f, size_t len,
		     struct smfs_header *h)
{
	u8 *copy = malloc(len ? len : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, f->hdr, len);
	ret = smfs_parse_header(copy, len, h);
	free(copy);
	return ret;
}

static int parse(const struct fixture *f, struct smfs_header *h)
{
	return parse_len(f, SMFS_PAGE_SIZE, h);
}

static int check(const struct fixture *f, const struct smfs_header *h)
{
	return smfs_check_bitmaps(h, (const u8 *const *)f->dirty,
				  (const u8 *const *)f->free_map);
}

/* Build, apply a header change, fix the crc, and parse. */
static int parse_mutated(void (*mut)(u8 *hdr), int fix_crc)
{
	struct smfs_header *h = malloc(sizeof(*h));
	struct fixture f;
	int ret;

	if (!h)
		abort();
	fixture_init(&f);
	if (build(&f) != 0)
		abort();
	mut(f.hdr);
	if (fix_crc)
		recrc(f.hdr);
	ret = parse(&f, h);
	fixture_free(&f);
	free(h);
	return ret;
}

static void m_magic(u8 *p) { p[3] ^= 0x20; }
static void m_version(u8 *p) { smw_put_le32(p + 8, 2); }
static void m_version0(u8 *p) { smw_put_le32(p + 8, 0); }
static void m_hlen_small(u8 *p) { smw_put_le32(p + 12, 127); }
static void m_hlen_large(u8 *p) { smw_put_le32(p + 12, 4097); }
static void m_hlen_huge(u8 *p) { smw_put_le32(p + 12, 0xFFFFFFFFU); }
static void m_hlen_bad(u8 *p) { smw_put_le32(p + 12, 128 + 16 * 3); }
static void m_hlen_page(u8 *p) { smw_put_le32(p + 12, 4096); }
static void m_id(u8 *p) { p[20] ^= 1; }
static void m_gen(u8 *p) { p[40] ^= 1; }
static void m_flags_extra(u8 *p) { smw_put_le32(p + 68, 3); }
static void m_flags_zero(u8 *p) { smw_put_le32(p + 68, 0); }
static void m_reserved_first(u8 *p) { p[80] = 1; }
static void m_reserved_last(u8 *p) { p[127] = 0x80; }
static void m_pc_zero(u8 *p) { smw_put_le64(p + 32, 0); }
static void m_pc_grow(u8 *p) { smw_put_le64(p + 32, 70000); }
static void m_pc_shrink(u8 *p) { smw_put_le64(p + 32, 32768); }
static void m_pc_max(u8 *p) { smw_put_le64(p + 32, ~0ULL); }
static void m_bp_three(u8 *p) { smw_put_le32(p + 64, 3); }
static void m_bp_zero(u8 *p) { smw_put_le32(p + 64, 0); }
static void m_bp_over(u8 *p) { smw_put_le32(p + 64, SMFS_MAX_BITMAP_PAGES + 1); }
static void m_gfn_dirty(u8 *p) { smw_put_le64(p + 128 + 8, PC); }
static void m_gfn_free(u8 *p) { smw_put_le64(p + 128 + 24, ~0ULL); }
static void m_dirty_over(u8 *p) { smw_put_le64(p + 48, PC + 1); }
static void m_free_over(u8 *p) { smw_put_le64(p + 56, PC + 1); }

static void test_sizes(void)
{
	tap_test("bitmap_pages from page_count");
	CHECK_EQ(SMFS_MAX_BITMAP_PAGES, 248);
	CHECK_EQ(smfs_bitmap_pages(0), 0);
	CHECK_EQ(smfs_bitmap_pages(1), 1);
	CHECK_EQ(smfs_bitmap_pages(32768), 1);
	CHECK_EQ(smfs_bitmap_pages(32769), 2);
	CHECK_EQ(smfs_bitmap_pages(PC), 2);
	CHECK_EQ(smfs_bitmap_pages(SMFS_MAX_PAGE_COUNT), 248);
	CHECK_EQ(smfs_bitmap_pages(SMFS_MAX_PAGE_COUNT + 1), 0);
	CHECK_EQ(smfs_bitmap_pages(~0ULL), 0);
}

static void test_bits(void)
{
	u8 *pages[2] = { page_alloc(), page_alloc() };

	tap_test("bit helpers, popcount and tail clearing");
	smfs_set_bit(pages, 0);
	smfs_set_bit(pages, 9);
	smfs_set_bit(pages, 32768 + 3);
	CHECK_EQ(pages[0][0], 0x01);
	CHECK_EQ(pages[0][1], 0x02);
	CHECK_EQ(pages[1][0], 0x08);
	CHECK(smfs_test_bit((const u8 *const *)pages, 9));
	CHECK(!smfs_test_bit((const u8 *const *)pages, 10));
	CHECK_EQ(smfs_popcount((const u8 *const *)pages, 2), 3);
	smfs_clear_bit(pages, 9);
	CHECK_EQ(pages[0][1], 0);
	/* page_count 32768 + 5: bits 5..7 of byte 0 and all later bytes go. */
	memset(pages[1], 0xff, SMFS_PAGE_SIZE);
	smfs_clear_tail(pages, 32768 + 5);
	CHECK_EQ(pages[1][0], 0x1f);
	CHECK_EQ(pages[1][1], 0);
	CHECK_EQ(pages[1][SMFS_PAGE_SIZE - 1], 0);
	CHECK_EQ(smfs_popcount((const u8 *const *)pages, 2), 1 + 5);
	/* A full last page is left alone. */
	memset(pages[1], 0xff, SMFS_PAGE_SIZE);
	smfs_clear_tail(pages, 65536);
	CHECK_EQ(pages[1][SMFS_PAGE_SIZE - 1], 0xff);
	CHECK_EQ(smfs_popcount((const u8 *const *)pages, 2), 1 + 32768);
	free(pages[0]);
	free(pages[1]);
}

static void test_round_trip(void)
{
	struct smfs_header *h = malloc(sizeof(*h));
	struct fixture f;
	u32 i;

	tap_test("build then parse: round trip");
	fixture_init(&f);
	CHECK_EQ(build(&f), 0);
	CHECK_EQ(parse(&f, h), 0);
	CHECK_EQ(h->version, 1);
	CHECK_EQ(h->header_len, 128 + 16 * NPAGES);
	CHECK(memcmp(h->id, test_id, SMFS_ID_LEN) == 0);
	CHECK_EQ(h->page_count, PC);
	CHECK_EQ(h->generation, GEN);
	CHECK_EQ(h->bitmap_pages, NPAGES);
	CHECK_EQ(h->flags, SMFS_FLAG_COMPLETE);
	for (i = 0; i < NPAGES; i++) {
		CHECK_EQ(h->dirty_gfns[i], f.dirty_gfns[i]);
		CHECK_EQ(h->free_gfns[i], f.free_gfns[i]);
	}
	/* 6 set by hand + header + 4 bitmap pages (PC - 1 already set). */
	CHECK_EQ(h->dirty_count, 6 + 1 + 3);
	CHECK_EQ(h->free_count, 101);
	CHECK(smfs_test_bit((const u8 *const *)f.dirty, HDR_GFN));
	CHECK(smfs_test_bit((const u8 *const *)f.dirty, 2000));
	CHECK(smfs_test_bit((const u8 *const *)f.dirty, 2001));
	CHECK(smfs_test_bit((const u8 *const *)f.dirty, 3000));
	CHECK(!smfs_test_bit((const u8 *const *)f.dirty, 3001));
	CHECK_EQ(check(&f, h), 0);
	/* The parser reads exactly header_len bytes, no more. */
	CHECK_EQ(parse_len(&f, 128 + 16 * NPAGES, h), 0);
	CHECK_EQ(parse_len(&f, 128 + 16 * NPAGES - 1, h), -SMFS_E_SHORT);
	CHECK_EQ(parse_len(&f, 127, h), -SMFS_E_SHORT);
	CHECK_EQ(parse_len(&f, 0, h), -SMFS_E_SHORT);
	/* Rebuilding (a new generation) gives a valid descriptor again. */
	f.b.generation = GEN + 1;
	smfs_set_bit(f.dirty, 12345);
	CHECK_EQ(build(&f), 0);
	CHECK_EQ(parse(&f, h), 0);
	CHECK_EQ(h->generation, GEN + 1);
	CHECK_EQ(h->dirty_count, 11);
	CHECK_EQ(check(&f, h), 0);
	fixture_free(&f);

	tap_test("round trip: one page guest, largest guest");
	{
		u8 *hdr = page_alloc(), *d = page_alloc(), *fr = page_alloc();
		u64 g0 = 0;
		u8 *dp[1] = { d }, *fp[1] = { fr };
		struct smfs_build b = {
			.id = test_id, .page_count = 1, .generation = 0,
			.header_gfn = 0, .dirty_gfns = &g0, .free_gfns = &g0,
			.dirty_pages = dp, .free_pages = fp,
		};

		CHECK_EQ(smfs_build_header(hdr, SMFS_PAGE_SIZE, &b), 0);
		CHECK_EQ(smfs_parse_header(hdr, SMFS_PAGE_SIZE, h), 0);
		CHECK_EQ(h->dirty_count, 1);
		CHECK_EQ(h->free_count, 0);
		CHECK_EQ(smfs_check_bitmaps(h, (const u8 *const *)dp,
					    (const u8 *const *)fp), 0);
		free(hdr);
		free(d);
		free(fr);
	}
	{
		u32 n = SMFS_MAX_BITMAP_PAGES;
		u8 **dp = calloc(n, sizeof(*dp)), **fp = calloc(n, sizeof(*fp));
		u64 *dg = calloc(n, sizeof(*dg)), *fg = calloc(n, sizeof(*fg));
		u8 *hdr = page_alloc();
		struct smfs_build b;

		for (i = 0; i < n; i++) {
			dp[i] = page_alloc();
			fp[i] = page_alloc();
			dg[i] = 10 + i;
			fg[i] = SMFS_MAX_PAGE_COUNT - 1 - i;
		}
		b = (struct smfs_build){
			.id = test_id, .page_count = SMFS_MAX_PAGE_COUNT,
			.header_gfn = 0, .dirty_gfns = dg, .free_gfns = fg,
			.dirty_pages = dp, .free_pages = fp,
		};
		CHECK_EQ(smfs_build_header(hdr, SMFS_PAGE_SIZE, &b), 0);
		CHECK_EQ(smw_get_le32(hdr + 12), 4096);
		CHECK_EQ(smfs_parse_header(hdr, SMFS_PAGE_SIZE, h), 0);
		CHECK_EQ(h->bitmap_pages, n);
		CHECK_EQ(h->dirty_count, 1 + 2 * n);
		CHECK_EQ(h->free_gfns[n - 1], SMFS_MAX_PAGE_COUNT - n);
		CHECK_EQ(smfs_check_bitmaps(h, (const u8 *const *)dp,
					    (const u8 *const *)fp), 0);
		/* One frame more does not fit. */
		b.page_count++;
		CHECK_EQ(smfs_build_header(hdr, SMFS_PAGE_SIZE, &b),
			 -SMFS_E_PAGE_COUNT);
		for (i = 0; i < n; i++) {
			free(dp[i]);
			free(fp[i]);
		}
		free(dp);
		free(fp);
		free(dg);
		free(fg);
		free(hdr);
	}
	free(h);
}

static void test_layout(void)
{
	static const u8 magic[8] = { 'S', 'M', 'F', 'S', 'E', 'T', 0, 0 };
	struct fixture f;
	u8 copy[SMFS_PAGE_SIZE];
	u32 i, nonzero;

	tap_test("layout: header bytes where the spec puts them");
	fixture_init(&f);
	CHECK_EQ(build(&f), 0);
	CHECK(memcmp(f.hdr, magic, 8) == 0);
	/* version 1, header_len 160, little-endian */
	CHECK_EQ(f.hdr[8], 1);
	CHECK_EQ(f.hdr[9] | f.hdr[10] | f.hdr[11], 0);
	CHECK_EQ(f.hdr[12], 0xa0);
	CHECK_EQ(f.hdr[13] | f.hdr[14] | f.hdr[15], 0);
	CHECK(memcmp(f.hdr + 16, test_id, 16) == 0);
	/* page_count 40000 = 0x9c40 */
	CHECK_EQ(f.hdr[32], 0x40);
	CHECK_EQ(f.hdr[33], 0x9c);
	for (i = 34; i < 40; i++)
		CHECK_EQ(f.hdr[i], 0);
	CHECK_EQ(f.hdr[40], GEN);
	CHECK_EQ(smw_get_le64(f.hdr + 48), 10);
	CHECK_EQ(smw_get_le64(f.hdr + 56), 101);
	CHECK_EQ(f.hdr[64], 2);
	CHECK_EQ(f.hdr[68], 1);
	CHECK_EQ(f.hdr[69] | f.hdr[70] | f.hdr[71], 0);
	CHECK_EQ(smw_get_le32(f.hdr + 72), bitmaps_crc(&f));
	for (i = 80, nonzero = 0; i < 128; i++)
		nonzero |= f.hdr[i];
	CHECK_EQ(nonzero, 0);
	/* gfn arrays: dirty[0], dirty[1], free[0], free[1] */
	CHECK_EQ(smw_get_le64(f.hdr + 128), 2000);
	CHECK_EQ(f.hdr[128], 0xd0);
	CHECK_EQ(f.hdr[129], 0x07);
	CHECK_EQ(smw_get_le64(f.hdr + 136), 2001);
	CHECK_EQ(smw_get_le64(f.hdr + 144), 3000);
	CHECK_EQ(smw_get_le64(f.hdr + 152), PC - 1);
	/* Nothing after header_len. */
	for (i = 160, nonzero = 0; i < SMFS_PAGE_SIZE; i++)
		nonzero |= f.hdr[i];
	CHECK_EQ(nonzero, 0);
	/* header_crc: crc32c of [0, 160) with bytes 76..79 zero. */
	memcpy(copy, f.hdr, sizeof(copy));
	memset(copy + 76, 0, 4);
	CHECK_EQ(smw_get_le32(f.hdr + 76), smw_crc32c(0, copy, 160));
	/* Bitmap bit order: bit (gfn % 8) of byte (gfn / 8). */
	CHECK_EQ(f.dirty[0][0], 0x81);	/* gfns 0 and 7 */
	CHECK_EQ(f.dirty[0][1], 0x01);	/* gfn 8 */
	CHECK_EQ(f.dirty[0][4095], 0x80);	/* gfn 32767 */
	CHECK_EQ(f.dirty[1][0], 0x01);	/* gfn 32768 */
	fixture_free(&f);
}

/* The names of the header reject tests, by their index in reject_cases. */
static const char *const reject_tests[] = {
	"reject: bad magic",
	"reject: bad version",
	"reject: header_len too small, too large, inconsistent",
	"reject: header crc",
	"reject: undefined flags, not COMPLETE",
	"reject: reserved bytes",
	"reject: page_count and bitmap_pages mismatch",
	"reject: bitmap gfn out of range",
	"reject: count above page_count",
};

/* A header changed by mut (its crc fixed if fix_crc) parses to want. */
static const struct reject_case {
	unsigned int test;	/* in reject_tests */
	void (*mut)(u8 *hdr);
	int fix_crc;
	int want;
} reject_cases[] = {
	{ 0, m_magic, 0, -SMFS_E_BAD_MAGIC },
	{ 0, m_magic, 1, -SMFS_E_BAD_MAGIC },
	{ 1, m_version, 1, -SMFS_E_BAD_VERSION },
	{ 1, m_version0, 1, -SMFS_E_BAD_VERSION },
	{ 2, m_hlen_small, 0, -SMFS_E_HDR_LEN },
	{ 2, m_hlen_large, 0, -SMFS_E_HDR_LEN },
	{ 2, m_hlen_huge, 0, -SMFS_E_HDR_LEN },
	{ 2, m_hlen_bad, 1, -SMFS_E_HDR_LEN_MISMATCH },
	{ 2, m_hlen_page, 1, -SMFS_E_HDR_LEN_MISMATCH },
	{ 3, m_id, 0, -SMFS_E_HDR_CRC },
	{ 3, m_gen, 0, -SMFS_E_HDR_CRC },
	{ 3, m_flags_zero, 0, -SMFS_E_HDR_CRC },	/* the crc covers COMPLETE */
	{ 3, m_id, 1, 0 },
	{ 4, m_flags_extra, 1, -SMFS_E_FLAGS },
	{ 4, m_flags_zero, 1, -SMFS_E_INCOMPLETE },
	{ 5, m_reserved_first, 1, -SMFS_E_RESERVED },
	{ 5, m_reserved_last, 1, -SMFS_E_RESERVED },
	{ 6, m_pc_zero, 1, -SMFS_E_PAGE_COUNT },
	{ 6, m_pc_grow, 1, -SMFS_E_BITMAP_PAGES },
	{ 6, m_pc_shrink, 1, -SMFS_E_BITMAP_PAGES },
	{ 6, m_pc_max, 1, -SMFS_E_BITMAP_PAGES },
	{ 6, m_bp_three, 1, -SMFS_E_BITMAP_PAGES },
	{ 6, m_bp_zero, 1, -SMFS_E_BITMAP_PAGES },
	{ 6, m_bp_over, 1, -SMFS_E_BITMAP_PAGES },
	{ 7, m_gfn_dirty, 1, -SMFS_E_GFN_RANGE },
	{ 7, m_gfn_free, 1, -SMFS_E_GFN_RANGE },
	{ 8, m_dirty_over, 1, -SMFS_E_DIRTY_COUNT },
	{ 8, m_free_over, 1, -SMFS_E_FREE_COUNT },
};

static void test_header_rejects(void)
{
	const struct reject_case *c;
	size_t i;

	for (i = 0; i < sizeof(reject_cases) / sizeof(reject_cases[0]); i++) {
		c = &reject_cases[i];
		if (i == 0 || c->test != c[-1].test)
			tap_test(reject_tests[c->test]);
		CHECK_EQ(parse_mutated(c->mut, c->fix_crc), c->want);
	}

	tap_test("reject: NULL arguments");
	{
		struct smfs_header h;
		u8 page[SMFS_PAGE_SIZE] = { 0 };

		CHECK_EQ(smfs_parse_header(NULL, SMFS_PAGE_SIZE, &h),
			 -SMFS_E_INVAL);
		CHECK_EQ(smfs_parse_header(page, SMFS_PAGE_SIZE, NULL),
			 -SMFS_E_INVAL);
		CHECK_EQ(smfs_parse_header(page, SMFS_PAGE_SIZE, &h),
			 -SMFS_E_BAD_MAGIC);
	}
}

/* Parse the fixture's header (after fixing its crcs) and check bitmaps. */
static int check_fixed(struct fixture *f, int fix_bitmaps_crc)
{
	struct smfs_header *h = malloc(sizeof(*h));
	int ret;

	if (!h)
		abort();
	if (fix_bitmaps_crc) {
		smw_put_le32(f->hdr + 72, bitmaps_crc(f));
		recrc(f->hdr);
	}
	ret = parse(f, h);
	if (ret == 0)
		ret = check(f, h);
	free(h);
	return ret;
}

static void test_bitmap_rejects(void)
{
	struct fixture f;

	tap_test("reject: bitmaps crc");
	fixture_init(&f);
	CHECK_EQ(build(&f), 0);
	f.dirty[1][100] ^= 0x10;
	CHECK_EQ(check_fixed(&f, 0), -SMFS_E_BITMAPS_CRC);
	f.dirty[1][100] ^= 0x10;
	CHECK_EQ(check_fixed(&f, 0), 0);
	f.free_map[0][0] ^= 0x01;
	CHECK_EQ(check_fixed(&f, 0), -SMFS_E_BITMAPS_CRC);
	fixture_free(&f);

	tap_test("reject: stray bit at or above page_count");
	fixture_init(&f);
	CHECK_EQ(build(&f), 0);
	smfs_set_bit(f.dirty, PC);		/* first invalid bit */
	CHECK_EQ(check_fixed(&f, 1), -SMFS_E_STRAY_BIT);
	fixture_free(&f);
	fixture_init(&f);
	CHECK_EQ(build(&f), 0);
	f.free_map[1][SMFS_PAGE_SIZE - 1] = 0x80;	/* last bit */
	CHECK_EQ(check_fixed(&f, 1), -SMFS_E_STRAY_BIT);
	fixture_free(&f);

	tap_test("reject: counts disagree with the bitmaps");
	fixture_init(&f);
	CHECK_EQ(build(&f), 0);
	smfs_set_bit(f.dirty, 20000);
	CHECK_EQ(check_fixed(&f, 1), -SMFS_E_DIRTY_COUNT);
	smfs_clear_bit(f.dirty, 20000);
	smfs_clear_bit(f.free_map, 5050);
	CHECK_EQ(check_fixed(&f, 1), -SMFS_E_FREE_COUNT);
	smfs_set_bit(f.free_map, 5050);
	CHECK_EQ(check_fixed(&f, 1), 0);
	smw_put_le64(f.hdr + 48, smw_get_le64(f.hdr + 48) - 1);
	CHECK_EQ(check_fixed(&f, 1), -SMFS_E_DIRTY_COUNT);
	fixture_free(&f);
}

static void test_builder_rejects(void)
{
	struct fixture f;
	struct smfs_header h;

	tap_test("builder: bad input never yields a COMPLETE header");
	fixture_init(&f);
	CHECK_EQ(build(&f), 0);
	/* A stale COMPLETE descriptor is withdrawn by a failed rebuild. */
	f.b.header_gfn = PC;
	CHECK_EQ(build(&f), -SMFS_E_GFN_RANGE);
	CHECK_EQ(smw_get_le32(f.hdr + 68), 0);
	CHECK_EQ(smfs_parse_header(f.hdr, SMFS_PAGE_SIZE, &h),
		 -SMFS_E_BAD_MAGIC);
	f.b.header_gfn = HDR_GFN;
	f.dirty_gfns[1] = PC;
	CHECK_EQ(build(&f), -SMFS_E_GFN_RANGE);
	f.dirty_gfns[1] = 2001;
	f.free_gfns[0] = ~0ULL;
	CHECK_EQ(build(&f), -SMFS_E_GFN_RANGE);
	f.free_gfns[0] = 3000;
	smfs_set_bit(f.free_map, PC + 1);
	CHECK_EQ(build(&f), -SMFS_E_STRAY_BIT);
	smfs_clear_tail(f.free_map, PC);
	CHECK_EQ(build(&f), 0);
	f.b.page_count = 0;
	CHECK_EQ(build(&f), -SMFS_E_PAGE_COUNT);
	f.b.page_count = PC;
	CHECK_EQ(smfs_build_header(f.hdr, SMFS_PAGE_SIZE - 1, &f.b),
		 -SMFS_E_INVAL);
	CHECK_EQ(smfs_build_header(NULL, SMFS_PAGE_SIZE, &f.b), -SMFS_E_INVAL);
	CHECK_EQ(smfs_build_header(f.hdr, SMFS_PAGE_SIZE, NULL), -SMFS_E_INVAL);
	f.b.id = NULL;
	CHECK_EQ(build(&f), -SMFS_E_INVAL);
	fixture_free(&f);
}

static void test_errors(void)
{
	int i, j;

	tap_test("error names: distinct, stable, bounded");
	CHECK(strcmp(smfs_errname(0), "ok") == 0);
	CHECK(strcmp(smfs_errname(-SMFS_E_HDR_CRC), "header_crc") == 0);
	CHECK(strcmp(smfs_errname(SMFS_E_STRAY_BIT), "stray_bit") == 0);
	CHECK(strcmp(smfs_strerror(-SMFS_E_INCOMPLETE),
		     "final set not marked COMPLETE") == 0);
	CHECK(strcmp(smfs_errname(SMFS_E_COUNT_), "unknown_error") == 0);
	CHECK(strcmp(smfs_strerror(-1000), "unknown error") == 0);
	for (i = 0; i < SMFS_E_COUNT_; i++) {
		CHECK(smfs_errname(i) != NULL && smfs_strerror(i) != NULL);
		for (j = 0; j < i; j++)
			CHECK(strcmp(smfs_errname(i), smfs_errname(j)) != 0);
	}
}

int main(void)
{
	test_sizes();
	test_bits();
	test_round_trip();
	test_layout();
	test_header_rejects();
	test_bitmap_rejects();
	test_builder_rejects();
	test_errors();
	return tap_done();
}
