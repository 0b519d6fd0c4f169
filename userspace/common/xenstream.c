// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's save/migration stream: writer and walker.  The layout is described
 * in docs/xen-stream.md; this file is selfmig's own implementation of it.
 */
#include "xenstream.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char xl_magic[32] = "Xen saved domain, xl format\n \0 \r";
#define XL_BYTEORDER 0x01020304u
#define XL_FLAG_JSON 1u
#define XL_FLAG_STREAMV2 2u
#define LIBXL_IDENT UINT64_C(0x4c6962786c466d74)	/* "LibxlFmt" */
#define LIBXL_VERSION 2u
#define LIBXC_MARKER UINT64_C(0xffffffffffffffff)
#define LIBXC_IDENT 0x58454e46u				/* "XENF" */
#define LIBXC_VERSION 3u
#define DHDR_X86_HVM 2u

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * (3 - i)));
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * (7 - i)));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[0] << 24;
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static int emit(struct sxs_sink *s, const void *buf, size_t len)
{
	if (!len)
		return 0;
	if (s->write(s->ctx, buf, len))
		return -1;
	s->bytes += len;
	return 0;
}

static const uint8_t zeros[8];

static int pad8(struct sxs_sink *s, uint64_t len)
{
	return emit(s, zeros, (size_t)((8 - (len & 7)) & 7));
}

/*
 * Write all of buf to fd.  With timeout_ms >= 0, fail with ETIMEDOUT when
 * fd takes nothing for that long; with -1, wait as long as it takes.  The
 * write comes first and poll() only when the reader is behind, so a reader
 * that keeps up costs one system call per piece.
 */
static int fd_write(int fd, const uint8_t *p, size_t len, long timeout_ms)
{
	struct timespec t0, now;
	long waited;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (len) {
		struct pollfd pfd = { fd, POLLOUT, 0 };
		ssize_t n;
		int pr;

		/* The reader went away: write() says so (EPIPE). */
		n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			clock_gettime(CLOCK_MONOTONIC, &t0);	/* progress */
			continue;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		waited = 0;
		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			waited = (long)(now.tv_sec - t0.tv_sec) * 1000 +
				 (now.tv_nsec - t0.tv_nsec) / 1000000;
			if (waited >= timeout_ms) {
				errno = ETIMEDOUT;
				return -1;
			}
		}
		pr = poll(&pfd, 1, timeout_ms < 0 ? -1 : (int)(timeout_ms - waited));
		if (pr < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

int sxs_fd_write(void *ctx, const void *buf, size_t len)
{
	return fd_write(*(int *)ctx, buf, len, -1);
}

int sxs_fd_write_deadline(int fd, const void *buf, size_t len,
			  unsigned int timeout_ms)
{
	return fd_write(fd, buf, len, (long)timeout_ms);
}

const char *sxs_write_strerror(int e)
{
	if (e == ETIMEDOUT)
		return "the reader took no data within the write deadline (--io-timeout)";
	return strerror(e);
}

int sxs_write_xl_header(struct sxs_sink *s, const void *config, uint32_t len,
			bool json)
{
	uint8_t h[52];

	if (len > (64u << 20) || (len && !config)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(h, xl_magic, 32);
	put_le32(h + 32, XL_BYTEORDER);
	put_le32(h + 36, XL_FLAG_STREAMV2 | (json && len ? XL_FLAG_JSON : 0));
	put_le32(h + 40, 0);
	put_le32(h + 44, 4 + len);
	put_le32(h + 48, len);
	if (emit(s, h, sizeof(h)))
		return -1;
	return emit(s, config, len);
}

static int libxl_record(struct sxs_sink *s, uint32_t type, const void *body,
			uint32_t len)
{
	uint8_t h[8];

	put_le32(h, type);
	put_le32(h + 4, len);
	if (emit(s, h, 8) || emit(s, body, len))
		return -1;
	return pad8(s, len);
}

int sxs_write_libxl_start(struct sxs_sink *s)
{
	uint8_t h[16];

	put_be64(h, LIBXL_IDENT);
	put_be32(h + 8, LIBXL_VERSION);
	put_be32(h + 12, 0);		/* little endian, not converted */
	if (emit(s, h, sizeof(h)))
		return -1;
	return libxl_record(s, SXS_LIBXL_LIBXC_CONTEXT, NULL, 0);
}

int sxs_write_libxc_start(struct sxs_sink *s, uint32_t xen_major,
			  uint32_t xen_minor)
{
	uint8_t h[24 + 16];

	put_be64(h, LIBXC_MARKER);
	put_be32(h + 8, LIBXC_IDENT);
	put_be32(h + 12, LIBXC_VERSION);
	memset(h + 16, 0, 8);		/* options (little endian), reserved */
	put_le32(h + 24, DHDR_X86_HVM);
	h[28] = 12;			/* page shift */
	h[29] = 0;
	h[30] = 0;
	h[31] = 0;
	put_le32(h + 32, xen_major);
	put_le32(h + 36, xen_minor);
	return emit(s, h, sizeof(h));
}

int sxs_write_record(struct sxs_sink *s, uint32_t type, const void *body,
		     uint32_t len)
{
	uint8_t h[8];

	if (len && !body) {
		errno = EINVAL;
		return -1;
	}
	put_le32(h, type);
	put_le32(h + 4, len);
	if (emit(s, h, 8) || emit(s, body, len))
		return -1;
	return pad8(s, len);
}

int sxs_write_pages(struct sxs_sink *s, const uint64_t *pfns,
		    const uint8_t *types, unsigned int n, const void *pages)
{
	uint8_t h[16], w[8];
	unsigned int i, with_data = 0;
	uint64_t len;

	if (!n || n > SXS_BATCH_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		uint8_t t = types ? types[i] : (uint8_t)SXS_TYPE_NOTAB;

		if (pfns[i] > SXS_PFN_MASK ||
		    (t != SXS_TYPE_NOTAB && t != SXS_TYPE_XALLOC &&
		     t != SXS_TYPE_XTAB)) {
			errno = EINVAL;
			return -1;
		}
		with_data += t == SXS_TYPE_NOTAB;
	}
	if (with_data && !pages) {
		errno = EINVAL;
		return -1;
	}
	len = 8 + 8ull * n + (uint64_t)with_data * SXS_PAGE_SIZE;
	put_le32(h, SXS_REC_PAGE_DATA);
	put_le32(h + 4, (uint32_t)len);
	put_le32(h + 8, n);
	put_le32(h + 12, 0);
	if (emit(s, h, sizeof(h)))
		return -1;
	for (i = 0; i < n; i++) {
		uint64_t t = types ? types[i] : SXS_TYPE_NOTAB;

		put_le64(w, pfns[i] | t << SXS_TYPE_SHIFT);
		if (emit(s, w, 8))
			return -1;
	}
	/* 8 + 8n + 4096k is a multiple of 8: no padding. */
	return emit(s, pages, (size_t)with_data * SXS_PAGE_SIZE);
}

int sxs_write_tsc_info(struct sxs_sink *s, const struct sxs_tsc_info *t)
{
	uint8_t b[24];

	put_le32(b, t->mode);
	put_le32(b + 4, t->khz);
	put_le64(b + 8, t->nsec);
	put_le32(b + 16, t->incarnation);
	put_le32(b + 20, 0);
	return sxs_write_record(s, SXS_REC_TSC_INFO, b, sizeof(b));
}

int sxs_write_hvm_params(struct sxs_sink *s, const struct sxs_hvm_param *p,
			 unsigned int n)
{
	uint8_t h[16], e[16];
	unsigned int i;

	if (n > 4096) {
		errno = EINVAL;
		return -1;
	}
	put_le32(h, SXS_REC_HVM_PARAMS);
	put_le32(h + 4, 8 + 16 * n);
	put_le32(h + 8, n);
	put_le32(h + 12, 0);
	if (emit(s, h, sizeof(h)))
		return -1;
	for (i = 0; i < n; i++) {
		put_le64(e, p[i].index);
		put_le64(e + 8, p[i].value);
		if (emit(s, e, sizeof(e)))
			return -1;
	}
	return 0;
}

int sxs_write_end(struct sxs_sink *s)
{
	if (sxs_write_record(s, SXS_REC_END, NULL, 0))
		return -1;
	return libxl_record(s, SXS_LIBXL_END, NULL, 0);
}

/* ---------------------------------------------------------------- walker */

struct cursor {
	const uint8_t *buf;
	size_t len, off;
	char *err;
	size_t errlen;
};

static int bad(struct cursor *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct cursor *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, c->errlen, "offset %zu: ", c->off);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static const uint8_t *take(struct cursor *c, uint64_t n, const char *what)
{
	const uint8_t *p;

	if (n > c->len - c->off) {
		bad(c, "truncated %s: need %llu bytes, %zu left", what,
		    (unsigned long long)n, c->len - c->off);
		return NULL;
	}
	p = c->buf + c->off;
	c->off += (size_t)n;
	return p;
}

static int padding_ok(struct cursor *c, uint32_t len)
{
	uint32_t pad = (8 - (len & 7)) & 7;
	const uint8_t *p = take(c, pad, "record padding");

	if (!p)
		return -1;
	for (uint32_t i = 0; i < pad; i++)
		if (p[i])
			return bad(c, "non-zero record padding");
	return 0;
}

static int walk_pages(struct cursor *c, const uint8_t *b, uint32_t len,
		      struct sxs_walk_stats *st, sxs_page_fn fn, void *ctx)
{
	uint32_t n, i;
	uint64_t need, with_data = 0;
	const uint8_t *data;

	if (len < 8)
		return bad(c, "PAGE_DATA of %u bytes", len);
	n = get_le32(b);
	if (!n)
		return bad(c, "PAGE_DATA with no pfns");
	if (get_le32(b + 4))
		return bad(c, "reserved bits set in PAGE_DATA");
	if ((uint64_t)n * 8 > len - 8)
		return bad(c, "PAGE_DATA of %u bytes cannot hold %u pfns", len, n);
	for (i = 0; i < n; i++) {
		uint64_t w = get_le64(b + 8 + 8ull * i);
		uint64_t t = w >> SXS_TYPE_SHIFT;

		if (w & ~(SXS_PFN_MASK | UINT64_C(0xf) << SXS_TYPE_SHIFT))
			return bad(c, "reserved bits set in pfn word %u", i);
		if (t >= 5 && t <= 8)
			return bad(c, "invalid page type %llu in pfn word %u",
				   (unsigned long long)t, i);
		with_data += t <= 4;
	}
	need = 8 + 8ull * n + with_data * SXS_PAGE_SIZE;
	if (need != len)
		return bad(c, "PAGE_DATA length %u, expected %llu", len,
			   (unsigned long long)need);
	data = b + 8 + 8ull * n;
	for (i = 0; i < n; i++) {
		uint64_t w = get_le64(b + 8 + 8ull * i);

		if ((w >> SXS_TYPE_SHIFT) > 4)
			continue;
		if (fn && fn(ctx, w & SXS_PFN_MASK, data))
			return bad(c, "page callback stopped the walk at pfn %#llx",
				   (unsigned long long)(w & SXS_PFN_MASK));
		data += SXS_PAGE_SIZE;
	}
	st->page_records++;
	st->pages += with_data;
	st->pfn_words += n;
	return 0;
}

static int walk_libxc(struct cursor *c, struct sxs_walk_stats *st,
		      sxs_page_fn fn, void *ctx)
{
	const uint8_t *h = take(c, 24, "libxc image header");
	bool static_end = false;

	if (!h)
		return -1;
	if (get_be64(h) != LIBXC_MARKER || get_be32(h + 8) != LIBXC_IDENT)
		return bad(c, "no libxc image header (XENF)");
	st->libxc_version = get_be32(h + 12);
	if (st->libxc_version < 2 || st->libxc_version > 3)
		return bad(c, "libxc stream version %u, expected 2 or 3",
			   st->libxc_version);
	if (h[16] || h[17] || get_be32(h + 20) || h[18] || h[19])
		return bad(c, "libxc options or reserved bits set (big endian?)");
	h = take(c, 16, "libxc domain header");
	if (!h)
		return -1;
	if (get_le32(h) != DHDR_X86_HVM)
		return bad(c, "domain type %u, expected x86 HVM (2)", get_le32(h));
	if (h[4] != 12 || h[5] || h[6] || h[7])
		return bad(c, "page shift %u, expected 12", h[4]);
	st->xen_major = get_le32(h + 8);
	st->xen_minor = get_le32(h + 12);

	for (;;) {
		const uint8_t *rh = take(c, 8, "libxc record header"), *b;
		uint32_t type, len;

		if (!rh)
			return -1;
		type = get_le32(rh);
		len = get_le32(rh + 4);
		if (len > (8u << 20))
			return bad(c, "libxc record of %u bytes", len);
		b = take(c, len, "libxc record");
		if (!b || padding_ok(c, len))
			return -1;
		if (type <= SXS_REC_MAX)
			st->records[type]++;
		switch (type) {
		case SXS_REC_END:
			if (len)
				return bad(c, "END record with a body");
			if (!st->records[SXS_REC_HVM_CONTEXT])
				return bad(c, "stream ended without HVM_CONTEXT");
			return 0;
		case SXS_REC_PAGE_DATA:
			if (!static_end && st->libxc_version >= 3)
				return bad(c, "PAGE_DATA before STATIC_DATA_END");
			if (walk_pages(c, b, len, st, fn, ctx))
				return -1;
			break;
		case SXS_REC_STATIC_DATA_END:
			if (len || static_end)
				return bad(c, "bad or repeated STATIC_DATA_END");
			static_end = true;
			break;
		case SXS_REC_CPUID_POLICY:
			if (static_end || !len || len % 24)
				return bad(c, "bad CPUID policy record");
			break;
		case SXS_REC_MSR_POLICY:
			if (static_end || !len || len % 16)
				return bad(c, "bad MSR policy record");
			break;
		case SXS_REC_TSC_INFO:
			if (len != 24 || get_le32(b + 20))
				return bad(c, "bad TSC_INFO record");
			break;
		case SXS_REC_HVM_CONTEXT:
			if (!len)
				return bad(c, "empty HVM_CONTEXT");
			st->hvm_context_len = len;
			break;
		case SXS_REC_HVM_PARAMS:
			if (len < 8 || get_le32(b + 4) ||
			    len != 8 + 16ull * get_le32(b))
				return bad(c, "bad HVM_PARAMS record");
			st->hvm_params += get_le32(b);
			break;
		default:
			return bad(c, "libxc record type %#x is not part of an HVM stream",
				   type);
		}
	}
}

int sxs_walk(const uint8_t *buf, size_t len, bool want_xl,
	     struct sxs_walk_stats *st, sxs_page_fn fn, void *ctx,
	     char *err, size_t errlen)
{
	struct cursor c = { buf, len, 0, err, errlen };
	const uint8_t *h;
	bool libxc_done = false;

	memset(st, 0, sizeof(*st));
	if (errlen)
		err[0] = 0;
	if (want_xl) {
		uint32_t opt_len;

		h = take(&c, 48, "xl header");
		if (!h)
			return -1;
		if (memcmp(h, xl_magic, 32))
			return bad(&c, "no xl save-file header");
		if (get_le32(h + 32) != XL_BYTEORDER)
			return bad(&c, "xl header byte order marker %#x",
				   get_le32(h + 32));
		if (get_le32(h + 36) & ~(XL_FLAG_JSON | XL_FLAG_STREAMV2) ||
		    !(get_le32(h + 36) & XL_FLAG_STREAMV2))
			return bad(&c, "xl header mandatory flags %#x",
				   get_le32(h + 36));
		st->config_json = get_le32(h + 36) & XL_FLAG_JSON;
		opt_len = get_le32(h + 44);
		h = take(&c, opt_len, "xl optional data");
		if (!h)
			return -1;
		if (opt_len >= 4) {
			st->config_len = get_le32(h);
			if (st->config_len > opt_len - 4)
				return bad(&c, "xl config length %u beyond the header",
					   st->config_len);
		}
		st->has_xl_header = true;
	}
	h = take(&c, 16, "libxl header");
	if (!h)
		return -1;
	if (get_be64(h) != LIBXL_IDENT)
		return bad(&c, "no libxl header (LibxlFmt)");
	if (get_be32(h + 8) != LIBXL_VERSION || get_be32(h + 12))
		return bad(&c, "libxl version %u options %#x", get_be32(h + 8),
			   get_be32(h + 12));
	for (;;) {
		const uint8_t *rh = take(&c, 8, "libxl record header");
		uint32_t type, rlen;

		if (!rh)
			return -1;
		type = get_le32(rh);
		rlen = get_le32(rh + 4);
		if (rlen > (64u << 20))
			return bad(&c, "libxl record of %u bytes", rlen);
		if (!take(&c, rlen, "libxl record") || padding_ok(&c, rlen))
			return -1;
		switch (type) {
		case SXS_LIBXL_END:
			if (rlen)
				return bad(&c, "libxl END with a body");
			if (!libxc_done)
				return bad(&c, "libxl END before the libxc stream");
			if (c.off != c.len)
				return bad(&c, "%zu bytes after the end", c.len - c.off);
			return 0;
		case SXS_LIBXL_LIBXC_CONTEXT:
			if (rlen || libxc_done)
				return bad(&c, "bad or repeated LIBXC_CONTEXT");
			if (walk_libxc(&c, st, fn, ctx))
				return -1;
			libxc_done = true;
			break;
		case SXS_LIBXL_EMULATOR_XENSTORE:
		case SXS_LIBXL_EMULATOR_CONTEXT:
		case SXS_LIBXL_CHECKPOINT_END:
			break;
		default:
			return bad(&c, "unknown libxl record type %#x", type);
		}
	}
}
