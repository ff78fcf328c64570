// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch lat, kernel side: the latency of every call of a re-randomizable
 * function and of every re-randomization pass, aggregated here in per-CPU
 * histograms (struct lat_hist in include/lat.h) so that a report costs user space
 * nothing per event.
 *
 * A re-randomizable function <name> is a trampoline that calls
 * add_pause_list(), then the movable body <name>_real, then
 * remove_pause_list() (docs/rerandom.md):
 *   add_pause_list entry   the wait for the pause list begins
 *   add_pause_list return  the body begins: push {ip, now} on the task's
 *                          stack of calls; WAIT = now - entry; the return
 *                          address (in the trampoline, whose symbol is
 *                          <name>) names the function
 *   remove_pause_list      pop: BODY = now - body start
 * Calls nest (recursion, one function calling another), hence a stack per
 * task, kept in task-local storage (created on a task's first call, freed
 * with the task: no map lookup by tid, no insert or delete per call).
 *
 * Each probe body is written once; thin wrappers attach it as the core's
 * own tracepoints (rr_trace.h: the default), as kprobe/kretprobe, or as
 * fentry/fexit. User space turns autoload off for the flavours it does not
 * use: fentry needs BTF for the module, which Debian's modules do not have.
 *
 * Tracepoints: two per call. The core times the wait itself and hands its
 * start to rerandom_call_body, so that no program runs at the entry of
 * add_pause_list (rerandom_call_enter stays for perf and tracefs).
 * kprobes: three per call. The entry probe takes the time; the return
 * address is taken at the return probe, where the kernel has put the real
 * one back into the registers' instruction pointer (at the entry, a return
 * probe on the same function has already replaced it on the stack (x86) or
 * in the link register (arm64) with its own trampoline). In the kprobe and
 * fentry flavours, add_pause_list and remove_pause_list are always kprobes:
 * the stack pointer pairs them and the return address names the function,
 * and only pt_regs carry those; fentry/fexit serve the pass and its steps.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lat.h"

const volatile __u32 targ_tgid = 0;	/* only this process's calls (0: all) */
const volatile __u32 targ_tid = 0;	/* only this thread's calls (0: all) */
const volatile bool per_task = false;	/* split function histograms by task */
const volatile __u64 unit_div = 1;	/* slots[] hold ns / unit_div */
const volatile bool emit_events = false;	/* stream struct lat_event */
/* set by user space once every probe is attached, cleared before detaching:
 * all probes see the same window */
bool armed = false;

struct frame {
	__u64 sp;
	__u64 ip;
	__u64 t_enter;
	__u64 t_body;
};

struct task_calls {
	__u32 depth;
	__u32 overflow;		/* calls beyond LAT_MAX_DEPTH, not pushed */
	struct frame f[LAT_MAX_DEPTH];
};

struct pass_state {
	__u64 t_pass;
	__u64 t_step;
	__u64 step_ns[RR_NR_STEPS];	/* recorded with the pass, at its end */
	__u32 steps_done;		/* bit per step */
};

/* per task: the re-randomizable calls it is inside of */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_calls);
} calls SEC(".maps");

/* per task running a pass: when the pass and its current step began */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct pass_state);
} passes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);	/* user space sizes it to the CPUs */
	__type(key, struct lat_key);
	__type(value, struct lat_hist);
} hists SEC(".maps");

/* an all-zero histogram to create entries from (never written) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lat_hist);
} zero SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LAT_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		(*c)++;
}

static __always_inline void count_n(__u32 which, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += n;
}

static __always_inline void emit(__u32 kind, __u64 ip, __u64 ns, __u32 depth)
{
	struct lat_event *e;
	__u64 id;

	count(LAT_CNT_HITS);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(LAT_CNT_LOST);
		return;
	}
	id = bpf_get_current_pid_tgid();
	e->ts = bpf_ktime_get_ns();
	e->ip = ip;
	e->ns = ns;
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->kind = kind;
	e->depth = depth;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void record(__u32 kind, __u64 ip, __u32 pid, __u64 ns,
				   __u32 depth)
{
	struct lat_key key = { .ip = ip, .pid = pid, .kind = kind };
	struct lat_hist *h;
	__u64 sq, lo, hi, cross, slot;
	__u32 z = 0;

	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		struct lat_hist *init = bpf_map_lookup_elem(&zero, &z);

		if (init)
			bpf_map_update_elem(&hists, &key, init, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h) {
			count(LAT_CNT_NOMEM);
			return;
		}
	}
	if (!h->count || ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	h->count++;
	h->sum += ns;
	/* sum of squares in 128 bits: ns = hi * 2^32 + lo */
	hi = ns >> 32;
	lo = ns & 0xffffffffULL;
	sq = lo * lo;
	h->sumsq_lo += sq;
	if (h->sumsq_lo < sq)
		h->sumsq_hi++;
	if (hi) {
		cross = hi * lo;	/* 2 * cross * 2^32 */
		sq = cross << 33;
		h->sumsq_lo += sq;
		if (h->sumsq_lo < sq)
			h->sumsq_hi++;
		h->sumsq_hi += (cross >> 31) + hi * hi;
	}
	/* unit_div is read-only: the verifier drops the division in ns mode */
	slot = lat_slot(unit_div == 1 ? ns : ns / unit_div);
	/* keep the bounds check and the access on one register */
	asm volatile("" : "+r"(slot));
	if (slot >= LAT_SLOTS)
		slot = LAT_SLOTS - 1;
	h->slots[slot]++;
	if (emit_events)
		emit(kind, ip, ns, depth);
}

/* the thread and process ids, read only when a filter or -L needs them */
static __always_inline __u64 current_ids(void)
{
	return targ_tgid || targ_tid || per_task ? bpf_get_current_pid_tgid() : 0;
}

static __always_inline bool traced(__u64 id)
{
	return (!targ_tgid || (id >> 32) == targ_tgid) &&
	       (!targ_tid || (__u32)id == targ_tid);
}

/* the current task's stack of calls, created empty on its first call */
static __always_inline struct task_calls *task_calls(bool create)
{
	struct task_calls *tc;

	tc = bpf_task_storage_get(&calls, bpf_get_current_task_btf(), NULL,
				  create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!tc && create)
		count(LAT_CNT_NOMEM);
	return tc;
}

/*
 * Stack pointers are only comparable on one stack: the task's, or the CPU's
 * interrupt stack that an interrupt's calls run on while the interrupted
 * task's frames stay below them. A task's stack is at least 16 KiB and
 * aligned to its size (THREAD_SIZE, both arches; doubled under KASAN), so
 * it has its 16 KiB blocks to itself: a stack pointer in the same block as a
 * task-stack frame's is on that task stack. An x86 interrupt stack is 16 KiB
 * but only page aligned, so its blocks may hold the edge of another CPU's
 * interrupt stack, never of a task's; the only frames of a task that can be
 * on another CPU's interrupt stack are stale (an interrupt's calls end
 * before the task runs elsewhere), and dropping those is right. Pointers in
 * two blocks (the two halves of a KASAN stack, say): nothing is concluded.
 */
#define LAT_STACK_BLOCK_SHIFT 14

static __always_inline bool same_stack(__u64 a, __u64 b)
{
	return !((a ^ b) >> LAT_STACK_BLOCK_SHIFT);
}

/*
 * A call that starts (or ends) at sp, on the stack of the top frame and above
 * it (stacks grow down; for a start, at it too), is not nested in that
 * frame: the top frame has returned and its remove probe was missed (the
 * probe of an interrupt that came while a BPF program ran, say). Drop such
 * frames, counted as remove_missed, so that missed probes do not pile up:
 * a piled-up frame is matched later by an unrelated call that reuses its
 * stack pointer (one call timed from another's start: seconds for a leaf
 * function), and a full stack stops timing the task's calls at all. Calls
 * that overflowed the stack are deeper than its top frame: when the top
 * frame is not nested around sp, they have returned as well.
 */
static __always_inline void drop_returned(struct task_calls *tc, __u64 sp,
					  bool at_sp_too)
{
	struct frame *f;
	__u32 i, d, n = 0;

	for (i = 0; i < LAT_MAX_DEPTH; i++) {
		d = tc->depth;
		if (!d)
			break;
		f = &tc->f[(d - 1) & (LAT_MAX_DEPTH - 1)];
		if (!same_stack(f->sp, sp) || f->sp > sp)
			break;
		if (tc->overflow) {
			n += tc->overflow;
			tc->overflow = 0;
		}
		if (f->sp == sp && !at_sp_too)
			break;
		tc->depth = d - 1;
		n++;
	}
	if (n)
		count_n(LAT_CNT_STALE, n);
}

/*
 * Push a call whose body begins now. sp: the stack pointer that the
 * trampoline's remove_pause_list call will show again (kprobes: at the
 * entry of add_pause_list; tracepoints: the CFA the core passes), which pairs
 * the two even when a probe was missed or the task was inside a call when
 * tracing began. ip: where add_pause_list returns to. t_enter: when it was
 * entered; the WAIT is recorded.
 */
static __always_inline void push_call(struct task_calls *tc, __u64 sp, __u64 ip,
				      __u64 t_enter, __u64 now, __u64 id)
{
	struct frame *f;
	__u32 d;

	drop_returned(tc, sp, true);
	d = tc->depth;
	if (d >= LAT_MAX_DEPTH) {
		tc->overflow++;
		count(LAT_CNT_DEPTH);
		return;
	}
	f = &tc->f[d];
	f->sp = sp;
	f->ip = ip;
	f->t_enter = t_enter;
	f->t_body = now;
	tc->depth = d + 1;
	record(LAT_KIND_WAIT, ip, per_task ? (__u32)id : 0, now - t_enter, d);
}

/* tracepoint flavour, rerandom_call_body: the body begins (the core timed the wait) */
static __always_inline void call_body_tp(__u64 ip, __u64 cfa, __u64 t_enter)
{
	__u64 id = current_ids(), now = bpf_ktime_get_ns();
	struct task_calls *tc;

	if (!armed || !traced(id))
		return;
	tc = task_calls(true);
	if (tc)
		push_call(tc, cfa, ip, t_enter, now, id);
}

/*
 * kprobe flavour, add_pause_list entry: a frame with its entry time and no
 * body yet; its return probe completes it (call_body_kp()).
 */
static __always_inline void call_enter_kp(__u64 sp)
{
	__u64 id = current_ids(), now = bpf_ktime_get_ns();
	struct task_calls *tc;
	struct frame *f;
	__u32 d;

	if (!armed || !traced(id))
		return;
	tc = task_calls(true);
	if (!tc)
		return;
	drop_returned(tc, sp, true);
	d = tc->depth;
	if (d >= LAT_MAX_DEPTH) {
		tc->overflow++;
		count(LAT_CNT_DEPTH);
		return;
	}
	f = &tc->f[d];
	f->sp = sp;
	f->ip = 0;
	f->t_enter = now;
	f->t_body = 0;
	tc->depth = d + 1;
}

/* kprobe flavour, add_pause_list return: the body begins; ip: where it returns to */
static __always_inline void call_body_kp(__u64 ip)
{
	__u64 id = current_ids(), now = bpf_ktime_get_ns();
	struct task_calls *tc;
	struct frame *f;
	__u32 d;

	if (!armed || !traced(id))
		return;
	tc = task_calls(false);
	if (!tc || !tc->depth || tc->overflow)
		return;
	d = tc->depth - 1;
	if (d >= LAT_MAX_DEPTH)
		return;
	f = &tc->f[d];
	if (f->t_body)
		return;
	f->t_body = now;
	f->ip = ip;
	record(LAT_KIND_WAIT, ip, per_task ? (__u32)id : 0, now - f->t_enter, d);
}

/* remove_pause_list entry: the body has returned; sp as in push_call() */
static __always_inline void call_exit(__u64 sp)
{
	__u64 id = current_ids(), now = bpf_ktime_get_ns();
	struct task_calls *tc;
	struct frame *f;
	__u32 i, d, found = 0;

	if (!armed || !traced(id))
		return;
	tc = task_calls(false);
	if (!tc || !tc->depth) {
		count(LAT_CNT_UNMATCHED);
		return;
	}
	drop_returned(tc, sp, false);
	if (tc->overflow) {
		/* the top frame is nested around sp: this is the end of one
		 * of the innermost calls, never pushed */
		tc->overflow--;
		return;
	}
	/* the frame with this stack pointer, innermost first; frames above
	 * it lost their remove_pause_list (a missed probe) */
	d = tc->depth;
	for (i = 0; i < LAT_MAX_DEPTH; i++) {
		if (i >= d)
			break;
		f = &tc->f[(d - 1 - i) & (LAT_MAX_DEPTH - 1)];
		if (f->sp == sp) {
			found = 1;
			break;
		}
	}
	if (!found) {
		count(LAT_CNT_UNMATCHED);
		return;
	}
	if (i)
		count_n(LAT_CNT_STALE, i);
	d = d - 1 - i;
	tc->depth = d;
	f = &tc->f[d & (LAT_MAX_DEPTH - 1)];
	if (f->t_body)
		record(LAT_KIND_BODY, f->ip, per_task ? (__u32)id : 0, now - f->t_body, d);
	else
		count(LAT_CNT_NORET);	/* the return probe missed it */
}

static __always_inline void pass_enter(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pass_state ps = { .t_pass = bpf_ktime_get_ns() };

	if (!armed)
		return;
	bpf_map_update_elem(&passes, &tid, &ps, BPF_ANY);
}

/* the pass and its steps are recorded together, so that a report never holds
 * the steps of a pass it does not count */
static __always_inline void pass_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pass_state *ps = bpf_map_lookup_elem(&passes, &tid);
	__u64 now = bpf_ktime_get_ns();
	__u32 i;

	if (!ps)
		return;
	if (armed) {
		record(LAT_KIND_PASS, 0, 0, now - ps->t_pass, 0);
		for (i = 0; i < RR_NR_STEPS; i++)
			if (ps->steps_done & (1u << i))
				record(LAT_KIND_STEP, i, 0, ps->step_ns[i], 0);
		if (ret)
			count(LAT_CNT_PASS_FAILED);
	}
	bpf_map_delete_elem(&passes, &tid);
}

static __always_inline void step_enter(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pass_state *ps = bpf_map_lookup_elem(&passes, &tid);

	if (ps)
		ps->t_step = bpf_ktime_get_ns();
}

static __always_inline void step_exit(__u32 step)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pass_state *ps = bpf_map_lookup_elem(&passes, &tid);
	__u64 now = bpf_ktime_get_ns();

	if (!ps || !ps->t_step || step >= RR_NR_STEPS)
		return;
	ps->step_ns[step] = now - ps->t_step;
	ps->steps_done |= 1u << step;
	ps->t_step = 0;
}

/* --- the probes: kprobe flavour ------------------------------------------ */

SEC("kprobe/add_pause_list")
int BPF_KPROBE(kp_add_pause_list)
{
	call_enter_kp(PT_REGS_SP(ctx));
	return 0;
}

SEC("kretprobe/add_pause_list")
int BPF_KRETPROBE(krp_add_pause_list)
{
	/* the kernel restored the real return address into the pt_regs' ip */
	call_body_kp(PT_REGS_IP(ctx));
	return 0;
}

SEC("kprobe/remove_pause_list")
int BPF_KPROBE(kp_remove_pause_list)
{
	call_exit(PT_REGS_SP(ctx));
	return 0;
}

SEC("kprobe/rerandom_pass")
int BPF_KPROBE(kp_pass)
{
	pass_enter();
	return 0;
}

SEC("kretprobe/rerandom_pass")
int BPF_KRETPROBE(krp_pass, int ret)
{
	pass_exit(ret);
	return 0;
}

/* --- the probes: fentry flavour (module BTF needed) ----------------------- */

SEC("fentry/rerandom_pass")
int BPF_PROG(fe_pass)
{
	pass_enter();
	return 0;
}

SEC("fexit/rerandom_pass")
int BPF_PROG(fx_pass, int ret)
{
	pass_exit(ret);
	return 0;
}

/* --- the probes: tracepoint flavour (rerandom.ko's own, rr_trace.h) ------- */
/*
 * The same bodies again, on the core's tracepoints (raw: the arguments as
 * the core passed them). The core hands over the return address of the
 * add_pause_list()/remove_pause_list() call and the caller's stack pointer
 * (CFA), which the kprobes read from pt_regs, and, with the body's start,
 * when add_pause_list() was entered.
 */
SEC("raw_tp/rerandom_call_body")
int BPF_PROG(tp_call_body, unsigned long ip, unsigned long cfa, __u64 enter_ns)
{
	call_body_tp(ip, cfa, enter_ns);
	return 0;
}

SEC("raw_tp/rerandom_call_exit")
int BPF_PROG(tp_call_exit, unsigned long ip, unsigned long cfa)
{
	call_exit(cfa);
	return 0;
}

SEC("raw_tp/rerandom_pass_begin")
int BPF_PROG(tp_pass_begin, __u64 pass)
{
	pass_enter();
	return 0;
}

SEC("raw_tp/rerandom_pass_end")
int BPF_PROG(tp_pass_end, __u64 pass, int ret, unsigned int moved)
{
	pass_exit(ret);
	return 0;
}

SEC("raw_tp/rerandom_step_begin")
int BPF_PROG(tp_step_begin, int step)
{
	step_enter();
	return 0;
}

/* step: enum rr_step (include/rr_steps.h), the core's own numbering */
SEC("raw_tp/rerandom_step_end")
int BPF_PROG(tp_step_end, int step)
{
	step_exit((__u32)step);
	return 0;
}

/* --- the steps of a pass, kprobe and fentry flavours ---------------------- */

/* one set of four per step of RR_STEPS(), in include/rr_steps.h */
#define STEP(id, name)							\
SEC("kprobe/rerandom_step_" #name)					\
int BPF_KPROBE(kp_step_##name)						\
{									\
	step_enter();							\
	return 0;							\
}									\
SEC("kretprobe/rerandom_step_" #name)					\
int BPF_KRETPROBE(krp_step_##name)					\
{									\
	step_exit(RR_STEP_##id);							\
	return 0;							\
}									\
SEC("fentry/rerandom_step_" #name)					\
int BPF_PROG(fe_step_##name)						\
{									\
	step_enter();							\
	return 0;							\
}									\
SEC("fexit/rerandom_step_" #name)					\
int BPF_PROG(fx_step_##name)						\
{									\
	step_exit(RR_STEP_##id);							\
	return 0;							\
}

RR_STEPS(STEP)

char LICENSE[] SEC("license") = "GPL";
