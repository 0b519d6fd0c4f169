// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the sender's loop around a blocking socket operation
 * (core/ioloop.c): done at once or after progress; a socket that keeps
 * timing out (-EAGAIN, -EINTR) or creeps is given up at the deadline, never
 * tried forever; errors end it at once; cancellation is honoured before
 * every try; odd clocks and a timeout of 0.
 */
#include <errno.h>

#include "tap.h"
#include "ioloop.h"

#define SEC	1000000000ULL
/* Far more tries than any case needs: a loop past it would never end. */
#define RUNAWAY	100000

/* A scripted socket: tries past the script repeat its last answer. */
struct fake {
	const int *script;
	int len;
	int tries;
	u64 now;
	u64 tick;		/* the clock moves this much per try */
	int back_at;		/* this try sends the clock back 10 s; 0: never */
	int cancel_at;		/* cancelled from this try on; 0: never */
};

static int fake_step(void *ctx)
{
	struct fake *f = ctx;
	int i = f->tries < f->len ? f->tries : f->len - 1;

	f->tries++;
	if (f->tries > RUNAWAY)
		return -ELOOP;
	f->now += f->tick;
	if (f->back_at && f->tries == f->back_at)
		f->now -= 10 * SEC;
	return f->script[i];
}

static u64 fake_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static int fake_cancelled(void *ctx)
{
	struct fake *f = ctx;

	return f->cancel_at && f->tries + 1 >= f->cancel_at;
}

static const struct smio_ops ops = {
	.step = fake_step,
	.now_ns = fake_now,
	.cancelled = fake_cancelled,
};

#define RUN(f, timeout) smio_run(&ops, &(f), (timeout))
/* A run of f ends with want after so many tries. */
#define CHECK_RUN(f, timeout, want, n)                                     \
	do {                                                               \
		CHECK_EQ(RUN(f, timeout), want);                           \
		CHECK_EQ((f).tries, n);                                    \
	} while (0)
#define FAKE(s, t) { .script = (s), .len = (int)(sizeof(s) / sizeof((s)[0])), \
		     .now = 1000 * SEC, .tick = (t) }

static void test_done(void)
{
	static const int once[] = { 1 };
	static const int parts[] = { 0, 0, -EAGAIN, 0, -EINTR, 1 };
	struct fake a = FAKE(once, SEC), b = FAKE(parts, SEC);

	tap_test("done at the first try");
	CHECK_RUN(a, 60 * SEC, 0, 1);

	tap_test("done after progress and empty slices within the deadline");
	CHECK_RUN(b, 60 * SEC, 0, 6);
}

static void test_deadline(void)
{
	static const int again[] = { -EAGAIN };
	static const int intr[] = { -EINTR };
	static const int creep[] = { 0 };
	static const int late[] = { -EAGAIN, -EAGAIN, 1 };
	struct fake a = FAKE(again, SEC), b = FAKE(intr, SEC);
	struct fake c = FAKE(creep, SEC), d = FAKE(again, 7 * SEC);
	struct fake e = FAKE(late, 30 * SEC);

	tap_test("a socket that keeps timing out is given up at the deadline");
	CHECK_RUN(a, 60 * SEC, -ETIMEDOUT, 60);

	tap_test("-EINTR is retried only until the deadline too");
	CHECK_RUN(b, 60 * SEC, -ETIMEDOUT, 60);

	tap_test("progress that never ends is given up at the deadline");
	CHECK_RUN(c, 60 * SEC, -ETIMEDOUT, 60);

	tap_test("slices that do not divide the deadline: the first look past it ends");
	CHECK_RUN(d, 60 * SEC, -ETIMEDOUT, 9);

	tap_test("a try that ends at the deadline is too late");
	CHECK_RUN(e, 60 * SEC, -ETIMEDOUT, 2);
}

static void test_errors(void)
{
	static const int reset[] = { 0, -EAGAIN, -ECONNRESET, 1 };
	static const int pipe_[] = { -EPIPE };
	struct fake a = FAKE(reset, SEC), b = FAKE(pipe_, SEC);

	tap_test("an error ends it at once, with that error");
	CHECK_RUN(a, 60 * SEC, -ECONNRESET, 3);
	CHECK_RUN(b, 60 * SEC, -EPIPE, 1);
}

static void test_cancel(void)
{
	static const int again[] = { -EAGAIN };
	static const int once[] = { 1 };
	struct fake a = FAKE(once, SEC), b = FAKE(again, SEC);

	a.cancel_at = 1;
	b.cancel_at = 5;
	tap_test("cancelled before the first try: no try");
	CHECK_RUN(a, 60 * SEC, -ECANCELED, 0);

	tap_test("cancelled while the socket times out: before the next try");
	CHECK_RUN(b, 60 * SEC, -ECANCELED, 4);
}

static void test_clocks(void)
{
	static const int again[] = { -EAGAIN };
	struct fake a = FAKE(again, 0), b = FAKE(again, SEC), c = FAKE(again, SEC);

	tap_test("a timeout of 0 allows one try");
	CHECK_RUN(a, 0, -ETIMEDOUT, 1);

	tap_test("a clock gone back before the call is not taken for a passed deadline");
	b.back_at = 3;
	CHECK_RUN(b, 60 * SEC, -ETIMEDOUT, 70);

	tap_test("the deadline counts from the call, not from a clock at 0");
	c.now = 0;
	CHECK_RUN(c, 60 * SEC, -ETIMEDOUT, 60);
}

int main(void)
{
	test_done();
	test_deadline();
	test_errors();
	test_cancel();
	test_clocks();
	return tap_done();
}
