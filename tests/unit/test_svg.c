// SPDX-License-Identifier: GPL-2.0
/* user/wpwatch/lat_svgdraw.c: a document with panels is well formed XML (as far as tags,
 * quoting and escaping go) and carries what it should: the labels and each
 * histogram bar's bucket, count and height. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lat_svgdraw.h"

/* every '<' opens a tag that closes with '>', elements balance, and no raw
 * '&' outside an entity */
static void check_xml(const char *s)
{
	int depth = 0;
	const char *p;

	for (p = s; *p; p++) {
		if (*p == '&') {
			assert_true(!strncmp(p, "&lt;", 4) || !strncmp(p, "&gt;", 4) ||
				    !strncmp(p, "&amp;", 5) || !strncmp(p, "&quot;", 6) ||
				    !strncmp(p, "&apos;", 6));
		} else if (*p == '<') {
			const char *e = strchr(p, '>');

			assert_non_null(e);
			if (p[1] == '?') {
				p = e;
				continue;
			}
			if (p[1] == '/')
				depth--;
			else if (e[-1] != '/')
				depth++;
			assert_true(depth >= 0);
			p = e;
		} else {
			assert_true(*p != '>');
		}
	}
	assert_int_equal(depth, 0);
}

/*
 * The histogram's bars, read back from the document: one per bucket from
 * one below the first non-empty bucket to one above the last, left to right,
 * each standing on the baseline, its height the count scaled to the tallest
 * (and at least 1 for a non-empty bucket), its title the bucket's bounds
 * and count. Panel at (10, 40), 880 x 260: plot area height 260 - 92, whose
 * bottom is at 40 + 48 + 168.
 */
static void check_bars(const char *doc, const uint64_t *vals, int lo, int hi)
{
	const double ph = 260 - 48 - 44, base = 40 + 48 + ph;
	const char *p = doc;
	double prev_x = -1, x, y, w, h, vmax = 0;
	unsigned long long low, high, count;
	int k, n = 0;

	for (k = lo; k <= hi; k++)
		if (vals[k] > vmax)
			vmax = vals[k];
	while ((p = strstr(p, "<rect x=\"")) != NULL) {
		if (sscanf(p, "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\" height=\"%lf\" "
			   "fill=\"#4575b4\"><title>%llu -&gt; %llu usecs: %llu</title>",
			   &x, &y, &w, &h, &low, &high, &count) != 7) {
			p++;
			continue;
		}
		k = lo + n;
		assert_true(k <= hi);
		assert_int_equal(low, k ? 1ULL << k : 0);
		assert_int_equal(high, (1ULL << (k + 1)) - 1);
		assert_int_equal(count, vals[k]);
		assert_true(x > prev_x);
		assert_true(w > 0);
		/* %.1f in the document: within 0.1 */
		assert_true(fabs(y + h - base) < 0.11);
		if (vals[k])
			assert_true(fabs(h - (vals[k] * ph / vmax < 1 ? 1 : vals[k] * ph / vmax)) < 0.11);
		else
			assert_true(h == 0);
		prev_x = x;
		n++;
		p++;
	}
	assert_int_equal(n, hi - lo + 1);
}

static void test_document(void **state)
{
	uint64_t vals[41] = { 0 }, drawn[41];
	struct svg_marker m[] = { { "p50", 100 }, { "p99", 5000 } };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	vals[6] = 10;
	vals[7] = 30;
	vals[12] = 1;
	memcpy(drawn, vals, sizeof(vals));
	f = open_memstream(&buf, &len);
	svg_begin(f, 900, 600, "title <with> & \"quotes\"");
	assert_int_equal(svg_hist_panel(f, 10, 40, 880, 260, "rr_a&b", "n=41", vals, 41,
					"usecs", m, 2), 0);
	/* nothing to draw: refused, nothing written */
	memset(vals, 0, sizeof(vals));
	assert_int_equal(svg_hist_panel(f, 10, 310, 880, 260, "empty", NULL, vals, 41,
					"usecs", m, 2), -1);
	svg_end(f);
	fclose(f);
	check_xml(buf);
	assert_non_null(strstr(buf, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(buf, ">rr_a&amp;b</text>"));
	assert_non_null(strstr(buf, "title &lt;with&gt; &amp; &quot;quotes&quot;"));
	assert_non_null(strstr(buf, ">p99</text>"));
	assert_null(strstr(buf, "empty"));
	assert_non_null(strstr(buf, "</svg>\n"));
	/* buckets 6, 7 and 12 filled: bars for 5..13; 30 the tallest, 1 shown 1 high */
	check_bars(buf, drawn, 5, 13);
	free(buf);
}

static void test_escape_truncates_safely(void **state)
{
	char small[8];

	(void)state;
	svg_escape("&&&&&&&&", small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
	check_xml(small);
	svg_escape("ab\x01" "c", small, sizeof(small));
	assert_string_equal(small, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_escape_truncates_safely),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
