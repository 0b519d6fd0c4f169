// SPDX-License-Identifier: GPL-2.0
/*
 * selfmigd's actions on the guest.  Each one is recorded in the ledger before
 * it is made, and smd_restore_all() undoes them in reverse: tasks go back to
 * their cgroups, selfmigd's cgroups are thawed and removed, the configured
 * cgroups regain their freeze state, and every thread its policy and nice.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif
#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

void smd_log(const char *fmt, ...)
{
	va_list ap;

	fputs("selfmigd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)got < len - 1) {
		n = read(fd, buf + got, len - 1 - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = 0;
	return got;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), e;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Reads /proc/<pid>/<name> into buf; returns the byte count, or <= 0 on failure. */
static ssize_t read_proc(int pid, const char *name, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	return read_file(path, buf, len);
}

int smd_read_stat(int pid, struct smc_stat *st)
{
	char buf[1024];
	ssize_t n = read_proc(pid, "stat", buf, sizeof(buf));

	if (n <= 0)
		return -1;
	return smc_stat_parse(buf, (size_t)n, st);
}

int smd_read_cgroup(int pid, char *out, size_t plen)
{
	char buf[1024];
	ssize_t n = read_proc(pid, "cgroup", buf, sizeof(buf));

	if (n <= 0)
		return -1;
	return smc_cgroup_parse(buf, (size_t)n, out, plen);
}

size_t smd_list_pids(int *pids, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while (n < max && (e = readdir(d))) {
		char *ep;
		long v = strtol(e->d_name, &ep, 10);

		if (*ep || v <= 0)
			continue;
		pids[n++] = (int)v;
	}
	closedir(d);
	return n;
}

int smd_sd_clear(int pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", pid);
	return write_file(path, "4");
}

long smd_sd_count(int pid)
{
	char path[64], line[512];
	long ps = sysconf(_SC_PAGESIZE), count = 0;
	FILE *maps;
	int pm;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = fopen(path, "re");
	if (!maps)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pm = open(path, O_RDONLY | O_CLOEXEC);
	if (pm < 0) {
		fclose(maps);
		return -1;
	}
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end, pg;
		char perms[8];
		uint64_t ent[512];

		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3)
			continue;
		if (perms[1] != 'w' || end <= start)
			continue;
		for (pg = start / (unsigned long)ps; pg < end / (unsigned long)ps;) {
			size_t want = end / (unsigned long)ps - pg, i;
			ssize_t got;

			if (want > 512)
				want = 512;
			got = pread(pm, ent, want * 8, (off_t)(pg * 8));
			if (got <= 0)
				break;
			for (i = 0; i < (size_t)got / 8; i++)
				if ((ent[i] >> 55) & 1)
					count++;
			pg += (size_t)got / 8;
		}
	}
	close(pm);
	fclose(maps);
	return count;
}

static const char *policy_name(int p)
{
	switch (p & ~SCHED_RESET_ON_FORK) {
	case SCHED_OTHER: return "SCHED_OTHER";
	case SCHED_FIFO: return "SCHED_FIFO";
	case SCHED_RR: return "SCHED_RR";
	case SCHED_BATCH: return "SCHED_BATCH";
	case SCHED_IDLE: return "SCHED_IDLE";
	default: return "SCHED_?";
	}
}

int smd_lower(struct smd_ledger *l, const struct smd_conf *c,
	      const struct smc_stat *st, unsigned long rate)
{
	struct smd_task_save *t;
	char path[64];
	DIR *d;
	struct dirent *e;
	int fails = 0;

	if (c->dirtier_action == SMD_ACT_NONE) {
		smd_log("heavy dirtier pid %d (%s) rate %lu pages/s: policy says no action",
			st->pid, st->comm, rate);
		return 0;
	}
	if (st->policy == SCHED_FIFO || st->policy == SCHED_RR) {
		smd_log("heavy dirtier pid %d (%s) rate %lu pages/s left alone: real-time policy",
			st->pid, st->comm, rate);
		return 0;
	}
	t = smd_ledger_task(l, st->pid, st->start, 1);
	if (!t) {
		smd_log("too many tasks to track; pid %d (%s) left alone", st->pid, st->comm);
		return -1;
	}
	if (t->lowered)
		return 0;
	snprintf(t->comm, sizeof(t->comm), "%s", st->comm);
	t->rate = rate;
	snprintf(path, sizeof(path), "/proc/%d/task", st->pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) && t->nthreads < SMD_THREADS_MAX) {
		struct smd_thread_save *s = &t->t[t->nthreads];
		struct sched_param sp = { 0 };
		int tid = atoi(e->d_name);

		if (tid <= 0)
			continue;
		s->tid = tid;
		s->policy = sched_getscheduler(tid);
		if (s->policy < 0 || sched_getparam(tid, &sp))
			continue;
		s->prio = sp.sched_priority;
		errno = 0;
		s->nice = getpriority(PRIO_PROCESS, (id_t)tid);
		if (errno)
			continue;
		t->nthreads++;
		sp.sched_priority = 0;
		if (c->dirtier_action == SMD_ACT_IDLE) {
			if (sched_setscheduler(tid, SCHED_IDLE, &sp))
				fails++;
		} else if (setpriority(PRIO_PROCESS, (id_t)tid, 19)) {
			fails++;
		}
	}
	closedir(d);
	t->lowered = 1;
	smd_log("lowered pid %d (%s) rate %lu pages/s: %s nice %d -> %s (%u threads%s)",
		st->pid, st->comm, rate, policy_name(t->t[0].policy), t->t[0].nice,
		c->dirtier_action == SMD_ACT_IDLE ? "SCHED_IDLE" : "nice 19",
		t->nthreads, fails ? ", some failed" : "");
	return fails ? -1 : 0;
}

static void cg_full(const struct smd_conf *c, const char *cg, char *out, size_t len)
{
	size_t n = strlen(c->cgroup_root), m;

	if (!strncmp(cg, c->cgroup_root, n) && (cg[n] == '/' || !cg[n])) {
		snprintf(out, len, "%s", cg);
	} else {
		if (cg[0] == '/')
			cg++;
		m = strlen(cg);
		if (n + 1 + m >= len) {
			out[0] = 0;	/* too long: no such cgroup */
			return;
		}
		memcpy(out, c->cgroup_root, n);
		out[n] = '/';
		memcpy(out + n + 1, cg, m + 1);
	}
	n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = 0;
}

/*
 * Write cgroup.freeze.  Thawing waits (up to 2 s) until the kernel reports
 * it; freezing does not: the caller waits once for all its cgroups with
 * smd_wait_frozen(), so that several freezes overlap.
 */
static int cg_is_frozen(const char *full, int on)
{
	char p[SMD_PATH_LEN + 32], buf[256];

	snprintf(p, sizeof(p), "%s/cgroup.events", full);
	return read_file(p, buf, sizeof(buf)) > 0 && strstr(buf, on ? "frozen 1" : "frozen 0");
}

static int cg_set_frozen(const char *full, int on)
{
	char p[SMD_PATH_LEN + 32];
	int i;

	snprintf(p, sizeof(p), "%s/cgroup.freeze", full);
	if (write_file(p, on ? "1" : "0"))
		return -1;
	if (on)
		return 0;
	for (i = 0; i < 200; i++) {
		if (cg_is_frozen(full, 0))
			return 0;
		usleep(10000);
	}
	errno = ETIMEDOUT;
	return -1;
}

int smd_wait_frozen(const struct smd_ledger *l, unsigned int ms)
{
	unsigned int i, waited = 0, left;

	for (;;) {
		left = 0;
		for (i = 0; i < l->ncg; i++)
			if (l->cg[i].frozen && !cg_is_frozen(l->cg[i].path, 1))
				left++;
		if (!left || waited >= ms)
			break;
		usleep(20000);
		waited += 20;
	}
	for (i = 0; left && i < l->ncg; i++)
		if (l->cg[i].frozen && !cg_is_frozen(l->cg[i].path, 1))
			smd_log("%s is still freezing after %u ms", l->cg[i].path, ms);
	return left ? -1 : 0;
}

/* Refuse to freeze a cgroup that holds a task that must keep running. */
static const char *cg_holds_exempt(const struct smd_conf *c, const struct smd_self *self,
				   const char *rel, int *who)
{
	int pids[4096];
	size_t n = smd_list_pids(pids, 4096), i;

	for (i = 0; i < n; i++) {
		struct smc_stat st;
		char cg[SMD_PATH_LEN];
		const char *why;

		if (smd_read_stat(pids[i], &st) || smd_read_cgroup(pids[i], cg, sizeof(cg)))
			continue;
		if (!smd_cgroup_within(cg, rel))
			continue;
		why = smd_exempt(c, self, &st, cg);
		if (why && strcmp(why, "kernel thread") && strcmp(why, "exited")) {
			*who = st.pid;
			return why;
		}
	}
	return NULL;
}

int smd_freeze_cgroup(struct smd_ledger *l, const struct smd_conf *c,
		      const struct smd_self *self, const char *cg)
{
	char full[SMD_PATH_LEN], p[SMD_PATH_LEN + 32], buf[8];
	const char *rel, *why;
	struct smd_cg_save *g;
	struct stat sb;
	int who = 0;

	cg_full(c, cg, full, sizeof(full));
	if (!full[0]) {
		smd_log("quiesce cgroup %s: path too long", cg);
		return -1;
	}
	rel = full + strlen(c->cgroup_root);
	if (!*rel || stat(full, &sb) || !S_ISDIR(sb.st_mode)) {
		smd_log("quiesce cgroup %s: %s", full, *rel ? "no such cgroup" :
			"the root cgroup cannot be frozen");
		return -1;
	}
	why = cg_holds_exempt(c, self, rel, &who);
	if (why) {
		smd_log("quiesce cgroup %s not frozen: it holds pid %d (%s)", full, who, why);
		return -1;
	}
	g = smd_ledger_cg(l, full, 1);
	if (!g)
		return -1;
	if (g->frozen)
		return 0;
	snprintf(p, sizeof(p), "%s/cgroup.freeze", full);
	g->was_frozen = read_file(p, buf, sizeof(buf)) > 0 && buf[0] == '1';
	if (g->was_frozen) {
		smd_log("quiesce cgroup %s was frozen already", full);
		return 0;
	}
	if (cg_set_frozen(full, 1)) {
		smd_log("cannot freeze %s: %s", full, strerror(errno));
		return -1;
	}
	g->frozen = 1;
	smd_log("froze cgroup %s", full);
	return 0;
}

int smd_freeze_task(struct smd_ledger *l, const struct smd_conf *c,
		    const struct smc_stat *st, const char *name)
{
	char full[SMD_PATH_LEN], p[SMD_PATH_LEN + 32], pid[16];
	struct smd_task_save *t;
	struct smd_cg_save *g;

	cg_full(c, name, full, sizeof(full));
	if (!full[0])
		return -1;
	g = smd_ledger_cg(l, full, 1);
	t = smd_ledger_task(l, st->pid, st->start, 1);
	if (!g || !t)
		return -1;
	if (t->moved)
		return 0;
	if (!g->created && !g->frozen) {
		if (mkdir(full, 0755) && errno != EEXIST) {
			smd_log("cannot create cgroup %s: %s", full, strerror(errno));
			return -1;
		}
		g->created = 1;
	}
	if (smd_read_cgroup(st->pid, t->orig_cgroup, sizeof(t->orig_cgroup)))
		return -1;
	snprintf(t->comm, sizeof(t->comm), "%s", st->comm);
	snprintf(p, sizeof(p), "%s/cgroup.procs", full);
	snprintf(pid, sizeof(pid), "%d", st->pid);
	if (write_file(p, pid)) {
		smd_log("cannot move pid %d (%s) to %s: %s", st->pid, st->comm, full,
			strerror(errno));
		return -1;
	}
	t->moved = 1;
	if (!g->frozen) {
		if (cg_set_frozen(full, 1)) {
			smd_log("cannot freeze %s: %s", full, strerror(errno));
			return -1;
		}
		g->frozen = 1;
	}
	smd_log("froze pid %d (%s) in %s (was in %s)", st->pid, st->comm, full,
		t->orig_cgroup);
	return 0;
}

static int restore_task_cgroup(const struct smd_conf *c, struct smd_task_save *t)
{
	char full[SMD_PATH_LEN], p[SMD_PATH_LEN + 32], pid[16];
	struct smc_stat st;

	if (smd_read_stat(t->pid, &st) || st.start != t->start) {
		smd_log("pid %d (%s) exited; nothing to move back", t->pid, t->comm);
		return 0;
	}
	if (!strcmp(t->orig_cgroup, "/"))
		snprintf(full, sizeof(full), "%s", c->cgroup_root);
	else
		cg_full(c, t->orig_cgroup, full, sizeof(full));
	snprintf(p, sizeof(p), "%s/cgroup.procs", full);
	snprintf(pid, sizeof(pid), "%d", t->pid);
	if (write_file(p, pid)) {
		smd_log("cannot move pid %d (%s) back to %s: %s", t->pid, t->comm,
			full, strerror(errno));
		return -1;
	}
	smd_log("moved pid %d (%s) back to %s", t->pid, t->comm, t->orig_cgroup);
	return 0;
}

static int restore_task_sched(struct smd_task_save *t)
{
	struct smc_stat st;
	unsigned int i;
	int fails = 0;

	if (smd_read_stat(t->pid, &st) || st.start != t->start) {
		smd_log("pid %d (%s) exited; nothing to restore", t->pid, t->comm);
		return 0;
	}
	for (i = 0; i < t->nthreads; i++) {
		struct smd_thread_save *s = &t->t[i];
		struct sched_param sp = { .sched_priority = s->prio };

		if (sched_setscheduler(s->tid, s->policy, &sp) && errno != ESRCH)
			fails++;
		else if (setpriority(PRIO_PROCESS, (id_t)s->tid, s->nice) && errno != ESRCH)
			fails++;
	}
	smd_log("restored pid %d (%s): %s nice %d%s", t->pid, t->comm,
		policy_name(t->t[0].policy), t->t[0].nice, fails ? " (some threads failed)" : "");
	return fails;
}

int smd_restore_all(struct smd_ledger *l, const struct smd_conf *c)
{
	unsigned int i;
	int fails = 0;

	for (i = 0; i < l->ntask; i++)
		if (l->task[i].moved && restore_task_cgroup(c, &l->task[i]))
			fails++;
	for (i = 0; i < l->ncg; i++) {
		struct smd_cg_save *g = &l->cg[i];

		if (g->frozen && !g->was_frozen) {
			if (cg_set_frozen(g->path, 0)) {
				smd_log("cannot thaw %s: %s", g->path, strerror(errno));
				fails++;
			} else {
				smd_log("thawed cgroup %s", g->path);
			}
		}
		if (g->created && rmdir(g->path) && errno != ENOENT) {
			smd_log("cannot remove %s: %s", g->path, strerror(errno));
			fails++;
		}
	}
	for (i = 0; i < l->ntask; i++)
		if (l->task[i].lowered)
			fails += restore_task_sched(&l->task[i]) != 0;
	memset(l, 0, sizeof(*l));
	return fails;
}
