// SPDX-License-Identifier: GPL-2.0
/*
 * The pause list: the trampolines' side (add_pause_list() before the body,
 * remove_pause_list() after it) and the pass's side (an old copy is retired
 * and freed once every call that may still run it has returned).
 *
 * SRCU is the pause list: a per-CPU counter pair per grace-period phase, no
 * lock, no allocation, sleepable readers, nesting. The token is the phase
 * index; the trampoline keeps it in its frame and hands it back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/spinlock.h>
#include <linux/llist.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include "rr_internal.h"
#include "rr_trace.h"

static struct srcu_struct rr_srcu;

LIST_HEAD(rr_pending);			/* retired, not yet freed */
DEFINE_SPINLOCK(rr_pending_lock);
static LLIST_HEAD(rr_done);		/* grace period over */

/* --- the trampolines' side ---------------------------------------------- */
/*
 * The tracepoints (rr_trace.h) sit behind their static branches with the
 * traced path out of line, so that untraced the pause list pays only the
 * patched-out jumps (docs/performance.md). Traced, add_pause_list() times
 * its own wait and hands the entry time to rerandom_call_body, so that a
 * latency tool needs a program on two tracepoints per call, not three.
 */
static noinline int __cold rr_add_traced(unsigned long ip, unsigned long cfa)
{
	/* bpf_ktime_get_ns()'s clock, read only for rerandom_call_body */
	u64 enter_ns = trace_rerandom_call_body_enabled() ?
		       ktime_get_mono_fast_ns() : 0;
	int token;

	trace_rerandom_call_enter(ip, cfa);
	token = srcu_read_lock(&rr_srcu);
	trace_rerandom_call_body(ip, cfa, enter_ns);
	return token;
}

static noinline void __cold rr_remove_traced(unsigned long ip,
					     unsigned long cfa)
{
	trace_rerandom_call_exit(ip, cfa);
}

noinline int add_pause_list(void)
{
	if (trace_rerandom_call_body_enabled() ||
	    trace_rerandom_call_enter_enabled())
		return rr_add_traced(_RET_IP_,
				     (unsigned long)__builtin_dwarf_cfa());
	return srcu_read_lock(&rr_srcu);
}
EXPORT_SYMBOL_GPL(add_pause_list);

noinline void remove_pause_list(int token)
{
	if (trace_rerandom_call_exit_enabled())
		rr_remove_traced(_RET_IP_,
				 (unsigned long)__builtin_dwarf_cfa());
	srcu_read_unlock(&rr_srcu, token);
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
	call_srcu(&rr_srcu, &r->rh, rr_grace_done);
}

/* wait for every grace period begun so far, then free their copies */
void rr_retire_drain(void)
{
	srcu_barrier(&rr_srcu);
	flush_work(&rr_reap_work);
	rr_reap();
}

int rr_pause_init(void)
{
	return init_srcu_struct(&rr_srcu);
}

void rr_pause_exit(void)
{
	rr_retire_drain();
	cleanup_srcu_struct(&rr_srcu);
}
