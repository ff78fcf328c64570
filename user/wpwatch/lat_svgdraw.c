// SPDX-License-Identifier: GPL-2.0
/* Minimal SVG writer for latency histograms: see lat_svgdraw.h. */
#include <string.h>
#include "hist.h"
#include "lat_svgdraw.h"

const char *svg_escape(const char *in, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return buf;
	for (; *in; in++) {
		const char *rep = NULL;
		size_t need = 1;

		switch (*in) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		}
		if (rep)
			need = strlen(rep);
		else if ((unsigned char)*in < 0x20)
			continue;	/* control characters: not allowed in XML */
		if (o + need >= len)
			break;		/* whole characters or entities only */
		if (rep)
			memcpy(buf + o, rep, need);
		else
			buf[o] = *in;
		o += need;
	}
	buf[o] = '\0';
	return buf;
}

void svg_begin(FILE *f, int width, int height, const char *title)
{
	char esc[256];

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Verdana, sans-serif\">\n",
		width, height, width, height);
	fprintf(f, "<title>%s</title>\n", svg_escape(title, esc, sizeof(esc)));
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		width, height);
	svg_text(f, width / 2.0, 24, 16, "middle", "#000000", title);
}

void svg_end(FILE *f)
{
	fprintf(f, "</svg>\n");
}

void svg_text(FILE *f, double x, double y, int size, const char *anchor,
	      const char *fill, const char *text)
{
	char esc[512];

	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\" "
		"fill=\"%s\">%s</text>\n", x, y, size, anchor, fill,
		svg_escape(text, esc, sizeof(esc)));
}

static double log2_pos(double v)
{
	/* position on the log2 axis: slot k spans [k, k+1) for [2^k, 2^(k+1)) */
	double k = 0;

	if (v < 1)
		return v;	/* slot 0 holds 0 and 1: linear inside */
	while (v >= 2) {
		v /= 2;
		k += 1;
	}
	return k + (v - 1);
}

static void fmt_bound(char *buf, size_t len, unsigned long long v)
{
	if (v >= 10000000000ULL)
		snprintf(buf, len, "%lluG", v / 1000000000ULL);
	else if (v >= 10000000ULL)
		snprintf(buf, len, "%lluM", v / 1000000ULL);
	else if (v >= 10000ULL)
		snprintf(buf, len, "%lluk", v / 1000ULL);
	else
		snprintf(buf, len, "%llu", v);
}

int svg_hist_panel(FILE *f, double x, double y, double w, double h,
		   const char *title, const char *caption, const uint64_t *vals,
		   int nvals, const char *unit_name,
		   const struct svg_marker *markers, int nmarkers)
{
	static const char *const colors[] = { "#1a9850", "#fdae61", "#d73027", "#762a83" };
	double px, py, pw, ph, bw;
	uint64_t vmax = 0;
	int lo = -1, hi = -1, i, n;
	char buf[128];

	if (!hist_span(vals, nvals, &lo, &hi, &vmax))
		return -1;
	/* a little room on both sides so markers at the edges show */
	if (lo > 0)
		lo--;
	if (hi + 1 < nvals)
		hi++;
	n = hi - lo + 1;

	fprintf(f, "<g>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"#f7f7f7\" stroke=\"#cccccc\"/>\n", x, y, w, h);
	svg_text(f, x + 8, y + 18, 14, "start", "#000000", title);
	if (caption)
		svg_text(f, x + 8, y + 36, 11, "start", "#444444", caption);

	px = x + 60;		/* plot area */
	py = y + 48;
	pw = w - 80;
	ph = h - 48 - 44;
	bw = pw / n;

	/* y axis: 0 and the maximum count */
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\"/>\n",
		px, py, px, py + ph);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\"/>\n",
		px, py + ph, px + pw, py + ph);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)vmax);
	svg_text(f, px - 4, py + 8, 10, "end", "#000000", buf);
	svg_text(f, px - 4, py + ph, 10, "end", "#000000", "0");
	svg_text(f, x + 14, py + ph / 2, 10, "middle", "#000000", "count");

	for (i = 0; i < n; i++) {
		int k = lo + i;
		double bh = vmax ? (double)vals[k] * ph / (double)vmax : 0;
		unsigned long long low = k ? 1ULL << k : 0;

		if (vals[k] && bh < 1)
			bh = 1;	/* a non-empty bucket is always visible */
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"#4575b4\"><title>%llu -&gt; %llu %s: %llu</title></rect>\n",
			px + i * bw + 1, py + ph - bh, bw > 3 ? bw - 2 : bw, bh,
			low, (1ULL << (k + 1)) - 1, unit_name,
			(unsigned long long)vals[k]);
		/* bucket's lower bound under its left edge, thinned when crowded */
		if (n <= 16 || i % 2 == 0) {
			fmt_bound(buf, sizeof(buf), low);
			svg_text(f, px + i * bw, py + ph + 14, 10, "middle", "#000000", buf);
		}
	}
	snprintf(buf, sizeof(buf), "%s (log2 buckets)", unit_name);
	svg_text(f, px + pw / 2, py + ph + 30, 11, "middle", "#000000", buf);

	for (i = 0; i < nmarkers; i++) {
		double pos = log2_pos(markers[i].value) - lo, mx, lx;

		if (pos < 0)
			pos = 0;
		if (pos > n)
			pos = n;
		mx = px + pos * bw;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\" stroke-dasharray=\"5,3\"/>\n", mx, py, mx, py + ph,
			colors[i % 4]);
		/* the legend, top right: a dash of the line's colour and its name */
		lx = x + w - 70 * (nmarkers - i) - 10;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\" stroke-dasharray=\"5,3\"/>\n", lx, y + 14, lx + 22,
			y + 14, colors[i % 4]);
		svg_text(f, lx + 26, y + 18, 11, "start", "#000000", markers[i].label);
	}
	fprintf(f, "</g>\n");
	return 0;
}
