/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which frames of a guest are populated, as dom0 learns it by mapping them
 * (frames.c, no hypervisor calls; frames_xen.c maps).
 *
 * A foreign mapping answers for each frame.  Xen answers EINVAL for a gfn
 * with no page behind it (a hole, or a frame ballooned out); that, and only
 * that, makes a frame unpopulated.  Any other failure (ENOENT for a frame
 * that is paged out or shared, ENOMEM, EPERM, EFAULT, ...) is a frame that
 * is there and could not be read: the migration must fail rather than leave
 * it out, or the destination would run without it.
 *
 * The populated set is taken before the guest's pre-copy, so at the switch
 * it is read again, with the guest suspended: every frame of the guest's
 * RAM (below its final set's page count) not known to be populated, and
 * every frame the physical map gained since.  Frames above the RAM that
 * were already in the map are not tried again: they are the hypervisor's
 * and the toolstack's pages, set up when the domain was built, and trying
 * the whole sparse map again costs seconds of the guest's stop.
 */
#ifndef SELFMIG_HOOK_FRAMES_H
#define SELFMIG_HOOK_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

enum hk_frame {
	HK_FRAME_MAPPED,	/* populated, and mapped */
	HK_FRAME_HOLE,		/* nothing there (-EINVAL) */
	HK_FRAME_FAILED,	/* there, but it could not be mapped */
};

/* A frame's answer from the mapping (0 or a negative errno). */
enum hk_frame hk_frame_kind(int err);

static inline bool hk_bit(const uint8_t *bm, uint64_t i)
{
	return bm[i / 8] & (1u << (i % 8));
}

/*
 * Record a batch's answers in bm: mapped frames are set (found counts
 * them).  0; or -1 when a frame failed, *bad its index in the batch.
 */
int hk_mark_batch(uint8_t *bm, const uint64_t *pfns, const int *errs,
		  unsigned int n, uint64_t *found, unsigned int *bad);

/*
 * Resize a bitmap of old_nr frames to nr: frames gained are unknown (clear),
 * frames lost are cleared.  0, or -1 (out of memory, *bm untouched).
 */
int hk_bitmap_resize(uint8_t **bm, uint64_t old_nr, uint64_t nr);

/*
 * The next frames to map again at the switch, up to max from *cursor
 * (start at 0; returns 0 when done): those below min(ram_limit, nr) not set
 * in bm, and those from old_nr to nr (the map's growth).
 */
unsigned int hk_reprobe_batch(const uint8_t *bm, uint64_t old_nr, uint64_t nr,
			      uint64_t ram_limit, uint64_t *cursor,
			      uint64_t *pfns, unsigned int max);

#endif /* SELFMIG_HOOK_FRAMES_H */
