// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-receive: apply validated stream records to the image file.
 *
 * The image is created only once a stream header with the expected
 * migration id has been accepted: a stray or foreign connection never
 * touches an existing file.  It is then truncated to page_count pages, and
 * each page is written at gfn * 4096.  Zero pages are punched out (or
 * written as zeros where punching is not supported).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authkey.h"
#include "crc32c.h"
#include "receiver.h"
#include "xenstream.h"

static const u8 smr_zero_page[SMW_PAGE_SIZE];

const char *smr_errname(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case SMR_E_IO:
		return "io";
	case SMR_E_NOMEM:
		return "nomem";
	default:
		return smw_errname(err);
	}
}

const char *smr_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case SMR_E_IO:
		return "I/O error";
	case SMR_E_NOMEM:
		return "out of memory";
	default:
		return smw_strerror(err);
	}
}

static double smr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int smr_init(struct smr_receiver *r, const struct smr_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	r->image_fd = -1;
	r->punch_ok = 1;
	r->t_start = smr_now();
	r->payload = malloc(SMW_MAX_PAYLOAD);
	r->pages = malloc(SMW_PAGES_DATA_MAX);
	if (!r->payload || !r->pages) {
		free(r->payload);
		free(r->pages);
		r->payload = NULL;
		r->pages = NULL;
		r->err = -SMR_E_NOMEM;
		return r->err;
	}
	if (smw_dec_init(&r->dec, r->payload, SMW_MAX_PAYLOAD, cfg->id))
		return r->dec.err;
	if (cfg->key) {
		smw_dec_set_key(&r->dec, cfg->key);
		r->cfg.key = NULL;	/* the decoder holds what it needs */
	}
	return 0;
}

int smr_load_key(const char *path, const u8 id[SMW_ID_LEN],
		 u8 key[SMW_KEY_LEN], char *err, size_t errlen)
{
	char line[SMK_LINE_LEN + 8];
	u8 fid[SMW_ID_LEN];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: readable or writable by others (mode %03o); a secret must be mode 600",
			 path, (unsigned int)(st.st_mode & 0777));
		goto fail;
	}
	n = read(fd, line, sizeof(line));
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (smk_parse(line, (size_t)n, fid, key)) {
		snprintf(err, errlen, "%s: not a selfmig key line (selfmig-key/1 id=... key=... crc=...)",
			 path);
		goto fail;
	}
	if (memcmp(fid, id, SMW_ID_LEN)) {
		snprintf(err, errlen, "%s: the secret belongs to another migration id", path);
		memset(key, 0, SMW_KEY_LEN);
		goto fail;
	}
	memset(line, 0, sizeof(line));
	close(fd);
	return 0;
fail:
	memset(line, 0, sizeof(line));
	close(fd);
	return -1;
}

/* Record the first error and where it happened. */
static int smr_fail(struct smr_receiver *r, int err, int sys_errno,
		    const char *what, s64 seq, u64 offset)
{
	if (!r->err) {
		r->err = err;
		r->sys_errno = sys_errno;
		r->err_what = what;
		r->err_seq = seq;
		r->err_offset = offset;
		r->t_end = smr_now();
	}
	return r->err;
}

static int smr_fail_rec(struct smr_receiver *r, int err, int sys_errno,
			const char *what, const struct smw_record *rec)
{
	return smr_fail(r, err, sys_errno, what, rec->seq, rec->offset);
}

static int smr_on_header(struct smr_receiver *r)
{
	const struct smw_stream_info *in = &r->dec.info;
	u64 size = in->page_count * SMW_PAGE_SIZE;
	int fd;

	r->page_count = in->page_count;
	r->meta = smr_meta_alloc(in->page_count);
	if (!r->meta)
		return smr_fail(r, -SMR_E_NOMEM, ENOMEM, "metadata table", -1, 0);
	if (!r->cfg.image_path)
		goto announce;		/* pages go to page_fn only */
	fd = open(r->cfg.image_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return smr_fail(r, -SMR_E_IO, errno, "open image", -1, 0);
	r->image_fd = fd;
	if (ftruncate(fd, (off_t)size) < 0)
		return smr_fail(r, -SMR_E_IO, errno, "size image", -1, 0);
announce:
	if (r->cfg.out)
		fprintf(r->cfg.out,
			"stream: version %u, %llu guest pages (%llu MiB)\n",
			in->version, (unsigned long long)in->page_count,
			(unsigned long long)(size >> 20));
	return 0;
}

static int smr_pwrite_all(int fd, const u8 *p, size_t len, u64 off)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (u64)n;
	}
	return 0;
}

static int smr_write_zero(struct smr_receiver *r, u64 off)
{
	if (r->punch_ok) {
		if (fallocate(r->image_fd,
			      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)off, SMW_PAGE_SIZE) == 0)
			return 0;
		if (errno != EOPNOTSUPP && errno != ENOSYS)
			return -errno;
		r->punch_ok = 0;
	}
	return smr_pwrite_all(r->image_fd, smr_zero_page, SMW_PAGE_SIZE, off);
}

static int smr_apply_pages(struct smr_receiver *r,
			   const struct smw_record *rec)
{
	const struct smw_pages_view *v = &rec->u.pages;
	static u32 zero_crc;
	const u8 *data = v->body, *page;
	u32 i, raw = 0, crc;
	u64 gfn;
	int ret;

	if (!zero_crc)
		zero_crc = smw_crc32c(0, smr_zero_page, SMW_PAGE_SIZE);

	if (v->compressed) {
		ret = smr_inflate_exact(v->body, v->body_len, r->pages,
					v->data_len);
		if (ret)
			return smr_fail_rec(r, ret, 0, NULL, rec);
		data = r->pages;
		r->st.compressed_batches++;
	}

	for (i = 0; i < v->count; i++) {
		gfn = smw_pages_gfn(v, i);
		/* Already checked by the decoder; the image bound is ours. */
		if (gfn >= r->page_count)
			return smr_fail_rec(r, -SMW_E_GFN_RANGE, 0, NULL, rec);
		if (v->kinds[i] == SMW_PAGE_RAW) {
			page = data + (size_t)raw * SMW_PAGE_SIZE;
			raw++;
			ret = r->image_fd < 0 ? 0 :
			      smr_pwrite_all(r->image_fd, page, SMW_PAGE_SIZE,
					     gfn * SMW_PAGE_SIZE);
			crc = smw_crc32c(0, page, SMW_PAGE_SIZE);
		} else {
			page = NULL;
			ret = r->image_fd < 0 ? 0 :
			      smr_write_zero(r, gfn * SMW_PAGE_SIZE);
			crc = zero_crc;
		}
		if (ret)
			return smr_fail_rec(r, -SMR_E_IO, -ret, "write image",
					    rec);
		if (r->cfg.page_fn &&
		    r->cfg.page_fn(r->cfg.page_ctx, gfn, page))
			return smr_fail_rec(r, -SMR_E_IO, errno, "forward page",
					    rec);
		smr_meta_set(r->meta, gfn, v->round, crc);
	}
	r->st.pages += v->count;
	r->st.raw_pages += v->raw_count;
	r->st.zero_pages += v->zero_count;
	r->st.page_bytes += v->data_len;
	if (r->cfg.verbose && r->cfg.out)
		fprintf(r->cfg.out,
			"  seq %u: round %u, %u pages (%u zero)%s, %u bytes\n",
			rec->seq, v->round, v->count, v->zero_count,
			v->compressed ? ", compressed" : "", rec->len);
	return 0;
}

static void smr_report_round(struct smr_receiver *r,
			     const struct smw_round_stats *s)
{
	double ms = (double)s->duration_ns / 1e6;

	if (!r->cfg.out)
		return;
	fprintf(r->cfg.out,
		"round %u%s: %llu pages sent (%llu zero), %llu bytes raw, %llu on wire, scanned %llu, dirty %llu, %.1f ms, %.1f MiB/s\n",
		s->round, (s->flags & SMW_ROUNDF_FINAL) ? " (final)" : "",
		(unsigned long long)s->pages_sent,
		(unsigned long long)s->pages_zero,
		(unsigned long long)s->bytes_uncompressed,
		(unsigned long long)s->bytes_compressed,
		(unsigned long long)s->pages_scanned,
		(unsigned long long)s->pages_dirty, ms,
		(double)s->rate / (1024.0 * 1024.0));
	fflush(r->cfg.out);
}

static void smr_report_proc(struct smr_receiver *r,
			    const struct smw_proc_view *v)
{
	struct smw_proc_entry e;
	char comm[SMW_PROC_COMM_LEN + 1];
	u32 i;

	if (!r->cfg.verbose || !r->cfg.out)
		return;
	fprintf(r->cfg.out, "  processes, round %u: %u entries\n", v->round,
		v->count);
	for (i = 0; i < v->count; i++) {
		smw_proc_get(v, i, &e);
		memcpy(comm, e.comm, SMW_PROC_COMM_LEN);
		comm[SMW_PROC_COMM_LEN] = '\0';
		fprintf(r->cfg.out, "    pid %u %-16s %u pages\n", e.pid, comm,
			e.pages);
	}
}

static int smr_apply(struct smr_receiver *r, const struct smw_record *rec)
{
	int ret = 0;

	switch (rec->type) {
	case SMW_REC_PAGES:
		ret = smr_apply_pages(r, rec);
		break;
	case SMW_REC_ROUND_END:
		r->st.rounds++;
		smr_report_round(r, &rec->u.round_end);
		break;
	case SMW_REC_PROC_STATS:
		r->st.proc_records++;
		smr_report_proc(r, &rec->u.proc);
		break;
	case SMW_REC_END:
		if (r->image_fd >= 0 && fsync(r->image_fd) < 0)
			return smr_fail_rec(r, -SMR_E_IO, errno, "fsync image",
					    rec);
		r->complete = 1;
		r->t_end = smr_now();
		break;
	}
	if (!ret)
		r->st.records++;
	return ret;
}

/*
 * Keep the record that failed as the decoder holds it: the bytes its crc
 * or tag was computed over.  Best effort: a diagnosis must not change the
 * verdict.
 */
static void smr_keep_bad(struct smr_receiver *r, s64 seq)
{
	const struct smw_decoder *d = &r->dec;
	char path[4096];
	int fd, n;

	if (!r->cfg.keep_bad_dir || d->rec_len > d->cap)
		return;
	n = snprintf(path, sizeof(path), "%s/bad-record-%lld-at-%llu.bin",
		     r->cfg.keep_bad_dir, (long long)seq,
		     (unsigned long long)d->rec_offset);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (sxs_fd_write(&fd, d->hdr, SMW_REC_HDR_LEN) ||
	    sxs_fd_write(&fd, d->buf, d->rec_len))
		fprintf(stderr, "selfmig-receive: cannot keep the bad record in %s: %s\n",
			path, strerror(errno));
	close(fd);
}

int smr_feed(struct smr_receiver *r, const void *data, size_t len)
{
	const u8 *p = data;
	struct smw_record rec;
	size_t used;
	u64 off;
	s64 seq;
	int ret;

	if (r->err)
		return r->err;
	do {
		ret = smw_dec_feed(&r->dec, p, len, &used, &rec);
		p += used;
		len -= used;
		r->st.stream_bytes += used;
		if (r->cfg.crash_after && r->st.stream_bytes >= r->cfg.crash_after) {
			fprintf(stderr, "selfmig-receive: FAULT INJECTION: the receiver crashes after %llu bytes\n",
				(unsigned long long)r->st.stream_bytes);
			_exit(70);
		}
		if (ret < 0) {
			smw_dec_where(&r->dec, &off, &seq);
			if (ret == -SMW_E_RECORD_CRC || ret == -SMW_E_AUTH_TAG)
				smr_keep_bad(r, seq);
			return smr_fail(r, ret, 0, NULL, seq, off);
		}
		if (ret == SMW_DEC_HEADER)
			ret = smr_on_header(r);
		else if (ret == SMW_DEC_RECORD)
			ret = smr_apply(r, &rec);
		if (ret < 0)
			return ret;
	} while (len);
	return r->complete ? 1 : 0;
}

int smr_finish(struct smr_receiver *r)
{
	u64 off;
	s64 seq;
	int ret;

	if (r->err)
		return r->err;
	ret = smw_dec_finish(&r->dec);
	if (ret < 0) {
		smw_dec_where(&r->dec, &off, &seq);
		return smr_fail(r, ret, 0, NULL, seq, off);
	}
	return 0;
}

int smr_run_fd(struct smr_receiver *r, int fd, int until_eof)
{
	static const size_t bufsize = 256 * 1024;
	u8 *buf;
	ssize_t n;
	int ret = 0;

	if (r->err)
		return r->err;
	buf = malloc(bufsize);
	if (!buf)
		return smr_fail(r, -SMR_E_NOMEM, ENOMEM, "read buffer", -1, 0);
	for (;;) {
		n = read(fd, buf, bufsize);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = smr_fail(r, -SMR_E_IO, errno, "read input",
				       r->dec.hdr_ok ? (s64)r->dec.next_seq : -1,
				       r->dec.offset);
			break;
		}
		if (n == 0) {
			ret = smr_finish(r);
			break;
		}
		if (r->cfg.tee_fd > 0 && sxs_fd_write(&r->cfg.tee_fd, buf, (size_t)n)) {
			ret = smr_fail(r, -SMR_E_IO, errno, "write the copy of the stream",
				       -1, r->dec.offset);
			break;
		}
		ret = smr_feed(r, buf, (size_t)n);
		if (ret < 0)
			break;
		if (ret == 1 && !until_eof) {
			ret = 0;
			break;
		}
	}
	free(buf);
	return ret < 0 ? ret : 0;
}

int smr_close(struct smr_receiver *r)
{
	int ret = 0;

	if (r->image_fd >= 0) {
		if (close(r->image_fd) < 0 && !r->err)
			ret = smr_fail(r, -SMR_E_IO, errno, "close image", -1, 0);
		r->image_fd = -1;
	}
	if (r->meta && r->cfg.meta_path) {
		int e = smr_meta_write(r->cfg.meta_path, r->meta, r->page_count,
				       r->complete && !r->err ?
				       SMR_META_F_COMPLETE : 0,
				       (u32)r->st.rounds);
		if (e && !r->err)
			ret = smr_fail(r, -SMR_E_IO, -e, "write metadata", -1, 0);
	}
	free(r->meta);
	free(r->payload);
	free(r->pages);
	r->meta = NULL;
	r->payload = NULL;
	r->pages = NULL;
	return ret ? ret : r->err;
}

void smr_error_line(const struct smr_receiver *r, char *buf, size_t len)
{
	char where[64], sys[160] = "";

	if (!r->err) {
		snprintf(buf, len, "no error");
		return;
	}
	if (r->err_seq < 0)
		snprintf(where, sizeof(where), "stream header");
	else
		snprintf(where, sizeof(where), "record seq %lld",
			 (long long)r->err_seq);
	if (r->err_what || r->sys_errno)
		snprintf(sys, sizeof(sys), ": %s%s%s",
			 r->err_what ? r->err_what : "",
			 r->err_what && r->sys_errno ? ": " : "",
			 r->sys_errno ? strerror(r->sys_errno) : "");
	snprintf(buf, len, "%s (%s) at %s, offset %llu%s",
		 smr_strerror(r->err), smr_errname(r->err), where,
		 (unsigned long long)r->err_offset, sys);
}

int smr_parse_id(const char *hex, u8 id[SMW_ID_LEN])
{
	unsigned int n = 0, v;
	char c;

	for (; (c = *hex) != '\0'; hex++) {
		if (c == '-')
			continue;
		if (c >= '0' && c <= '9')
			v = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
		if (n >= 2 * SMW_ID_LEN)
			return -EINVAL;
		if (n % 2 == 0)
			id[n / 2] = (u8)(v << 4);
		else
			id[n / 2] |= (u8)v;
		n++;
	}
	return n == 2 * SMW_ID_LEN ? 0 : -EINVAL;
}
