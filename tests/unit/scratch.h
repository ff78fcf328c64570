/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scratch folder for a unit test program's fixture files: made by the
 * group setup, removed with everything in it by the group teardown. A test
 * program defines SCRATCH_NAME (its folder is /tmp/wpw-SCRATCH_NAME-XXXXXX)
 * before including this, after <cmocka.h>.
 */
#ifndef WPW_TEST_SCRATCH_H
#define WPW_TEST_SCRATCH_H
#include <stdio.h>
#include <stdlib.h>

static char scratch_dir[] = "/tmp/wpw-" SCRATCH_NAME "-XXXXXX";

static inline int scratch_setup(void **state)
{
	(void)state;
	return mkdtemp(scratch_dir) ? 0 : -1;
}

static inline int scratch_teardown(void **state)
{
	char cmd[sizeof(scratch_dir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch_dir);
	return system(cmd);
}

/* scratch_dir/REL (its folder must exist) holds exactly TEXT */
static inline void scratch_write(const char *rel, const char *text)
{
	char path[sizeof(scratch_dir) + 256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", scratch_dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}
#endif
