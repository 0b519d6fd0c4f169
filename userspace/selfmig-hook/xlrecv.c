// SPDX-License-Identifier: GPL-2.0
/*
 * The sender's side of xl's migration handshake (see xlrecv.h).  The
 * message texts are xl's protocol constants; everything else is selfmig's.
 */
#include "xlrecv.h"
#include "xenstream.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char msg_banner[] =
	"xl migration receiver ready, send binary domain data.\n";
static const char msg_ready[] = "domain received, ready to unpause";
static const char msg_go[] = "domain is yours, you are cleared to unpause";
static const char msg_report[] = "my copy unpause results are as follows";

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

int xlr_start(struct xlr *r, const char *rune, const char *log, char *err,
	      size_t errlen)
{
	int in[2], out[2], lfd = -1;

	r->pid = -1;
	r->to = r->from = -1;
	if (log) {
		lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (lfd < 0) {
			ERR("%s: %s", log, strerror(errno));
			return -1;
		}
	}
	if (pipe2(in, O_CLOEXEC)) {
		ERR("pipe: %s", strerror(errno));
		goto fail_log;
	}
	if (pipe2(out, O_CLOEXEC)) {
		ERR("pipe: %s", strerror(errno));
		goto fail_in;
	}
	r->pid = fork();
	if (r->pid < 0) {
		ERR("fork: %s", strerror(errno));
		goto fail_out;
	}
	if (r->pid == 0) {
		/* Its own process group, so that all of it can be stopped. */
		setpgid(0, 0);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
		    (lfd >= 0 && dup2(lfd, 2) < 0))
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", rune, (char *)NULL);
		_exit(127);
	}
	setpgid(r->pid, r->pid);
	close(in[0]);
	close(out[1]);
	if (lfd >= 0)
		close(lfd);
	r->to = in[1];
	r->from = out[0];
	return 0;
fail_out:
	close(out[0]);
	close(out[1]);
fail_in:
	close(in[0]);
	close(in[1]);
fail_log:
	if (lfd >= 0)
		close(lfd);
	return -1;
}

/* Read exactly len bytes within timeout_s; 0, or -1 with err set. */
static int read_exact_timed(struct xlr *r, void *buf, size_t len,
			    unsigned int timeout_s, const char *what, char *err,
			    size_t errlen)
{
	struct timespec t0, now;
	size_t got = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < len) {
		struct pollfd p = { r->from, POLLIN, 0 };
		long left;
		ssize_t n;
		int pr;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (long)timeout_s * 1000 -
		       ((now.tv_sec - t0.tv_sec) * 1000 +
			(now.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			ERR("the receiver sent no %s within %u s", what, timeout_s);
			return -1;
		}
		pr = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			ERR("poll: %s", strerror(errno));
			return -1;
		}
		if (!pr)
			continue;
		n = read(r->from, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ERR("the receiver closed the connection before its %s%s",
			    what, n < 0 ? " (read error)" : " (see its log)");
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static int expect(struct xlr *r, const char *msg, size_t len,
		  unsigned int timeout_s, const char *what, char *err,
		  size_t errlen)
{
	char buf[128];

	if (len > sizeof(buf))
		return -1;
	if (read_exact_timed(r, buf, len, timeout_s, what, err, errlen))
		return -1;
	if (memcmp(buf, msg, len)) {
		ERR("the receiver sent something other than its %s", what);
		return -1;
	}
	return 0;
}

int xlr_banner(struct xlr *r, unsigned int timeout_s, char *err, size_t errlen)
{
	return expect(r, msg_banner, sizeof(msg_banner) - 1, timeout_s, "banner",
		      err, errlen);
}

int xlr_wait_ready(struct xlr *r, unsigned int timeout_s, char *err,
		   size_t errlen)
{
	return expect(r, msg_ready, sizeof(msg_ready), timeout_s,
		      "'ready to unpause' message", err, errlen);
}

int xlr_go(struct xlr *r, unsigned int timeout_s, int *dest_gone, char *err,
	   size_t errlen)
{
	unsigned char code;

	*dest_gone = 0;
	if (sxs_fd_write(&r->to, msg_go, sizeof(msg_go))) {
		ERR("cannot send the permission to unpause: %s", strerror(errno));
		return -1;
	}
	if (expect(r, msg_report, sizeof(msg_report), timeout_s,
		   "unpause report", err, errlen) ||
	    read_exact_timed(r, &code, 1, timeout_s, "unpause status", err,
			     errlen))
		return -1;
	if (!code)
		return 0;
	/* It destroys its copy, then hands the domain back. */
	{
		char e2[160];

		if (!expect(r, msg_go, sizeof(msg_go), timeout_s,
			    "hand-back message", e2, sizeof(e2))) {
			*dest_gone = 1;
			ERR("the destination could not start its copy (status %d) and destroyed it",
			    (int)code);
		} else {
			ERR("the destination could not start its copy (status %d) and did not confirm destroying it: %s",
			    (int)code, e2);
		}
	}
	return -1;
}

int xlr_finish(struct xlr *r, unsigned int grace_s)
{
	int status = 0;
	unsigned int i;

	if (r->to >= 0)
		close(r->to);
	if (r->from >= 0)
		close(r->from);
	r->to = r->from = -1;
	if (r->pid <= 0)
		return 0;
	for (i = 0; i < grace_s * 10; i++) {
		pid_t w = waitpid(r->pid, &status, WNOHANG);

		if (w == r->pid) {
			r->pid = -1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		}
		usleep(100000);
	}
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	waitpid(r->pid, &status, 0);
	r->pid = -1;
	return 128;
}
