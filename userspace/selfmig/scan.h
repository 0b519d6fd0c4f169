/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig, the dom0 command: how a subcommand's arguments are scanned, for
 * the files of the subcommands (cli.c, notify.c, migrate.c).  Not part of
 * the command's interface (cli.h).
 */
#ifndef SELFMIG_CMD_SCAN_H
#define SELFMIG_CMD_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "options.h"
#include "cli.h"

#define PROG "selfmig"

/*
 * getopt_long's ids: the project's (options.h; -h and -v are short options
 * too), and O_POS, a positional argument in its place ("-" mode).
 */
enum {
	O_POS = 1,
};

#define SCAN_END	0
#define SCAN_ERR	(-1)
#define MAX_POS		3		/* the most a command takes, plus one */

/*
 * One subcommand's arguments (argv[0] is the subcommand): options anywhere,
 * "--" ends them, positional arguments kept in their order.  getopt_long's
 * "-" mode returns those in place, whatever POSIXLY_CORRECT says.
 */
struct smg_scan {
	int argc;
	char *const *argv;
	const char *shortopts;
	const struct option *opts;
	struct smc_opts optset;		/* what opts points into */
	const char *pos[MAX_POS];
	int npos;			/* counts the ones beyond MAX_POS too */
	int help;			/* -h or --help: scanning stopped there */
	char *err;
	size_t errlen;
};

/*
 * The next option's id (> 0), with its value in *val; SCAN_END after the
 * last one or at -h/--help (s->help set), or SCAN_ERR with the message.
 */
int smg_scan_next(struct smg_scan *s, const char **val);
/*
 * Every option of the subcommand into ov, by id (the last value of each;
 * "" for one without a value), the positional arguments into s->pos: 0, or
 * SMG_EXIT_USAGE with the message.  Stops at -h/--help (s->help set).
 */
int smg_scan_all(struct smg_scan *s, struct smc_optvals *ov);
/* Option id's value, if given, as a whole number; see smg_num_value(). */
int smg_opt_num(struct smg_scan *s, const struct smc_optvals *ov, int id,
		uint64_t min, uint64_t max, const char *unit, uint64_t *out);
/* "OPT 'VAL': WANT" in s->err; returns SMG_EXIT_USAGE. */
int smg_bad_value(struct smg_scan *s, const char *opt, const char *val,
		  const char *want);
/* A whole number for option opt; a usage error names the unit. */
int smg_num_value(struct smg_scan *s, const char *opt, const char *val,
		  uint64_t min, uint64_t max, const char *unit, uint64_t *out);
/*
 * Exactly want positional arguments, the first a DOMAIN that can be a
 * guest's (*domain), or a usage error with the synopsis.
 */
int smg_scan_domain(struct smg_scan *s, int want, const char *synopsis,
		    const char **domain);
/* --mode's value. */
int smg_parse_mode(struct smg_scan *s, const char *opt, const char *val,
		   enum smn_mode *m);

/* The subcommands' own arguments (s->argv[0] is the subcommand). */
int smg_parse_notify(struct smg_scan *s, struct smg_args *a);
int smg_parse_wws(struct smg_scan *s, struct smg_args *a);
int smg_parse_migrate(struct smg_scan *s, struct smg_args *a);

#endif /* SELFMIG_CMD_SCAN_H */
