// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch, object SPECs at run time: the SPEC resolved through BTF,
 * the slots opened up front on every CPU and parked (disabled), the arming
 * probe on FUNC and the freeing probes, and, on each message of the BPF side
 * (struct watch_obj_msg), a slot moved to an object's field or parked again
 * with PERF_EVENT_IOC_MODIFY_ATTRIBUTES on every CPU (hwbp_move()); the
 * arming window (the arming call's entry to the last CPU's move) measured.
 *
 * Why this way: stock 6.1 can neither register nor move a breakpoint from
 * BPF or atomic context; user space can move an event it owns. The slot is
 * claimed, and the object marked dead when freed, in BPF at once; only the
 * move waits for user space.
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
#include "hwbp.h"
#include "ksyms.h"
#include "runner.h"
#include "watch_cmd.h"
#include "watch.skel.h"

struct obj_slot {
	int fd[WATCH_MAX_CPUS];		/* -1: CPU not watched */
	struct bpf_link *link[WATCH_MAX_CPUS];
	unsigned long long holder;	/* what user space moved it to; 0: parked */
};

struct watch_objects {
	struct watch_run *r;
	struct objspec *spec, *disarm;
	int nslots;
	bool cpus[WATCH_MAX_CPUS];
	unsigned long park;		/* where a parked slot points (disabled: never fires) */
	struct obj_slot slot[WATCH_MAX_SLOTS];
	struct bpf_link *arm_link, *free_links[2], *disarm_link;
	int objs_fd, claims_fd, holders_fd;
	/* the arming window, ns: from the arming call to the last CPU's move */
	unsigned long long win_n, win_min, win_max, win_sum;
	unsigned long long moved, parked, move_failed, stale;
	bool said_move_error;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The function's BTF-less cases, said in one line; -ENOENT from objspec_resolve_kernel(). */
static void say_no_function(struct watch_run *r, const struct objspec *o)
{
	const struct ksym *cand[2];
	const char *close[5];
	size_t n, i;

	if (ksyms__find(r->ksyms, o->func, NULL, cand, 2)) {
		fprintf(stderr, "wpwatch watch: '%s': no BTF for %s%s%s: its fields cannot be named "
			"(a module built without BTF; this kernel's /sys/kernel/btf has none for it); "
			"watch 0xADDRESS instead\n", o->text, o->func,
			cand[0]->module ? " in module " : "", cand[0]->module ? cand[0]->module : "");
		return;
	}
	fprintf(stderr, "wpwatch watch: '%s': unknown function %s", o->text, o->func);
	n = ksyms__suggest(r->ksyms, o->func, close, 5);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i ? ", " : "; did you mean: ", close[i]);
	fprintf(stderr, "\n");
}

/* O through BTF: 0 or an exit status (said). */
static int resolve(struct watch_run *r, struct objspec *o)
{
	char err[512];
	int e = objspec_resolve_kernel(o, err, sizeof(err));

	if (e == -ENOENT) {
		say_no_function(r, o);
		return WPW_EXIT_USAGE;
	}
	if (e) {
		fprintf(stderr, "wpwatch watch: %s\n", err);
		return WPW_EXIT_USAGE;
	}
	return 0;
}

static void close_slot(struct watch_objects *o, int s)
{
	int cpu;

	for (cpu = 0; cpu < WATCH_MAX_CPUS; cpu++) {
		if (o->slot[s].link[cpu])
			bpf_link__destroy(o->slot[s].link[cpu]);	/* closes the fd */
		else if (o->slot[s].fd[cpu] >= 0)
			close(o->slot[s].fd[cpu]);
		o->slot[s].link[cpu] = NULL;
		o->slot[s].fd[cpu] = -1;
	}
}

/* Slot S parked on every watched CPU: 0 or -errno (the first failure). */
static int open_slot(struct watch_objects *o, int s)
{
	int cpu, fd;

	for (cpu = 0; cpu < WATCH_MAX_CPUS; cpu++)
		o->slot[s].fd[cpu] = -1;
	for (cpu = 0; cpu < WATCH_MAX_CPUS; cpu++) {
		if (!o->cpus[cpu])
			continue;
		fd = hwbp_open_write(o->park, 8, cpu, true);
		if (fd < 0) {
			close_slot(o, s);
			return fd;
		}
		o->slot[s].fd[cpu] = fd;
	}
	return 0;
}

int watch_objects_plan(struct watch_run *r, const bool *online, struct watch_objects **op)
{
	struct watch_env *env = r->env;
	const struct ksym *k[1];
	struct watch_objects *o;
	int want, s, err, status;

	*op = o = calloc(1, sizeof(*o));
	if (!o)
		return WPW_EXIT_FAIL;
	o->r = r;
	o->spec = &env->obj;
	status = resolve(r, o->spec);
	if (status)
		return status;
	if (env->has_disarm) {
		o->disarm = &env->disarm;
		status = resolve(r, o->disarm);
		if (status)
			return status;
	}
	if (o->spec->truncated)
		fprintf(stderr, "wpwatch watch: '%s' is %lu bytes: one slot watches its first %u "
			"(give :LEN for fewer)\n", o->spec->text, o->spec->field_size,
			o->spec->plan.len);
	if (env->common.verbose)
		fprintf(stderr, "wpwatch watch: %s: %s argument %d, %u pointer(s) followed, the "
			"field at +%u of %s, %u bytes\n", o->spec->text,
			o->spec->module[0] ? o->spec->module : "vmlinux", (int)o->spec->plan.arg,
			o->spec->plan.nloads, o->spec->plan.off, o->spec->holder, o->spec->plan.len);
	/* parked at FUNC's own code: an aligned kernel address nothing writes (and disabled) */
	if (ksyms__find(r->ksyms, o->spec->func, NULL, k, 1) < 1) {
		fprintf(stderr, "wpwatch watch: '%s': %s is in BTF but not in /proc/kallsyms: "
			"it cannot be probed\n", o->spec->text, o->spec->func);
		return WPW_EXIT_USAGE;
	}
	o->park = k[0]->addr & ~7UL;
	memcpy(o->cpus, online, sizeof(o->cpus));
	/* every free slot, or --max-objects: opening tells which are free */
	want = env->max_objects ? (int)env->max_objects : WATCH_MAX_SLOTS;
	for (s = 0; s < want; s++) {
		err = open_slot(o, s);
		if (err == -ENOSPC || err == -EBUSY || (err == -EINVAL && s > 0))
			break;
		if (err) {
			fprintf(stderr, "wpwatch watch: '%s': cannot open a parked hardware "
				"watchpoint: %s\n", o->spec->text, strerror(-err));
			return watch_errno_status(err);
		}
	}
	if (!s) {
		fprintf(stderr, "wpwatch watch: '%s': no free hardware watchpoint (perf, gdb or a "
			"module such as watchpoint.ko holds them all)\n", o->spec->text);
		return WPW_EXIT_NO_SLOT;
	}
	if (env->max_objects && (unsigned long)s < env->max_objects)
		fprintf(stderr, "wpwatch watch: --max-objects %lu: only %d hardware watchpoints are "
			"free: watching at most %d objects at once\n", env->max_objects, s, s);
	o->nslots = s;
	/* the run's slots, as the output names them: the SPEC's text */
	snprintf(env->specs[0].text, sizeof(env->specs[0].text), "%s", o->spec->text);
	env->specs[0].len = o->spec->plan.len;
	env->nspecs = 1;	/* what --prometheus and the output count by */
	for (s = 0; s < o->nslots; s++) {
		r->slots[s].bp.addr = o->park;
		r->slots[s].bp.len = o->spec->plan.len;
		r->slots[s].bp.spec = 0;
		r->slots[s].spec = 0;
	}
	r->nslots = o->nslots;
	return 0;
}

int watch_objects_fill(struct watch_objects *o, struct watch_bpf *skel)
{
	__u32 key = 0;

	o->objs_fd = bpf_map__fd(skel->maps.watch_objs);
	o->claims_fd = bpf_map__fd(skel->maps.watch_obj_claims);
	o->holders_fd = bpf_map__fd(skel->maps.watch_obj_holders);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.watch_obj_plans), &key, &o->spec->plan,
				BPF_ANY))
		goto fail;
	key = WATCH_OBJ_MAX_SPECS;
	if (o->disarm && bpf_map_update_elem(bpf_map__fd(skel->maps.watch_obj_plans), &key,
					     &o->disarm->plan, BPF_ANY))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "wpwatch watch: cannot fill watch_obj_plans: %s\n", strerror(errno));
	return WPW_EXIT_FAIL;
}

/* FUNC's arming (or --disarm's) probe: a kprobe, or a kretprobe for ret. */
static struct bpf_link *probe(struct bpf_program *prog, const struct objspec *sp, bool ret)
{
	LIBBPF_OPTS(bpf_kprobe_opts, kopts, .bpf_cookie = 0, .retprobe = ret);
	struct bpf_link *l = bpf_program__attach_kprobe_opts(prog, sp->func, &kopts);

	if (!l)
		fprintf(stderr, "wpwatch watch: '%s': cannot attach a %s to %s: %s (inlined, or "
			"not probeable: -v shows why)\n", sp->text, ret ? "kretprobe" : "kprobe",
			sp->func, strerror(errno));
	return l;
}

int watch_objects_attach(struct watch_objects *o, struct watch_bpf *skel)
{
	int s, cpu;

	for (s = 0; s < o->nslots; s++)
		for (cpu = 0; cpu < WATCH_MAX_CPUS; cpu++) {
			LIBBPF_OPTS(bpf_perf_event_opts, popts, .bpf_cookie = s);

			if (o->slot[s].fd[cpu] < 0)
				continue;
			o->slot[s].link[cpu] = bpf_program__attach_perf_event_opts(
				skel->progs.watch_write_hit, o->slot[s].fd[cpu], &popts);
			if (!o->slot[s].link[cpu]) {
				fprintf(stderr, "wpwatch watch: cannot attach BPF to the watchpoint on "
					"CPU %d: %s\n", cpu, strerror(errno));
				return WPW_EXIT_FAIL;
			}
		}
	/* the freeing probes first: an object armed is always one whose free is seen */
	o->free_links[0] = bpf_program__attach(skel->progs.watch_obj_kmem_cache_free);
	o->free_links[1] = bpf_program__attach(skel->progs.watch_obj_kfree);
	if (!o->free_links[0] || !o->free_links[1]) {
		fprintf(stderr, "wpwatch watch: cannot probe kmem_cache_free and kfree (to disarm "
			"freed objects): %s\n", strerror(errno));
		return WPW_EXIT_NO_SUPPORT;
	}
	if (o->disarm) {
		o->disarm_link = probe(skel->progs.watch_obj_disarm, o->disarm, false);
		if (!o->disarm_link)
			return WPW_EXIT_NO_SUPPORT;
	}
	if (o->spec->plan.arg == WATCH_OBJ_RET)
		o->arm_link = probe(skel->progs.watch_obj_arm_ret, o->spec, true);
	else
		o->arm_link = probe(skel->progs.watch_obj_arm, o->spec, false);
	return o->arm_link ? 0 : WPW_EXIT_NO_SUPPORT;
}

/* Slot S on every CPU to ADDR (enabled), or parked: 0 or the first -errno. */
static int move_slot(struct watch_objects *o, int s, unsigned long addr, unsigned int len,
		     bool park)
{
	int cpu, err = 0, e;

	for (cpu = 0; cpu < WATCH_MAX_CPUS; cpu++) {
		if (o->slot[s].fd[cpu] < 0)
			continue;
		e = park ? hwbp_move(o->slot[s].fd[cpu], o->park, 8, true)
			 : hwbp_move(o->slot[s].fd[cpu], addr, len, false);
		if (e && !err)
			err = e;
	}
	return err;
}

/*
 * Slot S free again for BPF to claim: parked first, then its state and claim
 * cleared. The object's claim goes too when it was freed (its address may
 * come back as a new object); one done (-n, --disarm) keeps it, marked, so
 * that it is not armed again.
 */
static void release(struct watch_objects *o, int s, unsigned long long holder, bool freed)
{
	struct watch_obj zero = { 0 };
	__u32 key = s, done = WATCH_MAX_SLOTS;

	move_slot(o, s, 0, 0, true);
	o->slot[s].holder = 0;
	o->parked++;
	bpf_map_update_elem(o->objs_fd, &key, &zero, BPF_ANY);
	if (freed)
		bpf_map_delete_elem(o->holders_fd, &holder);
	else
		bpf_map_update_elem(o->holders_fd, &holder, &done, BPF_EXIST);
	bpf_map_delete_elem(o->claims_fd, &key);
}

bool watch_objects_msg(struct watch_objects *o, const void *data, size_t size)
{
	const struct watch_obj_msg *m = data;
	struct watch_obj cur;
	__u32 key;
	int err;

	if (!o || size != sizeof(*m) || m->magic != WATCH_OBJ_MSG_MAGIC)
		return false;
	if (m->slot >= (unsigned int)o->nslots)
		return true;
	key = m->slot;
	if (m->kind == WATCH_OBJ_MSG_ARM) {
		/* freed (or done) before we got here: nothing to move */
		if (bpf_map_lookup_elem(o->objs_fd, &key, &cur) || cur.holder != m->holder ||
		    cur.state != WATCH_OBJ_ARMED) {
			o->stale++;
			return true;
		}
		err = move_slot(o, m->slot, m->addr, cur.len, false);
		if (err) {
			if (!o->said_move_error)
				fprintf(stderr, "wpwatch watch: '%s': cannot move a watchpoint to "
					"0x%llx (PERF_EVENT_IOC_MODIFY_ATTRIBUTES): %s\n",
					o->spec->text, m->addr, strerror(-err));
			o->said_move_error = true;
			o->move_failed++;
			release(o, m->slot, m->holder, true);
			return true;
		}
		{
			unsigned long long w = now_ns() - m->time_ns;

			if (!o->win_n || w < o->win_min)
				o->win_min = w;
			if (w > o->win_max)
				o->win_max = w;
			o->win_sum += w;
			o->win_n++;
		}
		o->slot[m->slot].holder = m->holder;
		o->moved++;
		if (o->r->env->common.verbose)
			fprintf(stderr, "wpwatch watch: armed slot %u on 0x%llx (object 0x%llx)\n",
				m->slot, m->addr, m->holder);
		return true;
	}
	/* freed, done or disarmed: park it, unless it has moved on to another object */
	if (bpf_map_lookup_elem(o->objs_fd, &key, &cur) || cur.holder != m->holder)
		return true;
	release(o, m->slot, m->holder, m->kind == WATCH_OBJ_MSG_FREED);
	return true;
}

void watch_objects_detach(struct watch_objects *o)
{
	int s, i;

	if (!o)
		return;
	bpf_link__destroy(o->arm_link);
	bpf_link__destroy(o->disarm_link);
	o->arm_link = o->disarm_link = NULL;
	for (s = 0; s < o->nslots; s++)
		close_slot(o, s);
	for (i = 0; i < 2; i++) {
		bpf_link__destroy(o->free_links[i]);
		o->free_links[i] = NULL;
	}
}

static int read_counters(struct watch_bpf *skel, struct watch_obj_counters *sum)
{
	return watch_sum_percpu(skel->maps.watch_obj_counters, sum, sizeof(*sum));
}

void watch_objects_print_end(struct watch_objects *o, struct watch_bpf *skel)
{
	struct watch_obj_counters c;
	const struct watch_env *env;
	double avg;

	if (!o || !skel)
		return;
	env = o->r->env;
	if (read_counters(skel, &c)) {
		fprintf(stderr, "wpwatch watch: cannot read the object counters\n");
		return;
	}
	avg = o->win_n ? (double)o->win_sum / o->win_n : 0;
	if (env->format == FMT_JSON) {
		fprintf(o->r->stream, "{\"type\":\"objects\",\"spec\":");
		fflush(o->r->stream);
		obuf_json_strn(o->r->out, o->spec->text, strlen(o->spec->text));
		fprintf(o->r->stream, ",\"holder\":");
		fflush(o->r->stream);
		obuf_json_strn(o->r->out, o->spec->holder, strlen(o->spec->holder));
		fprintf(o->r->stream, ",\"slots\":%d,\"calls\":%llu,\"filtered\":%llu,\"armed\":%llu,"
			"\"again\":%llu,\"not_armed_no_slot\":%llu,\"not_armed_null\":%llu,"
			"\"not_armed_misaligned\":%llu,\"freed\":%llu,\"disarmed\":%llu,\"done\":%llu,"
			"\"dead_hits_dropped\":%llu,\"done_hits_dropped\":%llu,\"lost_msg\":%llu,"
			"\"move_failed\":%llu,\"arming_window_ns\":{\"n\":%llu,\"min\":%llu,"
			"\"avg\":%.0f,\"max\":%llu}}\n", o->nslots, c.calls, c.filtered, c.armed,
			c.again, c.no_slot, c.null, c.misaligned, c.freed, c.disarmed, c.done,
			c.dead_hits, c.done_hits, c.lost_msg, o->move_failed, o->win_n, o->win_min,
			avg, o->win_max);
	} else if (env->summary) {
		fprintf(o->r->stream, "objects: %llu armed, %llu not armed: no free slot, %llu "
			"freed, %llu disarmed, %llu done; arming window min %.1f us avg %.1f us "
			"max %.1f us (%llu)\n", c.armed, c.no_slot, c.freed, c.disarmed, c.done,
			o->win_min / 1e3, avg / 1e3, o->win_max / 1e3, o->win_n);
	}
	runner_flush(o->r->runner);
	fprintf(stderr, "wpwatch watch: objects (%s): %llu calls, %llu armed, %llu seen again, "
		"not armed: %llu no free slot, %llu NULL on the way, %llu misaligned; %llu freed, "
		"%llu disarmed, %llu reached -n; hits dropped: %llu on freed objects, %llu after "
		"-n/--disarm; %llu filtered calls%s\n", o->spec->holder, c.calls, c.armed, c.again,
		c.no_slot, c.null, c.misaligned, c.freed, c.disarmed, c.done, c.dead_hits,
		c.done_hits, c.filtered, c.lost_msg ? " (ring buffer full: messages lost)" : "");
	if (o->win_n)
		fprintf(stderr, "wpwatch watch: arming window (the call to the slot live on %s "
			"CPU): min %.1f us, avg %.1f us, max %.1f us over %llu objects; writes inside "
			"it are not seen\n", "every", o->win_min / 1e3, avg / 1e3, o->win_max / 1e3,
			o->win_n);
}

void watch_objects_free(struct watch_objects *o)
{
	if (!o)
		return;
	watch_objects_detach(o);
	free(o);
}
