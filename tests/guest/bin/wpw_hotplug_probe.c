// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_hotplug_probe ADDR CPU: what the running kernel does with a per-CPU
 * perf breakpoint event when its CPU goes offline and comes back, the facts
 * wpwatch watch's re-attach design rests on (docs/wpwatch.md, "CPU hotplug").
 * It counts writes of wpw_testwriter (from a task pinned to CPU) on one
 * counting event on CPU, takes CPU offline and online, writes again, tries
 * PERF_EVENT_IOC_ENABLE, counts the free watchpoint slots on CPU with the
 * stale event open and closed, and opens an event on the offline CPU.
 * Prints one "fact NAME VALUE" line each; the suite judges them.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>

#define WRITE_CTL "/sys/kernel/debug/wpw_testwriter/write"
#define MAX_FDS 64

struct reading {
	unsigned long long count, enabled, running;
};

static int open_counting(unsigned long addr, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = addr,
		.bp_len = 8,
		.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING,
	};
	int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int get(int fd, struct reading *r)
{
	return read(fd, r, sizeof(*r)) == sizeof(*r) ? 0 : -1;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* N writes of wpw_test_target[0] from this task, pinned to CPU. */
static int write_on(int cpu, int n)
{
	char buf[64];
	FILE *f;
	int ok;

	if (pin(cpu))
		return -1;
	f = fopen(WRITE_CTL, "we");
	if (!f)
		return -1;
	snprintf(buf, sizeof(buf), "0 0x%x %d\n", 0x100 * cpu + n, n);
	ok = fputs(buf, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int set_online(int cpu, int on)
{
	char path[96];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	f = fopen(path, "we");
	if (!f)
		return -1;
	ok = fprintf(f, "%d\n", on) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* How many more write watchpoints CPU takes now (opened, then closed again). */
static int free_slots(unsigned long addr, int cpu)
{
	int fds[MAX_FDS], n = 0, i;

	while (n < MAX_FDS) {
		int fd = open_counting(addr + 8 * (n % 8), cpu);

		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return n;
}

static void fact(const char *name, long long v)
{
	printf("fact %s %lld\n", name, v);
}

int main(int argc, char **argv)
{
	struct reading a, b, c, d;
	unsigned long addr;
	int cpu, fd, fd2, n = 3, err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s ADDR CPU\n", argv[0]);
		return 2;
	}
	addr = strtoul(argv[1], NULL, 0);
	cpu = atoi(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = open_counting(addr, cpu);
	if (fd < 0) {
		fprintf(stderr, "probe: perf_event_open(cpu %d): %s\n", cpu, strerror(-fd));
		return 1;
	}
	if (write_on(cpu, n) || get(fd, &a)) {
		perror("probe: write or read");
		return 1;
	}
	fact("count_before", a.count);			/* n (arm64: a re-trap counts too) */
	fact("running_is_enabled_before", a.running == a.enabled);

	if (pin(0) || set_online(cpu, 0)) {
		perror("probe: offline");
		return 1;
	}
	fd2 = open_counting(addr, cpu);
	fact("open_offline_errno", fd2 < 0 ? -fd2 : 0);	/* ENODEV */
	if (fd2 >= 0)
		close(fd2);
	if (set_online(cpu, 1)) {
		perror("probe: online");
		return 1;
	}
	if (get(fd, &b) || write_on(cpu, n) || get(fd, &c)) {
		perror("probe: write or read after online");
		return 1;
	}
	fact("count_after_online", c.count - a.count);	/* 0 of n: missed */
	fact("enabled_frozen_after_online", c.enabled == b.enabled);	/* OFF */

	/* The event is OFF and out of its context: does ENABLE bring it back? */
	err = ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	fact("ioctl_enable_errno", err ? errno : 0);
	if (write_on(cpu, n) || get(fd, &d)) {
		perror("probe: write or read after enable");
		return 1;
	}
	fact("count_after_enable", d.count - c.count);	/* 0 of n: still missed */
	/* informational: both stay still here too (its context has no time) */
	fact("enabled_advances_after_enable", d.enabled > c.enabled);
	fact("running_advances_after_enable", d.running > c.running);

	/* Does the stale event still hold its watchpoint slot on CPU? */
	fact("free_slots_stale_open", free_slots(addr, cpu));
	close(fd);
	fact("free_slots_stale_closed", free_slots(addr, cpu));

	/* A fresh event on the re-onlined CPU counts. */
	fd = open_counting(addr, cpu);
	if (fd < 0 || write_on(cpu, n) || get(fd, &a)) {
		perror("probe: fresh event");
		return 1;
	}
	fact("count_fresh_event", a.count);		/* n */
	close(fd);
	return 0;
}
