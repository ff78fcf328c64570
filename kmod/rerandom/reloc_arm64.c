// SPDX-License-Identifier: GPL-2.0
/*
 * Relocation on arm64: checks each recorded site against the body as
 * loaded, re-targets the b/bl, adrp and adr instructions of a copy (with a
 * veneer at the copy's end for a branch beyond +-128 MiB), keeps adrp off
 * the addresses erratum 843419 forbids, and cleans the copy to the point
 * of unification.
 */
#include <linux/kernel.h>
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <asm/unaligned.h>
#include <asm/cacheflush.h>
#include "rr_internal.h"

/* ldr x16, #8; br x16; .quad target */
#define RR_VENEER_BYTES	16

#define A64_IS_B(i)	(((i) & 0x7c000000) == 0x14000000)
#define A64_IS_ADRP(i)	(((i) & 0x9f000000) == 0x90000000)
#define A64_IS_ADR(i)	(((i) & 0x9f000000) == 0x10000000)

static inline s64 rr_sext(u64 v, int bits)
{
	return (s64)(v << (64 - bits)) >> (64 - bits);
}

/* the imm of an adrp or adr */
static inline s64 rr_adr_imm(u32 insn)
{
	return rr_sext(((insn >> 5) & 0x7ffff) << 2 | ((insn >> 29) & 3), 21);
}

/* insn (adrp or adr) with its imm set to d */
static inline u32 rr_adr_set(u32 insn, s64 d)
{
	return (insn & 0x9f00001f) | ((d & 3) << 29) | (((d >> 2) & 0x7ffff) << 5);
}

/*
 * 1: every move re-targets site s, whose instruction and target *f keeps
 * (decoded once, here); 0: none does; -EINVAL
 */
int rr_check_site(const struct rr_body *b, const struct rr_site *s,
		  struct rr_fix *f)
{
	unsigned long p = b->orig + s->offset;
	u32 insn;

	if (s->offset + 4 > b->d->size || (s->offset & 3))
		return -EINVAL;
	insn = get_unaligned_le32(b->snap + s->offset);
	f->offset = s->offset;
	f->insn = insn;
	switch (RR_SITE_KIND(s)) {
	case RR_SITE_A64_BRANCH26:
		if (A64_IS_B(insn))
			goto fix;
		break;
	case RR_SITE_A64_ADRP:
	case RR_SITE_A64_ADR:
		/* the loader may turn adrp into adr, or into b to a veneer */
		if (A64_IS_ADRP(insn) || A64_IS_ADR(insn) || A64_IS_B(insn))
			goto fix;
		break;
	default:
		return -EINVAL;
	}
	/* an alternative replaced it (by position-independent code) */
	if (s->kind & RR_SITE_ALT)
		return 0;
	return -EINVAL;
fix:
	if (A64_IS_B(insn))
		f->target = p + (rr_sext(insn & 0x3ffffff, 26) << 2);
	else if (A64_IS_ADRP(insn))
		f->target = (p & ~0xfffUL) + (rr_adr_imm(insn) << 12);
	else
		f->target = p + rr_adr_imm(insn);
	return 1;
}

/*
 * Re-target b's sites for a copy at newaddr, written at dst; a b/bl out of
 * range goes through a veneer after the body. -ERANGE when an adrp or adr
 * cannot reach its target from the copy.
 */
int rr_fix_sites(struct rr_body *b, u8 *dst, unsigned long newaddr)
{
	const struct rr_fix *f = b->fix, *end = f + b->nfix;
	unsigned int veneer = ALIGN(b->d->size, 8);

	for (; f < end; f++) {
		unsigned long np = newaddr + f->offset;
		u32 insn = f->insn;
		s64 d;

		if (A64_IS_B(insn)) {
			d = (s64)(f->target - np);
			if (unlikely(d < -(1LL << 27) || d >= (1LL << 27))) {
				u8 *v = dst + veneer;

				put_unaligned_le32(0x58000050, v);
				put_unaligned_le32(0xd61f0200, v + 4);
				put_unaligned_le64(f->target, v + 8);
				d = (s64)(newaddr + veneer - np);
				veneer += RR_VENEER_BYTES;
				rr_count(&rr_stats.veneers, 1);
			}
			insn = (insn & 0xfc000000) | ((d >> 2) & 0x3ffffff);
		} else if (A64_IS_ADRP(insn)) {
			d = ((s64)f->target - (s64)(np & ~0xfffUL)) >> 12;
			if (d < -(1LL << 20) || d >= (1LL << 20))
				return -ERANGE;
			insn = rr_adr_set(insn, d);
		} else {
			d = (s64)(f->target - np);
			if (d < -(1LL << 20) || d >= (1LL << 20))
				return -ERANGE;
			insn = rr_adr_set(insn, d);
		}
		put_unaligned_le32(insn, dst + f->offset);
	}
	return 0;
}

/*
 * Room for one veneer per site that may become a branch (the loader turns
 * adrp/adr into b to its own veneer when it must).
 */
unsigned int rr_veneer_room(const struct rr_body *b)
{
	const struct rr_site *s;
	unsigned int k, n = 0;

	rr_for_each_site(b, s, k)
		if (RR_SITE_KIND(s) == RR_SITE_A64_BRANCH26 ||
		    RR_SITE_KIND(s) == RR_SITE_A64_ADRP ||
		    RR_SITE_KIND(s) == RR_SITE_A64_ADR)
			n++;
	return RR_VENEER_BYTES * n;
}

/*
 * Erratum 843419 (Cortex-A53): an adrp in the last two words of a page is
 * unsafe; the module loader avoids it, so do we. Whether a start puts one
 * of b's adrp there depends on the start modulo a page only: b->place_bad
 * marks those starts (in words, 1024 a page), so that each of a placement's
 * random draws costs one bit test (rr_place_ok()), not a walk over the
 * body's sites.
 */
int rr_place_init(struct rr_body *b)
{
	const struct rr_fix *f = b->fix, *end = f + b->nfix;

	for (; f < end; f++) {
		unsigned int w = f->offset >> 2;

		if (!A64_IS_ADRP(f->insn))
			continue;
		if (!b->place_bad) {
			b->place_bad = bitmap_zalloc(1024, GFP_KERNEL);
			if (!b->place_bad)
				return -ENOMEM;
		}
		/* (start + offset) % 4096 is 0xff8 or 0xffc */
		__set_bit((0x3fe - w) & 0x3ff, b->place_bad);
		__set_bit((0x3ff - w) & 0x3ff, b->place_bad);
	}
	return 0;
}

/* arm64's memcpy() and memset() move 16 bytes or more per instruction */
void rr_copy_code(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

/* udf #0 */
void rr_poison_code(void *dst, size_t n)
{
	memset(dst, 0, n);
}

void rr_sync_icache(unsigned long start, unsigned long end)
{
	caches_clean_inval_pou(start, end);
}

/*
 * Each WARN/BUG trap (brk) of the copy becomes a branch to the same brk in
 * the loaded body, which the kernel's bug table knows (trap.c). -ERANGE
 * when the loaded body is beyond +-128 MiB (no veneer: x16/x17 may be live
 * at a trap site).
 */
int rr_fix_traps(struct rr_body *b, u8 *dst, unsigned long newaddr)
{
	unsigned int k;

	for (k = 0; k < b->ntraps; k++) {
		unsigned long np = newaddr + b->traps[k];
		s64 d = (s64)(b->orig + b->traps[k]) - (s64)np;

		if (d < -(1LL << 27) || d >= (1LL << 27))
			return -ERANGE;
		put_unaligned_le32(0x14000000 | ((d >> 2) & 0x3ffffff),
				   dst + b->traps[k]);
	}
	return 0;
}

/* Stubs for the sites the kernel patches (patched.c): jump labels only. */
/* a b reaches any stub of the copy */
bool rr_key_site_ok(const struct rr_body *b, unsigned int offset,
		     unsigned int stub)
{
	return offset + 4 <= b->d->size && !(offset & 3);
}

unsigned int rr_stub_bytes(u8 kind)
{
	return kind == RR_PSITE_KEY ? 56 : 0;
}

static int rr_put_b(u8 *dst, unsigned long at, unsigned long target)
{
	s64 d = (s64)target - (s64)at;

	if (d < -(1LL << 27) || d >= (1LL << 27))
		return -ERANGE;
	put_unaligned_le32(0x14000000 | ((d >> 2) & 0x3ffffff), dst);
	return 0;
}

/*
 * Jump label (56 bytes), entered by a b from the site; x16, x17 and the
 * flags are preserved (an asm goto may keep anything live):
 *   stp x16, x17, [sp, #-16]!
 *   mrs x17, nzcv
 *   ldr x16, =key
 *   ldr w16, [x16]             key->enabled
 *   cmp w16, #0
 *   b.gt 1f
 *   msr nzcv, x17; ldp x16, x17, [sp], #16; b <when disabled>
 *   1: msr nzcv, x17; ldp x16, x17, [sp], #16; b <when enabled>
 *   .quad key
 */
int rr_write_stub(struct rr_body *b, const struct rr_psite *p, u8 *dst,
		  unsigned long newaddr, unsigned int at)
{
	static const u32 code[] = {
		0xa9bf47f0, 0xd53b4211, 0x58000150, 0xb9400210, 0x7100021f,
		0x5400008c, 0xd51b4211, 0xa8c147f0, 0, 0xd51b4211, 0xa8c147f0,
		0,
	};
	unsigned long site = newaddr + p->offset, sa = newaddr + at;
	unsigned long tgt = newaddr + p->target, fall = site + 4;
	u8 *st = dst + at;
	unsigned int i;
	int err;

	if (p->kind != RR_PSITE_KEY)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(code); i++)
		put_unaligned_le32(code[i], st + 4 * i);
	put_unaligned_le64(p->key, st + 48);
	err = rr_put_b(st + 32, sa + 32, p->flag ? tgt : fall);
	if (!err)
		err = rr_put_b(st + 44, sa + 44, p->flag ? fall : tgt);
	if (!err)
		err = rr_put_b(dst + p->offset, site, sa);
	return err;
}
