/* SPDX-License-Identifier: GPL-2.0 */
/* Hardware write breakpoints on kernel memory, as perf events. */
#ifndef WPWATCH_HWBP_H
#define WPWATCH_HWBP_H

#include <stdbool.h>

/*
 * Open a PERF_TYPE_BREAKPOINT write event on LEN bytes at kernel address ADDR,
 * for every task on CPU, one sample per hit (for a BPF program to attach to).
 * LEN above 8 is a masked range on kernels with the arm64 MASK patch
 * (docs/watchpoint-mask.md). DISABLED opens it stopped. Returns the fd, or
 * -errno with errno set.
 */
int hwbp_open_write(unsigned long addr, unsigned long long len, int cpu, bool disabled);

/* The same, enabled, and its read() also gives the times (hwbp_running_ns). */
int hwbp_open_write_timed(unsigned long addr, unsigned long long len, int cpu);

/*
 * How long an event of hwbp_open_write_timed() has been on its CPU's
 * hardware, in ns. It stops advancing when the kernel takes the event off
 * for good, as when its CPU goes offline (docs/wpwatch.md, "CPU hotplug").
 * 0 or -errno.
 */
int hwbp_running_ns(int fd, unsigned long long *running);

/*
 * Move an event of hwbp_open_write() to LEN bytes at ADDR, enabled or
 * (DISABLED) parked, with PERF_EVENT_IOC_MODIFY_ATTRIBUTES: the kernel
 * (6.1: perf_event_modify_breakpoint()) takes the event off its CPU, checks
 * the new place, and puts it back unless disabled; its slot stays reserved
 * throughout. 0 or -errno.
 */
int hwbp_move(int fd, unsigned long addr, unsigned long long len, bool disabled);

#endif
