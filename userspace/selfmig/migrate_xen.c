// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig migrate: transparent and assisted mode, and what self mode
 * (self_xen.c) shares with them: requests, their outcome, done and abort.
 *
 * migrate in assisted mode (docs/notices.md):
 *   prepare the keys; if the guest runs selfmigd (control/feature-selfmig
 *   is 1): notice, wait --settle-ms, stop; xl migrate; then, in the new
 *   domain the guest lives in, prepare and done, or, if xl failed and the
 *   guest is still here, abort.  A guest without selfmigd, or one that
 *   rejects the notice, is migrated as in transparent mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migrate_xen.h"
#include "store_xen.h"

#define PROGRESS_MS	5000	/* "xl migrate running" lines on a terminal */
#define RESOLVE_MS	2000	/* for the migrated domain's new domid */

/* ------------------------------------------------------------ migrate */

/* Send one request during migrate; warns on errors. */
enum smg_send_result smg_mig_request(struct smg_mig *m, unsigned int domid,
				     enum smn_phase phase,
				     long long timeout_ms, int interruptible,
				     struct smg_ack *ack, long long *ms)
{
	struct smg_notify_opts n;
	char err[SMG_ERRLEN], text[SMN_MAX_LEN + 1];
	enum smg_send_result res;
	uint32_t seq;
	int len;

	memset(&n, 0, sizeof(n));
	n.have_phase = 1;
	n.phase = phase;
	n.mode = m->o->mode;
	n.dest = m->o->dest;
	n.listen = m->listen;
	n.id = m->id;
	n.downtime_ms = m->o->max_downtime_ms;
	n.bandwidth_mbit = m->o->max_bandwidth_mbit;
	if (phase == SMN_PHASE_NOTICE || phase == SMN_PHASE_STOP)
		n.deadline_s = m->o->deadline_s;
	if (smg_xs_next_seq(m->x, domid, m->have_seq ? (uint64_t)m->last_seq + 1 : 0,
			    &seq, err, sizeof(err))) {
		smg_warn("cannot send %s: %s", smn_phase_name(phase), err);
		return SMG_SEND_ERROR;
	}
	len = smg_request_text(&n, seq, (uint64_t)time(NULL), text, sizeof(text),
			       err, sizeof(err));
	if (len < 0) {
		smg_warn("cannot send %s: %s", smn_phase_name(phase), err);
		return SMG_SEND_ERROR;
	}
	m->have_seq = 1;
	m->last_seq = seq;
	res = smg_xs_send(m->x, domid, text, (size_t)len, seq, timeout_ms,
			  interruptible ? &smg_stop_flag : NULL, ack, ms, err, sizeof(err));
	if (res == SMG_SEND_ERROR)
		smg_warn("cannot send %s: %s", smn_phase_name(phase), err);
	return res;
}

/* Say how a request went; 1 if the guest acknowledged it with ok. */
int smg_mig_outcome(enum smn_phase phase, enum smg_send_result res,
		    const struct smg_ack *ack, long long ms,
		    long long timeout_ms, long long *field)
{
	const char *p = smn_phase_name(phase);

	switch (res) {
	case SMG_SEND_ACKED:
		if (ack->ok) {
			smg_say("%s acknowledged in %lld ms", p, ms);
			*field = ms;
			return 1;
		}
		smg_warn("the guest rejected %s (%s): %s", p,
		     ack->reason[0] ? ack->reason : "no reason given",
		     smg_reject_hint(ack->reason));
		break;
	case SMG_SEND_TIMEOUT:
		smg_warn("no acknowledgement of %s within %lld s; going on (the guest may still act on it)",
		     p, timeout_ms / 1000);
		break;
	case SMG_SEND_INTERRUPTED:
		smg_warn("interrupted while waiting for the acknowledgement of %s", p);
		break;
	default:
		break;
	}
	return 0;
}

/* Run xl, wait for it; its exit status, 128 + signal, or -1 if not run. */
static int run_xl(const char *const argv[], int log_fd)
{
	long long t0 = smg_mono_ms(), next = t0 + PROGRESS_MS;
	pid_t pid, r;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		smg_error("cannot start xl: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* xl's output goes to our stderr (or the log), never stdout. */
		if (dup2(log_fd >= 0 ? log_fd : STDERR_FILENO, STDOUT_FILENO) < 0 ||
		    (log_fd >= 0 && dup2(log_fd, STDERR_FILENO) < 0))
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, PROG ": cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			smg_error("cannot wait for xl: %s", strerror(errno));
			return -1;
		}
		if (smg_mono_ms() >= next) {
			smg_say("xl migrate running, %lld s", (smg_mono_ms() - t0) / 1000);
			next += PROGRESS_MS;
		}
		/* Not sleep_ms: xl must be waited for even after a signal. */
		nanosleep(&(struct timespec){ 0, SMG_POLL_MS * 1000000L }, NULL);
	}
	smg_say("xl migrate finished in %lld ms", smg_mono_ms() - t0);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* The migrated guest's new domid, found by its name; -1 if not here. */
static int find_new_domain(struct smg_mig *m, const char *name, unsigned int old,
			   unsigned int *newid)
{
	long long end = smg_mono_ms() + RESOLVE_MS;
	char err[SMG_ERRLEN], n[SMG_NAMELEN];

	for (;;) {
		if (!smg_xs_resolve(m->x, name, newid, n, sizeof(n), err,
				    sizeof(err)) && *newid != old)
			return 0;
		if (smg_mono_ms() >= end)
			return -1;
		smg_sleep_ms(SMG_POLL_MS);
	}
}

/* After xl succeeded: done to the guest in its new domain. */
void smg_mig_done(struct smg_mig *m, struct smg_report *r, const char *name,
		  unsigned int old)
{
	enum smg_send_result res;
	struct smg_prep prep;
	unsigned int newid;
	struct smg_ack ack;
	long long ms = 0;

	if (find_new_domain(m, name, old, &newid)) {
		smg_warn("domain %s is not on this host any more, so it was not told that the migration is done; run 'selfmig notify %s --phase done' on %s, or it undoes its measures by itself at its deadline",
		     name, name, m->o->dest);
		return;
	}
	smg_say("the guest is now domain %u", newid);
	if (smg_prepare_keys(m->x, newid, &prep))
		return;
	res = smg_mig_request(m, newid, SMN_PHASE_DONE, SMG_DONE_ACK_MS, 0, &ack, &ms);
	if (smg_mig_outcome(SMN_PHASE_DONE, res, &ack, ms, SMG_DONE_ACK_MS,
			&r->done_ack_ms))
		r->guest_helped = 1;
}

/* After xl failed, or an interruption: abort to the guest, if still here. */
void smg_mig_abort(struct smg_mig *m, const char *name, unsigned int domid,
		   const char *what)
{
	enum smg_send_result res;
	struct smg_ack ack;
	long long ms = 0, none = SMG_NONE;

	if (!smg_xs_exists(m->x, domid)) {
		smg_error("%s, and domain %s (%u) is gone; check 'xl list' here and on %s",
		      what, name, domid, m->o->dest);
		return;
	}
	res = smg_mig_request(m, domid, SMN_PHASE_ABORT, SMG_ABORT_ACK_MS, 0, &ack,
			  &ms);
	if (smg_mig_outcome(SMN_PHASE_ABORT, res, &ack, ms, SMG_ABORT_ACK_MS, &none))
		smg_error("%s; the guest was told to undo its measures", what);
	else
		smg_error("%s; the guest did not confirm the abort, so it undoes its measures by itself at its deadline (at most %llu s)",
		      what, (unsigned long long)m->o->deadline_s);
}

int smg_cmd_migrate(const struct smg_args *a)
{
	const struct smg_migrate_opts *o = &a->migrate;
	const char *argv[SMG_XL_ARGC_MAX];
	const char *xl = getenv("SELFMIG_XL");
	char err[SMG_ERRLEN], name[SMG_NAMELEN], domstr[16], hostbuf[8192];
	char what[SMG_NAMELEN + 64];
	long long t0 = smg_mono_ms(), ms = 0;
	struct smg_prep prep;
	unsigned int domid;
	enum smg_send_result res;
	struct smg_report r;
	struct smg_ack ack;
	struct smg_mig m;
	FILE *jf = NULL;
	int log_fd = -1, sent = 0, rc = SMG_EXIT_ERROR;

	smg_catch_signals();
	smg_show_progress = isatty(STDERR_FILENO);
	if (!xl || !*xl)
		xl = "xl";
	smg_report_init(&r);
	r.mode = o->mode;
	r.dest = o->dest;
	memset(&m, 0, sizeof(m));
	m.o = o;

	/* Everything that can fail early fails before the guest is told. */
	if (o->json && !(jf = smg_open_report(o->json)))
		return SMG_EXIT_ERROR;
	if (o->xl_log) {
		log_fd = open(o->xl_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			smg_error("cannot open %s: %s; give a writable --xl-log FILE",
			      o->xl_log, strerror(errno));
			goto out;
		}
	}
	m.x = smg_open_domain(a->domain, &domid, name, sizeof(name));
	if (!m.x)
		goto out;
	r.domain = name;
	if (o->mode == SMN_MODE_SELF) {
		r.ok = smg_migrate_self(&m, name, domid, &r) == 0;
		r.total_ms = smg_mono_ms() - t0;
		goto report;
	}
	snprintf(domstr, sizeof(domstr), "%u", domid);
	if (smg_xl_argv(xl, o, domstr, getenv("PATH"), hostbuf, sizeof(hostbuf),
			argv, err, sizeof(err))) {
		smg_error("%s", err);
		rc = SMG_EXIT_USAGE;
		goto out;
	}

	if (o->mode == SMN_MODE_ASSISTED) {
		smg_say("preparing the keys of %s (domid %u)", name, domid);
		if (smg_prepare_keys(m.x, domid, &prep)) {
			smg_error("use --mode transparent to migrate without the guest's help");
			goto out;
		}
		if (prep.touched & (1U << SMG_KEY_FEATURE))
			smg_wait_feature(m.x, domid);
		if (!smg_feature_on(m.x, domid)) {
			smg_warn("guest has no selfmigd: migrating without its help");
		} else {
			res = smg_mig_request(&m, domid, SMN_PHASE_NOTICE, SMG_ACK_MS, 1,
					  &ack, &ms);
			if (res == SMG_SEND_ERROR || (res == SMG_SEND_ACKED && !ack.ok)) {
				smg_mig_outcome(SMN_PHASE_NOTICE, res, &ack, ms, SMG_ACK_MS,
					    &r.notice_ack_ms);
				smg_warn("migrating without the guest's help");
			} else {
				sent = 1;
				r.guest_helped = smg_mig_outcome(SMN_PHASE_NOTICE, res, &ack,
							     ms, SMG_ACK_MS,
							     &r.notice_ack_ms);
				if (!smg_stop_flag && o->settle_ms) {
					smg_say("waiting %llu ms for the guest's policy to take effect",
					    (unsigned long long)o->settle_ms);
					smg_sleep_ms((long long)o->settle_ms);
				}
				if (!smg_stop_flag) {
					res = smg_mig_request(&m, domid, SMN_PHASE_STOP,
							  SMG_ACK_MS, 1, &ack, &ms);
					if (smg_mig_outcome(SMN_PHASE_STOP, res, &ack, ms,
							SMG_ACK_MS, &r.stop_ack_ms))
						r.guest_helped = 1;
				}
			}
		}
	}
	if (smg_stop_flag) {
		if (sent)
			smg_mig_abort(&m, name, domid,
				  "interrupted before xl migrate started");
		else
			smg_error("interrupted before xl migrate started; nothing was changed");
		goto out;
	}

	smg_say("xl migrate %s to %s%s", name, o->dest,
	    o->xl_log ? ", its output goes to the --xl-log file" : "");
	r.xl_exit = run_xl(argv, log_fd);
	r.total_ms = smg_mono_ms() - t0;
	if (r.xl_exit == 0) {
		r.ok = 1;
		if (sent)
			smg_mig_done(&m, &r, name, domid);
	} else {
		if (r.xl_exit < 0)
			snprintf(what, sizeof(what), "xl migrate could not run");
		else if (r.xl_exit == 127)
			snprintf(what, sizeof(what),
				 "xl migrate failed (exit 127: is %s installed, or is $SELFMIG_XL right?)",
				 xl);
		else
			snprintf(what, sizeof(what), "xl migrate failed (exit %d)",
				 r.xl_exit);
		if (sent)
			smg_mig_abort(&m, name, domid, what);
		else
			smg_error("%s; the guest was not told anything", what);
		if (o->xl_log)
			smg_error("xl's output is in %s", o->xl_log);
	}

report:
	smg_report_text(stdout, &r);
	if (jf) {
		smg_report_json(jf, &r);
		if (fclose(jf)) {
			smg_error("cannot write the report to %s: %s", o->json, strerror(errno));
			r.ok = 0;
		}
		jf = NULL;
	}
	rc = r.ok ? SMG_EXIT_OK : SMG_EXIT_ERROR;
out:
	if (jf)
		fclose(jf);
	if (log_fd >= 0)
		close(log_fd);
	smg_xs_close(m.x);
	return rc;
}
