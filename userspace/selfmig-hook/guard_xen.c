// SPDX-License-Identifier: GPL-2.0
/* The guard that undoes what a dead hook left behind: see guard.h. */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook_xen.h"

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

static void guard_undo(uint32_t domid, const char *name, int state)
{
	char err[512], away[300];
	struct hk_xen *x;

	if (state == HK_GUARD_GO) {
		fprintf(stderr, "selfmig-hook guard: the hook died while the destination was being allowed to run; domain %u stays suspended as it is (check the destination before resuming it)\n",
			domid);
		return;
	}
	if (state != HK_GUARD_SUSPENDED && state != HK_GUARD_RENAMED)
		return;
	fprintf(stderr, "selfmig-hook guard: the hook died with domain %u suspended; resuming it\n",
		domid);
	x = hk_xen_open(err, sizeof(err));
	if (!x) {
		fprintf(stderr, "selfmig-hook guard: %s\n", err);
		return;
	}
	snprintf(away, sizeof(away), "%s--migratedaway", name);
	if (state == HK_GUARD_RENAMED &&
	    hk_xen_rename(x, domid, away, name, err, sizeof(err)))
		fprintf(stderr, "selfmig-hook guard: %s\n", err);
	/* The hook may have died between asking and the guest's answer. */
	if (hk_xen_wait_suspended(x, domid, 30, err, sizeof(err))) {
		fprintf(stderr, "selfmig-hook guard: %s; leaving it as it is\n", err);
		hk_xen_close(x);
		return;
	}
	if (hk_xen_resume(x, domid, err, sizeof(err)))
		fprintf(stderr, "selfmig-hook guard: cannot resume domain %u: %s\n",
			domid, err);
	else
		fprintf(stderr, "selfmig-hook guard: domain %u resumed; it runs on\n",
			domid);
	hk_xen_close(x);
}

int hk_guard_start(struct hk_guard *g, uint32_t domid, const char *name,
		   char *err, size_t errlen)
{
	int p[2];

	g->pid = -1;
	g->fd = -1;
	if (pipe2(p, O_CLOEXEC)) {
		ERR("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stderr);
	g->pid = fork();
	if (g->pid < 0) {
		ERR("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (g->pid == 0) {
		int state = HK_GUARD_IDLE;
		char c;
		ssize_t n;

		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		close(p[1]);
		for (;;) {
			n = read(p[0], &c, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			state = c;
		}
		guard_undo(domid, name, state);
		_exit(0);
	}
	close(p[0]);
	g->fd = p[1];
	return 0;
}

void hk_guard_set(struct hk_guard *g, enum hk_guard_state s)
{
	char c = (char)s;

	if (g->fd < 0)
		return;
	while (write(g->fd, &c, 1) < 0 && errno == EINTR)
		;
}

void hk_guard_stop(struct hk_guard *g)
{
	int status;

	if (g->fd < 0)
		return;
	hk_guard_set(g, HK_GUARD_DONE);
	close(g->fd);
	g->fd = -1;
	if (g->pid > 0)
		waitpid(g->pid, &status, 0);
	g->pid = -1;
}
