/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pre-copy pacing and stop decisions (see docs/rate-control.md).
 *
 * Pure integer logic shared by the guest kernel module and the userspace
 * tests: no floating point, no allocation, no u64 division operator (all
 * divisions go through a shift-and-subtract helper, so the code also links
 * on 32-bit kernels).  Every computation saturates at SMRATE_U64_MAX instead
 * of wrapping.
 *
 * Units: rates are bits per second, times are nanoseconds, sizes are bytes.
 * Rounds are numbered from 0, as in the page stream.
 */
#ifndef SELFMIG_CORE_RATE_H
#define SELFMIG_CORE_RATE_H

#include "compat.h"

#define SMRATE_U64_MAX		(~(u64)0)
#define SMRATE_NSEC_PER_SEC	1000000000ULL
#define SMRATE_MBIT		1000000ULL	/* bits per second */

/* Defaults of smrate_params_default(). */
#define SMRATE_DEF_START_RATE_BPS	(100 * SMRATE_MBIT)
#define SMRATE_DEF_INCREMENT_BPS	(50 * SMRATE_MBIT)
#define SMRATE_DEF_MAX_RATE_BPS		0ULL		/* unlimited */
#define SMRATE_DEF_MIN_RATE_BPS		(10 * SMRATE_MBIT)
#define SMRATE_DEF_DOWNTIME_NS		(300 * 1000000ULL)	/* 300 ms */
#define SMRATE_DEF_MAX_ROUNDS		30U
#define SMRATE_DEF_MAX_BYTES_FACTOR	3U
#define SMRATE_DEF_FLOOR_AT_START	1U
#define SMRATE_DEF_SHRINK_PCT		20U
#define SMRATE_DEF_SMALL_SET_PAGES	64ULL

/* Default catch-up allowance of a pacer, see struct smrate_pacer. */
#define SMRATE_PACER_BURST_NS		(100 * 1000000ULL)	/* 100 ms */

struct smrate_params {
	u64 start_rate_bps;	/* rate of round 0; > 0 */
	u64 increment_bps;	/* added to the dirtying rate in later rounds */
	u64 max_rate_bps;	/* cap on every round; 0 = unlimited */
	u64 min_rate_bps;	/* floor on every later round; > 0 */
	u64 downtime_target_ns;	/* converged when predicted downtime <= this */
	u32 max_rounds;		/* stop after this many pre-copy rounds; > 0 */
	u32 max_bytes_factor;	/* stop once sent > factor * guest memory; 0 = off */
	u32 floor_at_start;	/* 1: later rounds never below start_rate_bps */
	/*
	 * Within the target, go on while a round shrinks the dirty set by this
	 * many percent; 0 = stop at the first set within the target.
	 */
	u32 shrink_pct;
	u64 small_set_pages;	/* a dirty set this small always converges */
};

/*
 * Error codes of smrate_params_check(): it returns 0 or the negated code.
 * The values are stable.
 */
enum smrate_err {
	SMRATE_OK = 0,
	SMRATE_E_INVAL = 1,		/* NULL parameters */
	SMRATE_E_START_RATE = 2,	/* start_rate_bps is 0 */
	SMRATE_E_MIN_RATE = 3,		/* min_rate_bps is 0 or above start */
	SMRATE_E_MAX_RATE = 4,		/* max_rate_bps set and below start */
	SMRATE_E_DOWNTIME = 5,		/* downtime_target_ns is 0 */
	SMRATE_E_MAX_ROUNDS = 6,	/* max_rounds is 0 */
	SMRATE_E_FLAGS = 7,		/* floor_at_start is not 0 or 1 */
	SMRATE_E_COUNT_ = 8
};

void smrate_params_default(struct smrate_params *p);
int smrate_params_check(const struct smrate_params *p);
/* Short description of err or -err; "unknown error" when out of range. */
const char *smrate_strerror(int err);

/*
 * Rate for pre-copy round `round`, in bits per second.  Round 0 runs at
 * start_rate_bps.  A later round runs at dirty_rate_bps (the dirtying rate
 * measured over the previous round) plus increment_bps, raised to
 * min_rate_bps and, with floor_at_start, to start_rate_bps.  Every round is
 * capped at max_rate_bps when that is set.  Never returns 0 for parameters
 * that pass smrate_params_check().
 */
u64 smrate_round_rate(const struct smrate_params *p, u32 round,
		      u64 dirty_rate_bps);

/*
 * Dirtying rate in bits per second: pages_dirtied * page_size * 8 bits over
 * elapsed_ns.  0 pages gives 0; an elapsed_ns of 0 counts as 1 ns (so dirty
 * pages in no measurable time give a very high rate, never a division by 0).
 */
u64 smrate_dirty_rate_bps(u64 pages_dirtied, u32 page_size, u64 elapsed_ns);

/*
 * What a round achieved on the link, in bits per second: bytes over
 * elapsed_ns.  0 (unknown) for a round of less than SMRATE_LINK_MIN_BYTES,
 * whose time says more about scanning and scheduling than about the link,
 * and for elapsed_ns 0.
 */
#define SMRATE_LINK_MIN_BYTES	(1ULL << 20)
u64 smrate_link_bps(u64 bytes, u64 elapsed_ns);

/*
 * Exponentially weighted moving average with integer weights: returns
 * avg + (sample - avg) * weight_num / weight_den, i.e. the new sample gets
 * weight_num/weight_den and the history the rest.  The result always lies
 * between avg and sample (inclusive), so it cannot overflow, and equal
 * inputs are a fixed point.  weight_den 0 or weight_num >= weight_den
 * returns sample (no smoothing); weight_num 0 returns avg.
 */
u64 smrate_ewma(u64 avg, u64 sample, u32 weight_num, u32 weight_den);

/*
 * Time to send pages * page_size bytes at rate_bps, rounded up to the next
 * nanosecond.  0 pages give 0; rate_bps 0 (unknown) gives SMRATE_U64_MAX.
 */
u64 smrate_predicted_downtime_ns(u64 pages, u32 page_size, u64 rate_bps);

/* What to do after a pre-copy round. */
enum smrate_stop {
	SMRATE_CONTINUE = 0,		/* "continue": run another round */
	SMRATE_STOP_CONVERGED = 1,	/* "converged": downtime target met */
	SMRATE_STOP_MAX_BYTES = 2,	/* "max-bytes": traffic budget spent */
	SMRATE_STOP_MAX_ROUNDS = 3,	/* "max-rounds": round budget spent */
	SMRATE_STOP_NO_PROGRESS = 4,	/* "no-progress": capped, not shrinking */
	SMRATE_STOP_COUNT_ = 5
};

struct smrate_progress {
	u32 round;			/* the round just completed, from 0 */
	u32 page_size;			/* bytes per page */
	u64 remaining_dirty_pages;	/* pages the stop-and-copy would send */
	u64 rate_bps;			/* rate they would be sent at; 0 = unknown */
	u64 bytes_sent_total;		/* all pre-copy bytes so far */
	u64 guest_mem_bytes;		/* guest memory size */
	u64 prev_dirty_pages;		/* remaining one round earlier; 0 = unknown */
	u64 link_bps;			/* what the last round achieved; 0 = unknown */
};

/*
 * Decide after a round.  The round was link-bound when link_bps is known and
 * below three quarters of rate_bps: the pacer asked for more than the link
 * carried.  Then link_bps, not rate_bps, is the rate the rest would go at.
 * When several reasons hold, the first of this order wins: converged,
 * max-bytes, max-rounds, no-progress.
 *   converged:   predicted downtime of the remaining pages at that rate is
 *                at most downtime_target_ns (always when none remain), and
 *                either shrink_pct is 0, or the set is at most
 *                small_set_pages, or it shrank by less than shrink_pct
 *                percent since the previous round (prev_dirty_pages known):
 *                another round would not pay;
 *   max-bytes:   max_bytes_factor set and bytes_sent_total exceeds
 *                max_bytes_factor * guest_mem_bytes;
 *   max-rounds:  round + 1 >= max_rounds;
 *   no-progress: the rate cannot grow (max_rate_bps set and rate_bps at or
 *                above it, or the round was link-bound), and the dirty set
 *                did not shrink (remaining >= prev_dirty_pages,
 *                prev_dirty_pages known).
 */
enum smrate_stop smrate_should_stop(const struct smrate_params *params,
				    const struct smrate_progress *p);
/* Stable name: "continue", "converged", "max-bytes", ...; "unknown". */
const char *smrate_stop_name(enum smrate_stop s);

/*
 * Pacer for one round.  The sender calls smrate_pace() after each batch and
 * sleeps for the returned time, so that the bytes sent since the round
 * started never run ahead of rate_bps.  If the sender falls behind (slow
 * network, preemption) it may catch up at full speed, but by at most
 * burst_ns worth of data: older unused time is forgotten.  burst_ns is set to
 * SMRATE_PACER_BURST_NS by smrate_pacer_start(); a caller may change it
 * afterwards, 0 meaning no limit (a pure average over the round).
 */
struct smrate_pacer {
	u64 base_ns;		/* time from which budget_bytes are paced */
	u64 budget_bytes;	/* bytes sent since base_ns */
	u64 rate_bps;		/* 0 = unlimited */
	u64 burst_ns;		/* catch-up allowance; 0 = unlimited */
	u64 total_bytes;	/* bytes sent since smrate_pacer_start() */
};

void smrate_pacer_start(struct smrate_pacer *pc, u64 now_ns, u64 rate_bps);
/*
 * Account bytes_just_sent at now_ns; return the nanoseconds to sleep before
 * sending more (0 when unlimited or behind schedule; SMRATE_U64_MAX at most,
 * for absurdly low rates: callers should sleep in bounded slices and ask
 * again).  A clock that stands still or goes back is treated as no time
 * having passed.
 */
u64 smrate_pace(struct smrate_pacer *pc, u64 now_ns, u64 bytes_just_sent);

/*
 * floor(a * b / c) and its rounded-up variant, computed over 128 bits, for
 * any u64 inputs.  Saturate at SMRATE_U64_MAX when the quotient does not fit
 * or when c is 0.
 */
u64 smrate_mul_div(u64 a, u64 b, u64 c);
u64 smrate_mul_div_round_up(u64 a, u64 b, u64 c);

#endif /* SELFMIG_CORE_RATE_H */
