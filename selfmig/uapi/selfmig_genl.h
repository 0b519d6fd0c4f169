/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * selfmig.ko's control interface: the generic netlink family "selfmig".
 *
 * Userspace in the guest starts and aborts a migration and reads its
 * rounds, the processes that dirty the most, and its outcome through this
 * family; /sys/kernel/selfmig/ keeps the single values (docs/interface.md).
 * The family lives in the initial network namespace only.
 *
 * Commands, all with attributes of enum selfmig_attr at the top level:
 *
 * SELFMIG_CMD_MIGRATE (do; CAP_SYS_ADMIN in the initial user namespace)
 *   Starts a migration in the background.  Required: SELFMIG_A_DEST_ADDR
 *   (IPv4, network byte order), SELFMIG_A_DEST_PORT (host order, not 0),
 *   SELFMIG_A_ID (16 bytes).  Optional, each defaulting to the module
 *   parameter of the same meaning: SELFMIG_A_START_RATE_MBIT,
 *   SELFMIG_A_MAX_BANDWIDTH_MBIT (0: unlimited), SELFMIG_A_DOWNTIME_MS,
 *   SELFMIG_A_MAX_ROUNDS, SELFMIG_A_MAX_BYTES_FACTOR (0: off),
 *   SELFMIG_A_COMPRESS (0 or 1), SELFMIG_A_FREEZE (0 or 1).  The secret
 *   comes from dom0 (control/selfmig/key), never through this family.
 *   Errors: EINVAL (the extended ack names the attribute), EBUSY while a
 *   migration runs, EPERM, EACCES without a valid secret.
 *
 * SELFMIG_CMD_ABORT (do; CAP_SYS_ADMIN)
 *   Stops the migration under way.  ESRCH when none is, EBUSY once the
 *   freeze has begun, EALREADY once it has ended.
 *
 * SELFMIG_CMD_GET_RESULT (do)
 *   Replies with SELFMIG_A_STATE and, once a migration has run, a
 *   SELFMIG_A_RESULT nest of enum selfmig_result_attr.
 *
 * SELFMIG_CMD_GET_ROUNDS (dump)
 *   One message per pre-copy round of the current or last migration, each
 *   with a SELFMIG_A_ROUND nest of enum selfmig_round_attr.
 *
 * SELFMIG_CMD_GET_PROCS (dump)
 *   One message per process among those that dirtied the most pages in the
 *   last scan, each with a SELFMIG_A_PROC nest of enum selfmig_proc_attr.
 *
 * SELFMIG_CMD_SAMPLE (do; CAP_SYS_ADMIN)
 *   Starts the sampler in the background: the dirty tracker alone, sending
 *   nothing, scanning every SELFMIG_A_INTERVAL_MS (u32, 10-60000; default
 *   1000) for SELFMIG_A_SECONDS (u32, 1-3600, required), each scan's count
 *   of frames found written kept (at most 1024 scans).  EBUSY while a
 *   migration or a sampling runs.
 *
 * SELFMIG_CMD_GET_SAMPLES (dump)
 *   The current or last sampling: first a message with a SELFMIG_A_SAMPLING
 *   nest of enum selfmig_sampling_attr, then one message per scan with a
 *   SELFMIG_A_SAMPLE nest of enum selfmig_sample_attr.  ENODATA if none has
 *   run since the module was loaded.
 *
 * Compatibility: commands and attributes are only ever added, at the end
 * of their enum; an attribute keeps its number and type.
 */
#ifndef _UAPI_SELFMIG_GENL_H
#define _UAPI_SELFMIG_GENL_H

#define SELFMIG_GENL_NAME	"selfmig"
#define SELFMIG_GENL_VERSION	1

enum selfmig_cmd {
	SELFMIG_CMD_UNSPEC,
	SELFMIG_CMD_MIGRATE,
	SELFMIG_CMD_ABORT,
	SELFMIG_CMD_GET_RESULT,
	SELFMIG_CMD_GET_ROUNDS,
	SELFMIG_CMD_GET_PROCS,
	SELFMIG_CMD_SAMPLE,
	SELFMIG_CMD_GET_SAMPLES,
	__SELFMIG_CMD_MAX
};

#define SELFMIG_CMD_MAX (__SELFMIG_CMD_MAX - 1)

enum selfmig_attr {
	SELFMIG_A_UNSPEC,
	SELFMIG_A_DEST_ADDR,		/* u32, network byte order */
	SELFMIG_A_DEST_PORT,		/* u16 */
	SELFMIG_A_ID,			/* binary, 16 bytes */
	SELFMIG_A_START_RATE_MBIT,	/* u64 */
	SELFMIG_A_MAX_BANDWIDTH_MBIT,	/* u64 */
	SELFMIG_A_DOWNTIME_MS,		/* u32 */
	SELFMIG_A_MAX_ROUNDS,		/* u32 */
	SELFMIG_A_MAX_BYTES_FACTOR,	/* u32 */
	SELFMIG_A_COMPRESS,		/* u8, 0 or 1 */
	SELFMIG_A_FREEZE,		/* u8, 0 or 1 */
	SELFMIG_A_STATE,		/* string: idle, precopy, ... */
	SELFMIG_A_RESULT,		/* nest: enum selfmig_result_attr */
	SELFMIG_A_ROUND,		/* nest: enum selfmig_round_attr */
	SELFMIG_A_PROC,			/* nest: enum selfmig_proc_attr */
	SELFMIG_A_SECONDS,		/* u32 */
	SELFMIG_A_INTERVAL_MS,		/* u32 */
	SELFMIG_A_SAMPLING,		/* nest: enum selfmig_sampling_attr */
	SELFMIG_A_SAMPLE,		/* nest: enum selfmig_sample_attr */
	__SELFMIG_A_MAX
};

#define SELFMIG_A_MAX (__SELFMIG_A_MAX - 1)

/*
 * The outcome of the current or last migration (docs/interface.md says
 * what each means, under its name in lower case).  Counts are u64 unless
 * marked.
 */
enum selfmig_result_attr {
	SELFMIG_R_UNSPEC,
	SELFMIG_R_PAD,			/* padding for the u64s */
	SELFMIG_R_ERROR,		/* s32: 0, or a negative errno */
	SELFMIG_R_MESSAGE,		/* string; empty when none */
	SELFMIG_R_STOP,			/* string: why pre-copy stopped */
	SELFMIG_R_ROUNDS,		/* u32 */
	SELFMIG_R_GUEST_PAGES,
	SELFMIG_R_USED_PAGES,
	SELFMIG_R_USED_PEAK,
	SELFMIG_R_ROUND0_PAGES,
	SELFMIG_R_PAGES_SENT,
	SELFMIG_R_BYTES_SENT,
	SELFMIG_R_FINAL_SET_PAGES,
	SELFMIG_R_FINAL_FREE_PAGES,
	SELFMIG_R_FINAL_DISCARDED,
	SELFMIG_R_FINAL_UNCHANGED,
	SELFMIG_R_FINAL_BUSY_MMS,
	SELFMIG_R_FINAL_TABLES,
	SELFMIG_R_FINAL_FROM_BEFORE,
	SELFMIG_R_FINAL_FROM_USERS,
	SELFMIG_R_FINAL_FROM_OWN,
	SELFMIG_R_FINAL_FROM_KERNEL,
	SELFMIG_R_CANCELLED,		/* u8: the freeze was cancelled (same domain) */
	SELFMIG_R_TOTAL_MS,
	__SELFMIG_R_MAX
};

#define SELFMIG_R_MAX (__SELFMIG_R_MAX - 1)

/* One pre-copy round; counts are u64. */
enum selfmig_round_attr {
	SELFMIG_RD_UNSPEC,
	SELFMIG_RD_PAD,
	SELFMIG_RD_INDEX,		/* u32, from 0 */
	SELFMIG_RD_SCANNED,
	SELFMIG_RD_DIRTY,
	SELFMIG_RD_SENT,
	SELFMIG_RD_ZERO,
	SELFMIG_RD_BYTES_RAW,
	SELFMIG_RD_BYTES_WIRE,
	SELFMIG_RD_DURATION_MS,
	SELFMIG_RD_RATE_MBIT,
	__SELFMIG_RD_MAX
};

#define SELFMIG_RD_MAX (__SELFMIG_RD_MAX - 1)

/* One process that dirtied pages in the last scan. */
enum selfmig_proc_attr {
	SELFMIG_P_UNSPEC,
	SELFMIG_P_PID,			/* u32, in the initial pid namespace */
	SELFMIG_P_COMM,			/* string, at most 15 characters */
	SELFMIG_P_PAGES,		/* u32: pages it dirtied */
	__SELFMIG_P_MAX
};

#define SELFMIG_P_MAX (__SELFMIG_P_MAX - 1)

/* The sampler's settings and state. */
enum selfmig_sampling_attr {
	SELFMIG_SG_UNSPEC,
	SELFMIG_SG_PAD,
	SELFMIG_SG_RUNNING,		/* u8: 1 while it samples */
	SELFMIG_SG_ERROR,		/* s32: 0, or why the tracker did not start */
	SELFMIG_SG_SECONDS,		/* u32 */
	SELFMIG_SG_INTERVAL_MS,		/* u32 */
	SELFMIG_SG_GUEST_PAGES,		/* u64: RAM frames tracked */
	SELFMIG_SG_SAMPLES,		/* u32: scans so far */
	__SELFMIG_SG_MAX
};

#define SELFMIG_SG_MAX (__SELFMIG_SG_MAX - 1)

/* One scan of the sampler. */
enum selfmig_sample_attr {
	SELFMIG_S_UNSPEC,
	SELFMIG_S_T_MS,			/* u32: since the sampling started */
	SELFMIG_S_FRAMES,		/* u32: found written since the scan before */
	__SELFMIG_S_MAX
};

#define SELFMIG_S_MAX (__SELFMIG_S_MAX - 1)

#endif /* _UAPI_SELFMIG_GENL_H */
