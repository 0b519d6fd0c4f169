// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the guest's connection in selfmig-hook self
 * (userspace/selfmig-hook/conn.c), over TCP on the loopback: the guest half
 * closes its side after END and reads; an orderly end is the hook's word to
 * suspend, anything else must be a reset.  The case that matters is the
 * hook killed before its word: the kernel closes the socket then, and
 * before conn.c that close was orderly, so the guest suspended itself for a
 * hook that was gone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "../../userspace/selfmig-hook/conn.h"

static int listener(struct sockaddr_in *a)
{
	socklen_t l = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)a, &l))
		return -1;
	return fd;
}

static int dial(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)a, sizeof(*a)))
		return -1;
	return fd;
}

/* What the guest sees after its END: 0 for the word, else -errno. */
static int guest_reads(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char c;
	ssize_t n;

	if (poll(&p, 1, 5000) != 1)
		return -ETIMEDOUT;
	n = recv(fd, &c, 1, 0);
	return n == 0 ? 0 : n < 0 ? -errno : -EPROTO;
}

/* A connected pair: *g the guest's end (already half closed), returns the hook's. */
static int pair(int lfd, const struct sockaddr_in *a, int *g)
{
	int h;

	*g = dial(a);
	h = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (*g >= 0)
		shutdown(*g, SHUT_WR);
	return h;
}

int main(void)
{
	struct sockaddr_in a;
	int lfd, g, h;

	signal(SIGPIPE, SIG_IGN);
	lfd = listener(&a);
	CHECK(lfd >= 0);

	tap_test("the word: an armed connection closed in order reads as its end");
	h = pair(lfd, &a, &g);
	CHECK(h >= 0 && g >= 0);
	CHECK_EQ(hk_conn_arm(h), 0);
	CHECK_EQ(hk_conn_tell(h), 0);
	CHECK_EQ(guest_reads(g), 0);
	close(g);

	tap_test("a failure: the connection reaches the guest as a reset");
	h = pair(lfd, &a, &g);
	CHECK_EQ(hk_conn_arm(h), 0);
	hk_conn_reset(h);
	CHECK_EQ(guest_reads(g), -ECONNRESET);
	close(g);
	/* Also one never armed. */
	h = pair(lfd, &a, &g);
	hk_conn_reset(h);
	CHECK_EQ(guest_reads(g), -ECONNRESET);
	close(g);

	tap_test("a hook killed before its word: the kernel's close is a reset, not the word");
	{
		int ready[2], go[2], status = 0;
		pid_t pid;
		char c = 0;

		CHECK(pipe(ready) == 0 && pipe(go) == 0);
		g = dial(&a);
		pid = fork();
		if (pid == 0) {
			int s = accept4(lfd, NULL, NULL, 0);

			if (s < 0 || hk_conn_arm(s))
				_exit(1);
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(1);
			raise(SIGKILL);
			_exit(1);
		}
		CHECK(pid > 0);
		CHECK_EQ(read(ready[0], &c, 1), 1);
		shutdown(g, SHUT_WR);		/* the guest has sent its END */
		CHECK_EQ(write(go[1], "g", 1), 1);
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		CHECK_EQ(guest_reads(g), -ECONNRESET);
		close(g);
		close(ready[0]);
		close(ready[1]);
		close(go[0]);
		close(go[1]);
	}
	close(lfd);
	return tap_done();
}
