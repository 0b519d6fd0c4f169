// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload mmap-shared: a shared mapping written by a child and
 * checked by its parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include "run.h"

struct shm {
	const char *path;
	int fd;
	uint8_t *mem, *buf;
	uint32_t *gen;
	size_t npages, len;
	uint64_t written, verified, syncs;
};

/* Check page i both through the mapping and through pread(2) of the file.
 * 0 ok, 1 corruption (reported), -1 error (reported). */
static int shm_check(struct shm *s, size_t i)
{
	struct smwl_mismatch mm;

	s->verified++;
	if (smwl_pattern_check(s->mem + i * smwl_ps, smwl_ps, i, s->gen[i], &mm)) {
		smwl_corruption_block("mapped page", i, s->gen[i], &mm);
		return 1;
	}
	if (pread(s->fd, s->buf, smwl_ps, (off_t)(i * smwl_ps)) != (ssize_t)smwl_ps) {
		smwl_say("pread %s: %s", s->path, strerror(errno));
		return -1;
	}
	if (smwl_pattern_check(s->buf, smwl_ps, i, s->gen[i], &mm)) {
		smwl_corruption_block("pread of page", i, s->gen[i], &mm);
		return 1;
	}
	return 0;
}

int smwl_run_mmap_shared(void)
{
	char path[PATH_MAX];
	struct shm s = { .path = path };
	uint64_t batches = 0;
	struct smwl_pacer pc;
	int rc = 0, r = 0;

	s.npages = smwl_opt.mib * MIB / smwl_ps;
	s.len = s.npages * smwl_ps;
	s.gen = calloc(s.npages, sizeof(*s.gen));
	s.buf = malloc(smwl_ps);
	snprintf(path, sizeof(path), "%s/selfmig-wl.%d.shm", smwl_opt.dir, (int)getpid());
	s.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (s.fd < 0 || !s.gen || !s.buf) {
		smwl_say("create %s: %s", path, strerror(errno));
		return smwl_finish(1);
	}
	if (ftruncate(s.fd, (off_t)s.len)) {
		smwl_say("ftruncate %s: %s", path, strerror(errno));
		unlink(path);
		return smwl_finish(1);
	}
	s.mem = mmap(NULL, s.len, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, 0);
	if (s.mem == MAP_FAILED) {
		smwl_say("mmap %s: %s", path, strerror(errno));
		unlink(path);
		return smwl_finish(1);
	}
	smwl_pacer_init(&pc);
	while (!smwl_stopping() && !r) {
		for (int b = 0; b < 16 && !r; b++) {
			size_t i = (size_t)smwl_rng_below(&smwl_rand, s.npages);

			r = shm_check(&s, i);
			if (r)
				break;
			if (++s.gen[i] == 0)
				s.gen[i] = 1;
			smwl_pattern_fill(s.mem + i * smwl_ps, smwl_ps, i, s.gen[i]);
			s.written++;
			/* What went in through the mapping must come out of the file. */
			r = shm_check(&s, i);
		}
		if (!r && ++batches % 64 == 0) {
			if (msync(s.mem, s.len, batches % 128 ? MS_ASYNC : MS_SYNC)) {
				smwl_say("msync: %s", strerror(errno));
				r = -1;
			}
			s.syncs++;
			for (int k = 0; k < 64 && !r; k++)
				r = shm_check(&s, (size_t)smwl_rng_below(&smwl_rand, s.npages));
		}
		smwl_pace(&pc, 16 * smwl_ps);
		if (smwl_report_due())
			smwl_say("t=%.1fs pages_written=%" PRIu64 " pages_verified=%" PRIu64
			    " msyncs=%" PRIu64, smwl_elapsed_s(), s.written, s.verified, s.syncs);
	}
	for (size_t i = 0; i < s.npages && !r; i++)
		r = shm_check(&s, i);
	if (r < 0)
		rc = 1;
	smwl_say("done t=%.1fs pages_written=%" PRIu64 " pages_verified=%" PRIu64
	    " msyncs=%" PRIu64 " result=%s", smwl_elapsed_s(), s.written, s.verified, s.syncs,
	    smwl_result_str(rc));
	munmap(s.mem, s.len);
	close(s.fd);
	unlink(path);
	free(s.gen);
	free(s.buf);
	return smwl_finish(rc);
}
