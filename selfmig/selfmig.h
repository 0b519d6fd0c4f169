/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig: internal interfaces of the guest module.
 */
#ifndef _SELFMIG_H
#define _SELFMIG_H

#include <linux/types.h>

#define SELFMIG_VERSION "0.1.0"

/*
 * Life cycle of one migration as the guest sees it.  Every transition goes
 * through selfmig_state_set(), which refuses the ones not listed in state.c.
 */
enum selfmig_state {
	SELFMIG_IDLE,		/* nothing under way */
	SELFMIG_NOTIFIED,	/* a relocation notice was accepted */
	SELFMIG_PRECOPY,	/* pre-copy rounds are running */
	SELFMIG_STOPPING,	/* stop condition met, the last round is queued */
	SELFMIG_SUSPENDED,	/* inside the Xen suspend path */
	SELFMIG_RESUMED,	/* running again: in a new domain or cancelled */
	SELFMIG_FAILED,		/* aborted; the guest runs on where it was */
	SELFMIG_NR_STATES,
};

const char *selfmig_state_name(enum selfmig_state s);
enum selfmig_state selfmig_state_get(void);
int selfmig_state_set(enum selfmig_state to);
bool selfmig_state_allowed(enum selfmig_state from, enum selfmig_state to);

/* pvops-hooks/xen.c: what kind of guest this is, as the hypervisor sees it. */
const char *selfmig_xen_guest_type(void);

int selfmig_sysfs_init(void);
void selfmig_sysfs_exit(void);

int selfmig_selftest_run(void);

#endif /* _SELFMIG_H */
