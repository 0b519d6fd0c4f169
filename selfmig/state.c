// SPDX-License-Identifier: GPL-2.0
/*
 * The migration state machine.  One state for the whole guest: there is at
 * most one migration of a guest at a time.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/spinlock.h>

#include "selfmig.h"

static DEFINE_SPINLOCK(selfmig_state_lock);
static enum selfmig_state selfmig_cur_state = SELFMIG_IDLE;

static const char * const selfmig_state_names[SELFMIG_NR_STATES] = {
	[SELFMIG_IDLE]		= "idle",
	[SELFMIG_NOTIFIED]	= "notified",
	[SELFMIG_PRECOPY]	= "precopy",
	[SELFMIG_STOPPING]	= "stopping",
	[SELFMIG_SUSPENDED]	= "suspended",
	[SELFMIG_RESUMED]	= "resumed",
	[SELFMIG_FAILED]	= "failed",
};

/* allowed[from] is a bit mask of the states reachable from @from. */
#define S(x) BIT(SELFMIG_##x)
static const unsigned long selfmig_allowed[SELFMIG_NR_STATES] = {
	[SELFMIG_IDLE]		= S(NOTIFIED) | S(PRECOPY),
	[SELFMIG_NOTIFIED]	= S(PRECOPY) | S(FAILED) | S(IDLE),
	[SELFMIG_PRECOPY]	= S(STOPPING) | S(FAILED),
	[SELFMIG_STOPPING]	= S(SUSPENDED) | S(FAILED),
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

bool selfmig_state_allowed(enum selfmig_state from, enum selfmig_state to)
{
	if ((unsigned int)from >= SELFMIG_NR_STATES ||
	    (unsigned int)to >= SELFMIG_NR_STATES)
		return false;
	return selfmig_allowed[from] & BIT(to);
}

enum selfmig_state selfmig_state_get(void)
{
	return READ_ONCE(selfmig_cur_state);
}

/**
 * selfmig_state_set() - move the guest's migration to a new state
 * @to: the state to enter
 *
 * Return: 0, or -EINVAL when @to cannot follow the current state (the state
 * is then left as it was).
 */
int selfmig_state_set(enum selfmig_state to)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&selfmig_state_lock, flags);
	if (selfmig_state_allowed(selfmig_cur_state, to))
		WRITE_ONCE(selfmig_cur_state, to);
	else
		ret = -EINVAL;
	spin_unlock_irqrestore(&selfmig_state_lock, flags);
	return ret;
}
