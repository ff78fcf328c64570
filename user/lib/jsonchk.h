/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small strict JSON reader (RFC 8259) for checking wpwatch's own JSON lines
 * where no jq exists (the busybox guests): validate a text, find an object's
 * member, walk an array. No allocation; values are spans of the input.
 */
#ifndef WPWATCH_JSONCHK_H
#define WPWATCH_JSONCHK_H

#include <stdbool.h>
#include <stddef.h>

enum json_type { JSON_NONE, JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_NUMBER, JSON_BOOL,
	JSON_NULL };

struct json_span {
	const char *p;
	size_t len;
	enum json_type type;
};

/* Is [S, S+LEN) exactly one JSON value (whitespace around allowed)? */
bool json_valid(const char *s, size_t len);
/* The member KEY of object OBJ (a valid object span). false when absent. */
bool json_member(const struct json_span *obj, const char *key, struct json_span *out);
/* The I-th element of array ARR. false past the end. */
bool json_element(const struct json_span *arr, size_t i, struct json_span *out);
/* A whole valid text as a span (type set). */
bool json_parse(const char *s, size_t len, struct json_span *out);
/* A string span's contents unescaped into BUF (\uXXXX below 0x100 only). */
bool json_string(const struct json_span *str, char *buf, size_t buflen);

#endif
