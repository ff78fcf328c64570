// SPDX-License-Identifier: GPL-2.0
/*
 * rr_test_driver.ko, the original research's test_driver rebuilt: the
 * harness that calls the re-randomizable functions of rr_td_fns.c, checks
 * every result exactly, and registers init_entry/check_entry as the
 * module's struct Rerandom_Driver.
 *
 * debugfs /sys/kernel/debug/rr_test_driver/:
 *   calls    NAME COUNT: completed calls per function (counted in the body)
 *   callers  write N: N kernel threads call everything in a loop (0 stops);
 *            read: "threads N calls N errors N"
 *   sleep    write "MS COUNT": call rr_sleep_ms(MS) COUNT times
 *   fnptrs   the registered driver pointers (the trampolines)
 *   stack    a stack trace saved inside rr_stack's (moved) body
 *   poke     write V: rr_poke(V) stores V to rr_poked from its (moved) body
 *   bench    write N: time N direct and N trampolined calls of one body
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/delay.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "rerandom.h"
#include "rr_td.h"

static const char *const rr_fnames[RR_F_NR] = {
	"init_entry", "check_entry", "rr_args0", "rr_args1", "rr_args2",
	"rr_args3", "rr_args4", "rr_args5", "rr_args6", "rr_args7",
	"rr_args8", "rr_kernel_call", "rr_static_data", "rr_calls_other",
	"rr_recurse", "rr_pair", "rr_sleep_ms", "rr_stack", "rr_bench_fn",
	"rr_poke",
};

/* --- expected results (plain code, never moved) --------------------------- */
static int rr_expect_kcall(int x)
{
	char buf[32];

	return snprintf(buf, sizeof(buf), "rr-%d-%s", x, "chifan");
}

static int rr_expect_data(int i)
{
	return rr_table[i & 7] * 1000 + "rerandom"[i & 7];
}

/* One round over every function; returns how many results were wrong. */
static unsigned int rr_round(unsigned long it)
{
	u64 a = it, b = it * 3 + 1, c = ~it, d = it << 7, e = 0xfeedULL * it,
	    f = it ^ 0x5555, g = it + 77;
	u32 d32 = (u32)it * 7;
	u8 e8 = (u8)it;
	s16 h = -(s16)(it & 0x3fff);
	unsigned int bad = 0;
	struct rr_pair p;
	int x = (int)(it & 0xffff);

	init_entry();
	bad += check_entry(11, "chifan", 5) != 17;
	bad += rr_args0() != 0x5eed;
	bad += rr_args1(a) != 1 + a;
	bad += rr_args2(a, b) != 2 + a + 2 * b;
	bad += rr_args3(a, b, c) != 3 + a + 2 * b + 3 * c;
	bad += rr_args4(a, b, c, d32) != 4 + a + 2 * b + 3 * c + 4 * (u64)d32;
	bad += rr_args5(a, b, c, d, e8) !=
	       5 + a + 2 * b + 3 * c + 4 * d + 5 * (u64)e8;
	bad += rr_args6(a, b, c, d, e, f) !=
	       6 + a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
	bad += rr_args7(a, b, c, d, e, f, g) !=
	       7 + a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g;
	bad += rr_args8(a, b, c, d, e, f, g, h) !=
	       8 + a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g +
	       8 * (s64)h;
	bad += rr_kernel_call(x) != rr_expect_kcall(x);
	bad += rr_static_data(x) != rr_expect_data(x);
	bad += rr_calls_other(x) != (2 + (u64)x + 2) + rr_expect_data(x) +
				    0x5eed;
	bad += rr_recurse(x & 15) != (x & 15) * ((x & 15) + 1) / 2;
	p = rr_pair(a, b);
	bad += p.sum != a + b || p.xor != (a ^ b);
	bad += rr_sleep_ms(0) != 0;
	bad += rr_bench_fn(a, b) != a * 3 + b;
	return bad;
}

/* --- callers ------------------------------------------------------------- */
#define RR_MAX_CALLERS 16

static struct task_struct *rr_callers[RR_MAX_CALLERS];
static unsigned int rr_ncallers;
static atomic_long_t rr_rounds, rr_errors;
static DEFINE_MUTEX(rr_callers_lock);

static int rr_caller_fn(void *arg)
{
	unsigned long it = (unsigned long)arg << 20;

	while (!kthread_should_stop()) {
		unsigned int bad = rr_round(it++);

		atomic_long_inc(&rr_rounds);
		if (bad) {
			atomic_long_add(bad, &rr_errors);
			pr_err_ratelimited("round %lu: %u wrong results\n",
					   it - 1, bad);
		}
		cond_resched();
	}
	return 0;
}

static void rr_callers_set(unsigned int n)
{
	while (rr_ncallers > n)
		kthread_stop(rr_callers[--rr_ncallers]);
	while (rr_ncallers < n) {
		struct task_struct *t;

		t = kthread_run(rr_caller_fn, (void *)(unsigned long)rr_ncallers,
				"rr_caller/%u", rr_ncallers);
		if (IS_ERR(t)) {
			pr_err("cannot start caller %u: %ld\n", rr_ncallers,
			       PTR_ERR(t));
			break;
		}
		rr_callers[rr_ncallers++] = t;
	}
}

static ssize_t rr_callers_write(struct file *f, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	unsigned int n;
	int err = kstrtouint_from_user(ubuf, len, 0, &n);

	if (err)
		return err;
	if (n > RR_MAX_CALLERS)
		return -ERANGE;
	mutex_lock(&rr_callers_lock);
	rr_callers_set(n);
	n = rr_ncallers;
	mutex_unlock(&rr_callers_lock);
	return len;
}

static ssize_t rr_callers_read(struct file *f, char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	char buf[96];
	int n = scnprintf(buf, sizeof(buf), "threads %u calls %ld errors %ld\n",
			  READ_ONCE(rr_ncallers), atomic_long_read(&rr_rounds),
			  atomic_long_read(&rr_errors));

	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations rr_callers_fops = {
	.owner = THIS_MODULE,
	.read = rr_callers_read,
	.write = rr_callers_write,
	.llseek = default_llseek,
};

static ssize_t rr_sleep_write(struct file *f, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	char buf[32];
	unsigned int ms, count, i, bad = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%u %u", &ms, &count) != 2 || ms > 60000)
		return -EINVAL;
	for (i = 0; i < count && !signal_pending(current); i++)
		bad += rr_sleep_ms(ms) != ms;
	if (bad) {
		atomic_long_add(bad, &rr_errors);
		return -EIO;
	}
	return len;
}

static const struct file_operations rr_sleep_fops = {
	.owner = THIS_MODULE,
	.write = rr_sleep_write,
	.llseek = noop_llseek,
};

static ssize_t rr_poke_write(struct file *f, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	u64 v;
	int err = kstrtou64_from_user(ubuf, len, 0, &v);

	if (err)
		return err;
	if (rr_poke(v) != v + 1 || READ_ONCE(rr_poked) != v) {
		atomic_long_inc(&rr_errors);
		return -EIO;
	}
	return len;
}

static const struct file_operations rr_poke_fops = {
	.owner = THIS_MODULE,
	.write = rr_poke_write,
	.llseek = noop_llseek,
};

static int rr_calls_show(struct seq_file *sf, void *v)
{
	int i;

	for (i = 0; i < RR_F_NR; i++)
		seq_printf(sf, "%s %lu\n", rr_fnames[i],
			   __atomic_load_n(&rr_calls[i], __ATOMIC_RELAXED));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_calls);

/* stack: the stack trace saved inside rr_stack's body, one frame a line */
static int rr_stack_show(struct seq_file *sf, void *v)
{
	unsigned long entries[16];
	unsigned int i, n = rr_stack(entries, ARRAY_SIZE(entries));

	for (i = 0; i < n; i++)
		seq_printf(sf, "%lx %pS\n", entries[i], (void *)entries[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_stack);

/* bench: write N: N direct calls, then N trampolined calls; read: ns each */
static u64 rr_bench_direct_ns, rr_bench_tramp_ns, rr_bench_n;

static ssize_t rr_bench_write(struct file *f, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	u64 n, i, t0, t1, t2, sum = 0;
	int err = kstrtou64_from_user(ubuf, len, 0, &n);

	if (err)
		return err;
	if (!n || n > 100000000)
		return -ERANGE;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		sum += rr_bench_plain(i, sum);
	t1 = ktime_get_ns();
	for (i = 0; i < n; i++)
		sum -= rr_bench_fn(i, sum);
	t2 = ktime_get_ns();
	/* keep the loops: the sum is observable */
	WRITE_ONCE(rr_bench_n, n + (sum & 0));
	rr_bench_direct_ns = t1 - t0;
	rr_bench_tramp_ns = t2 - t1;
	return len;
}

static ssize_t rr_bench_read(struct file *f, char __user *ubuf, size_t len,
			     loff_t *ppos)
{
	char buf[96];
	int n = scnprintf(buf, sizeof(buf), "calls %llu direct_ns %llu trampoline_ns %llu\n",
			  rr_bench_n, rr_bench_direct_ns, rr_bench_tramp_ns);

	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations rr_bench_fops = {
	.owner = THIS_MODULE,
	.read = rr_bench_read,
	.write = rr_bench_write,
	.llseek = default_llseek,
};

static struct Rerandom_Driver rerandom_driver_struct;

static int rr_fnptrs_show(struct seq_file *sf, void *v)
{
	seq_printf(sf, "init_entry %lx\ncheck_entry %lx\n",
		   (unsigned long)rerandom_driver_struct.init_entry,
		   (unsigned long)rerandom_driver_struct.check_entry);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_fnptrs);

/* --- init / exit ---------------------------------------------------------- */
static struct dentry *rr_dir;

static int __init random_test_driver_init(void)
{
	int err;

	err = rerandom_register_module(&__rr_module_desc);
	if (err) {
		pr_err("cannot register with rerandom: %d\n", err);
		return err;
	}
	if (rr_round(1)) {
		pr_err("wrong results before any move\n");
		rerandom_unregister_module(&__rr_module_desc);
		return -EIO;
	}
	rerandom_driver_struct.name = "rerandom_test";
	rerandom_driver_struct.init_entry = &init_entry;
	rerandom_driver_struct.check_entry = &check_entry;
	register_rerandom_driver(&rerandom_driver_struct);

	rr_dir = debugfs_create_dir("rr_test_driver", NULL);
	debugfs_create_file("calls", 0444, rr_dir, NULL, &rr_calls_fops);
	debugfs_create_file("callers", 0644, rr_dir, NULL, &rr_callers_fops);
	debugfs_create_file("sleep", 0200, rr_dir, NULL, &rr_sleep_fops);
	debugfs_create_file("fnptrs", 0444, rr_dir, NULL, &rr_fnptrs_fops);
	debugfs_create_file("stack", 0444, rr_dir, NULL, &rr_stack_fops);
	debugfs_create_file("bench", 0644, rr_dir, NULL, &rr_bench_fops);
	debugfs_create_file("poke", 0200, rr_dir, NULL, &rr_poke_fops);
	return 0;
}

static void __exit random_test_driver_exit(void)
{
	debugfs_remove_recursive(rr_dir);
	mutex_lock(&rr_callers_lock);
	rr_callers_set(0);
	mutex_unlock(&rr_callers_lock);
	unregister_rerandom_driver(&rerandom_driver_struct);
	rerandom_unregister_module(&__rr_module_desc);
}

module_init(random_test_driver_init);
module_exit(random_test_driver_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("The original research's test driver, re-randomizable");
