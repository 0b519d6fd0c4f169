// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the guest module's migration states (core/migstate.c): the
 * names sysfs shows; every pair of states, allowed or refused, against the
 * table written out here by hand; and every way a migration ends: with a
 * freeze or pre-copy only, failed or aborted in any state it runs in, each
 * reaches idle through allowed transitions, and a new migration may start;
 * and where an abort is honoured, and what it answers where it is not.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "migstate.h"

#define NR	SELFMIG_NR_STATES

/* Values that are not states: the end marker, past it, and negative. */
static const int not_states[] = { SELFMIG_NR_STATES, SELFMIG_NR_STATES + 1, 64, -1 };

/*
 * The intended table, one row per state: its documented name, and the
 * states that may follow it, by their first letters (I N P S U R F; U for
 * suspended, S for stopping).
 */
static const struct {
	const char *name, *follows;
} states[NR] = {
	[SELFMIG_IDLE]		= { "idle", "NP" },
	[SELFMIG_NOTIFIED]	= { "notified", "PFI" },
	[SELFMIG_PRECOPY]	= { "precopy", "SF" },
	[SELFMIG_STOPPING]	= { "stopping", "URF" },
	[SELFMIG_SUSPENDED]	= { "suspended", "RF" },
	[SELFMIG_RESUMED]	= { "resumed", "I" },
	[SELFMIG_FAILED]	= { "failed", "I" },
};

static void test_names(void)
{
	size_t i;
	int s;

	tap_test("each state has its documented name");
	for (s = 0; s < NR; s++) {
		const char *n = selfmig_state_name(s);

		CHECK(n && states[s].name && !strcmp(n, states[s].name));
	}
	tap_test("a value that is not a state is named invalid");
	for (i = 0; i < sizeof(not_states) / sizeof(not_states[0]); i++)
		CHECK(!strcmp(selfmig_state_name(not_states[i]), "invalid"));
}

static int letter_state(char c)
{
	static const char letters[] = "INPSURF";
	const char *p = strchr(letters, c);

	return p && c ? (int)(p - letters) : -1;
}

static int want_allowed(int from, int to)
{
	const char *p;

	for (p = states[from].follows; *p; p++)
		if (letter_state(*p) == to)
			return 1;
	return 0;
}

static void test_table(void)
{
	size_t i;
	int from, to;

	tap_test("the expected table names only states");
	for (from = 0; from < NR; from++) {
		const char *p;

		CHECK(states[from].follows != NULL);
		for (p = states[from].follows; p && *p; p++)
			CHECK(letter_state(*p) >= 0);
	}

	tap_test("every transition between two states is allowed or refused as intended");
	for (from = 0; from < NR; from++)
		for (to = 0; to < NR; to++)
			if (selfmig_state_allowed(from, to) != want_allowed(from, to))
				tap_fail(__FILE__, __LINE__, "%s -> %s: %s, want %s",
					 selfmig_state_name(from), selfmig_state_name(to),
					 selfmig_state_allowed(from, to) ? "allowed" : "refused",
					 want_allowed(from, to) ? "allowed" : "refused");

	tap_test("no state may follow itself");
	for (from = 0; from < NR; from++)
		CHECK(!selfmig_state_allowed(from, from));

	tap_test("a value that is not a state neither leaves nor enters any");
	for (i = 0; i < sizeof(not_states) / sizeof(not_states[0]); i++) {
		for (to = 0; to < NR; to++) {
			CHECK(!selfmig_state_allowed(not_states[i], to));
			CHECK(!selfmig_state_allowed(to, not_states[i]));
		}
		CHECK(!selfmig_state_allowed(not_states[i], not_states[i]));
	}
}

/* Follow a path of states; 1 if every step is allowed. */
static int path_allowed(const enum selfmig_state *p, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (!selfmig_state_allowed(p[i - 1], p[i])) {
			printf("# %s -> %s refused\n", selfmig_state_name(p[i - 1]),
			       selfmig_state_name(p[i]));
			return 0;
		}
	return 1;
}

/* End a migration in @s as the module does: its outcome, then idle. */
static void check_end(enum selfmig_state s, int failed, enum selfmig_state outcome)
{
	enum selfmig_state w = s;

	if (selfmig_state_ending(s, failed) != outcome)
		tap_fail(__FILE__, __LINE__, "%s, failed %d: ends in %s, want %s",
			 selfmig_state_name(s), failed,
			 selfmig_state_name(selfmig_state_ending(s, failed)),
			 selfmig_state_name(outcome));
	CHECK(selfmig_state_allowed(s, outcome));
	CHECK_EQ(selfmig_state_end_walk(&w, failed), 0);
	CHECK_EQ(w, SELFMIG_IDLE);
	/* The next migration may start from there. */
	CHECK(selfmig_state_allowed(w, SELFMIG_PRECOPY));
}

static void test_endings(void)
{
	static const enum selfmig_state freeze[] = {
		SELFMIG_IDLE, SELFMIG_PRECOPY, SELFMIG_STOPPING, SELFMIG_SUSPENDED,
		SELFMIG_RESUMED, SELFMIG_IDLE, SELFMIG_PRECOPY,
	};
	static const enum selfmig_state precopy_only[] = {
		SELFMIG_IDLE, SELFMIG_PRECOPY, SELFMIG_STOPPING, SELFMIG_RESUMED,
		SELFMIG_IDLE, SELFMIG_PRECOPY,
	};
	static const enum selfmig_state running[] = {
		SELFMIG_NOTIFIED, SELFMIG_PRECOPY, SELFMIG_STOPPING, SELFMIG_SUSPENDED,
	};
	enum selfmig_state w;
	size_t i;
	int s, failed;

	tap_test("a migration with a freeze that succeeds ends in idle, and another starts");
	CHECK(path_allowed(freeze, sizeof(freeze) / sizeof(freeze[0])));
	check_end(SELFMIG_SUSPENDED, 0, SELFMIG_RESUMED);

	tap_test("a pre-copy only (verify=0) that succeeds ends in idle, and another starts");
	CHECK(path_allowed(precopy_only, sizeof(precopy_only) / sizeof(precopy_only[0])));
	check_end(SELFMIG_STOPPING, 0, SELFMIG_RESUMED);

	tap_test("a migration that fails or is aborted in any state it runs in passes through failed to idle");
	for (i = 0; i < sizeof(running) / sizeof(running[0]); i++)
		check_end(running[i], 1, SELFMIG_FAILED);

	tap_test("pre-copy cannot end well: it ends as failed");
	check_end(SELFMIG_PRECOPY, 0, SELFMIG_FAILED);

	tap_test("a notice with no migration after it goes back to idle");
	check_end(SELFMIG_NOTIFIED, 0, SELFMIG_IDLE);

	tap_test("an outcome is followed by idle, and idle by itself");
	for (failed = 0; failed <= 1; failed++) {
		check_end(SELFMIG_RESUMED, failed, SELFMIG_IDLE);
		check_end(SELFMIG_FAILED, failed, SELFMIG_IDLE);
		CHECK_EQ(selfmig_state_ending(SELFMIG_IDLE, failed), SELFMIG_IDLE);
		w = SELFMIG_IDLE;
		CHECK_EQ(selfmig_state_end_walk(&w, failed), 0);
		CHECK_EQ(w, SELFMIG_IDLE);
	}

	tap_test("from every state, ending reaches idle in at most two allowed steps");
	for (s = 0; s < NR; s++)
		for (failed = 0; failed <= 1; failed++) {
			enum selfmig_state a = selfmig_state_ending(s, failed);
			enum selfmig_state b = selfmig_state_ending(a, failed);

			if (s != SELFMIG_IDLE)
				CHECK(selfmig_state_allowed(s, a));
			if (a != SELFMIG_IDLE)
				CHECK(selfmig_state_allowed(a, b));
			CHECK_EQ(b, SELFMIG_IDLE);
		}

	tap_test("a value that is not a state cannot be ended");
	for (i = 0; i < sizeof(not_states) / sizeof(not_states[0]); i++) {
		w = not_states[i];
		CHECK_EQ(selfmig_state_end_walk(&w, 1), -EINVAL);
		CHECK(w == (enum selfmig_state)not_states[i]);
	}
}

/*
 * Grow set until it holds every state that allowed transitions lead to from
 * it (forward), or every state from which they lead into it (backward).
 */
static void grow(int set[NR], int forward)
{
	int from, to, changed;
	int *have, *add;

	do {
		changed = 0;
		for (from = 0; from < NR; from++)
			for (to = 0; to < NR; to++) {
				have = forward ? &set[from] : &set[to];
				add = forward ? &set[to] : &set[from];
				if (*have && !*add && selfmig_state_allowed(from, to))
					*add = changed = 1;
			}
	} while (changed);
}

/* Every state reachable from idle through allowed transitions can reach idle. */
static void test_no_trap(void)
{
	int reach[NR] = { 0 }, back[NR] = { 0 };
	int s;

	tap_test("no state reachable from idle is a trap");
	reach[SELFMIG_IDLE] = 1;
	grow(reach, 1);
	back[SELFMIG_IDLE] = 1;
	grow(back, 0);
	for (s = 0; s < NR; s++) {
		CHECK(reach[s]);
		if (reach[s] && !back[s])
			tap_fail(__FILE__, __LINE__, "%s cannot reach idle",
				 selfmig_state_name(s));
	}
}

static void test_abort(void)
{
	static const struct {
		enum selfmig_state s;
		int want;
	} cases[] = {
		{ SELFMIG_IDLE, -ESRCH },
		{ SELFMIG_NOTIFIED, 0 },
		{ SELFMIG_PRECOPY, 0 },
		{ SELFMIG_STOPPING, 0 },
		{ SELFMIG_SUSPENDED, -EBUSY },
		{ SELFMIG_RESUMED, -EALREADY },
		{ SELFMIG_FAILED, -EALREADY },
	};
	const char *why;
	size_t i;
	int s;

	tap_test("an abort is honoured until the freeze, and answered by state after it");
	CHECK_EQ(sizeof(cases) / sizeof(cases[0]), NR);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = selfmig_state_abort(cases[i].s, NULL);

		if (got != cases[i].want)
			tap_fail(__FILE__, __LINE__, "abort in %s: %d, want %d",
				 selfmig_state_name(cases[i].s), got, cases[i].want);
	}

	tap_test("an honoured abort can end the migration as failed, then idle");
	for (s = 0; s < NR; s++) {
		enum selfmig_state w = s;

		if (selfmig_state_abort(s, NULL))
			continue;
		CHECK_EQ(selfmig_state_ending(s, 1), SELFMIG_FAILED);
		CHECK(selfmig_state_allowed(s, SELFMIG_FAILED));
		CHECK_EQ(selfmig_state_end_walk(&w, 1), 0);
		CHECK_EQ(w, SELFMIG_IDLE);
	}

	tap_test("every answer comes with its reason");
	for (s = 0; s < NR; s++) {
		why = NULL;
		selfmig_state_abort(s, &why);
		CHECK(why && why[0]);
	}

	tap_test("an abort in a value that is not a state is refused");
	for (i = 0; i < sizeof(not_states) / sizeof(not_states[0]); i++) {
		why = NULL;
		CHECK_EQ(selfmig_state_abort(not_states[i], &why), -EINVAL);
		CHECK(why && why[0]);
	}
}

int main(void)
{
	test_names();
	test_table();
	test_endings();
	test_no_trap();
	test_abort();
	return tap_done();
}
