// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch: stream the symbolized stack of every writer of kernel
 * memory. This file only orchestrates, in order: options (watch_env.c),
 * privilege and kernel support, SPECs to slots (watch_attach.c), the BPF
 * object (open, configure, load, pin), one perf breakpoint event per slot
 * and CPU, the run (runner.h: the loop, with this file's callbacks: the
 * dispatcher, which checks each event, has the model decode it (naming
 * frames only where the output keeps no rendering) and the output print
 * it, the hotplug and Prometheus ticks, the detach), then the
 * counts the kernel kept (counting mode) and the summary. See docs/wpwatch.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "watch_bodies.h"
#include "cli.h"
#include "commands.h"
#include "ksyms.h"
#include "output.h"
#include "runner.h"
#include "watch_usyms.h"
#include "watch_cmd.h"
#include "watch_output.h"
#include "watch.skel.h"

/* What the runner's callbacks see. */
struct watch_ctx {
	struct watch_run *r;
	struct watch_bpf *skel;
	struct watch_events *events;
	struct watch_objects *objs;	/* an object SPEC's slots (watch_objects.c) */
	unsigned int reattached;
};

/*
 * A stack of REC for the output: fetched (the arm64 leaf caller put back),
 * and its frames named only when the output keeps no rendering of it.
 */
static void decode_stack(struct watch_run *r, const struct watch_record *rec, bool user,
			 struct watch_dstack *d)
{
	watch_decode_stack(r, rec, user, d);
	if (!d->shown)
		return;
	if (d->cache)
		d->done = watch_rendered_find(r, &d->key);
	if (!d->done)
		watch_name_stack(r, &rec->e, user, d);
}

/* REC decoded for the output in the run's format: what it prints, nothing more. */
static void decode(struct watch_run *r, const struct watch_record *rec, struct watch_decoded *d)
{
	const struct watch_event *e = &rec->e;
	bool json = r->env->format == FMT_JSON;

	watch_event_values(r, e, &d->v);
	if (json) {
		d->ipkey = (struct watch_render_key){ .a = e->ip, .kind = WATCH_R_IPSYM };
		d->ipdone = watch_rendered_find(r, &d->ipkey);
		if (!d->ipdone)
			watch_frame_sym(r, e->ip, -1, NULL, &d->ipname);
	}
	if (!json || !r->env->no_stack) {
		decode_stack(r, rec, false, &d->kstack);
		if (!json || (e->flags & WATCH_F_USER))
			decode_stack(r, rec, true, &d->ustack);
	}
}

/*
 * The dispatcher, the runner's event callback: one ring-buffer record,
 * checked, counted, decoded by the model (values, the tally, the stacks and,
 * unless the output keeps their rendering, the frames' names) and handed to
 * the output in the run's format.
 */
static int on_event(void *ctx, void *data, size_t size)
{
	struct watch_run *r = ((struct watch_ctx *)ctx)->r;
	const struct watch_record *rec = data;
	static struct watch_record copy;
	static struct watch_decoded d;
	bool per_object = r->env->has_obj;

	/* an object SPEC's arming or disarming: move or park a slot */
	if (watch_objects_msg(((struct watch_ctx *)ctx)->objs, data, size))
		return 0;
	if (size < sizeof(rec->e) || rec->e.slot >= (unsigned int)r->nslots)
		return 0;
	if ((rec->e.kstack_id < 0 && rec->e.kstack_id != WATCH_NO_STACK) ||
	    (rec->e.ustack_id < 0 && rec->e.ustack_id != WATCH_NO_STACK)) {
		/* inline stacks: what the record holds, the rest zero */
		memset(&copy, 0, sizeof(copy));
		memcpy(&copy, data, size < sizeof(copy) ? size : sizeof(copy));
		rec = &copy;
	}
	r->delivered++;
	bodies__stale(r->bodies);	/* moved bodies: one reading of the core's map per event */
	watch_prom_event(r, rec);
	/* After -n COUNT, the rest is drained and counted, not shown (objects: BPF counts per object). */
	if (r->env->count && !per_object && r->printed >= r->env->count)
		return 0;
	r->printed++;
	if (r->env->format == FMT_FOLDED || r->env->summary)
		watch_tally(r, rec);
	if (r->env->format == FMT_TEXT && !r->env->summary) {
		decode(r, rec, &d);
		watch_print_text(r, &rec->e, &d);
		obuf_mark(&r->runner->out);
	} else if (r->env->format == FMT_JSON) {
		decode(r, rec, &d);
		watch_print_json(r, &rec->e, &d);
		obuf_mark(&r->runner->out);
	}
	if (r->env->count && !per_object && r->printed >= r->env->count)
		runner_stop();
	return 0;
}

/* After every poll: follow CPU hotplug. */
static int follow_tick(void *ctx)
{
	watch_follow_cpus(((struct watch_ctx *)ctx)->events);
	return 0;
}

static int prom_tick(void *ctx)
{
	struct watch_ctx *w = ctx;

	watch_prom_tick(w->r, w->skel->maps.watch_counters, w->skel->maps.watch_counts);
	return 0;
}

/* The end: no hit after this, so the drain leaves every hit delivered or lost. */
static void detach(void *ctx)
{
	struct watch_ctx *w = ctx;

	w->reattached = watch_reattached(w->events);
	watch_close_events(w->events);
	w->events = NULL;
	watch_objects_detach(w->objs);
}

/* SPECs to addresses, the CPUs to watch on, the slots: 0 or an exit status. */
static int plan(struct watch_run *r, bool *online, int *ncpus, struct watch_objects **objs)
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
	if (env->has_obj)
		return watch_objects_plan(r, online, objs);
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
	skel->rodata->wakeup_ns = r->runner->flush_each ? 0 : 1000000;
	skel->rodata->wakeup_bytes = env->ringbuf_size / 4;
	skel->rodata->thread_size = watch_thread_size(r->ksyms);
	skel->rodata->obj_mode = env->has_obj;
	skel->rodata->obj_max_hits = env->has_obj ? env->count : 0;
	if (!env->has_obj) {
		/* only object SPECs load the object programs */
		bpf_program__set_autoload(skel->progs.watch_obj_arm, false);
		bpf_program__set_autoload(skel->progs.watch_obj_arm_ret, false);
		bpf_program__set_autoload(skel->progs.watch_obj_kmem_cache_free, false);
		bpf_program__set_autoload(skel->progs.watch_obj_kfree, false);
		bpf_program__set_autoload(skel->progs.watch_obj_disarm, false);
	}
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
	static struct runner runner;
	static bool online[WATCH_MAX_CPUS];
	static struct watch_ctx w;
	struct bpf_program *pins[2] = { NULL, NULL };
	struct watch_counters cnt;
	int ncpus = 0, i, err, status;

	status = watch_parse_args(argc, argv, &env);
	if (status)
		return status;
	status = runner_init(&runner, "watch", env.output);
	if (status)
		return status;
	memset(&run, 0, sizeof(run));
	memset(&w, 0, sizeof(w));
	run.env = &env;
	run.runner = &runner;
	run.out = &runner.out;
	run.stream = runner.stream;
	w.r = &run;
	cli_libbpf_print(env.common.verbose);

	status = cli_check_privilege("watch");
	if (status)
		goto cleanup;
	if (access("/sys/bus/event_source/devices/breakpoint", F_OK)) {
		fprintf(stderr, "wpwatch watch: this kernel lacks hardware breakpoint support (no "
			"/sys/bus/event_source/devices/breakpoint): it needs CONFIG_PERF_EVENTS and "
			"CONFIG_HAVE_HW_BREAKPOINT\n");
		status = WPW_EXIT_NO_SUPPORT;
		goto cleanup;
	}
	status = WPW_EXIT_FAIL;
	run.ksyms = ksyms__load(NULL);
	if (!run.ksyms) {
		fprintf(stderr, "wpwatch watch: cannot read /proc/kallsyms: %s\n", strerror(errno));
		status = errno == EACCES ? WPW_EXIT_NO_PRIV : WPW_EXIT_FAIL;
		goto cleanup;
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
	status = plan(&run, online, &ncpus, &w.objs);
	if (status)
		goto cleanup;
	status = WPW_EXIT_FAIL;
	run.mode = choose_mode(&env);
	runner.flush_each = env.line_buffered || isatty(STDOUT_FILENO);
	run.stacks = counter_new();
	run.tally = kmap_new(sizeof(struct watch_count_key));
	run.frames = kmap_new(sizeof(int));
	run.rendered = kmap_new(sizeof(struct watch_render_key));
	if (!run.stacks || !run.tally || !run.frames || !run.rendered || !runner.stream)
		goto cleanup;
	status = load(&run, &w.skel);
	if (status)
		goto cleanup;
	status = WPW_EXIT_FAIL;
	pins[0] = w.skel->progs.watch_write_hit;
	if (env.pin) {
		err = cli_pin(w.skel->obj, pins, WATCH_PIN_DIR);
		if (err) {
			fprintf(stderr, "wpwatch watch: cannot pin under %s: %s (is bpffs mounted on "
				"/sys/fs/bpf?)\n", WATCH_PIN_DIR, strerror(-err));
			goto cleanup;
		}
	}
	runner.ops = (struct runner_ops){
		.ctx = &w,
		.event = on_event,
		.ticks = { { 0, follow_tick } },
		.detach = detach,
	};
	if (env.prometheus)
		runner.ops.ticks[1] = (struct runner_tick){ WATCH_PROM_TICK, prom_tick };
	err = runner_ring(&runner, bpf_map__fd(w.skel->maps.watch_events));
	if (err) {
		fprintf(stderr, "wpwatch watch: cannot open the ring buffer: %s\n", strerror(-err));
		goto cleanup;
	}
	if (env.has_obj) {
		status = watch_objects_fill(w.objs, w.skel);
		if (!status)
			status = watch_objects_attach(w.objs, w.skel);
		if (status)
			goto cleanup;
		status = WPW_EXIT_FAIL;
	} else {
		err = watch_open_events(&run, w.skel, online, &w.events);
		if (err) {
			status = err == -EDOM ? WPW_EXIT_USAGE : watch_errno_status(err);
			goto cleanup;
		}
	}
	runner_start(&runner);
	status = watch_prom_start(&run);
	if (status)
		goto cleanup;
	status = WPW_EXIT_FAIL;
	prom_tick(&w);

	fprintf(stderr, "wpwatch watch: tracing writes to");
	if (env.has_obj)
		fprintf(stderr, " %s (%s, %lu bytes, each object %s is called with)", env.obj.text,
			env.obj.holder, env.obj.len, env.obj.func);
	for (i = 0; i < env.nspecs && !env.has_obj; i++)
		fprintf(stderr, "%s %s (0x%lx, %lu bytes)", i ? "," : "", env.specs[i].text,
			env.specs[i].addr, env.specs[i].len);
	fprintf(stderr, " with %d hardware watchpoint%s on %d CPU%s%s; Ctrl-C to stop\n",
		run.nslots, run.nslots == 1 ? "" : "s", ncpus, ncpus == 1 ? "" : "s",
		env.pin ? ", pinned under " WATCH_PIN_DIR : "");

	if (runner_run(&runner, env.duration))
		goto cleanup;
	if (watch_read_counters(w.skel->maps.watch_counters, &cnt)) {
		fprintf(stderr, "wpwatch watch: cannot read the counters\n");
		goto cleanup;
	}
	if (run.env->format == FMT_FOLDED || run.env->summary) {
		err = watch_collect_counts(&run, w.skel->maps.watch_counts);
		if (err) {
			fprintf(stderr, "wpwatch watch: cannot read the counted stacks: %s\n",
				strerror(-err));
			goto cleanup;
		}
	}
	if (run.mode == WATCH_MODE_COUNT)
		run.delivered = run.counted;
	watch_print_end(&run, &cnt);
	watch_objects_print_end(w.objs, w.skel);
	if (w.reattached)
		fprintf(stderr, "wpwatch watch: %u re-attach%s after CPU hotplug: writes on a CPU "
			"between its coming online and its re-attach were not seen (neither hits "
			"nor lost)\n", w.reattached, w.reattached == 1 ? "" : "es");
	status = cnt.hits == run.delivered + cnt.lost ? WPW_EXIT_OK : WPW_EXIT_FAIL;
cleanup:
	watch_prom_stop();
	watch_close_events(w.events);
	watch_objects_free(w.objs);
	runner_free(&runner);
	if (w.skel && env.pin)
		cli_unpin(w.skel->obj, pins, WATCH_PIN_DIR);
	watch_bpf__destroy(w.skel);
	counter_free(run.stacks);
	watch_free_rendered(&run);
	ksyms__free(run.ksyms);
	usyms__free(run.usyms);
	bodies__free(run.bodies);
	return status;
}
