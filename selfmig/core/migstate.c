// SPDX-License-Identifier: GPL-2.0
/*
 * The migration states, the transitions allowed between them, and the way
 * back to idle.
 *
 * Every way a migration ends passes through exactly one outcome, RESUMED
 * or FAILED, and then IDLE: a success with a freeze (from SUSPENDED), a
 * success with pre-copy only (from STOPPING), and a failure or an abort in
 * any state a migration runs in.
 */
#include "migstate.h"

static const char * const selfmig_state_names[SELFMIG_NR_STATES] = {
	[SELFMIG_IDLE]		= "idle",
	[SELFMIG_NOTIFIED]	= "notified",
	[SELFMIG_PRECOPY]	= "precopy",
	[SELFMIG_STOPPING]	= "stopping",
	[SELFMIG_SUSPENDED]	= "suspended",
	[SELFMIG_RESUMED]	= "resumed",
	[SELFMIG_FAILED]	= "failed",
};

/* allowed[from] is a bit mask of the states that may follow @from. */
#define S(x) (1U << SELFMIG_##x)
static const u32 selfmig_allowed[SELFMIG_NR_STATES] = {
	[SELFMIG_IDLE]		= S(NOTIFIED) | S(PRECOPY),
	[SELFMIG_NOTIFIED]	= S(PRECOPY) | S(FAILED) | S(IDLE),
	[SELFMIG_PRECOPY]	= S(STOPPING) | S(FAILED),
	[SELFMIG_STOPPING]	= S(SUSPENDED) | S(RESUMED) | S(FAILED),
	[SELFMIG_SUSPENDED]	= S(RESUMED) | S(FAILED),
	[SELFMIG_RESUMED]	= S(IDLE),
	[SELFMIG_FAILED]	= S(IDLE),
};

#undef S

const char *selfmig_state_name(enum selfmig_state s)
{
	if ((unsigned int)s >= SELFMIG_NR_STATES)
		return "invalid";
	return selfmig_state_names[s];
}

int selfmig_state_allowed(enum selfmig_state from, enum selfmig_state to)
{
	if ((unsigned int)from >= SELFMIG_NR_STATES ||
	    (unsigned int)to >= SELFMIG_NR_STATES)
		return 0;
	return (selfmig_allowed[from] >> to) & 1;
}

enum selfmig_state selfmig_state_ending(enum selfmig_state s, int failed)
{
	switch (s) {
	case SELFMIG_NOTIFIED:
		return failed ? SELFMIG_FAILED : SELFMIG_IDLE;
	case SELFMIG_PRECOPY:
		return SELFMIG_FAILED;
	case SELFMIG_STOPPING:
	case SELFMIG_SUSPENDED:
		return failed ? SELFMIG_FAILED : SELFMIG_RESUMED;
	default:
		return SELFMIG_IDLE;
	}
}

int selfmig_state_end_walk(enum selfmig_state *s, int failed)
{
	enum selfmig_state next;
	int steps;

	/* No walk is longer than the number of states. */
	for (steps = 0; *s != SELFMIG_IDLE; steps++) {
		next = selfmig_state_ending(*s, failed);
		if (steps >= SELFMIG_NR_STATES || !selfmig_state_allowed(*s, next))
			return -EINVAL;
		*s = next;
	}
	return 0;
}

int selfmig_state_abort(enum selfmig_state s, const char **why)
{
	const char *w;
	int ret;

	switch (s) {
	case SELFMIG_NOTIFIED:
	case SELFMIG_PRECOPY:
	case SELFMIG_STOPPING:
		w = "the migration stops, and the guest runs on here";
		ret = 0;
		break;
	case SELFMIG_IDLE:
		w = "no migration is under way";
		ret = -ESRCH;
		break;
	case SELFMIG_SUSPENDED:
		w = "the freeze has begun: only dom0 can stop it now";
		ret = -EBUSY;
		break;
	case SELFMIG_RESUMED:
		w = "the migration has already ended well";
		ret = -EALREADY;
		break;
	case SELFMIG_FAILED:
		w = "the migration has already failed";
		ret = -EALREADY;
		break;
	default:
		w = "not a state";
		ret = -EINVAL;
		break;
	}
	if (why)
		*why = w;
	return ret;
}
