// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-verify: the parts that need no Xen library — page classification,
 * counters, image and metadata reading, and the report.
 */
#include "json.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "selfmig_wire.h"
#include "verify.h"

/* ------------------------------------------------------------------ */
/* Classification                                                      */

enum smv_class smv_classify(const struct smv_sets *sets, u64 gfn,
			    const u8 *guest, const u8 *image, u32 *offset)
{
	u32 i;

	if (memcmp(guest, image, SMV_PAGE_SIZE) == 0)
		return SMV_IDENTICAL;
	for (i = 0; i < SMV_PAGE_SIZE && guest[i] == image[i]; i++)
		;
	if (offset)
		*offset = i;
	if (smfs_test_bit(sets->dirty, gfn))
		return SMV_DIFF_FINAL;
	if (smfs_test_bit(sets->free_map, gfn))
		return SMV_DIFF_FREE;
	return SMV_MISSED;
}

/*
 * A missed page, both sides, for a person to read: DIR/GFN.guest and
 * DIR/GFN.image.  Best effort; a failure is reported once.
 */
static void smv_keep_page(struct smv_report *r, u64 gfn, const u8 *page,
			  const char *side)
{
	static int warned;
	static u8 copy[SMV_PAGE_SIZE];
	char path[4096];
	int fd, n;
	ssize_t k;

	/* A foreign mapping cannot be handed to write(): copy it first. */
	memcpy(copy, page, SMV_PAGE_SIZE);
	page = copy;

	n = snprintf(path, sizeof(path), "%s/%llx.%s", r->keep_dir,
		     (unsigned long long)gfn, side);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	k = fd < 0 ? -1 : write(fd, page, SMV_PAGE_SIZE);
	if (fd >= 0)
		close(fd);
	if (k != SMV_PAGE_SIZE && !warned) {
		fprintf(stderr, "selfmig-verify: cannot keep missed page %s\n", path);
		warned = 1;
	}
}

void smv_account(struct smv_report *r, const struct smv_sets *sets, u64 gfn,
		 enum smv_class c, u32 offset)
{
	struct smv_missed *m;

	r->compared++;
	switch (c) {
	case SMV_IDENTICAL:
		r->identical++;
		break;
	case SMV_DIFF_FINAL:
		r->differ_in_final_set++;
		break;
	case SMV_DIFF_FREE:
		r->differ_free++;
		break;
	case SMV_MISSED:
		r->missed++;
		if (r->list_len < r->list_cap) {
			m = &r->list[r->list_len++];
			m->gfn = gfn;
			m->offset = offset;
			m->round = sets->meta ? smv_meta_round(sets->meta, gfn)
					      : SMV_ROUND_UNKNOWN;
		}
		break;
	}
}

void smv_compare_batch(struct smv_report *r, const struct smv_sets *sets,
		       u64 gfn0, u32 n, const u8 *guest, const int *err,
		       const u8 *image)
{
	size_t off;
	u32 i, diff;
	enum smv_class c;

	for (i = 0; i < n; i++) {
		if (err && err[i]) {
			r->unmapped++;
			continue;
		}
		off = (size_t)i * SMV_PAGE_SIZE;
		diff = 0;
		c = smv_classify(sets, gfn0 + i, guest + off, image + off,
				 &diff);
		if (c == SMV_MISSED && r->keep_dir && r->list_len < r->list_cap) {
			smv_keep_page(r, gfn0 + i, guest + off, "guest");
			smv_keep_page(r, gfn0 + i, image + off, "image");
		}
		smv_account(r, sets, gfn0 + i, c, diff);
	}
}

ssize_t smv_pread_full(int fd, u8 *buf, size_t len, off_t pos)
{
	size_t got = 0;
	ssize_t k;

	while (got < len) {
		k = pread(fd, buf + got, len - got, pos + (off_t)got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

int smv_image_read(int fd, u64 gfn0, u32 n, u8 *buf)
{
	size_t want = (size_t)n * SMV_PAGE_SIZE;
	ssize_t got = smv_pread_full(fd, buf, want, (off_t)(gfn0 * SMV_PAGE_SIZE));

	if (got < 0)
		return (int)got;
	if ((size_t)got < want)
		memset(buf + got, 0, want - (size_t)got);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Argument parsing                                                    */

int smv_parse_gfn(const char *s, u64 *gfn)
{
	u64 v = 0;
	size_t i, len;

	if (!s)
		return -EINVAL;
	len = strlen(s);
	if (len == 0 || len > 16)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			v = (v << 4) | (u64)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = (v << 4) | (u64)(s[i] - 'a' + 10);
		else
			return -EINVAL;
	}
	*gfn = v;
	return 0;
}

int smv_parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	unsigned long x = 0;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (x > (max - (unsigned long)(*p - '0')) / 10)
			return -EINVAL;
		x = x * 10 + (unsigned long)(*p - '0');
	}
	*v = x;
	return 0;
}

int smv_parse_domid(const char *s, u32 *domid)
{
	unsigned long v;

	/* DOMID_FIRST_RESERVED is 0x7FF0. */
	if (smv_parse_uint(s, 0x7FEF, &v))
		return -EINVAL;
	*domid = (u32)v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Metadata file (docs/wire-format.md, "Metadata file")                */

#define SMV_META_MAGIC		"SELFMETA"
#define SMV_META_VERSION	1U
#define SMV_META_HDR_LEN	40U
#define SMV_META_ENTRY_LEN	8U
#define SMV_MH_VERSION		8
#define SMV_MH_HDR_LEN		12
#define SMV_MH_PAGE_COUNT	16
#define SMV_MH_FLAGS		24
#define SMV_MH_ENTRIES_CRC	32
#define SMV_MH_CRC		36

static int smv_read_full(int fd, u8 *p, size_t len)
{
	ssize_t k;

	while (len) {
		k = read(fd, p, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EINVAL;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

u8 *smv_meta_load(const char *path, u64 *page_count, u32 *flags, char *err,
		  size_t errlen)
{
	u8 hdr[SMV_META_HDR_LEN];
	struct stat sb;
	u8 *meta = NULL;
	u64 count;
	size_t size;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 strerror(errno));
		return NULL;
	}
	ret = smv_read_full(fd, hdr, sizeof(hdr));
	if (ret) {
		snprintf(err, errlen, "%s: cannot read the header: %s", path,
			 ret == -EINVAL ? "file too short" : strerror(-ret));
		goto fail;
	}
	if (memcmp(hdr, SMV_META_MAGIC, 8) != 0 ||
	    smw_get_le32(hdr + SMV_MH_VERSION) != SMV_META_VERSION ||
	    smw_get_le32(hdr + SMV_MH_HDR_LEN) != SMV_META_HDR_LEN ||
	    smw_crc32c(0, hdr, SMV_MH_CRC) != smw_get_le32(hdr + SMV_MH_CRC)) {
		snprintf(err, errlen,
			 "%s: not a selfmig metadata file (bad magic, version, length or header crc)",
			 path);
		goto fail;
	}
	count = smw_get_le64(hdr + SMV_MH_PAGE_COUNT);
	if (fstat(fd, &sb) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (count == 0 || count > SMW_MAX_GUEST_PAGES ||
	    (u64)sb.st_size != SMV_META_HDR_LEN + count * SMV_META_ENTRY_LEN) {
		snprintf(err, errlen,
			 "%s: page_count %llu does not match the file size %lld",
			 path, (unsigned long long)count,
			 (long long)sb.st_size);
		goto fail;
	}
	size = (size_t)count * SMV_META_ENTRY_LEN;
	meta = malloc(size);
	if (!meta) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	ret = smv_read_full(fd, meta, size);
	if (ret) {
		snprintf(err, errlen, "%s: cannot read the entries: %s", path,
			 ret == -EINVAL ? "file too short" : strerror(-ret));
		goto fail;
	}
	if (smw_crc32c(0, meta, size) !=
	    smw_get_le32(hdr + SMV_MH_ENTRIES_CRC)) {
		snprintf(err, errlen, "%s: entry table crc mismatch", path);
		goto fail;
	}
	close(fd);
	*page_count = count;
	*flags = smw_get_le32(hdr + SMV_MH_FLAGS);
	return meta;
fail:
	free(meta);
	close(fd);
	return NULL;
}

u32 smv_meta_round(const u8 *meta, u64 gfn)
{
	return smw_get_le32(meta + gfn * SMV_META_ENTRY_LEN);
}

/* ------------------------------------------------------------------ */
/* Report                                                              */

int smv_report_init(struct smv_report *r, u32 domid, u32 list_cap)
{
	memset(r, 0, sizeof(*r));
	r->domid = domid;
	if (list_cap) {
		r->list = calloc(list_cap, sizeof(*r->list));
		if (!r->list)
			return -ENOMEM;
	}
	r->list_cap = list_cap;
	return 0;
}

void smv_report_free(struct smv_report *r)
{
	free(r->list);
	r->list = NULL;
	r->list_cap = r->list_len = 0;
}

void smv_report_header(struct smv_report *r, const struct smfs_header *h)
{
	r->have_header = 1;
	r->page_count = h->page_count;
	r->generation = h->generation;
	memcpy(r->id, h->id, SMFS_ID_LEN);
	r->final_set_pages = h->dirty_count;
	r->free_pages = h->free_count;
}

static void smv_id_hex(const u8 id[SMFS_ID_LEN], char out[2 * SMFS_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	u32 i;

	for (i = 0; i < SMFS_ID_LEN; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[2 * SMFS_ID_LEN] = '\0';
}

static void smv_round_text(u32 round, char *buf, size_t len)
{
	if (round == SMV_ROUND_UNKNOWN)
		buf[0] = '\0';
	else if (round == SMV_ROUND_NEVER)
		snprintf(buf, len, ", never sent");
	else
		snprintf(buf, len, ", last sent in round %u", round);
}

void smv_print_report(const struct smv_report *r, FILE *f)
{
	char id[2 * SMFS_ID_LEN + 1], rt[48];
	u32 i;

	if (!r->have_header)
		return;
	smv_id_hex(r->id, id);
	fprintf(f, "final set: domain %u, migration %s, generation %llu, page_count %llu, %llu dirty pages, %llu free pages\n",
		r->domid, id, (unsigned long long)r->generation,
		(unsigned long long)r->page_count,
		(unsigned long long)r->final_set_pages,
		(unsigned long long)r->free_pages);
	fprintf(f, "compared %llu pages: %llu identical, %llu differ in the final set, %llu differ but free, %llu MISSED; %llu unmapped\n",
		(unsigned long long)r->compared,
		(unsigned long long)r->identical,
		(unsigned long long)r->differ_in_final_set,
		(unsigned long long)r->differ_free,
		(unsigned long long)r->missed,
		(unsigned long long)r->unmapped);
	for (i = 0; i < r->list_len; i++) {
		smv_round_text(r->list[i].round, rt, sizeof(rt));
		fprintf(f, "missed: gfn 0x%llx, first difference at byte %u%s\n",
			(unsigned long long)r->list[i].gfn, r->list[i].offset,
			rt);
	}
	if (r->missed > r->list_len)
		fprintf(f, "missed: ... and %llu more\n",
			(unsigned long long)(r->missed - r->list_len));
}

int smv_write_json_file(const struct smv_report *r, FILE *f)
{
	/* The counters, in the order the report lists them. */
	const struct smc_json_count fig[] = {
		{ "page_count", r->page_count },
		{ "compared", r->compared },
		{ "identical", r->identical },
		{ "differ_in_final_set", r->differ_in_final_set },
		{ "differ_free", r->differ_free },
		{ "missed", r->missed },
		{ "unmapped", r->unmapped },
		{ "final_set_pages", r->final_set_pages },
		{ "free_pages", r->free_pages },
	};
	char id[2 * SMFS_ID_LEN + 1];
	u32 i;

	fprintf(f, "{\n  \"status\": \"%s\",\n  \"error\": ",
		r->error[0] ? "error" : (r->missed ? "missed" : "ok"));
	if (r->error[0])
		smc_json_str(f, r->error);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"domid\": %u,\n", r->domid);
	if (r->have_header) {
		smv_id_hex(r->id, id);
		fprintf(f, "  \"migration_id\": \"%s\",\n  \"generation\": %llu,\n",
			id, (unsigned long long)r->generation);
	} else {
		fprintf(f, "  \"migration_id\": null,\n  \"generation\": null,\n");
	}
	smc_json_counts(f, fig, sizeof(fig) / sizeof(fig[0]));
	fprintf(f, "  \"missed_gfns\": [");
	for (i = 0; i < r->list_len; i++)
		fprintf(f, "%s%llu", i ? ", " : "",
			(unsigned long long)r->list[i].gfn);
	fprintf(f, "],\n  \"missed_detail\": [");
	for (i = 0; i < r->list_len; i++) {
		fprintf(f, "%s\n    {\"gfn\": %llu, \"offset\": %u, \"round\": ",
			i ? "," : "", (unsigned long long)r->list[i].gfn,
			r->list[i].offset);
		if (r->list[i].round == SMV_ROUND_UNKNOWN)
			fputs("null", f);
		else if (r->list[i].round == SMV_ROUND_NEVER)
			fputs("\"never\"", f);
		else
			fprintf(f, "%u", r->list[i].round);
		fputc('}', f);
	}
	fprintf(f, "%s],\n  \"resumed\": %s\n}\n", r->list_len ? "\n  " : "",
		r->resumed ? "true" : "false");
	return ferror(f) ? -EIO : 0;
}

int smv_write_json(const struct smv_report *r, const char *path)
{
	FILE *f;
	int ret;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = smv_write_json_file(r, f);
	if (fclose(f) != 0 && !ret)
		ret = -errno;
	return ret;
}

/* ------------------------------------------------------------------ */
/* A whole run                                                         */

static void smv_fail(struct smv_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void smv_fail(struct smv_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/* Map one page, copy it to buf and unmap; 0 or an errno value. */
static int smv_copy_page(const struct smv_mapper *m, u64 gfn, u8 *buf)
{
	int err = 0;
	void *p;

	errno = 0;
	p = m->map(m->ctx, &gfn, 1, &err);
	if (!p)
		return errno ? errno : EIO;
	if (!err)
		memcpy(buf, p, SMV_PAGE_SIZE);
	m->unmap(m->ctx, p, 1);
	return err;
}

/* Copy the 2 * bitmap_pages bitmap pages of h into maps. */
static int smv_copy_bitmaps(const struct smv_mapper *m,
			    const struct smfs_header *h, u8 *maps,
			    struct smv_report *r)
{
	u32 n = h->bitmap_pages, i;
	u64 gfns[2 * SMFS_MAX_BITMAP_PAGES];
	int errs[2 * SMFS_MAX_BITMAP_PAGES];
	u8 *p;

	for (i = 0; i < n; i++) {
		gfns[i] = h->dirty_gfns[i];
		gfns[n + i] = h->free_gfns[i];
	}
	memset(errs, 0, sizeof(errs));
	errno = 0;
	p = m->map(m->ctx, gfns, 2 * n, errs);
	if (!p) {
		smv_fail(r, "cannot map the final-set bitmaps: %s",
			 strerror(errno ? errno : EIO));
		return -1;
	}
	for (i = 0; i < 2 * n; i++) {
		if (errs[i]) {
			smv_fail(r, "cannot map %s bitmap page %u (gfn 0x%llx): %s",
				 i < n ? "dirty" : "free", i < n ? i : i - n,
				 (unsigned long long)gfns[i],
				 strerror(errs[i] > 0 ? errs[i] : -errs[i]));
			m->unmap(m->ctx, p, 2 * n);
			return -1;
		}
	}
	memcpy(maps, p, (size_t)2 * n * SMV_PAGE_SIZE);
	m->unmap(m->ctx, p, 2 * n);
	return 0;
}

static int smv_compare_all(const struct smv_mapper *m,
			   const struct smv_inputs *in,
			   const struct smv_sets *sets, struct smv_report *r)
{
	u64 page_count = sets->hdr->page_count, gfn0, gfns[SMV_BATCH_PAGES];
	int errs[SMV_BATCH_PAGES];
	u8 *image;
	void *guest;
	u32 n, i;
	int ret = 0;

	image = malloc((size_t)SMV_BATCH_PAGES * SMV_PAGE_SIZE);
	if (!image) {
		smv_fail(r, "out of memory");
		return -1;
	}
	for (gfn0 = 0; gfn0 < page_count; gfn0 += n) {
		if (in->stop && *in->stop) {
			smv_fail(r, "interrupted at gfn 0x%llx",
				 (unsigned long long)gfn0);
			ret = -1;
			break;
		}
		n = page_count - gfn0 < SMV_BATCH_PAGES ?
			(u32)(page_count - gfn0) : SMV_BATCH_PAGES;
		for (i = 0; i < n; i++) {
			gfns[i] = gfn0 + i;
			errs[i] = 0;
		}
		ret = smv_image_read(in->image_fd, gfn0, n, image);
		if (ret) {
			smv_fail(r, "reading the image at gfn 0x%llx: %s",
				 (unsigned long long)gfn0, strerror(-ret));
			break;
		}
		errno = 0;
		guest = m->map(m->ctx, gfns, n, errs);
		if (!guest) {
			smv_fail(r, "cannot map guest frames 0x%llx-0x%llx: %s",
				 (unsigned long long)gfn0,
				 (unsigned long long)(gfn0 + n - 1),
				 strerror(errno ? errno : EIO));
			ret = -1;
			break;
		}
		smv_compare_batch(r, sets, gfn0, n, guest, errs, image);
		m->unmap(m->ctx, guest, n);
	}
	free(image);
	if (ret)
		return -1;
	if (r->compared == 0) {
		smv_fail(r, "none of the %llu guest frames could be mapped",
			 (unsigned long long)page_count);
		return -1;
	}
	return 0;
}

int smv_verify(const struct smv_mapper *m, const struct smv_inputs *in,
	       struct smv_report *r)
{
	const u8 *dirty[SMFS_MAX_BITMAP_PAGES], *free_map[SMFS_MAX_BITMAP_PAGES];
	struct smfs_header *h;
	struct smv_sets sets;
	u8 page[SMV_PAGE_SIZE];
	u8 *maps = NULL;
	u32 i, n;
	int ret = -1, e;

	h = malloc(sizeof(*h));
	if (!h) {
		smv_fail(r, "out of memory");
		return -1;
	}
	e = smv_copy_page(m, in->header_gfn, page);
	if (e) {
		smv_fail(r, "cannot map the final-set header (gfn 0x%llx): %s",
			 (unsigned long long)in->header_gfn,
			 strerror(e > 0 ? e : -e));
		goto out;
	}
	e = smfs_parse_header(page, sizeof(page), h);
	if (e) {
		smv_fail(r, "final-set header at gfn 0x%llx rejected: %s (%s)",
			 (unsigned long long)in->header_gfn, smfs_strerror(e),
			 smfs_errname(e));
		goto out;
	}
	smv_report_header(r, h);
	if (in->header_gfn >= h->page_count && in->log)
		fprintf(in->log,
			"warning: the header gfn 0x%llx is beyond page_count %llu\n",
			(unsigned long long)in->header_gfn,
			(unsigned long long)h->page_count);
	if (in->meta && in->meta_pages != h->page_count) {
		smv_fail(r, "metadata file has page_count %llu, the final set %llu",
			 (unsigned long long)in->meta_pages,
			 (unsigned long long)h->page_count);
		goto out;
	}
	if (in->image_size != h->page_count * SMV_PAGE_SIZE) {
		smv_fail(r, "image size %llu is not page_count %llu * 4096",
			 (unsigned long long)in->image_size,
			 (unsigned long long)h->page_count);
		goto out;
	}
	n = h->bitmap_pages;
	maps = malloc((size_t)2 * n * SMV_PAGE_SIZE);
	if (!maps) {
		smv_fail(r, "out of memory");
		goto out;
	}
	if (smv_copy_bitmaps(m, h, maps, r))
		goto out;
	for (i = 0; i < n; i++) {
		dirty[i] = maps + (size_t)i * SMV_PAGE_SIZE;
		free_map[i] = maps + (size_t)(n + i) * SMV_PAGE_SIZE;
	}
	e = smfs_check_bitmaps(h, dirty, free_map);
	if (e) {
		smv_fail(r, "final-set bitmaps rejected: %s (%s)",
			 smfs_strerror(e), smfs_errname(e));
		goto out;
	}
	sets.hdr = h;
	sets.dirty = dirty;
	sets.free_map = free_map;
	sets.meta = in->meta;
	ret = smv_compare_all(m, in, &sets, r);
out:
	free(maps);
	free(h);
	return ret;
}
