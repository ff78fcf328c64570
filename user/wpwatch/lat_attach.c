// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch lat, attaching: the probe flavour chosen once, up front (the
 * core's tracepoints when it has them, else fentry when a test program
 * attaches, as libbpf-tools' fentry_can_attach() decides, else kprobes),
 * then the programs of that flavour picked from one table and attached.
 * The kprobe and fentry flavours also turn on the core's call hooks (its
 * call_hooks parameter): without them trampolines pause inline and never
 * call add_pause_list()/remove_pause_list(), which those flavours probe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "ksyms.h"
#include "rr_steps.h"
#include "lat_cmd.h"
#include "lat.skel.h"

/*
 * The programs of each flavour (bpf/lat.bpf.c), entry probes first: a row
 * needs SYM in /proc/kallsyms; an optional one (the pass, a step) is left
 * out without it. Tracepoints time a call with two programs (the core
 * hands the wait's start to rerandom_call_body), kprobes with three. The pause list is probed by kprobes in the fentry flavour
 * too: only pt_regs carry the stack pointer and return address that pair
 * and name its calls.
 */
enum { F_TP, F_FENTRY, F_KPROBE, NR_FLAVOURS };

static const struct probe_row {
	const char *sym;
	const char *prog[NR_FLAVOURS];
	bool optional;
} probe_rows[] = {
#define TP_ROW(prog, name) { "__traceiter_rerandom_" name, { [F_TP] = prog }, false },
	TP_ROW("tp_call_body", "call_body")
	TP_ROW("tp_call_exit", "call_exit")
	TP_ROW("tp_pass_begin", "pass_begin")
	TP_ROW("tp_pass_end", "pass_end")
	TP_ROW("tp_step_begin", "step_begin")
	TP_ROW("tp_step_end", "step_end")
#undef TP_ROW
#define KP_ROW(sym, kp, fe, opt) { sym, { [F_FENTRY] = fe, [F_KPROBE] = kp }, opt },
	KP_ROW("add_pause_list", "kp_add_pause_list", "kp_add_pause_list", false)
	KP_ROW("add_pause_list", "krp_add_pause_list", "krp_add_pause_list", false)
	KP_ROW("remove_pause_list", "kp_remove_pause_list", "kp_remove_pause_list", false)
	KP_ROW("rerandom_pass", "kp_pass", "fe_pass", true)
	KP_ROW("rerandom_pass", "krp_pass", "fx_pass", true)
#define STEP_ROWS(id, name)							\
	KP_ROW("rerandom_step_" #name, "kp_step_" #name, "fe_step_" #name, true)	\
	KP_ROW("rerandom_step_" #name, "krp_step_" #name, "fx_step_" #name, true)
	RR_STEPS(STEP_ROWS)
#undef STEP_ROWS
#undef KP_ROW
};

#define NR_ROWS (sizeof(probe_rows) / sizeof(probe_rows[0]))

struct lat_links {
	struct bpf_program *prog[NR_ROWS];	/* NULL: not used */
	struct bpf_link *link[NR_ROWS];
	char hooks_path[128];	/* the core's call_hooks, set by us: "" if not */
};

/* the core module's name, from lat_choose_probe() */
static const char *core_mod;

/*
 * Turn the core's call hooks on for the kprobe and fentry flavours (after
 * their programs are attached, so that no call runs add_pause_list() while a
 * kprobe on it is armed), unless they are on already; l->hooks_path says
 * whether lat_detach() must turn them off again. A core without the
 * parameter calls add_pause_list() on every call: nothing to do.
 */
static int hooks_on(struct lat_links *l)
{
	char path[128], cur = '0';
	FILE *f;

	if (env.probe == PROBE_TP)
		return 0;
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/call_hooks",
		 core_mod ? core_mod : "rerandom");
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fread(&cur, 1, 1, f) != 1)
		cur = '0';
	fclose(f);
	if (cur == 'Y' || cur == '1')
		return 0;
	f = fopen(path, "w");
	if (!f || fputs("1\n", f) < 0 || fclose(f)) {
		fprintf(stderr, "wpwatch lat: cannot turn on %s (%s): the %s flavour "
			"would see no call\n", path, strerror(errno), env.probe == PROBE_KPROBE ?
			"kprobe" : "fentry");
		return WPW_EXIT_FAIL;
	}
	snprintf(l->hooks_path, sizeof(l->hooks_path), "%s", path);
	return 0;
}

static void hooks_off(struct lat_links *l)
{
	FILE *f;

	if (!l->hooks_path[0])
		return;
	f = fopen(l->hooks_path, "w");
	if (!f || fputs("0\n", f) < 0 || fclose(f))
		fprintf(stderr, "wpwatch lat: cannot turn off %s: %s (every trampolined "
			"call stays on its traced path until it is)\n", l->hooks_path,
			strerror(errno));
	l->hooks_path[0] = 0;
}

static int flavour(void)
{
	return env.probe == PROBE_TP ? F_TP : env.probe == PROBE_FENTRY ? F_FENTRY : F_KPROBE;
}

const char *lat_probe_name(enum lat_probe p)
{
	return p == PROBE_TP ? "tracepoint" : p == PROBE_FENTRY ? "fentry" : "kprobe";
}

static bool kprobes_available(void)
{
	return !access("/sys/bus/event_source/devices/kprobe/type", F_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", F_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", F_OK);
}

/* The fd of module MOD's BTF object in the kernel, or -1. */
static int module_btf_fd(const char *mod)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = {};
		__u32 len = sizeof(info);
		char name[64] = "";
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		info.name = (unsigned long)name;
		info.name_len = sizeof(name);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(name, mod))
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * Can an fentry program attach to FUNC of module MOD? Load the smallest one
 * (return 0) against FUNC's BTF id and attach it, as libbpf-tools'
 * fentry_can_attach() does: arm64 6.1 has BTF but no BPF trampolines.
 */
static bool fentry_can_attach(const char *func, const char *mod)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct btf *vmlinux, *btf;
	int id, obj_fd = -1, prog_fd, link_fd;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return false;
	btf = mod ? btf__load_module_btf(mod, vmlinux) : vmlinux;
	id = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -1;
	if (btf != vmlinux)
		btf__free(btf);
	btf__free(vmlinux);
	if (id <= 0 || (mod && (obj_fd = module_btf_fd(mod)) < 0))
		return false;
	{
		LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
			    .attach_btf_id = id, .attach_btf_obj_fd = obj_fd > 0 ? obj_fd : 0);

		prog_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "wpw_fentry_test", "GPL", insns,
					sizeof(insns) / sizeof(insns[0]), &opts);
	}
	if (obj_fd >= 0)
		close(obj_fd);
	if (prog_fd < 0)
		return false;
	link_fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	if (link_fd >= 0)
		close(link_fd);
	close(prog_fd);
	return link_fd >= 0;
}

int lat_choose_probe(const struct ksyms *ks, const char *mod)
{
	bool have_tp = lat_have_sym(ks, "__traceiter_rerandom_call_enter", NULL);
	char btf_path[256];

	core_mod = mod;
	/* fentry needs the module's BTF, which Debian's modules lack */
	snprintf(btf_path, sizeof(btf_path), "/sys/kernel/btf/%s", mod ? mod : "vmlinux");
	if (env.probe == PROBE_FENTRY && access(btf_path, R_OK)) {
		fprintf(stderr, "wpwatch lat: --probe fentry: module %s has no BTF (%s "
			"missing; Debian builds modules without it): use --probe kprobe\n",
			mod ? mod : "vmlinux", btf_path);
		return WPW_EXIT_NO_SUPPORT;
	}
	if (env.probe == PROBE_FENTRY && !fentry_can_attach("rerandom_pass", mod)) {
		fprintf(stderr, "wpwatch lat: --probe fentry: this kernel cannot attach fentry "
			"programs to rerandom_pass (no BPF trampolines on arm64 6.1): use --probe "
			"kprobe\n");
		return WPW_EXIT_NO_SUPPORT;
	}
	if (env.probe == PROBE_TP && !have_tp) {
		fprintf(stderr, "wpwatch lat: --probe tracepoint: this rerandom.ko has no "
			"tracepoints (__traceiter_rerandom_call_enter is not in /proc/kallsyms): "
			"rebuild the core, or use --probe kprobe\n");
		return WPW_EXIT_NO_SUPPORT;
	}
	if (env.probe == PROBE_AUTO)
		env.probe = have_tp ? PROBE_TP :
			    !access(btf_path, R_OK) && fentry_can_attach("rerandom_pass", mod) ?
			    PROBE_FENTRY : PROBE_KPROBE;
	if (env.probe != PROBE_TP && !kprobes_available()) {
		fprintf(stderr, "wpwatch lat: this kernel has no kprobes (CONFIG_KPROBES, "
			"CONFIG_KPROBE_EVENTS): nothing to attach to\n");
		return WPW_EXIT_NO_SUPPORT;
	}
#ifdef __x86_64__
	if (env.probe == PROBE_KPROBE && have_tp)
		fprintf(stderr, "wpwatch lat: warning: on x86_64, attaching or detaching "
			"kprobes on add_pause_list/remove_pause_list while they are called can "
			"crash the kernel (docs/latency.md); --probe tracepoint does not\n");
#endif
	return 0;
}

struct lat_links *lat_select_programs(struct lat_bpf *skel, const struct ksyms *ks)
{
	struct lat_links *l = calloc(1, sizeof(*l));
	struct bpf_program *prog;
	size_t i;

	if (!l)
		return NULL;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < NR_ROWS; i++) {
		const struct probe_row *row = &probe_rows[i];
		const char *name = row->prog[flavour()];

		if (!name)
			continue;
		if (!lat_have_sym(ks, row->sym, NULL)) {
			fprintf(stderr, "wpwatch lat: %s not found in the core: not timed\n",
				row->sym);
			continue;
		}
		prog = bpf_object__find_program_by_name(skel->obj, name);
		if (!prog)
			continue;
		bpf_program__set_autoload(prog, true);
		l->prog[i] = prog;
	}
	return l;
}

int lat_attach(struct lat_links *l)
{
	int i, err;

	/* exits before entries (the table has each entry first), so that no
	 * entry is seen whose exit is not probed yet */
	for (i = NR_ROWS - 1; i >= 0; i--) {
		if (!l->prog[i])
			continue;
		l->link[i] = bpf_program__attach(l->prog[i]);
		if (!l->link[i]) {
			err = -errno;
			fprintf(stderr, "wpwatch lat: attaching %s to %s: %s\n",
				bpf_program__name(l->prog[i]), probe_rows[i].sym, strerror(-err));
			return err == -ENOENT && !kprobes_available() ? WPW_EXIT_NO_SUPPORT :
			       WPW_EXIT_FAIL;
		}
	}
	return hooks_on(l);
}

void lat_detach(struct lat_links *l)
{
	size_t i;

	if (l)
		hooks_off(l);
	for (i = 0; l && i < NR_ROWS; i++) {
		bpf_link__destroy(l->link[i]);
		l->link[i] = NULL;
	}
}
