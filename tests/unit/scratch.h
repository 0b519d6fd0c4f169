/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scratch directory for the unit tests that write files: made with
 * mkdtemp() before the tests, with the paths of its files filled in, and
 * removed with them when the program exits.
 */
#ifndef SELFMIG_TEST_SCRATCH_H
#define SELFMIG_TEST_SCRATCH_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The size of each path buffer given to scratch_make(). */
#define SCRATCH_PATH_LEN	300
#define SCRATCH_FILES_MAX	8

static const char *scratch_dir;
static const char *scratch_files[SCRATCH_FILES_MAX];
static int scratch_nfiles;

static inline void scratch_remove(void)
{
	int i;

	for (i = 0; i < scratch_nfiles; i++)
		unlink(scratch_files[i]);
	rmdir(scratch_dir);
}

/*
 * Make dir (dirlen bytes) as parent/name, name ending in XXXXXX, and fill in
 * the paths that follow as pairs of a buffer of SCRATCH_PATH_LEN bytes and
 * the name of a file in dir, up to a NULL.  At exit those files and dir are
 * removed.  If dir cannot be made, says why and exits.
 */
static inline void scratch_make(char *dir, size_t dirlen, const char *parent,
				const char *name, ...)
{
	va_list ap;
	char *path;

	snprintf(dir, dirlen, "%s/%s", parent, name);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	scratch_dir = dir;
	va_start(ap, name);
	while ((path = va_arg(ap, char *)) && scratch_nfiles < SCRATCH_FILES_MAX) {
		snprintf(path, SCRATCH_PATH_LEN, "%s/%s", dir,
			 va_arg(ap, const char *));
		scratch_files[scratch_nfiles++] = path;
	}
	va_end(ap);
	atexit(scratch_remove);
}

#endif /* SELFMIG_TEST_SCRATCH_H */
