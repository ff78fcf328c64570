// SPDX-License-Identifier: GPL-2.0
/*
 * arch_x86.c: the x86 side of a hit. x86 traps after the write, so the
 * new value is in memory and the old one is the region's shadow (what the
 * last hit left, read when the region was created); nothing to emulate.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/hw_breakpoint.h>
#include <asm/unwind.h>
#include <asm/hw_breakpoint.h>
#include "wp_internal.h"

bool wp_arch_hit(struct watchpoint_region *r, struct perf_event *bp,
		 struct pt_regs *regs, struct watchpoint_hit *hit)
{
	hit->addr = counter_arch_bp(bp)->address;
	hit->ip = instruction_pointer(regs);
	hit->val_addr = r->addr;
	hit->val_len = r->len;
	hit->new_val = wp_read(r->addr, r->len);
	hit->old_val = xchg(&r->shadow, hit->new_val);
	return true;
}
NOKPROBE_SYMBOL(wp_arch_hit);

/* ip is the instruction after the write: step back into the writer. */
unsigned long wp_insn_addr(const struct watchpoint_hit *hit)
{
	return hit->ip - 1;
}
NOKPROBE_SYMBOL(wp_insn_addr);

/* The writer's stack, from the trapped registers (the #DB stack stops ORC). */
unsigned int wp_stack(struct pt_regs *regs, unsigned long ip,
		      unsigned long *e, unsigned int max)
{
	struct unwind_state state;
	unsigned long addr;
	unsigned int n = 1;

	e[0] = ip;		/* the unwind starts at the writer's caller */
	for (unwind_start(&state, current, regs, NULL);
	     !unwind_done(&state) && n < max; unwind_next_frame(&state)) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			break;
		if (addr != ip)
			e[n++] = addr;
	}
	return n;
}
NOKPROBE_SYMBOL(wp_stack);

void wp_arch_cpu_offline(unsigned int cpu, struct perf_event *bp)
{
}

int wp_arch_init(void)
{
	return 0;
}

void wp_arch_exit(void)
{
}
