// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the stream assembler of `selfmig-hook self`.
 *
 * Each input is a guest page stream (docs/wire-format.md), the same format
 * as fuzz_receive's, so the two share their seeds.  It goes through the
 * path of userspace/selfmig-hook/self_xen.c, with everything that needs Xen
 * replaced by fixed values and nothing touching a file or a socket:
 *
 *   prologue      xl header, libxl and libxc starts, CPU policies,
 *                 STATIC_DATA_END (what hk_xen_write_prologue() writes);
 *   pre-copy      the receiver (no image) decodes the input, fed in two
 *                 pieces as reads would deliver it, and hands every page to
 *                 hk_fwd_page(), which batches PAGE_DATA records;
 *   switch        once the stream is complete, every frame below the page
 *                 count plus a few beyond it is planned with hk_plan_frame()
 *                 from pseudo-random populated/dirty/free bits (seeded by
 *                 the input) and queued allocate-only or copied through
 *                 hk_fwd_slot()/hk_fwd_commit(), as the switch does;
 *   epilogue      TSC_INFO, HVM_CONTEXT, HVM_PARAMS, END.
 *
 * All of it goes to an in-memory sink capped at SINK_CAP bytes (a write
 * past the cap fails with ENOSPC, which fails the stream cleanly).  The
 * sink's buffer is kept from one input to the next; while the walker reads
 * it, the unused tail is poisoned, so that ASan sees a read past the end.
 *
 * Before decoding, the harness recomputes the stream header's and every
 * record's CRC32C in a private copy of the input, so that mutations reach
 * the decoder's later checks and the assembler instead of stopping at a
 * checksum (fuzz_receive covers the checksum checks themselves).  Inputs
 * whose header announces more than MAX_PAGES guest pages are skipped.
 *
 * Findings, besides crashes, leaks and undefined behaviour:
 *   - a stream the receiver accepted whose assembled Xen stream sxs_walk()
 *     refuses, or whose pages (pfn and content, in order) or counts differ
 *     from what the receiver delivered and the switch copied;
 *   - a refusal by the receiver without an error code or message;
 *   - smr_finish() succeeding on a stream that did not end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "fuzz_common.h"
#include "xenstream.h"
#include "../../userspace/selfmig-hook/forward.h"
#include "receiver.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define POISON(p, n)	__asan_poison_memory_region((p), (n))
#define UNPOISON(p, n)	__asan_unpoison_memory_region((p), (n))
#endif
#endif
#ifndef POISON
#define POISON(p, n)	((void)(p), (void)(n))
#define UNPOISON(p, n)	((void)(p), (void)(n))
#endif

#define MAX_PAGES	4096u			/* guest page count limit */
#define EXTRA_FRAMES	8u			/* frames beyond the guest's RAM */
#define SINK_CAP	(16u << 20)		/* assembled stream, bytes */
#define LOG_MAX		(SINK_CAP / SXS_PAGE_SIZE)	/* data pages it can hold */

/* A finding: say which, then crash so that libFuzzer keeps the input. */
static void finding(const char *why) __attribute__((noreturn));
static void finding(const char *why)
{
	fprintf(stderr, "fuzz_assemble: %s\n", why);
	abort();
}

/* ---------------------------------------------------------------- the sink */

struct mem_sink {
	uint8_t *p;
	size_t len, cap;
};

static struct mem_sink m;	/* len is reset for each input */

static int mem_write(void *ctx, const void *buf, size_t len)
{
	struct mem_sink *ms = ctx;

	if (len > SINK_CAP - ms->len) {
		errno = ENOSPC;
		return -1;
	}
	if (ms->len + len > ms->cap) {
		size_t cap = ms->cap ? ms->cap : 64u << 10;
		uint8_t *p;

		while (cap < ms->len + len)
			cap *= 2;
		if (cap > SINK_CAP)
			cap = SINK_CAP;
		p = realloc(ms->p, cap);
		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		ms->p = p;
		ms->cap = cap;
	}
	memcpy(ms->p + ms->len, buf, len);
	ms->len += len;
	return 0;
}

/* ------------------------------------------- what should come back, in order */

struct logged {
	uint64_t pfn;
	uint64_t hash;
};

static struct logged page_log[LOG_MAX];
static unsigned int log_n, log_seen;
static uint64_t zero_hash;

static uint64_t page_hash(const uint8_t *page)
{
	uint64_t h = 0xcbf29ce484222325ull, w;

	for (unsigned int i = 0; i < SXS_PAGE_SIZE; i += 8) {
		memcpy(&w, page + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

static int log_page(uint64_t pfn, const uint8_t *page)
{
	if (log_n == LOG_MAX) {
		errno = ENOSPC;		/* the sink could not hold more anyway */
		return -1;
	}
	page_log[log_n].pfn = pfn;
	page_log[log_n].hash = page ? page_hash(page) : zero_hash;
	log_n++;
	return 0;
}

/* The receiver's page callback: note the page, then forward it. */
static int take_page(void *ctx, u64 gfn, const u8 *page)
{
	if (log_page(gfn, page))
		return -1;
	return hk_fwd_page(ctx, gfn, page);
}

/* The walker's page callback: each page must be the next one logged. */
static int check_page(void *ctx, uint64_t pfn, const uint8_t *page)
{
	(void)ctx;
	if (log_seen >= log_n || page_log[log_seen].pfn != pfn ||
	    page_log[log_seen].hash != page_hash(page))
		finding("a page of the assembled stream is not the one forwarded");
	log_seen++;
	return 0;
}

/* ------------------------------------------------------------- the input */

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute the stream header's and each whole record's checksum. */
static void fix_crcs(uint8_t *s, size_t len)
{
	static const uint8_t zero4[4];
	size_t off = SMW_STREAM_HDR_LEN;

	if (len < SMW_STREAM_HDR_LEN)
		return;
	put_le32(s + SMW_SH_CRC, smw_crc32c(0, s, SMW_SH_CRC));
	while (len - off >= SMW_REC_HDR_LEN) {
		uint32_t plen = get_le32(s + off + SMW_RH_LEN), crc;

		if (plen > SMW_MAX_PAYLOAD || plen > len - off - SMW_REC_HDR_LEN)
			return;
		crc = smw_crc32c(0, s + off, SMW_RH_CRC);
		crc = smw_crc32c(crc, zero4, 4);
		crc = smw_crc32c(crc, s + off + SMW_REC_HDR_LEN, plen);
		put_le32(s + off + SMW_RH_CRC, crc);
		off += SMW_REC_HDR_LEN + plen;
	}
}

/* -------------------------------------------------------- the Xen stream */

static const char config[] = "{\"c_info\":{\"type\":\"hvm\",\"name\":\"fuzz\"}}";

static int write_prologue(struct sxs_sink *s)
{
	static const uint8_t cpuid[24] = { 0x07 }, msr[16] = { 0x10 };

	return sxs_write_xl_header(s, config, sizeof(config), true) ||
	       sxs_write_libxl_start(s) || sxs_write_libxc_start(s, 4, 17) ||
	       sxs_write_record(s, SXS_REC_CPUID_POLICY, cpuid, sizeof(cpuid)) ||
	       sxs_write_record(s, SXS_REC_MSR_POLICY, msr, sizeof(msr)) ||
	       sxs_write_record(s, SXS_REC_STATIC_DATA_END, NULL, 0) ? -1 : 0;
}

static int write_epilogue(struct sxs_sink *s)
{
	static const uint8_t ctx[40] = { 1, 2, 3 };
	const struct sxs_tsc_info tsc = { 0, 2000000, 123456789, 1 };
	const struct sxs_hvm_param par[2] = { { 2, 0xfeff1 }, { 12, 0xfeff0 } };

	return sxs_write_tsc_info(s, &tsc) ||
	       sxs_write_record(s, SXS_REC_HVM_CONTEXT, ctx, sizeof(ctx)) ||
	       sxs_write_hvm_params(s, par, 2) || sxs_write_end(s) ? -1 : 0;
}

static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

struct switch_counts {
	uint64_t copied, alloc_only;
};

/*
 * The switch, as in self_xen.c: frames [0, page_count) are the guest's RAM,
 * EXTRA_FRAMES more lie beyond it.  A copied frame's content is made from
 * its pfn.  0, or -1 when the sink refuses (errno set).
 */
static int run_switch(struct hk_fwd *f, uint64_t page_count, uint32_t seed,
		      struct switch_counts *c)
{
	uint32_t x = seed | 1;
	uint64_t pfn;

	for (pfn = 0; pfn < page_count + EXTRA_FRAMES; pfn++) {
		uint32_t r = rnd(&x);
		bool below = pfn < page_count;
		uint8_t *slot;

		switch (hk_plan_frame((r & 7) == 0 || !below, below, below && (r & 0x30) == 0,
				      below && (r & 0x100), hk_fwd_was_sent(f, pfn))) {
		case HK_SKIP:
			continue;
		case HK_ALLOC:
			if (hk_fwd_add(f, pfn, SXS_TYPE_XALLOC, NULL))
				return -1;
			c->alloc_only++;
			continue;
		case HK_COPY:
			break;
		}
		slot = hk_fwd_slot(f);
		if (!slot)
			return -1;
		memset(slot, (int)(pfn * 37 + 1) & 0xff, SXS_PAGE_SIZE);
		memcpy(slot, &pfn, sizeof(pfn));
		if (log_page(pfn, slot))
			return -1;
		hk_fwd_commit(f, pfn);
		c->copied++;
	}
	return 0;
}

/* ------------------------------------------------------------ the harness */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t zero[SXS_PAGE_SIZE];

	(void)argc;
	(void)argv;
	zero_hash = page_hash(zero);
	return 0;
}

/* A refusal must say why. */
static void check_refusal(const struct smr_receiver *r)
{
	char line[512];

	if (r->err >= 0)
		finding("the receiver refused the stream without an error code");
	line[0] = 0;
	smr_error_line(r, line, sizeof(line));
	if (!line[0] || !memchr(line, 0, sizeof(line)) || !strcmp(line, "no error"))
		finding("the receiver refused the stream without a message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sxs_sink sink = { mem_write, &m, 0 };
	struct switch_counts sc = { 0, 0 };
	struct sxs_walk_stats st;
	struct smr_receiver r;
	struct smr_config cfg;
	struct hk_fwd f;
	uint64_t page_count = 1;
	uint32_t crc;
	uint8_t *in;
	size_t cut;
	char err[200];
	int ret;

	if (len >= SMW_SH_PAGE_COUNT + 8) {
		page_count = get_le64(data + SMW_SH_PAGE_COUNT);
		if (page_count > MAX_PAGES)
			return -1;	/* too big for the fuzzer: not kept */
		if (!page_count)
			page_count = 1;	/* the receiver refuses it */
	}
	/* An exact-size private copy with good checksums. */
	in = malloc(len ? len : 1);
	if (!in)
		return 0;
	memcpy(in, data, len);
	fix_crcs(in, len);
	crc = smw_crc32c(0, in, len);
	cut = len ? crc % (len + 1) : 0;

	log_n = log_seen = 0;
	m.len = 0;
	if (hk_fwd_init(&f, &sink, page_count + EXTRA_FRAMES)) {
		free(in);
		return 0;
	}
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.id, smf_test_id, SMW_ID_LEN);
	cfg.page_fn = take_page;
	cfg.page_ctx = &f;
	if (write_prologue(&sink) || smr_init(&r, &cfg))
		finding("cannot start");	/* 16 MiB is plenty for a prologue */

	/* Pre-copy: the pieces as two reads; after END nothing more is read. */
	ret = smr_feed(&r, in, cut);
	if (ret == 0)
		ret = smr_feed(&r, in + cut, len - cut);
	if (ret == 0) {
		ret = smr_finish(&r);
		if (ret == 0 && !r.complete)
			finding("smr_finish() accepted a stream without END");
	}
	if (ret < 0) {
		check_refusal(&r);
		goto out;
	}
	if (r.st.pages != f.forwarded || f.forwarded != log_n)
		finding("the receiver's page count is not what was forwarded");
	/* The pre-copy may fill the sink; that is a clean failure, not a finding. */
	if (hk_fwd_flush(&f) || run_switch(&f, r.page_count, crc, &sc) ||
	    hk_fwd_flush(&f) || write_epilogue(&sink)) {
		if (errno != ENOSPC)
			finding("the assembler failed other than on a full sink");
		goto out;
	}
	if (sink.bytes != m.len)
		finding("the sink's byte count is wrong");
	err[0] = 0;
	POISON(m.p + m.len, m.cap - m.len);
	ret = sxs_walk(m.p, m.len, true, &st, check_page, NULL, err, sizeof(err));
	UNPOISON(m.p + m.len, m.cap - m.len);
	if (ret) {
		fprintf(stderr, "fuzz_assemble: %s\n", err);
		finding("the walker refuses the assembled stream");
	}
	if (log_seen != log_n || st.pages != log_n ||
	    st.pages != f.forwarded + sc.copied ||
	    st.pfn_words != st.pages + sc.alloc_only ||
	    st.page_records * SXS_BATCH_MAX < st.pfn_words ||
	    !st.has_xl_header || !st.config_json || st.config_len != sizeof(config) ||
	    st.records[SXS_REC_HVM_CONTEXT] != 1 || st.hvm_params != 2)
		finding("the walker's counts differ from what was assembled");
out:
	smr_close(&r);
	hk_fwd_free(&f);
	free(in);
	return 0;
}
