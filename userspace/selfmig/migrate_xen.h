/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig migrate: what its modes share (migrate_xen.c) and self mode
 * (self_xen.c).
 */
#ifndef SELFMIG_CMD_MIGRATE_XEN_H
#define SELFMIG_CMD_MIGRATE_XEN_H

#include <stdint.h>

#include "cmd_xen.h"

/* One migration's requests to the guest. */
struct smg_mig {
	struct smg_xs *x;
	const struct smg_migrate_opts *o;
	int have_seq;
	uint32_t last_seq;		/* the seq of our last request */
	const char *listen;		/* self: the hook's ADDR:PORT */
	const char *id;			/* self: the migration's id */
};

/* Send one request during migrate; warns on errors. */
enum smg_send_result smg_mig_request(struct smg_mig *m, unsigned int domid,
				     enum smn_phase phase,
				     long long timeout_ms, int interruptible,
				     struct smg_ack *ack, long long *ms);
/* Say how a request went; 1 if the guest acknowledged it with ok. */
int smg_mig_outcome(enum smn_phase phase, enum smg_send_result res,
		    const struct smg_ack *ack, long long ms,
		    long long timeout_ms, long long *field);
/* After the migration succeeded: done to the guest in its new domain. */
void smg_mig_done(struct smg_mig *m, struct smg_report *r, const char *name,
		  unsigned int old);
/* After a failure, or an interruption: abort to the guest, if still here. */
void smg_mig_abort(struct smg_mig *m, const char *name, unsigned int domid,
		   const char *what);

/*
 * Self mode: the hook, the notice and migrate, the guest copies itself, the
 * hook switches; then done or abort.  0 when the guest runs on the
 * destination.
 */
int smg_migrate_self(struct smg_mig *m, const char *name, unsigned int domid,
		     struct smg_report *r);

#endif /* SELFMIG_CMD_MIGRATE_XEN_H */
