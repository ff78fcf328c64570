// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch lat: the latency of re-randomizable functions and of the
 * re-randomization passes, from kprobes on add_pause_list/remove_pause_list
 * and on rerandom_pass and its steps (bpf/lat.bpf.c). Histograms are built in
 * the kernel; this side reads them per interval and prints the classic log2
 * histogram plus count, average, stddev, min, max and p50/p90/p99/p99.9, a
 * per-function table, and the passes' section; or JSON; or an SVG picture.
 * See docs/latency.md.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "commands.h"
#include "hist.h"
#include "ksyms.h"
#include "svg.h"
#include "../../bpf/lat.h"
#include "lat.skel.h"

/* exit statuses (docs/latency.md) */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* runtime failure (load, attach, output) */
	EXIT_USAGE = 2,		/* bad option, unknown function */
	EXIT_NO_CORE = 3,	/* re-randomization core not loaded */
	EXIT_NO_PRIV = 4,	/* not root / no CAP_BPF+CAP_PERFMON */
	EXIT_NO_PROBES = 5,	/* kernel without kprobes; fentry unavailable */
};

#define PIN_DEFAULT "/sys/fs/bpf/wpwatch/lat"
#define RR_STATS "/sys/kernel/debug/rerandom/stats"
#define HIST_MEM_BUDGET (32L << 20)	/* bytes of per-CPU histograms */

enum probe_mode { PROBE_AUTO, PROBE_KPROBE, PROBE_FENTRY, PROBE_TP };

static struct env {
	double interval;	/* seconds; 0: one report at the end */
	long count;		/* reports then exit; 0: no limit */
	double duration;	/* seconds; 0: until Ctrl-C */
	pid_t pid;
	bool per_task;
	bool per_func;
	bool json;
	bool events;
	bool verbose;
	int unit;		/* 0 ns, 1 us, 2 ms */
	const char *svg;
	const char *pin;
	enum probe_mode probe;
	char **funcs;
	int nfuncs;
} env;

static const char *const unit_names[] = { "nsecs", "usecs", "msecs" };
static const __u64 unit_divs[] = { 1, 1000, 1000000 };
static const char *const step_names[LAT_NR_STEPS] = {
	"copy", "fixup", "switch", "sync", "grace", "free",
};

static const char doc[] =
"Latency of re-randomizable functions and of re-randomization passes.\n"
"\n"
"USAGE: wpwatch lat [OPTIONS] [FUNCTION...]\n"
"\n"
"Times every call of a re-randomizable function (its body, between\n"
"add_pause_list and remove_pause_list) and every re-randomization pass with\n"
"its steps; prints log2 histograms, count/avg/stddev/min/max, p50/p90/p99/\n"
"p99.9, a per-function table and a passes section. FUNCTION limits the\n"
"report to those functions (their trampoline names).\n"
"\n"
"EXAMPLES:\n"
"    wpwatch lat                 # until Ctrl-C, one report at the end\n"
"    wpwatch lat -u -i 1 -c 5    # five 1-second reports in microseconds\n"
"    wpwatch lat -F rr_add       # rr_add only, with its own histogram\n"
"    wpwatch lat -L -p 1234      # process 1234 only, split per thread\n"
"    wpwatch lat -d 10 --format json --events   # JSON, raw events too\n"
"    wpwatch lat -d 10 --svg lat.svg            # the histograms, drawn\n"
"\n"
"Exit status: 0 ok, 1 runtime failure, 2 usage (bad option, unknown\n"
"function), 3 re-randomization core not loaded, 4 no privilege, 5 kernel\n"
"without kprobes (or --probe fentry without module BTF).\n";

enum { OPT_FORMAT = 1000, OPT_SVG, OPT_PIN, OPT_PROBE };

static const struct argp_option opts[] = {
	{ "interval", 'i', "SECS", 0, "Print a report every SECS seconds", 0 },
	{ "count", 'c', "N", 0, "Stop after N reports", 0 },
	{ "duration", 'd', "SECS", 0, "Trace for SECS seconds, then report", 0 },
	{ "pid", 'p', "PID", 0, "Only calls made by process PID", 0 },
	{ "tids", 'L', NULL, 0, "Split the per-function table per thread", 0 },
	{ "per-function", 'F', NULL, 0, "A histogram per function", 0 },
	{ "milliseconds", 'm', NULL, 0, "Millisecond histograms", 0 },
	{ "microseconds", 'u', NULL, 0, "Microsecond histograms", 0 },
	{ "format", OPT_FORMAT, "FMT", 0, "text (default) or json (one object per report)", 0 },
	{ "events", 'e', NULL, 0, "With --format json: also one object per call/pass", 0 },
	{ "svg", OPT_SVG, "FILE", 0, "Draw the whole run's histograms into FILE", 0 },
	{ "pin", OPT_PIN, "DIR", OPTION_ARG_OPTIONAL,
	  "Pin the maps under DIR (default " PIN_DEFAULT ") while running", 0 },
	{ "probe", OPT_PROBE, "MODE", 0,
	  "auto (default: the core's tracepoints if it has them), tracepoint, kprobe or fentry", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf debug output", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static int parse_secs(const char *arg, double *out, struct argp_state *state,
		      const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || v <= 0 || v > 86400 * 365)
		argp_failure(state, EXIT_USAGE, 0,
			     "%s takes a positive number of seconds, not '%s'", what, arg);
	*out = v;
	return 0;
}

static long parse_long(const char *arg, long max, struct argp_state *state,
		       const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0 || v > max)
		argp_failure(state, EXIT_USAGE, 0,
			     "%s takes a positive integer (at most %ld), not '%s'",
			     what, max, arg);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case 'i':
		return parse_secs(arg, &env.interval, state, "--interval");
	case 'd':
		return parse_secs(arg, &env.duration, state, "--duration");
	case 'c':
		env.count = parse_long(arg, LONG_MAX, state, "--count");
		break;
	case 'p':
		env.pid = (pid_t)parse_long(arg, INT_MAX, state, "--pid");
		break;
	case 'L':
		env.per_task = true;
		break;
	case 'F':
		env.per_func = true;
		break;
	case 'm':
		env.unit = 2;
		break;
	case 'u':
		env.unit = 1;
		break;
	case 'e':
		env.events = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "json"))
			env.json = true;
		else if (strcmp(arg, "text"))
			argp_failure(state, EXIT_USAGE, 0,
				     "--format takes text or json, not '%s'", arg);
		break;
	case OPT_SVG:
		env.svg = arg;
		break;
	case OPT_PIN:
		env.pin = arg ? arg : PIN_DEFAULT;
		break;
	case OPT_PROBE:
		if (!strcmp(arg, "auto"))
			env.probe = PROBE_AUTO;
		else if (!strcmp(arg, "kprobe"))
			env.probe = PROBE_KPROBE;
		else if (!strcmp(arg, "fentry"))
			env.probe = PROBE_FENTRY;
		else if (!strcmp(arg, "tracepoint"))
			env.probe = PROBE_TP;
		else
			argp_failure(state, EXIT_USAGE, 0,
				     "--probe takes auto, tracepoint, kprobe or fentry, not '%s'", arg);
		break;
	case ARGP_KEY_ARG:
		env.funcs = realloc(env.funcs, sizeof(*env.funcs) * (env.nfuncs + 1));
		if (!env.funcs)
			argp_failure(state, EXIT_FAIL, ENOMEM, "arguments");
		env.funcs[env.nfuncs++] = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static volatile sig_atomic_t exiting;

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	if (level == LIBBPF_WARN && !env.verbose)
		return 0;	/* our own messages say what failed */
	return vfprintf(stderr, format, args);
}

/* ------------------------------------------------------------------------ */
/* symbols: the one place that turns a trampoline address into a name       */

static struct ksyms *ksyms;

static void ip_name(__u64 ip, char *buf, size_t len)
{
	const struct ksym *s;

#if defined(__aarch64__)
	ip |= 0xffff000000000000ULL;	/* strip a pointer-authentication code */
#endif
	s = ksyms ? ksyms__map_addr(ksyms, (unsigned long)ip) : NULL;
	if (s)
		snprintf(buf, len, "%s", s->name);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)ip);
}

static bool have_sym(const char *name, const struct ksym **out)
{
	const struct ksym *s[1];

	if (!ksyms__find(ksyms, name, NULL, s, 1))
		return false;
	if (out)
		*out = s[0];
	return true;
}

static bool selected(const char *name)
{
	int i;

	if (!env.nfuncs)
		return true;
	for (i = 0; i < env.nfuncs; i++)
		if (!strcmp(env.funcs[i], name))
			return true;
	return false;
}

/* ------------------------------------------------------------------------ */
/* what one report holds                                                    */

struct row {
	int kind;		/* enum lat_kind */
	char name[64];		/* function, "pass" or a step name */
	__u32 tid;		/* -L: the thread; else 0 */
	struct hist h;
};

struct report {
	struct row *rows;
	size_t n, cap;
	__u64 cnt[LAT_NR_COUNTERS];	/* counters over the report's span */
	__u64 delivered;		/* events user space received */
	__u64 moves, core_passes;	/* from the core's debugfs stats */
	bool have_core_stats;
	double secs;			/* span */
};

static struct row *row_get(struct report *r, int kind, const char *name, __u32 tid)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->rows[i].kind == kind && r->rows[i].tid == tid &&
		    !strcmp(r->rows[i].name, name))
			return &r->rows[i];
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct row *n = realloc(r->rows, cap * sizeof(*n));

		if (!n)
			return NULL;
		r->rows = n;
		r->cap = cap;
	}
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

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->kind == LAT_KIND_STEP) {
		int i, ix = 0, iy = 0;

		for (i = 0; i < LAT_NR_STEPS; i++) {
			if (!strcmp(step_names[i], x->name))
				ix = i;
			if (!strcmp(step_names[i], y->name))
				iy = i;
		}
		return ix - iy;
	}
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

struct collector {
	struct lat_bpf *skel;
	int ncpus;
	struct lat_hist *vals;		/* ncpus values */
	__u64 cnt_prev[LAT_NR_COUNTERS];
	__u64 stats_passes, stats_moves;
	bool have_stats;
	struct timespec last;
	__u64 delivered;		/* since the last report */
	struct report total;		/* the whole run, for --svg */
};

static double now_secs(struct timespec *ts)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (ts)
		*ts = t;
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Move everything the kernel aggregated since the last call into R. */
static int collect(struct collector *c, struct report *r)
{
	int fd = bpf_map__fd(c->skel->maps.hists);
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
			if (nkeys == cap) {
				struct lat_key *n;

				cap = cap ? cap * 2 : 64;
				n = realloc(keys, cap * sizeof(*keys));
				if (!n) {
					err = -ENOMEM;
					goto out;
				}
				keys = n;
			}
			keys[nkeys++] = next;
			key = next;
		} while (bpf_map_get_next_key(fd, &key, &next) == 0);
	}
	for (i = 0; i < nkeys; i++) {
		char name[128];
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
			ip_name(keys[i].ip, name, sizeof(name));
			break;
		case LAT_KIND_PASS:
			snprintf(name, sizeof(name), "pass");
			break;
		case LAT_KIND_STEP:
			snprintf(name, sizeof(name), "%s",
				 keys[i].ip < LAT_NR_STEPS ? step_names[keys[i].ip] : "?");
			break;
		default:
			continue;
		}
		if ((keys[i].kind == LAT_KIND_BODY || keys[i].kind == LAT_KIND_WAIT) &&
		    !selected(name))
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

		if (bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.counters), &k, pc))
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
	r->secs = now_secs(&now) - (c->last.tv_sec + c->last.tv_nsec / 1e9);
	c->last = now;

	/* keep the whole run for the picture */
	for (i = 0; i < r->n; i++) {
		struct row *t = row_get(&c->total, r->rows[i].kind, r->rows[i].name,
					r->rows[i].tid);

		if (!t) {
			err = -ENOMEM;
			goto out;
		}
		hist_merge(&t->h, &r->rows[i].h);
	}
	c->total.secs += r->secs;
	c->total.moves += r->moves;
	c->total.core_passes += r->core_passes;
	c->total.have_core_stats |= r->have_core_stats;
	for (k = 0; k < LAT_NR_COUNTERS; k++)
		c->total.cnt[k] += r->cnt[k];
out:
	free(pc);
	free(keys);
	return err;
}

/* ------------------------------------------------------------------------ */
/* figures                                                                  */

struct figs {
	__u64 count;
	double total, min, avg, max, stddev, p50, p90, p99, p999;
};

static void figures(const struct hist *h, struct figs *f)
{
	double u = (double)unit_divs[env.unit];

	memset(f, 0, sizeof(*f));
	f->count = h->count;
	if (!h->count)
		return;
	f->total = h->sum / u;
	f->min = h->min / u;
	f->max = h->max / u;
	f->avg = hist_mean(h) / u;
	f->stddev = hist_stddev(h) / u;
	f->p50 = hist_percentile(h, 50, unit_divs[env.unit]);
	f->p90 = hist_percentile(h, 90, unit_divs[env.unit]);
	f->p99 = hist_percentile(h, 99, unit_divs[env.unit]);
	f->p999 = hist_percentile(h, 99.9, unit_divs[env.unit]);
}

/* merge the rows of one kind (optionally one name) */
static void merged(const struct report *r, int kind, const char *name, struct hist *out)
{
	size_t i;

	hist_init(out);
	for (i = 0; i < r->n; i++)
		if (r->rows[i].kind == kind && (!name || !strcmp(name, r->rows[i].name)))
			hist_merge(out, &r->rows[i].h);
}

static const char *fmtv(char *buf, size_t len, double v)
{
	snprintf(buf, len, env.unit ? "%.1f" : "%.0f", v);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* text                                                                     */

static void print_figs(const struct figs *f)
{
	char a[32], b[32], c[32], d[32];

	printf("count %llu  avg %s  stddev %s  min %s  max %s  (%s)\n",
	       (unsigned long long)f->count, fmtv(a, 32, f->avg), fmtv(b, 32, f->stddev),
	       fmtv(c, 32, f->min), fmtv(d, 32, f->max), unit_names[env.unit]);
	printf("p50 %s  ", fmtv(a, 32, f->p50));
	printf("p90 %s  ", fmtv(a, 32, f->p90));
	printf("p99 %s  ", fmtv(a, 32, f->p99));
	printf("p99.9 %s\n", fmtv(a, 32, f->p999));
}

static void print_hist_block(const struct hist *h)
{
	uint64_t l2[HIST_LOG2_SLOTS];
	struct figs f;

	hist_log2(h, l2);
	hist_print_log2(stdout, l2, HIST_LOG2_SLOTS, unit_names[env.unit]);
	figures(h, &f);
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

	figures(h, &f);
	printf("%-18.18s %8llu %11s %9s %9s %9s %9s\n", name, (unsigned long long)f.count,
	       fmtv(t, 32, f.total), fmtv(mi, 32, f.min), fmtv(av, 32, f.avg),
	       fmtv(ma, 32, f.max), fmtv(p, 32, f.p99));
}

static void print_text(const struct report *r, bool stamp)
{
	struct hist all, h;
	size_t i, j;
	char ts[32];

	if (stamp) {
		time_t t = time(NULL);

		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
		printf("\n[%s]\n", ts);
	}

	merged(r, LAT_KIND_BODY, NULL, &all);
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
			merged(r, LAT_KIND_BODY, ri->name, &h);
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
				merged(r, LAT_KIND_BODY, ri->name, &h);
				printf("\nfunction = %s\n", ri->name);
				print_hist_block(&h);
			}
		}
	}

	merged(r, LAT_KIND_WAIT, NULL, &h);
	if (h.count) {
		struct figs f;
		char a[32], b[32], c[32];

		figures(&h, &f);
		printf("\nWait in add_pause_list: avg %s  p99 %s  max %s  (%s)\n",
		       fmtv(a, 32, f.avg), fmtv(b, 32, f.p99), fmtv(c, 32, f.max),
		       unit_names[env.unit]);
	}

	merged(r, LAT_KIND_PASS, NULL, &h);
	printf("\nRe-randomization passes: %llu (%.1f/s)", (unsigned long long)h.count,
	       r->secs > 0 ? h.count / r->secs : 0.0);
	if (r->have_core_stats)
		printf(", %llu functions moved", (unsigned long long)r->moves);
	printf(", %llu failed\n", (unsigned long long)r->cnt[LAT_CNT_PASS_FAILED]);
	if (h.count) {
		struct hist steps;

		print_hist_block(&h);
		merged(r, LAT_KIND_STEP, NULL, &steps);
		if (steps.count) {
			printf("\n");
			printf("%-18s %8s %11s %9s %9s %9s %9s\n", "STEP", "CALLS", "TOTAL",
			       "MIN", "AVG", "MAX", "SHARE");
			for (i = 0; i < r->n; i++) {
				char t[32], mi[32], av[32], ma[32];
				struct figs f;

				if (r->rows[i].kind != LAT_KIND_STEP)
					continue;
				figures(&r->rows[i].h, &f);
				printf("%-18s %8llu %11s %9s %9s %9s %8.1f%%\n",
				       r->rows[i].name, (unsigned long long)f.count,
				       fmtv(t, 32, f.total), fmtv(mi, 32, f.min),
				       fmtv(av, 32, f.avg), fmtv(ma, 32, f.max),
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

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_figs(const struct hist *h, bool with_hist)
{
	struct figs f;

	figures(h, &f);
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

static const char *probe_used = "kprobe";

static void print_json(const struct report *r)
{
	struct hist all, h;
	bool first = true;
	size_t i;

	merged(r, LAT_KIND_BODY, NULL, &all);
	printf("{\"type\":\"report\",\"time\":%lld,\"secs\":%.3f,\"unit\":\"%s\","
	       "\"probe\":\"%s\",\"calls\":{", (long long)time(NULL), r->secs,
	       unit_names[env.unit], probe_used);
	json_figs(&all, true);
	printf("},\"functions\":[");
	for (i = 0; i < r->n; i++) {
		if (r->rows[i].kind != LAT_KIND_BODY)
			continue;
		if (i > 0 && r->rows[i - 1].kind == LAT_KIND_BODY &&
		    !strcmp(r->rows[i - 1].name, r->rows[i].name))
			continue;
		merged(r, LAT_KIND_BODY, r->rows[i].name, &h);
		printf("%s{\"name\":", first ? "" : ",");
		json_str(r->rows[i].name);
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
			json_str(r->rows[i].name);
			printf(",\"tid\":%u,", r->rows[i].tid);
			json_figs(&r->rows[i].h, false);
			printf("}");
			first = false;
		}
		printf("]");
	}
	merged(r, LAT_KIND_WAIT, NULL, &h);
	printf(",\"wait\":{");
	json_figs(&h, false);
	merged(r, LAT_KIND_PASS, NULL, &h);
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
		printf("%s{\"name\":\"%s\",", first ? "" : ",", r->rows[i].name);
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

static struct collector *the_collector;

static int handle_event(void *ctx, void *data, size_t len)
{
	const struct lat_event *e = data;
	static const char *const kinds[] = { "?", "body", "wait", "pass", "step" };
	char name[128], comm[LAT_COMM_LEN + 1];

	(void)ctx;
	if (len < sizeof(*e))
		return 0;
	the_collector->delivered++;
	switch (e->kind) {
	case LAT_KIND_BODY:
	case LAT_KIND_WAIT:
		ip_name(e->ip, name, sizeof(name));
		if (!selected(name))
			return 0;
		break;
	case LAT_KIND_STEP:
		snprintf(name, sizeof(name), "%s",
			 e->ip < LAT_NR_STEPS ? step_names[e->ip] : "?");
		break;
	default:
		snprintf(name, sizeof(name), "pass");
	}
	memcpy(comm, e->comm, LAT_COMM_LEN);
	comm[LAT_COMM_LEN] = '\0';
	printf("{\"type\":\"event\",\"ts\":%llu,\"kind\":\"%s\",\"name\":",
	       (unsigned long long)e->ts, e->kind < 5 ? kinds[e->kind] : "?");
	json_str(name);
	printf(",\"ns\":%llu,\"tid\":%u,\"pid\":%u,\"depth\":%u,\"comm\":",
	       (unsigned long long)e->ns, e->pid, e->tgid, e->depth);
	json_str(comm);
	printf("}\n");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* SVG: the whole run                                                       */

static int write_svg(const char *path, const struct report *r)
{
	struct { char title[160]; char caption[200]; struct hist h; } *p = NULL;
	int np = 0, i, w = 900, ph = 260, y;
	struct hist all;
	size_t k;
	FILE *f;

	p = calloc(r->n + 2, sizeof(*p));
	if (!p)
		return -ENOMEM;
	merged(r, LAT_KIND_BODY, NULL, &all);
	snprintf(p[np].title, sizeof(p[0].title), "All re-randomizable calls (body)");
	p[np++].h = all;
	for (k = 0; k < r->n; k++) {
		if (r->rows[k].kind != LAT_KIND_BODY)
			continue;
		if (k > 0 && r->rows[k - 1].kind == LAT_KIND_BODY &&
		    !strcmp(r->rows[k - 1].name, r->rows[k].name))
			continue;
		snprintf(p[np].title, sizeof(p[0].title), "%s", r->rows[k].name);
		merged(r, LAT_KIND_BODY, r->rows[k].name, &p[np++].h);
	}
	snprintf(p[np].title, sizeof(p[0].title), "Re-randomization passes");
	merged(r, LAT_KIND_PASS, NULL, &p[np++].h);

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

		figures(&p[i].h, &fg);
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
			 (unsigned long long)fg.count, fmtv(a, 32, fg.avg),
			 fmtv(b, 32, fg.min), fmtv(c, 32, fg.max), fmtv(d, 32, fg.p50),
			 fmtv(e, 32, fg.p99), unit_names[env.unit]);
		hist_log2(&p[i].h, l2);
		if (svg_hist_panel(f, 10, y, w - 20, ph, p[i].title, p[i].caption, l2,
				   HIST_LOG2_SLOTS, unit_names[env.unit], m, 4) < 0) {
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

/* ------------------------------------------------------------------------ */
/* setup                                                                    */

static bool kprobes_available(void)
{
	return !access("/sys/bus/event_source/devices/kprobe/type", F_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", F_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", F_OK);
}

/* exit status for a failed check; 0 when FUNCTION names are all good */
static int check_functions(void)
{
	char real[160];
	int i;

	for (i = 0; i < env.nfuncs; i++) {
		const char *sug[3];
		size_t ns, j;

		if (have_sym(env.funcs[i], NULL)) {
			snprintf(real, sizeof(real), "%s_real", env.funcs[i]);
			if (have_sym(real, NULL))
				continue;
			fprintf(stderr, "wpwatch lat: '%s' is not re-randomizable: it has "
				"no body %s in /proc/kallsyms\n", env.funcs[i], real);
			return EXIT_USAGE;
		}
		fprintf(stderr, "wpwatch lat: unknown function '%s': not in /proc/kallsyms",
			env.funcs[i]);
		ns = ksyms__suggest(ksyms, env.funcs[i], sug, 3);
		for (j = 0; j < ns; j++)
			fprintf(stderr, "%s'%s'", j ? ", " : " (did you mean ", sug[j]);
		fprintf(stderr, "%s\n", ns ? "?)" : "");
		return EXIT_USAGE;
	}
	return 0;
}

struct prog_sel {
	struct bpf_program *kprobe, *fentry;	/* the two flavours of a function probe */
	struct bpf_program *tp;			/* or one of the core's tracepoints */
	const char *sym;			/* the function probed */
	bool optional;				/* a step: may be missing */
	struct bpf_link *link;
	struct bpf_program *used;
};

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static void unpin_all(struct lat_bpf *skel)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, skel->obj)
		if (bpf_map__is_pinned(m))
			bpf_map__unpin(m, NULL);
	rmdir(env.pin);
}

static int pin_all(struct lat_bpf *skel)
{
	struct bpf_map *pins[] = { skel->maps.hists, skel->maps.counters,
				   skel->maps.calls, skel->maps.passes };
	char path[PATH_MAX];
	size_t i;
	int err;

	err = mkdir_p(env.pin);
	if (err)
		return err;
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", env.pin, bpf_map__name(pins[i]));
		err = bpf_map__pin(pins[i], path);
		if (err)
			return err;
	}
	return 0;
}

static void sleep_poll(struct ring_buffer *rb, double deadline)
{
	while (!exiting) {
		double left = deadline - now_secs(NULL);
		int ms;

		if (deadline && left <= 0)
			return;
		ms = (!deadline || left > 0.1) ? 100 : (int)(left * 1000) + 1;
		if (rb) {
			int err = ring_buffer__poll(rb, ms);

			if (err < 0 && err != -EINTR) {
				fprintf(stderr, "wpwatch lat: reading events: %s\n", strerror(-err));
				exiting = 1;
			}
		} else {
			usleep(ms * 1000);
		}
	}
}

int cmd_lat(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "[FUNCTION...]", doc, NULL, NULL, NULL };
	struct collector col = {};
	struct report rep = {};
	struct lat_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct prog_sel sel[5 + 2 * LAT_NR_STEPS];
	const struct ksym *core;
	char btf_path[PATH_MAX];
	int nsel = 0, ret = EXIT_FAIL, err, i, reports = 0;
	bool auto_fentry = false;	/* fentry picked by --probe auto: may fall back */
	bool have_tp;			/* the core has its tracepoints */
	struct bpf_program *prog;
	double start, deadline, next;
	bool pinned = false;

	memset(&env, 0, sizeof(env));
	memset(sel, 0, sizeof(sel));
	argv[0] = "wpwatch lat";	/* for argp's messages */
	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return EXIT_USAGE;
	if (env.events && !env.json) {
		fprintf(stderr, "wpwatch lat: --events needs --format json\n");
		return EXIT_USAGE;
	}
	libbpf_set_print(libbpf_print_fn);

	if (geteuid() != 0) {
		fprintf(stderr, "wpwatch lat: needs root (CAP_BPF, CAP_PERFMON and "
			"kallsyms addresses): run it with sudo\n");
		return EXIT_NO_PRIV;
	}
	ksyms = ksyms__load(NULL);
	if (!ksyms) {
		fprintf(stderr, "wpwatch lat: cannot read /proc/kallsyms: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	if (ksyms__addrs_hidden(ksyms)) {
		fprintf(stderr, "wpwatch lat: /proc/kallsyms hides addresses "
			"(kernel.kptr_restrict): run as root with kptr_restrict <= 1\n");
		ret = EXIT_NO_PRIV;
		goto cleanup;
	}
	if (!have_sym("add_pause_list", &core) || !have_sym("remove_pause_list", NULL)) {
		fprintf(stderr, "wpwatch lat: the re-randomization core is not loaded "
			"(add_pause_list is not in /proc/kallsyms): modprobe rerandom\n");
		ret = EXIT_NO_CORE;
		goto cleanup;
	}
	ret = check_functions();
	if (ret)
		goto cleanup;
	ret = EXIT_FAIL;

	/* fentry needs the module's BTF, which Debian's modules lack */
	snprintf(btf_path, sizeof(btf_path), "/sys/kernel/btf/%s",
		 core->module ? core->module : "vmlinux");
	if (env.probe == PROBE_FENTRY && access(btf_path, R_OK)) {
		fprintf(stderr, "wpwatch lat: --probe fentry: module %s has no BTF (%s "
			"missing; Debian builds modules without it): use --probe kprobe\n",
			core->module ? core->module : "vmlinux", btf_path);
		ret = EXIT_NO_PROBES;
		goto cleanup;
	}
	/* the core's tracepoints (rr_trace.h): __traceiter_* are functions,
	 * listed in /proc/kallsyms on both arches */
	have_tp = have_sym("__traceiter_rerandom_call_enter", NULL);
	if (env.probe == PROBE_TP && !have_tp) {
		fprintf(stderr, "wpwatch lat: --probe tracepoint: this rerandom.ko has no "
			"tracepoints (__traceiter_rerandom_call_enter is not in /proc/kallsyms): "
			"rebuild the core, or use --probe kprobe\n");
		ret = EXIT_NO_PROBES;
		goto cleanup;
	}
	if (env.probe == PROBE_AUTO && have_tp)
		env.probe = PROBE_TP;
	if (env.probe == PROBE_AUTO) {
		env.probe = access(btf_path, R_OK) ? PROBE_KPROBE : PROBE_FENTRY;
		auto_fentry = env.probe == PROBE_FENTRY;
	}
	if (env.probe != PROBE_TP && !kprobes_available()) {
		fprintf(stderr, "wpwatch lat: this kernel has no kprobes (CONFIG_KPROBES, "
			"CONFIG_KPROBE_EVENTS): nothing to attach to\n");
		ret = EXIT_NO_PROBES;
		goto cleanup;
	}
#ifdef __x86_64__
	if (env.probe == PROBE_KPROBE && have_tp)
		fprintf(stderr, "wpwatch lat: warning: on x86_64, attaching or detaching "
			"kprobes on add_pause_list/remove_pause_list while they are called can "
			"crash the kernel (docs/latency.md); --probe tracepoint does not\n");
#endif
retry:
	probe_used = env.probe == PROBE_TP ? "tracepoint" :
		     env.probe == PROBE_FENTRY ? "fentry" : "kprobe";

	skel = lat_bpf__open();
	if (!skel) {
		fprintf(stderr, "wpwatch lat: cannot open the BPF object: %s\n", strerror(errno));
		goto cleanup;
	}
	skel->rodata->targ_tgid = env.pid;
	skel->rodata->per_task = env.per_task;
	skel->rodata->unit_div = unit_divs[env.unit];
	skel->rodata->emit_events = env.events;
	if (!env.events)
		bpf_map__set_max_entries(skel->maps.events, getpagesize());
	/* preallocated per-CPU histograms: at most HIST_MEM_BUDGET in all, so
	 * that creating one never fails for want of memory in the probe */
	{
		int ncpus = libbpf_num_possible_cpus();
		long keys = ncpus > 0 ? HIST_MEM_BUDGET / ((long)ncpus * sizeof(struct lat_hist)) : 64;

		if (keys > 1024)
			keys = 1024;
		if (keys < 64)
			keys = 64;
		bpf_map__set_max_entries(skel->maps.hists, keys);
	}

#define SEL(kp, fe, name, opt) do {						\
		sel[nsel].kprobe = skel->progs.kp;				\
		sel[nsel].fentry = fe;						\
		sel[nsel].sym = name;						\
		sel[nsel].optional = opt;					\
		nsel++;								\
	} while (0)
	/* a tracepoint of the core: present when its __traceiter_ function is */
#define TP_SEL(prog, name) do {							\
		sel[nsel].tp = skel->progs.prog;				\
		sel[nsel].sym = "__traceiter_" name;				\
		nsel++;								\
	} while (0)
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	if (env.probe == PROBE_TP) {
		TP_SEL(tp_call_enter, "rerandom_call_enter");
		TP_SEL(tp_call_body, "rerandom_call_body");
		TP_SEL(tp_call_exit, "rerandom_call_exit");
		TP_SEL(tp_pass_begin, "rerandom_pass_begin");
		TP_SEL(tp_pass_end, "rerandom_pass_end");
		TP_SEL(tp_step_begin, "rerandom_step_begin");
		TP_SEL(tp_step_end, "rerandom_step_end");
	} else {
		/* the pause list: kprobes in both modes (pt_regs: sp and return address) */
		SEL(kp_add_pause_list, NULL, "add_pause_list", false);
		SEL(krp_add_pause_list, NULL, "add_pause_list", false);
		SEL(kp_remove_pause_list, NULL, "remove_pause_list", false);
		SEL(kp_pass, skel->progs.fe_pass, "rerandom_pass", true);
		SEL(krp_pass, skel->progs.fx_pass, "rerandom_pass", true);
#define STEP_SEL(n)								\
		SEL(kp_step_##n, skel->progs.fe_step_##n, "rerandom_step_" #n, true);	\
		SEL(krp_step_##n, skel->progs.fx_step_##n, "rerandom_step_" #n, true)
		STEP_SEL(copy);
		STEP_SEL(fixup);
		STEP_SEL(switch);
		STEP_SEL(sync);
		STEP_SEL(grace);
		STEP_SEL(free);
	}
	for (i = 0; i < nsel; i++) {
		bool present = have_sym(sel[i].sym, NULL);

		if (sel[i].tp)
			sel[i].used = sel[i].tp;
		else
			sel[i].used = env.probe == PROBE_FENTRY && sel[i].fentry ?
				      sel[i].fentry : sel[i].kprobe;
		if (!present) {
			fprintf(stderr, "wpwatch lat: %s not found in the core: not timed\n",
				sel[i].sym);
			sel[i].used = NULL;
		}
		if (sel[i].used)
			bpf_program__set_autoload(sel[i].used, true);
	}

	err = lat_bpf__load(skel);
	if (err && auto_fentry) {
		/* BTF is there but fentry is not (arm64 6.1 has no BPF
		 * trampolines): chosen automatically, so fall back to kprobes */
		fprintf(stderr, "wpwatch lat: fentry unavailable (%s): using kprobes\n",
			strerror(-err));
		goto fall_back;
	}
	if (err) {
		if (err == -EPERM) {
			fprintf(stderr, "wpwatch lat: loading BPF: %s (needs CAP_BPF and "
				"CAP_PERFMON)\n", strerror(-err));
			ret = EXIT_NO_PRIV;
		} else {
			fprintf(stderr, "wpwatch lat: loading BPF: %s (-v shows the "
				"verifier's log)\n", strerror(-err));
		}
		goto cleanup;
	}
	/* exits before entries (the list has each entry first), so that no
	 * entry is seen whose exit is not probed yet */
	for (i = nsel - 1; i >= 0; i--) {
		if (!sel[i].used)
			continue;
		sel[i].link = bpf_program__attach(sel[i].used);
		if (!sel[i].link) {
			err = -errno;
			if (auto_fentry && sel[i].used == sel[i].fentry) {
				fprintf(stderr, "wpwatch lat: attaching fentry to %s: %s: "
					"using kprobes\n", sel[i].sym, strerror(-err));
				goto fall_back;
			}
			fprintf(stderr, "wpwatch lat: attaching %s to %s: %s\n",
				bpf_program__name(sel[i].used), sel[i].sym, strerror(-err));
			if (err == -ENOENT && !kprobes_available())
				ret = EXIT_NO_PROBES;
			goto cleanup;
		}
	}
	if (env.pin) {
		err = pin_all(skel);
		pinned = true;
		if (err) {
			fprintf(stderr, "wpwatch lat: pinning maps under %s: %s\n", env.pin,
				strerror(-err));
			goto cleanup;
		}
	}
	if (env.events) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, NULL, NULL);
		if (!rb) {
			fprintf(stderr, "wpwatch lat: ring buffer: %s\n", strerror(errno));
			goto cleanup;
		}
	}

	col.skel = skel;
	col.ncpus = libbpf_num_possible_cpus();
	if (col.ncpus <= 0) {
		fprintf(stderr, "wpwatch lat: cannot count CPUs\n");
		goto cleanup;
	}
	col.vals = calloc(col.ncpus, sizeof(struct lat_hist));
	if (!col.vals) {
		fprintf(stderr, "wpwatch lat: out of memory\n");
		goto cleanup;
	}
	col.have_stats = !read_core_stats(&col.stats_passes, &col.stats_moves);
	the_collector = &col;

	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	/* every probe attached: from now on they all count */
	skel->bss->armed = true;
	start = now_secs(&col.last);
	fprintf(stderr, "Tracing re-randomizable functions and passes (%s)... "
		"Hit Ctrl-C to end.\n", probe_used);

	deadline = env.duration ? start + env.duration : 0;
	next = env.interval ? start + env.interval : 0;
	for (;;) {
		double until = next;

		if (deadline && (!until || deadline < until))
			until = deadline;
		sleep_poll(rb, until);
		if (exiting || (deadline && now_secs(NULL) >= deadline))
			break;
		/* an interval has passed */
		if (rb)
			ring_buffer__consume(rb);
		err = collect(&col, &rep);
		if (err)
			break;
		if (env.json)
			print_json(&rep);
		else
			print_text(&rep, true);
		reports++;
		if (env.count && reports >= env.count)
			break;
		next += env.interval;
	}

	/* the end: stop counting everywhere at once, detach, then the last
	 * report is complete */
	skel->bss->armed = false;
	for (i = 0; i < nsel; i++) {
		bpf_link__destroy(sel[i].link);
		sel[i].link = NULL;
	}
	if (rb)
		ring_buffer__consume(rb);
	if (!(env.count && reports >= env.count)) {
		err = collect(&col, &rep);
		if (!err && (!env.interval || rep.n || !reports)) {
			if (env.json)
				print_json(&rep);
			else
				print_text(&rep, env.interval > 0);
		}
	}
	if (err) {
		fprintf(stderr, "wpwatch lat: reading the histograms: %s\n", strerror(-err));
		goto cleanup;
	}
	ret = EXIT_OK;
	if (env.svg) {
		err = write_svg(env.svg, &col.total);
		if (err) {
			fprintf(stderr, "wpwatch lat: writing %s: %s\n", env.svg, strerror(-err));
			ret = EXIT_FAIL;
		}
	}

	if (0) {
fall_back:
		for (i = 0; i < nsel; i++) {
			bpf_link__destroy(sel[i].link);
			sel[i].link = NULL;
		}
		nsel = 0;
		lat_bpf__destroy(skel);
		skel = NULL;
		env.probe = PROBE_KPROBE;
		auto_fentry = false;
		goto retry;
	}
cleanup:
	for (i = 0; i < nsel; i++)
		bpf_link__destroy(sel[i].link);
	ring_buffer__free(rb);
	if (pinned)
		unpin_all(skel);
	lat_bpf__destroy(skel);
	free(col.vals);
	free(col.total.rows);
	free(rep.rows);
	ksyms__free(ksyms);
	ksyms = NULL;
	free(env.funcs);
	return ret;
}
