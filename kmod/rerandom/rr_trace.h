/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rerandom.ko's tracepoints: what `wpwatch lat --probe tracepoint` attaches
 * to (raw tracepoints, BPF), and what `perf trace -e 'rerandom:*'` or
 * tracefs show. Off, each costs one patched-out jump; on, the arguments are
 * computed only then.
 *
 * Why not only kprobes: on x86_64, enabling or disabling a kprobe at the
 * entry of a hot module function (an ftrace-based kprobe) while other CPUs
 * call it can send a caller to address 0 (docs/latency.md, "x86_64 kprobes
 * on hot module functions"); enabling a tracepoint patches a jump label,
 * which has no such failure.
 *
 * The three call events exist only on the trampolines' traced path: a probe
 * on any of them turns it on for every trampoline (rr_call_trace_reg(),
 * pause.c), and its removal off again.
 *
 * ip:  the return address of the add_pause_list()/remove_pause_list() call,
 *      inside the trampoline whose symbol names the function (arm64: may
 *      carry a pointer-authentication code; readers strip it).
 * cfa: the caller's stack pointer at the call, the same for the add and the
 *      remove of one call: it pairs them, also across nesting.
 * enter_ns: when add_pause_list() was entered (ktime_get_mono_fast_ns(), the
 *      clock of bpf_ktime_get_ns()): rerandom_call_body carries it so that
 *      the wait needs no probe at the entry.
 * step: enum rr_step (include/rr_steps.h), the order of the steps in a pass.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rerandom

#if !defined(_RR_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RR_TRACE_H

#include <linux/tracepoint.h>

/* pause.c: a call event got its first probe / lost its last */
int rr_call_trace_reg(void);
void rr_call_trace_unreg(void);

DECLARE_EVENT_CLASS(rerandom_call,
	TP_PROTO(unsigned long ip, unsigned long cfa),
	TP_ARGS(ip, cfa),
	TP_STRUCT__entry(
		__field(unsigned long, ip)
		__field(unsigned long, cfa)
	),
	TP_fast_assign(
		__entry->ip = ip;
		__entry->cfa = cfa;
	),
	TP_printk("ip=%pS cfa=%lx", (void *)__entry->ip, __entry->cfa)
);

/* add_pause_list() entered: the wait for the pause list begins */
DEFINE_EVENT_FN(rerandom_call, rerandom_call_enter,
	TP_PROTO(unsigned long ip, unsigned long cfa),
	TP_ARGS(ip, cfa), rr_call_trace_reg, rr_call_trace_unreg);

/* add_pause_list() about to return: the body begins */
TRACE_EVENT_FN(rerandom_call_body,
	TP_PROTO(unsigned long ip, unsigned long cfa, u64 enter_ns),
	TP_ARGS(ip, cfa, enter_ns),
	TP_STRUCT__entry(
		__field(unsigned long, ip)
		__field(unsigned long, cfa)
		__field(u64, enter_ns)
	),
	TP_fast_assign(
		__entry->ip = ip;
		__entry->cfa = cfa;
		__entry->enter_ns = enter_ns;
	),
	TP_printk("ip=%pS cfa=%lx enter_ns=%llu", (void *)__entry->ip,
		  __entry->cfa, __entry->enter_ns),
	rr_call_trace_reg, rr_call_trace_unreg
);

/* remove_pause_list() entered: the body has returned */
DEFINE_EVENT_FN(rerandom_call, rerandom_call_exit,
	TP_PROTO(unsigned long ip, unsigned long cfa),
	TP_ARGS(ip, cfa), rr_call_trace_reg, rr_call_trace_unreg);

TRACE_EVENT(rerandom_pass_begin,
	TP_PROTO(u64 pass),
	TP_ARGS(pass),
	TP_STRUCT__entry(
		__field(u64, pass)
	),
	TP_fast_assign(
		__entry->pass = pass;
	),
	TP_printk("pass=%llu", __entry->pass)
);

TRACE_EVENT(rerandom_pass_end,
	TP_PROTO(u64 pass, int ret, unsigned int moved),
	TP_ARGS(pass, ret, moved),
	TP_STRUCT__entry(
		__field(u64, pass)
		__field(int, ret)
		__field(unsigned int, moved)
	),
	TP_fast_assign(
		__entry->pass = pass;
		__entry->ret = ret;
		__entry->moved = moved;
	),
	TP_printk("pass=%llu ret=%d moved=%u", __entry->pass, __entry->ret,
		  __entry->moved)
);

DECLARE_EVENT_CLASS(rerandom_step,
	TP_PROTO(int step),
	TP_ARGS(step),
	TP_STRUCT__entry(
		__field(int, step)
	),
	TP_fast_assign(
		__entry->step = step;
	),
	TP_printk("step=%d", __entry->step)
);

DEFINE_EVENT(rerandom_step, rerandom_step_begin,
	TP_PROTO(int step),
	TP_ARGS(step));

DEFINE_EVENT(rerandom_step, rerandom_step_end,
	TP_PROTO(int step),
	TP_ARGS(step));

#endif /* _RR_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE rr_trace
#include <trace/define_trace.h>
