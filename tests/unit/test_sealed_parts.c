// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the parts of a sealed (version 3) page stream: a bit
 * flipped in every region of every part is refused where it lies; the
 * decoder's begin() hook; and the secret's line (authkey.c).
 */
#include "sealtest.h"

/*
 * Flip one bit of the stream and decode it whole: 1 if the part it lies
 * in (record rec, or the stream header for rec < 0) is refused, with want
 * if want is not 0, and nothing from that part on is handed out.
 */
static int flip_refused(struct sealed *z, size_t byte, u32 bit, int rec,
			int want)
{
	struct dec_result r;

	z->s.p[byte] ^= (u8)(1U << bit);
	decode_sealed(z->s.p, z->s.len, z->s.len, test_id, secret_a, 1, &r);
	z->s.p[byte] ^= (u8)(1U << bit);
	if (r.ret >= 0 || (want && r.ret != want))
		return 0;
	if (rec < 0)
		return r.headers == 0 && r.records == 0 && r.err_seq == -1;
	return r.headers == 1 && r.records == rec && r.err_seq == rec;
}

/* Flip every step-th bit of bytes [from, from + len) in turn; failures. */
static u32 flip_region(struct sealed *z, size_t from, size_t len, u32 step,
		       int rec, int want)
{
	u32 bad = 0;
	size_t b;

	for (b = 0; b < len * 8; b += step)
		bad += !flip_refused(z, from + b / 8, (u32)(b % 8), rec, want);
	/* the region's last bit, whatever the step */
	if (len)
		bad += !flip_refused(z, from + len - 1, 7, rec, want);
	return bad;
}

/*
 * flip_region() over every bit of the meta of each PAGES record (pages), or
 * of the whole payload of each other record; failures.
 */
static u32 flip_heads(struct sealed *z, int pages, int want)
{
	const struct sealed_part *q;
	u32 bad = 0, i;

	for (i = 0; i < z->n; i++) {
		q = &z->part[i];
		if ((q->type == SMW_REC_PAGES) == !!pages)
			bad += flip_region(z, q->at + SMW_REC_HDR_LEN,
					   pages ? q->meta_len : q->len, 1,
					   (int)i, want);
	}
	return bad;
}

/*
 * flip_region() over every step-th bit of the page data after the meta of
 * each compressed PAGES record (compressed), or of each uncompressed one;
 * those records counted in *n; failures.
 */
static u32 flip_data(struct sealed *z, int compressed, u32 step, int want,
		     u32 *n)
{
	const struct sealed_part *q;
	u32 bad = 0, i;

	for (i = 0; i < z->n; i++) {
		q = &z->part[i];
		if (compressed ? !q->compressed :
		    q->type != SMW_REC_PAGES || q->compressed)
			continue;
		(*n)++;
		bad += flip_region(z, q->at + SMW_REC_HDR_LEN + q->meta_len,
				   q->len - q->meta_len, step, (int)i, want);
	}
	return bad;
}

static void test_sealed_bitflips(void)
{
	static const struct {
		const char *name;
		u32 off, len;
	} fields[5] = {
		{ "type", SMW_RH_TYPE, 4 }, { "flags", SMW_RH_FLAGS, 4 },
		{ "payload_len", SMW_RH_LEN, 4 }, { "seq", SMW_RH_SEQ, 4 },
		{ "crc", SMW_RH_CRC, 4 },
	};
	static char names[5][80];
	struct dec_result r;
	struct sealed z;
	u32 bad, i, f, b, pages = 0, bodies = 0;
	const int tagerr = -SMW_E_AUTH_TAG;

	build_sealed(&z, test_id, secret_a, salt_a);

	tap_test("bit flips: stream header, any bit, refused at the header");
	CHECK_EQ(flip_region(&z, 0, SMW_STREAM_HDR_LEN, 1, -1, 0), 0);

	tap_test("bit flips: stream header with its crc fixed: the tag refuses id, page_count and salt");
	bad = 0;
	for (b = 0; b < SMW_SH_CRC * 8; b++) {
		u8 *h = z.s.p;
		u8 save[SMW_STREAM_HDR_LEN];
		u32 byte = b / 8;
		int in_tag_only =
			(byte >= SMW_SH_ID && byte < SMW_SH_ID + SMW_ID_LEN) ||
			(byte >= SMW_SH_PAGE_COUNT &&
			 byte < SMW_SH_PAGE_COUNT + 4) ||
			(byte >= SMW_SH_SALT &&
			 byte < SMW_SH_SALT + SMW_SALT_LEN);

		memcpy(save, h, sizeof(save));
		h[byte] ^= (u8)(1U << (b % 8));
		reseal_hdr(h);
		/* no expected id: nothing but the tag can tell the id changed */
		decode_sealed(z.s.p, z.s.len, z.s.len, test_id, secret_a, 0, &r);
		memcpy(h, save, sizeof(save));
		if (r.ret >= 0 || r.headers || r.records ||
		    (in_tag_only && r.ret != tagerr))
			bad++;
	}
	CHECK_EQ(bad, 0);

	tap_test("bit flips: the stream header's tag, every bit, auth_tag");
	CHECK_EQ(flip_region(&z, SMW_STREAM_HDR_LEN, SMW_TAG_LEN, 1, -1,
			     tagerr), 0);

	for (f = 0; f < 5; f++) {
		snprintf(names[f], sizeof(names[f]),
			 "bit flips: record header %s, every bit of every record%s",
			 fields[f].name,
			 f == 2 ? ", any error" : ", auth_tag");
		tap_test(names[f]);
		bad = 0;
		for (i = 0; i < z.n; i++)
			bad += flip_region(&z, z.part[i].at + fields[f].off,
					   fields[f].len, 1, (int)i,
					   f == 2 ? 0 : tagerr);
		CHECK_EQ(bad, 0);
	}

	tap_test("bit flips: PAGES meta (round, count, data_len, gfns, kinds), every bit");
	CHECK_EQ(flip_heads(&z, 1, tagerr), 0);

	tap_test("bit flips: PAGES page data, a bit in every 61 bytes");
	CHECK_EQ(flip_data(&z, 0, 61 * 8 + 3, tagerr, &pages), 0);
	CHECK_EQ(pages, 2);

	tap_test("bit flips: compressed page data, every third bit, never inflated");
	CHECK_EQ(flip_data(&z, 1, 3, tagerr, &bodies), 0);
	CHECK_EQ(bodies, 1);

	tap_test("bit flips: ROUND_END, PROC_STATS and END payloads, every bit");
	CHECK_EQ(flip_heads(&z, 0, tagerr), 0);

	tap_test("bit flips: every record's tag, every bit");
	bad = 0;
	for (i = 0; i < z.n; i++)
		bad += flip_region(&z, part_end(&z, i) - SMW_TAG_LEN,
				   SMW_TAG_LEN, 1, (int)i, tagerr);
	CHECK_EQ(bad, 0);

	tap_test("bit flips: the stream itself is intact after all that");
	decode_sealed(z.s.p, z.s.len, 0, test_id, secret_a, 1, &r);
	CHECK(result_is(&r, 0, ANY, 7, ANY));
	free(z.s.p);
}

/*
 * The decoder's begin() hook, spied on: what it is given, when it is
 * called, and what its refusal does.  Opening is forwarded to the
 * receiver's opener.
 */
struct spy {
	struct smw_aead ops;
	struct smr_aead inner;
	int begin_ret;		/* nonzero: refuse to derive the key */
	int begins, opens;
	int opens_at_begin;	/* opens before the first begin() */
	u8 id[SMW_ID_LEN];
	u8 salt[SMW_SALT_LEN];
};

static int spy_begin(void *ctx, const u8 id[SMW_ID_LEN],
		     const u8 salt[SMW_SALT_LEN])
{
	struct spy *p = ctx;

	if (!p->begins++)
		p->opens_at_begin = p->opens;
	memcpy(p->id, id, SMW_ID_LEN);
	memcpy(p->salt, salt, SMW_SALT_LEN);
	if (p->begin_ret)
		return p->begin_ret;
	return smr_aead_begin(&p->inner, id, salt);
}

static int spy_open(void *ctx, u64 nonce, const u8 *ad, u32 ad_len, u8 *buf,
		    u32 len, const u8 tag[SMW_TAG_LEN])
{
	struct spy *p = ctx;

	p->opens++;
	return smr_aead_open(&p->inner, nonce, ad, ad_len, buf, len, tag);
}

static void spy_init(struct spy *p, const u8 *secret, int begin_ret)
{
	memset(p, 0, sizeof(*p));
	smr_aead_init(&p->inner, secret);
	p->begin_ret = begin_ret;
	p->opens_at_begin = -1;
	p->ops.begin = spy_begin;
	p->ops.open = spy_open;
	p->ops.ctx = p;
}

static void test_begin_hook(void)
{
	static const int refusals[3] = { 1, -1, 0x7fffffff };
	struct dec_result r;
	struct sealed z;
	struct spy p;
	struct buf s;
	u32 k;

	build_sealed(&z, test_id, secret_a, salt_b);

	tap_test("begin: called once with the header's id and salt, before any open");
	spy_init(&p, secret_a, 0);
	decode_with(z.s.p, z.s.len, 1, test_id, &p.ops, &r);
	CHECK_EQ(r.ret, 0);
	CHECK_EQ(r.records, 7);
	CHECK_EQ(p.begins, 1);
	CHECK_EQ(p.opens_at_begin, 0);
	CHECK_EQ(p.opens, 1 + 7);	/* the header's tag, then each record */
	CHECK(!memcmp(p.id, test_id, SMW_ID_LEN));
	CHECK(!memcmp(p.salt, salt_b, SMW_SALT_LEN));
	/* with no expected id too: the id is the header's */
	spy_init(&p, secret_a, 0);
	decode_with(z.s.p, z.s.len, 0, NULL, &p.ops, &r);
	CHECK_EQ(r.ret, 0);
	CHECK_EQ(p.begins, 1);
	CHECK(!memcmp(p.id, test_id, SMW_ID_LEN));
	CHECK(!memcmp(p.salt, salt_b, SMW_SALT_LEN));
	smr_aead_wipe(&p.inner);

	tap_test("begin: not called for a header that fails its own checks");
	spy_init(&p, secret_a, 0);
	decode_with(z.s.p, z.s.len, 0, id_b, &p.ops, &r);
	CHECK_EQ(r.ret, -SMW_E_WRONG_ID);
	CHECK_EQ(p.begins, 0);
	CHECK_EQ(p.opens, 0);
	memset(&s, 0, sizeof(s));
	buf_put(&s, z.s.p, z.s.len);
	s.p[SMW_SH_SALT] ^= 1;		/* crc not fixed */
	spy_init(&p, secret_a, 0);
	decode_with(s.p, s.len, 0, test_id, &p.ops, &r);
	CHECK_EQ(r.ret, -SMW_E_HDR_CRC);
	CHECK_EQ(p.begins, 0);
	CHECK_EQ(p.opens, 0);
	free(s.p);
	/* nor for a stream that stops before the header's tag is in */
	spy_init(&p, secret_a, 0);
	decode_with(z.s.p, SMW_STREAM_HDR_LEN + SMW_TAG_LEN - 1, 0, test_id,
		    &p.ops, &r);
	CHECK_EQ(r.ret, -SMW_E_TRUNCATED);
	CHECK_EQ(p.opens, 0);
	smr_aead_wipe(&p.inner);

	tap_test("begin: a nonzero return is error 34 \"key\", at the header, nothing opened");
	for (k = 0; k < 3; k++) {
		spy_init(&p, secret_a, refusals[k]);
		decode_with(z.s.p, z.s.len, k == 1 ? 1 : 0, test_id, &p.ops, &r);
		CHECK_EQ(r.ret, -SMW_E_KEY);
		CHECK_EQ(r.headers, 0);
		CHECK_EQ(r.records, 0);
		CHECK_EQ(r.err_seq, -1);
		CHECK_EQ(r.err_offset, 0);
		CHECK_EQ(p.begins, 1);
		CHECK_EQ(p.opens, 0);
		smr_aead_wipe(&p.inner);
	}
	CHECK_EQ(SMW_E_KEY, 34);
	CHECK(!strcmp(smw_errname(-SMW_E_KEY), "key"));
	CHECK(!strcmp(smw_strerror(SMW_E_KEY), smw_strerror(-SMW_E_KEY)));
	CHECK(strcmp(smw_strerror(SMW_E_KEY), smw_strerror(SMW_E_AUTH_TAG)));

	tap_test("begin: the key error is sticky");
	{
		static u8 payload[SMW_MAX_PAYLOAD];
		struct smw_decoder d;
		struct smw_record rec;
		size_t used;

		spy_init(&p, secret_a, 1);
		CHECK_EQ(smw_dec_init(&d, payload, sizeof(payload), test_id), 0);
		smw_dec_set_aead(&d, &p.ops);
		CHECK_EQ(smw_dec_feed(&d, z.s.p, z.s.len, &used, &rec),
			 -SMW_E_KEY);
		CHECK(!smw_dec_header_ok(&d));
		p.begin_ret = 0;
		CHECK_EQ(smw_dec_feed(&d, z.s.p + SMW_STREAM_HDR_LEN +
				      SMW_TAG_LEN, 20, &used, &rec), -SMW_E_KEY);
		CHECK_EQ(smw_dec_finish(&d), -SMW_E_KEY);
		CHECK_EQ(p.begins, 1);
		CHECK_EQ(p.opens, 0);
		smr_aead_wipe(&p.inner);
	}

	free(z.s.p);
}

static void test_authkey(void)
{
	char line[SMK_LINE_LEN + 2], copy[SMK_LINE_LEN + 2];
	u8 id[SMW_ID_LEN], key[SMW_KEY_LEN];
	u32 i, bad = 0;

	tap_test("key line: format and parse round trip");
	smk_format(line, test_id, secret_a);
	CHECK_EQ(strlen(line), SMK_LINE_LEN);
	CHECK(!strncmp(line, "selfmig-key/1 id=", 17));
	CHECK_EQ(smk_parse(line, SMK_LINE_LEN, id, key), 0);
	CHECK(!memcmp(id, test_id, SMW_ID_LEN));
	CHECK(!memcmp(key, secret_a, SMW_KEY_LEN));
	memcpy(copy, line, SMK_LINE_LEN);
	copy[SMK_LINE_LEN] = '\n';
	CHECK_EQ(smk_parse(copy, SMK_LINE_LEN + 1, id, key), 0);

	tap_test("key line: any changed character, length or case is refused");
	for (i = 0; i < SMK_LINE_LEN; i++) {
		memcpy(copy, line, SMK_LINE_LEN);
		copy[i] = copy[i] == '0' ? '1' : '0';
		if (smk_parse(copy, SMK_LINE_LEN, id, key) != -EINVAL)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(smk_parse(line, SMK_LINE_LEN - 1, id, key), -EINVAL);
	CHECK_EQ(smk_parse(line, 0, id, key), -EINVAL);
	memcpy(copy, line, SMK_LINE_LEN);
	copy[SMK_LINE_LEN] = 'x';
	CHECK_EQ(smk_parse(copy, SMK_LINE_LEN + 1, id, key), -EINVAL);
	memcpy(copy, line, SMK_LINE_LEN);
	for (i = 17; i < SMK_LINE_LEN; i++)
		if (copy[i] >= 'a' && copy[i] <= 'f') {
			copy[i] -= 32;
			break;
		}
	CHECK_EQ(smk_parse(copy, SMK_LINE_LEN, id, key), -EINVAL);
}

int main(void)
{
	test_sealed_bitflips();
	test_begin_hook();
	test_authkey();
	return tap_done();
}
