// SPDX-License-Identifier: GPL-2.0
/* Unit tests of user/lib/ksyms.c: kallsyms parsing with module symbols, lookups, symbolizing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "ksyms.h"

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T startup_64\n"
	"ffffffff81001000 t do_one_initcall\n"
	"ffffffff81002000 T vfs_write\n"
	"ffffffff81003000 t helper\n"
	"ffffffff81004000 t helper\n"
	"ffffffff82000000 D jiffies\n"
	"0000000000000000 A fixed_percpu_data\n"
	"garbage line\n"
	"ffffffffc0001000 t wpw_test_write_one\t[wpw_testwriter]\n"
	"ffffffffc0001100 t write_write\t[wpw_testwriter]\n"
	"ffffffffc0003000 b wpw_test_target\t[wpw_testwriter]\n"
	"ffffffffc0005000 t helper\t[other_mod]\n"
	"ffffffffc0005100 t init_module\t[other_mod]\n";

static struct ksyms *load(void)
{
	FILE *f = fmemopen((void *)kallsyms, sizeof(kallsyms) - 1, "r");
	struct ksyms *ks;

	assert_non_null(f);
	ks = ksyms__parse(f);
	fclose(f);
	assert_non_null(ks);
	return ks;
}

static void test_parse(void **state)
{
	struct ksyms *ks = load();
	const struct ksym *s;

	(void)state;
	assert_int_equal(ksyms__count(ks), 13);
	assert_false(ksyms__addrs_hidden(ks));
	assert_true(ksyms__has_data(ks));
	s = ksyms__at(ks, 0);
	assert_string_equal(s->name, "fixed_percpu_data");
	s = ksyms__at(ks, ksyms__count(ks) - 1);
	assert_string_equal(s->name, "init_module");
	assert_string_equal(s->module, "other_mod");
	ksyms__free(ks);
}

static void test_map_addr(void **state)
{
	struct ksyms *ks = load();
	const struct ksym *s;
	char buf[128];

	(void)state;
	s = ksyms__map_addr(ks, 0xffffffffc0001010UL);
	assert_non_null(s);
	assert_string_equal(s->name, "wpw_test_write_one");
	assert_string_equal(s->module, "wpw_testwriter");
	ksyms__format(ks, 0xffffffffc0001010UL, buf, sizeof(buf));
	assert_string_equal(buf, "wpw_test_write_one+0x10 [wpw_testwriter]");
	ksyms__format(ks, 0xffffffff81002abcUL, buf, sizeof(buf));
	assert_string_equal(buf, "vfs_write+0xabc");
	ksyms__format(ks, 0xffffffff81000000UL, buf, sizeof(buf));
	assert_string_equal(buf, "_stext+0x0");
	/* Far beyond the last symbol: unknown, not a huge offset. */
	ksyms__format(ks, 0xffffffffd0000000UL, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffffd0000000");
	ksyms__free(ks);
}

static void test_find(void **state)
{
	struct ksyms *ks = load();
	const struct ksym *out[4];

	(void)state;
	assert_int_equal(ksyms__find(ks, "wpw_test_target", NULL, out, 4), 1);
	assert_int_equal(out[0]->addr, 0xffffffffc0003000UL);
	assert_int_equal(ksyms__find(ks, "helper", NULL, out, 4), 3);
	assert_int_equal(ksyms__find(ks, "helper", "other_mod", out, 4), 1);
	assert_string_equal(out[0]->module, "other_mod");
	assert_int_equal(ksyms__find(ks, "helper", "vmlinux", out, 4), 2);
	assert_int_equal(ksyms__find(ks, "nothing", NULL, out, 4), 0);
	/* Aliases at one address are one answer. */
	assert_int_equal(ksyms__find(ks, "_stext", NULL, out, 4), 1);
	ksyms__free(ks);
}

static void test_suggest(void **state)
{
	struct ksyms *ks = load();
	const char *out[3];
	size_t n;

	(void)state;
	n = ksyms__suggest(ks, "wpw_test_targt", out, 3);
	assert_true(n >= 1);
	assert_string_equal(out[0], "wpw_test_target");
	n = ksyms__suggest(ks, "jiffie", out, 3);
	assert_true(n >= 1);
	assert_string_equal(out[0], "jiffies");
	n = ksyms__suggest(ks, "zzzzzzzzzzzzzzzzzz", out, 3);
	assert_int_equal(n, 0);
	assert_int_equal(ksyms__edit_distance("kitten", "sitting", 5), 3);
	assert_int_equal(ksyms__edit_distance("kitten", "sitting", 2), 3);
	ksyms__free(ks);
}

/* x86_64's kallsyms: per-CPU variables at their offsets from 0, the rest at addresses */
static void test_per_cpu(void **state)
{
	static const char pcpu[] = "0000000000000000 D __per_cpu_start\n"
		"0000000000033e40 D runqueues\n0000000000040000 D __per_cpu_end\n"
		"ffffffff81000000 T _stext\nffffffff82a07900 D jiffies\n";
	FILE *f = fmemopen((void *)pcpu, sizeof(pcpu) - 1, "r");
	struct ksyms *ks = ksyms__parse(f);

	(void)state;
	fclose(f);
	assert_true(ksyms__in_per_cpu_area(ks, 0x33e40));
	assert_true(ksyms__in_per_cpu_area(ks, 0));
	assert_false(ksyms__in_per_cpu_area(ks, 0x40000));
	assert_false(ksyms__in_per_cpu_area(ks, 0xffffffff82a07900UL));
	ksyms__free(ks);
	/* without the bounds (a functions-only kallsyms): nothing is per-CPU */
	f = fmemopen((void *)"ffffffff81000000 T _stext\n", 26, "r");
	ks = ksyms__parse(f);
	fclose(f);
	assert_false(ksyms__in_per_cpu_area(ks, 0));
	ksyms__free(ks);
}

static void test_hidden(void **state)
{
	static const char hidden[] = "0000000000000000 T _stext\n0000000000000000 t foo\t[m]\n";
	FILE *f = fmemopen((void *)hidden, sizeof(hidden) - 1, "r");
	struct ksyms *ks = ksyms__parse(f);

	(void)state;
	fclose(f);
	assert_true(ksyms__addrs_hidden(ks));
	assert_false(ksyms__has_data(ks));
	assert_null(ksyms__map_addr(ks, 0x10));
	ksyms__free(ks);
	{
		/* functions only, but for a linker-made data symbol: no KALLSYMS_ALL */
		static const char fonly[] = "ffffffff81000000 T _stext\n"
			"ffffffff81000010 t a\nffffffff81000020 t b\nffffffff81000030 t c\n"
			"ffffffff81000040 t d\nffffffff81000050 t e\nffffffff81000060 t f\n"
			"ffffffff81000070 t g\nffffffff81000080 t h\nffffffff81000090 t i\n"
			"ffffffff810000a0 t j\nffffffff810000b0 t k\nffffffff810000c0 t l\n"
			"ffffffff810000d0 t m\nffffffff810000e0 t n\nffffffff810000f0 t o\n"
			"ffffffff81000100 t p\nffffffff81000110 t q\nffffffff81000120 t r\n"
			"ffffffff81000130 t s\nffffffff81000140 t t\nffffffff81000150 t u\n"
			"ffffffff81000160 t v\nffffffff81000170 t w\nffffffff81000180 t x\n"
			"ffffffff81000190 t y\nffffffff810001a0 t z\nffffffff810001b0 t aa\n"
			"ffffffff810001c0 t bb\nffffffff810001d0 t cc\nffffffff810001e0 t dd\n"
			"ffffffff810001f0 t ee\nffffffff81000200 t ff\nffffffff81000210 t gg\n"
			"ffffffff81000220 t hh\nffffffff81000230 t ii\nffffffff81000240 t jj\n"
			"ffffffff81000250 t kk\nffffffff81000260 t ll\nffffffff81000270 t mm\n"
			"ffffffff81000280 t nn\nffffffff81000290 t oo\nffffffff810002a0 t pp\n"
			"ffffffff810002b0 t qq\nffffffff810002c0 t rr\nffffffff810002d0 t ss\n"
			"ffffffff810002e0 t tt\nffffffff810002f0 t uu\nffffffff81000300 t vv\n"
			"ffffffff81000310 t ww\nffffffff82000000 B __bss_start\n"
			"ffffffffc0001000 t $x\t[m]\n";

		f = fmemopen((void *)fonly, sizeof(fonly) - 1, "r");
		ks = ksyms__parse(f);
		fclose(f);
		assert_false(ksyms__has_data(ks));
		/* mapping symbols are not names */
		assert_int_equal(ksyms__count(ks), 51);
	}
	ksyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_map_addr),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_per_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
