/* SPDX-License-Identifier: GPL-2.0 */
/*
 * a64_store.h: the one AArch64 store decoder. Given the instruction word at
 * a trapping PC and the register file, say what it stores where, and of what
 * kind. arm64 watchpoints trap *before* the store, so the value about to be
 * written is still in the source register(s).
 *
 * Used by watchpoint.ko (kmod/watchpoint/arch_arm64.c), which emulates the
 * plain subset (A64_ST_PLAIN) and refuses the rest with a reason, and by
 * user space (user/lib/a64.c, wpwatch watch), which reports every kind.
 * Unit-tested on the host by tests/unit/test_a64.c.
 *
 * Plain C types, no libc or kernel calls: included by plain name through
 * -I include/. Encodings from the Arm ARM, C4.1.66 (loads and stores).
 * Functions are static inline so that each side compiles only what it uses.
 */
#ifndef WPWATCH_A64_STORE_H
#define WPWATCH_A64_STORE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
#endif

/* X0..X30 and SP, as the trap saved them (struct user_pt_regs' order). */
struct a64_regs {
	uint64_t x[31];
	uint64_t sp;
};

/* What kind of store: only A64_ST_PLAIN can be redone by plain stores. */
enum a64_store_kind {
	A64_ST_PLAIN,	/* STR/STRB/STRH/STUR (any addressing), STP/STNP */
	A64_ST_UNPRIV,	/* STTR/STTRB/STTRH: checked with EL0 permissions */
	A64_ST_RELEASE,	/* STLR/STLRB/STLRH: ordered */
	A64_ST_EXCL,	/* STXR/STLXR/STXP/STLXP: may fail, result in Rs */
	A64_ST_ATOMIC,	/* LSE atomics (LDADD..., SWP, their ST* aliases) */
};

/* The operation of an A64_ST_ATOMIC store (A64_PLAIN for every other). */
enum {
	A64_PLAIN, A64_ADD, A64_CLR, A64_EOR, A64_SET,
	A64_SMAX, A64_SMIN, A64_UMAX, A64_UMIN, A64_SWP
};

struct a64_store {
	uint64_t addr;		/* first byte written */
	unsigned int size;	/* bytes written: 1, 2, 4, 8 or 16 (pairs) */
	uint8_t bytes[16];	/* the bytes written, little endian; for an
				 * atomic other than SWP they depend on memory
				 */
	int kind;		/* A64_ST_* */
	int atomic;		/* A64_ADD...A64_SWP for A64_ST_ATOMIC */
	uint64_t operand;	/* Rs of an atomic */
	int wb_reg;		/* base register written back (31 = SP), or -1 */
	uint64_t wb_val;	/* its value after the instruction */
	bool wb_overlap;	/* write-back base is also a source register:
				 * CONSTRAINED UNPREDICTABLE
				 */
	const char *what;	/* mnemonic family, for diagnostics */
};

static inline uint64_t a64_xreg(const struct a64_regs *r, unsigned int n)
{
	return n == 31 ? 0 : r->x[n];		/* 31 = XZR */
}

static inline uint64_t a64_xreg_sp(const struct a64_regs *r, unsigned int n)
{
	return n == 31 ? r->sp : r->x[n];	/* 31 = SP */
}

/* The low @bits of @v, sign-extended to 64 bits (1 <= bits <= 64). */
static inline int64_t a64_sext(uint64_t v, unsigned int bits)
{
	uint64_t m = 1ULL << (bits - 1);

	if (bits < 64)
		v &= (1ULL << bits) - 1;
	return (int64_t)((v ^ m) - m);
}

static inline void a64_put(struct a64_store *st, unsigned int at, uint64_t v,
			   unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		st->bytes[at + i] = (uint8_t)(v >> (8 * i));
}

/* The write-back part of pre/post-indexed forms. */
static inline void a64_writeback(struct a64_store *st, unsigned int rn,
				 uint64_t val, bool overlap)
{
	st->wb_reg = (int)rn;
	st->wb_val = val;
	st->wb_overlap = rn != 31 && overlap;
}

/* STR (unsigned immediate), STUR/STR pre- and post-index/STTR (imm9). */
static inline bool a64_decode_imm(uint32_t insn, const struct a64_regs *r,
				  struct a64_store *st)
{
	unsigned int rt = insn & 31, rn = (insn >> 5) & 31, size = insn >> 30;
	uint64_t base = a64_xreg_sp(r, rn);
	unsigned int op2;
	int64_t imm;

	if ((insn & 0x3fc00000) == 0x39000000) {
		st->addr = base + ((uint64_t)((insn >> 10) & 0xfff) << size);
		a64_put(st, 0, a64_xreg(r, rt), st->size);
		st->what = "str";
		return true;
	}
	if ((insn & 0x3fe00000) != 0x38000000)
		return false;
	op2 = (insn >> 10) & 3;
	imm = a64_sext(insn >> 12, 9);
	st->addr = op2 == 1 ? base : base + (uint64_t)imm;
	a64_put(st, 0, a64_xreg(r, rt), st->size);
	switch (op2) {
	case 0:
		st->what = "stur";
		break;
	case 1:			/* post-index */
	case 3:			/* pre-index */
		a64_writeback(st, rn, base + (uint64_t)imm, rn == rt);
		st->what = "str";
		break;
	default:
		st->kind = A64_ST_UNPRIV;
		st->what = "sttr";
		break;
	}
	return true;
}

/* STR (register offset): Xm or Wm extended, optionally scaled by the size. */
static inline bool a64_decode_reg(uint32_t insn, const struct a64_regs *r,
				  struct a64_store *st)
{
	unsigned int rt = insn & 31, rn = (insn >> 5) & 31, size = insn >> 30;
	unsigned int shift = (insn >> 12) & 1 ? size : 0;
	uint64_t off = a64_xreg(r, (insn >> 16) & 31);

	switch ((insn >> 13) & 7) {
	case 2:				/* UXTW */
		off = (uint32_t)off;
		break;
	case 3:				/* LSL (UXTX) */
	case 7:				/* SXTX */
		break;
	case 6:				/* SXTW */
		off = (uint64_t)(int64_t)(int32_t)off;
		break;
	default:			/* unallocated */
		return false;
	}
	st->addr = a64_xreg_sp(r, rn) + (off << shift);
	a64_put(st, 0, a64_xreg(r, rt), st->size);
	st->what = "str";
	return true;
}

/* STP/STNP of W or X registers (opc 00 or 10, V = 0); not STGP (opc 01). */
static inline bool a64_decode_pair(uint32_t insn, const struct a64_regs *r,
				   struct a64_store *st)
{
	unsigned int rt = insn & 31, rn = (insn >> 5) & 31, size = insn >> 30;
	unsigned int idx = (insn >> 23) & 3, rt2 = (insn >> 10) & 31;
	unsigned int one = size ? 8 : 4;
	uint64_t base = a64_xreg_sp(r, rn);
	int64_t imm = a64_sext(insn >> 15, 7) * (int64_t)one;

	st->addr = idx == 1 ? base : base + (uint64_t)imm;
	st->size = 2 * one;
	a64_put(st, 0, a64_xreg(r, rt), one);
	a64_put(st, one, a64_xreg(r, rt2), one);
	if (idx == 1 || idx == 3)	/* post- or pre-index */
		a64_writeback(st, rn, base + (uint64_t)imm,
			      rn == rt || rn == rt2);
	st->what = idx == 0 ? "stnp" : "stp";
	return true;
}

/* LSE atomics: LD<op>/ST<op> and SWP, any ordering. */
static inline bool a64_decode_atomic(uint32_t insn, const struct a64_regs *r,
				     struct a64_store *st)
{
	unsigned int o3 = (insn >> 15) & 1, opc = (insn >> 12) & 7;

	if (o3 && opc)			/* LDAPR and unallocated */
		return false;
	st->kind = A64_ST_ATOMIC;
	st->addr = a64_xreg_sp(r, (insn >> 5) & 31);
	st->operand = a64_xreg(r, (insn >> 16) & 31);
	st->atomic = o3 ? A64_SWP : A64_ADD + (int)opc;
	if (st->atomic == A64_SWP)
		a64_put(st, 0, st->operand, st->size);
	st->what = o3 ? "swp" : "atomic";
	return true;
}

/* a64_decode_store() without the clean-up of a refusal. */
static inline bool a64_decode_any(uint32_t insn, const struct a64_regs *r,
				  struct a64_store *st)
{
	unsigned int rt = insn & 31, rn = (insn >> 5) & 31, size = insn >> 30;

	if ((insn & 0x3fc00000) == 0x39000000 ||
	    (insn & 0x3fe00000) == 0x38000000)
		return a64_decode_imm(insn, r, st);
	if ((insn & 0x3fe00c00) == 0x38200800)
		return a64_decode_reg(insn, r, st);
	if ((insn & 0x3f200c00) == 0x38200000)
		return a64_decode_atomic(insn, r, st);
	if ((insn & 0x3e400000) == 0x28000000 && (size == 0 || size == 2))
		return a64_decode_pair(insn, r, st);
	if ((insn & 0x3ffffc00) == 0x089ffc00) {
		st->kind = A64_ST_RELEASE;
		st->addr = a64_xreg_sp(r, rn);
		a64_put(st, 0, a64_xreg(r, rt), st->size);
		st->what = "stlr";
		return true;
	}
	/* STXR/STLXR (any size); the store may fail: shown as if it succeeds */
	if ((insn & 0x3fe00000) == 0x08000000) {
		st->kind = A64_ST_EXCL;
		st->addr = a64_xreg_sp(r, rn);
		a64_put(st, 0, a64_xreg(r, rt), st->size);
		st->what = "stxr";
		return true;
	}
	/* STXP/STLXP of W or X registers (size 1x; size 0x is CASP) */
	if ((insn & 0xbfe00000) == 0x88200000) {
		unsigned int one = (insn >> 30) & 1 ? 8 : 4;

		st->kind = A64_ST_EXCL;
		st->addr = a64_xreg_sp(r, rn);
		st->size = 2 * one;
		a64_put(st, 0, a64_xreg(r, rt), one);
		a64_put(st, one, a64_xreg(r, (insn >> 10) & 31), one);
		st->what = "stxp";
		return true;
	}
	return false;
}

/*
 * Decode @insn as a general-register store, with @r the registers before it
 * runs. Returns false for anything else (loads, SIMD/FP stores, CAS, CASP,
 * DC ZVA, STGP, unallocated encodings); then @st is zeroed but for
 * wb_reg = -1.
 */
static inline bool a64_decode_store(uint32_t insn, const struct a64_regs *r,
				    struct a64_store *st)
{
	*st = (struct a64_store){ .wb_reg = -1, .size = 1U << (insn >> 30) };
	if (a64_decode_any(insn, r, st))
		return true;
	*st = (struct a64_store){ .wb_reg = -1 };
	return false;
}

#endif
