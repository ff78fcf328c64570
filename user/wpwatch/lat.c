// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch lat: the latency of re-randomizable functions and of the
 * re-randomization passes, from the core's tracepoints (or kprobes, or
 * fentry) on add_pause_list/remove_pause_list and rerandom_pass and its
 * steps (bpf/lat.bpf.c), aggregated in the kernel. This file only
 * orchestrates, in order: options (lat_env.c), privilege and the core,
 * the probe flavour and programs (lat_attach.c), the BPF object, the run
 * (runner.h: the loop, with this file's callbacks: the --events
 * dispatcher, the interval and Prometheus ticks, where lat_model.c collects
 * and lat_output.c prints, the detach), the end and --svg (lat_svg.c). See
 * docs/latency.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "commands.h"
#include "ksyms.h"
#include "runner.h"
#include "lat_cmd.h"
#include "lat.skel.h"

#define HIST_MEM_BUDGET (32L << 20)	/* bytes of per-CPU histograms */

/* 0 when every FUNCTION given is a re-randomizable function, else WPW_EXIT_USAGE. */
static int check_functions(const struct ksyms *ks)
{
	char real[WPW_KSYM_NAME_LEN + 8];
	int i;

	for (i = 0; i < env.nfuncs; i++) {
		const char *sug[3];
		size_t ns, j;

		if (lat_have_sym(ks, env.funcs[i], NULL)) {
			snprintf(real, sizeof(real), "%s_real", env.funcs[i]);
			if (lat_have_sym(ks, real, NULL))
				continue;
			fprintf(stderr, "wpwatch lat: '%s' is not re-randomizable: it has "
				"no body %s in /proc/kallsyms\n", env.funcs[i], real);
			return WPW_EXIT_USAGE;
		}
		fprintf(stderr, "wpwatch lat: unknown function '%s': not in /proc/kallsyms",
			env.funcs[i]);
		ns = ksyms__suggest(ks, env.funcs[i], sug, 3);
		for (j = 0; j < ns; j++)
			fprintf(stderr, "%s'%s'", j ? ", " : " (did you mean ", sug[j]);
		fprintf(stderr, "%s\n", ns ? "?)" : "");
		return WPW_EXIT_USAGE;
	}
	return 0;
}

/* Symbols, the core, the FUNCTIONs, the probe flavour: 0 or an exit status. */
static int check_kernel(struct ksyms **ksp)
{
	const struct ksym *core;
	struct ksyms *ks;
	int ret;

	*ksp = ks = ksyms__load(NULL);
	if (!ks) {
		fprintf(stderr, "wpwatch lat: cannot read /proc/kallsyms: %s\n", strerror(errno));
		return WPW_EXIT_FAIL;
	}
	if (ksyms__addrs_hidden(ks)) {
		fprintf(stderr, "wpwatch lat: /proc/kallsyms hides addresses "
			"(kernel.kptr_restrict): run as root with kptr_restrict <= 1\n");
		return WPW_EXIT_NO_PRIV;
	}
	if (!lat_have_sym(ks, "add_pause_list", &core) ||
	    !lat_have_sym(ks, "remove_pause_list", NULL)) {
		fprintf(stderr, "wpwatch lat: the re-randomization core is not loaded "
			"(add_pause_list is not in /proc/kallsyms): modprobe rerandom\n");
		return WPW_EXIT_NO_CORE;
	}
	ret = check_functions(ks);
	return ret ? ret : lat_choose_probe(ks, core->module);
}

/* Open and configure the BPF object for env, pick its programs, load it. */
static int load(const struct ksyms *ks, struct lat_bpf **skelp, struct lat_links **linksp)
{
	struct lat_bpf *skel;
	int ncpus = libbpf_num_possible_cpus(), err;
	long keys;

	*skelp = skel = lat_bpf__open();
	if (!skel) {
		fprintf(stderr, "wpwatch lat: cannot open the BPF object: %s\n", strerror(errno));
		return WPW_EXIT_FAIL;
	}
	skel->rodata->targ_tgid = env.common.pid;
	skel->rodata->targ_tid = env.common.tid;
	skel->rodata->per_task = env.per_task;
	skel->rodata->unit_div = lat_unit_divs[env.unit];
	skel->rodata->emit_events = env.events;
	if (!env.events)
		bpf_map__set_max_entries(skel->maps.events, getpagesize());
	/* preallocated per-CPU histograms: at most HIST_MEM_BUDGET in all, so
	 * that creating one never fails for want of memory in the probe */
	keys = ncpus > 0 ? HIST_MEM_BUDGET / ((long)ncpus * sizeof(struct lat_hist)) : 64;
	bpf_map__set_max_entries(skel->maps.hists, keys > 1024 ? 1024 : keys < 64 ? 64 : keys);
	*linksp = lat_select_programs(skel, ks);
	if (!*linksp) {
		fprintf(stderr, "wpwatch lat: out of memory\n");
		return WPW_EXIT_FAIL;
	}
	err = lat_bpf__load(skel);
	if (err == -EPERM) {
		fprintf(stderr, "wpwatch lat: loading BPF: %s (needs CAP_BPF and CAP_PERFMON)\n",
			strerror(-err));
		return WPW_EXIT_NO_PRIV;
	}
	if (err) {
		fprintf(stderr, "wpwatch lat: loading BPF: %s (-v shows the verifier's log)\n",
			strerror(-err));
		return WPW_EXIT_FAIL;
	}
	return 0;
}

/* What the runner's callbacks see. */
struct lat_ctx {
	struct runner *runner;
	struct collector *col;
	struct lat_bpf *skel;
	struct lat_links *links;
	struct report rep, scratch;
	long reports;
};

/* The dispatcher, the runner's event callback: --events' records, decoded, printed. */
static int on_event(void *ctx, void *data, size_t size)
{
	struct lat_ctx *l = ctx;
	static struct lat_shown ev;

	if (lat_decode_event(l->col, data, size, &ev))
		lat_print_event(l->runner->stream, &ev);
	return 0;
}

static void print_report(struct lat_ctx *l, bool stamp)
{
	if (env.json)
		lat_print_json(l->runner->stream, l->col, &l->rep);
	else
		lat_print_text(l->runner->stream, &l->rep, stamp);
	obuf_mark(&l->runner->out);
}

/* Collect into the report: directly, or with --prometheus (which collects
 * every LAT_PROM_TICK) by adding up into it. 0 or -errno, said. */
static int collect(struct lat_ctx *l)
{
	int err = env.prometheus ? lat_prom_collect(l->col, &l->rep, &l->scratch) :
				   lat_collect(l->col, &l->rep);

	if (err)
		fprintf(stderr, "wpwatch lat: reading the histograms: %s\n", strerror(-err));
	return err;
}

/* An interval has passed: its report; RUNNER_STOP after -n reports. */
static int interval_tick(void *ctx)
{
	struct lat_ctx *l = ctx;
	int err = collect(l);

	if (err)
		return err;
	print_report(l, true);
	if (env.prometheus)
		lat_report_clear(&l->rep);
	l->reports++;
	return env.count && l->reports >= env.count ? RUNNER_STOP : 0;
}

/* --prometheus: a snapshot, no report. */
static int prom_tick(void *ctx)
{
	struct lat_ctx *l = ctx;
	int err = lat_prom_collect(l->col, &l->rep, &l->scratch);

	if (err)
		fprintf(stderr, "wpwatch lat: reading the histograms: %s\n", strerror(-err));
	return err;
}

/* The end: stop counting everywhere at once, detach; the last report is then complete. */
static void detach(void *ctx)
{
	struct lat_ctx *l = ctx;

	l->skel->bss->armed = false;
	lat_detach(l->links);
}

/* Reports every interval until the duration, -n reports or a signal; then the last one. */
static int run(struct lat_ctx *l)
{
	struct runner *r = l->runner;
	int t = 0, err;

	r->unit = "report";
	r->ops.ctx = l;
	r->ops.event = on_event;
	r->ops.detach = detach;
	if (env.interval)
		r->ops.ticks[t++] = (struct runner_tick){ env.interval, interval_tick };
	if (env.prometheus)
		r->ops.ticks[t++] = (struct runner_tick){ LAT_PROM_TICK, prom_tick };
	runner_start(r);
	/* every probe attached: from now on they all count */
	l->skel->bss->armed = true;
	runner_now(&l->col->last);
	fprintf(stderr, "Tracing re-randomizable functions and passes (%s)... "
		"Hit Ctrl-C to end.\n", l->col->probe);
	if (runner_run(r, env.duration))
		return -1;
	if (env.count && l->reports >= env.count)
		return 0;
	if (collect(l))
		return -1;
	if (!env.interval || l->rep.n || !l->reports)
		print_report(l, env.interval > 0);
	err = runner_flush(r);
	runner_say_unwritten(r);
	return err ? -1 : 0;
}

int cmd_lat(int argc, char **argv)
{
	static struct runner runner;
	static struct lat_ctx l;
	struct collector col = {};
	struct lat_bpf *skel = NULL;
	struct lat_links *links = NULL;
	struct ksyms *ks = NULL;
	bool pinned = false;
	int ret, err;

	ret = lat_parse_args(argc, argv);
	if (ret)
		return ret;
	ret = runner_init(&runner, "lat", env.output);
	if (ret)
		return ret;
	memset(&l, 0, sizeof(l));
	l.runner = &runner;
	l.col = &col;
	cli_libbpf_print(env.common.verbose);
	ret = cli_check_privilege("lat");
	if (ret)
		goto cleanup;
	ret = check_kernel(&ks);
	if (ret)
		goto cleanup;
	ret = load(ks, &skel, &links);
	if (ret)
		goto cleanup;
	ret = lat_attach(links);
	if (ret)
		goto cleanup;
	ret = WPW_EXIT_FAIL;
	if (env.pin) {
		err = cli_pin(skel->obj, NULL, env.pin);
		pinned = true;
		if (err) {
			fprintf(stderr, "wpwatch lat: pinning maps under %s: %s (is bpffs mounted "
				"on /sys/fs/bpf?)\n", env.pin, strerror(-err));
			goto cleanup;
		}
	}
	err = lat_collector_init(&col, ks, lat_probe_name(env.probe),
				 bpf_map__fd(skel->maps.hists), bpf_map__fd(skel->maps.counters));
	if (err) {
		fprintf(stderr, "wpwatch lat: setting up: %s\n", strerror(-err));
		goto cleanup;
	}
	if (env.events) {
		err = runner_ring(&runner, bpf_map__fd(skel->maps.events));
		if (err) {
			fprintf(stderr, "wpwatch lat: ring buffer: %s\n", strerror(-err));
			goto cleanup;
		}
	}
	if (!runner.stream)
		goto cleanup;
	ret = lat_prom_start(&col);
	if (ret)
		goto cleanup;
	ret = WPW_EXIT_FAIL;
	l.skel = skel;
	l.links = links;
	if (run(&l))
		goto cleanup;
	ret = WPW_EXIT_OK;
	if (env.svg) {
		err = lat_write_svg(env.svg, &col.total);
		if (err) {
			fprintf(stderr, "wpwatch lat: writing %s: %s\n", env.svg, strerror(-err));
			ret = WPW_EXIT_FAIL;
		}
	}
cleanup:
	lat_prom_stop();
	lat_detach(links);
	free(links);
	runner_free(&runner);
	free(l.rep.rows);
	free(l.scratch.rows);
	if (pinned)
		cli_unpin(skel->obj, NULL, env.pin);
	lat_bpf__destroy(skel);
	lat_collector_free(&col);
	ksyms__free(ks);
	free(env.funcs);
	env.funcs = NULL;
	return ret;
}
