// SPDX-License-Identifier: GPL-2.0
/*
 * selfmigd's decisions: which tasks are exempt, which dirty too fast, and
 * the ledger that remembers what to undo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int smd_cgroup_within(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (strncmp(path, prefix, n))
		return 0;
	return path[n] == 0 || path[n] == '/' || (n == 1 && prefix[0] == '/');
}

static const char *cg_rel(const struct smd_conf *c, const char *p)
{
	size_t n = strlen(c->cgroup_root);

	/* Config entries may name a cgroup by full path or from the root. */
	if (!strncmp(p, c->cgroup_root, n) && (p[n] == '/' || !p[n]))
		return p[n] ? p + n : "/";
	return p;
}

/*
 * Is a process's cgroup (as /proc/PID/cgroup gives it, from the root with a
 * leading slash) within a config entry's cgroup?  The entry is a full path,
 * a path from the root with its slash, or one without ("foreground"), as
 * the other cgroup entries take it.
 */
static int cg_conf_within(const struct smd_conf *c, const char *cgroup, const char *entry)
{
	const char *rel = cg_rel(c, entry);

	if (rel[0] != '/')
		return cgroup[0] == '/' && smd_cgroup_within(cgroup + 1, rel);
	return smd_cgroup_within(cgroup, rel);
}

int smd_in_quiesce_comm(const struct smd_conf *c, const char *comm)
{
	unsigned int i;

	for (i = 0; i < c->n_quiesce_comm; i++)
		if (!strcmp(c->quiesce_comm[i], comm))
			return 1;
	return 0;
}

unsigned int smd_self_collect(struct smd_self *s, int pid,
			      int (*read_stat)(int pid, struct smc_stat *st))
{
	struct smc_stat st;

	s->n = 0;
	while (pid > 1 && s->n < SMD_SELF_MAX && !read_stat(pid, &st) && st.pid == pid) {
		s->id[s->n].pid = pid;
		s->id[s->n].start = st.start;
		s->n++;
		pid = st.ppid;
	}
	return s->n;
}

static int same_proc(const struct smd_proc_id *id, const struct smc_stat *st)
{
	return id->pid == st->pid && id->start == st->start;
}

const char *smd_exempt(const struct smd_conf *c, const struct smd_self *self,
		       const struct smc_stat *st, const char *cgroup)
{
	unsigned int i;

	if (st->pid == 1)
		return "init";
	for (i = 0; self && i < self->n; i++)
		if (same_proc(&self->id[i], st))
			return i ? "an ancestor of selfmigd" : "selfmigd";
	if ((st->flags & SMC_PF_KTHREAD) || st->ppid == 2 || st->pid == 2)
		return "kernel thread";
	if (st->state == 'Z' || st->state == 'X')
		return "exited";
	for (i = 0; i < c->n_foreground_pid; i++)
		if (same_proc(&c->foreground_pid[i], st))
			return "foreground";
	for (i = 0; cgroup && i < c->n_foreground_cgroup; i++)
		if (cg_conf_within(c, cgroup, c->foreground_cgroup[i]))
			return "foreground cgroup";
	return NULL;
}

unsigned long smd_rate(unsigned long pages, unsigned long elapsed_ms)
{
	if (!elapsed_ms)
		elapsed_ms = 1;
	if (pages > (unsigned long)-1 / 1000)
		return pages / elapsed_ms * 1000;
	return pages * 1000 / elapsed_ms;
}

static int by_rate_desc(const void *a, const void *b)
{
	const struct smd_sample *x = a, *y = b;

	if (x->rate != y->rate)
		return x->rate < y->rate ? 1 : -1;
	return x->pid - y->pid;
}

size_t smd_pick_dirtiers(struct smd_sample *s, size_t n, unsigned long threshold)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (s[i].rate >= threshold)
			s[k++] = s[i];
	qsort(s, k, sizeof(*s), by_rate_desc);
	return k;
}

int smd_outruns_precopy(unsigned long rate, unsigned long long round_ms,
			unsigned long long round_bytes, unsigned int page_size)
{
	double link_pps;

	if (!round_ms || !round_bytes || !page_size)
		return 0;
	link_pps = (double)round_bytes / (double)page_size * 1000.0 /
		   (double)round_ms;
	return 2.0 * (double)rate > link_pps;
}

struct smd_task_save *smd_ledger_task(struct smd_ledger *l, int pid,
				      unsigned long long start, int add)
{
	struct smd_task_save *t;
	unsigned int i;

	for (i = 0; i < l->ntask; i++)
		if (l->task[i].pid == pid && l->task[i].start == start)
			return &l->task[i];
	if (!add || l->ntask == SMD_TASKS_MAX)
		return NULL;
	t = &l->task[l->ntask++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->start = start;
	return t;
}

struct smd_cg_save *smd_ledger_cg(struct smd_ledger *l, const char *path, int add)
{
	struct smd_cg_save *g;
	unsigned int i;

	for (i = 0; i < l->ncg; i++)
		if (!strcmp(l->cg[i].path, path))
			return &l->cg[i];
	if (!add || l->ncg == SMD_CGROUPS_MAX || strlen(path) >= SMD_PATH_LEN)
		return NULL;
	g = &l->cg[l->ncg++];
	memset(g, 0, sizeof(*g));
	snprintf(g->path, sizeof(g->path), "%s", path);
	return g;
}

struct smd_ledger_counts smd_ledger_count(const struct smd_ledger *l)
{
	struct smd_ledger_counts n = { 0, 0, 0 };
	unsigned int i;

	for (i = 0; i < l->ntask; i++) {
		n.lowered += l->task[i].lowered != 0;
		n.moved += l->task[i].moved != 0;
	}
	for (i = 0; i < l->ncg; i++)
		n.frozen += l->cg[i].frozen != 0;
	return n;
}
