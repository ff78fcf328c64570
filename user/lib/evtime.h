/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event times for log pipelines: a CLOCK_MONOTONIC nanosecond time (what
 * bpf_ktime_get_ns() gives the kernel side) as an RFC 3339 UTC time with
 * nanoseconds from CLOCK_REALTIME ("2026-12-01T23:59:01.123456789Z"). The
 * offset between the two clocks is measured at every call, so a clock step
 * (NTP, settimeofday) shows in the next event.
 */
#ifndef WPWATCH_EVTIME_H
#define WPWATCH_EVTIME_H

#include <stddef.h>
#include <stdint.h>

#define EVTIME_LEN 32	/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" and its NUL, with room */

/* MONO_NS (CLOCK_MONOTONIC) as RFC 3339 wall-clock time into BUF. */
void evtime_rfc3339(uint64_t mono_ns, char *buf, size_t len);
/* A CLOCK_REALTIME time (seconds, nanoseconds) as RFC 3339 into BUF. */
void evtime_format(int64_t sec, long nsec, char *buf, size_t len);

#endif
