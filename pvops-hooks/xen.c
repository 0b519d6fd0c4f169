// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen platform of the guest module (struct selfmig_platform).
 * Everything that names a Xen interface lives here, so the engine stays
 * hypervisor-neutral.
 *
 *  - the guest's type as Xen runs it;
 *  - frames written behind the guest's CPUs: by Xen (shared info, vcpu_info,
 *    runstate, time info; the grant table's own frames) and by backends
 *    through writable grants (netfront's receive buffers, ...);
 *  - xenstore: the module's keys under control/selfmig/, and the request
 *    for a suspend through the guest's own control/shutdown key, which
 *    sends the guest down Linux's standard Xen suspend path;
 *  - the hooks at the edges of the suspend hypercall.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/xen.h>
#include <xen/xen-ops.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>

#include "selfmig.h"
#include "authkey.h"
#include "hooks.h"

/*
 * A writable grant made (the other side may write the frame from now on) or
 * ended (it may have written it until now).
 */
static void selfmig_xen_grant_seen(unsigned long frame, void *data)
{
	selfmig_tracker_mark_foreign(data, frame);
}

static void selfmig_xen_mark(unsigned long frame, void *data)
{
	selfmig_tracker_mark_pending(data, frame);
}

static int selfmig_xen_track_start(struct selfmig_tracker *t)
{
	int ret;

	ret = gnttab_set_writable_grant_observer(selfmig_xen_grant_seen, t);
	if (ret)
		pr_err("cannot observe grants (%d): another user?\n", ret);
	return ret;
}

static void selfmig_xen_track_stop(struct selfmig_tracker *t)
{
	gnttab_clear_writable_grant_observer();
}

/* Add every frame that others may have written to the pending set. */
static void selfmig_xen_foreign_frames(struct selfmig_tracker *t)
{
	gnttab_for_each_foreign_writable_frame(selfmig_xen_mark, t);
	xen_for_each_hypervisor_written_frame(selfmig_xen_mark, t);
}

/*
 * Frames granted writable whose granter drops their contents when it
 * reconnects after a migration (netfront's posted receive buffers).
 */
static void selfmig_xen_discardable_frames(void (*fn)(unsigned long pfn, void *data),
					   void *data)
{
	gnttab_report_discardable_frames(fn, data);
}

/* Write control/selfmig/<key> in the guest's own xenstore directory. */
static int selfmig_xen_publish(const char *key, const char *val)
{
	int ret;

	ret = xenbus_write(XBT_NIL, "control/selfmig", key, val);
	if (ret)
		pr_warn("xenstore: cannot write control/selfmig/%s: %d\n", key, ret);
	return ret;
}

/*
 * The migration's secret, from dom0: control/selfmig/key holds one
 * authkey.h line.  It counts only if dom0 wrote it: a guest cannot create
 * keys under control/, and dom0 creates this one read-only for the guest,
 * so a key that this guest can write (xenstore accepts our write of the
 * same value) did not come from dom0 alone and is refused.
 */
static int selfmig_xen_read_key(const u8 id[SMW_ID_LEN], u8 key[SMW_KEY_LEN])
{
	u8 kid[SMW_ID_LEN];
	unsigned int len;
	char *val;
	int ret = 0;

	val = xenbus_read(XBT_NIL, "control/selfmig", "key", &len);
	if (IS_ERR(val)) {
		pr_err("no migration secret from dom0 in control/selfmig/key (%ld)\n",
		       PTR_ERR(val));
		return -EACCES;
	}
	if (smk_parse(val, len, kid, key)) {
		pr_err("control/selfmig/key is not a valid key line\n");
		ret = -EACCES;
		goto out;
	}
	if (memcmp(kid, id, SMW_ID_LEN)) {
		pr_err("control/selfmig/key is for migration %*phN, not %*phN\n",
		       (int)SMW_ID_LEN, kid, (int)SMW_ID_LEN, id);
		ret = -EACCES;
		goto out;
	}
	if (!xenbus_write(XBT_NIL, "control/selfmig", "key", val)) {
		pr_err("control/selfmig/key is writable by this guest, so it is not from dom0: refused\n");
		ret = -EACCES;
	}
out:
	if (ret)
		memzero_explicit(key, SMW_KEY_LEN);
	memzero_explicit(val, len);
	kfree(val);
	return ret;
}

/*
 * Ask for a suspend the way the toolstack does, by writing "suspend" to the
 * guest's own control/shutdown: Linux's shutdown watch then takes the
 * standard path (freeze, device suspend, xenstore suspend, stop_machine,
 * the suspend hypercall).
 */
static struct xen_suspend_hooks selfmig_xen_hooks;

static int selfmig_xen_freeze(const struct selfmig_freeze *f)
{
	int ret;

	selfmig_xen_hooks.before_hypercall = f->before;
	selfmig_xen_hooks.after_hypercall = f->after;
	selfmig_xen_hooks.data = f->data;
	ret = xen_register_suspend_hooks(&selfmig_xen_hooks);
	if (ret) {
		pr_err("cannot hook the suspend path: %d\n", ret);
		return ret;
	}
	ret = xenbus_write(XBT_NIL, "control", "shutdown", "suspend");
	if (ret) {
		pr_err("cannot request a suspend through control/shutdown: %d\n", ret);
		xen_unregister_suspend_hooks(&selfmig_xen_hooks);
	}
	return ret;
}

/* Waits for a suspend still in progress. */
static void selfmig_xen_freeze_end(void)
{
	xen_unregister_suspend_hooks(&selfmig_xen_hooks);
}

static const char *selfmig_xen_type(void)
{
	if (xen_pvh_domain())
		return "pvh";
	if (xen_pv_domain())
		return "pv";
	if (xen_hvm_domain())
		return "hvm";
	return "unknown";
}

static struct selfmig_platform selfmig_xen_platform = {
	.track_start = selfmig_xen_track_start,
	.track_stop = selfmig_xen_track_stop,
	.foreign_frames = selfmig_xen_foreign_frames,
	.discardable_frames = selfmig_xen_discardable_frames,
	.publish = selfmig_xen_publish,
	.read_key = selfmig_xen_read_key,
	.freeze = selfmig_xen_freeze,
	.freeze_end = selfmig_xen_freeze_end,
};

/* The Xen platform, named after the guest's type. */
const struct selfmig_platform *selfmig_xen_init(void)
{
	selfmig_xen_platform.name = selfmig_xen_type();
	return &selfmig_xen_platform;
}
