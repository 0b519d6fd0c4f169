/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files that run one migration (migrate.c, transport.c, seal.c,
 * ramiter.c, final.c, report.c) share, and nothing else includes: the
 * migration's state (struct selfmig_mig), and the few functions each of
 * those files offers the others.
 */
#ifndef _SELFMIG_MIGRATE_H
#define _SELFMIG_MIGRATE_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/siphash.h>
#include <linux/uio.h>
#include <linux/zlib.h>

#include "selfmig.h"
#include "wire.h"
#include "rate.h"

#define SELFMIG_MAX_ROUNDS	64

struct socket;
struct page;

/* One bitmap of the final set's descriptor: its pages, mapped, and their gfns. */
struct selfmig_fs_bitmap {
	struct page **pages;
	u8 **va;
	u64 *gfns;
};

/*
 * One migration: its settings, its connection and stream, its statistics
 * and its final set.  The last one stays, for the reports, until the next
 * starts or the module goes.
 */
struct selfmig_mig {
	struct selfmig_config cfg;
	struct task_struct *thread;
	/*
	 * Set and cleared under selfmig_mig_lock, which readers of "procs"
	 * hold: the tracker is freed only once none can see it.
	 */
	struct selfmig_tracker *t;
	struct socket *sock;
	atomic_t abort;
	u64 fault_drop_at;		/* test builds: cut the stream here */

	/* transport */
	struct smw_encoder enc;
	struct smw_pages_batch batch;
	/*
	 * A PAGES record is built in place: its meta ends where its page
	 * data (or their compression) begins, so that the payload can be
	 * sealed as one piece, with room for the tag after it.
	 */
	u8 *rec, *zrec;
	u8 *meta, *data, *zbuf;
	/* seal: the stream key, alone in its page (seal.c) */
	struct page *key_page;
	u8 *key;
	unsigned long key_pfn;
	u8 salt[SMW_SALT_LEN];		/* drawn for this stream, in its header */
	z_stream zs;
	bool zinit;
	struct smrate_params rp;
	struct smrate_pacer pacer;
	/* the heaviest writers of a round, as the stream carries them */
	struct smw_proc_entry procs[SELFMIG_MAX_PROCS];

	/* statistics */
	struct smw_round_stats rounds[SELFMIG_MAX_ROUNDS];
	u32 nr_rounds;
	u64 bytes_total;
	u64 pages_total;
	u64 nr_pfns;
	u64 used_pages;
	u64 used_peak;		/* the most frames in use while round 0 ran */
	u64 round0_pages;
	u64 final_set_pages;
	u64 final_free_pages;
	u64 final_discarded;	/* of which: contents the guest drops on resume */
	u64 final_unchanged;	/* written since sent, but holding what was sent */
	u64 final_busy_mms;
	u64 final_tables;	/* kernel leaf tables put in canonical form */
	u64 final_from[SELFMIG_FINAL_NR];
	u64 total_ns;
	enum smrate_stop stop;
	int error;
	int wire_err;		/* the encoder's first error, enum smw_err */
	char errmsg[160];

	/*
	 * What each frame held when it was last sent: a digest keyed with a
	 * secret of this migration, 0 if not known (skip_unchanged).
	 */
	u64 *sent;
	siphash_key_t sent_key;
	u64 zero_digest;
	void *scratch;			/* a page, for the comparison at the freeze */
	unsigned long *keep;		/* at the freeze: copied whatever they hold */

	/* the final set, published for dom0 */
	struct page *fs_hdr;
	struct selfmig_fs_bitmap fs_dirty, fs_free;
	u32 fs_npages;
	int fs_ret;
	bool cancelled;
	struct completion resumed;
	struct completion exited;	/* the thread is gone, or about to be */
};

/* migrate.c: the migration thread and its life cycle */

/*
 * Held to change the state or selfmig_cur, to set or clear a migration's
 * tracker, and to read the reports.
 */
extern struct mutex selfmig_mig_lock;
/* The running or last migration, under selfmig_mig_lock. */
extern struct selfmig_mig *selfmig_cur;

/* transport.c: the stream to the receiver */

/* @ret, or for a wire encoder's error -EPROTO, keeping the first for the message. */
int selfmig_xfer_wire(struct selfmig_mig *m, int ret);
/*
 * Send the stream header or one record: @hdr, then @payload, which in a
 * sealed stream is encrypted in place and has room for the tag after it.
 */
int selfmig_xfer_send(struct selfmig_mig *m, const u8 *hdr, u32 hdr_len,
		      u8 *payload, u32 len);
/* Connect to the receiver m->cfg names. */
int selfmig_xfer_connect(struct selfmig_mig *m);
/* Say the stream is complete, and wait for the receiver to close its end. */
int selfmig_xfer_finish(struct selfmig_mig *m);
/* Close the connection, if it is open. */
void selfmig_xfer_close(struct selfmig_mig *m);
/* Allocate the record buffers and, to compress, zlib's. */
int selfmig_xfer_alloc(struct selfmig_mig *m);
/* Free them, and wipe and free the stream key. */
void selfmig_xfer_free(struct selfmig_mig *m);
/* Add frame @pfn to the batch; send the batch once it is full. */
int selfmig_xfer_page(struct selfmig_mig *m, unsigned long pfn);
/* Send what is batched, then the round's statistics. */
int selfmig_xfer_round_end(struct selfmig_mig *m, struct smw_round_stats *st);
/* Send the heaviest writers of round @round, if the tracker found any. */
int selfmig_xfer_procs(struct selfmig_mig *m, u32 round);
/* Send the record that ends the stream. */
int selfmig_xfer_end(struct selfmig_mig *m);

/* seal.c: the stream's AEAD */

/* Derive the stream key from dom0's @secret into a page of its own. */
int selfmig_seal_init(struct selfmig_mig *m, const u8 secret[SMW_KEY_LEN]);
/* Whether @pfn holds the key, and so must never be sent. */
bool selfmig_seal_frame(const struct selfmig_mig *m, unsigned long pfn);
/*
 * Seal the part the encoder built last: @buf[0..@len) in place, its tag
 * written at @buf + @len, with @ad as associated data.
 */
void selfmig_seal_part(struct selfmig_mig *m, const u8 *ad, u32 ad_len,
		       u8 *buf, u32 len);
/* Wipe the key and free its page. */
void selfmig_seal_free(struct selfmig_mig *m);

/* ramiter.c: which frames a round sends */

/* Count the free RAM frames; mark them in @free unless it is NULL. */
unsigned long selfmig_count_free(struct selfmig_tracker *t, unsigned long *free);
/* Count and mark in @free the free frames on the per-CPU lists: at the freeze. */
unsigned long selfmig_count_free_pcp(struct selfmig_tracker *t,
				     unsigned long *free);
/* Round 0: send every RAM frame that is not free. */
int selfmig_round0(struct selfmig_mig *m);
/* A later round: send the frames the tracker has pending. */
int selfmig_round_dirty(struct selfmig_mig *m, struct smw_round_stats *st);

/* final.c: the final set, built at the freeze */

/* Allocate the final set's descriptor and publish where it is. */
int selfmig_fs_alloc(struct selfmig_mig *m);
/* Free the descriptor's pages. */
void selfmig_fs_free_pages(struct selfmig_mig *m);
/* With skip_unchanged, make room for the digests of sent frames, if it can. */
void selfmig_sent_alloc(struct selfmig_mig *m);
/* Free the digests and their secret. */
void selfmig_sent_free(struct selfmig_mig *m);
/* struct selfmig_freeze's @before: build the final set. */
void selfmig_fs_before_hypercall(void *data);
/* struct selfmig_freeze's @after: note if the guest woke where it froze; wake the thread. */
void selfmig_fs_after_hypercall(bool cancelled, void *data);
/* After the freeze: with final_stats, log the final set's frames by kind. */
void selfmig_fs_final_stats(struct selfmig_mig *m);

#endif /* _SELFMIG_MIGRATE_H */
