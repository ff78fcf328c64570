// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_uwrite FILE TEXT [exit]
 *
 * A user process whose write(2) of TEXT to FILE (e.g. "0 5 1" to
 * wpw_testwriter's debugfs "write") makes the kernel write a watched
 * variable, from a known user stack: main -> uw_outer -> uw_write_target ->
 * write. Then it waits (pause) until killed, so that its mappings can be
 * read; with "exit" it exits at once instead (the exited-process case).
 * Prints "written N" after the write. Self-contained (libc only), so that the
 * Debian guest can build it as a dynamically linked PIE with its own gcc:
 * tests/guest/21-watch-symbols.sh. Exit 2 on bad usage, 1 if the write fails.
 */
#pragma GCC optimize("no-omit-frame-pointer")
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) ssize_t uw_write_target(int fd, const char *text)
{
	ssize_t n = write(fd, text, strlen(text));

	__asm__ volatile("" ::: "memory");	/* not a tail call: keep this frame */
	return n;
}

__attribute__((noinline)) ssize_t uw_outer(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = uw_write_target(fd, text);
	close(fd);
	__asm__ volatile("" ::: "memory");
	return n;
}

int main(int argc, char **argv)
{
	ssize_t n;

	if (argc < 3 || (argc > 3 && strcmp(argv[3], "exit"))) {
		fprintf(stderr, "usage: wpw_uwrite FILE TEXT [exit]\n");
		return 2;
	}
	n = uw_outer(argv[1], argv[2]);
	if (n < 0) {
		perror(argv[1]);
		return 1;
	}
	printf("written %zd\n", n);
	fflush(stdout);
	if (argc == 3)
		pause();
	return 0;
}
