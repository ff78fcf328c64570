// SPDX-License-Identifier: GPL-2.0
/*
 * main.c: watchpoint.ko's parameters, load and unload. The module watches
 * an exported kernel symbol with a hardware watchpoint on every online CPU
 * (CPUs that come online later included) and calls every registered
 * callback exactly once per write, on x86_64 and arm64.
 *
 * Parameters: ksym, offset, len, type, mask, dump_stack (see
 * MODULE_PARM_DESC below and docs/watchpoint.md). The demo writer and its
 * parameters (writer, period_ms, allow_writer) moved to the sample module
 * tl_writer.ko (samples/watchpoint/).
 * State: /sys/kernel/debug/watchpoint/. API: kmod/include/watchpoint.h.
 * Which file does what: wp_internal.h and the "Source layout" section of
 * docs/watchpoint.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/kallsyms.h>
#include <linux/hw_breakpoint.h>
#include "wp_internal.h"

char wp_ksym_name[KSYM_NAME_LEN] = "trampolines";
module_param_string(ksym, wp_ksym_name, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(ksym, "exported symbol to watch (default trampolines)");

unsigned long wp_offset;
module_param_named(offset, wp_offset, ulong, 0444);
MODULE_PARM_DESC(offset, "byte offset into ksym, aligned to len (default 0)");

static unsigned int len = 8;
module_param(len, uint, 0444);
MODULE_PARM_DESC(len, "bytes watched: 1, 2, 4 or 8 (default 8)");

static char type_str[4] = "w";
module_param_string(type, type_str, sizeof(type_str), 0444);
MODULE_PARM_DESC(type, "access: w, rw, or r (arm64 only) (default w)");

static unsigned int mask;
module_param(mask, uint, 0444);
MODULE_PARM_DESC(mask, "arm64 MASK: watch 2^mask bytes (3..31, patched kernel)");

bool wp_dump_stack = true;
module_param_named(dump_stack, wp_dump_stack, bool, 0644);
MODULE_PARM_DESC(dump_stack, "default callback dumps the stack (rate-limited)");

/*
 * The default ksym is trampolines.ko's array: naming it here makes
 * trampolines.ko a dependency that depmod records, so that `modprobe
 * watchpoint` loads it first (busybox's modprobe knows no softdep).
 */
static u64 *const wp_default_array __used = trampolines;

struct watchpoint_region *wp_target;
static unsigned int target_type;

static int wp_parse_params(void)
{
	if (!strcmp(type_str, "w")) {
		target_type = HW_BREAKPOINT_W;
	} else if (!strcmp(type_str, "rw")) {
		target_type = HW_BREAKPOINT_RW;
	} else if (!strcmp(type_str, "r")) {
		target_type = HW_BREAKPOINT_R;
	} else {
		pr_err("type=%s is not one of w, rw, r\n", type_str);
		return -EINVAL;
	}
	if (!mask && len && (wp_offset & (len - 1))) {
		pr_err("offset=%lu is not aligned to len=%u: use a multiple of len\n",
		       wp_offset, len);
		return -EINVAL;
	}
	return 0;
}

static int __init watchpoint_init(void)
{
	void *sym;
	int err;

	err = wp_parse_params();
	if (err)
		return err;
	err = wp_arch_init();
	if (err)
		return err;
	err = wp_regions_init();
	if (err)
		goto err_arch_exit;

	sym = __symbol_get(wp_ksym_name);
	if (!sym) {
		pr_err("ksym=%s is unknown: it must be an exported symbol (EXPORT_SYMBOL_GPL or EXPORT_SYMBOL) and its module loaded\n",
		       wp_ksym_name);
		err = -ENXIO;
		goto err_regions_exit;
	}
	pr_info("ksym %s in 0x%lx\n", wp_ksym_name, (unsigned long)sym);

	wp_target = watchpoint_region_get((unsigned long)sym + wp_offset, len,
					  target_type, mask);
	if (IS_ERR(wp_target)) {
		err = PTR_ERR(wp_target);
		goto err_put_symbol;
	}
	watchpoint_callback_add(wp_target, &wp_default_cb);
	pr_info("Watchpoint for %s write installed 0x%lx (%lu bytes, %s)\n",
		wp_ksym_name, wp_target->addr, wp_target->size,
		wp_type_name(wp_target->type));

	wp_debugfs_init((unsigned long)sym);
	return 0;

err_put_symbol:
	__symbol_put(wp_ksym_name);
err_regions_exit:
	wp_regions_exit();
err_arch_exit:
	wp_arch_exit();
	return err;
}

static void __exit watchpoint_exit(void)
{
	struct watchpoint_stats st;

	wp_debugfs_exit();
	watchpoint_callback_del(wp_target, &wp_default_cb);
	watchpoint_region_stats(wp_target, &st);
	watchpoint_region_put(wp_target);
	__symbol_put(wp_ksym_name);
	wp_regions_exit();
	wp_arch_exit();
	pr_info("Watchpoint for %s removed: %llu hits, %llu violations, %llu allowed\n",
		wp_ksym_name, st.hits, st.violations, st.allowed);
}

module_init(watchpoint_init);
module_exit(watchpoint_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch: watch kernel memory, call callbacks once per write");
