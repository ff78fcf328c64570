// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch: stream the symbolized stack of every writer of kernel
 * memory. This file only orchestrates, in order: options (watch_env.c),
 * privilege and kernel support, SPECs to slots (watch_attach.c), the BPF
 * object (open, configure, load, pin), one perf breakpoint event per slot
 * and CPU, the ring buffer loop (watch_output.c handles each event, one
 * write of the output per batch), then detach, drain, the counts the kernel
 * kept (counting mode) and the summary. See docs/wpwatch.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bodies.h"
#include "cli.h"
#include "commands.h"
#include "ksyms.h"
#include "output.h"
#include "outfile.h"
#include "usyms.h"
#include "watch_cmd.h"
#include "watch.skel.h"

static double now_secs(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * The ring buffer's callback, bounded. libbpf's ring_buffer__poll() goes on
 * consuming for as long as new records keep arriving, so under a flood that
 * the consumer only just keeps up with (a slow stdout, a loaded machine) it
 * never returns: -d, -n, Ctrl-C and re-attaching a CPU would all wait for
 * the writer to pause (measured: -d 2 ran 74 s). A record is consumed before
 * its callback runs, so a negative return stops the poll and loses nothing.
 */
#define WATCH_POLL_SLICE	0.1	/* seconds of records per poll, at most */
#define WATCH_POLL_YIELD	(-EAGAIN)
/*
 * Output bytes per batch, at most. Rendering from the cache is fast, so 0.1 s
 * of it can be thousands of lines; a slow reader (a pipe, a FIFO) then holds
 * the one write of the batch for minutes, and Ctrl-C with it. A batch that
 * has built this much is written out before more records are consumed.
 */
#define WATCH_BATCH_BYTES	65536

struct poll_ctx {
	struct watch_run *r;
	bool draining;		/* the last drain after detaching: never stop */
	double until;
	unsigned int n;
};

static int bounded_event(void *ctx, void *data, size_t size)
{
	struct poll_ctx *p = ctx;
	int err = watch_handle_event(p->r, data, size);

	if (err)
		return err;
	if (p->draining) {
		if (p->r->out.len >= WATCH_BATCH_BYTES)
			watch_flush(p->r);
		return 0;
	}
	if (cli_exiting || p->r->out.len >= WATCH_BATCH_BYTES ||
	    (++p->n % 64 == 0 && now_secs() >= p->until))
		return WATCH_POLL_YIELD;
	return 0;
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
	skel->rodata->kernel_stacks = !env->no_stack;
	skel->rodata->mode = r->mode;
	skel->rodata->count_by_comm = env->format == FMT_FOLDED;
	skel->rodata->count_by_spec = env->prometheus != NULL;
	/* one wake-up per millisecond or per quarter buffer; each event on a terminal */
	skel->rodata->wakeup_ns = r->flush_each ? 0 : 1000000;
	skel->rodata->wakeup_bytes = env->ringbuf_size / 4;
	skel->rodata->thread_size = watch_thread_size(r->ksyms);
	bpf_map__set_max_entries(skel->maps.watch_events, env->ringbuf_size);
	bpf_map__set_max_entries(skel->maps.watch_stacks, env->max_stacks);
	bpf_map__set_max_entries(skel->maps.watch_counts, env->max_stacks);
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
	r->stacks_fd = bpf_map__fd(skel->maps.watch_stacks);
	return 0;
}

/*
 * Counting in the kernel when nothing per write is shown: folded, or text
 * with --summary, without -n (which needs each event to stop at COUNT).
 */
static unsigned int choose_mode(const struct watch_env *env)
{
	bool counts_only = env->format == FMT_FOLDED || (env->format == FMT_TEXT && env->summary);

	return counts_only && !env->count ? WATCH_MODE_COUNT : WATCH_MODE_STREAM;
}

int cmd_watch(int argc, char **argv)
{
	static struct watch_env env;
	static struct watch_run run;
	static bool online[WATCH_MAX_CPUS];
	static struct poll_ctx pctx;
	struct watch_bpf *skel = NULL;
	struct bpf_program *pins[2] = { NULL, NULL };
	struct ring_buffer *rb = NULL;
	struct watch_events *events = NULL;
	struct watch_counters cnt;
	unsigned int reattached;
	int ncpus = 0, i, err, status;
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
	run.usyms = usyms__new(NULL);
	run.bodies = bodies__new(NULL);
	if (!run.usyms || !run.bodies)
		goto cleanup;
	status = plan(&run, online, &ncpus);
	if (status)
		goto cleanup;
	status = WPW_EXIT_FAIL;
	run.mode = choose_mode(&env);
	run.flush_each = env.line_buffered || isatty(STDOUT_FILENO);
	run.stacks = counter_new();
	run.tally = kmap_new(sizeof(struct watch_count_key));
	run.frames = kmap_new(sizeof(int));
	run.rendered = kmap_new(WATCH_RENDER_KEY_SIZE);
	obuf_init(&run.out, fileno(stdout));
	if (!run.stacks || !run.tally || !run.frames || !run.rendered)
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
	pctx.r = &run;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.watch_events), bounded_event, &pctx, NULL);
	if (!rb) {
		fprintf(stderr, "wpwatch watch: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	err = watch_open_events(&run, skel, online, &events);
	if (err) {
		status = err == -EDOM ? WPW_EXIT_USAGE : watch_errno_status(err);
		goto cleanup;
	}
	cli_catch_signals();
	status = watch_prom_start(&run);
	if (status)
		goto cleanup;
	status = WPW_EXIT_FAIL;
	watch_prom_tick(&run, skel->maps.watch_counters, skel->maps.watch_counts, true);

	fprintf(stderr, "wpwatch watch: tracing writes to");
	for (i = 0; i < env.nspecs; i++)
		fprintf(stderr, "%s %s (0x%lx, %lu bytes)", i ? "," : "", env.specs[i].text,
			env.specs[i].addr, env.specs[i].len);
	fprintf(stderr, " with %d hardware watchpoint%s on %d CPU%s%s; Ctrl-C to stop\n",
		run.nslots, run.nslots == 1 ? "" : "s", ncpus, ncpus == 1 ? "" : "s",
		env.pin ? ", pinned under " WATCH_PIN_DIR : "");

	start = now_secs();
	while (!cli_exiting) {
		pctx.until = now_secs() + WATCH_POLL_SLICE;
		err = ring_buffer__poll(rb, 100);
		watch_flush(&run);
		if (err == WATCH_POLL_YIELD)
			err = 0;
		if (err == -EINTR && cli_exiting)
			break;
		if (outfile_check()) {
			fprintf(stderr, "wpwatch watch: reopening %s: %s\n", env.output,
				strerror(errno));
			goto cleanup;
		}
		run.out.fd = fileno(stdout);	/* the obuf writes where stdout now goes */
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "wpwatch watch: ring buffer: %s\n", strerror(-err));
			goto cleanup;
		}
		watch_follow_cpus(events);
		watch_prom_tick(&run, skel->maps.watch_counters, skel->maps.watch_counts, false);
		if (env.duration && now_secs() - start >= env.duration)
			break;
	}
	/* Detach first, then drain: every hit is then either delivered or lost. */
	reattached = watch_reattached(events);
	watch_close_events(events);
	events = NULL;
	pctx.draining = true;
	ring_buffer__consume(rb);
	watch_flush(&run);
	if (watch_read_counters(skel->maps.watch_counters, &cnt)) {
		fprintf(stderr, "wpwatch watch: cannot read the counters\n");
		goto cleanup;
	}
	if (run.env->format == FMT_FOLDED || run.env->summary) {
		err = watch_collect_counts(&run, skel->maps.watch_counts);
		if (err) {
			fprintf(stderr, "wpwatch watch: cannot read the counted stacks: %s\n",
				strerror(-err));
			goto cleanup;
		}
	}
	if (run.mode == WATCH_MODE_COUNT)
		run.delivered = run.counted;
	watch_print_end(&run, &cnt);
	if (reattached)
		fprintf(stderr, "wpwatch watch: %u re-attach%s after CPU hotplug: writes on a CPU "
			"between its coming online and its re-attach were not seen (neither hits "
			"nor lost)\n", reattached, reattached == 1 ? "" : "es");
	status = cnt.hits == run.delivered + cnt.lost ? WPW_EXIT_OK : WPW_EXIT_FAIL;
cleanup:
	watch_prom_stop();
	watch_close_events(events);
	ring_buffer__free(rb);
	if (skel && env.pin)
		cli_unpin(skel->obj, pins, WATCH_PIN_DIR);
	watch_bpf__destroy(skel);
	counter_free(run.stacks);
	watch_free_rendered(&run);
	ksyms__free(run.ksyms);
	usyms__free(run.usyms);
	bodies__free(run.bodies);
	return status;
}
