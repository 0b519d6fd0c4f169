// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/selfmig/: the module's read-only state, one value per file, and
 * "status", all of them as "key value" lines.  Documented in docs/interface.md.
 */
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/mm.h>
#include <linux/cpumask.h>

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
	return sysfs_emit(buf, "%s\n", selfmig_xen_guest_type());
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
			  SELFMIG_VERSION, selfmig_xen_guest_type(),
			  totalram_pages(), get_num_physpages(), PAGE_SIZE,
			  num_online_cpus(),
			  selfmig_state_name(selfmig_state_get()));
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
