/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection in selfmig-hook (fault.c), in the spirit of the kernel's
 * pm_test levels: a test names one point in the real path, and the hook
 * fails there exactly as the real fault would make it fail.  The point is
 * read from the environment variable SELFMIG_FAULT, and only in builds made
 * with SELFMIG_FAULTS defined (the Makefile's FAULTS=1, the default for the
 * test builds; `make FAULTS=0` leaves the points out).
 *
 *   conn-drop[:MiB]        after MiB of stream (default 16), the connection
 *                          to the receiver is cut: the receiver sees the
 *                          stream end early and our next write fails
 *   receiver-crash[:MiB]   after MiB of stream, the receiver's process group
 *                          is killed with SIGKILL
 *   receiver-crash:round:N (self) when the guest's stream enters round N,
 *                          or at its end if it has fewer rounds
 *   receiver-crash:suspended
 *                          (self) once the guest has suspended, before its
 *                          final set is sent
 *   restore-fail           a record the destination cannot restore is sent
 *                          just before the stream's end, so that the
 *                          destination's restore fails after every page
 *                          (self: after the final set and the CPU state)
 *   flush-fail             (self) as the guest's stream ends, the receiver's
 *                          input is cut, so that the flush of the last pages
 *                          before the guest is told to suspend fails
 *   suspend-timeout        the wait for the guest's suspend ends at its first
 *                          look, as if its deadline had passed (migrate and
 *                          save --suspend: just after the request; self:
 *                          just after the guest is told to suspend), so that
 *                          what follows a late suspend runs (suspend.h)
 *   hook-die[:STAGE]       the hook kills itself with SIGKILL at STAGE:
 *                          receiving (receiver up, guest still running),
 *                          suspended (guest suspended, nothing sent), sent
 *                          (default: every page sent, before the switch),
 *                          go (the source renamed, the permission to run
 *                          about to be written) or permitted (the permission
 *                          written, the destination's report not yet read)
 *
 * `selfmig-hook save` honours conn-drop (the image file's descriptor is
 * closed, as when the disk goes away), suspend-timeout and hook-die.  `selfmig-hook self`
 * honours receiver-crash (MiB then count the guest's stream), hook-die,
 * suspend-timeout, flush-fail, restore-fail, and conn-drop, which there cuts the guest's
 * own connection after MiB of its stream.
 */
#ifndef SELFMIG_HOOK_FAULT_H
#define SELFMIG_HOOK_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xenstream.h"

enum hk_fault_point {
	HK_FAULT_NONE,
	HK_FAULT_CONN_DROP,
	HK_FAULT_RECEIVER_CRASH,
	HK_FAULT_RESTORE_FAIL,
	HK_FAULT_HOOK_DIE,
	HK_FAULT_SUSPEND_TIMEOUT,
	HK_FAULT_FLUSH_FAIL,
};

enum hk_stage {
	HK_STAGE_RECEIVING,
	HK_STAGE_SUSPENDED,
	HK_STAGE_SENT,
	HK_STAGE_GO,
	HK_STAGE_PERMITTED,
};

/* When receiver-crash fires. */
enum hk_fault_when {
	HK_AT_BYTES,			/* after after_bytes of stream */
	HK_AT_ROUND,			/* self: as the guest starts round, or ends */
	HK_AT_SUSPENDED,		/* self: the guest has suspended */
};

struct hk_fault {
	enum hk_fault_point point;
	uint64_t after_bytes;		/* conn-drop, receiver-crash */
	enum hk_stage stage;		/* hook-die */
	enum hk_fault_when when;	/* receiver-crash */
	uint64_t round;			/* receiver-crash:round:N */
};

/* Parse a SELFMIG_FAULT value; 0, or -1 with err set. */
int hk_fault_parse(const char *spec, struct hk_fault *f, char *err,
		   size_t errlen);

/*
 * The fault armed for this run from SELFMIG_FAULT (point NONE when unset).
 * -1 with err set for a bad value, or when the variable is set in a build
 * without fault points, so that a test never passes by accident.
 */
int hk_fault_from_env(struct hk_fault *f, char *err, size_t errlen);

/*
 * hk_fault_from_env() for one subcommand, flush-fail being a point of
 * self only: 0, or SMC_EXIT_USAGE after saying why on stderr.
 */
int hk_fault_for_cmd(struct hk_fault *f, bool self);

const char *hk_fault_name(enum hk_fault_point p);
const char *hk_stage_name(enum hk_stage s);

/*
 * A sink that passes everything to inner and injects conn-drop or
 * receiver-crash once more than after_bytes have gone through.  fd is the
 * descriptor to cut, pgrp the receiver's process group (0: none).
 */
struct hk_fault_sink {
	const struct hk_fault *f;
	struct sxs_sink *inner;
	int *fd;
	pid_t pgrp;
	bool fired;
};

int hk_fault_sink_write(void *ctx, const void *buf, size_t len);

/*
 * suspend-timeout: the deadline for the guest's suspend, wait_ms, or 0
 * (one look) when the point is armed, which is then said on stderr.
 */
unsigned int hk_fault_suspend_wait_ms(const struct hk_fault *f,
				      unsigned int wait_ms);

/* hook-die: if armed for stage, say so on stderr and die by SIGKILL. */
void hk_fault_die_at(const struct hk_fault *f, enum hk_stage stage);

/* The record type restore-fail sends: mandatory, and unknown to Xen. */
#define HK_FAULT_RECORD_TYPE 0x00005f53u

/* restore-fail: say so and write that record into s; 0, or -1 (errno). */
int hk_fault_bad_record(struct sxs_sink *s);

#endif /* SELFMIG_HOOK_FAULT_H */
