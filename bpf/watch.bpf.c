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

	cnt = bpf_map_lookup_elem(&watch_counters, &zero);
	slot = bpf_map_lookup_elem(&watch_slots, &idx);
	shadow = bpf_map_lookup_elem(&watch_shadow, &idx);
	if (!cnt || !slot || !shadow)
		return 0;
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
	if ((targ_tgid && (id >> 32) != targ_tgid) || (targ_tid && (__u32)id != targ_tid) ||
	    (need_comm && !comm_matches(comm))) {
		cnt->filtered++;
		return 0;
	}
	cnt->hits++;
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
