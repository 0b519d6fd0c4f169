// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-hook: the dom0 side of the final switch, Xen calls: the handles
 * on Xen, libxl and xenstore, and the domain as a whole.  It finds a domain
 * by name or id, asks it to suspend and follows it there (struct
 * hk_dom_ops), resumes, renames and destroys it, reads its configuration
 * from libxl, and hands it the migration's secret through xenstore.
 *
 * Its state goes into a stream in save_xen.c; its memory is read in
 * frames_xen.c.
 *
 * See verify_xen.c for why __STRICT_ANSI__ is dropped.
 */
#undef __STRICT_ANSI__

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenctrl.h>
#include <xenguest.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>
#include <xen/sched.h>

#include "hook_xen.h"
#include "hook_xen_int.h"
#include "suspend.h"

void hk_xen_close(struct hk_xen *x)
{
	if (!x)
		return;
	if (x->lx)
		libxl_ctx_free(x->lx);
	sxh_close(&x->h);
	free(x);
}

struct hk_xen *hk_xen_open(char *err, size_t errlen)
{
	struct hk_xen *x = calloc(1, sizeof(*x));

	if (!x) {
		ERR("out of memory");
		return NULL;
	}
	if (sxh_open(&x->h, err, errlen))
		goto fail;
	if (libxl_ctx_alloc(&x->lx, LIBXL_VERSION, 0,
			    (xentoollog_logger *)x->h.log)) {
		ERR("cannot open libxl");
		x->lx = NULL;
		goto fail;
	}
	return x;
fail:
	hk_xen_close(x);
	return NULL;
}

int hk_xen_resolve(struct hk_xen *x, const char *spec, uint32_t *domid,
		   char *err, size_t errlen)
{
	return sxh_resolve(&x->h, spec, domid, err, errlen);
}

/* Shut down with reason suspend: 1; running: 0; anything else: -1. */
int hk_suspended(struct hk_xen *x, uint32_t domid, char *err, size_t errlen)
{
	xc_domaininfo_t info;
	int r = sxh_domain_info(&x->h, domid, &info);

	if (r != 1) {
		ERR("domain %u vanished", domid);
		return -1;
	}
	if (info.flags & XEN_DOMINF_dying) {
		ERR("domain %u is dying", domid);
		return -1;
	}
	if (!(info.flags & XEN_DOMINF_shutdown))
		return 0;
	if (((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask)
	    != SHUTDOWN_suspend) {
		ERR("domain %u shut down, but not to suspend", domid);
		return -1;
	}
	return 1;
}

int hk_xen_request_suspend(struct hk_xen *x, uint32_t domid, char *err,
			   size_t errlen)
{
	char path[80];
	int r = hk_suspended(x, domid, err, errlen);

	if (r)
		return r < 0 ? -1 : 1;
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
	if (!xs_write(x->h.xsh, XBT_NULL, path, "suspend", 7)) {
		ERR("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- struct hk_dom_ops (suspend.h) on Xen */

static int xdom_state(void *ctx, char *err, size_t errlen)
{
	struct hk_xen_dom *d = ctx;
	xc_domaininfo_t info;
	int r = sxh_domain_info(&d->x->h, d->domid, &info);

	if (r != 1) {
		ERR("it no longer exists");
		return HK_DOM_GONE;
	}
	if (info.flags & XEN_DOMINF_dying) {
		ERR("it is dying");
		return HK_DOM_GONE;
	}
	if (!(info.flags & XEN_DOMINF_shutdown))
		return HK_DOM_RUNNING;
	if (((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask)
	    != SHUTDOWN_suspend) {
		ERR("it shut down, but not to suspend (reason %u)",
		    (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask);
		return HK_DOM_GONE;
	}
	return HK_DOM_SUSPENDED;
}

/*
 * The guest's kernel reads control/shutdown and writes "" back in one
 * transaction; ours reads it and, if it still says "suspend", writes "".
 * One of the two transactions fails and is retried, so the request is
 * either withdrawn before the guest saw it or taken by the guest, never
 * both.  The node is overwritten, not removed: removing it would take the
 * guest's permission to answer later requests with it.
 */
static int xdom_withdraw(void *ctx)
{
	struct hk_xen_dom *d = ctx;
	char path[80];
	int tries;

	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", d->domid);
	for (tries = 0; tries < 20; tries++) {
		xs_transaction_t t = xs_transaction_start(d->x->h.xsh);
		unsigned int len = 0;
		bool pending;
		char *v;

		if (t == XBT_NULL)
			return HK_WITHDRAW_FAILED;
		v = xs_read(d->x->h.xsh, t, path, &len);
		if (!v) {
			/* No node, no request: a guest cannot create one there. */
			int e = errno;

			xs_transaction_end(d->x->h.xsh, t, true);
			return e == ENOENT ? HK_WITHDRAWN : HK_WITHDRAW_FAILED;
		}
		pending = len == 7 && !memcmp(v, "suspend", 7);
		free(v);
		if (!pending) {
			xs_transaction_end(d->x->h.xsh, t, true);
			return HK_TAKEN;
		}
		if (!xs_write(d->x->h.xsh, t, path, "", 0)) {
			xs_transaction_end(d->x->h.xsh, t, true);
			return HK_WITHDRAW_FAILED;
		}
		if (xs_transaction_end(d->x->h.xsh, t, false))
			return HK_WITHDRAWN;
		if (errno != EAGAIN)
			return HK_WITHDRAW_FAILED;
	}
	return HK_WITHDRAW_FAILED;
}

static int xdom_resume(void *ctx, char *err, size_t errlen)
{
	struct hk_xen_dom *d = ctx;

	return hk_xen_resume(d->x, d->domid, err, errlen);
}

static uint64_t xdom_now_ms(void *ctx)
{
	struct timespec t;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void xdom_nap_ms(void *ctx, unsigned int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000 };

	(void)ctx;
	nanosleep(&t, NULL);
}

void hk_xen_dom_ops(struct hk_xen_dom *d, struct hk_xen *x, uint32_t domid,
		    const char *name, struct hk_dom_ops *o)
{
	d->x = x;
	d->domid = domid;
	*o = (struct hk_dom_ops){
		.ctx = d,
		.domid = domid,
		.name = name,
		.state = xdom_state,
		.withdraw = xdom_withdraw,
		.resume = xdom_resume,
		.now_ms = xdom_now_ms,
		.nap_ms = xdom_nap_ms,
	};
}

int hk_xen_resume(struct hk_xen *x, uint32_t domid, char *err, size_t errlen)
{
	if (xc_domain_resume(x->h.xch, domid, 1) < 0) {
		ERR("resuming domain %u: %s", domid, strerror(errno));
		return -1;
	}
	return 0;
}

int hk_xen_destroy(struct hk_xen *x, uint32_t domid, char *err, size_t errlen)
{
	if (libxl_domain_destroy(x->lx, domid, NULL)) {
		ERR("destroying domain %u failed", domid);
		return -1;
	}
	return 0;
}

char *hk_xen_name(struct hk_xen *x, uint32_t domid)
{
	return libxl_domid_to_name(x->lx, domid);
}

int hk_xen_rename(struct hk_xen *x, uint32_t domid, const char *from,
		  const char *to, char *err, size_t errlen)
{
	if (libxl_domain_rename(x->lx, domid, from, to)) {
		ERR("renaming domain %u from '%s' to '%s' failed", domid, from, to);
		return -1;
	}
	return 0;
}

char *hk_xen_config_json(struct hk_xen *x, uint32_t domid, char *err,
			 size_t errlen)
{
	libxl_domain_config cfg;
	char *json = NULL;

	libxl_domain_config_init(&cfg);
	if (libxl_retrieve_domain_configuration(x->lx, domid, &cfg, NULL)) {
		ERR("cannot retrieve the configuration of domain %u from libxl",
		    domid);
		goto out;
	}
	/* As xl does: the destination picks its own domain id. */
	cfg.c_info.domid = 0;
	json = libxl_domain_config_to_json(x->lx, &cfg);
	if (!json)
		ERR("cannot turn the configuration of domain %u into JSON", domid);
out:
	libxl_domain_config_dispose(&cfg);
	return json;
}

int hk_xen_publish_key(struct hk_xen *x, uint32_t domid, const char *line,
		       char *err, size_t errlen)
{
	struct xs_permissions p[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = domid, .perms = XS_PERM_READ },
	};
	char path[96];
	int tries;

	snprintf(path, sizeof(path), "/local/domain/%u/control/selfmig/key", domid);
	/* Written and locked down in one transaction: never guest-writable. */
	for (tries = 0; tries < 5; tries++) {
		xs_transaction_t t = xs_transaction_start(x->h.xsh);

		if (t == XBT_NULL)
			break;
		if (!xs_write(x->h.xsh, t, path, line, strlen(line)) ||
		    !xs_set_permissions(x->h.xsh, t, path, p, 2)) {
			int e = errno;

			xs_transaction_end(x->h.xsh, t, true);
			ERR("cannot write %s: %s", path, strerror(e));
			return -1;
		}
		if (xs_transaction_end(x->h.xsh, t, false))
			return 0;
		if (errno != EAGAIN)
			break;
	}
	ERR("cannot write %s: %s", path, strerror(errno));
	return -1;
}

void hk_xen_withdraw_key(struct hk_xen *x, uint32_t domid)
{
	char path[96];

	snprintf(path, sizeof(path), "/local/domain/%u/control/selfmig/key", domid);
	xs_rm(x->h.xsh, XBT_NULL, path);
}
