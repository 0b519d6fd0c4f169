/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmigd's policy file, /etc/selfmig.conf (format in docs/selfmigd.md),
 * and the command line that names it.
 */
#ifndef SELFMIGD_CONF_H
#define SELFMIGD_CONF_H

#include <stddef.h>

#define SMD_LIST_MAX	16
#define SMD_NAME_LEN	16	/* a task's comm, as in /proc/PID/comm */
#define SMD_PATH_LEN	256
#define SMD_PID_MAX	4194304	/* the kernel's PID_MAX_LIMIT */

/*
 * One process, named so that it cannot be mistaken for another: its pid and
 * its start time (field 22 of /proc/PID/stat, clock ticks after boot).  A
 * pid the kernel hands out again comes with a later start time.
 */
struct smd_proc_id {
	int pid;
	unsigned long long start;
};

enum smd_when {
	SMD_AT_NOTICE,		/* when the notice arrives */
	SMD_AT_ROUND,		/* at pre-copy round N (self mode) */
	SMD_AT_STOP,		/* at the final stop */
	SMD_NEVER,
};

enum smd_action {
	SMD_ACT_NONE,		/* only log heavy dirtiers */
	SMD_ACT_IDLE,		/* SCHED_IDLE */
	SMD_ACT_NICE,		/* nice 19 */
};

struct smd_conf {
	char quiesce_cgroup[SMD_LIST_MAX][SMD_PATH_LEN];
	unsigned int n_quiesce_cgroup;
	char quiesce_comm[SMD_LIST_MAX][SMD_NAME_LEN];
	unsigned int n_quiesce_comm;
	enum smd_when quiesce_when;
	unsigned int quiesce_round;
	char foreground_cgroup[SMD_LIST_MAX][SMD_PATH_LEN];
	unsigned int n_foreground_cgroup;
	struct smd_proc_id foreground_pid[SMD_LIST_MAX];
	unsigned int n_foreground_pid;
	unsigned long dirty_threshold;	/* pages per second */
	enum smd_action dirtier_action;
	int stun;			/* freeze heavy dirtiers at the stop */
	unsigned int stun_round;	/* and, if not 0, once the module has done this many rounds */
	int stun_auto;			/* and in self mode, the dirtiers pre-copy cannot outrun */
	unsigned int sample_ms;
	unsigned int hold_max_s;	/* undo after this without done/abort */
	char cgroup_root[SMD_PATH_LEN];
};

void smd_conf_defaults(struct smd_conf *c);

/*
 * Parse a policy file's text into c (which holds the defaults beforehand).
 * Returns 0, or -1 with "LINE: reason" in err.
 */
int smd_conf_parse(struct smd_conf *c, const char *text, size_t len,
		   char *err, size_t errlen);

/* One line per setting, "key = value", as the daemon logs at start. */
int smd_conf_describe(const struct smd_conf *c, char *out, size_t outlen);

/*
 * Read the policy file at path into c, from the defaults, and log each
 * setting.  A missing file means the defaults unless must_exist.  0, or -1
 * after printing why.
 */
int smd_conf_load(struct smd_conf *c, const char *path, int must_exist);

#define SMD_CONF_PATH	"/etc/selfmig.conf"

/* selfmigd's command line: which policy file, and whether only to check it. */
struct smd_args {
	const char *conf;	/* --config FILE; SMD_CONF_PATH if not given */
	int explicit;		/* --config was given: the file must exist */
	int check;		/* --check-config */
};

/*
 * Parse argv (argv[0] is the program) with getopt_long.  Returns 0, 1 for
 * -h/--help, or -1 with the reason in err (the caller prints the usage and
 * exits 2).
 */
int smd_parse_args(int argc, char *const argv[], struct smd_args *a,
		   char *err, size_t errlen);

#endif /* SELFMIGD_CONF_H */
