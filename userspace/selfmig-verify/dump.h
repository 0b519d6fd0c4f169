/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig-verify: guest memory read from a raw physical-memory dump instead
 * of a Xen domain (dump.c, no Xen library).  The dump is what QEMU's
 * "pmemsave 0 SIZE FILE" writes: byte offset = gfn * 4096.
 */
#ifndef SELFMIG_VERIFY_DUMP_H
#define SELFMIG_VERIFY_DUMP_H

#include <stddef.h>
#include "verify.h"

struct smv_dump {
	int fd;
	u64 size;		/* bytes in the file */
	u64 pages;		/* whole pages in the file */
	const char *path;
};

/* Open and stat the dump; 0, or -1 with a message in err. */
int smv_dump_open(struct smv_dump *d, const char *path, char *err,
		  size_t errlen);
void smv_dump_close(struct smv_dump *d);

/*
 * Frames of the dump, read-only, for smv_verify().  A gfn at or beyond the
 * dump's last whole page fails with EFAULT for that frame alone; a read
 * that comes back short fails with EIO.
 */
void smv_dump_mapper(struct smv_dump *d, struct smv_mapper *m);

/*
 * smv_verify() over the dump, with in->header_gfn from the guest's freeze
 * line.  Stricter than a domain: every gfn below the descriptor's
 * page_count must be in the dump, so a short dump is an error, not a count
 * of unmapped frames.  0, or -1 with r->error set.
 */
int smv_dump_verify(struct smv_dump *d, const struct smv_inputs *in,
		    struct smv_report *r);

#endif /* SELFMIG_VERIFY_DUMP_H */
