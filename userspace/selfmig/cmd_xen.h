/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig, the dom0 command: the subcommands.  Each returns the program's
 * exit status (SMG_EXIT_*) and prints its own messages.
 */
#ifndef SELFMIG_CMD_CMD_XEN_H
#define SELFMIG_CMD_CMD_XEN_H

#include "cli.h"

int smg_cmd_prepare(const struct smg_args *a);
int smg_cmd_notify(const struct smg_args *a);
int smg_cmd_status(const struct smg_args *a);
int smg_cmd_migrate(const struct smg_args *a);

#endif /* SELFMIG_CMD_CMD_XEN_H */
