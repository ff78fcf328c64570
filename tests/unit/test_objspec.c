// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/wpwatch/watch_objspec.c: which SPECs are object SPECs,
 * their syntax, and their resolution against a small BTF built here with
 * libbpf's btf__add_* (no kernel), one table of cases: the plan each makes,
 * or the one line each refusal says.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include "watch_objspec.h"

/*
 * struct inode { long long i_size; unsigned int i_flags:3; };        (16 bytes)
 * struct file {
 *	int f_flags;                       0
 *	loff_t f_pos;                      8
 *	struct inode *f_inode;             16
 *	void *private_data;                24
 *	void (*f_op)(void);                32
 *	int arr[4];                        40
 *	struct { short a; short b; } sub;  56
 *	union { int u1; long long u2; };   64 (anonymous)
 *	char name[12];                     72
 * };                                  (88 bytes)
 * long vfs_write(struct file *file, char *buf, long long count, loff_t *pos);
 * struct file *alloc_file(void);
 * void seven(int a0, int a1, int a2, int a3, int a4, int a5, struct file *a6);
 * void take_fn(void (*fn)(void), void *p, struct file **pp);
 */
static struct btf *make_btf(void)
{
	struct btf *b = btf__new_empty();
	int i_int, i_ll, i_char, i_short, i_uint, loff, inode, p_inode, voidp, fproto, p_fn;
	int arr, sub, anon, name, file, p_file, p_char, p_loff, proto, pp_file;

	assert_non_null(b);
	i_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	i_ll = btf__add_int(b, "long long", 8, BTF_INT_SIGNED);
	i_char = btf__add_int(b, "char", 1, BTF_INT_CHAR);
	i_short = btf__add_int(b, "short", 2, BTF_INT_SIGNED);
	i_uint = btf__add_int(b, "unsigned int", 4, 0);
	loff = btf__add_typedef(b, "loff_t", i_ll);
	inode = btf__add_struct(b, "inode", 16);
	btf__add_field(b, "i_size", i_ll, 0, 0);
	btf__add_field(b, "i_flags", i_uint, 64, 3);
	p_inode = btf__add_ptr(b, inode);
	voidp = btf__add_ptr(b, 0);
	fproto = btf__add_func_proto(b, 0);
	p_fn = btf__add_ptr(b, fproto);
	arr = btf__add_array(b, i_int, i_int, 4);
	sub = btf__add_struct(b, NULL, 4);
	btf__add_field(b, "a", i_short, 0, 0);
	btf__add_field(b, "b", i_short, 16, 0);
	anon = btf__add_union(b, NULL, 8);
	btf__add_field(b, "u1", i_int, 0, 0);
	btf__add_field(b, "u2", i_ll, 0, 0);
	name = btf__add_array(b, i_int, i_char, 12);
	file = btf__add_struct(b, "file", 88);
	btf__add_field(b, "f_flags", i_int, 0, 0);
	btf__add_field(b, "f_pos", loff, 64, 0);
	btf__add_field(b, "f_inode", p_inode, 128, 0);
	btf__add_field(b, "private_data", voidp, 192, 0);
	btf__add_field(b, "f_op", p_fn, 256, 0);
	btf__add_field(b, "arr", arr, 320, 0);
	btf__add_field(b, "sub", sub, 448, 0);
	btf__add_field(b, NULL, anon, 512, 0);
	btf__add_field(b, "name", name, 576, 0);
	p_file = btf__add_ptr(b, file);
	p_char = btf__add_ptr(b, i_char);
	p_loff = btf__add_ptr(b, loff);
	proto = btf__add_func_proto(b, i_ll);
	btf__add_func_param(b, "file", p_file);
	btf__add_func_param(b, "buf", p_char);
	btf__add_func_param(b, "count", i_ll);
	btf__add_func_param(b, "pos", p_loff);
	assert_true(btf__add_func(b, "vfs_write", BTF_FUNC_GLOBAL, proto) > 0);
	proto = btf__add_func_proto(b, p_file);
	assert_true(btf__add_func(b, "alloc_file", BTF_FUNC_GLOBAL, proto) > 0);
	proto = btf__add_func_proto(b, 0);
	btf__add_func_param(b, "a0", i_int);
	btf__add_func_param(b, "a1", i_int);
	btf__add_func_param(b, "a2", i_int);
	btf__add_func_param(b, "a3", i_int);
	btf__add_func_param(b, "a4", i_int);
	btf__add_func_param(b, "a5", i_int);
	btf__add_func_param(b, "a6", p_file);
	assert_true(btf__add_func(b, "seven", BTF_FUNC_GLOBAL, proto) > 0);
	pp_file = btf__add_ptr(b, p_file);
	proto = btf__add_func_proto(b, 0);
	btf__add_func_param(b, "fn", p_fn);
	btf__add_func_param(b, "p", voidp);
	btf__add_func_param(b, "pp", pp_file);
	assert_true(btf__add_func(b, "take_fn", BTF_FUNC_GLOBAL, proto) > 0);
	return b;
}

static void test_is_object(void **state)
{
	(void)state;
	assert_true(objspec_is_object("vfs_write:file->f_pos"));
	assert_true(objspec_is_object("f:arg0[2]"));
	assert_true(objspec_is_object("alloc_file:ret"));
	assert_true(objspec_is_object("alloc_file:ret:4"));
	assert_true(objspec_is_object("vfs_write:arg0"));
	/* today's forms stay what they were */
	assert_false(objspec_is_object("jiffies"));
	assert_false(objspec_is_object("jiffies:4"));
	assert_false(objspec_is_object("wpw_testwriter:wpw_test_target+8:16"));
	assert_false(objspec_is_object("mod:sym.isra.0"));
	assert_false(objspec_is_object("0xffff0000:4"));
	assert_false(objspec_is_object("mod:retval"));
	assert_false(objspec_is_object("mod:args"));
	/* FUNC:PARAM alone reads as MODULE:SYMBOL: the object form says argN */
	assert_false(objspec_is_object("vfs_write:pos"));
}

/* One case: a SPEC and its plan, or the words its refusal must have. */
struct ok_case {
	const char *spec;
	unsigned int arg, nloads, load0, off, len;
	const char *holder;
	unsigned long field_size;
	bool truncated;
};

static const struct ok_case oks[] = {
	{ "vfs_write:file->f_pos", 0, 0, 0, 8, 8, "struct file", 8, false },
	{ "vfs_write:arg0->f_pos", 0, 0, 0, 8, 8, "struct file", 8, false },
	{ "vfs_write:file->f_flags", 0, 0, 0, 0, 4, "struct file", 4, false },
	{ "vfs_write:file->f_flags:2", 0, 0, 0, 0, 2, "struct file", 4, true },
	{ "vfs_write:file->f_inode->i_size", 0, 1, 16, 0, 8, "struct inode", 8, false },
	{ "vfs_write:file->arr[3]", 0, 0, 0, 52, 4, "struct file", 4, false },
	{ "vfs_write:file->sub.b", 0, 0, 0, 58, 2, "struct file", 2, false },
	{ "vfs_write:file->u2", 0, 0, 0, 64, 8, "struct file", 8, false },
	{ "vfs_write:file->name", 0, 0, 0, 72, 8, "struct file", 12, true },
	{ "vfs_write:file->name[9]", 0, 0, 0, 81, 1, "struct file", 1, false },
	{ "vfs_write:pos", 3, 0, 0, 0, 8, "long long", 8, false },
	{ "vfs_write:buf[5]", 1, 0, 0, 5, 1, "char", 1, false },
	{ "vfs_write:arg3", 3, 0, 0, 0, 8, "long long", 8, false },
	{ "alloc_file:ret", WATCH_OBJ_RET, 0, 0, 0, 8, "struct file", 88, true },
	{ "alloc_file:ret->f_pos:4", WATCH_OBJ_RET, 0, 0, 8, 4, "struct file", 8, true },
	{ "take_fn:p", 1, 0, 0, 0, 8, "void", 8, false },
	{ "take_fn:arg1:4", 1, 0, 0, 0, 4, "void", 4, false },
	{ "take_fn:pp[0]->f_pos", 2, 1, 0, 8, 8, "struct file", 8, false },
};

static void test_resolve_ok(void **state)
{
	struct btf *b = make_btf();
	struct objspec o;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(oks) / sizeof(oks[0]); i++) {
		const struct ok_case *c = &oks[i];

		if (objspec_parse(c->spec, &o, err, sizeof(err)) ||
		    objspec_resolve(b, &o, err, sizeof(err)))
			fail_msg("'%s' refused: %s", c->spec, err);
		if (o.plan.arg != c->arg || o.plan.nloads != c->nloads ||
		    (c->nloads && o.plan.load_off[0] != c->load0) || o.plan.off != c->off ||
		    o.plan.len != c->len || strcmp(o.holder, c->holder) ||
		    o.field_size != c->field_size || o.truncated != c->truncated)
			fail_msg("'%s': arg %u nloads %u load0 %u off %u len %u holder '%s' size "
				 "%lu truncated %d", c->spec, o.plan.arg, o.plan.nloads,
				 o.plan.load_off[0], o.plan.off, o.plan.len, o.holder, o.field_size,
				 o.truncated);
	}
	btf__free(b);
}

struct bad_case {
	const char *spec;
	int rc;
	const char *needle;
};

static const struct bad_case bads[] = {
	/* syntax */
	{ "vfs_write:file->", -EINVAL, "a field name must follow '->'" },
	{ "vfs_write:file->f_pos:0", -EINVAL, "out of range" },
	{ "vfs_write:file->f_pos:16", -EINVAL, "out of range" },
	{ "vfs_write:file->arr[x]", -EINVAL, "bad index" },
	{ "vfs_write:file->arr[2", -EINVAL, "bad index" },
	{ "vfs_write:file->f_pos+8", -EINVAL, "unexpected '+8'" },
	{ "1fn:file->x", -EINVAL, "FUNC:ARG->field" },
	{ "vfs_write:->f_pos", -EINVAL, "no ARG" },
	/* BTF */
	{ "nosuch:file->f_pos", -ENOENT, "" },
	{ "vfs_write:fil->f_pos", -EINVAL, "has no argument fil; its arguments: file, buf, count, pos" },
	{ "vfs_write:arg4->f_pos", -EINVAL, "takes 4 arguments: arg4 is not one" },
	{ "seven:a6->f_pos", -EINVAL, "only the first 5" },
	{ "vfs_write:file->f_poz", -EINVAL, "struct file has no field f_poz; did you mean f_pos?" },
	{ "vfs_write:file->zzzzzzzzzz", -EINVAL, "struct file has no field zzzzzzzzzz" },
	{ "vfs_write:file->f_inode->i_flags", -EINVAL, "bitfield (3 bits)" },
	{ "vfs_write:file->private_data->x", -EINVAL, "void pointer" },
	{ "vfs_write:file->f_op->x", -EINVAL, "function pointer" },
	{ "take_fn:fn", -EINVAL, "function pointer" },
	{ "vfs_write:file->arr[4]", -EINVAL, "index 4 is out of bounds: file->arr has 4 elements" },
	{ "vfs_write:file->f_pos->x", -EINVAL, "not a pointer" },
	{ "vfs_write:file.f_pos", -EINVAL, "use '->f_pos'" },
	{ "vfs_write:file->sub->a", -EINVAL, "use '.' for its fields" },
	{ "vfs_write:file->f_pos.x", -EINVAL, "has no fields" },
	{ "vfs_write:count", -EINVAL, "not a pointer" },
	{ "vfs_write:file->f_flags[1]", -EINVAL, "neither an array nor a pointer" },
	{ "vfs_write:file->f_pos:3", -EINVAL, "1, 2, 4 or 8 bytes" },
	{ "vfs_write:file->sub.b:4", -EINVAL, "not aligned" },
	{ "take_fn:ret", -EINVAL, "returns void" },
};

static void test_resolve_bad(void **state)
{
	struct btf *b = make_btf();
	struct objspec o;
	char err[512];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad_case *c = &bads[i];

		err[0] = '\0';
		rc = objspec_parse(c->spec, &o, err, sizeof(err));
		if (!rc)
			rc = objspec_resolve(b, &o, err, sizeof(err));
		if (rc != c->rc)
			fail_msg("'%s': status %d, not %d (%s)", c->spec, rc, c->rc, err);
		if (!strstr(err, c->needle))
			fail_msg("'%s': message '%s' lacks '%s'", c->spec, err, c->needle);
		/* one line, naming the SPEC */
		if (strchr(err, '\n') || (rc == -EINVAL && !strstr(err, c->spec)))
			fail_msg("'%s': message '%s' is not one line naming it", c->spec, err);
	}
	btf__free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_object),
		cmocka_unit_test(test_resolve_ok),
		cmocka_unit_test(test_resolve_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
