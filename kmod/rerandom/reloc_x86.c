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
#include "rr_internal.h"

int rr_check_site(const struct rr_body *b, const struct rr_site *s, u8 *act)
{
	const u8 *p = b->snap + s->offset;
	u8 c;

	if (RR_SITE_KIND(s) != RR_SITE_X86_REL32 || s->offset < s->oplen ||
	    s->offset + 4 > b->d->size)
		return -EINVAL;
	if (!s->oplen || !memcmp(p - s->oplen, s->opcode, s->oplen)) {
		*act = RR_ACT_FIX;
		return 0;
	}
	/* an alternative replaced it (by position-independent code) */
	if (s->kind & RR_SITE_ALT) {
		*act = RR_ACT_SKIP;
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

/* -ERANGE when the target is beyond +-2 GiB of the copy */
int rr_fix_site(struct rr_body *b, const struct rr_site *s, u8 *dst,
		unsigned long newaddr, unsigned int *veneer)
{
	long delta = (long)newaddr - (long)b->orig;
	s64 v = (s32)get_unaligned((u32 *)(b->snap + s->offset)) - delta;

	if (v != (s32)v)
		return -ERANGE;
	put_unaligned((u32)(s32)v, (u32 *)(dst + s->offset));
	return 0;
}

/* rel32 reaches the whole module area: no veneers */
unsigned int rr_veneer_room(const struct rr_body *b)
{
	return 0;
}

bool rr_place_ok(const struct rr_body *b, unsigned long addr)
{
	return true;
}

/*
 * Nothing to clean: x86 keeps instruction fetch coherent with stores; the
 * pass's kick_all_cpus_sync() serializes every CPU.
 */
void rr_sync_icache(unsigned long start, unsigned long end)
{
}

/* a ud2 in a copy is sent to the loaded body by trap.c's die notifier */
int rr_fix_traps(struct rr_body *b, u8 *dst, unsigned long newaddr)
{
	return 0;
}
