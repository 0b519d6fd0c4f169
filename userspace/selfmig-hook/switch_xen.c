// SPDX-License-Identifier: GPL-2.0
/* The end of a switch: see switch.h and docs/switch.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "options.h"
#include "fault.h"
#include "guard.h"
#include "hook_xen.h"
#include "self.h"
#include "switch.h"
#include "xlrecv.h"
#include "receiver.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

void hk_json_write(const char *path, const char *fmt, ...)
{
	FILE *f = fopen(path, "w");
	va_list ap;
	int bad;

	if (!f) {
		fprintf(stderr, "selfmig-hook: --json %s: %s\n", path, strerror(errno));
		return;
	}
	va_start(ap, fmt);
	bad = vfprintf(f, fmt, ap) < 0;
	va_end(ap);
	if (fclose(f) || bad)
		fprintf(stderr, "selfmig-hook: --json %s: cannot write it\n", path);
}

int hk_take_opts(int argc, char **argv, const char *shortopts, const int *ids,
		 struct smc_optvals *ov, struct hk_opts *o)
{
	char err[160];
	uint64_t v;

	if (smc_optvals(argc, argv, shortopts, ids, ov, err, sizeof(err)))
		return smc_usage_error("selfmig-hook", err, hk_usage);
	if (ov->val[SMC_O_HELP])
		return smc_usage_exit('h', hk_usage);
	if (!o)
		return -1;
	if (ov->val[SMC_O_RUNE])
		o->rune = ov->val[SMC_O_RUNE];
	if (ov->val[SMC_O_RECEIVER_LOG])
		o->rlog = ov->val[SMC_O_RECEIVER_LOG];
	if (ov->val[SMC_O_JSON])
		o->json = ov->val[SMC_O_JSON];
	if (ov->val[SMC_O_WAIT_S]) {
		if (smc_parse_u64(NULL, ov->val[SMC_O_WAIT_S], 1, 3600, &v, NULL, 0)) {
			fprintf(stderr, "selfmig-hook: --wait-s takes 1..3600\n");
			return SMC_EXIT_USAGE;
		}
		o->wait_s = (unsigned long)v;
	}
	if (ov->val[SMC_O_IO_TIMEOUT] &&
	    smr_parse_seconds(ov->val[SMC_O_IO_TIMEOUT], &o->io_ms)) {
		fprintf(stderr, "selfmig-hook: --io-timeout takes seconds, 0.01..86400\n");
		return SMC_EXIT_USAGE;
	}
	return -1;
}

static void guard(struct hk_switch *s, enum hk_guard_state st)
{
	if (s->guard)
		hk_guard_set(s->guard, st);
}

static void die_at(struct hk_switch *s, enum hk_stage stage)
{
	if (s->fault)
		hk_fault_die_at(s->fault, stage);
}

/* The destination may run the guest, and no one knows: keep ours suspended. */
static int maybe_two(struct hk_switch *s, const char *why)
{
	fprintf(stderr, "selfmig-hook: %s\n"
		"selfmig-hook: ATTENTION: the destination was allowed to run '%s' and did not say whether it does; the source, domain %u, stays suspended as '%s'. Check the destination (`xl list %s` there): if the guest runs there, destroy this copy (`xl destroy %s`); if not, rename it back (`xl rename %s %s`) and resume it (`selfmig-hook resume %s`)\n",
		why, s->name, s->domid, s->away, s->name, s->away, s->away, s->name,
		s->name);
	return 1;
}

int hk_switch_complete(struct hk_switch *s, char *err, size_t errlen)
{
	int status;

	if (xlr_wait_ready(s->xr, 600, err, errlen))
		return -1;
	s->t_ready = now_s();
	/* The destination takes the name when it starts; keep ours apart. */
	snprintf(s->away, sizeof(s->away), "%s--migratedaway", s->name);
	guard(s, HK_GUARD_RENAMED);
	if (hk_xen_rename(s->x, s->domid, s->name, s->away, err, errlen))
		return -1;
	s->renamed = true;
	/*
	 * From here until the destination answers, only its answer says
	 * whether it runs: the guard, holding the receiver's output, reads it
	 * if the hook dies, before or after the permission is written.
	 */
	guard(s, HK_GUARD_GO);
	die_at(s, HK_STAGE_GO);
	if (xlr_permit(s->xr, err, errlen)) {
		/* Nothing of it was written: the destination cannot run. */
		guard(s, HK_GUARD_RENAMED);
		return -1;
	}
	die_at(s, HK_STAGE_PERMITTED);
	if (xlr_report(s->xr, 120, &status, err, errlen))
		return maybe_two(s, err);
	if (!status) {
		guard(s, HK_GUARD_DEST_RUNS);
		s->t_run = now_s();
		if (hk_xen_destroy(s->x, s->domid, err, errlen))
			fprintf(stderr, "selfmig-hook: the destination runs, but: %s; destroy the source (`xl destroy %s`), never resume it\n",
				err, s->away);
		return 0;
	}
	guard(s, HK_GUARD_DEST_FAILED);
	if (xlr_handback(s->xr, 120, err, errlen)) {
		char why[600];

		snprintf(why, sizeof(why), "the destination could not start its copy (status %d) and did not confirm destroying it: %s",
			 status, err);
		snprintf(err, errlen, "%s", why);
		return maybe_two(s, err);
	}
	/* The destination destroyed its copy: ours may run. */
	guard(s, HK_GUARD_RENAMED);
	snprintf(err, errlen, "the destination could not start its copy (status %d) and destroyed it",
		 status);
	return -1;
}

int hk_switch_alarm(struct hk_switch *s, const char *err)
{
	fprintf(stderr, "selfmig-hook: ATTENTION: %s\n", err);
	hk_switch_abort(s);
	return 1;
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
