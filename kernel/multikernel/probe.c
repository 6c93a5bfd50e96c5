// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the selftests look at inside a spawned kernel, in debugfs:
 *
 *   /sys/kernel/debug/multikernel/seed
 *	a 32-bit fingerprint of the random seed the host gave this start
 *   echo fill > /sys/kernel/debug/multikernel/marker
 *	takes every free page it can get, fills each with a marker made
 *	of its own page frame number, and frees them again
 *   echo scan > /sys/kernel/debug/multikernel/marker
 *	counts the pages of this kernel's RAM that begin with that marker
 *   cat /sys/kernel/debug/multikernel/marker
 *	"filled N" or "found N" for the last command
 *
 *   echo ring|control|header|flood > /sys/kernel/debug/multikernel/hostile
 *	breaks the protocol with the host as a hostile instance would
 *	(see mk_spawned_hostile()); reading it gives the doorbells the
 *	last flood rang
 *
 * A run that finds a marker reads memory that an earlier run of an
 * instance wrote: the host did not wipe it. Only in kernels built with
 * CONFIG_MULTIKERNEL_BENCH.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "internal.h"

/* Words of the marker at the start of a page, and the pattern. */
#define MK_MARK_WORDS	8
#define MK_MARK		0x4d4b2d4d41524b21ULL	/* "MK-MARK!" */

static DEFINE_MUTEX(mk_probe_lock);
static char mk_probe_result[64];

/*
 * The marker depends on the page it is in, so that no constant in this
 * kernel's image or stack can look like a marked page.
 */
static u64 mk_mark(unsigned long pfn, unsigned int i)
{
	return MK_MARK ^ ((u64)pfn << 8 | (i % MK_MARK_WORDS));
}

static bool mk_marked(const u64 *w, unsigned long pfn)
{
	unsigned int i;

	for (i = 0; i < MK_MARK_WORDS; i++)
		if (w[i] != mk_mark(pfn, i))
			return false;
	return true;
}

/*
 * Leave a sixteenth of RAM free: the allocations of others must not
 * fail, nor the OOM killer run, while this holds the rest.
 */
static bool mk_marker_room(void)
{
	return si_mem_available() > (long)(totalram_pages() / 16);
}

static unsigned long mk_marker_fill(void)
{
	unsigned long n = 0, pfn;
	struct page *page, *next;
	unsigned int i;
	LIST_HEAD(pages);
	u64 *p;

	for (;;) {
		if (!(n % 256) && !mk_marker_room())
			break;
		page = alloc_page(GFP_HIGHUSER | __GFP_NORETRY | __GFP_NOWARN);
		if (!page)
			break;
		pfn = page_to_pfn(page);
		p = page_address(page);
		for (i = 0; i < PAGE_SIZE / sizeof(*p); i++)
			p[i] = mk_mark(pfn, i);
		list_add(&page->lru, &pages);
		n++;
		if (!(n % 1024))
			cond_resched();
	}
	list_for_each_entry_safe(page, next, &pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	return n;
}

static int mk_marker_scan_range(unsigned long start_pfn, unsigned long nr,
				void *arg)
{
	unsigned long *found = arg, pfn;
	u64 w[MK_MARK_WORDS];

	for (pfn = start_pfn; pfn < start_pfn + nr; pfn++) {
		if (!pfn_valid(pfn))
			continue;
		if (copy_from_kernel_nofault(w, page_address(pfn_to_page(pfn)),
					     sizeof(w)))
			continue;
		if (mk_marked(w, pfn))
			(*found)++;
		if (!(pfn % 4096))
			cond_resched();
	}
	return 0;
}

static ssize_t mk_marker_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	unsigned long n = 0;
	char cmd[8] = {};
	ssize_t ret = len;

	if (copy_from_user(cmd, ubuf, min(len, sizeof(cmd) - 1)))
		return -EFAULT;
	mutex_lock(&mk_probe_lock);
	if (!strncmp(cmd, "fill", 4)) {
		n = mk_marker_fill();
		snprintf(mk_probe_result, sizeof(mk_probe_result), "filled %lu\n", n);
	} else if (!strncmp(cmd, "scan", 4)) {
		walk_system_ram_range(0, max_pfn + 1, &n, mk_marker_scan_range);
		snprintf(mk_probe_result, sizeof(mk_probe_result), "found %lu\n", n);
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&mk_probe_lock);
	return ret;
}

static ssize_t mk_marker_read(struct file *file, char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&mk_probe_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, mk_probe_result,
				      strlen(mk_probe_result));
	mutex_unlock(&mk_probe_lock);
	return ret;
}

static const struct file_operations mk_marker_fops = {
	.owner	= THIS_MODULE,
	.write	= mk_marker_write,
	.read	= mk_marker_read,
};

static long mk_hostile_result;

static ssize_t mk_hostile_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	char cmd[16] = {};
	long ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	mutex_lock(&mk_probe_lock);
	ret = mk_spawned_hostile(cmd);
	if (ret >= 0)
		mk_hostile_result = ret;
	mutex_unlock(&mk_probe_lock);
	return ret < 0 ? ret : len;
}

static ssize_t mk_hostile_read(struct file *file, char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	char buf[24];
	int n;

	mutex_lock(&mk_probe_lock);
	n = scnprintf(buf, sizeof(buf), "%ld\n", mk_hostile_result);
	mutex_unlock(&mk_probe_lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations mk_hostile_fops = {
	.owner	= THIS_MODULE,
	.write	= mk_hostile_write,
	.read	= mk_hostile_read,
};

static int mk_seed_get(void *data, u64 *val)
{
	*val = mk_spawned_seed_print();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(mk_seed_fops, mk_seed_get, NULL, "%08llx\n");

/**
 * mk_probe_init() - add the selftests' files in a spawned kernel
 */
void mk_probe_init(void)
{
	struct dentry *dir = debugfs_create_dir("multikernel", NULL);

	debugfs_create_file("marker", 0600, dir, NULL, &mk_marker_fops);
	debugfs_create_file_unsafe("seed", 0400, dir, NULL, &mk_seed_fops);
	debugfs_create_file("hostile", 0600, dir, NULL, &mk_hostile_fops);
}
