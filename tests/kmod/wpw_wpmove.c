// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_wpmove: a consumer of watchpoint.ko's movable regions, for
 * tests/guest/12-watchpoint-move.sh. It gets one region at load, disarmed
 * (watchpoint_region_get_movable() at address 0), that the suite points at
 * objects of wpw_objects.ko's slab cache one after another; its callback
 * counts the hits of each arming.
 *
 * A hit belongs to the newest arming whose address is the region's address
 * at the hit (hit->watched): a hit at an address the region has left would
 * land on the old arming and show as one write too many there.
 *
 * debugfs (/sys/kernel/debug/wpw_wpmove/):
 *   move     "ADDR LEN" (ADDR in hex): a new arming, then
 *            watchpoint_region_move(ADDR, LEN); the errno of the move, or
 *            EFAULT if ADDR cannot be read (the arming is then forgotten)
 *            "disarm": watchpoint_region_disarm()
 *   armings  one line per arming, oldest first: "K ADDR LEN HITS LAST_NEW",
 *            LAST_NEW the new value of its last hit
 *   stray    hits at an address no arming has (never expected)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/atomic.h>
#include <linux/kprobes.h>
#include "watchpoint.h"

#define MAX_ARMINGS 64

static struct wpw_arming {
	unsigned long addr;
	unsigned int len;
	atomic64_t hits;
	u64 last_new;
} armings[MAX_ARMINGS];
static unsigned int nr_armings;	/* published with a release store */
static atomic64_t stray;
static DEFINE_MUTEX(move_lock);
static struct watchpoint_region *region;
static struct dentry *dir;

/* In the debug exception: lock-free, NOKPROBE like watchpoint.ko's trap. */
static void wpmove_cb(const struct watchpoint_hit *hit, void *data)
{
	/* pairs with wpmove_move(): an arming's fields before the count */
	unsigned int n = smp_load_acquire(&nr_armings);

	while (n--) {
		if (armings[n].addr == hit->watched) {
			atomic64_inc(&armings[n].hits);
			WRITE_ONCE(armings[n].last_new, hit->new_val);
			return;
		}
	}
	atomic64_inc(&stray);
}
NOKPROBE_SYMBOL(wpmove_cb);

static struct watchpoint_callback wpmove_callback = {
	.func = wpmove_cb,
	.flags = WATCHPOINT_CB_ALLOWED,
};

static int wpmove_move(unsigned long addr, unsigned int len)
{
	struct wpw_arming *a;
	u64 probe;
	int err;

	if (len > sizeof(probe))
		return -EINVAL;
	if (copy_from_kernel_nofault(&probe, (void *)addr, len))
		return -EFAULT;
	if (nr_armings == MAX_ARMINGS)
		return -ENOSPC;
	a = &armings[nr_armings];
	a->addr = addr;
	a->len = len;
	atomic64_set(&a->hits, 0);
	a->last_new = 0;
	/* the arming exists before the region gets there */
	smp_store_release(&nr_armings, nr_armings + 1);
	err = watchpoint_region_move(region, addr, len);
	if (err)	/* forgotten: as the count's other stores, a release */
		smp_store_release(&nr_armings, nr_armings - 1);
	return err;
}

static ssize_t move_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	char buf[64];
	unsigned long addr;
	unsigned int len;
	int err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	mutex_lock(&move_lock);
	if (!strcmp(strim(buf), "disarm"))
		err = watchpoint_region_disarm(region);
	else if (sscanf(buf, "%lx %u", &addr, &len) == 2)
		err = wpmove_move(addr, len);
	else
		err = -EINVAL;
	mutex_unlock(&move_lock);
	return err ? err : count;
}

static const struct file_operations move_fops = {
	.owner = THIS_MODULE,
	.write = move_write,
	.llseek = noop_llseek,
};

static int armings_show(struct seq_file *m, void *v)
{
	unsigned int k;

	mutex_lock(&move_lock);
	for (k = 0; k < nr_armings; k++)
		seq_printf(m, "%u 0x%lx %u %lld 0x%llx\n", k, armings[k].addr,
			   armings[k].len, atomic64_read(&armings[k].hits),
			   READ_ONCE(armings[k].last_new));
	mutex_unlock(&move_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(armings);

static int stray_get(void *data, u64 *val)
{
	*val = atomic64_read(&stray);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(stray_fops, stray_get, NULL, "%llu\n");

static int __init wpw_wpmove_init(void)
{
	region = watchpoint_region_get_movable(0, 8, HW_BREAKPOINT_W);
	if (IS_ERR(region))
		return PTR_ERR(region);
	watchpoint_callback_add(region, &wpmove_callback);
	dir = debugfs_create_dir("wpw_wpmove", NULL);
	debugfs_create_file("move", 0200, dir, NULL, &move_fops);
	debugfs_create_file("armings", 0444, dir, NULL, &armings_fops);
	debugfs_create_file_unsafe("stray", 0444, dir, NULL, &stray_fops);
	return 0;
}

static void __exit wpw_wpmove_exit(void)
{
	debugfs_remove_recursive(dir);
	watchpoint_callback_del(region, &wpmove_callback);
	watchpoint_region_put(region);
}

module_init(wpw_wpmove_init);
module_exit(wpw_wpmove_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch test: a movable region moved between objects");
