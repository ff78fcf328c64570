// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_progstats: every loaded BPF program's name, run count and run time, for
 * tests/bench/lat.sh's per-call breakdown (kernel.bpf_stats_enabled=1 makes
 * the kernel keep run_cnt and run_time_ns; under --icount a nanosecond of
 * guest clock is one instruction).
 *
 *   wpw_progstats       one line per program that ran: "NAME RUN_CNT RUN_TIME_NS"
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

int main(void)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.run_cnt) {
			printf("%s %llu %llu\n", info.name, (unsigned long long)info.run_cnt,
			       (unsigned long long)info.run_time_ns);
			n++;
		}
		close(fd);
	}
	if (errno != ENOENT && !n) {
		fprintf(stderr, "wpw_progstats: listing BPF programs: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
