// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the Xen stream writer and walker (docs/xen-stream.md):
 * a written stream walks back with every page byte for byte; truncation and
 * corruption at every offset give an error, never a read outside the
 * buffer; and, when Xen's own checker is installed, it accepts the stream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "testbuf.h"
#include "xenstream.h"

static int buf_write(void *ctx, const void *p, size_t len)
{
	buf_put(ctx, p, len);
	return 0;
}

static int fail_after;	/* the write that fails, counted from 1 */

static int failing_write(void *ctx, const void *p, size_t len)
{
	(void)ctx;
	(void)p;
	(void)len;
	if (--fail_after == 0) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

#define NPAGES 700

static uint8_t pages[NPAGES][SXS_PAGE_SIZE];
static uint64_t pfns[NPAGES];

static void fill_page(uint8_t *p, uint64_t pfn, unsigned int gen)
{
	for (unsigned int i = 0; i < SXS_PAGE_SIZE; i++)
		p[i] = (uint8_t)(pfn * 31 + i * 7 + gen * 13);
}

/* A complete stream: two rounds of pages (the second rewrites the first
 * 100), an XTAB and an XALLOC entry, policies, TSC, context and params. */
static int write_stream(struct sxs_sink *s)
{
	static const char cfg[] = "{\"c_info\":{\"name\":\"g\"}}";
	uint8_t cpuid[48] = { 1 }, msr[16] = { 2 }, ctx[100];
	struct sxs_hvm_param par[2] = { { 1, 0xfeffc }, { 5, 0xfeffd } };
	struct sxs_tsc_info tsc = { 0, 1000000, 123456789, 1 };
	uint64_t odd[2] = { 0x900000, 0x900001 };
	uint8_t oddt[2] = { SXS_TYPE_XTAB, SXS_TYPE_XALLOC };
	unsigned int i;

	memset(ctx, 0xab, sizeof(ctx));
	if (sxs_write_xl_header(s, cfg, sizeof(cfg), true) ||
	    sxs_write_libxl_start(s) || sxs_write_libxc_start(s, 4, 17) ||
	    sxs_write_record(s, SXS_REC_CPUID_POLICY, cpuid, sizeof(cpuid)) ||
	    sxs_write_record(s, SXS_REC_MSR_POLICY, msr, sizeof(msr)) ||
	    sxs_write_record(s, SXS_REC_STATIC_DATA_END, NULL, 0))
		return -1;
	for (i = 0; i < NPAGES; i += SXS_BATCH_MAX) {
		unsigned int n = NPAGES - i < SXS_BATCH_MAX ? NPAGES - i : SXS_BATCH_MAX;

		if (sxs_write_pages(s, pfns + i, NULL, n, pages[i]))
			return -1;
	}
	for (i = 0; i < 100; i++)
		fill_page(pages[i], pfns[i], 1);
	if (sxs_write_pages(s, pfns, NULL, 100, pages[0]) ||
	    sxs_write_pages(s, odd, oddt, 2, NULL) ||
	    sxs_write_tsc_info(s, &tsc) ||
	    sxs_write_record(s, SXS_REC_HVM_CONTEXT, ctx, sizeof(ctx)) ||
	    sxs_write_hvm_params(s, par, 2) || sxs_write_end(s))
		return -1;
	return 0;
}

static uint8_t seen[NPAGES][SXS_PAGE_SIZE];
static unsigned int seen_count;

static int collect(void *ctx, uint64_t pfn, const uint8_t *page)
{
	(void)ctx;
	seen_count++;
	for (unsigned int i = 0; i < NPAGES; i++)
		if (pfns[i] == pfn) {
			memcpy(seen[i], page, SXS_PAGE_SIZE);
			return 0;
		}
	return -1;
}

static void run_checker(const struct buf *b)
{
	const char *py = "/usr/lib/xen-4.17/lib/python";
	const char *tool = "/usr/lib/xen-4.17/bin/verify-stream-v2";
	char path[] = "/tmp/sxs-test-XXXXXX", cmd[512];
	int fd, rc;

	if (access(tool, X_OK) || access("/usr/bin/python3", X_OK)) {
		printf("# skipped: %s is not installed\n", tool);
		return;
	}
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, b->p, b->len) == (ssize_t)b->len);
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "PYTHONPATH=%s python3 %s -f xl -i %s > %s.log 2>&1", py, tool,
		 path, path);
	rc = system(cmd);
	if (rc) {
		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' %s.log | tail -n 5", path);
		if (system(cmd))
			printf("# (no checker log)\n");
	}
	CHECK(rc == 0);
	snprintf(cmd, sizeof(cmd), "%s.log", path);
	unlink(cmd);
	unlink(path);
}

int main(void)
{
	struct buf b = { 0 };
	struct sxs_sink s = { buf_write, &b, 0 };
	struct sxs_walk_stats st;
	char err[200];
	unsigned int i, ok;
	size_t cut;

	for (i = 0; i < NPAGES; i++) {
		pfns[i] = i < 600 ? 0x100 + i : 0xfeff0 + (i - 600);
		fill_page(pages[i], pfns[i], 0);
	}

	tap_test("a written stream walks back with every page byte for byte");
	CHECK(write_stream(&s) == 0);
	CHECK(s.bytes == b.len);
	CHECK(sxs_walk(b.p, b.len, true, &st, collect, NULL, err, sizeof(err)) == 0);
	if (err[0])
		printf("# %s\n", err);
	CHECK(st.has_xl_header && st.config_json && st.config_len == 24);
	CHECK(st.libxc_version == 3 && st.xen_major == 4 && st.xen_minor == 17);
	CHECK(st.pages == NPAGES + 100 && seen_count == NPAGES + 100);
	CHECK(st.pfn_words == NPAGES + 102);
	CHECK(st.page_records == 4);
	CHECK(st.hvm_params == 2 && st.hvm_context_len == 100);
	CHECK(st.records[SXS_REC_TSC_INFO] == 1);
	ok = 1;
	for (i = 0; i < NPAGES; i++)	/* the last copy of each page wins */
		ok &= !memcmp(seen[i], pages[i], SXS_PAGE_SIZE);
	CHECK(ok);

	tap_test("Xen's own checker (verify-stream-v2) accepts the stream");
	run_checker(&b);

	tap_test("every truncation is an error, never a read past the end");
	ok = 1;
	/* Every byte through the headers and the first records, then samples
	 * through the page data, then every byte of the closing records.  Each
	 * cut is an exact-size heap copy, so ASan sees any read past it. */
	for (cut = 0; cut < b.len;
	     cut += cut < 4096 ? 1 : cut < 65536 ? 509 : cut < b.len - 4096 ? 40009 : 1) {
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, b.p, cut);
		ok &= sxs_walk(copy, cut, true, &st, NULL, NULL, err, sizeof(err)) != 0;
		ok &= err[0] != 0;
		free(copy);
	}
	CHECK(ok);
	CHECK(sxs_walk(b.p, b.len - 8, true, &st, NULL, NULL, err, sizeof(err)) != 0);
	CHECK(strstr(err, "truncated") != NULL);

	tap_test("a flipped byte in any header or record framing is caught");
	{
		/* xl magic, byte order, flags; libxl ident, LIBXC_CONTEXT
		 * length; libxc marker, ident, version; domain type, page
		 * shift (the xl header and config take 48 + 4 + 24 bytes) */
		size_t offs[] = { 0, 20, 32, 36, 76, 96, 100, 108, 115, 124, 128 };

		ok = 1;
		for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			b.p[offs[i]] ^= 0x40;
			ok &= sxs_walk(b.p, b.len, true, &st, NULL, NULL, err,
				       sizeof(err)) != 0;
			b.p[offs[i]] ^= 0x40;
		}
		CHECK(ok);
		CHECK(sxs_walk(b.p, b.len, true, &st, NULL, NULL, err, sizeof(err)) == 0);
	}

	tap_test("trailing bytes after the end are refused");
	buf_put(&b, "\0\0\0\0\0\0\0\0", 8);
	CHECK(sxs_walk(b.p, b.len, true, &st, NULL, NULL, err, sizeof(err)) != 0);
	CHECK(strstr(err, "after the end") != NULL);
	b.len -= 8;

	tap_test("the writer refuses bad batches and bad types");
	{
		uint64_t p1 = 5, big = UINT64_C(1) << 53;
		uint8_t t = 7;

		CHECK(sxs_write_pages(&s, &p1, NULL, 0, pages[0]) == -1);
		CHECK(sxs_write_pages(&s, &p1, NULL, SXS_BATCH_MAX + 1, pages[0]) == -1);
		CHECK(sxs_write_pages(&s, &big, NULL, 1, pages[0]) == -1);
		CHECK(sxs_write_pages(&s, &p1, &t, 1, pages[0]) == -1);
		CHECK(sxs_write_pages(&s, &p1, NULL, 1, NULL) == -1);
	}

	tap_test("a failing sink makes every writer fail, at any write");
	ok = 1;
	for (i = 1; i < 40; i++) {
		struct sxs_sink f = { failing_write, NULL, 0 };

		fail_after = (int)i;
		for (unsigned int j = 0; j < 100; j++)
			fill_page(pages[j], pfns[j], 0);
		ok &= write_stream(&f) == -1 && errno == ENOSPC;
	}
	CHECK(ok);

	tap_test("PAGE_DATA before STATIC_DATA_END is refused (v3)");
	{
		struct buf c = { 0 };
		struct sxs_sink cs = { buf_write, &c, 0 };

		CHECK(sxs_write_libxl_start(&cs) == 0);
		CHECK(sxs_write_libxc_start(&cs, 4, 17) == 0);
		CHECK(sxs_write_pages(&cs, pfns, NULL, 1, pages[0]) == 0);
		CHECK(sxs_walk(c.p, c.len, false, &st, NULL, NULL, err, sizeof(err)) != 0);
		CHECK(strstr(err, "STATIC_DATA_END") != NULL);
		free(c.p);
	}

	free(b.p);
	return tap_done();
}
