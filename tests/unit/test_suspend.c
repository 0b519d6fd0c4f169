// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for what selfmig-hook does when a guest has not suspended by
 * its deadline (userspace/selfmig-hook/suspend.c), against a scripted guest
 * on a scripted clock: a request still pending is withdrawn and the guest
 * runs on; a guest that had taken it and suspends late is resumed; one that
 * never suspends is reported with what to check; the waiting is bounded.
 *
 * Before suspend.c the hook removed the request at the deadline and gave
 * up: a guest that had already taken it suspended a moment later and stayed
 * suspended.  "late" below is that guest.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "../../userspace/selfmig-hook/suspend.h"

#define NEVER UINT64_MAX

/* The scripted guest: times in ms on the fake clock. */
struct guest {
	uint64_t now;
	uint64_t takes_at;	/* reads the request, from then it suspends */
	uint64_t suspends_after;	/* ms after taking it (NEVER: never) */
	uint64_t dies_at;	/* vanishes */
	bool pending;		/* the request is in control/shutdown */
	bool taken;
	bool resumed;
	bool resume_fails;
	bool withdraw_fails;	/* xenstore does not confirm a withdrawal */
	unsigned int resumes, withdrawals, looks;
};

static void advance(struct guest *g)
{
	if (g->pending && !g->taken && g->now >= g->takes_at) {
		g->taken = true;
		g->pending = false;
	}
}

static bool is_suspended(const struct guest *g)
{
	return g->taken && !g->resumed && g->suspends_after != NEVER &&
	       g->now >= g->takes_at + g->suspends_after;
}

static int g_state(void *ctx, char *err, size_t errlen)
{
	struct guest *g = ctx;

	advance(g);
	g->looks++;
	if (g->now >= g->dies_at) {
		snprintf(err, errlen, "it no longer exists");
		return HK_DOM_GONE;
	}
	return is_suspended(g) ? HK_DOM_SUSPENDED : HK_DOM_RUNNING;
}

static int g_withdraw(void *ctx)
{
	struct guest *g = ctx;

	advance(g);
	g->withdrawals++;
	if (g->pending) {
		g->pending = false;
		return HK_WITHDRAWN;
	}
	return HK_TAKEN;
}

static int g_withdraw_fails(void *ctx)
{
	advance(ctx);
	return HK_WITHDRAW_FAILED;
}

static int g_resume(void *ctx, char *err, size_t errlen)
{
	struct guest *g = ctx;

	g->resumes++;
	if (g->resume_fails || !is_suspended(g)) {
		snprintf(err, errlen, "resuming it: Invalid argument");
		return -1;
	}
	g->resumed = true;
	return 0;
}

static uint64_t g_now(void *ctx)
{
	return ((struct guest *)ctx)->now;
}

static void g_nap(void *ctx, unsigned int ms)
{
	((struct guest *)ctx)->now += ms;
}

static struct hk_dom_ops ops(struct guest *g, const char *name)
{
	return (struct hk_dom_ops){
		.ctx = g, .domid = 7, .name = name, .state = g_state,
		.withdraw = g->withdraw_fails ? g_withdraw_fails : g_withdraw,
		.resume = g_resume, .now_ms = g_now, .nap_ms = g_nap,
	};
}

static struct guest guest(uint64_t takes_at, uint64_t suspends_after)
{
	return (struct guest){ .takes_at = takes_at, .suspends_after = suspends_after,
			       .dies_at = NEVER, .pending = true };
}

static char msg[600];

/* hk_await_suspend on g, named name (NULL: none), into msg. */
static enum hk_susp await(struct guest *g, const char *name,
			  unsigned int wait_ms, unsigned int grace_ms)
{
	struct hk_dom_ops o = ops(g, name);

	return hk_await_suspend(&o, wait_ms, grace_ms, msg, sizeof(msg));
}

/* await ends in want, after which the guest runs on, or not. */
static bool awaits(struct guest *g, const char *name, unsigned int wait_ms,
		   unsigned int grace_ms, enum hk_susp want, bool runs_on)
{
	enum hk_susp s = await(g, name, wait_ms, grace_ms);

	return s == want && hk_susp_runs_on(s) == runs_on;
}

int main(void)
{
	struct hk_dom_ops o;
	struct guest g;
	enum hk_susp s;

	tap_test("suspended within the deadline: done, nothing withdrawn or resumed");
	g = guest(1000, 2000);
	CHECK_EQ(await(&g, "vm1", 60000, 60000), HK_SUSP_DONE);
	CHECK_EQ(g.withdrawals, 0);
	CHECK_EQ(g.resumes, 0);
	CHECK(g.now >= 3000 && g.now < 3100);

	tap_test("a request still pending at the deadline is withdrawn; the guest never suspends");
	g = guest(90000, 1000);
	CHECK(awaits(&g, "vm1", 60000, 60000, HK_SUSP_RUNS, true));
	CHECK_EQ(g.withdrawals, 1);
	CHECK_EQ(g.resumes, 0);
	CHECK(!g.taken);
	/* Past the guest's own schedule, it still has not suspended. */
	g.now = 200000;
	CHECK(!is_suspended(&g));
	CHECK(g.now >= 60000);
	CHECK(strstr(msg, "domain 7 ('vm1')") && strstr(msg, "withdrawn"));

	tap_test("late: taken at 59 s, suspended at 65 s: resumed, and it runs on");
	g = guest(59000, 6000);
	CHECK(awaits(&g, "vm1", 60000, 60000, HK_SUSP_RESUMED, true));
	CHECK_EQ(g.resumes, 1);
	CHECK(g.resumed && !is_suspended(&g));
	CHECK(g.now >= 65000 && g.now < 65100);
	CHECK(strstr(msg, "resumed") != NULL);

	tap_test("suspended just as the deadline passed: resumed");
	g = guest(10000, 50000);
	o = ops(&g, NULL);
	s = hk_settle_suspend(&o, 60000, msg, sizeof(msg));
	CHECK_EQ(s, HK_SUSP_RUNS);	/* at 0 ms the request is still pending */
	g = guest(10000, 50000);
	g.now = 60000;
	o = ops(&g, NULL);
	s = hk_settle_suspend(&o, 60000, msg, sizeof(msg));
	CHECK_EQ(s, HK_SUSP_RESUMED);
	CHECK_EQ(g.resumes, 1);
	CHECK(strstr(msg, "domain 7 suspended") != NULL);

	tap_test("taken but never suspended: unknown after the grace, and the message says what to check");
	g = guest(30000, NEVER);
	CHECK(awaits(&g, "vm1", 60000, 45000, HK_SUSP_UNKNOWN, false));
	CHECK_EQ(g.resumes, 0);
	CHECK(g.now >= 105000 && g.now <= 105000 + HK_SUSPEND_POLL_MS);
	CHECK(strstr(msg, "domain 7 ('vm1')") != NULL);
	CHECK(strstr(msg, "xl list vm1") != NULL);
	CHECK(strstr(msg, "selfmig-hook resume vm1") != NULL);
	/* Without a name, the domain's id stands in. */
	g = guest(30000, NEVER);
	CHECK_EQ(await(&g, NULL, 60000, 1000), HK_SUSP_UNKNOWN);
	CHECK(strstr(msg, "xl list 7") && strstr(msg, "selfmig-hook resume 7"));

	tap_test("zero wait (suspend-timeout): one look, then the late path");
	g = guest(5, 10);
	CHECK_EQ(await(&g, "vm1", 0, 60000), HK_SUSP_RUNS);
	CHECK_EQ(g.looks, 2);
	CHECK_EQ(g.now, 0);
	g = guest(0, 200);
	CHECK_EQ(await(&g, "vm1", 0, 60000), HK_SUSP_RESUMED);
	CHECK(g.now >= 200 && g.now < 300);

	tap_test("a guest that vanishes or cannot be resumed is lost, and said so");
	g = guest(1000, NEVER);
	g.dies_at = 70000;
	CHECK_EQ(await(&g, "vm1", 60000, 60000), HK_SUSP_LOST);
	CHECK(strstr(msg, "no longer exists") && strstr(msg, "xl list vm1"));
	g = guest(1000, 70000);
	g.resume_fails = true;
	CHECK_EQ(await(&g, "vm1", 60000, 60000), HK_SUSP_LOST);
	CHECK(strstr(msg, "could not be resumed") && strstr(msg, "selfmig-hook resume vm1"));
	g = guest(1000, NEVER);
	g.dies_at = 2000;
	CHECK_EQ(await(&g, "vm1", 60000, 60000), HK_SUSP_LOST);
	CHECK_EQ(g.withdrawals, 0);

	tap_test("a withdrawal that xenstore does not confirm counts as taken");
	g = guest(80000, 5000);
	g.withdraw_fails = true;
	/* Watched, and resumed at 85 s. */
	CHECK_EQ(await(&g, "vm1", 60000, 60000), HK_SUSP_RESUMED);
	CHECK(g.now >= 85000 && g.now < 85100);
	g = guest(130000, 5000);
	g.withdraw_fails = true;
	CHECK_EQ(await(&g, "vm1", 60000, 60000), HK_SUSP_UNKNOWN);
	return tap_done();
}
