// SPDX-License-Identifier: GPL-2.0
/*
 * arch_arm64.c: the arm64 side of a hit. arm64 traps before the store, and
 * the kernel steps over it only for events that use perf's default
 * overflow handler (uses_default_overflow_handler() in
 * arch/arm64/kernel/hw_breakpoint.c); any other handler re-fires forever
 * (the original research's second question). So a plain store, decoded by
 * the shared decoder (include/a64_store.h), is done here and skipped;
 * anything else is handed to the kernel's single-step for one re-trap, and
 * an exclusive store gets a short blind window. See wp_arch_hit() and
 * docs/watchpoint.md.
 *
 * The debug registers are reached through generated accessors (see
 * WP_GEN_WB_ACCESSORS). Everything called from the trap is NOKPROBE_SYMBOL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/hw_breakpoint.h>
#include <linux/percpu.h>
#include <linux/irq_work.h>
#include <linux/hrtimer.h>
#include <linux/stacktrace.h>
#include <linux/uaccess.h>
#include <asm/unaligned.h>
#include <asm/hw_breakpoint.h>
#include "a64_store.h"
#include "wp_internal.h"

/* perf's default overflow handler, read from a dummy event at load. */
static perf_overflow_handler_t wp_step_handler;

/*
 * Set when a hit is left to the kernel's single-step (see wp_arch_hit): the
 * instruction has not run yet, so a trap with the same event, pc, task and
 * registers is that instruction again, not a new access.
 */
struct wp_retrap {
	struct perf_event *bp;
	unsigned long pc;
	struct task_struct *task;
	u64 sig;
};
static DEFINE_PER_CPU(struct wp_retrap, wp_retrap);

/*
 * A store-exclusive (STXR) that traps can never succeed: the exception
 * return clears the exclusive monitor, the LDXR/STXR loop retries and traps
 * again, forever. So its slot is switched off on this CPU for one short
 * window (the retry runs unwatched) and switched on again by a timer.
 */
#define WP_BLIND_NS	(500 * NSEC_PER_USEC)

struct wp_rearm {
	struct irq_work work;
	struct hrtimer timer;
	struct perf_event *bp;	/* slot switched off for this event */
	int slot;
};
static DEFINE_PER_CPU(struct wp_rearm, wp_rearm);

/* ---- the debug registers, by number ---- */

/*
 * The register number is part of the instruction, so each of the 16
 * watchpoint register pairs gets generated accessors, as
 * arch/arm64/kernel/hw_breakpoint.c generates its switch cases
 * (GEN_READ_WB_REG_CASES). Its case-label macros are not checkpatch-clean,
 * so here a macro generates the functions and a table picks one by number.
 */
#define WP_GEN_WB_ACCESSORS(N)					\
static u64 wp_read_wvr##N(void)					\
{								\
	return read_sysreg(dbgwvr##N##_el1);			\
}								\
NOKPROBE_SYMBOL(wp_read_wvr##N);				\
static u64 wp_read_wcr##N(void)					\
{								\
	return read_sysreg(dbgwcr##N##_el1);			\
}								\
NOKPROBE_SYMBOL(wp_read_wcr##N);				\
static void wp_write_wcr##N(u64 val)				\
{								\
	write_sysreg(val, dbgwcr##N##_el1);			\
}								\
NOKPROBE_SYMBOL(wp_write_wcr##N)

WP_GEN_WB_ACCESSORS(0);
WP_GEN_WB_ACCESSORS(1);
WP_GEN_WB_ACCESSORS(2);
WP_GEN_WB_ACCESSORS(3);
WP_GEN_WB_ACCESSORS(4);
WP_GEN_WB_ACCESSORS(5);
WP_GEN_WB_ACCESSORS(6);
WP_GEN_WB_ACCESSORS(7);
WP_GEN_WB_ACCESSORS(8);
WP_GEN_WB_ACCESSORS(9);
WP_GEN_WB_ACCESSORS(10);
WP_GEN_WB_ACCESSORS(11);
WP_GEN_WB_ACCESSORS(12);
WP_GEN_WB_ACCESSORS(13);
WP_GEN_WB_ACCESSORS(14);
WP_GEN_WB_ACCESSORS(15);

#define WP_WB_OPS(N)	{ wp_read_wvr##N, wp_read_wcr##N, wp_write_wcr##N }

static const struct wp_wb_ops {
	u64 (*read_wvr)(void);
	u64 (*read_wcr)(void);
	void (*write_wcr)(u64 val);
} wp_wb_ops[ARM_MAX_WRP] = {
	WP_WB_OPS(0), WP_WB_OPS(1), WP_WB_OPS(2), WP_WB_OPS(3),
	WP_WB_OPS(4), WP_WB_OPS(5), WP_WB_OPS(6), WP_WB_OPS(7),
	WP_WB_OPS(8), WP_WB_OPS(9), WP_WB_OPS(10), WP_WB_OPS(11),
	WP_WB_OPS(12), WP_WB_OPS(13), WP_WB_OPS(14), WP_WB_OPS(15),
};

/* DBGWVR<n>_EL1 */
static u64 wp_read_wvr(int n)
{
	if (WARN_ON_ONCE(n < 0 || n >= ARM_MAX_WRP))
		return 0;
	return wp_wb_ops[n].read_wvr();
}
NOKPROBE_SYMBOL(wp_read_wvr);

/* DBGWCR<n>_EL1 */
static u64 wp_read_wcr(int n)
{
	if (WARN_ON_ONCE(n < 0 || n >= ARM_MAX_WRP))
		return 0;
	return wp_wb_ops[n].read_wcr();
}
NOKPROBE_SYMBOL(wp_read_wcr);

static void wp_write_wcr(int n, u64 val)
{
	if (WARN_ON_ONCE(n < 0 || n >= ARM_MAX_WRP))
		return;
	wp_wb_ops[n].write_wcr(val);
	isb();
}
NOKPROBE_SYMBOL(wp_write_wcr);

/* This CPU's watchpoint register that holds @bp, or -1. */
static int wp_find_slot(struct perf_event *bp)
{
	struct arch_hw_breakpoint *info = counter_arch_bp(bp);
	int n, nr = 1 + ((read_sysreg(id_aa64dfr0_el1) >> 20) & 0xf);
	u64 wcr;

	for (n = 0; n < nr && n < ARM_MAX_WRP; n++) {
		wcr = wp_read_wcr(n);
		if ((wcr & 1) &&
		    wp_read_wvr(n) == info->address &&
		    ((wcr >> 5) & 0xff) == info->ctrl.len)
			return n;
	}
	return -1;
}
NOKPROBE_SYMBOL(wp_find_slot);

/* ---- the blind window of an exclusive store ---- */

static enum hrtimer_restart wp_rearm_timer(struct hrtimer *t)
{
	struct wp_rearm *ra = container_of(t, struct wp_rearm, timer);
	struct perf_event *bp = READ_ONCE(ra->bp);
	u64 wcr;

	if (bp && wp_read_wvr(ra->slot) == counter_arch_bp(bp)->address) {
		wcr = wp_read_wcr(ra->slot);
		wp_write_wcr(ra->slot, wcr | 1);
	}
	WRITE_ONCE(ra->bp, NULL);
	return HRTIMER_NORESTART;
}

static void wp_rearm_work(struct irq_work *w)
{
	struct wp_rearm *ra = container_of(w, struct wp_rearm, work);

	hrtimer_start(&ra->timer, ns_to_ktime(WP_BLIND_NS),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

/* Called on the CPU itself before its event of @bp goes away. */
void wp_arch_cpu_offline(unsigned int cpu, struct perf_event *bp)
{
	struct wp_rearm *ra = per_cpu_ptr(&wp_rearm, cpu);

	if (READ_ONCE(ra->bp) != bp)
		return;
	irq_work_sync(&ra->work);
	hrtimer_cancel(&ra->timer);
	WRITE_ONCE(ra->bp, NULL);
}

/* Switch the slot off for WP_BLIND_NS; false if that cannot be done. */
static bool wp_blind_window(struct watchpoint_region *r, struct perf_event *bp)
{
	struct wp_rearm *ra = this_cpu_ptr(&wp_rearm);
	int slot;

	if (READ_ONCE(ra->bp))
		return false;
	slot = wp_find_slot(bp);
	if (slot < 0)
		return false;
	wp_write_wcr(slot, wp_read_wcr(slot) & ~1ULL);
	ra->slot = slot;
	WRITE_ONCE(ra->bp, bp);
	irq_work_queue(&ra->work);
	atomic64_inc(&r->blind);
	return true;
}
NOKPROBE_SYMBOL(wp_blind_window);

/* ---- the store: decoded, refused or done here ---- */

/* A fingerprint of the trapped state (an FNV-1a over the registers). */
static u64 wp_regs_sig(struct pt_regs *regs)
{
	u64 h = 0xcbf29ce484222325ULL ^ regs->sp ^ regs->pstate;
	int i;

	for (i = 0; i < 31; i++)
		h = (h ^ regs->regs[i]) * 0x100000001b3ULL;
	return h;
}
NOKPROBE_SYMBOL(wp_regs_sig);

/* The store at regs->pc (the CPU has not executed it yet), decoded. */
static bool wp_decode(struct pt_regs *regs, struct a64_store *st)
{
	struct a64_regs ar;
	u32 insn;
	int i;

	if (copy_from_kernel_nofault(&insn, (void *)regs->pc, sizeof(insn)))
		return false;
	insn = le32_to_cpu((__force __le32)insn);
	for (i = 0; i < 31; i++)
		ar.x[i] = regs->regs[i];
	ar.sp = regs->sp;
	return a64_decode_store(insn, &ar, st);
}
NOKPROBE_SYMBOL(wp_decode);

/*
 * Why a decoded store cannot be done here by plain stores (then the kernel
 * single-steps it), or NULL if it can.
 */
static const char *wp_refusal(const struct a64_store *st)
{
	switch (st->kind) {
	case A64_ST_PLAIN:
		break;
	case A64_ST_UNPRIV:
		return "STTR is checked with EL0 permissions";
	case A64_ST_RELEASE:
		return "a release store orders earlier accesses";
	case A64_ST_EXCL:
		return "an exclusive store depends on the exclusive monitor";
	default:
		return "an atomic reads memory as it writes";
	}
	if (st->wb_reg == 31)
		return "EL1 exception return does not restore SP from pt_regs";
	if (st->wb_overlap)
		return "the written-back base is also a source (unpredictable)";
	return NULL;
}
NOKPROBE_SYMBOL(wp_refusal);

/* Do the decoded store, as the instruction would; false if it faults. */
static bool wp_store_nofault(const struct a64_store *st)
{
	unsigned int n = st->size > 8 ? 8 : st->size, i;
	unsigned long a = st->addr;
	u64 v;

	for (i = 0; i < st->size; i += n, a += n) {
		v = get_unaligned_le64(st->bytes + i);
		switch (n) {
		case 1:
			__put_kernel_nofault((u8 *)a, &v, u8, efault);
			break;
		case 2:
			__put_kernel_nofault((u16 *)a, &v, u16, efault);
			break;
		case 4:
			__put_kernel_nofault((u32 *)a, &v, u32, efault);
			break;
		default:
			__put_kernel_nofault((u64 *)a, &v, u64, efault);
			break;
		}
	}
	return true;
efault:
	return false;
}
NOKPROBE_SYMBOL(wp_store_nofault);

/*
 * arm64 traps before the access, and the kernel single-steps it only for
 * events that use perf's default overflow handler. Single-stepping loses to
 * interrupts: an IRQ taken at the exception return consumes the step, the
 * kernel re-enables the watchpoints in it, and the store traps a second time.
 * So a store we can decode is done here (the watchpoints are masked in the
 * debug exception) and skipped: exactly one hit, old value before it, new
 * value after it. Anything else is counted once, then this CPU's event is
 * made to look default-handled (orig_overflow_handler, which
 * uses_default_overflow_handler() accepts in 6.1 with BPF_SYSCALL) so that
 * the immediate re-trap of the same instruction is single-stepped by the
 * kernel; that re-trap is not counted again.
 */
bool wp_arch_hit(struct watchpoint_region *r, struct perf_event *bp,
		 struct pt_regs *regs, struct watchpoint_hit *hit)
{
	struct wp_retrap *rt = this_cpu_ptr(&wp_retrap);
	struct a64_store st;
	bool stepping = READ_ONCE(bp->orig_overflow_handler) != NULL;
	bool decoded, emulate;
	const char *why = "not a general-register store";
	u64 sig = wp_regs_sig(regs);

	if (rt->bp == bp && rt->pc == regs->pc && rt->task == current &&
	    rt->sig == sig) {
		/*
		 * Already counted. Stepping: the kernel steps it now. Not
		 * stepping (an interrupt took the step and the kernel switched
		 * the watchpoints back on): ask for the step again.
		 */
		WRITE_ONCE(bp->orig_overflow_handler,
			   stepping ? NULL : wp_step_handler);
		return false;
	}
	if (stepping)
		WRITE_ONCE(bp->orig_overflow_handler, NULL);
	rt->bp = NULL;

	hit->addr = counter_arch_bp(bp)->trigger;
	hit->ip = instruction_pointer(regs);
	decoded = wp_decode(regs, &st);
	if (decoded)
		why = wp_refusal(&st);
	emulate = decoded && !why;
	if (emulate)
		hit->val_addr = r->mask ? (st.addr & ~7UL) : r->addr;
	else
		hit->val_addr = r->mask ? (hit->addr & ~7UL) : r->addr;
	hit->val_addr = clamp(hit->val_addr, r->addr,
			      r->addr + r->size - (r->mask ? 8 : r->len));
	hit->val_len = r->mask ? 8 : r->len;
	hit->old_val = wp_read(hit->val_addr, hit->val_len);

	if (emulate && wp_store_nofault(&st)) {
		if (st.wb_reg >= 0)
			regs->regs[st.wb_reg] = st.wb_val;
		regs->pc += 4;
		hit->new_val = wp_read(hit->val_addr, hit->val_len);
		return true;
	}
	if (!emulate)
		pr_debug_ratelimited("store at %pS not done here: %s\n",
				     (void *)hit->ip, why);
	hit->new_val = hit->old_val;
	hit->flags |= WATCHPOINT_HIT_NEW_UNKNOWN;
	/* an LDXR/STXR loop: let its retry run unwatched (no step needed) */
	if (decoded && st.kind == A64_ST_EXCL && wp_blind_window(r, bp))
		return true;
	/*
	 * Not emulated: the kernel steps it, now if this trap was already
	 * marked for stepping, else on the re-trap. Either way a re-trap of
	 * it is recognised and not counted again.
	 */
	rt->bp = bp;
	rt->pc = regs->pc;
	rt->task = current;
	rt->sig = sig;
	if (!stepping)
		WRITE_ONCE(bp->orig_overflow_handler, wp_step_handler);
	return true;
}
NOKPROBE_SYMBOL(wp_arch_hit);

/* The address that the allow-list compares: the store itself. */
unsigned long wp_insn_addr(const struct watchpoint_hit *hit)
{
	return hit->ip;
}
NOKPROBE_SYMBOL(wp_insn_addr);

/*
 * The writer's stack: drop the frames of the debug exception itself, up to
 * the trapped store at @ip (regs->pc has moved past an emulated store).
 */
unsigned int wp_stack(struct pt_regs *regs, unsigned long ip,
		      unsigned long *e, unsigned int max)
{
	unsigned int n = stack_trace_save(e, max, 0), i;

	for (i = 0; i < n; i++) {
		if (e[i] == ip) {
			memmove(e, e + i, (n - i) * sizeof(*e));
			return n - i;
		}
	}
	return n;
}
NOKPROBE_SYMBOL(wp_stack);

/* ---- load and unload ---- */

static int wp_find_step_handler(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_DUMMY,
		.disabled = 1,
	};
	struct perf_event *ev;

	if (!IS_ENABLED(CONFIG_BPF_SYSCALL)) {
		pr_err("this arm64 kernel lacks CONFIG_BPF_SYSCALL, which the single-step after a hit relies on\n");
		return -EOPNOTSUPP;
	}
	ev = perf_event_create_kernel_counter(&attr,
					      cpumask_first(cpu_online_mask),
					      NULL, NULL, NULL);
	if (IS_ERR(ev)) {
		pr_err("cannot create a dummy perf event: error %ld\n",
		       PTR_ERR(ev));
		return PTR_ERR(ev);
	}
	wp_step_handler = ev->overflow_handler;
	perf_event_release_kernel(ev);
	return 0;
}

int wp_arch_init(void)
{
	struct wp_rearm *ra;
	int cpu, err;

	err = wp_find_step_handler();
	if (err)
		return err;
	for_each_possible_cpu(cpu) {
		ra = per_cpu_ptr(&wp_rearm, cpu);
		init_irq_work(&ra->work, wp_rearm_work);
		hrtimer_init(&ra->timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED_HARD);
		ra->timer.function = wp_rearm_timer;
	}
	return 0;
}

void wp_arch_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		irq_work_sync(&per_cpu_ptr(&wp_rearm, cpu)->work);
		hrtimer_cancel(&per_cpu_ptr(&wp_rearm, cpu)->timer);
	}
}
