/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus text exposition format (version 0.0.4) written into a
 * growing buffer: metric families (# HELP / # TYPE), samples with escaped
 * labels, and histograms straight from the log-linear buckets of hist.h.
 * Serving the text over HTTP: prom_http.h. Which metrics each command
 * exports and how the buckets become `le` bounds: docs/many-machines.md.
 *
 * Histogram mapping. Bucket i of a struct hist holds the values v/unit in
 * [hist_slot_low(i), hist_slot_low(i) + hist_slot_width(i)), v in integer
 * nanoseconds; its largest nanosecond is therefore
 *     top(i) = (hist_slot_low(i) + hist_slot_width(i)) * unit - 1
 * and `le` = top(i) / 1e9 seconds (written as an exact decimal) counts
 * exactly the values <= that bound. Only the buckets that hold values are
 * written, each with the bound just below it (top(i-1), so that
 * histogram_quantile() interpolates inside the real bucket, not across
 * empty ones), then +Inf, _sum (exact) and _count. A histogram that only
 * grows (the whole run) keeps every `le` series once it appeared. The last
 * bucket (values >= 2^40 units) has no finite bound and only counts in +Inf.
 */
#ifndef WPWATCH_PROM_H
#define WPWATCH_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hist.h"

struct prom_buf {
	char *s;	/* NUL-terminated text, len bytes */
	size_t len, cap;
	bool oom;	/* an append failed: the text is incomplete */
};

struct prom_label {
	const char *name;
	const char *value;
};

void prom_buf_reset(struct prom_buf *b);
void prom_buf_free(struct prom_buf *b);
/* Append formatted text. */
void prom_printf(struct prom_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "# HELP NAME HELP" and "# TYPE NAME TYPE" (counter, gauge, histogram). */
void prom_family(struct prom_buf *b, const char *name, const char *type, const char *help);
/* One sample: NAME{labels} VALUE (N labels; 0 and NULL for none). */
void prom_u64(struct prom_buf *b, const char *name, const struct prom_label *l, int n,
	      uint64_t v);
void prom_double(struct prom_buf *b, const char *name, const struct prom_label *l, int n,
		 double v);
/*
 * The histogram NAME (in seconds) of H, whose buckets are in units of UNIT
 * nanoseconds and whose sum is in nanoseconds: NAME_bucket{...,le=...},
 * NAME_sum, NAME_count, with the labels L[N] on each.
 */
void prom_hist_seconds(struct prom_buf *b, const char *name, const struct prom_label *l, int n,
		       const struct hist *h, uint64_t unit);

/* NS nanoseconds as an exact decimal number of seconds ("0.000015999", "2"). */
void prom_ns_to_secs(char *buf, size_t len, uint64_t ns);
/* The `le` bound of bucket SLOT, in nanoseconds (UINT64_MAX: none, the last bucket). */
uint64_t prom_slot_top_ns(unsigned int slot, uint64_t unit);

#endif
