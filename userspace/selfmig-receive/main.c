// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-receive: receive a selfmig page stream into a sparse image file.
 *
 *   selfmig-receive --listen ADDR:PORT --image FILE --id HEX32
 *                   (--key-file FILE | --insecure)
 *                   [--meta FILE] [--json FILE] [--once] [--verbose]
 *                   [--max-pages N] [--max-rounds N] [--max-bytes-factor N]
 *                   [--io-timeout SECONDS] [--max-seconds SECONDS]
 *   selfmig-receive --from-file STREAM --image FILE --id HEX32 [...]
 *   selfmig-receive --new-key-file FILE --id HEX32
 *
 * In listening mode, up to SMR_MAX_PENDING connections at once may send
 * their stream header, each within the read deadline (serve.c).  One that
 * fails before its stream header is accepted (wrong magic, version, id,
 * secret or page count, silence, or closed early) leaves the image
 * untouched; the first one accepted is served and the listening socket is
 * closed.  Once a stream has been accepted its outcome is final.  With
 * --once the first connection is the only one, whatever its outcome.
 * Every read has a deadline, and a stream its limits on page count,
 * rounds, bytes and time (receiver.h).  The stream must be sealed
 * (encrypted and authenticated) under a key derived from the migration's
 * secret, read from --key-file (written by dom0, mode 600); --insecure
 * accepts unsealed streams instead, for tests.  Exit status: 0 complete stream, 1 error, 2 usage.
 *
 * --new-key-file writes a fresh secret for migration HEX32 (a selfmig-key/1
 * line, mode 600, never over an existing file) and exits: where no dom0
 * hands secrets out (the single-level testbed, tests/native/run), the same
 * line goes to the receiver's --key-file and to the guest module's key
 * parameter.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "args.h"
#include "options.h"
#include "authkey.h"
#include "net.h"
#include "receiver.h"

#define PROG "selfmig-receive"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " (--listen ADDR:PORT | --from-file STREAM) --image FILE --id HEX32\n"
		"       (--key-file FILE | --insecure) [--meta FILE] [--json FILE] [--once] [--verbose]\n"
		"       [--tee FILE] [--keep-bad DIR] [--max-pages N] [--max-rounds N]\n"
		"       [--max-bytes-factor N] [--io-timeout SECONDS] [--max-seconds SECONDS]\n"
		"       " PROG " --new-key-file FILE --id HEX32\n"
		"  --listen ADDR:PORT  accept the stream over TCP on this address only\n"
		"                      ([ADDR]:PORT for IPv6; port 0 picks a free port)\n"
		"  --from-file STREAM  read the stream from a file instead\n"
		"  --image FILE        sparse guest memory image to write\n"
		"  --id HEX32          expected migration id (32 hex digits)\n"
		"  --key-file FILE     the migration's secret (a selfmig-key/1 line, mode 600):\n"
		"                      the stream must be sealed under a key derived from it\n"
		"  --insecure          accept an unsealed stream (tests only)\n"
		"  --meta FILE         per-page metadata file (round and crc32c)\n"
		"  --json FILE         write the final summary as JSON\n"
		"  --once              serve a single connection whatever its outcome\n"
		"  --max-pages N       refuse a stream of more than N guest pages, before\n"
		"                      anything is allocated or created (default %llu,\n"
		"                      16 GiB of guest memory)\n"
		"  --max-rounds N      refuse a record of round N or later (default %u)\n"
		"  --max-bytes-factor N  refuse stream bytes beyond N times the guest memory\n"
		"                      the stream declares, plus %llu MiB (default %u)\n"
		"  --io-timeout S      fail when the sender sends nothing for S seconds;\n"
		"                      a connection has as long for its stream header (default %u)\n"
		"  --max-seconds S     fail a stream that has not ended S seconds after its\n"
		"                      header came, however steadily it trickles (default %u)\n"
		"  --verbose           print every record\n"
		"  --tee FILE          also write every byte read, as it arrived, to FILE\n"
		"                      (diagnosis: compare with a capture of the link)\n"
		"  --keep-bad DIR      write a record that fails its crc or tag, as decoded,\n"
		"                      to DIR/bad-record-SEQ-at-OFFSET.bin (diagnosis)\n"
		"  --new-key-file FILE write a fresh secret for migration HEX32 to FILE\n"
		"                      (mode 600; FILE must not exist) and exit; for\n"
		"                      testbeds without dom0, which otherwise hands it out\n",
		SMR_DEF_MAX_PAGES, SMR_DEF_MAX_ROUNDS, SMR_BYTES_SLACK >> 20,
		SMR_DEF_BYTES_FACTOR, SMR_DEF_IO_TIMEOUT_MS / 1000,
		SMR_DEF_MAX_TIME_MS / 1000);
}

/* A fresh secret for migration id, as a new mode-600 file; 0, or 1. */
static int new_key_file(const char *path, const u8 id[SMW_ID_LEN])
{
	char line[SMK_LINE_LEN + 1];
	u8 key[SMW_KEY_LEN];
	int fd, rc = 1;

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		fprintf(stderr, PROG ": cannot draw a secret: getrandom: %s\n",
			strerror(errno));
		return 1;
	}
	smk_format(line, id, key);
	memset(key, 0, sizeof(key));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s%s\n", path, strerror(errno),
			errno == EEXIST ?
			" (a secret is never overwritten: remove the old file first)" : "");
		goto wipe;
	}
	line[SMK_LINE_LEN] = '\n';
	errno = 0;
	if (write(fd, line, SMK_LINE_LEN + 1) != SMK_LINE_LEN + 1 ||
	    fsync(fd)) {
		fprintf(stderr, PROG ": writing %s: %s\n", path,
			strerror(errno ? errno : EIO));
		close(fd);
		unlink(path);
		goto wipe;
	}
	if (close(fd)) {
		fprintf(stderr, PROG ": writing %s: %s\n", path, strerror(errno));
		unlink(path);
		goto wipe;
	}
	rc = 0;
wipe:
	memset(line, 0, sizeof(line));
	return rc;
}

static void report_error(const struct smr_receiver *r)
{
	char line[512];

	smr_error_line(r, line, sizeof(line));
	fprintf(stderr, PROG ": error: %s\n", line);
}

static int serve_listen(const char *spec, const struct smr_config *cfg,
			int once, struct smr_receiver *r)
{
	struct smr_serve_opts so = { 0, stdout };
	char desc[128], peer[128], err[256];
	int lfd, cfd;

	lfd = smr_listen(spec, desc, sizeof(desc), err, sizeof(err));
	if (lfd < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return -1;
	}
	printf("listening on %s\n", desc);
	fflush(stdout);
	if (once) {
		cfd = smr_accept(lfd, peer, sizeof(peer));
		if (cfd < 0) {
			fprintf(stderr, PROG ": accept: %s\n", strerror(errno));
			close(lfd);
			return -1;
		}
		printf("connection from %s\n", peer);
		fflush(stdout);
		smr_init(r, cfg);
	} else {
		cfd = smr_accept_stream(lfd, cfg, &so, r, peer, sizeof(peer),
					err, sizeof(err));
		if (cfd < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			close(lfd);
			return -1;
		}
		printf("stream from %s accepted\n", peer);
		fflush(stdout);
	}
	/* One stream per receiver: later connections are refused at once. */
	close(lfd);
	smr_run_fd(r, cfd, 0);
	close(cfd);
	return 0;
}

static int serve_file(const char *path, const struct smr_config *cfg,
		      struct smr_receiver *r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	ret = smr_init(r, cfg);
	if (!ret)
		smr_run_fd(r, fd, 1);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const int ids[] = {
		SMC_O_LISTEN, SMC_O_FROM_FILE, SMC_O_IMAGE, SMC_O_ID,
		SMC_O_META, SMC_O_JSON, SMC_O_ONCE, SMC_O_VERBOSE,
		SMC_O_KEY_FILE, SMC_O_INSECURE, SMC_O_NEW_KEY_FILE, SMC_O_TEE,
		SMC_O_KEEP_BAD, SMC_O_MAX_PAGES, SMC_O_MAX_ROUNDS,
		SMC_O_MAX_BYTES_FACTOR, SMC_O_IO_TIMEOUT, SMC_O_MAX_SECONDS,
		SMC_O_HELP, 0
	};
	const char *listen_spec, *from, *json, *key_file, *new_key, *tee;
	u8 key[SMW_KEY_LEN];
	char err[300];
	int insecure, once, have_id;
	struct smc_optvals ov;
	struct smr_config cfg;
	struct smr_receiver r;
	int ret, cret;
	u64 num;

	memset(&cfg, 0, sizeof(cfg));
	cfg.out = stdout;
	if (smc_optvals(argc, argv, "", ids, &ov, err, sizeof(err)))
		return smc_usage_error(PROG, err, usage);
	if (ov.val[SMC_O_HELP])
		return smc_usage_exit('h', usage);
	listen_spec = ov.val[SMC_O_LISTEN];
	from = ov.val[SMC_O_FROM_FILE];
	cfg.image_path = ov.val[SMC_O_IMAGE];
	cfg.meta_path = ov.val[SMC_O_META];
	json = ov.val[SMC_O_JSON];
	once = !!ov.val[SMC_O_ONCE];
	cfg.verbose = !!ov.val[SMC_O_VERBOSE];
	key_file = ov.val[SMC_O_KEY_FILE];
	insecure = !!ov.val[SMC_O_INSECURE];
	new_key = ov.val[SMC_O_NEW_KEY_FILE];
	tee = ov.val[SMC_O_TEE];
	cfg.keep_bad_dir = ov.val[SMC_O_KEEP_BAD];
	have_id = !!ov.val[SMC_O_ID];
	if (have_id && smc_parse_id(ov.val[SMC_O_ID], cfg.id)) {
		fprintf(stderr, PROG ": --id wants 32 hex digits\n");
		return 2;
	}
	num = 0;
	if (smc_optval_u64(PROG, &ov, SMC_O_MAX_PAGES, 1, SMW_MAX_GUEST_PAGES, &num))
		return SMC_EXIT_USAGE;
	cfg.max_pages = num;
	num = 0;
	if (smc_optval_u64(PROG, &ov, SMC_O_MAX_ROUNDS, 1, UINT32_MAX, &num))
		return SMC_EXIT_USAGE;
	cfg.max_rounds = (u32)num;
	num = 0;
	if (smc_optval_u64(PROG, &ov, SMC_O_MAX_BYTES_FACTOR, 1, 1024, &num))
		return SMC_EXIT_USAGE;
	cfg.max_bytes_factor = (u32)num;
	if (ov.val[SMC_O_IO_TIMEOUT] &&
	    smr_parse_seconds(ov.val[SMC_O_IO_TIMEOUT], &cfg.io_timeout_ms)) {
		fprintf(stderr, PROG ": --io-timeout wants seconds, 0.01..86400\n");
		return 2;
	}
	if (ov.val[SMC_O_MAX_SECONDS] &&
	    smr_parse_seconds(ov.val[SMC_O_MAX_SECONDS], &cfg.max_time_ms)) {
		fprintf(stderr, PROG ": --max-seconds wants seconds, 0.01..86400\n");
		return 2;
	}
	if (new_key) {
		if (optind != argc || !have_id || listen_spec || from ||
		    cfg.image_path || cfg.meta_path || json || once ||
		    key_file || insecure || tee) {
			fprintf(stderr, PROG ": --new-key-file goes with --id alone\n");
			usage(stderr);
			return 2;
		}
		return new_key_file(new_key, cfg.id);
	}
	if (optind != argc || !!listen_spec == !!from || !cfg.image_path ||
	    !have_id) {
		fprintf(stderr, PROG ": need exactly one of --listen and --from-file, plus --image and --id\n");
		usage(stderr);
		return 2;
	}
	if (tee) {
		cfg.tee_fd = open(tee, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (cfg.tee_fd < 0) {
			fprintf(stderr, PROG ": --tee %s: %s\n", tee, strerror(errno));
			return 2;
		}
	}
	if (getenv("SELFMIG_FAULT")) {
		const char *v = getenv("SELFMIG_FAULT");
		char *end;
		unsigned long mib;

#ifdef SELFMIG_FAULTS
		if (strncmp(v, "receiver-crash:", 15) ||
		    (errno = 0, mib = strtoul(v + 15, &end, 10), errno || *end || end == v + 15 ||
		     !mib || mib > 65536)) {
			fprintf(stderr, PROG ": SELFMIG_FAULT: only receiver-crash:MIB (1..65536) is known here, not '%.40s'\n",
				v);
			return 2;
		}
		cfg.crash_after = (u64)mib << 20;
		fprintf(stderr, PROG ": FAULT INJECTION armed: %s\n", v);
#else
		(void)end;
		(void)mib;
		fprintf(stderr, PROG ": SELFMIG_FAULT is set, but this build has no fault points (build with FAULTS=1): '%.40s'\n",
			v);
		return 2;
#endif
	}
	if (!key_file == !insecure) {
		fprintf(stderr, PROG ": need exactly one of --key-file (the migration's secret) and --insecure\n");
		return 2;
	}
	if (key_file) {
		if (smr_load_key(key_file, cfg.id, key, err, sizeof(err))) {
			fprintf(stderr, PROG ": %s\n", err);
			return 2;
		}
		cfg.key = key;
	} else {
		fprintf(stderr, PROG ": --insecure: accepting an unsealed stream\n");
	}

	memset(&r, 0, sizeof(r));
	r.image_fd = -1;
	if (listen_spec)
		ret = serve_listen(listen_spec, &cfg, once, &r);
	else
		ret = serve_file(from, &cfg, &r);
	if (ret < 0)
		return 1;

	cret = smr_close(&r);
	if (cret)
		report_error(&r);
	smr_print_summary(&r, stdout);
	if (json) {
		ret = smr_write_json(&r, json);
		if (ret) {
			fprintf(stderr, PROG ": %s: %s\n", json, strerror(-ret));
			return 1;
		}
	}
	return cret || !r.complete ? 1 : 0;
}
