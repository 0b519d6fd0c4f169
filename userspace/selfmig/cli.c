// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig, the dom0 command: argument parsing, sequence numbers, acks, key
 * permissions, xl's command line and the reports.  No I/O but to the FILE
 * a caller passes.  See cli.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"

#define PROG "selfmig"

const struct smg_key_info smg_keys[SMG_NKEYS] = {
	[SMG_KEY_FEATURE] = { "feature-selfmig", "control/feature-selfmig", 0, 0 },
	[SMG_KEY_REQUEST] = { "request", SMG_DIR "/request", 1, 1 },
	[SMG_KEY_ACK] = { "ack", SMG_DIR "/ack", 0, 1 },
	[SMG_KEY_STATE] = { "state", SMG_DIR "/state", 0, 1 },
	[SMG_KEY_PROGRESS] = { "progress", SMG_DIR "/progress", 0, 1 },
	[SMG_KEY_FINAL_SET] = { "final-set", SMG_DIR "/final-set", 0, 1 },
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
		"  " PROG " status DOMAIN [--json]\n"
		"      show the keys, messages decoded\n"
		"  " PROG " migrate [OPTION...] DOMAIN DEST\n"
		"      migrate with xl; in assisted mode the guest is told (notice, stop,\n"
		"      then done in its new domain, or abort if xl fails)\n"
		"      --mode M            assisted (default), transparent or self\n"
		"      --deadline-s S      the guest's deadline (default %d s)\n"
		"      --settle-ms MS      pause between notice and stop (default %d ms)\n"
		"      --json FILE         the report as a JSON object, too\n"
		"      --xl-ssh CMD        passed to xl migrate as -s CMD\n"
		"      --xl-log FILE       xl's output, appended (default: stderr)\n"
		"      --verbose           run xl with -vvv\n"
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
		"\n"
		"DOMAIN is a domain name or a numeric domid.  The xl program is $SELFMIG_XL\n"
		"if set.  Exit status: 0 ok, 1 error (xl migrate failing included),\n"
		"2 usage, 3 the guest rejected the request, 4 no acknowledgement in time.\n",
		SMG_NOTIFY_TIMEOUT_S, SMG_DEADLINE_S, SMG_SETTLE_MS, SMG_SELF_PORT);
}

int smg_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *ep;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &ep, 10);
	if (errno || *ep || v < min || v > max)
		return -1;
	*out = v;
	return 0;
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
	if (smg_parse_uint(spec, 0, SMG_DOMID_MAX, &v))
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

enum {
	O_HELP = 1, O_PHASE, O_DEST, O_MODE, O_DEADLINE, O_SEQ, O_TIMEOUT,
	O_NOWAIT, O_RAW, O_JSON, O_JSONFILE, O_MAXDOWN, O_MAXBW, O_XLSSH,
	O_XLLOG, O_SETTLE, O_VERBOSE, O_FIELDS, O_NOPREP, O_LISTEN, O_VERIFY,
};

struct smg_opt {
	const char *name;		/* with its dashes */
	int arg;			/* takes a value */
	int id;
};

#define OPT_HELP	{ "--help", 0, O_HELP }, { "-h", 0, O_HELP }

static const struct smg_opt opts_prepare[] = {
	OPT_HELP,
	{ NULL, 0, 0 }
};

static const struct smg_opt opts_status[] = {
	OPT_HELP,
	{ "--json", 0, O_JSON },
	{ NULL, 0, 0 }
};

static const struct smg_opt opts_notify[] = {
	OPT_HELP,
	{ "--phase", 1, O_PHASE },
	{ "--dest", 1, O_DEST },
	{ "--mode", 1, O_MODE },
	{ "--deadline-s", 1, O_DEADLINE },
	{ "--seq", 1, O_SEQ },
	{ "--timeout", 1, O_TIMEOUT },
	{ "--no-wait", 0, O_NOWAIT },
	{ "--raw", 1, O_RAW },
	{ "--fields", 1, O_FIELDS },
	{ "--no-prepare", 0, O_NOPREP },
	{ NULL, 0, 0 }
};

static const struct smg_opt opts_migrate[] = {
	OPT_HELP,
	{ "--mode", 1, O_MODE },
	{ "--max-downtime", 1, O_MAXDOWN },
	{ "--max-bandwidth", 1, O_MAXBW },
	{ "--deadline-s", 1, O_DEADLINE },
	{ "--settle-ms", 1, O_SETTLE },
	{ "--json", 1, O_JSONFILE },
	{ "--xl-ssh", 1, O_XLSSH },
	{ "--xl-log", 1, O_XLLOG },
	{ "--verbose", 0, O_VERBOSE },
	{ "-v", 0, O_VERBOSE },
	{ "--listen", 1, O_LISTEN },
	{ "--verify", 0, O_VERIFY },
	{ NULL, 0, 0 }
};

#define SCAN_END	0
#define SCAN_OPT	1
#define SCAN_POS	2
#define SCAN_ERR	(-1)
#define MAX_POS		3		/* the most a command takes, plus one */

/* Walks the arguments of one subcommand: options anywhere, "--" ends them. */
struct scan {
	int argc;
	char *const *argv;
	int i;
	int only_pos;
	const struct smg_opt *tab;
	const char *cmd;
	char *err;
	size_t errlen;
};

static int scan_next(struct scan *s, int *id, const char **val)
{
	const struct smg_opt *o;
	const char *a, *eq;
	size_t n;

	for (;;) {
		if (s->i >= s->argc)
			return SCAN_END;
		a = s->argv[s->i++];
		if (s->only_pos || a[0] != '-' || a[1] == 0) {
			*val = a;
			return SCAN_POS;
		}
		if (strcmp(a, "--"))
			break;
		s->only_pos = 1;
	}
	eq = a[1] == '-' ? strchr(a, '=') : NULL;
	n = eq ? (size_t)(eq - a) : strlen(a);
	for (o = s->tab; o->name; o++)
		if (strlen(o->name) == n && !strncmp(o->name, a, n))
			break;
	if (!o->name) {
		snprintf(s->err, s->errlen,
			 "unknown option '%.*s' for '%s'; run '" PROG " help' for usage",
			 (int)(n > 64 ? 64 : n), a, s->cmd);
		return SCAN_ERR;
	}
	*id = o->id;
	*val = NULL;
	if (!o->arg) {
		if (eq) {
			snprintf(s->err, s->errlen, "%s takes no value; drop '%s'",
				 o->name, eq);
			return SCAN_ERR;
		}
		return SCAN_OPT;
	}
	if (eq) {
		*val = eq + 1;
	} else if (s->i < s->argc) {
		*val = s->argv[s->i++];
	} else {
		snprintf(s->err, s->errlen, "%s needs a value; run '" PROG " help'",
			 o->name);
		return SCAN_ERR;
	}
	return SCAN_OPT;
}

static int bad_value(struct scan *s, const char *opt, const char *val,
		     const char *want)
{
	snprintf(s->err, s->errlen, "%s '%.64s': %s", opt, val, want);
	return SMG_EXIT_USAGE;
}

/* Store a positional argument, counting the ones beyond MAX_POS too. */
static void add_pos(const char **pos, int *npos, const char *val)
{
	if (*npos < MAX_POS)
		pos[*npos] = val;
	(*npos)++;
}

static int check_pos(struct scan *s, const char **pos, int npos, int want,
		     const char *synopsis)
{
	if (npos < want) {
		snprintf(s->err, s->errlen, "missing %s; usage: " PROG " %s",
			 npos == 0 ? "DOMAIN" : "DEST (a host name, or localhost)",
			 synopsis);
		return SMG_EXIT_USAGE;
	}
	if (npos > want) {
		snprintf(s->err, s->errlen,
			 "unexpected argument '%.64s'; usage: " PROG " %s",
			 pos[want], synopsis);
		return SMG_EXIT_USAGE;
	}
	return 0;
}

static int check_domain(struct scan *s, const char *spec)
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

static int parse_mode(struct scan *s, const char *opt, const char *val,
		      enum smn_mode *m)
{
	if (smn_mode_parse(val, m))
		return bad_value(s, opt, val,
				 "not one of assisted, transparent, self");
	return 0;
}

static int parse_simple(struct scan *s, struct smg_args *a, const char *synopsis)
{
	const char *pos[MAX_POS], *val;
	int npos = 0, id, r, ret;

	while ((r = scan_next(s, &id, &val)) != SCAN_END) {
		if (r == SCAN_ERR)
			return SMG_EXIT_USAGE;
		if (r == SCAN_POS) {
			add_pos(pos, &npos, val);
			continue;
		}
		switch (id) {
		case O_HELP:
			a->cmd = SMG_CMD_HELP;
			return 0;
		case O_JSON:
			a->json = 1;
			break;
		}
	}
	ret = check_pos(s, pos, npos, 1, synopsis);
	if (ret)
		return ret;
	a->domain = pos[0];
	return check_domain(s, a->domain);
}

static int parse_notify(struct scan *s, struct smg_args *a)
{
	static const char synopsis[] =
		"notify DOMAIN --phase notice|stop|done|abort [--dest D] ...";
	struct smg_notify_opts *o = &a->notify;
	const char *pos[MAX_POS], *val;
	int npos = 0, id, r, ret, have_fields = 0;
	uint64_t v;

	while ((r = scan_next(s, &id, &val)) != SCAN_END) {
		if (r == SCAN_ERR)
			return SMG_EXIT_USAGE;
		if (r == SCAN_POS) {
			add_pos(pos, &npos, val);
			continue;
		}
		switch (id) {
		case O_HELP:
			a->cmd = SMG_CMD_HELP;
			return 0;
		case O_PHASE:
			if (smn_phase_parse(val, &o->phase))
				return bad_value(s, "--phase", val,
						 "not one of notice, stop, done, abort");
			o->have_phase = 1;
			have_fields = 1;
			break;
		case O_DEST:
			if (!smg_value_ok(val))
				return bad_value(s, "--dest", val,
						 "1 to 127 printable characters without spaces");
			o->dest = val;
			have_fields = 1;
			break;
		case O_MODE:
			if (parse_mode(s, "--mode", val, &o->mode))
				return SMG_EXIT_USAGE;
			have_fields = 1;
			break;
		case O_DEADLINE:
			if (smg_parse_uint(val, 1, SMG_MAX_DEADLINE_S, &o->deadline_s))
				return bad_value(s, "--deadline-s", val,
						 "seconds from now, 1 to 31536000");
			have_fields = 1;
			break;
		case O_SEQ:
			if (smg_parse_uint(val, 0, UINT32_MAX, &v))
				return bad_value(s, "--seq", val,
						 "a decimal number below 2^32");
			o->seq = (uint32_t)v;
			o->have_seq = 1;
			have_fields = 1;
			break;
		case O_TIMEOUT:
			if (smg_parse_uint(val, 1, SMG_MAX_TIMEOUT_S, &v))
				return bad_value(s, "--timeout", val,
						 "seconds, 1 to 3600");
			o->timeout_s = (unsigned int)v;
			break;
		case O_NOWAIT:
			o->no_wait = 1;
			break;
		case O_RAW:
			o->raw = val;
			break;
		case O_FIELDS:
			o->fields = val;
			break;
		case O_NOPREP:
			o->no_prepare = 1;
			break;
		}
	}
	ret = check_pos(s, pos, npos, 1, synopsis);
	if (ret)
		return ret;
	a->domain = pos[0];
	ret = check_domain(s, a->domain);
	if (ret)
		return ret;
	if (o->raw || o->fields) {
		char text[SMN_MAX_LEN + 1];

		if (have_fields || (o->raw && o->fields)) {
			snprintf(s->err, s->errlen,
				 "--raw and --fields send their text as it is: use one, without --phase, --dest, --mode, --deadline-s and --seq");
			return SMG_EXIT_USAGE;
		}
		if (o->fields &&
		    smg_fields_text(o->fields, text, sizeof(text), s->err, s->errlen) < 0)
			return SMG_EXIT_USAGE;
		return 0;
	}
	if (!o->have_phase) {
		snprintf(s->err, s->errlen,
			 "notify needs --phase notice, stop, done or abort");
		return SMG_EXIT_USAGE;
	}
	if (o->phase == SMN_PHASE_NOTICE && !o->dest) {
		snprintf(s->err, s->errlen,
			 "--phase notice needs --dest (where the guest goes); the guest refuses a notice without it");
		return SMG_EXIT_USAGE;
	}
	if (o->phase == SMN_PHASE_MIGRATE) {
		snprintf(s->err, s->errlen,
			 "--phase migrate starts a self-migration, which needs dom0's hook listening: use 'selfmig migrate --mode self'");
		return SMG_EXIT_USAGE;
	}
	return 0;
}

static int parse_migrate(struct scan *s, struct smg_args *a)
{
	static const char synopsis[] = "migrate [OPTION...] DOMAIN DEST";
	struct smg_migrate_opts *o = &a->migrate;
	const char *pos[MAX_POS], *val;
	const char *restricted = NULL;
	int npos = 0, id, r, ret;

	while ((r = scan_next(s, &id, &val)) != SCAN_END) {
		if (r == SCAN_ERR)
			return SMG_EXIT_USAGE;
		if (r == SCAN_POS) {
			add_pos(pos, &npos, val);
			continue;
		}
		switch (id) {
		case O_HELP:
			a->cmd = SMG_CMD_HELP;
			return 0;
		case O_MODE:
			if (parse_mode(s, "--mode", val, &o->mode))
				return SMG_EXIT_USAGE;
			break;
		case O_MAXDOWN:
			if (smg_parse_uint(val, 1, 60000, &o->max_downtime_ms))
				return bad_value(s, "--max-downtime", val,
						 "milliseconds, 1 to 60000");
			restricted = "--max-downtime";
			break;
		case O_MAXBW:
			if (smg_parse_uint(val, 1, 1000000, &o->max_bandwidth_mbit))
				return bad_value(s, "--max-bandwidth", val,
						 "Mbit/s, 1 to 1000000");
			restricted = "--max-bandwidth";
			break;
		case O_DEADLINE:
			if (smg_parse_uint(val, 1, SMG_MAX_DEADLINE_S, &o->deadline_s))
				return bad_value(s, "--deadline-s", val,
						 "seconds from now, 1 to 31536000");
			break;
		case O_SETTLE:
			if (smg_parse_uint(val, 0, SMG_MAX_SETTLE_MS, &o->settle_ms))
				return bad_value(s, "--settle-ms", val,
						 "milliseconds, 0 to 600000");
			break;
		case O_JSONFILE:
			o->json = val;
			break;
		case O_XLSSH:
			if (!*val)
				return bad_value(s, "--xl-ssh", val,
						 "give a command, e.g. ssh or env");
			o->xl_ssh = val;
			break;
		case O_XLLOG:
			o->xl_log = val;
			break;
		case O_VERBOSE:
			o->verbose = 1;
			break;
		case O_LISTEN:
			if (!smg_value_ok(val) || !strchr(val, ':'))
				return bad_value(s, "--listen", val,
						 "ADDR:PORT on this host that the guest can reach");
			o->listen = val;
			restricted = "--listen";
			break;
		case O_VERIFY:
			o->verify = 1;
			restricted = "--verify";
			break;
		}
	}
	ret = check_pos(s, pos, npos, 2, synopsis);
	if (ret)
		return ret;
	a->domain = pos[0];
	o->dest = pos[1];
	ret = check_domain(s, a->domain);
	if (ret)
		return ret;
	if (!smg_value_ok(o->dest))
		return bad_value(s, "DEST", o->dest,
				 "a host name: 1 to 127 printable characters without spaces");
	if (o->mode == SMN_MODE_SELF)
		return 0;
	if (restricted) {
		snprintf(s->err, s->errlen,
			 "%s applies only to --mode self (xl migrate has no such limit); drop it",
			 restricted);
		return SMG_EXIT_USAGE;
	}
	return 0;
}

int smg_parse_args(int argc, char *const argv[], struct smg_args *a,
		   char *err, size_t errlen)
{
	struct scan s;
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
	s.argc = argc;
	s.argv = argv;
	s.i = 2;
	s.cmd = cmd;
	s.err = err;
	s.errlen = errlen;
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		a->cmd = SMG_CMD_HELP;
		return 0;
	}
	if (!strcmp(cmd, "prepare")) {
		a->cmd = SMG_CMD_PREPARE;
		s.tab = opts_prepare;
		return parse_simple(&s, a, "prepare DOMAIN");
	}
	if (!strcmp(cmd, "status")) {
		a->cmd = SMG_CMD_STATUS;
		s.tab = opts_status;
		return parse_simple(&s, a, "status DOMAIN [--json]");
	}
	if (!strcmp(cmd, "notify")) {
		a->cmd = SMG_CMD_NOTIFY;
		s.tab = opts_notify;
		return parse_notify(&s, a);
	}
	if (!strcmp(cmd, "migrate")) {
		a->cmd = SMG_CMD_MIGRATE;
		s.tab = opts_migrate;
		return parse_migrate(&s, a);
	}
	snprintf(err, errlen,
		 "unknown command '%.64s'; the commands are prepare, notify, status, migrate and help",
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

/* ------------------------------------------------------------ requests, acks */

int smg_msg_seq(const char *text, size_t len, uint32_t *seq)
{
	struct smn_msg m;
	uint64_t v;

	if (smn_parse(text, len, &m, NULL, 0) ||
	    smg_parse_uint(smn_get(&m, "seq"), 0, UINT32_MAX, &v))
		return -1;
	*seq = (uint32_t)v;
	return 0;
}

static void seq_above(const char *text, size_t len, uint64_t *best)
{
	uint32_t s;

	if (text && len && !smg_msg_seq(text, len, &s) && (uint64_t)s + 1 > *best)
		*best = (uint64_t)s + 1;
}

int smg_next_seq(const char *const vals[], const size_t lens[], unsigned int n,
		 uint64_t now, uint64_t min, uint32_t *seq)
{
	uint64_t best = now & UINT32_MAX;
	unsigned int i;

	if (min > best)
		best = min;
	for (i = 0; i < n; i++)
		seq_above(vals[i], lens[i], &best);
	if (best > UINT32_MAX)
		return -1;
	*seq = (uint32_t)best;
	return 0;
}

int smg_request_text(const struct smg_notify_opts *o, uint32_t seq,
		     uint64_t now, char *out, size_t outlen,
		     char *err, size_t errlen)
{
	struct smn_request r;
	int n;

	if (!o->have_phase) {
		snprintf(err, errlen, "no phase given");
		return -1;
	}
	if (o->phase == SMN_PHASE_NOTICE && !o->dest) {
		snprintf(err, errlen, "a notice needs a destination");
		return -1;
	}
	if (o->dest && !smg_value_ok(o->dest)) {
		snprintf(err, errlen, "destination '%.64s' cannot go in a message",
			 o->dest);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.seq = seq;
	r.phase = o->phase;
	r.mode = o->mode;
	if (o->dest)
		snprintf(r.dest, sizeof(r.dest), "%s", o->dest);
	r.deadline = o->deadline_s ? now + o->deadline_s : 0;
	if (o->phase == SMN_PHASE_MIGRATE) {
		if (!o->listen || !o->id || strlen(o->id) != SMN_ID_HEX ||
		    !smg_value_ok(o->listen)) {
			snprintf(err, errlen, "phase migrate needs the hook's address and the migration's id");
			return -1;
		}
		snprintf(r.listen, sizeof(r.listen), "%s", o->listen);
		memcpy(r.id, o->id, sizeof(r.id));
		r.downtime_ms = o->downtime_ms;
		r.bandwidth_mbit = o->bandwidth_mbit;
	}
	n = smn_request_format(&r, out, outlen);
	if (n < 0)
		snprintf(err, errlen, "the request does not fit in a message");
	return n;
}

int smg_ack_parse(const char *text, size_t len, struct smg_ack *ack)
{
	struct smn_msg m;
	const char *st, *reason;
	uint64_t v;

	memset(ack, 0, sizeof(*ack));
	if (smn_parse(text, len, &m, NULL, 0) ||
	    smg_parse_uint(smn_get(&m, "seq"), 0, UINT32_MAX, &v))
		return -1;
	st = smn_get(&m, "status");
	if (!st)
		return -1;
	if (!strcmp(st, "ok"))
		ack->ok = 1;
	else if (strcmp(st, "rejected"))
		return -1;
	ack->seq = (uint32_t)v;
	reason = smn_get(&m, "reason");
	if (!ack->ok && reason)
		snprintf(ack->reason, sizeof(ack->reason), "%s", reason);
	return 0;
}

int smg_ack_check(const char *cur, size_t cur_len, const char *before,
		  size_t before_len, int event, int64_t want_seq,
		  struct smg_ack *ack)
{
	struct smg_ack a;
	int fresh;

	if (!cur || smg_ack_parse(cur, cur_len, &a))
		return 0;
	fresh = event || !before || before_len != cur_len ||
		memcmp(before, cur, cur_len);
	if (!fresh || (want_seq >= 0 && (int64_t)a.seq != want_seq))
		return 0;
	*ack = a;
	return 1;
}

int smg_ack_line(const struct smg_ack *ack, char *out, size_t outlen)
{
	if (ack->ok)
		return snprintf(out, outlen, "ack seq=%" PRIu32 " status=ok", ack->seq);
	return snprintf(out, outlen, "ack seq=%" PRIu32 " status=rejected reason=%s",
			ack->seq, ack->reason[0] ? ack->reason : "none");
}

const char *smg_reject_hint(const char *reason)
{
	static const struct {
		const char *reason, *hint;
	} hints[] = {
		{ "bad-message",
		  "the request is not a valid selfmig/1 message; see docs/notices.md" },
		{ "unknown-phase",
		  "use --phase notice, stop, done or abort" },
		{ "no-destination",
		  "a notice needs --dest" },
		{ "bad-field",
		  "a field has a value the guest does not accept; check --mode and --deadline-s" },
		{ "not-from-dom0",
		  "the request key's permissions are wrong; run 'selfmig prepare DOMAIN' to fix them" },
		{ "old-seq",
		  "the guest has acknowledged a larger seq already; pass a larger --seq or leave it out" },
		{ "cannot-migrate",
		  "selfmig.ko in the guest did not start the copy (not loaded, busy, or no secret); its reason is in the guest's selfmigd log and kernel log" },
	};
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (!strcmp(reason, hints[i].reason))
			return hints[i].hint;
	return "see the guest's selfmigd log and docs/notices.md";
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
	/* selfmig-receive's round line (userspace/selfmig-receive/receiver.c) */
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
	if (smg_parse_uint(num, 0, (uint64_t)INT64_MAX, &v))
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

void smg_report_text(FILE *f, const struct smg_report *r)
{
	size_t i;

	fprintf(f, "mode: %s\n", smn_mode_name(r->mode));
	fprintf(f, "domain: %s\n", r->domain);
	fprintf(f, "dest: %s\n", r->dest);
	fprintf(f, "guest_helped: %s\n", r->guest_helped ? "true" : "false");
	text_num(f, "notice_ack_ms", r->notice_ack_ms);
	text_num(f, "stop_ack_ms", r->stop_ack_ms);
	text_num(f, "done_ack_ms", r->done_ack_ms);
	text_num(f, "xl_exit", r->xl_exit < 0 ? SMG_NONE : r->xl_exit);
	text_num(f, "total_ms", r->total_ms);
	for (i = 0; r->mode == SMN_MODE_SELF && i < NR_SELF_FIGURES; i++)
		if (!self_figures[i].optional || self_figure_val(r, i) != SMG_NONE)
			text_num(f, self_figures[i].key, self_figure_val(r, i));
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
	size_t i;

	fputs("{\"mode\":", f);
	smc_json_str(f, smn_mode_name(r->mode));
	fputs(",\"domain\":", f);
	smc_json_str(f, r->domain);
	fputs(",\"dest\":", f);
	smc_json_str(f, r->dest);
	fprintf(f, ",\"guest_helped\":%s", r->guest_helped ? "true" : "false");
	json_num(f, "notice_ack_ms", r->notice_ack_ms);
	json_num(f, "stop_ack_ms", r->stop_ack_ms);
	json_num(f, "done_ack_ms", r->done_ack_ms);
	json_num(f, "xl_exit", r->xl_exit < 0 ? SMG_NONE : r->xl_exit);
	json_num(f, "total_ms", r->total_ms);
	for (i = 0; r->mode == SMN_MODE_SELF && i < NR_SELF_FIGURES; i++)
		if (!self_figures[i].optional || self_figure_val(r, i) != SMG_NONE)
			json_num(f, self_figures[i].key, self_figure_val(r, i));
	fprintf(f, ",\"ok\":%s}\n", r->ok ? "true" : "false");
}

/*
 * A xenstore value as a C string with every byte that is not printable
 * ASCII replaced by '?', so that text and JSON output stay clean.  The
 * caller frees it; NULL when out of memory.
 */
static char *clean_copy(const char *v, size_t len)
{
	char *c = malloc(len + 1);
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < len; i++)
		c[i] = (v[i] < ' ' || v[i] > '~') ? '?' : v[i];
	c[len] = 0;
	return c;
}

void smg_status_text(FILE *f, const struct smg_status *s)
{
	char err[96];
	struct smn_msg m;
	unsigned int k, i;
	char *c;

	fprintf(f, "domain: %s (domid %u)\n", s->name, s->domid);
	for (k = 0; k < SMG_NKEYS; k++) {
		fprintf(f, "%s: ", smg_keys[k].name);
		if (!s->val[k]) {
			fputs("(missing)\n", f);
			continue;
		}
		if (!s->len[k]) {
			fputs("(empty)\n", f);
			continue;
		}
		c = clean_copy(s->val[k], s->len[k]);
		if (!c) {
			fputs("(out of memory)\n", f);
			continue;
		}
		if (!smg_keys[k].message) {
			fprintf(f, "%s\n", c);
		} else if (smn_parse(s->val[k], s->len[k], &m, err, sizeof(err))) {
			fprintf(f, "'%s' (not a message: %s)\n", c, err);
		} else {
			for (i = 0; i < m.n; i++)
				fprintf(f, "%s%s=%s", i ? " " : "", m.f[i].key,
					m.f[i].val);
			fputc('\n', f);
		}
		free(c);
	}
}

void smg_status_json(FILE *f, const struct smg_status *s)
{
	char err[96];
	struct smn_msg m;
	unsigned int k, i;
	char *c;

	fputs("{\"domain\":", f);
	smc_json_str(f, s->name);
	fprintf(f, ",\"domid\":%u", s->domid);
	for (k = 0; k < SMG_NKEYS; k++) {
		fputc(',', f);
		smc_json_str(f, smg_keys[k].name);
		fputc(':', f);
		c = s->val[k] ? clean_copy(s->val[k], s->len[k]) : NULL;
		if (!c) {
			fputs("null", f);
			continue;
		}
		fputs("{\"value\":", f);
		smc_json_str(f, c);
		if (smg_keys[k].message && s->len[k]) {
			if (smn_parse(s->val[k], s->len[k], &m, err, sizeof(err))) {
				fputs(",\"error\":", f);
				smc_json_str(f, err);
			} else {
				fputs(",\"fields\":{", f);
				for (i = 0; i < m.n; i++) {
					if (i)
						fputc(',', f);
					smc_json_str(f, m.f[i].key);
					fputc(':', f);
					smc_json_str(f, m.f[i].val);
				}
				fputc('}', f);
			}
		}
		fputc('}', f);
		free(c);
	}
	fputs("}\n", f);
}

int smg_fields_text(const char *fields, char *out, size_t outlen,
		    char *err, size_t errlen)
{
	struct smn_msg m = { 0 };
	const char *p = fields;

	while (*p) {
		char key[SMN_KEY_LEN], val[SMN_VAL_LEN];
		const char *e, *eq;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		e = strchr(p, ' ');
		if (!e)
			e = p + strlen(p);
		eq = memchr(p, '=', (size_t)(e - p));
		if (!eq || (size_t)(eq - p) >= sizeof(key) ||
		    (size_t)(e - eq - 1) >= sizeof(val)) {
			snprintf(err, errlen, "--fields takes KEY=VALUE words: '%.*s'",
				 (int)(e - p), p);
			return -1;
		}
		memcpy(key, p, (size_t)(eq - p));
		key[eq - p] = 0;
		memcpy(val, eq + 1, (size_t)(e - eq - 1));
		val[e - eq - 1] = 0;
		if (smn_set(&m, key, val)) {
			snprintf(err, errlen, "--fields: '%s=%s' is not an allowed field", key, val);
			return -1;
		}
		p = e;
	}
	if (smn_format(&m, out, outlen) < 0) {
		snprintf(err, errlen, "--fields: the message would be over %d bytes", SMN_MAX_LEN);
		return -1;
	}
	return (int)strlen(out);
}
