// SPDX-License-Identifier: GPL-2.0
/* The Prometheus text exposition format into a buffer: see prom.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "prom.h"

void prom_buf_reset(struct prom_buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->s)
		b->s[0] = '\0';
}

void prom_buf_free(struct prom_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static bool reserve(struct prom_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *s;

	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	while (cap < b->len + more + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void prom_printf(struct prom_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void putc_buf(struct prom_buf *b, char c)
{
	if (!reserve(b, 1))
		return;
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

/* text of HELP lines and label values: '\\' and '\n' escaped, and '"' in label values */
static void escaped(struct prom_buf *b, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			prom_printf(b, "\\\\");
		else if (*s == '\n')
			prom_printf(b, "\\n");
		else if (quote && *s == '"')
			prom_printf(b, "\\\"");
		else
			putc_buf(b, *s);
	}
}

void prom_family(struct prom_buf *b, const char *name, const char *type, const char *help)
{
	prom_printf(b, "# HELP %s ", name);
	escaped(b, help, false);
	prom_printf(b, "\n# TYPE %s %s\n", name, type);
}

/* NAME{l...[,le="LE"]} */
static void series(struct prom_buf *b, const char *name, const struct prom_label *l, int n,
		   const char *le)
{
	int i;

	prom_printf(b, "%s", name);
	if (!n && !le)
		return;
	putc_buf(b, '{');
	for (i = 0; i < n; i++) {
		prom_printf(b, "%s%s=\"", i ? "," : "", l[i].name);
		escaped(b, l[i].value, true);
		putc_buf(b, '"');
	}
	if (le)
		prom_printf(b, "%sle=\"%s\"", n ? "," : "", le);
	putc_buf(b, '}');
}

void prom_u64(struct prom_buf *b, const char *name, const struct prom_label *l, int n,
	      uint64_t v)
{
	series(b, name, l, n, NULL);
	prom_printf(b, " %llu\n", (unsigned long long)v);
}

void prom_double(struct prom_buf *b, const char *name, const struct prom_label *l, int n,
		 double v)
{
	series(b, name, l, n, NULL);
	prom_printf(b, " %.17g\n", v);
}

void prom_ns_to_secs(char *buf, size_t len, uint64_t ns)
{
	char frac[16];
	int i;

	snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)(ns % 1000000000ULL));
	for (i = 8; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	snprintf(buf, len, "%llu%s%s", (unsigned long long)(ns / 1000000000ULL),
		 frac[0] ? "." : "", frac);
}

uint64_t prom_slot_top_ns(unsigned int slot, uint64_t unit)
{
	if (slot >= HIST_SLOTS - 1)
		return UINT64_MAX;
	return (hist_slot_low(slot) + hist_slot_width(slot)) * (unit ? unit : 1) - 1;
}

static void bucket(struct prom_buf *b, const char *bname, const struct prom_label *l, int n,
		   uint64_t top_ns, uint64_t cum)
{
	char le[32];

	if (top_ns == UINT64_MAX)
		snprintf(le, sizeof(le), "+Inf");
	else
		prom_ns_to_secs(le, sizeof(le), top_ns);
	series(b, bname, l, n, le);
	prom_printf(b, " %llu\n", (unsigned long long)cum);
}

void prom_hist_seconds(struct prom_buf *b, const char *name, const struct prom_label *l, int n,
		       const struct hist *h, uint64_t unit)
{
	char bname[256], sum[32];
	uint64_t cum = 0;
	unsigned int i;
	bool prev_written = false;

	snprintf(bname, sizeof(bname), "%s_bucket", name);
	for (i = 0; i + 1 < HIST_SLOTS; i++) {
		if (!h->slots[i]) {
			prev_written = false;
			continue;
		}
		/* the bound below this bucket, so that it is interpolated alone */
		if (i > 0 && !prev_written)
			bucket(b, bname, l, n, prom_slot_top_ns(i - 1, unit), cum);
		cum += h->slots[i];
		bucket(b, bname, l, n, prom_slot_top_ns(i, unit), cum);
		prev_written = true;
	}
	bucket(b, bname, l, n, UINT64_MAX, h->count);
	snprintf(bname, sizeof(bname), "%s_sum", name);
	series(b, bname, l, n, NULL);
	prom_ns_to_secs(sum, sizeof(sum), h->sum);
	prom_printf(b, " %s\n", sum);
	snprintf(bname, sizeof(bname), "%s_count", name);
	prom_u64(b, bname, l, n, h->count);
}
