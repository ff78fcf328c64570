// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/wpwatch/watch_usyms.c: this test program (a PIE) and a shared
 * library it uses (libelf) symbolized from its own /proc/self/maps; a static
 * (ET_EXEC) program built here with gcc -static and run stopped; a fixture
 * /proc for what a live process cannot show: a process that exited before it
 * was looked at (marked, not guessed), one that exited after (its cached
 * mappings still name its frames), an exec (a new comm: read again), an
 * unmapped address, a mapped file without symbols.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libelf.h>
#include <cmocka.h>
#include "watch_usyms.h"

#define SCRATCH_NAME "usyms"
#include "scratch.h"

__attribute__((noinline)) int usyms_test_marker(int x)
{
	return x * 3 + 1;
}

static void test_pie_and_shared_lib(void **state)
{
	struct usyms *u = usyms__new(NULL);
	unsigned long a = (unsigned long)&usyms_test_marker + 4;
	char buf[4400], exe[4096] = "";
	struct usym s;
	ssize_t n;

	(void)state;
	assert_non_null(u);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	assert_int_equal(usyms__lookup(u, getpid(), NULL, a, &s), USYM_FOUND);
	assert_string_equal(s.name, "usyms_test_marker");
	assert_int_equal(s.off, 4);
	assert_string_equal(s.obj, exe);
	usym_name(u, getpid(), NULL, a, buf, sizeof(buf));
	assert_non_null(strstr(buf, "usyms_test_marker+0x4 ("));
	/* a shared library's exported function (.dynsym of a stripped library) */
	assert_int_equal(usyms__lookup(u, getpid(), NULL, (unsigned long)&elf_version, &s),
			 USYM_FOUND);
	assert_string_equal(s.name, "elf_version");
	assert_int_equal(s.off, 0);
	assert_non_null(strstr(s.obj, "libelf"));
	/* the stack is no file mapping */
	assert_int_equal(usyms__lookup(u, getpid(), NULL, (unsigned long)&buf, &s), USYM_UNMAPPED);
	usym_name(u, getpid(), NULL, (unsigned long)&buf, buf, sizeof(buf));
	assert_string_equal(buf, "[unknown]");
	usyms__free(u);
}

/* A static (non-PIE) program, built now, tells its function's address and waits. */
static void test_static_binary(void **state)
{
	static const char src[] =
		"#include <stdio.h>\n#include <unistd.h>\n"
		"__attribute__((noinline)) void static_writer(void) { printf(\"%p\\n\", "
		"(void *)static_writer); fflush(stdout); pause(); }\n"
		"int main(void) { static_writer(); return 0; }\n";
	char path[300], bin[300], cmd[800], line[64];
	struct usyms *u = usyms__new(NULL);
	unsigned long a = 0;
	int fd[2], st;
	struct usym s;
	pid_t pid;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/static.c", scratch_dir);
	snprintf(bin, sizeof(bin), "%s/static_prog", scratch_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gcc -static -no-pie -O1 -o '%s' '%s'", bin, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(fd[1], 1);
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	a = strtoul(line, NULL, 16);
	assert_true(a > 0);
	assert_int_equal(usyms__lookup(u, pid, "static_prog", a + 8, &s), USYM_FOUND);
	assert_string_equal(s.name, "static_writer");
	assert_int_equal(s.off, 8);
	assert_string_equal(s.obj, bin);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	/* gone now, but its mappings were read while it lived */
	assert_int_equal(usyms__lookup(u, pid, "static_prog", a, &s), USYM_FOUND);
	usyms__free(u);
}

static void test_fixture_proc(void **state)
{
	char maps[16384] = "", line[4500], buf[4400], p4242[300];
	unsigned long a = (unsigned long)&usyms_test_marker;
	struct usyms *u;
	struct usym s;
	size_t l = 0;
	FILE *f;

	(void)state;
	/* pid 4242: this program's own mappings, plus a file without symbols and an anonymous one */
	f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && l + strlen(line) < sizeof(maps) - 200) {
		memcpy(maps + l, line, strlen(line) + 1);
		l += strlen(line);
	}
	fclose(f);
	snprintf(p4242, sizeof(p4242), "%s/4242", scratch_dir);
	mkdir(p4242, 0755);
	scratch_write("nosyms", "not an ELF file\n");
	snprintf(maps + l, sizeof(maps) - l, "7fff00000000-7fff00001000 r-xp 00000000 00:2a 77 %s/nosyms\n"
		 "7fff00002000-7fff00003000 r-xp 00000000 00:00 0 \n", scratch_dir);
	scratch_write("4242/maps", maps);
	scratch_write("4242/comm", "fixture\n");
	mkdir(p4242, 0755);
	u = usyms__new(scratch_dir);
	assert_non_null(u);
	/* never seen and gone: marked exited, whatever the address */
	assert_int_equal(usyms__lookup(u, 4243, "gone", a, &s), USYM_EXITED);
	usym_name(u, 4243, "gone", a, buf, sizeof(buf));
	assert_string_equal(buf, "[exited]");
	/* alive: its own mappings name it */
	assert_int_equal(usyms__lookup(u, 4242, "fixture", a + 2, &s), USYM_FOUND);
	assert_string_equal(s.name, "usyms_test_marker");
	assert_int_equal(usyms__lookup(u, 4242, "fixture", 0x7fff00000010, &s), USYM_NOSYM);
	assert_non_null(strstr(s.obj, "/nosyms"));
	usym_name(u, 4242, "fixture", 0x7fff00000010, buf, sizeof(buf));
	assert_non_null(strstr(buf, "[unknown] ("));
	assert_int_equal(usyms__lookup(u, 4242, "fixture", 0x7fff00002010, &s), USYM_UNMAPPED);
	/* it exits: what was read still names its frames */
	snprintf(line, sizeof(line), "%s/4242/maps", scratch_dir);
	unlink(line);
	assert_int_equal(usyms__lookup(u, 4242, "fixture", a, &s), USYM_FOUND);
	/* an address in none of its mappings, now that it is gone: exited, not guessed */
	assert_int_equal(usyms__lookup(u, 4242, "fixture", 0x10, &s), USYM_EXITED);
	/* pid 4242 again under another name (exec, or reuse): the old mappings are not used */
	assert_int_equal(usyms__lookup(u, 4242, "other", a, &s), USYM_EXITED);
	usyms__free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pie_and_shared_lib),
		cmocka_unit_test(test_static_binary),
		cmocka_unit_test(test_fixture_proc),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
