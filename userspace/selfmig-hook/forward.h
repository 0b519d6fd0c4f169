/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig-hook self, the parts that need no hypervisor (forward.c):
 * batching pages into Xen PAGE_DATA records, and the rule that decides, at
 * the switch, what happens to each frame of the suspended guest.
 */
#ifndef SELFMIG_HOOK_FORWARD_H
#define SELFMIG_HOOK_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finalset.h"
#include "xenstream.h"

struct hk_fwd {
	struct sxs_sink *sink;
	uint64_t pfns[SXS_BATCH_MAX];
	uint8_t types[SXS_BATCH_MAX];
	uint8_t *data;			/* SXS_BATCH_MAX pages */
	unsigned int n, with_data;
	uint8_t *sent;			/* bitmap over nr frames: pre-copied */
	uint64_t nr;
	uint64_t forwarded;		/* pages forwarded from the guest's stream */
	uint64_t *digest;		/* --verify: per frame, of the last page sent */
	uint8_t *allocated;		/* bitmap over nr frames: allocate-only, early */
	uint64_t preallocated;		/* frames in it */
	uint64_t prealloc_next;		/* the next frame hk_fwd_prealloc() looks at */
};

/* Allocate the batch and a sent-bitmap for nr frames; 0 or -1. */
int hk_fwd_init(struct hk_fwd *f, struct sxs_sink *sink, uint64_t nr);
void hk_fwd_free(struct hk_fwd *f);
/* Queue one frame: with data (page, or zeros when NULL) or allocate-only. */
int hk_fwd_add(struct hk_fwd *f, uint64_t pfn, uint8_t type, const uint8_t *page);
/* Where the next data page goes: the caller fills it, then commits it. */
uint8_t *hk_fwd_slot(struct hk_fwd *f);
int hk_fwd_commit(struct hk_fwd *f, uint64_t pfn);
int hk_fwd_flush(struct hk_fwd *f);
/* The receiver's page callback: a pre-copied page (NULL: a zero page). */
int hk_fwd_page(void *ctx, uint64_t gfn, const uint8_t *page);
bool hk_fwd_was_sent(const struct hk_fwd *f, uint64_t pfn);

/*
 * While the guest's stream runs: queue as allocate-only the frames below
 * count that are populated in the source (populated, a bitmap over f->nr
 * frames) and were not sent yet, and remember them.  The destination then
 * populates, while pre-copy runs, the frames the guest never sends because
 * they are free; without this it populates them all at the switch, with
 * the guest stopped.  What the switch copies does not change: a frame is
 * still copied if it is dirty, or never sent and not free; it only needs
 * no allocate-only record of its own when it was allocated here.
 * At most max frames per call, from where the last call stopped, so that
 * the guest's stream is read between them.  The number queued, or -1 (a
 * write failed, or no memory).
 */
int64_t hk_fwd_prealloc(struct hk_fwd *f, const uint8_t *populated, uint64_t count,
			uint64_t max);
/* Whether hk_fwd_prealloc() has looked at every frame below count. */
bool hk_fwd_prealloc_done(const struct hk_fwd *f, uint64_t count);
bool hk_fwd_was_allocated(const struct hk_fwd *f, uint64_t pfn);

/*
 * --verify: keep a digest of every pre-copied page as it is forwarded, so
 * that the switch can compare the suspended guest with what the destination
 * holds.  The digest is zlib's CRC-32 and Adler-32 of the page, side by side:
 * a check against our own mistakes, not against an adversary.
 */
int hk_fwd_keep_digests(struct hk_fwd *f);
uint64_t hk_page_digest(const uint8_t *page);	/* NULL: a zero page */
/* Whether frame pfn, pre-copied, still holds what was sent. */
bool hk_fwd_matches(const struct hk_fwd *f, uint64_t pfn, const uint8_t *page);

/*
 * Whether the guest's final-set descriptor belongs to this migration: a
 * descriptor left from an earlier one must never decide what is copied.
 */
bool hk_final_set_is_ours(const struct smfs_header *h, const uint8_t id[16]);
/*
 * The same as a check: 0, or -1 with a message in err that names both
 * migrations in full (32 hex digits each).
 */
int hk_check_final_set_id(const struct smfs_header *h, const uint8_t id[16],
			  char *err, size_t errlen);

/*
 * The most frames a guest may claim (its stream's page_count, its final
 * set's): its maximum memory as Xen reports it (max_pages), plus
 * HK_HOLE_SLACK_PAGES for the holes below its highest RAM frame.  On x86 a
 * guest's RAM is split around the MMIO hole below 4 GiB, and Xen's own
 * pages (rings, shared info) sit there too, so its highest frame lies at
 * most 4 GiB of frames above its memory.  Never above what the wire
 * format allows (SMW_MAX_GUEST_PAGES).
 */
#define HK_HOLE_SLACK_PAGES	(UINT64_C(1) << 20)	/* 4 GiB of frames */
uint64_t hk_guest_page_limit(uint64_t max_pages);
/*
 * Whether what (the guest's stream, its final set) may claim count frames
 * under limit: 0, or -1 with a message naming both in err.
 */
int hk_check_page_count(uint64_t count, uint64_t limit, const char *what,
			char *err, size_t errlen);

enum hk_action {
	HK_SKIP,		/* the destination's copy is current */
	HK_COPY,		/* copy the frame's content now */
	HK_ALLOC,		/* populate it, no content (a free page) */
};

/*
 * What the switch does with a frame of the suspended guest.  below: the
 * frame is below the page count of the guest's final set (so its bits
 * mean something); dirty, free: its bits there; sent: pre-copied.
 */
enum hk_action hk_plan_frame(bool populated, bool below, bool dirty,
			     bool free, bool sent);

#endif /* SELFMIG_HOOK_FORWARD_H */
