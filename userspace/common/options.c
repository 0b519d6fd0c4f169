// SPDX-License-Identifier: GPL-2.0
/*
 * The long options of every program of the project, in one table; see
 * options.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "options.h"

static const struct option all[] = {
	{ "help", no_argument, NULL, SMC_O_HELP },
	{ "output", required_argument, NULL, SMC_O_OUTPUT },
	{ "port", required_argument, NULL, SMC_O_PORT },
	{ "verbose", no_argument, NULL, SMC_O_VERBOSE },
	{ "after", required_argument, NULL, SMC_O_AFTER },
	{ "bandwidth", required_argument, NULL, SMC_O_BANDWIDTH },
	{ "bytes", required_argument, NULL, SMC_O_BYTES },
	{ "check-config", no_argument, NULL, SMC_O_CHECK_CONFIG },
	{ "compress", no_argument, NULL, SMC_O_COMPRESS },
	{ "config", required_argument, NULL, SMC_O_CONFIG },
	{ "deadline-s", required_argument, NULL, SMC_O_DEADLINE_S },
	{ "dest", required_argument, NULL, SMC_O_DEST },
	{ "dir", required_argument, NULL, SMC_O_DIR },
	{ "domain", required_argument, NULL, SMC_O_DOMAIN },
	{ "downtime-ms", required_argument, NULL, SMC_O_DOWNTIME_MS },
	{ "dump", required_argument, NULL, SMC_O_DUMP },
	{ "duration", required_argument, NULL, SMC_O_DURATION },
	{ "fields", required_argument, NULL, SMC_O_FIELDS },
	{ "file", required_argument, NULL, SMC_O_FILE },
	{ "final-set", required_argument, NULL, SMC_O_FINAL_SET },
	{ "freeze", no_argument, NULL, SMC_O_FREEZE },
	{ "from-file", required_argument, NULL, SMC_O_FROM_FILE },
	{ "id", required_argument, NULL, SMC_O_ID },
	{ "image", required_argument, NULL, SMC_O_IMAGE },
	{ "insecure", no_argument, NULL, SMC_O_INSECURE },
	{ "interval-ms", required_argument, NULL, SMC_O_INTERVAL_MS },
	{ "interval-us", required_argument, NULL, SMC_O_INTERVAL_US },
	{ "io-timeout", required_argument, NULL, SMC_O_IO_TIMEOUT },
	{ "json", required_argument, NULL, SMC_O_JSON },
	{ "keep-bad", required_argument, NULL, SMC_O_KEEP_BAD },
	{ "keep-missed", required_argument, NULL, SMC_O_KEEP_MISSED },
	{ "key-file", required_argument, NULL, SMC_O_KEY_FILE },
	{ "libxl", no_argument, NULL, SMC_O_LIBXL },
	{ "list-missed", required_argument, NULL, SMC_O_LIST_MISSED },
	{ "listen", required_argument, NULL, SMC_O_LISTEN },
	{ "max-bandwidth", required_argument, NULL, SMC_O_MAX_BANDWIDTH },
	{ "max-bytes-factor", required_argument, NULL, SMC_O_MAX_BYTES_FACTOR },
	{ "max-downtime", required_argument, NULL, SMC_O_MAX_DOWNTIME },
	{ "max-pages", required_argument, NULL, SMC_O_MAX_PAGES },
	{ "max-rounds", required_argument, NULL, SMC_O_MAX_ROUNDS },
	{ "max-seconds", required_argument, NULL, SMC_O_MAX_SECONDS },
	{ "meta", required_argument, NULL, SMC_O_META },
	{ "mib", required_argument, NULL, SMC_O_MIB },
	{ "mode", required_argument, NULL, SMC_O_MODE },
	{ "new-key-file", required_argument, NULL, SMC_O_NEW_KEY_FILE },
	{ "nice", required_argument, NULL, SMC_O_NICE },
	{ "no-early-alloc", no_argument, NULL, SMC_O_NO_EARLY_ALLOC },
	{ "no-prepare", no_argument, NULL, SMC_O_NO_PREPARE },
	{ "no-publish", no_argument, NULL, SMC_O_NO_PUBLISH },
	{ "no-wait", no_argument, NULL, SMC_O_NO_WAIT },
	{ "once", no_argument, NULL, SMC_O_ONCE },
	{ "phase", required_argument, NULL, SMC_O_PHASE },
	{ "policy", required_argument, NULL, SMC_O_POLICY },
	{ "quiet", no_argument, NULL, SMC_O_QUIET },
	{ "rate-mib-s", required_argument, NULL, SMC_O_RATE_MIB_S },
	{ "raw", required_argument, NULL, SMC_O_RAW },
	{ "reason", required_argument, NULL, SMC_O_REASON },
	{ "receiver-log", required_argument, NULL, SMC_O_RECEIVER_LOG },
	{ "resume", no_argument, NULL, SMC_O_RESUME },
	{ "rune", required_argument, NULL, SMC_O_RUNE },
	{ "seconds", required_argument, NULL, SMC_O_SECONDS },
	{ "seed", required_argument, NULL, SMC_O_SEED },
	{ "seq", required_argument, NULL, SMC_O_SEQ },
	{ "settle-ms", required_argument, NULL, SMC_O_SETTLE_MS },
	{ "show", no_argument, NULL, SMC_O_SHOW },
	{ "start-rate", required_argument, NULL, SMC_O_START_RATE },
	{ "suspend", no_argument, NULL, SMC_O_SUSPEND },
	{ "target", required_argument, NULL, SMC_O_TARGET },
	{ "tcp", no_argument, NULL, SMC_O_TCP },
	{ "tee", required_argument, NULL, SMC_O_TEE },
	{ "timeout", required_argument, NULL, SMC_O_TIMEOUT },
	{ "timeout-ms", required_argument, NULL, SMC_O_TIMEOUT_MS },
	{ "tx-csum", required_argument, NULL, SMC_O_TX_CSUM },
	{ "uid", required_argument, NULL, SMC_O_UID },
	{ "until-file", required_argument, NULL, SMC_O_UNTIL_FILE },
	{ "verify", no_argument, NULL, SMC_O_VERIFY },
	{ "wait", required_argument, NULL, SMC_O_WAIT },
	{ "wait-ready", required_argument, NULL, SMC_O_WAIT_READY },
	{ "wait-s", required_argument, NULL, SMC_O_WAIT_S },
	{ "xl-log", required_argument, NULL, SMC_O_XL_LOG },
	{ "xl-ssh", required_argument, NULL, SMC_O_XL_SSH },
};

#define NALL	(sizeof(all) / sizeof(all[0]))

static const struct option *find(int id)
{
	size_t i;

	for (i = 0; i < NALL; i++)
		if (all[i].val == id)
			return &all[i];
	return NULL;
}

const struct option *smc_opts(struct smc_opts *o, const int *ids)
{
	const struct option *e;
	size_t n;

	for (n = 0; ids[n]; n++) {
		e = find(ids[n]);
		if (!e || n == SMC_OPTS_MAX) {
			fprintf(stderr, "option id %d: %s\n", ids[n],
				e ? "one option too many (SMC_OPTS_MAX)" : "not in the table");
			abort();
		}
		o->lo[n] = *e;
	}
	o->lo[n] = (struct option){ NULL, 0, NULL, 0 };
	return o->lo;
}

int smc_optvals(int argc, char *const argv[], const char *shortopts,
		const int *ids, struct smc_optvals *v, char *err, size_t errlen)
{
	struct smc_opts set;
	const struct option *lo = smc_opts(&set, ids);
	int c;

	memset(v, 0, sizeof(*v));
	optind = 0;
	while ((c = smc_getopt(argc, argv, shortopts, lo, err, errlen)) != -1) {
		if (c == '?' || c <= 0 || c >= SMC_O_END)
			return -1;
		v->val[c] = optarg ? optarg : "";
	}
	return 0;
}

int smc_optval_u64(const char *prog, const struct smc_optvals *v, int id,
		   uint64_t min, uint64_t max, uint64_t *out)
{
	char flag[48];

	if (id <= 0 || id >= SMC_O_END || !v->val[id])
		return 0;
	snprintf(flag, sizeof(flag), "--%s", smc_opt_name(id));
	return smc_opt_u64(prog, flag, v->val[id], min, max, out);
}

const char *smc_opt_name(int id)
{
	const struct option *e = find(id);

	return e ? e->name : "?";
}
