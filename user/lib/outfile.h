/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --output FILE: standard output appended to FILE, reopened (by name, so a
 * new file after a rename) when SIGHUP arrives, as log shippers and
 * logrotate expect. The command's loop calls outfile_check() between
 * events: a line is always written whole to one file or the other, and the
 * old file is flushed before it is closed, so rotation loses no line.
 */
#ifndef WPWATCH_OUTFILE_H
#define WPWATCH_OUTFILE_H

/* Send stdout to PATH (appending) and catch SIGHUP: 0 or -errno. */
int outfile_open(const char *path);
/* After a SIGHUP: flush, reopen the path: 0 (also when there was none) or -errno. */
int outfile_check(void);

#endif
