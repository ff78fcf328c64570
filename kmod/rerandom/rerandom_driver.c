// SPDX-License-Identifier: GPL-2.0
/*
 * The struct Rerandom_Driver API of the original research (docs/rerandom.md):
 * a module registers its init_entry/check_entry functions with
 * register_rerandom_driver(), and the kernel thread rr_selftest calls them
 * every selftest_period ms, through whatever pointers were registered (the
 * trampolines of a re-randomizable module).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/timekeeping.h>
#include "rr_internal.h"

static unsigned int selftest_period = 5000;
module_param_cb(selftest_period, &rr_wake_uint_ops, &selftest_period, 0644);
MODULE_PARM_DESC(selftest_period,
		 "milliseconds between rr_selftest's calls of the registered init_entry/check_entry (0: off)");

/* --- the driver API ------------------------------------------------------- */
static const char default_name[] = "default_name";

static void empty_func(void)
{
}

static int empty_check_func(int a, char *c, time64_t time)
{
	pr_info("This is an empty func.\n");
	return 0;
}

static struct Rerandom_Driver rerandom_driver = {
	.name = default_name,
	.init_entry = empty_func,
	.check_entry = empty_check_func,
};
static DEFINE_MUTEX(rr_drv_lock);

void register_rerandom_driver(const struct Rerandom_Driver *drv)
{
	mutex_lock(&rr_drv_lock);
	rerandom_driver.name = drv->name;
	rerandom_driver.init_entry = drv->init_entry ?: empty_func;
	rerandom_driver.check_entry = drv->check_entry ?: empty_check_func;
	mutex_unlock(&rr_drv_lock);
}
EXPORT_SYMBOL_GPL(register_rerandom_driver);

/* Back to the defaults; returns once no call into drv is running. */
void unregister_rerandom_driver(const struct Rerandom_Driver *drv)
{
	mutex_lock(&rr_drv_lock);
	if (rerandom_driver.init_entry == drv->init_entry &&
	    rerandom_driver.check_entry == drv->check_entry) {
		rerandom_driver.name = default_name;
		rerandom_driver.init_entry = empty_func;
		rerandom_driver.check_entry = empty_check_func;
	}
	mutex_unlock(&rr_drv_lock);
}
EXPORT_SYMBOL_GPL(unregister_rerandom_driver);

/* --- rr_selftest ----------------------------------------------------------- */
static struct task_struct *rr_selftest_task;

static int rr_selftest_fn(void *unused)
{
	while (!kthread_should_stop()) {
		unsigned int p = READ_ONCE(selftest_period);
		time64_t time = ktime_get_seconds();
		int ret;

		if (!p) {
			wait_event_interruptible(rr_wq, kthread_should_stop() ||
						 READ_ONCE(selftest_period));
			continue;
		}
		/*
		 * A new period (0: off) takes effect at once: a write of
		 * selftest_period wakes rr_wq, and the calls below never run
		 * after the period was set to 0 (a plain timeout made one more
		 * call up to p ms after it, into 50-lat's exact counts).
		 */
		if (wait_event_interruptible_timeout(rr_wq, kthread_should_stop() ||
						     READ_ONCE(selftest_period) != p,
						     msecs_to_jiffies(p)))
			continue;
		mutex_lock(&rr_drv_lock);
		rerandom_driver.init_entry();
		ret = rerandom_driver.check_entry(11, "chifan", time);
		pr_info_ratelimited("selftest %s: check_entry(11, \"chifan\", %lld) = %d, init_entry %lx, check_entry %lx\n",
				    rerandom_driver.name, (long long)time, ret,
				    (unsigned long)rerandom_driver.init_entry,
				    (unsigned long)rerandom_driver.check_entry);
		mutex_unlock(&rr_drv_lock);
	}
	return 0;
}

int rr_driver_thread_start(void)
{
	rr_selftest_task = kthread_run(rr_selftest_fn, NULL, "rr_selftest");
	if (IS_ERR(rr_selftest_task)) {
		int err = PTR_ERR(rr_selftest_task);

		pr_err("cannot start the driver thread rr_selftest: %d\n", err);
		return err;
	}
	return 0;
}

void rr_driver_thread_stop(void)
{
	kthread_stop(rr_selftest_task);
}
