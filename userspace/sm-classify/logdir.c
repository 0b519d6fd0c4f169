// SPDX-License-Identifier: GPL-2.0
/*
 * A scenario's log directory for the classifier (scl_classify_dir()): the
 * reason, then every *.log and *.txt file of the directory in name order,
 * each read up to SCL_FILE_MAX and all up to SCL_TOTAL_MAX.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"
#include "classify_int.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_log_name(const char *n)
{
	size_t l = strlen(n);

	return n[0] != '.' && l > 4 &&
	       (!strcmp(n + l - 4, ".log") || !strcmp(n + l - 4, ".txt"));
}

/* Read at most MAX bytes of DIR/NAME into *BUF; *CUT if there is more. */
static int read_bounded(int dfd, const char *name, size_t max, char **buf,
			size_t *len, bool *cut)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t n = 0;
	char extra;
	ssize_t r;

	*buf = NULL;
	*len = 0;
	*cut = false;
	if (fd < 0)
		return -errno;
	*buf = malloc(max ? max : 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (n < max) {
		r = read(fd, *buf + n, max - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			close(fd);
			free(*buf);
			*buf = NULL;
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == max) {
		do {
			r = read(fd, &extra, 1);
		} while (r < 0 && errno == EINTR);
		*cut = r != 0;
	}
	close(fd);
	*len = n;
	return 0;
}

int scl_classify_dir(const char *reason, const char *dir,
		     struct scl_result *res, char *err, size_t errlen)
{
	struct scl_state st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i, total = 0;
	bool too_many = false;
	DIR *d;
	int dfd, rc = 0;

	d = opendir(dir);
	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	dfd = dirfd(d);
	names = calloc(SCL_FILES_MAX, sizeof(*names));
	if (!names) {
		closedir(d);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	errno = 0;
	while ((de = readdir(d))) {
		struct stat sb;

		if (!is_log_name(de->d_name))
			continue;
		if (fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) || !S_ISREG(sb.st_mode))
			continue;
		if (n == SCL_FILES_MAX) {
			too_many = true;
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_names);

	scl_init(&st);
	scl_feed_reason(&st, reason);
	for (i = 0; i < n; i++) {
		size_t max = SCL_TOTAL_MAX - total, len;
		bool cut;
		char *buf;
		int r;

		if (max > SCL_FILE_MAX)
			max = SCL_FILE_MAX;
		r = read_bounded(dfd, names[i], max, &buf, &len, &cut);
		if (r == -ENOMEM) {
			rc = r;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (r < 0) {
			scl_block_on(&st, SCL_BLOCK_CUT, "a log could not be read", strerror(-r),
				 names[i], "");
			continue;
		}
		total += len;
		scl_feed_log(&st, names[i], buf, len, cut);
		free(buf);
	}
	if (too_many)
		scl_block(&st, SCL_BLOCK_CUT, "more logs than are read (SCL_FILES_MAX)", dir, "");
	scl_finish(&st, res);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}
