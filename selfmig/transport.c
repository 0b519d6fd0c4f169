// SPDX-License-Identifier: GPL-2.0
/*
 * The sending end of the stream: one TCP connection to the receiver, over
 * which the frames of a migration go as the records of selfmig/core/wire.c,
 * in batches, compressed when that makes them smaller, paced to the
 * round's rate, and sealed (seal.c) when dom0 gave a secret.  As a frame
 * goes, a digest of its bytes is kept for the final set (skip_unchanged);
 * the frame that holds the stream key never goes.
 *
 * Each send, and the wait for the receiver to close its end, runs in the
 * loop of selfmig/core/ioloop.c a slice at a time: a receiver that stops
 * reading, or an abort, ends the migration instead of hanging the guest.
 * Which frames go, and when, is not decided here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/in.h>
#include <linux/uio.h>
#include <linux/slab.h>
#include <linux/siphash.h>
#include <linux/vmalloc.h>
#include <linux/zlib.h>
#include <linux/delay.h>
#include <net/sock.h>

#include "selfmig.h"
#include "wire.h"
#include "rate.h"
#include "ioloop.h"
#include "migrate.h"

/*
 * A receiver that stops reading must not hang the guest: each part of the
 * stream, and the receiver's close at its end, must go within this.  The
 * socket blocks a slice at a time, so that an abort is seen in between.
 */
#define SELFMIG_IO_TIMEOUT_S	60
#define SELFMIG_IO_SLICE	HZ

static unsigned int batch_pages = 64;
module_param(batch_pages, uint, 0644);
MODULE_PARM_DESC(batch_pages, "Pages per PAGES record, 1..256 (default 64)");

/*
 * The wire encoder answers with enum smw_err codes, which are not errnos:
 * keep the first for the failure's message, and pass -EPROTO on.
 */
int selfmig_xfer_wire(struct selfmig_mig *m, int ret)
{
	if (ret >= 0)
		return ret;
	if (!m->wire_err)
		m->wire_err = ret;
	return -EPROTO;
}

/* One blocking socket operation for smio_run(). */
struct xfer_io {
	struct selfmig_mig *m;
	struct msghdr msg;
	u8 buf[64];
};

static u64 xfer_io_now(void *arg)
{
	return ktime_get_ns();
}

static int xfer_io_cancelled(void *arg)
{
	struct xfer_io *io = arg;

	return atomic_read(&io->m->abort);
}

/* Sends what is left of io->msg: done when nothing is. */
static int xfer_io_send(void *arg)
{
	struct xfer_io *io = arg;
	int ret = sock_sendmsg(io->m->sock, &io->msg);

	if (ret < 0)
		return ret;
	if (!ret)
		return -EPIPE;
	return !msg_data_left(&io->msg);
}

/* Reads and drops what the receiver sends: done when it closes its end. */
static int xfer_io_drain(void *arg)
{
	struct xfer_io *io = arg;
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec v = { io->buf, sizeof(io->buf) };
	int ret = kernel_recvmsg(io->m->sock, &msg, &v, 1, sizeof(io->buf), 0);

	if (ret < 0)
		return ret;
	return !ret;
}

static int xfer_io_run(struct xfer_io *io, int (*step)(void *arg))
{
	const struct smio_ops ops = {
		.step = step,
		.now_ns = xfer_io_now,
		.cancelled = xfer_io_cancelled,
	};

	return smio_run(&ops, io, (u64)SELFMIG_IO_TIMEOUT_S * NSEC_PER_SEC);
}

/*
 * Send one part of the stream: @hdr, then @len bytes of payload.  In a
 * sealed stream the payload is encrypted in place, with @hdr as associated
 * data, and its tag, written after it, goes too: @payload has room for it.
 */
int selfmig_xfer_send(struct selfmig_mig *m, const u8 *hdr, u32 hdr_len,
		      u8 *payload, u32 len)
{
	struct xfer_io io = { .m = m, .msg.msg_flags = MSG_NOSIGNAL };
	struct kvec v[2];
	size_t total;
	int ret, n = 1;

	if (m->enc.sealed) {
		selfmig_seal_part(m, hdr, hdr_len, payload, len);
		len += SMW_TAG_LEN;
	}
	v[0] = (struct kvec){ (void *)hdr, hdr_len };
	if (len)
		v[n++] = (struct kvec){ payload, len };
	total = hdr_len + len;
	if (m->fault_drop_at && m->bytes_total + total > m->fault_drop_at) {
		pr_warn("FAULT INJECTION: the connection drops after %llu bytes\n",
			m->bytes_total);
		m->fault_drop_at = 0;
		kernel_sock_shutdown(m->sock, SHUT_RDWR);
		return -ECONNRESET;
	}
	iov_iter_kvec(&io.msg.msg_iter, WRITE, v, n, total);
	ret = xfer_io_run(&io, xfer_io_send);
	if (ret)
		return ret;
	m->bytes_total += total;
	return 0;
}

int selfmig_xfer_connect(struct selfmig_mig *m)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(m->cfg.dest_port),
		.sin_addr.s_addr = m->cfg.dest_addr,
	};
	int ret;

	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &m->sock);
	if (ret)
		return ret;
	/* The connection gets the whole timeout, in one piece. */
	m->sock->sk->sk_sndtimeo = SELFMIG_IO_TIMEOUT_S * HZ;
	ret = kernel_connect(m->sock, (struct sockaddr *)&sin, sizeof(sin), 0);
	if (ret) {
		sock_release(m->sock);
		m->sock = NULL;
		return ret;
	}
	m->sock->sk->sk_sndtimeo = SELFMIG_IO_SLICE;
	m->sock->sk->sk_rcvtimeo = SELFMIG_IO_SLICE;
	return 0;
}

/*
 * The stream is complete: say so, and wait until the receiver has read it
 * all and closed its end (within SELFMIG_IO_TIMEOUT_S), so that nothing of
 * it is still on its way when the guest freezes.
 */
int selfmig_xfer_finish(struct selfmig_mig *m)
{
	struct xfer_io io = { .m = m };
	int ret;

	ret = kernel_sock_shutdown(m->sock, SHUT_WR);
	if (ret)
		return ret;
	return xfer_io_run(&io, xfer_io_drain);
}

void selfmig_xfer_close(struct selfmig_mig *m)
{
	if (!m->sock)
		return;
	kernel_sock_shutdown(m->sock, SHUT_RDWR);
	sock_release(m->sock);
	m->sock = NULL;
}

/* A PAGES record's buffer: meta, then page data, then the tag. */
#define XFER_REC_LEN	(SMW_PAGES_META_MAX + SMW_PAGES_DATA_MAX + SMW_TAG_LEN)

int selfmig_xfer_alloc(struct selfmig_mig *m)
{
	m->rec = kvmalloc(XFER_REC_LEN, GFP_KERNEL);
	if (!m->rec)
		return -ENOMEM;
	m->meta = m->rec;
	m->data = m->rec + SMW_PAGES_META_MAX;
	if (m->cfg.compress) {
		m->zrec = kvmalloc(XFER_REC_LEN, GFP_KERNEL);
		m->zs.workspace = vzalloc(zlib_deflate_workspacesize(MAX_WBITS,
								     MAX_MEM_LEVEL));
		if (!m->zrec || !m->zs.workspace)
			return -ENOMEM;
		m->zbuf = m->zrec + SMW_PAGES_META_MAX;
		if (zlib_deflateInit(&m->zs, Z_BEST_SPEED) != Z_OK)
			return -EINVAL;
		m->zinit = true;
	}
	return 0;
}

/*
 * Buffers go back to the allocator before the freeze: free pages need no
 * copy.  So does the key, wiped: the final set lists its frame as free.
 */
void selfmig_xfer_free(struct selfmig_mig *m)
{
	selfmig_seal_free(m);
	if (m->zinit)
		zlib_deflateEnd(&m->zs);
	m->zinit = false;
	vfree(m->zs.workspace);
	m->zs.workspace = NULL;
	kvfree(m->zrec);
	kvfree(m->rec);
	m->zrec = NULL;
	m->rec = NULL;
	m->zbuf = NULL;
	m->data = NULL;
	m->meta = NULL;
}

static void xfer_pace(struct selfmig_mig *m, u64 bytes)
{
	u64 ns = smrate_pace(&m->pacer, ktime_get_ns(), bytes);

	if (ns > NSEC_PER_USEC)
		fsleep(min_t(u64, ns, NSEC_PER_SEC) / NSEC_PER_USEC);
}

static int xfer_flush(struct selfmig_mig *m)
{
	u8 hdr[SMW_REC_HDR_LEN];
	u8 *body = m->data, *payload;
	u32 body_len = m->batch.data_len, flags = 0;
	int ret;

	if (!m->batch.count)
		return 0;
	if (m->zinit && body_len) {
		zlib_deflateReset(&m->zs);
		m->zs.next_in = m->data;
		m->zs.avail_in = body_len;
		m->zs.next_out = m->zbuf;
		m->zs.avail_out = SMW_PAGES_DATA_MAX;
		if (zlib_deflate(&m->zs, Z_FINISH) == Z_STREAM_END &&
		    m->zs.total_out < body_len) {
			body = m->zbuf;
			body_len = m->zs.total_out;
			flags = SMW_RECF_COMPRESSED;
		}
	}
	ret = selfmig_xfer_wire(m, smw_enc_pages(&m->enc, &m->batch, hdr, flags,
						 body, body_len));
	if (ret)
		return ret;
	/* The meta goes just before the body: one payload, sealed whole. */
	payload = body - m->batch.meta_len;
	memmove(payload, m->meta, m->batch.meta_len);
	ret = selfmig_xfer_send(m, hdr, sizeof(hdr), payload,
				m->batch.meta_len + body_len);
	if (ret)
		return ret;
	m->pages_total += m->batch.count;
	xfer_pace(m, sizeof(hdr) + m->batch.meta_len + body_len);
	smw_pages_begin(&m->enc, &m->batch, m->meta, m->data);
	return 0;
}

int selfmig_xfer_page(struct selfmig_mig *m, unsigned long pfn)
{
	u32 off = m->batch.data_len;
	int ret;

	if (selfmig_seal_frame(m, pfn))
		return 0;
	ret = selfmig_xfer_wire(m, smw_pages_add_auto(&m->batch, pfn, pfn_to_kaddr(pfn)));
	if (ret)
		return ret;
	if (m->batch.kinds[m->batch.count - 1] == SMW_PAGE_RAW &&
	    selfmig_tracker_kernel_table(m->t, pfn))
		selfmig_tracker_canon_table(m->batch.data + off);
	/* The bytes as they go, not the page, which may change meanwhile. */
	if (m->sent)
		m->sent[pfn] = m->batch.kinds[m->batch.count - 1] == SMW_PAGE_RAW ?
			siphash(m->batch.data + off, PAGE_SIZE, &m->sent_key) :
			m->zero_digest;
	if (m->batch.count >= min_t(u32, batch_pages ?: 1, SMW_MAX_BATCH_PAGES))
		return xfer_flush(m);
	return 0;
}

int selfmig_xfer_round_end(struct selfmig_mig *m, struct smw_round_stats *st)
{
	u8 hdr[SMW_REC_HDR_LEN], payload[SMW_ROUND_END_LEN + SMW_TAG_LEN];
	int ret;

	ret = xfer_flush(m);
	if (ret)
		return ret;
	st->round = m->enc.round;
	/* What the encoder counted, for "rounds" too, not only for the wire. */
	st->pages_sent = m->enc.round_pages;
	st->pages_zero = m->enc.round_zero;
	st->bytes_uncompressed = m->enc.round_raw_bytes;
	st->bytes_compressed = m->enc.round_wire_bytes;
	ret = selfmig_xfer_wire(m, smw_enc_round_end(&m->enc, hdr, payload, st));
	if (ret)
		return ret;
	ret = selfmig_xfer_send(m, hdr, sizeof(hdr), payload, SMW_ROUND_END_LEN);
	smw_pages_begin(&m->enc, &m->batch, m->meta, m->data);
	return ret;
}

int selfmig_xfer_procs(struct selfmig_mig *m, u32 round)
{
	struct smw_proc_entry *e = m->procs;
	u8 hdr[SMW_REC_HDR_LEN];
	u32 i, n = m->t->nr_cur, len;
	int ret;

	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		e[i].pid = m->t->cur[i].pid;
		e[i].pages = m->t->cur[i].pages;
		memcpy(e[i].comm, m->t->cur[i].comm, sizeof(e[i].comm));
	}
	/* m->data is free between batches, with room for the tag after it. */
	ret = selfmig_xfer_wire(m, smw_enc_proc_stats(&m->enc, hdr, m->data,
						      SMW_PAGES_DATA_MAX, round, e, n,
						      &len));
	if (ret)
		return ret;
	return selfmig_xfer_send(m, hdr, sizeof(hdr), m->data, len);
}

int selfmig_xfer_end(struct selfmig_mig *m)
{
	u8 hdr[SMW_REC_HDR_LEN], payload[SMW_END_LEN + SMW_TAG_LEN];
	int ret;

	ret = selfmig_xfer_wire(m, smw_enc_end(&m->enc, hdr, payload));
	if (ret)
		return ret;
	return selfmig_xfer_send(m, hdr, sizeof(hdr), payload, SMW_END_LEN);
}
