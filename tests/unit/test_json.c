// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/lib/json.c, the JSON writer of every wpwatch command:
 * hostile strings (quotes, controls, invalid UTF-8, 512-byte symbol names)
 * written as members of an object and read back by a packaged parser
 * (jansson), which must accept every line and give back the same text
 * (invalid bytes: as the Latin-1 character of their value).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "json.h"

/* What a reader must get back: S with each byte the writer escapes as \u00XX re-encoded. */
static char *expected(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(2 * n + 1), *o = out;
	size_t i = 0;

	assert_non_null(out);
	while (i < n && p[i]) {
		size_t ul = p[i] < 0x20 || p[i] == 0x7f ? 0 :
			    json_utf8_len(p + i, strnlen(s + i, n - i));

		if (ul) {
			memcpy(o, s + i, ul);
			o += ul;
			i += ul;
		} else if (p[i] < 0x80) {
			*o++ = (char)p[i++];
		} else {	/* U+0080..U+00FF in UTF-8 */
			*o++ = (char)(0xc0 | p[i] >> 6);
			*o++ = (char)(0x80 | (p[i++] & 0x3f));
		}
	}
	*o = '\0';
	return out;
}

/* Write {"s":S} as one line, parse it with jansson, compare. */
static void round_trip(const char *s, size_t n)
{
	char *text = NULL, *want;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_error_t jerr;
	json_t *root, *v;

	assert_non_null(f);
	fputs("{\"s\":", f);
	json_strn(f, s, n);
	fputs("}", f);
	fclose(f);
	assert_null(memchr(text, '\n', len));	/* one object, one line */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		fail_msg("jansson rejects %s: %s (column %d)", text, jerr.text, jerr.column);
	v = json_object_get(root, "s");
	assert_true(json_is_string(v));
	want = expected(s, n);
	assert_int_equal(json_string_length(v), strlen(want));
	assert_memory_equal(json_string_value(v), want, strlen(want));
	free(want);
	json_decref(root);
	free(text);
}

static void test_hostile(void **state)
{
	static const char *const cases[] = {
		"", "plain", "a\"b\\c/d", "\n\r\t\b\f\x01\x1f\x7f",
		"caf\xc3\xa9", "\xe2\x82\xac euro", "\xf0\x9f\x98\x80 emoji",
		"\xff\xfe", "\x80 stray continuation", "\xc3", "cut \xe2\x82",
		"\xc0\xaf overlong /", "\xe0\x80\xaf overlong", "\xed\xa0\x80 surrogate",
		"\xf4\x90\x80\x80 beyond U+10FFFF", "\xf5\x80\x80\x80", "kworker/0:1H-\xe9vents",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		round_trip(cases[i], strlen(cases[i]));
}

/* Every byte value, in every position of a short string. */
static void test_every_byte(void **state)
{
	char s[4];
	int b;

	(void)state;
	for (b = 1; b < 256; b++) {
		s[0] = 'x';
		s[1] = (char)b;
		s[2] = (char)b;
		s[3] = '\0';
		round_trip(s, 3);
		round_trip(s + 1, 2);
	}
}

/* A task's comm is a fixed array: json_strn stops at N even without a NUL. */
static void test_comm_no_nul(void **state)
{
	const char comm[16] = { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
				'i', 'j', 'k', 'l', 'm', 'n', 'o', '\xc3' };

	(void)state;
	round_trip(comm, sizeof(comm));
}

/* KSYM_NAME_LEN is 512: a 511-byte name (plus a 2-byte character cut at the end). */
static void test_long_symbol(void **state)
{
	char name[512], buf[16];
	size_t n;

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[511] = '\0';
	round_trip(name, sizeof(name));
	name[509] = '\xc3';
	name[510] = '\xa9';
	round_trip(name, sizeof(name));
	name[510] = '\0';	/* the character cut in half */
	round_trip(name, sizeof(name));
	/* the buffer form: the length it needs, always terminated */
	n = json_str_buf(buf, sizeof(buf), "abcdefghijklmnopqrstuvwxyz");
	assert_int_equal(n, 28);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	n = json_str_buf(buf, sizeof(buf), "\x01");
	assert_string_equal(buf, "\"\\u0001\"");
	assert_int_equal(n, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_comm_no_nul),
		cmocka_unit_test(test_long_symbol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
