// SPDX-License-Identifier: GPL-2.0
/*
 * rerandom.ko: moves the bodies of re-randomizable functions to fresh random
 * places, pass after pass, behind their fixed trampolines.
 *
 * A pass (rerandom_pass) is six steps, each its own function:
 *   copy   place every body at a random free spot of the arena and copy it
 *          there from the snapshot taken when its module registered;
 *   fixup  re-target its PC-relative sites (decoded from the snapshot, which
 *          holds the instructions as the kernel left them after load), then
 *          make the new bytes visible to instruction fetch on every CPU;
 *   switch store each new address in the body's slot (a data word the
 *          trampoline loads: no text is patched);
 *   sync   full barrier: the slot stores are ordered before the grace period;
 *   grace  hand each old copy to SRCU (the pause list): it is freed once
 *          every trampoline call that began before the switch has returned;
 *   free   poison and release the copies whose grace period has ended.
 * See docs/rerandom.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/srcu.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/llist.h>
#include <linux/bitmap.h>
#include <linux/random.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/uaccess.h>
#include <linux/timekeeping.h>
#include <asm/unaligned.h>
#include <asm/cacheflush.h>
#include "rerandom.h"
#include "arena.h"
#define CREATE_TRACE_POINTS
#include "rr_trace.h"

static unsigned int period_ms;
static unsigned int selftest_period = 5000;
static unsigned int max_moves;
module_param(max_moves, uint, 0644);
MODULE_PARM_DESC(max_moves,
		 "move at most this many bodies per pass, the first registered (0: all; for benchmarks)");

/* --- the arena -------------------------------------------------------------- */

#define RR_GRAN		64
#define RR_MAX_GRANS	(1024 * 1024 / RR_GRAN)
#ifdef CONFIG_X86_64
#define RR_POISON	0xcc		/* int3 */
#else
#define RR_POISON	0x00		/* udf #0 */
#endif

static u8 *rr_alias;			/* read-write view of the arena */
static unsigned int rr_ngran;
static DECLARE_BITMAP(rr_map, RR_MAX_GRANS);
static DEFINE_SPINLOCK(rr_arena_lock);
static unsigned int rr_used;		/* granules in use */

static inline unsigned long rr_addr(unsigned int gran)
{
	return (unsigned long)rr_arena + (unsigned long)gran * RR_GRAN;
}

static bool rr_in_arena(unsigned long addr)
{
	return addr >= (unsigned long)rr_arena &&
	       addr < (unsigned long)rr_arena_end;
}

/* Caller holds rr_lock (only passes allocate). */
static long rr_alloc_at(unsigned int start, unsigned int n)
{
	unsigned long i;

	spin_lock(&rr_arena_lock);
	i = bitmap_find_next_zero_area(rr_map, rr_ngran, start, n, 0);
	if (i >= rr_ngran)
		i = bitmap_find_next_zero_area(rr_map, rr_ngran, 0, n, 0);
	if (i < rr_ngran) {
		bitmap_set(rr_map, i, n);
		rr_used += n;
	}
	spin_unlock(&rr_arena_lock);
	return i < rr_ngran ? (long)i : -ENOSPC;
}

static void rr_release(unsigned long addr, unsigned int bytes)
{
	unsigned int gran = (addr - (unsigned long)rr_arena) / RR_GRAN;
	unsigned int n = DIV_ROUND_UP(bytes, RR_GRAN);

	memset(rr_alias + (addr - (unsigned long)rr_arena), RR_POISON,
	       (size_t)n * RR_GRAN);
	spin_lock(&rr_arena_lock);
	bitmap_clear(rr_map, gran, n);
	rr_used -= n;
	spin_unlock(&rr_arena_lock);
}

static int rr_arena_init(void)
{
	unsigned int npages = (rr_arena_end - rr_arena) >> PAGE_SHIFT;
	struct page **pages;
	unsigned int i;

	if (!PAGE_ALIGNED(rr_arena) || !npages)
		return -EINVAL;
	pages = kcalloc(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		pages[i] = vmalloc_to_page(rr_arena + (size_t)i * PAGE_SIZE);
		if (!pages[i]) {
			kfree(pages);
			return -EFAULT;
		}
	}
	rr_alias = vmap(pages, npages, VM_MAP, PAGE_KERNEL);
	kfree(pages);
	if (!rr_alias)
		return -ENOMEM;
	rr_ngran = min_t(unsigned int, (rr_arena_end - rr_arena) / RR_GRAN,
			 RR_MAX_GRANS);
	return 0;
}

/* --- the pause list ------------------------------------------------------- */
/*
 * SRCU is the pause list: a per-CPU counter pair per grace-period phase, no
 * lock, no allocation, sleepable readers, nesting. The token is the phase
 * index; the trampoline keeps it in its frame and hands it back.
 */
static struct srcu_struct rr_srcu;

/*
 * The tracepoints (rr_trace.h) sit behind their static branches with the
 * argument computation out of line, so that untraced the pause list pays
 * only the patched-out jumps (docs/performance.md).
 */
static noinline void __cold rr_trace_call(int what, unsigned long ip,
					  unsigned long cfa)
{
	if (what == 0)
		trace_rerandom_call_enter(ip, cfa);
	else if (what == 1)
		trace_rerandom_call_body(ip, cfa);
	else
		trace_rerandom_call_exit(ip, cfa);
}

noinline int add_pause_list(void)
{
	int token;

	if (trace_rerandom_call_enter_enabled())
		rr_trace_call(0, _RET_IP_, (unsigned long)__builtin_dwarf_cfa());
	token = srcu_read_lock(&rr_srcu);
	if (trace_rerandom_call_body_enabled())
		rr_trace_call(1, _RET_IP_, (unsigned long)__builtin_dwarf_cfa());
	return token;
}
EXPORT_SYMBOL_GPL(add_pause_list);

noinline void remove_pause_list(int token)
{
	if (trace_rerandom_call_exit_enabled())
		rr_trace_call(2, _RET_IP_, (unsigned long)__builtin_dwarf_cfa());
	srcu_read_unlock(&rr_srcu, token);
}
EXPORT_SYMBOL_GPL(remove_pause_list);

/* --- registered modules --------------------------------------------------- */
enum { RR_ACT_FIX, RR_ACT_SKIP };

struct rr_retire {
	struct rcu_head rh;
	struct llist_node ln;
	struct list_head pending;
	unsigned long addr;
	unsigned int bytes;
	char name[32];
};

struct rr_body {
	const struct rr_body_desc *d;
	u8 *snap;		/* the body as loaded */
	u8 *act;		/* per site: RR_ACT_* */
	unsigned int nbranch;	/* arm64: sites that may need a veneer */
	unsigned int bytes;	/* arena bytes per copy (veneers included) */
	unsigned long orig;	/* the loaded body */
	unsigned long cur;	/* current copy (orig until the first move) */
	unsigned long next;	/* this pass's new copy, 0 if none */
	unsigned long old;	/* copy replaced by this pass, to retire */
	struct rr_retire *rec;	/* preallocated by copy */
	u64 moves;
};

struct rr_mod {
	struct list_head list;
	struct rr_module_desc *desc;
	unsigned int nbodies;
	struct rr_body bodies[];
};

static DEFINE_MUTEX(rr_lock);		/* modules, passes */
static LIST_HEAD(rr_mods);
static LIST_HEAD(rr_pending);		/* retired, not yet freed */
static DEFINE_SPINLOCK(rr_pending_lock);
static LLIST_HEAD(rr_done);		/* grace period over */

static struct {
	u64 passes, moves, failures, retired, freed, veneers;
	u64 last_pass_ns;
	unsigned int bodies;
} rr_stats;
static DEFINE_SPINLOCK(rr_stats_lock);

/* every registered body, in registration order (rebuilt under rr_lock) */
static struct rr_body **rr_all;
static unsigned int rr_nall;

static int rr_all_rebuild(void)
{
	struct rr_body **all = NULL;
	struct rr_mod *m;
	unsigned int n = 0, i;

	list_for_each_entry(m, &rr_mods, list)
		n += m->nbodies;
	if (n) {
		all = kcalloc(n, sizeof(*all), GFP_KERNEL);
		if (!all)
			return -ENOMEM;
	}
	n = 0;
	list_for_each_entry(m, &rr_mods, list)
		for (i = 0; i < m->nbodies; i++)
			all[n++] = &m->bodies[i];
	kfree(rr_all);
	rr_all = all;
	rr_nall = n;
	return 0;
}

static void rr_count(u64 *what, u64 n)
{
	spin_lock(&rr_stats_lock);
	*what += n;
	spin_unlock(&rr_stats_lock);
}

/* --- instruction decoding ------------------------------------------------- */
#ifdef CONFIG_X86_64
/*
 * x86: the object had "opcode rel32" (call e8, jmp e9, jcc 0f 8x) or a
 * rip-relative operand. At load the kernel may have rewritten a call/jmp to
 * a retpoline or return thunk into an indirect branch, "ret; int3" or NOPs:
 * all position-independent, so such a site is left alone.
 */
static int rr_check_site(const struct rr_body *b, const struct rr_site *s,
			 u8 *act)
{
	const u8 *p = b->snap + s->offset;
	u8 c;

	if (s->kind != RR_SITE_X86_REL32 || s->offset < s->oplen ||
	    s->offset + 4 > b->d->size)
		return -EINVAL;
	if (!s->oplen || !memcmp(p - s->oplen, s->opcode, s->oplen)) {
		*act = RR_ACT_FIX;
		return 0;
	}
	c = *(p - s->oplen);
	switch (c) {
	case 0xc3:		/* ret (return thunk removed) */
	case 0xcc:		/* int3 */
	case 0x90:		/* nop */
	case 0x0f:		/* lfence / long nop */
	case 0xff:		/* call/jmp *%reg */
	case 0x41:		/* REX.B call/jmp *%r8-15 */
	case 0x2e:		/* cs prefix */
	case 0x70 ... 0x7f:	/* jcc.d8 around an indirect jmp */
		*act = RR_ACT_SKIP;
		return 0;
	}
	return -EINVAL;
}

static int rr_fix_site(struct rr_body *b, const struct rr_site *s, u8 *dst,
		       unsigned long newaddr, unsigned int *veneer)
{
	long delta = (long)newaddr - (long)b->orig;
	s64 v = (s32)get_unaligned((u32 *)(b->snap + s->offset)) - delta;

	if (v != (s32)v)
		return -ERANGE;
	put_unaligned((u32)(s32)v, (u32 *)(dst + s->offset));
	return 0;
}
#else
static inline s64 rr_sext(u64 v, int bits)
{
	return (s64)(v << (64 - bits)) >> (64 - bits);
}

#define A64_IS_B(i)	(((i) & 0x7c000000) == 0x14000000)
#define A64_IS_ADRP(i)	(((i) & 0x9f000000) == 0x90000000)
#define A64_IS_ADR(i)	(((i) & 0x9f000000) == 0x10000000)

static int rr_check_site(const struct rr_body *b, const struct rr_site *s,
			 u8 *act)
{
	u32 insn;

	if (s->offset + 4 > b->d->size || (s->offset & 3))
		return -EINVAL;
	insn = get_unaligned_le32(b->snap + s->offset);
	*act = RR_ACT_FIX;
	switch (s->kind) {
	case RR_SITE_A64_BRANCH26:
		return A64_IS_B(insn) ? 0 : -EINVAL;
	case RR_SITE_A64_ADRP:
	case RR_SITE_A64_ADR:
		/* the loader may turn adrp into adr, or into b to a veneer */
		return A64_IS_ADRP(insn) || A64_IS_ADR(insn) || A64_IS_B(insn) ?
			0 : -EINVAL;
	}
	return -EINVAL;
}

static int rr_fix_site(struct rr_body *b, const struct rr_site *s, u8 *dst,
		       unsigned long newaddr, unsigned int *veneer)
{
	unsigned long p = b->orig + s->offset, np = newaddr + s->offset;
	u32 insn = get_unaligned_le32(b->snap + s->offset);
	unsigned long target;
	s64 d;

	if (A64_IS_B(insn)) {
		target = p + (rr_sext(insn & 0x3ffffff, 26) << 2);
		d = (s64)(target - np);
		if (d < -(1LL << 27) || d >= (1LL << 27)) {
			/* ldr x16, #8; br x16; .quad target */
			u8 *v = dst + *veneer;

			put_unaligned_le32(0x58000050, v);
			put_unaligned_le32(0xd61f0200, v + 4);
			put_unaligned_le64(target, v + 8);
			d = (s64)(newaddr + *veneer - np);
			*veneer += 16;
			rr_count(&rr_stats.veneers, 1);
		}
		insn = (insn & 0xfc000000) | ((d >> 2) & 0x3ffffff);
	} else if (A64_IS_ADRP(insn)) {
		s64 imm = rr_sext(((insn >> 5) & 0x7ffff) << 2 |
				  ((insn >> 29) & 3), 21);

		target = (p & ~0xfffUL) + (imm << 12);
		d = ((s64)target - (s64)(np & ~0xfffUL)) >> 12;
		if (d < -(1LL << 20) || d >= (1LL << 20))
			return -ERANGE;
		insn = (insn & 0x9f00001f) | ((d & 3) << 29) |
		       (((d >> 2) & 0x7ffff) << 5);
	} else if (A64_IS_ADR(insn)) {
		s64 imm = rr_sext(((insn >> 5) & 0x7ffff) << 2 |
				  ((insn >> 29) & 3), 21);

		target = p + imm;
		d = (s64)(target - np);
		if (d < -(1LL << 20) || d >= (1LL << 20))
			return -ERANGE;
		insn = (insn & 0x9f00001f) | ((d & 3) << 29) |
		       (((d >> 2) & 0x7ffff) << 5);
	} else {
		return -EINVAL;
	}
	put_unaligned_le32(insn, dst + s->offset);
	return 0;
}
#endif

/*
 * arm64 erratum 843419 (Cortex-A53): an adrp in the last two words of a
 * page is unsafe; the module loader avoids it, so do we.
 */
static bool rr_place_ok(const struct rr_body *b, unsigned long addr)
{
	unsigned int i;

	if (!IS_ENABLED(CONFIG_ARM64))
		return true;
	for (i = 0; i < b->d->nsites; i++) {
		const struct rr_site *s = &b->d->sites[i];

		if (s->kind == RR_SITE_A64_ADRP &&
		    ((addr + s->offset) & 0xfff) >= 0xff8)
			return false;
	}
	return true;
}

/* --- retiring old copies -------------------------------------------------- */
static void rr_reap(void)
{
	struct llist_node *list = llist_del_all(&rr_done);
	struct rr_retire *r, *t;
	u64 n = 0;

	llist_for_each_entry_safe(r, t, list, ln) {
		spin_lock(&rr_pending_lock);
		list_del(&r->pending);
		spin_unlock(&rr_pending_lock);
		rr_release(r->addr, r->bytes);
		kfree(r);
		n++;
	}
	if (n)
		rr_count(&rr_stats.freed, n);
}

static void rr_reap_work_fn(struct work_struct *w)
{
	rr_reap();
}
static DECLARE_WORK(rr_reap_work, rr_reap_work_fn);

static void rr_grace_done(struct rcu_head *rh)
{
	struct rr_retire *r = container_of(rh, struct rr_retire, rh);

	llist_add(&r->ln, &rr_done);
	schedule_work(&rr_reap_work);
}

static void rr_retire(struct rr_body *b, unsigned long addr,
		      struct rr_retire *r)
{
	r->addr = addr;
	r->bytes = b->bytes;
	strscpy(r->name, b->d->name, sizeof(r->name));
	spin_lock(&rr_pending_lock);
	list_add_tail(&r->pending, &rr_pending);
	spin_unlock(&rr_pending_lock);
	rr_count(&rr_stats.retired, 1);
	call_srcu(&rr_srcu, &r->rh, rr_grace_done);
}

/* --- the pass ------------------------------------------------------------- */
noinline int rerandom_step_copy(void)
{
	struct rr_body *b;
	unsigned int i, n, try;
	int moved = 0;

	for (i = 0; i < rr_nall; i++) {
		long g = -ENOSPC;

		b = rr_all[i];
		b->next = 0;
		b->old = 0;
		if (max_moves && i >= max_moves)
			continue;
		b->rec = kmalloc(sizeof(*b->rec), GFP_KERNEL);
		if (!b->rec)
			goto fail;
		n = DIV_ROUND_UP(b->bytes, RR_GRAN);
		for (try = 0; try < 8; try++) {
			g = rr_alloc_at(get_random_u32() % rr_ngran, n);
			if (g < 0 || rr_place_ok(b, rr_addr(g)))
				break;
			rr_release(rr_addr(g), b->bytes);
			g = -ENOSPC;
		}
		if (g < 0)
			goto fail;
		b->next = rr_addr(g);
		memcpy(rr_alias + (b->next - (unsigned long)rr_arena), b->snap,
		       b->d->size);
		moved++;
		continue;
fail:
		kfree(b->rec);
		b->rec = NULL;
		rr_count(&rr_stats.failures, 1);
	}
	return moved;
}

noinline int rerandom_step_fixup(void)
{
	struct rr_body *b;
	unsigned int i, k;
	int fixed = 0, err;

	for (i = 0; i < rr_nall; i++) {
		b = rr_all[i];
		u8 *dst;
		unsigned int veneer;

		if (!b->next)
			continue;
		dst = rr_alias + (b->next - (unsigned long)rr_arena);
		veneer = ALIGN(b->d->size, 8);
		for (k = 0, err = 0; k < b->d->nsites && !err; k++)
			if (b->act[k] == RR_ACT_FIX)
				err = rr_fix_site(b, &b->d->sites[k], dst,
						  b->next, &veneer);
		if (err) {
			pr_warn_ratelimited("%s: site %u not movable to %lx: %d\n",
					    b->d->name, k - 1, b->next, err);
			rr_release(b->next, b->bytes);
			b->next = 0;
			kfree(b->rec);
			b->rec = NULL;
			rr_count(&rr_stats.failures, 1);
			continue;
		}
#ifdef CONFIG_ARM64
		caches_clean_inval_pou(b->next, b->next + b->bytes);
#endif
		fixed++;
	}
	/*
	 * Every CPU takes an interrupt, a context-synchronizing event (x86:
	 * IRET serializes; arm64: exception return), so none can run stale
	 * instructions of a reused arena spot once the slots point there.
	 */
	if (fixed)
		kick_all_cpus_sync();
	return fixed;
}

noinline int rerandom_step_switch(void)
{
	struct rr_body *b;
	unsigned int i;
	int n = 0;

	for (i = 0; i < rr_nall; i++) {
		b = rr_all[i];
		if (!b->next)
			continue;
		b->old = b->cur;
		/* the copy's bytes (written by fixup) before its address */
		smp_store_release(b->d->slot, (void *)b->next);
		b->cur = b->next;
		b->moves++;
		n++;
	}
	rr_count(&rr_stats.moves, n);
	return n;
}

noinline int rerandom_step_sync(void)
{
	/* slot stores before call_srcu(); SRCU orders the rest */
	smp_mb();
	return 0;
}

noinline int rerandom_step_grace(void)
{
	struct rr_body *b;
	unsigned int i;
	int n = 0;

	for (i = 0; i < rr_nall; i++) {
		b = rr_all[i];
		if (!b->next)
			continue;
		if (rr_in_arena(b->old)) {
			rr_retire(b, b->old, b->rec);
			n++;
		} else {
			kfree(b->rec);	/* the loaded body is never freed */
		}
		b->rec = NULL;
		b->next = 0;
	}
	return n;
}

noinline int rerandom_step_free(void)
{
	rr_reap();
	return 0;
}

/* one step, between its two tracepoints */
#define RR_STEP(id, call) ({			\
	int __ret;				\
						\
	trace_rerandom_step_begin(id);		\
	__ret = call;				\
	trace_rerandom_step_end(id);		\
	__ret;					\
})

noinline int rerandom_pass(void)
{
	u64 t0 = ktime_get_ns(), pass;
	int moved;

	mutex_lock(&rr_lock);
	pass = rr_stats.passes + 1;	/* rr_stats.passes changes only under rr_lock */
	trace_rerandom_pass_begin(pass);
	moved = RR_STEP(RR_STEP_COPY, rerandom_step_copy());
	if (moved)
		moved = RR_STEP(RR_STEP_FIXUP, rerandom_step_fixup());
	RR_STEP(RR_STEP_SWITCH, rerandom_step_switch());
	RR_STEP(RR_STEP_SYNC, rerandom_step_sync());
	RR_STEP(RR_STEP_GRACE, rerandom_step_grace());
	RR_STEP(RR_STEP_FREE, rerandom_step_free());
	spin_lock(&rr_stats_lock);
	rr_stats.passes++;
	rr_stats.last_pass_ns = ktime_get_ns() - t0;
	spin_unlock(&rr_stats_lock);
	trace_rerandom_pass_end(pass, 0, moved);
	mutex_unlock(&rr_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(rerandom_pass);

/* --- module registration -------------------------------------------------- */
static void rr_mod_free(struct rr_mod *m)
{
	unsigned int i;

	for (i = 0; i < m->nbodies; i++) {
		kfree(m->bodies[i].snap);
		kfree(m->bodies[i].act);
	}
	kfree(m);
}

int rerandom_register_module(struct rr_module_desc *desc)
{
	struct rr_mod *m;
	unsigned int i, k;
	int err = -EINVAL;

	if (!desc || !desc->nbodies || desc->core)
		return -EINVAL;
	m = kzalloc(struct_size(m, bodies, desc->nbodies), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->desc = desc;
	m->nbodies = desc->nbodies;
	for (i = 0; i < desc->nbodies; i++) {
		const struct rr_body_desc *d = &desc->bodies[i];
		struct rr_body *b = &m->bodies[i];

		b->d = d;
		b->orig = b->cur = (unsigned long)d->body;
		if (!d->size || READ_ONCE(*d->slot) != d->body) {
			pr_err("%s: bad descriptor (size %u, slot %lx)\n",
			       d->name, d->size, (unsigned long)*d->slot);
			goto err_free;
		}
		b->snap = kmemdup(d->body, d->size, GFP_KERNEL);
		b->act = kcalloc(max(d->nsites, 1U), 1, GFP_KERNEL);
		err = -ENOMEM;
		if (!b->snap || !b->act)
			goto err_free;
		for (k = 0; k < d->nsites; k++) {
			err = rr_check_site(b, &d->sites[k], &b->act[k]);
			if (err) {
				pr_err("%s: site %u at +%#x is not an instruction this module can relocate (%*ph): refused\n",
				       d->name, k, d->sites[k].offset, 8,
				       b->snap + (d->sites[k].offset & ~3U));
				goto err_free;
			}
			if (d->sites[k].kind == RR_SITE_A64_BRANCH26 ||
			    d->sites[k].kind == RR_SITE_A64_ADRP ||
			    d->sites[k].kind == RR_SITE_A64_ADR)
				b->nbranch++;
		}
		b->bytes = ALIGN(d->size, 8) +
			   (IS_ENABLED(CONFIG_ARM64) ? 16 * b->nbranch : 0);
	}
	mutex_lock(&rr_lock);
	list_add_tail(&m->list, &rr_mods);
	err = rr_all_rebuild();
	if (err) {
		list_del(&m->list);
		mutex_unlock(&rr_lock);
		goto err_free;
	}
	desc->core = m;
	rr_stats.bodies += m->nbodies;
	mutex_unlock(&rr_lock);
	pr_info("registered %u bodies of %s\n", m->nbodies,
		desc->owner ? module_name(desc->owner) : "?");
	return 0;

err_free:
	rr_mod_free(m);
	return err;
}
EXPORT_SYMBOL_GPL(rerandom_register_module);

/*
 * Put every slot back on the loaded body, retire the copies, wait for their
 * grace periods. The module's callers are gone (it is being unloaded), but a
 * copy may still be running a caller that entered before that.
 */
void rerandom_unregister_module(struct rr_module_desc *desc)
{
	struct rr_mod *m = desc ? desc->core : NULL;
	unsigned int i;

	if (!m)
		return;
	mutex_lock(&rr_lock);
	for (i = 0; i < m->nbodies; i++) {
		struct rr_body *b = &m->bodies[i];
		struct rr_retire *r;

		/* the loaded body never left: no ordering needed but the store's */
		smp_store_release(b->d->slot, (void *)b->orig);
		if (!rr_in_arena(b->cur))
			continue;
		r = kmalloc(sizeof(*r), GFP_KERNEL | __GFP_NOFAIL);
		/* the slot store before the grace period that frees the copy */
		smp_mb();
		rr_retire(b, b->cur, r);
		b->cur = b->orig;
	}
	list_del(&m->list);
	/* shrinking cannot fail for long: retry rather than keep stale pointers */
	while (rr_all_rebuild())
		msleep(20);
	rr_stats.bodies -= m->nbodies;
	desc->core = NULL;
	mutex_unlock(&rr_lock);
	srcu_barrier(&rr_srcu);
	flush_work(&rr_reap_work);
	rr_reap();
	rr_mod_free(m);
}
EXPORT_SYMBOL_GPL(rerandom_unregister_module);

/* --- the seed's driver hook and its kernel thread ------------------------- */
static const char default_name[] = "default_name";

static void empty_func(void)
{
}

static int empty_check_func(int a, char *c, time64_t time)
{
	pr_info("This is an empty func.\n");
	return 0;
}

static struct Rerandom_Driver rerandom_driver = {
	.name = default_name,
	.init_entry = empty_func,
	.check_entry = empty_check_func,
};
static DEFINE_MUTEX(rr_drv_lock);

void register_rerandom_driver(const struct Rerandom_Driver *drv)
{
	mutex_lock(&rr_drv_lock);
	rerandom_driver.name = drv->name;
	rerandom_driver.init_entry = drv->init_entry ?: empty_func;
	rerandom_driver.check_entry = drv->check_entry ?: empty_check_func;
	mutex_unlock(&rr_drv_lock);
}
EXPORT_SYMBOL_GPL(register_rerandom_driver);

/* Back to the defaults; returns once no call into drv is running. */
void unregister_rerandom_driver(const struct Rerandom_Driver *drv)
{
	mutex_lock(&rr_drv_lock);
	if (rerandom_driver.init_entry == drv->init_entry &&
	    rerandom_driver.check_entry == drv->check_entry) {
		rerandom_driver.name = default_name;
		rerandom_driver.init_entry = empty_func;
		rerandom_driver.check_entry = empty_check_func;
	}
	mutex_unlock(&rr_drv_lock);
}
EXPORT_SYMBOL_GPL(unregister_rerandom_driver);

static struct task_struct *rr_selftest_task, *rr_pass_task;
static DECLARE_WAIT_QUEUE_HEAD(rr_wq);

static int rr_selftest_fn(void *unused)
{
	while (!kthread_should_stop()) {
		unsigned int p = READ_ONCE(selftest_period);
		time64_t time = ktime_get_seconds();
		int ret;

		if (!p) {
			wait_event_interruptible(rr_wq, kthread_should_stop() ||
						 READ_ONCE(selftest_period));
			continue;
		}
		schedule_timeout_interruptible(msecs_to_jiffies(p));
		if (kthread_should_stop())
			break;
		mutex_lock(&rr_drv_lock);
		rerandom_driver.init_entry();
		ret = rerandom_driver.check_entry(11, "chifan", time);
		pr_info_ratelimited("selftest %s: check_entry(11, \"chifan\", %lld) = %d, init_entry %lx, check_entry %lx\n",
				    rerandom_driver.name, (long long)time, ret,
				    (unsigned long)rerandom_driver.init_entry,
				    (unsigned long)rerandom_driver.check_entry);
		mutex_unlock(&rr_drv_lock);
	}
	return 0;
}

/* A pass every period_ms, at a fixed rate: the sleep is what the pass left. */
static int rr_pass_fn(void *unused)
{
	u64 next = ktime_get_ns();

	while (!kthread_should_stop()) {
		unsigned int p = READ_ONCE(period_ms);
		u64 now;

		if (!p) {
			wait_event_interruptible(rr_wq, kthread_should_stop() ||
						 READ_ONCE(period_ms));
			next = ktime_get_ns();
			continue;
		}
		rerandom_pass();
		next += p * NSEC_PER_MSEC;
		now = ktime_get_ns();
		if (now < next) {
			u64 us = div_u64(next - now, NSEC_PER_USEC);

			usleep_range(us, us + 50);
		} else {
			/* behind: catch up no further than one period */
			next = now;
			cond_resched();
		}
	}
	return 0;
}

static int rr_set_uint(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint(val, kp);

	if (!err)
		wake_up(&rr_wq);
	return err;
}

static const struct kernel_param_ops rr_uint_ops = {
	.set = rr_set_uint,
	.get = param_get_uint,
};
module_param_cb(period_ms, &rr_uint_ops, &period_ms, 0644);
MODULE_PARM_DESC(period_ms, "milliseconds between passes (0: only on demand)");
module_param_cb(selftest_period, &rr_uint_ops, &selftest_period, 0644);
MODULE_PARM_DESC(selftest_period,
		 "milliseconds between the seed's init_entry/check_entry calls (0: off)");

/* --- debugfs -------------------------------------------------------------- */
static struct dentry *rr_dir;

static int rr_stats_show(struct seq_file *sf, void *v)
{
	typeof(rr_stats) s;
	unsigned int used;

	spin_lock(&rr_stats_lock);
	s = rr_stats;
	spin_unlock(&rr_stats_lock);
	spin_lock(&rr_arena_lock);
	used = rr_used;
	spin_unlock(&rr_arena_lock);
	seq_printf(sf, "passes %llu\nmoves %llu\nfailures %llu\n", s.passes,
		   s.moves, s.failures);
	seq_printf(sf, "retired %llu\nfreed %llu\nbodies %u\n", s.retired,
		   s.freed, s.bodies);
	seq_printf(sf, "veneers %llu\nlast_pass_ns %llu\n", s.veneers,
		   s.last_pass_ns);
	seq_printf(sf, "arena_start %lx\narena_bytes %u\narena_used %u\n",
		   (unsigned long)rr_arena, rr_ngran * RR_GRAN,
		   used * RR_GRAN);
	seq_printf(sf, "period_ms %u\n", READ_ONCE(period_ms));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_stats);

static int rr_bodies_show(struct seq_file *sf, void *v)
{
	struct rr_body *b;
	unsigned int i;

	mutex_lock(&rr_lock);
	for (i = 0; i < rr_nall; i++) {
		b = rr_all[i];
		seq_printf(sf, "%lx %lx %s\n", b->cur, b->cur + b->d->size,
			   b->d->name);
	}
	mutex_unlock(&rr_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_bodies);

/* extra: per body, where it was loaded, its trampoline, how often it moved */
static int rr_layout_show(struct seq_file *sf, void *v)
{
	struct rr_mod *m;
	struct rr_body *b;
	unsigned int i;

	mutex_lock(&rr_lock);
	list_for_each_entry(m, &rr_mods, list) {
		for (i = 0; i < m->nbodies; i++) {
			b = &m->bodies[i];
			seq_printf(sf, "%s tramp %lx orig %lx size %u sites %u moves %llu module %s\n",
				   b->d->name, (unsigned long)b->d->tramp,
				   b->orig, b->d->size, b->d->nsites, b->moves,
				   m->desc->owner ?
				   module_name(m->desc->owner) : "?");
		}
	}
	mutex_unlock(&rr_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_layout);

static int rr_retired_show(struct seq_file *sf, void *v)
{
	struct rr_retire *r;

	spin_lock(&rr_pending_lock);
	list_for_each_entry(r, &rr_pending, pending)
		seq_printf(sf, "%lx %lx %s\n", r->addr, r->addr + r->bytes,
			   r->name);
	spin_unlock(&rr_pending_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_retired);

static ssize_t rr_trigger_write(struct file *f, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	unsigned int n;
	int err = kstrtouint_from_user(ubuf, len, 0, &n);

	if (err)
		return err;
	if (n != 1)
		return -EINVAL;
	err = rerandom_pass();
	return err ? err : len;
}

static const struct file_operations rr_trigger_fops = {
	.owner = THIS_MODULE,
	.write = rr_trigger_write,
	.llseek = noop_llseek,
};

static ssize_t rr_period_read(struct file *f, char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	char buf[16];
	int n = scnprintf(buf, sizeof(buf), "%u\n", READ_ONCE(period_ms));

	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t rr_period_write(struct file *f, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	unsigned int n;
	int err = kstrtouint_from_user(ubuf, len, 0, &n);

	if (err)
		return err;
	WRITE_ONCE(period_ms, n);
	wake_up(&rr_wq);
	return len;
}

static const struct file_operations rr_period_fops = {
	.owner = THIS_MODULE,
	.read = rr_period_read,
	.write = rr_period_write,
	.llseek = default_llseek,
};

static void rr_debugfs_init(void)
{
	rr_dir = debugfs_create_dir("rerandom", NULL);
	debugfs_create_file("stats", 0444, rr_dir, NULL, &rr_stats_fops);
	debugfs_create_file("bodies", 0444, rr_dir, NULL, &rr_bodies_fops);
	debugfs_create_file("layout", 0444, rr_dir, NULL, &rr_layout_fops);
	debugfs_create_file("retired", 0444, rr_dir, NULL, &rr_retired_fops);
	debugfs_create_file("trigger", 0200, rr_dir, NULL, &rr_trigger_fops);
	debugfs_create_file("period_ms", 0644, rr_dir, NULL, &rr_period_fops);
}

/* --- init / exit ---------------------------------------------------------- */
static int __init rerandom_init(void)
{
	int err;

	err = rr_arena_init();
	if (err) {
		pr_err("cannot map the arena read-write: %d\n", err);
		return err;
	}
	err = init_srcu_struct(&rr_srcu);
	if (err)
		goto err_unmap;
	rr_pass_task = kthread_run(rr_pass_fn, NULL, "rr_passd");
	if (IS_ERR(rr_pass_task)) {
		err = PTR_ERR(rr_pass_task);
		goto err_srcu;
	}
	rr_selftest_task = kthread_run(rr_selftest_fn, NULL, "rr_selftest");
	if (IS_ERR(rr_selftest_task)) {
		err = PTR_ERR(rr_selftest_task);
		goto err_pass;
	}
	rr_debugfs_init();
	pr_info("arena %lx, %u bytes, period_ms %u\n", (unsigned long)rr_arena,
		rr_ngran * RR_GRAN, period_ms);
	return 0;

err_pass:
	kthread_stop(rr_pass_task);
err_srcu:
	cleanup_srcu_struct(&rr_srcu);
err_unmap:
	vunmap(rr_alias);
	return err;
}

static void __exit rerandom_exit(void)
{
	debugfs_remove_recursive(rr_dir);
	kthread_stop(rr_selftest_task);
	kthread_stop(rr_pass_task);
	srcu_barrier(&rr_srcu);
	flush_work(&rr_reap_work);
	rr_reap();
	cleanup_srcu_struct(&rr_srcu);
	vunmap(rr_alias);
}

module_init(rerandom_init);
module_exit(rerandom_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Re-randomize module code behind fixed trampolines");
