// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig, the dom0 command: what its subcommands share.  The keys, the
 * usage, domids and message values, the scanning of a subcommand's
 * arguments, prepare's and status's arguments, the choice of subcommand,
 * and the keys' permissions.  No I/O but to the FILE a caller passes.
 * See cli.h; each subcommand's own part is in its file (notify.c,
 * migrate.c, status.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "scan.h"

#define PROG "selfmig"

const struct smg_key_info smg_keys[SMG_NKEYS] = {
	[SMG_KEY_FEATURE] = { "feature-selfmig", "control/feature-selfmig", 0, 0 },
	[SMG_KEY_REQUEST] = { "request", SMG_DIR "/request", 1, 1 },
	[SMG_KEY_ACK] = { "ack", SMG_DIR "/ack", 0, 1 },
	[SMG_KEY_STATE] = { "state", SMG_DIR "/state", 0, 1 },
	[SMG_KEY_PROGRESS] = { "progress", SMG_DIR "/progress", 0, 1 },
	[SMG_KEY_FINAL_SET] = { "final-set", SMG_DIR "/final-set", 0, 1 },
	[SMG_KEY_WWS] = { "wws", SMG_DIR "/wws", 0, 0 },
};

void smg_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " COMMAND ...   (relocation notices: docs/notices.md)\n"
		"\n"
		"  " PROG " prepare DOMAIN\n"
		"      create the guest's control/selfmig keys, with their permissions\n"
		"  " PROG " notify DOMAIN --phase notice|stop|done|abort [--dest D]\n"
		"         [--mode self|assisted|transparent] [--deadline-s S] [--seq N]\n"
		"         [--timeout S] [--no-wait]\n"
		"      send one request, wait for the guest's acknowledgement\n"
		"      --dest D        where the guest goes (needed with --phase notice)\n"
		"      --deadline-s S  the guest undoes its measures by itself S s from now\n"
		"      --seq N         request number (default: the largest of the Unix\n"
		"                      time and 1 + the seq in the ack, request and\n"
		"                      state keys)\n"
		"      --timeout S     how long to wait for the ack (default %d s)\n"
		"      --no-wait       write the request and return\n"
		"      --raw TEXT      write TEXT as the request (tests of the guest)\n"
		"      --fields \"K=V ..\" a well-formed request with these fields (tests)\n"
		"      --no-prepare    leave the keys and their permissions as they are (tests)\n"
		"  " PROG " status DOMAIN [--json FILE]\n"
		"      show the keys, messages decoded; --json FILE writes them as a JSON\n"
		"      object to FILE, or to standard output for -\n"
		"  " PROG " migrate [OPTION...] DOMAIN DEST\n"
		"      migrate with xl; in assisted mode the guest is told (notice, stop,\n"
		"      then done in its new domain, or abort if xl fails)\n"
		"      --mode M            assisted (default), transparent or self\n"
		"      --deadline-s S      the guest's deadline (default %d s)\n"
		"      --settle-ms MS      pause between notice and stop (default %d ms)\n"
		"      --json FILE         the report as a JSON object, too\n"
		"      --xl-ssh CMD        passed to xl migrate as -s CMD\n"
		"      --xl-log FILE       xl's output, appended (default: stderr)\n"
		"      --verbose, -v       run xl with -vvv\n"
		"      in self mode the guest copies itself to selfmig-hook self, which\n"
		"      feeds xl migrate-receive on DEST (notice, migrate, then done)\n"
		"      --max-downtime MS   self: the longest stop the guest aims for\n"
		"      --max-bandwidth MBIT  self: the guest's sending rate at most\n"
		"      --listen ADDR:PORT  self: where the hook listens (default: the\n"
		"                          address of the guest's bridge, port %d)\n"
		"      --verify            self: at the switch, compare every pre-copied\n"
		"                          page outside the final set with what was sent;\n"
		"                          any difference aborts (a longer stop)\n"
		"      DEST localhost migrates on this host without ssh (xl -s env)\n"
		"  " PROG " wws DOMAIN [--seconds S] [--interval-ms MS] [--bandwidth MBIT]\n"
		"         [--json FILE]\n"
		"      the guest's writable working set: its tracker alone (selfmig.ko's\n"
		"      sampler) counts the pages written every MS (default 500) for S\n"
		"      seconds (default 30, at most 200 scans); prints them over time, and\n"
		"      the stop a round that long would leave at MBIT Mbit/s (default 100)\n"
		"\n"
		"An option's value follows it (--timeout 9) or an '=' (--timeout=9);\n"
		"numbers are decimal; -h or --help shows this.  DOMAIN is a domain\n"
		"name or a numeric domid.  The xl program is $SELFMIG_XL\n"
		"if set.  Exit status: 0 ok, 1 error (xl migrate failing included),\n"
		"2 usage, 3 the guest rejected the request, 4 no acknowledgement in time.\n",
		SMG_NOTIFY_TIMEOUT_S, SMG_DEADLINE_S, SMG_SETTLE_MS, SMG_SELF_PORT);
}

int smg_parse_domid(const char *spec, unsigned int *domid)
{
	const char *p;
	uint64_t v;

	if (!*spec)
		return 0;
	for (p = spec; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	if (smc_parse_u64(NULL, spec, 0, SMG_DOMID_MAX, &v, NULL, 0))
		return -1;
	*domid = (unsigned int)v;
	return 1;
}

int smg_value_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= SMN_VAL_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

long long smg_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ arguments */

/* The options of prepare and status. */
static const int opts_prepare[] = { SMC_O_HELP, 0 };
static const int opts_status[] = { SMC_O_HELP, SMC_O_JSON, 0 };

static void add_pos(struct smg_scan *s, const char *val)
{
	if (s->npos < MAX_POS)
		s->pos[s->npos] = val;
	s->npos++;
}

/* See scan.h. */
int smg_scan_next(struct smg_scan *s, const char **val)
{
	size_t n;
	int c;

	while ((c = smc_getopt(s->argc, s->argv, s->shortopts, s->opts, s->err,
			       s->errlen)) == O_POS)
		add_pos(s, optarg);
	if (c == SMC_O_HELP) {
		s->help = 1;
		return SCAN_END;
	}
	if (c == -1) {
		while (optind < s->argc)
			add_pos(s, s->argv[optind++]);
		return SCAN_END;
	}
	if (c == '?') {
		n = strlen(s->err);
		snprintf(s->err + n, s->errlen - n,
			 " for '%s'; run '" PROG " help' for usage", s->argv[0]);
		return SCAN_ERR;
	}
	*val = optarg;
	return c;
}

int smg_scan_all(struct smg_scan *s, struct smc_optvals *ov)
{
	const char *val;
	int id;

	memset(ov, 0, sizeof(*ov));
	while ((id = smg_scan_next(s, &val)) > 0)
		if (id < SMC_O_END)
			ov->val[id] = val ? val : "";
	return id == SCAN_ERR ? SMG_EXIT_USAGE : 0;
}

int smg_opt_num(struct smg_scan *s, const struct smc_optvals *ov, int id,
		uint64_t min, uint64_t max, const char *unit, uint64_t *out)
{
	char flag[48];

	if (!ov->val[id])
		return 0;
	snprintf(flag, sizeof(flag), "--%s", smc_opt_name(id));
	return smg_num_value(s, flag, ov->val[id], min, max, unit, out);
}

int smg_bad_value(struct smg_scan *s, const char *opt, const char *val,
		  const char *want)
{
	snprintf(s->err, s->errlen, "%s '%.64s': %s", opt, val, want);
	return SMG_EXIT_USAGE;
}

/* A whole number for option opt; a usage error names the unit. */
int smg_num_value(struct smg_scan *s, const char *opt, const char *val,
		  uint64_t min, uint64_t max, const char *unit, uint64_t *out)
{
	size_t n;

	if (!smc_parse_u64(opt, val, min, max, out, s->err, s->errlen))
		return 0;
	n = strlen(s->err);
	snprintf(s->err + n, s->errlen - n, " (%s)", unit);
	return SMG_EXIT_USAGE;
}

static int check_pos(struct smg_scan *s, int want, const char *synopsis)
{
	if (s->npos < want) {
		snprintf(s->err, s->errlen, "missing %s; usage: " PROG " %s",
			 s->npos == 0 ? "DOMAIN" : "DEST (a host name, or localhost)",
			 synopsis);
		return SMG_EXIT_USAGE;
	}
	if (s->npos > want) {
		snprintf(s->err, s->errlen,
			 "unexpected argument '%.64s'; usage: " PROG " %s",
			 s->pos[want], synopsis);
		return SMG_EXIT_USAGE;
	}
	return 0;
}

static int check_domain(struct smg_scan *s, const char *spec)
{
	unsigned int domid;
	int r = smg_parse_domid(spec, &domid);

	if (!*spec) {
		snprintf(s->err, s->errlen, "empty DOMAIN: give a name or a domid");
		return SMG_EXIT_USAGE;
	}
	if (r < 0) {
		snprintf(s->err, s->errlen,
			 "domid %.16s is out of range; give a guest's name or domid (see 'xl list')",
			 spec);
		return SMG_EXIT_USAGE;
	}
	if (r == 1 && domid == 0) {
		snprintf(s->err, s->errlen,
			 "domain 0 is dom0, which has no selfmigd; give a guest (see 'xl list')");
		return SMG_EXIT_USAGE;
	}
	return 0;
}

int smg_scan_domain(struct smg_scan *s, int want, const char *synopsis,
		    const char **domain)
{
	int ret = check_pos(s, want, synopsis);

	if (ret)
		return ret;
	*domain = s->pos[0];
	return check_domain(s, *domain);
}

int smg_parse_mode(struct smg_scan *s, const char *opt, const char *val,
		   enum smn_mode *m)
{
	if (smn_mode_parse(val, m))
		return smg_bad_value(s, opt, val,
				 "not one of assisted, transparent, self");
	return 0;
}

static int parse_simple(struct smg_scan *s, struct smg_args *a,
			const char *synopsis)
{
	const char *val;
	int id;

	while ((id = smg_scan_next(s, &val)) > 0) {
		switch (id) {
		case SMC_O_JSON:
			a->json = val;
			break;
		}
	}
	if (id == SCAN_ERR)
		return SMG_EXIT_USAGE;
	return smg_scan_domain(s, 1, synopsis, &a->domain);
}

/* -h or --help after a subcommand: the usage, whatever the rest says. */
static int help_or(struct smg_scan *s, struct smg_args *a, int ret)
{
	if (!s->help)
		return ret;
	a->cmd = SMG_CMD_HELP;
	if (s->errlen)
		s->err[0] = 0;
	return 0;
}

int smg_parse_args(int argc, char *const argv[], struct smg_args *a,
		   char *err, size_t errlen)
{
	struct smg_scan s;
	const char *cmd;

	memset(a, 0, sizeof(*a));
	a->notify.mode = SMN_MODE_ASSISTED;
	a->notify.timeout_s = SMG_NOTIFY_TIMEOUT_S;
	a->migrate.mode = SMN_MODE_ASSISTED;
	a->migrate.deadline_s = SMG_DEADLINE_S;
	a->migrate.settle_ms = SMG_SETTLE_MS;
	if (errlen)
		err[0] = 0;

	if (argc < 2) {
		snprintf(err, errlen, "no command given; run '" PROG " help' for usage");
		return SMG_EXIT_USAGE;
	}
	cmd = argv[1];
	memset(&s, 0, sizeof(s));
	s.argc = argc - 1;
	s.argv = argv + 1;
	s.shortopts = "-h";
	s.err = err;
	s.errlen = errlen;
	optind = 0;			/* a fresh scan, for every call */
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		a->cmd = SMG_CMD_HELP;
		return 0;
	}
	if (!strcmp(cmd, "prepare")) {
		a->cmd = SMG_CMD_PREPARE;
		s.opts = smc_opts(&s.optset, opts_prepare);
		return help_or(&s, a, parse_simple(&s, a, "prepare DOMAIN"));
	}
	if (!strcmp(cmd, "status")) {
		a->cmd = SMG_CMD_STATUS;
		s.opts = smc_opts(&s.optset, opts_status);
		return help_or(&s, a, parse_simple(&s, a, "status DOMAIN [--json FILE]"));
	}
	if (!strcmp(cmd, "notify")) {
		a->cmd = SMG_CMD_NOTIFY;
		return help_or(&s, a, smg_parse_notify(&s, a));
	}
	if (!strcmp(cmd, "migrate")) {
		a->cmd = SMG_CMD_MIGRATE;
		return help_or(&s, a, smg_parse_migrate(&s, a));
	}
	if (!strcmp(cmd, "wws")) {
		a->cmd = SMG_CMD_WWS;
		return help_or(&s, a, smg_parse_wws(&s, a));
	}
	snprintf(err, errlen,
		 "unknown command '%.64s'; the commands are prepare, notify, status, migrate, wws and help",
		 cmd);
	return SMG_EXIT_USAGE;
}

/* ------------------------------------------------------------ keys */

unsigned int smg_perms_want(enum smg_key k, int dir, unsigned int domid,
			    struct smg_perm p[2])
{
	if (dir || smg_keys[k].dom0_owned) {
		p[0].id = 0;
		p[0].perms = SMG_PERM_NONE;
		p[1].id = domid;
		p[1].perms = SMG_PERM_READ;
		return 2;
	}
	p[0].id = domid;
	p[0].perms = SMG_PERM_NONE;
	return 1;
}

int smg_perms_ok(enum smg_key k, unsigned int domid,
		 const struct smg_perm *p, unsigned int n)
{
	if (n == 0)
		return 0;
	if (!smg_keys[k].dom0_owned)
		return p[0].id == domid;
	return n == 2 && p[0].id == 0 && p[0].perms == SMG_PERM_NONE &&
	       p[1].id == domid && p[1].perms == SMG_PERM_READ;
}
