// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for selfmigd's pure parts: its command line, the policy file,
 * /proc parsing, the exemptions, the choice of heavy dirtiers and the
 * ledger; and, on this machine's own /proc, that a process which renames
 * itself gains no exemption.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "argv.h"
#include "tap.h"
#include "../../userspace/selfmigd/conf.h"
#include "../../userspace/selfmigd/policy.h"
#include "../../userspace/selfmigd/sys.h"

static int conf_text(struct smd_conf *c, const char *t, char *err, size_t el)
{
	smd_conf_defaults(c);
	return smd_conf_parse(c, t, strlen(t), err, el);
}

static void test_conf(void)
{
	struct smd_conf c;
	char err[320], desc[4096];
	int i;

	tap_test("conf: defaults");
	smd_conf_defaults(&c);
	CHECK(c.quiesce_when == SMD_AT_STOP && c.dirtier_action == SMD_ACT_IDLE);
	CHECK(c.dirty_threshold == 2048 && c.stun == 1 && c.sample_ms == 1000);
	CHECK(c.stun_auto == 1);
	CHECK(!strcmp(c.cgroup_root, "/sys/fs/cgroup"));

	tap_test("conf: a full file");
	CHECK(conf_text(&c,
			"# background work\n"
			"quiesce_cgroup = /sys/fs/cgroup/background\n"
			"quiesce_cgroup = batch   # relative\n"
			"quiesce_comm = churn\n"
			"\n"
			"   quiesce_phase=round:3\n"
			"foreground_pid = 412:1873\n"
			"foreground_cgroup = /game\n"
			"foreground_pid = 4194304:18446744073709551615\n"
			"dirty_threshold = 500\r\n"
			"dirtier_action = nice\n"
			"stun = no\n"
			"sample_ms = 250\n"
			"hold_max_s = 30\n"
			"cgroup_root = /cg", err, sizeof(err)) == 0);
	CHECK(c.n_quiesce_cgroup == 2 && !strcmp(c.quiesce_cgroup[1], "batch"));
	CHECK(c.n_quiesce_comm == 1 && !strcmp(c.quiesce_comm[0], "churn"));
	CHECK(c.quiesce_when == SMD_AT_ROUND && c.quiesce_round == 3);
	CHECK(c.dirty_threshold == 500 && c.dirtier_action == SMD_ACT_NICE);
	CHECK(c.stun == 0 && c.sample_ms == 250 && c.hold_max_s == 30);
	CHECK(!strcmp(c.cgroup_root, "/cg"));
	CHECK(c.n_foreground_cgroup == 1 && !strcmp(c.foreground_cgroup[0], "/game"));
	CHECK(c.n_foreground_pid == 2);
	CHECK(c.foreground_pid[0].pid == 412 && c.foreground_pid[0].start == 1873);
	CHECK(c.foreground_pid[1].pid == 4194304 &&
	      c.foreground_pid[1].start == 18446744073709551615ULL);
	CHECK(smd_conf_describe(&c, desc, sizeof(desc)) > 0);
	CHECK(strstr(desc, "quiesce_phase = round:3\n") && strstr(desc, "stun = no\n"));
	CHECK(strstr(desc, "foreground_pid = 412:1873\n") &&
	      strstr(desc, "foreground_pid = 4194304:18446744073709551615\n"));
	CHECK(smd_conf_describe(&c, desc, 20) == -1);

	tap_test("conf: stun = round:N stuns after N pre-copy rounds, and at the stop");
	CHECK(conf_text(&c, "stun = round:2\n", err, sizeof(err)) == 0);
	CHECK(c.stun == 1 && c.stun_round == 2);
	CHECK(smd_conf_describe(&c, desc, sizeof(desc)) > 0 && strstr(desc, "stun = round:2\n"));
	CHECK(conf_text(&c, "stun = yes\n", err, sizeof(err)) == 0 && c.stun == 1 && c.stun_round == 0);
	CHECK(conf_text(&c, "stun = round:0\n", err, sizeof(err)) == -1 && strstr(err, "bad value"));
	CHECK(conf_text(&c, "stun = round:\n", err, sizeof(err)) == -1);
	CHECK(conf_text(&c, "stun = round:1001\n", err, sizeof(err)) == -1);

	tap_test("conf: stun = auto, and the keyword it replaces");
	CHECK(conf_text(&c, "stun = auto\n", err, sizeof(err)) == 0);
	CHECK(c.stun == 1 && c.stun_auto == 1 && c.stun_round == 0);
	CHECK(smd_conf_describe(&c, desc, sizeof(desc)) > 0 && strstr(desc, "stun = auto\n"));
	CHECK(conf_text(&c, "stun = no\n", err, sizeof(err)) == 0 && c.stun == 0 && c.stun_auto == 0);
	CHECK(conf_text(&c, "stun = round:3\n", err, sizeof(err)) == 0 && c.stun_auto == 0);
	CHECK(conf_text(&c, "stun = auto:2\n", err, sizeof(err)) == -1 && strstr(err, "bad value"));

	tap_test("conf: errors name the line");
	CHECK(conf_text(&c, "stun = yes\nquiese_comm = x\n", err, sizeof(err)) == -1);
	CHECK(!strncmp(err, "2: unknown key", 14));
	CHECK(conf_text(&c, "stun = maybe\n", err, sizeof(err)) == -1 && strstr(err, "bad value"));
	CHECK(conf_text(&c, "stun = yes\nstun = no\n", err, sizeof(err)) == -1 &&
	      strstr(err, "set twice"));
	CHECK(conf_text(&c, "just words\n", err, sizeof(err)) == -1 && strstr(err, "key = value"));
	CHECK(conf_text(&c, "sample_ms = 99\n", err, sizeof(err)) == -1);
	CHECK(conf_text(&c, "sample_ms = 60001\n", err, sizeof(err)) == -1);
	CHECK(conf_text(&c, "dirty_threshold = -5\n", err, sizeof(err)) == -1);
	CHECK(conf_text(&c, "dirty_threshold = 0\n", err, sizeof(err)) == -1);
	CHECK(conf_text(&c, "quiesce_phase = round:x\n", err, sizeof(err)) == -1);
	CHECK(conf_text(&c, "quiesce_comm = a-name-longer-than-15\n", err, sizeof(err)) == -1);
	CHECK(conf_text(&c, "quiesce_comm =\n", err, sizeof(err)) == -1);
	CHECK(conf_text(&c, "cgroup_root = relative\n", err, sizeof(err)) == -1);
	CHECK(smd_conf_parse(&c, "stun = no\0x", 11, err, sizeof(err)) == -1 &&
	      strstr(err, "NUL"));

	tap_test("conf: foreground_comm is refused, and the error names what to use");
	CHECK(conf_text(&c, "stun = yes\nforeground_comm = sm-echo\n", err, sizeof(err)) == -1);
	CHECK(!strncmp(err, "2: foreground_comm is no longer accepted", 40));
	CHECK(strstr(err, "foreground_cgroup = PATH") &&
	      strstr(err, "foreground_pid = PID:STARTTIME"));

	tap_test("conf: foreground_pid wants PID:STARTTIME");
	CHECK(conf_text(&c, "foreground_pid = 412\n", err, sizeof(err)) == -1);
	CHECK(!strncmp(err, "1: foreground_pid wants PID:STARTTIME", 37) &&
	      strstr(err, "field 22 of /proc/PID/stat") && strstr(err, "'412'"));
	CHECK(conf_text(&c, "foreground_pid =\n", err, sizeof(err)) == -1 &&
	      strstr(err, "wants PID:STARTTIME"));
	CHECK(conf_text(&c, "foreground_pid = sm-echo\n", err, sizeof(err)) == -1 &&
	      strstr(err, "wants PID:STARTTIME"));
	{
		static const char *const bad_pid[] = {
			"0:5", "4194305:5", "-1:5", ":5", "x:5", "12345678901234567890:5",
			"412 :5", "+4:5",
		};
		static const char *const bad_start[] = {
			"412:", "412:-1", "412:x", "412:5:6", "412: 5",
			"412:18446744073709551616", "412:0x10",
		};
		char line[80];
		size_t k;

		for (k = 0; k < sizeof(bad_pid) / sizeof(bad_pid[0]); k++) {
			snprintf(line, sizeof(line), "\nforeground_pid = %s\n", bad_pid[k]);
			CHECK(conf_text(&c, line, err, sizeof(err)) == -1 &&
			      !strncmp(err, "2: foreground_pid: the pid must be", 34));
		}
		for (k = 0; k < sizeof(bad_start) / sizeof(bad_start[0]); k++) {
			snprintf(line, sizeof(line), "foreground_pid = %s\n", bad_start[k]);
			CHECK(conf_text(&c, line, err, sizeof(err)) == -1 &&
			      strstr(err, "the start time must be a number"));
		}
	}
	CHECK(conf_text(&c, "foreground_pid = 1:0\n", err, sizeof(err)) == 0 &&
	      c.n_foreground_pid == 1 && c.foreground_pid[0].start == 0);

	tap_test("conf: list limits");
	{
		char text[2048] = "";

		for (i = 0; i < SMD_LIST_MAX + 1; i++)
			strcat(text, "quiesce_comm = x\n");
		CHECK(conf_text(&c, text, err, sizeof(err)) == -1 && !strncmp(err, "17:", 3));
		text[0] = 0;
		for (i = 0; i < SMD_LIST_MAX + 1; i++)
			strcat(text, "foreground_pid = 7:7\n");
		CHECK(conf_text(&c, text, err, sizeof(err)) == -1 && !strncmp(err, "17:", 3));
	}

	tap_test("conf: a line longer than 511 bytes");
	{
		char text[700];

		memset(text, 'a', sizeof(text));
		text[sizeof(text) - 1] = 0;
		CHECK(conf_text(&c, text, err, sizeof(err)) == -1 && strstr(err, "longer"));
	}
}

static void test_stat(void)
{
	struct smc_stat st;
	char path[64];
	const char *line =
		"123 (a (weird) name) S 1 123 123 0 -1 4194560 100 0 0 0 5 6 0 0 "
		"20 0 1 0 4567 1000000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 "
		"0 0 17 0 0 3";

	tap_test("stat: comm with spaces and parentheses, nice, start, policy");
	CHECK(smc_stat_parse(line, strlen(line), &st) == 0);
	CHECK(st.pid == 123 && !strcmp(st.comm, "a (weird) name"));
	CHECK(st.state == 'S' && st.ppid == 1 && st.flags == 4194560UL);
	CHECK(st.nice == 0 && st.start == 4567 && st.policy == 3);

	tap_test("stat: negative nice; a short line; garbage");
	{
		const char *l2 = "9 (x) R 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 39 -5 1 0 77";

		CHECK(smc_stat_parse(l2, strlen(l2), &st) == 0 && st.nice == -5 &&
		      st.start == 77 && st.policy == 0);
		CHECK(smc_stat_parse("9 (x) R 1 9", 11, &st) == -1);
		CHECK(smc_stat_parse("nonsense", 8, &st) == -1);
		CHECK(smc_stat_parse("9 x) R", 6, &st) == -1);
	}

	tap_test("cgroup: the v2 line");
	CHECK(smc_cgroup_parse("0::/a/b\n", 8, path, sizeof(path)) == 0 && !strcmp(path, "/a/b"));
	CHECK(smc_cgroup_parse("1:name=x:/y\n0::/\n", 17, path, sizeof(path)) == 0 &&
	      !strcmp(path, "/"));
	CHECK(smc_cgroup_parse("1:cpu:/y\n", 9, path, sizeof(path)) == -1);
	CHECK(smc_cgroup_parse("0::/abc", 7, path, 3) == -1);
	CHECK(smd_cgroup_within("/a/b", "/a") && smd_cgroup_within("/a", "/a/"));
	CHECK(!smd_cgroup_within("/ab", "/a") && smd_cgroup_within("/x", "/"));
}

static void test_exempt(void)
{
	struct smd_conf c;
	struct smd_self self = { .id = { { 1000, 777 }, { 900, 500 } }, .n = 2 };
	struct smc_stat st;
	char err[320];

	CHECK(conf_text(&c, "foreground_pid = 60:4567\nforeground_cgroup = /sys/fs/cgroup/game\n"
			"quiesce_comm = churn\n", err, sizeof(err)) == 0);
	memset(&st, 0, sizeof(st));
	st.pid = 50;
	st.ppid = 1;
	st.state = 'R';
	st.start = 4567;
	strcpy(st.comm, "worker");

	tap_test("exempt: ordinary tasks are not");
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);
	CHECK(smd_exempt(&c, &self, &st, NULL) == NULL);
	CHECK(smd_exempt(&c, NULL, &st, "/") == NULL);

	tap_test("exempt: init, kernel threads, zombies");
	st.pid = 1;
	CHECK(smd_exempt(&c, &self, &st, "/") && !strcmp(smd_exempt(&c, &self, &st, "/"), "init"));
	st.pid = 50;
	st.flags = SMC_PF_KTHREAD;
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/"), "kernel thread"));
	st.flags = 0;
	st.ppid = 2;
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/"), "kernel thread"));
	st.ppid = 1;
	st.state = 'Z';
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/"), "exited"));
	st.state = 'S';

	tap_test("exempt: selfmigd and its ancestors by pid and start time");
	st.pid = 1000;
	st.start = 777;
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/"), "selfmigd"));
	st.start = 778;			/* selfmigd's pid, reused */
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);
	st.pid = 900;
	st.start = 500;
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/"), "an ancestor of selfmigd"));
	st.start = 501;
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);

	tap_test("exempt: a foreground process by pid and start time, not a reused pid");
	st.pid = 60;
	st.start = 4567;
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/"), "foreground"));
	st.start = 9999;
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);
	st.pid = 61;
	st.start = 4567;
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);

	tap_test("exempt: a foreground cgroup and its descendants");
	st.pid = 50;
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/game"), "foreground cgroup"));
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/game/sub"), "foreground cgroup"));
	CHECK(smd_exempt(&c, &self, &st, "/gamer") == NULL);
	CHECK(smd_in_quiesce_comm(&c, "churn") && !smd_in_quiesce_comm(&c, "chur"));

	tap_test("exempt: a foreground cgroup named from the root, with or without its slash");
	CHECK(conf_text(&c, "foreground_cgroup = foreground\nforeground_cgroup = /rt/a\n",
			err, sizeof(err)) == 0);
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/foreground"), "foreground cgroup"));
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/foreground/x"), "foreground cgroup"));
	CHECK(!strcmp(smd_exempt(&c, &self, &st, "/rt/a/b"), "foreground cgroup"));
	CHECK(smd_exempt(&c, &self, &st, "/foregrounds") == NULL);
	CHECK(smd_exempt(&c, &self, &st, "/x/foreground") == NULL);
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);
	CHECK(smd_exempt(&c, &self, &st, "/rt") == NULL);
	CHECK(conf_text(&c, "foreground_pid = 60:4567\nforeground_cgroup = /sys/fs/cgroup/game\n"
			"quiesce_comm = churn\n", err, sizeof(err)) == 0);

	tap_test("exempt: a process's name buys nothing");
	st.pid = 50;
	st.start = 4567;
	strcpy(st.comm, "selfmigd");
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);
	strcpy(st.comm, "init");
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);
	strcpy(st.comm, "kthreadd");
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);
	strcpy(st.comm, "sm-echo");
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);
}

/* A made-up process tree for smd_self_collect: 300 -> 200 -> 100 -> 1. */
static int fake_stat(int pid, struct smc_stat *st)
{
	static const struct { int pid, ppid; unsigned long long start; } t[] = {
		{ 300, 200, 30 }, { 200, 100, 20 }, { 100, 1, 10 }, { 1, 0, 1 },
		{ 77, 77, 7 },		/* its own parent: the walk must end */
		{ 400, 401, 40 },	/* 401 cannot be read */
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].pid != pid)
			continue;
		memset(st, 0, sizeof(*st));
		st->pid = pid;
		st->ppid = t[i].ppid;
		st->start = t[i].start;
		snprintf(st->comm, sizeof(st->comm), "p%d", pid);
		return 0;
	}
	return -1;
}

static void test_self(void)
{
	struct smd_self s;

	tap_test("self: selfmigd and its ancestors up to init, by pid and start time");
	CHECK(smd_self_collect(&s, 300, fake_stat) == 3);
	CHECK(s.id[0].pid == 300 && s.id[0].start == 30);
	CHECK(s.id[1].pid == 200 && s.id[1].start == 20);
	CHECK(s.id[2].pid == 100 && s.id[2].start == 10);

	tap_test("self: the walk ends at an unreadable parent, a loop, or pid 1");
	CHECK(smd_self_collect(&s, 400, fake_stat) == 1 && s.id[0].pid == 400);
	CHECK(smd_self_collect(&s, 77, fake_stat) == SMD_SELF_MAX);
	CHECK(smd_self_collect(&s, 1, fake_stat) == 0);
	CHECK(smd_self_collect(&s, 555, fake_stat) == 0);
}

/*
 * On this machine's /proc: a child that renames itself "selfmigd" (as
 * prctl(PR_SET_NAME) lets any process do) is not exempt, while this
 * process, as selfmigd's stand-in, is, under any name.
 */
static void test_renamed_process(void)
{
	struct smd_conf c;
	struct smd_self self;
	struct smc_stat st, me;
	char comm[16] = "";
	int ready[2], hold[2];
	pid_t child;
	char b;

	tap_test("exempt: a real process renamed to selfmigd is not exempt");
	smd_conf_defaults(&c);
	CHECK(smd_self_collect(&self, getpid(), smd_read_stat) >= 1);
	CHECK(self.id[0].pid == getpid());
	CHECK(getppid() <= 1 || (self.n >= 2 && self.id[1].pid == getppid()));
	if (pipe(ready) || pipe(hold)) {
		CHECK(0);
		return;
	}
	child = fork();
	if (child == 0) {
		close(ready[0]);
		close(hold[1]);
		prctl(PR_SET_NAME, "selfmigd", 0, 0, 0);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		/* Until the parent closes its end. */
		while (read(hold[0], &b, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	CHECK(child > 0 && read(ready[0], &b, 1) == 1);
	CHECK(child > 0 && smd_read_stat(child, &st) == 0);
	CHECK(!strcmp(st.comm, "selfmigd"));
	CHECK(smd_exempt(&c, &self, &st, "/") == NULL);
	close(hold[1]);
	close(ready[0]);
	if (child > 0)
		waitpid(child, NULL, 0);

	tap_test("exempt: selfmigd under another name is still exempt");
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	prctl(PR_SET_NAME, "not-selfmigd", 0, 0, 0);
	CHECK(smd_read_stat(getpid(), &me) == 0 && !strcmp(me.comm, "not-selfmigd"));
	CHECK(smd_exempt(&c, &self, &me, "/") && !strcmp(smd_exempt(&c, &self, &me, "/"), "selfmigd"));
	prctl(PR_SET_NAME, comm, 0, 0, 0);
}

static void test_dirtiers(void)
{
	struct smd_sample s[5] = {
		{ .pid = 10, .start = 110, .comm = "a", .rate = 100 },
		{ .pid = 11, .start = 111, .comm = "b", .rate = 5000 },
		{ .pid = 12, .start = 112, .comm = "c", .rate = 2048 },
		{ .pid = 13, .start = 113, .comm = "d", .rate = 2047 },
		{ .pid = 14, .start = 114, .comm = "e", .rate = 9000 },
	};
	size_t k;

	tap_test("dirtiers: at or above the threshold, fastest first");
	k = smd_pick_dirtiers(s, 5, 2048);
	CHECK(k == 3);
	CHECK(s[0].pid == 14 && s[1].pid == 11 && s[2].pid == 12);
	/* Each keeps its start time: what is lowered later is that process. */
	CHECK(s[0].start == 114 && s[1].start == 111 && s[2].start == 112);
	CHECK(smd_pick_dirtiers(s, 0, 1) == 0);

	tap_test("rate: pages per second, no division by zero or overflow");
	CHECK(smd_rate(500, 250) == 2000);
	CHECK(smd_rate(7, 0) == 7000);
	CHECK(smd_rate((unsigned long)-1, 1000) > 0);

	/*
	 * A round of the muncher on the testbed: 36,864,000 bytes in
	 * 26,509 ms, about 340 pages/s.  The muncher sampled at 401 pages/s
	 * outruns it; the game server's few pages/s do not.
	 */
	tap_test("stun = auto: over half the link's pages per second, and no measure from an empty round");
	CHECK(smd_outruns_precopy(401, 26509, 36864000, 4096) == 1);
	CHECK(smd_outruns_precopy(20, 26509, 36864000, 4096) == 0);
	CHECK(smd_outruns_precopy(169, 26509, 36864000, 4096) == 0);
	CHECK(smd_outruns_precopy(171, 26509, 36864000, 4096) == 1);
	CHECK(smd_outruns_precopy(401, 0, 36864000, 4096) == 0);
	CHECK(smd_outruns_precopy(401, 26509, 0, 4096) == 0);
	CHECK(smd_outruns_precopy(401, 26509, 36864000, 0) == 0);
	CHECK(smd_outruns_precopy((unsigned long)-1, (unsigned long long)-1,
				  (unsigned long long)-1, 4096) == 1);
}

static void test_ledger(void)
{
	static struct smd_ledger l;
	struct smd_task_save *t;
	struct smd_cg_save *g;
	char path[SMD_PATH_LEN + 8];
	int i;

	tap_test("ledger: tasks keyed by pid and start time");
	t = smd_ledger_task(&l, 5, 100, 1);
	CHECK(t && l.ntask == 1);
	CHECK(smd_ledger_task(&l, 5, 100, 0) == t);
	CHECK(smd_ledger_task(&l, 5, 101, 0) == NULL);	/* a reused pid */
	t->lowered = 1;
	t->moved = 1;
	CHECK(smd_ledger_count(&l).lowered == 1 && smd_ledger_count(&l).moved == 1);

	tap_test("ledger: cgroups, and the limits");
	g = smd_ledger_cg(&l, "/sys/fs/cgroup/bg", 1);
	CHECK(g && smd_ledger_cg(&l, "/sys/fs/cgroup/bg", 0) == g);
	g->frozen = 1;
	CHECK(smd_ledger_count(&l).frozen == 1);
	memset(path, 'p', sizeof(path));
	path[sizeof(path) - 1] = 0;
	CHECK(smd_ledger_cg(&l, path, 1) == NULL);
	for (i = 0; i < SMD_TASKS_MAX + 5; i++)
		smd_ledger_task(&l, 1000 + i, 1, 1);
	CHECK(l.ntask == SMD_TASKS_MAX);
	CHECK(smd_ledger_task(&l, 99999, 1, 1) == NULL);
}

/* smd_parse_args over a NULL-terminated command line. */
static int args(struct smd_args *a, char *err, size_t el, ...)
{
	char *argv[8];
	va_list ap;
	int argc;

	va_start(ap, el);
	argc = test_argv(argv, 8, "selfmigd", va_arg(ap, const char *), ap);
	va_end(ap);
	return smd_parse_args(argc, argv, a, err, el);
}

static void test_args(void)
{
	struct smd_args a;
	char err[160];

	tap_test("args: --config, --check-config, -h, and what is refused");
	CHECK(args(&a, err, sizeof(err), NULL) == 0);
	CHECK(!strcmp(a.conf, SMD_CONF_PATH) && !a.explicit && !a.check);
	CHECK(args(&a, err, sizeof(err), "--config", "/x.conf", "--check-config", NULL) == 0);
	CHECK(!strcmp(a.conf, "/x.conf") && a.explicit && a.check);
	CHECK(args(&a, err, sizeof(err), "--config=/y.conf", NULL) == 0);
	CHECK(!strcmp(a.conf, "/y.conf") && a.explicit && !a.check);
	CHECK(args(&a, err, sizeof(err), "--check", NULL) == 0 && a.check);
	CHECK(args(&a, err, sizeof(err), "-h", NULL) == 1);
	CHECK(args(&a, err, sizeof(err), "--help", NULL) == 1);
	CHECK(args(&a, err, sizeof(err), "--config", NULL) == -1 &&
	      strstr(err, "--config needs a value"));
	CHECK(args(&a, err, sizeof(err), "--frob", NULL) == -1 &&
	      strstr(err, "unknown option '--frob'"));
	CHECK(args(&a, err, sizeof(err), "--check-config=yes", NULL) == -1 &&
	      strstr(err, "--check-config takes no value"));
	CHECK(args(&a, err, sizeof(err), "/etc/selfmig.conf", NULL) == -1 &&
	      strstr(err, "unexpected argument '/etc/selfmig.conf'"));
}

int main(void)
{
	test_args();
	test_conf();
	test_stat();
	test_exempt();
	test_self();
	test_renamed_process();
	test_dirtiers();
	test_ledger();
	return tap_done();
}
