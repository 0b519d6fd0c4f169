// SPDX-License-Identifier: GPL-2.0
/*
 * Xen-specific glue of the guest module.  Everything that names a Xen
 * interface lives under pvops-hooks/, so the core stays hypervisor-neutral.
 */
#include <linux/kernel.h>
#include <xen/xen.h>

#include "selfmig.h"

const char *selfmig_xen_guest_type(void)
{
	if (!xen_domain())
		return "none";
	if (xen_pvh_domain())
		return "pvh";
	if (xen_pv_domain())
		return "pv";
	if (xen_hvm_domain())
		return "hvm";
	return "unknown";
}
