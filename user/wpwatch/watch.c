// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch: stream the symbolized stack of every writer of kernel
 * memory. This file only orchestrates, in order: options (watch_env.c),
 * privilege and kernel support, SPECs to slots (watch_attach.c), the BPF
 * object (open, configure, load, pin), one perf breakpoint event per slot
 * and CPU, the ring buffer loop (watch_output.c handles each event), then
 * detach, drain and the summary. See docs/wpwatch.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "commands.h"
#include "ksyms.h"
#include "output.h"
#include "outfile.h"
#include "watch_cmd.h"
#include "watch.skel.h"

static double now_secs(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* SPECs to addresses, the CPUs to watch on, the slots: 0 or an exit status. */
static int plan(struct watch_run *r, bool *online, int *ncpus)
{
	struct watch_env *env = r->env;
	int i, err;

	for (i = 0; i < env->nspecs; i++) {
		err = watch_resolve_spec(r, &env->specs[i]);
		if (err)
			return err == -EACCES ? WPW_EXIT_NO_PRIV : WPW_EXIT_USAGE;
	}
	*ncpus = watch_online_cpus(online, WATCH_MAX_CPUS);
	if (*ncpus <= 0) {
		fprintf(stderr, "wpwatch watch: cannot read the online CPUs "
			"(/sys/devices/system/cpu/online)\n");
		return WPW_EXIT_FAIL;
	}
	if (env->cpu >= 0) {
		if (!online[env->cpu]) {
			fprintf(stderr, "wpwatch watch: CPU %d is not online\n", env->cpu);
			return WPW_EXIT_USAGE;
		}
		memset(online, 0, WATCH_MAX_CPUS * sizeof(*online));
		online[env->cpu] = true;
		*ncpus = 1;
	}
	for (i = 0; i < WATCH_MAX_CPUS && !online[i]; i++)
		;
	return watch_plan_slots(r, i) ? WPW_EXIT_NO_SLOT : 0;
}

/* Open, configure, load and fill the BPF object: 0 or an exit status. */
static int load(struct watch_run *r, struct watch_bpf **skelp)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	const struct watch_env *env = r->env;
	struct watch_bpf *skel;
	int i, err;

	*skelp = skel = watch_bpf__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "wpwatch watch: cannot open the BPF object: %s\n", strerror(-err));
		return watch_errno_status(err);
	}
	skel->rodata->targ_tgid = env->common.pid;
	skel->rodata->targ_tid = env->common.tid;
	memcpy((char *)skel->rodata->targ_comm, env->comm, sizeof(env->comm));
	skel->rodata->nr_slots = r->nslots;
	skel->rodata->user_stacks = !env->no_ustack;
	skel->rodata->thread_size = watch_thread_size(r->ksyms);
	bpf_map__set_max_entries(skel->maps.watch_events, env->ringbuf_size);
	err = watch_bpf__load(skel);
	if (err) {
		fprintf(stderr, "wpwatch watch: cannot load the BPF programs: %s%s\n", strerror(-err),
			err == -EPERM ? " (needs root or CAP_BPF + CAP_PERFMON)" : " (-v shows why)");
		return err == -EPERM ? WPW_EXIT_NO_PRIV : WPW_EXIT_NO_SUPPORT;
	}
	for (i = 0; i < r->nslots; i++) {
		__u32 key = i;

		err = bpf_map__update_elem(skel->maps.watch_slots, &key, sizeof(key),
					   &r->slots[i].bp, sizeof(r->slots[i].bp), BPF_ANY);
		if (err) {
			fprintf(stderr, "wpwatch watch: cannot fill watch_slots: %s\n",
				strerror(-err));
			return WPW_EXIT_FAIL;
		}
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.watch_seed_old), &topts);
	if (err && env->common.verbose)
		fprintf(stderr, "wpwatch watch: no first old value (seed program: %s)\n",
			strerror(errno));
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	static struct watch_env env;
	static struct watch_run run;
	static bool online[WATCH_MAX_CPUS];
	struct watch_bpf *skel = NULL;
	struct bpf_program *pins[2] = { NULL, NULL };
	struct ring_buffer *rb = NULL;
	struct bpf_link **links = NULL;
	struct watch_counters cnt;
	int nlinks = 0, ncpus = 0, i, err, status;
	double start;

	status = watch_parse_args(argc, argv, &env);
	if (status)
		return status;
	if (env.output && outfile_open(env.output)) {
		fprintf(stderr, "wpwatch watch: --output %s: %s\n", env.output, strerror(errno));
		return WPW_EXIT_FAIL;
	}
	memset(&run, 0, sizeof(run));
	run.env = &env;
	cli_libbpf_print(env.common.verbose);

	status = cli_check_privilege("watch");
	if (status)
		return status;
	if (access("/sys/bus/event_source/devices/breakpoint", F_OK)) {
		fprintf(stderr, "wpwatch watch: this kernel lacks hardware breakpoint support (no "
			"/sys/bus/event_source/devices/breakpoint): it needs CONFIG_PERF_EVENTS and "
			"CONFIG_HAVE_HW_BREAKPOINT\n");
		return WPW_EXIT_NO_SUPPORT;
	}
	status = WPW_EXIT_FAIL;
	run.ksyms = ksyms__load(NULL);
	if (!run.ksyms) {
		fprintf(stderr, "wpwatch watch: cannot read /proc/kallsyms: %s\n", strerror(errno));
		return errno == EACCES ? WPW_EXIT_NO_PRIV : WPW_EXIT_FAIL;
	}
	if (ksyms__addrs_hidden(run.ksyms)) {
		fprintf(stderr, "wpwatch watch: /proc/kallsyms shows no addresses "
			"(kernel.kptr_restrict): run as root\n");
		status = WPW_EXIT_NO_PRIV;
		goto cleanup;
	}
	status = plan(&run, online, &ncpus);
	if (status)
		goto cleanup;
	status = WPW_EXIT_FAIL;
	run.stacks = counter_new();
	if (!run.stacks)
		goto cleanup;
	status = load(&run, &skel);
	if (status)
		goto cleanup;
	status = WPW_EXIT_FAIL;
	pins[0] = skel->progs.watch_write_hit;
	if (env.pin) {
		err = cli_pin(skel->obj, pins, WATCH_PIN_DIR);
		if (err) {
			fprintf(stderr, "wpwatch watch: cannot pin under %s: %s (is bpffs mounted on "
				"/sys/fs/bpf?)\n", WATCH_PIN_DIR, strerror(-err));
			goto cleanup;
		}
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.watch_events), watch_handle_event, &run,
			      NULL);
	if (!rb) {
		fprintf(stderr, "wpwatch watch: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	err = watch_open_events(&run, skel, online, &links, &nlinks);
	if (err) {
		status = err == -EDOM ? WPW_EXIT_USAGE : watch_errno_status(err);
		goto cleanup;
	}
	cli_catch_signals();
	status = watch_prom_start(&run);
	if (status)
		goto cleanup;
	status = WPW_EXIT_FAIL;
	watch_prom_tick(&run, skel->maps.watch_counters, true);

	fprintf(stderr, "wpwatch watch: tracing writes to");
	for (i = 0; i < env.nspecs; i++)
		fprintf(stderr, "%s %s (0x%lx, %lu bytes)", i ? "," : "", env.specs[i].text,
			env.specs[i].addr, env.specs[i].len);
	fprintf(stderr, " with %d hardware watchpoint%s on %d CPU%s%s; Ctrl-C to stop\n",
		run.nslots, run.nslots == 1 ? "" : "s", ncpus, ncpus == 1 ? "" : "s",
		env.pin ? ", pinned under " WATCH_PIN_DIR : "");

	start = now_secs();
	while (!cli_exiting) {
		err = ring_buffer__poll(rb, 100);
		if (err == -EINTR && cli_exiting)
			break;
		if (outfile_check()) {
			fprintf(stderr, "wpwatch watch: reopening %s: %s\n", env.output,
				strerror(errno));
			goto cleanup;
		}
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "wpwatch watch: ring buffer: %s\n", strerror(-err));
			goto cleanup;
		}
		watch_prom_tick(&run, skel->maps.watch_counters, false);
		if (env.duration && now_secs() - start >= env.duration)
			break;
	}
	/* Detach first, then drain: every hit is then either delivered or lost. */
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	nlinks = 0;
	ring_buffer__consume(rb);
	if (watch_read_counters(skel->maps.watch_counters, &cnt)) {
		fprintf(stderr, "wpwatch watch: cannot read the counters\n");
		goto cleanup;
	}
	watch_print_end(&run, &cnt);
	status = cnt.hits == run.delivered + cnt.lost ? WPW_EXIT_OK : WPW_EXIT_FAIL;
cleanup:
	watch_prom_stop();
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	free(links);
	ring_buffer__free(rb);
	if (skel && env.pin)
		cli_unpin(skel->obj, pins, WATCH_PIN_DIR);
	watch_bpf__destroy(skel);
	counter_free(run.stacks);
	ksyms__free(run.ksyms);
	return status;
}
