// SPDX-License-Identifier: GPL-2.0
/*
 * One migration, as the guest runs it: pre-copy rounds over a TCP
 * connection to the receiver, paced and stopped by selfmig/core/rate.c,
 * then the freeze, where the final dirty set is published for dom0.
 *
 * The rounds run in a kernel thread.  Round 0 sends every RAM frame that
 * is not free; each later round sends the frames the tracker found written
 * since the previous scan.  Which frames and how they travel stay apart:
 * the tracker answers "which", transport.c only encodes and sends.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/net.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/slab.h>
#include <linux/siphash.h>
#include <linux/random.h>
#include <linux/vmalloc.h>
#include <linux/zlib.h>
#include <linux/delay.h>
#include <linux/ioport.h>
#include <linux/completion.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <net/sock.h>

#include "selfmig.h"
#include "wire.h"
#include "rate.h"
#include "finalset.h"
#include "ioloop.h"
#include "migrate.h"

#define SELFMIG_RESUME_WAIT_S	900

#ifdef SELFMIG_FAULTS
/*
 * Fault injection, in test builds only (docs/switch.md): "sender-drop:MIB"
 * makes the sender cut its connection once MIB of stream have gone, as a
 * broken network would.  Read when a migration starts.
 */
static char fault[32];
module_param_string(fault, fault, sizeof(fault), 0644);
MODULE_PARM_DESC(fault, "Test builds: \"sender-drop:MIB\" cuts the stream after MIB (empty: no fault)");

static int fault_parse(u64 *drop_at)
{
	static const char point[] = "sender-drop:";
	unsigned int mib;

	*drop_at = 0;
	if (!fault[0] || !strcmp(fault, "\n"))
		return 0;
	if (strncmp(fault, point, sizeof(point) - 1) ||
	    kstrtouint(fault + sizeof(point) - 1, 10, &mib) || !mib) {
		pr_err("fault=%s: only sender-drop:MIB is known\n", fault);
		return -EINVAL;
	}
	*drop_at = (u64)mib << 20;
	pr_warn("FAULT INJECTION armed: sender-drop after %u MiB\n", mib);
	return 0;
}
#endif

static DEFINE_MUTEX(selfmig_mig_lock);
static struct selfmig_mig *selfmig_cur;	/* the running or last migration */

static u64 mbit(u64 v)
{
	return v * 1000 * 1000;
}

/**
 * selfmig_fail_cause() - a failure's cause, for its message
 * @buf: where to write it
 * @len: the size of @buf
 * @err: the failure's errno
 * @wire_err: 0, or the wire encoder's code (enum smw_err) behind @err
 *
 * An errno is printed as %pe prints it ("-ECONNRESET", or "-104" without
 * CONFIG_SYMBOLIC_ERRNAME); the encoder's codes are the project's own, not
 * errnos, and go by their own names ("wire bad_count").
 */
void selfmig_fail_cause(char *buf, size_t len, int err, int wire_err)
{
	if (wire_err)
		snprintf(buf, len, "wire %s", smw_errname(wire_err));
	else
		snprintf(buf, len, "%pe", ERR_PTR(err));
}

static void mig_fail(struct selfmig_mig *m, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->error)
		return;
	m->error = err ? err : -EIO;
	va_start(ap, fmt);
	n = vsnprintf(m->errmsg, sizeof(m->errmsg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 2 < sizeof(m->errmsg)) {
		memcpy(m->errmsg + n, ": ", 2);
		selfmig_fail_cause(m->errmsg + n + 2, sizeof(m->errmsg) - n - 2,
				   m->error,
				   m->error == -EPROTO ? m->wire_err : 0);
	}
	pr_err("migration failed: %s (%d)\n", m->errmsg, m->error);
}

/* ------------------------------------------------------------------ */
/* the final set                                                        */

static void fs_free_pages(struct selfmig_mig *m)
{
	u32 i;

	for (i = 0; i < m->fs_npages; i++) {
		if (m->fs_dirty && m->fs_dirty[i])
			__free_page(m->fs_dirty[i]);
		if (m->fs_free && m->fs_free[i])
			__free_page(m->fs_free[i]);
	}
	if (m->fs_hdr)
		__free_page(m->fs_hdr);
	kfree(m->fs_dirty);
	kfree(m->fs_free);
	kfree(m->fs_dirty_va);
	kfree(m->fs_free_va);
	kfree(m->fs_dirty_gfns);
	kfree(m->fs_free_gfns);
	m->fs_hdr = NULL;
	m->fs_dirty = NULL;
	m->fs_free = NULL;
	m->fs_dirty_va = NULL;
	m->fs_free_va = NULL;
	m->fs_dirty_gfns = NULL;
	m->fs_free_gfns = NULL;
	m->fs_npages = 0;
}

/* The descriptor's pages are allocated up front: the freeze cannot allocate. */
static int fs_alloc(struct selfmig_mig *m)
{
	u32 n = smfs_bitmap_pages(m->nr_pfns), i;

	if (!n || n > SMFS_MAX_BITMAP_PAGES)
		return -E2BIG;
	m->fs_npages = n;
	m->fs_dirty = kcalloc(n, sizeof(*m->fs_dirty), GFP_KERNEL);
	m->fs_free = kcalloc(n, sizeof(*m->fs_free), GFP_KERNEL);
	m->fs_dirty_va = kcalloc(n, sizeof(*m->fs_dirty_va), GFP_KERNEL);
	m->fs_free_va = kcalloc(n, sizeof(*m->fs_free_va), GFP_KERNEL);
	m->fs_dirty_gfns = kcalloc(n, sizeof(u64), GFP_KERNEL);
	m->fs_free_gfns = kcalloc(n, sizeof(u64), GFP_KERNEL);
	m->fs_hdr = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!m->fs_dirty || !m->fs_free || !m->fs_dirty_va || !m->fs_free_va ||
	    !m->fs_dirty_gfns || !m->fs_free_gfns || !m->fs_hdr)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		m->fs_dirty[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		m->fs_free[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!m->fs_dirty[i] || !m->fs_free[i])
			return -ENOMEM;
		m->fs_dirty_va[i] = page_address(m->fs_dirty[i]);
		m->fs_free_va[i] = page_address(m->fs_free[i]);
		/* PVH and HVM guests are auto-translated: the pfn is the gfn. */
		m->fs_dirty_gfns[i] = page_to_pfn(m->fs_dirty[i]);
		m->fs_free_gfns[i] = page_to_pfn(m->fs_free[i]);
	}
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

static void sent_free(struct selfmig_mig *m);

/* An optimisation: without the memory for it, the migration goes on without. */
static void sent_alloc(struct selfmig_mig *m)
{
	if (!skip_unchanged)
		return;
	m->sent = vzalloc(array_size(m->nr_pfns, sizeof(*m->sent)));
	m->keep = vzalloc(BITS_TO_LONGS(m->nr_pfns) * sizeof(long));
	m->scratch = (void *)get_zeroed_page(GFP_KERNEL);
	if (!m->sent || !m->keep || !m->scratch) {
		pr_warn("no memory for the digests of sent frames: every written frame stays in the final set\n");
		sent_free(m);
		return;
	}
	get_random_bytes(&m->sent_key, sizeof(m->sent_key));
	m->zero_digest = siphash(m->scratch, PAGE_SIZE, &m->sent_key);
}

static void sent_free(struct selfmig_mig *m)
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
static void fs_before_hypercall(void *data)
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
		memset(m->fs_dirty_va[i], 0, PAGE_SIZE);
		memset(m->fs_free_va[i], 0, PAGE_SIZE);
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
		smfs_set_bit(m->fs_dirty_va, pfn);
	}
	for_each_set_bit(pfn, free, t->nr_pfns)
		smfs_set_bit(m->fs_free_va, pfn);

	b.id = m->cfg.id;
	b.page_count = m->nr_pfns;
	b.generation = 1;
	b.header_gfn = page_to_pfn(m->fs_hdr);
	b.dirty_gfns = m->fs_dirty_gfns;
	b.free_gfns = m->fs_free_gfns;
	b.dirty_pages = m->fs_dirty_va;
	b.free_pages = m->fs_free_va;
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

static void fs_after_hypercall(bool cancelled, void *data)
{
	struct selfmig_mig *m = data;

	m->cancelled = cancelled;
	complete(&m->resumed);
}

/* ------------------------------------------------------------------ */
/* the thread                                                           */

static void round_stats(struct selfmig_mig *m, u32 r, u64 start_ns, u64 rate)
{
	struct smw_round_stats *st = &m->rounds[r];

	st->duration_ns = ktime_get_ns() - start_ns;
	st->rate = rate;
	m->nr_rounds = r + 1;
}

/* One round of the frames the last scan found, with no scan after it. */
static int round_last(struct selfmig_mig *m, u32 r, u64 start, u64 rate,
		      unsigned long dirty)
{
	int ret;

	smrate_pacer_start(&m->pacer, start, rate);
	selfmig_publish("progress", "round %u dirty %lu (last)", r, dirty);
	m->rounds[r].pages_scanned = m->t->ram_pages;
	m->rounds[r].pages_dirty = dirty;
	ret = selfmig_round_dirty(m, &m->rounds[r]);
	if (ret)
		return ret;
	round_stats(m, r, start, rate);
	return selfmig_xfer_round_end(m, &m->rounds[r]);
}

static int migrate_rounds(struct selfmig_mig *m)
{
	struct selfmig_tracker *t = m->t;
	u64 start, rate, dirty_rate = 0, prev_dirty = 0, guest_bytes;
	u64 last_scan = ktime_get_ns();
	struct smrate_progress pr;
	unsigned long dirty;
	u32 r;
	int ret;

	guest_bytes = (u64)t->ram_pages * PAGE_SIZE;

	/* Round 0 */
	start = ktime_get_ns();
	rate = smrate_round_rate(&m->rp, 0, 0);
	smrate_pacer_start(&m->pacer, start, rate);
	selfmig_publish("progress", "round 0");
	ret = selfmig_round0(m);
	if (ret)
		return ret;
	round_stats(m, 0, start, rate);
	ret = selfmig_xfer_round_end(m, &m->rounds[0]);
	if (ret)
		return ret;
	pr_info("round 0: %llu pages sent of %lu RAM pages (%llu in use)\n",
		m->round0_pages, t->ram_pages, m->used_pages);

	for (r = 1; ; r++) {
		u64 now;

		dirty = selfmig_tracker_scan(t);
		now = ktime_get_ns();
		dirty_rate = smrate_dirty_rate_bps(dirty, PAGE_SIZE, now - last_scan);
		last_scan = now;
		rate = smrate_round_rate(&m->rp, r, dirty_rate);

		pr = (struct smrate_progress){
			.round = r - 1,
			.page_size = PAGE_SIZE,
			.remaining_dirty_pages = dirty,
			.rate_bps = rate,
			.bytes_sent_total = m->bytes_total,
			.guest_mem_bytes = guest_bytes,
			.prev_dirty_pages = prev_dirty,
		};
		m->stop = smrate_should_stop(&m->rp, &pr);
		if (m->stop == SMRATE_CONTINUE && r >= SELFMIG_MAX_ROUNDS - 1)
			m->stop = SMRATE_STOP_MAX_ROUNDS;
		if (m->stop != SMRATE_CONTINUE) {
			pr_info("stopping after round %u: %s, %lu pages dirty\n",
				r - 1, smrate_stop_name(m->stop), dirty);
			/*
			 * Converged: the rest fits the downtime target, so it
			 * goes now, in one last round, and the final set holds
			 * only what is written from here to the freeze.  On
			 * the other stops the rest is large and would only be
			 * written again.
			 */
			if (m->stop == SMRATE_STOP_CONVERGED && dirty)
				return round_last(m, r, now, rate, dirty);
			return 0;
		}
		prev_dirty = dirty;

		start = now;
		smrate_pacer_start(&m->pacer, start, rate);
		selfmig_publish("progress", "round %u dirty %lu", r, dirty);
		m->rounds[r].pages_scanned = t->ram_pages;
		m->rounds[r].pages_dirty = dirty;
		ret = selfmig_round_dirty(m, &m->rounds[r]);
		if (ret)
			return ret;
		round_stats(m, r, start, rate);
		ret = selfmig_xfer_round_end(m, &m->rounds[r]);
		if (!ret)
			ret = selfmig_xfer_procs(m, r);
		if (ret)
			return ret;
	}
}

/*
 * Move on to @to, unless an abort came first.  selfmig_migrate_abort()
 * honours an abort or refuses it by the state, under selfmig_mig_lock: the
 * flag is looked at and the state changed under it too, so that an abort
 * it honoured is never overtaken by the freeze or an outcome.
 */
static int mig_enter(struct selfmig_mig *m, enum selfmig_state to)
{
	enum selfmig_state from;
	int ret;

	mutex_lock(&selfmig_mig_lock);
	from = selfmig_state_get();
	if (atomic_read(&m->abort)) {
		ret = -ECANCELED;
		mig_fail(m, ret, "aborted in state %s", selfmig_state_name(from));
	} else {
		ret = selfmig_state_set(to);
		if (ret)
			mig_fail(m, ret, "state %s cannot follow %s",
				 selfmig_state_name(to), selfmig_state_name(from));
	}
	mutex_unlock(&selfmig_mig_lock);
	return ret;
}

/*
 * The migration's outcome, resumed or failed, shown while it cleans up;
 * selfmig_state_end() then takes the state back to idle.  An abort
 * honoured until now fails it, even one whose stream went through.
 */
static void mig_outcome(struct selfmig_mig *m)
{
	enum selfmig_state from;

	mutex_lock(&selfmig_mig_lock);
	from = selfmig_state_get();
	if (atomic_read(&m->abort))
		mig_fail(m, -ECANCELED, "aborted in state %s",
			 selfmig_state_name(from));
	if (selfmig_state_set(selfmig_state_ending(from, m->error)))
		mig_fail(m, -EINVAL, "a migration in state %s has no outcome",
			 selfmig_state_name(from));
	mutex_unlock(&selfmig_mig_lock);
}

static int migrate_thread(void *arg)
{
	struct selfmig_mig *m = arg;
	struct selfmig_tracker *t;
	u8 shdr[SMW_STREAM_HDR_LEN];
	struct kvec iov;
	u64 t0 = ktime_get_ns();
	int ret;

	m->nr_pfns = selfmig_ram_end_pfn();
	t = selfmig_tracker_start(m->nr_pfns);
	if (IS_ERR(t)) {
		mig_fail(m, PTR_ERR(t), "cannot start dirty tracking");
		goto out;
	}
	mutex_lock(&selfmig_mig_lock);
	m->t = t;
	mutex_unlock(&selfmig_mig_lock);
	m->used_pages = m->t->ram_pages - selfmig_count_free(m->t, NULL);
	m->used_peak = m->used_pages;
	if (m->cfg.verify) {
		ret = fs_alloc(m);
		if (!ret)
			sent_alloc(m);
		if (ret) {
			mig_fail(m, ret, "cannot prepare the final-set descriptor");
			goto out;
		}
	}
	ret = selfmig_xfer_alloc(m);
	if (ret) {
		mig_fail(m, ret, "cannot allocate transfer buffers");
		goto out;
	}
	ret = selfmig_xfer_connect(m);
	if (ret) {
		mig_fail(m, ret, "cannot connect to the receiver %pI4:%u",
			 &m->cfg.dest_addr, m->cfg.dest_port);
		goto out;
	}
	if (m->cfg.auth)
		ret = smw_enc_init_auth(&m->enc, shdr, m->cfg.id, m->nr_pfns,
					m->cfg.key);
	else
		ret = smw_enc_init(&m->enc, shdr, m->cfg.id, m->nr_pfns);
	ret = selfmig_xfer_wire(m, ret);
	/* The encoder keeps the keyed state; the secret itself goes now. */
	memzero_explicit(m->cfg.key, sizeof(m->cfg.key));
	if (!ret) {
		iov = (struct kvec){ shdr, sizeof(shdr) };
		ret = selfmig_xfer_send(m, SMW_TAG_HDR, &iov, 1);
	}
	if (ret) {
		mig_fail(m, ret, "cannot send the stream header");
		goto out;
	}
	smw_pages_begin(&m->enc, &m->batch, m->meta, m->data);

	ret = migrate_rounds(m);
	if (ret) {
		mig_fail(m, ret, "pre-copy round %u failed", m->nr_rounds);
		goto out;
	}
	ret = mig_enter(m, SELFMIG_STOPPING);
	if (ret)
		goto out;
	ret = selfmig_xfer_end(m);
	if (ret) {
		mig_fail(m, ret, "cannot send the end of the stream");
		goto out;
	}
	ret = selfmig_xfer_finish(m);
	if (ret) {
		mig_fail(m, ret, "the receiver did not confirm the end of the stream");
		goto out;
	}
	selfmig_xfer_close(m);
	selfmig_xfer_free(m);

	if (m->cfg.verify) {
		const struct selfmig_platform *plat = selfmig_platform();
		struct selfmig_freeze f = {
			.before = fs_before_hypercall,
			.after = fs_after_hypercall,
			.data = m,
		};

		ret = mig_enter(m, SELFMIG_SUSPENDED);
		if (ret)
			goto out;
		selfmig_publish("progress", "suspending");
		ret = plat->freeze(&f);
		if (ret) {
			mig_fail(m, ret, "cannot freeze");
			goto out;
		}
		if (!wait_for_completion_timeout(&m->resumed,
						 SELFMIG_RESUME_WAIT_S * HZ)) {
			plat->freeze_end();
			mig_fail(m, -ETIMEDOUT, "no suspend within %u s",
				 SELFMIG_RESUME_WAIT_S);
			goto out;
		}
		plat->freeze_end();
		if (m->fs_ret)
			mig_fail(m, -EINVAL, "final set not built: %s",
				 smfs_strerror(m->fs_ret));
		pr_info("resumed (%s): final set %llu pages (%llu more written but unchanged), %llu free (%llu discardable)\n",
			m->cancelled ? "cancelled, same domain" : "new domain",
			m->final_set_pages, m->final_unchanged,
			m->final_free_pages, m->final_discarded);
		if (final_stats)
			fs_log_kinds(m);
	}
out:
	m->total_ns = ktime_get_ns() - t0;
	selfmig_xfer_close(m);
	selfmig_xfer_free(m);
	mig_outcome(m);
	selfmig_publish("progress", m->error ? "failed" : "done");
	mutex_lock(&selfmig_mig_lock);
	t = m->t;
	m->t = NULL;
	mutex_unlock(&selfmig_mig_lock);
	selfmig_tracker_stop(t);
	sent_free(m);
	fs_free_pages(m);
	selfmig_state_end(m->error);
	/* Whoever frees @m, or unloads this code, waits for this. */
	kthread_complete_and_exit(&m->exited, 0);
}

void selfmig_config_defaults(struct selfmig_config *cfg)
{
	struct smrate_params p;

	smrate_params_default(&p);
	memset(cfg, 0, sizeof(*cfg));
	cfg->start_rate_mbit = div_u64(p.start_rate_bps, 1000000);
	cfg->max_bandwidth_mbit = div_u64(p.max_rate_bps, 1000000);
	cfg->downtime_ms = div_u64(p.downtime_target_ns, NSEC_PER_MSEC);
	cfg->max_rounds = p.max_rounds;
	cfg->max_bytes_factor = p.max_bytes_factor;
}

/**
 * selfmig_migrate_start() - start a migration in the background
 * @cfg: where to and how; copied
 *
 * Return: 0, -EBUSY if one is under way, -EINVAL for bad settings.
 */
int selfmig_migrate_start(const struct selfmig_config *cfg)
{
	struct selfmig_mig *m;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	init_completion(&m->resumed);
	init_completion(&m->exited);
	smrate_params_default(&m->rp);
	m->rp.start_rate_bps = mbit(cfg->start_rate_mbit);
	m->rp.max_rate_bps = mbit(cfg->max_bandwidth_mbit);
	m->rp.downtime_target_ns = (u64)cfg->downtime_ms * NSEC_PER_MSEC;
	m->rp.max_rounds = cfg->max_rounds;
	m->rp.max_bytes_factor = cfg->max_bytes_factor;
	ret = smrate_params_check(&m->rp);
	if (ret) {
		pr_err("bad rate settings: %s\n", smrate_strerror(ret));
		kfree_sensitive(m);
		return -EINVAL;
	}
#ifdef SELFMIG_FAULTS
	if (fault_parse(&m->fault_drop_at)) {
		kfree_sensitive(m);
		return -EINVAL;
	}
#endif

	mutex_lock(&selfmig_mig_lock);
	ret = selfmig_state_set(SELFMIG_PRECOPY);
	if (ret) {
		mutex_unlock(&selfmig_mig_lock);
		kfree_sensitive(m);
		return -EBUSY;
	}
	/* The last one reached idle; its thread may still be on its way out. */
	if (selfmig_cur && selfmig_cur->thread)
		wait_for_completion(&selfmig_cur->exited);
	kfree_sensitive(selfmig_cur);
	selfmig_cur = m;
	m->thread = kthread_run(migrate_thread, m, "selfmig");
	if (IS_ERR(m->thread)) {
		ret = PTR_ERR(m->thread);
		m->thread = NULL;
		mig_fail(m, ret, "cannot start the migration thread");
		selfmig_state_end(true);
	}
	mutex_unlock(&selfmig_mig_lock);
	return ret;
}

/**
 * selfmig_migrate_abort() - stop the migration, if it still can be
 *
 * Honoured while the guest can go on where it is (core/migstate.c says in
 * which states): the thread then fails the migration with -ECANCELED at its
 * next look, within about a second, and the state goes through failed to
 * idle.  The kernel log says what happens, or why not.
 *
 * Return: 0, or -ESRCH (no migration), -EBUSY (the freeze has begun) or
 * -EALREADY (it has ended).
 */
int selfmig_migrate_abort(void)
{
	enum selfmig_state s;
	const char *why;
	int ret;

	mutex_lock(&selfmig_mig_lock);
	s = selfmig_state_get();
	ret = selfmig_state_abort(s, &why);
	if (!ret) {
		/* Only pre-copy starts a thread; a notice alone ends here. */
		if (s == SELFMIG_NOTIFIED)
			ret = selfmig_state_end(true);
		else if (selfmig_cur)
			atomic_set(&selfmig_cur->abort, 1);
	}
	mutex_unlock(&selfmig_mig_lock);
	if (ret)
		pr_warn("abort refused in state %s: %s\n", selfmig_state_name(s), why);
	else
		pr_info("abort in state %s: %s\n", selfmig_state_name(s), why);
	return ret;
}

/*
 * Module unload: stop a migration in progress and wait for its thread
 * itself, not for a state, so that no code of the module runs after this.
 */
void selfmig_migrate_exit(void)
{
	struct selfmig_mig *m;

	mutex_lock(&selfmig_mig_lock);
	m = selfmig_cur;
	selfmig_cur = NULL;
	if (m)
		atomic_set(&m->abort, 1);
	mutex_unlock(&selfmig_mig_lock);
	if (!m)
		return;
	if (m->thread)
		wait_for_completion(&m->exited);
	kfree_sensitive(m);
}

/* ------------------------------------------------------------------ */
/* reports (sysfs)                                                      */

#define SELFMIG_ROUNDS_HEADER \
	"round scanned dirty sent zero bytes_raw bytes_wire duration_ms rate_mbit"

ssize_t selfmig_migrate_show_rounds(char *buf)
{
	ssize_t n = 0;
	u32 r;

	mutex_lock(&selfmig_mig_lock);
	n += sysfs_emit_at(buf, n, "%s\n", SELFMIG_ROUNDS_HEADER);
	for (r = 0; selfmig_cur && r < selfmig_cur->nr_rounds; r++) {
		struct smw_round_stats *s = &selfmig_cur->rounds[r];

		n += sysfs_emit_at(buf, n, "%u %llu %llu %llu %llu %llu %llu %llu %llu\n",
				   r, s->pages_scanned, s->pages_dirty,
				   s->pages_sent, s->pages_zero,
				   s->bytes_uncompressed, s->bytes_compressed,
				   div_u64(s->duration_ns, NSEC_PER_MSEC),
				   div_u64(s->rate, 1000000));
	}
	mutex_unlock(&selfmig_mig_lock);
	return n;
}

ssize_t selfmig_migrate_show_procs(char *buf)
{
	struct selfmig_tracker *t;
	ssize_t n = 0;
	u32 i, nr;

	mutex_lock(&selfmig_mig_lock);
	n += sysfs_emit_at(buf, n, "pid comm pages_last_round\n");
	/* The thread clears selfmig_cur->t under the lock before freeing it. */
	t = selfmig_cur ? selfmig_cur->t : NULL;
	nr = t ? min_t(u32, READ_ONCE(t->nr_cur), SELFMIG_MAX_PROCS) : 0;
	for (i = 0; i < nr; i++)
		n += sysfs_emit_at(buf, n, "%u %.16s %u\n", t->cur[i].pid,
				   t->cur[i].comm, t->cur[i].pages);
	mutex_unlock(&selfmig_mig_lock);
	return n;
}

ssize_t selfmig_migrate_show_result(char *buf)
{
	struct selfmig_mig *m;
	ssize_t n = 0;

	mutex_lock(&selfmig_mig_lock);
	m = selfmig_cur;
	n += sysfs_emit_at(buf, n, "state %s\n", selfmig_state_name(selfmig_state_get()));
	if (m) {
		n += sysfs_emit_at(buf, n,
				   "error %d\nmessage %s\nstop %s\nrounds %u\n"
				   "guest_pages %llu\nused_pages %llu\nused_peak %llu\n"
				   "round0_pages %llu\n"
				   "pages_sent %llu\nbytes_sent %llu\nfinal_set_pages %llu\n"
				   "final_free_pages %llu\nfinal_discarded %llu\n"
				   "final_unchanged %llu\n"
				   "final_busy_mms %llu\nfinal_tables %llu\n"
				   "final_from_before %llu\nfinal_from_users %llu\n"
				   "final_from_own %llu\nfinal_from_kernel %llu\n"
				   "cancelled %d\ntotal_ms %llu\n",
				   m->error, m->errmsg[0] ? m->errmsg : "-",
				   smrate_stop_name(m->stop), m->nr_rounds,
				   m->nr_pfns, m->used_pages, m->used_peak,
				   m->round0_pages,
				   m->pages_total, m->bytes_total,
				   m->final_set_pages, m->final_free_pages,
				   m->final_discarded, m->final_unchanged,
				   m->final_busy_mms, m->final_tables,
				   m->final_from[SELFMIG_FINAL_BEFORE],
				   m->final_from[SELFMIG_FINAL_USERS],
				   m->final_from[SELFMIG_FINAL_OWN],
				   m->final_from[SELFMIG_FINAL_KERNEL], m->cancelled,
				   div_u64(m->total_ns, NSEC_PER_MSEC));
	}
	mutex_unlock(&selfmig_mig_lock);
	return n;
}
