// SPDX-License-Identifier: GPL-2.0
/*
 * The plumbing's proof: one program on a perf breakpoint event and one kprobe
 * on a module function, each counting its hits in a global that user space
 * reads through the skeleton.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u64 breakpoint_hits;
__u64 kprobe_hits;

SEC("perf_event")
int smoke_breakpoint(struct bpf_perf_event_data *ctx)
{
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
