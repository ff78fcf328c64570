// SPDX-License-Identifier: GPL-2.0
/*
 * The re-randomizable functions of rr_test_driver.ko (the object rrmeta
 * reads, built with the flags of a re-randomizable module): every kind of
 * site a moved body must keep right: calls into the kernel, calls between
 * re-randomizable functions, static data and string literals, 0 to 8
 * arguments, a two-register result, recursion, a body that sleeps, one
 * that saves a stack trace, and one that stores to a variable a watchpoint
 * can watch. Each returns a value rr_td.c checks exactly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/delay.h>
#include <linux/string.h>
#include <linux/stacktrace.h>
#include "rerandom.h"
#include "rr_td.h"

/*
 * Counted with the compiler's atomics: the kernel's atomic_*() and this_cpu_*
 * go through alternatives or static keys on arm64 (LSE), which a movable body
 * may not use (rrmeta refuses them).
 */
unsigned long rr_calls[RR_F_NR];
#define RR_COUNT(f) __atomic_fetch_add(&rr_calls[f], 1, __ATOMIC_RELAXED)

const u16 rr_table[8] = { 3, 1, 4, 1, 5, 9, 2, 6 };
static int rr_init_runs;

SPECIAL_FUNCTION(void, init_entry, void)
{
	__atomic_fetch_add(&rr_init_runs, 1, __ATOMIC_RELAXED);
	RR_COUNT(RR_F_INIT);
}

SPECIAL_FUNCTION(int, check_entry, int a, char *c, time64_t time)
{
	int ret = a + (int)strlen(c) + (time < 0 ? -1 : 0);

	RR_COUNT(RR_F_CHECK);
	return ret;
}

SPECIAL_FUNCTION(u64, rr_args0, void)
{
	RR_COUNT(RR_F_A0);
	return 0x5eed;
}

/* rr_argsN(a1..aN) = N + 1*a1 + 2*a2 + ... + N*aN */
SPECIAL_FUNCTION(u64, rr_args1, u64 a)
{
	RR_COUNT(RR_F_A1);
	return 1 + a;
}

SPECIAL_FUNCTION(u64, rr_args2, u64 a, u64 b)
{
	RR_COUNT(RR_F_A2);
	return 2 + a + 2 * b;
}

SPECIAL_FUNCTION(u64, rr_args3, u64 a, u64 b, u64 c)
{
	RR_COUNT(RR_F_A3);
	return 3 + a + 2 * b + 3 * c;
}

SPECIAL_FUNCTION(u64, rr_args4, u64 a, u64 b, u64 c, u32 d)
{
	RR_COUNT(RR_F_A4);
	return 4 + a + 2 * b + 3 * c + 4 * (u64)d;
}

SPECIAL_FUNCTION(u64, rr_args5, u64 a, u64 b, u64 c, u64 d, u8 e)
{
	RR_COUNT(RR_F_A5);
	return 5 + a + 2 * b + 3 * c + 4 * d + 5 * (u64)e;
}

SPECIAL_FUNCTION(u64, rr_args6, u64 a, u64 b, u64 c, u64 d, u64 e, u64 f)
{
	RR_COUNT(RR_F_A6);
	return 6 + a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}

SPECIAL_FUNCTION(u64, rr_args7, u64 a, u64 b, u64 c, u64 d, u64 e, u64 f,
		 u64 g)
{
	RR_COUNT(RR_F_A7);
	return 7 + a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g;
}

SPECIAL_FUNCTION(u64, rr_args8, u64 a, u64 b, u64 c, u64 d, u64 e, u64 f,
		 u64 g, s16 h)
{
	RR_COUNT(RR_F_A8);
	return 8 + a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g +
	       8 * (s64)h;
}

/* calls into the kernel: snprintf always, printk when x == 0 */
SPECIAL_FUNCTION(int, rr_kernel_call, int x)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "rr-%d-%s", x, "chifan");

	if (!x)
		pr_info("rr_kernel_call: %s\n", buf);
	RR_COUNT(RR_F_KCALL);
	return n;
}

/* static data and string literals */
SPECIAL_FUNCTION(int, rr_static_data, int i)
{
	static const char msg[] = "rerandom";
	int ret = rr_table[i & 7] * 1000 + msg[i & 7];

	RR_COUNT(RR_F_DATA);
	return ret;
}

/* calls between re-randomizable functions */
SPECIAL_FUNCTION(u64, rr_calls_other, int x)
{
	u64 ret = rr_args2(x, 1) + rr_static_data(x) + rr_args0();

	RR_COUNT(RR_F_OTHER);
	return ret;
}

SPECIAL_FUNCTION(int, rr_recurse, int n)
{
	int ret = n <= 0 ? 0 : n + rr_recurse(n - 1);

	RR_COUNT(RR_F_RECURSE);
	return ret;
}

SPECIAL_FUNCTION(struct rr_pair, rr_pair, u64 a, u64 b)
{
	struct rr_pair p = { a + b, a ^ b };

	RR_COUNT(RR_F_PAIR);
	return p;
}

SPECIAL_FUNCTION(unsigned int, rr_sleep_ms, unsigned int ms)
{
	msleep(ms);
	RR_COUNT(RR_F_SLEEP);
	return ms;
}

/* a stack captured inside a moved body */
SPECIAL_FUNCTION(unsigned int, rr_stack, unsigned long *entries,
		 unsigned int max)
{
	unsigned int n = stack_trace_save(entries, max, 0);

	RR_COUNT(RR_F_STACK);
	return n;
}

/*
 * The benchmark's pair: the same body behind a trampoline and as a plain
 * function (tests/bench/rerandom.sh).
 */
#define RR_BENCH_BODY(a, b) ((a) * 3 + (b))

static unsigned long rr_plain_calls;

SPECIAL_FUNCTION(u64, rr_bench_fn, u64 a, u64 b)
{
	RR_COUNT(RR_F_BENCH);
	return RR_BENCH_BODY(a, b);
}

/*
 * A write from inside a moved body, for wpwatch watch (tests/guest/
 * 21-watch-symbols.sh): one plain store to rr_poked. Not an atomic: on arm64
 * without LSE that is an LDXR/STXR loop, which a watchpoint trap on the STXR
 * makes fail and retry forever (docs/watchpoint.md). Called only from debugfs
 * "poke", so the test is its only writer.
 */
u64 rr_poked;

SPECIAL_FUNCTION(u64, rr_poke, u64 v)
{
	WRITE_ONCE(rr_poked, v);
	RR_COUNT(RR_F_POKE);
	return v + 1;
}

noinline notrace u64 rr_bench_plain(u64 a, u64 b)
{
	__atomic_fetch_add(&rr_plain_calls, 1, __ATOMIC_RELAXED);
	return RR_BENCH_BODY(a, b);
}
