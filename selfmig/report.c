// SPDX-License-Identifier: GPL-2.0
/*
 * What the module tells of the current or last migration through sysfs
 * (docs/interface.md): each round's statistics, the processes that wrote
 * the most in the last round, and the outcome with its counts.  Also how
 * a failure's cause is worded, for the migration's messages and the
 * self-test.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>

#include "selfmig.h"
#include "wire.h"
#include "rate.h"
#include "migrate.h"

/**
 * selfmig_fail_cause() - a failure's cause, for its message
 * @buf: where to write it
 * @len: the size of @buf
 * @err: the failure's errno
 * @wire_err: 0, or the wire encoder's code (enum smw_err) behind @err
 *
 * An errno is printed as %pe prints it ("-ECONNRESET", or "-104" without
 * CONFIG_SYMBOLIC_ERRNAME); the encoder's codes are the project's own, not
 * errnos, and go by their own names ("wire bad_count").
 */
void selfmig_fail_cause(char *buf, size_t len, int err, int wire_err)
{
	if (wire_err)
		snprintf(buf, len, "wire %s", smw_errname(wire_err));
	else
		snprintf(buf, len, "%pe", ERR_PTR(err));
}

#define SELFMIG_ROUNDS_HEADER \
	"round scanned dirty sent zero bytes_raw bytes_wire duration_ms rate_mbit"

ssize_t selfmig_migrate_show_rounds(char *buf)
{
	ssize_t n = 0;
	u32 r;

	mutex_lock(&selfmig_mig_lock);
	n += sysfs_emit_at(buf, n, "%s\n", SELFMIG_ROUNDS_HEADER);
	for (r = 0; selfmig_cur && r < selfmig_cur->nr_rounds; r++) {
		struct smw_round_stats *s = &selfmig_cur->rounds[r];

		n += sysfs_emit_at(buf, n, "%u %llu %llu %llu %llu %llu %llu %llu %llu\n",
				   r, s->pages_scanned, s->pages_dirty,
				   s->pages_sent, s->pages_zero,
				   s->bytes_uncompressed, s->bytes_compressed,
				   div_u64(s->duration_ns, NSEC_PER_MSEC),
				   div_u64(s->rate, 1000000));
	}
	mutex_unlock(&selfmig_mig_lock);
	return n;
}

ssize_t selfmig_migrate_show_procs(char *buf)
{
	struct selfmig_tracker *t;
	ssize_t n = 0;
	u32 i, nr;

	mutex_lock(&selfmig_mig_lock);
	n += sysfs_emit_at(buf, n, "pid comm pages_last_round\n");
	/* The thread clears selfmig_cur->t under the lock before freeing it. */
	t = selfmig_cur ? selfmig_cur->t : NULL;
	nr = t ? min_t(u32, READ_ONCE(t->nr_cur), SELFMIG_MAX_PROCS) : 0;
	for (i = 0; i < nr; i++)
		n += sysfs_emit_at(buf, n, "%u %.16s %u\n", t->cur[i].pid,
				   t->cur[i].comm, t->cur[i].pages);
	mutex_unlock(&selfmig_mig_lock);
	return n;
}

ssize_t selfmig_migrate_show_result(char *buf)
{
	struct selfmig_mig *m;
	ssize_t n = 0;

	mutex_lock(&selfmig_mig_lock);
	m = selfmig_cur;
	n += sysfs_emit_at(buf, n, "state %s\n", selfmig_state_name(selfmig_state_get()));
	if (m) {
		n += sysfs_emit_at(buf, n,
				   "error %d\nmessage %s\nstop %s\nrounds %u\n"
				   "guest_pages %llu\nused_pages %llu\nused_peak %llu\n"
				   "round0_pages %llu\n"
				   "pages_sent %llu\nbytes_sent %llu\nfinal_set_pages %llu\n"
				   "final_free_pages %llu\nfinal_discarded %llu\n"
				   "final_unchanged %llu\n"
				   "final_busy_mms %llu\nfinal_tables %llu\n"
				   "final_from_before %llu\nfinal_from_users %llu\n"
				   "final_from_own %llu\nfinal_from_kernel %llu\n"
				   "cancelled %d\ntotal_ms %llu\n",
				   m->error, m->errmsg[0] ? m->errmsg : "-",
				   smrate_stop_name(m->stop), m->nr_rounds,
				   m->nr_pfns, m->used_pages, m->used_peak,
				   m->round0_pages,
				   m->pages_total, m->bytes_total,
				   m->final_set_pages, m->final_free_pages,
				   m->final_discarded, m->final_unchanged,
				   m->final_busy_mms, m->final_tables,
				   m->final_from[SELFMIG_FINAL_BEFORE],
				   m->final_from[SELFMIG_FINAL_USERS],
				   m->final_from[SELFMIG_FINAL_OWN],
				   m->final_from[SELFMIG_FINAL_KERNEL], m->cancelled,
				   div_u64(m->total_ns, NSEC_PER_MSEC));
	}
	mutex_unlock(&selfmig_mig_lock);
	return n;
}
