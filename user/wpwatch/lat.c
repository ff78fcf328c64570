// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch lat: the latency of re-randomizable functions and of the
 * re-randomization passes, from the core's tracepoints (or kprobes, or
 * fentry) on add_pause_list/remove_pause_list and rerandom_pass and its
 * steps (bpf/lat.bpf.c), aggregated in the kernel. This file only
 * orchestrates, in order: options (lat_env.c), privilege and the core,
 * the probe flavour and programs (lat_attach.c), the BPF object, the
 * interval loop (lat_model.c collects, lat_output.c prints), the end and
 * --svg (lat_svg.c). See docs/latency.md.
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
#include "outfile.h"
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

/* Poll the ring buffer (or sleep) until DEADLINE (0: until a signal). */
static void sleep_poll(struct ring_buffer *rb, double deadline)
{
	while (!cli_exiting) {
		double left = deadline - lat_now(NULL);
		int ms;

		if (outfile_check()) {
			fprintf(stderr, "wpwatch lat: reopening %s: %s\n", env.output,
				strerror(errno));
			cli_exiting = 1;
			return;
		}

		if (deadline && left <= 0)
			return;
		ms = (!deadline || left > 0.1) ? 100 : (int)(left * 1000) + 1;
		if (rb) {
			int err = ring_buffer__poll(rb, ms);

			if (err < 0 && err != -EINTR) {
				fprintf(stderr, "wpwatch lat: reading events: %s\n", strerror(-err));
				cli_exiting = 1;
			}
		} else {
			usleep(ms * 1000);
		}
	}
}

static void print_report(const struct collector *c, const struct report *r, bool stamp)
{
	if (env.json)
		lat_print_json(c, r);
	else
		lat_print_text(r, stamp);
}

/* Collect into REP: directly, or with --prometheus (which collects every
 * LAT_PROM_TICK) by adding up into it */
static int collect(struct collector *col, struct report *rep, struct report *scratch)
{
	return env.prometheus ? lat_prom_collect(col, rep, scratch) : lat_collect(col, rep);
}

/* Reports every interval until the duration, -n reports or a signal; then the last one. */
static int run(struct collector *col, struct lat_bpf *skel, struct lat_links *links,
	       struct ring_buffer *rb)
{
	struct report rep = {}, scratch = {};
	double start, deadline, next, tick;
	int err = 0, reports = 0;

	cli_catch_signals();
	/* every probe attached: from now on they all count */
	skel->bss->armed = true;
	start = lat_now(&col->last);
	fprintf(stderr, "Tracing re-randomizable functions and passes (%s)... "
		"Hit Ctrl-C to end.\n", col->probe);
	deadline = env.duration ? start + env.duration : 0;
	next = env.interval ? start + env.interval : 0;
	tick = env.prometheus ? start + LAT_PROM_TICK : 0;
	for (;;) {
		double until = next;

		if (tick && (!until || tick < until))
			until = tick;
		if (deadline && (!until || deadline < until))
			until = deadline;
		sleep_poll(rb, until);
		if (cli_exiting || (deadline && lat_now(NULL) >= deadline))
			break;
		if (tick && lat_now(NULL) >= tick && (!next || lat_now(NULL) < next)) {
			/* --prometheus: a snapshot, no report */
			if (rb)
				ring_buffer__consume(rb);
			err = lat_prom_collect(col, &rep, &scratch);
			if (err)
				break;
			while (tick <= lat_now(NULL))
				tick += LAT_PROM_TICK;
			continue;
		}
		/* an interval has passed */
		if (rb)
			ring_buffer__consume(rb);
		err = collect(col, &rep, &scratch);
		if (err)
			break;
		print_report(col, &rep, true);
		if (env.prometheus)
			lat_report_clear(&rep);
		reports++;
		if (env.count && reports >= env.count)
			break;
		next += env.interval;
	}
	/* the end: stop counting everywhere at once, detach, then the last
	 * report is complete */
	skel->bss->armed = false;
	lat_detach(links);
	if (rb)
		ring_buffer__consume(rb);
	if (!err && !(env.count && reports >= env.count)) {
		err = collect(col, &rep, &scratch);
		if (!err && (!env.interval || rep.n || !reports))
			print_report(col, &rep, env.interval > 0);
	}
	free(rep.rows);
	free(scratch.rows);
	return err;
}

int cmd_lat(int argc, char **argv)
{
	struct collector col = {};
	struct lat_bpf *skel = NULL;
	struct lat_links *links = NULL;
	struct ring_buffer *rb = NULL;
	struct ksyms *ks = NULL;
	bool pinned = false;
	int ret, err;

	ret = lat_parse_args(argc, argv);
	if (ret)
		return ret;
	if (env.output && outfile_open(env.output)) {
		fprintf(stderr, "wpwatch lat: --output %s: %s\n", env.output, strerror(errno));
		return WPW_EXIT_FAIL;
	}
	cli_libbpf_print(env.common.verbose);
	ret = cli_check_privilege("lat");
	if (ret)
		return ret;
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
		rb = ring_buffer__new(bpf_map__fd(skel->maps.events), lat_handle_event, &col, NULL);
		if (!rb) {
			fprintf(stderr, "wpwatch lat: ring buffer: %s\n", strerror(errno));
			goto cleanup;
		}
	}
	ret = lat_prom_start(&col);
	if (ret)
		goto cleanup;
	ret = WPW_EXIT_FAIL;
	err = run(&col, skel, links, rb);
	if (err) {
		fprintf(stderr, "wpwatch lat: reading the histograms: %s\n", strerror(-err));
		goto cleanup;
	}
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
	ring_buffer__free(rb);
	if (pinned)
		cli_unpin(skel->obj, NULL, env.pin);
	lat_bpf__destroy(skel);
	lat_collector_free(&col);
	ksyms__free(ks);
	free(env.funcs);
	env.funcs = NULL;
	return ret;
}
