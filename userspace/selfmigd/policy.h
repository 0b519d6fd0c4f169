/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmigd's decisions (pure, unit-tested) and the ledger of every change it
 * makes to the guest's tasks and cgroups, so that each one can be undone.
 */
#ifndef SELFMIGD_POLICY_H
#define SELFMIGD_POLICY_H

#include <stddef.h>

#include "conf.h"
#include "procstat.h"

/*
 * selfmigd itself (id[0]) and its ancestors up to init, by pid and start
 * time: they are never frozen, whatever they are called.
 */
#define SMD_SELF_MAX	32

struct smd_self {
	struct smd_proc_id id[SMD_SELF_MAX];
	unsigned int n;
};

/*
 * Fill s with pid and its ancestors, reading each with read_stat (which
 * returns 0 on success).  The walk stops at pid 1, at a process it cannot
 * read, and after SMD_SELF_MAX.  Returns how many were found.
 */
unsigned int smd_self_collect(struct smd_self *s, int pid,
			      int (*read_stat)(int pid, struct smc_stat *st));

/*
 * Why a task must never be frozen, stunned or deprioritised, or NULL if it
 * may be: PID 1, selfmigd and its ancestors (self, by pid and start time;
 * NULL for none), kernel threads, zombies, foreground tasks (by pid and
 * start time, or by cgroup, a cgroup covering its descendants).  A task's
 * name (st->comm) plays no part: any process can take any name.
 */
const char *smd_exempt(const struct smd_conf *c, const struct smd_self *self,
		       const struct smc_stat *st, const char *cgroup);

/* Whether comm names a task of the quiesce set. */
int smd_in_quiesce_comm(const struct smd_conf *c, const char *comm);

/* Whether path is cgroup prefix or a cgroup below it. */
int smd_cgroup_within(const char *path, const char *prefix);

/* Dirtying rate of one task from two samples, pages per second. */
unsigned long smd_rate(unsigned long pages, unsigned long elapsed_ms);

struct smd_sample {
	int pid;
	unsigned long long start;	/* its start time: the process, not just a pid */
	char comm[SMD_NAME_LEN];
	unsigned long rate;		/* pages per second */
};

/*
 * Keep the samples at or above the threshold, highest rate first; returns
 * how many are kept (at the front of s).
 */
size_t smd_pick_dirtiers(struct smd_sample *s, size_t n, unsigned long threshold);

/*
 * stun = auto: whether a dirtier outruns pre-copy.  In the round just done
 * (round_ms long) the link carried round_bytes, round_bytes / page_size
 * pages.  A process that writes more than half as many pages per second as
 * that (rate) leaves each round at least half the set of the round before:
 * while it runs, the set left for the stop shrinks slowly or not at all.
 * 0 when the round gives no measure (no time, no bytes).
 */
int smd_outruns_precopy(unsigned long rate, unsigned long long round_ms,
			unsigned long long round_bytes, unsigned int page_size);

/* ---- the ledger ---- */

#define SMD_THREADS_MAX	64
#define SMD_TASKS_MAX	64
#define SMD_CGROUPS_MAX	(2 * SMD_LIST_MAX + 2)

struct smd_thread_save {
	int tid;
	int policy;			/* as sched_getscheduler() returned it */
	int prio;			/* sched_param.sched_priority */
	int nice;
};

struct smd_task_save {
	int pid;
	unsigned long long start;	/* guards against a reused pid */
	char comm[SMD_NAME_LEN];
	unsigned long rate;
	int lowered;			/* policy or nice changed */
	unsigned int nthreads;
	struct smd_thread_save t[SMD_THREADS_MAX];
	int moved;			/* moved into one of our cgroups */
	char orig_cgroup[SMD_PATH_LEN];
};

struct smd_cg_save {
	char path[SMD_PATH_LEN];	/* full path under the cgroup root */
	int was_frozen;
	int created;			/* ours: remove it when done */
	int frozen;			/* frozen by us now */
};

struct smd_ledger {
	struct smd_task_save task[SMD_TASKS_MAX];
	unsigned int ntask;
	struct smd_cg_save cg[SMD_CGROUPS_MAX];
	unsigned int ncg;
};

struct smd_task_save *smd_ledger_task(struct smd_ledger *l, int pid,
				      unsigned long long start, int add);
struct smd_cg_save *smd_ledger_cg(struct smd_ledger *l, const char *path, int add);
/* The tasks the ledger holds as lowered or moved, the cgroups as frozen. */
struct smd_ledger_counts {
	unsigned int lowered, moved, frozen;
};
struct smd_ledger_counts smd_ledger_count(const struct smd_ledger *l);

#endif /* SELFMIGD_POLICY_H */
