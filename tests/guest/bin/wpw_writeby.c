// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_writeby: write one line to a file with a chosen system call, so that a
 * test gets kernel stacks that differ (ksys_write, ksys_pwrite64, do_writev)
 * for the same write of the module.
 *
 *   wpw_writeby write|pwrite|writev FILE LINE
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

int main(int argc, char **argv)
{
	struct iovec iov;
	ssize_t n;
	size_t len;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: wpw_writeby write|pwrite|writev FILE LINE\n");
		return 2;
	}
	fd = open(argv[2], O_WRONLY);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	len = strlen(argv[3]);
	iov.iov_base = argv[3];
	iov.iov_len = len;
	if (!strcmp(argv[1], "write")) {
		n = write(fd, argv[3], len);
	} else if (!strcmp(argv[1], "pwrite")) {
		n = pwrite(fd, argv[3], len, 0);
	} else if (!strcmp(argv[1], "writev")) {
		n = writev(fd, &iov, 1);
	} else {
		fprintf(stderr, "wpw_writeby: unknown call '%s'\n", argv[1]);
		return 2;
	}
	if (n != (ssize_t)len) {
		perror(argv[1]);
		return 1;
	}
	close(fd);
	return 0;
}
