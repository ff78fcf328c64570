// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch lat, output: a report as text (the log2 histogram, figures, the
 * per-function table, the passes and their steps) or as one JSON line, and
 * --events' one JSON line per timed call or pass (as lat.c's dispatcher
 * had the model decode it), into the runner's stream (runner.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "evtime.h"
#include "json.h"
#include "lat_cmd.h"

static void print_figs(FILE *f, const struct figs *fg)
{
	char a[32], b[32], c[32], d[32];

	fprintf(f, "count %llu  avg %s  stddev %s  min %s  max %s  (%s)\n",
		(unsigned long long)fg->count, lat_fmtv(a, 32, fg->avg), lat_fmtv(b, 32, fg->stddev),
		lat_fmtv(c, 32, fg->min), lat_fmtv(d, 32, fg->max), lat_unit_names[env.unit]);
	fprintf(f, "p50 %s  ", lat_fmtv(a, 32, fg->p50));
	fprintf(f, "p90 %s  ", lat_fmtv(a, 32, fg->p90));
	fprintf(f, "p99 %s  ", lat_fmtv(a, 32, fg->p99));
	fprintf(f, "p99.9 %s\n", lat_fmtv(a, 32, fg->p999));
}

static void print_hist_block(FILE *f, const struct hist *h)
{
	uint64_t l2[HIST_LOG2_SLOTS];
	struct figs fg;

	hist_log2(h, l2);
	hist_print_log2(f, l2, HIST_LOG2_SLOTS, lat_unit_names[env.unit]);
	lat_figures(h, &fg);
	print_figs(f, &fg);
}

static void table_head(FILE *f, const char *first)
{
	fprintf(f, "%-18s %8s %11s %9s %9s %9s %9s\n", first, "CALLS", "TOTAL", "MIN",
		"AVG", "MAX", "P99");
}

static void table_row(FILE *f, const char *name, const struct hist *h)
{
	char t[32], mi[32], av[32], ma[32], p[32];
	struct figs fg;

	lat_figures(h, &fg);
	fprintf(f, "%-18.18s %8llu %11s %9s %9s %9s %9s\n", name, (unsigned long long)fg.count,
		lat_fmtv(t, 32, fg.total), lat_fmtv(mi, 32, fg.min), lat_fmtv(av, 32, fg.avg),
		lat_fmtv(ma, 32, fg.max), lat_fmtv(p, 32, fg.p99));
}

void lat_print_text(FILE *f, const struct report *r, bool stamp)
{
	struct hist all, h;
	size_t i, j;
	char ts[32];

	if (stamp) {
		time_t t = time(NULL);

		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
		fprintf(f, "\n[%s]\n", ts);
	}

	lat_merged(r, LAT_KIND_BODY, NULL, &all);
	fprintf(f, "\nRe-randomizable calls (body: add_pause_list return -> "
		"remove_pause_list)\n");
	if (!all.count) {
		fprintf(f, "no calls\n");
	} else {
		print_hist_block(f, &all);
		fprintf(f, "\n");
		table_head(f, "FUNCTION");
		for (i = 0; i < r->n; i = j) {
			const struct row *ri = &r->rows[i];

			if (ri->kind != LAT_KIND_BODY) {
				j = i + 1;
				continue;
			}
			lat_merged(r, LAT_KIND_BODY, ri->name, &h);
			table_row(f, ri->name, &h);
			for (j = i; j < r->n && r->rows[j].kind == LAT_KIND_BODY &&
			     !strcmp(r->rows[j].name, ri->name); j++) {
				char label[64];

				if (!env.per_task)
					continue;
				snprintf(label, sizeof(label), "  tid %u", r->rows[j].tid);
				table_row(f, label, &r->rows[j].h);
			}
		}
		if (env.per_func) {
			for (i = 0; i < r->n; i = j) {
				const struct row *ri = &r->rows[i];

				for (j = i + 1; j < r->n && r->rows[j].kind == ri->kind &&
				     !strcmp(r->rows[j].name, ri->name); j++)
					;
				if (ri->kind != LAT_KIND_BODY)
					continue;
				lat_merged(r, LAT_KIND_BODY, ri->name, &h);
				fprintf(f, "\nfunction = %s\n", ri->name);
				print_hist_block(f, &h);
			}
		}
	}

	lat_merged(r, LAT_KIND_WAIT, NULL, &h);
	if (h.count) {
		struct figs fg;
		char a[32], b[32], c[32];

		lat_figures(&h, &fg);
		fprintf(f, "\nWait in add_pause_list: avg %s  p99 %s  max %s  (%s)\n",
			lat_fmtv(a, 32, fg.avg), lat_fmtv(b, 32, fg.p99), lat_fmtv(c, 32, fg.max),
			lat_unit_names[env.unit]);
	}

	lat_merged(r, LAT_KIND_PASS, NULL, &h);
	fprintf(f, "\nRe-randomization passes: %llu (%.1f/s)", (unsigned long long)h.count,
		r->secs > 0 ? h.count / r->secs : 0.0);
	if (r->have_core_stats)
		fprintf(f, ", %llu functions moved", (unsigned long long)r->moves);
	fprintf(f, ", %llu failed\n", (unsigned long long)r->cnt[LAT_CNT_PASS_FAILED]);
	if (h.count) {
		struct hist steps;

		print_hist_block(f, &h);
		lat_merged(r, LAT_KIND_STEP, NULL, &steps);
		if (steps.count) {
			fprintf(f, "\n");
			fprintf(f, "%-18s %8s %11s %9s %9s %9s %9s\n", "STEP", "CALLS", "TOTAL",
				"MIN", "AVG", "MAX", "SHARE");
			for (i = 0; i < r->n; i++) {
				char t[32], mi[32], av[32], ma[32];
				struct figs fg;

				if (r->rows[i].kind != LAT_KIND_STEP)
					continue;
				lat_figures(&r->rows[i].h, &fg);
				fprintf(f, "%-18s %8llu %11s %9s %9s %9s %8.1f%%\n",
					r->rows[i].name, (unsigned long long)fg.count,
					lat_fmtv(t, 32, fg.total), lat_fmtv(mi, 32, fg.min),
					lat_fmtv(av, 32, fg.avg), lat_fmtv(ma, 32, fg.max),
					h.sum ? 100.0 * r->rows[i].h.sum / h.sum : 0.0);
			}
		}
	}
	if (r->cnt[LAT_CNT_UNMATCHED] || r->cnt[LAT_CNT_DEPTH] || r->cnt[LAT_CNT_NOMEM] ||
	    r->cnt[LAT_CNT_STALE] || r->cnt[LAT_CNT_NORET])
		fprintf(f, "\nnot timed: %llu calls already running at attach, %llu nested "
			"deeper than %d,\n  %llu for want of map space, %llu and %llu whose "
			"remove/return probe was missed\n",
			(unsigned long long)r->cnt[LAT_CNT_UNMATCHED],
			(unsigned long long)r->cnt[LAT_CNT_DEPTH], LAT_MAX_DEPTH,
			(unsigned long long)r->cnt[LAT_CNT_NOMEM],
			(unsigned long long)r->cnt[LAT_CNT_STALE],
			(unsigned long long)r->cnt[LAT_CNT_NORET]);
}

static void json_figs(FILE *f, const struct hist *h, bool with_hist)
{
	struct figs fg;

	lat_figures(h, &fg);
	fprintf(f, "\"count\":%llu,\"total\":%.3f,\"min\":%.3f,\"avg\":%.3f,\"max\":%.3f,"
		"\"stddev\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f",
		(unsigned long long)fg.count, fg.total, fg.min, fg.avg, fg.max, fg.stddev,
		fg.p50, fg.p90, fg.p99, fg.p999);
	if (with_hist) {
		uint64_t l2[HIST_LOG2_SLOTS];
		bool first = true;
		int k;

		hist_log2(h, l2);
		fprintf(f, ",\"hist\":[");
		for (k = 0; k < HIST_LOG2_SLOTS; k++) {
			if (!l2[k])
				continue;
			fprintf(f, "%s{\"low\":%llu,\"high\":%llu,\"count\":%llu}", first ? "" : ",",
				k ? 1ULL << k : 0ULL, (1ULL << (k + 1)) - 1,
				(unsigned long long)l2[k]);
			first = false;
		}
		fprintf(f, "]");
	}
}

void lat_print_json(FILE *f, const struct collector *c, const struct report *r)
{
	struct hist all, h;
	struct timespec now;
	char ts[EVTIME_LEN];
	bool first = true;
	size_t i;

	lat_merged(r, LAT_KIND_BODY, NULL, &all);
	clock_gettime(CLOCK_REALTIME, &now);
	evtime_format(now.tv_sec, now.tv_nsec, ts, sizeof(ts));
	fprintf(f, "{\"type\":\"report\",\"time\":%lld,\"timestamp\":\"%s\",\"secs\":%.3f,"
		"\"unit\":\"%s\",\"probe\":\"%s\",\"calls\":{", (long long)now.tv_sec, ts,
		r->secs, lat_unit_names[env.unit], c->probe);
	json_figs(f, &all, true);
	fprintf(f, "},\"functions\":[");
	for (i = 0; i < r->n; i++) {
		if (!lat_first_of_function(r, i))
			continue;
		lat_merged(r, LAT_KIND_BODY, r->rows[i].name, &h);
		fprintf(f, "%s{\"name\":", first ? "" : ",");
		json_str(f, r->rows[i].name);
		fprintf(f, ",");
		json_figs(f, &h, true);
		fprintf(f, "}");
		first = false;
	}
	fprintf(f, "]");
	if (env.per_task) {
		first = true;
		fprintf(f, ",\"tasks\":[");
		for (i = 0; i < r->n; i++) {
			if (r->rows[i].kind != LAT_KIND_BODY)
				continue;
			fprintf(f, "%s{\"function\":", first ? "" : ",");
			json_str(f, r->rows[i].name);
			fprintf(f, ",\"tid\":%u,", r->rows[i].tid);
			json_figs(f, &r->rows[i].h, false);
			fprintf(f, "}");
			first = false;
		}
		fprintf(f, "]");
	}
	lat_merged(r, LAT_KIND_WAIT, NULL, &h);
	fprintf(f, ",\"wait\":{");
	json_figs(f, &h, false);
	lat_merged(r, LAT_KIND_PASS, NULL, &h);
	fprintf(f, "},\"passes\":{\"per_sec\":%.3f,\"failed\":%llu,",
		r->secs > 0 ? h.count / r->secs : 0.0,
		(unsigned long long)r->cnt[LAT_CNT_PASS_FAILED]);
	if (r->have_core_stats)
		fprintf(f, "\"moved\":%llu,", (unsigned long long)r->moves);
	else
		fprintf(f, "\"moved\":null,");
	json_figs(f, &h, true);
	fprintf(f, ",\"steps\":[");
	first = true;
	for (i = 0; i < r->n; i++) {
		if (r->rows[i].kind != LAT_KIND_STEP)
			continue;
		fprintf(f, "%s{\"name\":", first ? "" : ",");
		json_str(f, r->rows[i].name);
		fprintf(f, ",");
		json_figs(f, &r->rows[i].h, false);
		fprintf(f, "}");
		first = false;
	}
	fprintf(f, "]},\"untimed\":{\"unmatched\":%llu,\"too_deep\":%llu,\"nomem\":%llu,"
		"\"stale\":%llu,\"noret\":%llu},"
		"\"events\":{\"hits\":%llu,\"delivered\":%llu,\"lost\":%llu}}\n",
		(unsigned long long)r->cnt[LAT_CNT_UNMATCHED],
		(unsigned long long)r->cnt[LAT_CNT_DEPTH],
		(unsigned long long)r->cnt[LAT_CNT_NOMEM],
		(unsigned long long)r->cnt[LAT_CNT_STALE],
		(unsigned long long)r->cnt[LAT_CNT_NORET],
		(unsigned long long)r->cnt[LAT_CNT_HITS],
		(unsigned long long)r->delivered,
		(unsigned long long)r->cnt[LAT_CNT_LOST]);
}

void lat_print_event(FILE *f, const struct lat_shown *ev)
{
	const struct lat_event *e = ev->e;
	char ts[EVTIME_LEN];

	evtime_rfc3339(e->ts, ts, sizeof(ts));
	fprintf(f, "{\"type\":\"event\",\"ts\":%llu,\"timestamp\":\"%s\",\"kind\":\"%s\","
		"\"name\":", (unsigned long long)e->ts, ts, ev->kind);
	json_str(f, ev->name);
	fprintf(f, ",\"ns\":%llu,\"tid\":%u,\"pid\":%u,\"depth\":%u,\"comm\":",
		(unsigned long long)e->ns, e->pid, e->tgid, e->depth);
	json_strn(f, e->comm, sizeof(e->comm));
	fprintf(f, "}\n");
}
