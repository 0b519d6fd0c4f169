/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guard (guard_xen.c): a small process forked by selfmig-hook before it
 * touches a guest, so that a guest is never left suspended because the hook
 * died (killed, crashed, out of memory).  The hook tells the guard, through
 * a pipe, what it would have to undo; when the pipe closes without "done",
 * the guard undoes it:
 *
 *   HK_GUARD_IDLE       nothing to undo (the guest runs)
 *   HK_GUARD_SUSPENDED  the hook suspended the guest and the destination has
 *                       not been allowed to run: resume it, after renaming
 *                       it back if the hook had renamed it
 *   HK_GUARD_RENAMED    as SUSPENDED, and the source is renamed NAME--migratedaway
 *   HK_GUARD_GO         the destination is being allowed to run: it may run
 *                       now, so the source must not; leave it suspended and
 *                       say so
 *   HK_GUARD_DONE       the hook finished; nothing to do
 *
 * The guard ignores SIGINT, SIGTERM and SIGHUP, so that a signal meant for
 * the hook (Ctrl-C) does not take the guard with it.
 */
#ifndef SELFMIG_HOOK_GUARD_H
#define SELFMIG_HOOK_GUARD_H

#include <stdint.h>
#include <sys/types.h>

enum hk_guard_state {
	HK_GUARD_IDLE = 'I',
	HK_GUARD_SUSPENDED = 'S',
	HK_GUARD_RENAMED = 'R',
	HK_GUARD_GO = 'G',
	HK_GUARD_DONE = 'D',
};

struct hk_guard {
	pid_t pid;
	int fd;
};

/* Fork the guard for domain domid named name; 0, or -1 with err set. */
int hk_guard_start(struct hk_guard *g, uint32_t domid, const char *name,
		   char *err, size_t errlen);
/* Tell the guard what it would have to undo now. */
void hk_guard_set(struct hk_guard *g, enum hk_guard_state s);
/* The hook is done: the guard exits without touching anything. */
void hk_guard_stop(struct hk_guard *g);

#endif /* SELFMIG_HOOK_GUARD_H */
