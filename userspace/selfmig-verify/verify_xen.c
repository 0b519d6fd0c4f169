// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-verify: hypervisor, xenstore and foreign-mapping calls.
 *
 * The Xen public headers refuse strict ISO mode (they test __STRICT_ANSI__
 * and rely on anonymous unions and __attribute__, both of which the
 * compiler accepts under -std=c11 anyway), so the macro is dropped before
 * any header is read.  _GNU_SOURCE already selects the full libc API.
 */
#undef __STRICT_ANSI__

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <xenctrl.h>
#include <xenguest.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>
#include <xen/sched.h>

#include "verify_xen.h"
#include "xenh.h"

#define SMV_POLL_NS	100000000L	/* 100 ms between domain checks */
#define SMV_MAP_MAX	(SMV_BATCH_PAGES > 2 * SMFS_MAX_BITMAP_PAGES ? \
			 SMV_BATCH_PAGES : 2 * SMFS_MAX_BITMAP_PAGES)

struct smv_xen {
	struct sxh h;			/* the handles selfmig-hook opens too */
	u32 domid;			/* of the mapper */
	xen_pfn_t pfns[SMV_MAP_MAX];
};

struct smv_xen *smv_xen_open(char *err, size_t errlen)
{
	struct smv_xen *x;

	x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sxh_open(&x->h, err, errlen)) {
		free(x);
		return NULL;
	}
	return x;
}

void smv_xen_close(struct smv_xen *x)
{
	if (!x)
		return;
	sxh_close(&x->h);
	free(x);
}

int smv_xen_resolve(struct smv_xen *x, const char *spec, u32 *domid,
		    char *err, size_t errlen)
{
	return sxh_resolve(&x->h, spec, domid, err, errlen);
}

static const char *smv_reason_name(unsigned int reason)
{
	switch (reason) {
	case SHUTDOWN_poweroff:
		return "poweroff";
	case SHUTDOWN_reboot:
		return "reboot";
	case SHUTDOWN_suspend:
		return "suspend";
	case SHUTDOWN_crash:
		return "crash";
	case SHUTDOWN_watchdog:
		return "watchdog";
	case SHUTDOWN_soft_reset:
		return "soft_reset";
	default:
		return "unknown";
	}
}

static double smv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int smv_xen_wait_suspended(struct smv_xen *x, u32 domid, unsigned long wait_s,
			   volatile sig_atomic_t *stop, char *err,
			   size_t errlen)
{
	struct timespec pause = { 0, SMV_POLL_NS };
	double deadline = smv_now() + (double)wait_s;
	xc_domaininfo_t info;
	unsigned int reason;
	int ret;

	for (;;) {
		ret = sxh_domain_info(&x->h, domid, &info);
		if (ret < 0) {
			snprintf(err, errlen, "getting domain %u info: %s",
				 domid, strerror(errno));
			return -1;
		}
		if (!ret) {
			snprintf(err, errlen, "domain %u no longer exists",
				 domid);
			return -1;
		}
		if (info.flags & XEN_DOMINF_dying) {
			snprintf(err, errlen, "domain %u is dying", domid);
			return -1;
		}
		if (info.flags & XEN_DOMINF_shutdown) {
			reason = (info.flags >> XEN_DOMINF_shutdownshift) &
				 XEN_DOMINF_shutdownmask;
			if (reason == SHUTDOWN_suspend)
				return 0;
			snprintf(err, errlen,
				 "domain %u has shut down with reason %u (%s), not suspend",
				 domid, reason, smv_reason_name(reason));
			return -1;
		}
		if (stop && *stop) {
			snprintf(err, errlen, "interrupted while waiting for domain %u",
				 domid);
			return -1;
		}
		if (smv_now() >= deadline) {
			snprintf(err, errlen,
				 "domain %u did not suspend within %lu s", domid,
				 wait_s);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

int smv_xen_final_set_gfn(struct smv_xen *x, u32 domid, u64 *gfn, char *err,
			  size_t errlen)
{
	char path[96], *val;
	unsigned int len = 0, i;

	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, SMV_XS_KEY);
	val = xs_read(x->h.xsh, XBT_NULL, path, &len);
	if (!val) {
		snprintf(err, errlen, "cannot read %s from xenstore: %s", path,
			 strerror(errno));
		return -1;
	}
	if (strlen(val) != len || smv_parse_gfn(val, gfn)) {
		for (i = 0; i < len; i++)
			if (val[i] < 0x20 || val[i] > 0x7e)
				val[i] = '?';
		snprintf(err, errlen,
			 "%s is '%.40s', not a gfn in lower-case hex", path, val);
		free(val);
		return -1;
	}
	free(val);
	return 0;
}

static void *smv_xen_map(void *ctx, const u64 *gfns, u32 n, int *err)
{
	struct smv_xen *x = ctx;
	u32 i;

	if (n == 0 || n > SMV_MAP_MAX) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < n; i++)
		x->pfns[i] = (xen_pfn_t)gfns[i];
	return xenforeignmemory_map(x->h.fmem, x->domid, PROT_READ, n, x->pfns,
				    err);
}

static void smv_xen_unmap(void *ctx, void *addr, u32 n)
{
	struct smv_xen *x = ctx;

	xenforeignmemory_unmap(x->h.fmem, addr, n);
}

void smv_xen_mapper(struct smv_xen *x, u32 domid, struct smv_mapper *m)
{
	x->domid = domid;
	m->ctx = x;
	m->map = smv_xen_map;
	m->unmap = smv_xen_unmap;
}

int smv_xen_resume(struct smv_xen *x, u32 domid, char *err, size_t errlen)
{
	if (xc_domain_resume(x->h.xch, domid, 1) < 0) {
		snprintf(err, errlen, "resuming domain %u failed: %s", domid,
			 strerror(errno));
		return -1;
	}
	return 0;
}
