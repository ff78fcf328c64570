// SPDX-License-Identifier: GPL-2.0
/* The command-line and BPF-object helpers every wpwatch subcommand shares: see cli.h. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>
#include "cli.h"

int cli_parse(const struct argp *argp, const char *name, int argc, char **argv, void *input)
{
	char prog[64];

	/* argp names the program after argv[0]: "wpwatch watch", not "watch" */
	snprintf(prog, sizeof(prog), "wpwatch %s", name);
	argv[0] = prog;
	argp_err_exit_status = WPW_EXIT_USAGE;	/* argp's own default is 64 */
	return argp_parse(argp, argc, argv, 0, NULL, input) ? WPW_EXIT_USAGE : 0;
}

unsigned long long cli_num(struct argp_state *state, const char *opt, const char *arg,
			   unsigned long long min, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		if (min == 1)
			argp_failure(state, WPW_EXIT_USAGE, 0,
				     "%s takes a positive integer (at most %llu), not '%s'",
				     opt, max, arg);
		argp_failure(state, WPW_EXIT_USAGE, 0,
			     "%s takes a whole number from %llu to %llu, not '%s'", opt, min, max, arg);
	}
	return v;
}

double cli_secs(struct argp_state *state, const char *opt, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0) || v > 86400.0 * 365)
		argp_failure(state, WPW_EXIT_USAGE, 0,
			     "%s takes a positive number of seconds, not '%s' (at most a year)",
			     opt, arg);
	return v;
}

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

int cli_check_privilege(const char *name)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return 0;	/* cannot tell: let the kernel decide */
	if (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	fprintf(stderr, "wpwatch %s: not enough privilege: needs root, or CAP_BPF and "
		"CAP_PERFMON (have CAP_BPF: %s, CAP_PERFMON: %s, CAP_SYS_ADMIN: no); run it with "
		"sudo\n", name, has_cap(data, CAP_BPF) ? "yes" : "no",
		has_cap(data, CAP_PERFMON) ? "yes" : "no");
	return WPW_EXIT_NO_PRIV;
}

static const struct argp_option common_opts[] = {
	{ "pid", 'p', "PID", 0, "Only the tasks of process PID", 0 },
	{ "tid", 't', "TID", 0, "Only thread TID", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf's messages at every level (the verifier's log on a "
	  "load failure); without it, its warnings and errors only", 0 },
	{},
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	struct cli_common *c = state->input;

	switch (key) {
	case 'p':
		c->pid = cli_num(state, "--pid", arg, 1, INT_MAX);
		break;
	case 't':
		c->tid = cli_num(state, "--tid", arg, 1, INT_MAX);
		break;
	case 'v':
		c->verbose = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp cli_common_argp = { common_opts, common_parse, NULL, NULL, NULL, NULL, NULL };

static bool libbpf_verbose;

static int print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level > LIBBPF_WARN && !libbpf_verbose)
		return 0;
	return vfprintf(stderr, format, args);
}

void cli_libbpf_print(bool verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(print_fn);
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* .rodata, .bss, .kconfig: the object's own, not ours to name */
static bool pinnable(const struct bpf_map *map)
{
	return !strchr(bpf_map__name(map), '.');
}

void cli_unpin(struct bpf_object *obj, struct bpf_program *const *progs, const char *dir)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	/* by path, not by bpf_map__is_pinned(): also a killed run's leftovers */
	bpf_object__for_each_map(map, obj) {
		if (!pinnable(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		unlink(path);
	}
	for (; progs && *progs; progs++) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_program__name(*progs));
		unlink(path);
	}
	rmdir(dir);
}

int cli_pin(struct bpf_object *obj, struct bpf_program *const *progs, const char *dir)
{
	struct bpf_map *map;
	char path[PATH_MAX];
	int err;

	cli_unpin(obj, progs, dir);
	err = mkdir_p(dir);
	if (err)
		return err;
	bpf_object__for_each_map(map, obj) {
		if (!pinnable(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		err = bpf_map__pin(map, path);
		if (err)
			return err;
	}
	for (; progs && *progs; progs++) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_program__name(*progs));
		err = bpf_program__pin(*progs, path);
		if (err)
			return err;
	}
	return 0;
}
