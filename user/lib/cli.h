/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every wpwatch subcommand shares on its command line and around its
 * BPF object: the exit statuses (one table, docs/wpwatch.md), argp parsing
 * under the name "wpwatch CMD" with unknown options exiting 2, the number
 * and seconds option parsers, the privilege check (capabilities, not euid),
 * the libbpf print callback (-v: everything; else WARN and above), and
 * pinning a skeleton's maps and programs. The signals: runner.h.
 */
#ifndef WPWATCH_CLI_H
#define WPWATCH_CLI_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* Exit statuses of every subcommand: documented once, in docs/wpwatch.md. */
enum wpw_exit {
	WPW_EXIT_OK = 0,
	WPW_EXIT_FAIL = 1,	/* run-time failure: load, attach, read, output */
	WPW_EXIT_USAGE = 2,	/* bad option or argument (SPEC, FUNCTION) */
	WPW_EXIT_NO_PRIV = 3,	/* not root / no CAP_BPF + CAP_PERFMON / hidden kallsyms */
	WPW_EXIT_NO_SLOT = 4,	/* no free hardware watchpoint */
	WPW_EXIT_NO_SUPPORT = 5,/* the kernel lacks what it needs (hw breakpoints, kprobes, BTF) */
	WPW_EXIT_NO_CORE = 6,	/* the re-randomization core (rerandom.ko) is not loaded */
};

/* KSYM_NAME_LEN: a kernel symbol's name, NUL included, is at most this long. */
#define WPW_KSYM_NAME_LEN 512

/*
 * argp_parse(ARGP, ARGC, ARGV) for subcommand NAME ("watch"): --help and
 * messages say "wpwatch NAME"; an unknown option or a bad value exits
 * WPW_EXIT_USAGE. Returns 0, or WPW_EXIT_USAGE.
 */
int cli_parse(const struct argp *argp, const char *name, int argc, char **argv, void *input);

/* Parse a whole number from MIN to MAX (0x... allowed) for OPT; exits 2 with a message if not. */
unsigned long long cli_num(struct argp_state *state, const char *opt, const char *arg,
			   unsigned long long min, unsigned long long max);
/* Parse a positive number of seconds (fractions allowed, at most a year); exits 2 if not. */
double cli_secs(struct argp_state *state, const char *opt, const char *arg);

/*
 * 0 when the process has CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON (or the
 * kernel does not say); else prints "wpwatch NAME: ..." saying which it has
 * and what to do, and returns WPW_EXIT_NO_PRIV.
 */
int cli_check_privilege(const char *name);

/* libbpf's messages: every level with VERBOSE (-v), else WARN and above. */
void cli_libbpf_print(bool verbose);


/*
 * The options every command takes, one argp child (cli_common_argp) so that
 * they are written and mean the same once: -p PID, -t TID (filtered in the
 * kernel), -v (libbpf's messages at every level). A command lists it in its
 * argp's children and, at ARGP_KEY_INIT, sets state->child_inputs[0] to its
 * struct cli_common.
 */
struct cli_common {
	pid_t pid;
	pid_t tid;
	bool verbose;
};
extern const struct argp cli_common_argp;

struct bpf_object;
struct bpf_program;

/*
 * Pin OBJ's maps (not .rodata/.bss) and PROGS (NULL-terminated, may be
 * NULL) under DIR, created with its parents; leftovers of a killed run are
 * removed first. 0 or a negative errno. cli_unpin() removes them and DIR.
 */
int cli_pin(struct bpf_object *obj, struct bpf_program *const *progs, const char *dir);
void cli_unpin(struct bpf_object *obj, struct bpf_program *const *progs, const char *dir);

#endif
