// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/wpwatch/watch_bodies.c: a fixture of the core's debugfs files
 * (bodies, retired, layout) as kmod/rerandom/debugfs.c prints them; an
 * address in a current copy, in a retired one, in none; a pass between two
 * events (the files change) is seen after bodies__stale() only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "watch_bodies.h"

#define SCRATCH_NAME "bodies"
#include "scratch.h"

static void test_lookup(void **state)
{
	struct rr_bodies *b;
	struct rr_body_sym s;

	(void)state;
	scratch_write("bodies", "ffffffffc03f36c0 ffffffffc03f36e9 rr_args5\n"
		      "ffffffffc0393f80 ffffffffc0393fad rr_stack\n");
	scratch_write("retired", "ffffffffc0390000 ffffffffc0390040 rr_stack\n"
		       "ffffffffc0393f80 ffffffffc0393fad rr_args5\n");
	scratch_write("layout", "rr_args5 tramp ffffffffc0413380 orig ffffffffc0413a70 size 41 sites 2 "
		      "moves 666 module rr_test_driver\n"
		      "rr_stack tramp ffffffffc0413400 orig ffffffffc0413aa0 size 45 sites 2 "
		      "moves 666 module rr_test_driver\n");
	b = bodies__new(scratch_dir);
	assert_non_null(b);
	assert_true(bodies__lookup(b, 0xffffffffc0393f94, &s));
	/* the current copy wins over a retired range the allocator reused */
	assert_string_equal(s.name, "rr_stack");
	assert_string_equal(s.module, "rr_test_driver");
	assert_int_equal(s.off, 0x14);
	assert_false(s.retired);
	assert_true(bodies__lookup(b, 0xffffffffc0390010, &s));
	assert_string_equal(s.name, "rr_stack");
	assert_true(s.retired);
	/* END is exclusive; outside every copy */
	assert_false(bodies__lookup(b, 0xffffffffc03f36e9, &s));
	assert_false(bodies__lookup(b, 0xffffffff81000000, &s));
	/* a pass moves rr_stack: the old reading holds until marked stale */
	scratch_write("bodies", "ffffffffc0400000 ffffffffc040002d rr_stack\n");
	scratch_write("retired", "");
	assert_true(bodies__lookup(b, 0xffffffffc0393f94, &s));
	bodies__stale(b);
	assert_false(bodies__lookup(b, 0xffffffffc0393f94, &s));
	assert_true(bodies__lookup(b, 0xffffffffc0400004, &s));
	assert_string_equal(s.name, "rr_stack");
	assert_int_equal(s.off, 4);
	bodies__free(b);
	/* no core loaded: nothing is a body */
	b = bodies__new("/nonexistent/rerandom");
	assert_false(bodies__lookup(b, 0xffffffffc0400004, &s));
	bodies__free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
