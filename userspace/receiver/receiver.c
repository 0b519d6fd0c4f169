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
#include <poll.h>
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
	case SMR_E_TIMEOUT:
		return "timeout";
	case SMR_E_PAGE_LIMIT:
		return "page_limit";
	case SMR_E_ROUND_LIMIT:
		return "round_limit";
	case SMR_E_BYTE_LIMIT:
		return "byte_limit";
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
	case SMR_E_TIMEOUT:
		return "no data within the read deadline";
	case SMR_E_PAGE_LIMIT:
		return "page_count above the receiver's limit";
	case SMR_E_ROUND_LIMIT:
		return "more rounds than the receiver allows";
	case SMR_E_BYTE_LIMIT:
		return "more stream bytes than the receiver allows";
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
	if (!r->cfg.max_pages)
		r->cfg.max_pages = SMR_DEF_MAX_PAGES;
	if (!r->cfg.max_rounds)
		r->cfg.max_rounds = SMR_DEF_MAX_ROUNDS;
	if (!r->cfg.max_bytes_factor)
		r->cfg.max_bytes_factor = SMR_DEF_BYTES_FACTOR;
	if (!r->cfg.io_timeout_ms)
		r->cfg.io_timeout_ms = SMR_DEF_IO_TIMEOUT_MS;
	if (!r->cfg.max_time_ms)
		r->cfg.max_time_ms = SMR_DEF_MAX_TIME_MS;
	/* Until the header is in, the decoder itself bounds what it takes. */
	r->max_bytes = ~0ULL;
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
		/* The opener keeps the secret until the header brings the salt. */
		r->cfg.key = NULL;
		smr_aead_init(&r->aead, cfg->key);
		smw_dec_set_aead(&r->dec, &r->aead.ops);
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

int smr_check_page_count(const struct smr_config *cfg, u64 page_count,
			 char *detail, size_t len)
{
	u64 max = cfg->max_pages ? cfg->max_pages : SMR_DEF_MAX_PAGES;

	if (page_count <= max)
		return 0;
	snprintf(detail, len, "the stream declares %llu pages (%llu MiB), the limit is %llu (--max-pages)",
		 (unsigned long long)page_count,
		 (unsigned long long)(page_count >> 8),
		 (unsigned long long)max);
	return -SMR_E_PAGE_LIMIT;
}

static int smr_on_header(struct smr_receiver *r)
{
	const struct smw_stream_info *in = &r->dec.info;
	u64 size = in->page_count * SMW_PAGE_SIZE;
	int fd, ret;

	/* Nothing is allocated or created for a page count above the limit. */
	ret = smr_check_page_count(&r->cfg, in->page_count, r->err_detail,
				   sizeof(r->err_detail));
	if (ret)
		return smr_fail(r, ret, 0, NULL, -1, 0);
	r->page_count = in->page_count;
	r->max_bytes = (u64)r->cfg.max_bytes_factor * size + SMR_BYTES_SLACK;
	if (r->cfg.meta_path) {
		r->meta = smr_meta_alloc(in->page_count);
		if (!r->meta)
			return smr_fail(r, -SMR_E_NOMEM, ENOMEM, "metadata table",
					-1, 0);
	}
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
		if (r->meta)
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

/* A record of a round at or beyond the limit is refused before it is applied. */
static int smr_check_round(struct smr_receiver *r, const struct smw_record *rec)
{
	u32 round;

	if (rec->type == SMW_REC_PAGES)
		round = rec->u.pages.round;
	else if (rec->type == SMW_REC_ROUND_END)
		round = rec->u.round_end.round;
	else
		return 0;
	if (round < r->cfg.max_rounds)
		return 0;
	snprintf(r->err_detail, sizeof(r->err_detail),
		 "a record of round %u; at most %u rounds (0..%u) are allowed (--max-rounds)",
		 round, r->cfg.max_rounds, r->cfg.max_rounds - 1);
	return smr_fail_rec(r, -SMR_E_ROUND_LIMIT, 0, NULL, rec);
}

static int smr_apply(struct smr_receiver *r, const struct smw_record *rec)
{
	int ret = smr_check_round(r, rec);

	if (ret)
		return ret;
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

/* Input beyond the stream's byte limit fails the stream. */
static int smr_over_limit(struct smr_receiver *r)
{
	u64 off;
	s64 seq;

	smw_dec_where(&r->dec, &off, &seq);
	snprintf(r->err_detail, sizeof(r->err_detail),
		 "more than %llu bytes: %u times the guest memory the stream declares (%llu pages) plus %llu MiB (--max-bytes-factor)",
		 (unsigned long long)r->max_bytes, r->cfg.max_bytes_factor,
		 (unsigned long long)r->page_count,
		 (unsigned long long)(SMR_BYTES_SLACK >> 20));
	return smr_fail(r, -SMR_E_BYTE_LIMIT, 0, NULL, seq, r->max_bytes);
}

int smr_feed(struct smr_receiver *r, const void *data, size_t len)
{
	const u8 *p = data;
	struct smw_record rec;
	size_t used, take;
	u64 off;
	s64 seq;
	int ret;

	if (r->err)
		return r->err;
	do {
		/*
		 * Never more than the limit (after END the decoder refuses
		 * any byte); what is beyond it fails the stream.
		 */
		take = len;
		if (!r->complete && take > r->max_bytes - r->st.stream_bytes) {
			take = (size_t)(r->max_bytes - r->st.stream_bytes);
			if (!take)
				return smr_over_limit(r);
		}
		ret = smw_dec_feed(&r->dec, p, take, &used, &rec);
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

int smr_stream_time_left(struct smr_receiver *r, unsigned int *left_ms)
{
	double left = (double)r->cfg.max_time_ms - (smr_now() - r->t_start) * 1000.0;
	u64 off;
	s64 seq;

	if (r->err)
		return r->err;
	if (left >= 1.0) {
		*left_ms = left > 4e9 ? 4000000000U : (unsigned int)left;
		return 0;
	}
	smw_dec_where(&r->dec, &off, &seq);
	snprintf(r->err_detail, sizeof(r->err_detail),
		 "the stream did not end within %.1f s of its start (--max-seconds)",
		 r->cfg.max_time_ms / 1000.0);
	return smr_fail(r, -SMR_E_TIMEOUT, 0, NULL, seq, off);
}

/*
 * Wait until fd has input (or its end), at most the read deadline and
 * never past the stream's own; 0, or the error.  A file is always ready; a
 * socket or pipe whose sender went quiet is not.
 */
static int smr_wait_input(struct smr_receiver *r, int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	double t0 = smr_now(), left;
	unsigned int total;
	u64 off;
	s64 seq;
	int pr;

	smw_dec_where(&r->dec, &off, &seq);

	for (;;) {
		if (smr_stream_time_left(r, &total))
			return r->err;
		left = (double)r->cfg.io_timeout_ms - (smr_now() - t0) * 1000.0;
		if (left > total)
			left = total;
		if (left <= 0)
			break;
		pr = poll(&p, 1, left > 1000.0 ? 1000 : (int)left + 1);
		if (pr > 0)
			return 0;	/* data, end of file or an error: read() says */
		if (pr < 0 && errno != EINTR)
			return smr_fail(r, -SMR_E_IO, errno, "wait for input",
					seq, off);
	}
	snprintf(r->err_detail, sizeof(r->err_detail),
		 "the sender sent nothing for %.1f s while the receiver waited for %s (--io-timeout)",
		 r->cfg.io_timeout_ms / 1000.0,
		 !r->dec.hdr_ok ? "the stream header" :
		 r->dec.have ? "the rest of a record" : "the next record");
	return smr_fail(r, -SMR_E_TIMEOUT, 0, NULL, seq, off);
}

int smr_run_fd(struct smr_receiver *r, int fd, int until_eof)
{
	static const size_t bufsize = 256 * 1024;
	u8 *buf;
	ssize_t n;
	int ret = 0;

	if (r->err)
		return r->err;
	if (r->complete && !until_eof)
		return 0;
	buf = malloc(bufsize);
	if (!buf)
		return smr_fail(r, -SMR_E_NOMEM, ENOMEM, "read buffer", -1, 0);
	for (;;) {
		ret = smr_wait_input(r, fd);
		if (ret)
			break;
		n = read(fd, buf, bufsize);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
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
	smr_aead_wipe(&r->aead);
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
	char where[64], sys[200] = "";

	if (!r->err) {
		snprintf(buf, len, "no error");
		return;
	}
	if (r->err_seq < 0)
		snprintf(where, sizeof(where), "stream header");
	else
		snprintf(where, sizeof(where), "record seq %lld",
			 (long long)r->err_seq);
	if (r->err_detail[0])
		snprintf(sys, sizeof(sys), ": %s", r->err_detail);
	else if (r->err_what || r->sys_errno)
		snprintf(sys, sizeof(sys), ": %s%s%s",
			 r->err_what ? r->err_what : "",
			 r->err_what && r->sys_errno ? ": " : "",
			 r->sys_errno ? strerror(r->sys_errno) : "");
	snprintf(buf, len, "%s (%s) at %s, offset %llu%s",
		 smr_strerror(r->err), smr_errname(r->err), where,
		 (unsigned long long)r->err_offset, sys);
}

int smr_parse_seconds(const char *s, unsigned int *ms)
{
	char *end;
	double v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= 0.01 && v <= 86400.0))
		return -EINVAL;
	*ms = (unsigned int)(v * 1000.0 + 0.5);
	return 0;
}
