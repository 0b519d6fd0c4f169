// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig, the dom0 command: what its subcommands share when they run
 * (signals, messages, opening a domain, selfmigd's feature key, preparing
 * the keys), and the two small subcommands, prepare and status.  notify is
 * in notify_xen.c, migrate in migrate_xen.c and self_xen.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_xen.h"
#include "store_xen.h"

volatile sig_atomic_t smg_stop_flag;
int smg_show_progress;

static void on_signal(int sig)
{
	(void)sig;
	smg_stop_flag = 1;
}

/* The first SIGINT/SIGTERM/SIGHUP asks to stop; a second one kills. */
void smg_catch_signals(void)
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

void smg_line(const char *prefix, const char *fmt, ...)
{
	va_list ap;

	fputs(prefix, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void smg_sleep_ms(long long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR && !smg_stop_flag)
		;
}

/* Open xenstore and find the domain; NULL after printing the error. */
struct smg_xs *smg_open_domain(const char *spec, unsigned int *domid,
				  char *name, size_t namelen)
{
	char err[SMG_ERRLEN];
	struct smg_xs *x;

	x = smg_xs_open(err, sizeof(err));
	if (!x) {
		smg_error("%s", err);
		return NULL;
	}
	if (smg_xs_resolve(x, spec, domid, name, namelen, err, sizeof(err))) {
		smg_error("%s", err);
		smg_xs_close(x);
		return NULL;
	}
	return x;
}

/* "control/feature-selfmig is '1'" or "... is missing", for messages. */
void smg_describe_feature(struct smg_xs *x, unsigned int domid,
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

int smg_feature_on(struct smg_xs *x, unsigned int domid)
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
void smg_wait_feature(struct smg_xs *x, unsigned int domid)
{
	long long end = smg_mono_ms() + SMG_FEATURE_MS;

	smg_say("waiting up to %d ms for selfmigd to answer", SMG_FEATURE_MS);
	while (!smg_feature_on(x, domid) && !smg_stop_flag && smg_mono_ms() < end)
		smg_sleep_ms(SMG_POLL_MS / 2);
}

int smg_prepare_keys(struct smg_xs *x, unsigned int domid, struct smg_prep *p)
{
	char err[SMG_ERRLEN];

	if (smg_xs_prepare(x, domid, p, err, sizeof(err))) {
		smg_error("cannot prepare the keys of domain %u: %s", domid, err);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ prepare */

int smg_cmd_prepare(const struct smg_args *a)
{
	struct smg_prep p;
	unsigned int domid;
	char name[SMG_NAMELEN];
	struct smg_xs *x;
	int rc = SMG_EXIT_ERROR;

	x = smg_open_domain(a->domain, &domid, name, sizeof(name));
	if (!x)
		return SMG_EXIT_ERROR;
	if (!smg_prepare_keys(x, domid, &p)) {
		printf("domain %s (domid %u): %u keys created, %u permissions fixed\n",
		       name, domid, p.created, p.fixed);
		rc = SMG_EXIT_OK;
	}
	smg_xs_close(x);
	return rc;
}

/* ------------------------------------------------------------ status */

int smg_cmd_status(const struct smg_args *a)
{
	struct smg_status s;
	char name[SMG_NAMELEN];
	struct smg_xs *x;
	unsigned int k;
	char *v[SMG_NKEYS];
	int rc = SMG_EXIT_OK;
	FILE *f;

	memset(&s, 0, sizeof(s));
	x = smg_open_domain(a->domain, &s.domid, name, sizeof(name));
	if (!x)
		return SMG_EXIT_ERROR;
	s.name = name;
	for (k = 0; k < SMG_NKEYS; k++) {
		v[k] = smg_xs_read(x, s.domid, (enum smg_key)k, &s.len[k]);
		s.val[k] = v[k];
	}
	if (!a->json) {
		smg_status_text(stdout, &s);
	} else if (!strcmp(a->json, "-")) {
		smg_status_json(stdout, &s);
	} else {
		f = fopen(a->json, "w");
		if (f)
			smg_status_json(f, &s);
		if (!f || fclose(f)) {
			smg_error("cannot write the status to %s: %s", a->json, strerror(errno));
			rc = SMG_EXIT_ERROR;
		}
	}
	for (k = 0; k < SMG_NKEYS; k++)
		free(v[k]);
	smg_xs_close(x);
	return rc;
}

FILE *smg_open_report(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		smg_error("cannot write the report to %s: %s; give a writable --json FILE",
			  path, strerror(errno));
	return f;
}
