// SPDX-License-Identifier: GPL-2.0
/* Unit tests of user/wpwatch/watch_spec.c: SPEC parsing and the split into hardware slots. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "watch_spec.h"

static void test_symbols(void **state)
{
	struct watch_spec s;
	char err[256];

	(void)state;
	assert_int_equal(spec_parse("jiffies", &s, err, sizeof(err)), 0);
	assert_string_equal(s.symbol, "jiffies");
	assert_string_equal(s.module, "");
	assert_int_equal(s.len, 8);
	assert_false(s.has_len);
	assert_int_equal(spec_parse("wpw_test_target+8:16", &s, err, sizeof(err)), 0);
	assert_string_equal(s.symbol, "wpw_test_target");
	assert_int_equal(s.offset, 8);
	assert_int_equal(s.len, 16);
	assert_true(s.has_len);
	assert_int_equal(spec_parse("wpw_testwriter:wpw_test_target+0x10:0x20", &s, err,
				    sizeof(err)), 0);
	assert_string_equal(s.module, "wpw_testwriter");
	assert_string_equal(s.symbol, "wpw_test_target");
	assert_int_equal(s.offset, 16);
	assert_int_equal(s.len, 32);
	assert_int_equal(spec_parse("vmlinux:jiffies:4", &s, err, sizeof(err)), 0);
	assert_string_equal(s.module, "vmlinux");
	assert_int_equal(s.len, 4);
	assert_int_equal(spec_parse("sym.isra.0", &s, err, sizeof(err)), 0);
	assert_string_equal(s.symbol, "sym.isra.0");
}

static void test_addresses(void **state)
{
	struct watch_spec s;
	char err[256];

	(void)state;
	assert_int_equal(spec_parse("0xffffffffc0003000", &s, err, sizeof(err)), 0);
	assert_int_equal(s.addr, 0xffffffffc0003000UL);
	assert_string_equal(s.symbol, "");
	assert_int_equal(spec_parse("0xffff0000:4", &s, err, sizeof(err)), 0);
	assert_int_equal(s.addr, 0xffff0000UL);
	assert_int_equal(s.len, 4);
	assert_string_equal(s.text, "0xffff0000:4");
}

static void bad(const char *spec, const char *needle)
{
	struct watch_spec s;
	char err[256];

	assert_int_equal(spec_parse(spec, &s, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("'%s': message '%s' lacks '%s'", spec, err, needle);
}

static void test_bad(void **state)
{
	(void)state;
	bad("", "empty");
	bad("jiffies:", "nothing after");
	bad("jiffies:0", "out of range");
	bad("jiffies:99999", "out of range");
	bad("jiffies:8x", "bad LEN");
	bad("0x", "bad address");
	bad("0xzz", "bad address");
	bad("0x0", "address 0");
	bad("12345", "must start with 0x");
	bad("jif fies", "bad symbol");
	bad("jiffies+", "bad OFFSET");
	bad("jiffies+-1", "bad OFFSET");
	bad("a:b:c", "too many");
	bad("bad/mod:sym", "bad module");
	bad("0xffffffffffffffff:8", "wraps");
	bad("jiffies+0x7fffffffffffffff", "too large");
	bad("1jiffies", "must start with 0x");
}

static void test_split(void **state)
{
	struct watch_chunk c[8], *small;

	(void)state;
	assert_int_equal(spec_split(0x1000, 8, 8, c, 8), 1);
	assert_int_equal(c[0].len, 8);
	assert_int_equal(spec_split(0x1000, 32, 8, c, 8), 4);
	assert_int_equal(c[3].addr, 0x1018);
	assert_int_equal(spec_split(0x1000, 16, 8, c, 8), 2);
	/* unaligned: 0x1003..0x100d = 1 + 4 + 4 + 1 bytes? no: 1 @3, 4 @4, 4 @8, 1 @c... */
	assert_int_equal(spec_split(0x1003, 10, 8, c, 8), 4);
	assert_int_equal(c[0].addr, 0x1003);
	assert_int_equal(c[0].len, 1);
	assert_int_equal(c[1].addr, 0x1004);
	assert_int_equal(c[1].len, 4);
	assert_int_equal(c[2].addr, 0x1008);
	assert_int_equal(c[2].len, 4);
	assert_int_equal(c[3].addr, 0x100c);
	assert_int_equal(c[3].len, 1);
	/* more than fits: the count is still right, and nothing is written past
	 * max (an array of exactly 4 on the heap: ASan reports any overrun) */
	small = calloc(4, sizeof(*small));
	assert_non_null(small);
	assert_int_equal(spec_split(0x1000, 64, 8, small, 4), 8);
	assert_int_equal(small[3].addr, 0x1018);
	assert_int_equal(spec_split(0x1000, 0, 8, small, 4), 0);
	free(small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
