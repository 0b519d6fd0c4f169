/* SPDX-License-Identifier: GPL-2.0 */
/* The platforms of pvops-hooks/, each behind struct selfmig_platform. */
#ifndef _SELFMIG_HOOKS_H
#define _SELFMIG_HOOKS_H

struct selfmig_platform;

/* xen.c: a Xen guest (PVH first; PV and HVM report their type). */
const struct selfmig_platform *selfmig_xen_init(void);
/* native.c: a plain PC, for the single-level testbed (tests/native/). */
const struct selfmig_platform *selfmig_native_init(void);

#endif
