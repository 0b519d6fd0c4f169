// SPDX-License-Identifier: GPL-2.0
/* dom0's handles on Xen: see xenh.h. */
#undef __STRICT_ANSI__

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "xenh.h"

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

int sxh_open(struct sxh *h, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	h->log = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
	h->xch = xc_interface_open((xentoollog_logger *)h->log, NULL, 0);
	if (!h->xch) {
		ERR("cannot open the hypervisor interface: %s (not dom0, or not root?)",
		    strerror(errno));
		goto fail;
	}
	h->fmem = xenforeignmemory_open((xentoollog_logger *)h->log, 0);
	if (!h->fmem) {
		ERR("cannot open foreign memory mapping: %s", strerror(errno));
		goto fail;
	}
	h->xsh = xs_open(0);
	if (!h->xsh) {
		ERR("cannot connect to xenstore: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	sxh_close(h);
	return -1;
}

void sxh_close(struct sxh *h)
{
	if (h->xsh)
		xs_close(h->xsh);
	if (h->fmem)
		xenforeignmemory_close(h->fmem);
	if (h->xch)
		xc_interface_close(h->xch);
	if (h->log)
		xtl_logger_destroy((xentoollog_logger *)h->log);
	memset(h, 0, sizeof(*h));
}

int sxh_domain_info(struct sxh *h, uint32_t domid, xc_domaininfo_t *info)
{
	int n = xc_domain_getinfolist(h->xch, domid, 1, info);

	if (n < 0)
		return -1;
	return n == 1 && info->domain == domid;
}

/* The domain ids xenstore lists whose name is name: how many; the first in *id. */
static int by_name(struct sxh *h, const char *name, uint32_t *id, char *err,
		   size_t errlen)
{
	unsigned int num = 0, i, len;
	int found = 0;
	char **ents, path[64], *v;
	uint64_t cand;

	ents = xs_directory(h->xsh, XBT_NULL, "/local/domain", &num);
	if (!ents) {
		ERR("cannot list /local/domain in xenstore: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < num; i++) {
		if (smc_parse_u64(NULL, ents[i], 0, DOMID_FIRST_RESERVED - 1,
				  &cand, NULL, 0))
			continue;
		snprintf(path, sizeof(path), "/local/domain/%u/name",
			 (unsigned int)cand);
		v = xs_read(h->xsh, XBT_NULL, path, &len);
		if (v && strlen(v) == len && !strcmp(v, name) && found++ == 0)
			*id = (uint32_t)cand;
		free(v);
	}
	free(ents);
	return found;
}

int sxh_resolve(struct sxh *h, const char *spec, uint32_t *domid, char *err,
		size_t errlen)
{
	xc_domaininfo_t info;
	uint64_t v;
	uint32_t id = 0;
	int r;

	if (!smc_parse_u64(NULL, spec, 0, DOMID_FIRST_RESERVED - 1, &v, NULL, 0)) {
		r = sxh_domain_info(h, (uint32_t)v, &info);
		if (r < 0) {
			ERR("getting domain %u's info: %s", (unsigned int)v,
			    strerror(errno));
			return -1;
		}
		if (!r) {
			ERR("no domain with id %u", (unsigned int)v);
			return -1;
		}
		*domid = (uint32_t)v;
		return 0;
	}
	r = by_name(h, spec, &id, err, errlen);
	if (r < 0)
		return -1;
	if (r == 0) {
		ERR("no domain named '%.64s'", spec);
		return -1;
	}
	if (r > 1) {
		ERR("%d domains are named '%.64s'; give the numeric id", r, spec);
		return -1;
	}
	*domid = id;
	return 0;
}
