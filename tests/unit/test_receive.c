// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the receiver: a valid two-round stream lands byte for byte
 * in the image and the metadata file, and every rejection leaves the image
 * exactly as the records before the rejected one made it.  Sealed streams
 * (version 3) are tested in test_receive_sealed.c.
 */
#include "receivetest.h"

static void test_positive(void)
{
	struct smr_receiver r;
	struct tstream t;
	s64 seq;
	size_t chunks[4] = { 0, 1, 777, 65536 };
	u32 k;

	tap_test("two rounds then END: image and metadata exact");
	build_two_rounds(&t);
	for (k = 0; k < 4; k++) {
		reset_files();
		CHECK_EQ(run_stream(&t.s, chunks[k], &seq, &r), 0);
		CHECK(two_rounds_done(&r));
		CHECK_EQ(r.st.zero_pages, 8 + 3);
		CHECK_EQ(r.st.stream_bytes, t.s.len);
		check_result(&t, 2);
	}
	ts_free(&t);
}

static void test_run_fd(void)
{
	struct smr_receiver r;
	struct smr_config cfg;
	struct tstream t;
	char json[320], line[256];
	FILE *devnull = fopen("/dev/null", "w");
	size_t jlen;
	u8 *j;
	int fd;

	tap_test("file input via smr_run_fd, verbose output, JSON summary");
	build_two_rounds(&t);
	CHECK_EQ(write_file(stream_path, t.s.p, t.s.len), 0);
	reset_files();
	cfg_init(&cfg);
	cfg.verbose = 1;
	cfg.out = devnull;
	fd = open(stream_path, O_RDONLY);
	CHECK_EQ(smr_init(&r, &cfg), 0);
	CHECK_EQ(smr_run_fd(&r, fd, 1), 0);
	close(fd);
	CHECK_EQ(smr_close(&r), 0);
	check_result(&t, 2);
	snprintf(json, sizeof(json), "%s/summary.json", dir);
	CHECK_EQ(smr_write_json(&r, json), 0);
	j = read_file(json, &jlen);
	CHECK(j != NULL);
	if (j) {
		j[jlen] = 0;
		CHECK(strstr((char *)j, "\"status\": \"ok\"") != NULL);
		CHECK(strstr((char *)j, "\"rounds\": 2,") != NULL);
		CHECK(strstr((char *)j, "\"pages\": 48,") != NULL);
		free(j);
	}
	smr_print_summary(&r, devnull);

	tap_test("trailing bytes after END are rejected in file mode");
	buf_put(&t.s, "junk", 4);
	CHECK_EQ(write_file(stream_path, t.s.p, t.s.len), 0);
	reset_files();
	fd = open(stream_path, O_RDONLY);
	CHECK_EQ(smr_init(&r, &cfg), 0);
	CHECK_EQ(smr_run_fd(&r, fd, 1), -SMW_E_TRAILING);
	close(fd);
	CHECK_EQ(smr_close(&r), -SMW_E_TRAILING);
	smr_error_line(&r, line, sizeof(line));
	CHECK(strstr(line, "trailing_data") != NULL);
	CHECK(strstr(line, "record seq 8") != NULL);
	CHECK_EQ(smr_write_json(&r, json), 0);
	j = read_file(json, &jlen);
	if (j) {
		j[jlen] = 0;
		CHECK(strstr((char *)j, "\"status\": \"error\"") != NULL);
		CHECK(strstr((char *)j, "\"name\": \"trailing_data\"") != NULL);
		free(j);
	}
	unlink(json);
	ts_free(&t);
	fclose(devnull);
}

/* ------------------------------------------------------------------ */
/* Rejections before the stream header is accepted                     */

static void test_header_rejects(void)
{
	struct tstream t;
	u8 *h;
	u8 other[SMW_ID_LEN];

	tap_test("reject bad magic; image untouched");
	build_two_rounds(&t);
	t.s.p[0] = 'X';
	expect_untouched(&t.s, -SMW_E_BAD_MAGIC);
	ts_free(&t);

	tap_test("reject bad version (the retired 2); image untouched");
	build_two_rounds(&t);
	h = t.s.p;
	smw_put_le32(h + SMW_SH_VERSION, 2);
	smw_put_le32(h + SMW_SH_CRC, smw_crc32c(0, h, SMW_SH_CRC));
	expect_untouched(&t.s, -SMW_E_BAD_VERSION);
	ts_free(&t);

	tap_test("reject stream header crc; image untouched");
	build_two_rounds(&t);
	t.s.p[SMW_SH_PAGE_COUNT] ^= 4;
	expect_untouched(&t.s, -SMW_E_HDR_CRC);
	ts_free(&t);

	tap_test("reject wrong migration id; image untouched");
	build_two_rounds(&t);
	h = t.s.p;
	memcpy(other, test_id, sizeof(other));
	other[0] ^= 1;
	smw_stream_hdr_build(h, other, PAGES);
	expect_untouched(&t.s, -SMW_E_WRONG_ID);
	ts_free(&t);

	tap_test("reject empty input as truncated; image untouched");
	{
		struct buf empty = { 0 };

		expect_untouched(&empty, -SMW_E_TRUNCATED);
	}
}

/* ------------------------------------------------------------------ */
/* Rejections of a record after a good prefix                          */

/* PAGES payload for raw pages at gfns, seeds from 900. */
static u32 raw_pages(u8 *p, const u64 *gfns, u32 n, u32 data_len)
{
	u32 i;

	smw_put_le32(p + SMW_PG_ROUND, 0);
	smw_put_le32(p + SMW_PG_COUNT, n);
	smw_put_le32(p + SMW_PG_DATA_LEN, data_len);
	smw_put_le32(p + SMW_PG_RESERVED, 0);
	for (i = 0; i < n; i++) {
		smw_put_le64(p + 16 + 8 * i, gfns[i]);
		p[16 + 8 * n + i] = SMW_PAGE_RAW;
		fill_page(p + SMW_PAGES_META_LEN(n) + i * SMW_PAGE_SIZE,
			  900 + i);
	}
	return SMW_PAGES_META_LEN(n);
}

/* Compress len bytes of src at level into z (of cap bytes): their length. */
static uLongf deflate_to(u8 *z, uLongf cap, const u8 *src, uLong len, int level)
{
	uLongf zlen = cap;

	CHECK_EQ(compress2(z, &zlen, src, len, level), Z_OK);
	return zlen;
}

/*
 * After the stream's prefix, a compressed PAGES record of meta bytes of p
 * and the zlen bytes of z is refused with err at seq 1.
 */
static void reject_zlib(struct tstream *t, const struct snap *sn, u8 *p,
			u32 meta, const u8 *z, u32 zlen, int err)
{
	memcpy(p + meta, z, zlen);
	ts_raw(t, SMW_REC_PAGES, SMW_RECF_COMPRESSED, p, meta + zlen);
	expect_reject(t, sn->image, sn->rounds, err, 1);
	ts_free(t);
}

static void test_record_rejects(void)
{
	static u8 p[SMW_MAX_PAYLOAD], z[SMW_PAGES_DATA_MAX + 4096];
	static const u64 good_gfns[3] = { 2, 5, 40 };
	struct tstream t;
	struct snap sn;
	u8 rh[SMW_REC_HDR_LEN];
	uLongf zlen;
	u32 meta;
	int variant;

	tap_test("reject record crc; image as before the record");
	ts_prefix(&t);
	snap_take(&sn, &t);
	meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
	ts_raw(&t, SMW_REC_PAGES, 0, p, meta + 3 * SMW_PAGE_SIZE);
	t.s.p[t.s.len - 100] ^= 0x01;
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_RECORD_CRC, 1);
	ts_free(&t);

	tap_test("reject gfn beyond guest memory; no page of the batch lands");
	{
		static const u64 bad[3] = { 2, 5, PAGES };

		ts_prefix(&t);
		meta = raw_pages(p, bad, 3, 3 * SMW_PAGE_SIZE);
		ts_raw(&t, SMW_REC_PAGES, 0, p, meta + 3 * SMW_PAGE_SIZE);
		expect_reject(&t, sn.image, sn.rounds, -SMW_E_GFN_RANGE, 1);
		ts_free(&t);
	}

	tap_test("reject truncated record at end of input");
	ts_prefix(&t);
	meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
	ts_raw(&t, SMW_REC_PAGES, 0, p, meta + 3 * SMW_PAGE_SIZE);
	t.s.len -= SMW_PAGE_SIZE + 10;
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_TRUNCATED, 1);
	ts_free(&t);

	tap_test("reject oversized payload length");
	ts_prefix(&t);
	smw_rec_hdr_build(rh, SMW_REC_PAGES, 0, 1, p, 0);
	smw_put_le32(rh + SMW_RH_LEN, SMW_MAX_PAYLOAD + 4096);
	buf_put(&t.s, rh, sizeof(rh));
	buf_put(&t.s, p, 4096);
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_OVERSIZE, 1);
	ts_free(&t);

	tap_test("reject corrupt zlib data");
	ts_prefix(&t);
	meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
	zlen = deflate_to(z, sizeof(z), p + meta, 3 * SMW_PAGE_SIZE, 6);
	z[zlen / 2] ^= 0xFF;
	z[zlen / 2 + 1] ^= 0x5A;
	reject_zlib(&t, &sn, p, meta, z, (u32)zlen, -SMW_E_ZLIB_CORRUPT);

	tap_test("reject zlib garbage, cut stream and trailing bytes");
	for (variant = 0; variant < 3; variant++) {
		u32 clen;

		ts_prefix(&t);
		meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
		zlen = deflate_to(z, sizeof(z), p + meta, 3 * SMW_PAGE_SIZE, 6);
		clen = (u32)zlen;
		if (variant == 0) {
			memset(z, 0xA5, 64);	/* not a zlib header */
			clen = 64;
		} else if (variant == 1) {
			clen = clen / 2;	/* stream stops early */
		} else {
			z[clen++] = 0;		/* byte after stream end */
		}
		reject_zlib(&t, &sn, p, meta, z, clen, -SMW_E_ZLIB_CORRUPT);
	}

	tap_test("reject zlib data inflating past the stated length");
	ts_prefix(&t);
	/* Three RAW pages are declared but four pages' worth compressed. */
	meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
	fill_page(p + meta + 3 * SMW_PAGE_SIZE, 999);
	zlen = deflate_to(z, sizeof(z), p + meta, 4 * SMW_PAGE_SIZE, 6);
	reject_zlib(&t, &sn, p, meta, z, (u32)zlen, -SMW_E_ZLIB_OVERFLOW);

	tap_test("reject a zlib bomb: tiny input, huge output");
	ts_prefix(&t);
	meta = raw_pages(p, good_gfns, 1, SMW_PAGE_SIZE);
	memset(p + meta, 0x42, SMW_MAX_PAYLOAD / 2);
	zlen = deflate_to(z, sizeof(z), p + meta, SMW_MAX_PAYLOAD / 2, 9);
	CHECK(zlen < 4096);
	reject_zlib(&t, &sn, p, meta, z, (u32)zlen, -SMW_E_ZLIB_OVERFLOW);

	tap_test("reject zlib data inflating short of the stated length");
	ts_prefix(&t);
	meta = raw_pages(p, good_gfns, 3, 3 * SMW_PAGE_SIZE);
	zlen = deflate_to(z, sizeof(z), p + meta, 2 * SMW_PAGE_SIZE, 6);
	reject_zlib(&t, &sn, p, meta, z, (u32)zlen, -SMW_E_ZLIB_SHORT);

	tap_test("reject sequence gap and unknown type after a good round");
	ts_prefix(&t);
	ts_round_end(&t);
	smw_rec_hdr_build(rh, SMW_REC_END, 0, t.enc.next_seq + 1, p, 0);
	buf_put(&t.s, rh, sizeof(rh));
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_SEQ_GAP, 2);
	ts_free(&t);
	ts_prefix(&t);
	ts_raw(&t, 77, 0, p, 16);
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_UNKNOWN_TYPE, 1);
	ts_free(&t);

	tap_test("reject stream that stops without END");
	ts_prefix(&t);
	expect_reject(&t, sn.image, sn.rounds, -SMW_E_MISSING_END, 1);
	ts_free(&t);

	free(sn.image);
}

static void test_misc(void)
{
	char host[64], port[16];
	u8 id[SMW_ID_LEN];
	u8 z[64];
	u8 out[16];
	uLongf zlen = sizeof(z);

	tap_test("migration id parsing");
	CHECK_EQ(smc_parse_id("deadbeef00112233445566778899aabb", id), 0);
	CHECK(memcmp(id, test_id, SMW_ID_LEN) == 0);
	CHECK_EQ(smc_parse_id("DEADBEEF-0011-2233-4455-66778899AABB", id), 0);
	CHECK(memcmp(id, test_id, SMW_ID_LEN) == 0);
	CHECK_EQ(smc_parse_id("deadbeef", id), -EINVAL);
	CHECK_EQ(smc_parse_id("deadbeef00112233445566778899aabbcc", id),
		 -EINVAL);
	CHECK_EQ(smc_parse_id("deadbeef00112233445566778899aabx", id),
		 -EINVAL);

	tap_test("listen address parsing");
	CHECK_EQ(smr_split_hostport("127.0.0.1:7000", host, sizeof(host), port,
				    sizeof(port)), 0);
	CHECK(strcmp(host, "127.0.0.1") == 0 && strcmp(port, "7000") == 0);
	CHECK_EQ(smr_split_hostport("[::1]:80", host, sizeof(host), port,
				    sizeof(port)), 0);
	CHECK(strcmp(host, "::1") == 0 && strcmp(port, "80") == 0);
	CHECK_EQ(smr_split_hostport("7000", host, sizeof(host), port,
				    sizeof(port)), -EINVAL);
	CHECK_EQ(smr_split_hostport(":7000", host, sizeof(host), port,
				    sizeof(port)), -EINVAL);
	CHECK_EQ(smr_split_hostport("::1:7000", host, sizeof(host), port,
				    sizeof(port)), -EINVAL);
	CHECK_EQ(smr_split_hostport("1.2.3.4:", host, sizeof(host), port,
				    sizeof(port)), -EINVAL);

	tap_test("bounded inflate: exact, empty output");
	CHECK_EQ(compress2(z, &zlen, (const Bytef *)"", 0, 6), Z_OK);
	CHECK_EQ(smr_inflate_exact(z, (u32)zlen, out, 0), 0);
	zlen = sizeof(z);
	CHECK_EQ(compress2(z, &zlen, (const Bytef *)"0123456789abcdef", 16, 6),
		 Z_OK);
	CHECK_EQ(smr_inflate_exact(z, (u32)zlen, out, 16), 0);
	CHECK(memcmp(out, "0123456789abcdef", 16) == 0);
	CHECK_EQ(smr_inflate_exact(z, (u32)zlen, out, 15),
		 -SMW_E_ZLIB_OVERFLOW);
	CHECK_EQ(smr_inflate_exact(z, (u32)zlen, out, 0),
		 -SMW_E_ZLIB_OVERFLOW);

	tap_test("metadata file rejects corruption");
	{
		u8 meta_bytes[SMR_META_HDR_LEN + 2 * SMR_META_ENTRY_LEN];
		u8 *m = smr_meta_alloc(2), *back;
		u64 count;
		u32 flags, rounds;

		smr_meta_set(m, 1, 3, 0x1234);
		CHECK_EQ(smr_meta_write(meta_path, m, 2, 1, 4), 0);
		back = smr_meta_read(meta_path, &count, &flags, &rounds);
		CHECK(back != NULL);
		if (back) {
			CHECK_EQ(count, 2);
			CHECK_EQ(flags, 1);
			CHECK_EQ(rounds, 4);
			CHECK(memcmp(back, m, 16) == 0);
			free(back);
		}
		smr_meta_header(meta_bytes, m, 2, 1, 4);
		memcpy(meta_bytes + SMR_META_HDR_LEN, m, 16);
		meta_bytes[SMR_META_HDR_LEN + 12] ^= 1;	/* entry 1 crc */
		write_file(meta_path, meta_bytes, sizeof(meta_bytes));
		CHECK(smr_meta_read(meta_path, &count, &flags, &rounds) == NULL);
		CHECK_EQ(errno, EINVAL);
		free(m);
	}
}

int main(void)
{
	receivetest_init();
	test_positive();
	test_run_fd();
	test_header_rejects();
	test_record_rejects();
	test_misc();
	return tap_done();
}
