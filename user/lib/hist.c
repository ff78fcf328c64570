// SPDX-License-Identifier: GPL-2.0
/* Latency histograms and percentiles: see hist.h. */
#include <math.h>
#include <string.h>
#include "hist.h"

static unsigned int ilog2_u64(uint64_t v)
{
	return v ? 63 - __builtin_clzll(v) : 0;
}

unsigned int hist_slot(uint64_t v)
{
	unsigned int e;

	if (v < HIST_SUB)
		return (unsigned int)v;
	e = ilog2_u64(v);
	if (e > HIST_MAX_LOG2)
		return HIST_SLOTS - 1;
	return (e - HIST_SUB_BITS + 1) * HIST_SUB +
	       (unsigned int)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

uint64_t hist_slot_low(unsigned int slot)
{
	unsigned int e;

	if (slot < HIST_SUB)
		return slot;
	e = slot / HIST_SUB + HIST_SUB_BITS - 1;
	return (uint64_t)(HIST_SUB + slot % HIST_SUB) << (e - HIST_SUB_BITS);
}

uint64_t hist_slot_width(unsigned int slot)
{
	if (slot < HIST_SUB)
		return 1;
	return 1ULL << (slot / HIST_SUB - 1);
}

unsigned int hist_slot_log2(unsigned int slot)
{
	return ilog2_u64(hist_slot_low(slot));
}

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

void hist_add(struct hist *h, uint64_t v, uint64_t unit)
{
	if (!h->count || v < h->min)
		h->min = v;
	if (!h->count || v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->sumsq += (unsigned __int128)v * v;
	h->slots[hist_slot(v / (unit ? unit : 1))]++;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (!dst->count || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
	for (i = 0; i < HIST_SLOTS; i++)
		dst->slots[i] += src->slots[i];
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

double hist_stddev(const struct hist *h)
{
	long double n, mean, var;

	if (h->count < 2)
		return 0.0;
	n = (long double)h->count;
	mean = (long double)h->sum / n;
	var = (long double)h->sumsq / n - mean * mean;
	return var > 0 ? (double)sqrtl(var) : 0.0;
}

/* the bucket holding rank r (1-based) and the count below it */
static int rank_slot(const struct hist *h, uint64_t r, uint64_t *below)
{
	uint64_t cum = 0;
	unsigned int i;

	for (i = 0; i < HIST_SLOTS; i++) {
		if (h->slots[i] && cum + h->slots[i] >= r) {
			*below = cum;
			return (int)i;
		}
		cum += h->slots[i];
	}
	return -1;
}

static uint64_t rank_of(const struct hist *h, double p)
{
	double r;
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < HIST_SLOTS; i++)
		total += h->slots[i];
	if (p <= 0)
		p = 0;
	if (p > 100)
		p = 100;
	r = ceil(p / 100.0 * (double)total - 1e-9);
	if (r < 1)
		r = 1;
	if (r > (double)total)
		r = (double)total;
	return (uint64_t)r;
}

double hist_percentile(const struct hist *h, double p, uint64_t unit)
{
	uint64_t r, below, n;
	double est, lo, hi;
	int s;

	if (!h->count)
		return 0.0;
	if (!unit)
		unit = 1;
	lo = (double)h->min / (double)unit;
	hi = (double)h->max / (double)unit;
	r = rank_of(h, p);
	/* the first and the last rank are known exactly */
	if (r == 1)
		return lo;
	if (r == h->count)
		return hi;
	s = rank_slot(h, r, &below);
	if (s < 0)
		return 0.0;
	n = h->slots[s];
	if (hist_slot_width(s) == 1)
		est = (double)hist_slot_low(s);
	else
		est = (double)hist_slot_low(s) + (double)hist_slot_width(s) *
		      ((double)(r - below) - 0.5) / (double)n;
	if (est < lo)
		est = lo;
	if (est > hi)
		est = hi;
	return est;
}

double hist_percentile_error(const struct hist *h, double p)
{
	uint64_t below, r;
	int s;

	if (!h->count)
		return 0.0;
	r = rank_of(h, p);
	if (r == 1 || r == h->count)
		return 0.0;
	s = rank_slot(h, r, &below);
	if (s < 0 || hist_slot_width(s) == 1)
		return 0.0;
	return (double)hist_slot_width(s);
}

int hist_log2(const struct hist *h, uint64_t out[HIST_LOG2_SLOTS])
{
	unsigned int i;
	int top = -1;

	memset(out, 0, sizeof(uint64_t) * HIST_LOG2_SLOTS);
	for (i = 0; i < HIST_SLOTS; i++) {
		unsigned int k = hist_slot_log2(i);

		if (!h->slots[i])
			continue;
		out[k] += h->slots[i];
		if ((int)k > top)
			top = (int)k;
	}
	return top;
}

static void print_stars(FILE *f, uint64_t val, uint64_t val_max, int width)
{
	int num_stars, i;

	num_stars = (int)((val < val_max ? val : val_max) * (uint64_t)width / val_max);
	for (i = 0; i < num_stars; i++)
		fputc('*', f);
	for (i = num_stars; i < width; i++)
		fputc(' ', f);
	if (val > val_max)
		fputc('+', f);
}

int hist_span(const uint64_t *vals, int nvals, int *first, int *last, uint64_t *max)
{
	int i;

	*first = *last = -1;
	*max = 0;
	for (i = 0; i < nvals; i++) {
		if (vals[i] > 0) {
			if (*first < 0)
				*first = i;
			*last = i;
		}
		if (vals[i] > *max)
			*max = vals[i];
	}
	return *last >= 0;
}

void hist_print_log2(FILE *f, const uint64_t *vals, int nvals, const char *unit_name)
{
	int stars_max = 40, idx_min = -1, idx_max = -1, stars, width, i;
	unsigned long long low, high;
	uint64_t val_max = 0;

	if (!hist_span(vals, nvals, &idx_min, &idx_max, &val_max))
		return;

	fprintf(f, "%*s%-*s : count    distribution\n", idx_max <= 32 ? 5 : 15, "",
		idx_max <= 32 ? 19 : 29, unit_name);
	stars = idx_max <= 32 ? stars_max : stars_max / 2;
	width = idx_max <= 32 ? 10 : 20;
	for (i = idx_min; i <= idx_max; i++) {
		low = (1ULL << (i + 1)) >> 1;
		high = (1ULL << (i + 1)) - 1;
		if (low == high)
			low -= 1;
		fprintf(f, "%*llu -> %-*llu : %-8llu |", width, low, width, high,
			(unsigned long long)vals[i]);
		print_stars(f, vals[i], val_max, stars);
		fprintf(f, "|\n");
	}
}
