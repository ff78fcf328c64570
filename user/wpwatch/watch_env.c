// SPDX-License-Identifier: GPL-2.0
/* wpwatch watch, options: the argp table, its help text and parser, into struct watch_env. */
#include <argp.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "prom_http.h"
#include "watch_cmd.h"

static const char doc[] =
"Stream the symbolized stack of every writer of kernel memory, through BPF on\n"
"hardware watchpoints (perf breakpoint events) on every online CPU.\n"
"\n"
"USAGE: wpwatch watch [OPTIONS] SPEC...\n"
"  SPEC is [MODULE:]SYMBOL[+OFFSET][:LEN] or 0xADDRESS[:LEN] (LEN in bytes,\n"
"  default 8; longer ranges use several aligned hardware slots), or a field of\n"
"  an object a function is handed or returns, named through BTF:\n"
"  FUNC:ARG->field[.sub|->ptr|[N]]...[:LEN], FUNC:argN[...], FUNC:ret[...]\n"
"  (one such SPEC per run: each object it meets gets a slot of its own, freed\n"
"  when the object is; -c/-p/-t then choose the arming calls; -n is per object).\n"
"\n"
"EXAMPLES:\n"
"  wpwatch watch wpw_test_target             # every write to the first 8 bytes\n"
"  wpwatch watch -n 10 -f json jiffies       # 10 writes, JSON lines\n"
"  wpwatch watch -c dd -t 1234 wpw_test_target  # only thread 1234 named dd\n"
"  wpwatch watch wpw_test_target+8:16 -d 5   # 16 bytes (2 slots), 5 seconds\n"
"  wpwatch watch -s -f folded trampolines:32 > out.folded  # for flamegraph.pl\n"
"  wpwatch watch -s wpw_test_target -d 5      # stacks counted in the kernel\n"
"  wpwatch watch --no-stack -f json jiffies   # values only, the cheapest stream\n"
"  wpwatch watch --prometheus 0.0.0.0:9465 trampolines:32   # metrics\n"
"  wpwatch watch -f json --output /var/log/wpwatch.json jiffies  # SIGHUP reopens\n"
"  wpwatch watch -c dd 'vfs_write:file->f_pos'  # the file offset of dd's files\n"
"\n"
"EXIT STATUS (the same for every wpwatch command, docs/wpwatch.md): 0 ok,\n"
"1 run-time failure, 2 bad option or SPEC, 3 no privilege (root or\n"
"CAP_BPF+CAP_PERFMON), 4 no free hardware watchpoint, 5 the kernel lacks\n"
"hardware breakpoint or BPF support.";


enum { OPT_PIN = 1000, OPT_RINGBUF, OPT_NO_USTACK, OPT_NO_STACK, OPT_LINE_BUFFERED,
       OPT_MAX_STACKS, OPT_PROMETHEUS, OPT_PROM_TOP, OPT_OUTPUT, OPT_MAX_OBJECTS, OPT_DISARM };

static const struct argp_option opts[] = {
	{ "comm", 'c', "COMM", 0, "Only writes by tasks named COMM", 0 },
	{ "cpu", 'C', "CPU", 0, "Watch on CPU only", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS", 0 },
	{ "count", 'n', "COUNT", 0, "Stop after COUNT events", 0 },
	{ "format", 'f', "FORMAT", 0, "text (default), json or folded", 0 },
	{ "summary", 's', NULL, 0,
	  "At the end: distinct stacks with counts, most frequent first (text: instead of "
	  "the events; json: on stderr)", 0 },
	{ "pin", OPT_PIN, NULL, 0, "Pin programs and maps under " WATCH_PIN_DIR " while running", 0 },
	{ "ringbuf-size", OPT_RINGBUF, "BYTES", 0,
	  "Ring buffer size (power of two, >= page size; default 1 MiB)", 0 },
	{ "no-ustack", OPT_NO_USTACK, NULL, 0, "Do not record user stacks", 0 },
	{ "no-stack", OPT_NO_STACK, NULL, 0,
	  "Record no stack at all, kernel or user: values, task and place only (cheapest)", 0 },
	{ "line-buffered", OPT_LINE_BUFFERED, NULL, 0,
	  "Write each event out at once (the default on a terminal; otherwise once per batch)",
	  0 },
	{ "max-stacks", OPT_MAX_STACKS, "N", 0,
	  "Distinct stacks the kernel keeps, and keys it counts (default 8192); beyond, "
	  "counting loses writes (counted as lost), streaming sends the frames with the event",
	  0 },
	{ "max-objects", OPT_MAX_OBJECTS, "N", 0,
	  "Object SPECs: watch at most N objects at once (default: every free hardware slot); "
	  "the rest are counted as not armed", 0 },
	{ "disarm", OPT_DISARM, "FUNC:ARG", 0,
	  "Object SPECs: stop watching an object when FUNC is called with it as ARG (a "
	  "parameter's name or argN)", 0 },
	{ "prometheus", OPT_PROMETHEUS, "[ADDR:]PORT", 0,
	  "Serve counters at http://ADDR:PORT/metrics (ADDR default 127.0.0.1)", 0 },
	{ "prometheus-top", OPT_PROM_TOP, "N", 0,
	  "With --prometheus: count the N most frequent stacks by name (default 10, 0 none)", 0 },
	{ "output", OPT_OUTPUT, "FILE", 0, "Write to FILE (appended), reopened on SIGHUP", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};


static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct watch_env *env = state->input;
	char err[256];

	switch (key) {
	case 'c':
		if (strlen(arg) >= WATCH_COMM_LEN)
			argp_failure(state, WPW_EXIT_USAGE, 0, "--comm '%s' is longer than a task name (%d characters)",
				  arg, WATCH_COMM_LEN - 1);
		strcpy(env->comm, arg);
		break;
	case 'C':
		env->cpu = cli_num(state, "-C", arg, 0, WATCH_MAX_CPUS - 1);
		break;
	case 'd':
		env->duration = cli_secs(state, "-d", arg);
		break;
	case 'n':
		env->count = cli_num(state, "-n", arg, 1, ~0ULL);
		break;
	case 'f':
		if (!strcmp(arg, "text"))
			env->format = FMT_TEXT;
		else if (!strcmp(arg, "json"))
			env->format = FMT_JSON;
		else if (!strcmp(arg, "folded"))
			env->format = FMT_FOLDED;
		else
			argp_failure(state, WPW_EXIT_USAGE, 0, "--format takes text, json or folded, not '%s'", arg);
		break;
	case 's':
		env->summary = true;
		break;
	case OPT_PIN:
		env->pin = true;
		break;
	case OPT_RINGBUF: {
		long page = sysconf(_SC_PAGESIZE);

		env->ringbuf_size = cli_num(state, "--ringbuf-size", arg, page, 1UL << 30);
		if (env->ringbuf_size & (env->ringbuf_size - 1))
			argp_failure(state, WPW_EXIT_USAGE, 0, "--ringbuf-size must be a power of two (and >= %ld), not %s",
				  page, arg);
		break;
	}
	case OPT_NO_USTACK:
		env->no_ustack = true;
		break;
	case OPT_NO_STACK:
		env->no_stack = true;
		break;
	case OPT_LINE_BUFFERED:
		env->line_buffered = true;
		break;
	case OPT_MAX_STACKS:
		env->max_stacks = cli_num(state, "--max-stacks", arg, 1, 1UL << 20);
		break;
	case OPT_PROMETHEUS:
		if (prom_http_parse_addr(arg, &env->prom_addr, err, sizeof(err)))
			argp_failure(state, WPW_EXIT_USAGE, 0, "--prometheus %s", err);
		env->prometheus = arg;
		break;
	case OPT_PROM_TOP:
		env->prom_top = cli_num(state, "--prometheus-top", arg, 0, WATCH_PROM_TOP_MAX);
		break;
	case OPT_OUTPUT:
		env->output = arg;
		break;
	case OPT_MAX_OBJECTS:
		env->max_objects = cli_num(state, "--max-objects", arg, 1, WATCH_MAX_SLOTS);
		break;
	case OPT_DISARM:
		if (objspec_parse(arg, &env->disarm, err, sizeof(err)))
			argp_failure(state, WPW_EXIT_USAGE, 0, "--disarm %s", err);
		if (env->disarm.nops || !strcmp(env->disarm.arg, "ret"))
			argp_failure(state, WPW_EXIT_USAGE, 0, "--disarm %s: give FUNC:ARG, the "
				     "argument that is the object (no fields, not ret)", arg);
		env->has_disarm = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env->common;
		break;
	case ARGP_KEY_ARG:
		if (objspec_is_object(arg)) {
			if (env->has_obj)
				argp_failure(state, WPW_EXIT_USAGE, 0, "'%s': one object SPEC per run "
					     "(already '%s')", arg, env->obj.text);
			if (objspec_parse(arg, &env->obj, err, sizeof(err)))
				argp_failure(state, WPW_EXIT_USAGE, 0, "%s", err);
			env->has_obj = true;
			break;
		}
		if (env->nspecs == WATCH_MAX_SLOTS)
			argp_failure(state, WPW_EXIT_USAGE, 0, "at most %d SPECs", WATCH_MAX_SLOTS);
		if (spec_parse(arg, &env->specs[env->nspecs], err, sizeof(err)))
			argp_failure(state, WPW_EXIT_USAGE, 0, "%s", err);
		env->nspecs++;
		break;
	case ARGP_KEY_END:
		if (env->has_obj && env->nspecs)
			argp_failure(state, WPW_EXIT_USAGE, 0, "'%s' and '%s': an object SPEC cannot "
				     "share a run with other SPECs", env->obj.text, env->specs[0].text);
		if (!env->has_obj && (env->has_disarm || env->max_objects))
			argp_failure(state, WPW_EXIT_USAGE, 0, "--disarm and --max-objects need an "
				     "object SPEC (FUNC:ARG->field)");
		if (!env->nspecs && !env->has_obj)
			argp_failure(state, WPW_EXIT_USAGE, 0, "no SPEC: say what to watch, e.g. 'wpwatch watch jiffies' "
				  "(--help for more)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int watch_parse_args(int argc, char **argv, struct watch_env *env)
{
	static const struct argp_child children[] = { { &cli_common_argp, 0, NULL, 0 }, {} };
	static const struct argp argp = { opts, parse_arg, "SPEC...", doc, children, NULL, NULL };

	memset(env, 0, sizeof(*env));
	env->cpu = -1;
	env->ringbuf_size = 1UL << 20;
	env->max_stacks = WATCH_MAX_STACKS;
	env->prom_top = WATCH_PROM_TOP_DEFAULT;
	return cli_parse(&argp, "watch", argc, argv, env);
}
