/* SPDX-License-Identifier: GPL-2.0 */
/* The arena (arena.S): executable memory in rerandom.ko's own text. */
#ifndef _RERANDOM_ARENA_H
#define _RERANDOM_ARENA_H

extern char rr_arena[], rr_arena_end[];

#endif
