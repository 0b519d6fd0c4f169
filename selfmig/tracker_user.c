// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty tracker's scan of every process's page tables: which frames
 * processes wrote since the last scan, and which of them wrote the most.
 *
 * Clearing a user PTE's dirty bit would lose what Linux knows about the
 * page (a file page must be written back, a MADV_FREE page must not be
 * discarded), so that knowledge moves to the folio first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/pgtable.h>
#include <linux/moduleparam.h>

#include "selfmig.h"
#include "tracker_int.h"

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

/* Atomic context: walk the task list directly (everything is stopped). */
void tracker_scan_users_atomic(struct selfmig_tracker *t)
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
void tracker_scan_users(struct selfmig_tracker *t)
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
