// SPDX-License-Identifier: GPL-2.0
/* Hardware write breakpoints on kernel memory, as perf events (hwbp.h). */
#include <errno.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include "hwbp.h"

/* The one attr of every event here (hwbp_move's must equal it but for place and state). */
static struct perf_event_attr write_attr(unsigned long addr, unsigned long long len, bool disabled,
					 unsigned long long read_format)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = addr,
		.bp_len = len,
		.sample_period = 1,
		.disabled = disabled,
		.read_format = read_format,
	};

	return attr;
}

static int open_write(unsigned long addr, unsigned long long len, int cpu, bool disabled,
		      unsigned long long read_format)
{
	struct perf_event_attr attr = write_attr(addr, len, disabled, read_format);
	int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int hwbp_open_write(unsigned long addr, unsigned long long len, int cpu, bool disabled)
{
	return open_write(addr, len, cpu, disabled, 0);
}

int hwbp_open_write_timed(unsigned long addr, unsigned long long len, int cpu)
{
	return open_write(addr, len, cpu, false,
			  PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING);
}

int hwbp_running_ns(int fd, unsigned long long *running)
{
	unsigned long long v[3];	/* count, time enabled, time running */

	if (read(fd, v, sizeof(v)) != sizeof(v))
		return errno ? -errno : -EIO;
	*running = v[2];
	return 0;
}

int hwbp_move(int fd, unsigned long addr, unsigned long long len, bool disabled)
{
	struct perf_event_attr attr = write_attr(addr, len, disabled, 0);

	return ioctl(fd, PERF_EVENT_IOC_MODIFY_ATTRIBUTES, &attr) ? -errno : 0;
}
