// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig migrate: its arguments, xl's command line and the self-migration
 * hook's, the hook's round lines and figures, and the migration's report.
 * No I/O but to the FILE a caller passes; see cli.h.  The subcommand
 * itself is in migrate_xen.c and self_xen.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "scan.h"

/* migrate's options (and -v). */
static const int opts_migrate[] = {
	SMC_O_HELP, SMC_O_MODE, SMC_O_MAX_DOWNTIME, SMC_O_MAX_BANDWIDTH,
	SMC_O_DEADLINE_S, SMC_O_SETTLE_MS, SMC_O_JSON, SMC_O_XL_SSH,
	SMC_O_XL_LOG, SMC_O_VERBOSE, SMC_O_LISTEN, SMC_O_VERIFY, 0
};

int smg_parse_migrate(struct smg_scan *s, struct smg_args *a)
{
	static const char synopsis[] = "migrate [OPTION...] DOMAIN DEST";
	struct smg_migrate_opts *o = &a->migrate;
	/* The options that only self mode takes, as a user would name them. */
	static const int self_only[] = {
		SMC_O_MAX_DOWNTIME, SMC_O_MAX_BANDWIDTH, SMC_O_LISTEN, SMC_O_VERIFY,
	};
	const char *restricted = NULL, *v;
	struct smc_optvals ov;
	unsigned int i;
	int ret;

	s->shortopts = "-hv";
	s->opts = smc_opts(&s->optset, opts_migrate);
	if (smg_scan_all(s, &ov))
		return SMG_EXIT_USAGE;
	if ((v = ov.val[SMC_O_MODE]) && smg_parse_mode(s, "--mode", v, &o->mode))
		return SMG_EXIT_USAGE;
	if (smg_opt_num(s, &ov, SMC_O_MAX_DOWNTIME, 1, 60000, "milliseconds",
			&o->max_downtime_ms) ||
	    smg_opt_num(s, &ov, SMC_O_MAX_BANDWIDTH, 1, 1000000, "Mbit/s",
			&o->max_bandwidth_mbit) ||
	    smg_opt_num(s, &ov, SMC_O_DEADLINE_S, 1, SMG_MAX_DEADLINE_S,
			"seconds from now", &o->deadline_s) ||
	    smg_opt_num(s, &ov, SMC_O_SETTLE_MS, 0, SMG_MAX_SETTLE_MS,
			"milliseconds", &o->settle_ms))
		return SMG_EXIT_USAGE;
	if ((v = ov.val[SMC_O_XL_SSH]) && !*v)
		return smg_bad_value(s, "--xl-ssh", v, "give a command, e.g. ssh or env");
	if ((v = ov.val[SMC_O_LISTEN]) && (!smg_value_ok(v) || !strchr(v, ':')))
		return smg_bad_value(s, "--listen", v,
				 "ADDR:PORT on this host that the guest can reach");
	o->json = ov.val[SMC_O_JSON];
	if (ov.val[SMC_O_XL_SSH])
		o->xl_ssh = ov.val[SMC_O_XL_SSH];
	o->xl_log = ov.val[SMC_O_XL_LOG];
	o->verbose = ov.val[SMC_O_VERBOSE] != NULL;
	o->listen = ov.val[SMC_O_LISTEN];
	o->verify = ov.val[SMC_O_VERIFY] != NULL;
	for (i = 0; i < sizeof(self_only) / sizeof(self_only[0]); i++)
		if (ov.val[self_only[i]])
			restricted = smc_opt_name(self_only[i]);
	ret = smg_scan_domain(s, 2, synopsis, &a->domain);
	if (ret)
		return ret;
	o->dest = s->pos[1];
	if (!smg_value_ok(o->dest))
		return smg_bad_value(s, "DEST", o->dest,
				 "a host name: 1 to 127 printable characters without spaces");
	if (o->mode == SMN_MODE_SELF)
		return 0;
	if (restricted) {
		snprintf(s->err, s->errlen,
			 "--%s applies only to --mode self (xl migrate has no such limit); drop it",
			 restricted);
		return SMG_EXIT_USAGE;
	}
	return 0;
}


/* ------------------------------------------------------------ xl */

int smg_dest_is_local(const char *dest)
{
	return !strcmp(dest, "localhost");
}

int smg_shell_safe(const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("/_.,:+=@%-", c)))
			return 0;
	}
	return 1;
}

int smg_self_rune(const char *xl, const struct smg_migrate_opts *o, char *out,
		  size_t outlen, char *err, size_t errlen)
{
	const char *v = o->verbose ? " -vvv" : "";
	int n;

	if (!smg_shell_safe(xl)) {
		snprintf(err, errlen, "the xl program '%.64s' has characters the shell would interpret; set a plain $SELFMIG_XL",
			 xl);
		return -1;
	}
	if (smg_dest_is_local(o->dest) && !o->xl_ssh) {
		n = snprintf(out, outlen, "%s%s migrate-receive", xl, v);
	} else {
		if (!smg_shell_safe(o->dest)) {
			snprintf(err, errlen, "DEST '%.64s' has characters the shell would interpret; give a plain host name",
				 o->dest);
			return -1;
		}
		n = snprintf(out, outlen, "%s %s %s%s migrate-receive",
			     o->xl_ssh ? o->xl_ssh : "ssh", o->dest, xl, v);
	}
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "the receiver's command line is too long");
		return -1;
	}
	return 0;
}

int smg_round_line(const char *line, struct smg_round *o)
{
	unsigned long long zero, raw, wire, scanned;
	int n = 0;

	memset(o, 0, sizeof(*o));
	/* selfmig-receive's round line (userspace/receiver/receiver.c) */
	if (sscanf(line, "round %u%*[^:]: %llu pages sent (%llu zero), %llu bytes raw, %llu on wire, scanned %llu, dirty %llu, %lf ms, %lf MiB/s%n",
		   &o->round, &o->pages_sent, &zero, &raw, &wire, &scanned,
		   &o->pages_dirty, &o->ms, &o->mib_s, &n) != 9 &&
	    sscanf(line, "round %u: %llu pages sent (%llu zero), %llu bytes raw, %llu on wire, scanned %llu, dirty %llu, %lf ms, %lf MiB/s%n",
		   &o->round, &o->pages_sent, &zero, &raw, &wire, &scanned,
		   &o->pages_dirty, &o->ms, &o->mib_s, &n) != 9)
		return -1;
	if (!n)
		return -1;
	o->predicted_stop_ms = o->mib_s > 0 ?
		(long long)((double)o->pages_dirty * 4096.0 /
			    (o->mib_s * 1024.0 * 1024.0) * 1000.0 + 0.5) :
		SMG_NONE;
	return 0;
}

long long smg_json_figure(const char *json, const char *key)
{
	char pat[64];
	const char *p;
	uint64_t v;
	char num[24];
	size_t i = 0;

	if (snprintf(pat, sizeof(pat), "\"%s\":", key) >= (int)sizeof(pat))
		return SMG_NONE;
	p = strstr(json, pat);
	if (!p)
		return SMG_NONE;
	p += strlen(pat);
	while (i < sizeof(num) - 1 && p[i] >= '0' && p[i] <= '9') {
		num[i] = p[i];
		i++;
	}
	num[i] = '\0';
	if (smc_parse_u64(NULL, num, 0, (uint64_t)INT64_MAX, &v, NULL, 0))
		return SMG_NONE;
	return (long long)v;
}

int smg_xl_argv(const char *xl, const struct smg_migrate_opts *o,
		const char *domain, const char *path, char *hostbuf,
		size_t hostlen, const char *argv[SMG_XL_ARGC_MAX],
		char *err, size_t errlen)
{
	const char *host = o->dest;
	int i = 0, n;

	argv[i++] = xl;
	if (o->verbose)
		argv[i++] = "-vvv";
	argv[i++] = "migrate";
	if (o->xl_ssh) {
		argv[i++] = "-s";
		argv[i++] = o->xl_ssh;
	} else if (smg_dest_is_local(o->dest)) {
		if (!path || !*path || !smg_shell_safe(path)) {
			snprintf(err, errlen,
				 "PATH is empty or has characters the shell would interpret, and xl passes it through sh; set a plain PATH or give --xl-ssh");
			return -1;
		}
		n = snprintf(hostbuf, hostlen, "PATH=%s", path);
		if (n < 0 || (size_t)n >= hostlen) {
			snprintf(err, errlen, "PATH is too long; shorten it or give --xl-ssh");
			return -1;
		}
		argv[i++] = "-s";
		argv[i++] = "env";
		host = hostbuf;
	}
	argv[i++] = domain;
	argv[i++] = host;
	argv[i] = NULL;
	return 0;
}

/* ------------------------------------------------------------ reports */

void smg_report_init(struct smg_report *r)
{
	memset(r, 0, sizeof(*r));
	r->mode = SMN_MODE_ASSISTED;
	r->domain = "";
	r->dest = "";
	r->notice_ack_ms = SMG_NONE;
	r->stop_ack_ms = SMG_NONE;
	r->done_ack_ms = SMG_NONE;
	r->xl_exit = -1;
	r->total_ms = SMG_NONE;
	smg_report_take_hook(r, "");
}

static void text_num(FILE *f, const char *key, long long v)
{
	if (v == SMG_NONE)
		fprintf(f, "%s: -\n", key);
	else
		fprintf(f, "%s: %lld\n", key, v);
}

/*
 * Self mode's figures: the report's key, the hook's key, the field, and
 * whether the figure is left out when the hook did not report it (those of
 * an option: --verify).
 */
static const struct {
	const char *key, *hook_key;
	size_t off;
	bool optional;
} self_figures[] = {
	{ "rounds", "rounds", offsetof(struct smg_report, rounds), false },
	{ "stream_bytes", "guest_stream_bytes", offsetof(struct smg_report, stream_bytes), false },
	{ "hook_pages", "hook_pages", offsetof(struct smg_report, hook_pages), false },
	{ "final_set_pages", "final_set_pages", offsetof(struct smg_report, final_set_pages), false },
	{ "guest_pages", "guest_pages", offsetof(struct smg_report, guest_pages), false },
	{ "stopped_ms", "stopped_ms", offsetof(struct smg_report, stopped_ms), false },
	{ "verify_checked_pages", "verify_checked_pages", offsetof(struct smg_report, verify_checked), true },
	{ "verify_missed_pages", "verify_missed_pages", offsetof(struct smg_report, verify_missed), true },
};
#define NR_SELF_FIGURES (sizeof(self_figures) / sizeof(self_figures[0]))

static long long *self_figure(struct smg_report *r, size_t i)
{
	return (long long *)(void *)((char *)r + self_figures[i].off);
}

static long long self_figure_val(const struct smg_report *r, size_t i)
{
	return *(const long long *)(const void *)((const char *)r + self_figures[i].off);
}

void smg_report_take_hook(struct smg_report *r, const char *hook_json)
{
	size_t i;

	for (i = 0; i < NR_SELF_FIGURES; i++)
		*self_figure(r, i) = smg_json_figure(hook_json, self_figures[i].hook_key);
}

/* The report's figures, in their order, each through put(). */
static void put_figures(FILE *f, const struct smg_report *r,
			void (*put)(FILE *f, const char *key, long long v))
{
	size_t i;

	put(f, "notice_ack_ms", r->notice_ack_ms);
	put(f, "stop_ack_ms", r->stop_ack_ms);
	put(f, "done_ack_ms", r->done_ack_ms);
	put(f, "xl_exit", r->xl_exit < 0 ? SMG_NONE : r->xl_exit);
	put(f, "total_ms", r->total_ms);
	for (i = 0; r->mode == SMN_MODE_SELF && i < NR_SELF_FIGURES; i++)
		if (!self_figures[i].optional || self_figure_val(r, i) != SMG_NONE)
			put(f, self_figures[i].key, self_figure_val(r, i));
}

void smg_report_text(FILE *f, const struct smg_report *r)
{
	fprintf(f, "mode: %s\n", smn_mode_name(r->mode));
	fprintf(f, "domain: %s\n", r->domain);
	fprintf(f, "dest: %s\n", r->dest);
	fprintf(f, "guest_helped: %s\n", r->guest_helped ? "true" : "false");
	put_figures(f, r, text_num);
	fprintf(f, "ok: %s\n", r->ok ? "true" : "false");
}

static void json_num(FILE *f, const char *key, long long v)
{
	if (v == SMG_NONE)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%lld", key, v);
}

void smg_report_json(FILE *f, const struct smg_report *r)
{
	fputs("{\"mode\":", f);
	smc_json_str(f, smn_mode_name(r->mode));
	fputs(",\"domain\":", f);
	smc_json_str(f, r->domain);
	fputs(",\"dest\":", f);
	smc_json_str(f, r->dest);
	fprintf(f, ",\"guest_helped\":%s", r->guest_helped ? "true" : "false");
	put_figures(f, r, json_num);
	fprintf(f, ",\"ok\":%s}\n", r->ok ? "true" : "false");
}
