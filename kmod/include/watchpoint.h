/* SPDX-License-Identifier: GPL-2.0 */
/*
 * watchpoint.ko: watch kernel memory with one hardware watchpoint per region
 * on every online CPU, and call the registered callbacks once per access.
 * See docs/watchpoint.md.
 *
 * A region is an address range that one debug register covers (1, 2, 4 or
 * 8 bytes aligned to its length; on arm64 with the MASK kernel also 2^mask
 * bytes aligned to that). Regions with the same address, length, type and
 * mask are shared: every consumer of one region costs one hardware slot per
 * CPU in total.
 *
 * Callbacks run in the debug exception (NMI-like on x86): they must not
 * sleep, take sleeping locks or write the watched memory.
 */
#ifndef _WPWATCH_WATCHPOINT_H
#define _WPWATCH_WATCHPOINT_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/hw_breakpoint.h>

struct pt_regs;
struct task_struct;
struct watchpoint_region;

/* trampolines.ko: the default watched array. */
#define TRAMPOLINE_LEN 1024
extern u64 trampolines[TRAMPOLINE_LEN];

/* Access types: HW_BREAKPOINT_W, HW_BREAKPOINT_RW (and HW_BREAKPOINT_R on arm64). */

/* watchpoint_hit.flags */
#define WATCHPOINT_HIT_ALLOWED		0x1	/* writer is allow-listed */
#define WATCHPOINT_HIT_NEW_UNKNOWN	0x2	/* arm64: store not decoded */
#define WATCHPOINT_HIT_READ		0x4	/* a read (rw regions) */

struct watchpoint_hit {
	unsigned long watched;	/* first byte of the region */
	unsigned long size;	/* bytes the region covers */
	unsigned long addr;	/* address the CPU reported (x86: = watched) */
	unsigned long val_addr;	/* old_val/new_val are the bytes here... */
	unsigned int val_len;	/* ...this many (at most 8) */
	unsigned int flags;
	u64 old_val;		/* before the access */
	u64 new_val;		/* after the access */
	unsigned long ip;	/* arm64: the store; x86: the insn after it */
	int cpu;
	pid_t pid;
	const char *comm;
	struct task_struct *task;
	struct pt_regs *regs;
};

/* watchpoint_callback.flags */
#define WATCHPOINT_CB_ALLOWED	0x1	/* also called for allow-listed writes */

struct watchpoint_callback {
	void (*func)(const struct watchpoint_hit *hit, void *data);
	void *data;
	unsigned int flags;
	/* private to watchpoint.ko */
	struct list_head node;
};

/*
 * Get (create or share) the region [addr, addr + len), or with mask != 0
 * (arm64 only) [addr, addr + 2^mask). Returns an ERR_PTR on failure and logs
 * one line saying why: -EINVAL bad len/type/alignment or mask out of 3..31,
 * -EOPNOTSUPP mask or type not supported here, -ENOSPC no free debug
 * register on some CPU.
 */
struct watchpoint_region *watchpoint_region_get(unsigned long addr,
						unsigned int len,
						unsigned int type,
						unsigned int mask);
void watchpoint_region_put(struct watchpoint_region *r);

/*
 * A movable region: the caller's alone (never shared, so it costs one slot
 * per CPU of its own), with the callbacks and allow-list of any region,
 * that watchpoint_region_move() points at another address and
 * watchpoint_region_disarm() switches off, both keeping its slots, its
 * callbacks and its allow-list. @addr 0 gets it disarmed (no object yet);
 * no mask. Put it with watchpoint_region_put().
 *
 * Context, on x86_64 and arm64 alike: process context only, no spinlock
 * held, not from a callback; both may sleep. Debian 6.1 exports one way to
 * change a live breakpoint, modify_user_hw_breakpoint(), which sleeps (it
 * takes the perf context's mutex and waits for a cross-CPU call on each
 * event's CPU); the arch hooks that write the debug registers are not
 * exported (docs/watchpoint.md, "Moving a region").
 *
 * watchpoint_region_move() switches the region off on every CPU, sets the
 * new address and length (1, 2, 4 or 8 bytes, aligned; the memory must be
 * readable), and switches it on again CPU by CPU: writes to either address
 * while it runs may be missed, none is reported with the wrong address;
 * when it returns the new address is watched on every online CPU (and on
 * CPUs that come online later). -EINVAL for a region that is not movable
 * or a bad length or alignment; on any other error the region is left
 * disarmed. watchpoint_region_disarm(): no CPU watches the region when it
 * returns (-EINVAL if it is not movable).
 */
struct watchpoint_region *watchpoint_region_get_movable(unsigned long addr,
							unsigned int len,
							unsigned int type);
int watchpoint_region_move(struct watchpoint_region *r, unsigned long addr,
			   unsigned int len);
int watchpoint_region_disarm(struct watchpoint_region *r);

/* Add a callback; after _del() returns it runs no more on any CPU. */
int watchpoint_callback_add(struct watchpoint_region *r,
			    struct watchpoint_callback *cb);
void watchpoint_callback_del(struct watchpoint_region *r,
			     struct watchpoint_callback *cb);

/*
 * Allow-list: an access whose instruction lies in the function that
 * contains @func (its kallsyms extent), or made by the task with pid @pid,
 * is counted as allowed and reaches only WATCHPOINT_CB_ALLOWED callbacks.
 * -ENOSPC when the region's list is full, -ENOENT for an unknown function.
 */
int watchpoint_allow_function(struct watchpoint_region *r, const void *func);
void watchpoint_disallow_function(struct watchpoint_region *r,
				  const void *func);
int watchpoint_allow_task(struct watchpoint_region *r, pid_t pid);
void watchpoint_disallow_task(struct watchpoint_region *r, pid_t pid);

/* Counters of a region (hits = allowed + violations). */
struct watchpoint_stats {
	u64 hits;
	u64 violations;
	u64 allowed;
	u64 new_unknown;
	u64 blind_windows;	/* arm64: LL/SC retries run unwatched */
	unsigned int cpus_watched;
	unsigned int cpus_missed;
};
void watchpoint_region_stats(struct watchpoint_region *r,
			     struct watchpoint_stats *st);

#endif /* _WPWATCH_WATCHPOINT_H */
