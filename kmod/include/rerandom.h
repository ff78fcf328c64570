/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Re-randomizable module code: fixed trampolines, movable bodies.
 *
 *	SPECIAL_FUNCTION(int, check_entry, int a, char *s, time64_t t)
 *	{
 *		return a + strlen(s);
 *	}
 *
 * defines the trampoline check_entry() (what every caller and every function
 * pointer uses, forever) and the body check_entry_real(), which rerandom.ko
 * moves to a fresh random place on every pass. The trampoline calls
 * add_pause_list(), loads the body's current address from a data word (the
 * slot __rr_slot_check_entry), calls it, then calls remove_pause_list().
 *
 * A module made of such functions is built with -ffunction-sections and the
 * host tool rrmeta, which writes the table of bodies and of the sites to fix
 * in each (see docs/rerandom.md); its init calls rerandom_register_module()
 * and its exit rerandom_unregister_module().
 */
#ifndef _WPWATCH_RERANDOM_H
#define _WPWATCH_RERANDOM_H

#include <linux/types.h>
#include <linux/stringify.h>
#include <linux/linkage.h>
#include <linux/time64.h>

struct module;

/*
 * --- the traced pause (called only from trampolines) ----------------------
 * A trampoline pauses inline (below); while rr_call_hooks is on (a call
 * tracepoint has a probe, or /sys/module/rerandom/parameters/call_hooks is
 * set), it calls these instead, which fire the call tracepoints and are what
 * kprobes on the calls attach to.
 */
void add_pause_list(void);
void remove_pause_list(void);

/*
 * The steps of a pass (the "step" of the rerandom_step_begin/_end
 * tracepoints) are enum rr_step of include/rr_steps.h: a module that only
 * makes functions re-randomizable never needs them.
 */

/* --- the original research's driver API (rr_selftest calls it) ---------- */
struct Rerandom_Driver {
	const char *name;
	void (*init_entry)(void);
	int (*check_entry)(int a, char *c, time64_t time);
};

void register_rerandom_driver(const struct Rerandom_Driver *drv);
void unregister_rerandom_driver(const struct Rerandom_Driver *drv);

/* --- what rrmeta generates for a module ---------------------------------- */
enum rr_site_kind {
	RR_SITE_X86_REL32 = 1,	/* 32-bit PC-relative field (call, jmp, rip) */
	RR_SITE_A64_BRANCH26,	/* b / bl */
	RR_SITE_A64_ADRP,	/* adrp (page of a symbol) */
	RR_SITE_A64_ADR,	/* adr */
};
/*
 * Or-ed into a kind: the site lies in code that an alternative may have
 * replaced when the module loaded (by position-independent code, which
 * rrmeta checked): relocated if the instruction is still there, else left.
 */
#define RR_SITE_ALT	0x80
#define RR_SITE_KIND(s)	((s)->kind & ~RR_SITE_ALT)

struct rr_site {
	u32 offset;		/* of the field / instruction in the body */
	u8 kind;		/* enum rr_site_kind */
	u8 opcode[2];		/* x86: bytes before the field in the object */
	u8 oplen;		/* x86: how many of them (0: rip-relative) */
};

struct rr_body_desc {
	const char *name;	/* the trampoline's name */
	void *tramp;		/* the trampoline (fixed) */
	void *body;		/* the body as loaded (the original copy) */
	void **slot;		/* where the trampoline reads the body from */
	u32 size;		/* bytes */
	u32 nsites;
	const struct rr_site *sites;
};

/* rrmeta --auto: a function of the module that does not move, and why */
struct rr_refusal {
	const char *name;
	u32 size;		/* bytes */
	const char *why;
};

struct rr_module_desc {
	struct module *owner;
	unsigned int nbodies;
	const struct rr_body_desc *bodies;
	void *core;		/* owned by rerandom.ko while registered */
	/* rrmeta --auto: the functions left in place (0 for SPECIAL_FUNCTION) */
	unsigned int nrefused;
	const struct rr_refusal *refused;
};

int rerandom_register_module(struct rr_module_desc *desc);
void rerandom_unregister_module(struct rr_module_desc *desc);

/* rrmeta names the table of a module's object __rr_module_desc */
extern struct rr_module_desc __rr_module_desc;

/* --- SPECIAL_FUNCTION ---------------------------------------------------- */
#define __RR_CAT_(a, b) a##b
#define __RR_CAT(a, b) __RR_CAT_(a, b)
#define __RR_SECOND_(a, b, ...) b
#define __RR_SECOND(...) __RR_SECOND_(__VA_ARGS__)
/* 1 when the parameter list (or type) is exactly "void" */
#define __RR_EAT_void
#define __RR_EMPTY_PROBE() struct __rr_chk, 1
#define __RR_IS_EMPTY(...) __RR_SECOND(__RR_EMPTY_PROBE __VA_ARGS__(), 0, ~)
#define __RR_IS_VOID1(x, ...) __RR_IS_EMPTY(__RR_CAT(__RR_EAT_, x))
#define __RR_IS_VOID(...) __RR_IS_VOID1(__VA_ARGS__, ~)
#define __RR_IIF_0(t, f) f
#define __RR_IIF_1(t, f) t
#define __RR_IIF(c) __RR_CAT(__RR_IIF_, c)

#define __RR_NARG_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, n, ...) n
#define __RR_NARG(...) \
	__RR_NARG_(__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define __RR_NARGS(...) \
	__RR_IIF(__RR_IS_VOID(__VA_ARGS__))(0, __RR_NARG(__VA_ARGS__))

/*
 * Every parameter must fit one register: one static assertion each. (Each
 * expansion starts with a harmless "struct __rr_chk" declaration.)
 */
#define __RR_CHK(fn, d) \
	_Static_assert(sizeof(struct { d; }) <= 8, "SPECIAL_FUNCTION " #fn \
		": parameter '" #d "' does not fit one register (passed on the stack or in two registers): not supported")
#define __RR_FE_0(fn, ...) struct __rr_chk
#define __RR_FE_1(fn, d) struct __rr_chk; __RR_CHK(fn, d)
#define __RR_FE_2(fn, d, ...) struct __rr_chk; __RR_CHK(fn, d); __RR_FE_1(fn, __VA_ARGS__)
#define __RR_FE_3(fn, d, ...) struct __rr_chk; __RR_CHK(fn, d); __RR_FE_2(fn, __VA_ARGS__)
#define __RR_FE_4(fn, d, ...) struct __rr_chk; __RR_CHK(fn, d); __RR_FE_3(fn, __VA_ARGS__)
#define __RR_FE_5(fn, d, ...) struct __rr_chk; __RR_CHK(fn, d); __RR_FE_4(fn, __VA_ARGS__)
#define __RR_FE_6(fn, d, ...) struct __rr_chk; __RR_CHK(fn, d); __RR_FE_5(fn, __VA_ARGS__)
#define __RR_FE_7(fn, d, ...) struct __rr_chk; __RR_CHK(fn, d); __RR_FE_6(fn, __VA_ARGS__)
#define __RR_FE_8(fn, d, ...) struct __rr_chk; __RR_CHK(fn, d); __RR_FE_7(fn, __VA_ARGS__)
#define __RR_FE_9(fn, ...) struct __rr_chk
#define __RR_FE_10(fn, ...) struct __rr_chk
#define __RR_FE_11(fn, ...) struct __rr_chk
#define __RR_FE_12(fn, ...) struct __rr_chk
#define __RR_CHECK_ARGS(fn, ...) \
	__RR_CAT(__RR_FE_, __RR_NARGS(__VA_ARGS__))(fn, __VA_ARGS__)

#define __RR_CHECK_RET(fn, ret) \
	_Static_assert(__RR_IIF(__RR_IS_VOID(ret))(1, sizeof(ret) <= 16), \
		"SPECIAL_FUNCTION " #fn ": return type '" #ret "' is larger than two registers (returned through memory): not supported")

/*
 * The pause around a call is a Tasks Trace RCU read-side critical section
 * (include/linux/rcupdate_trace.h, open-coded here so that it clobbers no
 * argument register): the enter increments current->trc_reader_nesting, the
 * exit decrements it through INT_MIN (so that the grace-period IPI cannot set
 * need_qs between the check and the store) and calls
 * rcu_read_unlock_trace_special() only when the grace-period machinery asked
 * this task to report. No memory barrier on either side: the pass pays for
 * ordering in call_rcu_tasks_trace(). A body may sleep, nest and run in
 * interrupts, as with SRCU before. See docs/rerandom.md, "The trampoline and
 * the slot" and "The pause list and its grace period".
 *
 * The assembler reads the two task_struct offsets from symbols that this
 * function (never called, one per object) defines; a reference before the
 * definition is resolved when the object is assembled.
 */
#ifndef CONFIG_TASKS_TRACE_RCU
#error "rerandom.h: the kernel lacks CONFIG_TASKS_TRACE_RCU (BPF_SYSCALL selects it): trampolines need it"
#endif
#include <linux/sched.h>
#include <linux/stddef.h>
static void __used __cold __rr_task_offsets(void)
{
	asm volatile(".set __rr_trc_nesting, %c0\n\t"
		     ".set __rr_trc_special, %c1"
		     : : "i" (offsetof(struct task_struct, trc_reader_nesting)),
			 "i" (offsetof(struct task_struct, trc_reader_special)));
}

#if defined(CONFIG_X86_64)
/*
 * x86_64 (SysV): rdi rsi rdx rcx r8 r9 carry arguments 1-6; 7 and 8 are on
 * the caller's stack, above the return address: the fast path pushes copies
 * of them (NARGS > 6 only: "push 16(%rsp)" twice is 8, then 7; with 7, "push
 * 8(%rsp)"), so the body finds them where the ABI says. Results in rax:rdx.
 * The fast path uses only rax, rcx, rsi, rdi and r11 (no argument is live
 * after the body, no result before it) and needs no frame: the kernel aligns
 * its stack to 8 bytes, and ORC unwinds the trampoline from objtool's
 * entries. The first two instructions check rr_call_hooks (pause.c): set,
 * the traced path below saves the arguments and calls
 * add_pause_list()/remove_pause_list(), which fire the call tracepoints and
 * are what kprobes attach to.
 *   traced frame: 0/8(%rsp) stack args 7/8 for the body, 16..56 the six
 *   register arguments, 64/72 the result.
 */
/*
 * The hooks' check: rr_call_hooks' count (its first word), read on every
 * call. Not a jump label: patching the first instruction of trampolines that
 * other CPUs are running (text_poke_bp() on each toggle of the key) left both
 * vCPUs of an x86_64 TCG guest looping at a trampoline's entry (a soft
 * lockup, 50-lat, 2026-12-07), the failure docs/latency.md records for
 * kprobes on hot module code; a load and a branch patch nothing.
 */
#define __RR_HOOKS							\
	"cmpl $0, rr_call_hooks(%rip)\n\t"				\
	"jne 9f\n\t"
#ifdef CONFIG_RETPOLINE
#define __RR_ICALL "call __x86_indirect_thunk_r11\n\t"
#else
#define __RR_ICALL "call *%r11\n\t"
#endif
#ifdef CONFIG_TASKS_TRACE_RCU_READ_MB
#define __RR_READ_MB							\
	"testb $0xff, __rr_trc_special+3(%rax)\n\t"	/* .b.need_mb */\
	"jz 4f\n\t"							\
	"mfence\n"							\
	"4:\n\t"
#else
#define __RR_READ_MB
#endif
#define __RR_TRAMPOLINE_AT(name, slot, nargs)				\
	asm(".pushsection .text." name ",\"ax\",@progbits\n\t"		\
	    ".globl " name "\n\t"					\
	    ".type " name ", @function\n\t"				\
	    ".p2align 4\n"						\
	    name ":\n\t"						\
	    __RR_HOOKS							\
	    "mov %gs:current_task, %rax\n\t"				\
	    "incl __rr_trc_nesting(%rax)\n\t"				\
	    __RR_READ_MB						\
	    ".if " __stringify(nargs) " > 7\n\t"			\
	    "push 16(%rsp)\n\t"		/* argument 8 */		\
	    "push 16(%rsp)\n\t"		/* argument 7 */		\
	    ".elseif " __stringify(nargs) " > 6\n\t"			\
	    "push 8(%rsp)\n\t"		/* argument 7 */		\
	    ".endif\n\t"						\
	    "mov " slot "(%rip), %r11\n\t"				\
	    __RR_ICALL							\
	    ".if " __stringify(nargs) " > 7\n\t"			\
	    "add $16, %rsp\n\t"						\
	    ".elseif " __stringify(nargs) " > 6\n\t"			\
	    "add $8, %rsp\n\t"						\
	    ".endif\n\t"						\
	    "mov %gs:current_task, %rcx\n\t"				\
	    "mov __rr_trc_nesting(%rcx), %esi\n\t"			\
	    "sub $1, %esi\n\t"						\
	    "lea -0x80000000(%rsi), %edi\n\t"				\
	    "mov %edi, __rr_trc_nesting(%rcx)\n\t"			\
	    "cmpl $0, __rr_trc_special(%rcx)\n\t"			\
	    "jne 2f\n"							\
	    "3:\tmov %esi, __rr_trc_nesting(%rcx)\n\t"			\
	    ASM_RET							\
	    "2:\ttest %esi, %esi\n\t"					\
	    "jnz 3b\n\t"						\
	    "push %rax\n\t"						\
	    "push %rdx\n\t"						\
	    "mov %rcx, %rdi\n\t"					\
	    "call rcu_read_unlock_trace_special\n\t"			\
	    "pop %rdx\n\t"						\
	    "pop %rax\n\t"						\
	    ASM_RET							\
	    "9:\tpush %rbp\n\t"						\
	    "mov %rsp, %rbp\n\t"					\
	    "sub $80, %rsp\n\t"						\
	    "mov %rdi, 16(%rsp)\n\t"					\
	    "mov %rsi, 24(%rsp)\n\t"					\
	    "mov %rdx, 32(%rsp)\n\t"					\
	    "mov %rcx, 40(%rsp)\n\t"					\
	    "mov %r8, 48(%rsp)\n\t"					\
	    "mov %r9, 56(%rsp)\n\t"					\
	    "call add_pause_list\n\t"					\
	    ".if " __stringify(nargs) " > 6\n\t"			\
	    "mov 16(%rbp), %rax\n\t"					\
	    "mov %rax, 0(%rsp)\n\t"					\
	    "mov 24(%rbp), %rax\n\t"					\
	    "mov %rax, 8(%rsp)\n\t"					\
	    ".endif\n\t"						\
	    "mov 16(%rsp), %rdi\n\t"					\
	    "mov 24(%rsp), %rsi\n\t"					\
	    "mov 32(%rsp), %rdx\n\t"					\
	    "mov 40(%rsp), %rcx\n\t"					\
	    "mov 48(%rsp), %r8\n\t"					\
	    "mov 56(%rsp), %r9\n\t"					\
	    "mov " slot "(%rip), %r11\n\t"				\
	    __RR_ICALL							\
	    "mov %rax, 64(%rsp)\n\t"					\
	    "mov %rdx, 72(%rsp)\n\t"					\
	    "call remove_pause_list\n\t"				\
	    "mov 64(%rsp), %rax\n\t"					\
	    "mov 72(%rsp), %rdx\n\t"					\
	    "leave\n\t"							\
	    ASM_RET							\
	    ".size " name ", .-" name "\n\t"				\
	    ".popsection")
#define __RR_MAXARGS 8
/*
 * The inner entry INNER of the trampoline NAME whose slot is SLOT: what rrmeta
 * --auto points the calls and jumps of one moving body to another at. The
 * calling body runs inside its own trampoline's pause (a Tasks Trace RCU
 * read-side section that a pass's grace period waits for), and that pause
 * lasts until the calling body returns, so it covers the whole of the called
 * body: no second pause is needed, and the body is reached by a jump that
 * leaves the arguments, the stack and the return address as the caller
 * made them. With the hooks on it goes to the full trampoline (its traced
 * path), so that every call still fires the call tracepoints.
 */
#ifdef CONFIG_RETPOLINE
#define __RR_IJUMP "jmp __x86_indirect_thunk_r11\n\t"
#else
#define __RR_IJUMP "jmp *%r11\n\t"
#endif
#define __RR_INNER_AT(name, inner, slot)					\
	asm(".pushsection .text." inner ",\"ax\",@progbits\n\t"		\
	    ".globl " inner "\n\t"					\
	    ".type " inner ", @function\n\t"				\
	    ".p2align 4\n"						\
	    inner ":\n\t"						\
	    "cmpl $0, rr_call_hooks(%rip)\n\t"			\
	    "jne " name "\n\t"					\
	    "mov " slot "(%rip), %r11\n\t"				\
	    __RR_IJUMP							\
	    ".size " inner ", .-" inner "\n\t"			\
	    ".popsection")
#elif defined(CONFIG_ARM64)
/*
 * arm64 (AAPCS64): x0-x7 arguments, x8 the indirect-result pointer, x0:x1
 * results. The fast path uses only x14-x17 and keeps a frame record, so that
 * a stack trace from the body shows the caller. "bti c" (a kernel with BTI)
 * and "paciasp" are landing pad and return-address signing (HINT space). The
 * first three instructions check rr_call_hooks (pause.c): set, the traced
 * path below saves the arguments and calls add_pause_list() /
 * remove_pause_list(), which fire the call tracepoints and are what kprobes
 * attach to. Traced frame of 96 bytes: 0 fp/lr record, 16..72 x0-x7, 80 x8.
 */
/* the hooks' check, as on x86_64 (x16 is free here) */
#define __RR_HOOKS							\
	"adrp x16, rr_call_hooks\n\t"					\
	"ldr w16, [x16, :lo12:rr_call_hooks]\n\t"			\
	"cbnz w16, 9f\n\t"
#ifdef CONFIG_ARM64_BTI_KERNEL
#define __RR_BTI "hint 34\n\t"		/* bti c */
#else
#define __RR_BTI
#endif
#ifdef CONFIG_TASKS_TRACE_RCU_READ_MB
#define __RR_READ_MB							\
	"ldrb w15, [x16, #__rr_trc_special + 3]\n\t"	/* .b.need_mb */\
	"cbz w15, 4f\n\t"						\
	"dmb ish\n"							\
	"4:\n\t"
#else
#define __RR_READ_MB
#endif
#define __RR_TRAMPOLINE_AT(name, slot, nargs)				\
	asm(".pushsection .text." name ",\"ax\",%progbits\n\t"		\
	    ".globl " name "\n\t"					\
	    ".type " name ", %function\n\t"				\
	    ".p2align 3\n"						\
	    name ":\n\t"						\
	    __RR_BTI							\
	    __RR_HOOKS							\
	    "hint 25\n\t"		/* paciasp */			\
	    "stp x29, x30, [sp, #-16]!\n\t"				\
	    "mov x29, sp\n\t"						\
	    "mrs x16, sp_el0\n\t"					\
	    "ldr w17, [x16, #__rr_trc_nesting]\n\t"			\
	    "add w17, w17, #1\n\t"					\
	    "str w17, [x16, #__rr_trc_nesting]\n\t"			\
	    __RR_READ_MB						\
	    "adrp x16, " slot "\n\t"				\
	    "ldr x16, [x16, :lo12:" slot "]\n\t"		\
	    "blr x16\n\t"						\
	    "mrs x16, sp_el0\n\t"					\
	    "ldr w17, [x16, #__rr_trc_nesting]\n\t"			\
	    "sub w17, w17, #1\n\t"					\
	    "eor w15, w17, #0x80000000\n\t"	/* INT_MIN + nesting */	\
	    "str w15, [x16, #__rr_trc_nesting]\n\t"			\
	    "ldr w15, [x16, #__rr_trc_special]\n\t"			\
	    "cbnz w15, 2f\n"						\
	    "3:\tstr w17, [x16, #__rr_trc_nesting]\n\t"			\
	    "ldp x29, x30, [sp], #16\n\t"				\
	    "hint 29\n\t"		/* autiasp */			\
	    "ret\n"							\
	    "2:\tcbnz w17, 3b\n\t"					\
	    "stp x0, x1, [sp, #-16]!\n\t"				\
	    "mov x0, x16\n\t"						\
	    "bl rcu_read_unlock_trace_special\n\t"			\
	    "ldp x0, x1, [sp], #16\n\t"					\
	    "ldp x29, x30, [sp], #16\n\t"				\
	    "hint 29\n\t"		/* autiasp */			\
	    "ret\n"							\
	    "9:\thint 25\n\t"		/* paciasp */			\
	    "stp x29, x30, [sp, #-96]!\n\t"				\
	    "mov x29, sp\n\t"						\
	    "stp x0, x1, [sp, #16]\n\t"					\
	    "stp x2, x3, [sp, #32]\n\t"					\
	    "stp x4, x5, [sp, #48]\n\t"					\
	    "stp x6, x7, [sp, #64]\n\t"					\
	    "str x8, [sp, #80]\n\t"					\
	    "bl add_pause_list\n\t"					\
	    "ldp x0, x1, [sp, #16]\n\t"					\
	    "ldp x2, x3, [sp, #32]\n\t"					\
	    "ldp x4, x5, [sp, #48]\n\t"					\
	    "ldp x6, x7, [sp, #64]\n\t"					\
	    "ldr x8, [sp, #80]\n\t"					\
	    "adrp x16, " slot "\n\t"				\
	    "ldr x16, [x16, :lo12:" slot "]\n\t"		\
	    "blr x16\n\t"						\
	    "stp x0, x1, [sp, #16]\n\t"					\
	    "bl remove_pause_list\n\t"					\
	    "ldp x0, x1, [sp, #16]\n\t"					\
	    "ldp x29, x30, [sp], #96\n\t"				\
	    "hint 29\n\t"		/* autiasp */			\
	    "ret\n\t"							\
	    ".size " name ", .-" name "\n\t"				\
	    ".popsection")
#define __RR_MAXARGS 8
/* the inner entry, as on x86_64 ("b" reaches the trampoline from anywhere) */
#define __RR_INNER_AT(name, inner, slot)					\
	asm(".pushsection .text." inner ",\"ax\",%progbits\n\t"		\
	    ".globl " inner "\n\t"					\
	    ".type " inner ", %function\n\t"				\
	    ".p2align 3\n"						\
	    inner ":\n\t"						\
	    "adrp x16, rr_call_hooks\n\t"				\
	    "ldr w16, [x16, :lo12:rr_call_hooks]\n\t"			\
	    "cbz w16, 1f\n\t"						\
	    "b " name "\n"					\
	    "1:\tadrp x16, " slot "\n\t"				\
	    "ldr x16, [x16, :lo12:" slot "]\n\t"			\
	    "br x16\n\t"						\
	    ".size " inner ", .-" inner "\n\t"			\
	    ".popsection")
#else
#error "SPECIAL_FUNCTION: only x86_64 and arm64 are supported"
#endif

/*
 * The trampoline NAME (a string: rrmeta --auto also names clones such as
 * "f.constprop.0") that calls the body whose address is in the data word
 * SLOT; NARGS: how many parameters (x86_64: above 6, stack arguments 7 and 8
 * are copied for the body).
 */
#define __RR_TRAMPOLINE(name, nargs) \
	__RR_TRAMPOLINE_AT(#name, "__rr_slot_" #name, nargs)
#define __RR_TRAMPOLINE_N(name, nargs) __RR_TRAMPOLINE(name, nargs)

/*
 * The body is notrace (ftrace would patch the original, not the copies) and
 * noinline; its address is taken only by the slot and by rrmeta's table.
 */
#define SPECIAL_FUNCTION(ret, name, ...)				\
	ret name(__VA_ARGS__);						\
	__typeof__(name) name##_real;					\
	_Static_assert(__RR_NARGS(__VA_ARGS__) <= __RR_MAXARGS,		\
		"SPECIAL_FUNCTION " #name ": more than 8 parameters (the rest would be passed on the stack): not supported"); \
	__RR_CHECK_ARGS(name, __VA_ARGS__);				\
	__RR_CHECK_RET(name, ret);					\
	void *__rr_slot_##name __section(".data.rr_slots") =		\
		(void *)name##_real;					\
	__RR_TRAMPOLINE_N(name, __RR_NARGS(__VA_ARGS__));		\
	noinline notrace __used ret name##_real(__VA_ARGS__)

#endif /* _WPWATCH_RERANDOM_H */
