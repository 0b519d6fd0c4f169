// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload compile-mix: the load of a kernel compile, in small.
 *
 * A "source tree" of --mib MiB (8) in SRC_FILES files under --dir is
 * written once.  Then jobs run JOBS_PARALLEL at a time, as make -j runs
 * compilers: each is a process that reads one source file, checks it,
 * compresses it with zlib (the CPU work), writes the "object" and exits.
 * Every fourth job also starts /bin/true, as a compiler driver starts its
 * assembler.  When a job has exited, the parent reads its object back,
 * inflates it and compares it with the source: any difference is
 * corruption.  The throughput is jobs per second.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "run.h"

#define SRC_FILES	64
#define JOBS_PARALLEL	4

struct job {
	pid_t pid;
	int file;
	int helper;	/* a /bin/true, not a compile */
};

static char g_dir[PATH_MAX - 32];
static size_t g_file_len;
static uint64_t g_gen;

static void src_path(char *p, size_t n, int file)
{
	snprintf(p, n, "%s/src%02d.c", g_dir, file);
}

static void obj_path(char *p, size_t n, int file)
{
	snprintf(p, n, "%s/src%02d.o", g_dir, file);
}

/* Read a whole file of at most cap bytes; its size, or -1 (errno set). */
static ssize_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rc;

	if (fd < 0)
		return -1;
	rc = smwl_write_all(fd, buf, len);
	if (close(fd))
		rc = -1;
	return rc;
}

/* The compiler: source in, checked, deflated, object out. */
static void compile_child(int file, uint8_t *src, uint8_t *obj, size_t obj_cap)
{
	char path[PATH_MAX];
	struct smwl_mismatch mm;
	uLongf olen = obj_cap;

	src_path(path, sizeof(path), file);
	if (read_file(path, src, g_file_len) != (ssize_t)g_file_len)
		_exit(EXIT_ERR);
	if (smwl_pattern_check(src, g_file_len, (uint64_t)file, g_gen, &mm)) {
		smwl_corruption_block("source file", (uint64_t)file, g_gen, &mm);
		_exit(EXIT_CORRUPT);
	}
	if (compress2(obj, &olen, src, g_file_len, 6) != Z_OK)
		_exit(EXIT_ERR);
	obj_path(path, sizeof(path), file);
	_exit(write_file(path, obj, olen) ? EXIT_ERR : 0);
}

/* The parent's check of a finished job: 0 ok, -1 error, 1 corruption. */
static int check_object(int file, uint8_t *src, uint8_t *obj, size_t obj_cap)
{
	char path[PATH_MAX];
	struct smwl_mismatch mm;
	uLongf slen = g_file_len;
	ssize_t olen;

	obj_path(path, sizeof(path), file);
	olen = read_file(path, obj, obj_cap);
	if (olen < 0) {
		smwl_say("read %s: %s", path, strerror(errno));
		return -1;
	}
	if (uncompress(src, &slen, obj, (uLong)olen) != Z_OK || slen != g_file_len) {
		smwl_corruption("object %s does not inflate to its %zu-byte source", path,
				g_file_len);
		return 1;
	}
	if (smwl_pattern_check(src, g_file_len, (uint64_t)file, g_gen, &mm)) {
		smwl_corruption_block("object's source", (uint64_t)file, g_gen, &mm);
		return 1;
	}
	unlink(path);
	return 0;
}

static int write_tree(uint8_t *src)
{
	char path[PATH_MAX];

	for (int i = 0; i < SRC_FILES; i++) {
		smwl_pattern_fill(src, g_file_len, (uint64_t)i, g_gen);
		src_path(path, sizeof(path), i);
		if (write_file(path, src, g_file_len)) {
			smwl_say("write %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Is a compiler job on this file still running?  Two at once would share
 * its object: one's check could unlink it under the other, or read it
 * half rewritten.  A job stalled for a whole turn of the tree (stopped,
 * lowered, or its guest paused) is what lets the turn come round to it.
 */
static int file_busy(const struct job *jobs, int file)
{
	for (int k = 0; k <= JOBS_PARALLEL; k++)
		if (jobs[k].pid && !jobs[k].helper && jobs[k].file == file)
			return 1;
	return 0;
}

static pid_t start_job(struct job *j, int file, int helper, uint8_t *src,
		       uint8_t *obj, size_t obj_cap)
{
	fflush(stdout);
	j->pid = fork();
	if (j->pid == 0) {
		if (helper) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(0);	/* no /bin/true: the fork was the load */
		}
		compile_child(file, src, obj, obj_cap);
	}
	j->file = file;
	j->helper = helper;
	return j->pid;
}

int smwl_run_compile_mix(void)
{
	struct job jobs[JOBS_PARALLEL + 1] = { 0 };
	uint64_t done = 0, started = 0, last_done = 0, last_t;
	size_t obj_cap;
	uint8_t *src, *obj;
	int rc = 0, live = 0, next_file = 0;

	snprintf(g_dir, sizeof(g_dir), "%s/compile-mix.%d", smwl_opt.dir, (int)getpid());
	g_file_len = smwl_opt.mib * MIB / SRC_FILES;
	g_file_len -= g_file_len % 8;
	g_gen = smwl_rng_next(&smwl_rand) | 1;
	obj_cap = compressBound(g_file_len);
	src = malloc(g_file_len);
	obj = malloc(obj_cap);
	if (!src || !obj || !g_file_len) {
		smwl_say("cannot allocate %zu-byte buffers", g_file_len);
		free(src);
		free(obj);
		return smwl_finish(1);
	}
	if (mkdir(g_dir, 0755) || write_tree(src)) {
		smwl_say("cannot write the source tree in %s: %s", g_dir, strerror(errno));
		rc = 1;
	}
	smwl_say("source tree: %d files of %zu bytes in %s", SRC_FILES, g_file_len, g_dir);
	last_t = smwl_now_ns();
	while (!rc && !smwl_corrupt) {
		int status, k;
		pid_t p;

		while (live < JOBS_PARALLEL + 1 && !smwl_stopping()) {
			int helper = started % 4 == 3;

			for (k = 0; jobs[k].pid; k++)
				;
			/* At most JOBS_PARALLEL + 1 of SRC_FILES are busy. */
			while (!helper && file_busy(jobs, next_file))
				next_file = (next_file + 1) % SRC_FILES;
			if (start_job(&jobs[k], next_file, helper, src, obj, obj_cap) < 0) {
				smwl_say("fork: %s", strerror(errno));
				jobs[k].pid = 0;
				rc = 1;
				break;
			}
			if (!helper)
				next_file = (next_file + 1) % SRC_FILES;
			live++;
			started++;
		}
		if (!live)
			break;
		p = waitpid(-1, &status, 0);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			smwl_say("waitpid: %s", strerror(errno));
			rc = 1;
			break;
		}
		for (k = 0; k <= JOBS_PARALLEL && jobs[k].pid != p; k++)
			;
		if (k > JOBS_PARALLEL)
			continue;	/* not ours */
		jobs[k].pid = 0;
		live--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CORRUPT) {
			smwl_corrupt = 1;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			smwl_say("job on file %d ended with status 0x%x", jobs[k].file, status);
			rc = 1;
		} else if (!jobs[k].helper) {
			int c = check_object(jobs[k].file, src, obj, obj_cap);

			if (c < 0)
				rc = 1;
			done++;
		}
		if (smwl_report_due()) {
			uint64_t t = smwl_now_ns();

			smwl_say("t=%.1fs jobs=%" PRIu64 " jobs_s=%.1f", smwl_elapsed_s(), done,
				 (double)(done - last_done) / ((double)(t - last_t) / 1e9));
			last_done = done;
			last_t = t;
		}
	}
	smwl_reap(live);
	for (int i = 0; i < SRC_FILES; i++) {
		char path[PATH_MAX];

		src_path(path, sizeof(path), i);
		unlink(path);
		obj_path(path, sizeof(path), i);
		unlink(path);
	}
	rmdir(g_dir);
	free(src);
	free(obj);
	smwl_say("done t=%.1fs jobs=%" PRIu64 " jobs_s=%.1f result=%s", smwl_elapsed_s(), done,
		 (double)done / smwl_elapsed_s(), smwl_result_str(rc));
	return smwl_finish(rc);
}
