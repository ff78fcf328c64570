// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch, kernel side: one program on the perf breakpoint (hardware
 * watchpoint) events that user space opens on every online CPU. Streaming,
 * per write it records who wrote (time, CPU, pid/tid, comm, IP, kernel and
 * user stack as ids in the stack map), where (the slot) and what (the value
 * after and, where it can be had, before), into a ring buffer. Counting
 * (--summary, folded), it only adds one to the count of the write's
 * (kernel stack id, user stack id and process, comm) in watch_counts:
 * nothing crosses per write.
 * Per-CPU counters keep hits = submitted (or counted) + lost.
 * With an object SPEC (obj_mode, user/wpwatch/watch_objects.c) the same
 * events are parked and moved to objects: the programs at the end of this
 * file arm a slot at FUNC (kprobe/kretprobe) and end an object at its free
 * (kmem_cache_free, kfree) or --disarm, all attached only in that mode; they
 * share the slots' maps with the breakpoint program, which is why they live
 * here and not in a skeleton of their own.
 *
 * x86 traps after the store: memory holds the new value, the old one is the
 * last value seen for the slot (watch_shadow, seeded at start by
 * watch_seed_old). arm64 traps before the store: memory holds the old value;
 * the instruction word and the registers go to user space, which decodes the
 * store to get the new value.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "watch.h"

#define EEXIST 17	/* not in vmlinux.h */

const volatile __u32 targ_tgid;			/* 0: every process */
const volatile __u32 targ_tid;			/* 0: every thread */
const volatile char targ_comm[WATCH_COMM_LEN];	/* "": every comm */
const volatile __u32 nr_slots;
const volatile bool user_stacks = true;
const volatile bool kernel_stacks = true;	/* false: --no-stack */
const volatile __u32 mode = WATCH_MODE_STREAM;
const volatile bool count_by_comm;		/* counting: comm is part of the key (folded) */
const volatile bool count_by_spec;		/* counting: the SPEC is part of the key (--prometheus) */
/* Wake the consumer at most every wakeup_ns per CPU, or once wakeup_bytes wait; 0: each event */
const volatile __u64 wakeup_ns;
const volatile __u64 wakeup_bytes;
const volatile __u32 thread_size = 16384;	/* THREAD_SIZE, set by user space */
const volatile bool obj_mode;			/* object SPECs: slots move to objects */
const volatile __u64 obj_max_hits;		/* -n with object SPECs: hits per object (0: all) */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* resized by user space (--ringbuf-size) */
} watch_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct watch_counters);
} watch_counters SEC(".maps");

/* Distinct stacks, kernel and user, by id (--max-stacks entries). */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, WATCH_MAX_STACKS);
	__type(key, __u32);
	__uint(value_size, WATCH_STACK_DEPTH * sizeof(__u64));
} watch_stacks SEC(".maps");

/* Counting mode: writes per key (--max-stacks entries). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WATCH_MAX_STACKS);
	__type(key, struct watch_count_key);
	__type(value, __u64);
} watch_counts SEC(".maps");

/* Streaming: when this CPU last woke the consumer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} watch_last_wakeup SEC(".maps");

/* Streaming: the record is built here, then copied into the ring buffer at its used size. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct watch_record);
} watch_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WATCH_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct watch_slot);
} watch_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WATCH_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct watch_shadow);
} watch_shadow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);	/* [0] the last trap, [1] scratch for this one */
	__type(key, __u32);
	__type(value, struct watch_last_trap);
} watch_last_trap SEC(".maps");


/* ---- object SPECs (FUNC:ARG->field): see watch_objects.c ---- */

/* The plan of each object SPEC, by its index (the arming probe's cookie). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WATCH_OBJ_MAX_SPECS * 2);	/* then --disarm's, from WATCH_OBJ_MAX_SPECS */
	__type(key, __u32);
	__type(value, struct watch_obj_plan);
} watch_obj_plans SEC(".maps");

/* What each slot watches (obj_mode). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WATCH_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct watch_obj);
} watch_objs SEC(".maps");

/*
 * Claims, taken with BPF_NOEXIST (one inserter wins: the compare-and-swap of
 * BPF without -mcpu=v3): a slot's (key: the slot) and an object's (key: the
 * holder, value: its slot). User space deletes the slot's when it parks the
 * slot, and the object's when it was freed; an object done (-n, --disarm)
 * keeps its claim, valued WATCH_MAX_SLOTS, so that it is not armed again,
 * until the free probes see its address freed (a holder at the start of
 * what is freed). LRU: done objects never freed make room for new ones.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WATCH_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} watch_obj_claims SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u32);
} watch_obj_holders SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct watch_obj_counters);
} watch_obj_counters SEC(".maps");

#ifdef __TARGET_ARCH_arm64
/* See struct watch_last_trap: true when this trap repeats the last one on this CPU. */
static __always_inline bool is_retrap(struct bpf_perf_event_data *ctx, __u32 tid, __u32 idx,
				      __u64 old)
{
	__u32 zero = 0, one = 1;
	struct watch_last_trap *last = bpf_map_lookup_elem(&watch_last_trap, &zero);
	struct watch_last_trap *cur = bpf_map_lookup_elem(&watch_last_trap, &one);
	bool same;
	int i;

	if (!last || !cur)
		return false;
#pragma unroll
	for (i = 0; i < 31; i++)
		cur->regs[i] = ctx->regs.regs[i];
	cur->regs[31] = ctx->regs.sp;
	cur->regs[32] = ctx->regs.pc;
	same = last->tid == tid && last->slot == idx && last->old == old;
	for (i = 0; i < 33; i++) {
		if (last->regs[i] != cur->regs[i])
			same = false;
		last->regs[i] = cur->regs[i];
	}
	last->tid = tid;
	last->slot = idx;
	last->old = old;
	return same;
}
#endif

/*
 * Interrupts run on per-CPU stacks: the trapping code ran in task context (a
 * system call, a kernel thread) when its stack pointer lies in the current
 * task's stack. Pid, comm and a user stack are the writer's only then; in an
 * interrupt they are whoever was interrupted. The stack is THREAD_SIZE bytes,
 * which is not in BTF and depends on the config (16 KiB on both arches in
 * Debian's 6.1; 32 KiB with KASAN): with vmapped stacks (CONFIG_VMAP_STACK,
 * Debian's kernels) the stack's vm_struct has it, plus the guard page;
 * without, user space's thread_size.
 */
#define WATCH_GUARD_SIZE	4096UL

static __always_inline unsigned long task_stack_size(struct task_struct *task)
{
	unsigned long size = 0;

	if (bpf_core_field_exists(task->stack_vm_area))
		size = BPF_CORE_READ(task, stack_vm_area, size);
	return size > WATCH_GUARD_SIZE ? size - WATCH_GUARD_SIZE : thread_size;
}

#ifdef __TARGET_ARCH_x86
/*
 * x86 runs an interrupt from user mode on the task stack, so the stack test
 * alone takes it for task context: look at the preempt count as well. The
 * #DB handler itself entered NMI context (irqentry_nmi_enter()).
 */
extern const int __preempt_count __ksym __weak;
#define WATCH_NMI_OFFSET	(1U << 20)
#define WATCH_HARDIRQ_OFFSET	(1U << 16)
#define WATCH_IRQ_BITS		(0x00f00000U | 0x000f0000U | 0x00000100U)	/* NMI, HARDIRQ, SOFTIRQ_OFFSET */
#endif

static __always_inline bool in_task_context(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	unsigned long stack = (unsigned long)BPF_CORE_READ(task, stack);
	unsigned long sp = PT_REGS_SP(&ctx->regs);

	if (!stack || sp < stack || sp >= stack + task_stack_size(task))
		return false;
#ifdef __TARGET_ARCH_x86
	if (&__preempt_count) {
		const int *pcp = bpf_this_cpu_ptr(&__preempt_count);
		__u32 pc = (__u32)*pcp & 0x7fffffffU;	/* without PREEMPT_NEED_RESCHED */

		pc -= WATCH_NMI_OFFSET + WATCH_HARDIRQ_OFFSET;
		if (pc & WATCH_IRQ_BITS)
			return false;
	}
#endif
	return true;
}

static __always_inline bool comm_matches(const char *comm)
{
	int i;

	if (!targ_comm[0])
		return true;
	for (i = 0; i < WATCH_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			return true;
	}
	return true;
}

static __always_inline __u64 read_slot(const struct watch_slot *s, bool *ok)
{
	__u64 v = 0;
	__u32 len = s->len;

	if (len == 0 || len > 8)
		len = 8;
	/* little endian on both arches: the first LEN bytes of v */
	*ok = bpf_probe_read_kernel(&v, len, (void *)s->addr) == 0;
	return v;
}

/*
 * Counting: one more write for this key. Nothing is lost silently: a stack
 * the stack map cannot store (a full map, or a different stack in its
 * bucket) and a new key in a full watch_counts are counted as lost.
 */
static __always_inline void count_write(struct bpf_perf_event_data *ctx,
					struct watch_counters *cnt, const char *comm,
					const struct watch_slot *slot)
{
	struct watch_count_key key;
	__u64 one = 1, *n;
	long err;

	__builtin_memset(&key, 0, sizeof(key));
	key.kstack_id = -1;
	if (kernel_stacks) {
		key.kstack_id = bpf_get_stackid(ctx, &watch_stacks, 0);
		if (key.kstack_id < 0) {
			cnt->lost++;
			cnt->lost_stack++;
			return;
		}
	}
	key.ustack_id = -1;
	/* A user stack, as streaming has one; one the map cannot store is left out. */
	if (kernel_stacks && user_stacks && in_task_context(ctx)) {
		struct task_struct *task = (void *)bpf_get_current_task();

		if (BPF_CORE_READ(task, mm)) {
			key.ustack_id = bpf_get_stackid(ctx, &watch_stacks, BPF_F_USER_STACK);
			if (key.ustack_id < 0)
				key.ustack_id = -1;
			else
				key.pid = bpf_get_current_pid_tgid() >> 32;
		}
	}
	if (count_by_comm)
		__builtin_memcpy(key.comm, comm, sizeof(key.comm));
	if (count_by_spec)
		key.spec = slot->spec;
#ifdef __TARGET_ARCH_arm64
	key.lr = ctx->regs.regs[30];
#endif
	n = bpf_map_lookup_elem(&watch_counts, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	err = bpf_map_update_elem(&watch_counts, &key, &one, BPF_NOEXIST);
	if (err == -EEXIST) {	/* another CPU added it meanwhile */
		n = bpf_map_lookup_elem(&watch_counts, &key);
		if (n) {
			__sync_fetch_and_add(n, 1);
			return;
		}
	}
	if (err) {
		cnt->lost++;
		cnt->lost_counts++;
	}
}

/*
 * A stack as an id in watch_stacks; when the map cannot store it, the frames
 * go inline in the record (FRAMES) and the id is the error.
 */
static __always_inline int stack_of(struct bpf_perf_event_data *ctx, __u64 *frames, int *bytes,
				    __u64 flags, struct watch_counters *cnt)
{
	int id = bpf_get_stackid(ctx, &watch_stacks, flags);

	if (id >= 0)
		return id;
	*bytes = bpf_get_stack(ctx, frames, WATCH_STACK_DEPTH * sizeof(__u64), flags);
	cnt->stacks_inline++;
	return id;
}

/*
 * The ring buffer wakes a waiting consumer for every record by default; on a
 * busy CPU that is a context switch and a poll per write, with the writer
 * preempted each time. Batch instead: wake when this CPU has not woken it for
 * wakeup_ns (so a lone write is seen at once) or when wakeup_bytes are
 * waiting; a record left without a wake-up is read at the consumer's next
 * poll timeout.
 */
static __always_inline __u64 wakeup_flag(__u64 now)
{
	__u32 zero = 0;
	__u64 *last;

	if (!wakeup_ns)
		return 0;
	last = bpf_map_lookup_elem(&watch_last_wakeup, &zero);
	if (!last)
		return 0;
	if (now - *last >= wakeup_ns ||
	    bpf_ringbuf_query(&watch_events, BPF_RB_AVAIL_DATA) >= wakeup_bytes) {
		*last = now;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

/* A message to user space about slot SLOT (struct watch_obj_msg); lost ones counted. */
static __always_inline void obj_tell(__u32 kind, __u32 slot, __u64 holder, __u64 addr, __u64 t)
{
	struct watch_obj_msg m = {
		.magic = WATCH_OBJ_MSG_MAGIC, .holder = holder, .addr = addr, .time_ns = t,
		.kind = kind, .slot = slot,
	};
	__u32 zero = 0;

	if (bpf_ringbuf_output(&watch_events, &m, sizeof(m), BPF_RB_FORCE_WAKEUP)) {
		struct watch_obj_counters *oc = bpf_map_lookup_elem(&watch_obj_counters, &zero);

		if (oc)
			oc->lost_msg++;
	}
}

SEC("perf_event")
int watch_write_hit(struct bpf_perf_event_data *ctx)
{
	__u32 zero = 0, idx = (__u32)bpf_get_attach_cookie(ctx);
	__u64 id = bpf_get_current_pid_tgid();
	struct watch_counters *cnt;
	struct watch_shadow *shadow;
	struct watch_slot *slot;
	struct watch_record *rec;
	struct watch_event *e;
	char comm[WATCH_COMM_LEN];
	bool need_comm = targ_comm[0] || mode == WATCH_MODE_STREAM || count_by_comm;
	__u64 size = sizeof(struct watch_event);
	bool ok;

	struct watch_slot oslot;
	struct watch_obj *obj = NULL;
	__u64 nhits = 0;

	cnt = bpf_map_lookup_elem(&watch_counters, &zero);
	slot = bpf_map_lookup_elem(&watch_slots, &idx);
	shadow = bpf_map_lookup_elem(&watch_shadow, &idx);
	if (!cnt || !slot || !shadow)
		return 0;
	if (obj_mode) {
		/*
		 * The slot watches an object: report only while it is armed. A
		 * freed holder's memory is never reported (the free probe marked
		 * it dead before the allocator could reuse it); -c/-p/-t chose
		 * the arming calls, not the writers.
		 */
		struct watch_obj_counters *oc = bpf_map_lookup_elem(&watch_obj_counters, &zero);

		obj = bpf_map_lookup_elem(&watch_objs, &idx);
		if (!obj || !oc)
			return 0;
		if (obj->state != WATCH_OBJ_ARMED) {
			if (obj->state == WATCH_OBJ_DEAD)
				oc->dead_hits++;
			else
				oc->done_hits++;
			return 0;
		}
		oslot.addr = obj->addr;
		oslot.len = obj->len;
		oslot.spec = obj->spec;
		slot = &oslot;
	}
#ifdef __TARGET_ARCH_arm64
	/*
	 * Before the filters: a re-trap of a write some filter drops must not
	 * count as a second filtered write, and the last-trap record must see
	 * every trap, filtered or not.
	 */
	{
		__u64 old_now = read_slot(slot, &ok);

		if (ok && is_retrap(ctx, (__u32)id, idx, old_now)) {
			cnt->retraps++;
			return 0;
		}
	}
#endif
	if (need_comm)
		bpf_get_current_comm(comm, sizeof(comm));
	if (!obj_mode && ((targ_tgid && (id >> 32) != targ_tgid) ||
			  (targ_tid && (__u32)id != targ_tid) || (need_comm && !comm_matches(comm)))) {
		cnt->filtered++;
		return 0;
	}
	if (obj && obj_max_hits) {
		/* -n with object SPECs: COUNT hits per object, then it is done */
		__sync_fetch_and_add(&obj->hits, 1);
		nhits = obj->hits;
		if (nhits > obj_max_hits) {
			struct watch_obj_counters *oc = bpf_map_lookup_elem(&watch_obj_counters,
									    &zero);

			if (oc)
				oc->done_hits++;
			return 0;
		}
	}
	cnt->hits++;
	if (obj && obj_max_hits && nhits == obj_max_hits) {
		struct watch_obj_counters *oc = bpf_map_lookup_elem(&watch_obj_counters, &zero);

		if (oc)
			oc->done++;
		obj->state = WATCH_OBJ_DONE;
		obj_tell(WATCH_OBJ_MSG_DONE, idx, obj->holder, obj->addr, bpf_ktime_get_ns());
	}
	if (mode == WATCH_MODE_COUNT) {
		count_write(ctx, cnt, comm, slot);
		return 0;
	}

	rec = bpf_map_lookup_elem(&watch_scratch, &zero);
	if (!rec)
		return 0;
	e = &rec->e;
	e->time_ns = bpf_ktime_get_ns();
	e->cpu = bpf_get_smp_processor_id();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->slot = idx;
	e->slot_addr = slot->addr;
	e->flags = 0;
	e->insn = 0;
	e->old = 0;
	__builtin_memcpy(e->comm, comm, sizeof(comm));
	e->ip = PT_REGS_IP(&ctx->regs);
	e->obj_holder = 0;
	if (obj) {
		e->obj_holder = obj->holder;
		e->obj_arm_ns = obj->arm_ns;
		e->obj_arm_pid = obj->arm_pid;
		e->obj_arm_tid = obj->arm_tid;
		__builtin_memcpy(e->obj_arm_comm, obj->arm_comm, sizeof(e->obj_arm_comm));
	}

#ifdef __TARGET_ARCH_arm64
	/* The store has not happened yet: memory is the old value. */
	e->flags |= WATCH_F_BEFORE;
	e->old = read_slot(slot, &ok);
	if (ok)
		e->flags |= WATCH_F_OLD;
	e->value = 0;
	if (!bpf_probe_read_kernel(&e->insn, sizeof(e->insn), (void *)e->ip))
		e->flags |= WATCH_F_INSN;
	{
		int i;

#pragma unroll
		for (i = 0; i < 31; i++)
			e->regs[i] = ctx->regs.regs[i];
		e->regs[31] = ctx->regs.sp;
		e->regs[32] = ctx->regs.pc;
	}
#else
	/* The store has happened: memory is the new value. */
	e->value = read_slot(slot, &ok);
	if (ok)
		e->flags |= WATCH_F_VALUE;
	if (shadow->known) {
		e->old = shadow->value;
		e->flags |= WATCH_F_OLD;
	}
	shadow->value = e->value;
	shadow->known = ok;
#endif

	e->kstack_id = WATCH_NO_STACK;
	e->ustack_id = WATCH_NO_STACK;
	e->kstack_bytes = 0;
	e->ustack_bytes = 0;
	if (kernel_stacks) {
		e->kstack_id = stack_of(ctx, rec->kstack, &e->kstack_bytes, 0, cnt);
		if (e->kstack_id < 0)
			size = offsetof(struct watch_record, ustack);
	}
	if (in_task_context(ctx)) {
		struct task_struct *task = (void *)bpf_get_current_task();

		e->flags |= WATCH_F_TASK;
		/* A user context exists when the writer is a process in a system call. */
		if (BPF_CORE_READ(task, mm)) {
			e->flags |= WATCH_F_USER;
			if (user_stacks && kernel_stacks) {
				e->ustack_id = stack_of(ctx, rec->ustack, &e->ustack_bytes,
							BPF_F_USER_STACK, cnt);
				if (e->ustack_id < 0)
					size = sizeof(struct watch_record);
			}
		}
	}
	if (bpf_ringbuf_output(&watch_events, rec, size, wakeup_flag(e->time_ns))) {
		cnt->lost++;
		cnt->lost_ringbuf++;
	}
	return 0;
}


/* ---- object SPECs: arming and disarming ---- */

/*
 * The _CORE reads: the argument's index is a map value, and clang turns the
 * switch into one load at a computed offset of ctx, which the verifier
 * refuses; a probe read of the register takes any address.
 */
static __always_inline __u64 obj_arg(struct pt_regs *ctx, __u32 arg)
{
	switch (arg) {
	case 0: return PT_REGS_PARM1_CORE(ctx);
	case 1: return PT_REGS_PARM2_CORE(ctx);
	case 2: return PT_REGS_PARM3_CORE(ctx);
	case 3: return PT_REGS_PARM4_CORE(ctx);
	case 4: return PT_REGS_PARM5_CORE(ctx);
	default: return PT_REGS_RC_CORE(ctx);	/* WATCH_OBJ_RET */
	}
}

/* The holder PLAN names from what FUNC was handed (or returned); 0: a NULL on the way. */
static __always_inline __u64 obj_holder(struct pt_regs *ctx, const struct watch_obj_plan *plan)
{
	__u64 v = obj_arg(ctx, plan->arg);
	__u32 i;

#pragma unroll
	for (i = 0; i < WATCH_OBJ_MAX_LOADS; i++) {
		if (i >= plan->nloads || !v)
			break;
		if (bpf_probe_read_kernel(&v, sizeof(v), (void *)(v + plan->load_off[i])))
			return 0;
	}
	return v;
}

static __always_inline bool obj_call_filtered(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	char comm[WATCH_COMM_LEN];

	if ((targ_tgid && (id >> 32) != targ_tgid) || (targ_tid && (__u32)id != targ_tid))
		return true;
	if (targ_comm[0]) {
		bpf_get_current_comm(comm, sizeof(comm));
		return !comm_matches(comm);
	}
	return false;
}

/*
 * FUNC ran: find the field, claim a free slot for its object (one slot per
 * object: a second call with it changes nothing) and ask user space to move
 * the slot there on every CPU. Writes before that is done are not seen: the
 * arming window, measured by user space from T0.
 */
static __always_inline int obj_arm(struct pt_regs *ctx)
{
	__u64 t0 = bpf_ktime_get_ns(), holder, addr, zero64 = 0;
	__u32 zero = 0, spec = (__u32)bpf_get_attach_cookie(ctx), i, sl = 0;
	struct watch_obj_counters *oc = bpf_map_lookup_elem(&watch_obj_counters, &zero);
	struct watch_obj_plan *plan = bpf_map_lookup_elem(&watch_obj_plans, &spec);
	struct watch_shadow *shadow;
	struct watch_slot ws;
	struct watch_obj *o;
	bool claimed = false, ok;

	if (!oc || !plan)
		return 0;
	if (obj_call_filtered()) {
		oc->filtered++;
		return 0;
	}
	oc->calls++;
	holder = obj_holder(ctx, plan);
	if (!holder) {
		oc->null++;
		return 0;
	}
	addr = holder + plan->off;
	if (plan->len && (addr & (plan->len - 1))) {
		oc->misaligned++;
		return 0;
	}
	if (bpf_map_update_elem(&watch_obj_holders, &holder, &zero, BPF_NOEXIST)) {
		oc->again++;	/* armed already (or the map is full: as many as slots) */
		return 0;
	}
#pragma unroll
	for (i = 0; i < WATCH_MAX_SLOTS; i++) {
		__u32 key = i;	/* a copy: the verifier follows i itself through the loop */

		if (i >= nr_slots)
			break;
		if (!bpf_map_update_elem(&watch_obj_claims, &key, &zero64, BPF_NOEXIST)) {
			sl = i;
			claimed = true;
			break;
		}
	}
	if (!claimed) {
		bpf_map_delete_elem(&watch_obj_holders, &holder);
		oc->no_slot++;
		return 0;
	}
	bpf_map_update_elem(&watch_obj_holders, &holder, &sl, BPF_ANY);
	o = bpf_map_lookup_elem(&watch_objs, &sl);
	shadow = bpf_map_lookup_elem(&watch_shadow, &sl);
	if (!o || !shadow)
		return 0;
	o->holder = holder;
	o->addr = addr;
	o->arm_ns = t0;
	o->hits = 0;
	o->len = plan->len;
	o->spec = spec;
	o->arm_pid = bpf_get_current_pid_tgid() >> 32;
	o->arm_tid = (__u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(o->arm_comm, sizeof(o->arm_comm));
	/* x86's first old value: the field as the arming call found it */
	ws.addr = addr;
	ws.len = plan->len;
	shadow->value = read_slot(&ws, &ok);
	shadow->known = ok;
	o->state = WATCH_OBJ_ARMED;
	oc->armed++;
	obj_tell(WATCH_OBJ_MSG_ARM, sl, holder, addr, t0);
	return 0;
}

SEC("kprobe")
int watch_obj_arm(struct pt_regs *ctx)
{
	return obj_arm(ctx);
}

SEC("kretprobe")
int watch_obj_arm_ret(struct pt_regs *ctx)
{
	return obj_arm(ctx);
}

/*
 * Every armed object whose holder lies in [START, START + SIZE) becomes KIND
 * (dead: freed; done: --disarm) at once, before the caller goes on to free
 * or reuse it; user space parks the slot when told.
 */
static __always_inline void obj_end(__u64 start, __u64 size, __u32 kind)
{
	__u32 zero = 0, i;
	struct watch_obj_counters *oc = bpf_map_lookup_elem(&watch_obj_counters, &zero);

	if (!oc || !start)
		return;
	/* a done object freed: its address may hold a new object, to be armed */
	if (kind == WATCH_OBJ_MSG_FREED)
		bpf_map_delete_elem(&watch_obj_holders, &start);
#pragma unroll
	for (i = 0; i < WATCH_MAX_SLOTS; i++) {
		__u32 key = i;
		struct watch_obj *o;

		if (i >= nr_slots)
			break;
		o = bpf_map_lookup_elem(&watch_objs, &key);
		if (!o || (o->state != WATCH_OBJ_ARMED && o->state != WATCH_OBJ_DONE) ||
		    o->holder < start || o->holder - start >= size)
			continue;
		if (kind == WATCH_OBJ_MSG_FREED) {
			/* freed counts armed objects; one done but not parked yet dies quietly */
			if (o->state == WATCH_OBJ_ARMED)
				oc->freed++;
			o->state = WATCH_OBJ_DEAD;
		} else if (o->state == WATCH_OBJ_ARMED) {
			o->state = WATCH_OBJ_DONE;
			oc->disarmed++;
		} else {
			continue;
		}
		obj_tell(kind, i, o->holder, o->addr, bpf_ktime_get_ns());
	}
}

SEC("kprobe/kmem_cache_free")
int BPF_KPROBE(watch_obj_kmem_cache_free, struct kmem_cache *s, void *x)
{
	/* the holder may be a struct inside the slab object: the whole object */
	obj_end((__u64)x, BPF_CORE_READ(s, object_size), WATCH_OBJ_MSG_FREED);
	return 0;
}

SEC("kprobe/kfree")
int BPF_KPROBE(watch_obj_kfree, const void *p)
{
	/* kfree knows no size here: a holder that is the pointer freed */
	obj_end((__u64)p, 1, WATCH_OBJ_MSG_FREED);
	return 0;
}

/* --disarm FUNC:ARG: its plan at WATCH_OBJ_MAX_SPECS + the cookie. */
SEC("kprobe")
int watch_obj_disarm(struct pt_regs *ctx)
{
	__u32 key = WATCH_OBJ_MAX_SPECS + (__u32)bpf_get_attach_cookie(ctx);
	struct watch_obj_plan *plan = bpf_map_lookup_elem(&watch_obj_plans, &key);

	if (plan)
		obj_end(obj_holder(ctx, plan), 1, WATCH_OBJ_MSG_DISARM);
	return 0;
}

/*
 * Run once by user space (BPF_PROG_RUN) before attaching: the value of every
 * slot now, so that the first write on x86 has an "old" value too.
 */
SEC("syscall")
int watch_seed_old(void *ctx)
{
	__u32 i;

	for (i = 0; i < WATCH_MAX_SLOTS && i < nr_slots; i++) {
		__u32 key = i;
		struct watch_slot *slot = bpf_map_lookup_elem(&watch_slots, &key);
		struct watch_shadow *shadow = bpf_map_lookup_elem(&watch_shadow, &key);
		bool ok;

		if (!slot || !shadow)
			continue;
		shadow->value = read_slot(slot, &ok);
		shadow->known = ok;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
