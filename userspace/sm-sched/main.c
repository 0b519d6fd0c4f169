// SPDX-License-Identifier: GPL-2.0
/*
 * sm-sched: a small test helper for the guest (busybox has no chrt or nice).
 *
 *   sm-sched [--policy other|batch|idle] [--nice N] [--uid N] [--] COMMAND [ARGS...]
 *       run COMMAND with that scheduling policy and nice value, and as user
 *       and group N with no other groups (busybox's setpriv cannot);
 *   sm-sched --show PID...
 *       print "pid comm state nice policy cgroup" for each process, the
 *       fields selfmigd changes and must restore exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <grp.h>
#include <sys/resource.h>
#include <unistd.h>

#include "args.h"
#include "options.h"
#include "procstat.h"

#define SMD_PATH_LEN 256

#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif

static int show(int pid)
{
	char path[64], buf[1024], cg[SMD_PATH_LEN];
	struct smc_stat st;
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
	if (n <= 0 || smc_stat_parse(buf, (size_t)n, &st)) {
		printf("%d unreadable\n", pid);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0 || smc_cgroup_parse(buf, (size_t)n, cg, sizeof(cg)))
		snprintf(cg, sizeof(cg), "?");
	printf("%d %s %c %ld %u %s\n", st.pid, st.comm, st.state, st.nice, st.policy, cg);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sm-sched [--policy other|batch|idle] [--nice N] [--uid N] [--] COMMAND [ARGS...]\n"
		   "       sm-sched --show PID...\n"
		   "--nice is -20 to 19, --uid 1 to 65534; options stop at COMMAND.  -h, --help shows this.\n");
}

static int usage_error(const char *msg)
{
	return smc_usage_error("sm-sched", msg, usage);
}

int main(int argc, char **argv)
{
	static const int ids[] = {
		SMC_O_POLICY, SMC_O_NICE, SMC_O_SHOW, SMC_O_UID, SMC_O_HELP, 0
	};
	static const char *const policies[] = { "other", "batch", "idle" };
	static const int policy_ids[] = { SCHED_OTHER, SCHED_BATCH, SCHED_IDLE };
	int policy = -1, nice_set, showing, i, rc = 0;
	struct sched_param sp = { 0 };
	struct smc_optvals ov;
	int64_t nice_val = 0;
	uint64_t pid, uid = 0;
	char err[160];

	/* "+": the options end at COMMAND, whose own options are its own. */
	if (smc_optvals(argc, argv, "+h", ids, &ov, err, sizeof(err)))
		return usage_error(err);
	if (ov.val[SMC_O_HELP])
		return smc_usage_exit('h', usage);
	if (ov.val[SMC_O_POLICY]) {
		i = SMC_NAME_INDEX(ov.val[SMC_O_POLICY], policies);
		if (i < 0) {
			snprintf(err, sizeof(err), "--policy '%.64s': not one of other, batch, idle",
				 ov.val[SMC_O_POLICY]);
			return usage_error(err);
		}
		policy = policy_ids[i];
	}
	nice_set = ov.val[SMC_O_NICE] != NULL;
	if (nice_set && smc_parse_i64("--nice", ov.val[SMC_O_NICE], -20, 19, &nice_val,
				      err, sizeof(err)))
		return usage_error(err);
	if (ov.val[SMC_O_UID] &&
	    smc_parse_u64("--uid", ov.val[SMC_O_UID], 1, 65534, &uid, err, sizeof(err)))
		return usage_error(err);
	showing = ov.val[SMC_O_SHOW] != NULL;
	if (showing) {
		if (policy >= 0 || nice_set || uid)
			return usage_error("--show takes no --policy, --nice or --uid");
		/* Every PID is checked before any is shown. */
		for (i = optind; i < argc; i++)
			if (smc_parse_u64("--show", argv[i], 1, INT_MAX, &pid, err,
					  sizeof(err)))
				return usage_error(err);
		for (i = optind; i < argc; i++) {
			smc_parse_u64(NULL, argv[i], 1, INT_MAX, &pid, NULL, 0);
			rc |= show((int)pid);
		}
		return rc;
	}
	if (optind >= argc)
		return usage_error("no COMMAND to run");
	i = optind;
	if (policy >= 0 && sched_setscheduler(0, policy, &sp)) {
		fprintf(stderr, "sm-sched: sched_setscheduler: %s\n", strerror(errno));
		return 1;
	}
	if (nice_set && setpriority(PRIO_PROCESS, 0, (int)nice_val)) {
		fprintf(stderr, "sm-sched: setpriority: %s\n", strerror(errno));
		return 1;
	}
	if (uid && (setgroups(0, NULL) || setgid((gid_t)uid) || setuid((uid_t)uid))) {
		fprintf(stderr, "sm-sched: becoming uid %llu: %s\n",
			(unsigned long long)uid, strerror(errno));
		return 1;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "sm-sched: %s: %s\n", argv[i], strerror(errno));
	return 127;
}
