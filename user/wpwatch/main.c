// SPDX-License-Identifier: GPL-2.0
/* wpwatch: dispatch to a subcommand; each subcommand parses its own options. */
#include <stdio.h>
#include <string.h>
#include "commands.h"

/* argp's --version for every command (one global: argp has no per-parser one) */
const char *argp_program_version = "wpwatch 0.1";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "watch", cmd_watch, "stream the symbolized stack of every writer of kernel memory" },
	{ "lat", cmd_lat, "re-randomization latency: histograms, percentiles, per function" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: wpwatch COMMAND [OPTIONS] [ARGS...]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n'wpwatch COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("%s\n", argp_program_version);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "wpwatch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
