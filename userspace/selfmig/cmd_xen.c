// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig, the dom0 command: prepare, notify, status and migrate.
 *
 * migrate in assisted mode (docs/notices.md):
 *   prepare the keys; if the guest runs selfmigd (control/feature-selfmig
 *   is 1): notice, wait --settle-ms, stop; xl migrate; then, in the new
 *   domain the guest lives in, prepare and done, or, if xl failed and the
 *   guest is still here, abort.  A guest without selfmigd, or one that
 *   rejects the notice, is migrated as in transparent mode.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd_xen.h"
#include "store_xen.h"

#define PROG		"selfmig"
#define ERRLEN		512
#define NAMELEN		256
#define PROGRESS_MS	5000	/* "xl migrate running" lines on a terminal */
#define RESOLVE_MS	2000	/* for the migrated domain's new domid */

static volatile sig_atomic_t stop_flag;
static int show_progress;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* The first SIGINT/SIGTERM/SIGHUP asks to stop; a second one kills. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 1, 2))) warn(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A progress line, on a terminal only. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	if (!show_progress)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void sleep_ms(long long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR && !stop_flag)
		;
}

/* Open xenstore and find the domain; NULL after printing the error. */
static struct smg_xs *open_domain(const char *spec, unsigned int *domid,
				  char *name, size_t namelen)
{
	char err[ERRLEN];
	struct smg_xs *x;

	x = smg_xs_open(err, sizeof(err));
	if (!x) {
		error("%s", err);
		return NULL;
	}
	if (smg_xs_resolve(x, spec, domid, name, namelen, err, sizeof(err))) {
		error("%s", err);
		smg_xs_close(x);
		return NULL;
	}
	return x;
}

/* "control/feature-selfmig is '1'" or "... is missing", for messages. */
static void describe_feature(struct smg_xs *x, unsigned int domid,
			     char *out, size_t outlen)
{
	size_t len, i;
	char *v = smg_xs_read(x, domid, SMG_KEY_FEATURE, &len);

	if (!v) {
		snprintf(out, outlen, "control/feature-selfmig is missing");
		return;
	}
	for (i = 0; i < len; i++)
		if (v[i] < ' ' || v[i] > '~')
			v[i] = '?';
	snprintf(out, outlen, "control/feature-selfmig is '%.32s'", v);
	free(v);
}

static int feature_on(struct smg_xs *x, unsigned int domid)
{
	size_t len;
	char *v = smg_xs_read(x, domid, SMG_KEY_FEATURE, &len);
	int on = v && len == 1 && v[0] == '1';

	free(v);
	return on;
}

/*
 * A feature key prepare just created (or made writable for the guest): a
 * running selfmigd watches it and writes 1 within moments.
 */
static void wait_feature(struct smg_xs *x, unsigned int domid)
{
	long long end = smg_mono_ms() + SMG_FEATURE_MS;

	say("waiting up to %d ms for selfmigd to answer", SMG_FEATURE_MS);
	while (!feature_on(x, domid) && !stop_flag && smg_mono_ms() < end)
		sleep_ms(SMG_POLL_MS / 2);
}

static int prepare(struct smg_xs *x, unsigned int domid, struct smg_prep *p)
{
	char err[ERRLEN];

	if (smg_xs_prepare(x, domid, p, err, sizeof(err))) {
		error("cannot prepare the keys of domain %u: %s", domid, err);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ prepare */

int smg_cmd_prepare(const struct smg_args *a)
{
	struct smg_prep p;
	unsigned int domid;
	char name[NAMELEN];
	struct smg_xs *x;
	int rc = SMG_EXIT_ERROR;

	x = open_domain(a->domain, &domid, name, sizeof(name));
	if (!x)
		return SMG_EXIT_ERROR;
	if (!prepare(x, domid, &p)) {
		printf("domain %s (domid %u): %u keys created, %u permissions fixed\n",
		       name, domid, p.created, p.fixed);
		rc = SMG_EXIT_OK;
	}
	smg_xs_close(x);
	return rc;
}

/* ------------------------------------------------------------ notify */

int smg_cmd_notify(const struct smg_args *a)
{
	const struct smg_notify_opts *o = &a->notify;
	char err[ERRLEN], name[NAMELEN], text[SMN_MAX_LEN + 1], line[256];
	char feature[96];
	enum smg_send_result res;
	struct smg_prep prep;
	struct smg_ack ack;
	struct smg_xs *x;
	unsigned int domid;
	long long ms = 0;
	int64_t want;
	uint32_t seq;
	size_t len;
	int n, rc = SMG_EXIT_ERROR;

	catch_signals();
	x = open_domain(a->domain, &domid, name, sizeof(name));
	if (!x)
		return SMG_EXIT_ERROR;
	if (!o->no_prepare && prepare(x, domid, &prep))
		goto out;
	if (o->raw) {
		want = -1;
		len = strlen(o->raw);
	} else if (o->fields) {
		n = smg_fields_text(o->fields, text, sizeof(text), err, sizeof(err));
		if (n < 0) {
			error("%s", err);
			goto out;
		}
		want = -1;
		len = (size_t)n;
	} else {
		seq = o->seq;
		if (!o->have_seq &&
		    smg_xs_next_seq(x, domid, 0, &seq, err, sizeof(err))) {
			error("%s", err);
			goto out;
		}
		n = smg_request_text(o, seq, (uint64_t)time(NULL), text,
				     sizeof(text), err, sizeof(err));
		if (n < 0) {
			error("%s", err);
			goto out;
		}
		want = seq;
		len = (size_t)n;
	}
	res = smg_xs_send(x, domid, o->raw ? o->raw : text, len, want,
			  o->no_wait ? 0 : (long long)o->timeout_s * 1000,
			  &stop_flag, &ack, &ms, err, sizeof(err));
	switch (res) {
	case SMG_SEND_ERROR:
		error("%s", err);
		break;
	case SMG_SEND_WRITTEN:
		if (o->raw || o->fields)
			printf("request written\n");
		else
			printf("request seq=%u written\n", (unsigned int)want);
		rc = SMG_EXIT_OK;
		break;
	case SMG_SEND_TIMEOUT:
		describe_feature(x, domid, feature, sizeof(feature));
		error("no acknowledgement from domain %s within %u s: is selfmigd running in the guest? (%s)",
		      a->domain, o->timeout_s, feature);
		rc = SMG_EXIT_TIMEOUT;
		break;
	case SMG_SEND_INTERRUPTED:
		error("interrupted while waiting; the request is written and the guest may still act on it");
		break;
	case SMG_SEND_ACKED:
		smg_ack_line(&ack, line, sizeof(line));
		printf("%s\n", line);
		if (ack.ok) {
			say("acknowledged in %lld ms", ms);
			rc = SMG_EXIT_OK;
		} else {
			error("domain %s rejected the request (%s): %s", a->domain,
			      ack.reason[0] ? ack.reason : "no reason given",
			      smg_reject_hint(ack.reason));
			rc = SMG_EXIT_REJECTED;
		}
		break;
	}
out:
	smg_xs_close(x);
	return rc;
}

/* ------------------------------------------------------------ status */

int smg_cmd_status(const struct smg_args *a)
{
	struct smg_status s;
	char name[NAMELEN];
	struct smg_xs *x;
	unsigned int k;
	char *v[SMG_NKEYS];

	memset(&s, 0, sizeof(s));
	x = open_domain(a->domain, &s.domid, name, sizeof(name));
	if (!x)
		return SMG_EXIT_ERROR;
	s.name = name;
	for (k = 0; k < SMG_NKEYS; k++) {
		v[k] = smg_xs_read(x, s.domid, (enum smg_key)k, &s.len[k]);
		s.val[k] = v[k];
	}
	if (a->json)
		smg_status_json(stdout, &s);
	else
		smg_status_text(stdout, &s);
	for (k = 0; k < SMG_NKEYS; k++)
		free(v[k]);
	smg_xs_close(x);
	return SMG_EXIT_OK;
}

/* ------------------------------------------------------------ migrate */

struct mig {
	struct smg_xs *x;
	const struct smg_migrate_opts *o;
	int have_seq;
	uint32_t last_seq;		/* the seq of our last request */
	const char *listen;		/* self: the hook's ADDR:PORT */
	const char *id;			/* self: the migration's id */
};

/* Send one request during migrate; warns on errors. */
static enum smg_send_result mig_request(struct mig *m, unsigned int domid,
					enum smn_phase phase,
					long long timeout_ms, int interruptible,
					struct smg_ack *ack, long long *ms)
{
	struct smg_notify_opts n;
	char err[ERRLEN], text[SMN_MAX_LEN + 1];
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
		warn("cannot send %s: %s", smn_phase_name(phase), err);
		return SMG_SEND_ERROR;
	}
	len = smg_request_text(&n, seq, (uint64_t)time(NULL), text, sizeof(text),
			       err, sizeof(err));
	if (len < 0) {
		warn("cannot send %s: %s", smn_phase_name(phase), err);
		return SMG_SEND_ERROR;
	}
	m->have_seq = 1;
	m->last_seq = seq;
	res = smg_xs_send(m->x, domid, text, (size_t)len, seq, timeout_ms,
			  interruptible ? &stop_flag : NULL, ack, ms, err, sizeof(err));
	if (res == SMG_SEND_ERROR)
		warn("cannot send %s: %s", smn_phase_name(phase), err);
	return res;
}

/* Say how a request went; 1 if the guest acknowledged it with ok. */
static int mig_outcome(enum smn_phase phase, enum smg_send_result res,
		       const struct smg_ack *ack, long long ms,
		       long long timeout_ms, long long *field)
{
	const char *p = smn_phase_name(phase);

	switch (res) {
	case SMG_SEND_ACKED:
		if (ack->ok) {
			say("%s acknowledged in %lld ms", p, ms);
			*field = ms;
			return 1;
		}
		warn("the guest rejected %s (%s): %s", p,
		     ack->reason[0] ? ack->reason : "no reason given",
		     smg_reject_hint(ack->reason));
		break;
	case SMG_SEND_TIMEOUT:
		warn("no acknowledgement of %s within %lld s; going on (the guest may still act on it)",
		     p, timeout_ms / 1000);
		break;
	case SMG_SEND_INTERRUPTED:
		warn("interrupted while waiting for the acknowledgement of %s", p);
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
		error("cannot start xl: %s", strerror(errno));
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
			error("cannot wait for xl: %s", strerror(errno));
			return -1;
		}
		if (smg_mono_ms() >= next) {
			say("xl migrate running, %lld s", (smg_mono_ms() - t0) / 1000);
			next += PROGRESS_MS;
		}
		/* Not sleep_ms: xl must be waited for even after a signal. */
		nanosleep(&(struct timespec){ 0, SMG_POLL_MS * 1000000L }, NULL);
	}
	say("xl migrate finished in %lld ms", smg_mono_ms() - t0);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* The migrated guest's new domid, found by its name; -1 if not here. */
static int find_new_domain(struct mig *m, const char *name, unsigned int old,
			   unsigned int *newid)
{
	long long end = smg_mono_ms() + RESOLVE_MS;
	char err[ERRLEN], n[NAMELEN];

	for (;;) {
		if (!smg_xs_resolve(m->x, name, newid, n, sizeof(n), err,
				    sizeof(err)) && *newid != old)
			return 0;
		if (smg_mono_ms() >= end)
			return -1;
		sleep_ms(SMG_POLL_MS);
	}
}

/* After xl succeeded: done to the guest in its new domain. */
static void mig_done(struct mig *m, struct smg_report *r, const char *name,
		     unsigned int old)
{
	enum smg_send_result res;
	struct smg_prep prep;
	unsigned int newid;
	struct smg_ack ack;
	long long ms = 0;

	if (find_new_domain(m, name, old, &newid)) {
		warn("domain %s is not on this host any more, so it was not told that the migration is done; run 'selfmig notify %s --phase done' on %s, or it undoes its measures by itself at its deadline",
		     name, name, m->o->dest);
		return;
	}
	say("the guest is now domain %u", newid);
	if (prepare(m->x, newid, &prep))
		return;
	res = mig_request(m, newid, SMN_PHASE_DONE, SMG_DONE_ACK_MS, 0, &ack, &ms);
	if (mig_outcome(SMN_PHASE_DONE, res, &ack, ms, SMG_DONE_ACK_MS,
			&r->done_ack_ms))
		r->guest_helped = 1;
}

/* After xl failed, or an interruption: abort to the guest, if still here. */
static void mig_abort(struct mig *m, const char *name, unsigned int domid,
		      const char *what)
{
	enum smg_send_result res;
	struct smg_ack ack;
	long long ms = 0, none = SMG_NONE;

	if (!smg_xs_exists(m->x, domid)) {
		error("%s, and domain %s (%u) is gone; check 'xl list' here and on %s",
		      what, name, domid, m->o->dest);
		return;
	}
	res = mig_request(m, domid, SMN_PHASE_ABORT, SMG_ABORT_ACK_MS, 0, &ack,
			  &ms);
	if (mig_outcome(SMN_PHASE_ABORT, res, &ack, ms, SMG_ABORT_ACK_MS, &none))
		error("%s; the guest was told to undo its measures", what);
	else
		error("%s; the guest did not confirm the abort, so it undoes its measures by itself at its deadline (at most %llu s)",
		      what, (unsigned long long)m->o->deadline_s);
}

/* ------------------------------------------------------------ self mode */

/*
 * Where the hook listens unless --listen says: the first IPv4 address of
 * the bridge the guest's first interface is attached to, which the guest
 * reaches without routing.
 */
static int default_listen(struct smg_xs *x, unsigned int domid, char *out,
			  size_t outlen)
{
	char err[ERRLEN], bridge[64], addr[INET_ADDRSTRLEN];
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (smg_xs_vif_bridge(x, domid, bridge, sizeof(bridge), err, sizeof(err))) {
		error("%s; give --listen ADDR:PORT, an address of this host the guest reaches", err);
		return -1;
	}
	if (getifaddrs(&ifa)) {
		error("cannot list this host's addresses: %s; give --listen ADDR:PORT",
		      strerror(errno));
		return -1;
	}
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, bridge))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
			  addr, sizeof(addr));
		found = 1;
	}
	freeifaddrs(ifa);
	if (!found) {
		error("the guest's bridge %s has no IPv4 address here, so the guest cannot reach the hook; give it one or give --listen ADDR:PORT",
		      bridge);
		return -1;
	}
	snprintf(out, outlen, "%s:%d", addr, SMG_SELF_PORT);
	return 0;
}

struct hook {
	pid_t pid;
	int fd;				/* its stdout and stderr */
	char buf[4096];
	size_t len;
	char last_err[400];		/* its last "selfmig-hook: " line */
	int listening;
	struct smg_report *r;
};

/* One line of the hook's output: progress on a terminal, else as it is. */
static void hook_line(struct hook *h, char *line)
{
	struct smg_round rd;

	if (strstr(line, "listening on"))
		h->listening = 1;
	if (!strncmp(line, "selfmig-hook: ", 14))
		snprintf(h->last_err, sizeof(h->last_err), "%.399s", line + 14);
	if (!smg_round_line(line, &rd)) {
		h->r->rounds = rd.round + 1;
		if (show_progress) {
			if (rd.predicted_stop_ms != SMG_NONE)
				say("round %u: %llu pages, %.1f MiB/s; a stop now would take about %lld ms",
				    rd.round, rd.pages_dirty, rd.mib_s, rd.predicted_stop_ms);
			else
				say("round %u: %llu pages", rd.round, rd.pages_dirty);
			return;
		}
	}
	fprintf(stderr, "%s\n", line);
}

/* Read what the hook wrote, up to timeout_ms; -1 at its end of output. */
static int hook_read(struct hook *h, int timeout_ms)
{
	struct pollfd p = { h->fd, POLLIN, 0 };
	ssize_t n;
	char *nl;

	if (h->fd < 0)
		return -1;
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = read(h->fd, h->buf + h->len, sizeof(h->buf) - 1 - h->len);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0) {
		if (h->len) {
			h->buf[h->len] = '\0';
			hook_line(h, h->buf);
			h->len = 0;
		}
		close(h->fd);
		h->fd = -1;
		return -1;
	}
	h->len += (size_t)n;
	h->buf[h->len] = '\0';
	while ((nl = strchr(h->buf, '\n'))) {
		*nl = '\0';
		hook_line(h, h->buf);
		h->len -= (size_t)(nl + 1 - h->buf);
		memmove(h->buf, nl + 1, h->len + 1);
	}
	if (h->len == sizeof(h->buf) - 1) {	/* a line longer than the buffer */
		hook_line(h, h->buf);
		h->len = 0;
	}
	return 0;
}

static int hook_start(struct hook *h, const char *const argv[])
{
	int p[2];

	if (pipe2(p, O_CLOEXEC)) {
		error("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	h->pid = fork();
	if (h->pid < 0) {
		error("cannot start %s: %s", argv[0], strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (h->pid == 0) {
		if (dup2(p[1], STDOUT_FILENO) < 0 || dup2(p[1], STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "selfmig-hook: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(p[1]);
	h->fd = p[0];
	return 0;
}

/* Wait for the hook to end, passing on its output; its exit status. */
static int hook_wait(struct hook *h, int stop_sent)
{
	int st;
	pid_t r;

	for (;;) {
		if (stop_flag && !stop_sent) {
			warn("interrupted: stopping selfmig-hook, which resumes the source if it was stopped");
			kill(h->pid, SIGTERM);
			stop_sent = 1;
		}
		if (hook_read(h, SMG_POLL_MS) < 0)
			break;
	}
	while ((r = waitpid(h->pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The hook's JSON report: its figures into the migration's report. */
static void hook_figures(const char *path, struct smg_report *r)
{
	char text[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	smg_report_take_hook(r, text);
}

/*
 * Self mode: selfmig-hook self listens and feeds xl migrate-receive on
 * DEST; the guest is told (notice, then migrate) and copies itself; the
 * hook switches.  Then done in the guest's new domain, or abort if the
 * source still runs.  0 when the guest runs on the destination.
 */
static int migrate_self(struct mig *m, const char *name, unsigned int domid,
			struct smg_report *r)
{
	const struct smg_migrate_opts *o = m->o;
	const char *xl = getenv("SELFMIG_XL"), *hookprog = getenv("SELFMIG_HOOK");
	const char *argv[16];
	char listen[SMN_VAL_LEN], id[SMN_ID_HEX + 1], rune[1024], err[ERRLEN];
	char jpath[] = "/tmp/selfmig-hook-XXXXXX", domstr[16];
	uint8_t raw[SMN_ID_HEX / 2];
	struct hook h = { .pid = -1, .fd = -1, .r = r };
	struct smg_prep prep;
	enum smg_send_result res;
	struct smg_ack ack;
	long long ms = 0, end;
	int i = 0, hrc, jfd, told = 0, rc = -1;
	size_t k;

	if (!xl || !*xl)
		xl = "xl";
	if (!hookprog || !*hookprog)
		hookprog = "selfmig-hook";
	if (smg_self_rune(xl, o, rune, sizeof(rune), err, sizeof(err))) {
		error("%s", err);
		return -1;
	}
	say("preparing the keys of %s (domid %u)", name, domid);
	if (prepare(m->x, domid, &prep))
		return -1;
	if (prep.touched & (1U << SMG_KEY_FEATURE))
		wait_feature(m->x, domid);
	if (!feature_on(m->x, domid)) {
		error("domain %s runs no selfmigd (control/feature-selfmig is not 1), so it cannot copy itself; use --mode assisted or transparent",
		      name);
		return -1;
	}
	if (o->listen)
		snprintf(listen, sizeof(listen), "%s", o->listen);
	else if (default_listen(m->x, domid, listen, sizeof(listen)))
		return -1;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		error("getrandom: %s", strerror(errno));
		return -1;
	}
	for (k = 0; k < sizeof(raw); k++)
		snprintf(id + 2 * k, 3, "%02x", raw[k]);
	m->listen = listen;
	m->id = id;
	jfd = mkstemp(jpath);
	if (jfd < 0) {
		error("cannot create a file for the hook's report: %s", strerror(errno));
		return -1;
	}
	close(jfd);
	snprintf(domstr, sizeof(domstr), "%u", domid);
	argv[i++] = hookprog;
	argv[i++] = "self";
	argv[i++] = domstr;
	argv[i++] = "--listen";
	argv[i++] = listen;
	argv[i++] = "--id";
	argv[i++] = id;
	argv[i++] = "--rune";
	argv[i++] = rune;
	argv[i++] = "--json";
	argv[i++] = jpath;
	if (o->xl_log) {
		argv[i++] = "--receiver-log";
		argv[i++] = o->xl_log;
	}
	if (o->verify)
		argv[i++] = "--verify";
	argv[i] = NULL;

	say("selfmig-hook self: %s, receiver '%s'", listen, rune);
	if (hook_start(&h, argv))
		goto out;
	end = smg_mono_ms() + SMG_HOOK_LISTEN_MS;
	while (!h.listening && !stop_flag && smg_mono_ms() < end)
		if (hook_read(&h, SMG_POLL_MS) < 0)
			break;
	if (!h.listening) {
		if (h.fd >= 0)
			kill(h.pid, SIGTERM);
		hrc = hook_wait(&h, 1);
		error("selfmig-hook did not start listening (exit %d%s%s); the guest was not told anything",
		      hrc, h.last_err[0] ? ": " : "", h.last_err);
		goto out;
	}

	res = mig_request(m, domid, SMN_PHASE_NOTICE, SMG_ACK_MS, 1, &ack, &ms);
	if (res == SMG_SEND_ACKED && ack.ok) {
		told = 1;
		mig_outcome(SMN_PHASE_NOTICE, res, &ack, ms, SMG_ACK_MS, &r->notice_ack_ms);
	} else {
		told = res != SMG_SEND_ERROR;
		mig_outcome(SMN_PHASE_NOTICE, res, &ack, ms, SMG_ACK_MS, &r->notice_ack_ms);
		error("a guest that does not take the notice cannot copy itself");
		goto stop_hook;
	}
	if (!stop_flag && o->settle_ms) {
		say("waiting %llu ms for the guest's policy to take effect",
		    (unsigned long long)o->settle_ms);
		sleep_ms((long long)o->settle_ms);
	}
	if (stop_flag)
		goto stop_hook;
	res = mig_request(m, domid, SMN_PHASE_MIGRATE, SMG_ACK_MS, 1, &ack, &ms);
	if (!mig_outcome(SMN_PHASE_MIGRATE, res, &ack, ms, SMG_ACK_MS, &r->stop_ack_ms)) {
		error("the guest did not start copying itself");
		goto stop_hook;
	}
	r->guest_helped = 1;
	hrc = hook_wait(&h, 0);
	hook_figures(jpath, r);
	r->xl_exit = hrc;
	if (hrc == 0) {
		mig_done(m, r, name, domid);
		rc = 0;
	} else {
		snprintf(err, sizeof(err), "the self-migration failed (selfmig-hook exit %d%s%s)",
			 hrc, h.last_err[0] ? ": " : "", h.last_err);
		mig_abort(m, name, domid, err);
	}
	goto out;

stop_hook:
	kill(h.pid, SIGTERM);
	hook_wait(&h, 1);
	if (told)
		mig_abort(m, name, domid, "the self-migration did not start");
out:
	if (h.fd >= 0)
		close(h.fd);
	unlink(jpath);
	return rc;
}

int smg_cmd_migrate(const struct smg_args *a)
{
	const struct smg_migrate_opts *o = &a->migrate;
	const char *argv[SMG_XL_ARGC_MAX];
	const char *xl = getenv("SELFMIG_XL");
	char err[ERRLEN], name[NAMELEN], domstr[16], hostbuf[8192];
	char what[NAMELEN + 64];
	long long t0 = smg_mono_ms(), ms = 0;
	struct smg_prep prep;
	unsigned int domid;
	enum smg_send_result res;
	struct smg_report r;
	struct smg_ack ack;
	struct mig m;
	FILE *jf = NULL;
	int log_fd = -1, sent = 0, rc = SMG_EXIT_ERROR;

	catch_signals();
	show_progress = isatty(STDERR_FILENO);
	if (!xl || !*xl)
		xl = "xl";
	smg_report_init(&r);
	r.mode = o->mode;
	r.dest = o->dest;
	memset(&m, 0, sizeof(m));
	m.o = o;

	/* Everything that can fail early fails before the guest is told. */
	if (o->json) {
		jf = fopen(o->json, "w");
		if (!jf) {
			error("cannot write the report to %s: %s; give a writable --json FILE",
			      o->json, strerror(errno));
			return SMG_EXIT_ERROR;
		}
	}
	if (o->xl_log) {
		log_fd = open(o->xl_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			error("cannot open %s: %s; give a writable --xl-log FILE",
			      o->xl_log, strerror(errno));
			goto out;
		}
	}
	m.x = open_domain(a->domain, &domid, name, sizeof(name));
	if (!m.x)
		goto out;
	r.domain = name;
	if (o->mode == SMN_MODE_SELF) {
		r.ok = migrate_self(&m, name, domid, &r) == 0;
		r.total_ms = smg_mono_ms() - t0;
		goto report;
	}
	snprintf(domstr, sizeof(domstr), "%u", domid);
	if (smg_xl_argv(xl, o, domstr, getenv("PATH"), hostbuf, sizeof(hostbuf),
			argv, err, sizeof(err))) {
		error("%s", err);
		rc = SMG_EXIT_USAGE;
		goto out;
	}

	if (o->mode == SMN_MODE_ASSISTED) {
		say("preparing the keys of %s (domid %u)", name, domid);
		if (prepare(m.x, domid, &prep)) {
			error("use --mode transparent to migrate without the guest's help");
			goto out;
		}
		if (prep.touched & (1U << SMG_KEY_FEATURE))
			wait_feature(m.x, domid);
		if (!feature_on(m.x, domid)) {
			warn("guest has no selfmigd: migrating without its help");
		} else {
			res = mig_request(&m, domid, SMN_PHASE_NOTICE, SMG_ACK_MS, 1,
					  &ack, &ms);
			if (res == SMG_SEND_ERROR || (res == SMG_SEND_ACKED && !ack.ok)) {
				mig_outcome(SMN_PHASE_NOTICE, res, &ack, ms, SMG_ACK_MS,
					    &r.notice_ack_ms);
				warn("migrating without the guest's help");
			} else {
				sent = 1;
				r.guest_helped = mig_outcome(SMN_PHASE_NOTICE, res, &ack,
							     ms, SMG_ACK_MS,
							     &r.notice_ack_ms);
				if (!stop_flag && o->settle_ms) {
					say("waiting %llu ms for the guest's policy to take effect",
					    (unsigned long long)o->settle_ms);
					sleep_ms((long long)o->settle_ms);
				}
				if (!stop_flag) {
					res = mig_request(&m, domid, SMN_PHASE_STOP,
							  SMG_ACK_MS, 1, &ack, &ms);
					if (mig_outcome(SMN_PHASE_STOP, res, &ack, ms,
							SMG_ACK_MS, &r.stop_ack_ms))
						r.guest_helped = 1;
				}
			}
		}
	}
	if (stop_flag) {
		if (sent)
			mig_abort(&m, name, domid,
				  "interrupted before xl migrate started");
		else
			error("interrupted before xl migrate started; nothing was changed");
		goto out;
	}

	say("xl migrate %s to %s%s", name, o->dest,
	    o->xl_log ? ", its output goes to the --xl-log file" : "");
	r.xl_exit = run_xl(argv, log_fd);
	r.total_ms = smg_mono_ms() - t0;
	if (r.xl_exit == 0) {
		r.ok = 1;
		if (sent)
			mig_done(&m, &r, name, domid);
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
			mig_abort(&m, name, domid, what);
		else
			error("%s; the guest was not told anything", what);
		if (o->xl_log)
			error("xl's output is in %s", o->xl_log);
	}

report:
	smg_report_text(stdout, &r);
	if (jf) {
		smg_report_json(jf, &r);
		if (fclose(jf)) {
			error("cannot write the report to %s: %s", o->json, strerror(errno));
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
