/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AArch64 stores for wpwatch watch: the decoder is the one shared with
 * watchpoint.ko (include/a64_store.h); this adds what only user space needs,
 * merging a decoded store into the watched bytes' old value.
 */
#ifndef WPWATCH_WATCH_A64_H
#define WPWATCH_WATCH_A64_H

#include <stdint.h>
#include "a64_store.h"

/*
 * The value the watched bytes [WADDR, WADDR+WLEN) (WLEN <= 8, little endian)
 * hold after ST, given OLD, their value before it.
 */
uint64_t a64_apply_store(const struct a64_store *st, uint64_t waddr, unsigned int wlen,
			 uint64_t old);

#endif
