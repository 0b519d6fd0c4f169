/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dom0's handles on Xen, as selfmig-hook and selfmig-verify both open them:
 * the hypervisor interface, foreign memory mapping and xenstore, with one
 * logger, and the lookup of a domain by id or by name.
 *
 * The Xen public headers refuse strict ISO mode (they test __STRICT_ANSI__
 * and rely on anonymous unions, which the compiler accepts under -std=c11
 * anyway): a file that includes this one drops the macro before any header.
 */
#ifndef SELFMIG_DOM0XEN_XENH_H
#define SELFMIG_DOM0XEN_XENH_H

#include <stddef.h>
#include <stdint.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>

struct sxh {
	xentoollog_logger_stdiostream *log;
	xc_interface *xch;
	xenforeignmemory_handle *fmem;
	struct xs_handle *xsh;
};

/*
 * Open all of them into h: 0, or -1 with the reason in err and nothing left
 * open.
 */
int sxh_open(struct sxh *h, char *err, size_t errlen);

/* Close what h holds; h may be partly open, or all zero. */
void sxh_close(struct sxh *h);

/* The domain's info: 1 if it exists, 0 if not, -1 (errno) on failure. */
int sxh_domain_info(struct sxh *h, uint32_t domid, xc_domaininfo_t *info);

/*
 * spec, a domain id in decimal or a domain's name as xenstore has it
 * (/local/domain/N/name), to the id of a domain that exists.  A name two
 * domains share is refused.  0, or -1 with the reason in err.
 */
int sxh_resolve(struct sxh *h, const char *spec, uint32_t *domid, char *err,
		size_t errlen);

#endif /* SELFMIG_DOM0XEN_XENH_H */
