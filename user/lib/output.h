/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output helpers shared by wpwatch commands: folded stack lines for
 * flamegraph.pl, and counting of distinct keys (stacks) reported most
 * frequent first. JSON strings: json.h.
 */
#ifndef WPWATCH_OUTPUT_H
#define WPWATCH_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Append one frame to a folded stack line: ';' separates frames, so ';' and
 * line breaks inside a name become '_'. FIRST: no leading ';'.
 */
void folded_append(char *line, size_t len, const char *frame, int first);

struct counter_entry {
	char *key;
	uint64_t count;
};

struct counter;

struct counter *counter_new(void);
void counter_free(struct counter *c);
/* Add N to KEY's count; -ENOMEM on failure. */
int counter_add(struct counter *c, const char *key, uint64_t n);
size_t counter_size(const struct counter *c);
/* The entries, most frequent first (ties: by key); valid until the next add/free. */
const struct counter_entry *counter_sorted(struct counter *c);

#endif
