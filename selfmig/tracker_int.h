/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the dirty tracker's files (tracker.c, tracker_kernel.c,
 * tracker_user.c) share, and nothing else includes: marking a frame
 * pending, and the two page-table walks a scan runs.
 */
#ifndef _SELFMIG_TRACKER_INT_H
#define _SELFMIG_TRACKER_INT_H

#include "selfmig.h"

static inline void tracker_mark(struct selfmig_tracker *t, unsigned long pfn,
				unsigned long n)
{
	unsigned long end = pfn + n;

	if (end > t->nr_pfns)
		end = t->nr_pfns;
	for (; pfn < end; pfn++)
		__set_bit(pfn, t->pending);
}

/* tracker_kernel.c: the kernel half of the address space, through init_mm. */
void tracker_scan_kernel(struct selfmig_tracker *t);

/* tracker_user.c: every process's page tables */

/* Sleeping context: every address space, with its lock. */
void tracker_scan_users(struct selfmig_tracker *t);
/* Atomic context (the freeze): walk the task list directly. */
void tracker_scan_users_atomic(struct selfmig_tracker *t);

#endif /* _SELFMIG_TRACKER_INT_H */
