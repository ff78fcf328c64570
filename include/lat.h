/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wpwatch lat: what bpf/lat.bpf.c and user/wpwatch/lat*.c share.
 * Plain C types only: this file is read by clang -target bpf (with vmlinux.h)
 * and by the host/guest C compilers (with <stdint.h>-style __u64 from
 * <linux/types.h>).
 *
 * Histogram buckets ("log-linear", as HdrHistogram does it): a value v below
 * 16 has its own bucket; above, each power of two [2^e, 2^(e+1)) is cut into
 * 16 equal buckets of width 2^(e-4). A bucket is therefore never wider than
 * 1/16 of its lower bound, which is what bounds the percentile error (see
 * docs/latency.md). user/lib/hist.c implements the same scheme; the unit
 * test checks the two agree.
 */
#ifndef WPWATCH_LAT_H
#define WPWATCH_LAT_H

#include "rr_steps.h"	/* enum rr_step: the steps of a pass, named once */

#define LAT_SUB_BITS	4
#define LAT_SUB		(1 << LAT_SUB_BITS)
#define LAT_MAX_LOG2	40	/* values >= 2^41 land in the last bucket */
#define LAT_SLOTS	((LAT_MAX_LOG2 - LAT_SUB_BITS + 2) * LAT_SUB)

/* what a histogram measures (struct lat_key.kind) */
enum lat_kind {
	LAT_KIND_BODY = 1,	/* add_pause_list return -> remove_pause_list */
	LAT_KIND_WAIT = 2,	/* time spent inside add_pause_list */
	LAT_KIND_PASS = 3,	/* one rerandom_pass() call */
	LAT_KIND_STEP = 4,	/* one step of a pass; ip = enum rr_step */
};

/* per-CPU counters (map "counters", an array indexed by these) */
enum lat_counter {
	LAT_CNT_HITS,		/* events offered to the ring buffer */
	LAT_CNT_LOST,		/* ... that found it full (hits = delivered + lost) */
	LAT_CNT_DEPTH,		/* calls nested deeper than LAT_MAX_DEPTH: not timed */
	LAT_CNT_UNMATCHED,	/* remove_pause_list with no add seen (attached mid-call) */
	LAT_CNT_NOMEM,		/* a histogram or a task's call stack could not be created */
	LAT_CNT_PASS_FAILED,	/* rerandom_pass() returned an error */
	LAT_CNT_STALE,		/* calls whose remove_pause_list was missed */
	LAT_CNT_NORET,		/* calls whose add_pause_list return was missed */
	LAT_NR_COUNTERS,
};

#define LAT_MAX_DEPTH	16	/* nested re-randomizable calls per task */
#define LAT_COMM_LEN	16

struct lat_key {
	__u64 ip;	/* BODY/WAIT: return address of the add_pause_list call
			 * (inside the function's trampoline); STEP: enum rr_step;
			 * PASS: 0 */
	__u32 pid;	/* task id when split per task (-L), else 0 */
	__u32 kind;	/* enum lat_kind */
};

/*
 * One histogram. In the kernel it is a per-CPU value: user space sums the
 * CPUs (a CPU with count 0 contributes nothing, its min is meaningless).
 * count/sum/min/max/sumsq are in nanoseconds and exact; slots[] are indexed by
 * lat_slot(ns / unit), the unit chosen by the user (1, 1000 or 1000000).
 */
struct lat_hist {
	__u64 count;
	__u64 sum;
	__u64 min;
	__u64 max;
	__u64 sumsq_lo;	/* sum of squares, 128 bits */
	__u64 sumsq_hi;
	__u64 slots[LAT_SLOTS];
};

/* --format json --events: one record per timed call or pass */
struct lat_event {
	__u64 ts;	/* ktime_get_ns() at the end */
	__u64 ip;
	__u64 ns;
	__u32 pid;
	__u32 tgid;
	__u32 kind;
	__u32 depth;
	char comm[LAT_COMM_LEN];
};

static inline unsigned int lat_log2(__u64 v)
{
	unsigned int r = 0, s;

	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffff) << 4; v >>= s; r |= s;
	s = (v > 0xff) << 3; v >>= s; r |= s;
	s = (v > 0xf) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	r |= (v >> 1);
	return r;
}

/* The bucket of value v: see the comment at the top. */
static inline unsigned int lat_slot(__u64 v)
{
	unsigned int e;

	if (v < LAT_SUB)
		return v;
	e = lat_log2(v);
	if (e > LAT_MAX_LOG2)
		return LAT_SLOTS - 1;
	return (e - LAT_SUB_BITS + 1) * LAT_SUB +
	       ((v >> (e - LAT_SUB_BITS)) & (LAT_SUB - 1));
}

#endif
