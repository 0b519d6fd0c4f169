// SPDX-License-Identifier: GPL-2.0
/*
 * selfmigctl: the guest's command for selfmig.ko's generic netlink family
 * (selfmig/uapi/selfmig_genl.h), through the smctl library (libnl-genl).
 *
 *   selfmigctl migrate --dest A.B.C.D:PORT --id HEX32 [settings]
 *   selfmigctl abort
 *   selfmigctl result | rounds | procs | samples
 *   selfmigctl sample --seconds S [--interval-ms MS]
 *
 * result prints "key value" lines; rounds and procs a header line, then a
 * row per round or process; samples the sampler's state as "key value"
 * lines, then a header line and a row per scan (docs/interface.md).
 * sample starts the sampler (the tracker alone, sending nothing) and
 * returns; samples shows what it found.  Exit status: 0, 1 when the module refuses
 * or cannot be reached (the errno is printed), 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "options.h"
#include "smctl.h"

#define PROG "selfmigctl"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " migrate --dest A.B.C.D:PORT --id HEX32 [--start-rate MBIT]\n"
		"           [--max-bandwidth MBIT] [--downtime-ms MS] [--max-rounds N]\n"
		"           [--max-bytes-factor N] [--compress] [--freeze]\n"
		"       " PROG " abort\n"
		"       " PROG " result | rounds | procs | samples\n"
		"       " PROG " sample --seconds S [--interval-ms MS]\n"
		"Starts or aborts a migration through selfmig.ko's netlink family, or prints\n"
		"the current or last migration's outcome, rounds or busiest processes.\n"
		"Settings left out take the module parameters' values (docs/interface.md).\n"
		"-h, --help shows this.\n");
}

static int usage_error(const char *msg)
{
	return smc_usage_error(PROG, msg, usage);
}

static int ctl_open(struct smctl *c)
{
	char err[160];

	if (smctl_open(c, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		return -1;
	}
	return 0;
}

/* 0, or 1 after saying what the module or netlink refused. */
static int ctl_done(struct smctl *c, int r, const char *what)
{
	smctl_close(c);
	if (!r)
		return 0;
	if (r == -EIO)
		fprintf(stderr, PROG ": %s: netlink failed\n", what);
	else
		fprintf(stderr, PROG ": %s: %s (errno %d); the guest's kernel log says more\n",
			what, strerror(-r), -r);
	return 1;
}

/* ------------------------------------------------------------ migrate */

static int cmd_migrate(int argc, char **argv)
{
	static const int ids[] = {
		SMC_O_DEST, SMC_O_ID, SMC_O_START_RATE, SMC_O_MAX_BANDWIDTH,
		SMC_O_DOWNTIME_MS, SMC_O_MAX_ROUNDS, SMC_O_MAX_BYTES_FACTOR,
		SMC_O_COMPRESS, SMC_O_FREEZE, SMC_O_HELP, 0
	};
	/* Rates up to 1 Tbit/s; a bandwidth or byte factor of 0: no limit. */
	static const int num_ids[] = {
		SMC_O_START_RATE, SMC_O_MAX_BANDWIDTH, SMC_O_DOWNTIME_MS,
		SMC_O_MAX_ROUNDS, SMC_O_MAX_BYTES_FACTOR,
	};
	static const uint64_t num_min[] = { 1, 0, 1, 1, 0 };
	static const uint64_t num_max[] = { 1000000, 1000000, UINT32_MAX, UINT32_MAX, UINT32_MAX };
	struct smctl_settings st = {
		.start_rate_mbit = SMCTL_DEFAULT, .max_bandwidth_mbit = SMCTL_DEFAULT,
		.downtime_ms = SMCTL_DEFAULT, .max_rounds = SMCTL_DEFAULT,
		.max_bytes_factor = SMCTL_DEFAULT,
	};
	int64_t *const num[] = {
		&st.start_rate_mbit, &st.max_bandwidth_mbit, &st.downtime_ms,
		&st.max_rounds, &st.max_bytes_factor,
	};
	struct smc_optvals ov;
	struct smctl c;
	char err[160];
	unsigned int i;
	uint64_t v;

	if (smc_optvals(argc, argv, "h", ids, &ov, err, sizeof(err)))
		return usage_error(err);
	if (ov.val[SMC_O_HELP])
		return smc_usage_exit('h', usage);
	if (ov.val[SMC_O_DEST]) {
		if (smc_parse_ipv4_port(ov.val[SMC_O_DEST], &st.addr, &st.port))
			return usage_error("--dest takes A.B.C.D:PORT, PORT 1-65535");
	}
	if (ov.val[SMC_O_ID] && smc_parse_id(ov.val[SMC_O_ID], st.id))
		return usage_error("--id takes 32 hex digits");
	for (i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
		if (!ov.val[num_ids[i]])
			continue;
		if (smc_optval_u64(PROG, &ov, num_ids[i], num_min[i], num_max[i], &v))
			return SMC_EXIT_USAGE;
		*num[i] = (int64_t)v;
	}
	st.compress = ov.val[SMC_O_COMPRESS] != NULL;
	st.freeze = ov.val[SMC_O_FREEZE] != NULL;
	if (optind != argc)
		return usage_error("migrate takes options only");
	if (!ov.val[SMC_O_DEST] || !ov.val[SMC_O_ID])
		return usage_error("migrate needs --dest and --id");
	if (ctl_open(&c))
		return 1;
	return ctl_done(&c, smctl_migrate(&c, &st), "migrate");
}

/* ------------------------------------------------------------ reports */

static int cmd_result(void)
{
	struct smctl_result r;
	struct smctl c;
	int ret;
	size_t i;

	if (ctl_open(&c))
		return 1;
	ret = smctl_result(&c, &r);
	if (ret)
		return ctl_done(&c, ret, "result");
	printf("state %s\n", r.state);
	if (r.have) {
		printf("error %d\nmessage %s\nstop %s\nrounds %u\n", r.error,
		       r.message[0] ? r.message : "-", r.stop, r.rounds);
		for (i = 0; i < SMCTL_RESULT_COUNTS; i++)
			printf("%s %" PRIu64 "\n", smctl_result_names[i], r.counts[i]);
		printf("cancelled %d\ntotal_ms %" PRIu64 "\n", r.cancelled, r.total_ms);
	}
	return ctl_done(&c, 0, "result");
}

static void print_round(const struct smctl_round *r, void *arg)
{
	size_t i;

	(void)arg;
	printf("%u", r->index);
	for (i = 0; i < SMCTL_ROUND_COUNTS; i++)
		printf(" %" PRIu64, r->counts[i]);
	putchar('\n');
}

static void print_proc(const struct smctl_proc *p, void *arg)
{
	(void)arg;
	printf("%u %s %u\n", p->pid, p->comm, p->pages);
}

static int cmd_rounds(void)
{
	struct smctl c;
	size_t i;

	if (ctl_open(&c))
		return 1;
	printf("round");
	for (i = 0; i < SMCTL_ROUND_COUNTS; i++)
		printf(" %s", smctl_round_names[i]);
	putchar('\n');
	return ctl_done(&c, smctl_rounds(&c, print_round, NULL), "rounds");
}

static int cmd_procs(void)
{
	struct smctl c;

	if (ctl_open(&c))
		return 1;
	printf("pid comm pages_last_round\n");
	return ctl_done(&c, smctl_procs(&c, print_proc, NULL), "procs");
}

/* ------------------------------------------------------------ the sampler */

static int cmd_sample(int argc, char **argv)
{
	static const int ids[] = { SMC_O_SECONDS, SMC_O_INTERVAL_MS, SMC_O_HELP, 0 };
	uint64_t secs = 0, interval = 1000;
	struct smc_optvals ov;
	struct smctl c;
	char err[160];

	if (smc_optvals(argc, argv, "h", ids, &ov, err, sizeof(err)))
		return usage_error(err);
	if (ov.val[SMC_O_HELP])
		return smc_usage_exit('h', usage);
	if (optind != argc || !ov.val[SMC_O_SECONDS])
		return usage_error("sample takes --seconds S and, optionally, --interval-ms MS");
	if (smc_optval_u64(PROG, &ov, SMC_O_SECONDS, 1, 3600, &secs) ||
	    smc_optval_u64(PROG, &ov, SMC_O_INTERVAL_MS, 10, 60000, &interval))
		return SMC_EXIT_USAGE;
	if (ctl_open(&c))
		return 1;
	return ctl_done(&c, smctl_sample(&c, (uint32_t)secs, (uint32_t)interval), "sample");
}

static void print_sample(const struct smctl_sample *s, void *arg)
{
	(void)arg;
	printf("%u %u\n", s->t_ms, s->frames);
}

static int cmd_samples(void)
{
	struct smctl_sampling sg;
	struct smctl c;
	int ret;

	if (ctl_open(&c))
		return 1;
	/* The scans come after the state: print them from a second dump. */
	ret = smctl_samples(&c, &sg, NULL, NULL);
	if (ret)
		return ctl_done(&c, ret, "samples");
	printf("running %d\nerror %d\nseconds %u\ninterval_ms %u\nguest_pages %" PRIu64
	       "\nsamples %u\nt_ms frames\n", sg.running, sg.error, sg.seconds,
	       sg.interval_ms, sg.guest_pages, sg.samples);
	return ctl_done(&c, smctl_samples(&c, &sg, print_sample, NULL), "samples");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	struct smctl c;

	if (!cmd)
		return usage_error("no command");
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "migrate"))
		return cmd_migrate(argc - 1, argv + 1);
	if (!strcmp(cmd, "sample"))
		return cmd_sample(argc - 1, argv + 1);
	if (argc > 2) {
		if (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help")) {
			usage(stdout);
			return 0;
		}
		return usage_error("only migrate and sample take options");
	}
	if (!strcmp(cmd, "abort")) {
		if (ctl_open(&c))
			return 1;
		return ctl_done(&c, smctl_abort(&c), "abort");
	}
	if (!strcmp(cmd, "result"))
		return cmd_result();
	if (!strcmp(cmd, "rounds"))
		return cmd_rounds();
	if (!strcmp(cmd, "procs"))
		return cmd_procs();
	if (!strcmp(cmd, "samples"))
		return cmd_samples();
	return usage_error("unknown command; one of migrate, abort, result, rounds, procs, sample, samples");
}
