/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The life cycle of one migration as the guest module sees it: the states,
 * the transitions allowed between them, and how a migration that ends
 * steps back to idle.
 *
 * Shared by the guest module, where selfmig/state.c keeps the current state
 * and refuses every transition this table does not list, and the userspace
 * unit tests, which check the table exhaustively (tests/unit/test_migstate.c).
 */
#ifndef SELFMIG_CORE_MIGSTATE_H
#define SELFMIG_CORE_MIGSTATE_H

#include "compat.h"

/*
 * One state for the whole guest: there is at most one migration of a guest
 * at a time.  The names are the values of /sys/kernel/selfmig/state
 * (docs/interface.md).
 */
enum selfmig_state {
	SELFMIG_IDLE,		/* nothing under way */
	SELFMIG_NOTIFIED,	/* a relocation notice was accepted */
	SELFMIG_PRECOPY,	/* pre-copy rounds are running */
	SELFMIG_STOPPING,	/* stop condition met, the last round is queued */
	SELFMIG_SUSPENDED,	/* inside the Xen suspend path */
	SELFMIG_RESUMED,	/* ended well: new domain, cancelled freeze, pre-copy only */
	SELFMIG_FAILED,		/* failed or aborted; the guest runs on where it was */
	SELFMIG_NR_STATES,
};

/* The state's name; "invalid" for a value that is not a state. */
const char *selfmig_state_name(enum selfmig_state s);

/* 1 if @to may follow @from, else 0 (also for values that are not states). */
int selfmig_state_allowed(enum selfmig_state from, enum selfmig_state to);

/*
 * The state that follows @s when the migration in it ends, @failed (it
 * failed or was aborted) or not.  A migration under way ends in one step
 * in its outcome: FAILED, or RESUMED once it stopped (pre-copy that cannot
 * stop cannot end well: FAILED); a notice with no migration after it goes
 * back to IDLE.  The outcomes are followed by IDLE, and IDLE by itself.
 * A value that is not a state gives IDLE, which the table refuses after it.
 */
enum selfmig_state selfmig_state_ending(enum selfmig_state s, int failed);

/*
 * End the migration in *@s: step it with selfmig_state_ending() until it is
 * IDLE, from which the next migration may start.  Return: 0, or -EINVAL
 * when the table refuses a step; *@s is then the last state reached.
 */
int selfmig_state_end_walk(enum selfmig_state *s, int failed);

/*
 * Whether an abort is honoured in state @s: while a migration can still be
 * stopped and the guest go on where it is (notified, precopy, stopping),
 * not once the freeze has begun or the migration has ended.  *@why, when
 * @why is not NULL, says what happens or why not, for the kernel log.
 *
 * Return: 0 when honoured; -ESRCH in idle (no migration); -EBUSY in
 * suspended (dom0 decides now); -EALREADY in resumed and failed (ended);
 * -EINVAL for a value that is not a state.
 */
int selfmig_state_abort(enum selfmig_state s, const char **why);

#endif /* SELFMIG_CORE_MIGSTATE_H */
