// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload churn: regions allocated, filled, checked and freed
 * (malloc and mmap), so that memory comes and goes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "run.h"

#define CHURN_MAX	512

struct region {
	uint8_t *p;
	size_t len;
	uint64_t key;
	int is_malloc;
};

static int region_check(const struct region *r)
{
	struct smwl_mismatch mm;

	if (smwl_pattern_check(r->p, r->len, r->key, 1, &mm) == 0)
		return 0;
	smwl_corruption_block(r->is_malloc ? "malloc region" : "mmap region", r->key, 1, &mm);
	return -1;
}

static void region_free(struct region *r)
{
	if (r->is_malloc)
		free(r->p);
	else
		munmap(r->p, r->len);
}

int smwl_run_churn(void)
{
	static struct region reg[CHURN_MAX];
	uint64_t limit = smwl_opt.mib * MIB, live = 0, next_key = 1;
	uint64_t allocs = 0, frees = 0, bytes = 0, checks = 0;
	size_t maxsz = limit / 4 < 8 * MIB ? (size_t)(limit / 4) : 8 * MIB;
	struct smwl_pacer pc;
	int n = 0, rc = 0;

	if (maxsz < smwl_ps)
		maxsz = smwl_ps;
	smwl_pacer_init(&pc);
	while (!smwl_stopping() && !smwl_corrupt && !rc) {
		size_t want = smwl_ps * (1 + (size_t)smwl_rng_below(&smwl_rand, maxsz / smwl_ps));

		if (n > 0 && (live + want > limit || n == CHURN_MAX ||
			      smwl_rng_below(&smwl_rand, 3) == 0)) {
			int i = (int)smwl_rng_below(&smwl_rand, (uint64_t)n);

			checks++;
			if (region_check(&reg[i]))
				break;
			region_free(&reg[i]);
			live -= reg[i].len;
			reg[i] = reg[--n];
			frees++;
		} else if (live + want <= limit) {
			struct region *r = &reg[n];

			r->len = want;
			r->key = next_key++;
			r->is_malloc = want <= 256 * 1024 && smwl_rng_below(&smwl_rand, 2);
			r->p = r->is_malloc ? malloc(want) : smwl_map_anon(want, 0);
			if (!r->p) {
				smwl_say("allocating %zu bytes: %s", want, strerror(errno));
				rc = 1;
				break;
			}
			/* Writes every byte, so every page is touched. */
			smwl_pattern_fill(r->p, r->len, r->key, 1);
			live += want;
			bytes += want;
			allocs++;
			n++;
			smwl_pace(&pc, want);
		}
		if (n > 0 && smwl_rng_below(&smwl_rand, 8) == 0) {
			checks++;
			region_check(&reg[smwl_rng_below(&smwl_rand, (uint64_t)n)]);
		}
		if (smwl_report_due())
			smwl_say("t=%.1fs allocs=%" PRIu64 " frees=%" PRIu64 " checks=%" PRIu64
			    " live_MiB=%.1f MiB_touched=%.1f", smwl_elapsed_s(), allocs, frees,
			    checks, (double)live / MIB, (double)bytes / MIB);
	}
	for (int i = 0; i < n; i++) {
		if (!smwl_corrupt) {
			checks++;
			region_check(&reg[i]);
		}
		region_free(&reg[i]);
	}
	smwl_say("done t=%.1fs allocs=%" PRIu64 " frees=%" PRIu64 " checks=%" PRIu64
	    " MiB_touched=%.1f result=%s", smwl_elapsed_s(), allocs, frees, checks,
	    (double)bytes / MIB, smwl_result_str(rc));
	return smwl_finish(rc);
}
