/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One blocking socket operation, tried again until it is done, within a
 * deadline, and given up on request: the guest's sender writing one part of
 * the page stream, or waiting for the receiver to close its end.
 *
 * Portable, so that the unit tests (tests/unit/test_ioloop.c) drive it with
 * a scripted socket and clock.
 */
#ifndef SELFMIG_CORE_IOLOOP_H
#define SELFMIG_CORE_IOLOOP_H

#include "compat.h"

struct smio_ops {
	/*
	 * One try: 1 when the whole operation is done, 0 when it made
	 * progress and more is to come, -EAGAIN or -EINTR when nothing
	 * happened (the socket's timeout, a short slice, passed), any other
	 * -errno when it failed.
	 */
	int (*step)(void *ctx);
	/* A monotonic clock, in nanoseconds. */
	u64 (*now_ns)(void *ctx);
	/* Nonzero: give up before the next try. */
	int (*cancelled)(void *ctx);
};

/*
 * Try ops->step() until it is done, and at most until timeout_ns have passed
 * since the call: each try that leaves it undone, with progress or without,
 * is followed by a look at the clock (one gone back before the call counts
 * as no time passed), so a timeout of 0 allows one try.  Cancellation is asked
 * before every try.
 *
 * Return: 0 when done; -ECANCELED when cancelled; -ETIMEDOUT when the time
 * passed first; else the error of the try that failed.
 */
int smio_run(const struct smio_ops *ops, void *ctx, u64 timeout_ns);

#endif /* SELFMIG_CORE_IOLOOP_H */
