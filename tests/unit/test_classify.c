// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the testbed's retry classifier (userspace/sm-classify/),
 * on logs recorded under tests/unit/data/classify/<case>/: each case holds
 * the scenario's failure reason in "reason" (as dom0-run leaves it in the
 * log directory) and a few lines of the logs that decide its verdict.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "../../userspace/sm-classify/classify.h"

static char data[PATH_MAX];	/* tests/unit/data/classify */
static char top[PATH_MAX];	/* the source tree */

static int is_dir(const char *p)
{
	struct stat sb;

	return !stat(p, &sb) && S_ISDIR(sb.st_mode);
}

/*
 * The data lie beside this file: found through __FILE__ (relative to the
 * tree's top, where make runs) or, from anywhere else, through the test's
 * own path (build/unit/test_classify or build/unit-san/test_classify, two
 * levels under the top).
 */
static int find_data(void)
{
	char exe[PATH_MAX], *s;
	ssize_t n;

	snprintf(top, sizeof(top), "%s", __FILE__);
	s = strrchr(top, '/');
	if (s) {
		*s = '\0';
		s = strrchr(top, '/');
		if (s) {
			*s = '\0';
			s = strrchr(top, '/');
			if (s)
				*s = '\0';
			else
				snprintf(top, sizeof(top), ".");
			if (snprintf(data, sizeof(data), "%s/tests/unit/data/classify", top) <
			    (int)sizeof(data) && is_dir(data))
				return 0;
		}
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (int up = 0; up < 3; up++) {
		s = strrchr(exe, '/');
		if (!s)
			return -1;
		*s = '\0';
	}
	if (snprintf(top, sizeof(top), "%s", exe) >= (int)sizeof(top) ||
	    snprintf(data, sizeof(data), "%s/tests/unit/data/classify", top) >= (int)sizeof(data))
		return -1;
	return is_dir(data) ? 0 : -1;
}

static void read_reason(const char *dir, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	buf[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/reason", dir) >= (int)sizeof(path))
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Classify a recorded case; WANT the verdict, WHY a part of its line. */
static void check_case(const char *name, enum scl_verdict want, const char *why)
{
	char dir[PATH_MAX], reason[1024], err[256];
	struct scl_result res;
	int rc;

	CHECK(snprintf(dir, sizeof(dir), "%s/%s", data, name) < (int)sizeof(dir));
	read_reason(dir, reason, sizeof(reason));
	CHECK(reason[0] != '\0');
	rc = scl_classify_dir(reason, dir, &res, err, sizeof(err));
	CHECK_EQ(rc, 0);
	if (rc)
		return;
	CHECK_EQ(res.verdict, want);
	CHECK(!strncmp(res.why, want == SCL_RETRY ? "retry: " : "final: ", 7));
	if (!strstr(res.why, why) || res.verdict != want)
		printf("# %s: %s\n", name, res.why);
	CHECK(strstr(res.why, why) != NULL);
	CHECK(!strchr(res.why, '\n'));
}

static void test_recorded(void)
{
	tap_test("a project program's segfault in dom0's kernel log is final");
	check_case("project-hook-segv", SCL_FINAL, "a program of the project crashed (selfmig-hook)");

	tap_test("a project program is known by its name cut to 15 characters");
	check_case("project-cut", SCL_FINAL, "(selfmig-workloa)");

	tap_test("a guest kernel WARNING is final, even beside a busybox segfault in dom0");
	check_case("guest-warn", SCL_FINAL, "kernel or hypervisor warning");

	tap_test("a record crc mismatch in the receiver's log is final");
	check_case("record-crc", SCL_FINAL, "receive.log:3: selfmig-receive: error: round 8 record 42: record crc mismatch");

	tap_test("a bad authentication tag is final");
	check_case("auth-tag", SCL_FINAL, "integrity failure (bad authentication tag)");

	tap_test("a busybox sh segfault in dom0's kernel log, and nothing else, is retried");
	check_case("busybox-segv", SCL_RETRY, "busybox-fault: dom0-dmesg.txt:2: [  402.118734] sh[2291]: segfault at 18");

	tap_test("a busybox general protection fault is retried, though dom0-run called it a warning");
	check_case("busybox-gp", SCL_RETRY, "busybox-fault: dom0-dmesg.txt:1:");

	tap_test("a shell's bare Segmentation fault with no kernel line is final");
	check_case("bare-segv", SCL_FINAL, "no line names (scenario.log:1: Segmentation fault)");

	tap_test("malloc(): invalid size after a selfmig-receive line is final");
	check_case("malloc-project", SCL_FINAL, "a program of the project aborted, named by a line before (selfmig-receive)");

	tap_test("malloc(): invalid size named as sleep's is retried");
	check_case("malloc-sleep-named", SCL_RETRY, "malloc-abort: scenario.log:2: sleep: malloc(): invalid size");

	tap_test("malloc(): invalid size that names no program is final");
	check_case("malloc-sleep-unnamed", SCL_FINAL, "an abort that does not name its program");

	tap_test("xl's segfault in libc is retried");
	check_case("xl-segv", SCL_RETRY, "xen-tools-fault: dom0-dmesg.txt:1:");

	tap_test("a crash outside the project with no documented signature is final");
	check_case("undocumented", SCL_FINAL, "matches no documented signature (date)");

	tap_test("busybox's segfault in the guest is final");
	check_case("guest-segv", SCL_FINAL, "a program in the guest crashed (sh)");

	tap_test("a general protection fault of dom0's kernel is final");
	check_case("kernel-gp", SCL_FINAL, "warning (general protection fault): dom0-dmesg.txt:3:");

	tap_test("a hypervisor assertion is final");
	check_case("xen-assert", SCL_FINAL, "(XEN) Assertion");
}

/* ------------------------------------------------------------ in memory */

static const char bb_segv[] =
	"[  402.118734] sh[2291]: segfault at 18 ip 00000000004a4d02 sp 00007ffd5c0e8a48 "
	"error 4 in busybox[401000+b1000] likely on CPU 0 (core 0, socket 0)\n";

/* The verdict on REASON and, if LOG is set, one log NAME holding LOG and,
 * if WITH_BB, dom0's kernel log with a busybox segfault. */
static enum scl_verdict verdict(const char *reason, const char *name, const char *log,
				int with_bb, struct scl_result *res)
{
	struct scl_state st;

	scl_init(&st);
	scl_feed_reason(&st, reason);
	if (with_bb)
		scl_feed_log(&st, "dom0-dmesg.txt", bb_segv, strlen(bb_segv), false);
	if (log)
		scl_feed_log(&st, name, log, strlen(log), false);
	scl_finish(&st, res);
	return res->verdict;
}

static void test_reason(void)
{
	struct scl_result r;

	tap_test("integrity failures in the reason are final");
	CHECK_EQ(verdict("the receiver failed: record crc mismatch at record 42", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK(strstr(r.why, "crc mismatch"));
	CHECK_EQ(verdict("selfmig-receive: error: bad authentication tag: wrong secret", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK_EQ(verdict("data checksum differs after the migration", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK_EQ(verdict("a workload in the guest reported CORRUPTION", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK_EQ(verdict("the stream's checksum", NULL, NULL, 1, &r), SCL_FINAL);

	tap_test("kernel and hypervisor warnings in the reason are final");
	CHECK_EQ(verdict("guest domain died before it answered: [ 1.2] Kernel panic - not syncing", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK_EQ(verdict("kernel or hypervisor warning: xen-dmesg.txt: (XEN) Xen WARN at p2m.c:100", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK_EQ(verdict("x; kernel or hypervisor warning: guest-console-guest.log: [ 3.1] BUG: kernel NULL pointer dereference", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK_EQ(verdict("KASAN: use-after-free in tracker_scan", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK_EQ(verdict("x; kernel or hypervisor warning: dom0-dmesg.txt: [ 9.1] WARNING: possible circular locking dependency detected", NULL, NULL, 1, &r), SCL_FINAL);

	tap_test("a xenstored crash that tests/xen/run adds to the reason is retried");
	CHECK_EQ(verdict("xl list hung; dom0 program crashed: [   88.102004] xenstored[201]: segfault at 8 ip 00007f6b2c1e9a30 sp 00007ffd8a1c3e90 error 4 in libc.so.6[7f6b2c0b0000+155000]",
			 NULL, NULL, 0, &r), SCL_RETRY);
	CHECK(strstr(r.why, "xen-tools-fault: reason:"));

	tap_test("a crash line quoted elsewhere in the reason is not dom0's own line");
	CHECK_EQ(verdict("guest domain died: [ 2.0] sh[1]: segfault at 18 ip 4a4d02 sp 0 error 4 in busybox[401000+b1000]",
			 NULL, NULL, 0, &r), SCL_FINAL);
	CHECK_EQ(verdict("x; dom0 program crashed: [ 88.1] selfmigd[201]: segfault at 8 ip 1 sp 2 error 4 in selfmigd[1+2]",
			 NULL, NULL, 1, &r), SCL_FINAL);
	CHECK(strstr(r.why, "project crashed (selfmigd)"));

	tap_test("aborts named in the reason");
	CHECK_EQ(verdict("selfmig-receive: malloc(): corrupted top size", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK_EQ(verdict("libxl-save-helper: error while loading shared libraries: libxenforeignmemory.so.1: cannot open shared object file",
			 NULL, NULL, 0, &r), SCL_RETRY);
	CHECK(strstr(r.why, "xen-tools-ldso"));
	CHECK_EQ(verdict("selfmig-hook: error while loading shared libraries: libxenlight.so.4.17", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK_EQ(verdict("xl create failed 3 times: malloc(): corrupted top size", NULL, NULL, 1, &r), SCL_FINAL);
	CHECK_EQ(verdict("scenario exited 1; see scenario.log", NULL, NULL, 1, &r), SCL_RETRY);
	CHECK_EQ(verdict("scenario exited 1; see scenario.log", NULL, NULL, 0, &r), SCL_FINAL);
	CHECK(strstr(r.why, "no documented crash"));
}

/*
 * One line in one log and the verdict on it (with the busybox segfault if
 * with_bb), and a part of the reason if why; a case with a test starts it.
 */
static const struct line_case {
	const char *test, *name, *log;
	int with_bb;
	enum scl_verdict want;
	const char *why;
} line_cases[] = {
	{ "words that only look like warnings or integrity failures", "scenario.log", "[12:00:00] DEBUG: round 3\n", 1, SCL_RETRY, NULL },
	{ NULL, "scenario.log", "[12:00:00] a checksummed TCP stream from the guest to dom0\n", 1, SCL_RETRY, NULL },
	{ NULL, "scenario.log", "[12:00:00] dom0: workload exit 0, 0 CORRUPTION lines, 1 segfaults\n", 1, SCL_RETRY, NULL },
	{ NULL, "guest-console-guest.log", "[ 0.1] Spectre V2 : WARNING: Unprivileged eBPF is enabled\n", 1, SCL_RETRY, NULL },
	{ NULL, "hook.log", "selfmig-hook: WARNING: ignored in a program's own log\n", 1, SCL_RETRY, NULL },
	{ "integrity failures in any log are final", "netrecv.log", "CORRUPTION netrecv: message 1614 is bad-checksum (1024 bytes)\n", 1, SCL_FINAL, NULL },
	{ NULL, "guest-console-guest.log", "workload: CORRUPTION anon: page 3 gen 2: byte 0\n", 1, SCL_FINAL, NULL },
	{ NULL, "xl-migrate-1.log", "payload checksum mismatch at message 1614\n", 1, SCL_FINAL, NULL },
	{ NULL, "verify-idle-1.log", "selfmig-verify: /tmp/m: entry table crc mismatch\n", 1, SCL_FINAL, NULL },
	{ "warnings in kernel logs and scenario.log are final", "dom0-dmesg.txt", "[ 5.0] WARNING: CPU: 1 PID: 9 at mm/page_alloc.c:5 x\n", 1, SCL_FINAL, NULL },
	{ NULL, "guest-dmesg.txt", "[ 5.0] Oops: 0000 [#1] SMP\n", 1, SCL_FINAL, NULL },
	{ NULL, "scenario.log", "[ 5.0] UBSAN: shift-out-of-bounds in x.c:1\n", 1, SCL_FINAL, NULL },
	{ NULL, "xen-dmesg.txt", "(XEN) FATAL TRAP: vector = 14 (page fault)\n", 1, SCL_FINAL, NULL },
	{ "aborts that are never the testbed's", "hook.log", "selfmig-hook: switch.c:88: sw_step: Assertion `n > 0' failed.\n", 1, SCL_FINAL, "project aborted (selfmig-hook)" },
	{ NULL, "scenario.log", "*** stack smashing detected ***: terminated\n", 1, SCL_FINAL, NULL },
	{ NULL, "receive.log", "free(): invalid pointer\n", 1, SCL_FINAL, NULL },
	{ NULL, "scenario.log", "[12:00:01] xl migrate failed: malloc(): corrupted top size\n", 1, SCL_FINAL, NULL },
	{ NULL, "guest-console-guest.log", "sleep: malloc(): invalid size (unsorted)\n", 1, SCL_FINAL, NULL },
	{ NULL, "scenario.log", "*** Error in `/usr/bin/sm-probe': malloc(): memory corruption: 0x01\n", 1, SCL_FINAL, NULL },
	{ NULL, "scenario.log", "*** Error in `/bin/cat': double free or corruption (out): 0x01\n", 0, SCL_RETRY, NULL },
	{ NULL, "xl-migrate-1.log", "libxl-save-helper[77]: malloc(): corrupted top size\n", 0, SCL_RETRY, NULL },
	{ "other traps than segfault and general protection match nothing", "dom0-dmesg.txt", "[ 1.0] traps: sh[5] trap invalid opcode ip:4a4d02 sp:7ffd error:0 in busybox[401000+b1000]\n", 0, SCL_FINAL, "no documented signature (sh)" },
	{ "a busybox applet faulting outside busybox matches nothing", "dom0-dmesg.txt", "[ 1.0] sh[5]: segfault at 0 ip 7f00 sp 7ffd error 4 in libc.so.6[7f00+1000]\n", 0, SCL_FINAL, NULL },
};

static void test_lines(void)
{
	const struct line_case *c;
	struct scl_result r;
	size_t i;

	for (i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		c = &line_cases[i];
		if (c->test)
			tap_test(c->test);
		CHECK_EQ(verdict("x", c->name, c->log, c->with_bb, &r), c->want);
		if (c->why && !strstr(r.why, c->why))
			tap_fail(__FILE__, __LINE__, "why '%s' lacks '%s'", r.why, c->why);
	}
}

static void test_cut(void)
{
	static char long_line[20000];
	struct scl_state st;
	struct scl_result r;

	tap_test("a log not read whole forbids a retry");
	scl_init(&st);
	scl_feed_log(&st, "dom0-dmesg.txt", bb_segv, strlen(bb_segv), true);
	scl_finish(&st, &r);
	CHECK_EQ(r.verdict, SCL_FINAL);
	CHECK(strstr(r.why, "not read whole"));
	CHECK(strstr(r.why, ": dom0-dmesg.txt"));

	tap_test("a pattern across a long line's windows is found");
	memset(long_line, 'x', sizeof(long_line) - 1);
	memcpy(long_line + 8180, " record crc mismatch ", 21);
	CHECK_EQ(verdict("x", "receive.log", long_line, 1, &r), SCL_FINAL);
	CHECK(strstr(r.why, "crc mismatch"));
}

static void test_dir_io(void)
{
	char tmp[] = "/tmp/test_classify.XXXXXX", path[PATH_MAX], err[256];
	struct scl_result r;
	FILE *f;
	int rc;

	tap_test("a missing log directory is an error");
	rc = scl_classify_dir("x", "/nonexistent/test_classify", &r, err, sizeof(err));
	CHECK_EQ(rc, -ENOENT);
	CHECK(strstr(err, "/nonexistent/test_classify"));

	tap_test("a log longer than SCL_FILE_MAX is read only up to it, and forbids a retry");
	CHECK(mkdtemp(tmp) != NULL);
	snprintf(path, sizeof(path), "%s/dom0-dmesg.txt", tmp);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(bb_segv, f);
	for (size_t n = strlen(bb_segv); n <= SCL_FILE_MAX; n += 1000)
		fprintf(f, "%0999d\n", 0);
	fclose(f);
	rc = scl_classify_dir("x", tmp, &r, err, sizeof(err));
	CHECK_EQ(rc, 0);
	CHECK_EQ(r.verdict, SCL_FINAL);
	CHECK(strstr(r.why, "not read whole"));
	CHECK_EQ(truncate(path, (off_t)strlen(bb_segv)), 0);
	rc = scl_classify_dir("x", tmp, &r, err, sizeof(err));
	CHECK_EQ(rc, 0);
	CHECK_EQ(r.verdict, SCL_RETRY);
	unlink(path);
	rmdir(tmp);
}

static void test_tables(void)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	size_t i, n = 0;
	DIR *d;

	tap_test("project programs, cut names and program sets");
	CHECK(scl_is_project_program("selfmig-hook"));
	CHECK(scl_is_project_program("/host/build/bin/selfmig-receive"));
	CHECK(scl_is_project_program("selfmig-workloa"));
	CHECK(scl_is_project_program("selfmig-some-new-tool"));
	CHECK(!scl_is_project_program("sh"));
	CHECK(!scl_is_project_program("xl"));
	CHECK(!scl_is_project_program(""));
	CHECK(scl_in_set("libxl-save-help", SCL_SET_XENTOOLS));
	CHECK(scl_in_set("/usr/lib/xen-4.17/bin/libxl-save-helper", SCL_SET_XENTOOLS));
	CHECK(!scl_in_set("libxl-save-help", SCL_SET_BUSYBOX));
	CHECK(scl_in_set("sleep", SCL_SET_BUSYBOX));
	CHECK(!scl_in_set("date", SCL_SET_BUSYBOX | SCL_SET_XENTOOLS));

	tap_test("every signature names its programs and its place in docs/testbed.md");
	CHECK(scl_nsignatures > 0 && scl_nsignatures <= 8);
	for (i = 0; i < scl_nsignatures; i++) {
		CHECK(scl_signatures[i].sets != 0);
		CHECK(!strncmp(scl_signatures[i].doc, "docs/testbed.md", 15));
	}

	tap_test("every userspace/*/main.c is a project program");
	if (snprintf(path, sizeof(path), "%s/userspace", top) >= (int)sizeof(path))
		return;
	d = opendir(path);
	CHECK(d != NULL);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char m[PATH_MAX + 600];

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(m, sizeof(m), "%s/%s/main.c", path, de->d_name) >= (int)sizeof(m) ||
		    access(m, F_OK))
			continue;
		n++;
		if (!scl_is_project_program(de->d_name))
			printf("# userspace/%s is not a project program for the classifier\n",
			       de->d_name);
		CHECK(scl_is_project_program(de->d_name));
	}
	closedir(d);
	CHECK(n >= 10);
	for (i = 0; scl_project_programs[i]; i++)
		CHECK(scl_is_project_program(scl_project_programs[i]));
}

int main(void)
{
	if (find_data()) {
		printf("# cannot find tests/unit/data/classify (from %s or /proc/self/exe)\n", __FILE__);
		printf("not ok 1 - test data\n1..1\n");
		return 1;
	}
	test_recorded();
	test_reason();
	test_lines();
	test_cut();
	test_dir_io();
	test_tables();
	return tap_done();
}
