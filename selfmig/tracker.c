// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty tracker: which guest frames changed since the last look.
 *
 * Writes by the guest's own CPUs are seen through page-table dirty bits.
 * Every mapping a CPU can write through is scanned: the kernel's half of
 * the address space (tracker_kernel.c) and every process's page tables
 * (tracker_user.c).
 * The direct map, the kernel image and the vmemmap are split to 4 KiB
 * mappings when tracking starts, so that one dirty bit stands for one frame.
 *
 * Writes by anyone else (Xen itself, backends through grants, devices by
 * DMA) set no dirty bit; the platform reports those frames (struct
 * selfmig_platform, pvops-hooks/) and they count as dirty in every scan.
 *
 * A scan ORs what it finds into the tracker's pending bitmap; the sender
 * clears a frame's bit when it copies the frame.
 *
 * This file holds the tracker itself: its bitmaps, their start and stop,
 * a scan and the final scan at the freeze, which run both walks in turn,
 * and the frames a caller adds by hand (stacks, buffers).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
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
#include "tracker_int.h"

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
 * Off: leave kernel leaf tables as the CPU and the tracker left them, and
 * count them changed at the freeze whenever they hold a dirty or writable
 * leaf (for experiments that compare).  A migration keeps the value it
 * started with.
 */
static bool canon_tables = true;
module_param(canon_tables, bool, 0644);
MODULE_PARM_DESC(canon_tables, "Send kernel leaf page tables with accessed and dirty bits set, and set them at the freeze (default on)");

/* Called by the platform for frames others write; may run in any context. */
void selfmig_tracker_mark_foreign(struct selfmig_tracker *t, unsigned long pfn)
{
	if (pfn < t->nr_pfns)
		set_bit(pfn, t->foreign_seen);
}

/* ------------------------------------------------------------------ */

static void tracker_flush_cpu(void *unused)
{
	__flush_tlb_all();
}

static int proc_cmp(const void *a, const void *b)
{
	const struct selfmig_proc_count *x = a, *y = b;

	return x->pages < y->pages ? 1 : x->pages > y->pages ? -1 : 0;
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
		tracker_scan_kernel(t);
	if (scan_mask & 2)
		tracker_scan_users(t);
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
	tracker_scan_users_atomic(t);
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
	tracker_scan_kernel(t);
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
static void tracker_free(struct selfmig_tracker *t)
{
	vfree(t->ktables_now);
	vfree(t->ktables);
	vfree(t->ram);
	vfree(t->foreign_seen);
	vfree(t->pending);
	kfree(t);
}

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
	tracker_free(t);
	return ERR_PTR(ret);
}

void selfmig_tracker_stop(struct selfmig_tracker *t)
{
	if (IS_ERR_OR_NULL(t))
		return;
	selfmig_platform()->track_stop(t);
	tracker_free(t);
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
