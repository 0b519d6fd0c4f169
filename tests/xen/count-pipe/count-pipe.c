// SPDX-License-Identifier: GPL-2.0
/*
 * count-pipe FILE HOST CMD...: an xl migrate "ssh" command (xl migrate -s,
 * selfmig migrate --xl-ssh) that runs CMD on this host, passes it what the
 * sender writes, and writes the number of those bytes to FILE: the bytes on
 * the wire of one migration, whichever mode sent them.  HOST is ignored.
 * CMD's answers go straight back (it inherits standard output).
 *
 * The bytes move with splice(2), a pipe's worth at a time, so counting them
 * does not slow them: the shell version (busybox tee into xl and, through a
 * FIFO, into wc -c) carried about 2.5 MB/s on the testbed and stretched
 * every mode's stop (docs/bench.md).  The exit status is CMD's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHUNK (1 << 20)

/*
 * Relay in to out (our pipe, so splice takes any input) until in ends or out
 * has no reader; the bytes relayed.
 */
static unsigned long long relay(int in, int out)
{
	unsigned long long total = 0;

	for (;;) {
		ssize_t n = splice(in, NULL, out, NULL, CHUNK, SPLICE_F_MOVE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno != EPIPE)
				fprintf(stderr, "count-pipe: relaying the input: %s\n",
					strerror(errno));
			return total;
		}
		total += (unsigned long long)n;
	}
}

int main(int argc, char **argv)
{
	unsigned long long total;
	int p[2], status;
	pid_t pid;
	FILE *f;

	if (argc < 4) {
		fprintf(stderr, "usage: count-pipe FILE HOST CMD...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	unlink(argv[1]);	/* no count from an earlier run */
	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "count-pipe: pipe: %s\n", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "count-pipe: fork: %s\n", strerror(errno));
		return 1;
	}
	if (!pid) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[0], STDIN_FILENO) < 0)
			_exit(127);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "count-pipe: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	total = relay(STDIN_FILENO, p[1]);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "count-pipe: waitpid: %s\n", strerror(errno));
			return 1;
		}
	f = fopen(argv[1], "w");
	if (!f || fprintf(f, "%llu\n", total) < 0 || fclose(f)) {
		fprintf(stderr, "count-pipe: %s: cannot write the count\n", argv[1]);
		return 1;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
