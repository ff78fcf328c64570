// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_wphog: take hardware watchpoint slots on every CPU, for the guest
 * suites. It registers wide write watchpoints on entries of its own array
 * (never written) until the kernel refuses or `max` are taken, and shows how
 * many it got in /sys/module/wpw_wphog/parameters/hogged: the number of
 * free slots before it loaded. Loading it with max=0 takes every free slot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/perf_event.h>
#include <linux/hw_breakpoint.h>

#define HOG_MAX 16

static u64 hog_target[HOG_MAX];
static struct perf_event * __percpu *hog_bp[HOG_MAX];

static unsigned int max;
module_param(max, uint, 0444);
MODULE_PARM_DESC(max, "slots to take (0: all free ones)");

static unsigned int hogged;
module_param(hogged, uint, 0444);
MODULE_PARM_DESC(hogged, "slots taken (read-only)");

static int __init wpw_wphog_init(void)
{
	struct perf_event_attr attr;
	unsigned int i, n = max && max < HOG_MAX ? max : HOG_MAX;

	for (i = 0; i < n; i++) {
		hw_breakpoint_init(&attr);
		attr.bp_addr = (unsigned long)&hog_target[i];
		attr.bp_len = HW_BREAKPOINT_LEN_8;
		attr.bp_type = HW_BREAKPOINT_W;
		/* default overflow handler: arm64 steps over a hit itself */
		hog_bp[i] = register_wide_hw_breakpoint(&attr, NULL, NULL);
		if (IS_ERR((void __force *)hog_bp[i])) {
			pr_info("slot %u refused: error %ld\n", i,
				PTR_ERR((void __force *)hog_bp[i]));
			hog_bp[i] = NULL;
			break;
		}
	}
	hogged = i;
	pr_info("took %u watchpoint slots on every CPU\n", hogged);
	return 0;
}

static void __exit wpw_wphog_exit(void)
{
	unsigned int i;

	for (i = 0; i < hogged; i++)
		unregister_wide_hw_breakpoint(hog_bp[i]);
}

module_init(wpw_wphog_init);
module_exit(wpw_wphog_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch test: take hardware watchpoint slots");
