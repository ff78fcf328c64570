// SPDX-License-Identifier: GPL-2.0
/* wpwatch lat, options: the argp table, its help text and parser, into env. */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "lat_cmd.h"
#include "prom_http.h"

struct lat_env env;
const char *const lat_unit_names[] = { "nsecs", "usecs", "msecs" };
const __u64 lat_unit_divs[] = { 1, 1000, 1000000 };

static const char doc[] =
"Latency of re-randomizable functions and of re-randomization passes.\n"
"\n"
"USAGE: wpwatch lat [OPTIONS] [FUNCTION...]\n"
"\n"
"Times every call of a re-randomizable function (its body, between\n"
"add_pause_list and remove_pause_list) and every re-randomization pass with\n"
"its steps; prints log2 histograms, count/avg/stddev/min/max, p50/p90/p99/\n"
"p99.9, a per-function table and a passes section. FUNCTION limits the\n"
"report to those functions (their trampoline names).\n"
"\n"
"EXAMPLES:\n"
"    wpwatch lat                 # until Ctrl-C, one report at the end\n"
"    wpwatch lat -u -i 1 -n 5    # five 1-second reports in microseconds\n"
"    wpwatch lat -F rr_add       # rr_add only, with its own histogram\n"
"    wpwatch lat -L -p 1234      # process 1234 only, split per thread\n"
"    wpwatch lat -t 1235         # thread 1235 only\n"
"    wpwatch lat -d 10 --format json --events   # JSON, raw events too\n"
"    wpwatch lat -d 10 --svg lat.svg            # the histograms, drawn\n"
"    wpwatch lat --prometheus 0.0.0.0:9464      # metrics for Prometheus\n"
"\n"
"EXIT STATUS (the same for every wpwatch command, docs/wpwatch.md): 0 ok,\n"
"1 run-time failure, 2 bad option or unknown function, 3 no privilege,\n"
"5 the probe flavour asked for is missing (no kprobes, fentry without\n"
"module BTF, tracepoints in an older core), 6 re-randomization core not loaded.\n";


enum { OPT_FORMAT = 1000, OPT_SVG, OPT_PIN, OPT_PROBE, OPT_PROMETHEUS, OPT_OUTPUT };

static const struct argp_option opts[] = {
	{ "interval", 'i', "SECS", 0, "Print a report every SECS seconds", 0 },
	{ "count", 'n', "N", 0, "Stop after N reports", 0 },
	{ "duration", 'd', "SECS", 0, "Trace for SECS seconds, then report", 0 },
	{ "tids", 'L', NULL, 0, "Split the per-function table per thread", 0 },
	{ "per-function", 'F', NULL, 0, "A histogram per function", 0 },
	{ "milliseconds", 'm', NULL, 0, "Millisecond histograms", 0 },
	{ "microseconds", 'u', NULL, 0, "Microsecond histograms", 0 },
	{ "format", OPT_FORMAT, "FMT", 0, "text (default) or json (one object per report)", 0 },
	{ "events", 'e', NULL, 0, "With --format json: also one object per call/pass", 0 },
	{ "svg", OPT_SVG, "FILE", 0, "Draw the whole run's histograms into FILE", 0 },
	{ "pin", OPT_PIN, "DIR", OPTION_ARG_OPTIONAL,
	  "Pin the maps under DIR (default " LAT_PIN_DEFAULT ") while running", 0 },
	{ "probe", OPT_PROBE, "MODE", 0,
	  "auto (default: the core's tracepoints if it has them), tracepoint, kprobe or fentry", 0 },
	{ "prometheus", OPT_PROMETHEUS, "[ADDR:]PORT", 0,
	  "Serve the whole run's metrics at http://ADDR:PORT/metrics (ADDR default 127.0.0.1)", 0 },
	{ "output", OPT_OUTPUT, "FILE", 0,
	  "Write reports and events to FILE (appended), reopened on SIGHUP", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};


static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case 'i':
		env.interval = cli_secs(state, "--interval", arg);
		break;
	case 'd':
		env.duration = cli_secs(state, "--duration", arg);
		break;
	case 'n':
		env.count = cli_num(state, "--count", arg, 1, LONG_MAX);
		break;
	case 'L':
		env.per_task = true;
		break;
	case 'F':
		env.per_func = true;
		break;
	case 'm':
		env.unit = 2;
		break;
	case 'u':
		env.unit = 1;
		break;
	case 'e':
		env.events = true;
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "json"))
			env.json = true;
		else if (strcmp(arg, "text"))
			argp_failure(state, WPW_EXIT_USAGE, 0,
				     "--format takes text or json, not '%s'", arg);
		break;
	case OPT_SVG:
		env.svg = arg;
		break;
	case OPT_PIN:
		env.pin = arg ? arg : LAT_PIN_DEFAULT;
		break;
	case OPT_PROBE:
		if (!strcmp(arg, "auto"))
			env.probe = PROBE_AUTO;
		else if (!strcmp(arg, "kprobe"))
			env.probe = PROBE_KPROBE;
		else if (!strcmp(arg, "fentry"))
			env.probe = PROBE_FENTRY;
		else if (!strcmp(arg, "tracepoint"))
			env.probe = PROBE_TP;
		else
			argp_failure(state, WPW_EXIT_USAGE, 0,
				     "--probe takes auto, tracepoint, kprobe or fentry, not '%s'", arg);
		break;
	case OPT_PROMETHEUS: {
		char err[256];

		if (prom_http_parse_addr(arg, &env.prom_addr, err, sizeof(err)))
			argp_failure(state, WPW_EXIT_USAGE, 0, "--prometheus %s", err);
		env.prometheus = arg;
		break;
	}
	case OPT_OUTPUT:
		env.output = arg;
		break;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env.common;
		break;
	case ARGP_KEY_ARG:
		env.funcs = realloc(env.funcs, sizeof(*env.funcs) * (env.nfuncs + 1));
		if (!env.funcs)
			argp_failure(state, WPW_EXIT_FAIL, ENOMEM, "arguments");
		env.funcs[env.nfuncs++] = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int lat_parse_args(int argc, char **argv)
{
	static const struct argp_child children[] = { { &cli_common_argp, 0, NULL, 0 }, {} };
	static const struct argp argp = { opts, parse_arg, "[FUNCTION...]", doc, children, NULL, NULL };
	int err;

	free(env.funcs);
	memset(&env, 0, sizeof(env));
	err = cli_parse(&argp, "lat", argc, argv, NULL);
	if (err)
		return err;
	if (env.events && !env.json) {
		fprintf(stderr, "wpwatch lat: --events needs --format json\n");
		return WPW_EXIT_USAGE;
	}
	return 0;
}
