// SPDX-License-Identifier: GPL-2.0
/*
 * Write the fuzzers' seed corpora: valid page streams (plain, compressed,
 * with statistics records, and one sealed under the harness's secret) for
 * fuzz_receive, and valid notices, requests, policy files and /proc lines
 * for fuzz_notice, and small Xen streams (an xl image and a bare libxl
 * stream) for fuzz_xenstream.  fuzz_assemble
 * reads page streams too: it gets fuzz_receive's seeds plus streams that
 * make the assembler batch across its PAGE_DATA limit, repeat pages, carry
 * process statistics and a final round, or carry no pages at all.
 *
 *   mkseeds RECEIVE_DIR NOTICE_DIR XENSTREAM_DIR [ASSEMBLE_DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "notice.h"
#include "xenstream.h"
#include "../unit/testbuf.h"
#include "aead.h"

#define PAGES 16U

static void put_file(const char *dir, const char *name, const void *p, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "mkseeds: cannot write %s\n", path);
		exit(1);
	}
}

/* A PAGES record of gfns; a gfn is a zero page when (gfn & zero_mask) == 0. */
static void batch(struct smw_encoder *enc, struct buf *s, const u32 *gfns, u32 n,
		  int compress, u32 zero_mask)
{
	static u8 meta[SMW_PAGES_META_MAX], data[SMW_PAGES_DATA_MAX];
	static u8 z[SMW_PAGES_DATA_MAX + 4096];
	u8 rh[SMW_REC_HDR_LEN], page[SMW_PAGE_SIZE];
	struct smw_pages_batch b;
	uLongf zlen = sizeof(z);
	u32 i, j;

	smw_pages_begin(enc, &b, meta, data);
	for (i = 0; i < n; i++) {
		for (j = 0; j < SMW_PAGE_SIZE; j++)
			page[j] = (u8)(gfns[i] * 7 + j);
		if (smw_pages_add(&b, gfns[i], (gfns[i] & zero_mask) ? page : NULL))
			exit(1);
	}
	if (compress) {
		if (compress2(z, &zlen, data, b.data_len, 6) != Z_OK ||
		    smw_enc_pages(enc, &b, rh, SMW_RECF_COMPRESSED, z, (u32)zlen))
			exit(1);
		buf_put(s, rh, sizeof(rh));
		buf_put(s, meta, b.meta_len);
		buf_put(s, z, zlen);
	} else {
		if (smw_enc_pages(enc, &b, rh, 0, data, b.data_len))
			exit(1);
		buf_put(s, rh, sizeof(rh));
		buf_put(s, meta, b.meta_len);
		buf_put(s, data, b.data_len);
	}
}

static void stream(const char *dir, const char *name, int compress, int rounds)
{
	static const u32 g0[6] = { 0, 1, 2, 3, 9, 15 }, g1[2] = { 2, 9 };
	u8 hdr[SMW_STREAM_HDR_LEN], rh[SMW_REC_HDR_LEN];
	u8 re[SMW_ROUND_END_LEN], end[SMW_END_LEN];
	struct smw_encoder enc;
	struct buf s = { 0 };
	int r;

	smw_enc_init(&enc, hdr, smf_test_id, PAGES);
	buf_put(&s, hdr, sizeof(hdr));
	for (r = 0; r < rounds; r++) {
		if (r == 0)
			batch(&enc, &s, g0, 6, compress, 3);
		else
			batch(&enc, &s, g1, 2, compress, 3);
		if (smw_enc_round_end(&enc, rh, re, NULL))
			exit(1);
		buf_put(&s, rh, sizeof(rh));
		buf_put(&s, re, sizeof(re));
	}
	if (smw_enc_end(&enc, rh, end))
		exit(1);
	buf_put(&s, rh, sizeof(rh));
	buf_put(&s, end, sizeof(end));
	put_file(dir, name, s.p, s.len);
	free(s.p);
}

/*
 * Seal the record s->p[from..len) in place, as the module does: its payload
 * encrypted under the stream key with the record header as associated data
 * and the encoder's nonce, then its tag appended.
 */
static void seal(const struct smw_encoder *enc, const u8 *key, struct buf *s,
		 size_t from)
{
	u8 t[SMW_TAG_LEN];

	if (smr_aead_seal(key, smw_enc_nonce(enc), s->p + from, SMW_REC_HDR_LEN,
			  s->p + from + SMW_REC_HDR_LEN,
			  (u32)(s->len - from - SMW_REC_HDR_LEN), t))
		exit(1);
	buf_put(s, t, sizeof(t));
}

/*
 * A version 3 stream sealed under smf_test_key: two rounds, a compressed
 * batch.  Its header carries smf_test_salt, and the key is the one derived
 * from the secret, the header's id and that salt.
 */
static void sealed_stream(const char *dir, const char *name)
{
	static const u32 g0[6] = { 0, 1, 2, 3, 9, 15 }, g1[2] = { 2, 9 };
	u8 hdr[SMW_STREAM_HDR_LEN], rh[SMW_REC_HDR_LEN], t[SMW_TAG_LEN];
	u8 re[SMW_ROUND_END_LEN], end[SMW_END_LEN], key[SMW_KEY_LEN];
	struct smw_encoder enc;
	struct buf s = { 0 };
	size_t at;
	int r;

	if (smw_enc_init_sealed(&enc, hdr, smf_test_id, PAGES, smf_test_salt) ||
	    memcmp(hdr + SMW_SH_SALT, smf_test_salt, SMW_SALT_LEN) ||
	    smr_stream_key(smf_test_key, hdr + SMW_SH_ID, hdr + SMW_SH_SALT, key) ||
	    smr_aead_seal(key, smw_enc_nonce(&enc), hdr, sizeof(hdr), NULL, 0, t))
		exit(1);
	buf_put(&s, hdr, sizeof(hdr));
	buf_put(&s, t, sizeof(t));
	for (r = 0; r < 2; r++) {
		at = s.len;
		batch(&enc, &s, r ? g1 : g0, r ? 2 : 6, r, 3);
		seal(&enc, key, &s, at);
		at = s.len;
		if (smw_enc_round_end(&enc, rh, re, NULL))
			exit(1);
		buf_put(&s, rh, sizeof(rh));
		buf_put(&s, re, sizeof(re));
		seal(&enc, key, &s, at);
	}
	at = s.len;
	if (smw_enc_end(&enc, rh, end))
		exit(1);
	buf_put(&s, rh, sizeof(rh));
	buf_put(&s, end, sizeof(end));
	seal(&enc, key, &s, at);
	if (enc.offset != s.len)
		exit(1);
	put_file(dir, name, s.p, s.len);
	free(s.p);
}

static void round_end(struct smw_encoder *enc, struct buf *s, u32 flags)
{
	u8 rh[SMW_REC_HDR_LEN], re[SMW_ROUND_END_LEN];
	struct smw_round_stats st = { 0 };

	st.flags = flags;
	st.pages_scanned = enc->page_count;
	st.pages_dirty = enc->round_pages;
	st.duration_ns = 1000000;
	st.rate = 1U << 30;
	if (smw_enc_round_end(enc, rh, re, &st))
		exit(1);
	buf_put(s, rh, sizeof(rh));
	buf_put(s, re, sizeof(re));
}

static void finish(struct smw_encoder *enc, struct buf *s, const char *dir,
		   const char *name)
{
	u8 rh[SMW_REC_HDR_LEN], end[SMW_END_LEN];

	if (smw_enc_end(enc, rh, end))
		exit(1);
	buf_put(s, rh, sizeof(rh));
	buf_put(s, end, sizeof(end));
	put_file(dir, name, s->p, s->len);
	free(s->p);
}

/*
 * The extra page streams of fuzz_assemble:
 *   zero-768      768 zero pages in three batches (the assembler's PAGE_DATA
 *                 limit is 512 pages), then a final round that repeats a
 *                 page within its batch;
 *   zlib-256      one compressed batch of 256 pages, a quarter of them zero,
 *                 process statistics, a final round;
 *   no-pages      the stream header and END: nothing to forward.
 */
static void assemble_streams(const char *dir)
{
	static const u32 again[4] = { 5, 700, 5, 1023 };
	static const struct smw_proc_entry procs[2] = {
		{ 1, 120, "init" }, { 4242, 3000, "sm-echo" },
	};
	u8 hdr[SMW_STREAM_HDR_LEN], rh[SMW_REC_HDR_LEN];
	u8 proc[SMW_PROC_PREFIX_LEN + 2 * SMW_PROC_ENTRY_LEN];
	static u32 gfns[SMW_MAX_BATCH_PAGES];
	struct smw_encoder enc;
	struct buf s = { 0 };
	u32 i, b, plen;

	smw_enc_init(&enc, hdr, smf_test_id, 1024);
	buf_put(&s, hdr, sizeof(hdr));
	for (b = 0; b < 3; b++) {
		for (i = 0; i < SMW_MAX_BATCH_PAGES; i++)
			gfns[i] = b * SMW_MAX_BATCH_PAGES + i;
		batch(&enc, &s, gfns, SMW_MAX_BATCH_PAGES, 0, 0);
	}
	round_end(&enc, &s, 0);
	batch(&enc, &s, again, 4, 0, 3);
	round_end(&enc, &s, SMW_ROUNDF_FINAL);
	finish(&enc, &s, dir, "zero-768");

	memset(&s, 0, sizeof(s));
	smw_enc_init(&enc, hdr, smf_test_id, 300);
	buf_put(&s, hdr, sizeof(hdr));
	for (i = 0; i < SMW_MAX_BATCH_PAGES; i++)
		gfns[i] = i + 20;
	batch(&enc, &s, gfns, SMW_MAX_BATCH_PAGES, 1, 3);
	if (smw_enc_proc_stats(&enc, rh, proc, sizeof(proc), 0, procs, 2, &plen))
		exit(1);
	buf_put(&s, rh, sizeof(rh));
	buf_put(&s, proc, plen);
	round_end(&enc, &s, SMW_ROUNDF_FINAL);
	finish(&enc, &s, dir, "zlib-256");

	memset(&s, 0, sizeof(s));
	smw_enc_init(&enc, hdr, smf_test_id, 1);
	buf_put(&s, hdr, sizeof(hdr));
	finish(&enc, &s, dir, "no-pages");
}

static void notice(const char *dir, const char *name, char sel, const char *fields)
{
	struct smn_msg m = { 0 };
	char text[SMN_MAX_LEN + 2], key[SMN_KEY_LEN], val[SMN_VAL_LEN];
	const char *p = fields;

	while (*p) {
		int n = 0;

		if (sscanf(p, "%23[^=]=%127s%n", key, val, &n) != 2 || smn_set(&m, key, val))
			exit(1);
		p += n;
		while (*p == ' ')
			p++;
	}
	text[0] = sel;
	if (smn_format(&m, text + 1, sizeof(text) - 1) < 0)
		exit(1);
	put_file(dir, name, text, strlen(text));
}

static int seed_write(void *ctx, const void *p, size_t len)
{
	buf_put(ctx, p, len);
	return 0;
}

/* A small complete xl image: 3 pages, one rewritten, policies, CPU state. */
static void xenstream(const char *dir, const char *name, int with_xl)
{
	static uint8_t pages[3][SXS_PAGE_SIZE];
	static const char cfg[] = "{\"c_info\":{\"name\":\"seed\"}}";
	uint64_t pfns[3] = { 0x10, 0x11, 0xfeff0 };
	uint8_t cpuid[24] = { 7 }, msr[16] = { 9 }, ctx[64] = { 1 };
	struct sxs_hvm_param par = { 1, 0xfeff0 };
	struct sxs_tsc_info tsc = { 0, 1000000, 1, 1 };
	struct buf b = { 0 };
	struct sxs_sink s = { seed_write, &b, 0 };

	buf_put(&b, with_xl ? "\x01" : "\x00", 1);
	memset(pages, 0x5a, sizeof(pages));
	if ((with_xl && sxs_write_xl_header(&s, cfg, sizeof(cfg), 1)) ||
	    sxs_write_libxl_start(&s) || sxs_write_libxc_start(&s, 4, 17) ||
	    sxs_write_record(&s, SXS_REC_CPUID_POLICY, cpuid, sizeof(cpuid)) ||
	    sxs_write_record(&s, SXS_REC_MSR_POLICY, msr, sizeof(msr)) ||
	    sxs_write_record(&s, SXS_REC_STATIC_DATA_END, NULL, 0) ||
	    sxs_write_pages(&s, pfns, NULL, 3, pages) ||
	    sxs_write_pages(&s, pfns + 1, NULL, 1, pages[1]) ||
	    sxs_write_tsc_info(&s, &tsc) ||
	    sxs_write_record(&s, SXS_REC_HVM_CONTEXT, ctx, sizeof(ctx)) ||
	    sxs_write_hvm_params(&s, &par, 1) || sxs_write_end(&s))
		exit(1);
	put_file(dir, name, b.p, b.len);
	free(b.p);
}

int main(int argc, char **argv)
{
	static const char conf[] =
		"\x02quiesce_cgroup = background\nquiesce_comm = churn\nquiesce_phase = round:3\n"
		"foreground_pid = 412:1873\nforeground_cgroup = foreground\n"
		"dirty_threshold = 1000\ndirtier_action = nice\n"
		"stun = no\nsample_ms = 500\nhold_max_s = 30\ncgroup_root = /sys/fs/cgroup\n";
	static const char stat[] =
		"\x03" "123 (a (b) c) S 1 123 123 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 1 0 4567 "
		"1000000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 3";

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: mkseeds RECEIVE_DIR NOTICE_DIR XENSTREAM_DIR [ASSEMBLE_DIR]\n");
		return 2;
	}
	stream(argv[1], "plain-1round", 0, 1);
	stream(argv[1], "plain-3rounds", 0, 3);
	stream(argv[1], "zlib-2rounds", 1, 2);
	sealed_stream(argv[1], "sealed-2rounds");
	notice(argv[2], "msg", '\x00', "seq=7 phase=notice dest=localhost");
	notice(argv[2], "req-notice", '\x01',
	       "seq=7 phase=notice mode=assisted dest=169.254.0.1:7001 deadline=1800000000");
	notice(argv[2], "req-abort", '\x01', "seq=8 phase=abort");
	put_file(argv[2], "conf", conf, sizeof(conf) - 1);
	put_file(argv[2], "stat", stat, sizeof(stat) - 1);
	put_file(argv[2], "cgroup", "\x03" "0::/a/b\n", 9);
	xenstream(argv[3], "xl-image", 1);
	xenstream(argv[3], "libxl-stream", 0);
	if (argc == 5) {
		stream(argv[4], "plain-1round", 0, 1);
		stream(argv[4], "plain-3rounds", 0, 3);
		stream(argv[4], "zlib-2rounds", 1, 2);
		assemble_streams(argv[4]);
	}
	return 0;
}
