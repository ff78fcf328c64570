// SPDX-License-Identifier: GPL-2.0
/* Unit tests of user/lib/a64.c: stores decoded as aarch64-linux-gnu-as encodes them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "a64.h"

#define BASE 0xffff800010000000ULL

static struct a64_regs regs(void)
{
	struct a64_regs r;
	int i;

	for (i = 0; i < 31; i++)
		r.x[i] = 0x1000 + i;
	r.x[0] = BASE;
	r.x[1] = 0x1122334455667788ULL;
	r.x[2] = 3;
	r.x[3] = BASE + 0x100;
	r.sp = BASE + 0x800;
	return r;
}

static void check(uint32_t insn, uint64_t addr, unsigned int size)
{
	struct a64_regs r = regs();
	struct a64_store st;

	assert_true(a64_decode_store(insn, &r, &st));
	assert_int_equal(st.addr, addr);
	assert_int_equal(st.size, size);
}

static void test_forms(void **state)
{
	(void)state;
	check(0xf9000001, BASE, 8);		/* str x1, [x0] */
	check(0xf9000401, BASE + 8, 8);		/* str x1, [x0, #8] */
	check(0x39001462, BASE + 0x105, 1);	/* strb w2, [x3, #5] */
	check(0xf81f8001, BASE - 8, 8);		/* stur x1, [x0, #-8] */
	check(0xf8010401, BASE, 8);		/* str x1, [x0], #16 (post-index) */
	check(0xa9010801, BASE + 16, 16);	/* stp x1, x2, [x0, #16] */
	check(0xf821001f, BASE, 8);		/* stadd x1, [x0] */
	check(0xc89ffc01, BASE, 8);		/* stlr x1, [x0] */
	check(0xf8227801, BASE + 24, 8);	/* str x1, [x0, x2, lsl #3] */
	check(0x790007e1, BASE + 0x802, 2);	/* strh w1, [sp, #2] */
	check(0xf8218003, BASE, 8);		/* swp x1, x3, [x0] */
	check(0x29bf0801, BASE - 8, 8);		/* stp w1, w2, [x0, #-8]! */
}

static void test_not_stores(void **state)
{
	struct a64_regs r = regs();
	struct a64_store st;

	(void)state;
	assert_false(a64_decode_store(0xf9400001, &r, &st));	/* ldr x1, [x0] */
	assert_false(a64_decode_store(0xd503201f, &r, &st));	/* nop */
	assert_false(a64_decode_store(0x3d800000, &r, &st));	/* str q0, [x0] (SIMD) */
}

static void test_values(void **state)
{
	struct a64_regs r = regs();
	struct a64_store st;

	(void)state;
	/* str x1, [x0]: the whole watched word */
	assert_true(a64_decode_store(0xf9000001, &r, &st));
	assert_int_equal(a64_apply_store(&st, BASE, 8, 0), 0x1122334455667788ULL);
	/* str xzr, [x0] */
	assert_true(a64_decode_store(0xf900001f, &r, &st));
	assert_int_equal(a64_apply_store(&st, BASE, 8, 0xdead), 0);
	/* strb w2, [x3, #5] into the word at BASE + 0x100: byte 5 becomes 3 */
	assert_true(a64_decode_store(0x39001462, &r, &st));
	assert_int_equal(a64_apply_store(&st, BASE + 0x100, 8, 0xffffffffffffffffULL),
			 0xffff03ffffffffffULL);
	/* stp x1, x2, [x0, #16] seen from the word at BASE + 24: x2 */
	assert_true(a64_decode_store(0xa9010801, &r, &st));
	assert_int_equal(a64_apply_store(&st, BASE + 24, 8, 7), 3);
	assert_int_equal(a64_apply_store(&st, BASE + 16, 8, 7), 0x1122334455667788ULL);
	/* stadd x2, [x0] is LDADD: old + 3 */
	r.x[1] = 3;
	assert_true(a64_decode_store(0xf821001f, &r, &st));
	assert_int_equal(a64_apply_store(&st, BASE, 8, 39), 42);
	/* a 4-byte watch on the upper half of a stored word */
	r.x[1] = 0x1122334455667788ULL;
	assert_true(a64_decode_store(0xf9000001, &r, &st));
	assert_int_equal(a64_apply_store(&st, BASE + 4, 4, 0), 0x11223344);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_not_stores),
		cmocka_unit_test(test_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
