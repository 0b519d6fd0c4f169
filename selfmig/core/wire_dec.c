// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig page stream: the incremental decoder.
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

static const u8 smw_zero4[4];

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
