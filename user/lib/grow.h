/* SPDX-License-Identifier: GPL-2.0 */
/* grow.h: growing a heap array by doubling, the one way user space does it. */
#ifndef WPWATCH_GROW_H
#define WPWATCH_GROW_H

#include <stddef.h>

/*
 * Make *arrp (a pointer to a heap array of elements of elem bytes, with room
 * for *cap of them) hold at least need elements: the room doubles, starting
 * at first. The array is unchanged on failure. Returns 0 or -ENOMEM.
 */
int wpw_grow(void *arrp, size_t *cap, size_t need, size_t elem, size_t first);

#endif
