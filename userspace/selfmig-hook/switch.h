/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The end of every switch selfmig-hook performs (switch_xen.c): once the
 * whole stream is in the receiver, wait until the destination has restored
 * the domain, rename the source out of the way, let the destination run,
 * and destroy the source last; or, on failure, put the source back.
 */
#ifndef SELFMIG_HOOK_SWITCH_H
#define SELFMIG_HOOK_SWITCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "options.h"

struct hk_xen;
struct xlr;
struct hk_guard;
struct hk_fault;

struct hk_switch {
	struct hk_xen *x;
	struct xlr *xr;
	struct hk_guard *guard;	/* NULL: none */
	const struct hk_fault *fault;	/* hook-die:go and :permitted; NULL: none */
	uint32_t domid;
	const char *name;
	char away[300];
	bool suspended;		/* the source is suspended (by us or itself) */
	bool renamed;
	double t_ready, t_run;	/* destination restored; destination runs */
};

/*
 * The options the switching subcommands share; each takes those of them
 * its option table lists, over the defaults its caller sets.
 */
struct hk_opts {
	const char *rune;	/* --rune: the destination's receive command */
	const char *rlog;	/* --receiver-log FILE; NULL: none */
	const char *json;	/* --json FILE; NULL: none */
	unsigned long wait_s;	/* --wait-s: 1..3600 */
	unsigned int io_ms;	/* --io-timeout: seconds, 0.01..86400 */
};

/*
 * A subcommand's options (argv[0] is the subcommand): those of ids into
 * ov, and the shared ones among them (--rune, --receiver-log, --json,
 * --wait-s, --io-timeout) checked into o (which may be NULL if ids has
 * none).  -1 to go on; or the status to exit with: 0 after --help, 2 after
 * a usage error, said with the usage.
 */
/* The --json report: one line written to path, or a message why not. */
void __attribute__((format(printf, 2, 3))) hk_json_write(const char *path, const char *fmt, ...);

int hk_take_opts(int argc, char **argv, const char *shortopts, const int *ids,
		 struct smc_optvals *ov, struct hk_opts *o);

/*
 * 0: the destination runs and the source is destroyed.  -1: failed, err
 * says why, and the caller calls hk_switch_abort().  1: the destination may
 * still hold a copy, so the source stays suspended (already reported, with
 * what to check).  The guard is kept up to date at every step: see guard.h.
 */
int hk_switch_complete(struct hk_switch *s, char *err, size_t errlen);

/* Stop the receiver (which destroys its partial copy), rename the source
 * back and resume it if it was suspended. */
void hk_switch_abort(struct hk_switch *s);

/*
 * A failure the operator must look at (the switch went wrong where the
 * guest may be in doubt): "ATTENTION: err" on stderr, then
 * hk_switch_abort().  The status to exit with, 1.
 */
int hk_switch_alarm(struct hk_switch *s, const char *err);

#endif /* SELFMIG_HOOK_SWITCH_H */
