/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rr_td.h: what the two halves of rr_test_driver.ko share: the movable
 * functions under test (rr_td_fns.c) and the harness that calls and checks
 * them (rr_td.c).
 */
#ifndef _RR_TD_H
#define _RR_TD_H

#include <linux/types.h>
#include <linux/time64.h>

enum {
	RR_F_INIT, RR_F_CHECK, RR_F_A0, RR_F_A1, RR_F_A2, RR_F_A3, RR_F_A4,
	RR_F_A5, RR_F_A6, RR_F_A7, RR_F_A8, RR_F_KCALL, RR_F_DATA,
	RR_F_OTHER, RR_F_RECURSE, RR_F_PAIR, RR_F_SLEEP, RR_F_STACK,
	RR_F_BENCH, RR_F_POKE, RR_F_NR
};

/* completed calls per function, counted in the bodies */
extern unsigned long rr_calls[RR_F_NR];

struct rr_pair {
	u64 sum;
	u64 xor;
};

/* written by rr_poke's body with a plain store (a watchpoint's target) */
extern u64 rr_poked;

/* static data the body of rr_static_data reads */
extern const u16 rr_table[8];

/* the trampolines (SPECIAL_FUNCTIONs of rr_td_fns.c) */
void init_entry(void);
int check_entry(int a, char *c, time64_t time);
u64 rr_args0(void);
u64 rr_args1(u64 a);
u64 rr_args2(u64 a, u64 b);
u64 rr_args3(u64 a, u64 b, u64 c);
u64 rr_args4(u64 a, u64 b, u64 c, u32 d);
u64 rr_args5(u64 a, u64 b, u64 c, u64 d, u8 e);
u64 rr_args6(u64 a, u64 b, u64 c, u64 d, u64 e, u64 f);
u64 rr_args7(u64 a, u64 b, u64 c, u64 d, u64 e, u64 f, u64 g);
u64 rr_args8(u64 a, u64 b, u64 c, u64 d, u64 e, u64 f, u64 g, s16 h);
int rr_kernel_call(int x);
int rr_static_data(int i);
u64 rr_calls_other(int x);
int rr_recurse(int n);
struct rr_pair rr_pair(u64 a, u64 b);
unsigned int rr_sleep_ms(unsigned int ms);
unsigned int rr_stack(unsigned long *entries, unsigned int max);
u64 rr_bench_fn(u64 a, u64 b);
u64 rr_poke(u64 v);
/* rr_bench_fn's body as a plain function, for the benchmark */
u64 rr_bench_plain(u64 a, u64 b);

#endif /* _RR_TD_H */
