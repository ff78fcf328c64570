// SPDX-License-Identifier: GPL-2.0
/* Unit tests of user/lib/output.c: folded lines, counting distinct stacks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output.h"

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
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
