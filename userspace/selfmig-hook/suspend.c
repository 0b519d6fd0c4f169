// SPDX-License-Identifier: GPL-2.0
/* A suspend that is late: see suspend.h. */
#include "suspend.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MSG(...) snprintf(msg, msglen, __VA_ARGS__)

void hk_dom_label(char *buf, size_t len, uint32_t domid, const char *name)
{
	if (name && *name)
		snprintf(buf, len, "domain %" PRIu32 " ('%s')", domid, name);
	else
		snprintf(buf, len, "domain %" PRIu32, domid);
}

bool hk_susp_runs_on(enum hk_susp s)
{
	return s == HK_SUSP_RUNS || s == HK_SUSP_RESUMED;
}

/* The domain suspended after all: resume it. */
static enum hk_susp resume_late(const struct hk_dom_ops *o, const char *who,
				char *msg, size_t msglen)
{
	char err[300];

	if (o->resume(o->ctx, err, sizeof(err))) {
		MSG("%s suspended after the deadline and could not be resumed (%s); it stays suspended: resume it with `selfmig-hook resume %s`",
		    who, err, o->name && *o->name ? o->name : "DOMID");
		return HK_SUSP_LOST;
	}
	MSG("%s suspended after the deadline; it was resumed with its suspend cancelled and runs on",
	    who);
	return HK_SUSP_RESUMED;
}

enum hk_susp hk_settle_suspend(const struct hk_dom_ops *o, unsigned int grace_ms,
			       char *msg, size_t msglen)
{
	char who[300], err[300];
	char idbuf[16];
	const char *ref = o->name && *o->name ? o->name : idbuf;
	int w = o->withdraw(o->ctx);
	uint64_t end;

	snprintf(idbuf, sizeof(idbuf), "%" PRIu32, o->domid);
	hk_dom_label(who, sizeof(who), o->domid, o->name);
	end = o->now_ms(o->ctx) + grace_ms;
	for (;;) {
		int st = o->state(o->ctx, err, sizeof(err));

		if (st == HK_DOM_SUSPENDED)
			return resume_late(o, who, msg, msglen);
		if (st != HK_DOM_RUNNING) {
			MSG("%s did not suspend: %s; check it with `xl list %s`", who, err,
			    ref);
			return HK_SUSP_LOST;
		}
		/*
		 * Withdrawn while still pending: the guest's kernel reads and
		 * takes the request in one transaction, so it never will.
		 */
		if (w == HK_WITHDRAWN) {
			MSG("%s did not take the request to suspend by the deadline; the request was withdrawn and the guest runs on",
			    who);
			return HK_SUSP_RUNS;
		}
		if (o->now_ms(o->ctx) >= end)
			break;
		o->nap_ms(o->ctx, HK_SUSPEND_POLL_MS);
	}
	MSG("%s took the request to suspend but has not suspended %u s after the deadline; if it suspends later, nobody resumes it: check `xl list %s`, and if it is shown suspended (state 's'), run `selfmig-hook resume %s`",
	    who, grace_ms / 1000, ref, ref);
	return HK_SUSP_UNKNOWN;
}

enum hk_susp hk_await_suspend(const struct hk_dom_ops *o, unsigned int wait_ms,
			      unsigned int grace_ms, char *msg, size_t msglen)
{
	uint64_t end = o->now_ms(o->ctx) + wait_ms;
	char err[300], who[300];

	for (;;) {
		int st = o->state(o->ctx, err, sizeof(err));

		if (st == HK_DOM_SUSPENDED)
			return HK_SUSP_DONE;
		if (st != HK_DOM_RUNNING) {
			hk_dom_label(who, sizeof(who), o->domid, o->name);
			MSG("%s did not suspend: %s", who, err);
			return HK_SUSP_LOST;
		}
		if (o->now_ms(o->ctx) >= end)
			break;
		o->nap_ms(o->ctx, HK_SUSPEND_POLL_MS);
	}
	return hk_settle_suspend(o, grace_ms, msg, msglen);
}
