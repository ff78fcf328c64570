// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_bench_watch: time writes to wpw_test_target done by wpw_testwriter, for
 * tests/bench/watch.sh (run with --icount: the guest clock counts
 * instructions, 1 ns = 1 instruction).
 *
 *   wpw_bench_watch loop N [PID]    N writes in one system call; prints the
 *                                   cost per write (ns), best of 5 runs;
 *                                   with PID (a consumer), the CPU time PID
 *                                   ran meanwhile (it can preempt the writer
 *                                   at each cond_resched()) is taken out, so
 *                                   that it is not counted twice
 *   wpw_bench_watch cpu CMD ARGS... run CMD, print the CPU time (ns) it and
 *                                   the children it waited for used, on
 *                                   stderr as "cpu_ns N"
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
#include <dirent.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* CPU time (ns) of every thread of PID so far (schedstat's first field); 0 without PID. */
static unsigned long long pid_runtime(int pid)
{
	unsigned long long sum = 0, v;
	char path[64];
	struct dirent *d;
	DIR *dir;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		char p[320];
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/%d/task/%s/schedstat", pid, d->d_name);
		f = fopen(p, "r");
		if (f && fscanf(f, "%llu", &v) == 1)
			sum += v;
		if (f)
			fclose(f);
	}
	closedir(dir);
	return sum;
}

static double loop_cost(int fd, unsigned long long n, int pid)
{
	double best = 1e30;
	int r;

	for (r = 0; r < 5; r++) {
		unsigned long long c0 = pid_runtime(pid), t0 = now_ns(), t1, c1;

		if (write_ctl(fd, 1, n)) {
			perror("write " TW "write");
			exit(1);
		}
		t1 = now_ns();
		c1 = pid_runtime(pid);
		if ((double)(t1 - t0 - (c1 - c0)) / n < best)
			best = (double)(t1 - t0 - (c1 - c0)) / n;
	}
	return best;
}

int main(int argc, char **argv)
{
	unsigned long long n;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: wpw_bench_watch loop|floor N | paced RATE N | cpu CMD...\n");
		return 2;
	}
	if (!strcmp(argv[1], "cpu")) {
		struct rusage ru;
		int st;
		pid_t pid = fork();

		if (pid == 0) {
			execvp(argv[2], argv + 2);
			perror(argv[2]);
			_exit(127);
		}
		if (pid < 0 || wait4(pid, &st, 0, &ru) < 0) {
			perror("fork/wait");
			return 1;
		}
		fprintf(stderr, "cpu_ns %llu\n",
			(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
	fd = open(TW "write", O_WRONLY);
	if (fd < 0) {
		perror(TW "write");
		return 1;
	}
	if (!strcmp(argv[1], "loop")) {
		printf("%.1f\n", loop_cost(fd, strtoull(argv[2], NULL, 0), argc > 3 ? atoi(argv[3]) : 0));
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
		printf("%.1f\n", loop_cost(fd, n, 0));
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
