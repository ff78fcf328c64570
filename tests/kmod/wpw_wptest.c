// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_wptest: a second consumer of watchpoint.ko's API and a rogue writer of
 * trampolines[], for the guest suites.
 *
 * Parameters:
 *   consume=1   watch trampolines[idx] (8 bytes, w) through the API with a
 *               callback that counts every hit, allowed ones included
 *   idx=N       the entry consumed (default 0)
 *   regions=N   also take N more regions (trampolines[64], [72], ...): load
 *               fails with the API's errno when the slots run out
 * debugfs (/sys/kernel/debug/wpw_wptest/):
 *   rogue       "IDX VALUE [COUNT]": COUNT writes to trampolines[IDX] from
 *               wpw_rogue_write(), a function no allow-list names
 *   rogue_release  "IDX VALUE": one smp_store_release() (arm64: STLR, a store
 *               watchpoint.ko does not decode) from wpw_rogue_write_release()
 *   rogue_atomic  "IDX VALUE": one atomic64_add() (arm64 without LSE: an
 *               LDXR/STXR loop) from wpw_rogue_write_atomic()
 *   rogue_writes  writes done by the three
 *   consumer    what the callback saw: hits, last pid, comm, cpu, old, new
 *   allow_task  "PID" allow-lists that task on the consumed region, "-PID"
 *               removes it (needs consume=1)
 *   allow_function  "NAME" allow-lists the exported function NAME of a
 *               loaded module (e.g. tl_writer_store) on the consumed region,
 *               "-NAME" removes it (needs consume=1)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/atomic.h>
#include <linux/sched.h>
#include "watchpoint.h"

#define MAX_REGIONS 16

static bool consume = true;
module_param(consume, bool, 0444);
MODULE_PARM_DESC(consume, "register a counting callback on trampolines[idx]");

static unsigned int idx;
module_param(idx, uint, 0444);
MODULE_PARM_DESC(idx, "entry of trampolines[] to consume");

static unsigned int regions;
module_param(regions, uint, 0444);
MODULE_PARM_DESC(regions, "extra regions to take (fails when slots run out)");

static struct watchpoint_region *region, *extra[MAX_REGIONS];
static unsigned int nr_extra;
static atomic64_t rogue_writes, cb_hits;
static struct dentry *dir;

static struct {
	pid_t pid;
	int cpu;
	char comm[TASK_COMM_LEN];
	u64 old_val, new_val;
	unsigned int flags;
} seen;

static void wptest_cb(const struct watchpoint_hit *hit, void *data)
{
	atomic64_inc(&cb_hits);
	seen.pid = hit->pid;
	seen.cpu = hit->cpu;
	strscpy(seen.comm, hit->comm, sizeof(seen.comm));
	seen.old_val = hit->old_val;
	seen.new_val = hit->new_val;
	seen.flags = hit->flags;
}

static struct watchpoint_callback wptest_callback = {
	.func = wptest_cb,
	.flags = WATCHPOINT_CB_ALLOWED,
};

/* The rogue store, in a function of its own so that stacks name it. */
noinline void wpw_rogue_write(u64 *where, u64 value)
{
	WRITE_ONCE(*where, value);
	atomic64_inc(&rogue_writes);
}
EXPORT_SYMBOL_GPL(wpw_rogue_write);

noinline void wpw_rogue_write_release(u64 *where, u64 value)
{
	/* the barrier is the point: arm64 emits STLR, not decoded */
	smp_store_release(where, value);
	atomic64_inc(&rogue_writes);
}
EXPORT_SYMBOL_GPL(wpw_rogue_write_release);

noinline void wpw_rogue_write_atomic(u64 *where, u64 value)
{
	atomic64_add(value, (atomic64_t *)where);
	atomic64_inc(&rogue_writes);
}
EXPORT_SYMBOL_GPL(wpw_rogue_write_atomic);

enum { ROGUE_PLAIN, ROGUE_RELEASE, ROGUE_ATOMIC };

static ssize_t rogue_do(const char __user *ubuf, size_t count, int how)
{
	unsigned long long i, value, n = 1, k;
	char buf[96];

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%llu %lli %llu", &i, &value, &n) < 2 ||
	    i >= TRAMPOLINE_LEN || !n || n > 1000000)
		return -EINVAL;
	for (k = 0; k < n; k++) {
		if (how == ROGUE_RELEASE)
			wpw_rogue_write_release(&trampolines[i], value + k);
		else if (how == ROGUE_ATOMIC)
			wpw_rogue_write_atomic(&trampolines[i], value);
		else
			wpw_rogue_write(&trampolines[i], value + k);
	}
	return count;
}

static ssize_t rogue_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	return rogue_do(ubuf, count, ROGUE_PLAIN);
}

static ssize_t rogue_release_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	return rogue_do(ubuf, count, ROGUE_RELEASE);
}

static ssize_t rogue_atomic_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	return rogue_do(ubuf, count, ROGUE_ATOMIC);
}

static const struct file_operations rogue_atomic_fops = {
	.owner = THIS_MODULE,
	.write = rogue_atomic_write,
	.llseek = noop_llseek,
};

static ssize_t allow_task_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	int pid, err;

	err = kstrtoint_from_user(ubuf, count, 10, &pid);
	if (err)
		return err;
	if (!region || !pid)
		return -EINVAL;
	if (pid < 0) {
		watchpoint_disallow_task(region, -pid);
		return count;
	}
	err = watchpoint_allow_task(region, pid);
	return err ? err : count;
}

/* NAME must be exported: __symbol_get() is how a module finds another's. */
static ssize_t allow_function_write(struct file *file,
				    const char __user *ubuf, size_t count,
				    loff_t *ppos)
{
	char buf[128], *name;
	bool remove;
	void *fn;
	int err = 0;

	if (!region || !count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	name = strim(buf);
	remove = name[0] == '-';
	if (remove)
		name++;
	fn = __symbol_get(name);
	if (!fn)
		return -ENOENT;
	if (remove)
		watchpoint_disallow_function(region, fn);
	else
		err = watchpoint_allow_function(region, fn);
	/* the allow-list keeps the extent, not a reference to the module */
	__symbol_put(name);
	return err ? err : count;
}

static const struct file_operations allow_function_fops = {
	.owner = THIS_MODULE,
	.write = allow_function_write,
	.llseek = noop_llseek,
};

static const struct file_operations allow_task_fops = {
	.owner = THIS_MODULE,
	.write = allow_task_write,
	.llseek = noop_llseek,
};

static const struct file_operations rogue_release_fops = {
	.owner = THIS_MODULE,
	.write = rogue_release_write,
	.llseek = noop_llseek,
};

static const struct file_operations rogue_fops = {
	.owner = THIS_MODULE,
	.write = rogue_write,
	.llseek = noop_llseek,
};

static int rogue_writes_get(void *data, u64 *val)
{
	*val = atomic64_read(&rogue_writes);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(rogue_writes_fops, rogue_writes_get, NULL, "%llu\n");

static int consumer_show(struct seq_file *m, void *v)
{
	seq_printf(m, "hits %lld\npid %d\ncomm %s\ncpu %d\nold 0x%llx\nnew 0x%llx\nflags 0x%x\n",
		   atomic64_read(&cb_hits), seen.pid, seen.comm, seen.cpu,
		   seen.old_val, seen.new_val, seen.flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(consumer);

static void wptest_put_extra(void)
{
	while (nr_extra)
		watchpoint_region_put(extra[--nr_extra]);
}

static int __init wpw_wptest_init(void)
{
	struct watchpoint_region *r;
	int err;

	if (idx >= TRAMPOLINE_LEN || regions > MAX_REGIONS)
		return -EINVAL;
	while (nr_extra < regions) {
		r = watchpoint_region_get((unsigned long)&trampolines[64 + 8 * nr_extra],
					  8, HW_BREAKPOINT_W, 0);
		if (IS_ERR(r)) {
			err = PTR_ERR(r);
			pr_info("region %u of %u refused: error %d\n",
				nr_extra + 1, regions, err);
			goto err_put_extra;
		}
		extra[nr_extra++] = r;
	}
	if (consume) {
		region = watchpoint_region_get((unsigned long)&trampolines[idx],
					       8, HW_BREAKPOINT_W, 0);
		if (IS_ERR(region)) {
			err = PTR_ERR(region);
			goto err_put_extra;
		}
		watchpoint_callback_add(region, &wptest_callback);
	}
	dir = debugfs_create_dir("wpw_wptest", NULL);
	debugfs_create_file("rogue", 0200, dir, NULL, &rogue_fops);
	debugfs_create_file("rogue_release", 0200, dir, NULL,
			    &rogue_release_fops);
	debugfs_create_file("rogue_atomic", 0200, dir, NULL,
			    &rogue_atomic_fops);
	debugfs_create_file_unsafe("rogue_writes", 0444, dir, NULL,
				   &rogue_writes_fops);
	debugfs_create_file("consumer", 0444, dir, NULL, &consumer_fops);
	debugfs_create_file("allow_task", 0200, dir, NULL, &allow_task_fops);
	debugfs_create_file("allow_function", 0200, dir, NULL,
			    &allow_function_fops);
	return 0;

err_put_extra:
	wptest_put_extra();
	return err;
}

static void __exit wpw_wptest_exit(void)
{
	debugfs_remove_recursive(dir);
	if (consume) {
		watchpoint_callback_del(region, &wptest_callback);
		watchpoint_region_put(region);
	}
	wptest_put_extra();
}

module_init(wpw_wptest_init);
module_exit(wpw_wptest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch test: API consumer and rogue writer");
