/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The long options of every program of the project, in one table: each
 * name has one argument grammar and one id, whichever program accepts it.
 * A program lists the ids it takes and gets the table getopt_long wants.
 * docs/layout.md says which program takes which.
 */
#ifndef SELFMIG_COMMON_OPTIONS_H
#define SELFMIG_COMMON_OPTIONS_H

#include <getopt.h>
#include <stdint.h>

/*
 * The ids getopt_long returns.  The four with a short form too (-h, -o, -p,
 * -v, where a program gives it in its short options) are their letters.
 */
enum smc_opt {
	SMC_O_HELP = 'h',
	SMC_O_OUTPUT = 'o',
	SMC_O_PORT = 'p',
	SMC_O_VERBOSE = 'v',
	SMC_O_AFTER = 256, SMC_O_BANDWIDTH, SMC_O_BYTES, SMC_O_CHECK_CONFIG, SMC_O_COMPRESS,
	SMC_O_CONFIG, SMC_O_DEADLINE_S, SMC_O_DEST, SMC_O_DIR, SMC_O_DOMAIN,
	SMC_O_DOWNTIME_MS, SMC_O_DUMP, SMC_O_DURATION, SMC_O_FIELDS,
	SMC_O_FILE, SMC_O_FINAL_SET, SMC_O_FREEZE, SMC_O_FROM_FILE, SMC_O_ID,
	SMC_O_IMAGE, SMC_O_INSECURE, SMC_O_INTERVAL_MS, SMC_O_INTERVAL_US,
	SMC_O_IO_TIMEOUT, SMC_O_JSON, SMC_O_KEEP_BAD, SMC_O_KEEP_MISSED,
	SMC_O_KEY_FILE, SMC_O_LIBXL, SMC_O_LIST_MISSED, SMC_O_LISTEN,
	SMC_O_MAX_BANDWIDTH, SMC_O_MAX_BYTES_FACTOR, SMC_O_MAX_DOWNTIME,
	SMC_O_MAX_PAGES, SMC_O_MAX_ROUNDS, SMC_O_MAX_SECONDS, SMC_O_META,
	SMC_O_MIB, SMC_O_MODE, SMC_O_NEW_KEY_FILE, SMC_O_NICE,
	SMC_O_NO_EARLY_ALLOC, SMC_O_NO_PREPARE, SMC_O_NO_PUBLISH, SMC_O_NO_WAIT, SMC_O_ONCE,
	SMC_O_PHASE, SMC_O_POLICY, SMC_O_QUIET, SMC_O_RATE_MIB_S, SMC_O_RAW,
	SMC_O_REASON, SMC_O_RECEIVER_LOG, SMC_O_RESUME, SMC_O_RUNE,
	SMC_O_SECONDS, SMC_O_SEED, SMC_O_SEQ, SMC_O_SETTLE_MS, SMC_O_SHOW,
	SMC_O_START_RATE, SMC_O_SUSPEND, SMC_O_TARGET, SMC_O_TCP, SMC_O_TEE,
	SMC_O_TIMEOUT, SMC_O_TIMEOUT_MS, SMC_O_TX_CSUM, SMC_O_UID,
	SMC_O_UNTIL_FILE, SMC_O_VERIFY, SMC_O_WAIT, SMC_O_WAIT_READY,
	SMC_O_WAIT_S, SMC_O_XL_LOG, SMC_O_XL_SSH,
	SMC_O_END		/* one past the last */
};

/* The most options one program or subcommand takes. */
#define SMC_OPTS_MAX	24

struct smc_opts {
	struct option lo[SMC_OPTS_MAX + 1];
};

/*
 * The table for getopt_long of the options ids (ended by 0), in that
 * order, in o.  An id the table does not know, or more than SMC_OPTS_MAX
 * of them, is the program's bug: it aborts.
 */
const struct option *smc_opts(struct smc_opts *o, const int *ids);

/* The name of option id ("json"), or "?" for an id the table does not know. */
const char *smc_opt_name(int id);

/*
 * A command line's options by id, for a program whose arguments follow its
 * options: val[id] is the value last given for option id ("" for one that
 * takes none), or NULL if it was not given.
 */
struct smc_optvals {
	const char *val[SMC_O_END];
};

/*
 * All of argv's options, of the ids (ended by 0), with shortopts as for
 * smc_getopt(), into v: 0 with optind at the first argument that is not an
 * option, or -1 with the message in err.  The program checks each value
 * after, so the order of the options does not matter.
 */
int smc_optvals(int argc, char *const argv[], const char *shortopts,
		const int *ids, struct smc_optvals *v, char *err, size_t errlen);

/*
 * Option id's value, if it was given, as a whole number in [min, max] into
 * *out (which keeps its default otherwise): 0, or -1 after "PROG: --NAME
 * 'VALUE': ..." on standard error.
 */
int smc_optval_u64(const char *prog, const struct smc_optvals *v, int id,
		   uint64_t min, uint64_t max, uint64_t *out);

#endif /* SELFMIG_COMMON_OPTIONS_H */
