// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-hook: the dom0 side of the final switch, Xen calls.
 *
 * It reads a suspended domain's state from Xen (pages through foreign
 * mappings, the HVM context, HVM params, TSC info, CPUID and MSR policy) and
 * the domain's configuration from libxl, and writes them as a stream that
 * stock xl restores (userspace/common/xenstream.c, docs/xen-stream.md).
 *
 * See verify_xen.c for why __STRICT_ANSI__ is dropped.
 */
#undef __STRICT_ANSI__

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenctrl.h>
#include <xenguest.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>
#include <xen/sched.h>
#include <xen/hvm/params.h>

#include "hook_xen.h"
#include "fault.h"
#include "finalset.h"
#include "frames.h"
#include "suspend.h"
#include "xenstream.h"

struct hk_xen {
	xentoollog_logger_stdiostream *log;
	xc_interface *xch;
	xenforeignmemory_handle *fmem;
	struct xs_handle *xsh;
	libxl_ctx *lx;
};

bool hk_xen_fault_bad_record;

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

void hk_xen_close(struct hk_xen *x)
{
	if (!x)
		return;
	if (x->lx)
		libxl_ctx_free(x->lx);
	if (x->xsh)
		xs_close(x->xsh);
	if (x->fmem)
		xenforeignmemory_close(x->fmem);
	if (x->xch)
		xc_interface_close(x->xch);
	if (x->log)
		xtl_logger_destroy((xentoollog_logger *)x->log);
	free(x);
}

struct hk_xen *hk_xen_open(char *err, size_t errlen)
{
	struct hk_xen *x = calloc(1, sizeof(*x));

	if (!x) {
		ERR("out of memory");
		return NULL;
	}
	x->log = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
	x->xch = xc_interface_open((xentoollog_logger *)x->log, NULL, 0);
	if (!x->xch) {
		ERR("cannot open the hypervisor interface: %s (not dom0, or not root?)",
		    strerror(errno));
		goto fail;
	}
	x->fmem = xenforeignmemory_open((xentoollog_logger *)x->log, 0);
	if (!x->fmem) {
		ERR("cannot open foreign memory mapping: %s", strerror(errno));
		goto fail;
	}
	x->xsh = xs_open(0);
	if (!x->xsh) {
		ERR("cannot connect to xenstore: %s", strerror(errno));
		goto fail;
	}
	if (libxl_ctx_alloc(&x->lx, LIBXL_VERSION, 0,
			    (xentoollog_logger *)x->log)) {
		ERR("cannot open libxl");
		x->lx = NULL;
		goto fail;
	}
	return x;
fail:
	hk_xen_close(x);
	return NULL;
}

static int domain_info(struct hk_xen *x, uint32_t domid, xc_domaininfo_t *info)
{
	int n = xc_domain_getinfolist(x->xch, domid, 1, info);

	if (n < 0)
		return -1;
	return n == 1 && info->domain == domid;
}

int hk_xen_resolve(struct hk_xen *x, const char *spec, uint32_t *domid,
		   char *err, size_t errlen)
{
	char *end;
	unsigned long v;
	uint32_t id;

	errno = 0;
	v = strtoul(spec, &end, 10);
	if (*spec && !*end && !errno && v < DOMID_FIRST_RESERVED) {
		xc_domaininfo_t info;

		if (domain_info(x, (uint32_t)v, &info) != 1) {
			ERR("no domain with id %lu", v);
			return -1;
		}
		*domid = (uint32_t)v;
		return 0;
	}
	if (libxl_name_to_domid(x->lx, spec, &id)) {
		ERR("no domain named '%s'", spec);
		return -1;
	}
	*domid = id;
	return 0;
}

/* Shut down with reason suspend: 1; running: 0; anything else: -1. */
static int suspended(struct hk_xen *x, uint32_t domid, char *err, size_t errlen)
{
	xc_domaininfo_t info;
	int r = domain_info(x, domid, &info);

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
	int r = suspended(x, domid, err, errlen);

	if (r)
		return r < 0 ? -1 : 1;
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
	if (!xs_write(x->xsh, XBT_NULL, path, "suspend", 7)) {
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
	int r = domain_info(d->x, d->domid, &info);

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
		xs_transaction_t t = xs_transaction_start(d->x->xsh);
		unsigned int len = 0;
		bool pending;
		char *v;

		if (t == XBT_NULL)
			return HK_WITHDRAW_FAILED;
		v = xs_read(d->x->xsh, t, path, &len);
		if (!v) {
			/* No node, no request: a guest cannot create one there. */
			int e = errno;

			xs_transaction_end(d->x->xsh, t, true);
			return e == ENOENT ? HK_WITHDRAWN : HK_WITHDRAW_FAILED;
		}
		pending = len == 7 && !memcmp(v, "suspend", 7);
		free(v);
		if (!pending) {
			xs_transaction_end(d->x->xsh, t, true);
			return HK_TAKEN;
		}
		if (!xs_write(d->x->xsh, t, path, "", 0)) {
			xs_transaction_end(d->x->xsh, t, true);
			return HK_WITHDRAW_FAILED;
		}
		if (xs_transaction_end(d->x->xsh, t, false))
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
	if (xc_domain_resume(x->xch, domid, 1) < 0) {
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

/* CPUID and MSR policy, then STATIC_DATA_END. */
int hk_xen_write_static(struct hk_xen *x, uint32_t domid, struct sxs_sink *s,
			struct hk_save_stats *st, char *err, size_t errlen)
{
	xc_cpu_policy_t *pol = NULL;
	xen_cpuid_leaf_t *leaves = NULL;
	xen_msr_entry_t *msrs = NULL;
	uint32_t nl = 0, nm = 0;
	int rc = -1;

	if (xc_cpu_policy_get_size(x->xch, &nl, &nm)) {
		ERR("cannot read the CPU policy size: %s", strerror(errno));
		goto out;
	}
	pol = xc_cpu_policy_init();
	leaves = calloc(nl ? nl : 1, sizeof(*leaves));
	msrs = calloc(nm ? nm : 1, sizeof(*msrs));
	if (!pol || !leaves || !msrs) {
		ERR("out of memory");
		goto out;
	}
	if (xc_cpu_policy_get_domain(x->xch, domid, pol) ||
	    xc_cpu_policy_serialise(x->xch, pol, leaves, &nl, msrs, &nm)) {
		ERR("cannot read domain %u's CPU policy: %s", domid,
		    strerror(errno));
		goto out;
	}
	if ((nl && sxs_write_record(s, SXS_REC_CPUID_POLICY, leaves,
				    nl * sizeof(*leaves))) ||
	    (nm && sxs_write_record(s, SXS_REC_MSR_POLICY, msrs,
				    nm * sizeof(*msrs))) ||
	    sxs_write_record(s, SXS_REC_STATIC_DATA_END, NULL, 0)) {
		ERR("writing the stream: %s", sxs_write_strerror(errno));
		goto out;
	}
	st->cpuid_leaves = nl;
	st->msrs = nm;
	rc = 0;
out:
	free(leaves);
	free(msrs);
	if (pol)
		xc_cpu_policy_destroy(pol);
	return rc;
}

/* A frame that is there but could not be mapped (frames.h): why, in err. */
static void frame_failed(uint64_t pfn, uint32_t domid, int e, char *err,
			 size_t errlen)
{
	ERR("frame %#llx of domain %u is populated but cannot be mapped: %s; it cannot be left out",
	    (unsigned long long)pfn, domid, strerror(-e));
}

/*
 * Every populated frame of the domain, in batches.  A hole (frames.h) is
 * left out, as the destination then leaves it out too; a frame that fails
 * to map for any other reason, or a batch that fails as a whole, is an
 * error: leaving it out would lose it.
 */
static int write_all_pages(struct hk_xen *x, uint32_t domid,
			   struct sxs_sink *s, struct hk_save_stats *st,
			   hk_progress_fn progress, char *err, size_t errlen)
{
	xen_pfn_t nr = 0, base;
	xen_pfn_t pfns[SXS_BATCH_MAX];
	uint64_t sel[SXS_BATCH_MAX];
	int errs[SXS_BATCH_MAX];
	static uint8_t buf[SXS_BATCH_MAX * SXS_PAGE_SIZE];

	if (xc_domain_nr_gpfns(x->xch, domid, &nr) < 0) {
		ERR("cannot read domain %u's physical map size: %s", domid,
		    strerror(errno));
		return -1;
	}
	st->gpfns = nr;
	for (base = 0; base < nr; base += SXS_BATCH_MAX) {
		unsigned int n = nr - base < SXS_BATCH_MAX ? (unsigned int)(nr - base)
							   : SXS_BATCH_MAX;
		unsigned int i, k = 0;
		uint8_t *map;

		for (i = 0; i < n; i++)
			pfns[i] = base + i;
		map = xenforeignmemory_map(x->fmem, domid, PROT_READ, n, pfns, errs);
		if (!map) {
			/* Holes fail one by one, in errs; this is not that. */
			ERR("mapping frames %#lx-%#lx of domain %u: %s",
			    (unsigned long)base, (unsigned long)(base + n - 1),
			    domid, strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			enum hk_frame kind = hk_frame_kind(errs[i]);

			if (kind == HK_FRAME_HOLE)
				continue;
			if (kind == HK_FRAME_FAILED) {
				frame_failed(base + i, domid, errs[i], err, errlen);
				xenforeignmemory_unmap(x->fmem, map, n);
				return -1;
			}
			sel[k] = base + i;
			memcpy(buf + (size_t)k * SXS_PAGE_SIZE,
			       map + (size_t)i * SXS_PAGE_SIZE, SXS_PAGE_SIZE);
			k++;
		}
		xenforeignmemory_unmap(x->fmem, map, n);
		if (k && sxs_write_pages(s, sel, NULL, k, buf)) {
			ERR("writing the stream: %s", sxs_write_strerror(errno));
			return -1;
		}
		st->pages += k;
		if (progress && ((base / SXS_BATCH_MAX) % 64 == 0 || base + n >= nr))
			progress(base + n, nr, st->pages);
	}
	return 0;
}

static const unsigned int hvm_param_list[] = {
	HVM_PARAM_STORE_PFN, HVM_PARAM_IOREQ_PFN, HVM_PARAM_BUFIOREQ_PFN,
	HVM_PARAM_PAGING_RING_PFN, HVM_PARAM_MONITOR_RING_PFN,
	HVM_PARAM_SHARING_RING_PFN, HVM_PARAM_VM86_TSS_SIZED,
	HVM_PARAM_CONSOLE_PFN, HVM_PARAM_ACPI_IOPORTS_LOCATION,
	HVM_PARAM_VIRIDIAN, HVM_PARAM_IDENT_PT,
	HVM_PARAM_VM_GENERATION_ID_ADDR, HVM_PARAM_IOREQ_SERVER_PFN,
	HVM_PARAM_NR_IOREQ_SERVER_PAGES, HVM_PARAM_X87_FIP_WIDTH,
	HVM_PARAM_MCA_CAP,
};

/* TSC, HVM context and params: the CPU state, last. */
int hk_xen_write_cpu_state(struct hk_xen *x, uint32_t domid, struct sxs_sink *s,
			   struct hk_save_stats *st, char *err, size_t errlen)
{
	struct sxs_tsc_info tsc = { 0 };
	struct sxs_hvm_param par[sizeof(hvm_param_list) / sizeof(hvm_param_list[0])];
	unsigned int i, np = 0;
	uint8_t *ctx;
	int sz;

	if (xc_domain_get_tsc_info(x->xch, domid, &tsc.mode, &tsc.nsec, &tsc.khz,
				   &tsc.incarnation)) {
		ERR("cannot read domain %u's TSC info: %s", domid, strerror(errno));
		return -1;
	}
	if (sxs_write_tsc_info(s, &tsc))
		goto wfail;
	sz = xc_domain_hvm_getcontext(x->xch, domid, NULL, 0);
	if (sz <= 0) {
		ERR("cannot read domain %u's HVM context size: %s", domid,
		    strerror(errno));
		return -1;
	}
	ctx = malloc((size_t)sz);
	if (!ctx) {
		ERR("out of memory");
		return -1;
	}
	sz = xc_domain_hvm_getcontext(x->xch, domid, ctx, (uint32_t)sz);
	if (sz <= 0) {
		ERR("cannot read domain %u's HVM context: %s", domid,
		    strerror(errno));
		free(ctx);
		return -1;
	}
	st->hvm_context_bytes = (uint32_t)sz;
	if (sxs_write_record(s, SXS_REC_HVM_CONTEXT, ctx, (uint32_t)sz)) {
		free(ctx);
		goto wfail;
	}
	free(ctx);
	for (i = 0; i < sizeof(hvm_param_list) / sizeof(hvm_param_list[0]); i++) {
		uint64_t v = 0;

		if (xc_hvm_param_get(x->xch, domid, hvm_param_list[i], &v)) {
			ERR("cannot read domain %u's HVM param %u: %s", domid,
			    hvm_param_list[i], strerror(errno));
			return -1;
		}
		if (v) {
			par[np].index = hvm_param_list[i];
			par[np].value = v;
			np++;
		}
	}
	st->hvm_params = np;
	if (np && sxs_write_hvm_params(s, par, np))
		goto wfail;
	return 0;
wfail:
	ERR("writing the stream: %s", sxs_write_strerror(errno));
	return -1;
}

int hk_xen_save(struct hk_xen *x, uint32_t domid, struct sxs_sink *s,
		struct hk_save_stats *st, hk_progress_fn progress, char *err,
		size_t errlen)
{
	int ver, r;
	char *json;

	memset(st, 0, sizeof(*st));
	r = suspended(x, domid, err, errlen);
	if (r <= 0) {
		if (!r)
			ERR("domain %u is running; it must be suspended first (--suspend)",
			    domid);
		return -1;
	}
	json = hk_xen_config_json(x, domid, err, errlen);
	if (!json)
		return -1;
	st->config_bytes = (uint32_t)strlen(json) + 1;
	ver = xc_version(x->xch, XENVER_version, NULL);
	if (sxs_write_xl_header(s, json, st->config_bytes, true) ||
	    sxs_write_libxl_start(s) ||
	    sxs_write_libxc_start(s, (uint32_t)ver >> 16, (uint32_t)ver & 0xffff)) {
		free(json);
		ERR("writing the stream: %s", sxs_write_strerror(errno));
		return -1;
	}
	free(json);
	if (hk_xen_write_static(x, domid, s, st, err, errlen) ||
	    write_all_pages(x, domid, s, st, progress, err, errlen) ||
	    hk_xen_write_cpu_state(x, domid, s, st, err, errlen))
		return -1;
	if (hk_xen_fault_bad_record && hk_fault_bad_record(s)) {
		ERR("writing the stream: %s", sxs_write_strerror(errno));
		return -1;
	}
	if (sxs_write_end(s)) {
		ERR("writing the stream: %s", sxs_write_strerror(errno));
		return -1;
	}
	st->bytes = s->bytes;
	return 0;
}

int hk_xen_write_prologue(struct hk_xen *x, uint32_t domid, struct sxs_sink *s,
			  struct hk_save_stats *st, char *err, size_t errlen)
{
	char *json = hk_xen_config_json(x, domid, err, errlen);
	int ver;

	if (!json)
		return -1;
	st->config_bytes = (uint32_t)strlen(json) + 1;
	ver = xc_version(x->xch, XENVER_version, NULL);
	if (sxs_write_xl_header(s, json, st->config_bytes, true) ||
	    sxs_write_libxl_start(s) ||
	    sxs_write_libxc_start(s, (uint32_t)ver >> 16, (uint32_t)ver & 0xffff)) {
		free(json);
		ERR("writing the stream: %s", sxs_write_strerror(errno));
		return -1;
	}
	free(json);
	return hk_xen_write_static(x, domid, s, st, err, errlen);
}

int hk_xen_max_pages(struct hk_xen *x, uint32_t domid, uint64_t *pages,
		     char *err, size_t errlen)
{
	xc_dominfo_t info;

	if (xc_domain_getinfo(x->xch, domid, 1, &info) != 1 || info.domid != domid) {
		ERR("cannot read domain %u's maximum memory: %s", domid,
		    strerror(errno ? errno : ESRCH));
		return -1;
	}
	/* max_memkb is Xen's max_pages in KiB. */
	*pages = (uint64_t)info.max_memkb / (SXS_PAGE_SIZE / 1024);
	return 0;
}

/* Map pfns (n <= SXS_BATCH_MAX) to see which are populated, into bm. */
static int probe_batch(struct hk_xen *x, uint32_t domid, const uint64_t *pfns,
		       unsigned int n, uint8_t *bm, uint64_t *found, char *err,
		       size_t errlen)
{
	xen_pfn_t p[SXS_BATCH_MAX];
	int errs[SXS_BATCH_MAX];
	unsigned int i, bad;
	void *map;
	int r;

	for (i = 0; i < n; i++)
		p[i] = pfns[i];
	map = xenforeignmemory_map(x->fmem, domid, PROT_READ, n, p, errs);
	if (!map) {
		/* Holes fail one by one, in errs; this is not that. */
		ERR("cannot map frames %#llx-%#llx of domain %u to see which are populated: %s",
		    (unsigned long long)pfns[0], (unsigned long long)pfns[n - 1],
		    domid, strerror(errno));
		return -1;
	}
	r = hk_mark_batch(bm, pfns, errs, n, found, &bad);
	if (r)
		frame_failed(pfns[bad], domid, errs[bad], err, errlen);
	xenforeignmemory_unmap(x->fmem, map, n);
	return r;
}

int hk_xen_populated(struct hk_xen *x, uint32_t domid, uint8_t **bitmap,
		     uint64_t *nr_out, char *err, size_t errlen)
{
	uint64_t base, found = 0, pfns[SXS_BATCH_MAX];
	xen_pfn_t nr = 0;
	uint8_t *bm;

	if (xc_domain_nr_gpfns(x->xch, domid, &nr) < 0) {
		ERR("cannot read domain %u's physical map size: %s", domid,
		    strerror(errno));
		return -1;
	}
	bm = calloc((size_t)(nr + 7) / 8 + 1, 1);
	if (!bm) {
		ERR("out of memory");
		return -1;
	}
	for (base = 0; base < nr; base += SXS_BATCH_MAX) {
		unsigned int n = nr - base < SXS_BATCH_MAX ? (unsigned int)(nr - base)
							   : SXS_BATCH_MAX;
		unsigned int i;

		for (i = 0; i < n; i++)
			pfns[i] = base + i;
		if (probe_batch(x, domid, pfns, n, bm, &found, err, errlen)) {
			free(bm);
			return -1;
		}
	}
	*bitmap = bm;
	*nr_out = nr;
	return 0;
}

int hk_xen_populated_again(struct hk_xen *x, uint32_t domid, uint8_t **bitmap,
			   uint64_t *nr_io, uint64_t limit, uint64_t *found,
			   char *err, size_t errlen)
{
	uint64_t old = *nr_io, cursor = 0, pfns[SXS_BATCH_MAX];
	xen_pfn_t nr = 0;
	unsigned int n;

	*found = 0;
	if (xc_domain_nr_gpfns(x->xch, domid, &nr) < 0) {
		ERR("cannot read domain %u's physical map size: %s", domid,
		    strerror(errno));
		return -1;
	}
	if (hk_bitmap_resize(bitmap, old, nr)) {
		ERR("out of memory");
		return -1;
	}
	*nr_io = nr;
	while ((n = hk_reprobe_batch(*bitmap, old, nr, limit, &cursor, pfns,
				     SXS_BATCH_MAX)))
		if (probe_batch(x, domid, pfns, n, *bitmap, found, err, errlen))
			return -1;
	return 0;
}

int hk_xen_read_pages(struct hk_xen *x, uint32_t domid, const uint64_t *pfns,
		      unsigned int n, uint8_t *buf, char *err, size_t errlen)
{
	xen_pfn_t p[SXS_BATCH_MAX] = { 0 };
	int errs[SXS_BATCH_MAX];
	unsigned int i;
	uint8_t *map;

	if (n > SXS_BATCH_MAX) {
		ERR("internal: batch of %u pages", n);
		return -1;
	}
	for (i = 0; i < n; i++)
		p[i] = pfns[i];
	map = xenforeignmemory_map(x->fmem, domid, PROT_READ, n, p, errs);
	if (!map) {
		ERR("mapping %u frames of domain %u: %s", n, domid, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (errs[i]) {
			ERR("frame %#llx of domain %u cannot be mapped: %s",
			    (unsigned long long)pfns[i], domid, strerror(-errs[i]));
			xenforeignmemory_unmap(x->fmem, map, n);
			return -1;
		}
		memcpy(buf + (size_t)i * SXS_PAGE_SIZE, map + (size_t)i * SXS_PAGE_SIZE,
		       SXS_PAGE_SIZE);
	}
	xenforeignmemory_unmap(x->fmem, map, n);
	return 0;
}

int hk_xen_final_set(struct hk_xen *x, uint32_t domid, struct smfs_header *h,
		     uint8_t **maps_out, char *err, size_t errlen)
{
	const uint8_t *dirty[SMFS_MAX_BITMAP_PAGES], *freem[SMFS_MAX_BITMAP_PAGES];
	uint8_t page[SXS_PAGE_SIZE], *maps;
	char path[96], *val, *end;
	unsigned int len = 0, i, n;
	uint64_t gfn;
	int e;

	snprintf(path, sizeof(path), "/local/domain/%u/control/selfmig/final-set",
		 domid);
	val = xs_read(x->xsh, XBT_NULL, path, &len);
	if (!val) {
		ERR("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	gfn = strtoull(val, &end, 16);
	if (!len || strlen(val) != len || *end || errno || len > 16) {
		ERR("%s is not a gfn in hexadecimal", path);
		free(val);
		return -1;
	}
	free(val);
	if (hk_xen_read_pages(x, domid, &gfn, 1, page, err, errlen))
		return -1;
	e = smfs_parse_header(page, sizeof(page), h);
	if (e) {
		ERR("final-set header at gfn %#llx rejected: %s",
		    (unsigned long long)gfn, smfs_strerror(e));
		return -1;
	}
	n = h->bitmap_pages;
	maps = malloc((size_t)2 * n * SXS_PAGE_SIZE);
	if (!maps) {
		ERR("out of memory");
		return -1;
	}
	for (i = 0; i < 2 * n; i++) {
		uint64_t g = i < n ? h->dirty_gfns[i] : h->free_gfns[i - n];

		if (hk_xen_read_pages(x, domid, &g, 1, maps + (size_t)i * SXS_PAGE_SIZE,
				      err, errlen)) {
			free(maps);
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		dirty[i] = maps + (size_t)i * SXS_PAGE_SIZE;
		freem[i] = maps + (size_t)(n + i) * SXS_PAGE_SIZE;
	}
	e = smfs_check_bitmaps(h, dirty, freem);
	if (e) {
		ERR("final-set bitmaps rejected: %s", smfs_strerror(e));
		free(maps);
		return -1;
	}
	*maps_out = maps;
	return 0;
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
		xs_transaction_t t = xs_transaction_start(x->xsh);

		if (t == XBT_NULL)
			break;
		if (!xs_write(x->xsh, t, path, line, strlen(line)) ||
		    !xs_set_permissions(x->xsh, t, path, p, 2)) {
			int e = errno;

			xs_transaction_end(x->xsh, t, true);
			ERR("cannot write %s: %s", path, strerror(e));
			return -1;
		}
		if (xs_transaction_end(x->xsh, t, false))
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
	xs_rm(x->xsh, XBT_NULL, path);
}
