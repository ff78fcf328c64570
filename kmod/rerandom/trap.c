// SPDX-License-Identifier: GPL-2.0
/*
 * WARN and BUG in a moved copy. The kernel finds a WARN/BUG site by its
 * address in the module's __bug_table, which names the loaded body only; a
 * copy's trap would be an unknown invalid instruction. So a trap in a copy
 * is sent back to the same instruction of the loaded body (which is never
 * freed and holds the same code), where the kernel reports it with its file
 * and line and, for a WARN, carries on in the loaded body until the
 * function returns:
 *   x86_64  ud2 is 2 bytes, too short for a jump: a die notifier sees the
 *           "invalid opcode" trap of a copy first and moves the instruction
 *           pointer to the loaded body's ud2;
 *   arm64   the kernel's BRK handler offers no such hook (an unknown BRK
 *           is an oops), so each trap of a copy is rewritten into a branch
 *           to the loaded body's BRK (reloc_arm64.c, rr_fix_traps()).
 * rr_find_traps() lists a body's trap sites from its module's bug table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/bug.h>
#include <linux/kdebug.h>
#include <linux/ptrace.h>
#include "rr_internal.h"

#ifdef CONFIG_X86
#include <asm/traps.h>

static int rr_die_notify(struct notifier_block *nb, unsigned long val,
			 void *data)
{
	struct die_args *args = data;
	unsigned long orig;

	if (val != DIE_TRAP || args->trapnr != X86_TRAP_UD ||
	    user_mode(args->regs))
		return NOTIFY_DONE;
	orig = rr_arena_origin(instruction_pointer(args->regs));
	if (!orig)
		return NOTIFY_DONE;
	instruction_pointer_set(args->regs, orig);
	return NOTIFY_STOP;
}

static struct notifier_block rr_die_nb = {
	.notifier_call = rr_die_notify,
};

int rr_trap_init(void)
{
	return register_die_notifier(&rr_die_nb);
}

void rr_trap_exit(void)
{
	unregister_die_notifier(&rr_die_nb);
}
#else
int rr_trap_init(void)
{
	return 0;
}

void rr_trap_exit(void)
{
}
#endif

#ifdef CONFIG_GENERIC_BUG
static unsigned long rr_bug_addr(const struct bug_entry *bug)
{
#ifdef CONFIG_GENERIC_BUG_RELATIVE_POINTERS
	return (unsigned long)&bug->bug_addr_disp + bug->bug_addr_disp;
#else
	return bug->bug_addr;
#endif
}

/* b->traps: the offsets of owner's bug-table entries inside body b */
int rr_find_traps(struct rr_body *b, struct module *owner)
{
	unsigned int i, n = 0;

	if (!owner)
		return 0;
	for (i = 0; i < owner->num_bugs; i++) {
		unsigned long a = rr_bug_addr(&owner->bug_table[i]);

		if (a >= b->orig && a < b->orig + b->d->size)
			n++;
	}
	if (!n)
		return 0;
	b->traps = kcalloc(n, sizeof(*b->traps), GFP_KERNEL);
	if (!b->traps)
		return -ENOMEM;
	for (i = 0; i < owner->num_bugs; i++) {
		unsigned long a = rr_bug_addr(&owner->bug_table[i]);

		if (a >= b->orig && a < b->orig + b->d->size)
			b->traps[b->ntraps++] = a - b->orig;
	}
	return 0;
}
#else
int rr_find_traps(struct rr_body *b, struct module *owner)
{
	return 0;
}
#endif
