// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-hook: a suspended domain as an xl save image, Xen calls.
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

#include <xenctrl.h>
#include <xenguest.h>
#include <xenforeignmemory.h>
#include <xen/hvm/params.h>

#include "hook_xen.h"
#include "hook_xen_int.h"
#include "fault.h"
#include "frames.h"
#include "xenstream.h"

bool hk_xen_fault_bad_record;

/* CPUID and MSR policy, then STATIC_DATA_END. */
int hk_xen_write_static(struct hk_xen *x, uint32_t domid, struct sxs_sink *s,
			struct hk_save_stats *st, char *err, size_t errlen)
{
	xc_cpu_policy_t *pol = NULL;
	xen_cpuid_leaf_t *leaves = NULL;
	xen_msr_entry_t *msrs = NULL;
	uint32_t nl = 0, nm = 0;
	int rc = -1;

	if (xc_cpu_policy_get_size(x->h.xch, &nl, &nm)) {
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
	if (xc_cpu_policy_get_domain(x->h.xch, domid, pol) ||
	    xc_cpu_policy_serialise(x->h.xch, pol, leaves, &nl, msrs, &nm)) {
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

	if (xc_domain_nr_gpfns(x->h.xch, domid, &nr) < 0) {
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
		map = xenforeignmemory_map(x->h.fmem, domid, PROT_READ, n, pfns, errs);
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
				hk_frame_failed(base + i, domid, errs[i], err, errlen);
				xenforeignmemory_unmap(x->h.fmem, map, n);
				return -1;
			}
			sel[k] = base + i;
			memcpy(buf + (size_t)k * SXS_PAGE_SIZE,
			       map + (size_t)i * SXS_PAGE_SIZE, SXS_PAGE_SIZE);
			k++;
		}
		xenforeignmemory_unmap(x->h.fmem, map, n);
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

	if (xc_domain_get_tsc_info(x->h.xch, domid, &tsc.mode, &tsc.nsec, &tsc.khz,
				   &tsc.incarnation)) {
		ERR("cannot read domain %u's TSC info: %s", domid, strerror(errno));
		return -1;
	}
	if (sxs_write_tsc_info(s, &tsc))
		goto wfail;
	sz = xc_domain_hvm_getcontext(x->h.xch, domid, NULL, 0);
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
	sz = xc_domain_hvm_getcontext(x->h.xch, domid, ctx, (uint32_t)sz);
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

		if (xc_hvm_param_get(x->h.xch, domid, hvm_param_list[i], &v)) {
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
	int r;

	memset(st, 0, sizeof(*st));
	r = hk_suspended(x, domid, err, errlen);
	if (r <= 0) {
		if (!r)
			ERR("domain %u is running; it must be suspended first (--suspend)",
			    domid);
		return -1;
	}
	if (hk_xen_write_prologue(x, domid, s, st, err, errlen) ||
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
	ver = xc_version(x->h.xch, XENVER_version, NULL);
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
