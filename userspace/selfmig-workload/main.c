// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload: memory/file/process/network load for migration tests,
 * verifying its own data all along.
 *
 *   selfmig-workload MODE [--mib N] [--seconds S] [--rate-mib-s R]
 *                         [--dir PATH] [--port N] [--seed N] [--quiet]
 *   selfmig-workload netsend --target IP[:PORT] [--seconds S] [--rate-mib-s R]
 *
 * MODE: anon-random anon-seq file-write mmap-shared pipes forkstorm churn
 *       compile-mix netrecv netsend noop
 *
 * Output (stdout, one line each):
 *   workload MODE: started pid N
 *   workload MODE: t=<s> key=value ...          every 5 s unless --quiet
 *   workload MODE: done t=<s> key=value ... result=ok|corruption|error
 *   CORRUPTION MODE: <what differed>            on any failed check
 *
 * Exit status: 0 clean stop (--seconds elapsed or SIGTERM/SIGINT),
 * 1 runtime error, 2 usage error, 3 data corruption detected.
 *
 * Each workload is in its own file; run.h says which.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "run.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: selfmig-workload MODE [--mib N] [--seconds S] [--rate-mib-s R]\n"
		"                         [--dir PATH] [--port N] [--seed N] [--quiet]\n"
		"       selfmig-workload netsend --target IP[:PORT] [--seconds S] [--rate-mib-s R]\n"
		"modes: anon-random anon-seq (--mib 32)  file-write mmap-shared (--mib 16)\n"
		"       churn (--mib 64)  forkstorm (--mib 4 per allocating child)  pipes\n"
		"       compile-mix (--mib 8 of source files, in --dir)\n"
		"       netrecv (--port 7800)  netsend  noop\n"
		"runs until --seconds (0 = until SIGTERM/SIGINT); --rate-mib-s 0 = unlimited;\n"
		"--dir defaults to /tmp.  A value follows its option (--mib 8) or an '='\n"
		"(--mib=8); numbers are decimal; -h, --help shows this.\n"
		"Exit: 0 ok, 1 error, 2 usage, 3 corruption.\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = smwl_on_stop };
	char err[160];
	long ps;
	int r;

	r = smwl_parse_args(argc, argv, &smwl_opt, err, sizeof(err));
	if (r == 1) {
		usage(stdout);
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, "selfmig-workload: %s\n", err);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (smwl_opt.mode == SMWL_NOOP)
		return 0;

	smwl_modename = smwl_mode_name(smwl_opt.mode);
	smwl_argv0 = argv[0];
	ps = sysconf(_SC_PAGESIZE);
	smwl_ps = ps > 0 ? (size_t)ps : 4096;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: blocking calls return */
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	smwl_t0 = smwl_now_ns();
	smwl_next_report = smwl_t0 + REPORT_NS;
	if (smwl_opt.seconds > 0)
		smwl_deadline = smwl_t0 + (uint64_t)(smwl_opt.seconds * 1e9);
	smwl_rng_seed(&smwl_rand, smwl_opt.seed ? smwl_opt.seed :
		      smwl_t0 ^ ((uint64_t)getpid() << 32));
	if (smwl_opt.mib * MIB / smwl_ps == 0)
		smwl_opt.mib = 1;

	smwl_say("started pid %d", (int)getpid());
	switch (smwl_opt.mode) {
	case SMWL_ANON_RANDOM:	return smwl_run_anon(0);
	case SMWL_ANON_SEQ:	return smwl_run_anon(1);
	case SMWL_FILE_WRITE:	return smwl_run_file_write();
	case SMWL_MMAP_SHARED:	return smwl_run_mmap_shared();
	case SMWL_PIPES:	return smwl_run_pipes();
	case SMWL_FORKSTORM:	return smwl_run_forkstorm();
	case SMWL_CHURN:	return smwl_run_churn();
	case SMWL_NETRECV:	return smwl_run_netrecv();
	case SMWL_NETSEND:	return smwl_run_netsend();
	case SMWL_COMPILE_MIX:	return smwl_run_compile_mix();
	default:		return EXIT_USAGE;
	}
}
