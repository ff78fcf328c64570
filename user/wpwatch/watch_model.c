// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch, the model: what one event says once decoded (the value
 * written, from the arm64 store instruction when the trap came before it),
 * its stacks (frames read once per stack id from the stack map, the arm64
 * leaf caller put back), each frame's symbol (watch_frame_sym(), the one
 * place a frame is symbolized: moved bodies named from the core's map, user
 * frames from watch_usyms.c), an event's stacks decoded for the output
 * (struct watch_decoded, named only when the output keeps no rendering of
 * them), distinct stacks counted (from the kernel's
 * counts map, or tallied by stack id while streaming), and the BPF side's
 * per-CPU counters summed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "watch_a64.h"
#include "watch_bodies.h"
#include "cli.h"
#include "ksyms.h"
#include "output.h"
#include "watch_usyms.h"
#include "watch_cmd.h"

/*
 * THREAD_SIZE, for telling a task's stack from an interrupt stack when the
 * kernel has no vmapped stacks (watch.bpf.c reads the size from the stack's
 * vm_struct otherwise): 16 KiB on x86_64 and arm64, twice that with generic
 * or software-tag KASAN (KASAN_STACK_ORDER, KASAN_THREAD_SHIFT), whose
 * kasan_report() is then in /proc/kallsyms.
 */
unsigned int watch_thread_size(const struct ksyms *ks)
{
	const struct ksym *cand[1];

	return ksyms__find(ks, "kasan_report", NULL, cand, 1) ? 32768 : 16384;
}

/* A user frame of process PID: watch_usyms.c's answer, from PID's mappings. */
static void user_frame_sym(const struct watch_run *r, unsigned long long addr, int pid,
			   const char *comm, struct frame_name *f)
{
	char c[WATCH_COMM_LEN + 1] = "";
	struct usym u;

	if (comm) {
		memcpy(c, comm, WATCH_COMM_LEN);
		c[WATCH_COMM_LEN] = '\0';
	}
	switch (usyms__lookup(r->usyms, pid, c[0] ? c : NULL, addr, &u)) {
	case USYM_FOUND:
		snprintf(f->sym, sizeof(f->sym), "%s", u.name);
		f->func_len = strlen(f->sym);
		snprintf(f->sym + f->func_len, sizeof(f->sym) - f->func_len, "+0x%lx", u.off);
		f->known = true;
		f->module = u.obj;
		break;
	case USYM_NOSYM:
		f->module = u.obj;
		break;
	case USYM_EXITED:
		snprintf(f->sym, sizeof(f->sym), "[exited]");
		f->func_len = strlen(f->sym);
		f->exited = true;
		break;
	default:
		break;
	}
}

/*
 * The one place a frame gets its name (struct frame_name in watch_cmd.h).
 * The kernel names an address in a moved body's copy rr_arena+OFF
 * [rerandom]: it is named as the body instead, from the core's bodies map
 * (watch_bodies.c, read again once per event by the dispatcher, watch.c).
 */
void watch_frame_sym(const struct watch_run *r, unsigned long long addr, int pid,
		     const char *comm, struct frame_name *f)
{
	const struct ksym *s;
	struct rr_body_sym b;

	snprintf(f->sym, sizeof(f->sym), "[unknown]");
	f->func_len = strlen(f->sym);
	f->module = NULL;
	f->known = f->moved = f->changing = f->exited = false;
	if (pid >= 0) {
		user_frame_sym(r, addr, pid, comm, f);
		return;
	}
	s = ksyms__map_addr(r->ksyms, addr);
	/*
	 * The core's arena: rr_arena in kallsyms, or no symbol at all beyond
	 * the first MiB of it (ksyms names no address that far past a symbol,
	 * and the arena is 32 MiB). The core's bodies map names the copy.
	 */
	if (!s || (s->module && !strcmp(s->name, "rr_arena") && !strcmp(s->module, "rerandom"))) {
		if (s)
			f->changing = true;
		if (r->bodies && bodies__lookup(r->bodies, addr, &b)) {
			snprintf(f->sym, sizeof(f->sym), "%s", b.name);
			f->func_len = strlen(f->sym);
			snprintf(f->sym + f->func_len, sizeof(f->sym) - f->func_len, "+0x%lx",
				 b.off);
			f->module = b.module ? b.module : "rerandom";
			f->known = f->moved = f->changing = true;
			return;
		}
	}
	if (!s)
		return;
	f->known = true;
	f->module = s->module;
	snprintf(f->sym, sizeof(f->sym), "%s", s->name);
	f->func_len = strlen(f->sym);
	snprintf(f->sym + f->func_len, sizeof(f->sym) - f->func_len, "+0x%llx", addr - s->addr);
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

/* The frames of stack ID from the stack map, read once and kept. */
static const struct stack_frames *frames_by_id(struct watch_run *r, int id)
{
	unsigned long long raw[WATCH_STACK_DEPTH];
	struct stack_frames *st;
	uint64_t *slot;
	bool created;

	slot = kmap_get(r->frames, &id, true, &created);
	if (!slot)
		return NULL;
	if (!created)
		return (const struct stack_frames *)(uintptr_t)*slot;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	if (bpf_map_lookup_elem(r->stacks_fd, &id, raw))
		memset(raw, 0, sizeof(raw));	/* shown as an empty stack */
	st->n = watch_nstack(raw, sizeof(raw));
	memcpy(st->ip, raw, st->n * sizeof(raw[0]));
	*slot = (uintptr_t)st;
	return st;
}

/*
 * The kernel (USER false) or user stack of REC, delivered in SIZE bytes:
 * from the stack map by id, or inline in the record. 0, or -ENOMEM.
 */
static int watch_stack_get(struct watch_run *r, const struct watch_record *rec, bool user,
			   struct stack_frames *out)
{
	int id = user ? rec->e.ustack_id : rec->e.kstack_id;
	int bytes = user ? rec->e.ustack_bytes : rec->e.kstack_bytes;
	const struct stack_frames *st;

	out->n = 0;
	if (id == WATCH_NO_STACK)
		return 0;
	if (id >= 0) {
		st = frames_by_id(r, id);
		if (!st)
			return -ENOMEM;
		out->n = st->n;
		memcpy(out->ip, st->ip, st->n * sizeof(st->ip[0]));
		return 0;
	}
	out->n = watch_nstack(user ? rec->ustack : rec->kstack, bytes);
	memcpy(out->ip, user ? rec->ustack : rec->kstack, out->n * sizeof(out->ip[0]));
	return 0;
}

/*
 * arm64: a leaf function keeps its return address in the link register, not
 * in a frame record, so the frame-pointer unwinder skips its caller. Put LR
 * back as the second frame when it is kernel text of another function that
 * the stack does not already name there. True when it did.
 */
static bool watch_leaf_caller(const struct watch_run *r, struct stack_frames *st,
			      unsigned long long ip, unsigned long long lr)
{
	const struct ksym *f0, *flr;
	int n = st->n;

	if (n < 1 || st->ip[0] != ip)
		return false;
	f0 = ksyms__map_addr(r->ksyms, ip);
	flr = ksyms__map_addr(r->ksyms, lr);
	if (!f0 || !flr || f0 == flr || (n > 1 && st->ip[1] == lr))
		return false;
	if (n == WATCH_STACK_DEPTH)
		n--;
	memmove(&st->ip[2], &st->ip[1], (n - 1) * sizeof(st->ip[0]));
	st->ip[1] = lr;
	st->n = n + 1;
	return true;
}

/*
 * REC's kernel (USER false) or user stack (no frames when it has none or
 * out of memory), the arm64 leaf caller put back, and the key the output
 * keeps its rendering under (a stack by id; a user stack per process, whose
 * mappings name it). Nothing named.
 */
void watch_decode_stack(struct watch_run *r, const struct watch_record *rec, bool user,
			struct watch_dstack *d)
{
	const struct watch_event *e = &rec->e;
	int id = user ? e->ustack_id : e->kstack_id;

	d->done = NULL;
	memset(&d->key, 0, sizeof(d->key));
	d->key.id = id;
	d->key.kind = user ? WATCH_R_USTACK : WATCH_R_KSTACK;
	d->cache = id >= 0;
	d->shown = !watch_stack_get(r, rec, user, &d->st) && id != WATCH_NO_STACK;
	if (!d->shown)
		return;
	if (user)
		d->key.pid = e->pid;
	else if ((e->flags & WATCH_F_BEFORE) && watch_leaf_caller(r, &d->st, e->ip, e->regs[30]))
		d->key.a = e->regs[30];
}

void watch_name_stack(const struct watch_run *r, const struct watch_event *e, bool user,
		      struct watch_dstack *d)
{
	int i;

	for (i = 0; i < d->st.n; i++)
		watch_frame_sym(r, d->st.ip[i], user ? (int)e->pid : -1,
				user ? watch_exec_comm(e) : NULL, &d->name[i]);
}

/* Append "\tTEXT\n"-style frame lines or folded names to KEY. */
static void key_cat(char *key, size_t size, const char *a, const char *b, const char *c,
		    const char *d, const char *e)
{
	size_t l = strlen(key);

	snprintf(key + l, size - l, "%s%s%s%s%s", a, b, c, d, e);
}

/*
 * One key per distinct stack: folded (comm;user outer;...;user inner;kernel
 * outer;...;kernel inner, as stackcollapse-perf.pl orders them) or a frame a
 * line (kernel frames, then user frames of process PID, as bpftrace's
 * @[kstack, ustack]).
 */
static int add_counted(struct watch_run *r, const struct stack_frames *kst,
		       const struct stack_frames *ust, int pid, const char *comm,
		       unsigned long long n)
{
	static struct frame_name f;
	char key[8192] = "", c[WATCH_COMM_LEN + 1], name[sizeof(f.sym) + 8];
	int i;

	memcpy(c, comm, WATCH_COMM_LEN);
	c[WATCH_COMM_LEN] = '\0';
	if (r->env->format == FMT_FOLDED) {
		folded_append(key, sizeof(key), c, 1);
		for (i = ust->n - 1; i >= 0; i--) {
			watch_frame_sym(r, ust->ip[i], pid, NULL, &f);
			snprintf(name, sizeof(name), "%.*s", (int)f.func_len, f.sym);
			folded_append(key, sizeof(key), name, 0);
		}
		for (i = kst->n - 1; i >= 0; i--) {
			watch_frame_sym(r, kst->ip[i], -1, NULL, &f);
			snprintf(name, sizeof(name), "%.*s%s", (int)f.func_len, f.sym,
				 f.moved ? " [moved]" : "");
			folded_append(key, sizeof(key), name, 0);
		}
	} else {
		for (i = 0; i < kst->n; i++) {
			watch_frame_sym(r, kst->ip[i], -1, NULL, &f);
			key_cat(key, sizeof(key), "\t", f.sym, f.module ? " [" : "",
				f.module ? f.module : "", f.module ? "]" : "");
			key_cat(key, sizeof(key), f.moved ? " (moved)" : "", "\n", "", "", "");
		}
		for (i = 0; i < ust->n; i++) {
			watch_frame_sym(r, ust->ip[i], pid, NULL, &f);
			key_cat(key, sizeof(key), "\t", f.sym, f.module ? " (" : "",
				f.module ? f.module : "", f.module ? ")\n" : "\n");
		}
	}
	r->counted += n;
	if (counter_add(r->stacks, key, n)) {
		fprintf(stderr, "wpwatch watch: out of memory counting stacks\n");
		return -ENOMEM;
	}
	return 0;
}

int watch_key_stacks(struct watch_run *r, const struct watch_count_key *k,
		     struct stack_frames *kst, struct stack_frames *ust)
{
	const struct stack_frames *f;

	kst->n = ust->n = 0;
	if (k->ustack_id >= 0) {
		f = frames_by_id(r, k->ustack_id);
		if (!f)
			return -ENOMEM;
		*ust = *f;
	}
	if (k->kstack_id < 0)
		return 0;
	f = frames_by_id(r, k->kstack_id);
	if (!f)
		return -ENOMEM;
	*kst = *f;
	if (k->lr)
		watch_leaf_caller(r, kst, kst->ip[0], k->lr);
	return 0;
}

/*
 * Streaming with --summary or folded: one more write for the event's key,
 * rendered at the end; a stack that came inline (the stack map was full) is
 * rendered and counted now. A new key's user frames are named now, while
 * the process lives (watch_usyms.c keeps its mappings for the end).
 */
void watch_tally(struct watch_run *r, const struct watch_record *rec)
{
	static struct watch_dstack kd, ud;
	const struct watch_event *e = &rec->e;
	struct watch_count_key k;
	bool created = false;
	uint64_t *n;

	memset(&k, 0, sizeof(k));
	k.kstack_id = e->kstack_id == WATCH_NO_STACK ? -1 : e->kstack_id;
	k.ustack_id = e->ustack_id == WATCH_NO_STACK ? -1 : e->ustack_id;
	if (k.ustack_id >= 0)
		k.pid = e->pid;
	if (r->env->format == FMT_FOLDED)
		memcpy(k.comm, e->comm, sizeof(k.comm));
	if (e->flags & WATCH_F_BEFORE)
		k.lr = e->regs[30];
	if ((e->kstack_id < 0 && e->kstack_id != WATCH_NO_STACK) ||
	    (e->ustack_id < 0 && e->ustack_id != WATCH_NO_STACK)) {
		watch_decode_stack(r, rec, false, &kd);
		watch_decode_stack(r, rec, true, &ud);
		watch_name_stack(r, e, true, &ud);	/* named as streaming names it */
		add_counted(r, &kd.st, &ud.st, e->pid, e->comm, 1);
		return;
	}
	n = kmap_get(r->tally, &k, true, &created);
	if (!n) {
		fprintf(stderr, "wpwatch watch: out of memory counting stacks\n");
		return;
	}
	++*n;
	if (created && k.ustack_id >= 0) {
		watch_decode_stack(r, rec, true, &ud);
		watch_name_stack(r, e, true, &ud);
	}
}

/*
 * The end of a run: every counted key rendered into r->stacks, from the
 * kernel's watch_counts (COUNTS, counting mode) or the streaming tally.
 * r->counted gets the writes counted. 0 or -errno.
 */
int watch_collect_counts(struct watch_run *r, struct bpf_map *counts)
{
	static struct stack_frames kst, ust;
	struct watch_count_key k, next;
	int fd = bpf_map__fd(counts), err;
	size_t i;
	__u64 n;

	bodies__stale(r->bodies);	/* moved bodies: named as the core has them now */
	for (i = 0; i < kmap_size(r->tally); i++) {
		const struct watch_count_key *tk = kmap_key(r->tally, i);

		err = watch_key_stacks(r, tk, &kst, &ust);
		if (!err)
			err = add_counted(r, &kst, &ust, tk->pid, tk->comm, kmap_value(r->tally, i));
		if (err)
			return err;
	}
	if (r->mode != WATCH_MODE_COUNT)
		return 0;
	err = bpf_map_get_next_key(fd, NULL, &next);
	while (!err) {
		k = next;
		if (bpf_map_lookup_elem(fd, &k, &n))
			return -errno;
		err = watch_key_stacks(r, &k, &kst, &ust);
		if (!err)
			err = add_counted(r, &kst, &ust, k.pid, k.comm, n);
		if (err)
			return err;
		err = bpf_map_get_next_key(fd, &k, &next);
	}
	return errno == ENOENT ? 0 : -errno;
}

/*
 * Sum the per-CPU values of MAP's key 0 into SUM, a struct of SIZE bytes
 * whose every field is an unsigned long long count (struct watch_counters,
 * struct watch_obj_counters). 0 or -errno.
 */
int watch_sum_percpu(struct bpf_map *map, void *sum, size_t size)
{
	int ncpu = libbpf_num_possible_cpus(), i, err;
	unsigned long long *pc, *d = sum;
	size_t n = size / sizeof(*d), k;
	__u32 zero = 0;

	memset(sum, 0, size);
	if (ncpu <= 0)
		return ncpu;
	pc = calloc(ncpu, size);
	if (!pc)
		return -ENOMEM;
	err = bpf_map__lookup_elem(map, &zero, sizeof(zero), pc, ncpu * size, 0);
	for (i = 0; !err && i < ncpu; i++)
		for (k = 0; k < n; k++)
			d[k] += pc[i * n + k];
	free(pc);
	return err;
}

int watch_read_counters(struct bpf_map *map, struct watch_counters *sum)
{
	return watch_sum_percpu(map, sum, sizeof(*sum));
}
