// SPDX-License-Identifier: GPL-2.0
/*
 * sm-classify: may a failed testbed scenario run again?
 *
 *   sm-classify --reason TEXT --dir LOGDIR
 *
 * Runs on the host, after dom0's verdict arrived (tests/xen/run).  TEXT is
 * the scenario's failure reason, LOGDIR its logs (build/logs/<scenario>/:
 * dom0-dmesg.txt, xen-dmesg.txt, scenario.log, guest-console-*.log and every
 * other *.log and *.txt, each read up to a bound).  Prints one line:
 *
 *   retry: <why>     the failure is a documented crash of a program outside
 *                    the project (the emulated machine's fault)
 *   final: <why>     anything else
 *
 * The rule and the table of documented signatures: classify.c.
 *
 * Exit status: 0 retry, 1 final, 2 usage or I/O error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "options.h"
#include "classify.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sm-classify --reason TEXT --dir LOGDIR\n"
		"\n"
		"Prints \"retry: WHY\" (exit 0) if the failure of the scenario whose\n"
		"reason is TEXT and whose logs are in LOGDIR may run again, and\n"
		"\"final: WHY\" (exit 1) if not.  Exit 2 on a usage or I/O error.\n");
}

int main(int argc, char **argv)
{
	static const int ids[] = { SMC_O_REASON, SMC_O_DIR, SMC_O_HELP, 0 };
	const char *reason, *dir;
	struct smc_optvals v;
	struct scl_result res;
	char err[512];

	if (smc_optvals(argc, argv, "h", ids, &v, err, sizeof(err)))
		return smc_usage_error("sm-classify", err, usage);
	if (v.val[SMC_O_HELP])
		return smc_usage_exit('h', usage);
	reason = v.val[SMC_O_REASON];
	dir = v.val[SMC_O_DIR];
	if (!reason || !dir || optind != argc)
		return smc_usage_error("sm-classify", "needs --reason and --dir, and nothing else", usage);
	if (scl_classify_dir(reason, dir, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "sm-classify: %s\n", err);
		return 2;
	}
	printf("%s\n", res.why);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("sm-classify: stdout");
		return 2;
	}
	return res.verdict == SCL_RETRY ? 0 : 1;
}
