// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig page stream: the encoder.
 *
 * It frames each record (a batch of pages, a round's end, process
 * statistics, the end) and keeps the counts its ROUND_END and END records
 * carry.  The caller owns every buffer and writes the bytes out.  In the
 * kernel this file copies guest pages whole (smw_pages_add(),
 * smw_page_copy(), smw_page_is_zero()), so Kbuild leaves it out of KASAN.
 */
#include "wire.h"
#include "wire_int.h"

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
