// SPDX-License-Identifier: GPL-2.0
/* AArch64 store decoding: see a64.h. Encodings from the Arm ARM, C4.1.66+. */
#include <string.h>
#include "a64.h"

static uint64_t xreg(const struct a64_regs *r, unsigned int n)	/* 31 = XZR */
{
	return n == 31 ? 0 : r->x[n];
}

static uint64_t xreg_sp(const struct a64_regs *r, unsigned int n)	/* 31 = SP */
{
	return n == 31 ? r->sp : r->x[n];
}

static int64_t sext(uint64_t v, unsigned int bits)
{
	uint64_t m = 1ULL << (bits - 1);

	if (bits < 64)
		v &= (1ULL << bits) - 1;
	return (int64_t)((v ^ m) - m);
}

static void put(struct a64_store *st, unsigned int at, uint64_t v, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		st->bytes[at + i] = (uint8_t)(v >> (8 * i));
}

bool a64_decode_store(uint32_t insn, const struct a64_regs *r, struct a64_store *st)
{
	unsigned int rt = insn & 31, rn = (insn >> 5) & 31, size = insn >> 30;
	uint64_t base = xreg_sp(r, rn);

	memset(st, 0, sizeof(*st));
	st->size = 1U << size;
	/* STR/STRB/STRH (unsigned immediate) */
	if ((insn & 0x3fc00000) == 0x39000000) {
		st->addr = base + (((insn >> 10) & 0xfff) << size);
		put(st, 0, xreg(r, rt), st->size);
		st->what = "str";
		return true;
	}
	/* STUR, STR pre/post-index, STTR: imm9 */
	if ((insn & 0x3fe00000) == 0x38000000) {
		unsigned int op2 = (insn >> 10) & 3;
		int64_t imm = sext(insn >> 12, 9);

		st->addr = op2 == 1 ? base : base + imm;
		put(st, 0, xreg(r, rt), st->size);
		st->what = op2 == 0 ? "stur" : op2 == 2 ? "sttr" : "str";
		return true;
	}
	/* STR (register offset) */
	if ((insn & 0x3fe00c00) == 0x38200800) {
		unsigned int rm = (insn >> 16) & 31, option = (insn >> 13) & 7;
		unsigned int shift = (insn >> 12) & 1 ? size : 0;
		uint64_t off = xreg(r, rm);

		switch (option) {
		case 2: off = (uint32_t)off; break;		/* UXTW */
		case 3: break;					/* LSL/UXTX */
		case 6: off = (uint64_t)(int64_t)(int32_t)off; break;	/* SXTW */
		case 7: break;					/* SXTX */
		default: return false;
		}
		st->addr = base + (off << shift);
		put(st, 0, xreg(r, rt), st->size);
		st->what = "str";
		return true;
	}
	/* Atomic memory operations: LDADD/LDCLR/LDEOR/LDSET/LD{S,U}{MAX,MIN}, SWP (and ST* aliases) */
	if ((insn & 0x3f200c00) == 0x38200000) {
		unsigned int o3 = (insn >> 15) & 1, opc = (insn >> 12) & 7;

		if (o3 && opc)
			return false;
		st->addr = base;
		st->operand = xreg(r, (insn >> 16) & 31);
		st->atomic = o3 ? A64_SWP : A64_ADD + (int)opc;
		if (st->atomic == A64_SWP)
			put(st, 0, st->operand, st->size);
		st->what = "atomic";
		return true;
	}
	/* STP/STNP (32- and 64-bit general registers): opc 101 0 xxx 0 */
	if ((insn & 0x3c400000) == 0x28000000 && (size == 0 || size == 2)) {
		unsigned int idx = (insn >> 23) & 7, rt2 = (insn >> 10) & 31;
		unsigned int one = size ? 8 : 4;
		int64_t imm = sext(insn >> 15, 7) * (int64_t)one;

		if (idx > 3)
			return false;
		st->addr = idx == 1 ? base : base + imm;
		st->size = 2 * one;
		put(st, 0, xreg(r, rt), one);
		put(st, one, xreg(r, rt2), one);
		st->what = idx == 0 ? "stnp" : "stp";
		return true;
	}
	/* STLR{B,H} */
	if ((insn & 0x3ffffc00) == 0x089ffc00) {
		st->addr = base;
		put(st, 0, xreg(r, rt), st->size);
		st->what = "stlr";
		return true;
	}
	/* STXR/STLXR{B,H} (the store may fail: reported as if it succeeds) */
	if ((insn & 0x3fe00000) == 0x08000000) {
		st->addr = base;
		put(st, 0, xreg(r, rt), st->size);
		st->what = "stxr";
		return true;
	}
	return false;
}

static uint64_t atomic_result(const struct a64_store *st, uint64_t mem)
{
	unsigned int bits = st->size * 8;
	uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
	uint64_t a = mem & mask, b = st->operand & mask;
	int64_t sa = sext(a, bits), sb = sext(b, bits);

	switch (st->atomic) {
	case A64_ADD: return (a + b) & mask;
	case A64_CLR: return a & ~b;
	case A64_EOR: return a ^ b;
	case A64_SET: return a | b;
	case A64_SMAX: return sa > sb ? a : b;
	case A64_SMIN: return sa < sb ? a : b;
	case A64_UMAX: return a > b ? a : b;
	case A64_UMIN: return a < b ? a : b;
	default: return b;
	}
}

uint64_t a64_apply_store(const struct a64_store *st, uint64_t waddr, unsigned int wlen,
			 uint64_t old)
{
	uint8_t w[8], b[16];
	uint64_t v = 0, i;

	if (wlen > 8)
		wlen = 8;
	for (i = 0; i < 8; i++)
		w[i] = (uint8_t)(old >> (8 * i));
	memcpy(b, st->bytes, sizeof(b));
	if (st->atomic && st->atomic != A64_SWP) {
		/* The memory operand as far as the watched bytes show it. */
		uint64_t mem = 0;

		for (i = 0; i < st->size; i++) {
			uint64_t a = st->addr + i;

			if (a >= waddr && a < waddr + wlen)
				mem |= (uint64_t)w[a - waddr] << (8 * i);
		}
		mem = atomic_result(st, mem);
		for (i = 0; i < st->size; i++)
			b[i] = (uint8_t)(mem >> (8 * i));
	}
	for (i = 0; i < st->size; i++) {
		uint64_t a = st->addr + i;

		if (a >= waddr && a < waddr + wlen)
			w[a - waddr] = b[i];
	}
	for (i = 0; i < wlen; i++)
		v |= (uint64_t)w[i] << (8 * i);
	return v;
}
