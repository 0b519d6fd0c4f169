/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig-verify: the calls into libxenctrl, libxenforeignmemory,
 * libxenguest and libxenstore (implemented in verify_xen.c).  Every function
 * that can fail writes a one-line message into err.
 */
#ifndef SELFMIG_VERIFY_XEN_H
#define SELFMIG_VERIFY_XEN_H

#include <stddef.h>
#include "verify.h"

struct smv_xen;

struct smv_xen *smv_xen_open(char *err, size_t errlen);
void smv_xen_close(struct smv_xen *x);

/* A numeric domain id, or a name looked up under /local/domain/ *\/name. */
int smv_xen_resolve(struct smv_xen *x, const char *spec, u32 *domid,
		    char *err, size_t errlen);

/*
 * Wait up to wait_s seconds (0: look once) until the domain has shut down
 * with reason suspend.  0 once it has; -1 on timeout, another shutdown
 * reason, a dying or vanished domain, or a hypercall failure.
 */
int smv_xen_wait_suspended(struct smv_xen *x, u32 domid, unsigned long wait_s,
			   volatile sig_atomic_t *stop, char *err,
			   size_t errlen);

/* Read and parse /local/domain/<domid>/control/selfmig/final-set. */
int smv_xen_final_set_gfn(struct smv_xen *x, u32 domid, u64 *gfn, char *err,
			  size_t errlen);

/* Frames of domid, read-only, for smv_verify(). */
void smv_xen_mapper(struct smv_xen *x, u32 domid, struct smv_mapper *m);

/* Resume the suspended domain with the suspend cancelled (it runs on). */
int smv_xen_resume(struct smv_xen *x, u32 domid, char *err, size_t errlen);

#endif /* SELFMIG_VERIFY_XEN_H */
