// SPDX-License-Identifier: GPL-2.0
/*
 * The sampler: the dirty tracker alone, with no page stream, scanning at a
 * fixed interval and keeping how many frames each scan found written.
 *
 * The number of distinct frames written within one interval is the
 * writable working set at that interval, the measure the 2005 live
 * migration work used to decide when pre-copy should stop; `selfmig wws`
 * asks for it through the netlink family (SELFMIG_CMD_SAMPLE, then
 * SELFMIG_CMD_GET_SAMPLES).  The testbed's diagnostic
 *
 *   echo SECONDS > /sys/module/selfmig/parameters/scan_test
 *
 * runs the same sampler every scan_test_ms (100 ms by default) and logs how
 * many scans ran and how many frames they found written (docs/testbed.md;
 * make bench measures tracking's cost with it, docs/bench.md).
 *
 * One sampling at a time, never while a migration runs (the tracker is
 * the migration's then), and a migration started while one samples fails
 * to take the tracker's observers.  Its samples stay readable until the
 * next sampling starts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/capability.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sched/task.h>

#include "selfmig.h"

static unsigned int scan_test_ms = 100;
module_param(scan_test_ms, uint, 0644);
MODULE_PARM_DESC(scan_test_ms, "Diagnostic: scan_test's interval between scans, ms (default 100)");

/* Under sampler_lock: the current or last sampling, and its thread. */
static DEFINE_MUTEX(sampler_lock);
static struct selfmig_sampling *sampling;
static struct task_struct *sampler_task;

static int sampler_fn(void *data)
{
	struct selfmig_sampling *s = data;
	unsigned long end = jiffies + s->seconds * HZ, found = 0;
	struct selfmig_tracker *t;
	ktime_t t0;

	t = selfmig_tracker_start(selfmig_ram_end_pfn());
	if (IS_ERR_OR_NULL(t)) {
		pr_err("sampler: cannot start the tracker\n");
		WRITE_ONCE(s->error, t ? PTR_ERR(t) : -ENOMEM);
		goto out;
	}
	WRITE_ONCE(s->guest_pages, t->ram_pages);
	t0 = ktime_get();
	while (time_before(jiffies, end) && !kthread_should_stop()) {
		unsigned long n;

		msleep_interruptible(s->interval_ms);
		n = selfmig_tracker_scan(t);
		bitmap_zero(t->pending, t->nr_pfns);
		found += n;
		mutex_lock(&sampler_lock);
		if (s->nr < SELFMIG_MAX_SAMPLES) {
			s->sample[s->nr].t_ms = ktime_ms_delta(ktime_get(), t0);
			s->sample[s->nr].frames = n;
			s->nr++;
		}
		mutex_unlock(&sampler_lock);
	}
	selfmig_tracker_stop(t);
	pr_info("scan test: %u scans in %u s, %lu frames found written\n",
		READ_ONCE(s->nr), s->seconds, found);
out:
	WRITE_ONCE(s->running, false);
	/* kthread_stop() at unload waits for this thread: wait to be told. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/**
 * selfmig_sample_start() - start sampling the writable working set
 * @seconds: how long, 1 to 3600
 * @interval_ms: between scans, 10 to 60000
 *
 * Return: 0, -EINVAL for bad settings, -EBUSY while a migration or a
 * sampling runs, -ENOMEM, or the thread's error.
 */
int selfmig_sample_start(unsigned int seconds, unsigned int interval_ms)
{
	struct selfmig_sampling *s;
	struct task_struct *k;
	int ret = 0;

	if (!seconds || seconds > 3600 || interval_ms < 10 || interval_ms > 60000)
		return -EINVAL;
	if (selfmig_state_get() != SELFMIG_IDLE)
		return -EBUSY;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->seconds = seconds;
	s->interval_ms = interval_ms;
	s->running = true;
	mutex_lock(&sampler_lock);
	if (sampling && READ_ONCE(sampling->running)) {
		ret = -EBUSY;
		goto unlock;
	}
	/* The last sampler has ended (running is false): reap it. */
	if (sampler_task) {
		kthread_stop(sampler_task);
		put_task_struct(sampler_task);
		sampler_task = NULL;
	}
	k = kthread_create(sampler_fn, s, "selfmig-sample");
	if (IS_ERR(k)) {
		ret = PTR_ERR(k);
		goto unlock;
	}
	get_task_struct(k);
	kfree(sampling);
	sampling = s;
	sampler_task = k;
	s = NULL;
	wake_up_process(k);
unlock:
	mutex_unlock(&sampler_lock);
	kfree(s);
	return ret;
}

/**
 * selfmig_sample_read() - copy the current or last sampling
 * @out: filled, samples included
 *
 * Return: 0, or -ENODATA if none has run since the module was loaded.
 */
int selfmig_sample_read(struct selfmig_sampling *out)
{
	int ret = -ENODATA;

	mutex_lock(&sampler_lock);
	if (sampling) {
		*out = *sampling;
		out->running = READ_ONCE(sampling->running);
		ret = 0;
	}
	mutex_unlock(&sampler_lock);
	return ret;
}

/* Whether a sampling runs now: a migration then waits for it to end. */
bool selfmig_sample_running(void)
{
	bool ret;

	mutex_lock(&sampler_lock);
	ret = sampling && READ_ONCE(sampling->running);
	mutex_unlock(&sampler_lock);
	return ret;
}

void selfmig_sample_exit(void)
{
	struct task_struct *k;

	/* The thread takes sampler_lock while it samples: stop it unlocked. */
	mutex_lock(&sampler_lock);
	k = sampler_task;
	sampler_task = NULL;
	mutex_unlock(&sampler_lock);
	if (k) {
		kthread_stop(k);
		put_task_struct(k);
	}
	kfree(sampling);
	sampling = NULL;
}

static int scan_test_set(const char *val, const struct kernel_param *kp)
{
	unsigned int secs;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = kstrtouint(val, 0, &secs);
	if (ret)
		return ret;
	return selfmig_sample_start(secs, clamp_val(READ_ONCE(scan_test_ms), 10, 60000));
}

static const struct kernel_param_ops scan_test_ops = {
	.set = scan_test_set,
};
module_param_cb(scan_test, &scan_test_ops, NULL, 0200);
MODULE_PARM_DESC(scan_test, "Diagnostic: scan for dirty pages every scan_test_ms for this many seconds, sending nothing");
