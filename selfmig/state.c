// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's current migration state.  The states and the transitions
 * allowed between them are in core/migstate.c.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/spinlock.h>

#include "selfmig.h"

static DEFINE_SPINLOCK(selfmig_state_lock);
static enum selfmig_state selfmig_cur_state = SELFMIG_IDLE;

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

/**
 * selfmig_state_end() - end the migration: step the state back to idle
 * @failed: the migration failed or was aborted
 *
 * Each step is one the table allows (core/migstate.c); the unit tests walk
 * every state this way.
 *
 * Return: 0, or -EINVAL when the table refuses a step, which is a bug: the
 * state then stays at the last one reached, and no migration can start.
 */
int selfmig_state_end(bool failed)
{
	enum selfmig_state s, from;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&selfmig_state_lock, flags);
	from = selfmig_cur_state;
	s = from;
	ret = selfmig_state_end_walk(&s, failed);
	WRITE_ONCE(selfmig_cur_state, s);
	spin_unlock_irqrestore(&selfmig_state_lock, flags);
	WARN(ret, "selfmig: a migration in state %s cannot end: stuck in %s\n",
	     selfmig_state_name(from), selfmig_state_name(s));
	return ret;
}
