// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/rerandom/: what the core shows (stats, bodies, layout,
 * retired) and what controls it (trigger, period_ms); docs/rerandom.md
 * describes each file.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include "rr_internal.h"
#include "arena.h"

static struct dentry *rr_dir;

static int rr_stats_show(struct seq_file *sf, void *v)
{
	struct rr_stats s;
	unsigned int used;

	spin_lock(&rr_stats_lock);
	s = rr_stats;
	spin_unlock(&rr_stats_lock);
	used = rr_arena_used_bytes();
	seq_printf(sf, "passes %llu\nmoves %llu\nfailures %llu\n", s.passes,
		   s.moves, s.failures);
	seq_printf(sf, "fail_nomem %llu\nfail_arena %llu\nfail_fixup %llu\narena_waits %llu\n",
		   s.fail_nomem, s.fail_arena, s.fail_fixup, s.arena_waits);
	seq_printf(sf, "retired %llu\nfreed %llu\nbodies %u\n", s.retired,
		   s.freed, s.bodies);
	seq_printf(sf, "veneers %llu\nlast_pass_ns %llu\n", s.veneers,
		   s.last_pass_ns);
	seq_printf(sf, "arena_start %lx\narena_bytes %u\narena_used %u\n",
		   (unsigned long)rr_arena, rr_arena_bytes(), used);
	seq_printf(sf, "arena_peak %u\n", rr_arena_peak_bytes());
	seq_printf(sf, "period_ms %u\noverruns %llu\npass_ns %llu\n",
		   READ_ONCE(rr_period_ms), s.overruns, s.pass_ns);
	seq_printf(sf, "arena_align %u\narena_fallbacks %llu\n",
		   rr_arena_align(), rr_arena_fallbacks());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_stats);

/* START END NAME of each body's current copy */
static int rr_bodies_show(struct seq_file *sf, void *v)
{
	struct rr_body *b;
	unsigned int i;

	mutex_lock(&rr_lock);
	rr_for_each_body(b, i)
		seq_printf(sf, "%lx %lx %s\n", b->cur, b->cur + b->d->size,
			   b->d->name);
	mutex_unlock(&rr_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_bodies);

/*
 * NAME BYTES PLACES FREE per body: the arena bytes a copy takes, the places
 * it could start at in the empty arena, and those free now (log2: its bits
 * of entropy; alloc.c, rr_arena_places())
 */
static int rr_places_show(struct seq_file *sf, void *v)
{
	struct rr_body *b;
	unsigned int i;
	u64 empty, now;
	int err = 0;

	mutex_lock(&rr_lock);
	rr_for_each_body(b, i) {
		err = rr_arena_places(b, &empty, &now);
		if (err)
			break;
		seq_printf(sf, "%s %u %llu %llu\n", b->d->name, b->bytes,
			   empty, now);
	}
	mutex_unlock(&rr_lock);
	return err;
}
DEFINE_SHOW_ATTRIBUTE(rr_places);

/* extra: per body, where it was loaded, its trampoline, how often it moved */
static int rr_layout_show(struct seq_file *sf, void *v)
{
	struct rr_mod *m;
	struct rr_body *b;
	unsigned int i;

	mutex_lock(&rr_lock);
	rr_for_each_mod(m) {
		rr_mod_for_each_body(m, b, i)
			seq_printf(sf, "%s tramp %lx orig %lx size %u sites %u moves %llu module %s\n",
				   b->d->name, (unsigned long)b->d->tramp,
				   b->orig, b->d->size, b->d->nsites, b->moves,
				   m->desc->owner ?
				   module_name(m->desc->owner) : "?");
	}
	mutex_unlock(&rr_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_layout);

/*
 * Per module, how much of it moves: "MODULE: moved N of M functions, B of T
 * bytes" (moved: at least once since it registered), then one line per
 * function: "moved NAME SIZE MOVES", or "refused NAME SIZE REASON" for one
 * that rrmeta --auto left in place.
 */
static int rr_coverage_show(struct seq_file *sf, void *v)
{
	const struct rr_refusal *r;
	struct rr_mod *m;
	struct rr_body *b;
	unsigned int i, k;

	mutex_lock(&rr_lock);
	rr_for_each_mod(m) {
		const struct rr_module_desc *d = m->desc;
		u64 bytes = 0, total = 0;
		unsigned int n = 0;

		rr_mod_for_each_body(m, b, i) {
			total += b->d->size;
			if (b->moves && !b->pin_why) {
				n++;
				bytes += b->d->size;
			}
		}
		for (k = 0; k < d->nrefused; k++)
			total += d->refused[k].size;
		seq_printf(sf, "%s: moved %u of %u functions, %llu of %llu bytes\n",
			   d->owner ? module_name(d->owner) : "?", n,
			   m->nbodies + d->nrefused, bytes, total);
		rr_mod_for_each_body(m, b, i)
			if (b->pin_why)
				seq_printf(sf, "refused %s %u %s\n",
					   b->d->name, b->d->size, b->pin_why);
			else
				seq_printf(sf, "moved %s %u %llu\n",
					   b->d->name, b->d->size, b->moves);
		for (k = 0; k < d->nrefused; k++) {
			r = &d->refused[k];
			seq_printf(sf, "refused %s %u %s\n", r->name, r->size,
				   r->why);
		}
	}
	mutex_unlock(&rr_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_coverage);

/* NAME COUNT REASON of each body a pass could not move (the last reason) */
static int rr_failures_show(struct seq_file *sf, void *v)
{
	struct rr_mod *m;
	struct rr_body *b;
	unsigned int i;

	mutex_lock(&rr_lock);
	rr_for_each_mod(m)
		rr_mod_for_each_body(m, b, i)
			if (b->fails)
				seq_printf(sf, "%s %llu %s\n", b->d->name,
					   b->fails, b->fail_why);
	mutex_unlock(&rr_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_failures);

/* START END NAME of each old copy still waiting for its grace period */
static int rr_retired_show(struct seq_file *sf, void *v)
{
	struct rr_batch *bt;
	unsigned int i;

	spin_lock(&rr_pending_lock);
	list_for_each_entry(bt, &rr_pending, pending)
		for (i = 0; i < bt->n; i++)
			seq_printf(sf, "%lx %lx %s\n", bt->copy[i].addr,
				   bt->copy[i].addr + bt->copy[i].bytes,
				   bt->copy[i].name);
	spin_unlock(&rr_pending_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rr_retired);

/* write 1: one pass, synchronously */
static ssize_t rr_trigger_write(struct file *f, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	unsigned int n;
	int err = kstrtouint_from_user(ubuf, len, 0, &n);

	if (err)
		return err;
	if (n != 1)
		return -EINVAL;
	err = rerandom_pass();
	return err ? err : len;
}

static const struct file_operations rr_trigger_fops = {
	.owner = THIS_MODULE,
	.write = rr_trigger_write,
	.llseek = noop_llseek,
};

/* the parameter period_ms, also here */
static ssize_t rr_period_read(struct file *f, char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	char buf[16];
	int n = scnprintf(buf, sizeof(buf), "%u\n", READ_ONCE(rr_period_ms));

	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t rr_period_write(struct file *f, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	unsigned int n;
	int err = kstrtouint_from_user(ubuf, len, 0, &n);

	if (err)
		return err;
	WRITE_ONCE(rr_period_ms, n);
	wake_up(&rr_wq);
	return len;
}

static const struct file_operations rr_period_fops = {
	.owner = THIS_MODULE,
	.read = rr_period_read,
	.write = rr_period_write,
	.llseek = default_llseek,
};

void rr_debugfs_init(void)
{
	rr_dir = debugfs_create_dir("rerandom", NULL);
	debugfs_create_file("stats", 0444, rr_dir, NULL, &rr_stats_fops);
	debugfs_create_file("bodies", 0444, rr_dir, NULL, &rr_bodies_fops);
	debugfs_create_file("layout", 0444, rr_dir, NULL, &rr_layout_fops);
	debugfs_create_file("places", 0444, rr_dir, NULL, &rr_places_fops);
	debugfs_create_file("retired", 0444, rr_dir, NULL, &rr_retired_fops);
	debugfs_create_file("coverage", 0444, rr_dir, NULL, &rr_coverage_fops);
	debugfs_create_file("failures", 0444, rr_dir, NULL, &rr_failures_fops);
	debugfs_create_file("trigger", 0200, rr_dir, NULL, &rr_trigger_fops);
	debugfs_create_file("period_ms", 0644, rr_dir, NULL, &rr_period_fops);
}

void rr_debugfs_exit(void)
{
	debugfs_remove_recursive(rr_dir);
}
