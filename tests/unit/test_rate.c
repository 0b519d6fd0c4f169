// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for pre-copy pacing and stop decisions: the 128-bit mul/div
 * helper, parameter defaults and checks, per-round rates, dirtying rate,
 * smoothing, predicted downtime, every stop reason and their precedence, and
 * the pacer (standing and backward clocks, huge and tiny rates, long rounds).
 */
#include <string.h>

#include "tap.h"
#include "rate.h"

#define MAX64	SMRATE_U64_MAX
#define MBIT	SMRATE_MBIT
#define GBIT	(1000 * SMRATE_MBIT)
#define MS	1000000ULL
#define SEC	SMRATE_NSEC_PER_SEC
#define GIB	(1ULL << 30)

/* Reference mul/div for cross-checking; userspace test only. */
static unsigned long long ref_mul_div(u64 a, u64 b, u64 c, int up)
{
	unsigned __int128 p = (unsigned __int128)a * b, q;

	if (c == 0)
		return MAX64;
	q = p / c;
	if (up && p % c)
		q++;
	return q > MAX64 ? MAX64 : (u64)q;
}

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A random value of random magnitude, so that small values occur too. */
static u64 rng_mag(void)
{
	unsigned int bits = rng() % 65;

	return bits == 64 ? rng() : rng() & ((1ULL << bits) - 1);
}

/* ------------------------------------------------------------------ */

static void test_mul_div(void)
{
	static const struct {
		u64 a, b, c, floor, ceil;
	} t[] = {
		{ 0, 5, 3, 0, 0 },
		{ 7, 3, 2, 10, 11 },
		{ 10, 10, 3, 33, 34 },
		{ 1, 1, 0, MAX64, MAX64 },		/* division by zero */
		{ 0, 0, 0, MAX64, MAX64 },
		{ MAX64, 1, 1, MAX64, MAX64 },
		{ MAX64, 2, 2, MAX64, MAX64 },		/* fits exactly */
		{ MAX64, 2, 1, MAX64, MAX64 },		/* overflow */
		{ MAX64, 3, 2, MAX64, MAX64 },
		{ MAX64, MAX64, MAX64, MAX64, MAX64 },
		{ MAX64 - 1, MAX64, MAX64, MAX64 - 1, MAX64 - 1 },
		{ MAX64, MAX64 - 1, MAX64, MAX64 - 1, MAX64 - 1 },
		{ 1ULL << 63, 4, 8, 1ULL << 62, 1ULL << 62 },
		{ 1ULL << 32, 1ULL << 32, 2, 1ULL << 63, 1ULL << 63 },
		{ (1ULL << 32) + 1, (1ULL << 32) + 1, 1, MAX64, MAX64 },
		/* 10 h at 100 Gbit/s: 4.5e14 bytes, in ns */
		{ 450000000000000ULL, 8 * SEC, 100 * GBIT,
		  36000000000000ULL, 36000000000000ULL },
		{ 1, 1, MAX64, 0, 1 },
	};
	unsigned int i;

	tap_test("mul_div: table");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_U64(smrate_mul_div(t[i].a, t[i].b, t[i].c), t[i].floor);
		CHECK_U64(smrate_mul_div_round_up(t[i].a, t[i].b, t[i].c),
			  t[i].ceil);
	}

	tap_test("mul_div: random against 128-bit reference");
	for (i = 0; i < 200000; i++) {
		u64 a = rng_mag(), b = rng_mag(), c = rng_mag();

		if (smrate_mul_div(a, b, c) != ref_mul_div(a, b, c, 0) ||
		    smrate_mul_div_round_up(a, b, c) != ref_mul_div(a, b, c, 1)) {
			tap_fail(__FILE__, __LINE__, "%llu * %llu / %llu",
				 (unsigned long long)a, (unsigned long long)b,
				 (unsigned long long)c);
			break;
		}
	}
}

/* ------------------------------------------------------------------ */

/* Row i of a table gave got, and wants want. */
static void check_row(size_t i, u64 got, u64 want)
{
	if (got != want)
		tap_fail(__FILE__, __LINE__, "row %zu: got %llu, want %llu", i,
			 (unsigned long long)got, (unsigned long long)want);
}

/* The default params with these rate bounds, increment and start floor. */
static void rate_params(struct smrate_params *p, u64 max, u64 min, u64 inc,
			u32 floor)
{
	smrate_params_default(p);
	p->max_rate_bps = max;
	p->min_rate_bps = min;
	p->increment_bps = inc;
	p->floor_at_start = floor;
}

static void test_params(void)
{
	struct smrate_params d, p;
	static const struct {
		const char *what;
		u64 start, inc, max, min, downtime;
		u32 rounds, factor, floor;
		int err;
	} t[] = {
		{ "defaults", 100 * MBIT, 50 * MBIT, 0, 10 * MBIT, 300 * MS,
		  30, 3, 1, 0 },
		{ "zero start", 0, 50 * MBIT, 0, 10 * MBIT, 300 * MS,
		  30, 3, 1, -SMRATE_E_START_RATE },
		{ "zero start beats max", 0, 0, 1, 0, 0, 0, 0, 9,
		  -SMRATE_E_START_RATE },
		{ "zero min", 100 * MBIT, 50 * MBIT, 0, 0, 300 * MS,
		  30, 3, 1, -SMRATE_E_MIN_RATE },
		{ "min above start", 100 * MBIT, 50 * MBIT, 0, 100 * MBIT + 1,
		  300 * MS, 30, 3, 1, -SMRATE_E_MIN_RATE },
		{ "min equals start", 100 * MBIT, 50 * MBIT, 0, 100 * MBIT,
		  300 * MS, 30, 3, 1, 0 },
		{ "max below start", 100 * MBIT, 50 * MBIT, 100 * MBIT - 1,
		  10 * MBIT, 300 * MS, 30, 3, 1, -SMRATE_E_MAX_RATE },
		{ "max equals start", 100 * MBIT, 50 * MBIT, 100 * MBIT,
		  10 * MBIT, 300 * MS, 30, 3, 1, 0 },
		{ "zero increment", 100 * MBIT, 0, 0, 10 * MBIT, 300 * MS,
		  30, 3, 1, 0 },
		{ "zero downtime", 100 * MBIT, 50 * MBIT, 0, 10 * MBIT, 0,
		  30, 3, 1, -SMRATE_E_DOWNTIME },
		{ "zero rounds", 100 * MBIT, 50 * MBIT, 0, 10 * MBIT, 300 * MS,
		  0, 3, 1, -SMRATE_E_MAX_ROUNDS },
		{ "one round", 100 * MBIT, 50 * MBIT, 0, 10 * MBIT, 300 * MS,
		  1, 3, 1, 0 },
		{ "byte limit off", 100 * MBIT, 50 * MBIT, 0, 10 * MBIT,
		  300 * MS, 30, 0, 1, 0 },
		{ "floor flag 2", 100 * MBIT, 50 * MBIT, 0, 10 * MBIT, 300 * MS,
		  30, 3, 2, -SMRATE_E_FLAGS },
		{ "floor flag 0", 100 * MBIT, 50 * MBIT, 0, 10 * MBIT, 300 * MS,
		  30, 3, 0, 0 },
		{ "extremes", MAX64, MAX64, MAX64, MAX64, MAX64,
		  ~0U, ~0U, 1, 0 },
	};
	unsigned int i, j;

	tap_test("params: defaults");
	memset(&d, 0xa5, sizeof(d));
	smrate_params_default(&d);
	CHECK_U64(d.start_rate_bps, 100000000ULL);
	CHECK_U64(d.increment_bps, 50000000ULL);
	CHECK_U64(d.max_rate_bps, 0);
	CHECK_U64(d.min_rate_bps, 10000000ULL);
	CHECK_U64(d.downtime_target_ns, 300000000ULL);
	CHECK_EQ(d.max_rounds, 30);
	CHECK_EQ(d.max_bytes_factor, 3);
	CHECK_EQ(d.floor_at_start, 1);
	CHECK_EQ(smrate_params_check(&d), 0);

	tap_test("params: check table");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int err;

		/* Fields the table does not name keep their defaults. */
		rate_params(&p, t[i].max, t[i].min, t[i].inc, t[i].floor);
		p.start_rate_bps = t[i].start;
		p.downtime_target_ns = t[i].downtime;
		p.max_rounds = t[i].rounds;
		p.max_bytes_factor = t[i].factor;
		err = smrate_params_check(&p);
		if (err != t[i].err)
			tap_fail(__FILE__, __LINE__, "%s: got %d, want %d",
				 t[i].what, err, t[i].err);
	}
	CHECK_EQ(smrate_params_check(NULL), -SMRATE_E_INVAL);

	tap_test("params: strerror");
	for (i = 0; i < SMRATE_E_COUNT_; i++) {
		const char *s = smrate_strerror(-(int)i);

		CHECK(s && *s);
		CHECK(s == smrate_strerror((int)i));
		CHECK(strcmp(s, "unknown error") != 0);
		for (j = 0; j < i; j++)
			CHECK(strcmp(s, smrate_strerror((int)j)) != 0);
	}
	CHECK(!strcmp(smrate_strerror(0), "no error"));
	CHECK(!strcmp(smrate_strerror(-SMRATE_E_COUNT_), "unknown error"));
	CHECK(!strcmp(smrate_strerror(SMRATE_E_COUNT_), "unknown error"));
	CHECK(!strcmp(smrate_strerror(-2147483647 - 1), "unknown error"));
	CHECK(!strcmp(smrate_strerror(2147483647), "unknown error"));
}

/* ------------------------------------------------------------------ */

static void test_round_rate(void)
{
	static const struct {
		const char *what;
		u64 max, min, inc;
		u32 floor, round;
		u64 dirty, want;
	} t[] = {
		/* defaults: start 100, inc 50, min 10, unlimited */
		{ "round 0 ignores dirty rate", 0, 10 * MBIT, 50 * MBIT, 1, 0,
		  7 * GBIT, 100 * MBIT },
		{ "quiet guest keeps start", 0, 10 * MBIT, 50 * MBIT, 1, 1,
		  0, 100 * MBIT },
		{ "dirty + inc below start", 0, 10 * MBIT, 50 * MBIT, 1, 1,
		  30 * MBIT, 100 * MBIT },
		{ "dirty + inc", 0, 10 * MBIT, 50 * MBIT, 1, 1,
		  60 * MBIT, 110 * MBIT },
		{ "late round", 0, 10 * MBIT, 50 * MBIT, 1, 29,
		  950 * MBIT, 1 * GBIT },
		{ "saturates when unlimited", 0, 10 * MBIT, 50 * MBIT, 1, 5,
		  MAX64, MAX64 },
		{ "saturates near the top", 0, 10 * MBIT, 50 * MBIT, 1, 5,
		  MAX64 - 1, MAX64 },
		{ "round 2^32-1", 0, 10 * MBIT, 50 * MBIT, 1, ~0U,
		  1 * GBIT, 1050 * MBIT },
		/* max rate */
		{ "capped by max", 1 * GBIT, 10 * MBIT, 50 * MBIT, 1, 1,
		  2 * GBIT, 1 * GBIT },
		{ "cap equals computed", 1 * GBIT, 10 * MBIT, 50 * MBIT, 1, 1,
		  950 * MBIT, 1 * GBIT },
		{ "below cap", 1 * GBIT, 10 * MBIT, 50 * MBIT, 1, 1,
		  900 * MBIT, 950 * MBIT },
		{ "saturated then capped", 1 * GBIT, 10 * MBIT, 50 * MBIT, 1, 3,
		  MAX64, 1 * GBIT },
		{ "max = start", 100 * MBIT, 10 * MBIT, 50 * MBIT, 1, 1,
		  500 * MBIT, 100 * MBIT },
		{ "round 0 capped (unchecked params)", 40 * MBIT, 10 * MBIT,
		  50 * MBIT, 1, 0, 0, 40 * MBIT },
		{ "floor capped (unchecked params)", 40 * MBIT, 10 * MBIT,
		  50 * MBIT, 1, 1, 0, 40 * MBIT },
		/* Clark-style floor: min rate only */
		{ "no start floor", 0, 10 * MBIT, 50 * MBIT, 0, 1,
		  0, 50 * MBIT },
		{ "no start floor, dirty", 0, 10 * MBIT, 50 * MBIT, 0, 1,
		  30 * MBIT, 80 * MBIT },
		{ "min floor", 0, 10 * MBIT, 0, 0, 1, 0, 10 * MBIT },
		{ "min floor, dirty", 0, 10 * MBIT, 0, 0, 1,
		  5 * MBIT, 10 * MBIT },
		{ "above min floor", 0, 10 * MBIT, 0, 0, 1,
		  11 * MBIT, 11 * MBIT },
		{ "no start floor, round 0", 0, 10 * MBIT, 50 * MBIT, 0, 0,
		  0, 100 * MBIT },
	};
	struct smrate_params p;
	unsigned int i;

	tap_test("round_rate: table");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		u64 got;

		rate_params(&p, t[i].max, t[i].min, t[i].inc, t[i].floor);
		got = smrate_round_rate(&p, t[i].round, t[i].dirty);
		if (got != t[i].want)
			tap_fail(__FILE__, __LINE__, "%s: got %llu, want %llu",
				 t[i].what, (unsigned long long)got,
				 (unsigned long long)t[i].want);
	}

	tap_test("round_rate: never 0 and within bounds for valid params");
	for (i = 0; i < 100000; i++) {
		u64 r, dirty = rng_mag();
		u32 round = (u32)rng();

		smrate_params_default(&p);
		p.start_rate_bps = rng_mag() | 1;
		p.min_rate_bps = (rng_mag() % p.start_rate_bps) + 1;
		p.max_rate_bps = rng() & 1 ? 0 : p.start_rate_bps +
			(rng_mag() % (MAX64 - p.start_rate_bps + 1));
		p.increment_bps = rng_mag();
		p.floor_at_start = rng() & 1;
		if (smrate_params_check(&p)) {
			tap_fail(__FILE__, __LINE__, "generator made bad params");
			break;
		}
		r = smrate_round_rate(&p, round, dirty);
		if (r == 0 || r < p.min_rate_bps ||
		    (p.max_rate_bps && r > p.max_rate_bps) ||
		    ((round == 0 || p.floor_at_start) && r < p.start_rate_bps)) {
			tap_fail(__FILE__, __LINE__, "rate %llu out of bounds",
				 (unsigned long long)r);
			break;
		}
	}
}

/* ------------------------------------------------------------------ */

/* A row of a table of f(pages, page_size, x) and what it should be. */
struct pages_row {
	u64 pages;
	u32 page_size;
	u64 x, want;
};

/* Test name: each of the n rows of t gives its want. */
static void check_pages_rows(const char *name,
			     u64 (*f)(u64 pages, u32 page_size, u64 x),
			     const struct pages_row *t, size_t n)
{
	size_t i;

	tap_test(name);
	for (i = 0; i < n; i++)
		check_row(i, f(t[i].pages, t[i].page_size, t[i].x), t[i].want);
}

static void test_dirty_rate(void)
{
	/* x: the time it took */
	static const struct pages_row t[] = {
		{ 0, 4096, SEC, 0 },
		{ 0, 4096, 0, 0 },			/* nothing, no time */
		{ 1000, 0, SEC, 0 },
		{ 1000, 4096, SEC, 32768000ULL },
		{ 1000, 4096, 2 * SEC, 16384000ULL },
		{ 1, 4096, 0, 32768000000000ULL },	/* zero elapsed = 1 ns */
		{ 1, 4096, 1, 32768000000000ULL },
		{ 25000000, 4096, 3600 * SEC, 227555555ULL },
		{ 1, 4096, MAX64, 0 },
		{ MAX64, 4096, 1, MAX64 },		/* bytes saturate */
		{ MAX64, 4096, MAX64, 8 * SEC },	/* saturated bytes */
		{ 1ULL << 40, 4096, 3600 * SEC, 10007999171934ULL },
		{ 4, 1U << 31, 1, MAX64 },		/* 2^66 bits/ns */
	};

	check_pages_rows("dirty_rate: table", smrate_dirty_rate_bps, t,
			 sizeof(t) / sizeof(t[0]));
}

static void test_ewma(void)
{
	static const struct {
		u64 avg, sample;
		u32 num, den;
		u64 want;
	} t[] = {
		{ 100, 200, 1, 2, 150 },
		{ 200, 100, 1, 2, 150 },
		{ 3, 3, 1, 2, 3 },			/* fixed point */
		{ 100, 200, 1, 8, 112 },
		{ 200, 100, 1, 8, 188 },		/* rounds toward avg */
		{ 100, 200, 3, 4, 175 },
		{ 100, 200, 0, 4, 100 },		/* all history */
		{ 100, 200, 4, 4, 200 },		/* all sample */
		{ 100, 200, 5, 4, 200 },
		{ 100, 200, 1, 0, 200 },		/* no weights */
		{ 0, MAX64, 1, 2, (1ULL << 63) - 1 },
		{ MAX64, 0, 1, 2, 1ULL << 63 },
		{ MAX64, MAX64, 1, 2, MAX64 },
		{ 0, MAX64, ~0U - 1, ~0U, MAX64 - (1ULL << 32) - 1 },
		{ MAX64, MAX64 - 1, ~0U - 1, ~0U, MAX64 - 0 },
	};
	unsigned int i;

	tap_test("ewma: table");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check_row(i, smrate_ewma(t[i].avg, t[i].sample, t[i].num, t[i].den),
			  t[i].want);

	tap_test("ewma: result between avg and sample");
	for (i = 0; i < 100000; i++) {
		u64 a = rng_mag(), s = rng_mag(), r;
		u32 den = (u32)rng_mag(), num = (u32)rng() % (den + 1ULL);

		r = smrate_ewma(a, s, num, den);
		if ((a <= s && (r < a || r > s)) || (a > s && (r > a || r < s))) {
			tap_fail(__FILE__, __LINE__, "%llu outside", (unsigned long long)r);
			break;
		}
	}
}

static void test_downtime(void)
{
	/* x: the rate */
	static const struct pages_row t[] = {
		{ 0, 4096, 1 * GBIT, 0 },
		{ 0, 4096, 0, 0 },			/* nothing to send */
		{ 1, 4096, 0, MAX64 },			/* unknown rate */
		{ 1, 0, 1 * GBIT, 0 },
		{ 1000, 4096, 1 * GBIT, 32768000ULL },
		{ 9155, 4096, 1 * GBIT, 299991040ULL },
		{ 9156, 4096, 1 * GBIT, 300023808ULL },
		{ 1, 4096, MAX64, 1 },			/* rounds up */
		{ 1, 4096, 1, 32768000000000ULL },	/* 1 bit/s */
		{ 3, 4096, 327680, 300 * MS },		/* exact */
		{ 1ULL << 40, 4096, 100 * GBIT, 360287970189640ULL },
		{ MAX64, 4096, MAX64, MAX64 },		/* bytes saturate */
		{ 1ULL << 52, 4096, 1, MAX64 },		/* time saturates */
	};

	check_pages_rows("predicted_downtime: table",
			 smrate_predicted_downtime_ns, t, sizeof(t) / sizeof(t[0]));
}

/* ------------------------------------------------------------------ */

/* The progress after round, in pages of 4096 bytes. */
static struct smrate_progress progress(u32 round, u64 remaining, u64 rate,
				       u64 sent, u64 mem, u64 prev)
{
	return (struct smrate_progress){
		.round = round, .page_size = 4096,
		.remaining_dirty_pages = remaining, .rate_bps = rate,
		.bytes_sent_total = sent, .guest_mem_bytes = mem,
		.prev_dirty_pages = prev,
	};
}

static void test_should_stop(void)
{
	/* Base: round 3, 4 GiB guest, 1 GiB sent, 1e6 pages left at 1 Gbit/s. */
	static const struct {
		const char *what;
		u64 max_rate;
		u32 max_rounds, factor, round;
		u64 remaining, rate, sent, mem, prev;
		enum smrate_stop want;
	} t[] = {
		{ "base", 0, 30, 3, 3, 1000000, GBIT, GIB, 4 * GIB, 0,
		  SMRATE_CONTINUE },
		/* converged */
		{ "nothing left", 0, 30, 3, 3, 0, GBIT, GIB, 4 * GIB, 0,
		  SMRATE_STOP_CONVERGED },
		{ "nothing left, rate unknown", 0, 30, 3, 3, 0, 0, GIB,
		  4 * GIB, 0, SMRATE_STOP_CONVERGED },
		{ "just under target", 0, 30, 3, 3, 9155, GBIT, GIB, 4 * GIB, 0,
		  SMRATE_STOP_CONVERGED },
		{ "just over target", 0, 30, 3, 3, 9156, GBIT, GIB, 4 * GIB, 0,
		  SMRATE_CONTINUE },
		{ "exactly at target", 0, 30, 3, 3, 3, 327680, GIB, 4 * GIB, 0,
		  SMRATE_STOP_CONVERGED },
		{ "one bit/s over target", 0, 30, 3, 3, 3, 327679, GIB,
		  4 * GIB, 0, SMRATE_CONTINUE },
		{ "rate unknown", 0, 30, 3, 3, 1, 0, GIB, 4 * GIB, 0,
		  SMRATE_CONTINUE },
		{ "huge rate", 0, 30, 3, 3, 1000000, MAX64, GIB, 4 * GIB, 0,
		  SMRATE_STOP_CONVERGED },
		{ "huge dirty set", 0, 30, 3, 3, MAX64, MAX64, GIB, 4 * GIB, 0,
		  SMRATE_CONTINUE },
		/* max-bytes */
		{ "at byte limit", 0, 30, 3, 3, 1000000, GBIT, 12 * GIB,
		  4 * GIB, 0, SMRATE_CONTINUE },
		{ "over byte limit", 0, 30, 3, 3, 1000000, GBIT, 12 * GIB + 1,
		  4 * GIB, 0, SMRATE_STOP_MAX_BYTES },
		{ "byte limit off", 0, 30, 0, 3, 1000000, GBIT, MAX64,
		  4 * GIB, 0, SMRATE_CONTINUE },
		{ "limit saturates", 0, 30, 3, 3, 1000000, GBIT, MAX64,
		  MAX64, 0, SMRATE_CONTINUE },
		{ "limit saturates, factor max", 0, 30, ~0U, 3, 1000000, GBIT,
		  MAX64, 1ULL << 40, 0, SMRATE_CONTINUE },
		{ "zero guest memory", 0, 30, 3, 3, 1000000, GBIT, 1, 0, 0,
		  SMRATE_STOP_MAX_BYTES },
		/* max-rounds */
		{ "round 28 of 30", 0, 30, 3, 28, 1000000, GBIT, GIB, 4 * GIB, 0,
		  SMRATE_CONTINUE },
		{ "round 29 of 30", 0, 30, 3, 29, 1000000, GBIT, GIB, 4 * GIB, 0,
		  SMRATE_STOP_MAX_ROUNDS },
		{ "past the limit", 0, 30, 3, 100, 1000000, GBIT, GIB, 4 * GIB,
		  0, SMRATE_STOP_MAX_ROUNDS },
		{ "round 2^32-1", 0, ~0U, 3, ~0U, 1000000, GBIT, GIB, 4 * GIB, 0,
		  SMRATE_STOP_MAX_ROUNDS },
		{ "round 2^32-2 of 2^32-1", 0, ~0U, 3, ~0U - 1, 1000000, GBIT,
		  GIB, 4 * GIB, 0, SMRATE_STOP_MAX_ROUNDS },
		{ "round 2^32-3 of 2^32-1", 0, ~0U, 3, ~0U - 2, 1000000, GBIT,
		  GIB, 4 * GIB, 0, SMRATE_CONTINUE },
		{ "single round", 0, 1, 3, 0, 1000000, GBIT, GIB, 4 * GIB, 0,
		  SMRATE_STOP_MAX_ROUNDS },
		/* no-progress */
		{ "capped and growing", GBIT, 30, 3, 3, 1000000, GBIT, GIB,
		  4 * GIB, 900000, SMRATE_STOP_NO_PROGRESS },
		{ "capped and flat", GBIT, 30, 3, 3, 1000000, GBIT, GIB,
		  4 * GIB, 1000000, SMRATE_STOP_NO_PROGRESS },
		{ "capped and shrinking", GBIT, 30, 3, 3, 1000000, GBIT, GIB,
		  4 * GIB, 1000001, SMRATE_CONTINUE },
		{ "capped, prev unknown", GBIT, 30, 3, 3, 1000000, GBIT, GIB,
		  4 * GIB, 0, SMRATE_CONTINUE },
		{ "below cap, growing", 2 * GBIT, 30, 3, 3, 1000000, GBIT, GIB,
		  4 * GIB, 900000, SMRATE_CONTINUE },
		{ "unlimited, growing", 0, 30, 3, 3, 1000000, GBIT, GIB,
		  4 * GIB, 900000, SMRATE_CONTINUE },
		/* precedence: converged, max-bytes, max-rounds, no-progress */
		{ "converged beats all", GBIT, 30, 3, 29, 9155, GBIT,
		  13 * GIB, 4 * GIB, 9000, SMRATE_STOP_CONVERGED },
		{ "max-bytes beats rounds and progress", GBIT, 30, 3, 29,
		  1000000, GBIT, 13 * GIB, 4 * GIB, 900000,
		  SMRATE_STOP_MAX_BYTES },
		{ "max-rounds beats progress", GBIT, 30, 3, 29, 1000000, GBIT,
		  GIB, 4 * GIB, 900000, SMRATE_STOP_MAX_ROUNDS },
	};
	struct smrate_params p;
	struct smrate_progress g;
	unsigned int i;

	tap_test("should_stop: table");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum smrate_stop got;

		smrate_params_default(&p);
		p.shrink_pct = 0;	/* the downtime rule alone; see below */
		p.max_rate_bps = t[i].max_rate;
		p.max_rounds = t[i].max_rounds;
		p.max_bytes_factor = t[i].factor;
		g = progress(t[i].round, t[i].remaining, t[i].rate, t[i].sent,
			     t[i].mem, t[i].prev);
		got = smrate_should_stop(&p, &g);
		if (got != t[i].want)
			tap_fail(__FILE__, __LINE__, "%s: got %s, want %s",
				 t[i].what, smrate_stop_name(got),
				 smrate_stop_name(t[i].want));
	}

	/*
	 * Within the target, go on while a round shrinks the dirty set by at
	 * least shrink_pct percent (default 20), unless it is already small.
	 */
	tap_test("should_stop: shrinking within the target");
	{
		static const struct {
			const char *what;
			u64 remaining, prev;
			enum smrate_stop want;
		} sh[] = {
			{ "after round 0, previous unknown", 800, 0, SMRATE_CONTINUE },
			{ "shrank by half", 400, 800, SMRATE_CONTINUE },
			{ "shrank by exactly 20%", 640, 800, SMRATE_CONTINUE },
			{ "shrank by less than 20%", 641, 800, SMRATE_STOP_CONVERGED },
			{ "grew", 900, 800, SMRATE_STOP_CONVERGED },
			{ "small set", 64, 0, SMRATE_STOP_CONVERGED },
			{ "just above small", 65, 0, SMRATE_CONTINUE },
		};

		for (i = 0; i < sizeof(sh) / sizeof(sh[0]); i++) {
			enum smrate_stop got;

			smrate_params_default(&p);
			g = progress(1, sh[i].remaining, 1000ULL * 1000 * 1000, 0,
				     1ULL << 30, sh[i].prev);
			got = smrate_should_stop(&p, &g);
			if (got != sh[i].want)
				tap_fail(__FILE__, __LINE__, "%s: got %s, want %s",
					 sh[i].what, smrate_stop_name(got),
					 smrate_stop_name(sh[i].want));
		}
		smrate_params_default(&p);
		p.shrink_pct = 100;
		CHECK(smrate_params_check(&p) != 0);
	}

	tap_test("should_stop: names");
	CHECK(!strcmp(smrate_stop_name(SMRATE_CONTINUE), "continue"));
	CHECK(!strcmp(smrate_stop_name(SMRATE_STOP_CONVERGED), "converged"));
	CHECK(!strcmp(smrate_stop_name(SMRATE_STOP_MAX_BYTES), "max-bytes"));
	CHECK(!strcmp(smrate_stop_name(SMRATE_STOP_MAX_ROUNDS), "max-rounds"));
	CHECK(!strcmp(smrate_stop_name(SMRATE_STOP_NO_PROGRESS), "no-progress"));
	CHECK(!strcmp(smrate_stop_name(SMRATE_STOP_COUNT_), "unknown"));
	CHECK(!strcmp(smrate_stop_name((enum smrate_stop)-1), "unknown"));
	CHECK_EQ(SMRATE_CONTINUE, 0);
	CHECK_EQ(SMRATE_STOP_CONVERGED, 1);
	CHECK_EQ(SMRATE_STOP_MAX_BYTES, 2);
	CHECK_EQ(SMRATE_STOP_MAX_ROUNDS, 3);
	CHECK_EQ(SMRATE_STOP_NO_PROGRESS, 4);

	for (i = 0; i < 2; i++) {
		/* A 1 GiB guest dirtying 40 Mbit/s, then one at 200 Mbit/s. */
		static const u64 dirty_bps[2] = { 40 * MBIT, 200 * MBIT };
		static const enum smrate_stop want[2] = {
			SMRATE_STOP_CONVERGED, SMRATE_STOP_MAX_BYTES
		};
		u64 mem = GIB, sent = 0, rate, dur;
		u64 remaining = mem / 4096, prev;
		u32 round = 0;
		enum smrate_stop s;

		tap_test(i ? "should_stop: simulated fast dirtier hits max-bytes"
			   : "should_stop: simulated slow dirtier converges");
		smrate_params_default(&p);
		rate = smrate_round_rate(&p, 0, 0);
		for (;;) {
			sent += remaining * 4096;
			dur = smrate_predicted_downtime_ns(remaining, 4096, rate);
			prev = remaining;
			remaining = smrate_mul_div(dirty_bps[i] / 8 / 4096, dur, SEC);
			if (remaining > mem / 4096)
				remaining = mem / 4096;
			rate = smrate_round_rate(&p, round + 1,
				smrate_dirty_rate_bps(remaining, 4096, dur));
			g = progress(round, remaining, rate, sent, mem, prev);
			s = smrate_should_stop(&p, &g);
			if (s != SMRATE_CONTINUE || round > 1000)
				break;
			round++;
		}
		CHECK(s == want[i]);
		CHECK(round < 30);
		printf("# %s after round %u, %llu bytes sent, %llu pages left\n",
		       smrate_stop_name(s), round, (unsigned long long)sent,
		       (unsigned long long)remaining);
	}
}

/* ------------------------------------------------------------------ */

struct pace_step {
	u64 now, bytes, want;
};

static void run_pace(const char *what, u64 start, u64 rate, u64 burst,
		     const struct pace_step *s, unsigned int n)
{
	struct smrate_pacer pc;
	unsigned int i;

	smrate_pacer_start(&pc, start, rate);
	CHECK_U64(pc.burst_ns, SMRATE_PACER_BURST_NS);
	pc.burst_ns = burst;
	for (i = 0; i < n; i++) {
		u64 got = smrate_pace(&pc, s[i].now, s[i].bytes);

		if (got != s[i].want)
			tap_fail(__FILE__, __LINE__, "%s step %u: got %llu, want %llu",
				 what, i, (unsigned long long)got,
				 (unsigned long long)s[i].want);
	}
}

#define RUN_PACE(what, start, rate, burst, steps) \
	run_pace(what, start, rate, burst, steps, sizeof(steps) / sizeof(steps[0]))

static void test_pacer(void)
{
	const u64 B = SMRATE_PACER_BURST_NS;
	/* 8 Gbit/s = one byte per ns, so expected values are easy to read. */
	static const struct pace_step basic[] = {
		{ 1000, 1000, 1000 },	/* due at 2000 */
		{ 2000, 1000, 1000 },	/* due at 3000 */
		{ 3500, 0, 0 },		/* 500 ns behind: fine */
		{ 3500, 1000, 500 },	/* due at 4000 */
		{ 4000, 0, 0 },
	};
	static const struct pace_step still_clock[] = {
		{ 0, 100, 100 }, { 0, 100, 200 }, { 0, 100, 300 }, { 0, 0, 300 },
	};
	static const struct pace_step back_clock[] = {
		{ 500, 100, 100 },	/* before the start: no time passed */
		{ 0, 100, 200 },
		{ 1150, 0, 50 },
	};
	static const struct pace_step unlimited[] = {
		{ 0, 1000000, 0 }, { 0, MAX64, 0 }, { 5, MAX64, 0 },
	};
	static const struct pace_step burst[] = {
		{ 1 * SEC, 0, 0 },		/* 1 s idle: keep 100 ms */
		{ 1 * SEC, 200 * MS, 100 * MS },
		{ 1100 * MS, 0, 0 },
	};
	static const struct pace_step no_burst_limit[] = {
		{ 1 * SEC, 0, 0 },		/* 1 s idle: all kept */
		{ 1 * SEC, 200 * MS, 0 },
		{ 1 * SEC, 900 * MS, 100 * MS },
	};
	static const struct pace_step under_burst[] = {
		{ 50 * MS, 0, 0 },		/* 50 ms idle: all kept */
		{ 50 * MS, 60 * MS, 10 * MS },
	};
	static const struct pace_step huge_rate[] = {
		{ 0, 1000000000000ULL, 434 },	/* 1 TB at 2^64 bit/s */
		{ 434, 0, 0 },
	};
	static const struct pace_step tiny_rate[] = {
		{ 0, 1, 8 * SEC },		/* 1 bit/s */
		{ 8 * SEC, 0, 0 },
		{ 8 * SEC, 3000000000ULL, MAX64 - 8 * SEC },	/* 2.4e19 ns */
		{ 8 * SEC, MAX64, MAX64 - 8 * SEC },
	};
	static const struct pace_step end_of_time[] = {
		{ MAX64 - 10, 100, 10 },	/* due saturates */
	};
	/* 1 Mbit/s, 1 KiB batches: 8.192 ms each. */
	static const struct pace_step slow[] = {
		{ 0, 1024, 8192000 },
		{ 8192000, 1024, 8192000 },
		{ 16384000 + 1, 1024, 8191999 },
	};
	struct smrate_pacer pc;
	unsigned int i;

	tap_test("pacer: scripted sequences");
	RUN_PACE("basic", 1000, 8 * GBIT, B, basic);
	RUN_PACE("still clock", 0, 8 * GBIT, B, still_clock);
	RUN_PACE("backward clock", 1000, 8 * GBIT, B, back_clock);
	RUN_PACE("unlimited", 0, 0, B, unlimited);
	RUN_PACE("burst", 0, 8 * GBIT, B, burst);
	RUN_PACE("no burst limit", 0, 8 * GBIT, 0, no_burst_limit);
	RUN_PACE("under burst", 0, 8 * GBIT, B, under_burst);
	RUN_PACE("huge rate", 0, MAX64, B, huge_rate);
	RUN_PACE("tiny rate", 0, 1, B, tiny_rate);
	RUN_PACE("end of time", MAX64 - 20, 8 * GBIT, B, end_of_time);
	RUN_PACE("slow", 0, 1 * MBIT, B, slow);

	tap_test("pacer: start resets");
	smrate_pacer_start(&pc, 0, 8 * GBIT);
	CHECK_U64(smrate_pace(&pc, 0, 5000), 5000);
	smrate_pacer_start(&pc, 100, 8 * GBIT);
	CHECK_U64(pc.total_bytes, 0);
	CHECK_U64(smrate_pace(&pc, 100, 10), 10);
	CHECK_U64(pc.total_bytes, 10);

	tap_test("pacer: 10 hours at 100 Gbit/s");
	smrate_pacer_start(&pc, 0, 100 * GBIT);
	for (i = 0; i < 36000; i++) {
		/* 12.5 GB per simulated second, then sleep as told. */
		u64 got = smrate_pace(&pc, (u64)i * SEC, 12500000000ULL);

		if (got != SEC) {
			tap_fail(__FILE__, __LINE__, "second %u: sleep %llu",
				 i, (unsigned long long)got);
			break;
		}
	}
	CHECK_U64(pc.total_bytes, 450000000000000ULL);

	tap_test("pacer: obeying sleeps never exceeds the rate");
	for (i = 0; i < 200; i++) {
		u64 rate = (rng() % (100 * GBIT)) + 1;
		u64 start = rng_mag(), now, sent = 0;
		unsigned int k;

		if (start > MAX64 / 2)
			start >>= 2;
		now = start;
		smrate_pacer_start(&pc, start, rate);
		pc.burst_ns = 0;
		for (k = 0; k < 500; k++) {
			u64 batch = rng() % (1 << 20);
			u64 sleep;

			sent += batch;
			sleep = smrate_pace(&pc, now, batch);
			if (sleep > 1000 * SEC * 3600)	/* guard the clock */
				break;
			now += sleep + (rng() % 4 ? 0 : rng() % 1000);
			/* After the sleep, sent * 8e9 <= rate * elapsed. */
			if ((unsigned __int128)sent * 8 * SEC >
			    (unsigned __int128)rate * (now - start)) {
				tap_fail(__FILE__, __LINE__,
					 "ahead: %llu bytes in %llu ns at %llu",
					 (unsigned long long)sent,
					 (unsigned long long)(now - start),
					 (unsigned long long)rate);
				i = 200;
				break;
			}
		}
	}
}

/*
 * A round that the link, not the pacer, held back: the stop's time is
 * judged at what the link carried, and a set that does not shrink then
 * stops pre-copy, however high the pacer's rate could still go.
 */
static void test_link_bound(void)
{
	struct smrate_params p;
	struct smrate_progress g;

	tap_test("link_bps: what a round carried, unknown for small rounds");
	CHECK_U64(smrate_link_bps(SMRATE_LINK_MIN_BYTES - 1, SMRATE_NSEC_PER_SEC), 0);
	CHECK_U64(smrate_link_bps(SMRATE_LINK_MIN_BYTES, SMRATE_NSEC_PER_SEC), 8 << 20);
	CHECK_U64(smrate_link_bps(GIB, 0), 0);
	CHECK_U64(smrate_link_bps(MAX64, 1), MAX64);	/* saturates */

	tap_test("should_stop: a link-bound round");
	smrate_params_default(&p);	/* no max_rate_bps: the old rule never fires */
	/* The pacer asked 800 Mbit/s, the link carried 11.2 (1.4 MB/s). */
	g = progress(3, 9000, 800 * MBIT, GIB, GIB, 8000);
	g.link_bps = 11200000;
	CHECK_EQ(smrate_should_stop(&p, &g), SMRATE_STOP_NO_PROGRESS);
	g.remaining_dirty_pages = 7000;		/* shrinking: go on */
	CHECK_EQ(smrate_should_stop(&p, &g), SMRATE_CONTINUE);
	g.remaining_dirty_pages = 9000;
	g.prev_dirty_pages = 0;			/* unknown: go on */
	CHECK_EQ(smrate_should_stop(&p, &g), SMRATE_CONTINUE);
	g.prev_dirty_pages = 8000;
	g.link_bps = 600 * MBIT;		/* three quarters: not link-bound */
	CHECK_EQ(smrate_should_stop(&p, &g), SMRATE_CONTINUE);
	g.link_bps = 600 * MBIT - 1;
	CHECK_EQ(smrate_should_stop(&p, &g), SMRATE_STOP_NO_PROGRESS);
	g.link_bps = 0;				/* unknown: the pacer's rate */
	CHECK_EQ(smrate_should_stop(&p, &g), SMRATE_CONTINUE);

	tap_test("should_stop: the downtime judged at what the link carried");
	p.shrink_pct = 0;
	/* 100 pages at 11.2 Mbit/s: 292.6 ms, under 300; 120: 351 ms, over. */
	g = progress(3, 100, 800 * MBIT, GIB, GIB, 0);
	g.link_bps = 11200000;
	CHECK_EQ(smrate_should_stop(&p, &g), SMRATE_STOP_CONVERGED);
	g.remaining_dirty_pages = 120;
	CHECK_EQ(smrate_should_stop(&p, &g), SMRATE_CONTINUE);
	g.link_bps = 0;				/* at 800 Mbit/s it would fit */
	CHECK_EQ(smrate_should_stop(&p, &g), SMRATE_STOP_CONVERGED);
}

int main(void)
{
	test_mul_div();
	test_params();
	test_round_rate();
	test_dirty_rate();
	test_ewma();
	test_downtime();
	test_should_stop();
	test_link_bound();
	test_pacer();
	return tap_done();
}
