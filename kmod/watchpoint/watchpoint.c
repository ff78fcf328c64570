// SPDX-License-Identifier: GPL-2.0
/*
 * watchpoint.ko: watch an exported kernel symbol with a hardware watchpoint
 * on every online CPU (CPUs that come online later included) and call every
 * registered callback exactly once per write, on x86_64 and arm64.
 *
 * Parameters: ksym, offset, len, type, mask, writer, period_ms, dump_stack,
 * allow_writer (see MODULE_PARM_DESC below and docs/watchpoint.md).
 * State: /sys/kernel/debug/watchpoint/. API: kmod/include/watchpoint.h.
 *
 * arm64 traps before the store, and the kernel steps over it only for events
 * that use perf's default overflow handler (uses_default_overflow_handler()
 * in arch/arm64/kernel/hw_breakpoint.c); any other handler re-fires forever
 * (the seed's second question). Here a decoded store is done by the handler
 * and skipped; anything else is handed to the kernel's single-step for one
 * re-trap. See wp_arch_hit() and docs/watchpoint.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/kallsyms.h>
#include <linux/perf_event.h>
#include <linux/hw_breakpoint.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/random.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/stacktrace.h>
#include <linux/ratelimit.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/irq_work.h>
#include <linux/hrtimer.h>
#include <asm/unaligned.h>
#ifdef CONFIG_X86
#include <asm/unwind.h>
#endif
#include <asm/hw_breakpoint.h>
#include "watchpoint.h"

/* ---- parameters ---------------------------------------------------------- */

static char ksym_name[KSYM_NAME_LEN] = "trampolines";
module_param_string(ksym, ksym_name, KSYM_NAME_LEN, 0444);
MODULE_PARM_DESC(ksym, "exported symbol to watch (default trampolines)");

static unsigned long offset;
module_param(offset, ulong, 0444);
MODULE_PARM_DESC(offset, "byte offset into ksym, aligned to len (default 0)");

static unsigned int len = 8;
module_param(len, uint, 0444);
MODULE_PARM_DESC(len, "bytes watched: 1, 2, 4 or 8 (default 8)");

static char type_str[4] = "w";
module_param_string(type, type_str, sizeof(type_str), 0444);
MODULE_PARM_DESC(type, "access: w, rw, or r (arm64 only) (default w)");

static unsigned int mask;
module_param(mask, uint, 0444);
MODULE_PARM_DESC(mask, "arm64 MASK: watch 2^mask bytes (3..31, patched kernel)");

static char writer_str[8] = "off";
module_param_string(writer, writer_str, sizeof(writer_str), 0444);
MODULE_PARM_DESC(writer, "demo writer tl_writer: off, random or sweep");

static unsigned int period_ms = 100;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "demo writer period in ms (1..60000, default 100)");

static bool dump_stack_on = true;
module_param_named(dump_stack, dump_stack_on, bool, 0644);
MODULE_PARM_DESC(dump_stack, "default callback dumps the stack (rate-limited)");

static bool allow_writer;
module_param(allow_writer, bool, 0444);
MODULE_PARM_DESC(allow_writer, "allow-list the demo writer's store function");

/* ---- regions --------------------------------------------------------------- */

#define WP_MAX_ALLOW	16
#define WP_STACK	24

enum { WP_ALLOW_FREE, WP_ALLOW_FUNC, WP_ALLOW_TASK };

struct wp_allow {
	int kind;
	unsigned long start, end;
	pid_t pid;
};

struct wp_last {
	bool valid;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	int cpu;
	unsigned int flags;
	unsigned long addr, ip;
	u64 old_val, new_val;
	unsigned int nr_stack;
	unsigned long stack[WP_STACK];
};

struct watchpoint_region {
	struct list_head node;		/* in wp_regions, under wp_lock */
	struct hlist_node cpuhp;
	int users;			/* under wp_lock */
	bool adding;			/* first cpuhp pass: errors fail */
	unsigned long addr;
	unsigned long size;		/* bytes covered */
	unsigned int len;		/* len parameter (1, 2, 4, 8) */
	unsigned int type;
	unsigned int mask;
	struct perf_event * __percpu *events;
	struct cpumask cpus;		/* CPUs with a live event */
	atomic_t cpus_missed;		/* CPUs onlined without a free slot */
	struct list_head callbacks;	/* RCU */
	struct wp_allow allow[WP_MAX_ALLOW];
	atomic64_t hits, violations, allowed, new_unknown, last_skipped;
	atomic64_t blind;		/* arm64: LL/SC blind windows */
	u64 shadow;			/* x86: value after the last write */
	raw_spinlock_t last_lock;
	struct wp_last last, last_violation;
};

static DEFINE_MUTEX(wp_lock);
static LIST_HEAD(wp_regions);
static int wp_hp_state = -1;

#ifdef CONFIG_ARM64
/* perf's default overflow handler, read from a dummy event at load. */
static perf_overflow_handler_t wp_step_handler;
#endif

/* ---- reading values, decoding stores ------------------------------------------ */

static u64 wp_read(unsigned long addr, unsigned int n)
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

#ifdef CONFIG_ARM64
struct wp_store {
	unsigned long addr;	/* first byte written */
	unsigned int size;	/* bytes written (up to 16) */
	u8 data[16 + 8];	/* padded for 8-byte reads */
	int wb_reg;		/* base register written back, or -1 */
	u64 wb_val;
};

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

/* DBGWVR<n>_EL1 / DBGWCR<n>_EL1 by number (the register is in the opcode). */
static u64 wp_wvr_read(int n)
{
	u64 v = 0;

	switch (n) {
	case 0:
		AARCH64_DBG_READ(0, wvr, v);
		break;
	case 1:
		AARCH64_DBG_READ(1, wvr, v);
		break;
	case 2:
		AARCH64_DBG_READ(2, wvr, v);
		break;
	case 3:
		AARCH64_DBG_READ(3, wvr, v);
		break;
	case 4:
		AARCH64_DBG_READ(4, wvr, v);
		break;
	case 5:
		AARCH64_DBG_READ(5, wvr, v);
		break;
	case 6:
		AARCH64_DBG_READ(6, wvr, v);
		break;
	case 7:
		AARCH64_DBG_READ(7, wvr, v);
		break;
	case 8:
		AARCH64_DBG_READ(8, wvr, v);
		break;
	case 9:
		AARCH64_DBG_READ(9, wvr, v);
		break;
	case 10:
		AARCH64_DBG_READ(10, wvr, v);
		break;
	case 11:
		AARCH64_DBG_READ(11, wvr, v);
		break;
	case 12:
		AARCH64_DBG_READ(12, wvr, v);
		break;
	case 13:
		AARCH64_DBG_READ(13, wvr, v);
		break;
	case 14:
		AARCH64_DBG_READ(14, wvr, v);
		break;
	case 15:
		AARCH64_DBG_READ(15, wvr, v);
		break;
	}
	return v;
}

static u64 wp_wcr_read(int n)
{
	u64 v = 0;

	switch (n) {
	case 0:
		AARCH64_DBG_READ(0, wcr, v);
		break;
	case 1:
		AARCH64_DBG_READ(1, wcr, v);
		break;
	case 2:
		AARCH64_DBG_READ(2, wcr, v);
		break;
	case 3:
		AARCH64_DBG_READ(3, wcr, v);
		break;
	case 4:
		AARCH64_DBG_READ(4, wcr, v);
		break;
	case 5:
		AARCH64_DBG_READ(5, wcr, v);
		break;
	case 6:
		AARCH64_DBG_READ(6, wcr, v);
		break;
	case 7:
		AARCH64_DBG_READ(7, wcr, v);
		break;
	case 8:
		AARCH64_DBG_READ(8, wcr, v);
		break;
	case 9:
		AARCH64_DBG_READ(9, wcr, v);
		break;
	case 10:
		AARCH64_DBG_READ(10, wcr, v);
		break;
	case 11:
		AARCH64_DBG_READ(11, wcr, v);
		break;
	case 12:
		AARCH64_DBG_READ(12, wcr, v);
		break;
	case 13:
		AARCH64_DBG_READ(13, wcr, v);
		break;
	case 14:
		AARCH64_DBG_READ(14, wcr, v);
		break;
	case 15:
		AARCH64_DBG_READ(15, wcr, v);
		break;
	}
	return v;
}

static void wp_wcr_write(int n, u64 v)
{
	switch (n) {
	case 0:
		AARCH64_DBG_WRITE(0, wcr, v);
		break;
	case 1:
		AARCH64_DBG_WRITE(1, wcr, v);
		break;
	case 2:
		AARCH64_DBG_WRITE(2, wcr, v);
		break;
	case 3:
		AARCH64_DBG_WRITE(3, wcr, v);
		break;
	case 4:
		AARCH64_DBG_WRITE(4, wcr, v);
		break;
	case 5:
		AARCH64_DBG_WRITE(5, wcr, v);
		break;
	case 6:
		AARCH64_DBG_WRITE(6, wcr, v);
		break;
	case 7:
		AARCH64_DBG_WRITE(7, wcr, v);
		break;
	case 8:
		AARCH64_DBG_WRITE(8, wcr, v);
		break;
	case 9:
		AARCH64_DBG_WRITE(9, wcr, v);
		break;
	case 10:
		AARCH64_DBG_WRITE(10, wcr, v);
		break;
	case 11:
		AARCH64_DBG_WRITE(11, wcr, v);
		break;
	case 12:
		AARCH64_DBG_WRITE(12, wcr, v);
		break;
	case 13:
		AARCH64_DBG_WRITE(13, wcr, v);
		break;
	case 14:
		AARCH64_DBG_WRITE(14, wcr, v);
		break;
	case 15:
		AARCH64_DBG_WRITE(15, wcr, v);
		break;
	}
	isb();
}

/* This CPU's watchpoint register that holds @bp, or -1. */
static int wp_find_slot(struct perf_event *bp)
{
	struct arch_hw_breakpoint *info = counter_arch_bp(bp);
	int n, nr = 1 + ((read_sysreg(id_aa64dfr0_el1) >> 20) & 0xf);
	u64 wcr;

	for (n = 0; n < nr && n < 16; n++) {
		wcr = wp_wcr_read(n);
		if ((wcr & 1) && wp_wvr_read(n) == info->address &&
		    ((wcr >> 5) & 0xff) == info->ctrl.len)
			return n;
	}
	return -1;
}

static enum hrtimer_restart wp_rearm_timer(struct hrtimer *t)
{
	struct wp_rearm *ra = container_of(t, struct wp_rearm, timer);
	struct perf_event *bp = READ_ONCE(ra->bp);

	if (bp && wp_wvr_read(ra->slot) == counter_arch_bp(bp)->address)
		wp_wcr_write(ra->slot, wp_wcr_read(ra->slot) | 1);
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
static void wp_rearm_cancel(unsigned int cpu, struct perf_event *bp)
{
	struct wp_rearm *ra = per_cpu_ptr(&wp_rearm, cpu);

	if (READ_ONCE(ra->bp) != bp)
		return;
	irq_work_sync(&ra->work);
	hrtimer_cancel(&ra->timer);
	WRITE_ONCE(ra->bp, NULL);
}

static void wp_rearm_init(void)
{
	struct wp_rearm *ra;
	int cpu;

	for_each_possible_cpu(cpu) {
		ra = per_cpu_ptr(&wp_rearm, cpu);
		init_irq_work(&ra->work, wp_rearm_work);
		hrtimer_init(&ra->timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED_HARD);
		ra->timer.function = wp_rearm_timer;
	}
}

static void wp_rearm_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		irq_work_sync(&per_cpu_ptr(&wp_rearm, cpu)->work);
		hrtimer_cancel(&per_cpu_ptr(&wp_rearm, cpu)->timer);
	}
}

static bool wp_is_store_exclusive(struct pt_regs *regs)
{
	u32 insn;

	if (copy_from_kernel_nofault(&insn, (void *)regs->pc, sizeof(insn)))
		return false;
	insn = le32_to_cpu((__force __le32)insn);
	/* STXR, STLXR, STXP, STLXP (any size) */
	return (insn & 0x3fc00000) == 0x08000000;
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
	wp_wcr_write(slot, wp_wcr_read(slot) & ~1ULL);
	ra->slot = slot;
	WRITE_ONCE(ra->bp, bp);
	irq_work_queue(&ra->work);
	atomic64_inc(&r->blind);
	return true;
}

/* A fingerprint of the trapped state (an FNV-1a over the registers). */
static u64 wp_regs_sig(struct pt_regs *regs)
{
	u64 h = 0xcbf29ce484222325ULL ^ regs->sp ^ regs->pstate;
	int i;

	for (i = 0; i < 31; i++)
		h = (h ^ regs->regs[i]) * 0x100000001b3ULL;
	return h;
}

static u64 wp_xreg(struct pt_regs *regs, u32 n, bool sp)
{
	if (n == 31)
		return sp ? regs->sp : 0;
	return regs->regs[n];
}

/*
 * Decode the general-purpose store at regs->pc (the CPU has not executed it
 * yet): STR/STRB/STRH (unsigned offset, unscaled, pre/post-index, register
 * offset) and STP/STNP of W or X registers. Anything else (atomics,
 * exclusives, release stores, STTR, SIMD, DC ZVA, SP write-back) returns
 * false and is left to the kernel's single-step.
 */
static bool wp_decode_store(struct pt_regs *regs, struct wp_store *st)
{
	u32 insn, sz, rn, rt, i, idx;
	u64 base, d0, d1 = 0, rm;
	s64 off;
	bool pair = false, post = false, wb = false;

	if (copy_from_kernel_nofault(&insn, (void *)regs->pc, sizeof(insn)))
		return false;
	insn = le32_to_cpu((__force __le32)insn);
	rt = insn & 0x1f;
	rn = (insn >> 5) & 0x1f;
	base = wp_xreg(regs, rn, true);
	sz = insn >> 30;
	if ((insn & 0x3fc00000) == 0x39000000) {
		off = (s64)((insn >> 10) & 0xfff) << sz;
	} else if ((insn & 0x3fe00000) == 0x38000000) {
		off = sign_extend64((insn >> 12) & 0x1ff, 8);
		switch ((insn >> 10) & 3) {
		case 1:				/* post-index */
			post = true;
			wb = true;
			break;
		case 2:				/* STTR: an EL0 access */
			return false;
		case 3:				/* pre-index */
			wb = true;
			break;
		}
	} else if ((insn & 0x3fe00c00) == 0x38200800) {
		rm = wp_xreg(regs, (insn >> 16) & 0x1f, false);
		switch ((insn >> 13) & 7) {
		case 2:				/* UXTW */
			off = (u32)rm;
			break;
		case 6:				/* SXTW */
			off = (s32)rm;
			break;
		case 3:				/* LSL */
		case 7:				/* SXTX */
			off = rm;
			break;
		default:
			return false;
		}
		if (insn & BIT(12))
			off <<= sz;
	} else if ((insn & 0x3e400000) == 0x28000000) {
		if (sz == 0)
			sz = 2;
		else if (sz == 2)
			sz = 3;
		else
			return false;		/* STGP */
		off = sign_extend64((insn >> 15) & 0x7f, 6) * (1 << sz);
		idx = (insn >> 23) & 3;
		post = idx == 1;
		wb = idx == 1 || idx == 3;
		d1 = wp_xreg(regs, (insn >> 10) & 0x1f, false);
		pair = true;
		if (wb && (rn == rt || rn == ((insn >> 10) & 0x1f)))
			return false;		/* unpredictable */
	} else {
		return false;
	}
	/* EL1 exception return does not restore SP from pt_regs */
	if (wb && (rn == 31 || rn == rt))
		return false;
	d0 = wp_xreg(regs, rt, false);
	st->addr = post ? base : base + off;
	st->size = (pair ? 2 : 1) << sz;
	st->wb_reg = wb ? rn : -1;
	st->wb_val = base + off;
	for (i = 0; i < (1U << sz); i++) {
		st->data[i] = d0 >> (8 * i);
		if (pair)
			st->data[(1U << sz) + i] = d1 >> (8 * i);
	}
	return true;
}

/* Do the decoded store, as the instruction would; false if it faults. */
static bool wp_store_nofault(const struct wp_store *st)
{
	unsigned int n = st->size > 8 ? 8 : st->size, i;
	unsigned long a = st->addr;
	u64 v;

	for (i = 0; i < st->size; i += n, a += n) {
		v = get_unaligned_le64(st->data + i);
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
static bool wp_arch_hit(struct watchpoint_region *r, struct perf_event *bp,
			struct pt_regs *regs, struct watchpoint_hit *hit)
{
	struct wp_retrap *rt = this_cpu_ptr(&wp_retrap);
	struct wp_store st;
	bool stepping = READ_ONCE(bp->orig_overflow_handler) != NULL;
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
	if (wp_decode_store(regs, &st)) {
		hit->val_addr = r->mask ? (st.addr & ~7UL) : r->addr;
	} else {
		st.size = 0;
		hit->val_addr = r->mask ? (hit->addr & ~7UL) : r->addr;
	}
	hit->val_addr = clamp(hit->val_addr, r->addr,
			      r->addr + r->size - (r->mask ? 8 : r->len));
	hit->val_len = r->mask ? 8 : r->len;
	hit->old_val = wp_read(hit->val_addr, hit->val_len);

	if (st.size && wp_store_nofault(&st)) {
		if (st.wb_reg >= 0)
			regs->regs[st.wb_reg] = st.wb_val;
		regs->pc += 4;
		hit->new_val = wp_read(hit->val_addr, hit->val_len);
		return true;
	}
	hit->new_val = hit->old_val;
	hit->flags |= WATCHPOINT_HIT_NEW_UNKNOWN;
	/* an LDXR/STXR loop: let its retry run unwatched (no step needed) */
	if (wp_is_store_exclusive(regs) && wp_blind_window(r, bp))
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

/* The address that the allow-list compares: the store itself. */
static unsigned long wp_insn_addr(const struct watchpoint_hit *hit)
{
	return hit->ip;
}
#else
/*
 * x86 traps after the write: new = memory now, old = what the last hit left
 * (the region's shadow, read when the region was created).
 */
static bool wp_arch_hit(struct watchpoint_region *r, struct perf_event *bp,
			struct pt_regs *regs, struct watchpoint_hit *hit)
{
	hit->addr = counter_arch_bp(bp)->address;
	hit->ip = instruction_pointer(regs);
	hit->val_addr = r->addr;
	hit->val_len = r->len;
	hit->new_val = wp_read(r->addr, r->len);
	hit->old_val = xchg(&r->shadow, hit->new_val);
	return true;
}

static void wp_rearm_cancel(unsigned int cpu, struct perf_event *bp)
{
}

static void wp_rearm_init(void)
{
}

static void wp_rearm_exit(void)
{
}

/* ip is the instruction after the write: step back into the writer. */
static unsigned long wp_insn_addr(const struct watchpoint_hit *hit)
{
	return hit->ip - 1;
}
#endif

/* ---- the handler ------------------------------------------------------------- */

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

#ifdef CONFIG_X86
/* The writer's stack, from the trapped registers (the #DB stack stops ORC). */
static unsigned int wp_stack(struct pt_regs *regs, unsigned long ip,
			     unsigned long *e, unsigned int max)
{
	struct unwind_state state;
	unsigned long addr;
	unsigned int n = 1;

	e[0] = ip;		/* the unwind starts at the writer's caller */
	for (unwind_start(&state, current, regs, NULL);
	     !unwind_done(&state) && n < max; unwind_next_frame(&state)) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			break;
		if (addr != ip)
			e[n++] = addr;
	}
	return n;
}
#else
/*
 * The writer's stack: drop the frames of the debug exception itself, up to
 * the trapped store at @ip (regs->pc has moved past an emulated store).
 */
static unsigned int wp_stack(struct pt_regs *regs, unsigned long ip,
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
#endif

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

static void wp_overflow(struct perf_event *bp, struct perf_sample_data *data,
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

/* ---- per-CPU events, following CPU hotplug ------------------------------------------ */

static struct perf_event *wp_event_create(struct watchpoint_region *r,
					  unsigned int cpu)
{
	struct perf_event_attr attr;

	hw_breakpoint_init(&attr);
	attr.bp_addr = r->addr;
	attr.bp_len = r->mask ? r->size : r->len;
	attr.bp_type = r->type;
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
		wp_rearm_cancel(cpu, ev);
		perf_event_release_kernel(ev);
	}
	return 0;
}

/* ---- the API ------------------------------------------------------------------ */

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

struct watchpoint_region *watchpoint_region_get(unsigned long addr,
						unsigned int len,
						unsigned int type,
						unsigned int mask)
{
	struct watchpoint_region *r;
	unsigned long size;
	int err;

	err = wp_check(addr, len, type, mask, &size);
	if (err)
		return ERR_PTR(err);

	mutex_lock(&wp_lock);
	list_for_each_entry(r, &wp_regions, node) {
		if (r->addr == addr && r->size == size && r->type == type &&
		    r->mask == mask) {
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
	INIT_LIST_HEAD(&r->callbacks);
	raw_spin_lock_init(&r->last_lock);
	if (!mask)
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
EXPORT_SYMBOL_GPL(watchpoint_region_get);

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

/* ---- this module's own consumer: ksym, default callback, demo writer ------------ */

enum { WRITER_OFF, WRITER_RANDOM, WRITER_SWEEP };

static struct watchpoint_region *target;
static unsigned long target_sym;
static unsigned int target_type;
static int writer_mode;
static struct task_struct *writer_task;	/* under writer_lock */
static DEFINE_MUTEX(writer_lock);
static atomic64_t writer_writes, writer_writes_watched, callbacks;
static struct dentry *wp_dir;
static DEFINE_RATELIMIT_STATE(wp_ratelimit, 5 * HZ, 10);

static void wp_default_callback(const struct watchpoint_hit *hit, void *data)
{
	atomic64_inc(&callbacks);
	if (!__ratelimit(&wp_ratelimit))
		return;
	pr_info("%s value is changed\n", ksym_name);
	pr_info("%s[%d] on CPU %d at %pS: 0x%lx: 0x%llx -> 0x%llx%s\n",
		hit->comm, hit->pid, hit->cpu, (void *)hit->ip, hit->val_addr,
		hit->old_val, hit->new_val,
		(hit->flags & WATCHPOINT_HIT_NEW_UNKNOWN) ? " (new: unknown)" : "");
	if (READ_ONCE(dump_stack_on)) {
		pr_info("Dump stack from watchpoint_handler\n");
		dump_stack();
	}
}

static struct watchpoint_callback wp_default_cb = {
	.func = wp_default_callback,
};

/* The demo writer's one store, in a function of its own for the allow-list. */
static noinline void tl_writer_store(u64 *where, u64 value)
{
	WRITE_ONCE(*where, value);
}

/*
 * The seed's tl_writer, without its bug: it never disables preemption (the
 * seed's get_cpu() had no put_cpu(), so its msleep() slept atomic) and never
 * touches the breakpoints.
 */
static int tl_writer_fn(void *unused)
{
	unsigned long lo = 0, n = TRAMPOLINE_LEN, tstart, tend, i = 0;
	unsigned long idx, a;

	/* random: the entries that overlap the watched range, if any */
	tstart = (unsigned long)trampolines;
	tend = tstart + sizeof(trampolines);
	if (target->addr < tend && target->addr + target->size > tstart) {
		lo = (max(target->addr, tstart) - tstart) / sizeof(u64);
		n = (min(target->addr + target->size, tend) - tstart +
		     sizeof(u64) - 1) / sizeof(u64) - lo;
	}
	pr_info("Kernel thread start: tl_writer writes trampolines[] (%s), every %u ms\n",
		writer_str, period_ms);
	while (!kthread_should_stop()) {
		if (writer_mode == WRITER_SWEEP)
			idx = TRAMPOLINE_LEN - 1 - (i % TRAMPOLINE_LEN);
		else
			idx = lo + get_random_u32() % n;
		i++;
		a = (unsigned long)&trampolines[idx];
		if (writer_mode == WRITER_SWEEP)
			pr_info("%luth entry in trampolines 0x%lx\n", idx, a);
		tl_writer_store(&trampolines[idx], 0xd61f0000);
		atomic64_inc(&writer_writes);
		if (a < target->addr + target->size &&
		    a + sizeof(u64) > target->addr)
			atomic64_inc(&writer_writes_watched);
		schedule_timeout_interruptible(msecs_to_jiffies(period_ms));
	}
	return 0;
}

/* ---- debugfs --------------------------------------------------------------- */

static const char *wp_type_name(unsigned int t)
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
	seq_printf(m, "symbol %s\n", ksym_name);
	seq_printf(m, "symbol_address 0x%lx\n", target_sym);
	seq_printf(m, "offset %lu\n", offset);
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
	wp_show_last(m, target, false);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(last);

static int last_violation_show(struct seq_file *m, void *v)
{
	wp_show_last(m, target, true);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(last_violation);

static int allow_show(struct seq_file *m, void *v)
{
	struct wp_allow *a;
	int i;

	mutex_lock(&wp_lock);
	for (i = 0; i < WP_MAX_ALLOW; i++) {
		a = &target->allow[i];
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

	seq_puts(m, "address size type mask users callbacks hits violations allowed cpus\n");
	mutex_lock(&wp_lock);
	list_for_each_entry(r, &wp_regions, node) {
		n = 0;
		list_for_each_entry(cb, &r->callbacks, node)
			n++;
		seq_printf(m, "0x%lx %lu %s %u %d %d %lld %lld %lld %*pbl\n",
			   r->addr, r->size, wp_type_name(r->type), r->mask,
			   r->users, n, atomic64_read(&r->hits),
			   atomic64_read(&r->violations),
			   atomic64_read(&r->allowed),
			   cpumask_pr_args(&r->cpus));
	}
	mutex_unlock(&wp_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(regions);

static void wp_writer_stop(void)
{
	mutex_lock(&writer_lock);
	if (!IS_ERR_OR_NULL(writer_task))
		kthread_stop(writer_task);
	writer_task = NULL;
	mutex_unlock(&writer_lock);
}

static int wp_writer_start(int mode)
{
	struct task_struct *t;
	int err = 0;

	mutex_lock(&writer_lock);
	if (!IS_ERR_OR_NULL(writer_task)) {
		err = -EBUSY;
		goto out_unlock;
	}
	writer_mode = mode;
	strscpy(writer_str, mode == WRITER_SWEEP ? "sweep" : "random",
		sizeof(writer_str));
	t = kthread_run(tl_writer_fn, NULL, "tl_writer");
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		pr_err("Could not run kthread tl_writer: error %d\n", err);
		goto out_unlock;
	}
	writer_task = t;
out_unlock:
	mutex_unlock(&writer_lock);
	return err;
}

/* "stop", "random" or "sweep": stop or start the demo writer. */
static ssize_t writer_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char buf[8], *cmd;
	int err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	cmd = strim(buf);
	if (!strcmp(cmd, "stop")) {
		wp_writer_stop();
		return count;
	}
	if (!strcmp(cmd, "random"))
		err = wp_writer_start(WRITER_RANDOM);
	else if (!strcmp(cmd, "sweep"))
		err = wp_writer_start(WRITER_SWEEP);
	else
		err = -EINVAL;
	return err ? err : count;
}

static int writer_show(struct seq_file *m, void *v)
{
	mutex_lock(&writer_lock);
	seq_printf(m, "%s %s\n", writer_str,
		   IS_ERR_OR_NULL(writer_task) ? "stopped" : "running");
	mutex_unlock(&writer_lock);
	return 0;
}

static int writer_open(struct inode *inode, struct file *file)
{
	return single_open(file, writer_show, NULL);
}

static const struct file_operations writer_fops = {
	.owner = THIS_MODULE,
	.open = writer_open,
	.read = seq_read,
	.write = writer_write,
	.llseek = seq_lseek,
	.release = single_release,
};

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

static void wp_debugfs_init(void)
{
	wp_dir = debugfs_create_dir("watchpoint", NULL);
	debugfs_create_file("target", 0444, wp_dir, NULL, &target_fops);
	debugfs_create_file("last", 0444, wp_dir, NULL, &last_fops);
	debugfs_create_file("last_violation", 0444, wp_dir, NULL,
			    &last_violation_fops);
	debugfs_create_file("allow", 0444, wp_dir, NULL, &allow_fops);
	debugfs_create_file("regions", 0444, wp_dir, NULL, &regions_fops);
	debugfs_create_file("writer", 0644, wp_dir, NULL, &writer_fops);
	wp_debugfs_counter("hits", &target->hits);
	wp_debugfs_counter("violations", &target->violations);
	wp_debugfs_counter("allowed", &target->allowed);
	wp_debugfs_counter("new_unknown", &target->new_unknown);
	wp_debugfs_counter("blind_windows", &target->blind);
	wp_debugfs_counter("callbacks", &callbacks);
	wp_debugfs_counter("writes", &writer_writes);
	wp_debugfs_counter("writes_watched", &writer_writes_watched);
}

/* ---- load and unload ----------------------------------------------------------- */

static int wp_parse_params(void)
{
	if (!strcmp(type_str, "w")) {
		target_type = HW_BREAKPOINT_W;
	} else if (!strcmp(type_str, "rw")) {
		target_type = HW_BREAKPOINT_RW;
	} else if (!strcmp(type_str, "r")) {
		target_type = HW_BREAKPOINT_R;
	} else {
		pr_err("type=%s is not one of w, rw, r\n", type_str);
		return -EINVAL;
	}
	if (!strcmp(writer_str, "off")) {
		writer_mode = WRITER_OFF;
	} else if (!strcmp(writer_str, "random")) {
		writer_mode = WRITER_RANDOM;
	} else if (!strcmp(writer_str, "sweep")) {
		writer_mode = WRITER_SWEEP;
	} else {
		pr_err("writer=%s is not one of off, random, sweep\n",
		       writer_str);
		return -EINVAL;
	}
	if (period_ms < 1 || period_ms > 60000) {
		pr_err("period_ms=%u is out of range: use 1..60000\n",
		       period_ms);
		return -EINVAL;
	}
	if (!mask && len && (offset & (len - 1))) {
		pr_err("offset=%lu is not aligned to len=%u: use a multiple of len\n",
		       offset, len);
		return -EINVAL;
	}
	return 0;
}

#ifdef CONFIG_ARM64
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
#else
static int wp_find_step_handler(void)
{
	return 0;
}
#endif

static int __init watchpoint_init(void)
{
	void *sym;
	int err;

	err = wp_parse_params();
	if (err)
		return err;
	err = wp_find_step_handler();
	if (err)
		return err;
	wp_rearm_init();
	err = cpuhp_setup_state_multi(CPUHP_AP_ONLINE_DYN, "wpwatch/watchpoint:online",
				      wp_cpu_online, wp_cpu_offline);
	if (err < 0) {
		pr_err("cannot set up the CPU hotplug state: error %d\n", err);
		return err;
	}
	wp_hp_state = err;

	sym = __symbol_get(ksym_name);
	if (!sym) {
		pr_err("ksym=%s is unknown: it must be an exported symbol (EXPORT_SYMBOL_GPL or EXPORT_SYMBOL) and its module loaded\n",
		       ksym_name);
		err = -ENXIO;
		goto err_remove_state;
	}
	target_sym = (unsigned long)sym;
	pr_info("ksym %s in 0x%lx\n", ksym_name, target_sym);

	target = watchpoint_region_get(target_sym + offset, len, target_type,
				       mask);
	if (IS_ERR(target)) {
		err = PTR_ERR(target);
		goto err_put_symbol;
	}
	watchpoint_callback_add(target, &wp_default_cb);
	if (allow_writer) {
		err = watchpoint_allow_function(target, tl_writer_store);
		if (err) {
			pr_err("cannot allow-list the demo writer: error %d\n",
			       err);
			goto err_put_region;
		}
	}
	pr_info("Watchpoint for %s write installed 0x%lx (%lu bytes, %s)\n",
		ksym_name, target->addr, target->size,
		wp_type_name(target->type));

	wp_debugfs_init();
	if (writer_mode != WRITER_OFF) {
		err = wp_writer_start(writer_mode);
		if (err)
			goto err_remove_debugfs;
	}
	return 0;

err_remove_debugfs:
	debugfs_remove_recursive(wp_dir);
err_put_region:
	watchpoint_callback_del(target, &wp_default_cb);
	watchpoint_region_put(target);
err_put_symbol:
	__symbol_put(ksym_name);
err_remove_state:
	cpuhp_remove_multi_state(wp_hp_state);
	return err;
}

static void __exit watchpoint_exit(void)
{
	struct watchpoint_stats st;

	/* debugfs first: its writer file could start the writer again */
	debugfs_remove_recursive(wp_dir);
	wp_writer_stop();
	if (allow_writer)
		watchpoint_disallow_function(target, tl_writer_store);
	watchpoint_callback_del(target, &wp_default_cb);
	watchpoint_region_stats(target, &st);
	watchpoint_region_put(target);
	__symbol_put(ksym_name);
	cpuhp_remove_multi_state(wp_hp_state);
	wp_rearm_exit();
	pr_info("Watchpoint for %s removed: %llu hits, %llu violations, %llu allowed\n",
		ksym_name, st.hits, st.violations, st.allowed);
}

module_init(watchpoint_init);
module_exit(watchpoint_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch: watch kernel memory, call callbacks once per write");
