// SPDX-License-Identifier: GPL-2.0
/*
 * Relocation on x86_64: checks each recorded site against the body as
 * loaded, and re-targets the 32-bit PC-relative fields of a copy.
 *
 * The object had "opcode rel32" (call e8, jmp e9, jcc 0f 8x) or a
 * rip-relative operand. At load the kernel may have rewritten a call/jmp to
 * a retpoline or return thunk into an indirect branch, "ret; int3" or NOPs:
 * all position-independent, so such a site is left alone.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include <asm/nospec-branch.h>
#include "rr_internal.h"

/* 1: every move re-targets site s (*f says how); 0: none does; -EINVAL */
int rr_check_site(const struct rr_body *b, const struct rr_site *s,
		  struct rr_fix *f)
{
	const u8 *p = b->snap + s->offset;
	u8 c;

	if (RR_SITE_KIND(s) != RR_SITE_X86_REL32 || s->offset < s->oplen ||
	    s->offset + 4 > b->d->size)
		return -EINVAL;
	if (!s->oplen || !memcmp(p - s->oplen, s->opcode, s->oplen)) {
		f->offset = s->offset;
		f->insn = get_unaligned((u32 *)p);
		return 1;
	}
	/* an alternative replaced it (by position-independent code) */
	if (s->kind & RR_SITE_ALT)
		return 0;
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
		return 0;
	}
	return -EINVAL;
}

/*
 * Re-target b's sites in its copy at newaddr, written at dst: each rel32
 * less the distance moved. -ERANGE when a target is beyond +-2 GiB of the
 * copy (nothing in the module area is).
 */
int rr_fix_sites(struct rr_body *b, u8 *dst, unsigned long newaddr)
{
	long delta = (long)newaddr - (long)b->orig;
	const struct rr_fix *f = b->fix, *end = f + b->nfix;

	for (; f < end; f++) {
		s64 v = (s64)(s32)f->insn - delta;

		if (unlikely(v != (s32)v))
			return -ERANGE;
		put_unaligned((u32)v, (u32 *)(dst + f->offset));
	}
	return 0;
}

/* rel32 reaches the whole module area: no veneers */
unsigned int rr_veneer_room(const struct rr_body *b)
{
	return 0;
}

/* any start will do (rr_place_ok()) */
int rr_place_init(struct rr_body *b)
{
	return 0;
}

/*
 * Copy and poison code 8 bytes per iteration: the kernel's memcpy() and
 * memset() are "rep movsb"/"rep stosb" on CPUs with ERMS, and string
 * instructions count once per iteration in guest instructions (-icount), so
 * a pass's copies and frees cost a byte each otherwise (docs/performance.md).
 */
void rr_copy_code(void *dst, const void *src, size_t n)
{
	size_t words = n / 8;

	asm volatile("rep movsq"
		     : "+D" (dst), "+S" (src), "+c" (words) : : "memory");
	if (n % 8)	/* a pass copies whole words (the snapshot is padded) */
		memcpy(dst, src, n % 8);
}

void rr_poison_code(void *dst, size_t n)
{
	size_t words = n / 8;

	asm volatile("rep stosq"
		     : "+D" (dst), "+c" (words)
		     : "a" (0xccccccccccccccccUL) : "memory");
	memset(dst, 0xcc, n % 8);
}

/* a ud2 in a copy is sent to the loaded body by trap.c's die notifier */
int rr_fix_traps(struct rr_body *b, u8 *dst, unsigned long newaddr)
{
	return 0;
}

/*
 * Stubs for the sites the kernel patches (patched.c). A jump label site is
 * 5 bytes (jmp rel32 or the 5-byte NOP), which a jmp rel32 to its stub
 * replaces, or 2 bytes (jmp rel8 or the 2-byte NOP: the assembler chose the
 * short jmp, a target within 127 bytes), which a jmp rel8 replaces when the
 * stub is within its reach (small bodies, such as bfq_cpd_init).
 */
static const u8 rr_nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const u8 rr_nop2[] = { 0x66, 0x90 };

/* 5 or 2: the length of the jump label site at offset of b; 0: neither */
static unsigned int rr_key_site_len(const struct rr_body *b,
				    unsigned int offset)
{
	const u8 *p = b->snap + offset;

	if (offset + 5 <= b->d->size &&
	    (p[0] == 0xe9 || !memcmp(p, rr_nop5, sizeof(rr_nop5))))
		return 5;
	if (offset + 2 <= b->d->size &&
	    (p[0] == 0xeb || !memcmp(p, rr_nop2, sizeof(rr_nop2))))
		return 2;
	return 0;
}

/* the site's jmp can reach its stub at offset stub of the copy */
bool rr_key_site_ok(const struct rr_body *b, unsigned int offset,
		    unsigned int stub)
{
	unsigned int len = rr_key_site_len(b, offset);

	return len == 5 || (len == 2 && stub - (offset + 2) <= 127);
}

unsigned int rr_stub_bytes(u8 kind)
{
	return kind == RR_PSITE_KEY ? 24 : 32;
}

/* write "opcode rel32" at dst (address at) to target; -ERANGE if too far */
static int rr_put_rel32(u8 *dst, unsigned long at, u8 opcode,
			unsigned long target)
{
	s64 d = (s64)target - (s64)(at + 5);

	if (d != (s32)d)
		return -ERANGE;
	dst[0] = opcode;
	put_unaligned((u32)(s32)d, (u32 *)(dst + 1));
	return 0;
}

/*
 * Jump label (24 bytes):                 static call (32 bytes):
 *   pushfq                                 movabs $key, %r11
 *   cmpl $0, key->enabled(%rip)            mov (%r11), %r11   (key->func)
 *   jg 1f                                  test %r11, %r11
 *   popfq; jmp <when disabled>             je 1f
 *   1: popfq; jmp <when enabled>           jmp *%r11 (the retpoline thunk)
 *                                          1: ret (the return thunk)
 * Flags are preserved at a jump label (an asm goto may keep them live);
 * at a call site they and r11 are the callee's to clobber.
 */
int rr_write_stub(struct rr_body *b, const struct rr_psite *p, u8 *dst,
		  unsigned long newaddr, unsigned int at)
{
	unsigned long site = newaddr + p->offset, sa = newaddr + at;
	u8 *st = dst + at;
	s64 d;
	int err;

	memset(st, 0xcc, rr_stub_bytes(p->kind));
	if (p->kind == RR_PSITE_KEY) {
		unsigned int len = rr_key_site_len(b, p->offset);
		unsigned long tgt = newaddr + p->target, fall = site + len;

		d = (s64)p->key - (s64)(sa + 8);
		if (d != (s32)d)
			return -ERANGE;
		st[0] = 0x9c;
		st[1] = 0x83;
		st[2] = 0x3d;
		put_unaligned((u32)(s32)d, (u32 *)(st + 3));
		st[7] = 0x00;
		st[8] = 0x7f;
		st[9] = 0x06;
		st[10] = 0x9d;
		err = rr_put_rel32(st + 11, sa + 11, 0xe9, p->flag ? tgt : fall);
		st[16] = 0x9d;
		if (!err)
			err = rr_put_rel32(st + 17, sa + 17, 0xe9,
					   p->flag ? fall : tgt);
		if (err)
			return err;
		if (len == 5)
			return rr_put_rel32(dst + p->offset, site, 0xe9, sa);
		/* jmp rel8 (the reach was checked at registration) */
		d = (s64)sa - (s64)(site + 2);
		if (len != 2 || d != (s8)d)
			return -ERANGE;
		dst[p->offset] = 0xeb;
		dst[p->offset + 1] = (u8)(s8)d;
		return 0;
	}
	st[0] = 0x49;
	st[1] = 0xbb;
	put_unaligned((u64)p->key, (u64 *)(st + 2));
	memcpy(st + 10, "\x4d\x8b\x1b\x4d\x85\xdb\x74\x05", 8);
#ifdef CONFIG_RETPOLINE
	err = rr_put_rel32(st + 18, sa + 18, 0xe9,
			   (unsigned long)__x86_indirect_thunk_r11);
#else
	memcpy(st + 18, "\x41\xff\xe3\xcc\xcc", 5);
	err = 0;
#endif
#ifdef CONFIG_RETHUNK
	if (!err)
		err = rr_put_rel32(st + 23, sa + 23, 0xe9,
				   (unsigned long)__x86_return_thunk);
#else
	st[23] = 0xc3;
#endif
	/* a call stays a call (the return address is in the copy) */
	if (!err)
		err = rr_put_rel32(dst + p->offset, site, p->flag ? 0xe9 : 0xe8,
				   sa);
	return err;
}
