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
 * docs/rerandom.md, "The pause".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/rcupdate_trace.h>
#include <linux/jump_label.h>
#include <linux/spinlock.h>
#include <linux/llist.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include "rr_internal.h"
#include "rr_trace.h"

LIST_HEAD(rr_pending);			/* retired, not yet freed */
DEFINE_SPINLOCK(rr_pending_lock);
static LLIST_HEAD(rr_done);		/* grace period over */

/* --- the trampolines' side ---------------------------------------------- */
/*
 * On: every trampoline takes its traced path (rerandom.h), which calls the
 * two functions below. Counted: each call tracepoint with a probe holds one
 * reference (rr_call_trace_reg()), the call_hooks parameter another.
 */
DEFINE_STATIC_KEY_FALSE(rr_call_hooks);
EXPORT_SYMBOL_GPL(rr_call_hooks);

int rr_call_trace_reg(void)
{
	static_branch_inc(&rr_call_hooks);
	return 0;
}

void rr_call_trace_unreg(void)
{
	static_branch_dec(&rr_call_hooks);
}

static DEFINE_MUTEX(rr_call_hooks_param_lock);
static bool call_hooks;

static int rr_call_hooks_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	mutex_lock(&rr_call_hooks_param_lock);
	if (on != call_hooks) {
		if (on)
			static_branch_inc(&rr_call_hooks);
		else
			static_branch_dec(&rr_call_hooks);
		call_hooks = on;
	}
	mutex_unlock(&rr_call_hooks_param_lock);
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
	struct rr_retire *r, *t;
	u64 n = 0;

	llist_for_each_entry_safe(r, t, list, ln) {
		spin_lock(&rr_pending_lock);
		list_del(&r->pending);
		spin_unlock(&rr_pending_lock);
		rr_arena_free(r->addr, r->bytes);
		kfree(r);
		n++;
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
	struct rr_retire *r = container_of(rh, struct rr_retire, rh);

	llist_add(&r->ln, &rr_done);
	schedule_work(&rr_reap_work);
}

/*
 * Hand b's copy at addr to the pause list; r (allocated beforehand, so this
 * cannot fail) is freed with it. The slot store that replaced the copy must
 * be ordered before this call.
 */
void rr_retire(struct rr_body *b, unsigned long addr, struct rr_retire *r)
{
	r->addr = addr;
	r->bytes = b->bytes;
	strscpy(r->name, b->d->name, sizeof(r->name));
	spin_lock(&rr_pending_lock);
	list_add_tail(&r->pending, &rr_pending);
	spin_unlock(&rr_pending_lock);
	rr_count(&rr_stats.retired, 1);
	call_rcu_tasks_trace(&r->rh, rr_grace_done);
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
	rr_retire_drain();
}
