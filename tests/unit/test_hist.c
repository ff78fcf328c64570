// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/hist.c against known distributions: the bucket scheme (and its
 * agreement with the BPF side's lat_slot()), exact figures, percentile
 * estimates within their stated error bound, the log2 view and its printer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>
#include "hist.h"
#include "lat.h"

/* deterministic generator (xorshift64*) so every run sees the same data */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static double unif(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_slots_partition_the_line(void **state)
{
	unsigned int i;

	(void)state;
	assert_int_equal(HIST_SLOTS, LAT_SLOTS);
	assert_int_equal(hist_slot_low(0), 0);
	for (i = 0; i + 1 < HIST_SLOTS; i++) {
		/* contiguous, no gaps or overlaps */
		assert_int_equal(hist_slot_low(i) + hist_slot_width(i), hist_slot_low(i + 1));
		if (i >= HIST_SUB)
			assert_true(hist_slot_width(i) * HIST_SUB <= hist_slot_low(i));
		/* both ends of each bucket map back to it */
		assert_int_equal(hist_slot(hist_slot_low(i)), i);
		assert_int_equal(hist_slot(hist_slot_low(i) + hist_slot_width(i) - 1), i);
	}
	assert_int_equal(hist_slot(1ULL << 41), HIST_SLOTS - 1);
	assert_int_equal(hist_slot(UINT64_MAX), HIST_SLOTS - 1);
}

static void test_bpf_side_agrees(void **state)
{
	uint64_t v;
	int i;

	(void)state;
	for (v = 0; v < 70000; v++)
		assert_int_equal(lat_slot(v), hist_slot(v));
	for (i = 0; i < 200000; i++) {
		v = rng() >> (rng() % 64);
		assert_int_equal(lat_slot(v), hist_slot(v));
		assert_int_equal(lat_log2(v), v ? 63 - __builtin_clzll(v) : 0);
	}
}

static void test_exact_figures(void **state)
{
	struct hist h;
	uint64_t v[] = { 3, 1000, 250, 250, 999999 };
	double mean = 0, var = 0;
	unsigned int i;

	(void)state;
	hist_init(&h);
	assert_true(hist_percentile(&h, 50, 1) == 0.0);
	for (i = 0; i < 5; i++) {
		hist_add(&h, v[i], 1);
		mean += v[i];
	}
	mean /= 5;
	for (i = 0; i < 5; i++)
		var += (v[i] - mean) * (v[i] - mean);
	var /= 5;
	assert_int_equal(h.count, 5);
	assert_int_equal(h.sum, 3 + 1000 + 250 + 250 + 999999);
	assert_int_equal(h.min, 3);
	assert_int_equal(h.max, 999999);
	assert_float_equal(hist_mean(&h), mean, 1e-9);
	assert_float_equal(hist_stddev(&h) * hist_stddev(&h), var, var * 1e-9);
	/* p0+ is the minimum, p100 the maximum, exactly */
	assert_float_equal(hist_percentile(&h, 0.0001, 1), 3, 0);
	assert_float_equal(hist_percentile(&h, 100, 1), 999999, 0);
}

static void test_constant(void **state)
{
	struct hist h;
	int i;

	(void)state;
	hist_init(&h);
	for (i = 0; i < 1000; i++)
		hist_add(&h, 10000000, 1);	/* 10 ms in ns */
	assert_float_equal(hist_percentile(&h, 50, 1), 10000000, 0);
	assert_float_equal(hist_percentile(&h, 99.9, 1), 10000000, 0);
	assert_float_equal(hist_stddev(&h), 0, 0);
	/* same data bucketed in microseconds */
	hist_init(&h);
	for (i = 0; i < 1000; i++)
		hist_add(&h, 10000000, 1000);
	assert_float_equal(hist_percentile(&h, 50, 1000), 10000, 0);
}

/*
 * The core property: for a distribution, every percentile estimate is within
 * hist_percentile_error() of the true nearest-rank value, the bound is at
 * most 1/16 of the value, and estimates are monotonic and inside [min, max].
 */
static void check_distribution(uint64_t *v, size_t n, uint64_t unit, const char *name)
{
	static const double ps[] = { 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100 };
	struct hist h;
	double prev = -1;
	size_t i;

	hist_init(&h);
	for (i = 0; i < n; i++)
		hist_add(&h, v[i], unit);
	qsort(v, n, sizeof(*v), cmp_u64);
	assert_int_equal(h.min, v[0]);
	assert_int_equal(h.max, v[n - 1]);
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		size_t r = (size_t)((ps[i] / 100.0) * n);
		double truth, est, err;

		if ((double)r < ps[i] / 100.0 * n - 1e-9)
			r++;
		if (r < 1)
			r = 1;
		truth = (double)v[r - 1] / unit;
		est = hist_percentile(&h, ps[i], unit);
		/* buckets hold whole units: one more unit of error when unit > 1 */
		err = hist_percentile_error(&h, ps[i]) + (unit > 1);
		if (!(est - truth <= err && truth - est <= err) ||
		    err > (truth < HIST_SUB ? 0 : truth / HIST_SUB) + (unit > 1)) {
			print_error("%s p%g: est %f truth %f bound %f\n", name, ps[i],
				    est, truth, err);
			fail();
		}
		assert_true(est >= (double)h.min / unit && est <= (double)h.max / unit);
		assert_true(est >= prev);
		prev = est;
	}
}

#define N 100000

static void test_uniform(void **state)
{
	uint64_t *v = malloc(N * sizeof(*v));
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		v[i] = 1 + rng() % 100000;
	check_distribution(v, N, 1, "uniform");
	for (i = 0; i < N; i++)
		v[i] = 1 + rng() % 100000;
	check_distribution(v, N, 1000, "uniform/us");
	free(v);
}

static void test_exponential(void **state)
{
	uint64_t *v = malloc(N * sizeof(*v));
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		/* -ln(u) by series-free inversion: product of uniforms trick is
		 * not needed; use the bit length of a geometric variable */
		double u = unif(), x = 0;

		while (u < 0.5) {	/* exp(1)-ish tail, 2^k steps */
			x += 0.693147;
			u *= 2;
		}
		x += (1 - u) * 1.386;	/* roughly linear within a step */
		v[i] = (uint64_t)(x * 50000.0) + 1;
	}
	check_distribution(v, N, 1, "exponential");
	free(v);
}

static void test_bimodal_heavy_tail(void **state)
{
	uint64_t *v = malloc(N * sizeof(*v));
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		uint64_t r = rng() % 1000;

		if (r < 900)
			v[i] = 800 + rng() % 400;		/* fast path ~1 us */
		else if (r < 999)
			v[i] = 10000000 + rng() % 200000;	/* 10 ms sleeps */
		else
			v[i] = (1ULL << 35) + rng() % (1ULL << 36);	/* huge */
	}
	check_distribution(v, N, 1, "bimodal");
	for (i = 0; i < 20; i++)
		v[i] = i;	/* small exact values */
	check_distribution(v, 20, 1, "small");
	free(v);
}

static void test_merge_equals_single(void **state)
{
	struct hist a, b, all;
	int i;

	(void)state;
	hist_init(&a);
	hist_init(&b);
	hist_init(&all);
	hist_merge(&a, &b);	/* empty into empty */
	assert_int_equal(a.count, 0);
	for (i = 0; i < 5000; i++) {
		uint64_t x = rng() % 1000000;

		hist_add(i % 3 ? &a : &b, x, 1);
		hist_add(&all, x, 1);
	}
	hist_merge(&a, &b);
	assert_memory_equal(&a, &all, sizeof(a));
}

static void test_log2_view(void **state)
{
	uint64_t l2[HIST_LOG2_SLOTS], direct[HIST_LOG2_SLOTS] = { 0 };
	struct hist h;
	int i, top;

	(void)state;
	hist_init(&h);
	assert_int_equal(hist_log2(&h, l2), -1);
	for (i = 0; i < 50000; i++) {
		uint64_t x = rng() >> (rng() % 64);

		if (x >= (1ULL << 41))
			x >>= 24;
		hist_add(&h, x, 1);
		direct[x ? 63 - __builtin_clzll(x) : 0]++;
	}
	top = hist_log2(&h, l2);
	assert_memory_equal(l2, direct, sizeof(l2));
	assert_true(top >= 0 && l2[top] > 0);
	for (i = top + 1; i < HIST_LOG2_SLOTS; i++)
		assert_int_equal(l2[i], 0);
}

static void test_printer_format(void **state)
{
	uint64_t vals[HIST_LOG2_SLOTS] = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	const char *want =
		"     usecs               : count    distribution\n"
		"         2 -> 3          : 1        |**********                              |\n"
		"         4 -> 7          : 0        |                                        |\n"
		"         8 -> 15         : 4        |****************************************|\n";

	(void)state;
	f = open_memstream(&buf, &len);
	hist_print_log2(f, vals, HIST_LOG2_SLOTS, "usecs");	/* empty: nothing */
	fflush(f);
	assert_int_equal(len, 0);
	vals[1] = 1;
	vals[3] = 4;
	hist_print_log2(f, vals, HIST_LOG2_SLOTS, "usecs");
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_partition_the_line),
		cmocka_unit_test(test_bpf_side_agrees),
		cmocka_unit_test(test_exact_figures),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_exponential),
		cmocka_unit_test(test_bimodal_heavy_tail),
		cmocka_unit_test(test_merge_equals_single),
		cmocka_unit_test(test_log2_view),
		cmocka_unit_test(test_printer_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
