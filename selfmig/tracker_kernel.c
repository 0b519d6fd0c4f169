// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty tracker's scan of the kernel's half of the address space
 * (direct map, kernel image, vmalloc and modules, vmemmap, fixmap,
 * cpu_entry_area), through init_mm: which frames the guest's CPUs wrote
 * through the kernel's own mappings since the last scan.
 *
 * The CPU also writes to the kernel's own page tables without a trace: it
 * sets accessed and dirty bits in them, and the tracker clears dirty bits.
 * Linux reads neither bit in a kernel mapping, so a kernel leaf table is
 * sent in a canonical form (selfmig_tracker_canon_table(): accessed set in
 * every present entry, dirty in every writable one), and the final scan
 * puts every such table in that form.  A table then differs from what was
 * sent only if software changed it, and that write set the dirty bit of
 * the table's own mapping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pgtable.h>

#include "selfmig.h"
#include "tracker_int.h"

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
void tracker_scan_kernel(struct selfmig_tracker *t)
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
