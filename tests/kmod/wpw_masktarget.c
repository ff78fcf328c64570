// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_masktarget: a big, naturally aligned u64 array for the masked
 * watchpoint suites (tests/guest/40-mask.sh), written on demand.
 *
 * The area is one block of the page allocator, so it is aligned to its own
 * size (256 KiB with 4 KiB pages): a watchpoint of any length up to that
 * size can start at its first byte, as DBGWCR.MASK requires.
 *
 * debugfs (/sys/kernel/debug/wpw_masktarget/):
 *   addr    address of the area, in hex
 *   size    size of the area in bytes
 *   write   "IDX [VALUE]": one 8-byte store of VALUE (default IDX) to
 *           entry IDX, from wpw_mask_write_entry(), in the writer's task
 *   writes  number of stores done since load
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/uaccess.h>
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/kernel.h>

#define AREA_ORDER 6
#define AREA_SIZE (PAGE_SIZE << AREA_ORDER)
#define AREA_ENTRIES (AREA_SIZE / sizeof(u64))

static u64 *area;
static atomic64_t writes_done = ATOMIC64_INIT(0);
static struct dentry *dir;

/* One store, in a function of its own so that stacks can name it. */
static noinline void wpw_mask_write_entry(u64 *where, u64 value)
{
	WRITE_ONCE(*where, value);
	atomic64_inc(&writes_done);
}

static ssize_t write_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[64];
	unsigned long long idx, value;
	int got;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	got = sscanf(buf, "%llu %lli", &idx, &value);
	if (got < 1 || idx >= AREA_ENTRIES)
		return -EINVAL;
	if (got < 2)
		value = idx;
	wpw_mask_write_entry(&area[idx], value);
	return count;
}

static const struct file_operations write_fops = {
	.owner = THIS_MODULE,
	.write = write_write,
	.llseek = noop_llseek,
};

static int addr_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%lx\n", (unsigned long)area);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(addr);

static int size_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%lu\n", (unsigned long)AREA_SIZE);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(size);

static int writes_get(void *data, u64 *val)
{
	*val = atomic64_read(&writes_done);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(writes_fops, writes_get, NULL, "%llu\n");

static int __init wpw_masktarget_init(void)
{
	area = (u64 *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, AREA_ORDER);
	if (!area)
		return -ENOMEM;
	if (!IS_ALIGNED((unsigned long)area, AREA_SIZE)) {
		pr_err("area at %p is not aligned to its size %lu\n",
		       area, (unsigned long)AREA_SIZE);
		goto free_area;
	}

	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("write", 0200, dir, NULL, &write_fops);
	debugfs_create_file("addr", 0400, dir, NULL, &addr_fops);
	debugfs_create_file("size", 0444, dir, NULL, &size_fops);
	debugfs_create_file_unsafe("writes", 0444, dir, NULL, &writes_fops);
	return 0;

free_area:
	free_pages((unsigned long)area, AREA_ORDER);
	return -EINVAL;
}

static void __exit wpw_masktarget_exit(void)
{
	debugfs_remove_recursive(dir);
	free_pages((unsigned long)area, AREA_ORDER);
}

module_init(wpw_masktarget_init);
module_exit(wpw_masktarget_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch test: a naturally aligned area for masked watchpoints");
