// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for selfmigd's pure parts: the policy file, /proc parsing, the
 * exemptions, the choice of heavy dirtiers and the ledger.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "../../userspace/selfmigd/conf.h"
#include "../../userspace/selfmigd/policy.h"

static int conf_text(struct smd_conf *c, const char *t, char *err, size_t el)
{
	smd_conf_defaults(c);
	return smd_conf_parse(c, t, strlen(t), err, el);
}

static void test_conf(void)
{
	struct smd_conf c;
	char err[160], desc[4096];
	int i;

	tap_test("conf: defaults");
	smd_conf_defaults(&c);
	CHECK(c.quiesce_when == SMD_AT_STOP && c.dirtier_action == SMD_ACT_IDLE);
	CHECK(c.dirty_threshold == 2048 && c.stun == 1 && c.sample_ms == 1000);
	CHECK(!strcmp(c.cgroup_root, "/sys/fs/cgroup"));

	tap_test("conf: a full file");
	CHECK(conf_text(&c,
			"# background work\n"
			"quiesce_cgroup = /sys/fs/cgroup/background\n"
			"quiesce_cgroup = batch   # relative\n"
			"quiesce_comm = churn\n"
			"\n"
			"   quiesce_phase=round:3\n"
			"foreground_comm = sm-echo\n"
			"foreground_cgroup = /game\n"
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
	CHECK(smd_conf_describe(&c, desc, sizeof(desc)) > 0);
	CHECK(strstr(desc, "quiesce_phase = round:3\n") && strstr(desc, "stun = no\n"));
	CHECK(smd_conf_describe(&c, desc, 20) == -1);

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

	tap_test("conf: list limits");
	{
		char text[2048] = "";

		for (i = 0; i < SMD_LIST_MAX + 1; i++)
			strcat(text, "quiesce_comm = x\n");
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
	struct smd_stat st;
	char path[64];
	const char *line =
		"123 (a (weird) name) S 1 123 123 0 -1 4194560 100 0 0 0 5 6 0 0 "
		"20 0 1 0 4567 1000000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 "
		"0 0 17 0 0 3";

	tap_test("stat: comm with spaces and parentheses, nice, start, policy");
	CHECK(smd_stat_parse(line, strlen(line), &st) == 0);
	CHECK(st.pid == 123 && !strcmp(st.comm, "a (weird) name"));
	CHECK(st.state == 'S' && st.ppid == 1 && st.flags == 4194560UL);
	CHECK(st.nice == 0 && st.start == 4567 && st.policy == 3);

	tap_test("stat: negative nice; a short line; garbage");
	{
		const char *l2 = "9 (x) R 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 39 -5 1 0 77";

		CHECK(smd_stat_parse(l2, strlen(l2), &st) == 0 && st.nice == -5 &&
		      st.start == 77 && st.policy == 0);
		CHECK(smd_stat_parse("9 (x) R 1 9", 11, &st) == -1);
		CHECK(smd_stat_parse("nonsense", 8, &st) == -1);
		CHECK(smd_stat_parse("9 x) R", 6, &st) == -1);
	}

	tap_test("cgroup: the v2 line");
	CHECK(smd_cgroup_parse("0::/a/b\n", 8, path, sizeof(path)) == 0 && !strcmp(path, "/a/b"));
	CHECK(smd_cgroup_parse("1:name=x:/y\n0::/\n", 17, path, sizeof(path)) == 0 &&
	      !strcmp(path, "/"));
	CHECK(smd_cgroup_parse("1:cpu:/y\n", 9, path, sizeof(path)) == -1);
	CHECK(smd_cgroup_parse("0::/abc", 7, path, 3) == -1);
	CHECK(smd_cgroup_within("/a/b", "/a") && smd_cgroup_within("/a", "/a/"));
	CHECK(!smd_cgroup_within("/ab", "/a") && smd_cgroup_within("/x", "/"));
}

static void test_exempt(void)
{
	struct smd_conf c;
	struct smd_stat st;
	char err[64];

	conf_text(&c, "foreground_comm = sm-echo\nforeground_cgroup = /sys/fs/cgroup/game\n"
		  "quiesce_comm = churn\n", err, sizeof(err));
	memset(&st, 0, sizeof(st));
	st.pid = 50;
	st.ppid = 1;
	st.state = 'R';
	strcpy(st.comm, "worker");

	tap_test("exempt: ordinary tasks are not");
	CHECK(smd_exempt(&c, &st, "/", 1000) == NULL);
	CHECK(smd_exempt(&c, &st, NULL, 1000) == NULL);

	tap_test("exempt: init, self, kernel threads, zombies, foreground");
	st.pid = 1;
	CHECK(smd_exempt(&c, &st, "/", 1000) && !strcmp(smd_exempt(&c, &st, "/", 1000), "init"));
	st.pid = 1000;
	CHECK(!strcmp(smd_exempt(&c, &st, "/", 1000), "selfmigd"));
	st.pid = 50;
	st.flags = SMD_PF_KTHREAD;
	CHECK(!strcmp(smd_exempt(&c, &st, "/", 1000), "kernel thread"));
	st.flags = 0;
	st.state = 'Z';
	CHECK(!strcmp(smd_exempt(&c, &st, "/", 1000), "exited"));
	st.state = 'S';
	strcpy(st.comm, "sm-echo");
	CHECK(!strcmp(smd_exempt(&c, &st, "/", 1000), "foreground"));
	strcpy(st.comm, "worker");
	CHECK(!strcmp(smd_exempt(&c, &st, "/game/sub", 1000), "foreground cgroup"));
	CHECK(smd_exempt(&c, &st, "/gamer", 1000) == NULL);
	CHECK(smd_in_quiesce_comm(&c, "churn") && !smd_in_quiesce_comm(&c, "chur"));
}

static void test_dirtiers(void)
{
	struct smd_sample s[5] = {
		{ 10, "a", 100 }, { 11, "b", 5000 }, { 12, "c", 2048 },
		{ 13, "d", 2047 }, { 14, "e", 9000 },
	};
	size_t k;

	tap_test("dirtiers: at or above the threshold, fastest first");
	k = smd_pick_dirtiers(s, 5, 2048);
	CHECK(k == 3);
	CHECK(s[0].pid == 14 && s[1].pid == 11 && s[2].pid == 12);
	CHECK(smd_pick_dirtiers(s, 0, 1) == 0);

	tap_test("rate: pages per second, no division by zero or overflow");
	CHECK(smd_rate(500, 250) == 2000);
	CHECK(smd_rate(7, 0) == 7000);
	CHECK(smd_rate((unsigned long)-1, 1000) > 0);
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
	CHECK(smd_ledger_lowered(&l) == 1 && smd_ledger_moved(&l) == 1);

	tap_test("ledger: cgroups, and the limits");
	g = smd_ledger_cg(&l, "/sys/fs/cgroup/bg", 1);
	CHECK(g && smd_ledger_cg(&l, "/sys/fs/cgroup/bg", 0) == g);
	g->frozen = 1;
	CHECK(smd_ledger_frozen(&l) == 1);
	memset(path, 'p', sizeof(path));
	path[sizeof(path) - 1] = 0;
	CHECK(smd_ledger_cg(&l, path, 1) == NULL);
	for (i = 0; i < SMD_TASKS_MAX + 5; i++)
		smd_ledger_task(&l, 1000 + i, 1, 1);
	CHECK(l.ntask == SMD_TASKS_MAX);
	CHECK(smd_ledger_task(&l, 99999, 1, 1) == NULL);
}

int main(void)
{
	test_conf();
	test_stat();
	test_exempt();
	test_dirtiers();
	test_ledger();
	return tap_done();
}
