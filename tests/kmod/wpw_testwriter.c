// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_testwriter: a writer of kernel memory for the guest test suites.
 *
 * It owns an exported, cache-line aligned u64 array, wpw_test_target[], and
 * writes it on demand from a system call (so the writer's task is the
 * process that asked), through one noinline function, wpw_test_write_one(),
 * that stacks and kprobes can name.
 *
 * debugfs (/sys/kernel/debug/wpw_testwriter/):
 *   write   "IDX VALUE [COUNT]": COUNT (default 1) writes of VALUE, VALUE+1,
 *           ... to wpw_test_target[IDX], 0 <= IDX < 64
 *   writes  number of writes done since load
 *   addr    address of wpw_test_target, in hex
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/uaccess.h>
#include <linux/atomic.h>
#include <linux/kernel.h>

#define WPW_TEST_LEN 64

u64 wpw_test_target[WPW_TEST_LEN] __aligned(512);
EXPORT_SYMBOL_GPL(wpw_test_target);

static atomic64_t writes_done = ATOMIC64_INIT(0);
static struct dentry *dir;

/* One store, in a function of its own so that stacks and kprobes can name it. */
noinline void wpw_test_write_one(u64 *where, u64 value)
{
	WRITE_ONCE(*where, value);
	atomic64_inc(&writes_done);
}
EXPORT_SYMBOL_GPL(wpw_test_write_one);

static ssize_t write_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[96];
	unsigned long long idx, value, n = 1, i;
	u64 *where;
	int got;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	got = sscanf(buf, "%llu %lli %llu", &idx, &value, &n);
	if (got < 2 || idx >= WPW_TEST_LEN || n == 0 || n > 100000000)
		return -EINVAL;
	where = &wpw_test_target[idx];
	for (i = 0; i < n; i++) {
		wpw_test_write_one(where, value + i);
		cond_resched();
	}
	return count;
}

static const struct file_operations write_fops = {
	.owner = THIS_MODULE,
	.write = write_write,
	.llseek = noop_llseek,
};

static int writes_get(void *data, u64 *val)
{
	*val = atomic64_read(&writes_done);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(writes_fops, writes_get, NULL, "%llu\n");

static int addr_show(struct seq_file *m, void *v)
{
	seq_printf(m, "0x%lx\n", (unsigned long)wpw_test_target);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(addr);

static int __init wpw_testwriter_init(void)
{
	dir = debugfs_create_dir("wpw_testwriter", NULL);
	debugfs_create_file("write", 0200, dir, NULL, &write_fops);
	debugfs_create_file_unsafe("writes", 0400, dir, NULL, &writes_fops);
	debugfs_create_file("addr", 0400, dir, NULL, &addr_fops);
	return 0;
}

static void __exit wpw_testwriter_exit(void)
{
	debugfs_remove(dir);
}

module_init(wpw_testwriter_init);
module_exit(wpw_testwriter_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch test writer of kernel memory");
