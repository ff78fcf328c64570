// SPDX-License-Identifier: GPL-2.0
/*
 * rerandom.ko moves the bodies of re-randomizable functions to fresh random
 * places, pass after pass, behind their fixed trampolines (docs/rerandom.md;
 * the parts are listed in Kbuild). This file brings the parts up in order
 * and down in reverse, and holds what they all use: the counters and the
 * wake-up of the two threads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include "rr_internal.h"
#include "arena.h"
/* the tracepoints of rr_trace.h are defined here, used by pause.c, pass.c */
#define CREATE_TRACE_POINTS
#include "rr_trace.h"

struct rr_stats rr_stats;
DEFINE_SPINLOCK(rr_stats_lock);

void rr_count(u64 *what, u64 n)
{
	spin_lock(&rr_stats_lock);
	*what += n;
	spin_unlock(&rr_stats_lock);
}

DECLARE_WAIT_QUEUE_HEAD(rr_wq);

static int rr_set_uint(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint(val, kp);

	if (!err)
		wake_up(&rr_wq);
	return err;
}

const struct kernel_param_ops rr_wake_uint_ops = {
	.set = rr_set_uint,
	.get = param_get_uint,
};

static int __init rerandom_init(void)
{
	int err;

	err = rr_arena_init();
	if (err) {
		pr_err("cannot map the arena read-write: %d\n", err);
		return err;
	}
	err = rr_trap_init();
	if (err) {
		pr_err("cannot register the trap handler: %d\n", err);
		goto err_unmap_arena;
	}
	err = rr_pass_thread_start();
	if (err)
		goto err_trap_exit;
	err = rr_driver_thread_start();
	if (err)
		goto err_stop_pass_thread;
	rr_debugfs_init();
	pr_info("arena %lx, %u bytes, period_ms %u\n", (unsigned long)rr_arena,
		rr_arena_bytes(), rr_period_ms);
	return 0;

err_stop_pass_thread:
	rr_pass_thread_stop();
err_trap_exit:
	rr_trap_exit();
err_unmap_arena:
	rr_arena_exit();
	return err;
}

static void __exit rerandom_exit(void)
{
	rr_debugfs_exit();
	rr_driver_thread_stop();
	rr_pass_thread_stop();
	rr_trap_exit();
	rr_pause_exit();
	rr_arena_exit();
}

module_init(rerandom_init);
module_exit(rerandom_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Re-randomize module code behind fixed trampolines");
