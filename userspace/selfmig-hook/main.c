// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-hook: dom0's part of selfmig's final switch.
 *
 *   selfmig-hook save DOMAIN -o FILE [--suspend] [--wait-s N]
 *                [--after leave|resume|destroy] [--json FILE]
 *       Write a suspended domain as an image that stock `xl restore FILE`
 *       restores: its libxl configuration, CPU policy, every populated frame
 *       and its CPU state, in Xen's own stream format (docs/xen-stream.md).
 *       --suspend asks the guest to suspend first (control/shutdown).
 *       Afterwards the domain stays suspended (leave, the default), runs on
 *       (resume) or is destroyed (destroy, as `xl save` does).  If anything
 *       fails, a domain this command suspended is resumed and no image is
 *       left behind.
 *
 *   selfmig-hook migrate DOMAIN [--rune CMD] [--receiver-log FILE]
 *                [--wait-s N] [--json FILE] [--io-timeout S]
 *       Stop-and-copy migration through a stock receiver: start CMD
 *       (default "xl migrate-receive"; "ssh HOST xl migrate-receive" for
 *       another host), suspend the domain, stream it, and once the
 *       destination has restored it (paused), give it permission to run.
 *       The source is destroyed only after the destination reports that its
 *       copy runs; until then the source stays suspended, so two copies never
 *       run.  If anything fails before that, the source resumes and runs on.
 *       A write to the receiver that makes no progress for --io-timeout
 *       seconds (default 60) fails the migration.
 *
 *   selfmig-hook self DOMAIN --listen ADDR:PORT --id HEX [--rune CMD]
 *                [--receiver-log FILE] [--wait-s N] [--json FILE]
 *                [--io-timeout S] [--verify] [--no-early-alloc]
 *       Self-migration: the guest's pre-copy stream is forwarded into the
 *       receiver while it arrives; after the guest suspends itself, only its
 *       final dirty set and CPU state are copied (self_xen.c).  The frames
 *       the guest never sends are allocated on the destination during
 *       pre-copy; --no-early-alloc leaves them to the switch (for
 *       experiments: the guest is then stopped while they are allocated).  The guest's
 *       page count is bounded by its maximum memory as Xen reports it; each
 *       read from the guest and write to the receiver has a deadline.
 *
 *   selfmig-hook key DOMAIN --id HEX [-o FILE] [--no-publish]
 *       A fresh secret for migration HEX: handed to the guest in
 *       control/selfmig/key (owned by dom0, readable by the guest alone;
 *       the guest refuses a key it could write itself) and, with -o,
 *       written to FILE (mode 600, never overwritten) for selfmig-receive
 *       --key-file.  `self` does this by itself.
 *
 *   selfmig-hook resume DOMAIN
 *       Resume a suspended domain with its suspend cancelled, so that it
 *       runs on where it was; refused for a domain that is not suspended.
 *       What an operator runs when a message of the other commands says a
 *       guest was left suspended and the destination does not run it.
 *
 *   selfmig-hook check FILE [--libxl]
 *       Walk an image (or, with --libxl, a bare libxl stream) and print what
 *       it holds; exit 1 with the reason if it is not well formed.
 *
 * Exit status: 0 done, 1 failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "options.h"
#include "authkey.h"
#include "fault.h"
#include "receiver.h"
#include "guard.h"
#include "hook_xen.h"
#include "xenstream.h"
#include "xlrecv.h"
#include "self.h"
#include "suspend.h"
#include "switch.h"

void hk_usage(FILE *f)
{
	fprintf(f,
		"usage: selfmig-hook save DOMAIN -o FILE [--suspend] [--wait-s N]\n"
		"                    [--after leave|resume|destroy] [--json FILE]\n"
		"       selfmig-hook migrate DOMAIN [--rune CMD] [--receiver-log FILE]\n"
		"                    [--wait-s N] [--json FILE] [--io-timeout S]\n"
		"       selfmig-hook self DOMAIN --listen ADDR:PORT --id HEX [--rune CMD]\n"
		"                    [--receiver-log FILE] [--wait-s N] [--json FILE]\n"
		"                    [--io-timeout S] [--verify] [--no-early-alloc]\n"
		"       selfmig-hook key DOMAIN --id HEX [-o FILE] [--no-publish]\n"
		"       selfmig-hook resume DOMAIN\n"
		"       selfmig-hook check FILE [--libxl]\n");
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void progress(uint64_t done, uint64_t total, uint64_t pages)
{
	fprintf(stderr, "\rselfmig-hook: frames %llu/%llu, pages copied %llu",
		(unsigned long long)done, (unsigned long long)total,
		(unsigned long long)pages);
	if (done >= total)
		fputc('\n', stderr);
}

static int cmd_check(int argc, char **argv)
{
	static const int ids[] = { SMC_O_LIBXL, SMC_O_HELP, 0 };
	struct smc_optvals ov;
	struct sxs_walk_stats st;
	bool libxl_only;
	const char *path = NULL;
	char err[256];
	struct stat sb;
	uint8_t *map;
	int fd, rc;

	rc = hk_take_opts(argc, argv, "h", ids, &ov, NULL);
	if (rc >= 0)
		return rc;
	libxl_only = ov.val[SMC_O_LIBXL] != NULL;
	if (optind != argc - 1)
		return smc_usage_exit('?', hk_usage);
	path = argv[optind];
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb)) {
		fprintf(stderr, "selfmig-hook: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!sb.st_size) {
		fprintf(stderr, "selfmig-hook: %s: empty file\n", path);
		close(fd);
		return 1;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fprintf(stderr, "selfmig-hook: %s: %s\n", path, strerror(errno));
		return 1;
	}
	rc = sxs_walk(map, (size_t)sb.st_size, !libxl_only, &st, NULL, NULL, err,
		      sizeof(err));
	munmap(map, (size_t)sb.st_size);
	if (rc) {
		fprintf(stderr, "selfmig-hook: %s: not a valid stream: %s\n", path, err);
		return 1;
	}
	printf("stream: ok\nbytes: %lld\nconfig: %s, %u bytes\nlibxc_version: %u\n"
	       "xen: %u.%u\npage_records: %llu\npages: %llu\npfn_entries: %llu\n"
	       "cpuid_records: %u\nmsr_records: %u\ntsc_records: %u\n"
	       "hvm_context_bytes: %llu\nhvm_params: %u\n",
	       (long long)sb.st_size, st.config_json ? "json" : "text",
	       st.config_len, st.libxc_version, st.xen_major, st.xen_minor,
	       (unsigned long long)st.page_records, (unsigned long long)st.pages,
	       (unsigned long long)st.pfn_words,
	       st.records[SXS_REC_CPUID_POLICY], st.records[SXS_REC_MSR_POLICY],
	       st.records[SXS_REC_TSC_INFO],
	       (unsigned long long)st.hvm_context_len, st.hvm_params);
	return 0;
}

/*
 * Ask the guest to suspend and wait up to wait_s for it (SELFMIG_FAULT=
 * suspend-timeout: one look).  A request not answered in time is withdrawn,
 * and a guest that suspends all the same is resumed (suspend.h).  0: it is
 * suspended; -1: it is not and runs on; -2: it is not, and whether it runs
 * on cannot be told (err says what to check: print it loudly).
 */
static int suspend_guest(struct hk_xen *x, uint32_t domid, const char *name,
			 unsigned long wait_s, const struct hk_fault *fault,
			 char *err, size_t errlen)
{
	struct hk_xen_dom d;
	struct hk_dom_ops o;
	char msg[600];
	enum hk_susp s;
	int r = hk_xen_request_suspend(x, domid, err, errlen);

	if (r)
		return r > 0 ? 0 : -1;
	hk_xen_dom_ops(&d, x, domid, name, &o);
	s = hk_await_suspend(&o, hk_fault_suspend_wait_ms(fault, (unsigned int)wait_s * 1000),
			     HK_SUSPEND_GRACE_MS, msg, sizeof(msg));
	if (s == HK_SUSP_DONE)
		return 0;
	snprintf(err, errlen, "no suspend within %lu s: %s", wait_s, msg);
	return hk_susp_runs_on(s) ? -1 : -2;
}

/* selfmig-hook resume DOMAIN: a suspended domain runs on, its suspend cancelled. */
static int cmd_resume(int argc, char **argv)
{
	static const int ids[] = { SMC_O_HELP, 0 };
	struct smc_optvals ov;
	struct hk_xen_dom d;
	struct hk_dom_ops o;
	struct hk_xen *x;
	uint32_t domid;
	char err[512];
	int st, rc;

	rc = hk_take_opts(argc, argv, "h", ids, &ov, NULL);
	if (rc >= 0)
		return rc;
	rc = 1;
	if (optind != argc - 1)
		return smc_usage_exit('?', hk_usage);
	x = hk_xen_open(err, sizeof(err));
	if (!x || hk_xen_resolve(x, argv[optind], &domid, err, sizeof(err))) {
		fprintf(stderr, "selfmig-hook: %s\n", err);
		hk_xen_close(x);
		return 1;
	}
	hk_xen_dom_ops(&d, x, domid, argv[optind], &o);
	st = o.state(o.ctx, err, sizeof(err));
	if (st == HK_DOM_RUNNING)
		fprintf(stderr, "selfmig-hook: domain %u runs; it is not suspended\n", domid);
	else if (st != HK_DOM_SUSPENDED)
		fprintf(stderr, "selfmig-hook: domain %u is not suspended: %s\n", domid, err);
	else if (hk_xen_resume(x, domid, err, sizeof(err)))
		fprintf(stderr, "selfmig-hook: %s\n", err);
	else {
		fprintf(stderr, "selfmig-hook: domain %u resumed; it runs on\n", domid);
		rc = 0;
	}
	hk_xen_close(x);
	return rc;
}

enum after { AFTER_LEAVE, AFTER_RESUME, AFTER_DESTROY };

static int cmd_save(int argc, char **argv)
{
	static const int ids[] = {
		SMC_O_OUTPUT, SMC_O_SUSPEND, SMC_O_WAIT_S, SMC_O_AFTER,
		SMC_O_JSON, SMC_O_HELP, 0
	};
	struct smc_optvals ov;
	const char *out, *dom;
	char *name = NULL;
	bool do_suspend, we_suspended = false;
	struct hk_opts o = { .wait_s = 60 };
	enum after after = AFTER_LEAVE;
	struct hk_save_stats st;
	struct hk_xen *x;
	struct sxs_sink sink, fdsink;
	struct hk_guard guard = { -1, -1 };
	struct hk_fault fault;
	struct hk_fault_sink fsink;
	char err[4400], tmp[4096];
	uint32_t domid;
	double t0, t_susp = 0, t_done;
	int fd, r, rc = 1;

	r = hk_take_opts(argc, argv, "o:h", ids, &ov, &o);
	if (r >= 0)
		return r;
	out = ov.val[SMC_O_OUTPUT];
	do_suspend = ov.val[SMC_O_SUSPEND] != NULL;
	if (ov.val[SMC_O_AFTER]) {
		static const char *const afters[] = {
			[AFTER_LEAVE] = "leave", [AFTER_RESUME] = "resume",
			[AFTER_DESTROY] = "destroy",
		};
		int a = SMC_NAME_INDEX(ov.val[SMC_O_AFTER], afters);

		if (a < 0) {
			fprintf(stderr, "selfmig-hook: --after takes leave, resume or destroy\n");
			return 2;
		}
		after = (enum after)a;
	}
	if (optind != argc - 1 || !out) {
		hk_usage(stderr);
		return 2;
	}
	dom = argv[optind];
	if (snprintf(tmp, sizeof(tmp), "%s.partial", out) >= (int)sizeof(tmp)) {
		fprintf(stderr, "selfmig-hook: output path too long\n");
		return 2;
	}

	if (hk_fault_for_cmd(&fault, false))
		return SMC_EXIT_USAGE;
	x = hk_xen_open(err, sizeof(err));
	if (!x) {
		fprintf(stderr, "selfmig-hook: %s\n", err);
		return 1;
	}
	if (hk_xen_resolve(x, dom, &domid, err, sizeof(err)))
		goto fail;
	if (do_suspend) {
		name = hk_xen_name(x, domid);
		if (!name) {
			snprintf(err, sizeof(err), "domain %u has no name", domid);
			goto fail;
		}
		{
			struct hk_guard_cfg gc = { domid, name, (unsigned int)o.wait_s,
						   HK_GUARD_ANSWER_WAIT_S, -1, -1 };

			r = hk_guard_start(&guard, &gc, err, sizeof(err));
		}
		if (r)
			goto fail;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		snprintf(err, sizeof(err), "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	t0 = now_s();
	if (do_suspend) {
		fprintf(stderr, "selfmig-hook: asking domain %u to suspend\n", domid);
		hk_guard_set(&guard, HK_GUARD_SUSPENDED);
		r = suspend_guest(x, domid, name, o.wait_s, &fault, err, sizeof(err));
		if (r) {
			close(fd);
			unlink(tmp);
			if (r < -1)
				goto fail_loud;
			hk_guard_set(&guard, HK_GUARD_IDLE);
			goto fail;
		}
		we_suspended = true;
		t_susp = now_s();
		hk_fault_die_at(&fault, HK_STAGE_SUSPENDED);
	}
	err[0] = 0;
	fdsink = (struct sxs_sink){ sxs_fd_write, &fd, 0 };
	fsink = (struct hk_fault_sink){ &fault, &fdsink, &fd, 0, false };
	sink = fault.point == HK_FAULT_CONN_DROP ?
	       (struct sxs_sink){ hk_fault_sink_write, &fsink, 0 } : fdsink;
	if (hk_xen_save(x, domid, &sink, &st, isatty(2) ? progress : NULL, err,
			sizeof(err)) || fsync(fd)) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		goto fail;
	}
	hk_fault_die_at(&fault, HK_STAGE_SENT);
	if (close(fd) || rename(tmp, out)) {
		snprintf(err, sizeof(err), "%s: %s", out, strerror(errno));
		unlink(tmp);
		goto fail;
	}
	/* The image is whole: from now on a copy exists that may be restored. */
	if (after != AFTER_RESUME)
		hk_guard_set(&guard, HK_GUARD_IDLE);
	t_done = now_s();
	fprintf(stderr, "selfmig-hook: wrote %s: %llu of %llu frames, %llu bytes, in %.1f s\n",
		out, (unsigned long long)st.pages, (unsigned long long)st.gpfns,
		(unsigned long long)st.bytes, t_done - (t_susp ? t_susp : t0));
	if (o.json)
		hk_json_write(o.json, "{\"domid\":%u,\"frames\":%llu,\"pages\":%llu,"
			"\"bytes\":%llu,\"config_bytes\":%u,\"cpuid_leaves\":%u,"
			"\"msrs\":%u,\"hvm_context_bytes\":%u,\"hvm_params\":%u,"
			"\"suspend_ms\":%.0f,\"save_ms\":%.0f}\n",
			domid, (unsigned long long)st.gpfns,
			(unsigned long long)st.pages,
			(unsigned long long)st.bytes, st.config_bytes,
			st.cpuid_leaves, st.msrs, st.hvm_context_bytes,
			st.hvm_params, t_susp ? (t_susp - t0) * 1000 : 0,
			(t_done - (t_susp ? t_susp : t0)) * 1000);
	rc = 0;
	switch (after) {
	case AFTER_LEAVE:
		fprintf(stderr, "selfmig-hook: domain %u stays suspended\n", domid);
		break;
	case AFTER_RESUME:
		if (hk_xen_resume(x, domid, err, sizeof(err))) {
			fprintf(stderr, "selfmig-hook: %s\n", err);
			rc = 1;
		}
		break;
	case AFTER_DESTROY:
		if (hk_xen_destroy(x, domid, err, sizeof(err))) {
			fprintf(stderr, "selfmig-hook: %s\n", err);
			rc = 1;
		}
		break;
	}
	hk_guard_stop(&guard);
	hk_xen_close(x);
	free(name);
	return rc;
fail_loud:
	fprintf(stderr, "selfmig-hook: ATTENTION: %s\n", err);
	goto out_fail;
fail:
	fprintf(stderr, "selfmig-hook: %s\n", err);
out_fail:
	if (we_suspended) {
		char err2[256];

		if (hk_xen_resume(x, domid, err2, sizeof(err2)))
			fprintf(stderr, "selfmig-hook: could not resume domain %u either: %s\n",
				domid, err2);
		else
			fprintf(stderr, "selfmig-hook: domain %u resumed; it runs on\n", domid);
	}
	hk_guard_stop(&guard);
	hk_xen_close(x);
	free(name);
	return 1;
}

static int cmd_migrate(int argc, char **argv)
{
	static const int ids[] = {
		SMC_O_RUNE, SMC_O_RECEIVER_LOG, SMC_O_WAIT_S, SMC_O_JSON,
		SMC_O_IO_TIMEOUT, SMC_O_HELP, 0
	};
	struct smc_optvals ov;
	struct hk_opts o = {
		.rune = "xl migrate-receive", .wait_s = 60, .io_ms = XLR_WRITE_TIMEOUT_MS,
	};
	struct hk_save_stats st;
	struct hk_switch sw = { 0 };
	struct sxs_sink sink;
	struct xlr r = { -1, -1, -1, 0 };
	struct hk_guard guard = { -1, -1 };
	struct hk_fault fault;
	struct hk_fault_sink fsink;
	struct sxs_sink fdsink;
	char err[1024], *name = NULL;
	double t0, t_susp = 0, t_sent = 0;
	int sr, rc;

	rc = hk_take_opts(argc, argv, "h", ids, &ov, &o);
	if (rc >= 0)
		return rc;
	rc = 1;
	if (optind != argc - 1) {
		hk_usage(stderr);
		return 2;
	}
	if (hk_fault_for_cmd(&fault, false))
		return SMC_EXIT_USAGE;
	hk_xen_fault_bad_record = fault.point == HK_FAULT_RESTORE_FAIL;
	signal(SIGPIPE, SIG_IGN);	/* a dead receiver is an error, not a kill */
	sw.x = hk_xen_open(err, sizeof(err));
	if (!sw.x) {
		fprintf(stderr, "selfmig-hook: %s\n", err);
		return 1;
	}
	if (hk_xen_resolve(sw.x, argv[optind], &sw.domid, err, sizeof(err)))
		goto fail;
	name = hk_xen_name(sw.x, sw.domid);
	if (!name) {
		snprintf(err, sizeof(err), "domain %u has no name", sw.domid);
		goto fail;
	}
	sw.name = name;
	t0 = now_s();
	fprintf(stderr, "selfmig-hook: starting the receiver: %s\n", o.rune);
	if (xlr_start(&r, o.rune, o.rlog, err, sizeof(err)))
		goto fail;
	r.write_timeout_ms = o.io_ms;
	sw.xr = &r;
	/*
	 * The guard keeps the receiver's output, to hear its answer if the
	 * hook dies after the permission, and closes its input.
	 */
	{
		struct hk_guard_cfg gc = { sw.domid, name, (unsigned int)o.wait_s,
					   HK_GUARD_ANSWER_WAIT_S, r.from, r.to };

		if (hk_guard_start(&guard, &gc, err, sizeof(err)))
			goto fail;
	}
	sw.guard = &guard;
	sw.fault = &fault;
	if (xlr_banner(&r, 60, err, sizeof(err)))
		goto fail;
	hk_fault_die_at(&fault, HK_STAGE_RECEIVING);
	fprintf(stderr, "selfmig-hook: asking domain %u (%s) to suspend\n", sw.domid, name);
	hk_guard_set(&guard, HK_GUARD_SUSPENDED);
	sr = suspend_guest(sw.x, sw.domid, name, o.wait_s, &fault, err, sizeof(err));
	if (sr < -1)
		goto fail_loud;
	if (sr) {
		hk_guard_set(&guard, HK_GUARD_IDLE);
		goto fail;
	}
	sw.suspended = true;
	t_susp = now_s();
	hk_fault_die_at(&fault, HK_STAGE_SUSPENDED);
	fdsink = (struct sxs_sink){ xlr_write, &r, 0 };
	fsink = (struct hk_fault_sink){ &fault, &fdsink, &r.to, r.pid, false };
	if (fault.point == HK_FAULT_CONN_DROP || fault.point == HK_FAULT_RECEIVER_CRASH)
		sink = (struct sxs_sink){ hk_fault_sink_write, &fsink, 0 };
	else
		sink = fdsink;
	if (hk_xen_save(sw.x, sw.domid, &sink, &st, isatty(2) ? progress : NULL, err,
			sizeof(err)))
		goto fail;
	t_sent = now_s();
	hk_fault_die_at(&fault, HK_STAGE_SENT);
	fprintf(stderr, "selfmig-hook: sent %llu pages, %llu bytes in %.1f s; waiting for the destination\n",
		(unsigned long long)st.pages, (unsigned long long)st.bytes,
		t_sent - t_susp);
	rc = hk_switch_complete(&sw, err, sizeof(err));
	if (rc < 0)
		goto fail;
	if (rc > 0)
		goto out;
	fprintf(stderr, "selfmig-hook: migrated: %llu pages, %llu bytes; guest stopped for %.0f ms (suspend to unpause), total %.0f ms\n",
		(unsigned long long)st.pages, (unsigned long long)st.bytes,
		(sw.t_run - t_susp) * 1000, (sw.t_run - t0) * 1000);
	if (o.json)
		hk_json_write(o.json, "{\"domid\":%u,\"pages\":%llu,\"bytes\":%llu,"
			"\"send_ms\":%.0f,\"restore_wait_ms\":%.0f,"
			"\"stopped_ms\":%.0f,\"total_ms\":%.0f}\n",
			sw.domid, (unsigned long long)st.pages,
			(unsigned long long)st.bytes,
			(t_sent - t_susp) * 1000, (sw.t_ready - t_sent) * 1000,
			(sw.t_run - t_susp) * 1000, (sw.t_run - t0) * 1000);
	goto out;
fail_loud:
	rc = hk_switch_alarm(&sw, err);
	goto out;
fail:
	rc = 1;
	fprintf(stderr, "selfmig-hook: %s\n", err);
	if (sw.x)
		hk_switch_abort(&sw);
out:
	xlr_finish(&r, 10);
	hk_guard_stop(&guard);
	hk_xen_close(sw.x);
	free(name);
	return rc;
}

/*
 * selfmig-hook key DOMAIN --id HEX [-o FILE] [--no-publish]: a fresh secret
 * for migration HEX, handed to the guest (control/selfmig/key) and written
 * to FILE (mode 600) for a receiver started on its own.
 */
static int cmd_key(int argc, char **argv)
{
	static const int ids[] = {
		SMC_O_ID, SMC_O_OUTPUT, SMC_O_NO_PUBLISH, SMC_O_HELP, 0
	};
	struct smc_optvals ov;
	const char *id_hex, *out;
	char line[SMK_LINE_LEN + 2], err[512];
	uint8_t id[SMW_ID_LEN], key[SMW_KEY_LEN];
	bool publish;
	struct hk_xen *x;
	uint32_t domid;
	int fd, rc;

	rc = hk_take_opts(argc, argv, "o:h", ids, &ov, NULL);
	if (rc >= 0)
		return rc;
	rc = 1;
	id_hex = ov.val[SMC_O_ID];
	out = ov.val[SMC_O_OUTPUT];
	publish = !ov.val[SMC_O_NO_PUBLISH];
	if (optind != argc - 1 || !id_hex || (!publish && !out)) {
		hk_usage(stderr);
		return 2;
	}
	if (smc_parse_id(id_hex, id)) {
		fprintf(stderr, "selfmig-hook: --id takes 32 hex digits\n");
		return 2;
	}
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		fprintf(stderr, "selfmig-hook: getrandom: %s\n", strerror(errno));
		return 1;
	}
	smk_format(line, id, key);
	memset(key, 0, sizeof(key));
	if (out) {
		fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			fprintf(stderr, "selfmig-hook: %s: %s\n", out, strerror(errno));
			goto wipe;
		}
		line[SMK_LINE_LEN] = '\n';
		if (write(fd, line, SMK_LINE_LEN + 1) != SMK_LINE_LEN + 1 || fsync(fd)) {
			fprintf(stderr, "selfmig-hook: %s: %s\n", out, strerror(errno));
			close(fd);
			unlink(out);
			goto wipe;
		}
		close(fd);
		line[SMK_LINE_LEN] = 0;
	}
	if (publish) {
		x = hk_xen_open(err, sizeof(err));
		if (!x || hk_xen_resolve(x, argv[optind], &domid, err, sizeof(err)) ||
		    hk_xen_publish_key(x, domid, line, err, sizeof(err))) {
			fprintf(stderr, "selfmig-hook: %s\n", err);
			hk_xen_close(x);
			if (out)
				unlink(out);
			goto wipe;
		}
		hk_xen_close(x);
		fprintf(stderr, "selfmig-hook: domain %u has the secret of migration %s\n",
			domid, id_hex);
	}
	rc = 0;
wipe:
	memset(line, 0, sizeof(line));
	return rc;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} cmds[] = {
		{ "save", cmd_save }, { "self", hk_cmd_self }, { "migrate", cmd_migrate },
		{ "key", cmd_key }, { "resume", cmd_resume }, { "check", cmd_check },
	};
	size_t i;

	if (argc < 2) {
		hk_usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		hk_usage(stdout);
		return 0;
	}
	fprintf(stderr, "selfmig-hook: unknown command '%s'\n", argv[1]);
	hk_usage(stderr);
	return 2;
}
