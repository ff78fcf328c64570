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
 *
 * and, for the debug kernel's detectors (tests/host/debug-detectors.sh):
 *   insmod wpw_crash.ko action=kasan     writes one byte past a kmalloc'd
 *                                        buffer (KASAN: slab-out-of-bounds)
 *   insmod wpw_crash.ko action=lockdep   takes two mutexes in one order, then
 *                                        in the other (lockdep: a possible
 *                                        circular locking dependency)
 *   insmod wpw_crash.ko action=leak      allocates 256 bytes and forgets
 *                                        them (kmemleak: unreferenced object)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/panic.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

static char action[16] = "none";
module_param_string(action, action, sizeof(action), 0444);
MODULE_PARM_DESC(action, "none, warn, panic, kthread, process, taint, kasan, lockdep or leak");

static int bit = TAINT_DIE;
module_param(bit, int, 0444);
MODULE_PARM_DESC(bit, "the taint bit that action=taint sets (default 7, TAINT_DIE)");

static DECLARE_COMPLETION(started);
static DEFINE_MUTEX(wpw_crash_a);
static DEFINE_MUTEX(wpw_crash_b);
/* the index of the byte past the buffer, where the compiler cannot see it */
static int past = 16;
module_param(past, int, 0444);
MODULE_PARM_DESC(past, "action=kasan writes buf[past] of a 16-byte buffer (default 16)");

static int wpw_crash_thread(void *unused)
{
	/* insmod returns once the thread runs: the BUG comes after it, like a pass thread's */
	complete(&started);
	BUG();
	return 0;
}

/* one byte written past a 16-byte slab object: KASAN reports it at once */
static void wpw_crash_kasan(void)
{
	char *buf = kmalloc(16, GFP_KERNEL);

	if (!buf)
		return;
	WRITE_ONCE(buf[past], 1);
	kfree(buf);
}

/*
 * A then B, later B then A, in one thread: no deadlock happens, but lockdep
 * has seen both orders and reports the inversion.
 */
static void wpw_crash_lockdep(void)
{
	mutex_lock(&wpw_crash_a);
	mutex_lock(&wpw_crash_b);
	mutex_unlock(&wpw_crash_b);
	mutex_unlock(&wpw_crash_a);

	mutex_lock(&wpw_crash_b);
	mutex_lock(&wpw_crash_a);
	mutex_unlock(&wpw_crash_a);
	mutex_unlock(&wpw_crash_b);
}

/*
 * 256 bytes whose only pointer dies with this frame: filled once, so that
 * its contents (kmemleak's checksum) stay the same between two scans
 */
static void wpw_crash_leak(void)
{
	void *p = kmalloc(256, GFP_KERNEL);

	if (!p)
		return;
	memset(p, 0x5a, 256);
	/* the compiler must neither drop the stores nor the allocation */
	barrier_data(p);
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
	if (!strcmp(action, "kasan")) {
		wpw_crash_kasan();
		return 0;
	}
	if (!strcmp(action, "lockdep")) {
		wpw_crash_lockdep();
		return 0;
	}
	if (!strcmp(action, "leak")) {
		wpw_crash_leak();
		return 0;
	}
	if (strcmp(action, "none")) {
		pr_err("unknown action '%s': use none, warn, panic, kthread, process, taint, kasan, lockdep or leak\n",
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
MODULE_DESCRIPTION("wpwatch test module: a kernel WARN, panic, BUG, bad taint or debug-detector report on demand");
