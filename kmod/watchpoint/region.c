// SPDX-License-Identifier: GPL-2.0
/*
 * region.c: the life of a watched region. Regions are shared and
 * refcounted (one per address, size, type and mask); each has one perf
 * event per online CPU, created and released by a multi-instance CPU
 * hotplug state, so CPUs that come online later are watched too. A movable
 * region is its consumer's alone (never shared): it can be pointed at
 * another address, or switched off keeping its slots, at run time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/hw_breakpoint.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include "wp_internal.h"

DEFINE_MUTEX(wp_lock);
LIST_HEAD(wp_regions);
static int wp_hp_state = -1;

static int wp_check(unsigned long addr, unsigned int len, unsigned int type,
		    unsigned int mask, unsigned long *size)
{
	if (mask) {
		if (!IS_ENABLED(CONFIG_ARM64)) {
			pr_err("mask=%u: the address MASK is arm64-only; x86 debug registers watch at most 8 bytes\n",
			       mask);
			return -EOPNOTSUPP;
		}
		if (mask < 3 || mask > 31) {
			pr_err("mask=%u is out of range: use 3..31 (watch 2^mask bytes)\n",
			       mask);
			return -EINVAL;
		}
		*size = 1UL << mask;
	} else {
		if (len != 1 && len != 2 && len != 4 && len != 8) {
			pr_err("len=%u is not supported: use 1, 2, 4 or 8\n",
			       len);
			return -EINVAL;
		}
		*size = len;
	}
	if (addr & (*size - 1)) {
		pr_err("address 0x%lx is not aligned to the %lu bytes watched: align it\n",
		       addr, *size);
		return -EINVAL;
	}
	switch (type) {
	case HW_BREAKPOINT_W:
	case HW_BREAKPOINT_RW:
		return 0;
	case HW_BREAKPOINT_R:
		if (IS_ENABLED(CONFIG_ARM64))
			return 0;
		pr_err("type r (read-only) is not supported on x86: use w or rw\n");
		return -EOPNOTSUPP;
	default:
		pr_err("access type %u is not supported: use w, rw or r\n",
		       type);
		return -EINVAL;
	}
}

static void wp_region_free(struct watchpoint_region *r)
{
	free_percpu(r->events);
	kfree(r);
}

static struct watchpoint_region *wp_region_get(unsigned long addr,
					       unsigned int len,
					       unsigned int type,
					       unsigned int mask, bool movable)
{
	struct watchpoint_region *r;
	unsigned long size;
	int err;

	err = wp_check(addr, len, type, mask, &size);
	if (err)
		return ERR_PTR(err);

	mutex_lock(&wp_lock);
	list_for_each_entry(r, &wp_regions, node) {
		if (!movable && !r->movable && r->addr == addr &&
		    r->size == size && r->type == type && r->mask == mask) {
			r->users++;
			goto out_unlock;
		}
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		err = -ENOMEM;
		goto err_unlock;
	}
	r->events = alloc_percpu(struct perf_event *);
	if (!r->events) {
		kfree(r);
		err = -ENOMEM;
		goto err_unlock;
	}
	r->users = 1;
	r->addr = addr;
	r->size = size;
	r->len = mask ? 8 : len;
	r->type = type;
	r->mask = mask;
	r->movable = movable;
	/* a movable region got at address 0 starts disarmed */
	r->armed = !movable || addr;
	INIT_LIST_HEAD(&r->callbacks);
	raw_spin_lock_init(&r->last_lock);
	if (!mask && r->armed)
		r->shadow = wp_read(addr, len);

	r->adding = true;
	err = cpuhp_state_add_instance(wp_hp_state, &r->cpuhp);
	r->adding = false;
	if (err) {
		if (err == -ENOSPC)
			pr_err("no free debug register to watch 0x%lx: every slot is in use on some CPU; unload another watcher (watchpoint user, perf, bpftrace) and retry\n",
			       addr);
		else if (err == -EINVAL && mask)
			pr_err("this kernel has no arm64 watchpoint MASK support; boot the patched kernel, see docs/watchpoint-mask.md\n");
		else
			pr_err("cannot watch 0x%lx (%lu bytes): perf refused with error %d\n",
			       addr, size, err);
		if (err == -EINVAL && mask)
			err = -EOPNOTSUPP;
		wp_region_free(r);
		goto err_unlock;
	}
	list_add(&r->node, &wp_regions);
out_unlock:
	mutex_unlock(&wp_lock);
	return r;
err_unlock:
	mutex_unlock(&wp_lock);
	return ERR_PTR(err);
}

struct watchpoint_region *watchpoint_region_get(unsigned long addr,
						unsigned int len,
						unsigned int type,
						unsigned int mask)
{
	return wp_region_get(addr, len, type, mask, false);
}
EXPORT_SYMBOL_GPL(watchpoint_region_get);

struct watchpoint_region *watchpoint_region_get_movable(unsigned long addr,
							unsigned int len,
							unsigned int type)
{
	return wp_region_get(addr, len, type, 0, true);
}
EXPORT_SYMBOL_GPL(watchpoint_region_get_movable);

void watchpoint_region_put(struct watchpoint_region *r)
{
	mutex_lock(&wp_lock);
	if (--r->users) {
		mutex_unlock(&wp_lock);
		return;
	}
	list_del(&r->node);
	mutex_unlock(&wp_lock);
	WARN_ON_ONCE(!list_empty(&r->callbacks));
	/* releases every CPU's event; no handler runs after it */
	cpuhp_state_remove_instance(wp_hp_state, &r->cpuhp);
	synchronize_rcu();
	wp_region_free(r);
}
EXPORT_SYMBOL_GPL(watchpoint_region_put);

/* ---- moving a region: process context only (docs/watchpoint.md) ---- */

/*
 * Every CPU's event of @r off. perf_event_disable() runs on the event's CPU
 * and waits for it, so no handler of @r is running anywhere when this
 * returns. The caller holds wp_lock and cpus_read_lock() (no event comes or
 * goes meanwhile).
 */
static void wp_events_disable(struct watchpoint_region *r)
{
	struct perf_event *ev;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		ev = *per_cpu_ptr(r->events, cpu);
		if (ev)
			perf_event_disable(ev);
	}
	r->armed = false;
}

int watchpoint_region_move(struct watchpoint_region *r, unsigned long addr,
			   unsigned int len)
{
	struct perf_event_attr attr;
	struct perf_event *ev;
	unsigned long size;
	unsigned int cpu;
	int err;

	might_sleep();
	if (!r->movable) {
		pr_err("region 0x%lx is not movable: get it with watchpoint_region_get_movable()\n",
		       r->addr);
		return -EINVAL;
	}
	err = wp_check(addr, len, r->type, 0, &size);
	if (err)
		return err;
	mutex_lock(&wp_lock);
	cpus_read_lock();
	/* all off first: no handler sees the region half moved */
	wp_events_disable(r);
	r->addr = addr;
	r->size = size;
	r->len = len;
	r->shadow = wp_read(addr, len);
	for_each_possible_cpu(cpu) {
		ev = *per_cpu_ptr(r->events, cpu);
		if (!ev)
			continue;
		attr = ev->attr;
		attr.bp_addr = addr;
		attr.bp_len = len;
		attr.disabled = 0;
		/* disables (a no-op here), checks, rewrites, enables */
		err = modify_user_hw_breakpoint(ev, &attr);
		if (err) {
			pr_err("cannot move region to 0x%lx on CPU %u: error %d; the region is disarmed\n",
			       addr, cpu, err);
			break;
		}
	}
	if (err)
		wp_events_disable(r);
	else
		r->armed = true;
	cpus_read_unlock();
	mutex_unlock(&wp_lock);
	return err;
}
EXPORT_SYMBOL_GPL(watchpoint_region_move);

int watchpoint_region_disarm(struct watchpoint_region *r)
{
	might_sleep();
	if (!r->movable)
		return -EINVAL;
	mutex_lock(&wp_lock);
	cpus_read_lock();
	wp_events_disable(r);
	cpus_read_unlock();
	mutex_unlock(&wp_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(watchpoint_region_disarm);

/* ---- per-CPU events, following CPU hotplug ---- */

static struct perf_event *wp_event_create(struct watchpoint_region *r,
					  unsigned int cpu)
{
	struct perf_event_attr attr;

	hw_breakpoint_init(&attr);
	/* disarmed: created off, at an address perf accepts and nobody writes */
	attr.bp_addr = r->armed ? r->addr : (unsigned long)&r->park;
	attr.bp_len = r->mask ? r->size : r->len;
	attr.bp_type = r->type;
	attr.disabled = !r->armed;
	return perf_event_create_kernel_counter(&attr, cpu, NULL, wp_overflow,
						r);
}

static int wp_cpu_online(unsigned int cpu, struct hlist_node *node)
{
	struct watchpoint_region *r;
	struct perf_event *ev;

	r = hlist_entry(node, struct watchpoint_region, cpuhp);
	if (*per_cpu_ptr(r->events, cpu))
		return 0;
	ev = wp_event_create(r, cpu);
	if (IS_ERR(ev)) {
		if (r->adding)
			return PTR_ERR(ev);
		/* never block a CPU from coming online: count it */
		atomic_inc(&r->cpus_missed);
		pr_warn("CPU %u came online but 0x%lx is not watched on it: error %ld\n",
			cpu, r->addr, PTR_ERR(ev));
		return 0;
	}
	*per_cpu_ptr(r->events, cpu) = ev;
	cpumask_set_cpu(cpu, &r->cpus);
	return 0;
}

static int wp_cpu_offline(unsigned int cpu, struct hlist_node *node)
{
	struct watchpoint_region *r;
	struct perf_event *ev;

	r = hlist_entry(node, struct watchpoint_region, cpuhp);
	cpumask_clear_cpu(cpu, &r->cpus);
	ev = xchg(per_cpu_ptr(r->events, cpu), NULL);
	if (ev) {
		wp_arch_cpu_offline(cpu, ev);
		perf_event_release_kernel(ev);
	}
	return 0;
}

int wp_regions_init(void)
{
	int err;

	err = cpuhp_setup_state_multi(CPUHP_AP_ONLINE_DYN, "wpwatch/watchpoint:online",
				      wp_cpu_online, wp_cpu_offline);
	if (err < 0) {
		pr_err("cannot set up the CPU hotplug state: error %d\n", err);
		return err;
	}
	wp_hp_state = err;
	return 0;
}

void wp_regions_exit(void)
{
	cpuhp_remove_multi_state(wp_hp_state);
}
