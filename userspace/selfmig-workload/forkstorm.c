// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload forkstorm: processes forked, exec'd and exited without
 * pause, some allocating and checking memory first.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

#define FORK_PARALLEL	8

static char g_self[PATH_MAX];

/* Child: allocate, touch, verify, exit. */
static void alloc_child(void)
{
	size_t len = smwl_opt.mib * MIB, n = len / smwl_ps;
	uint64_t gen = (uint64_t)getpid();
	uint8_t *m = smwl_map_anon(len, 0);
	struct smwl_mismatch mm;

	if (!m)
		_exit(EXIT_ERR);
	for (size_t i = 0; i < n; i++)
		smwl_pattern_fill(m + i * smwl_ps, smwl_ps, i, gen);
	for (size_t i = 0; i < n; i++)
		if (smwl_pattern_check(m + i * smwl_ps, smwl_ps, i, gen, &mm)) {
			smwl_corruption_block("child page", i, gen, &mm);
			_exit(EXIT_CORRUPT);
		}
	_exit(0);
}

int smwl_run_forkstorm(void)
{
	int have_true = access("/bin/true", X_OK) == 0, rc = 0, live = 0;
	uint64_t forks = 0, execs = 0, allocs = 0, last_forks = 0, last_t = smwl_now_ns();
	ssize_t l = readlink("/proc/self/exe", g_self, sizeof(g_self) - 1);

	if (l > 0)
		g_self[l] = 0;
	else		/* no /proc: fall back to how we were started */
		snprintf(g_self, sizeof(g_self), "%s", smwl_argv0);
	while (!rc && !smwl_corrupt) {
		int status;
		pid_t p;

		while (live < FORK_PARALLEL && !smwl_stopping()) {
			int alloc = forks % 4 == 3;

			fflush(stdout);
			p = fork();
			if (p < 0) {
				smwl_say("fork: %s", strerror(errno));
				rc = 1;
				break;
			}
			if (p == 0) {
				if (alloc)
					alloc_child();
				if (have_true)
					execl("/bin/true", "true", (char *)NULL);
				else
					execlp(g_self, g_self, "noop", (char *)NULL);
				_exit(127);
			}
			live++;
			forks++;
			if (alloc)
				allocs++;
			else
				execs++;
		}
		if (live == 0)
			break;
		p = waitpid(-1, &status, 0);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			smwl_say("waitpid: %s", strerror(errno));
			rc = 1;
			break;
		}
		live--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CORRUPT) {
			smwl_corrupt = 1;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
			smwl_say("child %d could not exec %s", (int)p, have_true ? "/bin/true" : g_self);
			rc = 1;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			if (WIFSIGNALED(status))
				smwl_corruption("child %d killed by signal %d", (int)p, WTERMSIG(status));
			else
				smwl_corruption("child %d exited with status %d", (int)p,
					   WEXITSTATUS(status));
		}
		if (smwl_report_due()) {
			uint64_t t = smwl_now_ns();

			smwl_say("t=%.1fs forks=%" PRIu64 " execs=%" PRIu64 " allocs=%" PRIu64
			    " forks_s=%.0f", smwl_elapsed_s(), forks, execs, allocs,
			    (double)(forks - last_forks) / ((double)(t - last_t) / 1e9));
			last_forks = forks;
			last_t = t;
		}
	}
	smwl_reap(live);
	smwl_say("done t=%.1fs forks=%" PRIu64 " execs=%" PRIu64 " allocs=%" PRIu64
	    " forks_s=%.0f result=%s", smwl_elapsed_s(), forks, execs, allocs,
	    (double)forks / smwl_elapsed_s(), smwl_result_str(rc));
	return smwl_finish(rc);
}
