// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_crash: makes the kernel complain on purpose, so that the guest runner's
 * failure detection is itself tested (tests/host/runner.sh).
 *
 *   insmod wpw_crash.ko action=warn      one WARN (the module then loads)
 *   insmod wpw_crash.ko action=panic     panic() (QEMU exits: panic=-1)
 *   insmod wpw_crash.ko action=kthread   BUG() in a kernel thread; insmod succeeds
 *   insmod wpw_crash.ko action=process   BUG() in insmod's own context (it dies)
 *   insmod wpw_crash.ko action=taint     sets taint bit 'bit' (default 7, D) and
 *                                        nothing else: no console line at all
 *   insmod wpw_crash.ko action=none      loads quietly (only the O and E taints)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/panic.h>
#include <linux/string.h>

static char action[16] = "none";
module_param_string(action, action, sizeof(action), 0444);
MODULE_PARM_DESC(action, "none, warn, panic, kthread, process or taint");

static int bit = TAINT_DIE;
module_param(bit, int, 0444);
MODULE_PARM_DESC(bit, "the taint bit that action=taint sets (default 7, TAINT_DIE)");

static DECLARE_COMPLETION(started);

static int wpw_crash_thread(void *unused)
{
	/* insmod returns once the thread runs: the BUG comes after it, like a pass thread's */
	complete(&started);
	BUG();
	return 0;
}

static int __init wpw_crash_init(void)
{
	struct task_struct *t;

	if (!strcmp(action, "warn")) {
		WARN(1, "wpw_crash: warning on purpose\n");
		return 0;
	}
	if (!strcmp(action, "panic"))
		panic("wpw_crash: panic on purpose\n");
	if (!strcmp(action, "kthread")) {
		t = kthread_run(wpw_crash_thread, NULL, "wpw_crash");
		if (IS_ERR(t))
			return PTR_ERR(t);
		wait_for_completion(&started);
		return 0;
	}
	if (!strcmp(action, "process"))
		BUG();
	if (!strcmp(action, "taint")) {
		if (bit < 0 || bit >= TAINT_FLAGS_COUNT) {
			pr_err("bit=%d is not a taint bit: use 0 to %d\n", bit, TAINT_FLAGS_COUNT - 1);
			return -EINVAL;
		}
		add_taint(bit, LOCKDEP_STILL_OK);
		return 0;
	}
	if (strcmp(action, "none")) {
		pr_err("unknown action '%s': use none, warn, panic, kthread, process or taint\n",
		       action);
		return -EINVAL;
	}
	return 0;
}

static void __exit wpw_crash_exit(void)
{
}

module_init(wpw_crash_init);
module_exit(wpw_crash_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch test module: a kernel WARN, panic, BUG or bad taint on demand");
