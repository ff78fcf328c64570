// SPDX-License-Identifier: GPL-2.0
/*
 * handler.c: the trap path common to both architectures. perf calls
 * wp_overflow() in the debug exception (NMI-like: no sleeping, only
 * trylocks); it asks the arch file what was hit, counts it, checks the
 * allow-list, records the last hit and calls the region's callbacks under
 * RCU. Every function here is NOKPROBE_SYMBOL: a kprobe in the debug
 * exception would recurse.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/rculist.h>
#include <linux/string.h>
#include "wp_internal.h"

u64 wp_read(unsigned long addr, unsigned int n)
{
	switch (n) {
	case 1:
		return READ_ONCE(*(u8 *)addr);
	case 2:
		return READ_ONCE(*(u16 *)addr);
	case 4:
		return READ_ONCE(*(u32 *)addr);
	default:
		return READ_ONCE(*(u64 *)addr);
	}
}
NOKPROBE_SYMBOL(wp_read);

static bool wp_allowed(struct watchpoint_region *r, unsigned long ip)
{
	struct wp_allow *a;
	int i;

	for (i = 0; i < WP_MAX_ALLOW; i++) {
		a = &r->allow[i];
		/* pairs with wp_allow_add(): fields before kind */
		switch (smp_load_acquire(&a->kind)) {
		case WP_ALLOW_FUNC:
			if (ip >= a->start && ip < a->end)
				return true;
			break;
		case WP_ALLOW_TASK:
			if (current->pid == a->pid)
				return true;
			break;
		}
	}
	return false;
}
NOKPROBE_SYMBOL(wp_allowed);

static void wp_fill_last(struct wp_last *l, const struct watchpoint_hit *hit,
			 bool with_stack)
{
	l->valid = true;
	l->pid = hit->pid;
	strscpy(l->comm, hit->comm, sizeof(l->comm));
	l->cpu = hit->cpu;
	l->flags = hit->flags;
	l->addr = hit->addr;
	l->ip = hit->ip;
	l->old_val = hit->old_val;
	l->new_val = hit->new_val;
	l->nr_stack = with_stack ? wp_stack(hit->regs, hit->ip, l->stack,
						 WP_STACK) : 0;
}
NOKPROBE_SYMBOL(wp_fill_last);

/* NMI-like context: only a trylock; a skipped update is counted. */
static void wp_record(struct watchpoint_region *r,
		      const struct watchpoint_hit *hit, bool violation)
{
	unsigned long flags;

	if (!raw_spin_trylock_irqsave(&r->last_lock, flags)) {
		atomic64_inc(&r->last_skipped);
		return;
	}
	wp_fill_last(&r->last, hit, false);
	if (violation)
		wp_fill_last(&r->last_violation, hit, true);
	raw_spin_unlock_irqrestore(&r->last_lock, flags);
}
NOKPROBE_SYMBOL(wp_record);

void wp_overflow(struct perf_event *bp, struct perf_sample_data *data,
		 struct pt_regs *regs)
{
	struct watchpoint_region *r = bp->overflow_handler_context;
	struct watchpoint_callback *cb;
	struct watchpoint_hit hit = {
		.watched = r->addr,
		.size = r->size,
		.cpu = smp_processor_id(),
		.pid = current->pid,
		.comm = current->comm,
		.task = current,
		.regs = regs,
	};
	bool allowed;

	if (!wp_arch_hit(r, bp, regs, &hit))
		return;
	atomic64_inc(&r->hits);
	if (hit.flags & WATCHPOINT_HIT_NEW_UNKNOWN)
		atomic64_inc(&r->new_unknown);
	allowed = wp_allowed(r, wp_insn_addr(&hit));
	if (allowed) {
		hit.flags |= WATCHPOINT_HIT_ALLOWED;
		atomic64_inc(&r->allowed);
	} else {
		atomic64_inc(&r->violations);
	}
	wp_record(r, &hit, !allowed);

	rcu_read_lock();
	list_for_each_entry_rcu(cb, &r->callbacks, node)
		if (!allowed || (cb->flags & WATCHPOINT_CB_ALLOWED))
			cb->func(&hit, cb->data);
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(wp_overflow);
