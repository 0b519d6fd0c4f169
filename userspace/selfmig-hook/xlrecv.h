/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to a stock `xl migrate-receive` (locally, or through any command
 * such as "ssh HOST xl migrate-receive"), the way `xl migrate` does:
 *
 *   receiver -> us   banner "xl migration receiver ready, send binary
 *                    domain data.\n"
 *   us -> receiver   the stream: xl header, libxl stream (docs/xen-stream.md)
 *   receiver -> us   "domain received, ready to unpause\0"  (restored, paused)
 *   us -> receiver   "domain is yours, you are cleared to unpause\0"
 *   receiver -> us   "my copy unpause results are as follows\0", one status
 *                    byte (0: it runs); on failure it destroys its copy and
 *                    then sends the permission message back to us.
 *
 * The receiver's own messages (stderr) go to a log file.
 */
#ifndef SELFMIG_HOOK_XLRECV_H
#define SELFMIG_HOOK_XLRECV_H

#include <stddef.h>
#include <sys/types.h>

struct xlr {
	pid_t pid;
	int to;			/* its stdin: the stream */
	int from;		/* its stdout: the protocol messages */
};

/* Start "sh -c RUNE" with pipes; its stderr appends to log (or inherits). */
int xlr_start(struct xlr *r, const char *rune, const char *log, char *err,
	      size_t errlen);
/* Wait up to timeout_s for the banner. */
int xlr_banner(struct xlr *r, unsigned int timeout_s, char *err, size_t errlen);
/* After the stream: wait up to timeout_s until the domain is restored. */
int xlr_wait_ready(struct xlr *r, unsigned int timeout_s, char *err,
		   size_t errlen);
/*
 * Give permission to unpause and read the outcome: 0 when the destination
 * runs; -1 otherwise (err says why; *dest_gone is 1 when the receiver said
 * it destroyed its copy, so the source may safely run again).
 */
int xlr_go(struct xlr *r, unsigned int timeout_s, int *dest_gone, char *err,
	   size_t errlen);
/* Close the pipes and reap the receiver (killing it after grace_s). */
int xlr_finish(struct xlr *r, unsigned int grace_s);

#endif /* SELFMIG_HOOK_XLRECV_H */
