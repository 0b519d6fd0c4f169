/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig-hook: what the files of hook_xen.h's calls (hook_xen.c,
 * save_xen.c, frames_xen.c) share, and nothing else includes: the handles
 * behind struct hk_xen, and the two checks more than one of them makes.
 * Each of them drops __STRICT_ANSI__ before any header (verify_xen.c says
 * why).
 */
#ifndef SELFMIG_HOOK_XEN_INT_H
#define SELFMIG_HOOK_XEN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libxl.h>

#include "xenh.h"

struct hk_xen {
	struct sxh h;		/* the handles selfmig-verify opens too */
	libxl_ctx *lx;
};

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

/* hook_xen.c */

/* Shut down with reason suspend: 1; running: 0; anything else: -1. */
int hk_suspended(struct hk_xen *x, uint32_t domid, char *err, size_t errlen);

/* frames_xen.c */

/* A frame that is there but could not be mapped (frames.h): why, in err. */
void hk_frame_failed(uint64_t pfn, uint32_t domid, int e, char *err,
		  size_t errlen);

#endif /* SELFMIG_HOOK_XEN_INT_H */
