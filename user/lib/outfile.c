// SPDX-License-Identifier: GPL-2.0
/* --output FILE, reopened on SIGHUP: see outfile.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "outfile.h"

static const char *out_path;
static volatile sig_atomic_t hup;

static void on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

int outfile_open(const char *path)
{
	struct sigaction sa;

	if (!freopen(path, "a", stdout))
		return -errno;
	out_path = path;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a SIGHUP ends the loop's wait at once */
	return sigaction(SIGHUP, &sa, NULL) ? -errno : 0;
}

int outfile_check(void)
{
	if (!hup || !out_path)
		return 0;
	hup = 0;
	fflush(stdout);
	if (!freopen(out_path, "a", stdout))
		return -errno;
	return 0;
}
