/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal SVG writer for latency pictures: a document, text, and a log2
 * histogram panel (bars per power of two, percentile markers, axis labels),
 * all in one self-contained file any browser or rsvg-convert renders.
 */
#ifndef WPWATCH_LAT_SVGDRAW_H
#define WPWATCH_LAT_SVGDRAW_H

#include <stdint.h>
#include <stdio.h>

struct svg_marker {
	const char *label;	/* "p50", "p99", ... */
	double value;		/* in the histogram's unit */
};

/* width and height in pixels; title printed at the top */
void svg_begin(FILE *f, int width, int height, const char *title);
void svg_end(FILE *f);
/* text at (x, y); anchor "start", "middle" or "end"; escaped */
void svg_text(FILE *f, double x, double y, int size, const char *anchor,
	      const char *fill, const char *text);

/*
 * One panel at (x, y) of size w x h: bars for log2 slots vals[lo..hi]
 * (slot k = [2^k, 2^(k+1)) units, 0 and 1 in slot 0), heights linear in the
 * count, dashed vertical lines at the markers placed on the same log2 axis,
 * a caption under the title (e.g. "n=1000 avg=12.3 max=99").
 * Returns 0, or -1 when there is nothing to draw (all zero).
 */
int svg_hist_panel(FILE *f, double x, double y, double w, double h,
		   const char *title, const char *caption, const uint64_t *vals,
		   int nvals, const char *unit_name,
		   const struct svg_marker *markers, int nmarkers);

/* text escaped for XML (also used by JSON-free callers); returns buf */
const char *svg_escape(const char *in, char *buf, size_t len);

#endif
