/* SPDX-License-Identifier: GPL-2.0 */
/* selfmig-hook self: the dom0 side of a self-migration (self_xen.c). */
#ifndef SELFMIG_HOOK_SELF_H
#define SELFMIG_HOOK_SELF_H

int hk_cmd_self(int argc, char **argv);

#endif /* SELFMIG_HOOK_SELF_H */
