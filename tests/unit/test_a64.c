// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the shared store decoder (include/a64_store.h, used by
 * watchpoint.ko and wpwatch watch) and of user/wpwatch/watch_a64.c:
 * instruction words as aarch64-linux-gnu-as encodes them, the kinds and write-backs that the
 * module relies on to emulate or refuse a store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "watch_a64.h"

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
	assert_false(a64_decode_store(0xad000400, &r, &st));	/* stp q0, q1, [x0] */
	assert_false(a64_decode_store(0x69000801, &r, &st));	/* stgp x1, x2, [x0] */
	assert_false(a64_decode_store(0x48207c82, &r, &st));	/* casp x0, x1, x2, x3, [x4] */
	assert_false(a64_decode_store(0xc8a17c02, &r, &st));	/* cas x1, x2, [x0] */
	assert_false(a64_decode_store(0xd50b7420, &r, &st));	/* dc zva, x0 */
	assert_false(a64_decode_store(0xf8bfc001, &r, &st));	/* ldapr x1, [x0] */
	assert_false(a64_decode_store(0xf8240801, &r, &st));	/* register offset, option 000 */
	assert_int_equal(st.wb_reg, -1);
	assert_int_equal(st.size, 0);
}

static void check_kind(uint32_t insn, int kind, uint64_t addr, unsigned int size)
{
	struct a64_regs r = regs();
	struct a64_store st;

	assert_true(a64_decode_store(insn, &r, &st));
	assert_int_equal(st.kind, kind);
	assert_int_equal(st.addr, addr);
	assert_int_equal(st.size, size);
	assert_non_null(st.what);
}

/* What watchpoint.ko emulates (PLAIN) and what it refuses, by kind. */
static void test_kinds(void **state)
{
	(void)state;
	check_kind(0xf9000001, A64_ST_PLAIN, BASE, 8);		/* str x1, [x0] */
	check_kind(0xa8000801, A64_ST_PLAIN, BASE, 16);		/* stnp x1, x2, [x0] */
	check_kind(0xf8008801, A64_ST_UNPRIV, BASE + 8, 8);	/* sttr x1, [x0, #8] */
	check_kind(0x38000801, A64_ST_UNPRIV, BASE, 1);		/* sttrb w1, [x0] */
	check_kind(0x089ffc01, A64_ST_RELEASE, BASE, 1);	/* stlrb w1, [x0] */
	check_kind(0xc8027c01, A64_ST_EXCL, BASE, 8);		/* stxr w2, x1, [x0] */
	check_kind(0xc802fc01, A64_ST_EXCL, BASE, 8);		/* stlxr w2, x1, [x0] */
	check_kind(0xc8230801, A64_ST_EXCL, BASE, 16);		/* stxp w3, x1, x2, [x0] */
	check_kind(0x88230801, A64_ST_EXCL, BASE, 8);		/* stxp w3, w1, w2, [x0] */
	check_kind(0xf821001f, A64_ST_ATOMIC, BASE, 8);		/* stadd x1, [x0] */
	check_kind(0xf8218003, A64_ST_ATOMIC, BASE, 8);		/* swp x1, x3, [x0] */
}

static void check_wb(uint32_t insn, int wb_reg, uint64_t wb_val, bool overlap)
{
	struct a64_regs r = regs();
	struct a64_store st;

	assert_true(a64_decode_store(insn, &r, &st));
	assert_int_equal(st.wb_reg, wb_reg);
	if (wb_reg >= 0)
		assert_int_equal(st.wb_val, wb_val);
	assert_int_equal(st.wb_overlap, overlap);
}

/* Write-back: the module redoes it, and refuses SP and a base that is a source. */
static void test_writeback(void **state)
{
	(void)state;
	check_wb(0xf9000401, -1, 0, false);		/* str x1, [x0, #8] */
	check_wb(0xf81f8001, -1, 0, false);		/* stur x1, [x0, #-8] */
	check_wb(0xf8008801, -1, 0, false);		/* sttr x1, [x0, #8] */
	check_wb(0xf8010401, 0, BASE + 16, false);	/* str x1, [x0], #16 */
	check_wb(0xf81f8c01, 0, BASE - 8, false);	/* str x1, [x0, #-8]! */
	check_wb(0x29bf0801, 0, BASE - 8, false);	/* stp w1, w2, [x0, #-8]! */
	check_wb(0xa9010801, -1, 0, false);		/* stp x1, x2, [x0, #16] */
	check_wb(0xf81f0fe1, 31, BASE + 0x800 - 16, false); /* str x1, [sp, #-16]! */
	check_wb(0xf8008400, 0, BASE + 8, true);	/* str x0, [x0], #8 */
	check_wb(0xa9810800, 0, BASE + 16, true);	/* stp x0, x2, [x0, #16]! */
}

/* The bytes a plain store writes, as the module stores them again. */
static void test_bytes(void **state)
{
	struct a64_regs r = regs();
	struct a64_store st;
	int i;

	(void)state;
	assert_true(a64_decode_store(0xa9010801, &r, &st));	/* stp x1, x2, [x0, #16] */
	for (i = 0; i < 8; i++) {
		assert_int_equal(st.bytes[i], (uint8_t)(0x1122334455667788ULL >> (8 * i)));
		assert_int_equal(st.bytes[8 + i], i ? 0 : 3);
	}
	assert_true(a64_decode_store(0x39001462, &r, &st));	/* strb w2, [x3, #5] */
	assert_int_equal(st.bytes[0], 3);
	assert_int_equal(st.bytes[1], 0);
	/* register offsets: sxtw of a negative W, uxtw #2 drops the top half */
	r.x[4] = 0xfffffff8;
	assert_true(a64_decode_store(0xf824c801, &r, &st));	/* str x1, [x0, w4, sxtw] */
	assert_int_equal(st.addr, BASE - 8);
	r.x[4] = 0xffffffff00000002ULL;
	assert_true(a64_decode_store(0xb8245801, &r, &st));	/* str w1, [x0, w4, uxtw #2] */
	assert_int_equal(st.addr, BASE + 8);
	assert_int_equal(st.size, 4);
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
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_writeback),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
