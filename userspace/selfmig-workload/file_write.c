// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload file-write: files rewritten in odd-sized chunks, read
 * back and checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "run.h"

#define NFILES		4
#define FILE_CHUNK	(64 * 1024)

struct files {
	char path[NFILES][PATH_MAX];
	uint64_t gen[NFILES];
	uint64_t size;
	uint64_t bytes_written, bytes_read, files_written, files_verified;
};

/* 0 ok, -1 error (reported), 1 corruption (reported). */
static int file_verify(struct files *f, int n, uint8_t *buf)
{
	uint64_t off = 0;
	int fd = open(f->path[n], O_RDONLY);
	int ret = 0;

	if (fd < 0) {
		smwl_say("open %s: %s", f->path[n], strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t got = read(fd, buf, FILE_CHUNK);
		size_t bad;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			smwl_say("read %s: %s", f->path[n], strerror(errno));
			ret = -1;
			break;
		}
		if (got == 0)
			break;
		if (off + (uint64_t)got > f->size) {
			smwl_corruption("file %d gen %" PRIu64 ": longer than %" PRIu64 " bytes",
				   n, f->gen[n], f->size);
			ret = 1;
			break;
		}
		if (smwl_stream_check(buf, (size_t)got, (uint64_t)n, f->gen[n], off, &bad)) {
			smwl_corruption("file %d gen %" PRIu64 ": byte %" PRIu64
				   " expected 0x%02x got 0x%02x",
				   n, f->gen[n], off + bad,
				   smwl_stream_byte((uint64_t)n, f->gen[n], off + bad), buf[bad]);
			ret = 1;
			break;
		}
		off += (uint64_t)got;
		f->bytes_read += (uint64_t)got;
	}
	if (ret == 0 && off != f->size) {
		smwl_corruption("file %d gen %" PRIu64 ": %" PRIu64 " bytes, expected %" PRIu64,
			   n, f->gen[n], off, f->size);
		ret = 1;
	}
	close(fd);
	if (ret == 0)
		f->files_verified++;
	return ret;
}

static int file_write(struct files *f, int n, uint8_t *buf, struct smwl_pacer *pc)
{
	uint64_t off = 0;
	int fd = open(f->path[n], O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		smwl_say("create %s: %s", f->path[n], strerror(errno));
		return -1;
	}
	f->gen[n]++;
	while (off < f->size) {
		/* Odd chunk sizes so writes straddle page boundaries. */
		size_t len = 1 + (size_t)smwl_rng_below(&smwl_rand, FILE_CHUNK);

		if (len > f->size - off)
			len = (size_t)(f->size - off);
		smwl_stream_fill(buf, len, (uint64_t)n, f->gen[n], off);
		if (smwl_write_all(fd, buf, len)) {
			close(fd);
			if (smwl_stop) {
				f->gen[n] = 0;	/* incomplete: nothing to verify */
				return 1;
			}
			smwl_say("write %s: %s", f->path[n], strerror(errno));
			return -1;
		}
		off += len;
		f->bytes_written += len;
		smwl_pace(pc, len);
	}
	if (close(fd)) {
		smwl_say("close %s: %s", f->path[n], strerror(errno));
		return -1;
	}
	f->files_written++;
	return 0;
}

int smwl_run_file_write(void)
{
	static struct files f;
	uint8_t *buf = malloc(FILE_CHUNK);
	struct smwl_pacer pc;
	int rc = 0, n = 0;

	if (!buf)
		return smwl_finish(1);
	f.size = smwl_opt.mib * MIB / NFILES;
	for (int i = 0; i < NFILES; i++)
		snprintf(f.path[i], sizeof(f.path[i]), "%s/selfmig-wl.%d.%d",
			 smwl_opt.dir, (int)getpid(), i);
	smwl_pacer_init(&pc);
	while (!smwl_stopping() && !smwl_corrupt && !rc) {
		/* Rotate: check the previous contents, rewrite, read back. */
		if (f.gen[n] && file_verify(&f, n, buf) < 0)
			rc = 1;
		if (!rc && !smwl_corrupt && file_write(&f, n, buf, &pc) < 0)
			rc = 1;
		if (!rc && !smwl_corrupt && !smwl_stopping() && file_verify(&f, n, buf) < 0)
			rc = 1;
		n = (n + 1) % NFILES;
		if (smwl_report_due())
			smwl_say("t=%.1fs files_written=%" PRIu64 " files_verified=%" PRIu64
			    " MiB_written=%.1f MiB_read=%.1f",
			    smwl_elapsed_s(), f.files_written, f.files_verified,
			    (double)f.bytes_written / MIB, (double)f.bytes_read / MIB);
	}
	for (int i = 0; i < NFILES; i++) {
		/* Last check of every completely written file. */
		if (!rc && !smwl_corrupt && f.gen[i] && file_verify(&f, i, buf) < 0)
			rc = 1;
		unlink(f.path[i]);
	}
	smwl_say("done t=%.1fs files_written=%" PRIu64 " files_verified=%" PRIu64
	    " MiB_written=%.1f MiB_read=%.1f result=%s",
	    smwl_elapsed_s(), f.files_written, f.files_verified,
	    (double)f.bytes_written / MIB, (double)f.bytes_read / MIB, smwl_result_str(rc));
	free(buf);
	return smwl_finish(rc);
}
