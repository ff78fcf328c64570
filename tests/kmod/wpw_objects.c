// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_objects: a slab cache of objects that a kernel thread arms, writes at
 * known, counted moments and frees, for the suites that watch a field of an
 * object a function is handed (issue 26).
 *
 * The objects are struct klist_node, and the module calls
 * klist_node_attached(struct klist_node *n) on each one it arms. Why that
 * type: the modules built for the stock lanes have no BTF of their own, so
 * a SPEC's type must be vmlinux's. klist_node_attached() was chosen as the
 * arming function (exported, out of line, in both arches' BTF with its
 * parameter named n, reading nothing but n->n_klist), but Debian's 6.1
 * refuses a kprobe on it ("Could not probe notrace function": lib/ is built
 * without ftrace), so 23-watch-objects arms the objects where the cache
 * hands them out instead, "kmem_cache_alloc:ret" filtered by this module's
 * thread (n_klist is the first 8 bytes), and the call stays as the moment
 * an object counts as armed. A struct klist_node that is on no list is
 * plain memory this module owns: nothing else reads it.
 *
 * The cache has a constructor for two reasons: SLUB never merges a cache
 * that has one with another (slab_unmergeable()), and keeps its free
 * pointer after such objects, not inside them (and init_on_free spares
 * them). So, until a freed object's memory is allocated again from this
 * cache, the writes this module counts are all the writes made to it;
 * alloc writes nothing (the constructor zeroed the object when its slab
 * was made).
 *
 * Every arming call and every write is made by one kernel thread, comm
 * "wpw_objects" (its pid in the file pid), from wpw_obj_write().
 *
 * debugfs (/sys/kernel/debug/wpw_objects/); LIST is "all" (every object not
 * freed) or a kernel cpulist-style list of object ids ("0-3,7"); a write
 * to cmd returns when the thread has done the command:
 *   cmd     "alloc N"                 N new objects, ids counting on from
 *                                     the last (ids are never reused)
 *           "arm LIST"                call klist_node_attached() on each
 *           "write LIST [K [DELAY_US [GAP_US]]]"
 *                                     for each object in turn: wait until
 *                                     DELAY_US (default 0) after its last
 *                                     arming call returned (after now for
 *                                     one never armed), then write the field
 *                                     K times (default 1), GAP_US apart
 *           "armwrite LIST [K [DELAY_US [GAP_US]]]"
 *                                     for each object in turn: arm, then
 *                                     write as "write" does
 *           "free LIST"               kmem_cache_free() each; a freed object
 *                                     is written no more (commands naming
 *                                     one fail with EINVAL, doing nothing)
 *           "clear"                   free every object, forget them and
 *                                     the log, ids start again at 0
 *   field   the field written: "n_klist" (default), "n_node.next",
 *           "n_node.prev" or "n_ref.refcount.refs.counter"; reads
 *           "NAME OFFSET SIZE"
 *   spec    the wpwatch SPEC of that field: "klist_node_attached:n->NAME"
 *   objects one line per object: "ID ADDR STATE WRITES CALL_NS RET_NS",
 *           STATE alloc|armed|freed, WRITES the writes made to it, CALL_NS
 *           and RET_NS the CLOCK_MONOTONIC times just before its last
 *           arming call and just after it returned (0 if never armed)
 *   log     one line per write, in order: "ID N VALUE NS", the object's
 *           N-th write (from 1), the value stored and the CLOCK_MONOTONIC
 *           time just before the store; at most 16384 lines are kept
 *   stats   "objects N", "live N", "writes N", "log_dropped N"
 *   pid     the thread's pid
 * The value stored by an object's N-th write is (ID + 1) << 32 | N for the
 * 8-byte fields, and (ID + 1) << 20 | N truncated to 32 bits for the 4-byte
 * one, so each write of a run has a value of its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/klist.h>
#include <linux/kthread.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#define WPW_OBJ_MAX	1024
#define WPW_LOG_MAX	16384
#define WPW_K_MAX	100000
#define WPW_DELAY_MAX	(10 * USEC_PER_SEC)

#define WPW_FIELD(name) \
	{ #name, offsetof(struct klist_node, name), \
	  sizeof_field(struct klist_node, name) }

static const struct wpw_field {
	const char *name;
	size_t offset;
	size_t size;
} wpw_fields[] = {
	WPW_FIELD(n_klist),
	WPW_FIELD(n_node.next),
	WPW_FIELD(n_node.prev),
	WPW_FIELD(n_ref.refcount.refs.counter),
};

enum wpw_state { WPW_ALLOC, WPW_ARMED, WPW_FREED };
static const char *const wpw_state_names[] = { "alloc", "armed", "freed" };

struct wpw_obj {
	struct klist_node *obj;
	enum wpw_state state;
	u32 writes;
	u64 call_ns, ret_ns;
};

struct wpw_log {
	u32 id, n;
	u64 value, ns;
};

enum wpw_verb { WPW_V_ALLOC, WPW_V_ARM, WPW_V_WRITE, WPW_V_ARMWRITE,
		WPW_V_FREE, WPW_V_CLEAR };

struct wpw_cmd {
	enum wpw_verb verb;
	unsigned int n, k, delay_us, gap_us;
	DECLARE_BITMAP(ids, WPW_OBJ_MAX);
};

static struct kmem_cache *wpw_cache;
static struct wpw_obj wpw_objs[WPW_OBJ_MAX];
static unsigned int wpw_nobjs;
static struct wpw_log *wpw_log;
static unsigned int wpw_nlog;
static u64 wpw_writes, wpw_log_dropped;
static const struct wpw_field *wpw_field = &wpw_fields[0];

/*
 * wpw_lock: held by a writer of cmd until the thread has done its command
 * (the thread works on the writer's behalf), and by every reader, so the
 * state above changes only under it.
 */
static DEFINE_MUTEX(wpw_lock);
static struct wpw_cmd wpw_cmd;
static bool wpw_cmd_pending;
static int wpw_cmd_err;
static DECLARE_WAIT_QUEUE_HEAD(wpw_cmd_wq);
static DECLARE_COMPLETION(wpw_cmd_done);
static struct task_struct *wpw_thread;
static struct dentry *wpw_dir;

static void wpw_obj_ctor(void *p)
{
	memset(p, 0, sizeof(struct klist_node));
}

/* The store, in a function of its own so that stacks name it. */
static noinline void wpw_obj_write(void *where, size_t size, u64 value)
{
	if (size == sizeof(u64))
		WRITE_ONCE(*(u64 *)where, value);
	else
		WRITE_ONCE(*(u32 *)where, (u32)value);
}

/* The arming call: time it from just before to just after. */
static noinline void wpw_obj_arm(struct wpw_obj *o)
{
	o->call_ns = ktime_get_ns();
	klist_node_attached(o->obj);
	o->ret_ns = ktime_get_ns();
	o->state = WPW_ARMED;
}

/*
 * Sleep while more than 2 ms are left, then spin with cond_resched() (so a
 * task woken here, wpwatch arming the slot, still gets the CPU) for the
 * precision the arming window's measurement needs.
 */
static void wpw_wait_until(u64 t)
{
	s64 left;

	while ((left = (s64)(t - ktime_get_ns())) > 0) {
		if (left > 2 * NSEC_PER_MSEC) {
			unsigned long us = (left - NSEC_PER_MSEC) / NSEC_PER_USEC;

			usleep_range(us, us + 100);
		} else {
			cond_resched();
			cpu_relax();
		}
	}
}

static void wpw_obj_writes(unsigned int id, const struct wpw_cmd *c)
{
	struct wpw_obj *o = &wpw_objs[id];
	void *where = (char *)o->obj + wpw_field->offset;
	u64 t, value;
	unsigned int i;

	t = (o->state == WPW_ARMED ? o->ret_ns : ktime_get_ns()) +
	    (u64)c->delay_us * NSEC_PER_USEC;
	for (i = 0; i < c->k; i++) {
		wpw_wait_until(t);
		o->writes++;
		if (wpw_field->size == sizeof(u64))
			value = (u64)(id + 1) << 32 | o->writes;
		else
			value = (u32)((id + 1) << 20 | o->writes);
		t = ktime_get_ns();
		wpw_obj_write(where, wpw_field->size, value);
		wpw_writes++;
		if (wpw_nlog < WPW_LOG_MAX)
			wpw_log[wpw_nlog++] = (struct wpw_log){
				.id = id, .n = o->writes, .value = value,
				.ns = t };
		else
			wpw_log_dropped++;
		t += (u64)c->gap_us * NSEC_PER_USEC;
	}
}

static void wpw_free_all(void)
{
	unsigned int id;

	for (id = 0; id < wpw_nobjs; id++) {
		if (wpw_objs[id].state != WPW_FREED)
			kmem_cache_free(wpw_cache, wpw_objs[id].obj);
		wpw_objs[id].state = WPW_FREED;
	}
}

/* Runs on the thread; wpw_lock is held by the writer waiting for it. */
static int wpw_run(const struct wpw_cmd *c)
{
	unsigned int id;

	switch (c->verb) {
	case WPW_V_ALLOC:
		if (c->n > WPW_OBJ_MAX - wpw_nobjs)
			return -ENOSPC;
		for (id = 0; id < c->n; id++) {
			struct klist_node *obj;

			obj = kmem_cache_alloc(wpw_cache, GFP_KERNEL);
			if (!obj)
				return -ENOMEM;
			wpw_objs[wpw_nobjs++] = (struct wpw_obj){ .obj = obj };
		}
		return 0;
	case WPW_V_CLEAR:
		wpw_free_all();
		wpw_nobjs = 0;
		wpw_nlog = 0;
		wpw_writes = 0;
		wpw_log_dropped = 0;
		return 0;
	default:
		break;
	}
	for_each_set_bit(id, c->ids, wpw_nobjs) {
		switch (c->verb) {
		case WPW_V_ARM:
			wpw_obj_arm(&wpw_objs[id]);
			break;
		case WPW_V_ARMWRITE:
			wpw_obj_arm(&wpw_objs[id]);
			fallthrough;
		case WPW_V_WRITE:
			wpw_obj_writes(id, c);
			break;
		case WPW_V_FREE:
			kmem_cache_free(wpw_cache, wpw_objs[id].obj);
			wpw_objs[id].state = WPW_FREED;
			break;
		default:
			return -EINVAL;
		}
		cond_resched();
	}
	return 0;
}

static int wpw_thread_fn(void *unused)
{
	while (!kthread_should_stop()) {
		wait_event_interruptible(wpw_cmd_wq, READ_ONCE(wpw_cmd_pending) ||
					 kthread_should_stop());
		if (!READ_ONCE(wpw_cmd_pending))
			continue;
		wpw_cmd_err = wpw_run(&wpw_cmd);
		WRITE_ONCE(wpw_cmd_pending, false);
		complete(&wpw_cmd_done);
	}
	return 0;
}

/* "all" or a list of ids of objects that are not freed. */
static int wpw_parse_ids(char *s, unsigned long *ids)
{
	unsigned int id;
	int err;

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "all")) {
		bitmap_zero(ids, WPW_OBJ_MAX);
		for (id = 0; id < wpw_nobjs; id++)
			if (wpw_objs[id].state != WPW_FREED)
				__set_bit(id, ids);
		return 0;
	}
	err = bitmap_parselist(s, ids, WPW_OBJ_MAX);
	if (err)
		return err;
	for_each_set_bit(id, ids, WPW_OBJ_MAX)
		if (id >= wpw_nobjs || wpw_objs[id].state == WPW_FREED)
			return -EINVAL;
	return 0;
}

/* Optional unsigned argument: absent keeps *v, present must be <= max. */
static int wpw_parse_opt(char *s, unsigned int *v, unsigned int max)
{
	if (!s)
		return 0;
	if (kstrtouint(s, 0, v) || *v > max)
		return -EINVAL;
	return 0;
}

static int wpw_parse(char *buf, struct wpw_cmd *c)
{
	static const char *const verbs[] = {
		[WPW_V_ALLOC] = "alloc", [WPW_V_ARM] = "arm",
		[WPW_V_WRITE] = "write", [WPW_V_ARMWRITE] = "armwrite",
		[WPW_V_FREE] = "free", [WPW_V_CLEAR] = "clear",
	};
	char *arg[5] = {};
	unsigned int i, n = 0;
	int v, err;

	buf = strim(buf);
	while (buf && n < ARRAY_SIZE(arg)) {
		arg[n] = strsep(&buf, " \t");
		if (*arg[n])
			n++;
	}
	if (!n || buf)
		return -EINVAL;
	v = match_string(verbs, ARRAY_SIZE(verbs), arg[0]);
	if (v < 0)
		return v;
	*c = (struct wpw_cmd){ .verb = v, .k = 1 };
	switch (c->verb) {
	case WPW_V_CLEAR:
		return n == 1 ? 0 : -EINVAL;
	case WPW_V_ALLOC:
		if (n != 2 || kstrtouint(arg[1], 0, &c->n))
			return -EINVAL;
		return 0;
	case WPW_V_ARM:
	case WPW_V_FREE:
		if (n != 2)
			return -EINVAL;
		return wpw_parse_ids(arg[1], c->ids);
	default:
		err = wpw_parse_ids(arg[1], c->ids);
		for (i = 2; !err && i < n; i++)
			err = wpw_parse_opt(arg[i], i == 2 ? &c->k :
					    i == 3 ? &c->delay_us : &c->gap_us,
					    i == 2 ? WPW_K_MAX : WPW_DELAY_MAX);
		return err;
	}
}

static ssize_t cmd_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	char buf[256];
	int err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	mutex_lock(&wpw_lock);
	err = wpw_parse(buf, &wpw_cmd);
	if (!err) {
		reinit_completion(&wpw_cmd_done);
		WRITE_ONCE(wpw_cmd_pending, true);
		wake_up(&wpw_cmd_wq);
		/* the thread uses wpw_cmd until it completes: no early return */
		wait_for_completion(&wpw_cmd_done);
		err = wpw_cmd_err;
	}
	mutex_unlock(&wpw_lock);
	return err ? err : count;
}

static const struct file_operations cmd_fops = {
	.owner = THIS_MODULE,
	.write = cmd_write,
	.llseek = noop_llseek,
};

static ssize_t field_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[64];
	unsigned int i;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	for (i = 0; i < ARRAY_SIZE(wpw_fields); i++) {
		if (!strcmp(strim(buf), wpw_fields[i].name)) {
			mutex_lock(&wpw_lock);
			wpw_field = &wpw_fields[i];
			mutex_unlock(&wpw_lock);
			return count;
		}
	}
	return -EINVAL;
}

static int field_show(struct seq_file *m, void *v)
{
	mutex_lock(&wpw_lock);
	seq_printf(m, "%s %zu %zu\n", wpw_field->name, wpw_field->offset,
		   wpw_field->size);
	mutex_unlock(&wpw_lock);
	return 0;
}

static int field_open(struct inode *inode, struct file *file)
{
	return single_open(file, field_show, NULL);
}

static const struct file_operations field_fops = {
	.owner = THIS_MODULE,
	.open = field_open,
	.read = seq_read,
	.write = field_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int spec_show(struct seq_file *m, void *v)
{
	mutex_lock(&wpw_lock);
	seq_printf(m, "klist_node_attached:n->%s\n", wpw_field->name);
	mutex_unlock(&wpw_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(spec);

static int objects_show(struct seq_file *m, void *v)
{
	unsigned int id;

	mutex_lock(&wpw_lock);
	for (id = 0; id < wpw_nobjs; id++) {
		const struct wpw_obj *o = &wpw_objs[id];

		seq_printf(m, "%u 0x%lx %s %u %llu %llu\n", id,
			   (unsigned long)o->obj, wpw_state_names[o->state],
			   o->writes, o->call_ns, o->ret_ns);
	}
	mutex_unlock(&wpw_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(objects);

static int log_show(struct seq_file *m, void *v)
{
	unsigned int i;

	mutex_lock(&wpw_lock);
	for (i = 0; i < wpw_nlog; i++)
		seq_printf(m, "%u %u 0x%llx %llu\n", wpw_log[i].id,
			   wpw_log[i].n, wpw_log[i].value, wpw_log[i].ns);
	mutex_unlock(&wpw_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(log);

static int stats_show(struct seq_file *m, void *v)
{
	unsigned int id, live = 0;

	mutex_lock(&wpw_lock);
	for (id = 0; id < wpw_nobjs; id++)
		live += wpw_objs[id].state != WPW_FREED;
	seq_printf(m, "objects %u\nlive %u\nwrites %llu\nlog_dropped %llu\n",
		   wpw_nobjs, live, wpw_writes, wpw_log_dropped);
	mutex_unlock(&wpw_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int pid_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", task_pid_nr(wpw_thread));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pid);

static int __init wpw_objects_init(void)
{
	int err;

	wpw_log = vmalloc(array_size(WPW_LOG_MAX, sizeof(*wpw_log)));
	if (!wpw_log)
		return -ENOMEM;
	wpw_cache = kmem_cache_create("wpw_objects", sizeof(struct klist_node),
				      0, SLAB_HWCACHE_ALIGN, wpw_obj_ctor);
	if (!wpw_cache) {
		err = -ENOMEM;
		goto err_log;
	}
	wpw_thread = kthread_run(wpw_thread_fn, NULL, "wpw_objects");
	if (IS_ERR(wpw_thread)) {
		err = PTR_ERR(wpw_thread);
		goto err_cache;
	}
	wpw_dir = debugfs_create_dir("wpw_objects", NULL);
	debugfs_create_file("cmd", 0200, wpw_dir, NULL, &cmd_fops);
	debugfs_create_file("field", 0644, wpw_dir, NULL, &field_fops);
	debugfs_create_file("spec", 0444, wpw_dir, NULL, &spec_fops);
	debugfs_create_file("objects", 0444, wpw_dir, NULL, &objects_fops);
	debugfs_create_file("log", 0444, wpw_dir, NULL, &log_fops);
	debugfs_create_file("stats", 0444, wpw_dir, NULL, &stats_fops);
	debugfs_create_file("pid", 0444, wpw_dir, NULL, &pid_fops);
	return 0;

err_cache:
	kmem_cache_destroy(wpw_cache);
err_log:
	vfree(wpw_log);
	return err;
}

static void __exit wpw_objects_exit(void)
{
	debugfs_remove_recursive(wpw_dir);
	kthread_stop(wpw_thread);
	wpw_free_all();
	kmem_cache_destroy(wpw_cache);
	vfree(wpw_log);
}

module_init(wpw_objects_init);
module_exit(wpw_objects_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wpwatch test: slab objects armed, written and freed");
