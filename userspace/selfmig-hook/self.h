/* SPDX-License-Identifier: GPL-2.0 */
/* selfmig-hook self: the dom0 side of a self-migration (self_xen.c). */
#ifndef SELFMIG_HOOK_SELF_H
#define SELFMIG_HOOK_SELF_H

/*
 * How long the guest has to suspend once it has been told to (the orderly
 * close of its connection after its stream's END); a late one is settled
 * as suspend.h says.
 */
#define HK_SELF_SUSPEND_WAIT_S	60u

#include <stdio.h>

int hk_cmd_self(int argc, char **argv);

/* The usage of every subcommand (main.c), for -h/--help and usage errors. */
void hk_usage(FILE *f);

#endif /* SELFMIG_HOOK_SELF_H */
