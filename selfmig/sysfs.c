// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/selfmig/: the module's read-only state, one value per file, and
 * "status", all of them as "key value" lines.  Documented in docs/interface.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/mm.h>
#include <linux/cpumask.h>
#include <linux/capability.h>
#include <linux/inet.h>
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

static int parse_u32(const char *v, u32 *out)
{
	return kstrtou32(v, 10, out);
}

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

/*
 * "migrate" takes space-separated key=value settings:
 *   dest=A.B.C.D:PORT (required)   id=32 hex digits (required)
 *   start_rate=MBIT max_bandwidth=MBIT downtime_ms=MS max_rounds=N
 *   max_bytes_factor=N compress=0|1 freeze=0|1 (verify=, its first name)
 */
static int parse_migrate(char *buf, struct selfmig_config *cfg)
{
	bool have_dest = false, have_id = false;
	char *tok, *val;
	u32 v;
	int ret = 0;

	selfmig_config_params(cfg);
	while ((tok = strsep(&buf, " \t\n")) != NULL) {
		if (!*tok)
			continue;
		val = strchr(tok, '=');
		if (!val) {
			pr_err("migrate: '%s' is not key=value\n", tok);
			return -EINVAL;
		}
		*val++ = 0;
		if (!strcmp(tok, "dest")) {
			char *colon = strrchr(val, ':');
			const char *end;
			u16 port;

			if (!colon || kstrtou16(colon + 1, 10, &port) || !port ||
			    !in4_pton(val, colon - val, (u8 *)&cfg->dest_addr, -1, &end) ||
			    end != colon) {
				pr_err("migrate: dest '%s' is not A.B.C.D:PORT\n", val);
				return -EINVAL;
			}
			cfg->dest_port = port;
			have_dest = true;
		} else if (!strcmp(tok, "id")) {
			if (strlen(val) != 32 || hex2bin(cfg->id, val, 16)) {
				pr_err("migrate: id must be 32 hex digits\n");
				return -EINVAL;
			}
			have_id = true;
		} else if (!strcmp(tok, "start_rate")) {
			ret = kstrtou64(val, 10, &cfg->start_rate_mbit);
		} else if (!strcmp(tok, "max_bandwidth")) {
			ret = kstrtou64(val, 10, &cfg->max_bandwidth_mbit);
		} else if (!strcmp(tok, "downtime_ms")) {
			ret = parse_u32(val, &cfg->downtime_ms);
		} else if (!strcmp(tok, "max_rounds")) {
			ret = parse_u32(val, &cfg->max_rounds);
		} else if (!strcmp(tok, "max_bytes_factor")) {
			ret = parse_u32(val, &cfg->max_bytes_factor);
		} else if (!strcmp(tok, "compress")) {
			ret = parse_u32(val, &v);
			cfg->compress = v;
		} else if (!strcmp(tok, "freeze") || !strcmp(tok, "verify")) {
			ret = parse_u32(val, &v);
			cfg->verify = v;
		} else {
			pr_err("migrate: unknown setting '%s'\n", tok);
			return -EINVAL;
		}
		if (ret) {
			pr_err("migrate: bad value for %s: '%s'\n", tok, val);
			return ret;
		}
	}
	if (!have_dest || !have_id) {
		pr_err("migrate: dest= and id= are required\n");
		return -EINVAL;
	}
	return 0;
}

static ssize_t migrate_store(struct kobject *k, struct kobj_attribute *a,
			     const char *buf, size_t count)
{
	struct selfmig_config cfg;
	char *copy;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	copy = kstrndup(buf, count, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	ret = parse_migrate(copy, &cfg);
	kfree(copy);
	if (ret)
		return ret;
	ret = selfmig_control_start(&cfg);
	return ret ? ret : count;
}

static ssize_t abort_store(struct kobject *k, struct kobj_attribute *a,
			   const char *buf, size_t count)
{
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = selfmig_migrate_abort();
	return ret ? ret : count;
}

static ssize_t rounds_show(struct kobject *k, struct kobj_attribute *a,
			   char *buf)
{
	return selfmig_migrate_show_rounds(buf);
}

static ssize_t procs_show(struct kobject *k, struct kobj_attribute *a,
			  char *buf)
{
	return selfmig_migrate_show_procs(buf);
}

static ssize_t result_show(struct kobject *k, struct kobj_attribute *a,
			   char *buf)
{
	return selfmig_migrate_show_result(buf);
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
	__ATTR_WO(migrate),
	__ATTR_WO(abort),
	__ATTR_RO(rounds),
	__ATTR_RO(procs),
	__ATTR_RO(result),
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
