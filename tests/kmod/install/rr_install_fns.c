// SPDX-License-Identifier: GPL-2.0
/*
 * rr_install.ko (this file is its only object): plain C, made
 * re-randomizable out of tree by the installed make fragment
 * (/usr/share/wpwatch/rerandom.mk, rrmeta --auto) in the install suites
 * tests/guest/70-install.sh and 71-install-dkms.sh, which check that its
 * bodies move and that they still compute the right thing after every pass.
 *
 * /sys/kernel/debug/rr_install/add  write N: rri_add(N); read: the result
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/debugfs.h>

static noinline int rri_twice(int x)
{
	return 2 * x;
}

static noinline int rri_add(int x)
{
	return rri_twice(x) + 1;
}

static int rri_last;
static struct dentry *rri_dir;

static int rri_get(void *data, u64 *val)
{
	*val = rri_last;
	return 0;
}

static int rri_set(void *data, u64 val)
{
	rri_last = rri_add((int)val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(rri_fops, rri_get, rri_set, "%llu\n");

static int __init rri_init(void)
{
	rri_dir = debugfs_create_dir("rr_install", NULL);
	debugfs_create_file_unsafe("add", 0600, rri_dir, NULL, &rri_fops);
	return 0;
}

static void __exit rri_exit(void)
{
	debugfs_remove(rri_dir);
}

module_init(rri_init);
module_exit(rri_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch install suite: a module made re-randomizable out of tree");
