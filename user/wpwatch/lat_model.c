// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch lat, the model: a report's rows (a histogram per function, per
 * thread with -L, the pass and its steps), taken out of the BPF maps per
 * interval and summed over CPUs; the counters' and the core's statistics
 * as differences; the whole run kept for --svg; the figures (avg, stddev,
 * percentiles) of a histogram in the chosen unit; an --events record decoded.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ksyms.h"
#define RR_STEP_NAMES_WANTED
#include "rr_steps.h"
#include "lat_cmd.h"
#include "grow.h"
#include "runner.h"

#define RR_STATS "/sys/kernel/debug/rerandom/stats"

const char *lat_step_name(__u64 step)
{
	return step < RR_NR_STEPS ? rr_step_names[step] : "?";
}

void lat_ip_name(const struct ksyms *ks, __u64 ip, char *buf, size_t len)
{
	const struct ksym *s;

#if defined(__aarch64__)
	ip |= 0xffff000000000000ULL;	/* strip a pointer-authentication code */
#endif
	s = ks ? ksyms__map_addr(ks, (unsigned long)ip) : NULL;
	if (s)
		snprintf(buf, len, "%s", s->name);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)ip);
}

bool lat_have_sym(const struct ksyms *ks, const char *name, const struct ksym **out)
{
	const struct ksym *s[1];

	if (!ksyms__find(ks, name, NULL, s, 1))
		return false;
	if (out)
		*out = s[0];
	return true;
}

bool lat_selected(const char *name)
{
	int i;

	if (!env.nfuncs)
		return true;
	for (i = 0; i < env.nfuncs; i++)
		if (!strcmp(env.funcs[i], name))
			return true;
	return false;
}

static struct row *row_get(struct report *r, int kind, const char *name, __u32 tid)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->rows[i].kind == kind && r->rows[i].tid == tid &&
		    !strcmp(r->rows[i].name, name))
			return &r->rows[i];
	if (wpw_grow(&r->rows, &r->cap, r->n + 1, sizeof(*r->rows), 16))
		return NULL;
	memset(&r->rows[r->n], 0, sizeof(r->rows[0]));
	r->rows[r->n].kind = kind;
	r->rows[r->n].tid = tid;
	snprintf(r->rows[r->n].name, sizeof(r->rows[0].name), "%s", name);
	return &r->rows[r->n++];
}

static void report_reset(struct report *r)
{
	r->n = 0;
	memset(r->cnt, 0, sizeof(r->cnt));
	r->delivered = 0;
	r->moves = r->core_passes = 0;
	r->have_core_stats = false;
	r->secs = 0;
}

static int step_index(const char *name)
{
	int i;

	for (i = 0; i < RR_NR_STEPS; i++)
		if (!strcmp(rr_step_names[i], name))
			return i;
	return RR_NR_STEPS;
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->kind == LAT_KIND_STEP)	/* in the order a pass runs them */
		return step_index(x->name) - step_index(y->name);
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* sum a per-CPU struct lat_hist into a struct hist */
static void sum_cpus(struct hist *h, const struct lat_hist *v, int ncpus)
{
	struct hist one;
	int c;

	hist_init(h);
	for (c = 0; c < ncpus; c++) {
		if (!v[c].count)
			continue;
		one.count = v[c].count;
		one.sum = v[c].sum;
		one.min = v[c].min;
		one.max = v[c].max;
		one.sumsq = ((unsigned __int128)v[c].sumsq_hi << 64) | v[c].sumsq_lo;
		memcpy(one.slots, v[c].slots, sizeof(one.slots));
		hist_merge(h, &one);
	}
}

static int read_core_stats(__u64 *passes, __u64 *moves)
{
	char key[64];
	unsigned long long val;
	FILE *f = fopen(RR_STATS, "r");
	int got = 0;

	if (!f)
		return -errno;
	while (fscanf(f, "%63s %llu", key, &val) == 2) {
		if (!strcmp(key, "passes")) {
			*passes = val;
			got |= 1;
		} else if (!strcmp(key, "moves")) {
			*moves = val;
			got |= 2;
		}
	}
	fclose(f);
	return got == 3 ? 0 : -ENODATA;
}

bool lat_decode_event(struct collector *c, const void *data, size_t len, struct lat_shown *ev)
{
	static const char *const kinds[] = { "?", "body", "wait", "pass", "step" };
	const struct lat_event *e = data;

	if (len < sizeof(*e))
		return false;
	c->delivered++;
	switch (e->kind) {
	case LAT_KIND_BODY:
	case LAT_KIND_WAIT:
		lat_ip_name(c->ksyms, e->ip, ev->name, sizeof(ev->name));
		if (!lat_selected(ev->name))
			return false;
		break;
	case LAT_KIND_STEP:
		snprintf(ev->name, sizeof(ev->name), "%s", lat_step_name(e->ip));
		break;
	default:
		snprintf(ev->name, sizeof(ev->name), "pass");
	}
	ev->e = e;
	ev->kind = e->kind < 5 ? kinds[e->kind] : "?";
	return true;
}

int lat_collect(struct collector *c, struct report *r)
{
	int fd = c->hists_fd;
	struct lat_key *keys = NULL, key, next;
	size_t nkeys = 0, cap = 0, i;
	__u64 *pc = NULL;
	struct timespec now;
	int err = 0, cpu;
	__u32 k;

	report_reset(r);
	/* keys first, then take each out: lookup-and-delete is atomic, so a
	 * call recorded meanwhile lands in the next report, never nowhere */
	if (bpf_map_get_next_key(fd, NULL, &next) == 0) {
		do {
			if (wpw_grow(&keys, &cap, nkeys + 1, sizeof(*keys), 64)) {
				err = -ENOMEM;
				goto out;
			}
			keys[nkeys++] = next;
			key = next;
		} while (bpf_map_get_next_key(fd, &key, &next) == 0);
	}
	for (i = 0; i < nkeys; i++) {
		char name[WPW_KSYM_NAME_LEN];
		struct row *row;
		struct hist h;

		if (bpf_map_lookup_and_delete_elem(fd, &keys[i], c->vals)) {
			/* kernels without lookup-and-delete on per-CPU hashes */
			if (bpf_map_lookup_elem(fd, &keys[i], c->vals))
				continue;
			bpf_map_delete_elem(fd, &keys[i]);
		}
		sum_cpus(&h, c->vals, c->ncpus);
		if (!h.count)
			continue;
		switch (keys[i].kind) {
		case LAT_KIND_BODY:
		case LAT_KIND_WAIT:
			lat_ip_name(c->ksyms, keys[i].ip, name, sizeof(name));
			break;
		case LAT_KIND_PASS:
			snprintf(name, sizeof(name), "pass");
			break;
		case LAT_KIND_STEP:
			snprintf(name, sizeof(name), "%s", lat_step_name(keys[i].ip));
			break;
		default:
			continue;
		}
		if ((keys[i].kind == LAT_KIND_BODY || keys[i].kind == LAT_KIND_WAIT) &&
		    !lat_selected(name))
			continue;
		row = row_get(r, keys[i].kind, name, keys[i].pid);
		if (!row) {
			err = -ENOMEM;
			goto out;
		}
		hist_merge(&row->h, &h);
	}
	qsort(r->rows, r->n, sizeof(r->rows[0]), row_cmp);

	/* counters: per-CPU, cumulative in the kernel; report the difference */
	pc = calloc(c->ncpus, sizeof(*pc));
	if (!pc) {
		err = -ENOMEM;
		goto out;
	}
	for (k = 0; k < LAT_NR_COUNTERS; k++) {
		__u64 sum = 0;

		if (bpf_map_lookup_elem(c->counters_fd, &k, pc))
			continue;
		for (cpu = 0; cpu < c->ncpus; cpu++)
			sum += pc[cpu];
		r->cnt[k] = sum - c->cnt_prev[k];
		c->cnt_prev[k] = sum;
	}
	r->delivered = c->delivered;
	c->delivered = 0;

	if (c->have_stats) {
		__u64 p = 0, m = 0;

		if (!read_core_stats(&p, &m)) {
			r->core_passes = p - c->stats_passes;
			r->moves = m - c->stats_moves;
			r->have_core_stats = true;
			c->stats_passes = p;
			c->stats_moves = m;
		}
	}
	r->secs = runner_now(&now) - (c->last.tv_sec + c->last.tv_nsec / 1e9);
	c->last = now;

	/* keep the whole run for the picture (and --prometheus) */
	err = lat_report_add(&c->total, r);
out:
	free(pc);
	free(keys);
	return err;
}

int lat_report_add(struct report *dst, const struct report *src)
{
	size_t i;
	int k;

	for (i = 0; i < src->n; i++) {
		struct row *t = row_get(dst, src->rows[i].kind, src->rows[i].name,
					src->rows[i].tid);

		if (!t)
			return -ENOMEM;
		hist_merge(&t->h, &src->rows[i].h);
	}
	dst->secs += src->secs;
	dst->moves += src->moves;
	dst->core_passes += src->core_passes;
	dst->have_core_stats |= src->have_core_stats;
	dst->delivered += src->delivered;
	for (k = 0; k < LAT_NR_COUNTERS; k++)
		dst->cnt[k] += src->cnt[k];
	qsort(dst->rows, dst->n, sizeof(dst->rows[0]), row_cmp);
	return 0;
}

void lat_report_clear(struct report *r)
{
	report_reset(r);
}

void lat_figures(const struct hist *h, struct figs *f)
{
	double u = (double)lat_unit_divs[env.unit];

	memset(f, 0, sizeof(*f));
	f->count = h->count;
	if (!h->count)
		return;
	f->total = h->sum / u;
	f->min = h->min / u;
	f->max = h->max / u;
	f->avg = hist_mean(h) / u;
	f->stddev = hist_stddev(h) / u;
	f->p50 = hist_percentile(h, 50, lat_unit_divs[env.unit]);
	f->p90 = hist_percentile(h, 90, lat_unit_divs[env.unit]);
	f->p99 = hist_percentile(h, 99, lat_unit_divs[env.unit]);
	f->p999 = hist_percentile(h, 99.9, lat_unit_divs[env.unit]);
}

void lat_merged(const struct report *r, int kind, const char *name, struct hist *out)
{
	size_t i;

	hist_init(out);
	for (i = 0; i < r->n; i++)
		if (r->rows[i].kind == kind && (!name || !strcmp(name, r->rows[i].name)))
			hist_merge(out, &r->rows[i].h);
}

const char *lat_fmtv(char *buf, size_t len, double v)
{
	snprintf(buf, len, env.unit ? "%.1f" : "%.0f", v);
	return buf;
}

int lat_collector_init(struct collector *c, const struct ksyms *ks, const char *probe,
		       int hists_fd, int counters_fd)
{
	memset(c, 0, sizeof(*c));
	c->ksyms = ks;
	c->probe = probe;
	c->hists_fd = hists_fd;
	c->counters_fd = counters_fd;
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0)
		return c->ncpus ? c->ncpus : -EINVAL;
	c->vals = calloc(c->ncpus, sizeof(struct lat_hist));
	if (!c->vals)
		return -ENOMEM;
	c->have_stats = !read_core_stats(&c->stats_passes, &c->stats_moves);
	runner_now(&c->last);
	return 0;
}

void lat_collector_free(struct collector *c)
{
	free(c->vals);
	free(c->total.rows);
	c->vals = NULL;
	c->total.rows = NULL;
}

bool lat_first_of_function(const struct report *r, size_t i)
{
	return r->rows[i].kind == LAT_KIND_BODY &&
	       !(i > 0 && r->rows[i - 1].kind == LAT_KIND_BODY &&
		 !strcmp(r->rows[i - 1].name, r->rows[i].name));
}
