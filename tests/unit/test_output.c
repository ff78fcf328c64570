// SPDX-License-Identifier: GPL-2.0
/* Unit tests of user/lib/output.c and jsonchk.c: JSON escaping, folded lines, counting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "jsonchk.h"
#include "output.h"

static void test_json_escape(void **state)
{
	char buf[128], back[64];
	const char *nasty = "a\"b\\c\nd\te\x01\x7f\xff;";
	struct json_span sp;
	size_t n;

	(void)state;
	n = json_str_buf(buf, sizeof(buf), nasty);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\\u00ff;\"");
	assert_true(json_parse(buf, n, &sp));
	assert_int_equal(sp.type, JSON_STRING);
	assert_true(json_string(&sp, back, sizeof(back)));
	assert_string_equal(back, nasty);
	/* truncation reports the needed length and stays terminated */
	n = json_str_buf(buf, 4, "abcdef");
	assert_int_equal(n, 8);
	assert_string_equal(buf, "\"ab");
}

static void test_json_stream(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct json_span obj, v;

	(void)state;
	fputs("{\"comm\":", f);
	json_str(f, "kworker/0:1 \"x\"");
	fputs(",\"stack\":[{\"sym\":\"a+0x1\"},{\"sym\":\"b+0x2\"}]}", f);
	fclose(f);
	assert_true(json_parse(text, len, &obj));
	assert_true(json_member(&obj, "stack", &v));
	assert_int_equal(v.type, JSON_ARRAY);
	{
		struct json_span el, sym;
		char s[32];

		assert_true(json_element(&v, 1, &el));
		assert_true(json_member(&el, "sym", &sym));
		assert_true(json_string(&sym, s, sizeof(s)));
		assert_string_equal(s, "b+0x2");
		assert_false(json_element(&v, 2, &el));
	}
	assert_false(json_member(&obj, "nope", &v));
	free(text);
}

static void test_json_invalid(void **state)
{
	static const char *bad[] = { "", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "\"\x01\"",
		"01", "1.", "{\"a\":tru}", "\"\\x\"", "{} {}", "[\"\\u12\"]" };
	static const char *good[] = { "{}", "[]", "0", "-1.5e+3", "\"\\u00ff\"", " {\"a\":[null,true]} " };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (json_valid(bad[i], strlen(bad[i])))
			fail_msg("'%s' should be invalid", bad[i]);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!json_valid(good[i], strlen(good[i])))
			fail_msg("'%s' should be valid", good[i]);
}

static void test_folded(void **state)
{
	char line[64] = "";

	(void)state;
	folded_append(line, sizeof(line), "my;comm", 1);
	folded_append(line, sizeof(line), "vfs_write", 0);
	folded_append(line, sizeof(line), "bad\nname", 0);
	assert_string_equal(line, "my_comm;vfs_write;bad_name");
	/* never overflows */
	folded_append(line, 30, "0123456789", 0);
	assert_int_equal(strlen(line), 29);
}

static void test_counter(void **state)
{
	struct counter *c = counter_new();
	const struct counter_entry *e;
	char key[32];
	int i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i % 100);
		assert_int_equal(counter_add(c, key, i % 100 == 7 ? 5 : 1), 0);
	}
	assert_int_equal(counter_size(c), 100);
	e = counter_sorted(c);
	assert_string_equal(e[0].key, "k7");
	assert_int_equal(e[0].count, 50);
	assert_int_equal(e[1].count, 10);
	/* still usable after sorting */
	assert_int_equal(counter_add(c, "k7", 1), 0);
	assert_int_equal(counter_add(c, "new", 1), 0);
	assert_int_equal(counter_size(c), 101);
	e = counter_sorted(c);
	assert_int_equal(e[0].count, 51);
	counter_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_stream),
		cmocka_unit_test(test_json_invalid),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
