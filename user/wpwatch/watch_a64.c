// SPDX-License-Identifier: GPL-2.0
/* Merging a decoded AArch64 store into watched bytes: see watch_a64.h. */
#include <string.h>
#include "watch_a64.h"

static uint64_t atomic_result(const struct a64_store *st, uint64_t mem)
{
	unsigned int bits = st->size * 8;
	uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
	uint64_t a = mem & mask, b = st->operand & mask;
	int64_t sa = a64_sext(a, bits), sb = a64_sext(b, bits);

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
	if (st->kind == A64_ST_ATOMIC && st->atomic != A64_SWP) {
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
