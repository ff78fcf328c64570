// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch, attaching: SPECs to addresses (kallsyms, or a loaded
 * module's .ko), addresses to aligned hardware watchpoint slots, and one
 * perf breakpoint event per slot and online CPU with the BPF program on it
 * (the attach cookie names the slot); errors to exit statuses.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "hwbp.h"
#include "ksyms.h"
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

/* The online CPUs, from /sys/devices/system/cpu/online ("0-3,5"). */
int watch_online_cpus(bool *online, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
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

int watch_open_events(struct watch_run *r, struct watch_bpf *skel, const bool *online,
		      struct bpf_link ***linksp, int *nlinks)
{
	struct bpf_link **links;
	int s, cpu, hw = hw_watch_slots();

	links = calloc((size_t)r->nslots * WATCH_MAX_CPUS, sizeof(*links));
	if (!links)
		return -ENOMEM;
	*linksp = links;
	for (s = 0; s < r->nslots; s++) {
		const struct slot *sl = &r->slots[s];
		const struct watch_spec *sp = &r->env->specs[sl->spec];

		for (cpu = 0; cpu < WATCH_MAX_CPUS; cpu++) {
			LIBBPF_OPTS(bpf_perf_event_opts, popts, .bpf_cookie = s);
			struct bpf_link *l;
			int fd, err;

			if (!online[cpu])
				continue;
			fd = hwbp_open_write(sl->bp.addr, sl->bp.len, cpu, false);
			if (fd < 0) {
				err = fd;
				switch (-err) {
				case ENOSPC:
				case EBUSY:
					fprintf(stderr, "wpwatch watch: %s: no free hardware watchpoint "
						"on CPU %d: this CPU has %d%s, this run holds %d of them "
						"there; the others are taken (perf, gdb, a module such "
						"as watchpoint.ko)\n", sp->text, cpu, hw,
						hw < 0 ? " (unknown)" : "", s);
					break;
				case ENOENT:
				case ENODEV:
				case EOPNOTSUPP:
				case ENOSYS:
					fprintf(stderr, "wpwatch watch: this kernel lacks hardware "
						"breakpoint support (perf_event_open(PERF_TYPE_BREAKPOINT): "
						"%s); it needs CONFIG_PERF_EVENTS and "
						"CONFIG_HAVE_HW_BREAKPOINT\n", strerror(-err));
					break;
				case EINVAL:
					fprintf(stderr, "wpwatch watch: %s: the kernel refuses a %u-byte "
						"watchpoint at 0x%llx (EINVAL): a length or alignment "
						"this architecture does not take\n", sp->text,
						sl->bp.len, sl->bp.addr);
					return -EDOM;
				case EACCES:
				case EPERM:
					fprintf(stderr, "wpwatch watch: perf_event_open: %s: needs root "
						"or CAP_PERFMON (and perf_event_paranoid)\n",
						strerror(-err));
					break;
				default:
					fprintf(stderr, "wpwatch watch: %s: perf_event_open on CPU %d: "
						"%s\n", sp->text, cpu, strerror(-err));
				}
				return err;
			}
			l = bpf_program__attach_perf_event_opts(skel->progs.watch_write_hit, fd,
								&popts);
			if (!l) {
				err = -errno;
				close(fd);
				fprintf(stderr, "wpwatch watch: cannot attach BPF to the watchpoint "
					"on CPU %d: %s\n", cpu, strerror(-err));
				return err;
			}
			links[(*nlinks)++] = l;
		}
	}
	return 0;
}
