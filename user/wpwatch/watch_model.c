// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch, the model: what one event says once decoded (the value
 * written, from the arm64 store instruction when the trap came before it),
 * its stack (the arm64 leaf caller put back), its frames' names (moved
 * bodies named from the core's map, user frames from usyms.c), distinct
 * stacks counted, and
 * the BPF side's per-CPU counters summed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "a64.h"
#include "bodies.h"
#include "cli.h"
#include "ksyms.h"
#include "output.h"
#include "usyms.h"
#include "watch_cmd.h"

/*
 * THREAD_SIZE, for telling a task's stack from an interrupt stack when the
 * kernel has no vmapped r->stacks (watch.bpf.c reads the size from the stack's
 * vm_struct otherwise): 16 KiB on x86_64 and arm64, twice that with generic
 * or software-tag KASAN (KASAN_STACK_ORDER, KASAN_THREAD_SHIFT), whose
 * kasan_report() is then in /proc/kallsyms.
 */
unsigned int watch_thread_size(const struct ksyms *ks)
{
	const struct ksym *cand[1];

	return ksyms__find(ks, "kasan_report", NULL, cand, 1) ? 32768 : 16384;
}

/*
 * The kernel names an address in a moved body's copy rr_arena+OFF [rerandom]:
 * name it as the body instead, from the core's bodies map (bodies.c).
 */
static bool moved_body(const struct watch_run *r, const struct ksym *s, unsigned long addr,
		       struct rr_body_sym *b)
{
	return s && s->module && !strcmp(s->name, "rr_arena") && !strcmp(s->module, "rerandom") &&
	       bodies__lookup(r->bodies, addr, b);
}

void watch_sym_parts(const struct watch_run *r, unsigned long addr, char *sym, size_t symlen,
		     const char **module, bool *moved)
{
	const struct ksym *s = ksyms__map_addr(r->ksyms, addr);
	struct rr_body_sym b;

	*moved = false;
	if (!s) {
		snprintf(sym, symlen, "[unknown]");
		*module = NULL;
		return;
	}
	if (moved_body(r, s, addr, &b)) {
		snprintf(sym, symlen, "%s+0x%lx", b.name, b.off);
		*module = b.module ? b.module : s->module;
		*moved = true;
		return;
	}
	snprintf(sym, symlen, "%s+0x%lx", s->name, addr - s->addr);
	*module = s->module;
}

void watch_func_name(const struct watch_run *r, unsigned long addr, char *buf, size_t len)
{
	const struct ksym *s = ksyms__map_addr(r->ksyms, addr);
	struct rr_body_sym b;

	if (moved_body(r, s, addr, &b))
		snprintf(buf, len, "%s [moved]", b.name);
	else
		snprintf(buf, len, "%s", s ? s->name : "[unknown]");
}

/* A user frame's function only (folded): "name", "[unknown]" or "[exited]". */
static void user_func_name(const struct watch_run *r, const struct watch_event *e,
			   unsigned long addr, char *buf, size_t len)
{
	struct usym u;

	switch (usyms__lookup(r->usyms, e->pid, watch_exec_comm(e), addr, &u)) {
	case USYM_FOUND:
		snprintf(buf, len, "%s", u.name);
		break;
	case USYM_EXITED:
		snprintf(buf, len, "[exited]");
		break;
	default:
		snprintf(buf, len, "[unknown]");
	}
}

void watch_event_values(const struct watch_run *r, const struct watch_event *e,
			struct values *v)
{
	const struct slot *s = &r->slots[e->slot];
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
int watch_nstack(const unsigned long long *st, int bytes)
{
	int n = bytes > 0 ? bytes / 8 : 0, i;

	for (i = 0; i < n; i++)
		if (!st[i])
			return i;
	return n;
}

/*
 * One key per distinct stack: folded (comm;user outer;...;user inner;kernel
 * outer;...;kernel inner, as stackcollapse-perf.pl orders them) or a frame a
 * line (kernel frames, then user frames, as bpftrace's @[kstack, ustack]).
 */
void watch_count_stack(struct watch_run *r, const struct watch_event *e)
{
	char key[8192] = "", sym[WPW_KSYM_NAME_LEN + 4200];
	const char *mod;
	bool moved;
	int i, n = watch_nstack(e->kstack, e->kstack_bytes);
	int nu = watch_nstack(e->ustack, e->ustack_bytes);

	if (r->env->format == FMT_FOLDED) {
		folded_append(key, sizeof(key), e->comm, 1);
		for (i = nu - 1; i >= 0; i--) {
			user_func_name(r, e, e->ustack[i], sym, sizeof(sym));
			folded_append(key, sizeof(key), sym, 0);
		}
		for (i = n - 1; i >= 0; i--) {
			watch_func_name(r, e->kstack[i], sym, sizeof(sym));
			folded_append(key, sizeof(key), sym, 0);
		}
	} else {
		for (i = 0; i < n; i++) {
			size_t l = strlen(key);

			watch_sym_parts(r, e->kstack[i], sym, sizeof(sym), &mod, &moved);
			snprintf(key + l, sizeof(key) - l, "\t%s%s%s%s%s\n", sym, mod ? " [" : "",
				 mod ? mod : "", mod ? "]" : "", moved ? " (moved)" : "");
		}
		for (i = 0; i < nu; i++) {
			size_t l = strlen(key);

			usym_name(r->usyms, e->pid, watch_exec_comm(e), e->ustack[i], sym, sizeof(sym));
			snprintf(key + l, sizeof(key) - l, "\t%s\n", sym);
		}
	}
	if (counter_add(r->stacks, key, 1))
		fprintf(stderr, "wpwatch watch: out of memory counting stacks\n");
}

/*
 * arm64: a leaf function keeps its return address in the link register, not
 * in a frame record, so the frame-pointer unwinder skips its caller. Put LR
 * back as the second frame when it is kernel text of another function that
 * the stack does not already name there.
 */
void watch_leaf_caller(const struct watch_run *r, struct watch_event *e)
{
	int n = e->kstack_bytes > 0 ? e->kstack_bytes / 8 : 0;
	const struct ksym *f0, *flr;
	unsigned long long lr = e->regs[30];

	if (!(e->flags & WATCH_F_BEFORE) || n < 1 || e->kstack[0] != e->ip)
		return;
	f0 = ksyms__map_addr(r->ksyms, e->ip);
	flr = ksyms__map_addr(r->ksyms, lr);
	if (!f0 || !flr || f0 == flr || (n > 1 && e->kstack[1] == lr))
		return;
	if (n == WATCH_STACK_DEPTH)
		n--;
	memmove(&e->kstack[2], &e->kstack[1], (n - 1) * sizeof(e->kstack[0]));
	e->kstack[1] = lr;
	e->kstack_bytes = (n + 1) * 8;
}

int watch_read_counters(struct bpf_map *map, struct watch_counters *sum)
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
	err = bpf_map__lookup_elem(map, &zero, sizeof(zero), pc,
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
