/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AArch64 store decoding: arm64 watchpoints trap *before* the store, so the
 * value a write is about to put in memory is in the store's source register.
 * Given the instruction word at the trapping PC and the register file, find
 * what is stored where, and merge it into the watched bytes' old value.
 */
#ifndef WPWATCH_A64_H
#define WPWATCH_A64_H

#include <stdbool.h>
#include <stdint.h>

struct a64_regs {
	uint64_t x[31];
	uint64_t sp;
};

struct a64_store {
	uint64_t addr;		/* first byte written */
	unsigned int size;	/* bytes written: 1, 2, 4, 8 or 16 (pairs) */
	uint8_t bytes[16];	/* the bytes written, when not an atomic op */
	int atomic;		/* A64_ATOMIC_* when the result depends on memory */
	uint64_t operand;	/* Rs of an atomic op */
	const char *what;	/* mnemonic family, for diagnostics */
};

enum { A64_PLAIN, A64_ADD, A64_CLR, A64_EOR, A64_SET, A64_SMAX, A64_SMIN, A64_UMAX, A64_UMIN,
	A64_SWP };

/* false when INSN is not a general-register store we decode (SIMD, CAS, ...). */
bool a64_decode_store(uint32_t insn, const struct a64_regs *regs, struct a64_store *st);

/*
 * The value the watched bytes [WADDR, WADDR+WLEN) (WLEN <= 8, little endian)
 * hold after ST, given OLD, their value before it.
 */
uint64_t a64_apply_store(const struct a64_store *st, uint64_t waddr, unsigned int wlen,
			 uint64_t old);

#endif
