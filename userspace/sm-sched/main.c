// SPDX-License-Identifier: GPL-2.0
/*
 * sm-sched: a small test helper for the guest (busybox has no chrt or nice).
 *
 *   sm-sched [--policy other|batch|idle] [--nice N] -- COMMAND [ARGS...]
 *       run COMMAND with that scheduling policy and nice value;
 *   sm-sched --show PID...
 *       print "pid comm state nice policy cgroup" for each process, the
 *       fields selfmigd changes and must restore exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "procstat.h"

#define SMD_PATH_LEN 256

#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif

static int show(int pid)
{
	char path[64], buf[1024], cg[SMD_PATH_LEN];
	struct smd_stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("%d gone\n", pid);
		return 1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || smd_stat_parse(buf, (size_t)n, &st)) {
		printf("%d unreadable\n", pid);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0 || smd_cgroup_parse(buf, (size_t)n, cg, sizeof(cg)))
		snprintf(cg, sizeof(cg), "?");
	printf("%d %s %c %ld %u %s\n", st.pid, st.comm, st.state, st.nice, st.policy, cg);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sm-sched [--policy other|batch|idle] [--nice N] -- COMMAND [ARGS...]\n"
		   "       sm-sched --show PID...\n");
}

int main(int argc, char **argv)
{
	int policy = -1, nice_set = 0, nice_val = 0, i, rc = 0;
	struct sched_param sp = { 0 };

	if (argc > 1 && !strcmp(argv[1], "--show")) {
		for (i = 2; i < argc; i++)
			rc |= show(atoi(argv[i]));
		return rc;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
			const char *p = argv[++i];

			if (!strcmp(p, "other"))
				policy = SCHED_OTHER;
			else if (!strcmp(p, "batch"))
				policy = SCHED_BATCH;
			else if (!strcmp(p, "idle"))
				policy = SCHED_IDLE;
			else {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[i], "--nice") && i + 1 < argc) {
			nice_val = atoi(argv[++i]);
			nice_set = 1;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (policy >= 0 && sched_setscheduler(0, policy, &sp)) {
		fprintf(stderr, "sm-sched: sched_setscheduler: %s\n", strerror(errno));
		return 1;
	}
	if (nice_set && setpriority(PRIO_PROCESS, 0, nice_val)) {
		fprintf(stderr, "sm-sched: setpriority: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "sm-sched: %s: %s\n", argv[i], strerror(errno));
	return 127;
}
