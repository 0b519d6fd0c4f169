// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig page stream: encoder and incremental decoder.
 *
 * The decoder is a small state machine over three parts: the stream header,
 * a record header and a record payload.  Bytes are gathered into the part's
 * buffer (the decoder's own header buffer or the caller's payload buffer);
 * when a part is complete it is validated and, for a payload, the record is
 * returned.  Every length read from the wire is compared with a limit before
 * it is used to size anything.
 */
#include "wire.h"
#include "crc32c.h"

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static const char *const smw_err_text[SMW_E_COUNT_][2] = {
	[SMW_OK]		= { "ok", "no error" },
	[SMW_E_BAD_MAGIC]	= { "bad_magic", "bad stream magic" },
	[SMW_E_BAD_VERSION]	= { "bad_version", "unsupported stream version" },
	[SMW_E_BAD_HDR_LEN]	= { "bad_header_len", "bad stream header length" },
	[SMW_E_HDR_CRC]		= { "header_crc", "stream header crc mismatch" },
	[SMW_E_HDR_FLAGS]	= { "header_flags", "unknown stream header flags" },
	[SMW_E_PAGE_SIZE]	= { "page_size", "unsupported page size" },
	[SMW_E_PAGE_COUNT]	= { "page_count", "guest page count out of range" },
	[SMW_E_WRONG_ID]	= { "wrong_id", "wrong migration id" },
	[SMW_E_RECORD_CRC]	= { "record_crc", "record crc mismatch" },
	[SMW_E_SEQ_GAP]		= { "seq_gap", "record sequence gap" },
	[SMW_E_UNKNOWN_TYPE]	= { "unknown_type", "unknown record type" },
	[SMW_E_OVERSIZE]	= { "oversize", "record payload length over limit" },
	[SMW_E_BAD_LENGTH]	= { "bad_length", "bad payload length for record type" },
	[SMW_E_TRUNCATED]	= { "truncated", "stream truncated inside a header or record" },
	[SMW_E_GFN_RANGE]	= { "gfn_range", "gfn beyond guest page count" },
	[SMW_E_COUNT_MISMATCH]	= { "count_mismatch", "count and length disagree" },
	[SMW_E_BAD_COUNT]	= { "bad_count", "entry count out of range" },
	[SMW_E_PAGE_KIND]	= { "page_kind", "bad page kind" },
	[SMW_E_RECORD_FLAGS]	= { "record_flags", "bad record flags" },
	[SMW_E_BAD_ROUND]	= { "bad_round", "round number out of order" },
	[SMW_E_ROUND_OPEN]	= { "round_open", "end of stream inside an open round" },
	[SMW_E_STATS_MISMATCH]	= { "stats_mismatch", "round statistics disagree with the round" },
	[SMW_E_TOTALS_MISMATCH]	= { "totals_mismatch", "end totals disagree with the stream" },
	[SMW_E_TRAILING]	= { "trailing_data", "data after end of stream" },
	[SMW_E_MISSING_END]	= { "missing_end", "stream ended without END record" },
	[SMW_E_RESERVED]	= { "reserved", "reserved field or bit set" },
	[SMW_E_ZLIB_CORRUPT]	= { "zlib_corrupt", "corrupt compressed page data" },
	[SMW_E_ZLIB_OVERFLOW]	= { "zlib_overflow", "compressed page data too long" },
	[SMW_E_ZLIB_SHORT]	= { "zlib_short", "compressed page data inflates short" },
	[SMW_E_INVAL]		= { "invalid", "invalid argument or state" },
	[SMW_E_AUTH_REQUIRED]	= { "auth_required",
				    "stream is not authenticated, but a secret is required" },
	[SMW_E_AUTH_TAG]	= { "auth_tag",
				    "bad authentication tag: wrong secret, altered or replayed" },
	[SMW_E_NO_KEY]		= { "no_key", "authenticated stream, but no secret was given" },
	[SMW_E_KEY]		= { "key", "cannot derive the stream key" },
};

static int smw_err_index(int err)
{
	if (err < 0)
		err = -err;
	if (err >= SMW_E_COUNT_)
		return -1;
	return err;
}

const char *smw_errname(int err)
{
	int i = smw_err_index(err);

	return i < 0 ? "unknown_error" : smw_err_text[i][0];
}

const char *smw_strerror(int err)
{
	int i = smw_err_index(err);

	return i < 0 ? "unknown error" : smw_err_text[i][1];
}

/* ------------------------------------------------------------------ */
/* Encoder                                                             */

static const u8 smw_zero4[4];

static void smw_rec_hdr_fill(u8 hdr[SMW_REC_HDR_LEN], u32 type, u32 flags,
			     u32 seq, const void *p1, u32 l1,
			     const void *p2, u32 l2)
{
	u32 crc;

	smw_put_le32(hdr + SMW_RH_TYPE, type);
	smw_put_le32(hdr + SMW_RH_FLAGS, flags);
	smw_put_le32(hdr + SMW_RH_LEN, l1 + l2);
	smw_put_le32(hdr + SMW_RH_SEQ, seq);
	smw_put_le32(hdr + SMW_RH_CRC, 0);
	crc = smw_crc32c(0, hdr, SMW_REC_HDR_LEN);
	if (l1)
		crc = smw_crc32c(crc, p1, l1);
	if (l2)
		crc = smw_crc32c(crc, p2, l2);
	smw_put_le32(hdr + SMW_RH_CRC, crc);
}

void smw_rec_hdr_build(u8 hdr[SMW_REC_HDR_LEN], u32 type, u32 flags, u32 seq,
		       const void *payload, u32 len)
{
	smw_rec_hdr_fill(hdr, type, flags, seq, payload, len, NULL, 0);
}

static void smw_stream_hdr_fill(u8 hdr[SMW_STREAM_HDR_LEN], u32 version,
				const u8 id[SMW_ID_LEN], u64 page_count,
				const u8 *salt)
{
	memset(hdr, 0, SMW_STREAM_HDR_LEN);
	memcpy(hdr + SMW_SH_MAGIC, SMW_MAGIC, SMW_MAGIC_LEN);
	smw_put_le32(hdr + SMW_SH_VERSION, version);
	smw_put_le32(hdr + SMW_SH_HDR_LEN, SMW_STREAM_HDR_LEN);
	smw_put_le32(hdr + SMW_SH_FLAGS, 0);
	smw_put_le32(hdr + SMW_SH_PAGE_SIZE, SMW_PAGE_SIZE);
	memcpy(hdr + SMW_SH_ID, id, SMW_ID_LEN);
	smw_put_le64(hdr + SMW_SH_PAGE_COUNT, page_count);
	if (salt)
		memcpy(hdr + SMW_SH_SALT, salt, SMW_SALT_LEN);
	smw_put_le32(hdr + SMW_SH_CRC, smw_crc32c(0, hdr, SMW_SH_CRC));
}

void smw_stream_hdr_build(u8 hdr[SMW_STREAM_HDR_LEN],
			  const u8 id[SMW_ID_LEN], u64 page_count)
{
	smw_stream_hdr_fill(hdr, SMW_VERSION, id, page_count, NULL);
}

int smw_enc_init(struct smw_encoder *enc, u8 hdr[SMW_STREAM_HDR_LEN],
		 const u8 id[SMW_ID_LEN], u64 page_count)
{
	memset(enc, 0, sizeof(*enc));
	if (page_count == 0 || page_count > SMW_MAX_GUEST_PAGES)
		return -SMW_E_PAGE_COUNT;
	enc->page_count = page_count;
	enc->offset = SMW_STREAM_HDR_LEN;
	smw_stream_hdr_build(hdr, id, page_count);
	return 0;
}

int smw_enc_init_sealed(struct smw_encoder *enc, u8 hdr[SMW_STREAM_HDR_LEN],
			const u8 id[SMW_ID_LEN], u64 page_count,
			const u8 salt[SMW_SALT_LEN])
{
	int ret = smw_enc_init(enc, hdr, id, page_count);

	if (ret)
		return ret;
	enc->sealed = 1;
	enc->offset += SMW_TAG_LEN;
	smw_stream_hdr_fill(hdr, SMW_VERSION_SEALED, id, page_count, salt);
	return 0;
}

static void smw_enc_round_reset(struct smw_encoder *enc)
{
	enc->round_pages = 0;
	enc->round_zero = 0;
	enc->round_raw_bytes = 0;
	enc->round_wire_bytes = 0;
}

static int smw_enc_emit(struct smw_encoder *enc, u8 hdr[SMW_REC_HDR_LEN],
			u32 type, u32 flags, const void *p1, u32 l1,
			const void *p2, u32 l2)
{
	if (enc->ended || enc->next_seq == 0xFFFFFFFFU)
		return -SMW_E_INVAL;
	if (l1 > SMW_MAX_PAYLOAD || l2 > SMW_MAX_PAYLOAD - l1)
		return -SMW_E_OVERSIZE;
	smw_rec_hdr_fill(hdr, type, flags, enc->next_seq, p1, l1, p2, l2);
	enc->next_seq++;
	enc->offset += SMW_REC_HDR_LEN + l1 + l2 + (enc->sealed ? SMW_TAG_LEN : 0);
	return 0;
}

void smw_pages_begin(const struct smw_encoder *enc, struct smw_pages_batch *b,
		     u8 *meta, u8 *data)
{
	b->meta = meta;
	b->data = data;
	b->page_count = enc->page_count;
	b->round = enc->round;
	b->count = 0;
	b->meta_len = 0;
	b->data_len = 0;
}

int smw_pages_add(struct smw_pages_batch *b, u64 gfn, const void *page)
{
	if (b->count >= SMW_MAX_BATCH_PAGES)
		return -SMW_E_BAD_COUNT;
	if (gfn >= b->page_count)
		return -SMW_E_GFN_RANGE;
	smw_put_le64(b->meta + SMW_PAGES_PREFIX_LEN + 8 * b->count, gfn);
	if (page) {
		memcpy(b->data + b->data_len, page, SMW_PAGE_SIZE);
		b->data_len += SMW_PAGE_SIZE;
		b->kinds[b->count] = SMW_PAGE_RAW;
	} else {
		b->kinds[b->count] = SMW_PAGE_ZERO;
	}
	b->count++;
	return 0;
}

void smw_page_copy(void *dst, const void *src)
{
	memcpy(dst, src, SMW_PAGE_SIZE);
}

/*
 * A plain loop, not memcmp(): in the kernel this file reads guest pages
 * whole, without KASAN's checks (Kbuild), and memcmp() would bring them
 * back.  Pages are word aligned in both callers.
 */
int smw_page_is_zero(const void *page)
{
	const unsigned long *p = page;
	size_t i;

	for (i = 0; i < SMW_PAGE_SIZE / sizeof(*p); i++)
		if (p[i])
			return 0;
	return 1;
}

int smw_pages_add_auto(struct smw_pages_batch *b, u64 gfn, const void *page)
{
	return smw_pages_add(b, gfn, smw_page_is_zero(page) ? NULL : page);
}

int smw_enc_pages(struct smw_encoder *enc, struct smw_pages_batch *b,
		  u8 hdr[SMW_REC_HDR_LEN], u32 flags,
		  const void *body, u32 body_len)
{
	u32 zero = 0, i;
	int ret;

	if (b->count == 0 || b->count > SMW_MAX_BATCH_PAGES)
		return -SMW_E_BAD_COUNT;
	if (flags & ~SMW_RECF_COMPRESSED)
		return -SMW_E_RECORD_FLAGS;
	if (flags & SMW_RECF_COMPRESSED) {
		if (body_len == 0)
			return -SMW_E_COUNT_MISMATCH;
	} else if (body_len != b->data_len) {
		return -SMW_E_COUNT_MISMATCH;
	}
	if (b->round != enc->round)
		return -SMW_E_BAD_ROUND;

	smw_put_le32(b->meta + SMW_PG_ROUND, b->round);
	smw_put_le32(b->meta + SMW_PG_COUNT, b->count);
	smw_put_le32(b->meta + SMW_PG_DATA_LEN, b->data_len);
	smw_put_le32(b->meta + SMW_PG_RESERVED, 0);
	memcpy(b->meta + SMW_PAGES_PREFIX_LEN + 8 * b->count, b->kinds,
	       b->count);
	b->meta_len = SMW_PAGES_META_LEN(b->count);

	ret = smw_enc_emit(enc, hdr, SMW_REC_PAGES, flags, b->meta, b->meta_len,
			   body, body_len);
	if (ret)
		return ret;
	for (i = 0; i < b->count; i++)
		zero += b->kinds[i] == SMW_PAGE_ZERO;
	enc->round_pages += b->count;
	enc->round_zero += zero;
	enc->round_raw_bytes += b->data_len;
	enc->round_wire_bytes += body_len;
	enc->total_pages += b->count;
	return 0;
}

int smw_enc_round_end(struct smw_encoder *enc, u8 hdr[SMW_REC_HDR_LEN],
		      u8 payload[SMW_ROUND_END_LEN],
		      const struct smw_round_stats *st)
{
	struct smw_round_stats s;
	u8 *p = payload;
	int ret;

	if (enc->round == 0xFFFFFFFFU)
		return -SMW_E_BAD_ROUND;
	if (st)
		s = *st;
	else
		memset(&s, 0, sizeof(s));
	if (s.flags & ~SMW_ROUNDF_FINAL)
		return -SMW_E_RESERVED;
	smw_put_le32(p + SMW_RE_ROUND, enc->round);
	smw_put_le32(p + SMW_RE_FLAGS, s.flags);
	smw_put_le64(p + SMW_RE_SCANNED, s.pages_scanned);
	smw_put_le64(p + SMW_RE_DIRTY, s.pages_dirty);
	smw_put_le64(p + SMW_RE_SENT, enc->round_pages);
	smw_put_le64(p + SMW_RE_ZERO, enc->round_zero);
	smw_put_le64(p + SMW_RE_BYTES_RAW, enc->round_raw_bytes);
	smw_put_le64(p + SMW_RE_BYTES_WIRE, enc->round_wire_bytes);
	smw_put_le64(p + SMW_RE_DURATION, s.duration_ns);
	smw_put_le64(p + SMW_RE_RATE, s.rate);
	ret = smw_enc_emit(enc, hdr, SMW_REC_ROUND_END, 0, p, SMW_ROUND_END_LEN,
			   NULL, 0);
	if (ret)
		return ret;
	enc->round++;
	smw_enc_round_reset(enc);
	return 0;
}

int smw_enc_proc_stats(struct smw_encoder *enc, u8 hdr[SMW_REC_HDR_LEN],
		       u8 *payload, size_t cap, u32 round,
		       const struct smw_proc_entry *e, u32 n, u32 *len)
{
	u32 need, i;
	u8 *q;

	if (n > SMW_MAX_PROC_ENTRIES)
		return -SMW_E_BAD_COUNT;
	if (round > enc->round)
		return -SMW_E_BAD_ROUND;
	need = SMW_PROC_PREFIX_LEN + n * SMW_PROC_ENTRY_LEN;
	if (cap < need)
		return -SMW_E_INVAL;
	smw_put_le32(payload, round);
	smw_put_le32(payload + 4, n);
	for (i = 0; i < n; i++) {
		q = payload + SMW_PROC_PREFIX_LEN + i * SMW_PROC_ENTRY_LEN;
		smw_put_le32(q, e[i].pid);
		smw_put_le32(q + 4, e[i].pages);
		memcpy(q + 8, e[i].comm, SMW_PROC_COMM_LEN);
	}
	*len = need;
	return smw_enc_emit(enc, hdr, SMW_REC_PROC_STATS, 0, payload, need,
			    NULL, 0);
}

int smw_enc_end(struct smw_encoder *enc, u8 hdr[SMW_REC_HDR_LEN],
		u8 payload[SMW_END_LEN])
{
	int ret;

	if (enc->round_pages)
		return -SMW_E_ROUND_OPEN;
	smw_put_le64(payload + SMW_EN_PAGES, enc->total_pages);
	smw_put_le64(payload + SMW_EN_BYTES, enc->offset);
	smw_put_le32(payload + SMW_EN_ROUNDS, enc->round);
	smw_put_le32(payload + SMW_EN_RESERVED, 0);
	ret = smw_enc_emit(enc, hdr, SMW_REC_END, 0, payload, SMW_END_LEN,
			   NULL, 0);
	if (ret)
		return ret;
	enc->ended = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Decoder                                                             */

enum {
	SMW_ST_HDR,		/* gathering the stream header */
	SMW_ST_RHDR,		/* gathering a record header */
	SMW_ST_PAYLOAD,		/* gathering a record payload */
	SMW_ST_HTAG,		/* gathering the stream header's tag */
	SMW_ST_RTAG,		/* gathering a record's tag */
	SMW_ST_DONE,		/* END accepted */
	SMW_ST_ERR,
};

int smw_dec_init(struct smw_decoder *d, u8 *buf, size_t cap,
		 const u8 *expect_id)
{
	memset(d, 0, sizeof(*d));
	d->state = SMW_ST_HDR;
	d->need = SMW_STREAM_HDR_LEN;
	d->buf = buf;
	d->cap = cap;
	if (expect_id) {
		d->check_id = 1;
		memcpy(d->expect_id, expect_id, SMW_ID_LEN);
	}
	if (!buf || cap < SMW_MAX_PAYLOAD) {
		d->state = SMW_ST_ERR;
		d->err = -SMW_E_INVAL;
		return d->err;
	}
	return 0;
}

void smw_dec_set_aead(struct smw_decoder *d, const struct smw_aead *aead)
{
	d->aead = aead;
}

/*
 * Open the part just gathered: the stream header (nonce 0, nothing
 * encrypted) or the record the decoder expects next (nonce seq + 1, its
 * payload decrypted in place).
 */
static int smw_dec_open(struct smw_decoder *d, u64 nonce, u32 ad_len,
			u8 *buf, u32 len)
{
	if (d->aead->open(d->aead->ctx, nonce, d->hdr, ad_len, buf, len, d->tag))
		return -SMW_E_AUTH_TAG;
	return 0;
}

int smw_dec_header_ok(const struct smw_decoder *d)
{
	return d->hdr_ok;
}

int smw_dec_done(const struct smw_decoder *d)
{
	return d->state == SMW_ST_DONE;
}

void smw_dec_where(const struct smw_decoder *d, u64 *offset, s64 *seq)
{
	*offset = d->rec_offset;
	*seq = d->hdr_ok ? (s64)d->next_seq : -1;
}

/* Checks that can be made on a partial stream header, as bytes arrive. */
static int smw_check_hdr_prefix(const struct smw_decoder *d)
{
	u32 n = d->have < SMW_MAGIC_LEN ? d->have : SMW_MAGIC_LEN;

	if (memcmp(d->hdr, SMW_MAGIC, n) != 0)
		return -SMW_E_BAD_MAGIC;
	if (d->have >= SMW_SH_VERSION + 4) {
		u32 v = smw_get_le32(d->hdr + SMW_SH_VERSION);

		if (v != SMW_VERSION && v != SMW_VERSION_SEALED)
			return -SMW_E_BAD_VERSION;
		if (v == SMW_VERSION && d->aead)
			return -SMW_E_AUTH_REQUIRED;
		if (v == SMW_VERSION_SEALED && !d->aead)
			return -SMW_E_NO_KEY;
	}
	return 0;
}

static int smw_check_stream_hdr(struct smw_decoder *d)
{
	const u8 *h = d->hdr;
	struct smw_stream_info *in = &d->info;
	u32 i;

	if (smw_crc32c(0, h, SMW_SH_CRC) != smw_get_le32(h + SMW_SH_CRC))
		return -SMW_E_HDR_CRC;
	if (smw_get_le32(h + SMW_SH_HDR_LEN) != SMW_STREAM_HDR_LEN)
		return -SMW_E_BAD_HDR_LEN;
	in->version = smw_get_le32(h + SMW_SH_VERSION);
	in->flags = smw_get_le32(h + SMW_SH_FLAGS);
	in->page_size = smw_get_le32(h + SMW_SH_PAGE_SIZE);
	memcpy(in->id, h + SMW_SH_ID, SMW_ID_LEN);
	in->page_count = smw_get_le64(h + SMW_SH_PAGE_COUNT);
	if (in->flags)
		return -SMW_E_HDR_FLAGS;
	if (in->page_size != SMW_PAGE_SIZE)
		return -SMW_E_PAGE_SIZE;
	if (in->version == SMW_VERSION_SEALED)
		memcpy(in->salt, h + SMW_SH_SALT, SMW_SALT_LEN);
	else
		for (i = 0; i < SMW_SH_RESERVED_LEN; i++)
			if (h[SMW_SH_RESERVED + i])
				return -SMW_E_RESERVED;
	if (in->page_count == 0 || in->page_count > SMW_MAX_GUEST_PAGES)
		return -SMW_E_PAGE_COUNT;
	if (d->check_id && memcmp(in->id, d->expect_id, SMW_ID_LEN) != 0)
		return -SMW_E_WRONG_ID;
	return 0;
}

static int smw_dec_pages(struct smw_decoder *d, struct smw_record *rec)
{
	struct smw_pages_view *v = &rec->u.pages;
	const u8 *p = rec->payload;
	u32 len = rec->len, meta, i, raw = 0;

	if (len < SMW_PAGES_PREFIX_LEN)
		return -SMW_E_BAD_LENGTH;
	memset(v, 0, sizeof(*v));
	v->round = smw_get_le32(p + SMW_PG_ROUND);
	v->count = smw_get_le32(p + SMW_PG_COUNT);
	v->data_len = smw_get_le32(p + SMW_PG_DATA_LEN);
	v->compressed = !!(rec->flags & SMW_RECF_COMPRESSED);
	if (smw_get_le32(p + SMW_PG_RESERVED))
		return -SMW_E_RESERVED;
	if (v->count == 0 || v->count > SMW_MAX_BATCH_PAGES)
		return -SMW_E_BAD_COUNT;
	meta = SMW_PAGES_META_LEN(v->count);
	if (len < meta)
		return -SMW_E_COUNT_MISMATCH;
	v->gfns = p + SMW_PAGES_PREFIX_LEN;
	v->kinds = v->gfns + 8 * v->count;
	v->body = p + meta;
	v->body_len = len - meta;
	for (i = 0; i < v->count; i++)
		if (smw_pages_gfn(v, i) >= d->info.page_count)
			return -SMW_E_GFN_RANGE;
	for (i = 0; i < v->count; i++) {
		if (v->kinds[i] == SMW_PAGE_RAW)
			raw++;
		else if (v->kinds[i] != SMW_PAGE_ZERO)
			return -SMW_E_PAGE_KIND;
	}
	v->raw_count = raw;
	v->zero_count = v->count - raw;
	/* raw <= 256, so the product cannot overflow. */
	if (v->data_len != raw * SMW_PAGE_SIZE)
		return -SMW_E_COUNT_MISMATCH;
	if (v->compressed ? v->body_len == 0 : v->body_len != v->data_len)
		return -SMW_E_COUNT_MISMATCH;
	if (v->round != d->round)
		return -SMW_E_BAD_ROUND;

	d->round_pages += v->count;
	d->round_zero += v->zero_count;
	d->round_raw_bytes += v->data_len;
	d->round_wire_bytes += v->body_len;
	d->total_pages += v->count;
	return 0;
}

static int smw_dec_round_end(struct smw_decoder *d, struct smw_record *rec)
{
	struct smw_round_stats *s = &rec->u.round_end;
	const u8 *p = rec->payload;

	if (rec->len != SMW_ROUND_END_LEN)
		return -SMW_E_BAD_LENGTH;
	s->round = smw_get_le32(p + SMW_RE_ROUND);
	s->flags = smw_get_le32(p + SMW_RE_FLAGS);
	s->pages_scanned = smw_get_le64(p + SMW_RE_SCANNED);
	s->pages_dirty = smw_get_le64(p + SMW_RE_DIRTY);
	s->pages_sent = smw_get_le64(p + SMW_RE_SENT);
	s->pages_zero = smw_get_le64(p + SMW_RE_ZERO);
	s->bytes_uncompressed = smw_get_le64(p + SMW_RE_BYTES_RAW);
	s->bytes_compressed = smw_get_le64(p + SMW_RE_BYTES_WIRE);
	s->duration_ns = smw_get_le64(p + SMW_RE_DURATION);
	s->rate = smw_get_le64(p + SMW_RE_RATE);
	if (s->flags & ~SMW_ROUNDF_FINAL)
		return -SMW_E_RESERVED;
	if (s->round != d->round || d->round == 0xFFFFFFFFU)
		return -SMW_E_BAD_ROUND;
	if (s->pages_sent != d->round_pages ||
	    s->pages_zero != d->round_zero ||
	    s->bytes_uncompressed != d->round_raw_bytes ||
	    s->bytes_compressed != d->round_wire_bytes)
		return -SMW_E_STATS_MISMATCH;

	d->round++;
	d->round_pages = 0;
	d->round_zero = 0;
	d->round_raw_bytes = 0;
	d->round_wire_bytes = 0;
	return 0;
}

static int smw_dec_proc(struct smw_decoder *d, struct smw_record *rec)
{
	struct smw_proc_view *v = &rec->u.proc;
	const u8 *p = rec->payload;

	if (rec->len < SMW_PROC_PREFIX_LEN)
		return -SMW_E_BAD_LENGTH;
	v->round = smw_get_le32(p);
	v->count = smw_get_le32(p + 4);
	v->entries = p + SMW_PROC_PREFIX_LEN;
	if (v->count > SMW_MAX_PROC_ENTRIES)
		return -SMW_E_BAD_COUNT;
	if (rec->len != SMW_PROC_PREFIX_LEN + v->count * SMW_PROC_ENTRY_LEN)
		return -SMW_E_COUNT_MISMATCH;
	if (v->round > d->round)
		return -SMW_E_BAD_ROUND;
	return 0;
}

void smw_proc_get(const struct smw_proc_view *v, u32 i,
		  struct smw_proc_entry *e)
{
	const u8 *q = v->entries + (size_t)i * SMW_PROC_ENTRY_LEN;

	e->pid = smw_get_le32(q);
	e->pages = smw_get_le32(q + 4);
	memcpy(e->comm, q + 8, SMW_PROC_COMM_LEN);
}

static int smw_dec_end(struct smw_decoder *d, struct smw_record *rec)
{
	struct smw_end_info *e = &rec->u.end;
	const u8 *p = rec->payload;

	if (rec->len != SMW_END_LEN)
		return -SMW_E_BAD_LENGTH;
	e->total_pages = smw_get_le64(p + SMW_EN_PAGES);
	e->total_bytes = smw_get_le64(p + SMW_EN_BYTES);
	e->rounds = smw_get_le32(p + SMW_EN_ROUNDS);
	if (smw_get_le32(p + SMW_EN_RESERVED))
		return -SMW_E_RESERVED;
	if (d->round_pages)
		return -SMW_E_ROUND_OPEN;
	if (e->total_pages != d->total_pages ||
	    e->total_bytes != d->rec_offset || e->rounds != d->round)
		return -SMW_E_TOTALS_MISMATCH;
	return 0;
}

static int smw_dec_record(struct smw_decoder *d, struct smw_record *rec)
{
	u32 crc;

	memset(rec, 0, sizeof(*rec));
	rec->type = d->rec_type;
	rec->flags = d->rec_flags;
	rec->seq = smw_get_le32(d->hdr + SMW_RH_SEQ);
	rec->len = d->rec_len;
	rec->offset = d->rec_offset;
	rec->payload = d->buf;

	crc = smw_crc32c(0, d->hdr, SMW_RH_CRC);
	crc = smw_crc32c(crc, smw_zero4, 4);
	crc = smw_crc32c(crc, d->buf, d->rec_len);
	if (crc != d->rec_crc)
		return -SMW_E_RECORD_CRC;
	if (rec->seq != d->next_seq)
		return -SMW_E_SEQ_GAP;

	switch (rec->type) {
	case SMW_REC_PAGES:
		if (rec->flags & ~SMW_RECF_COMPRESSED)
			return -SMW_E_RECORD_FLAGS;
		return smw_dec_pages(d, rec);
	case SMW_REC_ROUND_END:
		if (rec->flags)
			return -SMW_E_RECORD_FLAGS;
		return smw_dec_round_end(d, rec);
	case SMW_REC_PROC_STATS:
		if (rec->flags)
			return -SMW_E_RECORD_FLAGS;
		return smw_dec_proc(d, rec);
	case SMW_REC_END:
		if (rec->flags)
			return -SMW_E_RECORD_FLAGS;
		return smw_dec_end(d, rec);
	default:
		return -SMW_E_UNKNOWN_TYPE;
	}
}

/* Copy up to the part's need from data[*pos..len) into dst. */
static void smw_gather(struct smw_decoder *d, u8 *dst, const u8 *data,
		       size_t len, size_t *pos)
{
	size_t take = d->need - d->have;

	if (take > len - *pos)
		take = len - *pos;
	memcpy(dst + d->have, data + *pos, take);
	d->have += (u32)take;
	*pos += take;
	d->offset += take;
}

static void smw_next_part(struct smw_decoder *d, int state, u32 need)
{
	d->state = state;
	d->have = 0;
	d->need = need;
}

static void smw_accept_header(struct smw_decoder *d)
{
	d->hdr_ok = 1;
	smw_next_part(d, SMW_ST_RHDR, SMW_REC_HDR_LEN);
	d->rec_offset = d->offset;
}

/*
 * The record (and its tag, if any) is in: open it, check it and move on.
 * The tag is checked first, so nothing of an altered record is looked at.
 */
static int smw_accept_record(struct smw_decoder *d, struct smw_record *rec)
{
	int ret = 0;

	if (d->aead)
		ret = smw_dec_open(d, d->next_seq + 1, SMW_REC_HDR_LEN, d->buf,
				   d->rec_len);
	if (!ret)
		ret = smw_dec_record(d, rec);
	if (ret)
		return ret;
	d->next_seq++;
	smw_next_part(d, rec->type == SMW_REC_END ? SMW_ST_DONE : SMW_ST_RHDR,
		      SMW_REC_HDR_LEN);
	d->rec_offset = d->offset;
	return 0;
}

int smw_dec_feed(struct smw_decoder *d, const void *data, size_t len,
		 size_t *used, struct smw_record *rec)
{
	const u8 *in = data;
	size_t pos = 0;
	int ret;

	*used = 0;
	if (d->state == SMW_ST_ERR)
		return d->err;

	for (;;) {
		switch (d->state) {
		case SMW_ST_HDR:
			smw_gather(d, d->hdr, in, len, &pos);
			ret = smw_check_hdr_prefix(d);
			if (ret)
				goto fail;
			if (d->have < d->need)
				goto more;
			ret = smw_check_stream_hdr(d);
			if (ret)
				goto fail;
			if (d->aead) {
				smw_next_part(d, SMW_ST_HTAG, SMW_TAG_LEN);
				break;
			}
			smw_accept_header(d);
			*used = pos;
			return SMW_DEC_HEADER;

		case SMW_ST_RHDR:
			if (pos == len)
				goto more;
			smw_gather(d, d->hdr, in, len, &pos);
			if (d->have < d->need)
				goto more;
			d->rec_type = smw_get_le32(d->hdr + SMW_RH_TYPE);
			d->rec_flags = smw_get_le32(d->hdr + SMW_RH_FLAGS);
			d->rec_len = smw_get_le32(d->hdr + SMW_RH_LEN);
			d->rec_crc = smw_get_le32(d->hdr + SMW_RH_CRC);
			/* The one field used before the crc is checked. */
			if (d->rec_len > SMW_MAX_PAYLOAD || d->rec_len > d->cap) {
				ret = -SMW_E_OVERSIZE;
				goto fail;
			}
			smw_next_part(d, SMW_ST_PAYLOAD, d->rec_len);
			break;

		case SMW_ST_HTAG:
			smw_gather(d, d->tag, in, len, &pos);
			if (d->have < d->need)
				goto more;
			ret = d->aead->begin(d->aead->ctx, d->info.id,
					     d->info.salt) ? -SMW_E_KEY :
			      smw_dec_open(d, 0, SMW_STREAM_HDR_LEN, NULL, 0);
			if (ret)
				goto fail;
			smw_accept_header(d);
			*used = pos;
			return SMW_DEC_HEADER;

		case SMW_ST_PAYLOAD:
			smw_gather(d, d->buf, in, len, &pos);
			if (d->have < d->need)
				goto more;
			if (d->aead) {
				smw_next_part(d, SMW_ST_RTAG, SMW_TAG_LEN);
				break;
			}
			ret = smw_accept_record(d, rec);
			if (ret)
				goto fail;
			*used = pos;
			return SMW_DEC_RECORD;

		case SMW_ST_RTAG:
			smw_gather(d, d->tag, in, len, &pos);
			if (d->have < d->need)
				goto more;
			ret = smw_accept_record(d, rec);
			if (ret)
				goto fail;
			*used = pos;
			return SMW_DEC_RECORD;

		case SMW_ST_DONE:
			if (pos < len) {
				ret = -SMW_E_TRAILING;
				goto fail;
			}
			goto more;

		default:
			ret = -SMW_E_INVAL;
			goto fail;
		}
	}

more:
	*used = pos;
	return SMW_DEC_MORE;
fail:
	d->state = SMW_ST_ERR;
	d->err = ret;
	*used = pos;
	return ret;
}

int smw_dec_finish(struct smw_decoder *d)
{
	int ret;

	switch (d->state) {
	case SMW_ST_DONE:
		return 0;
	case SMW_ST_ERR:
		return d->err;
	case SMW_ST_RHDR:
		ret = d->have ? -SMW_E_TRUNCATED : -SMW_E_MISSING_END;
		break;
	default:
		ret = -SMW_E_TRUNCATED;
		break;
	}
	d->state = SMW_ST_ERR;
	d->err = ret;
	return ret;
}
