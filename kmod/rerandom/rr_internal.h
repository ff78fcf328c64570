/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rr_internal.h: what the parts of rerandom.ko share and nothing else
 * includes: the registered bodies, the counters, the iterators, and each
 * part's entry points (the part that defines one is named above it).
 */
#ifndef _RR_INTERNAL_H
#define _RR_INTERNAL_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>
#include <linux/moduleparam.h>
#include <linux/bitops.h>
#include "rerandom.h"
#include "rr_steps.h"

/* --- registry.c: registered modules and their bodies -------------------- */
/*
 * A site every move re-targets, decoded once when its module registers
 * (rr_check_site()), so that a pass touches only these (the sites an
 * alternative or the loader made position-independent are left out).
 */
struct rr_fix {
	u32 offset;		/* of the field / instruction in the body */
	u32 insn;		/* x86_64: the rel32 as loaded; arm64: the instruction */
	unsigned long target;	/* arm64: what it reaches (adrp: the page) */
};

/* a site the kernel patches at run time (patched.c) */
enum { RR_PSITE_KEY = 1, RR_PSITE_CALL };
struct rr_psite {
	u32 offset;		/* of the instruction in the body */
	u32 target;		/* RR_PSITE_KEY: the jump's target in the body */
	u8 kind;		/* RR_PSITE_* */
	u8 flag;		/* KEY: the entry's branch bit; CALL: a tail call */
	unsigned long key;	/* struct static_key / static_call_key */
};

/*
 * The old copies one pass (or one module's unregistering) retires, waiting
 * together for one grace period (pause.c): one allocation and one
 * call_rcu_tasks_trace() per pass, not per body.
 */
struct rr_retired {
	unsigned long addr;
	unsigned int bytes;
	const char *name;	/* the body's: valid until the batch is freed */
};

struct rr_batch {
	struct rcu_head rh;
	struct llist_node ln;
	struct list_head pending;
	unsigned int n, max;
	struct rr_retired copy[];
};

struct rr_body {
	const struct rr_body_desc *d;
	u8 *snap;		/* the body as loaded */
	struct rr_fix *fix;	/* the sites a move re-targets */
	unsigned int nfix;
	/* starts rr_place_ok() refuses, a bit per word of a page (arm64) */
	unsigned long *place_bad;
	unsigned int bytes;	/* arena bytes per copy (veneers included) */
	unsigned long orig;	/* the loaded body */
	unsigned long cur;	/* current copy (orig until the first move) */
	unsigned long next;	/* this pass's new copy, 0 if none */
	unsigned long old;	/* copy replaced by this pass, to retire */
	u64 moves;
	u32 *traps;		/* offsets of the body's WARN/BUG traps */
	unsigned int ntraps;
	struct rr_psite *psites;	/* jump labels, static calls */
	unsigned int npsites;
	const char *pin_why;	/* not NULL: never moved, for this reason */
	u64 fails;		/* passes that could not move it */
	const char *fail_why;	/* why the last of them could not */
};

struct rr_mod {
	struct list_head list;
	struct rr_module_desc *desc;
	unsigned int nbodies;
	unsigned int nmoving;	/* the bodies not pinned */
	struct rr_body bodies[];
};

extern struct mutex rr_lock;		/* modules, passes */
extern struct list_head rr_mods;
/* every registered body, in registration order (rebuilt under rr_lock) */
extern struct rr_body **rr_all;
extern unsigned int rr_nall;

/* every registered module (rr_lock held) */
#define rr_for_each_mod(m) list_for_each_entry(m, &rr_mods, list)

/* every body of module m */
#define rr_mod_for_each_body(m, b, i) \
	for ((i) = 0; (i) < (m)->nbodies && ((b) = &(m)->bodies[i], 1); (i)++)

/* every registered body, in registration order (rr_lock held) */
#define rr_for_each_body(b, i) \
	for ((i) = 0; (i) < rr_nall && ((b) = rr_all[i], 1); (i)++)

/* the index of the first body from i on that this pass moves (rr_nall: none) */
static inline unsigned int rr_next_moving(unsigned int i)
{
	while (i < rr_nall && !rr_all[i]->next)
		i++;
	return i;
}

/* the bodies this pass moves: those the copy step placed (b->next set) */
#define for_each_moving_body(b, i)					\
	for ((i) = rr_next_moving(0); (i) < rr_nall && ((b) = rr_all[i], 1); \
	     (i) = rr_next_moving((i) + 1))

/* every site of body b */
#define rr_for_each_site(b, s, k) \
	for ((k) = 0; (k) < (b)->d->nsites && ((s) = &(b)->d->sites[k], 1); \
	     (k)++)

/* --- main.c: counters, the threads' wake-up ----------------------------- */
struct rr_stats {
	u64 passes, moves, failures, retired, freed, veneers;
	/* failures by reason; passes that waited for room in the arena */
	u64 fail_nomem, fail_arena, fail_fixup, arena_waits;
	/* passes of rr_passd that ended after the next one was due (pass.c) */
	u64 overruns;
	u64 last_pass_ns, pass_ns;	/* the last pass, all passes */
	unsigned int bodies;
};

extern struct rr_stats rr_stats;	/* under rr_stats_lock */
extern spinlock_t rr_stats_lock;
void rr_count(u64 *what, u64 n);

/* the pass and selftest threads wait here for their period to become > 0 */
extern wait_queue_head_t rr_wq;
/* a uint parameter whose store wakes rr_wq */
extern const struct kernel_param_ops rr_wake_uint_ops;

/* --- alloc.c: the arena allocator --------------------------------------- */
int rr_arena_init(void);
void rr_arena_exit(void);
void rr_arena_rekey(void);
unsigned long rr_arena_alloc(const struct rr_body *b);
void rr_arena_free(unsigned long addr, unsigned int bytes);
/* the read-write alias of arena address addr (inline: twice a body a pass) */
extern long rr_alias_delta;
static inline u8 *rr_arena_rw(unsigned long addr)
{
	return (u8 *)(addr + rr_alias_delta);
}
bool rr_in_arena(unsigned long addr);
unsigned int rr_arena_bytes(void);
unsigned int rr_arena_used_bytes(void);
unsigned int rr_arena_peak_bytes(void);
unsigned int rr_arena_align(void);
u64 rr_arena_fallbacks(void);
int rr_arena_places(const struct rr_body *b, u64 *empty, u64 *now);
unsigned long rr_arena_origin(unsigned long addr);

/* --- pause.c: the pause list and retiring old copies -------------------- */
void rr_pause_exit(void);
struct rr_batch *rr_batch_alloc(unsigned int max, gfp_t gfp);

/* b's copy at addr is to be retired with the batch (inline: once a body) */
static inline void rr_batch_add(struct rr_batch *bt, struct rr_body *b,
				unsigned long addr)
{
	if (WARN_ON_ONCE(bt->n >= bt->max))
		return;
	bt->copy[bt->n].addr = addr;
	bt->copy[bt->n].bytes = b->bytes;
	bt->copy[bt->n].name = b->d->name;
	bt->n++;
}
void rr_retire_batch(struct rr_batch *bt);
void rr_reap(void);
void rr_retire_drain(void);
/* retired copies not freed yet, for debugfs */
extern struct list_head rr_pending;
extern spinlock_t rr_pending_lock;

/* --- reloc_x86.c / reloc_arm64.c: relocating a copy --------------------- */
int rr_check_site(const struct rr_body *b, const struct rr_site *s,
		  struct rr_fix *f);
int rr_fix_sites(struct rr_body *b, u8 *dst, unsigned long newaddr);
unsigned int rr_veneer_room(const struct rr_body *b);
int rr_place_init(struct rr_body *b);

/*
 * b's copy may start at addr: none of its adrp in the last two words of a
 * page (arm64's erratum 843419, reloc_arm64.c); x86_64 sets no place_bad.
 * Inline: each of a placement's random draws asks.
 */
static inline bool rr_place_ok(const struct rr_body *b, unsigned long addr)
{
	return !b->place_bad || !test_bit((addr >> 2) & 0x3ff, b->place_bad);
}

#ifdef CONFIG_ARM64
void rr_sync_icache(unsigned long start, unsigned long end);
#else
/*
 * Nothing to clean: x86 keeps instruction fetch coherent with stores; the
 * pass's kick_all_cpus_sync() serializes every CPU.
 */
static inline void rr_sync_icache(unsigned long start, unsigned long end)
{
}
#endif
/* memcpy() and memset() to the arena's poison, cheapest per arch */
void rr_copy_code(void *dst, const void *src, size_t n);
void rr_poison_code(void *dst, size_t n);
int rr_fix_traps(struct rr_body *b, u8 *dst, unsigned long newaddr);
bool rr_key_site_ok(const struct rr_body *b, unsigned int offset,
		     unsigned int stub);
unsigned int rr_stub_bytes(u8 kind);
int rr_write_stub(struct rr_body *b, const struct rr_psite *p, u8 *dst,
		  unsigned long newaddr, unsigned int at);

/* --- patched.c: jump labels and static calls in copies ------------------ */
int rr_find_patched(struct rr_body *b, struct module *owner);
unsigned int rr_patched_room(const struct rr_body *b);
int rr_fix_patched(struct rr_body *b, u8 *dst, unsigned long newaddr);

/* --- trap.c: WARN/BUG in a copy reported from the loaded body ----------- */
int rr_trap_init(void);
void rr_trap_exit(void);
int rr_find_traps(struct rr_body *b, struct module *owner);

/* --- pass.c: a pass and the thread that runs one every period_ms -------- */
extern unsigned int rr_period_ms;	/* the parameter period_ms */
/*
 * One noinline function per step of RR_STEPS, named rerandom_step_<name>
 * (RR_STEP() in pass.c pastes the name), and rerandom_pass(), which calls
 * them in that order.
 */
int rerandom_step_copy(void);
int rerandom_step_fixup(void);
int rerandom_step_switch(void);
int rerandom_step_sync(void);
int rerandom_step_grace(void);
int rerandom_step_free(void);
int rerandom_pass(void);
int rr_pass_thread_start(void);
void rr_pass_thread_stop(void);

/* --- rerandom_driver.c: struct Rerandom_Driver and its thread ----------- */
int rr_driver_thread_start(void);
void rr_driver_thread_stop(void);

/* --- debugfs.c ---------------------------------------------------------- */
void rr_debugfs_init(void);
void rr_debugfs_exit(void);

#endif /* _RR_INTERNAL_H */
