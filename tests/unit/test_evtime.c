// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/evtime.c: RFC 3339 UTC with nine fraction digits, and a
 * CLOCK_MONOTONIC time turned into the wall-clock time of the same moment
 * (checked against CLOCK_REALTIME read around it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "evtime.h"

static void test_format(void **state)
{
	char b[EVTIME_LEN];

	(void)state;
	evtime_format(0, 5, b, sizeof(b));
	assert_string_equal(b, "1970-01-01T00:00:00.000000005Z");
	evtime_format(1796169600, 999999999, b, sizeof(b));
	assert_string_equal(b, "2026-12-02T00:00:00.999999999Z");
	assert_int_equal(strlen(b), 30);
}

static void test_mono_to_wall(void **state)
{
	struct timespec m, r0, r1;
	char b[EVTIME_LEN], lo[EVTIME_LEN], hi[EVTIME_LEN];

	(void)state;
	clock_gettime(CLOCK_REALTIME, &r0);
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r1);
	evtime_rfc3339((uint64_t)m.tv_sec * 1000000000ULL + m.tv_nsec, b, sizeof(b));
	/* the same moment, so between the two wall-clock readings, give or take
	 * the measuring's own gap (one second of slack for a loaded machine) */
	evtime_format(r0.tv_sec - 1, r0.tv_nsec, lo, sizeof(lo));
	evtime_format(r1.tv_sec + 1, r1.tv_nsec, hi, sizeof(hi));
	assert_true(strcmp(lo, b) <= 0);
	assert_true(strcmp(b, hi) <= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_mono_to_wall),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
