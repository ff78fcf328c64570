// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_bpf_smoke ADDR N: attach smoke.bpf.c's breakpoint program to a write
 * watchpoint on ADDR on every CPU and its kprobe to wpw_test_write_one, make
 * wpw_testwriter write N times, and check both fired exactly N times.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <linux/hw_breakpoint.h>
#include <bpf/libbpf.h>
#include "smoke.skel.h"
#include "hwbp.h"

#define WRITE_CTL "/sys/kernel/debug/wpw_testwriter/write"

int main(int argc, char **argv)
{
	struct bpf_link *links[64] = {};
	struct smoke_bpf *skel = NULL;
	unsigned long addr;
	long n, ncpu, cpu, nlinks = 0;
	int err = 1;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: %s ADDR N\n", argv[0]);
		return 2;
	}
	addr = strtoul(argv[1], NULL, 0);
	n = strtol(argv[2], NULL, 0);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu > 64)
		ncpu = 64;

	skel = smoke_bpf__open();
	if (skel) {
		skel->rodata->watched_addr = addr;
		if (smoke_bpf__load(skel)) {
			smoke_bpf__destroy(skel);
			skel = NULL;
		}
	}
	if (!skel) {
		fprintf(stderr, "smoke: cannot load the skeleton: %s\n", strerror(errno));
		return 1;
	}
	for (cpu = 0; cpu < ncpu; cpu++) {
		int fd = hwbp_open_write(addr, 8, cpu, false);

		if (fd < 0) {
			fprintf(stderr, "smoke: perf_event_open(breakpoint 0x%lx, cpu %ld): %s\n",
				addr, cpu, strerror(errno));
			goto out;
		}
		links[nlinks] = bpf_program__attach_perf_event(skel->progs.smoke_breakpoint, fd);
		if (!links[nlinks]) {
			fprintf(stderr, "smoke: attach to breakpoint on cpu %ld: %s\n", cpu,
				strerror(errno));
			close(fd);
			goto out;
		}
		nlinks++;
	}
	if (smoke_bpf__attach(skel)) {
		fprintf(stderr, "smoke: kprobe on wpw_test_write_one: %s\n", strerror(errno));
		goto out;
	}

	f = fopen(WRITE_CTL, "w");
	if (!f || fprintf(f, "0 1 %ld\n", n) < 0 || fclose(f)) {
		fprintf(stderr, "smoke: cannot write %s: %s\n", WRITE_CTL, strerror(errno));
		goto out;
	}
	printf("breakpoint hits %llu (+%llu arm64 re-traps), kprobe hits %llu, writes %ld\n",
	       (unsigned long long)skel->bss->breakpoint_hits,
	       (unsigned long long)skel->bss->breakpoint_retraps,
	       (unsigned long long)skel->bss->kprobe_hits, n);
	err = !(skel->bss->breakpoint_hits == (__u64)n && skel->bss->kprobe_hits == (__u64)n);
out:
	for (cpu = 0; cpu < nlinks; cpu++)
		bpf_link__destroy(links[cpu]);
	smoke_bpf__destroy(skel);
	return err;
}
