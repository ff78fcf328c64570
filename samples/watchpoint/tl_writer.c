// SPDX-License-Identifier: GPL-2.0
/*
 * demo.c: this module's own consumer of the API, as the original research
 * ran it: the default callback on the ksym= region (prints the change,
 * dumps the stack, rate-limited) and the demo writer tl_writer, which
 * writes trampolines[] so that there is something to see.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include "wp_internal.h"

atomic64_t wp_writer_writes, wp_writer_writes_watched, wp_callbacks;
static int writer_mode;
static struct task_struct *writer_task;	/* under writer_lock */
static DEFINE_MUTEX(writer_lock);
static DEFINE_RATELIMIT_STATE(wp_ratelimit, 5 * HZ, 10);

/* Called in the trap (handler.c): NOKPROBE_SYMBOL like the rest of it. */
static void wp_default_callback(const struct watchpoint_hit *hit, void *data)
{
	atomic64_inc(&wp_callbacks);
	if (!__ratelimit(&wp_ratelimit))
		return;
	pr_info("%s value is changed\n", wp_ksym_name);
	pr_info("%s[%d] on CPU %d at %pS: 0x%lx: 0x%llx -> 0x%llx%s\n",
		hit->comm, hit->pid, hit->cpu, (void *)hit->ip, hit->val_addr,
		hit->old_val, hit->new_val,
		(hit->flags & WATCHPOINT_HIT_NEW_UNKNOWN) ? " (new: unknown)" : "");
	if (READ_ONCE(wp_dump_stack)) {
		pr_info("Dump stack from watchpoint_handler\n");
		dump_stack();
	}
}
NOKPROBE_SYMBOL(wp_default_callback);

struct watchpoint_callback wp_default_cb = {
	.func = wp_default_callback,
};

/* The demo writer's one store, in a function of its own for the allow-list. */
noinline void tl_writer_store(u64 *where, u64 value)
{
	WRITE_ONCE(*where, value);
}

/*
 * The original research's tl_writer, without its bug: it never disables
 * preemption (its get_cpu() had no put_cpu(), so its msleep() slept atomic)
 * and never touches the breakpoints.
 */
static int tl_writer_fn(void *unused)
{
	unsigned long lo = 0, n = TRAMPOLINE_LEN, tstart, tend, i = 0;
	unsigned long idx, a;
	struct watchpoint_region *target = wp_target;

	/* random: the entries that overlap the watched range, if any */
	tstart = (unsigned long)trampolines;
	tend = tstart + sizeof(trampolines);
	if (target->addr < tend && target->addr + target->size > tstart) {
		lo = (max(target->addr, tstart) - tstart) / sizeof(u64);
		n = (min(target->addr + target->size, tend) - tstart +
		     sizeof(u64) - 1) / sizeof(u64) - lo;
	}
	pr_info("Kernel thread start: tl_writer writes trampolines[] (%s), every %u ms\n",
		wp_writer_str, wp_period_ms);
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
		atomic64_inc(&wp_writer_writes);
		if (a < target->addr + target->size &&
		    a + sizeof(u64) > target->addr)
			atomic64_inc(&wp_writer_writes_watched);
		schedule_timeout_interruptible(msecs_to_jiffies(wp_period_ms));
	}
	return 0;
}

/* "off", "random" or "sweep" as WRITER_*, or -EINVAL. */
int wp_writer_mode(const char *s)
{
	if (!strcmp(s, "off"))
		return WRITER_OFF;
	if (!strcmp(s, "random"))
		return WRITER_RANDOM;
	if (!strcmp(s, "sweep"))
		return WRITER_SWEEP;
	return -EINVAL;
}

void wp_writer_stop(void)
{
	mutex_lock(&writer_lock);
	if (!IS_ERR_OR_NULL(writer_task))
		kthread_stop(writer_task);
	writer_task = NULL;
	mutex_unlock(&writer_lock);
}

int wp_writer_start(int mode)
{
	struct task_struct *t;
	int err = 0;

	mutex_lock(&writer_lock);
	if (!IS_ERR_OR_NULL(writer_task)) {
		err = -EBUSY;
		goto out_unlock;
	}
	writer_mode = mode;
	strscpy(wp_writer_str, mode == WRITER_SWEEP ? "sweep" : "random",
		WP_WRITER_STR_LEN);
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

/* debugfs writer: the mode and whether it runs. */
void wp_writer_show(struct seq_file *m)
{
	mutex_lock(&writer_lock);
	seq_printf(m, "%s %s\n", wp_writer_str,
		   IS_ERR_OR_NULL(writer_task) ? "stopped" : "running");
	mutex_unlock(&writer_lock);
}
