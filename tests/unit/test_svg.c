// SPDX-License-Identifier: GPL-2.0
/* user/lib/svg.c: a document with panels is well formed XML (as far as tags,
 * quoting and escaping go) and carries what it should. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "svg.h"

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

static void test_document(void **state)
{
	uint64_t vals[41] = { 0 };
	struct svg_marker m[] = { { "p50", 100 }, { "p99", 5000 } };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	vals[6] = 10;
	vals[7] = 30;
	vals[12] = 1;
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
