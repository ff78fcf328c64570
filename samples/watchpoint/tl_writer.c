// SPDX-License-Identifier: GPL-2.0
/*
 * tl_writer.ko: a sample writer of trampolines[] (trampolines.ko), so that
 * watchpoint.ko has something to catch: the original research's kernel
 * thread tl_writer, once part of watchpoint.ko (writer=), now a module of
 * its own. It needs only trampolines.ko; it knows nothing of watchpoint.ko.
 *
 * Parameters: mode (off, random, sweep), period_ms, offset and size (the
 * bytes of trampolines[] that are watched: random writes only the entries
 * that overlap them, writes_watched counts the writes inside them).
 * debugfs (/sys/kernel/debug/tl_writer/): mode (write "stop", "random" or
 * "sweep"; read "MODE running|stopped"), writes, writes_watched.
 * docs/watchpoint.md, "The sample writer".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include "watchpoint.h"

enum { WRITER_OFF, WRITER_RANDOM, WRITER_SWEEP };
#define MODE_LEN	8

static char mode_str[MODE_LEN] = "random";
module_param_string(mode, mode_str, MODE_LEN, 0444);
MODULE_PARM_DESC(mode, "off, random or sweep (default random)");

static unsigned int period_ms = 100;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "period in ms (1..60000, default 100)");

static unsigned long offset;
module_param(offset, ulong, 0444);
MODULE_PARM_DESC(offset, "first watched byte of trampolines[] (default 0)");

static unsigned long size = 8;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "watched bytes from offset (default 8)");

static atomic64_t writes, writes_watched;
static int writer_mode;
static struct task_struct *writer_task;	/* under writer_lock */
static DEFINE_MUTEX(writer_lock);
static struct dentry *dir;

/*
 * The one store, in a function of its own: stacks name it, and a watcher
 * can allow-list it (watchpoint_allow_function()), hence the export.
 */
noinline void tl_writer_store(u64 *where, u64 value)
{
	WRITE_ONCE(*where, value);
}
EXPORT_SYMBOL_GPL(tl_writer_store);

/*
 * The original research's tl_writer, without its bug: it never disables
 * preemption (its get_cpu() had no put_cpu(), so its msleep() slept atomic)
 * and never touches the breakpoints.
 */
static int tl_writer_fn(void *unused)
{
	unsigned long lo = 0, n = TRAMPOLINE_LEN, i = 0, idx, a;
	unsigned long wstart = (unsigned long)trampolines + offset;
	unsigned long wend = wstart + size;

	/* random: the entries that overlap the watched bytes */
	if (offset < sizeof(trampolines)) {
		lo = offset / sizeof(u64);
		n = (min(offset + size, sizeof(trampolines)) + sizeof(u64) - 1) /
		    sizeof(u64) - lo;
	}
	pr_info("Kernel thread start: tl_writer writes trampolines[] (%s), every %u ms\n",
		writer_mode == WRITER_SWEEP ? "sweep" : "random", period_ms);
	while (!kthread_should_stop()) {
		if (writer_mode == WRITER_SWEEP)
			idx = TRAMPOLINE_LEN - 1 - (i % TRAMPOLINE_LEN);
		else
			idx = lo + get_random_u32() % n;
		i++;
		a = (unsigned long)&trampolines[idx];
		if (writer_mode == WRITER_SWEEP)
			pr_info("%luth entry in trampolines 0x%lx\n", idx, a);
		tl_writer_store(&trampolines[idx], 0xd61f0000);
		atomic64_inc(&writes);
		if (a < wend && a + sizeof(u64) > wstart)
			atomic64_inc(&writes_watched);
		schedule_timeout_interruptible(msecs_to_jiffies(period_ms));
	}
	return 0;
}

/* "off", "random" or "sweep" as WRITER_*, or -EINVAL. */
static int writer_parse(const char *s)
{
	if (!strcmp(s, "off"))
		return WRITER_OFF;
	if (!strcmp(s, "random"))
		return WRITER_RANDOM;
	if (!strcmp(s, "sweep"))
		return WRITER_SWEEP;
	return -EINVAL;
}

static void writer_stop(void)
{
	mutex_lock(&writer_lock);
	if (!IS_ERR_OR_NULL(writer_task))
		kthread_stop(writer_task);
	writer_task = NULL;
	mutex_unlock(&writer_lock);
}

static int writer_start(int mode)
{
	struct task_struct *t;
	int err = 0;

	mutex_lock(&writer_lock);
	if (!IS_ERR_OR_NULL(writer_task)) {
		err = -EBUSY;
		goto out_unlock;
	}
	writer_mode = mode;
	strscpy(mode_str, mode == WRITER_SWEEP ? "sweep" : "random", MODE_LEN);
	t = kthread_run(tl_writer_fn, NULL, "tl_writer");
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		pr_err("Could not run kthread tl_writer: error %d\n", err);
		goto out_unlock;
	}
	writer_task = t;
out_unlock:
	mutex_unlock(&writer_lock);
	return err;
}

/* "stop", "random" or "sweep": stop or start the writer. */
static ssize_t mode_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	char buf[8], *cmd;
	int err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	cmd = strim(buf);
	if (!strcmp(cmd, "stop")) {
		writer_stop();
		return count;
	}
	if (!strcmp(cmd, "random"))
		err = writer_start(WRITER_RANDOM);
	else if (!strcmp(cmd, "sweep"))
		err = writer_start(WRITER_SWEEP);
	else
		err = -EINVAL;
	return err ? err : count;
}

static int mode_show(struct seq_file *m, void *v)
{
	mutex_lock(&writer_lock);
	seq_printf(m, "%s %s\n", mode_str,
		   IS_ERR_OR_NULL(writer_task) ? "stopped" : "running");
	mutex_unlock(&writer_lock);
	return 0;
}

static int mode_open(struct inode *inode, struct file *file)
{
	return single_open(file, mode_show, NULL);
}

static const struct file_operations mode_fops = {
	.owner = THIS_MODULE,
	.open = mode_open,
	.read = seq_read,
	.write = mode_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int counter_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(counter_fops, counter_get, NULL, "%llu\n");

static int __init tl_writer_init(void)
{
	int mode = writer_parse(mode_str);

	if (mode < 0) {
		pr_err("mode=%s is not one of off, random, sweep\n", mode_str);
		return -EINVAL;
	}
	if (period_ms < 1 || period_ms > 60000) {
		pr_err("period_ms=%u is out of range: use 1..60000\n",
		       period_ms);
		return -EINVAL;
	}
	if (!size || offset >= sizeof(trampolines) ||
	    size > sizeof(trampolines) - offset) {
		pr_err("offset=%lu size=%lu is not inside trampolines[] (%zu bytes)\n",
		       offset, size, sizeof(trampolines));
		return -EINVAL;
	}
	dir = debugfs_create_dir("tl_writer", NULL);
	debugfs_create_file("mode", 0644, dir, NULL, &mode_fops);
	debugfs_create_file_unsafe("writes", 0444, dir, &writes,
				   &counter_fops);
	debugfs_create_file_unsafe("writes_watched", 0444, dir,
				   &writes_watched, &counter_fops);
	if (mode != WRITER_OFF) {
		int err = writer_start(mode);

		if (err) {
			debugfs_remove_recursive(dir);
			return err;
		}
	}
	return 0;
}

static void __exit tl_writer_exit(void)
{
	/* debugfs first: its mode file could start the writer again */
	debugfs_remove_recursive(dir);
	writer_stop();
	pr_info("tl_writer stopped: %lld writes, %lld of them watched\n",
		atomic64_read(&writes), atomic64_read(&writes_watched));
}

module_init(tl_writer_init);
module_exit(tl_writer_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch sample: the kernel thread tl_writer writes trampolines[]");
