// SPDX-License-Identifier: GPL-2.0
/*
 * A re-randomization pass, and the thread rr_passd that runs one every
 * period_ms. A pass (rerandom_pass) is the steps of include/rr_steps.h,
 * each its own noinline function (what kprobes and fentry attach to):
 *   copy   place every body at a random free spot of the arena and copy it
 *          there from the snapshot taken when its module registered;
 *   fixup  re-target its PC-relative sites (decoded from the snapshot, which
 *          holds the instructions as the kernel left them after load), then
 *          make the new bytes visible to instruction fetch on every CPU;
 *   switch store each new address in the body's slot (a data word the
 *          trampoline loads: no text is patched);
 *   sync   full barrier: the slot stores are ordered before the grace period;
 *   grace  hand the pass's old copies, in one batch, to Tasks Trace RCU
 *          (the pause list): they are freed once every trampoline call that
 *          began before the switch has returned;
 *   free   poison and release the copies whose grace period has ended.
 * See docs/rerandom.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/smp.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/wait.h>
#include <linux/timekeeping.h>
#include "rr_internal.h"
#include "rr_trace.h"

unsigned int rr_period_ms;
module_param_cb(period_ms, &rr_wake_uint_ops, &rr_period_ms, 0644);
MODULE_PARM_DESC(period_ms, "milliseconds between passes (0: only on demand)");

static unsigned int max_moves;
module_param(max_moves, uint, 0644);
MODULE_PARM_DESC(max_moves,
		 "move at most this many bodies per pass, the first registered (0: all; for benchmarks)");

/* --- the steps (rr_lock held) -------------------------------------------- */
/* why a body's move failed this pass (debugfs stats and "failures") */
enum rr_fail { RR_FAIL_NOMEM, RR_FAIL_ARENA, RR_FAIL_FIXUP };

static const char * const rr_fail_why[] = {
	[RR_FAIL_NOMEM] = "no memory for the record that retires the pass's old copies",
	[RR_FAIL_ARENA] = "no room in the arena (old copies still in their grace period)",
	[RR_FAIL_FIXUP] = "a site does not fit the new place",
};

/* a body this pass does not move after all */
static void rr_drop_move(struct rr_body *b, enum rr_fail why)
{
	static u64 * const count[] = {
		[RR_FAIL_NOMEM] = &rr_stats.fail_nomem,
		[RR_FAIL_ARENA] = &rr_stats.fail_arena,
		[RR_FAIL_FIXUP] = &rr_stats.fail_fixup,
	};

	b->fails++;
	b->fail_why = rr_fail_why[why];
	rr_count(&rr_stats.failures, 1);
	rr_count(count[why], 1);
}

/* this pass's old copies, retired together by the grace step (rr_lock) */
static struct rr_batch *rr_pass_batch;

noinline int rerandom_step_copy(void)
{
	struct rr_body *b;
	unsigned int i;
	bool waited = false;
	int moved = 0;

	rr_arena_rekey();
	rr_pass_batch = rr_batch_alloc(rr_nall, GFP_KERNEL);
	rr_for_each_body(b, i) {
		unsigned long addr;

		b->next = 0;
		b->old = 0;
		if (max_moves && i >= max_moves)
			continue;
		if (!rr_pass_batch) {
			rr_drop_move(b, RR_FAIL_NOMEM);
			continue;
		}
		addr = rr_arena_alloc(b);
		/*
		 * The arena is full of old copies whose grace period has not
		 * ended (passes come faster than grace periods, e.g. on a
		 * starved guest): wait, once per pass, for the grace periods
		 * begun so far and free those copies, rather than leave
		 * bodies where they are. A thread asleep in a body makes the
		 * wait as long as its sleep.
		 */
		if (!addr && !waited && rr_arena_used_bytes()) {
			waited = true;
			rr_count(&rr_stats.arena_waits, 1);
			pr_info_ratelimited("no room for %s (%u bytes), %u of %u bytes in use: waiting for the grace periods in flight\n",
					    b->d->name, b->bytes,
					    rr_arena_used_bytes(),
					    rr_arena_bytes());
			rr_retire_drain();
			addr = rr_arena_alloc(b);
		}
		if (!addr) {
			rr_drop_move(b, RR_FAIL_ARENA);
			continue;
		}
		b->next = addr;
		/* the snapshot's poisoned tail too: every copy has room */
		rr_copy_code(rr_arena_rw(b->next), b->snap,
			     ALIGN(b->d->size, 8));
		moved++;
	}
	return moved;
}

noinline int rerandom_step_fixup(void)
{
	struct rr_body *b;
	unsigned int i;
	int fixed = 0, err;

	for_each_moving_body(b, i) {
		u8 *dst = rr_arena_rw(b->next);

		err = rr_fix_sites(b, dst, b->next);
		if (!err && b->ntraps)
			err = rr_fix_traps(b, dst, b->next);
		if (!err && b->npsites)
			err = rr_fix_patched(b, dst, b->next);
		if (err) {
			pr_warn_ratelimited("%s: a site is not movable to %lx: %d\n",
					    b->d->name, b->next, err);
			rr_arena_free(b->next, b->bytes);
			b->next = 0;
			rr_drop_move(b, RR_FAIL_FIXUP);
			continue;
		}
		rr_sync_icache(b->next, b->next + b->bytes);
		fixed++;
	}
	/*
	 * Every CPU takes an interrupt, a context-synchronizing event (x86:
	 * IRET serializes; arm64: exception return), so none can run stale
	 * instructions of a reused arena spot once the slots point there.
	 */
	if (fixed)
		kick_all_cpus_sync();
	return fixed;
}

noinline int rerandom_step_switch(void)
{
	struct rr_body *b;
	unsigned int i;
	int n = 0;

	for_each_moving_body(b, i) {
		b->old = b->cur;
		/* the copy's bytes (written by fixup) before its address */
		smp_store_release(b->d->slot, (void *)b->next);
		b->cur = b->next;
		b->moves++;
		n++;
	}
	rr_count(&rr_stats.moves, n);
	return n;
}

noinline int rerandom_step_sync(void)
{
	/* slot stores before call_rcu_tasks_trace(), which orders the rest */
	smp_mb();
	return 0;
}

noinline int rerandom_step_grace(void)
{
	struct rr_body *b;
	unsigned int i;
	int n = 0;

	for_each_moving_body(b, i) {
		/* the loaded body is never freed (any other is a copy) */
		if (b->old != b->orig) {
			rr_batch_add(rr_pass_batch, b, b->old);
			n++;
		}
		b->next = 0;
	}
	if (rr_pass_batch)
		rr_retire_batch(rr_pass_batch);
	rr_pass_batch = NULL;
	return n;
}

noinline int rerandom_step_free(void)
{
	rr_reap();
	return 0;
}

/*
 * One step of RR_STEPS (ID, name): rerandom_step_<name>() between the
 * step tracepoints, whose argument is RR_STEP_<ID>.
 */
#define RR_STEP(id, name) ({				\
	int __ret;					\
							\
	trace_rerandom_step_begin(RR_STEP_##id);	\
	__ret = rerandom_step_##name();			\
	trace_rerandom_step_end(RR_STEP_##id);		\
	__ret;						\
})

/* the steps in the order of RR_STEPS; fixup only when copy placed a body */
noinline int rerandom_pass(void)
{
	u64 t0 = ktime_get_ns(), pass;
	int moved;

	/* a step added to RR_STEPS needs its RR_STEP() here */
	BUILD_BUG_ON(RR_NR_STEPS != 6);
	mutex_lock(&rr_lock);
	pass = rr_stats.passes + 1;	/* rr_stats.passes changes only under rr_lock */
	trace_rerandom_pass_begin(pass);
	moved = RR_STEP(COPY, copy);
	if (moved)
		moved = RR_STEP(FIXUP, fixup);
	RR_STEP(SWITCH, switch);
	RR_STEP(SYNC, sync);
	RR_STEP(GRACE, grace);
	RR_STEP(FREE, free);
	spin_lock(&rr_stats_lock);
	rr_stats.passes++;
	rr_stats.last_pass_ns = ktime_get_ns() - t0;
	rr_stats.pass_ns += rr_stats.last_pass_ns;
	spin_unlock(&rr_stats_lock);
	trace_rerandom_pass_end(pass, 0, moved);
	mutex_unlock(&rr_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(rerandom_pass);

/* --- rr_passd -------------------------------------------------------------- */
static struct task_struct *rr_pass_task;

/*
 * The longest the pass thread sleeps after an overrun: it stays responsive
 * to a new period_ms and to kthread_stop() (usleep_range() is not cut short).
 */
#define RR_OVERRUN_SLEEP_MAX_US	(1000 * USEC_PER_MSEC)

/*
 * A pass every period_ms, at a fixed rate: the sleep is what the pass left.
 * A pass that ends after the next one was due is an overrun (stats
 * "overruns"): the schedule starts again from its end, and the thread still
 * sleeps, as long as that pass took (at most RR_OVERRUN_SLEEP_MAX_US).
 * Passing straight on to the next pass with only cond_resched() kept one
 * CPU of a slow guest (TCG, a loaded host: kick_all_cpus_sync() waits for
 * every vCPU) busy with passes for as long as they stayed slow, and the
 * thread never slept: a task preempted at cond_resched() has made no
 * voluntary context switch, so it holds up every RCU Tasks grace period
 * (kprobe optimization, ftrace, BPF trampolines) until it sleeps. Now every
 * pass is followed by a sleep, and passes that fall behind take at most
 * about half of a CPU.
 */
static int rr_pass_fn(void *unused)
{
	u64 next = ktime_get_ns();

	while (!kthread_should_stop()) {
		unsigned int p = READ_ONCE(rr_period_ms);
		u64 now, start, us;

		if (!p) {
			wait_event_interruptible(rr_wq, kthread_should_stop() ||
						 READ_ONCE(rr_period_ms));
			next = ktime_get_ns();
			continue;
		}
		start = ktime_get_ns();
		rerandom_pass();
		next += p * NSEC_PER_MSEC;
		now = ktime_get_ns();
		if (now < next) {
			us = div_u64(next - now, NSEC_PER_USEC);
		} else {
			rr_count(&rr_stats.overruns, 1);
			us = min_t(u64, div_u64(now - start, NSEC_PER_USEC),
				   RR_OVERRUN_SLEEP_MAX_US);
			next = now + us * NSEC_PER_USEC;
		}
		usleep_range(us, us + 50);
	}
	return 0;
}

int rr_pass_thread_start(void)
{
	rr_pass_task = kthread_run(rr_pass_fn, NULL, "rr_passd");
	if (IS_ERR(rr_pass_task)) {
		int err = PTR_ERR(rr_pass_task);

		pr_err("cannot start the pass thread rr_passd: %d\n", err);
		return err;
	}
	return 0;
}

void rr_pass_thread_stop(void)
{
	kthread_stop(rr_pass_task);
}
