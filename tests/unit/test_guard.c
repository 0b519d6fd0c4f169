// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for selfmig-hook's guard as a process
 * (userspace/selfmig-hook/guard.c), with an undo that reports instead of
 * calling Xen: it outlives a hook whose whole process group is killed, it
 * undoes exactly the last state the hook recorded and nothing after "done",
 * it gets the hook's deadlines, and it keeps the receiver's output while the
 * receiver's input is left to the hook alone.  Then the guard's reading of
 * the receiver's answer after the permission (xlr_read_outcome).
 *
 * Before this guard, it shared the hook's process group (a kill of the
 * group took it along: the first test), waited a fixed 30 s for a suspend,
 * and left the source suspended whenever the hook died after recording GO,
 * even before the permission was written (the last test).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "../../userspace/selfmig-hook/guard.h"
#include "../../userspace/selfmig-hook/xlrecv.h"

#define REPORT "my copy unpause results are as follows"
#define GO "domain is yours, you are cleared to unpause"

static int result_fd = -1;	/* where the test undo reports */

/* Reports "state domid name wait answer|what xl_from holds". */
static void report_undo(const struct hk_guard_cfg *c, int state)
{
	char line[400], xl[64] = "";
	ssize_t n;

	if (c->xl_from >= 0) {
		struct pollfd p = { c->xl_from, POLLIN, 0 };

		if (poll(&p, 1, 2000) == 1) {
			n = read(c->xl_from, xl, sizeof(xl) - 1);
			if (n > 0)
				xl[n] = 0;
		}
	}
	n = snprintf(line, sizeof(line), "%c %u %s %u %u|%s", state, c->domid, c->name,
		     c->suspend_wait_s, c->answer_wait_s, xl);
	if (write(result_fd, line, (size_t)n) != n)
		_exit(3);
}

/* Everything the undo reported, until every writer is gone (or 5 s). */
static int read_result(int fd, char *buf, size_t len)
{
	size_t got = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 5000) != 1)
			return -1;
		n = read(fd, buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	return (int)got;
}

static void test_survives_group_kill(void)
{
	int res[2], ready[2], status;
	char buf[400], c;
	pid_t hook;

	tap_test("a kill of the hook's whole process group leaves the guard, which undoes");
	CHECK(pipe(res) == 0 && pipe(ready) == 0);
	hook = fork();
	if (hook == 0) {
		struct hk_guard_cfg cfg = { 7, "vm1", 90, 240, -1, -1 };
		struct hk_guard g;
		char err[200];

		setpgid(0, 0);		/* a job of its own, as under a shell */
		close(res[0]);
		result_fd = res[1];
		if (hk_guard_spawn(&g, &cfg, report_undo, err, sizeof(err)))
			_exit(1);
		close(res[1]);
		hk_guard_set(&g, HK_GUARD_SUSPENDED);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(hook > 0);
	close(res[1]);
	close(ready[1]);
	CHECK_EQ(read(ready[0], &c, 1), 1);
	CHECK_EQ(kill(-hook, SIGKILL), 0);
	CHECK_EQ(waitpid(hook, &status, 0), hook);
	CHECK(read_result(res[0], buf, sizeof(buf)) > 0);
	CHECK(strcmp(buf, "S 7 vm1 90 240|") == 0);
	close(res[0]);
	close(ready[0]);
}

/*
 * A guard for cfg that reports what it undoes into res[0], told that the
 * guest was suspended and renamed.
 */
static void guard_suspended_renamed(struct hk_guard *g,
				    const struct hk_guard_cfg *cfg, int res[2])
{
	char err[200];

	CHECK(pipe(res) == 0);
	result_fd = res[1];
	CHECK_EQ(hk_guard_spawn(g, cfg, report_undo, err, sizeof(err)), 0);
	close(res[1]);
	hk_guard_set(g, HK_GUARD_SUSPENDED);
	hk_guard_set(g, HK_GUARD_RENAMED);
}

static void test_states(void)
{
	struct hk_guard_cfg cfg = { 9, "guest-a", 60, 240, -1, -1 };
	struct hk_guard g;
	char buf[400];
	int res[2];

	tap_test("done: the guard ends without undoing anything");
	guard_suspended_renamed(&g, &cfg, res);
	hk_guard_stop(&g);
	CHECK_EQ(g.fd, -1);
	CHECK_EQ(read_result(res[0], buf, sizeof(buf)), 0);
	close(res[0]);

	tap_test("a hook that dies: the last state it recorded is undone");
	guard_suspended_renamed(&g, &cfg, res);
	hk_guard_set(&g, HK_GUARD_GO);
	close(g.fd);			/* as the kernel does for a dead hook */
	CHECK(read_result(res[0], buf, sizeof(buf)) > 0);
	CHECK(strcmp(buf, "G 9 guest-a 60 240|") == 0);
	CHECK_EQ(waitpid(g.pid, NULL, 0), g.pid);
	close(res[0]);
}

static void test_receiver_pipes(void)
{
	int to[2], from[2], res[2];
	struct hk_guard_cfg cfg = { 3, "vm3", 60, 240, -1, -1 };
	struct hk_guard g;
	char err[200], buf[400], c;

	tap_test("the guard keeps the receiver's output and leaves its input to the hook");
	CHECK(pipe(to) == 0 && pipe(from) == 0 && pipe(res) == 0);
	cfg.xl_to = to[1];
	cfg.xl_from = from[0];
	result_fd = res[1];
	CHECK_EQ(hk_guard_spawn(&g, &cfg, report_undo, err, sizeof(err)), 0);
	close(res[1]);
	hk_guard_set(&g, HK_GUARD_GO);
	/* The hook dies: its ends go, and the receiver's input must end too. */
	close(to[1]);
	close(from[0]);
	close(g.fd);
	{
		struct pollfd p = { to[0], POLLIN, 0 };

		CHECK_EQ(poll(&p, 1, 2000), 1);
		CHECK_EQ(read(to[0], &c, 1), 0);
	}
	/* The receiver's answer reaches the guard. */
	CHECK_EQ(write(from[1], "answer", 6), 6);
	CHECK(read_result(res[0], buf, sizeof(buf)) > 0);
	CHECK(strcmp(buf, "G 3 vm3 60 240|answer") == 0);
	CHECK_EQ(waitpid(g.pid, NULL, 0), g.pid);
	close(to[0]);
	close(from[1]);
	close(res[0]);
}

/* xlr_read_outcome on a pipe that holds what a receiver wrote. */
static enum xlr_outcome outcome_of(const void *said, size_t len, int keep_open,
				   enum xlr_from from, unsigned int wait_s)
{
	enum xlr_outcome o;
	int p[2];

	if (pipe(p))
		return XLR_OUT_MORE;
	if (len && write(p[1], said, len) != (ssize_t)len)
		return XLR_OUT_MORE;
	if (!keep_open)
		close(p[1]);
	o = xlr_read_outcome(p[0], from, wait_s);
	close(p[0]);
	if (keep_open)
		close(p[1]);
	return o;
}

static void test_answers(void)
{
	static const char runs[] = REPORT "\0\0";
	static const char gone[] = REPORT "\0\3" GO "\0";
	static const char no_handback[] = REPORT "\0\3";
	static const char partial[] = REPORT "\0\3" "domain is y";

	tap_test("after the permission: the receiver's answer decides, read by a latecomer");
	/* A hook that died before writing the permission: xl's input ends,
	 * it reports a failure, destroys its copy and hands the domain back. */
	CHECK_EQ(outcome_of(gone, sizeof(gone) - 1, 0, XLR_FROM_REPORT, 2), XLR_OUT_GONE);
	/* After the permission: its copy runs. */
	CHECK_EQ(outcome_of(runs, sizeof(runs) - 1, 0, XLR_FROM_REPORT, 2), XLR_OUT_RUNS);
	/* The report read by the hook, the hand-back not. */
	CHECK_EQ(outcome_of(GO, sizeof(GO), 0, XLR_FROM_HANDBACK, 2), XLR_OUT_GONE);
	/* Anything short of a whole answer leaves it unknown. */
	CHECK_EQ(outcome_of(no_handback, sizeof(no_handback) - 1, 0, XLR_FROM_REPORT, 2),
		 XLR_OUT_UNKNOWN);
	CHECK_EQ(outcome_of(partial, sizeof(partial) - 1, 0, XLR_FROM_REPORT, 2),
		 XLR_OUT_UNKNOWN);
	CHECK_EQ(outcome_of("", 0, 0, XLR_FROM_REPORT, 2), XLR_OUT_UNKNOWN);
	CHECK_EQ(outcome_of(runs + 5, sizeof(runs) - 6, 0, XLR_FROM_REPORT, 2),
		 XLR_OUT_UNKNOWN);
	CHECK_EQ(outcome_of("\0", 1, 0, XLR_FROM_HANDBACK, 2), XLR_OUT_UNKNOWN);
	/* A receiver that says nothing: unknown at the deadline. */
	CHECK_EQ(outcome_of(REPORT, 10, 1, XLR_FROM_REPORT, 1), XLR_OUT_UNKNOWN);

	tap_test("xlr_outcome: undecided while a whole answer may still come");
	CHECK_EQ(xlr_outcome(REPORT, 10, 0, XLR_FROM_REPORT), XLR_OUT_MORE);
	CHECK_EQ(xlr_outcome(REPORT, sizeof(REPORT), 0, XLR_FROM_REPORT), XLR_OUT_MORE);
	CHECK_EQ(xlr_outcome(REPORT, sizeof(REPORT), 1, XLR_FROM_REPORT), XLR_OUT_UNKNOWN);
	CHECK_EQ(xlr_outcome(gone, sizeof(REPORT) + 1 + 5, 0, XLR_FROM_REPORT), XLR_OUT_MORE);
	CHECK_EQ(xlr_outcome("xl: error", 9, 0, XLR_FROM_REPORT), XLR_OUT_UNKNOWN);
	CHECK_EQ(xlr_outcome(runs, sizeof(runs) - 1, 0, XLR_FROM_REPORT), XLR_OUT_RUNS);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_survives_group_kill();
	test_states();
	test_receiver_pipes();
	test_answers();
	return tap_done();
}
