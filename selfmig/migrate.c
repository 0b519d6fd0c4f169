// SPDX-License-Identifier: GPL-2.0
/*
 * One migration, as the guest runs it, from its start to its outcome.  A
 * kernel thread runs the pre-copy rounds, paced and stopped by
 * selfmig/core/rate.c, over a TCP connection to the receiver; then, with
 * freeze=1, it freezes the guest, and the final set is published for dom0.
 * Each step moves the state (core/migstate.c) under selfmig_mig_lock, and
 * that is where an abort is honoured or refused.
 *
 * What the thread drives lives beside it: transport.c sends the stream,
 * ramiter.c picks the frames each round sends, final.c builds the final
 * set at the freeze and report.c shows how it all went.  Which frames and
 * how they travel stay apart: the tracker answers "which", transport.c
 * only encodes and sends.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/completion.h>

#include "selfmig.h"
#include "wire.h"
#include "rate.h"
#include "finalset.h"
#include "migrate.h"

#define SELFMIG_RESUME_WAIT_S	900

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

#ifdef SELFMIG_FAULTS
/*
 * Fault injection, in test builds only (docs/switch.md): "sender-drop:MIB"
 * makes the sender cut its connection once MIB of stream have gone, as a
 * broken network would.  Read when a migration starts.
 */
static char fault[32];
module_param_string(fault, fault, sizeof(fault), 0644);
MODULE_PARM_DESC(fault, "Test builds: \"sender-drop:MIB\" cuts the stream after MIB (empty: no fault)");

static int fault_parse(u64 *drop_at)
{
	static const char point[] = "sender-drop:";
	unsigned int mib;

	*drop_at = 0;
	if (!fault[0] || !strcmp(fault, "\n"))
		return 0;
	if (strncmp(fault, point, sizeof(point) - 1) ||
	    kstrtouint(fault + sizeof(point) - 1, 10, &mib) || !mib) {
		pr_err("fault=%s: only sender-drop:MIB is known\n", fault);
		return -EINVAL;
	}
	*drop_at = (u64)mib << 20;
	pr_warn("FAULT INJECTION armed: sender-drop after %u MiB\n", mib);
	return 0;
}
#endif

/* Guards the state's changes, selfmig_cur and the reports (migrate.h). */
DEFINE_MUTEX(selfmig_mig_lock);
struct selfmig_mig *selfmig_cur;	/* the running or last migration */

static u64 mbit(u64 v)
{
	return v * 1000 * 1000;
}

static void mig_fail(struct selfmig_mig *m, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->error)
		return;
	m->error = err ? err : -EIO;
	va_start(ap, fmt);
	n = vsnprintf(m->errmsg, sizeof(m->errmsg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 2 < sizeof(m->errmsg)) {
		memcpy(m->errmsg + n, ": ", 2);
		selfmig_fail_cause(m->errmsg + n + 2, sizeof(m->errmsg) - n - 2,
				   m->error,
				   m->error == -EPROTO ? m->wire_err : 0);
	}
	pr_err("migration failed: %s (%d)\n", m->errmsg, m->error);
}

static void round_stats(struct selfmig_mig *m, u32 r, u64 start_ns, u64 rate)
{
	struct smw_round_stats *st = &m->rounds[r];

	st->duration_ns = ktime_get_ns() - start_ns;
	st->rate = rate;
	m->nr_rounds = r + 1;
}

/* One round of the frames the last scan found, with no scan after it. */
static int round_last(struct selfmig_mig *m, u32 r, u64 start, u64 rate,
		      unsigned long dirty)
{
	int ret;

	smrate_pacer_start(&m->pacer, start, rate);
	selfmig_publish("progress", "round %u dirty %lu (last)", r, dirty);
	m->rounds[r].pages_scanned = m->t->ram_pages;
	m->rounds[r].pages_dirty = dirty;
	ret = selfmig_round_dirty(m, &m->rounds[r]);
	if (ret)
		return ret;
	round_stats(m, r, start, rate);
	return selfmig_xfer_round_end(m, &m->rounds[r]);
}

static int migrate_rounds(struct selfmig_mig *m)
{
	struct selfmig_tracker *t = m->t;
	u64 start, rate, dirty_rate = 0, prev_dirty = 0, guest_bytes;
	u64 last_scan = ktime_get_ns();
	struct smrate_progress pr;
	unsigned long dirty;
	u32 r;
	int ret;

	guest_bytes = (u64)t->ram_pages * PAGE_SIZE;

	/* Round 0 */
	start = ktime_get_ns();
	rate = smrate_round_rate(&m->rp, 0, 0);
	smrate_pacer_start(&m->pacer, start, rate);
	selfmig_publish("progress", "round 0");
	ret = selfmig_round0(m);
	if (ret)
		return ret;
	round_stats(m, 0, start, rate);
	ret = selfmig_xfer_round_end(m, &m->rounds[0]);
	if (ret)
		return ret;
	pr_info("round 0: %llu pages sent of %lu RAM pages (%llu in use)\n",
		m->round0_pages, t->ram_pages, m->used_pages);

	for (r = 1; ; r++) {
		u64 now;

		dirty = selfmig_tracker_scan(t);
		now = ktime_get_ns();
		dirty_rate = smrate_dirty_rate_bps(dirty, PAGE_SIZE, now - last_scan);
		last_scan = now;
		rate = smrate_round_rate(&m->rp, r, dirty_rate);

		pr = (struct smrate_progress){
			.round = r - 1,
			.page_size = PAGE_SIZE,
			.remaining_dirty_pages = dirty,
			.rate_bps = rate,
			.bytes_sent_total = m->bytes_total,
			.guest_mem_bytes = guest_bytes,
			.prev_dirty_pages = prev_dirty,
			/* What the round just done carried, against its pacer. */
			.link_bps = smrate_link_bps(m->rounds[r - 1].bytes_compressed,
						    m->rounds[r - 1].duration_ns),
		};
		m->stop = smrate_should_stop(&m->rp, &pr);
		if (m->stop == SMRATE_CONTINUE && r >= SELFMIG_MAX_ROUNDS - 1)
			m->stop = SMRATE_STOP_MAX_ROUNDS;
		if (m->stop != SMRATE_CONTINUE) {
			pr_info("stopping after round %u: %s, %lu pages dirty\n",
				r - 1, smrate_stop_name(m->stop), dirty);
			/*
			 * Converged: the rest fits the downtime target, so it
			 * goes now, in one last round, and the final set holds
			 * only what is written from here to the freeze.  On
			 * the other stops the rest is large and would only be
			 * written again.
			 */
			if (m->stop == SMRATE_STOP_CONVERGED && dirty)
				return round_last(m, r, now, rate, dirty);
			return 0;
		}
		prev_dirty = dirty;

		start = now;
		smrate_pacer_start(&m->pacer, start, rate);
		selfmig_publish("progress", "round %u dirty %lu", r, dirty);
		m->rounds[r].pages_scanned = t->ram_pages;
		m->rounds[r].pages_dirty = dirty;
		ret = selfmig_round_dirty(m, &m->rounds[r]);
		if (ret)
			return ret;
		round_stats(m, r, start, rate);
		ret = selfmig_xfer_round_end(m, &m->rounds[r]);
		if (!ret)
			ret = selfmig_xfer_procs(m, r);
		if (ret)
			return ret;
	}
}

/*
 * Move on to @to, unless an abort came first.  selfmig_migrate_abort()
 * honours an abort or refuses it by the state, under selfmig_mig_lock: the
 * flag is looked at and the state changed under it too, so that an abort
 * it honoured is never overtaken by the freeze or an outcome.
 */
static int mig_enter(struct selfmig_mig *m, enum selfmig_state to)
{
	enum selfmig_state from;
	int ret;

	mutex_lock(&selfmig_mig_lock);
	from = selfmig_state_get();
	if (atomic_read(&m->abort)) {
		ret = -ECANCELED;
		mig_fail(m, ret, "aborted in state %s", selfmig_state_name(from));
	} else {
		ret = selfmig_state_set(to);
		if (ret)
			mig_fail(m, ret, "state %s cannot follow %s",
				 selfmig_state_name(to), selfmig_state_name(from));
	}
	mutex_unlock(&selfmig_mig_lock);
	return ret;
}

/*
 * The migration's outcome, resumed or failed, shown while it cleans up;
 * selfmig_state_end() then takes the state back to idle.  An abort
 * honoured until now fails it, even one whose stream went through.
 */
static void mig_outcome(struct selfmig_mig *m)
{
	enum selfmig_state from;

	mutex_lock(&selfmig_mig_lock);
	from = selfmig_state_get();
	if (atomic_read(&m->abort))
		mig_fail(m, -ECANCELED, "aborted in state %s",
			 selfmig_state_name(from));
	if (selfmig_state_set(selfmig_state_ending(from, m->error)))
		mig_fail(m, -EINVAL, "a migration in state %s has no outcome",
			 selfmig_state_name(from));
	mutex_unlock(&selfmig_mig_lock);
}

static int migrate_thread(void *arg)
{
	struct selfmig_mig *m = arg;
	struct selfmig_tracker *t;
	u8 shdr[SMW_STREAM_HDR_LEN], tag[SMW_TAG_LEN];
	u64 t0 = ktime_get_ns();
	int ret;

	m->nr_pfns = selfmig_ram_end_pfn();
	t = selfmig_tracker_start(m->nr_pfns);
	if (IS_ERR(t)) {
		mig_fail(m, PTR_ERR(t), "cannot start dirty tracking");
		goto out;
	}
	mutex_lock(&selfmig_mig_lock);
	m->t = t;
	mutex_unlock(&selfmig_mig_lock);
	m->used_pages = m->t->ram_pages - selfmig_count_free(m->t, NULL);
	m->used_peak = m->used_pages;
	if (m->cfg.verify) {
		ret = selfmig_fs_alloc(m);
		if (!ret)
			selfmig_sent_alloc(m);
		if (ret) {
			mig_fail(m, ret, "cannot prepare the final-set descriptor");
			goto out;
		}
	}
	ret = selfmig_xfer_alloc(m);
	if (ret) {
		mig_fail(m, ret, "cannot allocate transfer buffers");
		goto out;
	}
	ret = selfmig_xfer_connect(m);
	if (ret) {
		mig_fail(m, ret, "cannot connect to the receiver %pI4:%u",
			 &m->cfg.dest_addr, m->cfg.dest_port);
		goto out;
	}
	if (m->key)
		ret = smw_enc_init_sealed(&m->enc, shdr, m->cfg.id, m->nr_pfns,
					  m->salt);
	else
		ret = smw_enc_init(&m->enc, shdr, m->cfg.id, m->nr_pfns);
	ret = selfmig_xfer_wire(m, ret);
	/* In a sealed stream, the header's tag follows it. */
	if (!ret)
		ret = selfmig_xfer_send(m, shdr, sizeof(shdr), tag, 0);
	if (ret) {
		mig_fail(m, ret, "cannot send the stream header");
		goto out;
	}
	smw_pages_begin(&m->enc, &m->batch, m->meta, m->data);

	ret = migrate_rounds(m);
	if (ret) {
		mig_fail(m, ret, "pre-copy round %u failed", m->nr_rounds);
		goto out;
	}
	ret = mig_enter(m, SELFMIG_STOPPING);
	if (ret)
		goto out;
	ret = selfmig_xfer_end(m);
	if (ret) {
		mig_fail(m, ret, "cannot send the end of the stream");
		goto out;
	}
	ret = selfmig_xfer_finish(m);
	if (ret) {
		mig_fail(m, ret, "the receiver did not confirm the end of the stream");
		goto out;
	}
	selfmig_xfer_close(m);
	selfmig_xfer_free(m);

	if (m->cfg.verify) {
		const struct selfmig_platform *plat = selfmig_platform();
		struct selfmig_freeze f = {
			.before = selfmig_fs_before_hypercall,
			.after = selfmig_fs_after_hypercall,
			.data = m,
		};

		ret = mig_enter(m, SELFMIG_SUSPENDED);
		if (ret)
			goto out;
		selfmig_publish("progress", "suspending");
		ret = plat->freeze(&f);
		if (ret) {
			mig_fail(m, ret, "cannot freeze");
			goto out;
		}
		if (!wait_for_completion_timeout(&m->resumed,
						 SELFMIG_RESUME_WAIT_S * HZ)) {
			plat->freeze_end();
			mig_fail(m, -ETIMEDOUT, "no suspend within %u s",
				 SELFMIG_RESUME_WAIT_S);
			goto out;
		}
		plat->freeze_end();
		if (m->fs_ret)
			mig_fail(m, -EINVAL, "final set not built: %s",
				 smfs_strerror(m->fs_ret));
		pr_info("resumed (%s): final set %llu pages (%llu more written but unchanged), %llu free (%llu discardable)\n",
			m->cancelled ? "cancelled, same domain" : "new domain",
			m->final_set_pages, m->final_unchanged,
			m->final_free_pages, m->final_discarded);
		selfmig_fs_final_stats(m);
	}
out:
	m->total_ns = ktime_get_ns() - t0;
	selfmig_xfer_close(m);
	selfmig_xfer_free(m);
	mig_outcome(m);
	selfmig_publish("progress", m->error ? "failed" : "done");
	mutex_lock(&selfmig_mig_lock);
	t = m->t;
	m->t = NULL;
	mutex_unlock(&selfmig_mig_lock);
	selfmig_tracker_stop(t);
	selfmig_sent_free(m);
	selfmig_fs_free_pages(m);
	selfmig_state_end(m->error);
	/* Whoever frees @m, or unloads this code, waits for this. */
	kthread_complete_and_exit(&m->exited, 0);
}

void selfmig_config_defaults(struct selfmig_config *cfg)
{
	struct smrate_params p;

	smrate_params_default(&p);
	memset(cfg, 0, sizeof(*cfg));
	cfg->start_rate_mbit = div_u64(p.start_rate_bps, 1000000);
	cfg->max_bandwidth_mbit = div_u64(p.max_rate_bps, 1000000);
	cfg->downtime_ms = div_u64(p.downtime_target_ns, NSEC_PER_MSEC);
	cfg->max_rounds = p.max_rounds;
	cfg->max_bytes_factor = p.max_bytes_factor;
}

/**
 * selfmig_migrate_start() - start a migration in the background
 * @cfg: where to and how; copied
 *
 * Return: 0, -EBUSY if one is under way, -EINVAL for bad settings.
 */
int selfmig_migrate_start(const struct selfmig_config *cfg)
{
	struct selfmig_mig *m;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	/* Of dom0's secret the migration keeps only the stream key. */
	memzero_explicit(m->cfg.key, sizeof(m->cfg.key));
	init_completion(&m->resumed);
	init_completion(&m->exited);
	smrate_params_default(&m->rp);
	m->rp.start_rate_bps = mbit(cfg->start_rate_mbit);
	m->rp.max_rate_bps = mbit(cfg->max_bandwidth_mbit);
	m->rp.downtime_target_ns = (u64)cfg->downtime_ms * NSEC_PER_MSEC;
	m->rp.max_rounds = cfg->max_rounds;
	m->rp.max_bytes_factor = cfg->max_bytes_factor;
	ret = smrate_params_check(&m->rp);
	if (ret) {
		pr_err("bad rate settings: %s\n", smrate_strerror(ret));
		kfree_sensitive(m);
		return -EINVAL;
	}
#ifdef SELFMIG_FAULTS
	if (fault_parse(&m->fault_drop_at)) {
		kfree_sensitive(m);
		return -EINVAL;
	}
#endif
	if (cfg->auth) {
		ret = selfmig_seal_init(m, cfg->key);
		if (ret) {
			pr_err("cannot derive the stream key: %pe\n", ERR_PTR(ret));
			kfree_sensitive(m);
			return ret;
		}
	}

	if (selfmig_sample_running()) {
		pr_err("the sampler runs (selfmig wws): no migration until it ends\n");
		selfmig_seal_free(m);
		kfree_sensitive(m);
		return -EBUSY;
	}
	mutex_lock(&selfmig_mig_lock);
	ret = selfmig_state_set(SELFMIG_PRECOPY);
	if (ret) {
		mutex_unlock(&selfmig_mig_lock);
		selfmig_seal_free(m);
		kfree_sensitive(m);
		return -EBUSY;
	}
	/* The last one reached idle; its thread may still be on its way out. */
	if (selfmig_cur && selfmig_cur->thread)
		wait_for_completion(&selfmig_cur->exited);
	kfree_sensitive(selfmig_cur);
	selfmig_cur = m;
	m->thread = kthread_run(migrate_thread, m, "selfmig");
	if (IS_ERR(m->thread)) {
		ret = PTR_ERR(m->thread);
		m->thread = NULL;
		selfmig_seal_free(m);
		mig_fail(m, ret, "cannot start the migration thread");
		selfmig_state_end(true);
	}
	mutex_unlock(&selfmig_mig_lock);
	return ret;
}

/**
 * selfmig_migrate_abort() - stop the migration, if it still can be
 *
 * Honoured while the guest can go on where it is (core/migstate.c says in
 * which states): the thread then fails the migration with -ECANCELED at its
 * next look, within about a second, and the state goes through failed to
 * idle.  The kernel log says what happens, or why not.
 *
 * Return: 0, or -ESRCH (no migration), -EBUSY (the freeze has begun) or
 * -EALREADY (it has ended).
 */
int selfmig_migrate_abort(void)
{
	enum selfmig_state s;
	const char *why;
	int ret;

	mutex_lock(&selfmig_mig_lock);
	s = selfmig_state_get();
	ret = selfmig_state_abort(s, &why);
	if (!ret) {
		/* Only pre-copy starts a thread; a notice alone ends here. */
		if (s == SELFMIG_NOTIFIED)
			ret = selfmig_state_end(true);
		else if (selfmig_cur)
			atomic_set(&selfmig_cur->abort, 1);
	}
	mutex_unlock(&selfmig_mig_lock);
	if (ret)
		pr_warn("abort refused in state %s: %s\n", selfmig_state_name(s), why);
	else
		pr_info("abort in state %s: %s\n", selfmig_state_name(s), why);
	return ret;
}

/*
 * Module unload: stop a migration in progress and wait for its thread
 * itself, not for a state, so that no code of the module runs after this.
 */
void selfmig_migrate_exit(void)
{
	struct selfmig_mig *m;

	mutex_lock(&selfmig_mig_lock);
	m = selfmig_cur;
	selfmig_cur = NULL;
	if (m)
		atomic_set(&m->abort, 1);
	mutex_unlock(&selfmig_mig_lock);
	if (!m)
		return;
	if (m->thread)
		wait_for_completion(&m->exited);
	kfree_sensitive(m);
}
