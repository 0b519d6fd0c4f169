// SPDX-License-Identifier: GPL-2.0
/* The end of a switch: see switch.h and docs/switch.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guard.h"
#include "hook_xen.h"
#include "switch.h"
#include "xlrecv.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int hk_parse_wait(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || !*v || *v > 3600) {
		fprintf(stderr, "selfmig-hook: --wait-s takes 1..3600\n");
		return -1;
	}
	return 0;
}

int hk_switch_complete(struct hk_switch *s, char *err, size_t errlen)
{
	int gone;

	if (xlr_wait_ready(s->xr, 600, err, errlen))
		return -1;
	s->t_ready = now_s();
	/* The destination takes the name when it starts; keep ours apart. */
	snprintf(s->away, sizeof(s->away), "%s--migratedaway", s->name);
	if (s->guard)
		hk_guard_set(s->guard, HK_GUARD_RENAMED);
	if (hk_xen_rename(s->x, s->domid, s->name, s->away, err, errlen))
		return -1;
	s->renamed = true;
	if (s->guard)
		hk_guard_set(s->guard, HK_GUARD_GO);
	if (xlr_go(s->xr, 120, &gone, err, errlen)) {
		if (gone) {
			/* The destination destroyed its copy: ours may run. */
			if (s->guard)
				hk_guard_set(s->guard, HK_GUARD_RENAMED);
			return -1;
		}
		/* The destination may still hold a copy: do not run two. */
		fprintf(stderr, "selfmig-hook: %s\n"
			"selfmig-hook: the source domain %u stays suspended as '%s'; "
			"check the destination before resuming it\n",
			err, s->domid, s->away);
		return 1;
	}
	s->t_run = now_s();
	if (hk_xen_destroy(s->x, s->domid, err, errlen))
		fprintf(stderr, "selfmig-hook: the destination runs, but: %s\n", err);
	return 0;
}

void hk_switch_abort(struct hk_switch *s)
{
	char err[512];

	/* Closing the stream makes the receiver destroy whatever it built. */
	if (s->xr && xlr_finish(s->xr, 30) >= 128)
		fprintf(stderr, "selfmig-hook: the receiver ended abnormally (killed, crashed or hung); the destination may hold a paused copy '%s--incoming' that never ran: destroy it there\n",
			s->name);
	if (s->renamed &&
	    hk_xen_rename(s->x, s->domid, s->away, s->name, err, sizeof(err)))
		fprintf(stderr, "selfmig-hook: %s\n", err);
	else if (s->renamed && s->guard)
		hk_guard_set(s->guard, HK_GUARD_SUSPENDED);
	if (!s->suspended)
		return;
	if (hk_xen_resume(s->x, s->domid, err, sizeof(err)))
		fprintf(stderr, "selfmig-hook: could not resume domain %u either: %s\n",
			s->domid, err);
	else {
		if (s->guard)
			hk_guard_set(s->guard, HK_GUARD_IDLE);
		fprintf(stderr, "selfmig-hook: domain %u resumed; it runs on\n",
			s->domid);
	}
}
