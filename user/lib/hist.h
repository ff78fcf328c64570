/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Latency histograms: log-linear buckets (16 per power of two, exact below
 * 16), exact count/sum/min/max/sum of squares, percentiles estimated from the
 * buckets with a proven error bound, and the log2 view printed the way bcc's
 * and libbpf-tools' funclatency print it.
 *
 * Bucket i covers [hist_slot_low(i), hist_slot_low(i) + hist_slot_width(i)).
 * For i >= 16 the width is at most 1/16 of the low bound, so a percentile
 * estimate is within 6.25 % of the true order statistic (relative), and exact
 * below 16. include/lat.h's lat_slot() is the same scheme for the kernel side.
 */
#ifndef WPWATCH_HIST_H
#define WPWATCH_HIST_H

#include <stdint.h>
#include <stdio.h>

#define HIST_SUB_BITS	4
#define HIST_SUB	(1u << HIST_SUB_BITS)
#define HIST_MAX_LOG2	40
#define HIST_SLOTS	((HIST_MAX_LOG2 - HIST_SUB_BITS + 2) * HIST_SUB)
#define HIST_LOG2_SLOTS	(HIST_MAX_LOG2 + 1)

struct hist {
	uint64_t count;
	uint64_t sum;	/* of the raw values */
	uint64_t min;	/* valid when count > 0 */
	uint64_t max;
	unsigned __int128 sumsq;
	/* bucket counts; their values are the raw values divided by a unit
	 * (1 unless the producer scaled them, see include/lat.h) */
	uint64_t slots[HIST_SLOTS];
};

/* bucket arithmetic */
unsigned int hist_slot(uint64_t v);
uint64_t hist_slot_low(unsigned int slot);
uint64_t hist_slot_width(unsigned int slot);
/* log2 slot (bcc's: [2^k, 2^(k+1)), 0 and 1 share slot 0) of a fine bucket */
unsigned int hist_slot_log2(unsigned int slot);

void hist_init(struct hist *h);
/* record one raw value; the bucket is that of v / unit (unit >= 1) */
void hist_add(struct hist *h, uint64_t v, uint64_t unit);
void hist_merge(struct hist *dst, const struct hist *src);

/* figures in raw units (mean, stddev: population standard deviation) */
double hist_mean(const struct hist *h);
double hist_stddev(const struct hist *h);
/*
 * The p-th percentile (0 < p <= 100) in bucket units: nearest rank
 * r = ceil(p/100 * count), located in its bucket and interpolated linearly
 * there (the midpoint of the bucket's share of rank r), then clamped to
 * [min/unit, max/unit]; the first and last ranks are min and max exactly.
 * Returns 0 for an empty histogram.
 */
double hist_percentile(const struct hist *h, double p, uint64_t unit);
/*
 * Upper bound of |estimate - true| for hist_percentile(h, p, unit), in bucket
 * units: the width of the bucket holding the rank (0 when exact). When
 * unit > 1, add one unit: values are truncated to whole units before
 * bucketing.
 */
double hist_percentile_error(const struct hist *h, double p);

/* collapse to log2 slots; returns the highest non-empty slot or -1 */
int hist_log2(const struct hist *h, uint64_t out[HIST_LOG2_SLOTS]);
/*
 * Print a log2 histogram as libbpf-tools' print_log2_hist() does
 * ("     nsecs               : count    distribution", rows
 * "low -> high : count |****|", 40 stars), leading empty rows left out
 * as bcc's strip_leading_zero does.
 */
/*
 * The first and last non-zero entries of vals[nvals] (*first = *last = -1
 * when all are zero) and the largest value: what a printed or drawn
 * histogram spans. Returns 0 when all are zero, else 1.
 */
int hist_span(const uint64_t *vals, int nvals, int *first, int *last, uint64_t *max);

void hist_print_log2(FILE *f, const uint64_t *vals, int nvals, const char *unit_name);

#endif
