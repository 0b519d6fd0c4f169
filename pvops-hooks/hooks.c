// SPDX-License-Identifier: GPL-2.0
/* Pick the platform the guest runs on and hand it to the engine. */
#include <linux/kernel.h>
#include <xen/xen.h>

#include "selfmig.h"
#include "hooks.h"

int selfmig_hooks_init(void)
{
	selfmig_platform_register(xen_domain() ? selfmig_xen_init() :
				  selfmig_native_init());
	return 0;
}
