/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wp_internal.h: what the files of watchpoint.ko share and nothing else
 * sees: the region model, the module's parameters, and the hooks each file
 * provides to the others. The exported API is kmod/include/watchpoint.h.
 */
#ifndef WP_INTERNAL_H
#define WP_INTERNAL_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <linux/perf_event.h>
#include "watchpoint.h"

/* ---- the region model (region.c, api.c, handler.c, debugfs.c) ---- */

#define WP_MAX_ALLOW	16
#define WP_STACK	24

enum { WP_ALLOW_FREE, WP_ALLOW_FUNC, WP_ALLOW_TASK };

struct wp_allow {
	int kind;
	unsigned long start, end;
	pid_t pid;
};

struct wp_last {
	bool valid;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	int cpu;
	unsigned int flags;
	unsigned long addr, ip;
	u64 old_val, new_val;
	unsigned int nr_stack;
	unsigned long stack[WP_STACK];
};

struct watchpoint_region {
	struct list_head node;		/* in wp_regions, under wp_lock */
	struct hlist_node cpuhp;
	int users;			/* under wp_lock */
	bool adding;			/* first cpuhp pass: errors fail */
	unsigned long addr;
	unsigned long size;		/* bytes covered */
	unsigned int len;		/* len parameter (1, 2, 4, 8) */
	unsigned int type;
	unsigned int mask;
	bool movable;			/* watchpoint_region_get_movable() */
	bool armed;			/* events on; set under wp_lock + cpus_read_lock() */
	u64 park;			/* where a disarmed region's events point */
	struct perf_event * __percpu *events;
	struct cpumask cpus;		/* CPUs with a live event */
	atomic_t cpus_missed;		/* CPUs onlined without a free slot */
	struct list_head callbacks;	/* RCU */
	struct wp_allow allow[WP_MAX_ALLOW];
	atomic64_t hits, violations, allowed, new_unknown, last_skipped;
	atomic64_t blind;		/* arm64: LL/SC blind windows */
	u64 shadow;			/* x86: value after the last write */
	raw_spinlock_t last_lock;
	struct wp_last last, last_violation;
};

/* region.c: every region, and the multi-instance CPU hotplug state */
extern struct mutex wp_lock;
extern struct list_head wp_regions;
int wp_regions_init(void);
void wp_regions_exit(void);

/* handler.c: the trap path */
u64 wp_read(unsigned long addr, unsigned int n);
void wp_overflow(struct perf_event *bp, struct perf_sample_data *data,
		 struct pt_regs *regs);

/* arch_arm64.c or arch_x86.c: what differs between the two traps */
bool wp_arch_hit(struct watchpoint_region *r, struct perf_event *bp,
		 struct pt_regs *regs, struct watchpoint_hit *hit);
unsigned long wp_insn_addr(const struct watchpoint_hit *hit);
unsigned int wp_stack(struct pt_regs *regs, unsigned long ip,
		      unsigned long *e, unsigned int max);
void wp_arch_cpu_offline(unsigned int cpu, struct perf_event *bp);
int wp_arch_init(void);
void wp_arch_exit(void);

/* main.c: the parameters, as loaded */
extern char wp_ksym_name[];
extern unsigned long wp_offset;
extern bool wp_dump_stack;
extern struct watchpoint_region *wp_target;	/* the ksym= region */

/* callback.c: this module's own consumer of the API */
extern atomic64_t wp_callbacks;
extern struct watchpoint_callback wp_default_cb;

/* debugfs.c: /sys/kernel/debug/watchpoint/ */
const char *wp_type_name(unsigned int type);
void wp_debugfs_init(unsigned long symbol_address);
void wp_debugfs_exit(void);

#endif
