// SPDX-License-Identifier: GPL-2.0
/* What the guard undoes once the hook is gone: see guard.h. */
#include "guard.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hook_xen.h"
#include "suspend.h"
#include "xlrecv.h"

#define SAY(...) fprintf(stderr, "selfmig-hook guard: " __VA_ARGS__)

/* Rename back (if renamed) and resume a source that was suspended. */
static void put_back(struct hk_xen *x, const struct hk_guard_cfg *c,
		     const char *who, const char *away, bool renamed)
{
	struct hk_xen_dom d;
	struct hk_dom_ops o;
	char err[512], msg[600];

	if (renamed && hk_xen_rename(x, c->domid, away, c->name, err, sizeof(err)))
		SAY("%s\n", err);
	/* The hook may have died between asking and the guest's answer. */
	hk_xen_dom_ops(&d, x, c->domid, c->name, &o);
	switch (hk_await_suspend(&o, c->suspend_wait_s * 1000, HK_SUSPEND_GRACE_MS,
				 msg, sizeof(msg))) {
	case HK_SUSP_DONE:
		if (hk_xen_resume(x, c->domid, err, sizeof(err)))
			SAY("ATTENTION: cannot resume %s: %s; it stays suspended: run `selfmig-hook resume %s`\n",
			    who, err, c->name);
		else
			SAY("domain %u resumed; it runs on\n", c->domid);
		break;
	case HK_SUSP_RUNS:
	case HK_SUSP_RESUMED:
		SAY("%s\n", msg);
		break;
	default:
		SAY("ATTENTION: %s\n", msg);
		break;
	}
}

static void guard_undo(const struct hk_guard_cfg *c, int state)
{
	char err[512], away[300], who[300];
	enum xlr_outcome out = XLR_OUT_RUNS;
	struct hk_xen *x;

	hk_dom_label(who, sizeof(who), c->domid, c->name);
	snprintf(away, sizeof(away), "%s--migratedaway", c->name);
	switch (state) {
	case HK_GUARD_SUSPENDED:
	case HK_GUARD_RENAMED:
		SAY("the hook died before the destination was allowed to run %s; putting the source back\n",
		    who);
		break;
	case HK_GUARD_GO:
	case HK_GUARD_DEST_FAILED:
		SAY("the hook died while the destination was being allowed to run %s; waiting for the receiver's answer\n",
		    who);
		out = xlr_read_outcome(c->xl_from, state == HK_GUARD_GO ?
				       XLR_FROM_REPORT : XLR_FROM_HANDBACK,
				       c->answer_wait_s);
		break;
	case HK_GUARD_DEST_RUNS:
		SAY("the hook died after the destination reported that it runs %s\n", who);
		break;
	default:
		SAY("the hook died with nothing to undo for %s\n", who);
		return;
	}
	if (out == XLR_OUT_UNKNOWN) {
		SAY("ATTENTION: the destination was allowed to run %s and did not say whether it does; the source stays suspended as '%s'. Check the destination (`xl list %s` there): if the guest runs there, destroy this copy (`xl destroy %s`); if not, rename it back (`xl rename %s %s`) and resume it (`selfmig-hook resume %s`)\n",
		    who, away, c->name, away, away, c->name, c->name);
		return;
	}
	x = hk_xen_open(err, sizeof(err));
	if (!x) {
		SAY("ATTENTION: %s; %s is left as it is: check it with `xl list`\n", err, who);
		return;
	}
	if (state == HK_GUARD_SUSPENDED || state == HK_GUARD_RENAMED) {
		put_back(x, c, who, away, state == HK_GUARD_RENAMED);
	} else if (out == XLR_OUT_GONE) {
		SAY("the destination could not start its copy and destroyed it; putting the source back\n");
		put_back(x, c, who, away, true);
	} else {
		/* Its copy runs: the source must not, and goes as the hook would have done. */
		if (hk_xen_destroy(x, c->domid, err, sizeof(err)))
			SAY("ATTENTION: the destination runs the guest, but the source '%s' (domain %u) could not be destroyed: %s; destroy it (`xl destroy %s`), never resume it\n",
			    away, c->domid, err, away);
		else
			SAY("the destination runs the guest; the source, domain %u, is destroyed\n",
			    c->domid);
	}
	hk_xen_close(x);
}

int hk_guard_start(struct hk_guard *g, const struct hk_guard_cfg *c,
		   char *err, size_t errlen)
{
	return hk_guard_spawn(g, c, guard_undo, err, errlen);
}
