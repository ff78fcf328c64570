// SPDX-License-Identifier: GPL-2.0
/*
 * api.c: the exported API on a region (kmod/include/watchpoint.h) besides
 * getting and putting it: callbacks, the allow-list of functions and tasks,
 * and the counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kallsyms.h>
#include <linux/rculist.h>
#include "wp_internal.h"

int watchpoint_callback_add(struct watchpoint_region *r,
			    struct watchpoint_callback *cb)
{
	if (!cb->func)
		return -EINVAL;
	mutex_lock(&wp_lock);
	list_add_tail_rcu(&cb->node, &r->callbacks);
	mutex_unlock(&wp_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(watchpoint_callback_add);

void watchpoint_callback_del(struct watchpoint_region *r,
			     struct watchpoint_callback *cb)
{
	mutex_lock(&wp_lock);
	list_del_rcu(&cb->node);
	mutex_unlock(&wp_lock);
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(watchpoint_callback_del);

static int wp_allow_add(struct watchpoint_region *r, int kind,
			unsigned long start, unsigned long end, pid_t pid)
{
	struct wp_allow *a;
	int i, err = -ENOSPC;

	mutex_lock(&wp_lock);
	for (i = 0; i < WP_MAX_ALLOW; i++) {
		a = &r->allow[i];
		if (a->kind != WP_ALLOW_FREE)
			continue;
		a->start = start;
		a->end = end;
		a->pid = pid;
		/* publish the fields before kind (wp_allowed()) */
		smp_store_release(&a->kind, kind);
		err = 0;
		break;
	}
	mutex_unlock(&wp_lock);
	return err;
}

static void wp_allow_del(struct watchpoint_region *r, int kind,
			 unsigned long start, pid_t pid)
{
	struct wp_allow *a;
	int i;

	mutex_lock(&wp_lock);
	for (i = 0; i < WP_MAX_ALLOW; i++) {
		a = &r->allow[i];
		if (a->kind == kind && a->start == start && a->pid == pid)
			WRITE_ONCE(a->kind, WP_ALLOW_FREE);
	}
	mutex_unlock(&wp_lock);
	/* a slot is reused only after every handler that saw it is done */
	synchronize_rcu();
}

/* The extent of the function containing @func, from kallsyms. */
static int wp_func_extent(const void *func, unsigned long *start,
			  unsigned long *end)
{
	char buf[KSYM_SYMBOL_LEN];
	unsigned long off, size;
	char *p;

	sprint_symbol(buf, (unsigned long)func);
	p = strchr(buf, '+');
	if (!p || sscanf(p, "+%lx/%lx", &off, &size) != 2 || !size)
		return -ENOENT;
	*start = (unsigned long)func - off;
	*end = *start + size;
	return 0;
}

int watchpoint_allow_function(struct watchpoint_region *r, const void *func)
{
	unsigned long start, end;
	int err;

	err = wp_func_extent(func, &start, &end);
	if (err)
		return err;
	return wp_allow_add(r, WP_ALLOW_FUNC, start, end, 0);
}
EXPORT_SYMBOL_GPL(watchpoint_allow_function);

void watchpoint_disallow_function(struct watchpoint_region *r,
				  const void *func)
{
	unsigned long start, end;

	if (!wp_func_extent(func, &start, &end))
		wp_allow_del(r, WP_ALLOW_FUNC, start, 0);
}
EXPORT_SYMBOL_GPL(watchpoint_disallow_function);

int watchpoint_allow_task(struct watchpoint_region *r, pid_t pid)
{
	return wp_allow_add(r, WP_ALLOW_TASK, 0, 0, pid);
}
EXPORT_SYMBOL_GPL(watchpoint_allow_task);

void watchpoint_disallow_task(struct watchpoint_region *r, pid_t pid)
{
	wp_allow_del(r, WP_ALLOW_TASK, 0, pid);
}
EXPORT_SYMBOL_GPL(watchpoint_disallow_task);

void watchpoint_region_stats(struct watchpoint_region *r,
			     struct watchpoint_stats *st)
{
	st->hits = atomic64_read(&r->hits);
	st->violations = atomic64_read(&r->violations);
	st->allowed = atomic64_read(&r->allowed);
	st->new_unknown = atomic64_read(&r->new_unknown);
	st->blind_windows = atomic64_read(&r->blind);
	st->cpus_watched = cpumask_weight(&r->cpus);
	st->cpus_missed = atomic_read(&r->cpus_missed);
}
EXPORT_SYMBOL_GPL(watchpoint_region_stats);
