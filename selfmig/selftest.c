// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel self-tests, run at load time with selfmig.selftest=1.  Output is
 * TAP (version 13) on the kernel log, one line per case, ending with a
 * greppable "selfmig: self-tests: pass" or "... FAIL".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/gfp.h>
#include <linux/pgtable.h>
#include <linux/err.h>

#include "selfmig.h"
#include "wire.h"

struct selfmig_selftest {
	const char *name;
	bool (*fn)(void);
};

static bool selftest_state_table(void)
{
	static const struct {
		enum selfmig_state from, to;
		bool ok;
	} cases[] = {
		{ SELFMIG_IDLE, SELFMIG_PRECOPY, true },
		{ SELFMIG_IDLE, SELFMIG_SUSPENDED, false },
		{ SELFMIG_PRECOPY, SELFMIG_STOPPING, true },
		{ SELFMIG_PRECOPY, SELFMIG_IDLE, false },
		{ SELFMIG_STOPPING, SELFMIG_SUSPENDED, true },
		{ SELFMIG_SUSPENDED, SELFMIG_RESUMED, true },
		{ SELFMIG_SUSPENDED, SELFMIG_FAILED, true },
		{ SELFMIG_RESUMED, SELFMIG_IDLE, true },
		{ SELFMIG_FAILED, SELFMIG_PRECOPY, false },
		{ SELFMIG_NR_STATES, SELFMIG_IDLE, false },
		{ SELFMIG_IDLE, SELFMIG_NR_STATES, false },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (selfmig_state_allowed(cases[i].from, cases[i].to) !=
		    cases[i].ok) {
			pr_err("# state %s -> %s: want %d\n",
			       selfmig_state_name(cases[i].from),
			       selfmig_state_name(cases[i].to), cases[i].ok);
			return false;
		}
	}
	return true;
}

static bool selftest_state_names(void)
{
	int s;

	for (s = 0; s < SELFMIG_NR_STATES; s++)
		if (!selfmig_state_name(s) ||
		    !strcmp(selfmig_state_name(s), "invalid"))
			return false;
	return !strcmp(selfmig_state_name(SELFMIG_NR_STATES), "invalid");
}

/*
 * A failure's cause: an errno as %pe prints it, the wire encoder's codes,
 * which are not errnos, by their own names and never as the errno of the
 * same number (SMW_E_BAD_COUNT is 17, EEXIST's number).
 */
static bool selftest_fail_cause(void)
{
	char got[48], errno_form[48];

	selfmig_fail_cause(got, sizeof(got), -ECONNRESET, 0);
	snprintf(errno_form, sizeof(errno_form), "%pe", ERR_PTR(-ECONNRESET));
	if (strcmp(got, errno_form)) {
		pr_err("# cause of -ECONNRESET: '%s', want '%s'\n", got, errno_form);
		return false;
	}
	selfmig_fail_cause(got, sizeof(got), -EPROTO, -SMW_E_BAD_COUNT);
	if (strcmp(got, "wire bad_count")) {
		pr_err("# cause of wire code %d: '%s', want 'wire bad_count'\n",
		       SMW_E_BAD_COUNT, got);
		return false;
	}
	return true;
}

static bool selftest_guest_type(void)
{
	const char *t = selfmig_platform()->name;

	return t && t[0];
}

/*
 * A kernel leaf table's canonical form: accessed in every present entry,
 * dirty in every present writable one, nothing else touched (a swap-like
 * non-present entry keeps bits 5 and 6 as they are).
 */
static bool selftest_canon_table(void)
{
	unsigned long *e = (unsigned long *)__get_free_page(GFP_KERNEL);
	const unsigned long rw = _PAGE_PRESENT | _PAGE_RW | _PAGE_NX;
	const unsigned long ro = _PAGE_PRESENT | _PAGE_ACCESSED;
	const unsigned long np = _PAGE_ACCESSED | (0x1234UL << PAGE_SHIFT);
	bool ok;
	int i;

	if (!e)
		return false;
	for (i = 0; i < PTRS_PER_PTE; i++)
		e[i] = (unsigned long)i << PAGE_SHIFT;	/* not present */
	e[1] = rw | (7UL << PAGE_SHIFT);
	e[2] = ro | (8UL << PAGE_SHIFT);
	e[3] = np;
	e[4] = rw | _PAGE_ACCESSED | _PAGE_DIRTY | (9UL << PAGE_SHIFT);
	selfmig_tracker_canon_table(e);
	ok = e[0] == 0 &&
	     e[1] == (rw | _PAGE_ACCESSED | _PAGE_DIRTY | (7UL << PAGE_SHIFT)) &&
	     e[2] == (ro | (8UL << PAGE_SHIFT)) &&
	     e[3] == np &&
	     e[4] == (rw | _PAGE_ACCESSED | _PAGE_DIRTY | (9UL << PAGE_SHIFT)) &&
	     e[5] == 5UL << PAGE_SHIFT;
	free_page((unsigned long)e);
	return ok;
}

static const struct selfmig_selftest selfmig_selftests[] = {
	{ "state transition table", selftest_state_table },
	{ "state names", selftest_state_names },
	{ "failure causes: errnos and wire codes by name", selftest_fail_cause },
	{ "guest type is known", selftest_guest_type },
	{ "kernel leaf table canonical form", selftest_canon_table },
};

int selfmig_selftest_run(void)
{
	int i, failed = 0;

	pr_info("TAP version 13\n");
	pr_info("1..%zu\n", ARRAY_SIZE(selfmig_selftests));
	for (i = 0; i < ARRAY_SIZE(selfmig_selftests); i++) {
		bool ok = selfmig_selftests[i].fn();

		pr_info("%s %d - %s\n", ok ? "ok" : "not ok", i + 1,
			selfmig_selftests[i].name);
		failed += !ok;
	}
	pr_info("self-tests: %s\n", failed ? "FAIL" : "pass");
	return failed ? -EINVAL : 0;
}
