// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch lat --prometheus: the whole run's histograms and counters as
 * Prometheus metrics (docs/many-machines.md). The loop (lat.c) collects
 * every LAT_PROM_TICK seconds into the running report it prints, the
 * collector keeps the whole run (collector.total), and that is written here
 * as exposition text and handed to the serving thread (user/lib/prom_http.c)
 * as one snapshot: a scrape sees one moment of the run, never half of one.
 * Labels are symbol names; an address that has no name becomes "[unknown]".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lat_cmd.h"
#include "prom.h"
#include "prom_http.h"

static struct prom_http *server;
static struct prom_buf text;

int lat_prom_start(struct collector *c)
{
	char ip[INET_ADDRSTRLEN];

	if (!env.prometheus)
		return 0;
	server = prom_http_start(&env.prom_addr);
	inet_ntop(AF_INET, &env.prom_addr.sin_addr, ip, sizeof(ip));
	if (!server) {
		fprintf(stderr, "wpwatch lat: --prometheus: cannot listen on %s:%u: %s\n", ip,
			ntohs(env.prom_addr.sin_port), strerror(errno));
		return WPW_EXIT_FAIL;
	}
	fprintf(stderr, "wpwatch lat: serving Prometheus metrics at http://%s:%u/metrics\n", ip,
		prom_http_port(server));
	/* the first scrape already finds every family, at zero */
	return lat_prom_collect(c, NULL, NULL) ? WPW_EXIT_FAIL : 0;
}

void lat_prom_stop(void)
{
	prom_http_stop(server);
	server = NULL;
	prom_buf_free(&text);
}

static int by_kind_name(const void *a, const void *b)
{
	const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;

	return x->kind != y->kind ? x->kind - y->kind : strcmp(x->name, y->name);
}

/* a row's label: its name, or [unknown] for an address without one */
static const char *label_of(const struct row *r)
{
	return strncmp(r->name, "0x", 2) ? r->name : "[unknown]";
}

/* one histogram family of KIND: a series per distinct label (threads merged) */
static void hist_family(struct row **rows, size_t n, int kind, const char *name,
			const char *label, const char *help)
{
	size_t i, j;

	prom_family(&text, name, "histogram", help);
	for (i = 0; i < n; i = j) {
		struct prom_label l = { label, label_of(rows[i]) };
		struct hist h;

		if (rows[i]->kind != kind) {
			j = i + 1;
			continue;
		}
		hist_init(&h);
		for (j = i; j < n && rows[j]->kind == kind &&
		     !strcmp(label_of(rows[j]), label_of(rows[i])); j++)
			hist_merge(&h, &rows[j]->h);
		prom_hist_seconds(&text, name, label ? &l : NULL, label ? 1 : 0, &h,
				  lat_unit_divs[env.unit]);
	}
}

static void counter(const char *name, const char *help, const char *lname, const char *lval,
		    __u64 v)
{
	struct prom_label l = { lname, lval };

	prom_family(&text, name, "counter", help);
	prom_u64(&text, name, lname ? &l : NULL, lname ? 1 : 0, v);
}

static int publish(const struct collector *c)
{
	static const struct { int cnt; const char *reason; } untimed[] = {
		{ LAT_CNT_UNMATCHED, "running_at_attach" },
		{ LAT_CNT_DEPTH, "too_deep" },
		{ LAT_CNT_NOMEM, "no_map_space" },
		{ LAT_CNT_STALE, "remove_missed" },
		{ LAT_CNT_NORET, "return_missed" },
	};
	const struct report *t = &c->total;
	struct row **rows = NULL;
	struct prom_label l;
	struct hist pass;
	size_t i;
	int err;

	if (t->n) {
		rows = malloc(t->n * sizeof(*rows));
		if (!rows)
			return -ENOMEM;
	}
	for (i = 0; i < t->n; i++)
		rows[i] = &t->rows[i];
	if (t->n)
		qsort(rows, t->n, sizeof(*rows), by_kind_name);
	prom_buf_reset(&text);
	hist_family(rows, t->n, LAT_KIND_BODY, "wpwatch_lat_call_seconds", "function",
		    "Re-randomizable calls: add_pause_list return to remove_pause_list");
	hist_family(rows, t->n, LAT_KIND_WAIT, "wpwatch_lat_wait_seconds", "function",
		    "Time spent inside add_pause_list");
	hist_family(rows, t->n, LAT_KIND_PASS, "wpwatch_lat_pass_seconds", NULL,
		    "Re-randomization passes (rerandom_pass)");
	hist_family(rows, t->n, LAT_KIND_STEP, "wpwatch_lat_step_seconds", "step",
		    "The steps of a re-randomization pass");
	lat_merged(t, LAT_KIND_PASS, NULL, &pass);
	counter("wpwatch_lat_passes_total", "Re-randomization passes timed", NULL, NULL,
		pass.count);
	counter("wpwatch_lat_passes_failed_total", "Passes that returned an error", NULL, NULL,
		t->cnt[LAT_CNT_PASS_FAILED]);
	if (t->have_core_stats)
		counter("wpwatch_lat_bodies_moved_total",
			"Bodies moved, from the core's statistics", NULL, NULL, t->moves);
	prom_family(&text, "wpwatch_lat_untimed_total", "counter",
		    "Calls that could not be timed, by reason");
	for (i = 0; i < sizeof(untimed) / sizeof(untimed[0]); i++) {
		l = (struct prom_label){ "reason", untimed[i].reason };
		prom_u64(&text, "wpwatch_lat_untimed_total", &l, 1, t->cnt[untimed[i].cnt]);
	}
	if (env.events) {
		counter("wpwatch_lat_events_delivered_total", "--events records read", NULL, NULL,
			t->delivered);
		counter("wpwatch_lat_events_lost_total",
			"--events records lost (ring buffer full)", NULL, NULL, t->cnt[LAT_CNT_LOST]);
	}
	prom_family(&text, "wpwatch_lat_probe_info", "gauge", "The probe flavour in use");
	l = (struct prom_label){ "probe", c->probe ? c->probe : "?" };
	prom_u64(&text, "wpwatch_lat_probe_info", &l, 1, 1);
	free(rows);
	if (text.oom)
		return -ENOMEM;
	err = prom_http_publish(server, text.s, text.len);
	return err;
}

int lat_prom_collect(struct collector *c, struct report *rep, struct report *scratch)
{
	int err = 0;

	if (rep) {
		err = lat_collect(c, scratch);
		if (!err)
			err = lat_report_add(rep, scratch);
	}
	return err ? err : publish(c);
}
