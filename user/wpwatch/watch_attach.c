// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch, attaching: SPECs to addresses (kallsyms, or a loaded
 * module's .ko), addresses to aligned hardware watchpoint slots, and one
 * perf breakpoint event per slot and online CPU with the BPF program on it
 * (the attach cookie names the slot), kept through CPU hotplug: a CPU that
 * comes online is attached again; errors to exit statuses.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <linux/netlink.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "hwbp.h"
#include "ksyms.h"
#include "runner.h"
#include "watch_cmd.h"
#include "watch.skel.h"

/* Watchpoint registers per CPU: x86 has 4; arm64 says so in the boot log. -1: unknown. */
static int hw_watch_slots(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return 4;
#else
	int len = klogctl(10, NULL, 0), n = -1;
	char *buf, *p;

	if (len <= 0)
		return -1;
	buf = malloc(len + 1);
	if (!buf)
		return -1;
	len = klogctl(3, buf, len);
	if (len > 0) {
		buf[len] = '\0';
		p = strstr(buf, "watchpoint registers");
		if (p) {
			while (p > buf && p[-1] == ' ')
				p--;
			while (p > buf && isdigit((unsigned char)p[-1]))
				p--;
			n = atoi(p);
		}
	}
	free(buf);
	return n;
#endif
}

/* The CPUs of a sysfs CPU list such as /sys/devices/system/cpu/online ("0-3,5"). */
static int cpu_list(const char *path, bool *online, int max)
{
	FILE *f = fopen(path, "re");
	char buf[1024], *p;
	int n = 0;

	memset(online, 0, max * sizeof(*online));
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return -errno;
	}
	fclose(f);
	for (p = strtok(buf, ",\n"); p; p = strtok(NULL, ",\n")) {
		int a, b, i;

		if (sscanf(p, "%d-%d", &a, &b) != 2) {
			if (sscanf(p, "%d", &a) != 1)
				continue;
			b = a;
		}
		for (i = a; i <= b && i < max; i++)
			if (i >= 0 && !online[i]) {
				online[i] = true;
				n++;
			}
	}
	return n;
}

/* The online CPUs, from /sys/devices/system/cpu/online. */
int watch_online_cpus(bool *online, int max)
{
	return cpu_list("/sys/devices/system/cpu/online", online, max);
}

/*
 * A vmlinux variable that /proc/kallsyms does not list (arm64: functions
 * only; x86_64: a name it leaves out), from the running kernel's System.map
 * (ksyms__sysmap_var). 0 when placed; -ENOENT when the map is good but has no
 * such name either (the caller suggests names); any other error has had its
 * one line.
 */
static int watch_resolve_sysmap(struct watch_run *r, struct watch_spec *sp)
{
	char why[2048], file[320];
	struct utsname u;
	unsigned long addr;
	int err;

	if (sp->module[0] && strcmp(sp->module, "vmlinux") && strcmp(sp->module, "kernel"))
		return -ENOENT;
	err = ksyms__sysmap_var(r->ksyms, sp->symbol, NULL, &addr, file, sizeof(file), why,
				sizeof(why));
	if (!err) {
		if (r->env->common.verbose)
			fprintf(stderr, "wpwatch watch: %s is not in /proc/kallsyms; %s\n",
				sp->symbol, why);
		sp->addr = addr + sp->offset;
		return 0;
	}
	/* With every variable in kallsyms, a name it lacks is just unknown. */
	if (err == -ENOENT || ((err == -ENODATA || err == -ESTALE) && ksyms__has_data(r->ksyms)))
		return -ENOENT;
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "RELEASE");
	fprintf(stderr, "wpwatch watch: '%s': %s is not in /proc/kallsyms%s and %s", sp->text,
		sp->symbol, ksyms__has_data(r->ksyms) ? "" : " (functions only on this kernel)", why);
	if (err == -ENODATA)
		fprintf(stderr, ": install this kernel's System.map (Debian: linux-image-%s-dbg) or "
			"give the address as 0xADDRESS", u.release);
	fprintf(stderr, "\n");
	return err;
}

int watch_resolve_spec(struct watch_run *r, struct watch_spec *sp)
{
	const struct ksyms *ks = r->ksyms;
	const struct ksym *cand[16];
	const char *close[5];
	char why[WPW_KSYM_NAME_LEN + 256], mod[64];
	size_t n, i;
	int err;

	if (!sp->symbol[0])
		return 0;
	n = ksyms__find(ks, sp->symbol, sp->module[0] ? sp->module : NULL, cand, 16);
	if (n == 1 && !cand[0]->module && ksyms__in_per_cpu_area(ks, cand[0]->addr)) {
		/*
		 * x86_64 lists per-CPU variables with their offset in the per-CPU
		 * area (near 0), not an address: watching it would watch nothing
		 * (and wait for ever with -n). The map path refuses them too.
		 */
		fprintf(stderr, "wpwatch watch: '%s': %s is a per-CPU variable (/proc/kallsyms gives "
			"its offset 0x%lx in the per-CPU area, no CPU's copy): give one CPU's copy "
			"as 0xADDRESS\n", sp->text, sp->symbol, cand[0]->addr);
		return -EINVAL;
	}
	if (n == 1) {
		sp->addr = cand[0]->addr + sp->offset;
		return 0;
	}
	if (n > 1) {
		fprintf(stderr, "wpwatch watch: '%s' is ambiguous: %zu symbols are named %s:\n",
			sp->text, n, sp->symbol);
		for (i = 0; i < n && i < 16; i++)
			fprintf(stderr, "  0x%lx %c %s [%s]\n", cand[i]->addr, cand[i]->type,
				cand[i]->name, cand[i]->module ? cand[i]->module : "vmlinux");
		fprintf(stderr, "  pick one with MODULE:%s (vmlinux:%s for the kernel's) or "
			"0xADDRESS\n", sp->symbol, sp->symbol);
		return -ENOTUNIQ;
	}
	/* Not in kallsyms: a module variable on a kernel without CONFIG_KALLSYMS_ALL? */
	err = ksyms__module_var(sp->symbol, sp->module[0] ? sp->module : NULL, NULL, NULL,
				&sp->addr, mod, sizeof(mod), why, sizeof(why));
	if (!err) {
		if (r->env->common.verbose)
			fprintf(stderr, "wpwatch watch: %s is not in /proc/kallsyms; placed at 0x%lx "
				"from %s.ko's symbol table and /sys/module/%s/sections\n",
				sp->symbol, sp->addr, mod, mod);
		sp->addr += sp->offset;
		return 0;
	}
	if (err == -ENOTUNIQ || err == -EACCES) {
		fprintf(stderr, "wpwatch watch: '%s': %s\n", sp->text, why);
		return err;
	}
	if (err == -ENOEXEC) {
		fprintf(stderr, "wpwatch watch: '%s': %s\n", sp->text, why);
		return -ENOENT;
	}
	err = watch_resolve_sysmap(r, sp);
	if (err != -ENOENT)
		return err;
	fprintf(stderr, "wpwatch watch: '%s': unknown symbol %s", sp->text, sp->symbol);
	if (sp->module[0])
		fprintf(stderr, " in module %s", sp->module);
	n = ksyms__suggest(ks, sp->symbol, close, 5);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i ? ", " : "; did you mean: ", close[i]);
	fprintf(stderr, "\n");
	return -ENOENT;
}

static bool __attribute__((unused)) arm64_mask_supported(unsigned long addr, unsigned long len, int cpu)
{
	int fd;

	if (len <= 8 || (len & (len - 1)) || (addr & (len - 1)))
		return false;
	fd = hwbp_open_write(addr, len, cpu, false);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int watch_plan_slots(struct watch_run *r, int first_cpu)
{
	int i, hw = hw_watch_slots();
	size_t need = 0;

	for (i = 0; i < r->env->nspecs; i++) {
		struct watch_spec *sp = &r->env->specs[i];
		struct watch_chunk ch[WATCH_MAX_SLOTS];
		size_t n, k;

#if defined(__aarch64__)
		if (sp->len > 8 && arm64_mask_supported(sp->addr, sp->len, first_cpu)) {
			ch[0].addr = sp->addr;
			ch[0].len = sp->len;
			n = 1;
		} else
#endif
			n = spec_split(sp->addr, sp->len, 8, ch, WATCH_MAX_SLOTS);
		(void)first_cpu;
		for (k = 0; k < n && r->nslots + k < WATCH_MAX_SLOTS; k++) {
			r->slots[r->nslots + k].bp.addr = ch[k].addr;
			r->slots[r->nslots + k].bp.len = ch[k].len;
			r->slots[r->nslots + k].bp.spec = i;
			r->slots[r->nslots + k].spec = i;
		}
		if (r->env->common.verbose)
			fprintf(stderr, "wpwatch watch: %s = 0x%lx, %lu bytes: %zu slot(s)\n",
				sp->text, sp->addr, sp->len, n);
		need += n;
		r->nslots += n < WATCH_MAX_SLOTS ? (int)n : WATCH_MAX_SLOTS;
	}
	if ((hw > 0 && need > (size_t)hw) || need > WATCH_MAX_SLOTS) {
		fprintf(stderr, "wpwatch watch: the SPECs need %zu hardware watchpoints (8 bytes "
			"each, aligned), but this CPU has %s%d; watch fewer or shorter ranges\n",
			need, hw > 0 ? "" : "at most ", hw > 0 ? hw : WATCH_MAX_SLOTS);
#if defined(__aarch64__)
		for (i = 0; i < r->env->nspecs; i++)
			if (r->env->specs[i].len > 8)
				fprintf(stderr, "  (this kernel refuses one watchpoint over %lu bytes: "
					"the arm64 MASK support is not in it)\n", r->env->specs[i].len);
#endif
		return -ENOSPC;
	}
	return 0;
}

int watch_errno_status(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return WPW_EXIT_NO_PRIV;
	case ENOSPC:
	case EBUSY:
		return WPW_EXIT_NO_SLOT;
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
	case ENOSYS:
		return WPW_EXIT_NO_SUPPORT;
	default:
		return WPW_EXIT_FAIL;
	}
}

/* ---- the perf events, per CPU, through CPU hotplug ------------------------------
 *
 * What the kernel does (6.1, kernel/events/core.c; wpw_hotplug_probe proves it
 * in 22-watch-hotplug): when a CPU goes offline, perf_event_exit_cpu() takes
 * every event of that CPU out of its context for good (state OFF, no longer
 * on any list); when the CPU comes back nothing puts it back, and
 * PERF_EVENT_IOC_ENABLE does not either. The event keeps its breakpoint slot
 * until it is closed. So a CPU that comes online needs its events closed and
 * opened again, with the BPF program attached to the new ones.
 *
 * How we notice: a kernel uevent ("online@/devices/system/cpu/cpuN") makes us
 * look at once; every WATCH_LOOK_SECS we look at every CPU anyway (suspend,
 * a lost uevent, no uevents in this network namespace). Looking is the
 * kernel's own answer: an event whose time on the hardware (time_running)
 * did not advance since the last look is not watching, and a CPU missing
 * from /sys/devices/system/cpu/online cannot be. Writes on a CPU between its
 * coming online and our re-attach are seen by nothing: no hit, no loss.
 */
#define WATCH_TICK_SECS	0.1	/* uevents and unwatched CPUs: this often at most */
#define WATCH_LOOK_SECS	1.0	/* every CPU's events: this often */

struct watch_cpu {
	struct bpf_link *links[WATCH_MAX_SLOTS];
	int probe_fd;			/* slot 0's perf event, owned by links[0] */
	unsigned long long running;	/* its time on the hardware at the last look */
	bool wanted;			/* every CPU, or the -C one */
	bool attached;
	int look_soon;			/* looks left at the tick rate (after a uevent) */
	int reported_err;		/* re-attach error already said (0: none) */
};

struct watch_events {
	struct watch_run *r;
	struct watch_bpf *skel;
	int ncpus;			/* CPU numbers below this are possible */
	struct watch_cpu *cpu;
	int uevent_fd;			/* -1: none */
	double last_tick, last_look;
	unsigned int reattached;
};

/* The first attach's errors, said once with what to do; -EDOM: bad SPEC. */
static int say_open_error(struct watch_run *r, int s, int cpu, int err)
{
	const struct slot *sl = &r->slots[s];
	const struct watch_spec *sp = &r->env->specs[sl->spec];
	int hw = hw_watch_slots();

	switch (-err) {
	case ENOSPC:
	case EBUSY:
		fprintf(stderr, "wpwatch watch: %s: no free hardware watchpoint on CPU %d: this "
			"CPU has %d%s, this run holds %d of them there; the others are taken "
			"(perf, gdb, a module such as watchpoint.ko)\n", sp->text, cpu, hw,
			hw < 0 ? " (unknown)" : "", s);
		break;
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
	case ENOSYS:
		fprintf(stderr, "wpwatch watch: this kernel lacks hardware breakpoint support "
			"(perf_event_open(PERF_TYPE_BREAKPOINT): %s); it needs CONFIG_PERF_EVENTS "
			"and CONFIG_HAVE_HW_BREAKPOINT\n", strerror(-err));
		break;
	case EINVAL:
		fprintf(stderr, "wpwatch watch: %s: the kernel refuses a %u-byte watchpoint at "
			"0x%llx (EINVAL): a length or alignment this architecture does not take\n",
			sp->text, sl->bp.len, sl->bp.addr);
		return -EDOM;
	case EACCES:
	case EPERM:
		fprintf(stderr, "wpwatch watch: perf_event_open: %s: needs root or CAP_PERFMON "
			"(and perf_event_paranoid)\n", strerror(-err));
		break;
	default:
		fprintf(stderr, "wpwatch watch: %s: perf_event_open on CPU %d: %s\n", sp->text,
			cpu, strerror(-err));
	}
	return err;
}

static void detach_cpu(struct watch_events *ev, int cpu)
{
	struct watch_cpu *c = &ev->cpu[cpu];
	int s;

	for (s = 0; s < ev->r->nslots; s++) {
		bpf_link__destroy(c->links[s]);	/* closes the perf event, frees its slot */
		c->links[s] = NULL;
	}
	c->attached = false;
	c->probe_fd = -1;
}

/* Every slot's event on CPU with the program on it, or none: 0 or -errno. */
static int attach_cpu(struct watch_events *ev, int cpu, bool first)
{
	struct watch_run *r = ev->r;
	struct watch_cpu *c = &ev->cpu[cpu];
	int s, fd, err;

	for (s = 0; s < r->nslots; s++) {
		LIBBPF_OPTS(bpf_perf_event_opts, popts, .bpf_cookie = s);

		fd = hwbp_open_write_timed(r->slots[s].bp.addr, r->slots[s].bp.len, cpu);
		if (fd < 0) {
			err = first ? say_open_error(r, s, cpu, fd) : fd;
			goto fail;
		}
		c->links[s] = bpf_program__attach_perf_event_opts(ev->skel->progs.watch_write_hit,
								   fd, &popts);
		if (!c->links[s]) {
			err = -errno;
			close(fd);
			if (first)
				fprintf(stderr, "wpwatch watch: cannot attach BPF to the watchpoint "
					"on CPU %d: %s\n", cpu, strerror(-err));
			goto fail;
		}
		if (s == 0)
			c->probe_fd = fd;
	}
	c->attached = true;
	if (hwbp_running_ns(c->probe_fd, &c->running))
		c->running = 0;
	return 0;
fail:
	detach_cpu(ev, cpu);
	return err;
}

/* A kernel uevent socket for CPU online/offline messages; -1 when there is none. */
static int uevent_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read the queued uevents; a CPU going offline or online gets looked at at the
 * tick rate for two looks (two readings tell a stopped event). A uevent only
 * makes us look sooner: what we do is decided by the kernel's state.
 */
static void uevent_drain(struct watch_events *ev)
{
	char buf[4096];
	ssize_t n;
	int cpu, i;

	if (ev->uevent_fd < 0)
		return;
	for (;;) {
		n = recv(ev->uevent_fd, buf, sizeof(buf) - 1, 0);
		if (n < 0 && errno == ENOBUFS) {	/* overflowed: look at every CPU */
			for (i = 0; i < ev->ncpus; i++)
				ev->cpu[i].look_soon = 2;
			continue;
		}
		if (n <= 0)
			return;
		buf[n] = '\0';
		if ((sscanf(buf, "online@/devices/system/cpu/cpu%d", &cpu) == 1 ||
		     sscanf(buf, "offline@/devices/system/cpu/cpu%d", &cpu) == 1) &&
		    cpu >= 0 && cpu < ev->ncpus)
			ev->cpu[cpu].look_soon = 2;
	}
}

int watch_open_events(struct watch_run *r, struct watch_bpf *skel, const bool *online,
		      struct watch_events **evp)
{
	static bool possible[WATCH_MAX_CPUS];
	struct watch_events *ev;
	int cpu, err;

	*evp = ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->uevent_fd = -1;
	ev->r = r;
	ev->skel = skel;
	ev->ncpus = WATCH_MAX_CPUS;
	if (cpu_list("/sys/devices/system/cpu/possible", possible, WATCH_MAX_CPUS) > 0)
		for (ev->ncpus = WATCH_MAX_CPUS; ev->ncpus > 0 && !possible[ev->ncpus - 1];)
			ev->ncpus--;
	ev->cpu = calloc(WATCH_MAX_CPUS, sizeof(*ev->cpu));
	if (!ev->cpu)
		return -ENOMEM;
	/* before attaching, so that a CPU going away meanwhile is heard of */
	ev->uevent_fd = uevent_open();
	for (cpu = 0; cpu < WATCH_MAX_CPUS; cpu++) {
		ev->cpu[cpu].probe_fd = -1;
		ev->cpu[cpu].wanted = cpu < ev->ncpus &&
				      (r->env->cpu < 0 || r->env->cpu == cpu);
		if (!online[cpu])
			continue;
		err = attach_cpu(ev, cpu, true);
		if (err)
			return err;
	}
	ev->last_tick = ev->last_look = runner_now(NULL);
	return 0;
}

/* Was CPU's watching lost since the last look? (It then is detached.) */
static bool lost_cpu(struct watch_events *ev, int cpu, const bool *online)
{
	struct watch_cpu *c = &ev->cpu[cpu];
	unsigned long long running;

	if (!online[cpu]) {
		detach_cpu(ev, cpu);
		fprintf(stderr, "wpwatch watch: CPU %d went offline: not watched until it comes "
			"back\n", cpu);
		return true;
	}
	if (hwbp_running_ns(c->probe_fd, &running) || running == c->running) {
		detach_cpu(ev, cpu);
		return true;
	}
	c->running = running;
	return false;
}

void watch_follow_cpus(struct watch_events *ev)
{
	static bool online[WATCH_MAX_CPUS];
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	double now = runner_now(NULL);
	bool look_all, have_online = false;
	int cpu, err;

	if (!ev || now - ev->last_tick < WATCH_TICK_SECS)
		return;
	ev->last_tick = now;
	uevent_drain(ev);
	look_all = now - ev->last_look >= WATCH_LOOK_SECS;
	if (look_all)
		ev->last_look = now;
	for (cpu = 0; cpu < ev->ncpus; cpu++) {
		struct watch_cpu *c = &ev->cpu[cpu];
		bool was_attached = c->attached;

		if (!c->wanted || (c->attached && !look_all && !c->look_soon))
			continue;
		if (!have_online) {
			if (watch_online_cpus(online, WATCH_MAX_CPUS) <= 0)
				return;
			have_online = true;
		}
		if (c->look_soon)
			c->look_soon--;
		if (c->attached && !lost_cpu(ev, cpu, online))
			continue;
		if (!online[cpu])
			continue;
		err = attach_cpu(ev, cpu, false);
		if (err) {
			/* ENODEV: online, but perf's own hotplug step has not run yet */
			if (err != -ENODEV && err != c->reported_err)
				fprintf(stderr, "wpwatch watch: CPU %d is online but cannot be "
					"watched: %s; trying again\n", cpu, strerror(-err));
			c->reported_err = err;
			continue;
		}
		c->reported_err = 0;
		ev->reattached++;
		fprintf(stderr, "wpwatch watch: CPU %d %s: re-attached %d hardware watchpoint%s "
			"(writes on it before this line were not seen)\n", cpu,
			was_attached ? "went offline and came back" : "is online",
			ev->r->nslots, ev->r->nslots == 1 ? "" : "s");
		/* x86's old values: the memory now, not the last value seen before the gap */
		bpf_prog_test_run_opts(bpf_program__fd(ev->skel->progs.watch_seed_old), &topts);
	}
}

void watch_close_events(struct watch_events *ev)
{
	int cpu;

	if (!ev)
		return;
	for (cpu = 0; ev->cpu && cpu < WATCH_MAX_CPUS; cpu++)
		if (ev->cpu[cpu].attached)
			detach_cpu(ev, cpu);
	if (ev->uevent_fd >= 0)
		close(ev->uevent_fd);
	free(ev->cpu);
	free(ev);
}

unsigned int watch_reattached(const struct watch_events *ev)
{
	return ev ? ev->reattached : 0;
}
