// SPDX-License-Identifier: GPL-2.0
/*
 * The plumbing's proof: one program on a perf breakpoint event and one kprobe
 * on a module function, each counting its hits in a global that user space
 * reads through the skeleton.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile __u64 watched_addr;

__u64 breakpoint_hits;
__u64 breakpoint_retraps;
__u64 kprobe_hits;

/*
 * arm64 traps before the store and the kernel single-steps over it; when
 * something (an interrupt) gets in between, the same store traps again. A
 * repeat shows as the same task, pc, sp and not-yet-changed memory as the
 * previous trap on this CPU: count it apart. x86 traps after the store, so
 * it never repeats.
 */
struct last_trap {
	__u64 pc, sp, value;
	__u32 tid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_trap);
} smoke_last_trap SEC(".maps");

SEC("perf_event")
int smoke_breakpoint(struct bpf_perf_event_data *ctx)
{
	__u32 zero = 0;
	struct last_trap *last = bpf_map_lookup_elem(&smoke_last_trap, &zero);
	__u64 value = 0;
	__u64 pc = PT_REGS_IP(&ctx->regs);
	__u64 sp = PT_REGS_SP(&ctx->regs);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_probe_read_kernel(&value, sizeof(value), (void *)watched_addr);
	if (!last)
		return 0;
#ifdef __TARGET_ARCH_arm64
	if (last->pc == pc && last->sp == sp && last->value == value && last->tid == tid) {
		__sync_fetch_and_add(&breakpoint_retraps, 1);
		return 0;
	}
#endif
	last->pc = pc;
	last->sp = sp;
	last->value = value;
	last->tid = tid;
	__sync_fetch_and_add(&breakpoint_hits, 1);
	return 0;
}

SEC("kprobe/wpw_test_write_one")
int BPF_KPROBE(smoke_kprobe)
{
	__sync_fetch_and_add(&kprobe_hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
