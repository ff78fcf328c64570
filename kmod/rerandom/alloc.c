// SPDX-License-Identifier: GPL-2.0
/*
 * The arena allocator: hands out and takes back 64-byte granules of the
 * arena (arena.S, executable, read-only) and gives the read-write alias
 * (a vmap of the same pages) through which the copies are written. A freed
 * spot is poisoned first, so a stale jump into it traps. It also keeps, per
 * granule, which loaded body the copy there was made from (rr_arena_origin(),
 * for the trap handlers: trap.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/bitmap.h>
#include <linux/random.h>
#include <linux/spinlock.h>
#include "rr_internal.h"
#include "arena.h"

#define RR_GRAN		64
#define RR_MAX_GRANS	(8 * 1024 * 1024 / RR_GRAN)
/* what arena.S fills the arena with: int3 on x86_64, udf #0 on arm64 */
#define RR_POISON	(IS_ENABLED(CONFIG_X86_64) ? 0xcc : 0x00)

static u8 *rr_alias;			/* read-write view of the arena */
static unsigned int rr_ngran;
static DECLARE_BITMAP(rr_map, RR_MAX_GRANS);
static DEFINE_SPINLOCK(rr_arena_lock);
static unsigned int rr_used;		/* granules in use */
static unsigned int rr_peak;		/* the most ever in use at once */

/* per granule: the copy covering it and the loaded body it copies (0: none) */
struct rr_origin {
	unsigned long start;
	unsigned long orig;
};

static struct rr_origin *rr_origins;

static inline unsigned long rr_addr(unsigned int gran)
{
	return (unsigned long)rr_arena + (unsigned long)gran * RR_GRAN;
}

bool rr_in_arena(unsigned long addr)
{
	return addr >= (unsigned long)rr_arena &&
	       addr < (unsigned long)rr_arena_end;
}

/* the read-write alias of arena address addr */
u8 *rr_arena_rw(unsigned long addr)
{
	return rr_alias + (addr - (unsigned long)rr_arena);
}

/*
 * Room for bytes at the first free spot from a random granule on (then
 * from the start); 0 when the arena is full. Caller holds rr_lock (only
 * passes allocate).
 */
unsigned long rr_arena_alloc(unsigned int bytes)
{
	unsigned int start = get_random_u32() % rr_ngran;
	unsigned int n = DIV_ROUND_UP(bytes, RR_GRAN);
	unsigned long i;

	spin_lock(&rr_arena_lock);
	i = bitmap_find_next_zero_area(rr_map, rr_ngran, start, n, 0);
	if (i >= rr_ngran)
		i = bitmap_find_next_zero_area(rr_map, rr_ngran, 0, n, 0);
	if (i < rr_ngran) {
		bitmap_set(rr_map, i, n);
		rr_used += n;
		rr_peak = max(rr_peak, rr_used);
	}
	spin_unlock(&rr_arena_lock);
	return i < rr_ngran ? rr_addr(i) : 0;
}

/* the copy at addr (bytes long) is made from the loaded body at orig */
void rr_arena_set_origin(unsigned long addr, unsigned int bytes,
			 unsigned long orig)
{
	unsigned int gran = (addr - (unsigned long)rr_arena) / RR_GRAN;
	unsigned int n = DIV_ROUND_UP(bytes, RR_GRAN), i;

	for (i = 0; i < n; i++) {
		WRITE_ONCE(rr_origins[gran + i].start, addr);
		WRITE_ONCE(rr_origins[gran + i].orig, orig);
	}
}

/*
 * Where in the loaded body the instruction at arena address addr was copied
 * from, or 0. Lock-free, for trap handlers: a copy a CPU executes is not
 * freed (its grace period), so its entry is stable meanwhile.
 */
unsigned long rr_arena_origin(unsigned long addr)
{
	unsigned int gran;
	unsigned long orig;

	if (!rr_in_arena(addr))
		return 0;
	gran = (addr - (unsigned long)rr_arena) / RR_GRAN;
	if (gran >= rr_ngran)
		return 0;
	orig = READ_ONCE(rr_origins[gran].orig);
	return orig ? orig + (addr - READ_ONCE(rr_origins[gran].start)) : 0;
}

void rr_arena_free(unsigned long addr, unsigned int bytes)
{
	unsigned int gran = (addr - (unsigned long)rr_arena) / RR_GRAN;
	unsigned int n = DIV_ROUND_UP(bytes, RR_GRAN), i;

	for (i = 0; i < n; i++)
		WRITE_ONCE(rr_origins[gran + i].orig, 0);

	rr_poison_code(rr_arena_rw(addr), (size_t)n * RR_GRAN);
	spin_lock(&rr_arena_lock);
	bitmap_clear(rr_map, gran, n);
	rr_used -= n;
	spin_unlock(&rr_arena_lock);
}

unsigned int rr_arena_bytes(void)
{
	return rr_ngran * RR_GRAN;
}

unsigned int rr_arena_used_bytes(void)
{
	unsigned int used;

	spin_lock(&rr_arena_lock);
	used = rr_used;
	spin_unlock(&rr_arena_lock);
	return used * RR_GRAN;
}

unsigned int rr_arena_peak_bytes(void)
{
	unsigned int peak;

	spin_lock(&rr_arena_lock);
	peak = rr_peak;
	spin_unlock(&rr_arena_lock);
	return peak * RR_GRAN;
}

int rr_arena_init(void)
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
	rr_origins = vzalloc(array_size(rr_ngran, sizeof(*rr_origins)));
	if (!rr_origins) {
		vunmap(rr_alias);
		return -ENOMEM;
	}
	/* the arena is a NOBITS section: the loader zeroed it */
	memset(rr_alias, RR_POISON, (size_t)npages * PAGE_SIZE);
	return 0;
}

void rr_arena_exit(void)
{
	vfree(rr_origins);
	vunmap(rr_alias);
}
