// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_latbench: the cost of one trampolined call, for tests/bench/lat.sh.
 *
 * wpw_lb_add() is a SPECIAL_FUNCTION: a trampoline that pauses (inline, or
 * through add_pause_list() and remove_pause_list() while the core's call
 * hooks are on) and calls its body wpw_lb_add_real() through the slot,
 * exactly as a re-randomizable function does (it is not registered with the
 * core, so its body stays put: moving it changes nothing of the call's
 * path). The benchmark times COUNT calls of the
 * trampoline and COUNT direct calls of the body, so that the cost of
 * tracing (wpwatch lat's probes) can be told apart from the trampoline's.
 *
 * debugfs (/sys/kernel/debug/wpw_latbench/):
 *   run  write "COUNT": time COUNT direct calls, then COUNT trampolined calls
 *        read: "calls N direct_ns N tramp_ns N" of the last run
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>

#if __has_include("rerandom.h")
#include "rerandom.h"

SPECIAL_FUNCTION(u64, wpw_lb_add, u64 a)
{
	return a + 1;
}

static DEFINE_MUTEX(lb_lock);
static u64 lb_calls, lb_direct_ns, lb_tramp_ns;
static struct dentry *lb_dir;

static ssize_t lb_run_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	u64 n, i, acc = 0, t0, t1, t2;
	int err;

	err = kstrtoull_from_user(ubuf, count, 10, &n);
	if (err)
		return err;
	if (!n || n > 100000000)
		return -EINVAL;
	mutex_lock(&lb_lock);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		acc = wpw_lb_add_real(acc);	/* noinline: a real call */
	t1 = ktime_get_ns();
	for (i = 0; i < n; i++)
		acc = wpw_lb_add(acc);
	t2 = ktime_get_ns();
	if (acc != 2 * n)
		pr_err("wrong results: %llu, want %llu\n", acc, 2 * n);
	lb_calls = n;
	lb_direct_ns = t1 - t0;
	lb_tramp_ns = t2 - t1;
	mutex_unlock(&lb_lock);
	return acc == 2 * n ? count : -EIO;
}

static ssize_t lb_run_read(struct file *file, char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	char buf[96];
	int n;

	mutex_lock(&lb_lock);
	n = scnprintf(buf, sizeof(buf), "calls %llu direct_ns %llu tramp_ns %llu\n",
		      lb_calls, lb_direct_ns, lb_tramp_ns);
	mutex_unlock(&lb_lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations lb_run_fops = {
	.owner = THIS_MODULE,
	.write = lb_run_write,
	.read = lb_run_read,
};

static int __init lb_init(void)
{
	lb_dir = debugfs_create_dir("wpw_latbench", NULL);
	debugfs_create_file("run", 0600, lb_dir, NULL, &lb_run_fops);
	return 0;
}

static void __exit lb_exit(void)
{
	debugfs_remove_recursive(lb_dir);
}

#else /* the core's header is not in this tree: a module that says so */

static int __init lb_init(void)
{
	pr_err("built without the re-randomization core (kmod/include/rerandom.h)\n");
	return -ENODEV;
}

static void __exit lb_exit(void)
{
}
#endif

module_init(lb_init);
module_exit(lb_exit);
MODULE_DESCRIPTION("wpwatch: the cost of a trampolined call, for benchmarks");
MODULE_LICENSE("GPL");
