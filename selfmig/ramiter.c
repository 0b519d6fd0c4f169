// SPDX-License-Identifier: GPL-2.0
/*
 * Which RAM frames a pre-copy round sends.  Round 0 walks every RAM frame
 * and sends those that hold data: a frame that heads a free block of the
 * buddy allocator is passed over with its whole block.  Each later round
 * sends the frames the tracker found written since the last scan (its
 * pending set), and takes each off that set as it goes.  How a frame
 * travels is transport.c's business.
 *
 * The count of free frames serves the freeze as well: there the frames on
 * the buddy lists and, while every CPU is stopped, those on the per-CPU
 * lists are marked free for the final set.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/vmstat.h>

#include "selfmig.h"
#include "migrate.h"

/* A free block's order, or 0 if @page does not head a free block. */
static unsigned int free_block_order(struct page *page)
{
	unsigned long order;

	if (!PageBuddy(page))
		return 0;
	order = READ_ONCE(page->private);
	return order < MAX_ORDER ? order : 0;
}

/* Count free RAM frames (heads of free blocks and their tails); mark them. */
unsigned long selfmig_count_free(struct selfmig_tracker *t, unsigned long *free)
{
	unsigned long pfn = 0, n = 0;

	while (pfn < t->nr_pfns) {
		unsigned long len;

		if (!test_bit(pfn, t->ram) || !pfn_valid(pfn) ||
		    !PageBuddy(pfn_to_page(pfn))) {
			pfn++;
			continue;
		}
		len = min(1UL << free_block_order(pfn_to_page(pfn)),
			  t->nr_pfns - pfn);
		if (free)
			bitmap_set(free, pfn, len);
		n += len;
		pfn += len;
	}
	return n;
}

/*
 * The free frames that sit on the per-CPU lists: the allocator moved them
 * out of the buddy lists (no longer PageBuddy) but nobody owns them.  A
 * frame free at round 0 and moved there since, unwritten, was never sent
 * and need not be.  Only at the freeze: the lists change under a running
 * CPU, and every CPU is stopped then.
 */
unsigned long selfmig_count_free_pcp(struct selfmig_tracker *t,
				     unsigned long *free)
{
	unsigned long n = 0;
	unsigned int cpu, z, i;

	for (z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &NODE_DATA(0)->node_zones[z];

		if (!populated_zone(zone))
			continue;
		for_each_online_cpu(cpu) {
			struct per_cpu_pages *pcp = per_cpu_ptr(zone->per_cpu_pageset, cpu);

			for (i = 0; i < NR_PCP_LISTS; i++) {
				/* lists[i] holds blocks of order i / MIGRATE_PCPTYPES */
				unsigned int order = i / MIGRATE_PCPTYPES;
				struct page *page;

				if (order > PAGE_ALLOC_COSTLY_ORDER)
					order = pageblock_order;

				list_for_each_entry(page, &pcp->lists[i], pcp_list) {
					unsigned long pfn = page_to_pfn(page);
					unsigned long len = 1UL << order;

					if (pfn >= t->nr_pfns)
						continue;
					len = min(len, t->nr_pfns - pfn);
					bitmap_set(free, pfn, len);
					n += len;
				}
			}
		}
	}
	return n;
}

static void round0_note_used(struct selfmig_mig *m)
{
	unsigned long free = global_zone_page_state(NR_FREE_PAGES);
	u64 used = m->t->ram_pages > free ? m->t->ram_pages - free : 0;

	if (used > m->used_peak)
		m->used_peak = used;
}

/* Round 0: every RAM frame that holds data, i.e. is not free. */
int selfmig_round0(struct selfmig_mig *m)
{
	struct selfmig_tracker *t = m->t;
	unsigned long pfn = 0;
	u64 scanned = 0;
	int ret;

	while (pfn < t->nr_pfns) {
		struct page *page;
		unsigned int order;

		if (atomic_read(&m->abort))
			return -ECANCELED;
		if (!test_bit(pfn, t->ram) || !pfn_valid(pfn)) {
			pfn++;
			continue;
		}
		page = pfn_to_page(pfn);
		scanned++;
		if (PageBuddy(page)) {
			order = free_block_order(page);
			pfn += 1UL << order;
			scanned += (1UL << order) - 1;
			continue;
		}
		ret = selfmig_xfer_page(m, pfn);
		if (ret)
			return ret;
		/* Programs allocate while round 0 runs: note the busiest moment. */
		if (!(m->round0_pages++ % 256))
			round0_note_used(m);
		pfn++;
		cond_resched();
	}
	round0_note_used(m);
	m->rounds[0].pages_scanned = scanned;
	m->rounds[0].pages_dirty = m->round0_pages;
	return 0;
}

/* A later round: the frames pending in the tracker. */
int selfmig_round_dirty(struct selfmig_mig *m, struct smw_round_stats *st)
{
	struct selfmig_tracker *t = m->t;
	unsigned long pfn;
	int ret;

	for_each_set_bit(pfn, t->pending, t->nr_pfns) {
		if (atomic_read(&m->abort))
			return -ECANCELED;
		__clear_bit(pfn, t->pending);
		if (!test_bit(pfn, t->ram))
			continue;
		ret = selfmig_xfer_page(m, pfn);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}
