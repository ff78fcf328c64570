// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch --prometheus: the run's counters as Prometheus metrics
 * (docs/many-machines.md): the kernel side's hits, lost, filtered and
 * retraps, the events delivered per SPEC, and the writes of the N most
 * frequent stacks (--prometheus-top), each stack labelled by its frames'
 * symbol names only (never addresses or offsets: KASLR secrets and label
 * cardinality). The event dispatcher (watch.c) counts and
 * publishes one snapshot per tick of the runner's (runner.h) to the serving
 * thread (prom_http.c).
 * Streaming, an event adds one to its (SPEC, kernel stack id) key, named
 * once per key; counting in the kernel, each tick reads the kernel's
 * watch_counts (keyed by SPEC too with --prometheus) instead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ksyms.h"
#include "output.h"
#include "prom.h"
#include "prom_http.h"
#include "watch_cmd.h"

static struct prom_http *server;
static struct prom_buf text;
static struct counter *stacks;			/* "SPEC\tframe;frame;...": this tick's */
static struct counter *inline_stacks;		/* streaming: stacks sent inline, by name */
static struct kmap *keys;			/* streaming: (SPEC, stack id, lr) -> writes */
static struct kmap *names;			/* (SPEC, stack id, lr) -> its name (char *) */
static unsigned long long delivered[WATCH_MAX_SLOTS];	/* per SPEC */
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

int watch_prom_start(struct watch_run *r)
{
	char ip[INET_ADDRSTRLEN];

	if (!r->env->prometheus)
		return 0;
	inet_ntop(AF_INET, &r->env->prom_addr.sin_addr, ip, sizeof(ip));
	stacks = counter_new();
	inline_stacks = counter_new();
	keys = kmap_new(sizeof(struct watch_count_key));
	names = kmap_new(sizeof(struct watch_count_key));
	server = stacks && inline_stacks && keys && names ?
		 prom_http_start(&r->env->prom_addr) : NULL;
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
	size_t i;

	prom_http_stop(server);
	server = NULL;
	counter_free(stacks);
	stacks = NULL;
	counter_free(inline_stacks);
	inline_stacks = NULL;
	for (i = 0; names && i < kmap_size(names); i++)
		free((void *)(uintptr_t)kmap_value(names, i));
	kmap_free(names);
	kmap_free(keys);
	names = keys = NULL;
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

/* "SPEC\tframe;frame;...": the kernel frames of ST, outermost first, names only. */
static void stack_label(const struct watch_run *r, int spec, const struct stack_frames *st,
			char *key, size_t size)
{
	static struct frame_name f;
	char sl[32], name[sizeof(f.sym) + 8];
	int i;

	snprintf(key, size, "%s\t", spec_label(r, spec, sl, sizeof(sl)));
	for (i = st->n - 1; i >= 0; i--) {
		watch_frame_sym(r, st->ip[i], -1, NULL, &f);
		snprintf(name, sizeof(name), "%.*s%s", (int)f.func_len, f.sym,
			 f.moved ? " [moved]" : "");
		folded_append(key + strlen(key), size - strlen(key), name, i == st->n - 1);
	}
}

/* A key's name, built the first time it is asked for. NULL: out of memory. */
static const char *key_name(struct watch_run *r, const struct watch_count_key *k)
{
	static struct stack_frames kst, ust;
	static char key[8192];
	struct watch_count_key nk = *k;
	bool created;
	uint64_t *slot;
	char *name;

	nk.ustack_id = -1;	/* the label is the kernel stack: one name per (SPEC, stack) */
	nk.pid = 0;
	memset(nk.comm, 0, sizeof(nk.comm));
	slot = kmap_get(names, &nk, true, &created);
	if (!slot)
		return NULL;
	if (!created && *slot)
		return (const char *)(uintptr_t)*slot;
	if (watch_key_stacks(r, &nk, &kst, &ust))
		return NULL;
	stack_label(r, nk.spec, &kst, key, sizeof(key));
	name = strdup(key);
	*slot = (uintptr_t)name;
	return name;
}

void watch_prom_event(struct watch_run *r, const struct watch_record *rec)
{
	static struct watch_dstack st;
	static char key[8192];
	const struct watch_event *e = &rec->e;
	struct watch_count_key k;
	uint64_t *n;
	int spec;

	if (!server)
		return;
	spec = r->slots[e->slot].spec;
	delivered[spec]++;
	if (!r->env->prom_top)
		return;
	if (e->kstack_id < 0 && e->kstack_id != WATCH_NO_STACK) {
		/* the stack map was full: the frames came with the event, named now */
		watch_decode_stack(r, rec, false, &st);	/* as the output has it */
		stack_label(r, spec, &st.st, key, sizeof(key));
		if (counter_add(inline_stacks, key, 1))
			fprintf(stderr, "wpwatch watch: out of memory counting stacks\n");
		return;
	}
	memset(&k, 0, sizeof(k));
	k.kstack_id = e->kstack_id == WATCH_NO_STACK ? -1 : e->kstack_id;
	k.ustack_id = -1;
	k.spec = spec;
	if (e->flags & WATCH_F_BEFORE)
		k.lr = e->regs[30];
	n = kmap_get(keys, &k, true, NULL);
	if (n)
		++*n;
	else
		fprintf(stderr, "wpwatch watch: out of memory counting stacks\n");
}

/*
 * Counting in the kernel: the writes per (SPEC, kernel stack) now, from
 * watch_counts (COUNTS), into a new map; delivered[] gets each SPEC's sum.
 * NULL when the map cannot be read (the last snapshot stays).
 */
static struct kmap *read_kernel_counts(const struct watch_run *r, struct bpf_map *counts)
{
	struct watch_count_key k, next, nk;
	struct kmap *m = kmap_new(sizeof(k));
	int fd = bpf_map__fd(counts), err;
	uint64_t *slot;
	__u64 n;

	if (!m)
		return NULL;
	memset(delivered, 0, sizeof(delivered));
	err = bpf_map_get_next_key(fd, NULL, &next);
	while (!err) {
		k = next;
		err = bpf_map_get_next_key(fd, &k, &next);
		if (bpf_map_lookup_elem(fd, &k, &n))
			continue;	/* removed meanwhile: never happens, counts only grow */
		if (k.spec < WATCH_MAX_SLOTS && (int)k.spec < r->env->nspecs)
			delivered[k.spec] += n;
		nk = k;
		nk.ustack_id = -1;
		nk.pid = 0;
		memset(nk.comm, 0, sizeof(nk.comm));
		slot = kmap_get(m, &nk, true, NULL);
		if (slot)
			*slot += n;
	}
	return m;
}

static void counter(const char *name, const char *help, unsigned long long v)
{
	prom_family(&text, name, "counter", help);
	prom_u64(&text, name, NULL, 0, v);
}

void watch_prom_tick(struct watch_run *r, struct bpf_map *map, struct bpf_map *counts)
{
	const struct counter_entry *ent;
	struct kmap *counted = NULL, *src = keys;
	struct watch_counters c;
	struct prom_label l[2];
	char sl[32];
	size_t i, n;
	int s;

	if (!server)
		return;
	if (watch_read_counters(map, &c))
		return;	/* the last snapshot stays */
	if (r->mode == WATCH_MODE_COUNT) {
		counted = read_kernel_counts(r, counts);
		if (!counted)
			return;
		src = counted;
	}
	prom_buf_reset(&text);
	counter("wpwatch_watch_hits_total", "Writes seen that pass the filters (every SPEC)",
		c.hits);
	counter("wpwatch_watch_lost_total",
		"Writes neither delivered nor counted (ring buffer, stack map or counts map full)",
		c.lost);
	counter("wpwatch_watch_filtered_total", "Writes dropped by -p, -t or --comm", c.filtered);
	counter("wpwatch_watch_retraps_total",
		"arm64: a store trapping again before it ran (not a write)", c.retraps);
	prom_family(&text, "wpwatch_watch_delivered_total", "counter",
		    "Writes delivered from the ring buffer (or counted in the kernel), per SPEC");
	for (s = 0; s < r->env->nspecs; s++) {
		l[0] = (struct prom_label){ "spec", spec_label(r, s, sl, sizeof(sl)) };
		prom_u64(&text, "wpwatch_watch_delivered_total", l, 1, delivered[s]);
	}
	if (r->env->prom_top) {
		/* this tick's totals by name: the keys (named once each), the inline ones */
		counter_free(stacks);
		stacks = counter_new();
		ent = counter_sorted(inline_stacks);
		n = counter_size(inline_stacks);
		for (i = 0; stacks && i < n; i++)
			counter_add(stacks, ent[i].key, ent[i].count);
		for (i = 0; stacks && i < kmap_size(src); i++) {
			const char *name = key_name(r, kmap_key(src, i));

			if (name)
				counter_add(stacks, name, kmap_value(src, i));
		}
		if (!stacks) {
			kmap_free(counted);
			return;
		}
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
	kmap_free(counted);
	if (!text.oom)
		prom_http_publish(server, text.s, text.len);
}
