// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the sender's side of xl's migration handshake
 * (userspace/selfmig-hook/xlrecv.c), against shell scripts that play the
 * receiver: success, a destination that cannot start its copy, a receiver
 * that dies, one that sends the wrong banner, one that never answers, and
 * whether one still takes its stream (xlr_check).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "../../userspace/selfmig-hook/xlrecv.h"
#include "xenstream.h"

#define BANNER "xl migration receiver ready, send binary domain data.\\n"
#define READY "domain received, ready to unpause\\0"
#define GO "domain is yours, you are cleared to unpause\\0"
#define REPORT "my copy unpause results are as follows\\0"

/* The receiver reads the 5-byte stream "HELLO" and the 44-byte GO. */
static const char ok_rune[] =
	"printf '" BANNER "'; head -c 5 > /dev/null; printf '" READY "'; "
	"head -c 44 > /dev/null; printf '" REPORT "\\000'";
static const char nostart_rune[] =
	"printf '" BANNER "'; head -c 5 > /dev/null; printf '" READY "'; "
	"head -c 44 > /dev/null; printf '" REPORT "\\003" GO "'";
static const char nostart_silent_rune[] =
	"printf '" BANNER "'; head -c 5 > /dev/null; printf '" READY "'; "
	"head -c 44 > /dev/null; printf '" REPORT "\\003'";
static const char dies_rune[] =
	"printf '" BANNER "'; head -c 2 > /dev/null; echo 'restore failed' >&2; exit 1";
static const char badbanner_rune[] =
	"printf 'Usage: xl [-vfNtT] <subcommand> [args]: a wrong program answered instead of the receiver'";
static const char silent_rune[] = "sleep 30";
/* As xl: without a whole permission it fails, destroys its copy, hands back. */
static const char xl_like_rune[] =
	"printf '" BANNER "'; head -c 5 > /dev/null; printf '" READY "'; "
	"if [ \"$(head -c 44 | wc -c)\" = 44 ]; then printf '" REPORT "\\000'; "
	"else printf '" REPORT "\\003" GO "'; fi";

/* Up to "ready" with xl_like_rune. */
static int to_ready(struct xlr *r, char *err, size_t el)
{
	if (xlr_start(r, xl_like_rune, "/dev/null", err, el))
		return -1;
	if (xlr_banner(r, 2, err, el) || write(r->to, "HELLO", 5) != 5 ||
	    xlr_wait_ready(r, 2, err, el)) {
		xlr_finish(r, 0);
		return -1;
	}
	return 0;
}

static int run(const char *rune, int *stage, int *gone, char *err, size_t el)
{
	struct xlr r;
	int rc = -1;

	*stage = 0;
	*gone = -1;
	if (xlr_start(&r, rune, "/dev/null", err, el))
		return -1;
	*stage = 1;
	if (xlr_banner(&r, 2, err, el))
		goto out;
	*stage = 2;
	if (write(r.to, "HELLO", 5) != 5)
		goto out;
	if (xlr_wait_ready(&r, 2, err, el))
		goto out;
	*stage = 3;
	if (xlr_go(&r, 2, gone, err, el))
		goto out;
	*stage = 4;
	rc = 0;
out:
	xlr_finish(&r, 1);
	return rc;
}

int main(void)
{
	char err[300];
	int stage, gone;

	signal(SIGPIPE, SIG_IGN);

	tap_test("a receiver that restores and starts the domain: success");
	CHECK(run(ok_rune, &stage, &gone, err, sizeof(err)) == 0);
	CHECK(stage == 4 && gone == 0);

	tap_test("a destination that cannot start its copy hands the domain back");
	CHECK(run(nostart_rune, &stage, &gone, err, sizeof(err)) == -1);
	CHECK(stage == 3 && gone == 1);
	CHECK(strstr(err, "status 3") && strstr(err, "destroyed it"));

	tap_test("without the hand-back, the source must not assume the copy is gone");
	CHECK(run(nostart_silent_rune, &stage, &gone, err, sizeof(err)) == -1);
	CHECK(stage == 3 && gone == 0);
	CHECK(strstr(err, "did not confirm") != NULL);

	tap_test("a receiver that dies during the stream is reported");
	CHECK(run(dies_rune, &stage, &gone, err, sizeof(err)) == -1);
	CHECK(stage == 2);
	CHECK(strstr(err, "closed the connection") != NULL);

	tap_test("a wrong banner is refused");
	CHECK(run(badbanner_rune, &stage, &gone, err, sizeof(err)) == -1);
	CHECK(stage == 1 && strstr(err, "other than its banner"));

	tap_test("a silent receiver times out");
	CHECK(run(silent_rune, &stage, &gone, err, sizeof(err)) == -1);
	CHECK(stage == 1 && strstr(err, "within 2 s"));

	tap_test("a receiver that stops reading: the write fails at its deadline, saying so");
	{
		static unsigned char mib[1 << 20];
		struct xlr r;
		struct timespec t0, t1;
		double took;
		int ret, e;

		CHECK(xlr_start(&r, "printf '" BANNER "'; sleep 30", "/dev/null", err,
				sizeof(err)) == 0);
		r.write_timeout_ms = 300;
		CHECK(xlr_banner(&r, 2, err, sizeof(err)) == 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		/* A pipe holds 64 KiB; a stream of 1 MiB cannot go in. */
		ret = xlr_write(&r, mib, sizeof(mib));
		e = errno;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		CHECK(ret == -1 && e == ETIMEDOUT);
		CHECK(took >= 0.29 && took < 2.0);
		CHECK(strstr(sxs_write_strerror(e), "write deadline (--io-timeout)") != NULL);
		/* As the permission to unpause, too. */
		CHECK(xlr_go(&r, 1, &gone, err, sizeof(err)) == -1);
		CHECK(strstr(err, "cannot send the permission to unpause: the reader took no data") != NULL);
		/* One write under PIPE_BUF: none of it went, the copy cannot run. */
		CHECK(gone == 1);
		xlr_finish(&r, 1);
	}

	tap_test("a write deadline is per lack of progress: a slow reader is not cut off");
	{
		static unsigned char mib[1 << 20];
		struct xlr r;

		/*
		 * Reads 256 KiB every 0.6 s: 1 MiB in about 2.4 s, past the 2 s
		 * deadline, with each gap far enough under it that a loaded
		 * host's scheduling cannot make a gap look like a stall.
		 */
		CHECK(xlr_start(&r, "printf '" BANNER "'; for i in 1 2 3 4 5; do sleep 0.6; head -c 262144 > /dev/null; done",
				"/dev/null", err, sizeof(err)) == 0);
		r.write_timeout_ms = 2000;
		CHECK(xlr_banner(&r, 2, err, sizeof(err)) == 0);
		CHECK(xlr_write(&r, mib, sizeof(mib)) == 0);
		xlr_finish(&r, 2);
	}

	tap_test("a hook gone before the permission: the receiver's answer says its copy is gone");
	{
		struct xlr r;

		CHECK(to_ready(&r, err, sizeof(err)) == 0);
		close(r.to);		/* as for a dead hook: the input ends */
		r.to = -1;
		CHECK_EQ(xlr_read_outcome(r.from, XLR_FROM_REPORT, 5), XLR_OUT_GONE);
		xlr_finish(&r, 1);
	}

	tap_test("a hook gone after the permission: the receiver's answer says its copy runs");
	{
		struct xlr r;

		CHECK(to_ready(&r, err, sizeof(err)) == 0);
		CHECK(xlr_permit(&r, err, sizeof(err)) == 0);
		CHECK_EQ(xlr_read_outcome(r.from, XLR_FROM_REPORT, 5), XLR_OUT_RUNS);
		xlr_finish(&r, 1);
	}

	tap_test("the permission's steps: report, status, hand-back");
	{
		struct xlr r;
		int status = -1;

		CHECK(to_ready(&r, err, sizeof(err)) == 0);
		CHECK(xlr_permit(&r, err, sizeof(err)) == 0);
		CHECK(xlr_report(&r, 2, &status, err, sizeof(err)) == 0);
		CHECK_EQ(status, 0);
		xlr_finish(&r, 1);
		CHECK(xlr_start(&r, nostart_rune, "/dev/null", err, sizeof(err)) == 0);
		CHECK(xlr_banner(&r, 2, err, sizeof(err)) == 0);
		CHECK(write(r.to, "HELLO", 5) == 5);
		CHECK(xlr_wait_ready(&r, 2, err, sizeof(err)) == 0);
		CHECK(xlr_permit(&r, err, sizeof(err)) == 0);
		CHECK(xlr_report(&r, 2, &status, err, sizeof(err)) == 0);
		CHECK_EQ(status, 3);
		CHECK(xlr_handback(&r, 2, err, sizeof(err)) == 0);
		xlr_finish(&r, 1);
	}

	tap_test("xlr_check: a receiver that reads its input passes; one that exited or closed it does not");
	{
		struct xlr r;
		struct timespec nap = { 0, 300 * 1000 * 1000 };

		CHECK(xlr_start(&r, "printf '" BANNER "'; sleep 30", "/dev/null", err,
				sizeof(err)) == 0);
		CHECK(xlr_banner(&r, 2, err, sizeof(err)) == 0);
		CHECK_EQ(xlr_check(&r), 0);
		xlr_finish(&r, 0);
		CHECK(xlr_start(&r, "printf '" BANNER "'; exit 3", "/dev/null", err,
				sizeof(err)) == 0);
		CHECK(xlr_banner(&r, 2, err, sizeof(err)) == 0);
		nanosleep(&nap, NULL);
		errno = 0;
		CHECK_EQ(xlr_check(&r), -1);
		CHECK_EQ(errno, EPIPE);
		/* Not reaped by the check: its status is still there. */
		CHECK_EQ(xlr_finish(&r, 1), 3);
		CHECK(xlr_start(&r, "exec 0<&-; printf '" BANNER "'; sleep 30", "/dev/null",
				err, sizeof(err)) == 0);
		CHECK(xlr_banner(&r, 2, err, sizeof(err)) == 0);
		errno = 0;
		CHECK_EQ(xlr_check(&r), -1);
		CHECK_EQ(errno, EPIPE);
		xlr_finish(&r, 0);
	}

	return tap_done();
}
