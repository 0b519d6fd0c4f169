/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig, the dom0 command: its xenstore calls (libxenstore).  Keys are
 * named by their path relative to /local/domain/DOMID/ (cli.h, smg_keys).
 */
#ifndef SELFMIG_CMD_STORE_XEN_H
#define SELFMIG_CMD_STORE_XEN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

struct smg_xs;

struct smg_xs *smg_xs_open(char *err, size_t errlen);
void smg_xs_close(struct smg_xs *x);

/* A name or a numeric domid to the domid and the domain's name.  0 or -1. */
int smg_xs_resolve(struct smg_xs *x, const char *spec, unsigned int *domid,
		   char *name, size_t namelen, char *err, size_t errlen);

/* 1 if the domain is in xenstore (it has a name), else 0. */
int smg_xs_exists(struct smg_xs *x, unsigned int domid);

struct smg_prep {
	unsigned int created;		/* keys created */
	unsigned int fixed;		/* keys whose permissions were fixed */
	unsigned int touched;		/* bit k: key k created or fixed */
};

/*
 * Create the missing keys of docs/notices.md, empty, with their
 * permissions, and fix the permissions of existing ones that are wrong,
 * values untouched; one transaction.  0, or -1 with err set.
 */
int smg_xs_prepare(struct smg_xs *x, unsigned int domid, struct smg_prep *p,
		   char *err, size_t errlen);

/* A key's value (malloc'ed, NUL-terminated) and its length; NULL if missing. */
char *smg_xs_read(struct smg_xs *x, unsigned int domid, enum smg_key k,
		  size_t *len);

/* smg_next_seq() on the domain's current ack, request and state keys. */
/*
 * The bridge that domid's first network interface is attached to, from its
 * backend's "bridge" key.  0, or -1 with a reason in err.
 */
int smg_xs_vif_bridge(struct smg_xs *x, unsigned int domid, char *out,
		      size_t outlen, char *err, size_t errlen);

int smg_xs_next_seq(struct smg_xs *x, unsigned int domid, uint64_t min,
		    uint32_t *seq, char *err, size_t errlen);

enum smg_send_result {
	SMG_SEND_ERROR = -1,
	SMG_SEND_ACKED,		/* *ack filled */
	SMG_SEND_WRITTEN,	/* timeout_ms was 0: not waited */
	SMG_SEND_TIMEOUT,
	SMG_SEND_INTERRUPTED,	/* *stop became set while waiting */
};

/*
 * Write text as the domain's request, then wait up to timeout_ms for the
 * ack that answers it (smg_ack_check with want_seq; < 0: any new ack).
 * Watches the ack key and re-reads it every SMG_POLL_MS in any case.
 * *ack_ms is the time from the write to the ack.  stop may be NULL.
 */
enum smg_send_result smg_xs_send(struct smg_xs *x, unsigned int domid,
				 const char *text, size_t len, int64_t want_seq,
				 long long timeout_ms,
				 volatile sig_atomic_t *stop,
				 struct smg_ack *ack, long long *ack_ms,
				 char *err, size_t errlen);

#endif /* SELFMIG_CMD_STORE_XEN_H */
