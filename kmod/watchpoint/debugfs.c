// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c: /sys/kernel/debug/watchpoint/, the state of the ksym= region
 * (target, last, last_violation, allow, counters) and every region
 * (regions). docs/watchpoint.md lists the files.
 */
#include <linux/kernel.h>
#include <linux/debugfs.h>
#include <linux/hw_breakpoint.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "wp_internal.h"

static struct dentry *wp_dir;
static unsigned long target_sym;

const char *wp_type_name(unsigned int t)
{
	switch (t) {
	case HW_BREAKPOINT_R:
		return "r";
	case HW_BREAKPOINT_W:
		return "w";
	default:
		return "rw";
	}
}

static int target_show(struct seq_file *m, void *v)
{
	struct watchpoint_region *target = wp_target;

	seq_printf(m, "symbol %s\n", wp_ksym_name);
	seq_printf(m, "symbol_address 0x%lx\n", target_sym);
	seq_printf(m, "offset %lu\n", wp_offset);
	seq_printf(m, "address 0x%lx\n", target->addr);
	seq_printf(m, "size %lu\n", target->size);
	seq_printf(m, "type %s\n", wp_type_name(target->type));
	seq_printf(m, "mask %u\n", target->mask);
	seq_printf(m, "cpus %*pbl\n", cpumask_pr_args(&target->cpus));
	seq_printf(m, "cpus_missed %d\n", atomic_read(&target->cpus_missed));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(target);

static void wp_show_last(struct seq_file *m, struct watchpoint_region *r,
			 bool violation)
{
	struct wp_last *l, *copy;
	unsigned long flags;
	unsigned int i;

	copy = kmalloc(sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return;
	l = violation ? &r->last_violation : &r->last;
	raw_spin_lock_irqsave(&r->last_lock, flags);
	*copy = *l;
	raw_spin_unlock_irqrestore(&r->last_lock, flags);
	if (!copy->valid) {
		seq_puts(m, "none\n");
		goto out;
	}
	seq_printf(m, "pid %d\ncomm %s\ncpu %d\naddr 0x%lx\nip %pS\n",
		   copy->pid, copy->comm, copy->cpu, copy->addr,
		   (void *)copy->ip);
	seq_printf(m, "old 0x%llx\nnew %s0x%llx\nallowed %d\n",
		   copy->old_val,
		   (copy->flags & WATCHPOINT_HIT_NEW_UNKNOWN) ? "unknown " : "",
		   copy->new_val, !!(copy->flags & WATCHPOINT_HIT_ALLOWED));
	if (copy->nr_stack)
		seq_puts(m, "stack:\n");
	for (i = 0; i < copy->nr_stack; i++)
		seq_printf(m, "  %pS\n", (void *)copy->stack[i]);
out:
	kfree(copy);
}

static int last_show(struct seq_file *m, void *v)
{
	wp_show_last(m, wp_target, false);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(last);

static int last_violation_show(struct seq_file *m, void *v)
{
	wp_show_last(m, wp_target, true);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(last_violation);

static int allow_show(struct seq_file *m, void *v)
{
	struct wp_allow *a;
	int i;

	mutex_lock(&wp_lock);
	for (i = 0; i < WP_MAX_ALLOW; i++) {
		a = &wp_target->allow[i];
		if (a->kind == WP_ALLOW_FUNC)
			seq_printf(m, "function %ps 0x%lx-0x%lx\n",
				   (void *)a->start, a->start, a->end);
		else if (a->kind == WP_ALLOW_TASK)
			seq_printf(m, "task %d\n", a->pid);
	}
	mutex_unlock(&wp_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(allow);

static int regions_show(struct seq_file *m, void *v)
{
	struct watchpoint_region *r;
	struct watchpoint_callback *cb;
	int n;

	seq_puts(m, "address size type mask users callbacks hits violations allowed cpus state\n");
	mutex_lock(&wp_lock);
	list_for_each_entry(r, &wp_regions, node) {
		n = 0;
		list_for_each_entry(cb, &r->callbacks, node)
			n++;
		seq_printf(m, "0x%lx %lu %s %u %d %d %lld %lld %lld %*pbl %s\n",
			   r->addr, r->size, wp_type_name(r->type), r->mask,
			   r->users, n, atomic64_read(&r->hits),
			   atomic64_read(&r->violations),
			   atomic64_read(&r->allowed),
			   cpumask_pr_args(&r->cpus),
			   !r->movable ? "fixed" : r->armed ? "armed" :
			   "disarmed");
	}
	mutex_unlock(&wp_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(regions);

static int wp_atomic64_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(wp_atomic64_fops, wp_atomic64_get, NULL, "%llu\n");

static void wp_debugfs_counter(const char *name, atomic64_t *v)
{
	debugfs_create_file_unsafe(name, 0444, wp_dir, v, &wp_atomic64_fops);
}

/* @symbol_address: where ksym= is, shown by target. */
void wp_debugfs_init(unsigned long symbol_address)
{
	target_sym = symbol_address;
	wp_dir = debugfs_create_dir("watchpoint", NULL);
	debugfs_create_file("target", 0444, wp_dir, NULL, &target_fops);
	debugfs_create_file("last", 0444, wp_dir, NULL, &last_fops);
	debugfs_create_file("last_violation", 0444, wp_dir, NULL,
			    &last_violation_fops);
	debugfs_create_file("allow", 0444, wp_dir, NULL, &allow_fops);
	debugfs_create_file("regions", 0444, wp_dir, NULL, &regions_fops);
	wp_debugfs_counter("hits", &wp_target->hits);
	wp_debugfs_counter("violations", &wp_target->violations);
	wp_debugfs_counter("allowed", &wp_target->allowed);
	wp_debugfs_counter("new_unknown", &wp_target->new_unknown);
	wp_debugfs_counter("blind_windows", &wp_target->blind);
	wp_debugfs_counter("callbacks", &wp_callbacks);
}

void wp_debugfs_exit(void)
{
	debugfs_remove_recursive(wp_dir);
}
