/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmigd's actions on the guest: procfs, scheduling, cgroup v2 freezing,
 * soft-dirty sampling.  Every change goes through the ledger first, so that
 * smd_restore_all() can undo it exactly.
 */
#ifndef SELFMIGD_SYS_H
#define SELFMIGD_SYS_H

#include "policy.h"

/* Log one line to selfmigd's log (stderr, the guest console on the testbed). */
void smd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int smd_read_stat(int pid, struct smc_stat *st);
int smd_read_cgroup(int pid, char *path, size_t plen);

/* Fill pids[] with every process id; returns the count. */
size_t smd_list_pids(int *pids, size_t max);

/* Soft-dirty: clear a process's bits, count pages written since. */
int smd_sd_clear(int pid);
long smd_sd_count(int pid);

/* Lower a process's priority (every thread) as the policy says. */
int smd_lower(struct smd_ledger *l, const struct smd_conf *c,
	      const struct smc_stat *st, unsigned long rate);

/*
 * Freeze a configured cgroup (path relative to the cgroup root or full),
 * unless it holds a task that is exempt (self: selfmigd and its ancestors).
 */
int smd_freeze_cgroup(struct smd_ledger *l, const struct smd_conf *c,
		      const struct smd_self *self, const char *cg);

/* Move a process into selfmigd's own cgroup NAME and freeze that cgroup. */
int smd_freeze_task(struct smd_ledger *l, const struct smd_conf *c,
		    const struct smc_stat *st, const char *name);

/* Wait until every cgroup frozen by us reports it; -1 if some did not in ms. */
int smd_wait_frozen(const struct smd_ledger *l, unsigned int ms);

/* Undo everything in the ledger; returns the number of failures. */
int smd_restore_all(struct smd_ledger *l, const struct smd_conf *c);

#endif /* SELFMIGD_SYS_H */
