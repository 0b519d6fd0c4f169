// SPDX-License-Identifier: GPL-2.0
/* Fault injection points of selfmig-hook: see fault.h. */
#include "fault.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

static const char *const point_names[] = {
	[HK_FAULT_NONE] = "none",
	[HK_FAULT_CONN_DROP] = "conn-drop",
	[HK_FAULT_RECEIVER_CRASH] = "receiver-crash",
	[HK_FAULT_RESTORE_FAIL] = "restore-fail",
	[HK_FAULT_HOOK_DIE] = "hook-die",
	[HK_FAULT_SUSPEND_TIMEOUT] = "suspend-timeout",
	[HK_FAULT_FLUSH_FAIL] = "flush-fail",
};

static const char *const stage_names[] = {
	[HK_STAGE_RECEIVING] = "receiving",
	[HK_STAGE_SUSPENDED] = "suspended",
	[HK_STAGE_SENT] = "sent",
	[HK_STAGE_GO] = "go",
	[HK_STAGE_PERMITTED] = "permitted",
};

const char *hk_fault_name(enum hk_fault_point p)
{
	return (unsigned int)p < sizeof(point_names) / sizeof(point_names[0]) ?
	       point_names[p] : "?";
}

const char *hk_stage_name(enum hk_stage s)
{
	return (unsigned int)s < sizeof(stage_names) / sizeof(stage_names[0]) ?
	       stage_names[s] : "?";
}

int hk_fault_parse(const char *spec, struct hk_fault *f, char *err,
		   size_t errlen)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	const char *arg = colon ? colon + 1 : NULL;
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->after_bytes = 16ull << 20;
	f->stage = HK_STAGE_SENT;
	for (i = 1; i < sizeof(point_names) / sizeof(point_names[0]); i++)
		if (strlen(point_names[i]) == n && !strncmp(spec, point_names[i], n))
			break;
	if (i == sizeof(point_names) / sizeof(point_names[0])) {
		ERR("SELFMIG_FAULT: unknown point '%.*s' (conn-drop, receiver-crash, restore-fail, hook-die, suspend-timeout, flush-fail)",
		    (int)(n > 40 ? 40 : n), spec);
		return -1;
	}
	f->point = (enum hk_fault_point)i;
	if (!arg)
		return 0;
	if (f->point == HK_FAULT_RECEIVER_CRASH && !strcmp(arg, "suspended")) {
		f->when = HK_AT_SUSPENDED;
		return 0;
	}
	if (f->point == HK_FAULT_RECEIVER_CRASH && !strncmp(arg, "round:", 6)) {
		uint64_t v;

		if (smc_parse_u64(NULL, arg + 6, 0, 100000, &v, NULL, 0)) {
			ERR("SELFMIG_FAULT: receiver-crash:round: takes a round number (0..100000), not '%.40s'",
			    arg + 6);
			return -1;
		}
		f->when = HK_AT_ROUND;
		f->round = v;
		return 0;
	}
	switch (f->point) {
	case HK_FAULT_CONN_DROP:
	case HK_FAULT_RECEIVER_CRASH: {
		uint64_t v;

		if (smc_parse_u64(NULL, arg, 0, 65536, &v, NULL, 0)) {
			ERR("SELFMIG_FAULT: %s takes a size in MiB (0..65536)%s, not '%.40s'",
			    point_names[i],
			    f->point == HK_FAULT_RECEIVER_CRASH ? ", round:N or suspended" : "",
			    arg);
			return -1;
		}
		f->after_bytes = v << 20;
		return 0;
	}
	case HK_FAULT_HOOK_DIE: {
		int st = SMC_NAME_INDEX(arg, stage_names);

		if (st >= 0) {
			f->stage = (enum hk_stage)st;
			return 0;
		}
		ERR("SELFMIG_FAULT: hook-die takes receiving, suspended, sent, go or permitted, not '%.40s'",
		    arg);
		return -1;
	}
	default:
		ERR("SELFMIG_FAULT: %s takes no argument", point_names[f->point]);
		return -1;
	}
}

int hk_fault_from_env(struct hk_fault *f, char *err, size_t errlen)
{
	const char *v = getenv("SELFMIG_FAULT");

	memset(f, 0, sizeof(*f));
	if (!v || !*v)
		return 0;
#ifdef SELFMIG_FAULTS
	if (hk_fault_parse(v, f, err, errlen))
		return -1;
	fprintf(stderr, "selfmig-hook: FAULT INJECTION armed: %s\n", v);
	return 0;
#else
	ERR("SELFMIG_FAULT is set, but this build has no fault points (build with FAULTS=1)");
	return -1;
#endif
}

int hk_fault_for_cmd(struct hk_fault *f, bool self)
{
	char err[512];

	if (hk_fault_from_env(f, err, sizeof(err))) {
		fprintf(stderr, "selfmig-hook: %s\n", err);
		return SMC_EXIT_USAGE;
	}
	if (f->point == HK_FAULT_FLUSH_FAIL && !self) {
		fprintf(stderr, "selfmig-hook: SELFMIG_FAULT=flush-fail is a point of self only\n");
		return SMC_EXIT_USAGE;
	}
	return 0;
}

int hk_fault_sink_write(void *ctx, const void *buf, size_t len)
{
	struct hk_fault_sink *fs = ctx;
	uint64_t done = fs->inner->bytes;

	if (!fs->fired && done + len > fs->f->after_bytes) {
		fs->fired = true;
		if (fs->f->point == HK_FAULT_CONN_DROP) {
			fprintf(stderr, "selfmig-hook: FAULT INJECTION: the connection drops after %llu bytes\n",
				(unsigned long long)done);
			if (*fs->fd >= 0)
				close(*fs->fd);
			*fs->fd = -1;
			errno = EPIPE;
			return -1;
		}
		if (fs->f->point == HK_FAULT_RECEIVER_CRASH && fs->pgrp > 0) {
			fprintf(stderr, "selfmig-hook: FAULT INJECTION: the receiver crashes after %llu bytes\n",
				(unsigned long long)done);
			kill(-fs->pgrp, SIGKILL);
			/* Go on writing: the failure must come from the real path. */
		}
	}
	if (*fs->fd < 0) {
		errno = EPIPE;
		return -1;
	}
	if (fs->inner->write(fs->inner->ctx, buf, len))
		return -1;
	fs->inner->bytes += len;
	return 0;
}

unsigned int hk_fault_suspend_wait_ms(const struct hk_fault *f,
				      unsigned int wait_ms)
{
	if (f->point != HK_FAULT_SUSPEND_TIMEOUT)
		return wait_ms;
	fprintf(stderr, "selfmig-hook: FAULT INJECTION: the wait for the guest's suspend ends at its first look\n");
	return 0;
}

int hk_fault_bad_record(struct sxs_sink *s)
{
	static const uint8_t junk[8] = "selfmig";

	fprintf(stderr, "selfmig-hook: FAULT INJECTION: a record the destination cannot restore\n");
	return sxs_write_record(s, HK_FAULT_RECORD_TYPE, junk, sizeof(junk));
}

void hk_fault_die_at(const struct hk_fault *f, enum hk_stage stage)
{
	if (f->point != HK_FAULT_HOOK_DIE || f->stage != stage)
		return;
	fprintf(stderr, "selfmig-hook: FAULT INJECTION: the hook dies now (%s)\n",
		stage_names[stage]);
	fflush(stderr);
	raise(SIGKILL);
}
