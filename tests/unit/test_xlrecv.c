// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the sender's side of xl's migration handshake
 * (userspace/selfmig-hook/xlrecv.c), against shell scripts that play the
 * receiver: success, a destination that cannot start its copy, a receiver
 * that dies, one that sends the wrong banner, and one that never answers.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "../../userspace/selfmig-hook/xlrecv.h"

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

	return tap_done();
}
