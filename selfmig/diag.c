// SPDX-License-Identifier: GPL-2.0
/*
 * Diagnostics for the testbed: run the dirty tracker alone, with no page
 * stream and no network traffic, to tell its effect on the machine apart
 * from the sender's (docs/testbed.md).
 *
 *   echo SECONDS > /sys/module/selfmig/parameters/scan_test
 *
 * scans every scan_test_ms (100 ms by default) for SECONDS in a kernel
 * thread, then logs how many scans ran and how many frames they found
 * written.  scan_mask and user_wp choose what a scan does, as for a
 * migration.  It refuses to start while a migration runs (the tracker is the
 * migration's then); make bench uses it to measure what tracking costs a
 * program that writes memory (docs/bench.md).
 */
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/capability.h>

#include "selfmig.h"

static unsigned int scan_test_ms = 100;
module_param(scan_test_ms, uint, 0644);
MODULE_PARM_DESC(scan_test_ms, "Diagnostic: scan_test's interval between scans, ms (default 100)");

static int scan_test_fn(void *data)
{
	unsigned long secs = (unsigned long)data;
	unsigned long end = jiffies + secs * HZ, scans = 0, found = 0;
	struct selfmig_tracker *t;

	t = selfmig_tracker_start(selfmig_ram_end_pfn());
	if (IS_ERR_OR_NULL(t)) {
		pr_err("scan test: cannot start the tracker\n");
		return 0;
	}
	while (time_before(jiffies, end)) {
		found += selfmig_tracker_scan(t);
		bitmap_zero(t->pending, t->nr_pfns);
		scans++;
		msleep(clamp_val(READ_ONCE(scan_test_ms), 1, 60000));
	}
	selfmig_tracker_stop(t);
	pr_info("scan test: %lu scans in %lu s, %lu frames found written\n",
		scans, secs, found);
	return 0;
}

static int scan_test_set(const char *val, const struct kernel_param *kp)
{
	struct task_struct *k;
	unsigned int secs;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = kstrtouint(val, 0, &secs);
	if (ret)
		return ret;
	if (!secs || secs > 3600)
		return -EINVAL;
	if (selfmig_state_get() != SELFMIG_IDLE)
		return -EBUSY;
	k = kthread_run(scan_test_fn, (void *)(unsigned long)secs, "selfmig-scantest");
	return PTR_ERR_OR_ZERO(k);
}

static const struct kernel_param_ops scan_test_ops = {
	.set = scan_test_set,
};
module_param_cb(scan_test, &scan_test_ops, NULL, 0200);
MODULE_PARM_DESC(scan_test, "Diagnostic: scan for dirty pages every scan_test_ms for this many seconds, sending nothing");
