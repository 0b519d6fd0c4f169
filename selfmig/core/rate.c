// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-copy pacing and stop decisions.
 *
 * The policy follows the dynamic rate limiting of Clark et al., "Live
 * Migration of Virtual Machines" (NSDI 2005): round 0 runs at a start rate,
 * each later round at the dirtying rate of the previous round plus a fixed
 * increment; pre-copy stops when the rest fits the downtime target or a
 * budget (rounds, bytes) is spent.
 *
 * All arithmetic is on u64 and saturates.  Products that can exceed 64 bits
 * (bytes * 8e9, say) are formed over 128 bits from 32-bit halves and divided
 * by shift and subtract, so neither a 128-bit type nor the compiler's 64-bit
 * division helpers are needed.
 */
#include "rate.h"

/* ------------------------------------------------------------------ */
/* Saturating 64-bit helpers                                           */

static u64 smrate_sat_add(u64 a, u64 b)
{
	return a > SMRATE_U64_MAX - b ? SMRATE_U64_MAX : a + b;
}

/* Full 128-bit product of a and b as hi:lo. */
static void smrate_mul_128(u64 a, u64 b, u64 *hi, u64 *lo)
{
	u64 a_lo = (u32)a, a_hi = a >> 32;
	u64 b_lo = (u32)b, b_hi = b >> 32;
	u64 p0 = a_lo * b_lo;
	u64 p1 = a_lo * b_hi;
	u64 p2 = a_hi * b_lo;
	u64 p3 = a_hi * b_hi;
	u64 mid = (p0 >> 32) + (u32)p1 + (u32)p2;

	*lo = (mid << 32) | (u32)p0;
	*hi = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
}

/*
 * Divide hi:lo by c (c != 0, hi < c so that the quotient fits in 64 bits).
 * Returns the quotient and stores the remainder.
 */
static u64 smrate_div_128(u64 hi, u64 lo, u64 c, u64 *rem)
{
	u64 r = hi, q = 0;
	int i;

	for (i = 63; i >= 0; i--) {
		u64 carry = r >> 63;

		r = (r << 1) | ((lo >> i) & 1);
		q <<= 1;
		/* r was below c, so the true value is below 2c: one subtract. */
		if (carry || r >= c) {
			r -= c;
			q |= 1;
		}
	}
	*rem = r;
	return q;
}

static u64 smrate_mul_div_rem(u64 a, u64 b, u64 c, u64 *rem)
{
	u64 hi, lo;

	*rem = 0;
	if (c == 0)
		return SMRATE_U64_MAX;
	smrate_mul_128(a, b, &hi, &lo);
	if (hi >= c)
		return SMRATE_U64_MAX;
	return smrate_div_128(hi, lo, c, rem);
}

u64 smrate_mul_div(u64 a, u64 b, u64 c)
{
	u64 rem;

	return smrate_mul_div_rem(a, b, c, &rem);
}

u64 smrate_mul_div_round_up(u64 a, u64 b, u64 c)
{
	u64 rem, q = smrate_mul_div_rem(a, b, c, &rem);

	if (rem && q != SMRATE_U64_MAX)
		q++;
	return q;
}

/* a * b, saturating. */
static u64 smrate_sat_mul(u64 a, u64 b)
{
	u64 hi, lo;

	smrate_mul_128(a, b, &hi, &lo);
	return hi ? SMRATE_U64_MAX : lo;
}

/* ------------------------------------------------------------------ */
/* Parameters                                                          */

void smrate_params_default(struct smrate_params *p)
{
	memset(p, 0, sizeof(*p));
	p->start_rate_bps = SMRATE_DEF_START_RATE_BPS;
	p->increment_bps = SMRATE_DEF_INCREMENT_BPS;
	p->max_rate_bps = SMRATE_DEF_MAX_RATE_BPS;
	p->min_rate_bps = SMRATE_DEF_MIN_RATE_BPS;
	p->downtime_target_ns = SMRATE_DEF_DOWNTIME_NS;
	p->max_rounds = SMRATE_DEF_MAX_ROUNDS;
	p->max_bytes_factor = SMRATE_DEF_MAX_BYTES_FACTOR;
	p->floor_at_start = SMRATE_DEF_FLOOR_AT_START;
	p->shrink_pct = SMRATE_DEF_SHRINK_PCT;
	p->small_set_pages = SMRATE_DEF_SMALL_SET_PAGES;
}

int smrate_params_check(const struct smrate_params *p)
{
	if (!p)
		return -SMRATE_E_INVAL;
	if (p->start_rate_bps == 0)
		return -SMRATE_E_START_RATE;
	if (p->min_rate_bps == 0 || p->min_rate_bps > p->start_rate_bps)
		return -SMRATE_E_MIN_RATE;
	if (p->max_rate_bps && p->max_rate_bps < p->start_rate_bps)
		return -SMRATE_E_MAX_RATE;
	if (p->downtime_target_ns == 0)
		return -SMRATE_E_DOWNTIME;
	if (p->max_rounds == 0)
		return -SMRATE_E_MAX_ROUNDS;
	if (p->floor_at_start > 1 || p->shrink_pct > 99)
		return -SMRATE_E_FLAGS;
	return 0;
}

static const char *const smrate_err_text[SMRATE_E_COUNT_] = {
	[SMRATE_OK]		= "no error",
	[SMRATE_E_INVAL]	= "missing rate parameters",
	[SMRATE_E_START_RATE]	= "start rate is zero",
	[SMRATE_E_MIN_RATE]	= "minimum rate is zero or above the start rate",
	[SMRATE_E_MAX_RATE]	= "maximum rate is below the start rate",
	[SMRATE_E_DOWNTIME]	= "downtime target is zero",
	[SMRATE_E_MAX_ROUNDS]	= "maximum number of rounds is zero",
	[SMRATE_E_FLAGS]	= "floor_at_start is neither 0 nor 1, or shrink_pct is above 99",
};

const char *smrate_strerror(int err)
{
	/* Compare as negatives: -INT_MIN does not exist. */
	if (err > 0)
		err = -err;
	if (err <= -SMRATE_E_COUNT_)
		return "unknown error";
	return smrate_err_text[-err];
}

/* ------------------------------------------------------------------ */
/* Rates                                                               */

u64 smrate_round_rate(const struct smrate_params *p, u32 round,
		      u64 dirty_rate_bps)
{
	u64 rate;

	if (round == 0) {
		rate = p->start_rate_bps;
	} else {
		rate = smrate_sat_add(dirty_rate_bps, p->increment_bps);
		if (rate < p->min_rate_bps)
			rate = p->min_rate_bps;
		if (p->floor_at_start && rate < p->start_rate_bps)
			rate = p->start_rate_bps;
	}
	if (p->max_rate_bps && rate > p->max_rate_bps)
		rate = p->max_rate_bps;
	return rate;
}

u64 smrate_dirty_rate_bps(u64 pages_dirtied, u32 page_size, u64 elapsed_ns)
{
	u64 bytes;

	if (pages_dirtied == 0 || page_size == 0)
		return 0;
	if (elapsed_ns == 0)
		elapsed_ns = 1;
	bytes = smrate_sat_mul(pages_dirtied, page_size);
	return smrate_mul_div(bytes, 8 * SMRATE_NSEC_PER_SEC, elapsed_ns);
}

u64 smrate_link_bps(u64 bytes, u64 elapsed_ns)
{
	if (bytes < SMRATE_LINK_MIN_BYTES || elapsed_ns == 0)
		return 0;
	return smrate_mul_div(bytes, 8 * SMRATE_NSEC_PER_SEC, elapsed_ns);
}

u64 smrate_ewma(u64 avg, u64 sample, u32 weight_num, u32 weight_den)
{
	if (weight_den == 0 || weight_num >= weight_den)
		return sample;
	if (sample >= avg)
		return avg + smrate_mul_div(sample - avg, weight_num, weight_den);
	return avg - smrate_mul_div(avg - sample, weight_num, weight_den);
}

/* Nanoseconds to send `bytes` at rate_bps, rounded up; rate_bps != 0. */
static u64 smrate_bytes_ns(u64 bytes, u64 rate_bps)
{
	u64 ns = smrate_mul_div_round_up(bytes, 8 * SMRATE_NSEC_PER_SEC,
					 rate_bps);

	/* A saturated byte count must not turn into a finite time. */
	return bytes == SMRATE_U64_MAX ? SMRATE_U64_MAX : ns;
}

u64 smrate_predicted_downtime_ns(u64 pages, u32 page_size, u64 rate_bps)
{
	if (pages == 0 || page_size == 0)
		return 0;
	if (rate_bps == 0)
		return SMRATE_U64_MAX;
	return smrate_bytes_ns(smrate_sat_mul(pages, page_size), rate_bps);
}

/* ------------------------------------------------------------------ */
/* Stop decision                                                       */

enum smrate_stop smrate_should_stop(const struct smrate_params *params,
				    const struct smrate_progress *p)
{
	/*
	 * The pacer's rate is what was asked for; a link that carried much
	 * less (the emulated testbed's carries about 1.4 MB/s while the pacer
	 * asks for 800 Mbit/s) is what the stop would get.
	 */
	int link_bound = p->link_bps && p->rate_bps &&
			 smrate_sat_mul(p->link_bps, 4) < smrate_sat_mul(p->rate_bps, 3);
	u64 downtime = smrate_predicted_downtime_ns(p->remaining_dirty_pages,
						    p->page_size,
						    link_bound ? p->link_bps : p->rate_bps);

	/*
	 * Within the downtime target, one more round still pays while it
	 * shrinks the dirty set by at least shrink_pct percent: stopping at
	 * the writable working set, not at the first set that would fit.
	 * Round 0 copies everything, so the set after it is never judged on
	 * shrinking against "unknown".
	 */
	if (downtime <= params->downtime_target_ns) {
		u64 rem = p->remaining_dirty_pages, prev = p->prev_dirty_pages;

		if (!params->shrink_pct || rem <= params->small_set_pages)
			return SMRATE_STOP_CONVERGED;
		if (prev && smrate_sat_mul(rem, 100) >
		    smrate_sat_mul(prev, 100 - params->shrink_pct))
			return SMRATE_STOP_CONVERGED;
	}
	if (params->max_bytes_factor &&
	    p->bytes_sent_total >
	    smrate_sat_mul(params->max_bytes_factor, p->guest_mem_bytes))
		return SMRATE_STOP_MAX_BYTES;
	if ((u64)p->round + 1 >= params->max_rounds)
		return SMRATE_STOP_MAX_ROUNDS;
	if (((params->max_rate_bps && p->rate_bps >= params->max_rate_bps) ||
	     link_bound) &&
	    p->prev_dirty_pages &&
	    p->remaining_dirty_pages >= p->prev_dirty_pages)
		return SMRATE_STOP_NO_PROGRESS;
	return SMRATE_CONTINUE;
}

static const char *const smrate_stop_names[SMRATE_STOP_COUNT_] = {
	[SMRATE_CONTINUE]		= "continue",
	[SMRATE_STOP_CONVERGED]		= "converged",
	[SMRATE_STOP_MAX_BYTES]		= "max-bytes",
	[SMRATE_STOP_MAX_ROUNDS]	= "max-rounds",
	[SMRATE_STOP_NO_PROGRESS]	= "no-progress",
};

const char *smrate_stop_name(enum smrate_stop s)
{
	if ((unsigned int)s >= SMRATE_STOP_COUNT_)
		return "unknown";
	return smrate_stop_names[s];
}

/* ------------------------------------------------------------------ */
/* Pacing                                                              */

void smrate_pacer_start(struct smrate_pacer *pc, u64 now_ns, u64 rate_bps)
{
	pc->base_ns = now_ns;
	pc->budget_bytes = 0;
	pc->rate_bps = rate_bps;
	pc->burst_ns = SMRATE_PACER_BURST_NS;
	pc->total_bytes = 0;
}

u64 smrate_pace(struct smrate_pacer *pc, u64 now_ns, u64 bytes_just_sent)
{
	u64 due;

	pc->total_bytes = smrate_sat_add(pc->total_bytes, bytes_just_sent);
	pc->budget_bytes = smrate_sat_add(pc->budget_bytes, bytes_just_sent);
	if (pc->rate_bps == 0)
		return 0;
	if (now_ns < pc->base_ns)	/* clock went back: no time passed */
		now_ns = pc->base_ns;

	/* The moment the bytes sent since base_ns are allowed to be done. */
	due = smrate_sat_add(pc->base_ns,
			     smrate_bytes_ns(pc->budget_bytes, pc->rate_bps));
	if (due > now_ns)
		return due - now_ns;

	/* Behind schedule: keep at most burst_ns of unused time. */
	if (pc->burst_ns && now_ns - due > pc->burst_ns) {
		pc->base_ns = now_ns - pc->burst_ns;
		pc->budget_bytes = 0;
	}
	return 0;
}
