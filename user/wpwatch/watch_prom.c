// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch --prometheus: the run's counters as Prometheus metrics
 * (docs/many-machines.md): the kernel side's hits, lost, filtered and
 * retraps, the events delivered per SPEC, and the writes of the N most
 * frequent stacks (--prometheus-top), each stack labelled by its frames'
 * symbol names only (never addresses or offsets: KASLR secrets and label
 * cardinality). The event loop (watch.c, watch_output.c) counts and
 * publishes one snapshot at a time to the serving thread (prom_http.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ksyms.h"
#include "output.h"
#include "prom.h"
#include "prom_http.h"
#include "watch_cmd.h"

#define WATCH_PROM_TICK_NS 250000000ULL

static struct prom_http *server;
static struct prom_buf text;
static struct counter *stacks;			/* "SPEC\tframe;frame;..." */
static unsigned long long delivered[WATCH_MAX_SLOTS];	/* per SPEC */
static unsigned long long last_ns;
/*
 * The stacks that have a series: the most frequent at the tick when there
 * was room, kept from then on, so that a series never vanishes and every
 * counter only grows (a plain top N would move writes between series).
 */
static char **shown;
static unsigned int nshown;

static bool exported(const char *key, unsigned int max)
{
	unsigned int i;

	for (i = 0; i < nshown; i++)
		if (!strcmp(shown[i], key))
			return true;
	if (nshown >= max)
		return false;
	if (!shown)
		shown = calloc(max, sizeof(*shown));
	if (!shown || !(shown[nshown] = strdup(key)))
		return false;
	nshown++;
	return true;
}

static unsigned long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

int watch_prom_start(struct watch_run *r)
{
	char ip[INET_ADDRSTRLEN];

	if (!r->env->prometheus)
		return 0;
	inet_ntop(AF_INET, &r->env->prom_addr.sin_addr, ip, sizeof(ip));
	stacks = counter_new();
	server = stacks ? prom_http_start(&r->env->prom_addr) : NULL;
	if (!server) {
		fprintf(stderr, "wpwatch watch: --prometheus: cannot listen on %s:%u: %s\n", ip,
			ntohs(r->env->prom_addr.sin_port), strerror(errno));
		return WPW_EXIT_FAIL;
	}
	fprintf(stderr, "wpwatch watch: serving Prometheus metrics at http://%s:%u/metrics\n",
		ip, prom_http_port(server));
	return 0;
}

void watch_prom_stop(void)
{
	prom_http_stop(server);
	server = NULL;
	counter_free(stacks);
	stacks = NULL;
	while (nshown)
		free(shown[--nshown]);
	free(shown);
	shown = NULL;
	prom_buf_free(&text);
}

/*
 * A SPEC's label: its text, but a SPEC given as an address is a KASLR
 * secret, so it is labelled "address#N" (N: its place on the command line).
 */
static const char *spec_label(const struct watch_run *r, int spec, char *buf, size_t len)
{
	const char *t = r->env->specs[spec].text;

	if (strncmp(t, "0x", 2) && strncmp(t, "0X", 2))
		return t;
	snprintf(buf, len, "address#%d", spec);
	return buf;
}

void watch_prom_event(struct watch_run *r, const struct watch_event *e)
{
	char key[8192], sl[32];
	int spec, i, n;

	if (!server)
		return;
	spec = r->slots[e->slot].spec;
	delivered[spec]++;
	if (!r->env->prom_top)
		return;
	/* outermost frame first, as folded stacks are written */
	snprintf(key, sizeof(key), "%s\t", spec_label(r, spec, sl, sizeof(sl)));
	n = watch_nstack(e->kstack, e->kstack_bytes);
	for (i = n - 1; i >= 0; i--) {
		const struct ksym *s = ksyms__map_addr(r->ksyms, e->kstack[i]);

		folded_append(key + strlen(key), sizeof(key) - strlen(key),
			      s ? s->name : "[unknown]", i == n - 1);
	}
	if (counter_add(stacks, key, 1))
		fprintf(stderr, "wpwatch watch: out of memory counting stacks\n");
}

static void counter(const char *name, const char *help, unsigned long long v)
{
	prom_family(&text, name, "counter", help);
	prom_u64(&text, name, NULL, 0, v);
}

void watch_prom_tick(struct watch_run *r, struct bpf_map *map, bool force)
{
	const struct counter_entry *ent;
	struct watch_counters c;
	struct prom_label l[2];
	unsigned long long now = now_ns();
	char sl[32];
	size_t i, n;
	int s;

	if (!server || (!force && now - last_ns < WATCH_PROM_TICK_NS))
		return;
	last_ns = now;
	if (watch_read_counters(map, &c))
		return;	/* the last snapshot stays */
	prom_buf_reset(&text);
	counter("wpwatch_watch_hits_total", "Writes seen that pass the filters (every SPEC)",
		c.hits);
	counter("wpwatch_watch_lost_total", "Writes whose event found the ring buffer full",
		c.lost);
	counter("wpwatch_watch_filtered_total", "Writes dropped by -p, -t or --comm", c.filtered);
	counter("wpwatch_watch_retraps_total",
		"arm64: a store trapping again before it ran (not a write)", c.retraps);
	prom_family(&text, "wpwatch_watch_delivered_total", "counter",
		    "Events read from the ring buffer, per SPEC");
	for (s = 0; s < r->env->nspecs; s++) {
		l[0] = (struct prom_label){ "spec", spec_label(r, s, sl, sizeof(sl)) };
		prom_u64(&text, "wpwatch_watch_delivered_total", l, 1, delivered[s]);
	}
	if (r->env->prom_top) {
		ent = counter_sorted(stacks);
		n = counter_size(stacks);
		prom_family(&text, "wpwatch_watch_stack_writes_total", "counter",
			    "Writes by each of the first --prometheus-top stacks to be the most frequent");
		for (i = 0; i < n; i++) {
			char spec[256];
			const char *tab = strchr(ent[i].key, '\t');
			size_t sl = tab ? (size_t)(tab - ent[i].key) : 0;

			if (!exported(ent[i].key, r->env->prom_top))
				continue;
			snprintf(spec, sizeof(spec), "%.*s", (int)sl, ent[i].key);
			l[0] = (struct prom_label){ "spec", spec };
			l[1] = (struct prom_label){ "stack", tab ? tab + 1 : ent[i].key };
			prom_u64(&text, "wpwatch_watch_stack_writes_total", l, 2, ent[i].count);
		}
	}
	if (!text.oom)
		prom_http_publish(server, text.s, text.len);
}
