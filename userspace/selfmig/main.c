// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig: dom0's side of the relocation notices (docs/notices.md), and
 * migration of a guest with its help.
 *
 *   selfmig prepare DOMAIN
 *   selfmig notify DOMAIN --phase notice|stop|done|abort [--dest D] ...
 *   selfmig status DOMAIN [--json]
 *   selfmig migrate [--mode transparent|assisted|self] ... DOMAIN DEST
 *   selfmig wws DOMAIN [--seconds S] [--interval-ms MS] [--bandwidth MBIT]
 *
 * Exit status: 0 ok, 1 error (a failed xl migrate included), 2 usage,
 * 3 the guest rejected the request, 4 no acknowledgement in time.
 * "selfmig help" (or -h, --help) prints the options; a usage error prints
 * what was wrong, then the usage, on stderr.
 */
#include <stdio.h>

#include "cli.h"
#include "cmd_xen.h"

int main(int argc, char **argv)
{
	struct smg_args a;
	char err[512];
	int rc;

	rc = smg_parse_args(argc, argv, &a, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "selfmig: %s\n", err);
		if (rc == SMG_EXIT_USAGE)
			smg_usage(stderr);
		return rc;
	}
	switch (a.cmd) {
	case SMG_CMD_HELP:
		smg_usage(stdout);
		return SMG_EXIT_OK;
	case SMG_CMD_PREPARE:
		return smg_cmd_prepare(&a);
	case SMG_CMD_NOTIFY:
		return smg_cmd_notify(&a);
	case SMG_CMD_STATUS:
		return smg_cmd_status(&a);
	case SMG_CMD_MIGRATE:
		return smg_cmd_migrate(&a);
	case SMG_CMD_WWS:
		return smg_cmd_wws(&a);
	}
	return SMG_EXIT_ERROR;
}
