// SPDX-License-Identifier: GPL-2.0
/* The guard's process: see guard.h. */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

int hk_guard_spawn(struct hk_guard *g, const struct hk_guard_cfg *c,
		   hk_guard_undo_fn undo, char *err, size_t errlen)
{
	int p[2], ready[2];
	ssize_t r;
	char ch;

	g->pid = -1;
	g->fd = -1;
	if (pipe2(p, O_CLOEXEC)) {
		ERR("pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(ready, O_CLOEXEC)) {
		ERR("pipe: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	g->pid = fork();
	if (g->pid < 0) {
		ERR("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (g->pid == 0) {
		int state = HK_GUARD_IDLE;
		ssize_t n;

		/* Out of the hook's process group and terminal. */
		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		close(p[1]);
		close(ready[0]);
		/* The receiver must see its input end when the hook dies. */
		if (c->xl_to >= 0)
			close(c->xl_to);
		/* Set up: from now on nothing the hook's group gets reaches us. */
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		close(ready[1]);
		for (;;) {
			n = read(p[0], &ch, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			state = ch;
		}
		if (state != HK_GUARD_DONE)
			undo(c, state);
		_exit(0);
	}
	close(p[0]);
	close(ready[1]);
	do
		r = read(ready[0], &ch, 1);
	while (r < 0 && errno == EINTR);
	close(ready[0]);
	g->fd = p[1];
	if (r != 1) {
		ERR("the guard did not start");
		close(g->fd);
		g->fd = -1;
		waitpid(g->pid, NULL, 0);
		g->pid = -1;
		return -1;
	}
	return 0;
}

void hk_guard_set(struct hk_guard *g, enum hk_guard_state s)
{
	char ch = (char)s;

	if (g->fd < 0)
		return;
	while (write(g->fd, &ch, 1) < 0 && errno == EINTR)
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
		while (waitpid(g->pid, &status, 0) < 0 && errno == EINTR)
			;
	g->pid = -1;
}
