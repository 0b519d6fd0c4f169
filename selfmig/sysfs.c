// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/selfmig/: the module's read-only state, one value per file, and
 * "status", all of them as "key value" lines; the module parameters that
 * are a migration's defaults.  Commands and the migration's reports go
 * through generic netlink (genl.c).  Documented in docs/interface.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/mm.h>
#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "selfmig.h"

static struct kobject *selfmig_kobj;

static ssize_t version_show(struct kobject *k, struct kobj_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", SELFMIG_VERSION);
}

static ssize_t guest_type_show(struct kobject *k, struct kobj_attribute *a,
			       char *buf)
{
	return sysfs_emit(buf, "%s\n", selfmig_platform()->name);
}

static ssize_t memory_pages_show(struct kobject *k, struct kobj_attribute *a,
				 char *buf)
{
	return sysfs_emit(buf, "%lu\n", totalram_pages());
}

static ssize_t present_pages_show(struct kobject *k, struct kobj_attribute *a,
				  char *buf)
{
	return sysfs_emit(buf, "%lu\n", get_num_physpages());
}

static ssize_t page_size_show(struct kobject *k, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%lu\n", PAGE_SIZE);
}

static ssize_t cpus_show(struct kobject *k, struct kobj_attribute *a,
			 char *buf)
{
	return sysfs_emit(buf, "%u\n", num_online_cpus());
}

static ssize_t state_show(struct kobject *k, struct kobj_attribute *a,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", selfmig_state_name(selfmig_state_get()));
}

static ssize_t status_show(struct kobject *k, struct kobj_attribute *a,
			   char *buf)
{
	return sysfs_emit(buf,
			  "version %s\nguest_type %s\nmemory_pages %lu\n"
			  "present_pages %lu\npage_size %lu\ncpus %u\nstate %s\n",
			  SELFMIG_VERSION, selfmig_platform()->name,
			  totalram_pages(), get_num_physpages(), PAGE_SIZE,
			  num_online_cpus(),
			  selfmig_state_name(selfmig_state_get()));
}

/* Defaults for the settings of "migrate"; each can be given per migration. */
static unsigned long start_rate_mbit = 100;
module_param(start_rate_mbit, ulong, 0644);
MODULE_PARM_DESC(start_rate_mbit, "Round 0 rate, Mbit/s (default 100)");
static unsigned long max_bandwidth_mbit;
module_param(max_bandwidth_mbit, ulong, 0644);
MODULE_PARM_DESC(max_bandwidth_mbit, "Rate cap, Mbit/s; 0 = unlimited (default 0)");
static unsigned int downtime_ms = 300;
module_param(downtime_ms, uint, 0644);
MODULE_PARM_DESC(downtime_ms, "Downtime target, ms (default 300)");
static unsigned int max_rounds = 30;
module_param(max_rounds, uint, 0644);
MODULE_PARM_DESC(max_rounds, "Most pre-copy rounds (default 30)");
static unsigned int max_bytes_factor = 3;
module_param(max_bytes_factor, uint, 0644);
MODULE_PARM_DESC(max_bytes_factor, "Stop once bytes sent exceed this times guest memory; 0 = off (default 3)");
static bool compress;
module_param(compress, bool, 0644);
MODULE_PARM_DESC(compress, "zlib-compress page batches (default off)");

static bool require_key = true;
module_param(require_key, bool, 0644);
MODULE_PARM_DESC(require_key, "Refuse a migration without a secret from dom0 in control/selfmig/key (default on)");

/**
 * selfmig_config_params() - a migration's settings before it gives its own
 * @cfg: filled with the defaults and the module parameters' values
 */
void selfmig_config_params(struct selfmig_config *cfg)
{
	selfmig_config_defaults(cfg);
	cfg->start_rate_mbit = start_rate_mbit;
	cfg->max_bandwidth_mbit = max_bandwidth_mbit;
	cfg->downtime_ms = downtime_ms;
	cfg->max_rounds = max_rounds;
	cfg->max_bytes_factor = max_bytes_factor;
	cfg->compress = compress;
}

/**
 * selfmig_control_start() - start a migration asked for through sysfs or
 * netlink, with the secret that dom0 handed out for its id
 * @cfg: its settings; the secret is read into it and wiped before return
 *
 * Return: 0, or the error of reading the secret (with require_key) or of
 * starting.
 */
int selfmig_control_start(struct selfmig_config *cfg)
{
	int ret;

	ret = selfmig_platform()->read_key(cfg->id, cfg->key);
	if (ret && require_key)
		return ret;
	cfg->auth = !ret;
	if (ret)
		pr_warn("migrating without a secret: the stream is neither encrypted nor authenticated (require_key=0)\n");
	ret = selfmig_migrate_start(cfg);
	memzero_explicit(cfg->key, sizeof(cfg->key));
	return ret;
}

static struct kobj_attribute selfmig_attrs[] = {
	__ATTR_RO(version),
	__ATTR_RO(guest_type),
	__ATTR_RO(memory_pages),
	__ATTR_RO(present_pages),
	__ATTR_RO(page_size),
	__ATTR_RO(cpus),
	__ATTR_RO(state),
	__ATTR_RO(status),
};

static struct attribute *selfmig_attr_list[ARRAY_SIZE(selfmig_attrs) + 1];

static const struct attribute_group selfmig_group = {
	.attrs = selfmig_attr_list,
};

int selfmig_sysfs_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(selfmig_attrs); i++)
		selfmig_attr_list[i] = &selfmig_attrs[i].attr;

	selfmig_kobj = kobject_create_and_add("selfmig", kernel_kobj);
	if (!selfmig_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(selfmig_kobj, &selfmig_group);
	if (ret) {
		kobject_put(selfmig_kobj);
		selfmig_kobj = NULL;
	}
	return ret;
}

void selfmig_sysfs_exit(void)
{
	if (!selfmig_kobj)
		return;
	sysfs_remove_group(selfmig_kobj, &selfmig_group);
	kobject_put(selfmig_kobj);
	selfmig_kobj = NULL;
}
