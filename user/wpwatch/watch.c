// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch: stream the symbolized stack of every writer of kernel memory.
 *
 * For each SPEC the collector finds the address (kallsyms, or a loaded
 * module's .ko for variables kallsyms does not list), splits the range over
 * aligned hardware watchpoint slots, opens a PERF_TYPE_BREAKPOINT write event
 * per slot on every online CPU, attaches bpf/watch.bpf.c's program to each
 * (the attach cookie names the slot), and prints the ring buffer's events as
 * text, JSON lines or folded stacks. See docs/wpwatch.md.
 */
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hwbp.h"
#include "a64.h"
#include "commands.h"
#include "ksyms.h"
#include "output.h"
#include "spec.h"
#include "../../bpf/watch.h"
#include "watch.skel.h"

/* Exit statuses (docs/wpwatch.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* anything else at run time */
	EXIT_USAGE = 2,		/* bad option or SPEC (unknown symbol, bad length/alignment) */
	EXIT_PRIV = 3,		/* not root / missing CAP_BPF + CAP_PERFMON */
	EXIT_NOSLOT = 4,	/* not enough free hardware watchpoints */
	EXIT_NOSUPPORT = 5,	/* the kernel lacks hardware breakpoints or BPF support */
};

#define MAX_SPECS WATCH_MAX_SLOTS
#define MAX_CPUS 1024
#define PIN_DIR "/sys/fs/bpf/wpwatch"

enum format { FMT_TEXT, FMT_JSON, FMT_FOLDED };

static struct env {
	pid_t pid;
	char comm[WATCH_COMM_LEN];
	int cpu;
	long duration;
	unsigned long long count;
	enum format format;
	bool summary;
	bool pin;
	bool verbose;
	bool no_ustack;
	unsigned long ringbuf_size;
	struct watch_spec specs[MAX_SPECS];
	int nspecs;
} env = {
	.cpu = -1,
	.ringbuf_size = 1UL << 20,
};

static volatile sig_atomic_t exiting;

static const char doc[] =
"Stream the symbolized stack of every writer of kernel memory, through BPF on\n"
"hardware watchpoints (perf breakpoint events) on every online CPU.\n"
"\n"
"USAGE: wpwatch watch [OPTIONS] SPEC...\n"
"  SPEC is [MODULE:]SYMBOL[+OFFSET][:LEN] or 0xADDRESS[:LEN] (LEN in bytes,\n"
"  default 8; longer ranges use several aligned hardware slots).\n"
"\n"
"EXAMPLES:\n"
"  wpwatch watch wpw_test_target             # every write to the first 8 bytes\n"
"  wpwatch watch -n 10 -f json jiffies       # 10 writes, JSON lines\n"
"  wpwatch watch wpw_test_target+8:16 -d 5   # 16 bytes (2 slots), 5 seconds\n"
"  wpwatch watch -s -f folded trampolines:32 > out.folded  # for flamegraph.pl\n"
"\n"
"EXIT STATUS: 0 ok, 1 run-time failure, 2 bad option or SPEC, 3 missing\n"
"privilege (root or CAP_BPF+CAP_PERFMON), 4 no free hardware watchpoint,\n"
"5 the kernel lacks hardware breakpoint or BPF support.";

enum { OPT_PIN = 1000, OPT_RINGBUF, OPT_NO_USTACK };

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Only writes by process PID", 0 },
	{ "comm", 'c', "COMM", 0, "Only writes by tasks named COMM", 0 },
	{ "cpu", 'C', "CPU", 0, "Watch on CPU only", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS", 0 },
	{ "count", 'n', "COUNT", 0, "Stop after COUNT events", 0 },
	{ "format", 'f', "FORMAT", 0, "text (default), json or folded", 0 },
	{ "summary", 's', NULL, 0,
	  "At the end: distinct stacks with counts, most frequent first (text: instead of "
	  "the events; json: on stderr)", 0 },
	{ "pin", OPT_PIN, NULL, 0, "Pin programs and maps under " PIN_DIR " while running", 0 },
	{ "ringbuf-size", OPT_RINGBUF, "BYTES", 0,
	  "Ring buffer size (power of two, >= page size; default 1 MiB)", 0 },
	{ "no-ustack", OPT_NO_USTACK, NULL, 0, "Do not record user stacks", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf debug output", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static void die_usage(struct argp_state *state, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wpwatch watch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	(void)state;
	exit(EXIT_USAGE);
}

static unsigned long long parse_ull(struct argp_state *state, const char *opt,
				    const char *arg, unsigned long long min,
				    unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max)
		die_usage(state, "%s takes a number from %llu to %llu, not '%s'", opt, min, max,
			  arg);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char err[256];

	switch (key) {
	case 'p':
		env.pid = parse_ull(state, "-p", arg, 1, 0x7fffffff);
		break;
	case 'c':
		if (strlen(arg) >= WATCH_COMM_LEN)
			die_usage(state, "--comm '%s' is longer than a task name (%d characters)",
				  arg, WATCH_COMM_LEN - 1);
		strcpy(env.comm, arg);
		break;
	case 'C':
		env.cpu = parse_ull(state, "-C", arg, 0, MAX_CPUS - 1);
		break;
	case 'd':
		env.duration = parse_ull(state, "-d", arg, 1, 86400 * 365);
		break;
	case 'n':
		env.count = parse_ull(state, "-n", arg, 1, ~0ULL);
		break;
	case 'f':
		if (!strcmp(arg, "text"))
			env.format = FMT_TEXT;
		else if (!strcmp(arg, "json"))
			env.format = FMT_JSON;
		else if (!strcmp(arg, "folded"))
			env.format = FMT_FOLDED;
		else
			die_usage(state, "--format takes text, json or folded, not '%s'", arg);
		break;
	case 's':
		env.summary = true;
		break;
	case OPT_PIN:
		env.pin = true;
		break;
	case OPT_RINGBUF: {
		long page = sysconf(_SC_PAGESIZE);

		env.ringbuf_size = parse_ull(state, "--ringbuf-size", arg, page, 1UL << 30);
		if (env.ringbuf_size & (env.ringbuf_size - 1))
			die_usage(state, "--ringbuf-size must be a power of two (and >= %ld), not %s",
				  page, arg);
		break;
	}
	case OPT_NO_USTACK:
		env.no_ustack = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (env.nspecs == MAX_SPECS)
			die_usage(state, "at most %d SPECs", MAX_SPECS);
		if (spec_parse(arg, &env.specs[env.nspecs], err, sizeof(err)))
			die_usage(state, "%s", err);
		env.nspecs++;
		break;
	case ARGP_KEY_END:
		if (!env.nspecs)
			die_usage(state, "no SPEC: say what to watch, e.g. 'wpwatch watch jiffies' "
				  "(--help for more)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	if (level == LIBBPF_INFO && !env.verbose)
		return 0;
	return vfprintf(stderr, format, args);
}

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

/* ---- privilege and kernel support ---------------------------------------- */

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

static int check_privilege(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return 0;	/* cannot tell: let the kernel decide */
	if (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	fprintf(stderr, "wpwatch watch: not enough privilege: needs root, or CAP_BPF and "
		"CAP_PERFMON (have CAP_BPF: %s, CAP_PERFMON: %s, CAP_SYS_ADMIN: no); run it with "
		"sudo\n", has_cap(data, CAP_BPF) ? "yes" : "no",
		has_cap(data, CAP_PERFMON) ? "yes" : "no");
	return -EPERM;
}

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
static int online_cpus(bool *online, int max)
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

/* ---- resolving SPECs ---------------------------------------------------- */

static int resolve_spec(const struct ksyms *ks, struct watch_spec *sp)
{
	const struct ksym *cand[16];
	const char *close[5];
	char why[512], mod[64];
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
		if (env.verbose)
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
	fprintf(stderr, "wpwatch watch: '%s': unknown symbol %s", sp->text, sp->symbol);
	if (sp->module[0])
		fprintf(stderr, " in module %s", sp->module);
	n = ksyms__suggest(ks, sp->symbol, close, 5);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i ? ", " : "; did you mean: ", close[i]);
	fprintf(stderr, "\n");
	if (!ksyms__has_data(ks))
		fprintf(stderr, "  this kernel's /proc/kallsyms lists functions only (no "
			"CONFIG_KALLSYMS_ALL) and %s;\n  for a vmlinux variable give its address "
			"as 0xADDRESS (System.map or the -dbg vmlinux, shifted by the KASLR offset "
			"of a listed function such as _stext)\n", why);
	return -ENOENT;
}

/* ---- slots and perf events --------------------------------------------- */

struct slot {
	struct watch_slot bp;	/* what BPF sees */
	int spec;
};

static struct slot slots[WATCH_MAX_SLOTS];
static int nslots;

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

static int plan_slots(int first_cpu)
{
	int i, hw = hw_watch_slots();
	size_t need = 0;

	for (i = 0; i < env.nspecs; i++) {
		struct watch_spec *sp = &env.specs[i];
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
		for (k = 0; k < n && nslots + k < WATCH_MAX_SLOTS; k++) {
			slots[nslots + k].bp.addr = ch[k].addr;
			slots[nslots + k].bp.len = ch[k].len;
			slots[nslots + k].bp.spec = i;
			slots[nslots + k].spec = i;
		}
		if (env.verbose)
			fprintf(stderr, "wpwatch watch: %s = 0x%lx, %lu bytes: %zu slot(s)\n",
				sp->text, sp->addr, sp->len, n);
		need += n;
		nslots += n < WATCH_MAX_SLOTS ? (int)n : WATCH_MAX_SLOTS;
	}
	if ((hw > 0 && need > (size_t)hw) || need > WATCH_MAX_SLOTS) {
		fprintf(stderr, "wpwatch watch: the SPECs need %zu hardware watchpoints (8 bytes "
			"each, aligned), but this CPU has %s%d; watch fewer or shorter ranges\n",
			need, hw > 0 ? "" : "at most ", hw > 0 ? hw : WATCH_MAX_SLOTS);
#if defined(__aarch64__)
		for (i = 0; i < env.nspecs; i++)
			if (env.specs[i].len > 8)
				fprintf(stderr, "  (this kernel refuses one watchpoint over %lu bytes: "
					"the arm64 MASK support is not in it)\n", env.specs[i].len);
#endif
		return -ENOSPC;
	}
	return 0;
}

/* ---- events --------------------------------------------------------------- */

static struct ksyms *ksyms;

/*
 * THREAD_SIZE, for telling a task's stack from an interrupt stack when the
 * kernel has no vmapped stacks (watch.bpf.c reads the size from the stack's
 * vm_struct otherwise): 16 KiB on x86_64 and arm64, twice that with generic
 * or software-tag KASAN (KASAN_STACK_ORDER, KASAN_THREAD_SHIFT), whose
 * kasan_report() is then in /proc/kallsyms.
 */
static unsigned int kernel_thread_size(const struct ksyms *ks)
{
	const struct ksym *cand[1];

	return ksyms__find(ks, "kasan_report", NULL, cand, 1) ? 32768 : 16384;
}
static struct counter *stacks;
static unsigned long long delivered, printed;

static void sym_parts(unsigned long addr, char *sym, size_t symlen, const char **module)
{
	const struct ksym *s = ksyms__map_addr(ksyms, addr);

	if (!s) {
		snprintf(sym, symlen, "[unknown]");
		*module = NULL;
		return;
	}
	snprintf(sym, symlen, "%s+0x%lx", s->name, addr - s->addr);
	*module = s->module;
}

/* New value, old value and hit address as far as they can be known. */
struct values {
	unsigned long long value, old, addr;
	bool has_value, has_old;
};

static void event_values(const struct watch_event *e, struct values *v)
{
	const struct slot *s = &slots[e->slot];
	unsigned int wlen = s->bp.len > 8 ? 8 : s->bp.len;

	v->addr = e->slot_addr;
	v->value = e->value;
	v->old = e->old;
	v->has_value = e->flags & WATCH_F_VALUE;
	v->has_old = e->flags & WATCH_F_OLD;
	if ((e->flags & WATCH_F_BEFORE) && (e->flags & WATCH_F_INSN)) {
		struct a64_regs regs;
		struct a64_store st;

		memcpy(regs.x, e->regs, sizeof(regs.x));
		regs.sp = e->regs[31];
		if (a64_decode_store(e->insn, &regs, &st)) {
			v->addr = st.addr;
			if (v->has_old && s->bp.len <= 8) {
				v->value = a64_apply_store(&st, e->slot_addr, wlen, e->old);
				v->has_value = true;
			}
		}
	}
}

/* Frames in a bpf_get_stack() result, up to the first 0 (end of a user stack). */
static int nstack_of(const unsigned long long *st, int bytes)
{
	int n = bytes > 0 ? bytes / 8 : 0, i;

	for (i = 0; i < n; i++)
		if (!st[i])
			return i;
	return n;
}

static void print_text(const struct watch_event *e, const struct values *v)
{
	char sym[256];
	const char *mod;
	int i;

	printf("%llu.%09llu %s %u/%u [%03u]%s %s 0x%llx: ", e->time_ns / 1000000000ULL,
	       e->time_ns % 1000000000ULL, e->comm, e->pid, e->tid, e->cpu,
	       e->flags & WATCH_F_TASK ? "" : " irq", env.specs[slots[e->slot].spec].text, v->addr);
	if (v->has_old)
		printf("0x%llx", v->old);
	else
		printf("?");
	printf(" -> ");
	if (v->has_value)
		printf("0x%llx\n", v->value);
	else
		printf("?\n");
	for (i = 0; i < nstack_of(e->kstack, e->kstack_bytes); i++) {
		sym_parts(e->kstack[i], sym, sizeof(sym), &mod);
		printf("\t%16llx %s%s%s%s\n", e->kstack[i], sym, mod ? " [" : "", mod ? mod : "",
		       mod ? "]" : "");
	}
	for (i = 0; i < nstack_of(e->ustack, e->ustack_bytes); i++)
		printf("\t%16llx [user]\n", e->ustack[i]);
	printf("\n");
}

static void print_json(const struct watch_event *e, const struct values *v)
{
	char sym[256];
	const char *mod;
	int i;

	printf("{\"type\":\"write\",\"time_ns\":%llu,\"cpu\":%u,\"pid\":%u,\"tid\":%u,\"comm\":",
	       e->time_ns, e->cpu, e->pid, e->tid);
	json_str(stdout, e->comm);
	printf(",\"spec\":");
	json_str(stdout, env.specs[slots[e->slot].spec].text);
	printf(",\"watched\":\"0x%llx\",\"len\":%u,\"addr\":\"0x%llx\",\"ip\":\"0x%llx\",\"sym\":",
	       e->slot_addr, slots[e->slot].bp.len, v->addr, e->ip);
	sym_parts(e->ip, sym, sizeof(sym), &mod);
	json_str(stdout, sym);
	if (v->has_value)
		printf(",\"value\":\"0x%llx\"", v->value);
	else
		printf(",\"value\":null");
	if (v->has_old)
		printf(",\"old\":\"0x%llx\"", v->old);
	printf(",\"context\":\"%s\"", e->flags & WATCH_F_TASK ? "task" : "irq");
	printf(",\"trap\":\"%s\"", e->flags & WATCH_F_BEFORE ? "before" : "after");
	printf(",\"stack\":[");
	for (i = 0; i < nstack_of(e->kstack, e->kstack_bytes); i++) {
		sym_parts(e->kstack[i], sym, sizeof(sym), &mod);
		printf("%s{\"addr\":\"0x%llx\",\"sym\":", i ? "," : "", e->kstack[i]);
		json_str(stdout, sym);
		printf(",\"module\":");
		if (mod)
			json_str(stdout, mod);
		else
			printf("null");
		printf("}");
	}
	printf("]");
	if (e->flags & WATCH_F_USER) {
		printf(",\"ustack\":[");
		for (i = 0; i < nstack_of(e->ustack, e->ustack_bytes); i++)
			printf("%s\"0x%llx\"", i ? "," : "", e->ustack[i]);
		printf("]");
	}
	printf("}\n");
}

/* One key per distinct stack: folded (comm;outer;...;inner) or a frame a line. */
static void count_stack(const struct watch_event *e)
{
	char key[8192] = "", sym[256];
	const char *mod;
	int i, n = nstack_of(e->kstack, e->kstack_bytes);

	if (env.format == FMT_FOLDED) {
		folded_append(key, sizeof(key), e->comm, 1);
		for (i = n - 1; i >= 0; i--) {
			const struct ksym *s = ksyms__map_addr(ksyms, e->kstack[i]);

			folded_append(key, sizeof(key), s ? s->name : "[unknown]", 0);
		}
	} else {
		for (i = 0; i < n; i++) {
			size_t l = strlen(key);

			sym_parts(e->kstack[i], sym, sizeof(sym), &mod);
			snprintf(key + l, sizeof(key) - l, "\t%s%s%s%s\n", sym, mod ? " [" : "",
				 mod ? mod : "", mod ? "]" : "");
		}
	}
	if (counter_add(stacks, key, 1))
		fprintf(stderr, "wpwatch watch: out of memory counting stacks\n");
}

/*
 * arm64: a leaf function keeps its return address in the link register, not
 * in a frame record, so the frame-pointer unwinder skips its caller. Put LR
 * back as the second frame when it is kernel text of another function that
 * the stack does not already name there.
 */
static void arm64_leaf_caller(struct watch_event *e)
{
	int n = e->kstack_bytes > 0 ? e->kstack_bytes / 8 : 0;
	const struct ksym *f0, *flr;
	unsigned long long lr = e->regs[30];

	if (!(e->flags & WATCH_F_BEFORE) || n < 1 || e->kstack[0] != e->ip)
		return;
	f0 = ksyms__map_addr(ksyms, e->ip);
	flr = ksyms__map_addr(ksyms, lr);
	if (!f0 || !flr || f0 == flr || (n > 1 && e->kstack[1] == lr))
		return;
	if (n == WATCH_STACK_DEPTH)
		n--;
	memmove(&e->kstack[2], &e->kstack[1], (n - 1) * sizeof(e->kstack[0]));
	e->kstack[1] = lr;
	e->kstack_bytes = (n + 1) * 8;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	static struct watch_event ev;
	const struct watch_event *e = &ev;
	struct values v;

	(void)ctx;
	if (size < sizeof(ev) || ((struct watch_event *)data)->slot >= (unsigned int)nslots)
		return 0;
	memcpy(&ev, data, sizeof(ev));
	arm64_leaf_caller(&ev);
	delivered++;
	/* After -n COUNT, the rest is drained and counted, not shown. */
	if (env.count && printed >= env.count)
		return 0;
	printed++;
	event_values(e, &v);
	if (env.format == FMT_FOLDED || env.summary)
		count_stack(e);
	if (env.format == FMT_TEXT && !env.summary)
		print_text(e, &v);
	else if (env.format == FMT_JSON)
		print_json(e, &v);
	if (env.format != FMT_FOLDED)
		fflush(stdout);
	if (env.count && printed >= env.count)
		exiting = 1;
	return 0;
}

static int read_counters(struct watch_bpf *skel, struct watch_counters *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i, err;
	struct watch_counters *pc;
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return ncpu;
	pc = calloc(ncpu, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	err = bpf_map__lookup_elem(skel->maps.watch_counters, &zero, sizeof(zero), pc,
				   ncpu * sizeof(*pc), 0);
	for (i = 0; !err && i < ncpu; i++) {
		sum->hits += pc[i].hits;
		sum->lost += pc[i].lost;
		sum->filtered += pc[i].filtered;
		sum->retraps += pc[i].retraps;
	}
	free(pc);
	return err;
}

static void print_end(const struct watch_counters *c)
{
	const struct counter_entry *ent = counter_sorted(stacks);
	size_t i, n = counter_size(stacks);

	if (env.format == FMT_FOLDED) {
		for (i = 0; i < n; i++)
			printf("%s %llu\n", ent[i].key, (unsigned long long)ent[i].count);
	} else if (env.summary) {
		FILE *f = env.format == FMT_JSON ? stderr : stdout;

		for (i = 0; i < n; i++)
			fprintf(f, "@[\n%s]: %llu\n\n", ent[i].key,
				(unsigned long long)ent[i].count);
	}
	if (env.format == FMT_JSON) {
		printf("{\"type\":\"summary\",\"hits\":%llu,\"delivered\":%llu,\"lost\":%llu,"
		       "\"filtered\":%llu,\"retraps\":%llu,\"printed\":%llu}\n", c->hits, delivered,
		       c->lost, c->filtered, c->retraps, printed);
	} else if (env.summary) {
		printf("hits %llu, delivered %llu, lost %llu, filtered %llu, retraps %llu\n",
		       c->hits, delivered, c->lost, c->filtered, c->retraps);
	}
	fflush(stdout);
	fprintf(stderr, "wpwatch watch: %llu hits, %llu delivered, %llu lost, %llu retraps%s\n",
		c->hits, delivered, c->lost, c->retraps,
		c->hits == delivered + c->lost ? "" : " (MISMATCH: hits != delivered + lost)");
}

/* ---- pinning ------------------------------------------------------------ */

static void unpin_all(struct watch_bpf *skel)
{
	struct bpf_map *map;
	char path[256];

	bpf_object__for_each_map(map, skel->obj) {
		snprintf(path, sizeof(path), PIN_DIR "/%s", bpf_map__name(map));
		unlink(path);
	}
	unlink(PIN_DIR "/watch_write_hit");
	rmdir(PIN_DIR);
}

static int pin_all(struct watch_bpf *skel)
{
	struct bpf_map *map;
	char path[256];
	int err;

	unpin_all(skel);	/* leftovers of a run that was killed */
	if (mkdir(PIN_DIR, 0700) && errno != EEXIST)
		return -errno;
	bpf_object__for_each_map(map, skel->obj) {
		const char *name = bpf_map__name(map);

		if (strchr(name, '.'))	/* .rodata, .bss: not ours to name */
			continue;
		snprintf(path, sizeof(path), PIN_DIR "/%s", name);
		err = bpf_map__pin(map, path);
		if (err)
			return err;
	}
	return bpf_program__pin(skel->progs.watch_write_hit, PIN_DIR "/watch_write_hit");
}

/* ---- main ----------------------------------------------------------------- */

static int errno_status(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return EXIT_PRIV;
	case ENOSPC:
	case EBUSY:
		return EXIT_NOSLOT;
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
	case ENOSYS:
		return EXIT_NOSUPPORT;
	default:
		return EXIT_FAIL;
	}
}

static int open_events(struct watch_bpf *skel, bool *online, struct bpf_link ***linksp,
		       int *nlinks)
{
	struct bpf_link **links;
	int s, cpu, hw = hw_watch_slots();

	links = calloc((size_t)nslots * MAX_CPUS, sizeof(*links));
	if (!links)
		return -ENOMEM;
	*linksp = links;
	for (s = 0; s < nslots; s++) {
		const struct slot *sl = &slots[s];
		const struct watch_spec *sp = &env.specs[sl->spec];

		for (cpu = 0; cpu < MAX_CPUS; cpu++) {
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

int cmd_watch(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "SPEC...", doc, NULL, NULL, NULL };
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct watch_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct bpf_link **links = NULL;
	struct watch_counters cnt;
	bool online[MAX_CPUS];
	int nlinks = 0, ncpus, i, err, status = EXIT_FAIL;
	struct timespec start, now;

	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return EXIT_USAGE;
	libbpf_set_print(libbpf_print_fn);

	if (check_privilege())
		return EXIT_PRIV;
	if (access("/sys/bus/event_source/devices/breakpoint", F_OK)) {
		fprintf(stderr, "wpwatch watch: this kernel lacks hardware breakpoint support (no "
			"/sys/bus/event_source/devices/breakpoint): it needs CONFIG_PERF_EVENTS and "
			"CONFIG_HAVE_HW_BREAKPOINT\n");
		return EXIT_NOSUPPORT;
	}
	ksyms = ksyms__load(NULL);
	if (!ksyms) {
		fprintf(stderr, "wpwatch watch: cannot read /proc/kallsyms: %s\n", strerror(errno));
		return errno == EACCES ? EXIT_PRIV : EXIT_FAIL;
	}
	if (ksyms__addrs_hidden(ksyms)) {
		fprintf(stderr, "wpwatch watch: /proc/kallsyms shows no addresses "
			"(kernel.kptr_restrict): run as root\n");
		status = EXIT_PRIV;
		goto cleanup;
	}
	for (i = 0; i < env.nspecs; i++) {
		err = resolve_spec(ksyms, &env.specs[i]);
		if (err) {
			status = err == -EACCES ? EXIT_PRIV : EXIT_USAGE;
			goto cleanup;
		}
	}
	ncpus = online_cpus(online, MAX_CPUS);
	if (ncpus <= 0) {
		fprintf(stderr, "wpwatch watch: cannot read the online CPUs\n");
		goto cleanup;
	}
	if (env.cpu >= 0) {
		if (!online[env.cpu]) {
			fprintf(stderr, "wpwatch watch: CPU %d is not online\n", env.cpu);
			status = EXIT_USAGE;
			goto cleanup;
		}
		memset(online, 0, sizeof(online));
		online[env.cpu] = true;
		ncpus = 1;
	}
	for (i = 0; i < MAX_CPUS && !online[i]; i++)
		;
	err = plan_slots(i);
	if (err) {
		status = EXIT_NOSLOT;
		goto cleanup;
	}
	stacks = counter_new();
	if (!stacks)
		goto cleanup;

	skel = watch_bpf__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "wpwatch watch: cannot open the BPF object: %s\n", strerror(errno));
		status = errno_status(err);
		goto cleanup;
	}
	skel->rodata->targ_tgid = env.pid;
	memcpy((char *)skel->rodata->targ_comm, env.comm, sizeof(env.comm));
	skel->rodata->nr_slots = nslots;
	skel->rodata->user_stacks = !env.no_ustack;
	skel->rodata->thread_size = kernel_thread_size(ksyms);
	bpf_map__set_max_entries(skel->maps.watch_events, env.ringbuf_size);
	err = watch_bpf__load(skel);
	if (err) {
		fprintf(stderr, "wpwatch watch: cannot load the BPF programs: %s%s\n", strerror(-err),
			err == -EPERM ? " (needs root or CAP_BPF + CAP_PERFMON)" : " (-v shows why)");
		status = err == -EPERM ? EXIT_PRIV : EXIT_NOSUPPORT;
		goto cleanup;
	}
	for (i = 0; i < nslots; i++) {
		__u32 key = i;

		err = bpf_map__update_elem(skel->maps.watch_slots, &key, sizeof(key), &slots[i].bp,
					   sizeof(slots[i].bp), BPF_ANY);
		if (err) {
			fprintf(stderr, "wpwatch watch: cannot fill watch_slots: %s\n",
				strerror(-err));
			goto cleanup;
		}
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.watch_seed_old), &topts);
	if (err && env.verbose)
		fprintf(stderr, "wpwatch watch: no first old value (seed program: %s)\n",
			strerror(errno));
	if (env.pin) {
		err = pin_all(skel);
		if (err) {
			fprintf(stderr, "wpwatch watch: cannot pin under %s: %s (is bpffs mounted on "
				"/sys/fs/bpf?)\n", PIN_DIR, strerror(-err));
			goto cleanup;
		}
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.watch_events), handle_event, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "wpwatch watch: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	err = open_events(skel, online, &links, &nlinks);
	if (err) {
		status = err == -EDOM ? EXIT_USAGE : errno_status(err);
		goto cleanup;
	}
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);

	fprintf(stderr, "wpwatch watch: tracing writes to");
	for (i = 0; i < env.nspecs; i++)
		fprintf(stderr, "%s %s (0x%lx, %lu bytes)", i ? "," : "", env.specs[i].text,
			env.specs[i].addr, env.specs[i].len);
	fprintf(stderr, " with %d hardware watchpoint%s on %d CPU%s%s; Ctrl-C to stop\n",
		nslots, nslots == 1 ? "" : "s", ncpus, ncpus == 1 ? "" : "s",
		env.pin ? ", pinned under " PIN_DIR : "");

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!exiting) {
		err = ring_buffer__poll(rb, 100);
		if (err == -EINTR)
			break;
		if (err < 0) {
			fprintf(stderr, "wpwatch watch: ring buffer: %s\n", strerror(-err));
			goto cleanup;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (env.duration && now.tv_sec - start.tv_sec +
		    (now.tv_nsec - start.tv_nsec) / 1e9 >= env.duration)
			break;
	}
	/* Detach first, then drain: every hit is then either delivered or lost. */
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	nlinks = 0;
	ring_buffer__consume(rb);
	if (read_counters(skel, &cnt)) {
		fprintf(stderr, "wpwatch watch: cannot read the counters\n");
		goto cleanup;
	}
	print_end(&cnt);
	status = cnt.hits == delivered + cnt.lost ? EXIT_OK : EXIT_FAIL;
cleanup:
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	free(links);
	ring_buffer__free(rb);
	if (skel && env.pin)
		unpin_all(skel);
	watch_bpf__destroy(skel);
	counter_free(stacks);
	ksyms__free(ksyms);
	return status;
}
