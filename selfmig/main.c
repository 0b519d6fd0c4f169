// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig: a Xen guest that migrates itself.
 *
 * Module entry points and parameters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>

#include "selfmig.h"

static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the in-kernel self-tests at load and print TAP (default: off)");

/*
 * Test-only: provoke a WARN, at load or when 1 is written to
 * /sys/module/selfmig/parameters/test_warn, so that the testbed can prove it
 * fails a scenario on any kernel warning.  Never set outside tests.
 */
static bool test_warn;

static int selfmig_test_warn_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret)
		WARN(test_warn, "selfmig: test_warn set, warning on purpose\n");
	return ret;
}

static const struct kernel_param_ops selfmig_test_warn_ops = {
	.set = selfmig_test_warn_set,
	.get = param_get_bool,
};
module_param_cb(test_warn, &selfmig_test_warn_ops, &test_warn, 0644);
MODULE_PARM_DESC(test_warn, "Test only: WARN when set (default: off)");

static int __init selfmig_init(void)
{
	int ret;

	ret = selfmig_hooks_init();
	if (ret)
		return ret;
	if (selftest) {
		ret = selfmig_selftest_run();
		if (ret) {
			pr_err("self-tests failed, not loading\n");
			return ret;
		}
	}

	ret = selfmig_sysfs_init();
	if (ret) {
		pr_err("cannot create /sys/kernel/selfmig: %d\n", ret);
		return ret;
	}
	ret = selfmig_genl_init();
	if (ret) {
		pr_err("cannot register the generic netlink family: %d\n", ret);
		selfmig_sysfs_exit();
		return ret;
	}

	pr_info("version %s loaded: guest type %s, %lu RAM pages, %u cpus\n",
		SELFMIG_VERSION, selfmig_platform()->name, totalram_pages(),
		num_online_cpus());
	return 0;
}

static void __exit selfmig_exit(void)
{
	selfmig_genl_exit();
	selfmig_sysfs_exit();
	selfmig_sample_exit();
	selfmig_migrate_exit();
	pr_info("unloaded\n");
}

module_init(selfmig_init);
module_exit(selfmig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Self-migration of Xen guests");
MODULE_VERSION(SELFMIG_VERSION);
