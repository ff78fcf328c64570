// SPDX-License-Identifier: GPL-2.0
/* Hardware write breakpoints on kernel memory, as perf events (hwbp.h). */
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include "hwbp.h"

int hwbp_open_write(unsigned long addr, unsigned long long len, int cpu, bool disabled)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = addr,
		.bp_len = len,
		.sample_period = 1,
		.disabled = disabled,
	};
	int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}
