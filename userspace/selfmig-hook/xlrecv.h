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
	int to;			/* its stdin: the stream (non-blocking) */
	int from;		/* its stdout: the protocol messages */
	/* A write to it that makes no progress this long fails; 0: default. */
	unsigned int write_timeout_ms;
};

#define XLR_WRITE_TIMEOUT_MS	60000U

/*
 * A sink (struct sxs_sink) into the receiver, ctx a struct xlr: fails with
 * ETIMEDOUT when it takes nothing for write_timeout_ms (a stalled ssh or a
 * hung xl must not hold dom0's hook for ever; the source then resumes).
 */
int xlr_write(void *ctx, const void *buf, size_t len);

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
 * runs; -1 otherwise (err says why; *dest_gone is 1 when the destination
 * cannot run its copy: the permission could not be written, or the receiver
 * said it destroyed its copy; the source may then safely run again).
 * xlr_permit, xlr_report and xlr_handback are its three steps.
 */
int xlr_go(struct xlr *r, unsigned int timeout_s, int *dest_gone, char *err,
	   size_t errlen);
/*
 * Write the permission.  It is one write shorter than PIPE_BUF into a pipe,
 * so a failed one wrote nothing: the receiver never got it.
 */
int xlr_permit(struct xlr *r, char *err, size_t errlen);
/* Read the unpause report; *status 0: the destination's copy runs. */
int xlr_report(struct xlr *r, unsigned int timeout_s, int *status, char *err,
	       size_t errlen);
/* After a failed status: read the receiver's word that it destroyed its copy. */
int xlr_handback(struct xlr *r, unsigned int timeout_s, char *err,
		 size_t errlen);

/*
 * What the receiver's remaining output says of its copy, for a reader that
 * was not there when it came (the guard, after the hook died): buf holds
 * everything read so far, from the point from says; eof: nothing more will
 * come.
 */
enum xlr_from {
	XLR_FROM_REPORT,	/* the unpause report is next */
	XLR_FROM_HANDBACK,	/* a failed status was read; the hand-back is next */
};
enum xlr_outcome {
	XLR_OUT_MORE,		/* undecided yet: read on */
	XLR_OUT_RUNS,		/* the destination's copy runs */
	XLR_OUT_GONE,		/* it failed, destroyed its copy and said so */
	XLR_OUT_UNKNOWN,	/* anything else: it may run */
};
enum xlr_outcome xlr_outcome(const void *buf, size_t len, int eof,
			     enum xlr_from from);
/*
 * Read fd (the receiver's output) until xlr_outcome() decides, the output
 * ends, or wait_s pass (then XLR_OUT_UNKNOWN).
 */
enum xlr_outcome xlr_read_outcome(int fd, enum xlr_from from,
				  unsigned int wait_s);

/*
 * Whether the receiver still takes its stream: its input has a reader and
 * its process has not ended (it is not reaped).  0, or -1 with errno EPIPE.
 * Nothing is written, so it is asked where a failed write would come too
 * late: before the guest is told to suspend.
 */
int xlr_check(struct xlr *r);
/* Close the pipes and reap the receiver (killing it after grace_s). */
int xlr_finish(struct xlr *r, unsigned int grace_s);

#endif /* SELFMIG_HOOK_XLRECV_H */
