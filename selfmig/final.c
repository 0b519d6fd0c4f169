// SPDX-License-Identifier: GPL-2.0
/*
 * The final set: the frames written since the last round sent them, which
 * dom0 must still copy once the guest is frozen.  Its descriptor (a header
 * and two bitmaps in the format of selfmig/core/finalset.c, one of those
 * frames and one of the free ones) is allocated and its place published
 * before the freeze, since the freeze cannot allocate.  It is filled in at
 * the freeze's last instant, with one CPU running and interrupts off, and
 * dom0 reads it once the guest is suspended.
 *
 * With skip_unchanged, a written frame that holds again what was last sent
 * of it leaves the set: the sender keeps a keyed digest of each frame as
 * it goes (transport.c), and the freeze compares.  With final_stats, the
 * set's frames are logged by kind once the guest runs again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "selfmig.h"
#include "wire.h"
#include "finalset.h"
#include "migrate.h"

static void fs_bitmap_free(struct selfmig_fs_bitmap *b, u32 n)
{
	u32 i;

	for (i = 0; b->pages && i < n; i++)
		if (b->pages[i])
			__free_page(b->pages[i]);
	kfree(b->pages);
	kfree(b->va);
	kfree(b->gfns);
	memset(b, 0, sizeof(*b));
}

void selfmig_fs_free_pages(struct selfmig_mig *m)
{
	fs_bitmap_free(&m->fs_dirty, m->fs_npages);
	fs_bitmap_free(&m->fs_free, m->fs_npages);
	if (m->fs_hdr)
		__free_page(m->fs_hdr);
	m->fs_hdr = NULL;
	m->fs_npages = 0;
}

static int fs_bitmap_alloc(struct selfmig_fs_bitmap *b, u32 n)
{
	u32 i;

	b->pages = kcalloc(n, sizeof(*b->pages), GFP_KERNEL);
	b->va = kcalloc(n, sizeof(*b->va), GFP_KERNEL);
	b->gfns = kcalloc(n, sizeof(*b->gfns), GFP_KERNEL);
	if (!b->pages || !b->va || !b->gfns)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		b->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!b->pages[i])
			return -ENOMEM;
		b->va[i] = page_address(b->pages[i]);
		/* PVH and HVM guests are auto-translated: the pfn is the gfn. */
		b->gfns[i] = page_to_pfn(b->pages[i]);
	}
	return 0;
}

/*
 * The descriptor's pages are allocated up front: the freeze cannot allocate.
 * On failure the caller frees what was allocated (selfmig_fs_free_pages).
 */
int selfmig_fs_alloc(struct selfmig_mig *m)
{
	u32 n = smfs_bitmap_pages(m->nr_pfns);
	int ret;

	if (!n || n > SMFS_MAX_BITMAP_PAGES)
		return -E2BIG;
	m->fs_npages = n;
	m->fs_hdr = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!m->fs_hdr)
		return -ENOMEM;
	ret = fs_bitmap_alloc(&m->fs_dirty, n);
	if (!ret)
		ret = fs_bitmap_alloc(&m->fs_free, n);
	if (ret)
		return ret;
	return selfmig_publish("final-set", "%lx", page_to_pfn(m->fs_hdr));
}

/*
 * Many frames an idle guest writes hold the same bytes again by the freeze:
 * a lock taken and released, a reference count raised and dropped.  With
 * skip_unchanged, the sender keeps a digest of what it sent of each frame,
 * and at the freeze a written frame whose digest has not changed leaves the
 * final set.  SipHash, keyed with a secret of this migration, so that no
 * program can choose bytes that pass for what was sent.
 */
static bool skip_unchanged = true;
module_param(skip_unchanged, bool, 0644);
MODULE_PARM_DESC(skip_unchanged, "Leave out of the final set the frames that hold what was last sent of them (default on)");

/* An optimisation: without the memory for it, the migration goes on without. */
void selfmig_sent_alloc(struct selfmig_mig *m)
{
	if (!skip_unchanged)
		return;
	m->sent = vzalloc(array_size(m->nr_pfns, sizeof(*m->sent)));
	m->keep = vzalloc(BITS_TO_LONGS(m->nr_pfns) * sizeof(long));
	m->scratch = (void *)get_zeroed_page(GFP_KERNEL);
	if (!m->sent || !m->keep || !m->scratch) {
		pr_warn("no memory for the digests of sent frames: every written frame stays in the final set\n");
		selfmig_sent_free(m);
		return;
	}
	get_random_bytes(&m->sent_key, sizeof(m->sent_key));
	m->zero_digest = siphash(m->scratch, PAGE_SIZE, &m->sent_key);
}

void selfmig_sent_free(struct selfmig_mig *m)
{
	vfree(m->sent);
	vfree(m->keep);
	free_page((unsigned long)m->scratch);
	memzero_explicit(&m->sent_key, sizeof(m->sent_key));
	m->sent = NULL;
	m->keep = NULL;
	m->scratch = NULL;
}

/* Frames the migration itself writes at the freeze, and the stacks in use. */
static void fs_own_frames(struct selfmig_tracker *t, void *data)
{
	struct selfmig_mig *m = data;
	struct task_struct *g, *p;

	selfmig_tracker_mark_buffer(t, m, sizeof(*m));
	rcu_read_lock();
	for_each_process_thread(g, p)
		if (READ_ONCE(p->on_cpu))
			selfmig_tracker_mark_stack(t, p);
	rcu_read_unlock();
}

/*
 * With skip_unchanged: leave out of the final set each frame that holds
 * what was last sent of it.  Not the frames that may change after this
 * look, which are copied whatever they hold now: those others may write
 * (Xen's own, active writable grants), and those the freeze itself writes
 * (the stacks in use, the migration's and the tracker's own memory).  The
 * other CPUs are stopped; what they still write while they wait (RCU and
 * watchdog counters) keeps changing, so it never matches what was sent.
 * The digests, the keep set and the copy are scratch the new host never
 * reads: their frames count as free.  Frames are compared through a copy,
 * since the page may be a slab page with redzones that an instrumented
 * read would report.
 */
static void fs_skip_unchanged(struct selfmig_mig *m, unsigned long *free)
{
	struct selfmig_tracker *t = m->t;
	unsigned long pfn, *pending = t->pending;
	size_t words = BITS_TO_LONGS(t->nr_pfns) * sizeof(long);

	if (!m->sent)
		return;
	/* The tracker's marking helpers, aimed elsewhere for a moment. */
	t->pending = free;
	selfmig_tracker_mark_buffer(t, m->sent,
				    array_size(t->nr_pfns, sizeof(*m->sent)));
	selfmig_tracker_mark_buffer(t, m->keep, words);
	selfmig_tracker_mark_buffer(t, m->scratch, PAGE_SIZE);
	t->pending = m->keep;
	selfmig_platform()->foreign_frames(t);
	fs_own_frames(t, m);
	selfmig_tracker_mark_buffer(t, t, sizeof(*t));
	selfmig_tracker_mark_buffer(t, pending, words);
	selfmig_tracker_mark_buffer(t, free, words);
	t->pending = pending;

	for_each_set_bit(pfn, pending, t->nr_pfns) {
		if (test_bit(pfn, free) || test_bit(pfn, m->keep) || !m->sent[pfn])
			continue;
		smw_page_copy(m->scratch, pfn_to_kaddr(pfn));
		if (siphash(m->scratch, PAGE_SIZE, &m->sent_key) != m->sent[pfn])
			continue;
		__clear_bit(pfn, pending);
		m->final_unchanged++;
	}
}

/*
 * The last instant before the guest stops (on Xen, the suspend hypercall):
 * one CPU, interrupts off, the other CPUs stopped.  Everything written
 * since the last round, the stacks in use and the frames others write make
 * the final set.
 */
void selfmig_fs_before_hypercall(void *data)
{
	struct selfmig_mig *m = data;
	struct selfmig_tracker *t = m->t;
	struct smfs_build b;
	unsigned long pfn, *free;
	bool free_meaningless;
	u32 i;

	/*
	 * Nothing grants at the freeze, and tracking ends after it: the
	 * foreign_seen bitmap is free to hold the free set.  Free frames are
	 * counted before the final scan, which must come last.
	 */
	selfmig_tracker_take_foreign(t);
	free = t->foreign_seen;
	bitmap_zero(free, t->nr_pfns);
	m->final_free_pages = selfmig_count_free(t, free) +
			      selfmig_count_free_pcp(t, free);
	/* Frames that are not RAM (firmware, ROMs, holes) hold nothing of ours. */
	for_each_clear_bit(pfn, t->ram, t->nr_pfns)
		__set_bit(pfn, free);
	for (i = 0; i < m->fs_npages; i++) {
		memset(m->fs_dirty.va[i], 0, PAGE_SIZE);
		memset(m->fs_free.va[i], 0, PAGE_SIZE);
	}

	selfmig_tracker_scan_final(t, fs_own_frames, m);
	m->final_busy_mms = t->busy_mms;
	m->final_tables = t->final_tables;
	/*
	 * Frames whose contents the guest drops when it resumes on the new
	 * host (netfront's posted receive buffers) count as free: the new
	 * host needs the frames, not their bytes.
	 */
	m->final_discarded = selfmig_tracker_discardable(t, free);
	m->final_free_pages += m->final_discarded;
	fs_skip_unchanged(m, free);
	for (i = 0; i < SELFMIG_FINAL_NR; i++)
		m->final_from[i] = t->final_from[i];

	/*
	 * A free frame's bytes mean nothing to the guest unless the kernel
	 * gives them a meaning: zeroes (init_on_free) or a poison pattern
	 * that allocation checks.  Otherwise a free frame leaves the final
	 * set even if it was written, and dom0 does not copy it.
	 */
	free_meaningless = !want_init_on_free() &&
			   !page_poisoning_enabled_static();
	m->final_set_pages = 0;
	for_each_set_bit(pfn, t->pending, t->nr_pfns) {
		if (!test_bit(pfn, free))
			m->final_set_pages++;
		else if (free_meaningless)
			continue;
		smfs_set_bit(m->fs_dirty.va, pfn);
	}
	for_each_set_bit(pfn, free, t->nr_pfns)
		smfs_set_bit(m->fs_free.va, pfn);

	b.id = m->cfg.id;
	b.page_count = m->nr_pfns;
	b.generation = 1;
	b.header_gfn = page_to_pfn(m->fs_hdr);
	b.dirty_gfns = m->fs_dirty.gfns;
	b.free_gfns = m->fs_free.gfns;
	b.dirty_pages = m->fs_dirty.va;
	b.free_pages = m->fs_free.va;
	m->fs_ret = smfs_build_header(page_address(m->fs_hdr), PAGE_SIZE, &b);
}

/*
 * Diagnosis (final_stats=1): what the frames of the final set are, by the
 * kernel's page flags, logged once the guest runs again.
 */
static unsigned int final_stats;
module_param(final_stats, uint, 0644);
MODULE_PARM_DESC(final_stats, "Debug: log the final set's frames by kind after the freeze; 2 also each unflagged frame (default 0)");

/*
 * final_stats=2: a line per unflagged frame, for a person to tally (a page
 * pool's pages carry its signature in pp_magic).
 */
static void fs_log_frame(unsigned long pfn, struct page *p, int kind)
{
	if (kind == 7)
		pr_info("final frame %lx: other, count %d, mapcount %d, pp_magic %lx\n",
			pfn, page_count(p), page_mapcount(p), p->pp_magic);
}

static void fs_log_kinds(struct selfmig_mig *m)
{
	unsigned long pfn, n[8] = { 0 };
	static const char * const name[8] = {
		"free", "slab", "pagetable", "anon", "lru", "reserved", "compound", "other"
	};
	int i;

	for_each_set_bit(pfn, m->t->pending, m->t->nr_pfns) {
		struct page *p;

		if (!pfn_valid(pfn)) {
			n[7]++;
			continue;
		}
		p = pfn_to_page(pfn);
		if (PageBuddy(p))
			i = 0;
		else if (PageSlab(p))
			i = 1;
		else if (PageTable(p))
			i = 2;
		else if (PageAnon(p))
			i = 3;
		else if (PageLRU(p))
			i = 4;
		else if (PageReserved(p))
			i = 5;
		else if (PageCompound(p))
			i = 6;
		else
			i = 7;
		n[i]++;
		if (final_stats > 1)
			fs_log_frame(pfn, p, i);
	}
	for (i = 0; i < 8; i++)
		pr_info("final set now: %lu %s\n", n[i], name[i]);
}

/* After the freeze: with final_stats, log the final set's frames by kind. */
void selfmig_fs_final_stats(struct selfmig_mig *m)
{
	if (final_stats)
		fs_log_kinds(m);
}

void selfmig_fs_after_hypercall(bool cancelled, void *data)
{
	struct selfmig_mig *m = data;

	m->cancelled = cancelled;
	complete(&m->resumed);
}
