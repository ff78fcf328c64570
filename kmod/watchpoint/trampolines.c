// SPDX-License-Identifier: GPL-2.0
/*
 * trampolines.ko: the watched array of the original research, u64
 * trampolines[], exported for watchpoint.ko (its default ksym, which it names
 * so that depmod loads this first) and the sample writer tl_writer.ko.
 *
 * The array asks for an alignment of its own size (8 KiB) so that an arm64
 * MASK watchpoint of up to 2^13 bytes starting at its first byte covers only
 * the array. Module memory itself is only page aligned, so the alignment
 * really obtained is logged at load and shown in
 * /sys/module/trampolines/parameters/align.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/bits.h>
#include "watchpoint.h"

u64 trampolines[TRAMPOLINE_LEN] __aligned(TRAMPOLINE_LEN * sizeof(u64));
EXPORT_SYMBOL_GPL(trampolines);

static unsigned long align;
module_param(align, ulong, 0444);
MODULE_PARM_DESC(align, "alignment of trampolines[] in bytes (read-only)");

static int __init trampolines_init(void)
{
	unsigned long a = (unsigned long)trampolines;

	align = a & -a;
	if (align > sizeof(trampolines))
		align = sizeof(trampolines);
	pr_info("trampolines[%d] at 0x%lx, aligned to %lu bytes (mask <= %lu fits from its first byte)\n",
		TRAMPOLINE_LEN, a, align, __fls(align));
	return 0;
}

static void __exit trampolines_exit(void)
{
}

module_init(trampolines_init);
module_exit(trampolines_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch: the exported u64 trampolines[] array");
