// SPDX-License-Identifier: GPL-2.0
/* Event times as RFC 3339 wall-clock times: see evtime.h. */
#include <stdio.h>
#include <time.h>
#include "evtime.h"

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

void evtime_format(int64_t sec, long nsec, char *buf, size_t len)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char day[24];

	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", day, nsec);
}

void evtime_rfc3339(uint64_t mono_ns, char *buf, size_t len)
{
	struct timespec r0, m, r1;
	int64_t off, wall;

	/* the monotonic reading between two wall-clock ones: the offset is
	 * their midpoint's, off by at most half the gap (a few ns) */
	clock_gettime(CLOCK_REALTIME, &r0);
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r1);
	off = ns_of(&r0) + (ns_of(&r1) - ns_of(&r0)) / 2 - ns_of(&m);
	wall = (int64_t)mono_ns + off;
	evtime_format(wall / 1000000000LL, (long)(wall % 1000000000LL), buf, len);
}
