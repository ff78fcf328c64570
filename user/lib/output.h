/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output helpers shared by wpwatch commands: JSON string escaping, folded
 * stack lines for flamegraph.pl, and counting of distinct keys (stacks)
 * reported most frequent first.
 */
#ifndef WPWATCH_OUTPUT_H
#define WPWATCH_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * S as a JSON string literal, quotes included. Bytes >= 0x80 are written as
 * \u00XX (Latin-1), so the output is valid JSON whatever S holds.
 */
void json_str(FILE *f, const char *s);
/* The same into BUF; returns the length it needs (like snprintf). */
size_t json_str_buf(char *buf, size_t len, const char *s);

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
