// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-verify: a guest's memory from a raw physical-memory dump (QEMU's
 * "pmemsave 0 SIZE FILE": gfn g is at byte g * 4096), for the single-level
 * testbed where no hypervisor maps the guest's frames for us.
 *
 * The mapper reads frames with pread() into a buffer of its own; a frame
 * that is not wholly inside the file is an error for that frame, never a
 * read beyond the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"

int smv_dump_open(struct smv_dump *d, const char *path, char *err,
		  size_t errlen)
{
	struct stat sb;

	memset(d, 0, sizeof(*d));
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		snprintf(err, errlen, "dump %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(d->fd, &sb) < 0) {
		snprintf(err, errlen, "dump %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "dump %s: not a regular file", path);
		goto fail;
	}
	if (sb.st_size < SMV_PAGE_SIZE) {
		snprintf(err, errlen,
			 "dump %s: %lld bytes, not even one page; was the guest's memory saved (QMP pmemsave)?",
			 path, (long long)sb.st_size);
		goto fail;
	}
	d->size = (u64)sb.st_size;
	d->pages = d->size / SMV_PAGE_SIZE;
	d->path = path;
	return 0;
fail:
	close(d->fd);
	d->fd = -1;
	return -1;
}

void smv_dump_close(struct smv_dump *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static void *smv_dump_map(void *ctx, const u64 *gfns, u32 n, int *err)
{
	struct smv_dump *d = ctx;
	size_t done, got;
	ssize_t k;
	u32 i, j, run;
	u8 *buf;

	buf = malloc((size_t)n * SMV_PAGE_SIZE);
	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i += run) {
		if (gfns[i] >= d->pages) {
			err[i] = EFAULT;
			memset(buf + (size_t)i * SMV_PAGE_SIZE, 0, SMV_PAGE_SIZE);
			run = 1;
			continue;
		}
		/* One read for a run of consecutive frames inside the file. */
		for (run = 1; i + run < n && gfns[i + run] == gfns[i] + run &&
			      gfns[i + run] < d->pages; run++)
			;
		k = smv_pread_full(d->fd, buf + (size_t)i * SMV_PAGE_SIZE,
				   (size_t)run * SMV_PAGE_SIZE,
				   (off_t)(gfns[i] * SMV_PAGE_SIZE));
		got = k < 0 ? 0 : (size_t)k;
		for (j = 0; j < run; j++) {
			done = (size_t)(j + 1) * SMV_PAGE_SIZE;
			if (got >= done) {
				err[i + j] = 0;
				continue;
			}
			/* The file shrank, or the read failed. */
			err[i + j] = k < 0 ? (int)-k : EIO;
			memset(buf + (size_t)(i + j) * SMV_PAGE_SIZE, 0,
			       SMV_PAGE_SIZE);
		}
	}
	return buf;
}

static void smv_dump_unmap(void *ctx, void *addr, u32 n)
{
	(void)ctx;
	(void)n;
	free(addr);
}

void smv_dump_mapper(struct smv_dump *d, struct smv_mapper *m)
{
	m->ctx = d;
	m->map = smv_dump_map;
	m->unmap = smv_dump_unmap;
}

int smv_dump_verify(struct smv_dump *d, const struct smv_inputs *in,
		    struct smv_report *r)
{
	struct smv_mapper m;

	if (in->header_gfn >= d->pages) {
		snprintf(r->error, sizeof(r->error),
			 "the final-set header gfn 0x%llx is beyond the dump %s (%llu pages): wrong --final-set, or a dump of less than the guest's RAM",
			 (unsigned long long)in->header_gfn, d->path,
			 (unsigned long long)d->pages);
		return -1;
	}
	if (d->size % SMV_PAGE_SIZE && in->log)
		fprintf(in->log,
			"warning: the dump %s ends inside a page (%llu bytes); its last %llu bytes are ignored\n",
			d->path, (unsigned long long)d->size,
			(unsigned long long)(d->size % SMV_PAGE_SIZE));
	smv_dump_mapper(d, &m);
	if (smv_verify(&m, in, r))
		return -1;
	if (r->unmapped) {
		snprintf(r->error, sizeof(r->error),
			 "the dump %s holds %llu pages, the guest's final set describes %llu: %llu pages were not compared; save the guest's whole RAM (QMP pmemsave 0 SIZE)",
			 d->path, (unsigned long long)d->pages,
			 (unsigned long long)r->page_count,
			 (unsigned long long)r->unmapped);
		return -1;
	}
	return 0;
}
