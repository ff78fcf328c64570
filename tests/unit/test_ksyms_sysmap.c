// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/lib/ksyms.c's System.map fallback: synthetic arm64-like
 * kallsyms (functions only, KASLR-shifted) against maps that match, belong to
 * another build, are Debian's placeholder, or are missing; per-CPU and
 * ambiguous names; the search order over several candidate files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "ksyms.h"

#define LINK	0xffff800008000000UL	/* link-time base (System.map) */
#define SHIFT	0x0000321234560000UL	/* the KASLR offset of the "running" kernel */
#define NFUNC	40

static char dir[] = "/tmp/wpw-sysmap-XXXXXX";
static char kall[8192];

/* The map's text: _stext, NFUNC functions, then data, per-CPU and a duplicate name. */
static void write_map(const char *name, unsigned long moved_every)
{
	char path[256];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%016lx T _text\n%016lx T _stext\n", LINK, LINK + 0x10000);
	for (i = 0; i < NFUNC; i++)
		fprintf(f, "%016lx %c fn_%d\n",
			LINK + 0x10000 + 0x100 * (i + 1) +
				(moved_every && i % moved_every == 0 ? 0x40 : 0),
			i % 2 ? 't' : 'T', i);
	fprintf(f, "%016lx D jiffies\n", LINK + 0x900000);
	fprintf(f, "%016lx d local_thing\n%016lx d local_thing\n", LINK + 0x900100, LINK + 0x900200);
	fprintf(f, "%016lx D __per_cpu_start\n%016lx D runqueues\n%016lx D __per_cpu_end\n",
		LINK + 0xa00000, LINK + 0xa00040, LINK + 0xa10000);
	fclose(f);
}

static struct ksyms *load_kallsyms(void)
{
	FILE *f = fmemopen(kall, strlen(kall), "r");
	struct ksyms *ks;

	assert_non_null(f);
	ks = ksyms__parse(f);
	fclose(f);
	assert_non_null(ks);
	return ks;
}

static int setup(void **state)
{
	size_t l = 0;
	int i;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	/* kallsyms: the same functions, shifted; no variables; a module too */
	l += snprintf(kall + l, sizeof(kall) - l, "%016lx T _text\n%016lx T _stext\n",
		      LINK + SHIFT, LINK + SHIFT + 0x10000);
	for (i = 0; i < NFUNC; i++)
		l += snprintf(kall + l, sizeof(kall) - l, "%016lx %c fn_%d\n",
			      LINK + SHIFT + 0x10000 + 0x100 * (i + 1), i % 2 ? 't' : 'T', i);
	l += snprintf(kall + l, sizeof(kall) - l, "ffff0000c0001000 t modfn\t[mod]\n");
	write_map("good", 0);
	write_map("other-build", 3);
	{
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "%s/placeholder", dir);
		f = fopen(path, "w");
		if (!f)
			return -1;
		fprintf(f, "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n");
		fclose(f);
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static struct ksyms *load_map(const char *name)
{
	char path[256];
	struct ksyms *m;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	m = ksyms__load(path);
	assert_non_null(m);
	return m;
}

static void test_offset_matching_map(void **state)
{
	struct ksyms *ks = load_kallsyms(), *m = load_map("good");
	unsigned long off = 0;
	unsigned int agree = 0;
	char why[512] = "";

	(void)state;
	assert_int_equal(ksyms__kaslr_offset(ks, m, &off, &agree, why, sizeof(why)), 0);
	assert_int_equal(off, SHIFT);
	assert_int_equal(agree, KSYMS_MAP_PROBES);
	ksyms__free(m);
	ksyms__free(ks);
}

static void test_offset_other_build(void **state)
{
	struct ksyms *ks = load_kallsyms(), *m = load_map("other-build");
	unsigned long off = 0;
	char why[512] = "";

	(void)state;
	/* the anchor agrees, every third function does not: not this kernel */
	assert_int_equal(ksyms__kaslr_offset(ks, m, &off, NULL, why, sizeof(why)), -ESTALE);
	assert_non_null(strstr(why, "are not where it puts them"));
	assert_non_null(strstr(why, "fn_0"));
	ksyms__free(m);
	ksyms__free(ks);
}

static void test_offset_placeholder(void **state)
{
	struct ksyms *ks = load_kallsyms(), *m = load_map("placeholder");
	unsigned long off = 0;
	char why[512] = "";

	(void)state;
	assert_int_equal(ksyms__kaslr_offset(ks, m, &off, NULL, why, sizeof(why)), -ENODATA);
	assert_non_null(strstr(why, "no _stext"));
	ksyms__free(m);
	ksyms__free(ks);
}

/* Candidates relative to dir: a NULL-terminated list. */
static int var(const struct ksyms *ks, const char *name, const char *const *names,
	       unsigned long *addr, char *file, char *why)
{
	char paths[4][256];
	const char *p[5];
	int i;

	for (i = 0; names[i] && i < 4; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, names[i]);
		p[i] = paths[i];
	}
	p[i] = NULL;
	return ksyms__sysmap_var(ks, name, p, addr, file, 256, why, 1024);
}

static void test_var(void **state)
{
	struct ksyms *ks = load_kallsyms();
	static const char *const order[] = { "missing", "placeholder", "other-build", "good", NULL };
	static const char *const good[] = { "good", NULL };
	unsigned long addr = 0;
	char file[256] = "", why[1024] = "";

	(void)state;
	/* the first candidate that belongs to this kernel is the one used */
	assert_int_equal(var(ks, "jiffies", order, &addr, file, why), 0);
	assert_int_equal(addr, LINK + 0x900000 + SHIFT);
	assert_non_null(strstr(file, "/good"));
	assert_non_null(strstr(why, "16 functions agree"));
	/* not in the map */
	assert_int_equal(var(ks, "no_such_var", good, &addr, file, why), -ENOENT);
	assert_non_null(strstr(why, "not in"));
	/* two local variables of that name: ambiguous, both addresses given */
	assert_int_equal(var(ks, "local_thing", good, &addr, file, why), -ENOTUNIQ);
	{
		char a1[32], a2[32];

		snprintf(a1, sizeof(a1), "0x%lx", LINK + 0x900100 + SHIFT);
		snprintf(a2, sizeof(a2), "0x%lx", LINK + 0x900200 + SHIFT);
		assert_non_null(strstr(why, a1));
		assert_non_null(strstr(why, a2));
	}
	/* a per-CPU variable's map address is no CPU's copy */
	assert_int_equal(var(ks, "runqueues", good, &addr, file, why), -EINVAL);
	assert_non_null(strstr(why, "per-CPU"));
	ksyms__free(ks);
}

static void test_var_no_usable_map(void **state)
{
	struct ksyms *ks = load_kallsyms();
	static const char *const none[] = { "missing", "missing2", NULL };
	static const char *const ph[] = { "missing", "placeholder", NULL };
	static const char *const stale[] = { "placeholder", "other-build", NULL };
	unsigned long addr = 0;
	char file[256] = "", why[1024] = "";

	(void)state;
	assert_int_equal(var(ks, "jiffies", none, &addr, file, why), -ENODATA);
	assert_non_null(strstr(why, "no System.map"));
	assert_non_null(strstr(why, "/missing2"));
	assert_int_equal(var(ks, "jiffies", ph, &addr, file, why), -ENODATA);
	assert_non_null(strstr(why, "/placeholder holds no kernel symbols"));
	/* a map of another build is named, whatever else was found */
	assert_int_equal(var(ks, "jiffies", stale, &addr, file, why), -ESTALE);
	assert_non_null(strstr(why, "/other-build does not belong to the running kernel"));
	assert_int_equal(addr, 0);
	ksyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offset_matching_map),
		cmocka_unit_test(test_offset_other_build),
		cmocka_unit_test(test_offset_placeholder),
		cmocka_unit_test(test_var),
		cmocka_unit_test(test_var_no_usable_map),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
