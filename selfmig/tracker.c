// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty tracker: which guest frames changed since the last look.
 *
 * Writes by the guest's own CPUs are seen through page-table dirty bits.
 * Every mapping a CPU can write through is scanned:
 *  - the kernel's half of the address space (direct map, kernel image,
 *    vmalloc and modules, vmemmap, fixmap, cpu_entry_area), through init_mm;
 *  - every process's page tables.
 * The direct map, the kernel image and the vmemmap are split to 4 KiB
 * mappings when tracking starts, so that one dirty bit stands for one frame.
 *
 * Clearing a user PTE's dirty bit would lose what Linux knows about the
 * page (a file page must be written back, a MADV_FREE page must not be
 * discarded), so that knowledge moves to the folio first.
 *
 * The CPU also writes to the kernel's own page tables without a trace: it
 * sets accessed and dirty bits in them, and the tracker clears dirty bits.
 * Linux reads neither bit in a kernel mapping, so a kernel leaf table is
 * sent in a canonical form (selfmig_tracker_canon_table(): accessed set in
 * every present entry, dirty in every writable one), and the final scan
 * puts every such table in that form.  A table then differs from what was
 * sent only if software changed it, and that write set the dirty bit of
 * the table's own mapping.
 *
 * Writes by anyone else (Xen itself, backends through grants, devices by
 * DMA) set no dirty bit; the platform reports those frames (struct
 * selfmig_platform, pvops-hooks/) and they count as dirty in every scan.
 *
 * A scan ORs what it finds into the tracker's pending bitmap; the sender
 * clears a frame's bit when it copies the frame.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/pgtable.h>
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/ioport.h>
#include <linux/sort.h>
#include <linux/set_memory.h>
#include <linux/moduleparam.h>
#include <asm/tlbflush.h>

#include "selfmig.h"

/*
 * Debugging aid: what a scan does.  Bit 0 scans the kernel's mappings, bit 1
 * the processes'; bits 2-4 split the direct map, the kernel image and the
 * vmemmap to 4 KiB when tracking starts.  Bit 5 is for experiments that need
 * a stream as long as a tracked one from a guest whose page tables are never
 * touched: every RAM frame is pending after every scan.  Set it alone.
 */
static unsigned int scan_mask = 31;
module_param(scan_mask, uint, 0644);
MODULE_PARM_DESC(scan_mask, "Debug: bit 0 scan kernel mappings, 1 processes, 2-4 split direct map, image, vmemmap to 4K, 5 send all RAM every round (default 31)");

/*
 * How process pages are tracked.  0: clear the dirty bit and let the CPU set
 * it again.  1: write-protect the page (the dirty bit stays) and let the
 * kernel's write-fault handler make it writable again; a writable page is one
 * written since the last scan.  Mode 1 never needs the CPU to set a dirty
 * bit; it was written when the testbed's corruption was blamed on the
 * emulated CPU's dirty bits, which it was not (docs/testbed.md).
 */
static unsigned int user_wp;
module_param(user_wp, uint, 0644);
MODULE_PARM_DESC(user_wp, "Track process pages by write-protection instead of dirty bits (default 0)");

static inline void tracker_mark(struct selfmig_tracker *t, unsigned long pfn,
				unsigned long n)
{
	unsigned long end = pfn + n;

	if (end > t->nr_pfns)
		end = t->nr_pfns;
	for (; pfn < end; pfn++)
		__set_bit(pfn, t->pending);
}

/* Called by the platform for frames others write; may run in any context. */
void selfmig_tracker_mark_foreign(struct selfmig_tracker *t, unsigned long pfn)
{
	if (pfn < t->nr_pfns)
		set_bit(pfn, t->foreign_seen);
}

/* ------------------------------------------------------------------ */
/* Kernel mappings                                                      */

/*
 * Off: leave kernel leaf tables as the CPU and the tracker left them, and
 * count them changed at the freeze whenever they hold a dirty or writable
 * leaf (for experiments that compare).  A migration keeps the value it
 * started with.
 */
static bool canon_tables = true;
module_param(canon_tables, bool, 0644);
MODULE_PARM_DESC(canon_tables, "Send kernel leaf page tables with accessed and dirty bits set, and set them at the freeze (default on)");

/*
 * Take a leaf's dirty bit.  A normal scan clears it (and the write that
 * clears it makes the page-table page itself dirty, for the next scan).
 *
 * The final scan only reads it.  The page-table page holding the leaf then
 * counts as changed if the CPU may have set that bit in it since it was
 * sent (@dirty), or may still set it (@writable): the freeze writes its
 * own buffers after this scan.  Not a leaf table the final scan puts in
 * canonical form (@canon), where the bit is set already.
 */
static bool take_dirty(struct selfmig_tracker *t, unsigned long *entry,
		       bool dirty, bool writable, bool canon)
{
	if (t->final) {
		if (!canon && (dirty || writable))
			tracker_mark(t, PHYS_PFN(__pa(entry)), 1);
		return dirty;
	}
	if (!dirty)
		return false;
	return test_and_clear_bit(_PAGE_BIT_DIRTY, entry);
}

/**
 * selfmig_tracker_canon_table() - a kernel leaf table's canonical form
 * @table: a page of page-table entries (the table itself, or a copy)
 *
 * Sets the accessed bit of every present entry and the dirty bit of every
 * present, writable one: the bits the CPU may set in a kernel mapping at
 * any time.  Writes only the entries that lack them.
 */
void selfmig_tracker_canon_table(void *table)
{
	unsigned long *e = table;
	unsigned int i;

	for (i = 0; i < PTRS_PER_PTE; i++) {
		unsigned long v = READ_ONCE(e[i]), want = v;

		if (!(v & _PAGE_PRESENT))
			continue;
		want |= _PAGE_ACCESSED;
		if (v & _PAGE_RW)
			want |= _PAGE_DIRTY;
		if (want != v)
			WRITE_ONCE(e[i], want);
	}
}

/* Is @pfn a kernel leaf table that is sent in canonical form? */
bool selfmig_tracker_kernel_table(const struct selfmig_tracker *t,
				  unsigned long pfn)
{
	return t->canon && pfn < t->nr_pfns && test_bit(pfn, t->ktables);
}

static void scan_kernel_pte(struct selfmig_tracker *t, pmd_t *pmd,
			    unsigned long addr, unsigned long end)
{
	pte_t *pte = pte_offset_kernel(pmd, addr);

	for (; addr != end; pte++, addr += PAGE_SIZE) {
		pte_t v = READ_ONCE(*pte);

		if (pte_present(v) &&
		    take_dirty(t, (unsigned long *)&pte->pte, pte_dirty(v),
			       pte_write(v), t->canon))
			tracker_mark(t, pte_pfn(v), 1);
	}
}

/* A kernel leaf table met by a scan; the final scan settles its form. */
static void kernel_table(struct selfmig_tracker *t, pmd_t *pmd)
{
	unsigned long pfn = pmd_pfn(*pmd);

	if (pfn >= t->nr_pfns)
		return;
	__set_bit(pfn, t->ktables);
	if (t->final && t->canon) {
		__set_bit(pfn, t->ktables_now);
		selfmig_tracker_canon_table(pte_offset_kernel(pmd, 0));
		t->final_tables++;
	}
}

/*
 * The same lower table under several entries in a row (KASAN's shadow maps
 * terabytes through one shared table per level) is read once: its dirty
 * bits are the same bits each time.
 */
static bool same_table(unsigned long *last, unsigned long table)
{
	if (*last == table)
		return true;
	*last = table;
	return false;
}

static void scan_kernel_pmd(struct selfmig_tracker *t, pud_t *pud,
			    unsigned long addr, unsigned long end)
{
	pmd_t *pmd = pmd_offset(pud, addr);
	unsigned long next, last = 0;

	do {
		pmd_t v = READ_ONCE(*pmd);

		next = pmd_addr_end(addr, end);
		if (pmd_none(v) || !pmd_present(v))
			continue;
		if (pmd_large(v)) {
			if (take_dirty(t, (unsigned long *)&pmd->pmd, pmd_dirty(v),
				       pmd_write(v), false))
				tracker_mark(t, pmd_pfn(v), PTRS_PER_PTE);
			t->large_leaves++;
			continue;
		}
		if (same_table(&last, pmd_pfn(v)))
			continue;
		scan_kernel_pte(t, pmd, addr, next);
		kernel_table(t, pmd);
	} while (pmd++, addr = next, addr != end);
	/* A large guest's direct map is millions of entries: let others run. */
	if (!t->final)
		cond_resched();
}

static void scan_kernel_pud(struct selfmig_tracker *t, p4d_t *p4d,
			    unsigned long addr, unsigned long end)
{
	pud_t *pud = pud_offset(p4d, addr);
	unsigned long next, last = 0;

	do {
		pud_t v = READ_ONCE(*pud);

		next = pud_addr_end(addr, end);
		if (pud_none(v) || !pud_present(v))
			continue;
		if (pud_large(v)) {
			if (take_dirty(t, (unsigned long *)&pud->pud, pud_dirty(v),
				       pud_write(v), false))
				tracker_mark(t, pud_pfn(v), PTRS_PER_PMD * PTRS_PER_PTE);
			t->large_leaves++;
			continue;
		}
		if (same_table(&last, pud_pfn(v)))
			continue;
		scan_kernel_pmd(t, pud, addr, next);
	} while (pud++, addr = next, addr != end);
}

static void scan_kernel_p4d(struct selfmig_tracker *t, pgd_t *pgd,
			    unsigned long addr, unsigned long end)
{
	p4d_t *p4d = p4d_offset(pgd, addr);
	unsigned long next, last = 0;

	do {
		next = p4d_addr_end(addr, end);
		if (p4d_none(*p4d) || p4d_bad(*p4d))
			continue;
		if (same_table(&last, p4d_pfn(*p4d)))
			continue;
		scan_kernel_pud(t, p4d, addr, next);
	} while (p4d++, addr = next, addr != end);
}

/* The kernel half of the address space, through init_mm. */
static void scan_kernel(struct selfmig_tracker *t)
{
	unsigned long addr = ~((1UL << __VIRTUAL_MASK_SHIFT) - 1);
	unsigned long end = 0;	/* wraps: up to the top of the address space */
	unsigned long next;
	pgd_t *pgd = pgd_offset_k(addr);

	t->large_leaves = 0;
	do {
		next = pgd_addr_end(addr, end);
		if (pgd_none(*pgd) || pgd_bad(*pgd))
			continue;
		scan_kernel_p4d(t, pgd, addr, next);
	} while (pgd++, addr = next, addr != end);
}

/* ------------------------------------------------------------------ */
/* Process page tables                                                  */

struct mm_scan {
	struct selfmig_tracker *t;
	struct mm_struct *mm;
	struct vm_area_struct *vma;	/* NULL: a raw walk at the freeze */
	u32 pages;
};

/*
 * The page behind a user PTE when Linux manages it as a normal page (what
 * vm_normal_page() answers; that one is not available to modules): not for
 * raw PFN mappings, special PTEs or the shared zero page.
 */
static struct page *tracker_normal_page(struct vm_area_struct *vma, pte_t pte)
{
	unsigned long pfn = pte_pfn(pte);

	if (!vma || vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP))
		return NULL;
	if (pte_special(pte) || is_zero_pfn(pfn) || !pfn_valid(pfn))
		return NULL;
	return pfn_to_page(pfn);
}

static void scan_user_pte(struct mm_scan *s, pmd_t *pmd, unsigned long addr,
			  unsigned long end)
{
	struct mm_struct *mm = s->mm;
	struct selfmig_tracker *t = s->t;
	spinlock_t *ptl;	/* the page-table page's lock */
	pte_t *start, *pte;

	start = pte_offset_map_lock(mm, pmd, addr, &ptl);
	/* The CPU sets accessed and dirty bits here without a trace. */
	if (t->final)
		tracker_mark(t, PHYS_PFN(__pa(start)), 1);
	for (pte = start; addr != end; pte++, addr += PAGE_SIZE) {
		pte_t v = READ_ONCE(*pte);
		struct page *page;

		if (!pte_present(v) || !pte_dirty(v))
			continue;
		if (user_wp) {
			/* Writable means written since the last scan (or never scanned). */
			if (!pte_write(v) ||
			    (s->vma && !tracker_normal_page(s->vma, v)))
				continue;
			if (!t->final &&
			    !test_and_clear_bit(_PAGE_BIT_RW, (unsigned long *)&pte->pte))
				continue;
			tracker_mark(t, pte_pfn(v), 1);
			s->pages++;
			continue;
		}
		if (t->final) {
			/* Read only: the dirty bit stays for the next kernel. */
			tracker_mark(t, pte_pfn(v), 1);
			s->pages++;
			continue;
		}
		if (!test_and_clear_bit(_PAGE_BIT_DIRTY, (unsigned long *)&pte->pte))
			continue;
		/*
		 * The dirty bit was Linux's only record that this page differs
		 * from its backing store (file, swap) or that a MADV_FREE page
		 * was written again: move that record to the folio.
		 */
		page = tracker_normal_page(s->vma, v);
		if (page)
			folio_mark_dirty(page_folio(page));
		tracker_mark(t, pte_pfn(v), 1);
		s->pages++;
	}
	pte_unmap_unlock(start, ptl);
}

static void scan_user_pmd(struct mm_scan *s, pud_t *pud, unsigned long addr,
			  unsigned long end)
{
	pmd_t *pmd = pmd_offset(pud, addr);
	unsigned long next;

	do {
		pmd_t v = READ_ONCE(*pmd);

		next = pmd_addr_end(addr, end);
		if (s->t->final)
			tracker_mark(s->t, PHYS_PFN(__pa(pmd)), 1);
		if (pmd_none(v) || !pmd_present(v))
			continue;
		if (pmd_large(v) || pmd_bad(v)) {
			/* No transparent huge pages in this guest: count it. */
			s->t->large_leaves++;
			continue;
		}
		scan_user_pte(s, pmd, addr, next);
	} while (pmd++, addr = next, addr != end);
}

static void scan_user_range(struct mm_scan *s, unsigned long addr,
			    unsigned long end)
{
	pgd_t *pgd = pgd_offset(s->mm, addr);
	unsigned long next;

	do {
		p4d_t *p4d;
		unsigned long p4d_next, pud_next;
		unsigned long a = addr;

		next = pgd_addr_end(addr, end);
		if (s->t->final)
			tracker_mark(s->t, PHYS_PFN(__pa(pgd)), 1);
		if (pgd_none(*pgd) || pgd_bad(*pgd))
			continue;
		p4d = p4d_offset(pgd, a);
		do {
			pud_t *pud;

			p4d_next = p4d_addr_end(a, next);
			if (s->t->final)
				tracker_mark(s->t, PHYS_PFN(__pa(p4d)), 1);
			if (p4d_none(*p4d) || p4d_bad(*p4d))
				continue;
			pud = pud_offset(p4d, a);
			do {
				pud_next = pud_addr_end(a, p4d_next);
				if (s->t->final)
					tracker_mark(s->t, PHYS_PFN(__pa(pud)), 1);
				if (pud_none(*pud) || pud_bad(*pud))
					continue;
				scan_user_pmd(s, pud, a, pud_next);
			} while (pud++, a = pud_next, a != p4d_next);
		} while (p4d++, a = p4d_next, a != next);
	} while (pgd++, addr = next, addr != end);
}

/*
 * Scan one address space.  Outside the freeze we may sleep for its lock;
 * at the freeze (interrupts off, other CPUs stopped) we only try it.  A
 * writer caught holding it is in the middle of changing the layout, so its
 * VMAs cannot be trusted, but its page tables can: every CPU is stopped
 * outside any page-table lock, and a table is unlinked before it is freed.
 * Such an address space (counted in busy_mms) is walked whole, without
 * VMAs: reading dirty bits needs no more.
 */
static u32 scan_mm(struct selfmig_tracker *t, struct mm_struct *mm, bool atomic)
{
	struct mm_scan s = { .t = t, .mm = mm };
	struct vm_area_struct *vma;

	VMA_ITERATOR(vmi, mm, 0);

	if (atomic) {
		if (!mmap_read_trylock(mm)) {
			t->busy_mms++;
			scan_user_range(&s, 0, TASK_SIZE_MAX);
			return s.pages;
		}
	} else {
		mmap_read_lock(mm);
	}
	for_each_vma(vmi, vma) {
		s.vma = vma;
		scan_user_range(&s, vma->vm_start, vma->vm_end);
	}
	mmap_read_unlock(mm);
	return s.pages;
}

static void proc_note(struct selfmig_tracker *t, struct task_struct *p,
		      u32 pages)
{
	struct selfmig_proc_count *e;

	if (!pages)
		return;
	if (t->nr_cur < SELFMIG_MAX_PROCS) {
		e = &t->cur[t->nr_cur++];
	} else {
		/* Keep the heaviest: replace the lightest if this one is heavier. */
		u32 i, min = 0;

		for (i = 1; i < SELFMIG_MAX_PROCS; i++)
			if (t->cur[i].pages < t->cur[min].pages)
				min = i;
		if (t->cur[min].pages >= pages)
			return;
		e = &t->cur[min];
	}
	e->pid = task_tgid_nr(p);
	e->pages = pages;
	get_task_comm(e->comm, p);
}

static int proc_cmp(const void *a, const void *b)
{
	const struct selfmig_proc_count *x = a, *y = b;

	return x->pages < y->pages ? 1 : x->pages > y->pages ? -1 : 0;
}

/* Atomic context: walk the task list directly (everything is stopped). */
static void scan_users_atomic(struct selfmig_tracker *t)
{
	struct task_struct *p;

	rcu_read_lock();
	for_each_process(p) {
		struct mm_struct *mm = READ_ONCE(p->mm);

		if (!mm || (p->flags & PF_KTHREAD))
			continue;
		proc_note(t, p, scan_mm(t, mm, true));
	}
	rcu_read_unlock();
}

/*
 * Sleeping context: take references to a batch of address spaces under RCU,
 * then scan them with their locks.
 */
#define MM_BATCH 32
static void scan_users(struct selfmig_tracker *t)
{
	struct {
		struct mm_struct *mm;
		struct task_struct *task;
	} batch[MM_BATCH];
	pid_t next_pid = 0;
	int n, i;

	do {
		struct task_struct *p;

		n = 0;
		rcu_read_lock();
		for_each_process(p) {
			struct mm_struct *mm;

			if (task_tgid_nr(p) < next_pid || (p->flags & PF_KTHREAD))
				continue;
			if (n == MM_BATCH)
				break;
			mm = get_task_mm(p);
			if (!mm)
				continue;
			get_task_struct(p);
			batch[n].mm = mm;
			batch[n].task = p;
			n++;
		}
		rcu_read_unlock();
		for (i = 0; i < n; i++) {
			proc_note(t, batch[i].task, scan_mm(t, batch[i].mm, false));
			if (task_tgid_nr(batch[i].task) >= next_pid)
				next_pid = task_tgid_nr(batch[i].task) + 1;
			mmput(batch[i].mm);
			put_task_struct(batch[i].task);
		}
	} while (n == MM_BATCH);
}

/* ------------------------------------------------------------------ */

static void tracker_flush_cpu(void *unused)
{
	__flush_tlb_all();
}

/* Add the frames others wrote or may write to the pending set. */
void selfmig_tracker_take_foreign(struct selfmig_tracker *t)
{
	unsigned long i, words = BITS_TO_LONGS(t->nr_pfns);

	for (i = 0; i < words; i++)
		if (READ_ONCE(t->foreign_seen[i]))
			t->pending[i] |= xchg(&t->foreign_seen[i], 0);
	selfmig_platform()->foreign_frames(t);
}

struct discard_ctx {
	struct selfmig_tracker *t;
	unsigned long *map;
	unsigned long n;
};

static void discard_one(unsigned long pfn, void *data)
{
	struct discard_ctx *c = data;

	if (pfn >= c->t->nr_pfns || !test_bit(pfn, c->t->ram))
		return;
	if (c->map)
		__set_bit(pfn, c->map);
	else
		__clear_bit(pfn, c->t->pending);
	c->n++;
}

/**
 * selfmig_tracker_discardable() - the frames whose contents may be lost
 * @t: the tracker
 * @map: NULL: take them out of the pending set; else: set them in @map
 *
 * Frames the platform says the guest will not read after a migration
 * before something else writes them.  A frame that stops being so is
 * reported again as written (the platform's foreign reports), so leaving
 * it out now loses nothing.
 *
 * Return: how many RAM frames were reported.
 */
unsigned long selfmig_tracker_discardable(struct selfmig_tracker *t,
					  unsigned long *map)
{
	struct discard_ctx c = { .t = t, .map = map };
	const struct selfmig_platform *plat = selfmig_platform();

	if (plat->discardable_frames)
		plat->discardable_frames(discard_one, &c);
	return c.n;
}

/**
 * selfmig_tracker_scan() - collect the frames written since the last scan
 * @t: the tracker
 *
 * Clears the dirty bits it finds, ORs the frames into @t->pending, adds
 * the frames others write, and flushes TLBs so that the next write to any
 * frame sets its dirty bit again.  Per-process counts of this scan replace
 * those of the previous one (kept in @t->prev).
 *
 * Context: process context, may sleep.
 * Return: the number of frames now pending.
 */
unsigned long selfmig_tracker_scan(struct selfmig_tracker *t)
{
	memcpy(t->prev, t->cur, sizeof(t->cur));
	t->nr_prev = t->nr_cur;
	t->nr_cur = 0;
	t->busy_mms = 0;

	if (scan_mask & 1)
		scan_kernel(t);
	if (scan_mask & 2)
		scan_users(t);
	selfmig_tracker_take_foreign(t);
	selfmig_tracker_discardable(t, NULL);
	if (scan_mask & 32)
		bitmap_or(t->pending, t->pending, t->ram, t->nr_pfns);

	/*
	 * A CPU keeps writing through a TLB entry that still says "dirty"
	 * without touching the PTE: drop every cached translation everywhere.
	 */
	on_each_cpu(tracker_flush_cpu, NULL, 1);

	sort(t->cur, t->nr_cur, sizeof(t->cur[0]), proc_cmp, NULL);
	return bitmap_weight(t->pending, t->nr_pfns);
}

/**
 * selfmig_tracker_scan_final() - the last scan, at the freeze
 * @t: the tracker
 * @own: called between the process scan and the kernel scan, to add frames
 *	the caller knows about (stacks, its own buffers, ...)
 * @data: passed to @own
 *
 * Reads dirty bits without clearing them: nothing may write memory behind
 * this scan's back, and a clear would be such a write.  The CPU sets
 * accessed and dirty bits in page-table pages without leaving a trace, and
 * the caller still writes its own buffers after this scan.  So every
 * page-table page of a process counts as changed, and so does every kernel
 * page-table page holding a dirty or writable leaf, except the leaf tables
 * this scan puts in canonical form (selfmig_tracker_canon_table()), in
 * which no such bit can change any more.  Processes are scanned before the kernel's
 * mappings, so that what the process scan writes (locks, counters) is seen
 * by the kernel scan.
 *
 * The caller takes the frames others write first (selfmig_tracker_take_foreign()).
 *
 * Context: interrupts off, the other CPUs stopped, tasks frozen.
 */
void selfmig_tracker_scan_final(struct selfmig_tracker *t,
				void (*own)(struct selfmig_tracker *t, void *data),
				void *data)
{
	unsigned long w, pfn;

	t->final = true;
	t->nr_cur = 0;
	t->busy_mms = 0;
	w = bitmap_weight(t->pending, t->nr_pfns);
	t->final_from[SELFMIG_FINAL_BEFORE] = w;
	scan_users_atomic(t);
	t->final_from[SELFMIG_FINAL_USERS] = bitmap_weight(t->pending, t->nr_pfns) - w;
	w += t->final_from[SELFMIG_FINAL_USERS];
	selfmig_tracker_mark_buffer(t, t, sizeof(*t));
	selfmig_tracker_mark_buffer(t, t->pending, BITS_TO_LONGS(t->nr_pfns) * sizeof(long));
	selfmig_tracker_mark_buffer(t, t->foreign_seen, BITS_TO_LONGS(t->nr_pfns) * sizeof(long));
	selfmig_tracker_mark_buffer(t, t->ktables, BITS_TO_LONGS(t->nr_pfns) * sizeof(long));
	selfmig_tracker_mark_buffer(t, t->ktables_now, BITS_TO_LONGS(t->nr_pfns) * sizeof(long));
	if (own)
		own(t, data);
	t->final_from[SELFMIG_FINAL_OWN] = bitmap_weight(t->pending, t->nr_pfns) - w;
	w += t->final_from[SELFMIG_FINAL_OWN];
	bitmap_zero(t->ktables_now, t->nr_pfns);
	t->final_tables = 0;
	scan_kernel(t);
	/*
	 * A frame sent as a leaf table that is no longer one was sent in
	 * canonical form, which its bytes need not have now.
	 */
	if (t->canon)
		for_each_set_bit(pfn, t->ktables, t->nr_pfns)
			if (!test_bit(pfn, t->ktables_now))
				tracker_mark(t, pfn, 1);
	t->final_from[SELFMIG_FINAL_KERNEL] = bitmap_weight(t->pending, t->nr_pfns) - w;
	t->final = false;
}

/* ------------------------------------------------------------------ */
/* Set-up                                                               */

struct ram_walk {
	int (*fn)(unsigned long start, unsigned long nr, void *arg);
	void *arg;
};

static int ram_resource(struct resource *res, void *data)
{
	struct ram_walk *w = data;
	unsigned long pfn = PFN_UP(res->start), end = PFN_DOWN(res->end + 1);

	return end > pfn ? w->fn(pfn, end - pfn, w->arg) : 0;
}

/* Call @fn for each range of System RAM frames (the iomem resource tree). */
void selfmig_walk_ram(int (*fn)(unsigned long start, unsigned long nr, void *arg),
		      void *arg)
{
	struct ram_walk w = { fn, arg };

	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    0, -1, &w, ram_resource);
}

static int ram_end(unsigned long start, unsigned long nr, void *arg)
{
	unsigned long *max = arg;

	if (start + nr > *max)
		*max = start + nr;
	return 0;
}

/* One past the highest System RAM frame: the size of a tracker's bitmaps. */
unsigned long selfmig_ram_end_pfn(void)
{
	unsigned long max = 0;

	selfmig_walk_ram(ram_end, &max);
	return max;
}

static int mark_ram(unsigned long start, unsigned long nr, void *arg)
{
	struct selfmig_tracker *t = arg;
	unsigned long end = min(start + nr, t->nr_pfns);

	if (start < end)
		bitmap_set(t->ram, start, end - start);
	return 0;
}

struct split_ctx {
	unsigned long img_start, img_end;	/* frames of the kernel image */
	int err;
};

static void split_direct(struct split_ctx *c, unsigned long start,
			 unsigned long end)
{
	int ret;

	if (end <= start)
		return;
	ret = set_memory_4k((unsigned long)pfn_to_kaddr(start), end - start);
	if (ret && !c->err)
		c->err = ret;
}

/*
 * Split a RAM range of the direct map, leaving out the kernel image's
 * frames: splitting those would also split their alias in the kernel
 * image mapping, text included, which broke this guest (data sent over
 * TCP arrived corrupted).  The image's direct-map alias stays coarse.
 */
static int split_ram(unsigned long start, unsigned long nr, void *arg)
{
	struct split_ctx *c = arg;
	unsigned long end = start + nr;

	split_direct(c, start, min(end, c->img_start));
	split_direct(c, max(start, c->img_end), end);
	return 0;
}

/*
 * For a person reading a list of frames: which frames hold the page array,
 * one line per run of contiguous frames.
 */
static void tracker_log_vmemmap(unsigned long start, unsigned long end)
{
	unsigned long addr, first = 0, last = 0, run = start;

	for (addr = start; addr < end; addr += PAGE_SIZE) {
		unsigned long pfn = PHYS_PFN(slow_virt_to_phys((void *)addr));

		if (addr != start && pfn != last + 1) {
			pr_info("page array %lx-%lx in frames %lx-%lx\n",
				run, addr - 1, first, last);
			run = addr;
		}
		if (addr == run)
			first = pfn;
		last = pfn;
	}
	if (end > start)
		pr_info("page array %lx-%lx in frames %lx-%lx\n", run, end - 1,
			first, last);
}

/* 4 KiB mappings where one dirty bit would otherwise cover many frames. */
static void tracker_split(struct selfmig_tracker *t)
{
	unsigned long data = PAGE_ALIGN(init_mm.end_code);
	unsigned long end = PAGE_ALIGN(init_mm.brk);
	unsigned long mm_start = (unsigned long)pfn_to_page(0) & PAGE_MASK;
	unsigned long mm_end = PAGE_ALIGN((unsigned long)pfn_to_page(t->nr_pfns));
	struct split_ctx c = {
		.img_start = PHYS_PFN(__pa(init_mm.start_code)),
		.img_end = PHYS_PFN(__pa(init_mm.brk - 1)) + 1,
	};
	unsigned long addr;
	int err;

	if (scan_mask & 4)
		selfmig_walk_ram(split_ram, &c);
	if (c.err)
		pr_warn("direct map not fully split to 4K (%d): tracking is coarser\n", c.err);
	/*
	 * The kernel image: only its present, writable large mappings (data,
	 * bss, brk).  Text and rodata are never written through this alias,
	 * and the ranges freed after boot are no longer mapped here.
	 */
	for (addr = data & PMD_MASK; (scan_mask & 8) && addr < end; addr += PMD_SIZE) {
		unsigned int level;
		pte_t *pte = lookup_address(addr, &level);

		if (!pte || level != PG_LEVEL_2M || !pte_present(*pte) ||
		    !pte_write(*pte))
			continue;
		err = set_memory_4k(addr, PTRS_PER_PTE);
		if (err)
			pr_warn("kernel image at %lx not split to 4K (%d)\n", addr, err);
	}
	err = (scan_mask & 16) ? set_memory_4k(mm_start, (mm_end - mm_start) >> PAGE_SHIFT) : 0;
	if (err)
		pr_warn("vmemmap not split to 4K (%d)\n", err);
	tracker_log_vmemmap(mm_start, mm_end);
}

/**
 * selfmig_tracker_start() - allocate a tracker and start tracking
 * @nr_pfns: frames to track (the guest's highest RAM frame + 1)
 *
 * Splits the watched kernel mappings to 4 KiB, then clears every dirty bit
 * once, so that the first selfmig_tracker_scan() reports exactly what was
 * written after this call returned.
 *
 * Context: process context, may sleep.
 * Return: the tracker, or an ERR_PTR().
 */
struct selfmig_tracker *selfmig_tracker_start(unsigned long nr_pfns)
{
	struct selfmig_tracker *t;
	size_t bytes = BITS_TO_LONGS(nr_pfns) * sizeof(unsigned long);
	int ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->nr_pfns = nr_pfns;
	t->canon = canon_tables;
	t->pending = vzalloc(bytes);
	t->foreign_seen = vzalloc(bytes);
	t->ram = vzalloc(bytes);
	t->ktables = vzalloc(bytes);
	t->ktables_now = vzalloc(bytes);
	if (!t->pending || !t->foreign_seen || !t->ram || !t->ktables ||
	    !t->ktables_now) {
		ret = -ENOMEM;
		goto err_free;
	}
	selfmig_walk_ram(mark_ram, t);
	t->ram_pages = bitmap_weight(t->ram, nr_pfns);

	ret = selfmig_platform()->track_start(t);
	if (ret)
		goto err_free;
	tracker_split(t);
	selfmig_tracker_scan(t);
	bitmap_zero(t->pending, nr_pfns);
	return t;

err_free:
	vfree(t->ktables_now);
	vfree(t->ktables);
	vfree(t->ram);
	vfree(t->foreign_seen);
	vfree(t->pending);
	kfree(t);
	return ERR_PTR(ret);
}

void selfmig_tracker_stop(struct selfmig_tracker *t)
{
	if (IS_ERR_OR_NULL(t))
		return;
	selfmig_platform()->track_stop(t);
	vfree(t->ktables_now);
	vfree(t->ktables);
	vfree(t->ram);
	vfree(t->foreign_seen);
	vfree(t->pending);
	kfree(t);
}

/* The frames that hold a task's kernel stack. */
void selfmig_tracker_mark_stack(struct selfmig_tracker *t,
				struct task_struct *task)
{
	void *stack = task_stack_page(task);
	unsigned long off;

	if (!stack)
		return;
	for (off = 0; off < THREAD_SIZE; off += PAGE_SIZE) {
		void *p = stack + off;
		unsigned long pfn = is_vmalloc_addr(p) ? vmalloc_to_pfn(p) :
							 PHYS_PFN(__pa(p));

		tracker_mark(t, pfn, 1);
	}
}

/* Frames of a vmalloc'd or direct-mapped buffer. */
void selfmig_tracker_mark_buffer(struct selfmig_tracker *t, const void *buf,
				 size_t len)
{
	const char *p = (const char *)((unsigned long)buf & PAGE_MASK);
	const char *end = (const char *)buf + len;

	for (; p < end; p += PAGE_SIZE)
		tracker_mark(t, is_vmalloc_addr(p) ? vmalloc_to_pfn(p) :
			     PHYS_PFN(__pa(p)), 1);
}

void selfmig_tracker_mark_pending(struct selfmig_tracker *t, unsigned long pfn)
{
	tracker_mark(t, pfn, 1);
}
