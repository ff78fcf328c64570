// SPDX-License-Identifier: GPL-2.0
/*
 * The pause list: the trampolines' side (a Tasks Trace RCU read-side
 * critical section around each call, open-coded in rerandom.h; the traced
 * add_pause_list()/remove_pause_list() here) and the pass's side (an old
 * copy is retired and freed once every call that may still run it has
 * returned: call_rcu_tasks_trace()).
 *
 * Why Tasks Trace RCU: its readers may sleep, nest and run in interrupts (as
 * SRCU's), and its read side has no memory barrier (SRCU's has two, and needs
 * the srcu_struct's per-CPU counters): the grace period pays for the
 * ordering, with IPIs and context-switch hooks, which the pass can afford and
 * a call cannot. BPF's sleepable programs are protected the same way. See
 * docs/rerandom.md, "The pause list and its grace period".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/rcupdate_trace.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/llist.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include "rr_internal.h"
#include "rr_trace.h"

LIST_HEAD(rr_pending);			/* retired, not yet freed */
DEFINE_SPINLOCK(rr_pending_lock);
static LLIST_HEAD(rr_done);		/* grace period over */
/*
 * Batches whose copies are freed, kept for the next passes (at most
 * RR_SPARE_MAX): a pass's record for bfq's 177 bodies is a 4 KiB-plus
 * kmalloc(), some 9,000 instructions on x86_64 when the slab must be
 * refilled. Added to from rr_reap() (a pass or the work item), taken only
 * under rr_lock (llist_del_first()'s single consumer).
 */
#define RR_SPARE_MAX	8
static LLIST_HEAD(rr_spare);
static atomic_t rr_nspare = ATOMIC_INIT(0);

/* bt's copies are freed: keep it for a next pass, or free it */
static void rr_batch_put(struct rr_batch *bt)
{
	if (atomic_inc_return(&rr_nspare) > RR_SPARE_MAX) {
		atomic_dec(&rr_nspare);
		kfree(bt);
		return;
	}
	llist_add(&bt->ln, &rr_spare);
}

/* --- the trampolines' side ---------------------------------------------- */
/*
 * Not 0: every trampoline takes its traced path (rerandom.h), which calls
 * the two functions below. Counted: each call tracepoint with a probe holds
 * one reference (rr_call_trace_reg()), the call_hooks parameter another. A
 * plain counter that each call reads, not a static key: toggling a key
 * patches the trampolines while other CPUs run them (rerandom.h says why not).
 */
atomic_t rr_call_hooks = ATOMIC_INIT(0);
EXPORT_SYMBOL_GPL(rr_call_hooks);

int rr_call_trace_reg(void)
{
	atomic_inc(&rr_call_hooks);
	return 0;
}

void rr_call_trace_unreg(void)
{
	atomic_dec(&rr_call_hooks);
}

static bool call_hooks;

/* sysfs writes of a parameter are serialized by kernel_param_lock() */
static int rr_call_hooks_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	if (on != call_hooks) {
		if (on)
			atomic_inc(&rr_call_hooks);
		else
			atomic_dec(&rr_call_hooks);
		call_hooks = on;
	}
	return 0;
}

static const struct kernel_param_ops rr_call_hooks_ops = {
	.set = rr_call_hooks_set,
	.get = param_get_bool,
};
module_param_cb(call_hooks, &rr_call_hooks_ops, &call_hooks, 0644);
MODULE_PARM_DESC(call_hooks,
		 "1: every trampolined call goes through add_pause_list()/remove_pause_list() (for kprobes and fentry on them); the call tracepoints do it on their own");

/*
 * Traced, add_pause_list() times its own wait and hands the entry time to
 * rerandom_call_body, so that a latency tool needs a program on two
 * tracepoints per call, not three.
 */
noinline void add_pause_list(void)
{
	/* bpf_ktime_get_ns()'s clock, read only for rerandom_call_body */
	u64 enter_ns = trace_rerandom_call_body_enabled() ?
		       ktime_get_mono_fast_ns() : 0;
	unsigned long ip = _RET_IP_;
	unsigned long cfa = (unsigned long)__builtin_dwarf_cfa();

	trace_rerandom_call_enter(ip, cfa);
	rcu_read_lock_trace();
	trace_rerandom_call_body(ip, cfa, enter_ns);
}
EXPORT_SYMBOL_GPL(add_pause_list);

noinline void remove_pause_list(void)
{
	trace_rerandom_call_exit(_RET_IP_,
				 (unsigned long)__builtin_dwarf_cfa());
	rcu_read_unlock_trace();
}
EXPORT_SYMBOL_GPL(remove_pause_list);

/* --- retiring old copies ------------------------------------------------- */
/* free the copies whose grace period has ended */
void rr_reap(void)
{
	struct llist_node *list = llist_del_all(&rr_done);
	struct rr_batch *bt, *t;
	unsigned int i;
	u64 n = 0;

	llist_for_each_entry_safe(bt, t, list, ln) {
		spin_lock(&rr_pending_lock);
		list_del(&bt->pending);
		spin_unlock(&rr_pending_lock);
		for (i = 0; i < bt->n; i++)
			rr_arena_free(bt->copy[i].addr, bt->copy[i].bytes);
		n += bt->n;
		rr_batch_put(bt);
	}
	if (n)
		rr_count(&rr_stats.freed, n);
}

static void rr_reap_work_fn(struct work_struct *w)
{
	rr_reap();
}
static DECLARE_WORK(rr_reap_work, rr_reap_work_fn);

static void rr_grace_done(struct rcu_head *rh)
{
	struct rr_batch *bt = container_of(rh, struct rr_batch, rh);

	llist_add(&bt->ln, &rr_done);
	schedule_work(&rr_reap_work);
}

/* room for max old copies; NULL without memory (rr_lock held) */
struct rr_batch *rr_batch_alloc(unsigned int max, gfp_t gfp)
{
	struct llist_node *ln = llist_del_first(&rr_spare);
	struct rr_batch *bt = NULL;

	if (ln) {
		atomic_dec(&rr_nspare);
		bt = llist_entry(ln, struct rr_batch, ln);
		/* too small since a module registered: a new one */
		if (bt->max < max) {
			kfree(bt);
			bt = NULL;
		}
	}
	if (bt) {
		bt->n = 0;
		return bt;
	}
	bt = kmalloc(struct_size(bt, copy, max), gfp);
	if (bt) {
		bt->n = 0;
		bt->max = max;
	}
	return bt;
}

/*
 * Hand the batch's copies to the pause list (an empty batch is freed): they
 * are freed with it once every call that may run them has returned. The
 * slot stores that replaced the copies must be ordered before this call.
 */
void rr_retire_batch(struct rr_batch *bt)
{
	if (!bt->n) {
		rr_batch_put(bt);
		return;
	}
	spin_lock(&rr_pending_lock);
	list_add_tail(&bt->pending, &rr_pending);
	spin_unlock(&rr_pending_lock);
	rr_count(&rr_stats.retired, bt->n);
	call_rcu_tasks_trace(&bt->rh, rr_grace_done);
}

/* wait for every grace period begun so far, then free their copies */
void rr_retire_drain(void)
{
	rcu_barrier_tasks_trace();
	flush_work(&rr_reap_work);
	rr_reap();
}

void rr_pause_exit(void)
{
	struct rr_batch *bt, *t;

	rr_retire_drain();
	llist_for_each_entry_safe(bt, t, llist_del_all(&rr_spare), ln)
		kfree(bt);
}
