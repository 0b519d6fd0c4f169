/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guard: a small process forked by selfmig-hook before it touches a
 * guest, so that a guest is never left suspended, nor run twice, because the
 * hook died (killed, crashed, out of memory).  The hook tells the guard,
 * through a pipe, what it would have to undo; when the pipe closes without
 * "done", the guard undoes it.  guard.c is the process (no hypervisor
 * calls, unit-tested); guard_xen.c is what it undoes.
 *
 *   HK_GUARD_IDLE         nothing to undo (the guest runs)
 *   HK_GUARD_SUSPENDED    the guest was asked (or, for self, told) to
 *                         suspend and the destination has not been allowed
 *                         to run: wait for the suspend as long as the hook
 *                         would have (suspend_wait_s), then as suspend.h
 *                         says, and resume it
 *   HK_GUARD_RENAMED      as SUSPENDED, and the source is renamed
 *                         NAME--migratedaway: rename it back first
 *   HK_GUARD_GO           the permission to run is about to be written, or
 *                         was: the receiver's answer decides (its copy runs:
 *                         the source is destroyed; it handed the domain back:
 *                         rename back and resume; anything else: the source
 *                         stays suspended and the guard says what to check)
 *   HK_GUARD_DEST_FAILED  the receiver reported a failed start; its word that
 *                         it destroyed its copy is next: decided as for GO
 *   HK_GUARD_DEST_RUNS    the receiver reported that its copy runs: the
 *                         source is destroyed
 *   HK_GUARD_DONE         the hook finished; nothing to do
 *
 * To hear the receiver's answer the guard keeps the receiver's output pipe
 * (xl_from) and closes its input (xl_to) at once, so that a dead hook's
 * receiver still sees its input end.  It runs in a session of its own
 * (setsid), so that a signal to the hook's process group or terminal does
 * not take it along, and it ignores SIGINT, SIGTERM, SIGHUP and SIGPIPE.
 */
#ifndef SELFMIG_HOOK_GUARD_H
#define SELFMIG_HOOK_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum hk_guard_state {
	HK_GUARD_IDLE = 'I',
	HK_GUARD_SUSPENDED = 'S',
	HK_GUARD_RENAMED = 'R',
	HK_GUARD_GO = 'G',
	HK_GUARD_DEST_FAILED = 'F',
	HK_GUARD_DEST_RUNS = 'O',
	HK_GUARD_DONE = 'D',
};

struct hk_guard_cfg {
	uint32_t domid;
	const char *name;		/* the domain's name */
	unsigned int suspend_wait_s;	/* the hook's deadline for the suspend */
	unsigned int answer_wait_s;	/* for the receiver's answer after GO */
	int xl_from;			/* the receiver's output, or -1 */
	int xl_to;			/* the receiver's input, or -1 */
};

/* The receiver's answer may take this long after the permission (switch_xen.c). */
#define HK_GUARD_ANSWER_WAIT_S	240u

/* What the guard does once the hook is gone, in the guard's process. */
typedef void (*hk_guard_undo_fn)(const struct hk_guard_cfg *c, int state);

struct hk_guard {
	pid_t pid;
	int fd;
};

/* Fork the guard with undo; 0, or -1 with err set. */
int hk_guard_spawn(struct hk_guard *g, const struct hk_guard_cfg *c,
		   hk_guard_undo_fn undo, char *err, size_t errlen);
/* hk_guard_spawn() with the undo of guard_xen.c. */
int hk_guard_start(struct hk_guard *g, const struct hk_guard_cfg *c,
		   char *err, size_t errlen);
/* Tell the guard what it would have to undo now. */
void hk_guard_set(struct hk_guard *g, enum hk_guard_state s);
/* The hook is done: the guard exits without touching anything. */
void hk_guard_stop(struct hk_guard *g);

#endif /* SELFMIG_HOOK_GUARD_H */
