// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_runas [--drop-caps] [--keep-cap N]... [--deny-perf ERRNO] -- CMD [ARGS...]
 *
 * Run CMD as root with less: --drop-caps empties the capability bounding set
 * (except the --keep-cap numbers) and the current sets, so that CMD starts
 * without them although its uid is 0; --deny-perf makes perf_event_open(2)
 * fail with ERRNO (a number) through a seccomp filter, the answer of a kernel
 * without hardware breakpoint support (ENOENT = 2).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define MY_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define MY_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

static int deny_perf(int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MY_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_perf_event_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static int drop_caps(const unsigned long long keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	int cap;

	for (cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -1;
	}
	for (cap = 0; cap < 64; cap++)
		if (keep & (1ULL << cap)) {
			data[cap / 32].effective |= 1U << (cap % 32);
			data[cap / 32].permitted |= 1U << (cap % 32);
		}
	return syscall(SYS_capset, &hdr, data);
}

int main(int argc, char **argv)
{
	unsigned long long keep = 0;
	int i, drop = 0, perf_err = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--drop-caps")) {
			drop = 1;
		} else if (!strcmp(argv[i], "--keep-cap") && i + 1 < argc) {
			keep |= 1ULL << (atoi(argv[++i]) & 63);
		} else if (!strcmp(argv[i], "--deny-perf") && i + 1 < argc) {
			perf_err = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: wpw_runas [--drop-caps] [--keep-cap N]... "
			"[--deny-perf ERRNO] -- CMD [ARGS...]\n");
		return 2;
	}
	if (perf_err && deny_perf(perf_err)) {
		perror("wpw_runas: seccomp");
		return 3;
	}
	if (drop && drop_caps(keep)) {
		perror("wpw_runas: dropping capabilities");
		return 3;
	}
	execvp(argv[i], argv + i);
	perror(argv[i]);
	return 127;
}
