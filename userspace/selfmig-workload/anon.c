// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload anon-random and anon-seq: anonymous memory rewritten a
 * page at a time, at random or in order, each page's generation checked
 * before it is written again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "run.h"

struct anon {
	uint8_t *mem;
	uint32_t *gen;
	size_t npages;
	uint64_t written, verified, sweeps;
};

static int anon_verify(struct anon *a, size_t i)
{
	struct smwl_mismatch mm;

	a->verified++;
	if (smwl_pattern_check(a->mem + i * smwl_ps, smwl_ps, i, a->gen[i], &mm) == 0)
		return 0;
	smwl_corruption_block("page", i, a->gen[i], &mm);
	return -1;
}

int smwl_run_anon(int sequential)
{
	struct anon a = { 0 };
	struct smwl_pacer pc;
	size_t cursor = 0;
	uint64_t next_sample = 0, last_written = 0, last_t = smwl_now_ns();
	int rc = 0;

	a.npages = smwl_opt.mib * MIB / smwl_ps;
	a.mem = smwl_map_anon(a.npages * smwl_ps, 0);
	a.gen = calloc(a.npages, sizeof(*a.gen));
	if (!a.mem || !a.gen) {
		smwl_say("cannot allocate %" PRIu64 " MiB: %s", smwl_opt.mib, strerror(errno));
		return smwl_finish(1);
	}
	smwl_pacer_init(&pc);
	while (!smwl_stopping() && !smwl_corrupt) {
		for (int b = 0; b < 64 && !smwl_corrupt; b++) {
			size_t i;

			if (sequential) {
				i = cursor++;
				if (cursor == a.npages) {
					cursor = 0;
					a.sweeps++;
				}
			} else {
				i = (size_t)smwl_rng_below(&smwl_rand, a.npages);
			}
			/* Every page is checked against its last write before reuse. */
			if (anon_verify(&a, i))
				break;
			if (++a.gen[i] == 0)
				a.gen[i] = 1;
			smwl_pattern_fill(a.mem + i * smwl_ps, smwl_ps, i, a.gen[i]);
			a.written++;
		}
		smwl_pace(&pc, 64 * smwl_ps);
		if (smwl_now_ns() >= next_sample) {
			/* And a random sample, so idle pages are looked at too. */
			for (int s = 0; s < 256 && !smwl_corrupt; s++)
				anon_verify(&a, (size_t)smwl_rng_below(&smwl_rand, a.npages));
			next_sample = smwl_now_ns() + 100000000ull;
		}
		if (smwl_report_due()) {
			uint64_t t = smwl_now_ns();

			smwl_say("t=%.1fs pages_written=%" PRIu64 " pages_verified=%" PRIu64
			    " sweeps=%" PRIu64 " MiB_s=%.1f",
			    smwl_elapsed_s(), a.written, a.verified, a.sweeps,
			    (double)(a.written - last_written) * (double)smwl_ps / (double)MIB /
			    ((double)(t - last_t) / 1e9));
			last_written = a.written;
			last_t = t;
		}
	}
	/* Final full pass. */
	for (size_t i = 0; i < a.npages && !smwl_corrupt; i++)
		anon_verify(&a, i);
	smwl_say("done t=%.1fs pages_written=%" PRIu64 " pages_verified=%" PRIu64
	    " sweeps=%" PRIu64 " MiB_written=%.1f result=%s",
	    smwl_elapsed_s(), a.written, a.verified, a.sweeps,
	    (double)a.written * (double)smwl_ps / (double)MIB, smwl_result_str(rc));
	munmap(a.mem, a.npages * smwl_ps);
	free(a.gen);
	return smwl_finish(rc);
}
