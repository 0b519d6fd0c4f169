/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig, the dom0 command: its pure part.  Argument parsing and checks,
 * request sequence numbers, acknowledgements, key permissions, xl's command
 * line, and the status and migration reports.  Nothing here talks to
 * xenstore or runs a program, so all of it is unit-tested
 * (tests/unit/test_selfmig_cli.c); the rest is in *_xen.c.
 *
 * A file for each subcommand, and one for what they share:
 *   cli.c      the keys, usage, the scanning of arguments (scan.h), the
 *              choice of subcommand, prepare's and status's arguments, the
 *              keys' permissions;
 *   notify.c   notify: arguments, seq, request texts, acks, --fields;
 *   migrate.c  migrate: arguments, xl's and the hook's command lines, the
 *              hook's round lines, the migration report;
 *   status.c   status: the keys as text and JSON.
 * Their running halves: cmd_xen.c (shared, prepare, status), notify_xen.c,
 * migrate_xen.c, self_xen.c (--mode self), store_xen.c (xenstore).
 */
#ifndef SELFMIG_CMD_CLI_H
#define SELFMIG_CMD_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "notice.h"

/* Exit status of every subcommand. */
enum {
	SMG_EXIT_OK = 0,
	SMG_EXIT_ERROR = 1,	/* anything else, xl migrate failing included */
	SMG_EXIT_USAGE = 2,
	SMG_EXIT_REJECTED = 3,	/* the guest acknowledged with status=rejected */
	SMG_EXIT_TIMEOUT = 4,	/* no acknowledgement in time */
};

#define SMG_NOTIFY_TIMEOUT_S	5	/* selfmig notify --timeout */
#define SMG_MAX_TIMEOUT_S	3600
#define SMG_DEADLINE_S		600	/* selfmig migrate --deadline-s */
#define SMG_MAX_DEADLINE_S	(365 * 86400)
#define SMG_SETTLE_MS		1000	/* between notice and stop */
#define SMG_MAX_SETTLE_MS	600000
#define SMG_ACK_MS		5000	/* notice, stop, abort during migrate */
#define SMG_DONE_ACK_MS		10000	/* done, in the new domain */
/*
 * abort after xl failed: the source guest is first resumed by xl, which
 * takes seconds (its devices reconnect) before selfmigd can answer.
 */
#define SMG_ABORT_ACK_MS	30000
#define SMG_POLL_MS		100	/* re-read the ack key at least this often */
#define SMG_FEATURE_MS		1000	/* for selfmigd to answer a new feature key */
#define SMG_DOMID_MAX		0x7fefU	/* DOMID_FIRST_RESERVED - 1 */
#define SMG_NONE		(-1LL)	/* a report figure that has no value */

enum smg_cmd {
	SMG_CMD_HELP,
	SMG_CMD_PREPARE,
	SMG_CMD_NOTIFY,
	SMG_CMD_STATUS,
	SMG_CMD_MIGRATE,
	SMG_CMD_WWS,
};

struct smg_notify_opts {
	int have_phase;
	enum smn_phase phase;
	enum smn_mode mode;		/* default assisted */
	const char *dest;		/* NULL: none */
	uint64_t deadline_s;		/* seconds from now; 0: none */
	int have_seq;
	uint32_t seq;
	unsigned int timeout_s;
	int no_wait;
	int no_prepare;		/* --no-prepare: leave the keys' permissions as they are */
	const char *raw;		/* --raw: written verbatim; NULL: none */
	const char *fields;		/* --fields: "k=v ..." sent with magic and crc */
	/* phase migrate (selfmig migrate --mode self only) */
	const char *listen;
	const char *id;
	uint64_t downtime_ms;
	uint64_t bandwidth_mbit;
};

struct smg_migrate_opts {
	enum smn_mode mode;		/* default assisted */
	uint64_t max_downtime_ms;	/* 0: not given (self mode only) */
	uint64_t max_bandwidth_mbit;	/* 0: not given (self mode only) */
	uint64_t deadline_s;
	uint64_t settle_ms;
	const char *json;		/* report file; NULL: none */
	const char *xl_ssh;		/* xl migrate -s CMD; NULL: default */
	const char *xl_log;		/* xl's output; NULL: our stderr */
	int verbose;			/* xl -vvv */
	const char *listen;		/* self: ADDR:PORT of the hook; NULL: derived */
	int verify;			/* self: compare pre-copied pages at the switch */
	const char *dest;
};

/* selfmig wws: the guest's sampler (docs/notices.md, phase sample). */
struct smg_wws_opts {
	uint64_t seconds;		/* how long the guest samples */
	uint64_t interval_ms;		/* between two scans */
	uint64_t bandwidth_mbit;	/* the link the prediction assumes */
	const char *json;		/* the report as JSON too; NULL: none */
};

#define SMG_WWS_SECONDS		30
#define SMG_WWS_INTERVAL_MS	500
#define SMG_WWS_BANDWIDTH	100	/* Mbit/s: the guest's default start rate */
#define SMG_WWS_GRACE_MS	60000	/* past the sampling, for the report */

#define SMG_SELF_PORT		7001	/* self mode: the hook's default port */
#define SMG_HOOK_LISTEN_MS	60000	/* self mode: for the hook to listen */

struct smg_args {
	enum smg_cmd cmd;
	const char *domain;		/* name or numeric domid */
	const char *json;		/* status --json FILE; "-": stdout */
	struct smg_notify_opts notify;
	struct smg_migrate_opts migrate;
	struct smg_wws_opts wws;
};

/*
 * Parse the whole command line (argv[0] is the program).  Returns 0, or an
 * SMG_EXIT_* status with a message in err that says what to do; the caller
 * prints it after "selfmig: ".
 */
int smg_parse_args(int argc, char *const argv[], struct smg_args *a,
		   char *err, size_t errlen);
void smg_usage(FILE *f);

/* 1 if spec is a numeric domid (set), 0 if it is a name, -1 if out of range. */
int smg_parse_domid(const char *spec, unsigned int *domid);

/* Whether s can be a message value (docs/notices.md): 1-127 printable, no space. */
int smg_value_ok(const char *s);

/* Milliseconds of CLOCK_MONOTONIC. */
long long smg_mono_ms(void);

/* ---- keys (docs/notices.md), relative to /local/domain/DOMID/ ---- */

enum smg_key {
	SMG_KEY_FEATURE,
	SMG_KEY_REQUEST,
	SMG_KEY_ACK,
	SMG_KEY_STATE,
	SMG_KEY_PROGRESS,
	SMG_KEY_FINAL_SET,
	SMG_KEY_WWS,
	SMG_NKEYS
};

#define SMG_DIR		"control/selfmig"

struct smg_key_info {
	const char *name;		/* as status shows it */
	const char *path;		/* relative to the domain's home */
	int dom0_owned;			/* request: dom0 owns it, guest reads */
	int message;			/* holds selfmig/1 messages */
};

extern const struct smg_key_info smg_keys[SMG_NKEYS];

/* struct xs_permissions without the Xen headers: perms is XS_PERM_* bits. */
struct smg_perm {
	unsigned int id;
	unsigned int perms;
};

#define SMG_PERM_NONE	0x00
#define SMG_PERM_READ	0x01
#define SMG_PERM_WRITE	0x02

/*
 * The permissions key k must have: the guest keys are owned by the guest
 * (nDOMID); the request key and the directory (dir = 1, k ignored) are
 * owned by dom0, which the guest may read (n0 rDOMID).  Fills p[0..1] and
 * returns how many entries.
 */
unsigned int smg_perms_want(enum smg_key k, int dir, unsigned int domid,
			    struct smg_perm p[2]);

/*
 * Whether the permissions found on key k are right: the request key's must
 * be exactly n0 rDOMID (the guest refuses anything else); a guest key only
 * needs the guest as owner (a guest may widen its own keys).
 */
int smg_perms_ok(enum smg_key k, unsigned int domid,
		 const struct smg_perm *p, unsigned int n);

/* ---- requests and acknowledgements ---- */

/* The seq of a valid message (any kind) that has one.  0, or -1. */
int smg_msg_seq(const char *text, size_t len, uint32_t *seq);

/*
 * The seq of a new request: the largest of
 *   - now, Unix seconds truncated to 32 bits,
 *   - 1 + the seq of each value in vals[0..n-1] that is a valid message
 *     with one (NULL or empty values count as none): the domain's ack,
 *     request and state keys, the state holding the guest's own last seq,
 *     which manual requests (--seq, --raw) cannot overwrite,
 *   - min, which a caller uses to chain its own requests.
 * It therefore never goes backwards for a domain, and it stays above what a
 * migrated guest has seen (its new domain starts with empty keys, its
 * selfmigd keeps its last seq) as long as requests came, on average, less
 * often than once a second.  Returns 0, or -1 if no larger seq fits in 32
 * bits (a seq of 2^32-1 was used: the guest must be restarted).
 */
int smg_next_seq(const char *const vals[], const size_t lens[], unsigned int n,
		 uint64_t now, uint64_t min, uint32_t *seq);

/*
 * The request text for selfmig notify: phase, mode, dest and the deadline
 * (now + --deadline-s) from o, with the given seq.  Returns the length, or
 * -1 with the reason in err.
 */
int smg_request_text(const struct smg_notify_opts *o, uint32_t seq,
		     uint64_t now, char *out, size_t outlen,
		     char *err, size_t errlen);

struct smg_ack {
	uint32_t seq;
	int ok;				/* status=ok; else rejected */
	char reason[SMN_VAL_LEN];	/* for rejected; "" if none given */
};

/* Parse an ack message (docs/notices.md).  0, or -1 if it is not one. */
int smg_ack_parse(const char *text, size_t len, struct smg_ack *ack);

/*
 * While waiting: does the ack key's value cur (NULL: missing) answer our
 * request?  It must be a valid ack, be new, i.e. differ from the value
 * before the request was written (before; NULL: missing) or have been
 * written again since (event), and carry want_seq (any seq if want_seq < 0,
 * for --raw).  1 with *ack filled, or 0.
 */
int smg_ack_check(const char *cur, size_t cur_len, const char *before,
		  size_t before_len, int event, int64_t want_seq,
		  struct smg_ack *ack);

/* "ack seq=N status=ok" or "ack seq=N status=rejected reason=R", no newline. */
int smg_ack_line(const struct smg_ack *ack, char *out, size_t outlen);

/* What to do about a rejection, one sentence. */
const char *smg_reject_hint(const char *reason);

/* ---- xl migrate ---- */

#define SMG_XL_ARGC_MAX	9

int smg_dest_is_local(const char *dest);

/* Whether s passes through the shell command xl builds unchanged. */
int smg_shell_safe(const char *s);

/*
 * xl's argument vector, NULL-terminated, for migrating domain to o->dest:
 *   xl [-vvv] migrate [-s CMD] DOMAIN HOST
 * With --xl-ssh CMD, -s CMD.  Otherwise, for localhost, -s env and the host
 * "PATH=<path>" (xl then runs "env PATH=... xl migrate-receive" instead of
 * ssh); hostbuf holds that string.  Returns 0, or -1 with err set.
 */
/*
 * Self mode: the shell command that runs `xl migrate-receive` on DEST, for
 * selfmig-hook self --rune.  localhost runs xl here; another DEST runs it
 * over ssh (or --xl-ssh CMD), as xl migrate does.  0, or -1 with err.
 */
int smg_self_rune(const char *xl, const struct smg_migrate_opts *o, char *out,
		  size_t outlen, char *err, size_t errlen);

/* Self mode: one round of the guest's pre-copy, as the hook reports it. */
struct smg_round {
	unsigned int round;
	unsigned long long pages_sent;
	unsigned long long pages_dirty;	/* what the round had to send */
	double ms;
	double mib_s;
	long long predicted_stop_ms;	/* sending pages_dirty at mib_s; SMG_NONE */
};

/* Parse one line of the hook's output; 0 if it reports a round. */
int smg_round_line(const char *line, struct smg_round *out);

/*
 * Self mode: pick the value of a "KEY VALUE" figure from the hook's JSON
 * report (one flat object of numbers).  SMG_NONE when absent.
 */
long long smg_json_figure(const char *json, const char *key);

int smg_xl_argv(const char *xl, const struct smg_migrate_opts *o,
		const char *domain, const char *path, char *hostbuf,
		size_t hostlen, const char *argv[SMG_XL_ARGC_MAX],
		char *err, size_t errlen);

/* ---- selfmig wws (wws.c) ---- */

struct sww_report;

/* The sample request with this seq, as text; its length, or -1 with err. */
int smg_wws_request_text(const struct smg_wws_opts *o, uint32_t seq, char *out,
			 size_t outlen, char *err, size_t errlen);
/* The guest's report over time, and what it predicts at o->bandwidth_mbit. */
void smg_wws_text(FILE *f, const char *domain, const struct sww_report *r,
		  const struct smg_wws_opts *o);
/* The same as one JSON object and a newline. */
void smg_wws_json(FILE *f, const char *domain, const struct sww_report *r,
		  const struct smg_wws_opts *o);

/* ---- reports ---- */

struct smg_report {
	enum smn_mode mode;
	const char *domain;
	const char *dest;
	int guest_helped;
	long long notice_ack_ms;	/* SMG_NONE: no ack */
	long long stop_ack_ms;
	long long done_ack_ms;
	int xl_exit;			/* -1: xl did not run */
	long long total_ms;		/* from start to xl's exit */
	/* self mode, from selfmig-hook self's report; SMG_NONE otherwise */
	long long rounds;
	long long stream_bytes;		/* the guest's page stream */
	long long hook_pages;		/* copied by the hook at the switch */
	long long final_set_pages;
	long long guest_pages;
	long long stopped_ms;		/* guest suspended until it ran again */
	long long verify_checked;	/* --verify: pages compared at the switch */
	long long verify_missed;	/* --verify: of them, changed since sent */
	int ok;
};

void smg_report_init(struct smg_report *r);
/* Self mode: the figures of selfmig-hook self's --json report (absent: none). */
void smg_report_take_hook(struct smg_report *r, const char *hook_json);
/* One "key: value" per line; SMG_NONE prints as "-". */
void smg_report_text(FILE *f, const struct smg_report *r);
/* One JSON object and a newline; SMG_NONE prints as null. */
void smg_report_json(FILE *f, const struct smg_report *r);

struct smg_status {
	const char *name;
	unsigned int domid;
	const char *val[SMG_NKEYS];	/* NULL: missing */
	size_t len[SMG_NKEYS];
};

/* selfmig status: one line a key, messages shown as their fields. */
void smg_status_text(FILE *f, const struct smg_status *s);
/* The same as one JSON object: each key null or {"value", "fields"|"error"}. */
void smg_status_json(FILE *f, const struct smg_status *s);

/*
 * --fields "k=v k=v": a well-formed message (magic, checksum) with exactly
 * these fields, for tests of the guest's checks.  Returns the length or -1.
 */
int smg_fields_text(const char *fields, char *out, size_t outlen,
		    char *err, size_t errlen);

#endif /* SELFMIG_CMD_CLI_H */
