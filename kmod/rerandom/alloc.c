// SPDX-License-Identifier: GPL-2.0
/*
 * The arena allocator: places each copy at an address drawn uniformly among
 * all the free places of the arena (arena.S, executable, read-only) where it
 * fits, at the finest alignment the architecture allows (RR_ALIGN), from
 * SipHash under a key drawn afresh each pass, and takes it back; gives the read-write alias (a vmap of the same pages) through
 * which the copies are written. A freed spot is poisoned first, so a stale
 * jump into it traps. It also knows which loaded body each copy was made
 * from (rr_arena_origin(), for the trap handlers: trap.c), and counts the
 * places a body could take (rr_arena_places(), its entropy: debugfs.c).
 * docs/rerandom.md, "Placement".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/bitmap.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include "rr_internal.h"
#include "arena.h"

/*
 * Where a copy may start: any byte on x86_64 (nothing in a copy depends on
 * its alignment: the kernel itself aligns jumps and loops to 1 byte there;
 * docs/rerandom.md), any instruction (4 bytes) on arm64.
 */
#define RR_ALIGN	(IS_ENABLED(CONFIG_ARM64) ? 4 : 1)
/*
 * The arena is described per 64-byte block. A copy takes at least a block
 * (RR_BLOCK bytes), so at most one copy starts in any block, and a block's
 * bytes in use are a head (the end of a copy that started before it) and a
 * tail (the start of a copy that runs to the block's end or beyond).
 */
#define RR_BLOCK	64
/* random draws before the exact (counting) fallback */
#define RR_TRIES	32
/* rr_place_ok() depends on the address modulo this (arm64: adrp erratum) */
#define RR_PERIOD	4096
/* what arena.S fills the arena with: int3 on x86_64, udf #0 on arm64 */
#define RR_POISON	(IS_ENABLED(CONFIG_X86_64) ? 0xcc : 0x00)

/*
 * A block's entry, one u64 written with WRITE_ONCE (trap handlers read it
 * without a lock):
 *   bits  0-7   head: bytes [0, head) are the end of a copy begun before
 *   bits  8-15  tail: bytes [RR_BLOCK - tail, RR_BLOCK) begin a copy (0: none)
 *   bit  16     the copy begun here has its origin set
 *   bits 17-63  that copy's loaded body, minus the arena's start (signed)
 */
#define RR_HEAD(e)	((unsigned int)((e) & 0xff))
#define RR_TAIL(e)	((unsigned int)(((e) >> 8) & 0xff))
#define RR_USED_MASK	0xffffULL
#define RR_ORIG_SET	BIT_ULL(16)
#define RR_ORIG_SHIFT	17

static u8 *rr_alias;			/* read-write view of the arena */
long rr_alias_delta;			/* rr_alias - rr_arena: rr_arena_rw() */
static unsigned long rr_size;		/* arena bytes */
static unsigned long rr_nblocks;
static u64 *rr_blocks;			/* per block, see above */
static unsigned long *rr_busy;		/* per block: some byte in use */
static DEFINE_SPINLOCK(rr_arena_lock);
static unsigned long rr_used;		/* bytes in use */
static unsigned long rr_peak;		/* the most ever in use at once */
static unsigned long rr_maxlen;		/* the longest copy ever placed */
static u64 rr_fallbacks;		/* placements that needed the count */

/*
 * The placements' random numbers: SipHash-2-4, a pseudorandom function, of
 * a counter, under a 128-bit key drawn from the kernel's CRNG at the start
 * of every pass (rr_arena_rekey()); each 64-bit output gives two 32-bit
 * draws: a fraction of what get_random_u32_below() costs (a ChaCha20
 * refill every 24 draws, the per-CPU batch's locking); as unpredictable
 * without the key, which never leaves this file: docs/rerandom.md,
 * "Placement". Only passes place (rr_lock); rr_arena_lock covers the state.
 */
static siphash_key_t rr_key;
static u64 rr_ctr;
static u32 rr_spare;
static bool rr_have_spare;

/* a new key for this pass's draws (rr_lock held) */
void rr_arena_rekey(void)
{
	siphash_key_t k = { { get_random_u64(), get_random_u64() } };

	spin_lock(&rr_arena_lock);
	rr_key = k;
	rr_ctr = 0;
	rr_have_spare = false;
	spin_unlock(&rr_arena_lock);
	memzero_explicit(&k, sizeof(k));
}

/* 32 random bits (rr_arena_lock held) */
static __always_inline u32 rr_rand32(void)
{
	u64 v;

	if (rr_have_spare) {
		rr_have_spare = false;
		return rr_spare;
	}
	v = siphash_1u64(rr_ctr++, &rr_key);
	rr_spare = v >> 32;
	rr_have_spare = true;
	return (u32)v;
}

/*
 * Uniform in [0, n), n > 0: the high half of a 32 x 32-bit product, the
 * products that would favour some results rejected (Lemire's method, as
 * get_random_u32_below()).
 */
static __always_inline u32 rr_rand_below(u32 n)
{
	u64 m = (u64)rr_rand32() * n;

	if (unlikely((u32)m < n)) {
		u32 floor = -n % n;

		while ((u32)m < floor)
			m = (u64)rr_rand32() * n;
	}
	return m >> 32;
}

/* the arena bytes a copy of bytes takes: whole RR_ALIGNs, at least a block */
static inline unsigned long rr_footprint(unsigned int bytes)
{
	return max_t(unsigned long, ALIGN(bytes, RR_ALIGN), RR_BLOCK);
}

bool rr_in_arena(unsigned long addr)
{
	return addr >= (unsigned long)rr_arena &&
	       addr < (unsigned long)rr_arena_end;
}

static __always_inline void rr_block_set(unsigned long k, u64 e)
{
	WRITE_ONCE(rr_blocks[k], e);
	if (e & RR_USED_MASK)
		__set_bit(k, rr_busy);
	else
		__clear_bit(k, rr_busy);
}

/*
 * No block of [k0, k1) is busy: a word of rr_busy at a time, inline (a copy
 * spans a few words at most; find_next_bit() is a call and a loop)
 */
static inline bool rr_none_busy(unsigned long k0, unsigned long k1)
{
	unsigned long w0 = k0 / BITS_PER_LONG, w1, w;

	if (k0 >= k1)
		return true;
	w1 = (k1 - 1) / BITS_PER_LONG;
	if (w0 == w1)
		return !(rr_busy[w0] & BITMAP_FIRST_WORD_MASK(k0) &
			 BITMAP_LAST_WORD_MASK(k1));
	if (rr_busy[w0] & BITMAP_FIRST_WORD_MASK(k0))
		return false;
	for (w = w0 + 1; w < w1; w++)
		if (rr_busy[w])
			return false;
	return !(rr_busy[w1] & BITMAP_LAST_WORD_MASK(k1));
}

/* [p, p + len) of the arena is free (offsets; rr_arena_lock held) */
static bool rr_fits(unsigned long p, unsigned long len)
{
	unsigned long k0 = p / RR_BLOCK, k1 = (p + len - 1) / RR_BLOCK;
	unsigned int o0 = p % RR_BLOCK, o1 = p + len - k1 * RR_BLOCK;
	u64 e0 = rr_blocks[k0], e1;

	if (k0 == k1)	/* a whole block (len >= RR_BLOCK) */
		return !(e0 & RR_USED_MASK);
	if (RR_HEAD(e0) > o0 || RR_TAIL(e0))
		return false;
	e1 = rr_blocks[k1];
	if (RR_HEAD(e1) || RR_BLOCK - RR_TAIL(e1) < o1)
		return false;
	return rr_none_busy(k0 + 1, k1);
}

/*
 * mark [p, p + len) in use by a copy whose first block's entry gets the
 * origin bits orig (set), or free (!set); rr_arena_lock held
 */
static void rr_mark(unsigned long p, unsigned long len, bool set, u64 orig)
{
	unsigned long k0 = p / RR_BLOCK, k1 = (p + len - 1) / RR_BLOCK, k;
	unsigned int o0 = p % RR_BLOCK, o1 = p + len - k1 * RR_BLOCK;

	/* the first block keeps its head; its tail and origin are the copy's */
	rr_block_set(k0, (rr_blocks[k0] & 0xff) |
		     (set ? (u64)(RR_BLOCK - o0) << 8 | orig : 0));
	/* the blocks between: whole, one store each, their bits at once */
	for (k = k0 + 1; k < k1; k++)
		WRITE_ONCE(rr_blocks[k], set ? RR_BLOCK : 0);
	if (k1 > k0 + 1) {
		if (set)
			bitmap_set(rr_busy, k0 + 1, k1 - k0 - 1);
		else
			bitmap_clear(rr_busy, k0 + 1, k1 - k0 - 1);
	}
	/* the last block keeps its tail (and the origin of the copy there) */
	if (k1 > k0)
		rr_block_set(k1, (rr_blocks[k1] & ~0xffULL) | (set ? o1 : 0));
}

/*
 * Each maximal free stretch [a, b) of the arena, in order, until fn returns
 * true. Stretches inside a single block are left out: shorter than any copy.
 */
typedef bool (*rr_free_fn)(unsigned long a, unsigned long b, void *arg);

static void rr_walk_free(rr_free_fn fn, void *arg)
{
	unsigned long a = 0, m;

	for (m = find_first_bit(rr_busy, rr_nblocks); m < rr_nblocks;
	     m = find_next_bit(rr_busy, rr_nblocks, m + 1)) {
		u64 e = rr_blocks[m];
		unsigned long b = m * RR_BLOCK +
			(RR_HEAD(e) ? 0 : RR_BLOCK - RR_TAIL(e));

		if (b > a && fn(a, b, arg))
			return;
		a = RR_TAIL(e) ? (m + 1) * RR_BLOCK : m * RR_BLOCK + RR_HEAD(e);
	}
	if (rr_size > a)
		fn(a, rr_size, arg);
}

/* the starts (in RR_ALIGN units) of a copy of len bytes inside [a, b) */
static inline unsigned long rr_starts(unsigned long a, unsigned long b,
				      unsigned long len, unsigned long *first)
{
	a = ALIGN(a, RR_ALIGN);
	*first = a / RR_ALIGN;
	return b >= a + len ? (b - len - a) / RR_ALIGN + 1 : 0;
}

struct rr_pick {
	unsigned long len;	/* the footprint to place */
	unsigned long n;	/* counting: places seen; picking: the index */
	unsigned long at;	/* picked: the offset */
};

static bool rr_count_fn(unsigned long a, unsigned long b, void *arg)
{
	struct rr_pick *pk = arg;
	unsigned long first;

	pk->n += rr_starts(a, b, pk->len, &first);
	return false;
}

static bool rr_pick_fn(unsigned long a, unsigned long b, void *arg)
{
	struct rr_pick *pk = arg;
	unsigned long first, n = rr_starts(a, b, pk->len, &first);

	if (pk->n >= n) {
		pk->n -= n;
		return false;
	}
	pk->at = (first + pk->n) * RR_ALIGN;
	return true;
}

/*
 * The fallback of rr_arena_alloc(): count the free places for len bytes,
 * draw the k-th, k uniform, until rr_place_ok() accepts one (up to RR_TRIES
 * times); its offset in *p. Out of line: the common path has no struct on
 * its stack (nor the stack protector's check that it would bring).
 */
static noinline bool rr_alloc_counted(const struct rr_body *b,
				      unsigned long len, unsigned long *p)
{
	struct rr_pick pk = { .len = len };
	unsigned long nfree;
	unsigned int try;

	rr_fallbacks++;
	rr_walk_free(rr_count_fn, &pk);
	nfree = pk.n;
	for (try = 0; nfree && try < RR_TRIES; try++) {
		pk.n = rr_rand_below(nfree);
		rr_walk_free(rr_pick_fn, &pk);
		*p = pk.at;
		if (rr_place_ok(b, (unsigned long)rr_arena + *p))
			return true;
	}
	return false;
}

/*
 * Room for a copy of b at a place drawn uniformly among all the free places
 * where it fits and rr_place_ok() accepts it; 0 when there is none. First up
 * to RR_TRIES draws among all the places of the arena, the first acceptable
 * one taken (given that it is free and accepted, each such place is equally
 * likely); if none was, count the free places, draw the k-th, k uniform,
 * until one is accepted (up to RR_TRIES times). Either way each acceptable
 * free place has the same chance. The copy's first block records the loaded
 * body it is made from (rr_arena_origin()) in the same store. Caller holds
 * rr_lock (only passes allocate).
 */
unsigned long rr_arena_alloc(const struct rr_body *b)
{
	unsigned long base = (unsigned long)rr_arena;
	unsigned long len = rr_footprint(b->bytes), p = 0;
	long d = (long)b->orig - (long)base;
	unsigned long npos;
	unsigned int try;
	bool found = false;
	u64 orig = 0;

	if (len > rr_size)
		return 0;
	/* any two kernel text addresses are closer than 2^46 bytes */
	if (!WARN_ON_ONCE(d < -(1L << 46) || d >= (1L << 46)))
		orig = RR_ORIG_SET | ((u64)d << RR_ORIG_SHIFT);
	npos = (rr_size - len) / RR_ALIGN + 1;
	spin_lock(&rr_arena_lock);
	for (try = 0; try < RR_TRIES && !found; try++) {
		p = (unsigned long)rr_rand_below(npos) * RR_ALIGN;
		found = rr_fits(p, len) && rr_place_ok(b, base + p);
	}
	if (!found)
		found = rr_alloc_counted(b, len, &p);
	if (found) {
		rr_mark(p, len, true, orig);
		rr_used += len;
		rr_peak = max(rr_peak, rr_used);
		if (len > rr_maxlen)
			WRITE_ONCE(rr_maxlen, len);
	}
	spin_unlock(&rr_arena_lock);
	return found ? base + p : 0;
}

/*
 * Where in the loaded body the instruction at arena address addr was copied
 * from, or 0. Lock-free, for trap handlers: a copy a CPU executes is not
 * freed (its grace period), so the entries of its blocks are stable
 * meanwhile (its first block's head and last block's tail belong to other
 * copies and may change: each entry is one word, read whole).
 */
unsigned long rr_arena_origin(unsigned long addr)
{
	unsigned long off, k, lo, start;
	unsigned int o;
	u64 e;

	if (!rr_in_arena(addr))
		return 0;
	off = addr - (unsigned long)rr_arena;
	k = off / RR_BLOCK;
	o = off % RR_BLOCK;
	if (k >= rr_nblocks)
		return 0;
	e = READ_ONCE(rr_blocks[k]);
	if (o < RR_HEAD(e)) {
		/* in a copy begun before this block: back to its first block */
		lo = READ_ONCE(rr_maxlen) / RR_BLOCK + 1;
		lo = k > lo ? k - lo : 0;
		do {
			if (!k--)
				return 0;
			e = READ_ONCE(rr_blocks[k]);
		} while (!RR_TAIL(e) && k > lo);
		if (!RR_TAIL(e))
			return 0;
	} else if (o < RR_BLOCK - RR_TAIL(e)) {
		return 0;	/* a free byte */
	}
	if (!(e & RR_ORIG_SET))
		return 0;
	start = (unsigned long)rr_arena + k * RR_BLOCK + RR_BLOCK - RR_TAIL(e);
	return (unsigned long)rr_arena + ((s64)e >> RR_ORIG_SHIFT) +
	       (addr - start);
}

void rr_arena_free(unsigned long addr, unsigned int bytes)
{
	unsigned long p = addr - (unsigned long)rr_arena;
	unsigned long len = rr_footprint(bytes);

	rr_poison_code(rr_arena_rw(addr), len);
	spin_lock(&rr_arena_lock);
	rr_mark(p, len, false, 0);
	rr_used -= len;
	spin_unlock(&rr_arena_lock);
}

/*
 * The places where a copy of b could start and rr_place_ok() accepts it:
 * in the empty arena (*empty) and among the free places of the arena as it
 * is now (*now; b's own current copy is in use). log2 of either is b's
 * entropy. rr_place_ok() depends on the address modulo RR_PERIOD only (the
 * arena starts on a page), so each start modulo RR_PERIOD is checked once.
 */
struct rr_places {
	unsigned long len;
	u16 *ok;		/* ok[i]: accepted starts among the first i */
	u64 now;
};

#define RR_NRES	(RR_PERIOD / RR_ALIGN)

/* accepted starts among [0, n) (RR_ALIGN units) */
static u64 rr_ok_below(const u16 *ok, unsigned long n)
{
	return (u64)(n / RR_NRES) * ok[RR_NRES] + ok[n % RR_NRES];
}

static bool rr_places_fn(unsigned long a, unsigned long b, void *arg)
{
	struct rr_places *pl = arg;
	unsigned long first, n = rr_starts(a, b, pl->len, &first);

	pl->now += rr_ok_below(pl->ok, first + n) - rr_ok_below(pl->ok, first);
	return false;
}

int rr_arena_places(const struct rr_body *b, u64 *empty, u64 *now)
{
	struct rr_places pl = { .len = rr_footprint(b->bytes) };
	unsigned int i;

	*empty = 0;
	*now = 0;
	if (pl.len > rr_size)
		return 0;
	pl.ok = kmalloc_array(RR_NRES + 1, sizeof(*pl.ok), GFP_KERNEL);
	if (!pl.ok)
		return -ENOMEM;
	pl.ok[0] = 0;
	for (i = 0; i < RR_NRES; i++)
		pl.ok[i + 1] = pl.ok[i] +
			rr_place_ok(b, (unsigned long)rr_arena + i * RR_ALIGN);
	*empty = rr_ok_below(pl.ok, (rr_size - pl.len) / RR_ALIGN + 1);
	spin_lock(&rr_arena_lock);
	rr_walk_free(rr_places_fn, &pl);
	spin_unlock(&rr_arena_lock);
	*now = pl.now;
	kfree(pl.ok);
	return 0;
}

unsigned int rr_arena_bytes(void)
{
	return rr_size;
}

unsigned int rr_arena_align(void)
{
	return RR_ALIGN;
}

unsigned int rr_arena_used_bytes(void)
{
	unsigned int used;

	spin_lock(&rr_arena_lock);
	used = rr_used;
	spin_unlock(&rr_arena_lock);
	return used;
}

unsigned int rr_arena_peak_bytes(void)
{
	unsigned int peak;

	spin_lock(&rr_arena_lock);
	peak = rr_peak;
	spin_unlock(&rr_arena_lock);
	return peak;
}

u64 rr_arena_fallbacks(void)
{
	u64 n;

	spin_lock(&rr_arena_lock);
	n = rr_fallbacks;
	spin_unlock(&rr_arena_lock);
	return n;
}

int rr_arena_init(void)
{
	unsigned int npages = (rr_arena_end - rr_arena) >> PAGE_SHIFT;
	struct page **pages;
	unsigned int i;

	BUILD_BUG_ON(RR_PERIOD % RR_ALIGN || RR_NRES > U16_MAX);
	if (!PAGE_ALIGNED(rr_arena) || !npages)
		return -EINVAL;
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		pages[i] = vmalloc_to_page(rr_arena + (size_t)i * PAGE_SIZE);
		if (!pages[i]) {
			kvfree(pages);
			return -EFAULT;
		}
	}
	rr_alias = vmap(pages, npages, VM_MAP, PAGE_KERNEL);
	kvfree(pages);
	if (!rr_alias)
		return -ENOMEM;
	rr_alias_delta = (long)rr_alias - (long)rr_arena;
	rr_size = (unsigned long)npages * PAGE_SIZE;
	rr_nblocks = rr_size / RR_BLOCK;
	rr_blocks = vzalloc(array_size(rr_nblocks, sizeof(*rr_blocks)));
	rr_busy = vzalloc(BITS_TO_LONGS(rr_nblocks) * sizeof(long));
	if (!rr_blocks || !rr_busy) {
		vfree(rr_blocks);
		vfree(rr_busy);
		vunmap(rr_alias);
		return -ENOMEM;
	}
	/* the arena is a NOBITS section: the loader zeroed it */
	memset(rr_alias, RR_POISON, rr_size);
	rr_arena_rekey();
	return 0;
}

void rr_arena_exit(void)
{
	vfree(rr_busy);
	vfree(rr_blocks);
	vunmap(rr_alias);
}
