// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig migrate --mode self: selfmig-hook self listens and feeds xl
 * migrate-receive on DEST, the guest copies itself to it, the hook
 * switches (docs/switch.md).  Its progress, on a terminal, from the hook's
 * round lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate_xen.h"
#include "store_xen.h"

/*
 * Where the hook listens unless --listen says: the first IPv4 address of
 * the bridge the guest's first interface is attached to, which the guest
 * reaches without routing.
 */
static int default_listen(struct smg_xs *x, unsigned int domid, char *out,
			  size_t outlen)
{
	char err[SMG_ERRLEN], bridge[64], addr[INET_ADDRSTRLEN];
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (smg_xs_vif_bridge(x, domid, bridge, sizeof(bridge), err, sizeof(err))) {
		smg_error("%s; give --listen ADDR:PORT, an address of this host the guest reaches", err);
		return -1;
	}
	if (getifaddrs(&ifa)) {
		smg_error("cannot list this host's addresses: %s; give --listen ADDR:PORT",
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
		smg_error("the guest's bridge %s has no IPv4 address here, so the guest cannot reach the hook; give it one or give --listen ADDR:PORT",
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
		if (smg_show_progress) {
			if (rd.predicted_stop_ms != SMG_NONE)
				smg_say("round %u: %llu pages, %.1f MiB/s; a stop now would take about %lld ms",
				    rd.round, rd.pages_dirty, rd.mib_s, rd.predicted_stop_ms);
			else
				smg_say("round %u: %llu pages", rd.round, rd.pages_dirty);
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
		smg_error("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	h->pid = fork();
	if (h->pid < 0) {
		smg_error("cannot start %s: %s", argv[0], strerror(errno));
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
		if (smg_stop_flag && !stop_sent) {
			smg_warn("interrupted: stopping selfmig-hook, which resumes the source if it was stopped");
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
int smg_migrate_self(struct smg_mig *m, const char *name, unsigned int domid,
		     struct smg_report *r)
{
	const struct smg_migrate_opts *o = m->o;
	const char *xl = getenv("SELFMIG_XL"), *hookprog = getenv("SELFMIG_HOOK");
	const char *argv[16];
	char listen[SMN_VAL_LEN], id[SMN_ID_HEX + 1], rune[1024], err[SMG_ERRLEN];
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
		smg_error("%s", err);
		return -1;
	}
	smg_say("preparing the keys of %s (domid %u)", name, domid);
	if (smg_prepare_keys(m->x, domid, &prep))
		return -1;
	if (prep.touched & (1U << SMG_KEY_FEATURE))
		smg_wait_feature(m->x, domid);
	if (!smg_feature_on(m->x, domid)) {
		smg_error("domain %s runs no selfmigd (control/feature-selfmig is not 1), so it cannot copy itself; use --mode assisted or transparent",
		      name);
		return -1;
	}
	if (o->listen)
		snprintf(listen, sizeof(listen), "%s", o->listen);
	else if (default_listen(m->x, domid, listen, sizeof(listen)))
		return -1;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		smg_error("getrandom: %s", strerror(errno));
		return -1;
	}
	for (k = 0; k < sizeof(raw); k++)
		snprintf(id + 2 * k, 3, "%02x", raw[k]);
	m->listen = listen;
	m->id = id;
	jfd = mkstemp(jpath);
	if (jfd < 0) {
		smg_error("cannot create a file for the hook's report: %s", strerror(errno));
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

	smg_say("selfmig-hook self: %s, receiver '%s'", listen, rune);
	if (hook_start(&h, argv))
		goto out;
	end = smg_mono_ms() + SMG_HOOK_LISTEN_MS;
	while (!h.listening && !smg_stop_flag && smg_mono_ms() < end)
		if (hook_read(&h, SMG_POLL_MS) < 0)
			break;
	if (!h.listening) {
		if (h.fd >= 0)
			kill(h.pid, SIGTERM);
		hrc = hook_wait(&h, 1);
		smg_error("selfmig-hook did not start listening (exit %d%s%s); the guest was not told anything",
		      hrc, h.last_err[0] ? ": " : "", h.last_err);
		goto out;
	}

	res = smg_mig_request(m, domid, SMN_PHASE_NOTICE, SMG_ACK_MS, 1, &ack, &ms);
	if (res == SMG_SEND_ACKED && ack.ok) {
		told = 1;
		smg_mig_outcome(SMN_PHASE_NOTICE, res, &ack, ms, SMG_ACK_MS, &r->notice_ack_ms);
	} else {
		told = res != SMG_SEND_ERROR;
		smg_mig_outcome(SMN_PHASE_NOTICE, res, &ack, ms, SMG_ACK_MS, &r->notice_ack_ms);
		smg_error("a guest that does not take the notice cannot copy itself");
		goto stop_hook;
	}
	if (!smg_stop_flag && o->settle_ms) {
		smg_say("waiting %llu ms for the guest's policy to take effect",
		    (unsigned long long)o->settle_ms);
		smg_sleep_ms((long long)o->settle_ms);
	}
	if (smg_stop_flag)
		goto stop_hook;
	res = smg_mig_request(m, domid, SMN_PHASE_MIGRATE, SMG_ACK_MS, 1, &ack, &ms);
	if (!smg_mig_outcome(SMN_PHASE_MIGRATE, res, &ack, ms, SMG_ACK_MS, &r->stop_ack_ms)) {
		smg_error("the guest did not start copying itself");
		goto stop_hook;
	}
	r->guest_helped = 1;
	hrc = hook_wait(&h, 0);
	hook_figures(jpath, r);
	r->xl_exit = hrc;
	if (hrc == 0) {
		smg_mig_done(m, r, name, domid);
		rc = 0;
	} else {
		snprintf(err, sizeof(err), "the self-migration failed (selfmig-hook exit %d%s%s)",
			 hrc, h.last_err[0] ? ": " : "", h.last_err);
		smg_mig_abort(m, name, domid, err);
	}
	goto out;

stop_hook:
	kill(h.pid, SIGTERM);
	hook_wait(&h, 1);
	if (told)
		smg_mig_abort(m, name, domid, "the self-migration did not start");
out:
	if (h.fd >= 0)
		close(h.fd);
	unlink(jpath);
	return rc;
}
