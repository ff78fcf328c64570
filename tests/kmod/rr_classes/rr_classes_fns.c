// SPDX-License-Identifier: GPL-2.0
/*
 * rr_classes.ko (this file is its only object): plain C (no
 * SPECIAL_FUNCTION), re-randomized by rrmeta --auto like bfq, whose
 * functions use what the kernel patches or finds by address at run time: a
 * static key, a static call and a WARN (docs/rerandom.md, "The kernel's
 * run-time tables, in copies"). The suite tests/guest/36-rr-classes.sh flips
 * the key and updates the call while a pass runs every millisecond and
 * checks each result; tests/host/rr-warn.sh fires the WARN from a moved copy
 * (a guest run with a WARN fails, so that test reads the console itself).
 *
 * /sys/kernel/debug/rr_classes/
 *   key    write 0/1: disable/enable rrc_flag; read: rrc_key(), 1 when the
 *          branch the key selects runs, else 0
 *   call   write 1/2: static_call_update(rrc_sc) to rrc_add1/rrc_add2;
 *          read: rrc_call(40), 41 or 42
 *   warn   write N: rrc_warn(N), which warns (once) when N > 100 and
 *          returns N + 1; read: the last result
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/debugfs.h>
#include <linux/jump_label.h>
#include <linux/static_call.h>

static DEFINE_STATIC_KEY_FALSE(rrc_flag);

static int rrc_add1(int x)
{
	return x + 1;
}

static int rrc_add2(int x)
{
	return x + 2;
}

DEFINE_STATIC_CALL(rrc_sc, rrc_add1);

static noinline int rrc_key(void)
{
	if (static_branch_unlikely(&rrc_flag))
		return 1;
	return 0;
}

static noinline int rrc_call(int x)
{
	return static_call(rrc_sc)(x);
}

static noinline int rrc_warn(int x)
{
	WARN_ON_ONCE(x > 100);
	return x + 1;
}

static int rrc_warn_last;

static int rrc_warn_get(void *data, u64 *val)
{
	*val = READ_ONCE(rrc_warn_last);
	return 0;
}

static int rrc_warn_set(void *data, u64 val)
{
	if (val > 1000)
		return -EINVAL;
	WRITE_ONCE(rrc_warn_last, rrc_warn(val));
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(rrc_warn_fops, rrc_warn_get, rrc_warn_set, "%llu\n");

static int rrc_key_get(void *data, u64 *val)
{
	*val = rrc_key();
	return 0;
}

static int rrc_key_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	if (val)
		static_branch_enable(&rrc_flag);
	else
		static_branch_disable(&rrc_flag);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(rrc_key_fops, rrc_key_get, rrc_key_set, "%llu\n");

static int rrc_call_get(void *data, u64 *val)
{
	*val = rrc_call(40);
	return 0;
}

static int rrc_call_set(void *data, u64 val)
{
	if (val == 1)
		static_call_update(rrc_sc, rrc_add1);
	else if (val == 2)
		static_call_update(rrc_sc, rrc_add2);
	else
		return -EINVAL;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(rrc_call_fops, rrc_call_get, rrc_call_set, "%llu\n");

static struct dentry *rrc_dir;

static int __init rrc_init(void)
{
	rrc_dir = debugfs_create_dir("rr_classes", NULL);
	debugfs_create_file_unsafe("key", 0600, rrc_dir, NULL, &rrc_key_fops);
	debugfs_create_file_unsafe("call", 0600, rrc_dir, NULL,
				   &rrc_call_fops);
	debugfs_create_file_unsafe("warn", 0600, rrc_dir, NULL,
				   &rrc_warn_fops);
	return 0;
}

static void __exit rrc_exit(void)
{
	debugfs_remove_recursive(rrc_dir);
}

module_init(rrc_init);
module_exit(rrc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Static keys, static calls and WARN in re-randomized copies");
