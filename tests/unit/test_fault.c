// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for selfmig-hook's fault injection points
 * (userspace/selfmig-hook/fault.c): every spelling the tests use parses to
 * the right point, bad ones are refused with a reason, and the injecting
 * sink cuts the stream exactly once, after the given size, and never writes
 * past it.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "../../userspace/selfmig-hook/fault.h"

/* s parses into f. */
static int parses(const char *s, struct hk_fault *f)
{
	char err[160];

	return hk_fault_parse(s, f, err, sizeof(err)) == 0;
}

static void test_parse(void)
{
	static const char *const bad[] = {
		"", "conn", "conn-drop:", "conn-drop:x", "conn-drop:-1",
		"conn-drop:65537", "hook-die:later", "restore-fail:1",
		"receiver-crash:1x", "conn-dropx", "receiver-crash:round:",
		"receiver-crash:round:x", "receiver-crash:round:-1",
		"receiver-crash:round:100001", "receiver-crash:suspend",
		"conn-drop:suspended", "conn-drop:round:1", "suspend-timeout:5",
		"suspend-timeoutx", "flush-fail:1", "hook-die:gone",
	};
	struct hk_fault f;
	char err[160];
	unsigned int i;

	tap_test("parse: the points and their arguments");
	CHECK_EQ(hk_fault_parse("conn-drop", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.point, HK_FAULT_CONN_DROP);
	CHECK_EQ(f.after_bytes, 16ull << 20);
	CHECK(parses("conn-drop:0", &f) && f.after_bytes == 0);
	CHECK_EQ(hk_fault_parse("receiver-crash:48", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.point, HK_FAULT_RECEIVER_CRASH);
	CHECK_EQ(f.after_bytes, 48ull << 20);
	CHECK_EQ(f.when, HK_AT_BYTES);
	CHECK_EQ(hk_fault_parse("receiver-crash:round:3", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.point, HK_FAULT_RECEIVER_CRASH);
	CHECK_EQ(f.when, HK_AT_ROUND);
	CHECK_EQ(f.round, 3);
	CHECK(parses("receiver-crash:round:0", &f) && f.round == 0);
	CHECK(parses("receiver-crash:suspended", &f) && f.when == HK_AT_SUSPENDED);
	CHECK(parses("restore-fail", &f) && f.point == HK_FAULT_RESTORE_FAIL);
	CHECK_EQ(hk_fault_parse("hook-die", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.point, HK_FAULT_HOOK_DIE);
	CHECK_EQ(f.stage, HK_STAGE_SENT);
	CHECK(parses("hook-die:receiving", &f) && f.stage == HK_STAGE_RECEIVING);
	CHECK(parses("hook-die:suspended", &f) && f.stage == HK_STAGE_SUSPENDED);
	CHECK(parses("hook-die:go", &f) && f.stage == HK_STAGE_GO);
	CHECK(parses("hook-die:permitted", &f) && f.stage == HK_STAGE_PERMITTED);
	CHECK(strcmp(hk_stage_name(HK_STAGE_PERMITTED), "permitted") == 0);

	CHECK(parses("suspend-timeout", &f) && f.point == HK_FAULT_SUSPEND_TIMEOUT);
	CHECK(parses("flush-fail", &f) && f.point == HK_FAULT_FLUSH_FAIL);

	tap_test("parse: bad values are refused with a reason");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CHECK_EQ(hk_fault_parse(bad[i], &f, err, sizeof(err)), -1);
		CHECK(err[0] != 0);
		CHECK(strstr(err, "SELFMIG_FAULT") != NULL);
	}
}

static void test_env(void)
{
	struct hk_fault f;
	char err[160];

	tap_test("environment: unset arms nothing, a bad value is an error");
	unsetenv("SELFMIG_FAULT");
	CHECK_EQ(hk_fault_from_env(&f, err, sizeof(err)), 0);
	CHECK_EQ(f.point, HK_FAULT_NONE);
	setenv("SELFMIG_FAULT", "nonsense", 1);
	CHECK_EQ(hk_fault_from_env(&f, err, sizeof(err)), -1);
	setenv("SELFMIG_FAULT", "hook-die:suspended", 1);
#ifdef SELFMIG_FAULTS
	CHECK_EQ(hk_fault_from_env(&f, err, sizeof(err)), 0);
	CHECK_EQ(f.point, HK_FAULT_HOOK_DIE);
#else
	CHECK_EQ(hk_fault_from_env(&f, err, sizeof(err)), -1);
#endif
	unsetenv("SELFMIG_FAULT");
}

static int count_write(void *ctx, const void *buf, size_t len)
{
	size_t *n = ctx;

	(void)buf;
	*n += len;
	return 0;
}

static void test_sink(void)
{
	static uint8_t chunk[1000];
	struct hk_fault f;
	struct sxs_sink inner, outer;
	struct hk_fault_sink fs;
	size_t written = 0;
	int p[2], fd, rc = 0;
	unsigned int i, ok = 0;
	char err[160];

	tap_test("conn-drop: the descriptor is closed once, nothing passes after");
	CHECK_EQ(pipe(p), 0);
	fd = p[1];
	CHECK_EQ(hk_fault_parse("conn-drop:0", &f, err, sizeof(err)), 0);
	f.after_bytes = 4500;
	inner = (struct sxs_sink){ count_write, &written, 0 };
	fs = (struct hk_fault_sink){ &f, &inner, &fd, 0, false };
	outer = (struct sxs_sink){ hk_fault_sink_write, &fs, 0 };
	for (i = 0; i < 10; i++) {
		rc = outer.write(outer.ctx, chunk, sizeof(chunk));
		if (rc)
			break;
		ok++;
	}
	CHECK_EQ(ok, 4);		/* 4000 bytes pass, the fifth write crosses 4500 */
	CHECK_EQ(rc, -1);
	CHECK_EQ(errno, EPIPE);
	CHECK_EQ(written, 4000);
	CHECK_EQ(fd, -1);
	CHECK(fs.fired);
	/* The write end is closed: the reader sees the end of the stream. */
	CHECK_EQ(read(p[0], chunk, 1), 0);
	CHECK_EQ(outer.write(outer.ctx, chunk, 1), -1);
	CHECK_EQ(written, 4000);
	close(p[0]);

	tap_test("receiver-crash: the process group is killed, the writes go on");
	{
		pid_t child = fork();

		if (child == 0) {
			setpgid(0, 0);
			pause();
			_exit(0);
		}
		CHECK(child > 0);
		setpgid(child, child);
		written = 0;
		fd = 99;	/* not used by this point */
		CHECK_EQ(hk_fault_parse("receiver-crash:0", &f, err, sizeof(err)), 0);
		f.after_bytes = 10;
		inner = (struct sxs_sink){ count_write, &written, 0 };
		fs = (struct hk_fault_sink){ &f, &inner, &fd, child, false };
		CHECK_EQ(outer.write(outer.ctx, chunk, 8), 0);
		CHECK_EQ(outer.write(outer.ctx, chunk, 8), 0);
		CHECK(fs.fired);
		CHECK_EQ(written, 16);
		{
			int status = 0;

			CHECK_EQ(waitpid(child, &status, 0), child);
			CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		}
	}
}

static void test_suspend_wait(void)
{
	struct hk_fault f;
	char err[160];

	tap_test("suspend-timeout: the wait for the suspend is cut to one look, only when armed");
	CHECK_EQ(hk_fault_parse("hook-die", &f, err, sizeof(err)), 0);
	CHECK_EQ(hk_fault_suspend_wait_ms(&f, 60000), 60000);
	CHECK_EQ(hk_fault_parse("suspend-timeout", &f, err, sizeof(err)), 0);
	CHECK_EQ(hk_fault_suspend_wait_ms(&f, 60000), 0);
}

static int keep_write(void *ctx, const void *buf, size_t len)
{
	uint8_t **p = ctx;

	memcpy(*p, buf, len);
	*p += len;
	return 0;
}

static void test_bad_record(void)
{
	uint8_t out[64], *at = out;
	struct sxs_sink s = { keep_write, &at, 0 };

	tap_test("restore-fail: one mandatory record of a type Xen does not know");
	CHECK_EQ(hk_fault_bad_record(&s), 0);
	CHECK_EQ(at - out, 16);
	CHECK(out[0] == 0x53 && out[1] == 0x5f && out[2] == 0 && out[3] == 0);
	CHECK(!(out[3] & 0x80));	/* not optional */
	CHECK(out[4] == 8 && !out[5] && !out[6] && !out[7]);
	CHECK(memcmp(out + 8, "selfmig", 8) == 0);
}

int main(void)
{
	test_parse();
	test_bad_record();
	test_suspend_wait();
	test_env();
	test_sink();
	return tap_done();
}
