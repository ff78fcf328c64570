// SPDX-License-Identifier: GPL-2.0
/*
 * One event per watchpoint hit, for tests/guest/bin/wpw_mask.c: the hit
 * address, the writer's task and its kernel stack. Attached to perf
 * breakpoint events, masked (arm64 with kmod/patches) or not.
 *
 * The hit address: perf's sample address of a breakpoint is the watched
 * address (bp_addr), the same for every byte of a masked range. arm64 keeps
 * the address the hardware reported in the event's arch_hw_breakpoint
 * (trigger); read it with CO-RE where that field exists, and fall back to
 * the sample address elsewhere (x86 has no such field).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#define WPW_MASK_STACK 32

struct wpw_mask_event {
	__u64 bp_addr;		/* the watched address (sample address) */
	__u64 hit_addr;		/* the accessed address, or bp_addr */
	__u32 hit_exact;	/* 1: hit_addr came from the hardware */
	__u32 pid;
	char comm[16];
	__s32 stack_bytes;	/* bpf_get_stack()'s result */
	__u32 pad;
	__u64 stack[WPW_MASK_STACK];
};

/* arm64's struct arch_hw_breakpoint, for the field check. */
struct arch_hw_breakpoint___arm64 {
	__u64 address;
	__u64 trigger;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

__u64 hits;
__u64 dropped;

SEC("perf_event")
int wpw_mask_hit(struct bpf_perf_event_data *ctx)
{
	struct bpf_perf_event_data_kern *kctx = (void *)ctx;
	struct arch_hw_breakpoint___arm64 *info;
	struct wpw_mask_event *e;
	struct perf_event *ev;

	__sync_fetch_and_add(&hits, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->bp_addr = ctx->addr;
	e->hit_addr = ctx->addr;
	e->hit_exact = 0;
	if (bpf_core_field_exists(struct arch_hw_breakpoint___arm64, trigger)) {
		ev = BPF_CORE_READ(kctx, event);
		info = (void *)__builtin_preserve_access_index(&ev->hw.info);
		e->hit_addr = BPF_CORE_READ(info, trigger);
		e->hit_exact = 1;
	}
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->stack_bytes = bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0);
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
