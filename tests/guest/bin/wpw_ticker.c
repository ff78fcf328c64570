// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_ticker SECONDS PERIOD_US
 *
 * The reference for a fixed-rate thread's pace in this guest, now: runs the
 * loop of rerandom's pass thread (rr_pass_fn in kmod/rerandom/pass.c)
 * without the pass, i.e. "next += period; sleep what is left, or, when
 * behind, start again from now", for SECONDS of CLOCK_MONOTONIC, and prints
 * how many periods it completed. Under QEMU TCG on a shared host the guest
 * itself cannot wake a thread every millisecond; tests/guest/30-rerandom.sh
 * compares its pass count with this one, taken during the same window and on
 * the same vCPUs, instead of with the nominal rate. Exit 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long start, end, next, now, period, ticks = 0;
	double secs;

	if (argc != 3 || (secs = strtod(argv[1], NULL)) <= 0 ||
	    (period = strtoull(argv[2], NULL, 10) * 1000ULL) == 0) {
		fprintf(stderr, "usage: wpw_ticker SECONDS PERIOD_US (both > 0)\n");
		return 2;
	}
	start = now_ns();
	end = start + (unsigned long long)(secs * 1e9);
	next = start;
	while ((now = now_ns()) < end) {
		ticks++;
		next += period;
		now = now_ns();
		if (now < next) {
			struct timespec d = { (next - now) / 1000000000ULL,
					      (next - now) % 1000000000ULL };

			nanosleep(&d, NULL);
		} else {
			next = now;	/* behind: catch up no further than one period */
		}
	}
	printf("%llu\n", ticks);
	return 0;
}
