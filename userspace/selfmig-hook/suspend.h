/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiting for a guest to suspend, and what to do when it has not by the
 * deadline (suspend.c).  The hypervisor and xenstore come in through struct
 * hk_dom_ops, so that the rules run in unit tests against a scripted guest;
 * hook_xen.c has the real operations.
 *
 * A suspend is asked for by writing "suspend" to the guest's
 * control/shutdown: dom0 writes it for `migrate` and `save --suspend`, the
 * guest's own module for `self`.  The guest's kernel takes the request by
 * writing "" back in the xenstore transaction in which it read it, and from
 * then on it suspends whatever dom0 does.  So a request that was not
 * answered in time cannot simply be given up, or a guest that was already on
 * its way suspends a moment later and nobody resumes it.  Instead:
 *
 *  1. the request is withdrawn in a transaction: if control/shutdown still
 *     says "suspend", it becomes "" and the guest will never act on it
 *     (a node that is absent holds no request either);
 *  2. a guest that is suspended by then is resumed, its suspend cancelled;
 *  3. a guest that had taken the request is watched for grace_ms more, and
 *     resumed if it suspends;
 *  4. otherwise nobody can tell whether it will still suspend: the outcome
 *     says so, and the caller must say so loudly.
 *
 * Every outcome but HK_SUSP_DONE comes with one sentence in msg that names
 * the domain; for HK_SUSP_UNKNOWN and HK_SUSP_LOST it says what the
 * operator must check.
 */
#ifndef SELFMIG_HOOK_SUSPEND_H
#define SELFMIG_HOOK_SUSPEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hk_dom_state {
	HK_DOM_RUNNING,
	HK_DOM_SUSPENDED,	/* shut down with reason suspend */
	HK_DOM_GONE,		/* vanished, dying, or shut down for another reason */
};

enum hk_withdraw {
	HK_WITHDRAWN,		/* the request was still pending and is no more */
	HK_TAKEN,		/* the guest had taken it (or it was never ours) */
	HK_WITHDRAW_FAILED,	/* xenstore did not answer: as taken */
};

struct hk_dom_ops {
	void *ctx;
	uint32_t domid;
	const char *name;	/* the domain's name, for messages; NULL: none */
	/* enum hk_dom_state; err says why for HK_DOM_GONE. */
	int (*state)(void *ctx, char *err, size_t errlen);
	/* Withdraw a pending request to suspend: enum hk_withdraw. */
	int (*withdraw)(void *ctx);
	/* Resume the suspended domain with its suspend cancelled: 0 or -1. */
	int (*resume)(void *ctx, char *err, size_t errlen);
	uint64_t (*now_ms)(void *ctx);
	void (*nap_ms)(void *ctx, unsigned int ms);
};

enum hk_susp {
	HK_SUSP_DONE,		/* suspended within the deadline; nothing resumed */
	HK_SUSP_RUNS,		/* it did not suspend and will not: it runs on */
	HK_SUSP_RESUMED,	/* it suspended late and was resumed: it runs on */
	HK_SUSP_UNKNOWN,	/* it took the request and has not suspended: it may */
	HK_SUSP_LOST,		/* gone, crashed, or it could not be resumed */
};

/* How often the state is looked at while waiting. */
#define HK_SUSPEND_POLL_MS	20u
/* How long a guest that took the request is watched after the deadline. */
#define HK_SUSPEND_GRACE_MS	60000u

/*
 * Wait up to wait_ms (0: look once) for the domain to be suspended; if it
 * is not by then, hk_settle_suspend().
 */
enum hk_susp hk_await_suspend(const struct hk_dom_ops *o, unsigned int wait_ms,
			      unsigned int grace_ms, char *msg, size_t msglen);

/* The deadline has passed: steps 1 to 4 above. */
enum hk_susp hk_settle_suspend(const struct hk_dom_ops *o, unsigned int grace_ms,
			       char *msg, size_t msglen);

/* Whether the guest runs on, for certain, after this outcome. */
bool hk_susp_runs_on(enum hk_susp s);

/* "domain 7 ('vm1')", or "domain 7" without a name. */
void hk_dom_label(char *buf, size_t len, uint32_t domid, const char *name);

#endif /* SELFMIG_HOOK_SUSPEND_H */
