// SPDX-License-Identifier: GPL-2.0
/*
 * The sender's side of xl's migration handshake (see xlrecv.h).  The
 * message texts are xl's protocol constants; everything else is selfmig's.
 */
#include "xlrecv.h"
#include "xenstream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
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
	/* Writes wait in poll() under a deadline, never in write(). */
	if (fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK) < 0) {
		ERR("fcntl: %s", strerror(errno));
		kill(-r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = -1;
		goto fail_out;
	}
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

int xlr_write(void *ctx, const void *buf, size_t len)
{
	struct xlr *r = ctx;

	return sxs_fd_write_deadline(r->to, buf, len,
				     r->write_timeout_ms ? r->write_timeout_ms :
				     XLR_WRITE_TIMEOUT_MS);
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

int xlr_permit(struct xlr *r, char *err, size_t errlen)
{
	if (xlr_write(r, msg_go, sizeof(msg_go))) {
		ERR("cannot send the permission to unpause: %s",
		    sxs_write_strerror(errno));
		return -1;
	}
	return 0;
}

int xlr_report(struct xlr *r, unsigned int timeout_s, int *status, char *err,
	       size_t errlen)
{
	unsigned char code;

	if (expect(r, msg_report, sizeof(msg_report), timeout_s,
		   "unpause report", err, errlen) ||
	    read_exact_timed(r, &code, 1, timeout_s, "unpause status", err,
			     errlen))
		return -1;
	*status = code;
	return 0;
}

int xlr_handback(struct xlr *r, unsigned int timeout_s, char *err,
		 size_t errlen)
{
	return expect(r, msg_go, sizeof(msg_go), timeout_s, "hand-back message",
		      err, errlen);
}

int xlr_go(struct xlr *r, unsigned int timeout_s, int *dest_gone, char *err,
	   size_t errlen)
{
	char e2[160];
	int code;

	*dest_gone = 0;
	if (xlr_permit(r, err, errlen)) {
		*dest_gone = 1;
		return -1;
	}
	if (xlr_report(r, timeout_s, &code, err, errlen))
		return -1;
	if (!code)
		return 0;
	/* It destroys its copy, then hands the domain back. */
	if (!xlr_handback(r, timeout_s, e2, sizeof(e2))) {
		*dest_gone = 1;
		ERR("the destination could not start its copy (status %d) and destroyed it",
		    code);
	} else {
		ERR("the destination could not start its copy (status %d) and did not confirm destroying it: %s",
		    code, e2);
	}
	return -1;
}

/* Whether buf (len bytes) is msg so far: 1 whole, 0 a prefix, -1 neither. */
static int match(const uint8_t *buf, size_t len, const char *msg, size_t mlen)
{
	size_t n = len < mlen ? len : mlen;

	if (memcmp(buf, msg, n))
		return -1;
	return len >= mlen;
}

enum xlr_outcome xlr_outcome(const void *buf, size_t len, int eof,
			     enum xlr_from from)
{
	const uint8_t *p = buf;
	int m;

	if (from == XLR_FROM_REPORT) {
		m = match(p, len, msg_report, sizeof(msg_report));
		if (m < 0)
			return XLR_OUT_UNKNOWN;
		if (!m || len == sizeof(msg_report))
			return eof ? XLR_OUT_UNKNOWN : XLR_OUT_MORE;
		/* The status byte: 0, its copy runs (it says nothing more). */
		if (!p[sizeof(msg_report)])
			return XLR_OUT_RUNS;
		p += sizeof(msg_report) + 1;
		len -= sizeof(msg_report) + 1;
	}
	/* A failed start: it destroys its copy, then hands the domain back. */
	m = match(p, len, msg_go, sizeof(msg_go));
	if (m < 0)
		return XLR_OUT_UNKNOWN;
	if (!m)
		return eof ? XLR_OUT_UNKNOWN : XLR_OUT_MORE;
	return XLR_OUT_GONE;
}

enum xlr_outcome xlr_read_outcome(int fd, enum xlr_from from,
				  unsigned int wait_s)
{
	uint8_t buf[sizeof(msg_report) + 1 + sizeof(msg_go)];
	struct timespec t0, now;
	size_t len = 0;

	if (fd < 0)
		return XLR_OUT_UNKNOWN;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		enum xlr_outcome o;
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (long)wait_s * 1000 - ((now.tv_sec - t0.tv_sec) * 1000 +
					      (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return XLR_OUT_UNKNOWN;
		if (poll(&p, 1, left > 1000 ? 1000 : (int)left) <= 0)
			continue;
		/* Never more than a whole answer: what follows it is not read. */
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n > 0)
			len += (size_t)n;
		o = xlr_outcome(buf, len, n <= 0 || len == sizeof(buf), from);
		if (o != XLR_OUT_MORE)
			return o;
	}
}

int xlr_check(struct xlr *r)
{
	struct pollfd p = { r->to, POLLOUT, 0 };
	siginfo_t si;
	int n;

	if (r->to < 0) {
		errno = EPIPE;
		return -1;
	}
	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	/* A pipe's write end reports POLLERR once no reader is left. */
	if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
		errno = EPIPE;
		return -1;
	}
	memset(&si, 0, sizeof(si));
	if (r->pid > 0 &&
	    !waitid(P_PID, (id_t)r->pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
	    si.si_pid == r->pid) {
		errno = EPIPE;
		return -1;
	}
	return 0;
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
