// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for selfmig-verify's comparison logic, run against a guest
 * emulated in memory: a fake mapper serves its frames (with a hole in its
 * physmap), a real image file and metadata file sit in a temporary
 * directory, and the final-set descriptor is built by the core builder
 * inside the emulated guest pages, exactly as the guest kernel would.
 * The same guest written out as a raw memory dump checks the dump mapper
 * of the single-level testbed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "tap.h"
#include "crc32c.h"
#include "finalset.h"
#include "../../userspace/selfmig-verify/verify.h"
#include "../../userspace/selfmig-verify/dump.h"
#include "receiver.h"

#define G		2500ULL		/* guest frames: three map batches */
#define PG		4096U
#define HDR_GFN		10ULL
#define DIRTY_GFN	11ULL
#define FREE_GFN	12ULL
#define HOLE_LO		1500ULL
#define HOLE_HI		1600ULL

static const u8 test_id[SMFS_ID_LEN] = {
	0xa5, 0x5a, 0x00, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
};

static char dir[256], image_path[SCRATCH_PATH_LEN], meta_path[SCRATCH_PATH_LEN];
static char json_path[SCRATCH_PATH_LEN];
static const char *keep_dir;	/* run(): where missed pages are kept, if set */
static char dump_path[SCRATCH_PATH_LEN];

/* ------------------------------------------------------------------ */
/* The emulated guest                                                  */

struct fake {
	u8 *mem;		/* G pages */
	u64 bad_gfn;		/* this frame never maps */
	int null_batches;	/* map() of more than 2 frames returns NULL */
	int hole_batches;	/* every frame of a map() of > 2 frames fails */
	int outstanding;	/* mappings not yet unmapped */
	int calls;
};

static void *fake_map(void *ctx, const u64 *gfns, u32 n, int *err)
{
	struct fake *f = ctx;
	u8 *p;
	u32 i;

	f->calls++;
	if (f->null_batches && n > 2) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc((size_t)n * PG);
	if (!p)
		abort();
	for (i = 0; i < n; i++) {
		u64 g = gfns[i];

		if (g >= G || (g >= HOLE_LO && g < HOLE_HI) ||
		    g == f->bad_gfn || (f->hole_batches && n > 2)) {
			err[i] = EFAULT;
			memset(p + (size_t)i * PG, 0xAA, PG);
		} else {
			err[i] = 0;
			memcpy(p + (size_t)i * PG, f->mem + g * PG, PG);
		}
	}
	f->outstanding++;
	return p;
}

static void fake_unmap(void *ctx, void *addr, u32 n)
{
	struct fake *f = ctx;

	(void)n;
	f->outstanding--;
	free(addr);
}

static u8 *gpage(struct fake *f, u64 gfn)
{
	return f->mem + gfn * PG;
}

static void fill(u8 *p, u64 gfn)
{
	u32 i;

	for (i = 0; i < PG; i++)
		p[i] = (u8)(gfn * 7 + i * 13 + (i >> 8));
	p[0] = 0x5c;
}

/*
 * Make the guest, write the image as the receiver would have it, then let
 * the guest change pages and build its final set.
 */
static void guest_setup(struct fake *f, int with_meta)
{
	u8 *dirty[1], *free_map[1];
	u64 dg = DIRTY_GFN, fg = FREE_GFN, g;
	struct smfs_build b;
	u8 *meta;
	int fd;

	memset(f, 0, sizeof(*f));
	f->bad_gfn = ~0ULL;
	f->mem = calloc(G, PG);
	if (!f->mem)
		abort();
	for (g = 0; g < G; g++)
		if (g % 3)
			fill(gpage(f, g), g);

	/* The image: sparse, holding what the pre-copy rounds sent. */
	fd = open(image_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)(G * PG)) < 0)
		abort();
	for (g = 0; g < G; g++)
		if (g % 3 &&
		    pwrite(fd, gpage(f, g), PG, (off_t)(g * PG)) != (ssize_t)PG)
			abort();
	close(fd);
	if (with_meta) {
		meta = smr_meta_alloc(G);
		if (!meta)
			abort();
		for (g = 0; g < G; g++)
			if (g % 3)
				smr_meta_set(meta, g, 0, 0);
		smr_meta_set(meta, 300, 4, 0);
		smr_meta_set(meta, 301, SMR_META_NEVER, 0);
		if (smr_meta_write(meta_path, meta, G, SMR_META_F_COMPLETE, 5))
			abort();
		free(meta);
	}

	/* The freeze: writes the rounds did not send, then the final set. */
	dirty[0] = gpage(f, DIRTY_GFN);
	free_map[0] = gpage(f, FREE_GFN);
	memset(dirty[0], 0, PG);
	memset(free_map[0], 0, PG);
	gpage(f, 100)[5] ^= 1;		/* dirty: in the final set */
	smfs_set_bit(dirty, 100);
	gpage(f, 200)[6] ^= 1;		/* free: irrelevant */
	smfs_set_bit(free_map, 200);
	gpage(f, 300)[17] ^= 0xff;	/* missed */
	gpage(f, 301)[0] ^= 0x01;	/* missed */
	gpage(f, 2400)[PG - 1] ^= 0x80;	/* missed, last batch */
	smfs_set_bit(dirty, 400);	/* dirty but unchanged */
	gpage(f, 1550)[0] ^= 1;		/* in the physmap hole */
	gpage(f, 2000)[9] ^= 1;		/* both dirty and free */
	smfs_set_bit(dirty, 2000);
	smfs_set_bit(free_map, 2000);

	memset(&b, 0, sizeof(b));
	b.id = test_id;
	b.page_count = G;
	b.generation = 3;
	b.header_gfn = HDR_GFN;
	b.dirty_gfns = &dg;
	b.free_gfns = &fg;
	b.dirty_pages = dirty;
	b.free_pages = free_map;
	if (smfs_build_header(gpage(f, HDR_GFN), PG, &b))
		abort();
}

static void guest_free(struct fake *f)
{
	free(f->mem);
}

/*
 * Inputs of the image file, its header at header_gfn, with the metadata
 * file if use_meta; nothing else set.
 */
static void inputs_open(struct smv_inputs *in, u64 header_gfn, int use_meta)
{
	struct stat sb;
	u8 *meta = NULL;
	u32 flags;
	char err[256];

	memset(in, 0, sizeof(*in));
	in->image_fd = open(image_path, O_RDONLY);
	if (in->image_fd < 0 || fstat(in->image_fd, &sb) < 0)
		abort();
	if (use_meta) {
		meta = smv_meta_load(meta_path, &in->meta_pages, &flags, err,
				     sizeof(err));
		if (!meta)
			abort();
	}
	in->header_gfn = header_gfn;
	in->image_size = (u64)sb.st_size;
	in->meta = meta;
}

static void inputs_close(struct smv_inputs *in)
{
	close(in->image_fd);
	free((void *)in->meta);
}

/* Run smv_verify over the fake guest. */
static int run(struct fake *f, struct smv_report *r, u32 list, int use_meta,
	       volatile sig_atomic_t *stop)
{
	struct smv_mapper m = { f, fake_map, fake_unmap };
	struct smv_inputs in;
	int ret;

	if (smv_report_init(r, 7, list))
		abort();
	r->keep_dir = keep_dir;
	inputs_open(&in, HDR_GFN, use_meta);
	in.stop = stop;
	ret = smv_verify(&m, &in, r);
	inputs_close(&in);
	return ret;
}

static int has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		printf("# '%s' not in '%s'\n", needle, hay);
		return 0;
	}
	return 1;
}

/*
 * The JSON report at json_path, its first size - 1 bytes, holds each of the
 * strings given, up to a NULL.
 */
static void check_json(size_t size, ...)
{
	char *buf = malloc(size);
	const char *want;
	va_list ap;
	size_t n;
	FILE *jf;

	if (!buf)
		abort();
	jf = fopen(json_path, "r");
	n = jf ? fread(buf, 1, size - 1, jf) : 0;
	buf[n] = '\0';
	if (jf)
		fclose(jf);
	va_start(ap, size);
	while ((want = va_arg(ap, const char *)))
		if (!has(buf, want))
			tap_fail(__FILE__, __LINE__, "the JSON report lacks %s", want);
	va_end(ap);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void test_classify(void)
{
	u8 *dp[1], *fp[1], a[PG], b[PG];
	struct smfs_header h;
	struct smv_sets s;
	struct smv_report r;
	u32 off = 99;

	tap_test("classify and account single pages");
	dp[0] = calloc(1, PG);
	fp[0] = calloc(1, PG);
	memset(&h, 0, sizeof(h));
	h.page_count = 100;
	h.bitmap_pages = 1;
	s.hdr = &h;
	s.dirty = (const u8 *const *)dp;
	s.free_map = (const u8 *const *)fp;
	s.meta = NULL;
	smfs_set_bit(dp, 1);
	smfs_set_bit(fp, 2);
	smfs_set_bit(dp, 3);
	smfs_set_bit(fp, 3);
	memset(a, 0x11, PG);
	memcpy(b, a, PG);
	CHECK_EQ(smv_classify(&s, 0, a, b, &off), SMV_IDENTICAL);
	CHECK_EQ(smv_classify(&s, 1, a, b, &off), SMV_IDENTICAL);
	b[123] = 0;
	CHECK_EQ(smv_classify(&s, 0, a, b, &off), SMV_MISSED);
	CHECK_EQ(off, 123);
	CHECK_EQ(smv_classify(&s, 1, a, b, &off), SMV_DIFF_FINAL);
	CHECK_EQ(smv_classify(&s, 2, a, b, &off), SMV_DIFF_FREE);
	CHECK_EQ(smv_classify(&s, 3, a, b, &off), SMV_DIFF_FINAL);
	b[0] = 0;
	CHECK_EQ(smv_classify(&s, 4, a, b, &off), SMV_MISSED);
	CHECK_EQ(off, 0);

	CHECK_EQ(smv_report_init(&r, 1, 2), 0);
	smv_account(&r, &s, 0, SMV_IDENTICAL, 0);
	smv_account(&r, &s, 1, SMV_DIFF_FINAL, 5);
	smv_account(&r, &s, 2, SMV_DIFF_FREE, 5);
	smv_account(&r, &s, 4, SMV_MISSED, 6);
	smv_account(&r, &s, 5, SMV_MISSED, 7);
	smv_account(&r, &s, 6, SMV_MISSED, 8);
	CHECK(r.compared == 6 && r.identical == 1 && r.missed == 3);
	CHECK(r.differ_in_final_set == 1 && r.differ_free == 1);
	CHECK_EQ(r.list_len, 2);
	CHECK_EQ(r.list[1].gfn, 5);
	CHECK_EQ(r.list[1].offset, 7);
	CHECK_EQ(r.list[1].round, SMV_ROUND_UNKNOWN);
	smv_report_free(&r);
	/* A list of 0 entries still counts. */
	CHECK_EQ(smv_report_init(&r, 1, 0), 0);
	smv_account(&r, &s, 4, SMV_MISSED, 6);
	CHECK_EQ(r.missed, 1);
	CHECK_EQ(r.list_len, 0);
	smv_report_free(&r);
	free(dp[0]);
	free(fp[0]);
}

static void test_parsers(void)
{
	unsigned long v;
	u64 gfn = 0;
	u32 d = 0;

	tap_test("argument and xenstore value parsing");
	CHECK_EQ(smv_parse_gfn("1a2b", &gfn), 0);
	CHECK_EQ(gfn, 0x1a2b);
	CHECK_EQ(smv_parse_gfn("0", &gfn), 0);
	CHECK_EQ(gfn, 0);
	CHECK_EQ(smv_parse_gfn("ffffffffffffffff", &gfn), 0);
	CHECK(gfn == ~0ULL);
	CHECK_EQ(smv_parse_gfn("", &gfn), -EINVAL);
	CHECK_EQ(smv_parse_gfn("0x10", &gfn), -EINVAL);
	CHECK_EQ(smv_parse_gfn("ABC", &gfn), -EINVAL);
	CHECK_EQ(smv_parse_gfn("10 ", &gfn), -EINVAL);
	CHECK_EQ(smv_parse_gfn("10000000000000000", &gfn), -EINVAL);
	CHECK_EQ(smv_parse_gfn(NULL, &gfn), -EINVAL);
	CHECK_EQ(smv_parse_domid("0", &d), 0);
	CHECK_EQ(smv_parse_domid("32751", &d), 0);
	CHECK_EQ(d, 32751);
	CHECK_EQ(smv_parse_domid("32752", &d), -EINVAL);
	CHECK_EQ(smv_parse_domid("-1", &d), -EINVAL);
	CHECK_EQ(smv_parse_domid("guest1", &d), -EINVAL);
	CHECK_EQ(smv_parse_domid("", &d), -EINVAL);
	CHECK_EQ(smv_parse_uint("86400", 86400, &v), 0);
	CHECK_EQ(v, 86400);
	CHECK_EQ(smv_parse_uint("86401", 86400, &v), -EINVAL);
	CHECK_EQ(smv_parse_uint("99999999999999999999999", ~0UL, &v),
		 -EINVAL);
}

static void test_image_read(void)
{
	u8 buf[3 * PG], page[PG];
	int fd;

	tap_test("image read: sparse and short files read as zeros");
	fd = open(image_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	memset(page, 0x77, PG);
	CHECK_EQ(ftruncate(fd, 2 * PG), 0);
	CHECK_EQ(pwrite(fd, page, PG, PG), PG);
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(smv_image_read(fd, 0, 3, buf), 0);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(buf[PG - 1], 0);
	CHECK_EQ(buf[PG], 0x77);
	CHECK_EQ(buf[2 * PG - 1], 0x77);
	CHECK_EQ(buf[2 * PG], 0);
	CHECK_EQ(buf[3 * PG - 1], 0);
	CHECK_EQ(smv_image_read(-1, 0, 1, buf), -EBADF);
	close(fd);
}

static void test_full_run(void)
{
	struct smv_report r;
	struct fake f;
	char *text = NULL;
	size_t tlen = 0;
	FILE *mf;

	tap_test("full run: counts by class, holes skipped, missed listed");
	guest_setup(&f, 1);
	CHECK_EQ(run(&f, &r, 2, 1, NULL), 0);
	CHECK_EQ(r.error[0], 0);
	CHECK_EQ(r.page_count, G);
	CHECK_EQ(r.generation, 3);
	CHECK_EQ(r.unmapped, HOLE_HI - HOLE_LO);
	CHECK_EQ(r.compared, G - (HOLE_HI - HOLE_LO));
	/* header + 2 bitmap pages + gfn 100 + gfn 2000 */
	CHECK_EQ(r.differ_in_final_set, 5);
	CHECK_EQ(r.differ_free, 1);
	CHECK_EQ(r.missed, 3);
	CHECK_EQ(r.identical, r.compared - 5 - 1 - 3);
	CHECK_EQ(r.final_set_pages, 6);
	CHECK_EQ(r.free_pages, 2);
	CHECK_EQ(r.list_len, 2);
	CHECK_EQ(r.list[0].gfn, 300);
	CHECK_EQ(r.list[0].offset, 17);
	CHECK_EQ(r.list[0].round, 4);
	CHECK_EQ(r.list[1].gfn, 301);
	CHECK_EQ(r.list[1].offset, 0);
	CHECK_EQ(r.list[1].round, SMV_ROUND_NEVER);
	CHECK_EQ(f.outstanding, 0);

	tap_test("report: text and JSON");
	mf = open_memstream(&text, &tlen);
	CHECK(mf != NULL);
	smv_print_report(&r, mf);
	fclose(mf);
	CHECK(has(text, "compared 2400 pages: 2391 identical, 5 differ in the final set, 1 differ but free, 3 MISSED; 100 unmapped"));
	CHECK(has(text, "migration a55a00ff0102030405060708090a0b0c, generation 3"));
	CHECK(has(text, "missed: gfn 0x12c, first difference at byte 17, last sent in round 4"));
	CHECK(has(text, "missed: gfn 0x12d, first difference at byte 0, never sent"));
	CHECK(has(text, "missed: ... and 1 more"));
	free(text);
	r.resumed = 1;
	CHECK_EQ(smv_write_json(&r, json_path), 0);
	check_json(4096, "\"status\": \"missed\"", "\"error\": null",
		   "\"domid\": 7,", "\"page_count\": 2500,",
		   "\"compared\": 2400,", "\"identical\": 2391,",
		   "\"differ_in_final_set\": 5,", "\"differ_free\": 1,",
		   "\"missed\": 3,", "\"unmapped\": 100,",
		   "\"final_set_pages\": 6,", "\"free_pages\": 2,",
		   "\"missed_gfns\": [300, 301],",
		   "{\"gfn\": 300, \"offset\": 17, \"round\": 4}",
		   "{\"gfn\": 301, \"offset\": 0, \"round\": \"never\"}",
		   "\"resumed\": true\n}", NULL);
	smv_report_free(&r);

	tap_test("--keep-missed: the listed missed pages, both sides, and no more");
	{
		char kd[300], path[400];
		u8 page[PG];
		int fd;

		snprintf(kd, sizeof(kd), "%s/kept", dir);
		CHECK_EQ(mkdir(kd, 0700), 0);
		keep_dir = kd;
		CHECK_EQ(run(&f, &r, 2, 1, NULL), 0);
		keep_dir = NULL;
		CHECK_EQ(r.missed, 3);
		snprintf(path, sizeof(path), "%s/12c.guest", kd);
		fd = open(path, O_RDONLY);
		CHECK(fd >= 0 && read(fd, page, PG) == PG);
		CHECK(memcmp(page, gpage(&f, 300), PG) == 0);
		if (fd >= 0)
			close(fd);
		unlink(path);
		snprintf(path, sizeof(path), "%s/12c.image", kd);
		fd = open(path, O_RDONLY);
		CHECK(fd >= 0 && read(fd, page, PG) == PG);
		/* the image differs from the guest at byte 17 only */
		CHECK(memcmp(page, gpage(&f, 300), 17) == 0);
		CHECK(page[17] != gpage(&f, 300)[17]);
		if (fd >= 0)
			close(fd);
		unlink(path);
		snprintf(path, sizeof(path), "%s/12d.guest", kd);
		CHECK_EQ(unlink(path), 0);
		snprintf(path, sizeof(path), "%s/12d.image", kd);
		CHECK_EQ(unlink(path), 0);
		/* the third missed page was not listed, so not kept */
		CHECK_EQ(rmdir(kd), 0);
		smv_report_free(&r);
	}

	tap_test("full run without metadata, nothing missed once fixed");
	gpage(&f, 300)[17] ^= 0xff;
	gpage(&f, 301)[0] ^= 0x01;
	gpage(&f, 2400)[PG - 1] ^= 0x80;
	CHECK_EQ(run(&f, &r, 20, 0, NULL), 0);
	CHECK_EQ(r.missed, 0);
	CHECK_EQ(r.list_len, 0);
	CHECK_EQ(r.differ_in_final_set, 5);
	CHECK_EQ(smv_write_json(&r, json_path), 0);
	smv_report_free(&r);
	guest_free(&f);
}

static void expect_fail(struct fake *f, int use_meta, const char *what,
			volatile sig_atomic_t *stop)
{
	struct smv_report r;

	CHECK_EQ(run(f, &r, 5, use_meta, stop), -1);
	CHECK(has(r.error, what));
	CHECK_EQ(f->outstanding, 0);
	smv_report_free(&r);
}

static void test_failures(void)
{
	volatile sig_atomic_t stop = 1;
	struct smv_report r;
	struct fake f;
	int fd;

	tap_test("failure: header rejected");
	guest_setup(&f, 0);
	gpage(&f, HDR_GFN)[40] ^= 1;
	expect_fail(&f, 0, "header_crc", NULL);
	gpage(&f, HDR_GFN)[40] ^= 1;
	gpage(&f, HDR_GFN)[0] = 'X';
	expect_fail(&f, 0, "bad_magic", NULL);
	guest_free(&f);

	tap_test("failure: bitmaps rejected");
	guest_setup(&f, 0);
	gpage(&f, DIRTY_GFN)[1000] ^= 4;
	expect_fail(&f, 0, "bitmaps_crc", NULL);
	guest_free(&f);

	tap_test("failure: descriptor pages unmappable");
	guest_setup(&f, 0);
	f.bad_gfn = HDR_GFN;
	expect_fail(&f, 0, "cannot map the final-set header (gfn 0xa)", NULL);
	f.bad_gfn = FREE_GFN;
	expect_fail(&f, 0, "cannot map free bitmap page 0 (gfn 0xc)", NULL);
	guest_free(&f);

	tap_test("failure: mapping fails or maps nothing");
	guest_setup(&f, 0);
	f.null_batches = 1;
	expect_fail(&f, 0, "cannot map guest frames 0x0-0x3ff", NULL);
	f.null_batches = 0;
	f.hole_batches = 1;
	expect_fail(&f, 0, "none of the 2500 guest frames could be mapped", NULL);
	guest_free(&f);

	tap_test("failure: image or metadata of another size");
	guest_setup(&f, 1);
	fd = open(image_path, O_WRONLY);
	CHECK_EQ(ftruncate(fd, (off_t)(G * PG + PG)), 0);
	expect_fail(&f, 0, "image size 10244096 is not page_count 2500", NULL);
	CHECK_EQ(ftruncate(fd, (off_t)(G * PG)), 0);
	close(fd);
	{
		u8 *meta = smr_meta_alloc(G + 1);

		CHECK_EQ(smr_meta_write(meta_path, meta, G + 1, 0, 0), 0);
		free(meta);
	}
	expect_fail(&f, 1, "metadata file has page_count 2501, the final set 2500", NULL);
	guest_free(&f);

	tap_test("failure: interrupted");
	guest_setup(&f, 0);
	expect_fail(&f, 0, "interrupted at gfn 0x0", &stop);
	CHECK_EQ(run(&f, &r, 5, 0, NULL), 0);
	smv_report_free(&r);
	guest_free(&f);

	tap_test("error report as JSON");
	CHECK_EQ(smv_report_init(&r, 9, 0), 0);
	snprintf(r.error, sizeof(r.error), "bad \"thing\"\n");
	CHECK_EQ(smv_write_json(&r, json_path), 0);
	check_json(2048, "\"status\": \"error\"",
		   "\"error\": \"bad \\\"thing\\\"\\u000a\"",
		   "\"migration_id\": null", "\"missed_gfns\": [],",
		   "\"resumed\": false", NULL);
	smv_report_free(&r);
}

static void test_meta_load(void)
{
	char err[256];
	u64 pc = 0;
	u32 flags = 0;
	u8 *meta, junk[100];
	int fd;

	tap_test("metadata file: accepted and rejected");
	meta = smr_meta_alloc(16);
	smr_meta_set(meta, 3, 2, 0x1234);
	CHECK_EQ(smr_meta_write(meta_path, meta, 16, SMR_META_F_COMPLETE, 3), 0);
	free(meta);
	meta = smv_meta_load(meta_path, &pc, &flags, err, sizeof(err));
	CHECK(meta != NULL);
	CHECK_EQ(pc, 16);
	CHECK_EQ(flags, SMR_META_F_COMPLETE);
	if (meta) {
		CHECK_EQ(smv_meta_round(meta, 3), 2);
		CHECK_EQ(smv_meta_round(meta, 4), SMV_ROUND_NEVER);
	}
	free(meta);
	/* A flipped entry byte breaks the entry crc. */
	fd = open(meta_path, O_RDWR);
	CHECK_EQ(pwrite(fd, "\x01", 1, 40 + 8 * 5), 1);
	close(fd);
	CHECK(smv_meta_load(meta_path, &pc, &flags, err, sizeof(err)) == NULL);
	CHECK(has(err, "entry table crc mismatch"));
	memset(junk, 'j', sizeof(junk));
	fd = open(meta_path, O_WRONLY | O_TRUNC);
	CHECK_EQ(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	CHECK(smv_meta_load(meta_path, &pc, &flags, err, sizeof(err)) == NULL);
	CHECK(has(err, "not a selfmig metadata file"));
	fd = open(meta_path, O_WRONLY | O_TRUNC);
	close(fd);
	CHECK(smv_meta_load(meta_path, &pc, &flags, err, sizeof(err)) == NULL);
	CHECK(has(err, "file too short"));
	unlink(meta_path);
	CHECK(smv_meta_load(meta_path, &pc, &flags, err, sizeof(err)) == NULL);
	CHECK(has(err, "cannot open"));
}

/* ------------------------------------------------------------------ */
/* The guest as a raw memory dump (tests/native)                       */

/* Write the fake guest's memory as pmemsave would: gfn g at g * 4096. */
static void dump_write(struct fake *f, off_t size)
{
	int fd = open(dump_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || pwrite(fd, f->mem, G * PG, 0) != (ssize_t)(G * PG) ||
	    ftruncate(fd, size) < 0)
		abort();
	close(fd);
}

/* smv_dump_verify() over the dump with the image and metadata file. */
static int run_dump(struct smv_report *r, u64 header_gfn, FILE *log)
{
	struct smv_inputs in;
	struct smv_dump d;
	int ret;

	if (smv_report_init(r, 0, 10))
		abort();
	inputs_open(&in, header_gfn, 1);
	in.log = log;
	if (smv_dump_open(&d, dump_path, r->error, sizeof(r->error))) {
		ret = -2;
	} else {
		ret = smv_dump_verify(&d, &in, r);
		smv_dump_close(&d);
	}
	inputs_close(&in);
	return ret;
}

static void test_dump(void)
{
	u64 gfns[8] = { 0, 5, 6, G - 1, G, G + 100, 7, ~0ULL };
	int errs[8], ret;
	struct smv_report r;
	struct smv_mapper m;
	struct smv_dump d;
	struct fake f;
	char err[256], *text = NULL;
	size_t tlen = 0;
	FILE *log;
	u8 *p;
	u32 i;

	tap_test("dump: the mapper reads frames and refuses those beyond the file");
	guest_setup(&f, 1);
	dump_write(&f, (off_t)(G * PG));
	CHECK_EQ(smv_dump_open(&d, dump_path, err, sizeof(err)), 0);
	CHECK_EQ(d.pages, G);
	smv_dump_mapper(&d, &m);
	memset(errs, 0x55, sizeof(errs));
	p = m.map(m.ctx, gfns, 8, errs);
	CHECK(p != NULL);
	if (p) {
		for (i = 0; i < 8; i++) {
			if (gfns[i] < G) {
				CHECK_EQ(errs[i], 0);
				CHECK(!memcmp(p + (size_t)i * PG, gpage(&f, gfns[i]), PG));
			} else {
				CHECK_EQ(errs[i], EFAULT);
			}
		}
		m.unmap(m.ctx, p, 8);
	}
	smv_dump_close(&d);

	tap_test("dump: identical, in the final set, free and missed pages");
	/* In the dump, unlike the fake domain, the physmap hole is memory. */
	CHECK_EQ(run_dump(&r, HDR_GFN, NULL), 0);
	CHECK_EQ(r.error[0], 0);
	CHECK_EQ(r.page_count, G);
	CHECK_EQ(r.compared, G);
	CHECK_EQ(r.unmapped, 0);
	CHECK_EQ(r.differ_in_final_set, 5);
	CHECK_EQ(r.differ_free, 1);
	CHECK_EQ(r.missed, 4);
	CHECK_EQ(r.identical, G - 5 - 1 - 4);
	CHECK_EQ(r.list_len, 4);
	CHECK_EQ(r.list[0].gfn, 300);
	CHECK_EQ(r.list[0].offset, 17);
	CHECK_EQ(r.list[0].round, 4);
	CHECK_EQ(r.list[1].gfn, 301);
	CHECK_EQ(r.list[1].round, SMV_ROUND_NEVER);
	CHECK_EQ(r.list[2].gfn, 1550);
	CHECK_EQ(r.list[3].gfn, 2400);
	CHECK_EQ(r.list[3].offset, PG - 1);
	smv_report_free(&r);

	tap_test("dump: nothing missed once the writes are in the image");
	gpage(&f, 300)[17] ^= 0xff;
	gpage(&f, 301)[0] ^= 0x01;
	gpage(&f, 1550)[0] ^= 1;
	gpage(&f, 2400)[PG - 1] ^= 0x80;
	dump_write(&f, (off_t)(G * PG));
	CHECK_EQ(run_dump(&r, HDR_GFN, NULL), 0);
	CHECK_EQ(r.missed, 0);
	CHECK_EQ(r.compared, G);
	CHECK_EQ(r.identical, G - 6);
	CHECK_EQ(r.differ_in_final_set, 5);
	CHECK_EQ(r.differ_free, 1);
	CHECK_EQ(r.final_set_pages, 6);
	CHECK_EQ(r.free_pages, 2);
	CHECK_EQ(smv_write_json(&r, json_path), 0);
	smv_report_free(&r);

	tap_test("dump: a truncated dump is an error, not a pass");
	dump_write(&f, (off_t)((G - 10) * PG));
	CHECK_EQ(run_dump(&r, HDR_GFN, NULL), -1);
	CHECK(has(r.error, "holds 2490 pages, the guest's final set describes 2500: 10 pages were not compared"));
	CHECK_EQ(r.compared, G - 10);
	smv_report_free(&r);
	/* Ending inside a page: that page is not read at all. */
	log = open_memstream(&text, &tlen);
	CHECK(log != NULL);
	dump_write(&f, (off_t)(G * PG - 100));
	CHECK_EQ(run_dump(&r, HDR_GFN, log), -1);
	fclose(log);
	CHECK(has(text, "ends inside a page (10239900 bytes); its last 3996 bytes are ignored"));
	CHECK(has(r.error, "holds 2499 pages"));
	CHECK(has(r.error, "1 pages were not compared"));
	free(text);
	smv_report_free(&r);

	tap_test("dump: header beyond the dump, bad header gfn, too short a dump");
	dump_write(&f, (off_t)(HDR_GFN * PG));
	CHECK_EQ(run_dump(&r, HDR_GFN, NULL), -1);
	CHECK(has(r.error, "final-set header gfn 0xa is beyond the dump"));
	smv_report_free(&r);
	dump_write(&f, (off_t)(G * PG));
	CHECK_EQ(run_dump(&r, HDR_GFN + 1, NULL), -1);
	CHECK(has(r.error, "final-set header at gfn 0xb rejected"));
	smv_report_free(&r);
	CHECK_EQ(run_dump(&r, ~0ULL, NULL), -1);
	CHECK(has(r.error, "beyond the dump"));
	smv_report_free(&r);
	dump_write(&f, 100);
	ret = run_dump(&r, HDR_GFN, NULL);
	CHECK_EQ(ret, -2);
	CHECK(has(r.error, "not even one page"));
	smv_report_free(&r);
	unlink(dump_path);
	CHECK_EQ(smv_dump_open(&d, dump_path, err, sizeof(err)), -1);
	CHECK(has(err, "No such file"));
	guest_free(&f);
}

int main(void)
{
	scratch_make(dir, sizeof(dir), "/tmp", "selfmig-verify-test.XXXXXX",
		     image_path, "image", meta_path, "meta", json_path,
		     "report.json", dump_path, "dump", NULL);

	test_classify();
	test_parsers();
	test_image_read();
	test_full_run();
	test_failures();
	test_meta_load();
	test_dump();

	return tap_done();
}
