/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing /proc/PID/stat and /proc/PID/cgroup, for selfmigd and the test
 * helpers that check what it changed.
 */
#ifndef SELFMIG_COMMON_PROCSTAT_H
#define SELFMIG_COMMON_PROCSTAT_H

#include <stddef.h>

#define SMC_COMM_LEN	16

/* What selfmigd needs from /proc/PID/stat. */
struct smc_stat {
	int pid;
	char comm[SMC_COMM_LEN];
	char state;			/* R, S, D, T, t, Z, ... */
	int ppid;
	unsigned long flags;		/* PF_* */
	long nice;
	unsigned long long start;	/* start time, clock ticks after boot */
	unsigned int policy;
};

#define SMC_PF_KTHREAD	0x00200000UL

/* Parse one /proc/PID/stat line (comm may hold spaces and parentheses). */
int smc_stat_parse(const char *buf, size_t len, struct smc_stat *st);

/* Parse /proc/PID/cgroup for the v2 path ("0::/a/b" gives "/a/b"). */
int smc_cgroup_parse(const char *buf, size_t len, char *path, size_t plen);

#endif /* SELFMIG_COMMON_PROCSTAT_H */
