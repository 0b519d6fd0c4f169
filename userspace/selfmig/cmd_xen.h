/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig, the dom0 command: the subcommands, and what they share when
 * they run.  Each subcommand returns the program's exit status (SMG_EXIT_*)
 * and prints its own messages.
 */
#ifndef SELFMIG_CMD_CMD_XEN_H
#define SELFMIG_CMD_CMD_XEN_H

#include <signal.h>
#include <stddef.h>

#include "cli.h"
#include "store_xen.h"

#define PROG		"selfmig"
#define SMG_ERRLEN	512
#define SMG_NAMELEN	256

int smg_cmd_prepare(const struct smg_args *a);
int smg_cmd_notify(const struct smg_args *a);
int smg_cmd_status(const struct smg_args *a);
int smg_cmd_migrate(const struct smg_args *a);
int smg_cmd_wws(const struct smg_args *a);

/* Set by the first SIGINT, SIGTERM or SIGHUP after smg_catch_signals(). */
extern volatile sig_atomic_t smg_stop_flag;
/* smg_say() prints (migrate sets it when stderr is a terminal). */
extern int smg_show_progress;

/* The first SIGINT/SIGTERM/SIGHUP asks to stop; a second one kills. */
void smg_catch_signals(void);
/* One line on stderr: prefix, then the message. */
void __attribute__((format(printf, 2, 3))) smg_line(const char *prefix, const char *fmt, ...);
/* "selfmig: ..." on stderr. */
#define smg_error(...)	smg_line("selfmig: ", __VA_ARGS__)
/* "selfmig: warning: ..." on stderr. */
#define smg_warn(...)	smg_line("selfmig: warning: ", __VA_ARGS__)
/* A progress line, on a terminal only. */
#define smg_say(...)	(smg_show_progress ? smg_line("", __VA_ARGS__) : (void)0)
/* Sleep, cut short by smg_stop_flag. */
void smg_sleep_ms(long long ms);

/* --json FILE opened for writing; NULL after saying so. */
FILE *smg_open_report(const char *path);
/* Open xenstore and find the domain; NULL after printing the error. */
struct smg_xs *smg_open_domain(const char *spec, unsigned int *domid,
			       char *name, size_t namelen);
/* "control/feature-selfmig is '1'" or "... is missing", for messages. */
void smg_describe_feature(struct smg_xs *x, unsigned int domid,
			  char *out, size_t outlen);
/* Whether the guest's selfmigd advertises itself. */
int smg_feature_on(struct smg_xs *x, unsigned int domid);
/* A moment for a running selfmigd to answer a feature key just created. */
void smg_wait_feature(struct smg_xs *x, unsigned int domid);
/* The domain's keys and their permissions; 0, or -1 after the error. */
int smg_prepare_keys(struct smg_xs *x, unsigned int domid, struct smg_prep *p);

#endif /* SELFMIG_CMD_CMD_XEN_H */
