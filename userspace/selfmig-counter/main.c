// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-counter: guest-side liveness witness for migration tests.
 *
 *   selfmig-counter [--file PATH] [--interval-ms N]
 *                   (defaults: /run/selfmig-counter, 10)
 *
 * Every interval it increments an in-memory counter and replaces PATH
 * atomically (temporary file + rename) with one line
 *
 *   "<pid> <counter> <CLOCK_MONOTONIC ns>\n"
 *
 * so a reader never sees a partial line.  If the same pid is seen with a
 * larger counter after migration, the process kept running; a restarted
 * process would show a new pid and a counter starting again at 1.
 * SIGUSR1 prints the latest line to stdout; SIGINT/SIGTERM end it cleanly.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "args.h"
#include "options.h"

static volatile sig_atomic_t g_usr1, g_stop;

static void on_usr1(int sig)
{
	(void)sig;
	g_usr1 = 1;
}

static void on_stop(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: selfmig-counter [--file PATH] [--interval-ms N]\n"
		   "       (defaults: --file /run/selfmig-counter --interval-ms 10)\n");
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Write all of buf to fd, retrying on EINTR and short writes. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replace path with line atomically; errno is kept on failure. */
static int publish(const char *path, const char *tmp, const char *line,
		   size_t len)
{
	int fd, err;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write_all(fd, line, len) < 0) {
		err = errno;
		close(fd);
		unlink(tmp);
		errno = err;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		err = errno;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const int ids[] = {
		SMC_O_FILE, SMC_O_INTERVAL_MS, SMC_O_HELP, 0
	};
	const char *path = "/run/selfmig-counter";
	uint64_t interval_ms = 10;
	char tmp[PATH_MAX], line[96], err[160];
	struct smc_optvals v;
	struct sigaction sa;
	struct timespec next;
	uint64_t counter = 0, interval_ns;
	size_t len = 0;
	int failing = 0;

	if (smc_optvals(argc, argv, "h", ids, &v, err, sizeof(err)))
		return smc_usage_error("selfmig-counter", err, usage);
	if (v.val[SMC_O_HELP])
		return smc_usage_exit('h', usage);
	if (v.val[SMC_O_FILE])
		path = v.val[SMC_O_FILE];
	if (smc_optval_u64("selfmig-counter", &v, SMC_O_INTERVAL_MS, 1, 3600000, &interval_ms))
		return SMC_EXIT_USAGE;
	if (optind < argc || !*path)
		return smc_usage_error("selfmig-counter", "takes options only, and a --file that is not empty", usage);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		fprintf(stderr, "selfmig-counter: path too long\n");
		return 2;
	}
	interval_ns = (uint64_t)interval_ms * 1000000ull;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!g_stop) {
		int n;

		counter++;
		n = snprintf(line, sizeof(line), "%ld %llu %llu\n", (long)getpid(),
			     (unsigned long long)counter,
			     (unsigned long long)mono_ns());
		len = (size_t)n;
		if (publish(path, tmp, line, len) < 0) {
			if (counter == 1) {
				fprintf(stderr, "selfmig-counter: cannot write %s: %s\n",
					path, strerror(errno));
				return 1;
			}
			if (!failing)
				fprintf(stderr, "selfmig-counter: write %s failed: %s (retrying)\n",
					path, strerror(errno));
			failing = 1;
		} else {
			failing = 0;
		}

		next.tv_nsec += (long)(interval_ns % 1000000000ull);
		next.tv_sec += (time_t)(interval_ns / 1000000000ull);
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		/* After a long stall (e.g. a paused guest) do not catch up in a burst. */
		{
			struct timespec now;

			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > next.tv_sec ||
			    (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
				next = now;
		}
		for (;;) {
			int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
						&next, NULL);

			if (g_usr1) {
				g_usr1 = 0;
				fputs(line, stdout);
				fflush(stdout);
			}
			if (r != EINTR || g_stop)
				break;
		}
	}
	return 0;
}
