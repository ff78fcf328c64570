// SPDX-License-Identifier: GPL-2.0
/*
 * callback.c: this module's own consumer of the API, as the original
 * research ran it: the default callback on the ksym= region prints the
 * change and dumps the stack, rate-limited. (The original's demo writer
 * tl_writer is the sample module samples/watchpoint/tl_writer.c.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ratelimit.h>
#include "wp_internal.h"

atomic64_t wp_callbacks;
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
