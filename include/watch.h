/* SPDX-License-Identifier: GPL-2.0 */
/* wpwatch watch: what bpf/watch.bpf.c and user/wpwatch/watch*.c share; plain C types only. */
#ifndef WPWATCH_WATCH_H
#define WPWATCH_WATCH_H

#define WATCH_MAX_SLOTS		16	/* hardware slots one run may use */
#define WATCH_STACK_DEPTH	64	/* frames kept per stack */
#define WATCH_COMM_LEN		16
#define WATCH_MAX_STACKS	8192	/* default entries of the stack and counts maps (--max-stacks) */

/* What the program does per write (rodata mode). */
#define WATCH_MODE_STREAM	0	/* one ring-buffer record per write */
#define WATCH_MODE_COUNT	1	/* only a count per (stack, group) in watch_counts */

/* watch_event.flags */
#define WATCH_F_VALUE		(1U << 0)	/* value: memory after the write */
#define WATCH_F_OLD		(1U << 1)	/* old: memory before the write */
#define WATCH_F_BEFORE		(1U << 2)	/* the trap came before the store (arm64) */
#define WATCH_F_INSN		(1U << 3)	/* insn and regs hold the trapping store */
#define WATCH_F_USER		(1U << 4)	/* the writer has a user context (syscall) */
#define WATCH_F_TASK		(1U << 5)	/* task context (not an interrupt) */

/* One hardware slot: a watched chunk, from the attach cookie. */
struct watch_slot {
	unsigned long long addr;
	unsigned int len;	/* bytes the slot watches (the value read is min(len, 8)) */
	unsigned int spec;	/* index of the SPEC it belongs to */
};

/*
 * Per-CPU counters: hits = events submitted (streaming) or counted in
 * watch_counts (counting) + lost; lost is the sum of its three causes;
 * filtered never become events.
 */
struct watch_counters {
	unsigned long long hits;	/* writes seen that pass the filters */
	unsigned long long lost;	/* neither delivered nor counted, any cause below */
	unsigned long long filtered;	/* writes dropped by -p / --comm */
	unsigned long long retraps;	/* arm64: the same store trapping again (not a write) */
	unsigned long long lost_ringbuf;	/* streaming: ring buffer full */
	unsigned long long lost_stack;	/* counting: the stack map could not store the stack */
	unsigned long long lost_counts;	/* counting: watch_counts full (a new key) */
	unsigned long long stacks_inline;	/* streaming: stack map full, frames sent in the record */
};

/*
 * Counting mode: the key of watch_counts, what the output groups by. Fields
 * a format does not group by are 0.
 */
struct watch_count_key {
	unsigned long long lr;		/* arm64: the link register (leaf caller, see watch_model.c) */
	int kstack_id;			/* in watch_stacks; -1: no kernel stack (--no-stack) */
	int ustack_id;			/* in watch_stacks; -1: no user stack */
	unsigned int pid;		/* with a user stack: its process (whose mappings name it) */
	unsigned int spec;		/* --prometheus: the SPEC written (per-SPEC counts) */
	char comm[WATCH_COMM_LEN];	/* folded: the writer's comm */
};

/*
 * arm64: the last trap on this CPU. A trap by the same task at the same IP,
 * with the same registers and the watched memory unchanged, is the same
 * store trapping again before it ran (seen under QEMU: the step over the
 * store did not happen), not a second write.
 */
struct watch_last_trap {
	unsigned long long old;
	unsigned long long regs[33];	/* x0..x30, sp, pc */
	unsigned int tid;
	unsigned int slot;
};

/* Last value seen per slot (x86: the memory before the next write). */
struct watch_shadow {
	unsigned long long value;
	unsigned long long known;
};

struct watch_event {
	unsigned long long time_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	unsigned long long ip;		/* instruction address the trap reports */
	unsigned long long slot_addr;	/* address of the slot that fired */
	unsigned long long value;	/* memory of the slot after the write (x86) */
	unsigned long long old;		/* memory of the slot before the write */
	unsigned int cpu;
	unsigned int pid;		/* tgid */
	unsigned int tid;
	unsigned int slot;
	unsigned int flags;		/* WATCH_F_* */
	unsigned int insn;		/* arm64: the instruction word at ip */
	/*
	 * A stack is an id in watch_stacks (>= 0), or, when that map could not
	 * store it (-errno from bpf_get_stackid()), its frames inline in the
	 * record (struct watch_record): kstack_bytes/ustack_bytes are then
	 * bpf_get_stack()'s result (bytes or -errno); the record ends after the
	 * last half of it in use.
	 * WATCH_NO_STACK: not recorded (--no-stack, --no-ustack, no user context).
	 */
	int kstack_id;
	int ustack_id;
	int kstack_bytes;
	int ustack_bytes;
	char comm[WATCH_COMM_LEN];
	unsigned long long regs[33];	/* arm64: x0..x30, sp, pc (to decode the store) */
	/* object SPECs: the object written, and the call that armed it */
	unsigned long long obj_holder;	/* 0: not an object SPEC */
	unsigned long long obj_arm_ns;
	unsigned int obj_arm_pid, obj_arm_tid;
	char obj_arm_comm[WATCH_COMM_LEN];
};

/*
 * Object SPECs (FUNC:ARG->field): how BPF finds the field from what FUNC is
 * handed. holder = the argument (or the return value); then, for each load,
 * holder = *(holder + load_off[i]); the field is at holder + off, len bytes.
 */
#define WATCH_OBJ_MAX_LOADS	8
#define WATCH_OBJ_MAX_ARGS	5	/* register arguments libbpf 1.1's PT_REGS_PARMn reads on both arches */
#define WATCH_OBJ_RET		0xffU	/* arg: the return value (a kretprobe) */

struct watch_obj_plan {
	unsigned int arg;		/* parameter index, or WATCH_OBJ_RET */
	unsigned int nloads;
	unsigned int load_off[WATCH_OBJ_MAX_LOADS];
	unsigned int off;		/* the field's offset in the holder */
	unsigned int len;		/* bytes the slot watches: 1, 2, 4 or 8 */
};

#define WATCH_OBJ_MAX_SPECS	4	/* object SPECs in one run */

/* watch_obj.state: what a slot given to objects holds. */
#define WATCH_OBJ_FREE		0	/* nothing: parked (disabled), free to claim */
#define WATCH_OBJ_ARMED		1	/* claimed by an arming call, hits reported */
#define WATCH_OBJ_DEAD		2	/* its holder was freed: hits dropped (dead_hits) */
#define WATCH_OBJ_DONE		3	/* -n hits reached or --disarm: hits dropped (done_hits) */

/* One slot given to objects (watch_objs, by slot): which object it watches. */
struct watch_obj {
	unsigned long long holder;	/* the object holding the field; 0: the slot is free */
	unsigned long long addr;	/* the field's address */
	unsigned long long arm_ns;	/* the arming call: FUNC's entry (ret: its return) */
	unsigned long long hits;	/* writes reported */
	unsigned int state;		/* WATCH_OBJ_* */
	unsigned int len;
	unsigned int spec;		/* the object SPEC that armed it */
	unsigned int arm_pid, arm_tid;
	char arm_comm[WATCH_COMM_LEN];
};

/* What the object programs tell user space, in the events' ring buffer. */
#define WATCH_OBJ_MSG_MAGIC	0x575057424f424a4dULL	/* no event's time_ns */
#define WATCH_OBJ_MSG_ARM	1	/* claimed: move the slot to addr on every CPU */
#define WATCH_OBJ_MSG_FREED	2	/* the holder is being freed: park the slot */
#define WATCH_OBJ_MSG_DONE	3	/* -n hits reached: park the slot */
#define WATCH_OBJ_MSG_DISARM	4	/* --disarm FUNC:ARG was called with the holder: park */

struct watch_obj_msg {
	unsigned long long magic;	/* WATCH_OBJ_MSG_MAGIC */
	unsigned long long holder, addr;
	unsigned long long time_ns;	/* ARM: the arming call's time; else now */
	unsigned int kind;		/* WATCH_OBJ_MSG_* */
	unsigned int slot;
};

/* Per-CPU counts of the object programs. */
struct watch_obj_counters {
	unsigned long long calls;	/* arming calls that passed -c/-p/-t */
	unsigned long long filtered;	/* arming calls dropped by -c/-p/-t */
	unsigned long long armed;	/* objects given a slot */
	unsigned long long again;	/* calls with an object already armed */
	unsigned long long no_slot;	/* not armed: no free slot */
	unsigned long long null;	/* not armed: a NULL (or unreadable) pointer on the way */
	unsigned long long misaligned;	/* not armed: the field not aligned for one slot */
	unsigned long long freed;	/* armed objects freed (kfree, kmem_cache_free) */
	unsigned long long disarmed;	/* armed objects handed to --disarm's FUNC */
	unsigned long long done;	/* armed objects that reached -n hits */
	unsigned long long dead_hits;	/* hits on a freed object's slot, dropped */
	unsigned long long done_hits;	/* hits after -n / --disarm before the park, dropped */
	unsigned long long lost_msg;	/* messages the ring buffer had no room for */
};

#define WATCH_NO_STACK		(-1000000)	/* stack id: none recorded */

/* A ring-buffer record: the event, then inline stacks when the stack map was full. */
struct watch_record {
	struct watch_event e;
	unsigned long long kstack[WATCH_STACK_DEPTH];
	unsigned long long ustack[WATCH_STACK_DEPTH];
};

#endif
