/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig-hook: the calls into libxenctrl, libxenguest, libxenforeignmemory,
 * libxenstore and libxl (hook_xen.c: the domain; save_xen.c: its save image;
 * frames_xen.c: its memory).  Every function that can fail writes a one-line
 * message into err.
 */
#ifndef SELFMIG_HOOK_XEN_H
#define SELFMIG_HOOK_XEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstream.h"

struct hk_xen;

struct hk_save_stats {
	uint64_t gpfns;			/* frames looked at */
	uint64_t pages;			/* frames copied */
	uint64_t bytes;			/* stream bytes */
	uint32_t config_bytes;
	uint32_t cpuid_leaves, msrs;
	uint32_t hvm_context_bytes, hvm_params;
};

/*
 * Fault injection (fault.h, restore-fail): when set, hk_xen_save sends a
 * record the destination cannot restore just before the stream's end.
 */
extern bool hk_xen_fault_bad_record;

typedef void (*hk_progress_fn)(uint64_t done, uint64_t total, uint64_t pages);

struct hk_xen *hk_xen_open(char *err, size_t errlen);
void hk_xen_close(struct hk_xen *x);

/* A numeric domain id, or a domain name. */
int hk_xen_resolve(struct hk_xen *x, const char *spec, uint32_t *domid,
		   char *err, size_t errlen);

/*
 * Ask the guest to suspend (control/shutdown = suspend, Linux's standard
 * path): 0 asked, 1 it already is suspended, -1 err.  Wait for the answer
 * with hk_await_suspend() (suspend.h) on hk_xen_dom_ops().
 */
int hk_xen_request_suspend(struct hk_xen *x, uint32_t domid, char *err,
			   size_t errlen);

/* The domain as a struct hk_dom_ops (suspend.h): its state, withdrawing a
 * request to suspend, resuming it.  d holds what o points at. */
struct hk_dom_ops;
struct hk_xen_dom {
	struct hk_xen *x;
	uint32_t domid;
};
void hk_xen_dom_ops(struct hk_xen_dom *d, struct hk_xen *x, uint32_t domid,
		    const char *name, struct hk_dom_ops *o);

/* Resume a suspended domain with the suspend cancelled: it runs on. */
int hk_xen_resume(struct hk_xen *x, uint32_t domid, char *err, size_t errlen);
int hk_xen_destroy(struct hk_xen *x, uint32_t domid, char *err, size_t errlen);

/* The domain's name (malloc'd), or NULL. */
char *hk_xen_name(struct hk_xen *x, uint32_t domid);
int hk_xen_rename(struct hk_xen *x, uint32_t domid, const char *from,
		  const char *to, char *err, size_t errlen);

/* The domain's configuration as libxl JSON (malloc'd), domid cleared. */
char *hk_xen_config_json(struct hk_xen *x, uint32_t domid, char *err,
			 size_t errlen);

/*
 * The whole suspended domain as an xl save image into s: configuration,
 * CPU policy, every populated frame, TSC, HVM context and params.
 */
int hk_xen_save(struct hk_xen *x, uint32_t domid, struct sxs_sink *s,
		struct hk_save_stats *st, hk_progress_fn progress, char *err,
		size_t errlen);

/* ---- the pieces of the self switch */

struct smfs_header;

/* xl header, libxl and libxc headers, CPU policy, STATIC_DATA_END. */
int hk_xen_write_prologue(struct hk_xen *x, uint32_t domid, struct sxs_sink *s,
			  struct hk_save_stats *st, char *err, size_t errlen);
int hk_xen_write_static(struct hk_xen *x, uint32_t domid, struct sxs_sink *s,
			struct hk_save_stats *st, char *err, size_t errlen);
/* TSC info, HVM context, HVM params. */
int hk_xen_write_cpu_state(struct hk_xen *x, uint32_t domid,
			   struct sxs_sink *s, struct hk_save_stats *st,
			   char *err, size_t errlen);
/*
 * Update such a bitmap at the switch (frames.h): the map's new size, and
 * the frames populated since, among those below limit not known populated
 * and those the map gained; found counts them.  A frame that is there but
 * cannot be mapped is an error.
 */
int hk_xen_populated_again(struct hk_xen *x, uint32_t domid, uint8_t **bitmap,
			   uint64_t *nr_io, uint64_t limit, uint64_t *found,
			   char *err, size_t errlen);

/* The domain's maximum memory in 4 KiB pages, as Xen holds it (max_pages). */
int hk_xen_max_pages(struct hk_xen *x, uint32_t domid, uint64_t *pages,
		     char *err, size_t errlen);

/*
 * Bitmap (malloc'd) of the populated frames: those dom0 maps; a hole is
 * not, any other failure to map is an error (frames.h).
 */
int hk_xen_populated(struct hk_xen *x, uint32_t domid, uint8_t **bitmap,
		     uint64_t *nr, char *err, size_t errlen);
/* Copy n (<= SXS_BATCH_MAX) frames into buf; any unmappable one fails. */
int hk_xen_read_pages(struct hk_xen *x, uint32_t domid, const uint64_t *pfns,
		      unsigned int n, uint8_t *buf, char *err, size_t errlen);
/*
 * The guest's final-set descriptor (docs/final-set.md), validated: *maps
 * (malloc'd) holds the dirty bitmap's pages, then the free bitmap's.
 */
int hk_xen_final_set(struct hk_xen *x, uint32_t domid, struct smfs_header *h,
		     uint8_t **maps, char *err, size_t errlen);

/*
 * Hand the migration's secret (an authkey.h line) to the guest:
 * control/selfmig/key, owned by dom0, readable by the guest alone.
 */
int hk_xen_publish_key(struct hk_xen *x, uint32_t domid, const char *line,
		       char *err, size_t errlen);
void hk_xen_withdraw_key(struct hk_xen *x, uint32_t domid);

#endif /* SELFMIG_HOOK_XEN_H */
