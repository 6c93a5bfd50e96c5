// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/multikernel/: the operator's view of the multikernel pool
 * and instances. See Documentation/ABI/testing/sysfs-kernel-multikernel.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/bitops.h>
#include <linux/capability.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "internal.h"

/*
 * Changing instances, like loading a kernel with kexec, needs
 * CAP_SYS_BOOT: root that dropped it may look but not touch. The check
 * is on the writer's credentials, as kexec_file_load() checks its
 * caller's.
 */
static int mk_may_write(const struct attribute *attr)
{
	if (capable(CAP_SYS_BOOT))
		return 0;
	pr_notice_ratelimited("%s[%d]: writing %s needs CAP_SYS_BOOT\n",
			      current->comm, task_pid_nr(current), attr->name);
	return -EPERM;
}

static ssize_t pool_size_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", mk_pool_size());
}

static struct kobj_attribute pool_size_attr = __ATTR_RO(pool_size);

static ssize_t pool_free_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", mk_pool_avail());
}

static struct kobj_attribute pool_free_attr = __ATTR_RO(pool_free);

static ssize_t instance_id_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	/* 0 in a kernel booted from firmware: the host. */
	return sysfs_emit(buf, "%u\n", mk_spawned_id());
}

static struct kobj_attribute instance_id_attr = __ATTR_RO(instance_id);

static ssize_t message_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int ret = mk_may_write(&attr->attr);

	if (!ret)
		ret = mk_spawned_message(buf, count);
	return ret ?: count;
}

static struct kobj_attribute message_attr = __ATTR_WO(message);

static struct attribute *mk_attrs[] = {
	&pool_size_attr.attr,
	&pool_free_attr.attr,
	&instance_id_attr.attr,
	&message_attr.attr,
	NULL
};

static umode_t mk_attr_visible(struct kobject *kobj, struct attribute *attr,
			       int n)
{
	/* Only a spawned kernel has a host to send messages to. */
	if (attr == &message_attr.attr && !mk_spawned_id())
		return 0;
	return attr->mode;
}

static const struct attribute_group mk_group = {
	.attrs = mk_attrs,
	.is_visible = mk_attr_visible,
};

/* /sys/kernel/multikernel/instances/<id>/ */

static struct mk_instance *to_mi(struct kobject *kobj)
{
	return container_of(kobj, struct mk_instance, kobj);
}

/*
 * Run @fn on a trimmed copy of what user space wrote. A value is one
 * line: a NUL inside would hide the rest of it, and a line break inside
 * is refused rather than taken as a separator by some parsers and as
 * the end by others. Trailing NULs, as some tools write, are dropped.
 */
static ssize_t mk_store(struct kobject *kobj, struct kobj_attribute *attr,
			const char *buf, size_t count,
			int (*fn)(struct mk_instance *mi, const char *arg))
{
	struct mk_instance *mi = to_mi(kobj);
	size_t len = count;
	char *arg, *line;
	int ret;

	ret = mk_may_write(&attr->attr);
	if (ret)
		return ret;
	while (len && !buf[len - 1])
		len--;
	arg = kmemdup_nul(buf, len, GFP_KERNEL);
	if (!arg)
		return -ENOMEM;
	line = memchr(arg, '\0', len) ? NULL : strim(arg);
	if (!line || strpbrk(line, "\n\r")) {
		mutex_lock(&mk_lock);
		mk_set_error(mi, -EINVAL, "%s: a NUL or a line break inside the value",
			     attr->attr.name);
		mutex_unlock(&mk_lock);
		ret = -EINVAL;
	} else {
		ret = fn(mi, line);
	}
	kfree(arg);
	return ret ?: count;
}

static ssize_t cpus_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	ssize_t ret;

	/* The mask is changed under the lock, a word at a time. */
	if (mutex_lock_interruptible(&mk_lock))
		return -EINTR;
	ret = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(to_mi(kobj)->cpus));
	mutex_unlock(&mk_lock);
	return ret;
}

static ssize_t cpus_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	return mk_store(kobj, attr, buf, count, mk_instance_set_cpus);
}

static struct kobj_attribute cpus_attr = __ATTR_RW(cpus);

static ssize_t memory_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	u64 size = READ_ONCE(to_mi(kobj)->mem_size);

	if (size && IS_ALIGNED(size, SZ_1G))
		return sysfs_emit(buf, "%lluG\n", size >> 30);
	if (size)
		return sysfs_emit(buf, "%lluM\n", size >> 20);
	return sysfs_emit(buf, "0\n");
}

static ssize_t memory_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	return mk_store(kobj, attr, buf, count, mk_instance_set_memory);
}

static struct kobj_attribute memory_attr = __ATTR_RW(memory);

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  mk_state_name(READ_ONCE(to_mi(kobj)->state)));
}

static ssize_t state_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	return mk_store(kobj, attr, buf, count, mk_instance_control);
}

static struct kobj_attribute state_attr = __ATTR_RW(state);

static ssize_t mem_range_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct mk_instance *mi = to_mi(kobj);
	ssize_t ret;

	mutex_lock(&mk_lock);
	if (mi->mem.parent)
		ret = sysfs_emit(buf, "%#llx-%#llx\n", (u64)mi->mem.start,
				 (u64)mi->mem.end);
	else
		ret = sysfs_emit(buf, "\n");
	mutex_unlock(&mk_lock);
	return ret;
}

/* Physical addresses, as /proc/iomem shows them: root only. */
static struct kobj_attribute mem_range_attr = __ATTR_RO_MODE(mem_range, 0400);

static ssize_t image_size_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	/* Set and cleared under mk_lock by a load and an unload. */
	return sysfs_emit(buf, "%zu\n", READ_ONCE(to_mi(kobj)->kernel_size));
}

static struct kobj_attribute image_size_attr = __ATTR_RO(image_size);

static ssize_t initrd_size_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%zu\n", READ_ONCE(to_mi(kobj)->initrd_size));
}

static struct kobj_attribute initrd_size_attr = __ATTR_RO(initrd_size);

static ssize_t cmdline_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct mk_instance *mi = to_mi(kobj);
	ssize_t ret;

	mutex_lock(&mk_lock);
	ret = sysfs_emit(buf, "%s\n", mi->cmdline ?: "");
	mutex_unlock(&mk_lock);
	return ret;
}

static struct kobj_attribute cmdline_attr = __ATTR_RO_MODE(cmdline, 0400);

static ssize_t last_error_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct mk_instance *mi = to_mi(kobj);
	ssize_t ret;

	mutex_lock(&mk_lock);
	ret = sysfs_emit(buf, "%s\n", mi->last_error);
	mutex_unlock(&mk_lock);
	return ret;
}

static struct kobj_attribute last_error_attr = __ATTR_RO(last_error);

static ssize_t boot_time_us_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct mk_instance *mi = to_mi(kobj);
	ssize_t ret;

	mutex_lock(&mk_lock);
	ret = sysfs_emit(buf, "%llu\n", div_u64(mi->boot_time_ns, NSEC_PER_USEC));
	mutex_unlock(&mk_lock);
	return ret;
}

static struct kobj_attribute boot_time_us_attr = __ATTR_RO(boot_time_us);

/* The phases of the last start: where its time went, in microseconds. */
static ssize_t mk_phase_show(struct kobject *kobj, char *buf,
			     const u64 *field)
{
	u64 ns;

	mutex_lock(&mk_lock);
	ns = *field;
	mutex_unlock(&mk_lock);
	return sysfs_emit(buf, "%llu\n", div_u64(ns, NSEC_PER_USEC));
}

static ssize_t boot_prepare_us_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return mk_phase_show(kobj, buf, &to_mi(kobj)->prepare_ns);
}

static ssize_t boot_entry_us_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return mk_phase_show(kobj, buf, &to_mi(kobj)->entry_ns);
}

static ssize_t boot_kernel_us_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return mk_phase_show(kobj, buf, &to_mi(kobj)->kernel_ns);
}

static struct kobj_attribute boot_prepare_us_attr = __ATTR_RO(boot_prepare_us);
static struct kobj_attribute boot_entry_us_attr = __ATTR_RO(boot_entry_us);
static struct kobj_attribute boot_kernel_us_attr = __ATTR_RO(boot_kernel_us);

static const char * const mk_feature_names[] = {
	"net_csum",	/* MULTIKERNEL_F_NET_CSUM */
	"net_gso",	/* MULTIKERNEL_F_NET_GSO */
	"net_addr",	/* MULTIKERNEL_F_NET_ADDR */
};

static_assert(MULTIKERNEL_F_ALL == (1U << ARRAY_SIZE(mk_feature_names)) - 1);

static ssize_t features_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	unsigned long features;
	ssize_t len = 0;
	unsigned int i;

	mutex_lock(&mk_lock);
	features = to_mi(kobj)->features;
	mutex_unlock(&mk_lock);
	for_each_set_bit(i, &features, ARRAY_SIZE(mk_feature_names))
		len += sysfs_emit_at(buf, len, "%s%s", len ? " " : "",
				     mk_feature_names[i]);
	return len + sysfs_emit_at(buf, len, "\n");
}

static struct kobj_attribute features_attr = __ATTR_RO(features);

static ssize_t instance_message_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	struct mk_instance *mi = to_mi(kobj);
	char msg[MK_TEXT_MAX + 1];
	ssize_t n;

	mutex_lock(&mk_lock);
	n = mk_message_read(mi, msg, sizeof(msg));
	mutex_unlock(&mk_lock);
	if (n && msg[n - 1] == '\n')
		n--;
	return sysfs_emit(buf, "%.*s\n", (int)n, msg);
}

static struct kobj_attribute instance_message_attr =
	__ATTR(message, 0400, instance_message_show, NULL);

static ssize_t log_read(struct file *file, struct kobject *kobj,
			struct bin_attribute *attr, char *buf, loff_t off,
			size_t count)
{
	return mk_log_read(to_mi(kobj), buf, off, count);
}

static BIN_ATTR_ADMIN_RO(log, 0);

static struct bin_attribute *mk_instance_bin_attrs[] = {
	&bin_attr_log,
	NULL
};

static struct attribute *mk_instance_attrs[] = {
	&cpus_attr.attr,
	&memory_attr.attr,
	&state_attr.attr,
	&mem_range_attr.attr,
	&image_size_attr.attr,
	&initrd_size_attr.attr,
	&cmdline_attr.attr,
	&last_error_attr.attr,
	&boot_time_us_attr.attr,
	&boot_prepare_us_attr.attr,
	&boot_entry_us_attr.attr,
	&boot_kernel_us_attr.attr,
	&instance_message_attr.attr,
	&features_attr.attr,
	NULL
};

static const struct attribute_group mk_instance_group = {
	.attrs		= mk_instance_attrs,
	.bin_attrs	= mk_instance_bin_attrs,
};
__ATTRIBUTE_GROUPS(mk_instance);

static const struct kobj_type mk_instance_ktype = {
	.release	= mk_instance_free,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= mk_instance_groups,
};

/* .../link/: the counters of a link to a peer. */

static struct kobject *mk_kobj;

/* The link of a directory's "link" group: a spawned kernel's is its host's. */
static struct mk_link *to_link(struct kobject *kobj)
{
	return kobj == mk_kobj ? mk_link_get(0) : &to_mi(kobj)->link;
}

static const char * const mk_stat_names[MK_NR_STATS] = {
	[MK_STAT_TX_MESSAGES]		= "tx_messages",
	[MK_STAT_TX_BYTES]		= "tx_bytes",
	[MK_STAT_RX_MESSAGES]		= "rx_messages",
	[MK_STAT_RX_BYTES]		= "rx_bytes",
	[MK_STAT_DOORBELLS_SENT]	= "doorbells_sent",
	[MK_STAT_DOORBELLS_RECEIVED]	= "doorbells_received",
	[MK_STAT_RING_FULL]		= "ring_full",
	[MK_STAT_DROPS]			= "drops",
	[MK_STAT_ERRORS]		= "errors",
};

static struct kobj_attribute mk_stat_attrs[MK_NR_STATS];

static ssize_t mk_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	unsigned int i = attr - mk_stat_attrs;

	return sysfs_emit(buf, "%lld\n", atomic64_read(&to_link(kobj)->stats[i]));
}

static ssize_t ring_size_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct mk_link *l = to_link(kobj);

	return sysfs_emit(buf, "%u\n", READ_ONCE(l->active) ? l->tx.size : 0);
}

static struct kobj_attribute ring_size_attr = __ATTR_RO(ring_size);

/* The counters' attributes, filled in from mk_stat_names[], then ring_size. */
static struct attribute *mk_link_attrs[MK_NR_STATS + 2];

/* A directory of its owner's, not a kobject of the link's own. */
static const struct attribute_group mk_link_group = {
	.name	= "link",
	.attrs	= mk_link_attrs,
};

static void __init mk_link_attrs_init(void)
{
	unsigned int i;

	for (i = 0; i < MK_NR_STATS; i++) {
		struct kobj_attribute *a = &mk_stat_attrs[i];

		sysfs_attr_init(&a->attr);
		a->attr.name = mk_stat_names[i];
		a->attr.mode = 0444;
		a->show = mk_stat_show;
		mk_link_attrs[i] = &a->attr;
	}
	mk_link_attrs[MK_NR_STATS] = &ring_size_attr.attr;
}

static struct kobject *mk_instances_kobj;

static int __init mk_sysfs_init(void)
{
	unsigned int id;
	int ret;

	mk_link_attrs_init();
	mk_kobj = kobject_create_and_add("multikernel", kernel_kobj);
	if (!mk_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(mk_kobj, &mk_group);
	if (ret)
		goto fail;

	ret = -ENOMEM;
	mk_instances_kobj = kobject_create_and_add("instances", mk_kobj);
	if (!mk_instances_kobj)
		goto fail;

	for (id = 1; id <= MK_MAX_INSTANCES; id++) {
		struct mk_instance *mi = mk_instance_get(id);

		/*
		 * The kobject owns the slot from here: the slot table keeps
		 * this first reference for as long as the kernel runs; the
		 * last put would free the slot with mk_instance_free().
		 */
		kobject_init(&mi->kobj, &mk_instance_ktype);
		ret = kobject_add(&mi->kobj, mk_instances_kobj, "%u", id);
		if (ret)
			goto fail;
		if (!mk_spawned_id()) {
			ret = sysfs_create_group(&mi->kobj, &mk_link_group);
			if (ret)
				goto fail;
		}
	}
	/* A spawned kernel's link to its host. */
	if (mk_link_get(0)) {
		ret = sysfs_create_group(mk_kobj, &mk_link_group);
		if (ret)
			goto fail;
	}
	return 0;

fail:
	pr_err("cannot create /sys/kernel/multikernel: %d\n", ret);
	return ret;
}
subsys_initcall(mk_sysfs_init);
