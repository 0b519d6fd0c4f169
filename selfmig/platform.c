// SPDX-License-Identifier: GPL-2.0
/*
 * The machine the guest runs on, as the engine sees it: one ops table
 * (struct selfmig_platform) that pvops-hooks/ registers when the module
 * loads.  The tracker, the rounds, the rate control and the final set know
 * nothing of Xen or of any other machine beyond it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>

#include "selfmig.h"

static const struct selfmig_platform *selfmig_plat;

/* Once, before anything else of the module runs. */
void selfmig_platform_register(const struct selfmig_platform *p)
{
	selfmig_plat = p;
	pr_info("platform: %s\n", p->name);
}

const struct selfmig_platform *selfmig_platform(void)
{
	return selfmig_plat;
}

/**
 * selfmig_publish() - show one item of progress outside the guest
 * @key: its name (a xenstore key under control/selfmig/ on Xen)
 * @fmt: its value
 *
 * Return: 0 or -errno; a failure is logged by the platform.
 */
int selfmig_publish(const char *key, const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return selfmig_plat->publish(key, buf);
}
