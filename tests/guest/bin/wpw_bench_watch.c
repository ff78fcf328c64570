// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_bench_watch: time writes to wpw_test_target done by wpw_testwriter, for
 * tests/bench/watch.sh (run with --icount: the guest clock counts
 * instructions, 1 ns = 1 instruction).
 *
 *   wpw_bench_watch loop N          N writes in one system call; prints the
 *                                   cost per write (ns), best of 5 runs
 *   wpw_bench_watch floor N         the same with a counting perf breakpoint
 *                                   (no handler work: exception + perf
 *                                   dispatch only) on wpw_test_target[0]
 *                                   on every online CPU
 *   wpw_bench_watch paced RATE N    N writes, one per system call, RATE a
 *                                   second; prints the rate achieved
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>

#define TW "/sys/kernel/debug/wpw_testwriter/"

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int write_ctl(int fd, unsigned long long value, unsigned long long n)
{
	char buf[64];
	int len = snprintf(buf, sizeof(buf), "0 %llu %llu\n", value, n);

	return write(fd, buf, len) == len ? 0 : -1;
}

static double loop_cost(int fd, unsigned long long n)
{
	double best = 1e30;
	int r;

	for (r = 0; r < 5; r++) {
		unsigned long long t0 = now_ns();

		if (write_ctl(fd, 1, n)) {
			perror("write " TW "write");
			exit(1);
		}
		if ((double)(now_ns() - t0) / n < best)
			best = (double)(now_ns() - t0) / n;
	}
	return best;
}

int main(int argc, char **argv)
{
	unsigned long long n;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: wpw_bench_watch loop|floor N | paced RATE N\n");
		return 2;
	}
	fd = open(TW "write", O_WRONLY);
	if (fd < 0) {
		perror(TW "write");
		return 1;
	}
	if (!strcmp(argv[1], "loop")) {
		printf("%.1f\n", loop_cost(fd, strtoull(argv[2], NULL, 0)));
	} else if (!strcmp(argv[1], "floor")) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_BREAKPOINT,
			.size = sizeof(attr),
			.bp_type = HW_BREAKPOINT_W,
			.bp_len = HW_BREAKPOINT_LEN_8,
		};
		long cpu, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		unsigned long long count = 0, total = 0, v;
		FILE *f = fopen(TW "addr", "r");
		int fds[256];

		if (!f || fscanf(f, "%llx", &attr.bp_addr) != 1) {
			perror(TW "addr");
			return 1;
		}
		fclose(f);
		for (cpu = 0; cpu < ncpu && cpu < 256; cpu++) {
			fds[cpu] = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, 0);
			if (fds[cpu] < 0) {
				perror("perf_event_open");
				return 1;
			}
		}
		n = strtoull(argv[2], NULL, 0);
		printf("%.1f\n", loop_cost(fd, n));
		for (cpu = 0; cpu < ncpu && cpu < 256; cpu++) {
			if (read(fds[cpu], &v, sizeof(v)) == sizeof(v))
				count += v;
			close(fds[cpu]);
		}
		total = 5 * n;
		if (count != total)
			fprintf(stderr, "wpw_bench_watch: the breakpoint counted %llu of %llu writes\n",
				count, total);
	} else if (!strcmp(argv[1], "paced") && argc == 4) {
		double rate = strtod(argv[2], NULL);
		unsigned long long i, t0, gap;

		n = strtoull(argv[3], NULL, 0);
		gap = (unsigned long long)(1e9 / rate);
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			while (now_ns() < t0 + i * gap)
				;
			if (write_ctl(fd, i, 1)) {
				perror("write");
				return 1;
			}
		}
		printf("%.0f\n", n * 1e9 / (now_ns() - t0));
	} else {
		fprintf(stderr, "wpw_bench_watch: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	close(fd);
	return 0;
}
