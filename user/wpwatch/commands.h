/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands of wpwatch: each lives in its own file and parses its own options. */
#ifndef WPWATCH_COMMANDS_H
#define WPWATCH_COMMANDS_H

/* wpwatch watch: stream the writers of kernel memory (watch.c). */
int cmd_watch(int argc, char **argv);
/* wpwatch lat: re-randomization latency reports (lat.c). */
int cmd_lat(int argc, char **argv);

#endif
