// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_crash: makes the kernel complain on purpose, so that the guest runner's
 * failure detection is itself tested.
 *
 *   insmod wpw_crash.ko action=warn    one WARN (the module then loads)
 *   insmod wpw_crash.ko action=panic   panic() (QEMU exits: panic=-1)
 *   insmod wpw_crash.ko action=none    loads quietly
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/string.h>

static char action[16] = "none";
module_param_string(action, action, sizeof(action), 0444);
MODULE_PARM_DESC(action, "none, warn or panic");

static int __init wpw_crash_init(void)
{
	if (!strcmp(action, "warn")) {
		WARN(1, "wpw_crash: warning on purpose\n");
		return 0;
	}
	if (!strcmp(action, "panic"))
		panic("wpw_crash: panic on purpose\n");
	if (strcmp(action, "none")) {
		pr_err("unknown action '%s': use none, warn or panic\n", action);
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
MODULE_DESCRIPTION("wpwatch test module: a kernel WARN or panic on demand");
