/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arena: executable memory inside rerandom.ko's own text, so the module
 * loader places it in the module area (within branch range of the kernel and
 * of the other modules) and maps it read-only + executable. rerandom.ko
 * writes the copies through a separate read-write alias (vmap of the same
 * pages). Unused bytes trap: int3 on x86_64, udf #0 on arm64 (alloc.c
 * fills it when the module loads: the section takes no room in the .ko).
 */
#include <linux/linkage.h>

/*
 * 32 MiB: every copy may start at any of its 2^25 bytes (x86_64) or 2^23
 * instructions (arm64), so a body has about 25 or 23 bits of entropy; it is
 * real memory from the module's load on (1/16 of a 512 MiB guest), within
 * branch reach of the kernel and the other modules on both arches. Why this
 * size: docs/rerandom.md, "Placement".
 */
#define RR_ARENA_SIZE	(32 * 1024 * 1024)

#ifdef CONFIG_X86_64
#include <asm/orc_types.h>
	.pushsection .rr_arena, "ax", @nobits
	.balign 4096
	.globl rr_arena
rr_arena:
	.skip RR_ARENA_SIZE
	.globl rr_arena_end
rr_arena_end:
	.popsection

/*
 * One ORC entry covers the whole arena: "frame pointer frame" (CFA = rbp +
 * 16, caller's rbp at CFA - 16). Bodies are built with frame pointers, so an
 * unwind that passes through a moved body (as a caller) finds its caller.
 * The entry after the arena (the next section's own) ends it. The module
 * loader sorts the ORC tables.
 */
	.pushsection .orc_unwind_ip, "a"
	.balign 4
	.long rr_arena - .
	.popsection
	.pushsection .orc_unwind, "a"
	.short 16			/* sp_offset */
	.short -16			/* bp_offset */
	.byte (ORC_REG_PREV_SP << 4) | ORC_REG_BP	/* bp_reg | sp_reg */
	.byte 0				/* type CALL, end 0 */
	.popsection
#else
	.pushsection .rr_arena, "ax", %nobits
	.balign 4096
	.globl rr_arena
rr_arena:
	.skip RR_ARENA_SIZE
	.globl rr_arena_end
rr_arena_end:
	.popsection
#endif
