// SPDX-License-Identifier: GPL-2.0
/* wpwatch lat, --svg: the whole run's histograms drawn, one panel each, with the percentiles marked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lat_cmd.h"
#include "lat_svgdraw.h"

int lat_write_svg(const char *path, const struct report *r)
{
	struct { char title[WPW_KSYM_NAME_LEN]; char caption[200]; struct hist h; } *p = NULL;
	int np = 0, i, w = 900, ph = 260, y;
	struct hist all;
	size_t k;
	FILE *f;

	p = calloc(r->n + 2, sizeof(*p));
	if (!p)
		return -ENOMEM;
	lat_merged(r, LAT_KIND_BODY, NULL, &all);
	snprintf(p[np].title, sizeof(p[0].title), "All re-randomizable calls (body)");
	p[np++].h = all;
	for (k = 0; k < r->n; k++) {
		if (!lat_first_of_function(r, k))
			continue;
		snprintf(p[np].title, sizeof(p[0].title), "%s", r->rows[k].name);
		lat_merged(r, LAT_KIND_BODY, r->rows[k].name, &p[np++].h);
	}
	snprintf(p[np].title, sizeof(p[0].title), "Re-randomization passes");
	lat_merged(r, LAT_KIND_PASS, NULL, &p[np++].h);

	f = fopen(path, "w");
	if (!f) {
		int err = -errno;

		free(p);
		return err;
	}
	svg_begin(f, w, 40 + np * (ph + 12), "wpwatch lat: latency distributions");
	for (i = 0, y = 40; i < np; i++) {
		uint64_t l2[HIST_LOG2_SLOTS];
		struct svg_marker m[4];
		struct figs fg;
		char a[32], b[32], c[32], d[32], e[32];

		lat_figures(&p[i].h, &fg);
		m[0].label = "p50";
		m[0].value = fg.p50;
		m[1].label = "p90";
		m[1].value = fg.p90;
		m[2].label = "p99";
		m[2].value = fg.p99;
		m[3].label = "p99.9";
		m[3].value = fg.p999;
		snprintf(p[i].caption, sizeof(p[0].caption),
			 "n=%llu  avg=%s  min=%s  max=%s  p50=%s p99=%s (%s)",
			 (unsigned long long)fg.count, lat_fmtv(a, 32, fg.avg),
			 lat_fmtv(b, 32, fg.min), lat_fmtv(c, 32, fg.max), lat_fmtv(d, 32, fg.p50),
			 lat_fmtv(e, 32, fg.p99), lat_unit_names[env.unit]);
		hist_log2(&p[i].h, l2);
		if (svg_hist_panel(f, 10, y, w - 20, ph, p[i].title, p[i].caption, l2,
				   HIST_LOG2_SLOTS, lat_unit_names[env.unit], m, 4) < 0) {
			fprintf(f, "<g><rect x=\"10\" y=\"%d\" width=\"%d\" height=\"%d\" "
				"fill=\"#f7f7f7\" stroke=\"#cccccc\"/></g>\n", y, w - 20, ph);
			svg_text(f, 20, y + 18, 14, "start", "#000000", p[i].title);
			svg_text(f, 20, y + 40, 12, "start", "#444444", "no samples");
		}
		y += ph + 12;
	}
	svg_end(f);
	free(p);
	if (fclose(f))
		return -errno;
	return 0;
}
