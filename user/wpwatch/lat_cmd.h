/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wpwatch lat's own declarations: the options (lat_env.c, the one global:
 * the parsed command line), the report model and the collector state
 * (lat_model.c), attaching (lat_attach.c), text and JSON (lat_output.c),
 * the picture (lat_svg.c); lat.c runs them in order, its loop the
 * runner's (runner.h).
 */
#ifndef WPWATCH_LAT_CMD_H
#define WPWATCH_LAT_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include <linux/types.h>
#include <netinet/in.h>
#include "cli.h"
#include "hist.h"
#include "lat.h"

#define LAT_PIN_DEFAULT "/sys/fs/bpf/wpwatch/lat"

/* The probe flavour: chosen once, before the BPF object is opened. */
enum lat_probe { PROBE_AUTO, PROBE_TP, PROBE_FENTRY, PROBE_KPROBE };

/* The command line. */
struct lat_env {
	double interval;	/* seconds; 0: one report at the end */
	long count;		/* reports then exit; 0: no limit */
	double duration;	/* seconds; 0: until Ctrl-C */
	struct cli_common common;	/* -p, -t, -v */
	bool per_task;
	bool per_func;
	bool json;
	bool events;
	int unit;		/* 0 ns, 1 us, 2 ms */
	const char *svg;
	const char *pin;
	enum lat_probe probe;
	char **funcs;
	int nfuncs;
	const char *prometheus;		/* --prometheus ADDR:PORT (lat_prom.c) */
	struct sockaddr_in prom_addr;
	const char *output;		/* --output FILE, reopened on SIGHUP */
};

extern struct lat_env env;
extern const char *const lat_unit_names[];
extern const __u64 lat_unit_divs[];

/* lat_env.c: parse the command line into env; 0 or an exit status. */
int lat_parse_args(int argc, char **argv);

/* --- the model (lat_model.c) ------------------------------------------- */

/* One histogram of a report: a function (per thread with -L), the pass, a step. */
struct row {
	int kind;			/* enum lat_kind */
	char name[WPW_KSYM_NAME_LEN];	/* function, "pass" or a step name */
	__u32 tid;			/* -L: the thread; else 0 */
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

struct ksyms;

/* Everything one run collects. */
struct collector {
	const struct ksyms *ksyms;
	const char *probe;		/* the flavour used, for the reports */
	int hists_fd, counters_fd;
	int ncpus;
	struct lat_hist *vals;		/* ncpus values */
	__u64 cnt_prev[LAT_NR_COUNTERS];
	__u64 stats_passes, stats_moves;
	bool have_stats;
	struct timespec last;
	__u64 delivered;		/* since the last report */
	struct report total;		/* the whole run, for --svg */
};

/* One --events record as shown: the record, its kind's and its function's names. */
struct lat_shown {
	const struct lat_event *e;
	const char *kind;		/* "body", "wait", "pass", "step" */
	char name[WPW_KSYM_NAME_LEN];
};

struct figs {
	__u64 count;
	double total, min, avg, max, stddev, p50, p90, p99, p999;
};

/* 0 and the collector ready to collect (from now), or -errno. */
int lat_collector_init(struct collector *c, const struct ksyms *ks, const char *probe,
		       int hists_fd, int counters_fd);
void lat_collector_free(struct collector *c);
/* Move everything the kernel aggregated since the last call into R. */
int lat_collect(struct collector *c, struct report *r);
/* Add SRC's rows, counters and span to DST (rows sorted only by lat_collect). */
int lat_report_add(struct report *dst, const struct report *src);
/* Empty R (its rows stay allocated). */
void lat_report_clear(struct report *r);
/* One --events record decoded into EV: false when it is not shown (too short, not selected). */
bool lat_decode_event(struct collector *c, const void *data, size_t len, struct lat_shown *ev);
/* FUNCTION's name for a return address inside its trampoline (or 0x...). */
void lat_ip_name(const struct ksyms *ks, __u64 ip, char *buf, size_t len);
const char *lat_step_name(__u64 step);
struct ksym;
/* Is NAME in /proc/kallsyms (and which one, when OUT)? */
bool lat_have_sym(const struct ksyms *ks, const char *name, const struct ksym **out);
/* FUNCTION... given (or none): is NAME reported? */
bool lat_selected(const char *name);
void lat_figures(const struct hist *h, struct figs *f);
/* Merge the rows of one KIND (and NAME, when not NULL) into OUT. */
void lat_merged(const struct report *r, int kind, const char *name, struct hist *out);
/* Is row I the first of its function's (rows sorted by kind, name, thread)? */
bool lat_first_of_function(const struct report *r, size_t i);
/* V in the chosen unit, as printed. */
const char *lat_fmtv(char *buf, size_t len, double v);

/* --- attaching (lat_attach.c) -------------------------------------------- */

struct lat_bpf;
struct lat_links;

/* Settle env.probe (no PROBE_AUTO left): 0 or an exit status, with a message. */
int lat_choose_probe(const struct ksyms *ks, const char *core_module);
const char *lat_probe_name(enum lat_probe p);
/* Autoload exactly the programs of env.probe whose function the core has; NULL: no memory. */
struct lat_links *lat_select_programs(struct lat_bpf *skel, const struct ksyms *ks);
/* Attach them, exits first: 0 or an exit status, with a message. */
int lat_attach(struct lat_links *l);
/* Detach them all at once (free() the struct after). */
void lat_detach(struct lat_links *l);

/* --- output (lat_output.c, lat_svg.c) ------------------------------------ */

void lat_print_text(FILE *f, const struct report *r, bool stamp);
void lat_print_json(FILE *f, const struct collector *c, const struct report *r);
void lat_print_event(FILE *f, const struct lat_shown *ev);
int lat_write_svg(const char *path, const struct report *r);

/* --- --prometheus (lat_prom.c) ------------------------------------------- */

/* Seconds between two snapshots of the metrics. */
#define LAT_PROM_TICK 0.5
/* Serve env.prom_addr: 0 or an exit status, with a message. */
int lat_prom_start(struct collector *c);
/* Collect into the running report REP (through SCRATCH), then publish the whole run. */
int lat_prom_collect(struct collector *c, struct report *rep, struct report *scratch);
void lat_prom_stop(void);

#endif
