// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch lat, output: a report as text (the log2 histogram, figures, the
 * per-function table, the passes and their steps) or as one JSON line, and
 * --events' one JSON line per timed call or pass (the ring buffer's
 * callback; its context: the struct collector).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "evtime.h"
#include "json.h"
#include "lat_cmd.h"

static void print_figs(const struct figs *f)
{
	char a[32], b[32], c[32], d[32];

	printf("count %llu  avg %s  stddev %s  min %s  max %s  (%s)\n",
	       (unsigned long long)f->count, lat_fmtv(a, 32, f->avg), lat_fmtv(b, 32, f->stddev),
	       lat_fmtv(c, 32, f->min), lat_fmtv(d, 32, f->max), lat_unit_names[env.unit]);
	printf("p50 %s  ", lat_fmtv(a, 32, f->p50));
	printf("p90 %s  ", lat_fmtv(a, 32, f->p90));
	printf("p99 %s  ", lat_fmtv(a, 32, f->p99));
	printf("p99.9 %s\n", lat_fmtv(a, 32, f->p999));
}

static void print_hist_block(const struct hist *h)
{
	uint64_t l2[HIST_LOG2_SLOTS];
	struct figs f;

	hist_log2(h, l2);
	hist_print_log2(stdout, l2, HIST_LOG2_SLOTS, lat_unit_names[env.unit]);
	lat_figures(h, &f);
	print_figs(&f);
}

static void table_head(const char *first)
{
	printf("%-18s %8s %11s %9s %9s %9s %9s\n", first, "CALLS", "TOTAL", "MIN",
	       "AVG", "MAX", "P99");
}

static void table_row(const char *name, const struct hist *h)
{
	char t[32], mi[32], av[32], ma[32], p[32];
	struct figs f;

	lat_figures(h, &f);
	printf("%-18.18s %8llu %11s %9s %9s %9s %9s\n", name, (unsigned long long)f.count,
	       lat_fmtv(t, 32, f.total), lat_fmtv(mi, 32, f.min), lat_fmtv(av, 32, f.avg),
	       lat_fmtv(ma, 32, f.max), lat_fmtv(p, 32, f.p99));
}

void lat_print_text(const struct report *r, bool stamp)
{
	struct hist all, h;
	size_t i, j;
	char ts[32];

	if (stamp) {
		time_t t = time(NULL);

		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
		printf("\n[%s]\n", ts);
	}

	lat_merged(r, LAT_KIND_BODY, NULL, &all);
	printf("\nRe-randomizable calls (body: add_pause_list return -> "
	       "remove_pause_list)\n");
	if (!all.count) {
		printf("no calls\n");
	} else {
		print_hist_block(&all);
		printf("\n");
		table_head("FUNCTION");
		for (i = 0; i < r->n; i = j) {
			const struct row *ri = &r->rows[i];

			if (ri->kind != LAT_KIND_BODY) {
				j = i + 1;
				continue;
			}
			lat_merged(r, LAT_KIND_BODY, ri->name, &h);
			table_row(ri->name, &h);
			for (j = i; j < r->n && r->rows[j].kind == LAT_KIND_BODY &&
			     !strcmp(r->rows[j].name, ri->name); j++) {
				char label[64];

				if (!env.per_task)
					continue;
				snprintf(label, sizeof(label), "  tid %u", r->rows[j].tid);
				table_row(label, &r->rows[j].h);
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
				printf("\nfunction = %s\n", ri->name);
				print_hist_block(&h);
			}
		}
	}

	lat_merged(r, LAT_KIND_WAIT, NULL, &h);
	if (h.count) {
		struct figs f;
		char a[32], b[32], c[32];

		lat_figures(&h, &f);
		printf("\nWait in add_pause_list: avg %s  p99 %s  max %s  (%s)\n",
		       lat_fmtv(a, 32, f.avg), lat_fmtv(b, 32, f.p99), lat_fmtv(c, 32, f.max),
		       lat_unit_names[env.unit]);
	}

	lat_merged(r, LAT_KIND_PASS, NULL, &h);
	printf("\nRe-randomization passes: %llu (%.1f/s)", (unsigned long long)h.count,
	       r->secs > 0 ? h.count / r->secs : 0.0);
	if (r->have_core_stats)
		printf(", %llu functions moved", (unsigned long long)r->moves);
	printf(", %llu failed\n", (unsigned long long)r->cnt[LAT_CNT_PASS_FAILED]);
	if (h.count) {
		struct hist steps;

		print_hist_block(&h);
		lat_merged(r, LAT_KIND_STEP, NULL, &steps);
		if (steps.count) {
			printf("\n");
			printf("%-18s %8s %11s %9s %9s %9s %9s\n", "STEP", "CALLS", "TOTAL",
			       "MIN", "AVG", "MAX", "SHARE");
			for (i = 0; i < r->n; i++) {
				char t[32], mi[32], av[32], ma[32];
				struct figs f;

				if (r->rows[i].kind != LAT_KIND_STEP)
					continue;
				lat_figures(&r->rows[i].h, &f);
				printf("%-18s %8llu %11s %9s %9s %9s %8.1f%%\n",
				       r->rows[i].name, (unsigned long long)f.count,
				       lat_fmtv(t, 32, f.total), lat_fmtv(mi, 32, f.min),
				       lat_fmtv(av, 32, f.avg), lat_fmtv(ma, 32, f.max),
				       h.sum ? 100.0 * r->rows[i].h.sum / h.sum : 0.0);
			}
		}
	}
	if (r->cnt[LAT_CNT_UNMATCHED] || r->cnt[LAT_CNT_DEPTH] || r->cnt[LAT_CNT_NOMEM] ||
	    r->cnt[LAT_CNT_STALE] || r->cnt[LAT_CNT_NORET])
		printf("\nnot timed: %llu calls already running at attach, %llu nested "
		       "deeper than %d,\n  %llu for want of map space, %llu and %llu whose "
		       "remove/return probe was missed\n",
		       (unsigned long long)r->cnt[LAT_CNT_UNMATCHED],
		       (unsigned long long)r->cnt[LAT_CNT_DEPTH], LAT_MAX_DEPTH,
		       (unsigned long long)r->cnt[LAT_CNT_NOMEM],
		       (unsigned long long)r->cnt[LAT_CNT_STALE],
		       (unsigned long long)r->cnt[LAT_CNT_NORET]);
	fflush(stdout);
}

static void json_figs(const struct hist *h, bool with_hist)
{
	struct figs f;

	lat_figures(h, &f);
	printf("\"count\":%llu,\"total\":%.3f,\"min\":%.3f,\"avg\":%.3f,\"max\":%.3f,"
	       "\"stddev\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f",
	       (unsigned long long)f.count, f.total, f.min, f.avg, f.max, f.stddev,
	       f.p50, f.p90, f.p99, f.p999);
	if (with_hist) {
		uint64_t l2[HIST_LOG2_SLOTS];
		bool first = true;
		int k;

		hist_log2(h, l2);
		printf(",\"hist\":[");
		for (k = 0; k < HIST_LOG2_SLOTS; k++) {
			if (!l2[k])
				continue;
			printf("%s{\"low\":%llu,\"high\":%llu,\"count\":%llu}", first ? "" : ",",
			       k ? 1ULL << k : 0ULL, (1ULL << (k + 1)) - 1,
			       (unsigned long long)l2[k]);
			first = false;
		}
		printf("]");
	}
}

void lat_print_json(const struct collector *c, const struct report *r)
{
	struct hist all, h;
	struct timespec now;
	char ts[EVTIME_LEN];
	bool first = true;
	size_t i;

	lat_merged(r, LAT_KIND_BODY, NULL, &all);
	clock_gettime(CLOCK_REALTIME, &now);
	evtime_format(now.tv_sec, now.tv_nsec, ts, sizeof(ts));
	printf("{\"type\":\"report\",\"time\":%lld,\"timestamp\":\"%s\",\"secs\":%.3f,"
	       "\"unit\":\"%s\",\"probe\":\"%s\",\"calls\":{", (long long)now.tv_sec, ts,
	       r->secs, lat_unit_names[env.unit], c->probe);
	json_figs(&all, true);
	printf("},\"functions\":[");
	for (i = 0; i < r->n; i++) {
		if (!lat_first_of_function(r, i))
			continue;
		lat_merged(r, LAT_KIND_BODY, r->rows[i].name, &h);
		printf("%s{\"name\":", first ? "" : ",");
		json_str(stdout, r->rows[i].name);
		printf(",");
		json_figs(&h, true);
		printf("}");
		first = false;
	}
	printf("]");
	if (env.per_task) {
		first = true;
		printf(",\"tasks\":[");
		for (i = 0; i < r->n; i++) {
			if (r->rows[i].kind != LAT_KIND_BODY)
				continue;
			printf("%s{\"function\":", first ? "" : ",");
			json_str(stdout, r->rows[i].name);
			printf(",\"tid\":%u,", r->rows[i].tid);
			json_figs(&r->rows[i].h, false);
			printf("}");
			first = false;
		}
		printf("]");
	}
	lat_merged(r, LAT_KIND_WAIT, NULL, &h);
	printf(",\"wait\":{");
	json_figs(&h, false);
	lat_merged(r, LAT_KIND_PASS, NULL, &h);
	printf("},\"passes\":{\"per_sec\":%.3f,\"failed\":%llu,",
	       r->secs > 0 ? h.count / r->secs : 0.0,
	       (unsigned long long)r->cnt[LAT_CNT_PASS_FAILED]);
	if (r->have_core_stats)
		printf("\"moved\":%llu,", (unsigned long long)r->moves);
	else
		printf("\"moved\":null,");
	json_figs(&h, true);
	printf(",\"steps\":[");
	first = true;
	for (i = 0; i < r->n; i++) {
		if (r->rows[i].kind != LAT_KIND_STEP)
			continue;
		printf("%s{\"name\":", first ? "" : ",");
		json_str(stdout, r->rows[i].name);
		printf(",");
		json_figs(&r->rows[i].h, false);
		printf("}");
		first = false;
	}
	printf("]},\"untimed\":{\"unmatched\":%llu,\"too_deep\":%llu,\"nomem\":%llu,"
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
	fflush(stdout);
}

int lat_handle_event(void *ctx, void *data, size_t len)
{
	const struct lat_event *e = data;
	static const char *const kinds[] = { "?", "body", "wait", "pass", "step" };
	struct collector *c = ctx;
	char name[WPW_KSYM_NAME_LEN], ts[EVTIME_LEN];

	if (len < sizeof(*e))
		return 0;
	c->delivered++;
	switch (e->kind) {
	case LAT_KIND_BODY:
	case LAT_KIND_WAIT:
		lat_ip_name(c->ksyms, e->ip, name, sizeof(name));
		if (!lat_selected(name))
			return 0;
		break;
	case LAT_KIND_STEP:
		snprintf(name, sizeof(name), "%s", lat_step_name(e->ip));
		break;
	default:
		snprintf(name, sizeof(name), "pass");
	}
	evtime_rfc3339(e->ts, ts, sizeof(ts));
	printf("{\"type\":\"event\",\"ts\":%llu,\"timestamp\":\"%s\",\"kind\":\"%s\",\"name\":",
	       (unsigned long long)e->ts, ts, e->kind < 5 ? kinds[e->kind] : "?");
	json_str(stdout, name);
	printf(",\"ns\":%llu,\"tid\":%u,\"pid\":%u,\"depth\":%u,\"comm\":",
	       (unsigned long long)e->ns, e->pid, e->tgid, e->depth);
	json_strn(stdout, e->comm, sizeof(e->comm));
	printf("}\n");
	return 0;
}
