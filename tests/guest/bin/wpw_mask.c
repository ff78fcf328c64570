// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_mask: masked watchpoints on wpw_masktarget's area, for the guest
 * suites (tests/guest/40-mask.sh). A masked watchpoint is a perf breakpoint
 * whose bp_len is a power of two above 8 (arm64 with kmod/patches: one
 * DBGWCR.MASK slot); see docs/watchpoint-mask.md.
 *
 *   wpw_mask open LEN [OFFSET|@ALIGN]
 *       ask for a write watchpoint of LEN bytes at the area + OFFSET (or at
 *       the area's address rounded down to ALIGN bytes), created disabled
 *       (checked, never armed). Exit 0 accepted, 1 refused (the reason on
 *       stderr), 2 usage, 3 setup.
 *   wpw_mask sweep MASK [FROM]
 *       watch 2^MASK bytes from the area's first byte on every CPU, then
 *       write entries FROM, FROM-1, ..., 0 (u64 entries; default FROM: four
 *       ranges above the end of the watched one, inside the area) and print
 *       the first entry whose write fired, how many writes fired, and how
 *       many of them were outside the range.
 *   wpw_mask bpf MASK IDX
 *       watch 2^MASK bytes (MASK 3: the ordinary 8-byte watchpoint) from
 *       the area's first byte with tests/bpf/wpw_mask.bpf.c attached, write entry
 *       IDX once, and print what the program saw: hit address, writer,
 *       kernel stack. Exit 0 when the sample address is the watched one,
 *       the hit address is the entry's (arm64 must say it from the
 *       hardware: a CO-RE field check that fails there is an error, not a
 *       fallback; x86 keeps no hit address, so the entry written must lie
 *       in the watched range), and the stack holds the writer function.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <linux/hw_breakpoint.h>
#include <bpf/libbpf.h>
#include "wpw_mask.skel.h"
#include "hwbp.h"

#define DIR "/sys/kernel/debug/wpw_masktarget/"
#define WRITER "wpw_mask_write_entry"
#define MAX_CPUS 64

/* Keep in step with struct wpw_mask_event in tests/bpf/wpw_mask.bpf.c. */
struct wpw_mask_event {
	__u64 bp_addr;
	__u64 hit_addr;
	__u32 hit_exact;
	__u32 pid;
	char comm[16];
	__s32 stack_bytes;
	__u32 pad;
	__u64 stack[32];
};

static unsigned long area, area_size;
static int write_fd = -1;

static int read_ulong(const char *path, int base, unsigned long *val)
{
	char buf[64];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*val = strtoul(buf, NULL, base);
	return 0;
}

static int setup(void)
{
	if (read_ulong(DIR "addr", 16, &area) || read_ulong(DIR "size", 10, &area_size)) {
		fprintf(stderr, "wpw_mask: cannot read %saddr and size: %s (modprobe wpw_masktarget first)\n",
			DIR, strerror(errno));
		return -1;
	}
	write_fd = open(DIR "write", O_WRONLY);
	if (write_fd < 0) {
		fprintf(stderr, "wpw_mask: %swrite: %s\n", DIR, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_entry(unsigned long idx)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lu", idx);

	if (write(write_fd, buf, n) != n) {
		fprintf(stderr, "wpw_mask: writing entry %lu: %s\n", idx, strerror(errno));
		return -1;
	}
	return 0;
}

static void explain_refusal(unsigned long addr, unsigned long long len, int err)
{
	fprintf(stderr, "wpw_mask: the kernel refused a %llu-byte write watchpoint at 0x%lx: %s\n",
		len, addr, strerror(err));
	if (len > 8)
		fprintf(stderr, "wpw_mask: watching more than 8 bytes with one watchpoint needs arm64 "
			"with the DBGWCR.MASK patch (kmod/patches/, tests/vm/run --kernel mask) or "
			"an x86 CPU with AMD's range breakpoints (BPEXT), a power-of-two length and "
			"an address aligned to it\n");
}

/* Open LEN at ADDR on every CPU; returns the number opened, or -errno. */
static int open_all(unsigned long addr, unsigned long long len, int *fds, int disabled)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int cpu;

	if (ncpu > MAX_CPUS)
		ncpu = MAX_CPUS;
	for (cpu = 0; cpu < ncpu; cpu++) {
		fds[cpu] = hwbp_open_write(addr, len, cpu, disabled);
		if (fds[cpu] < 0) {
			int err = errno;

			while (cpu-- > 0)
				close(fds[cpu]);
			return -err;
		}
	}
	return ncpu;
}

static unsigned long long count_all(const int *fds, int n)
{
	unsigned long long sum = 0, v;
	int i;

	for (i = 0; i < n; i++)
		if (read(fds[i], &v, sizeof(v)) == sizeof(v))
			sum += v;
	return sum;
}

static int parse_mask(const char *s, int *mask)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (*end || v < 3 || v > 40)
		return -1;
	*mask = v;
	return 0;
}

static int cmd_open(int argc, char **argv)
{
	unsigned long long len;
	unsigned long addr = area;
	int fds[MAX_CPUS], n, i;

	if (argc < 1 || argc > 2)
		return 2;
	len = strtoull(argv[0], NULL, 0);
	if (argc == 2) {
		if (argv[1][0] == '@')
			addr = area & ~(strtoul(argv[1] + 1, NULL, 0) - 1);
		else
			addr = area + strtoul(argv[1], NULL, 0);
	}
	n = open_all(addr, len, fds, 1);
	if (n < 0) {
		explain_refusal(addr, len, -n);
		return 1;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	printf("accepted: %llu-byte write watchpoint at 0x%lx on %d CPUs\n", len, addr, n);
	return 0;
}

static int cmd_sweep(int argc, char **argv)
{
	unsigned long long len, start, before, now, fired = 0, outside = 0;
	unsigned long entries, from, idx;
	long first = -1;
	int mask, fds[MAX_CPUS], n, i;

	if (argc < 1 || argc > 2 || parse_mask(argv[0], &mask))
		return 2;
	len = 1ULL << mask;
	entries = len / 8;
	if (len > area_size) {
		fprintf(stderr, "wpw_mask: mask %d (%llu bytes) is larger than the area (%lu bytes)\n",
			mask, len, area_size);
		return 2;
	}
	from = 4 * entries + 63;
	if (argc == 2)
		from = strtoul(argv[1], NULL, 0);
	if (from >= area_size / 8)
		from = area_size / 8 - 1;

	n = open_all(area, len, fds, 0);
	if (n < 0) {
		explain_refusal(area, len, -n);
		return 1;
	}
	start = before = count_all(fds, n);
	for (idx = from + 1; idx-- > 0;) {
		if (write_entry(idx))
			return 3;
		now = count_all(fds, n);
		if (now == before)
			continue;
		fired++;
		if (idx >= entries)
			outside++;
		if (first < 0)
			first = idx;
		before = now;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	printf("mask %d: %llu bytes at 0x%lx; swept entries %lu..0; first to fire: %ld (bytes %ld..%ld); "
	       "fired %llu of %lu inside, %llu outside\n",
	       mask, len, area, from, first, first * 8, first * 8 + 7,
	       fired - outside, entries, outside);
	printf("first=%ld fired=%llu outside=%llu entries=%lu counted=%llu\n", first, fired - outside,
	       outside, entries, before - start);
	return 0;
}

/* "symbol+offset" of the nearest /proc/kallsyms function at or below IP. */
static const char *ksym_name(unsigned long ip, char *out, size_t outlen)
{
	char line[512], name[256], best[256] = "", type;
	unsigned long a, best_addr = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	snprintf(out, outlen, "0x%lx", ip);
	if (!f)
		return out;
	while (fgets(line, sizeof(line), f)) {
		/* $x, $d: arm64 mapping symbols, not functions */
		if (sscanf(line, "%lx %c %255s", &a, &type, name) != 3 || name[0] == '$')
			continue;
		if (a <= ip && a > best_addr && (type == 't' || type == 'T')) {
			best_addr = a;
			memcpy(best, name, sizeof(best));
		}
	}
	fclose(f);
	if (best[0])
		snprintf(out, outlen, "%.255s+0x%lx", best, ip - best_addr);
	return out;
}

struct bpf_state {
	unsigned long want_hit, watched, len;
	int events;
	int bad;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct bpf_state *st = ctx;
	const struct wpw_mask_event *e = data;
	char sym[320];
	int i, frames, has_writer = 0;

	if (size < sizeof(*e))
		return 0;
	st->events++;
	printf("hit: address 0x%llx (%s), watched 0x%llx, writer %.16s pid %u\n",
	       (unsigned long long)e->hit_addr,
	       e->hit_exact ? "reported by the hardware" : "the kernel keeps no hit address here",
	       (unsigned long long)e->bp_addr, e->comm, e->pid);
	frames = e->stack_bytes > 0 ? e->stack_bytes / 8 : 0;
	for (i = 0; i < frames; i++) {
		ksym_name(e->stack[i], sym, sizeof(sym));
		printf("  #%d %s\n", i, sym);
		if (!strncmp(sym, WRITER "+", strlen(WRITER) + 1))
			has_writer = 1;
	}
	if (frames == 0)
		printf("  (no stack: bpf_get_stack returned %d)\n", e->stack_bytes);
	if (e->bp_addr != st->watched) {
		printf("  bad: the sample address is not the watched 0x%lx\n", st->watched);
		st->bad++;
	}
#ifdef __aarch64__
	/* 6.1's arm64 arch_hw_breakpoint has .trigger: no hardware address is a failure */
	if (!e->hit_exact) {
		printf("  bad: arm64 without the hardware's hit address (CO-RE found no .trigger)\n");
		st->bad++;
	}
#endif
	if (e->hit_exact ? e->hit_addr != st->want_hit :
	    e->hit_addr != e->bp_addr || st->want_hit < st->watched ||
	    st->want_hit >= st->watched + st->len) {
		printf("  bad: hit address 0x%llx, wanted 0x%lx\n", (unsigned long long)e->hit_addr,
		       st->want_hit);
		st->bad++;
	}
	if (!has_writer)
		st->bad++;
	return 0;
}

static int cmd_bpf(int argc, char **argv)
{
	struct bpf_link *links[MAX_CPUS] = {};
	struct wpw_mask_bpf *skel;
	struct ring_buffer *rb = NULL;
	struct bpf_state st = {};
	unsigned long long len;
	unsigned long idx;
	int mask, fds[MAX_CPUS], n, i, ret = 1;

	if (argc != 2 || parse_mask(argv[0], &mask))
		return 2;
	len = mask == 3 ? 8 : 1ULL << mask;
	idx = strtoul(argv[1], NULL, 0);
	if (len > area_size || idx >= area_size / 8) {
		fprintf(stderr, "wpw_mask: mask %d or entry %lu is outside the area (%lu bytes)\n",
			mask, idx, area_size);
		return 2;
	}
	st.want_hit = area + idx * 8;
	st.watched = area;
	st.len = len;

	skel = wpw_mask_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "wpw_mask: cannot load tests/bpf/wpw_mask.bpf.c: %s\n", strerror(errno));
		return 3;
	}
	n = open_all(area, len, fds, 0);
	if (n < 0) {
		explain_refusal(area, len, -n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		links[i] = bpf_program__attach_perf_event(skel->progs.wpw_mask_hit, fds[i]);
		if (!links[i]) {
			fprintf(stderr, "wpw_mask: attaching to the watchpoint on CPU %d: %s\n", i,
				strerror(errno));
			ret = 3;
			goto out;
		}
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &st, NULL);
	if (!rb) {
		fprintf(stderr, "wpw_mask: ring buffer: %s\n", strerror(errno));
		ret = 3;
		goto out;
	}
	if (write_entry(idx)) {
		ret = 3;
		goto out;
	}
	ring_buffer__poll(rb, 1000);
	printf("events %d, program runs %llu, dropped %llu\n", st.events,
	       (unsigned long long)skel->bss->hits, (unsigned long long)skel->bss->dropped);
	/*
	 * One write, one event; but arm64 can report a write twice when an
	 * interrupt lands between the watchpoint exception and the step over
	 * the store, so every event must be right and there must be one.
	 */
	if (st.events >= 1 && !st.bad) {
		ret = 0;
	} else {
		fprintf(stderr, "wpw_mask: wanted events with hit address 0x%lx and %s on the stack\n",
			st.want_hit, WRITER);
	}
out:
	ring_buffer__free(rb);
	for (i = 0; i < MAX_CPUS; i++)
		bpf_link__destroy(links[i]);
	wpw_mask_bpf__destroy(skel);
	return ret;
}

int main(int argc, char **argv)
{
	int ret = 2;

	if (argc >= 2 && setup())
		return 3;
	if (argc >= 2 && !strcmp(argv[1], "open"))
		ret = cmd_open(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "sweep"))
		ret = cmd_sweep(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "bpf"))
		ret = cmd_bpf(argc - 2, argv + 2);
	if (ret == 2)
		fprintf(stderr, "usage: wpw_mask open LEN [OFFSET|@ALIGN] | sweep MASK [FROM] | bpf MASK IDX\n");
	return ret;
}
