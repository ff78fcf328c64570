// SPDX-License-Identifier: GPL-2.0
/* Object SPECs: the grammar and its resolution through BTF (watch_objspec.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "ksyms.h"
#include "watch_objspec.h"

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -EINVAL; } while (0)

static bool ident_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || (!first && isdigit((unsigned char)c));
}

/* Length of the identifier at S (0: none). */
static size_t ident_len(const char *s)
{
	size_t n = 0;

	while (ident_char(s[n], n == 0))
		n++;
	return n;
}

/* "argN": N, or -1. */
static int arg_number(const char *s)
{
	char *end;
	long n;

	if (strncmp(s, "arg", 3) || !isdigit((unsigned char)s[3]))
		return -1;
	n = strtol(s + 3, &end, 10);
	return *end || n > 64 ? -1 : (int)n;
}

bool objspec_is_object(const char *s)
{
	const char *c = strchr(s, ':'), *a;
	size_t n;

	if (strstr(s, "->") || strchr(s, '['))
		return true;
	if (!c)
		return false;
	a = c + 1;
	n = ident_len(a);
	if (!n || (a[n] && a[n] != ':'))
		return false;
	/* FUNC:ret, FUNC:argN, each optionally :LEN */
	if (n == 3 && !strncmp(a, "ret", 3))
		return true;
	if (n > 3 && !strncmp(a, "arg", 3)) {
		size_t i;

		for (i = 3; i < n && isdigit((unsigned char)a[i]); i++)
			;
		return i == n;
	}
	return false;
}

int objspec_parse(const char *s, struct objspec *o, char *err, size_t errlen)
{
	size_t n = strlen(s), k;
	const char *p, *end;
	char *e;

	memset(o, 0, sizeof(*o));
	if (n >= OBJSPEC_TEXT_MAX)
		FAIL("SPEC is too long (%zu characters, at most %d)", n, OBJSPEC_TEXT_MAX - 1);
	memcpy(o->text, s, n + 1);
	end = s + n;
	/* :LEN, a last ':' followed by a number */
	p = strrchr(s, ':');
	if (p && p > strchr(s, ':') && isdigit((unsigned char)p[1])) {
		errno = 0;
		o->len = strtoul(p + 1, &e, 0);
		if (errno || *e)
			FAIL("'%s': bad LEN '%s': a number of bytes, like :4", s, p + 1);
		if (o->len == 0 || o->len > 8)
			FAIL("'%s': LEN %s is out of range: a field is watched by one slot, 1 to 8 "
			     "bytes", s, p + 1);
		o->has_len = true;
		end = p;
	}
	k = ident_len(s);
	if (!k || s[k] != ':')
		FAIL("'%s': an object SPEC is FUNC:ARG->field (a function's name, then ':')", s);
	if (k >= sizeof(o->func))
		FAIL("'%s': function name too long", s);
	memcpy(o->func, s, k);
	p = s + k + 1;
	k = ident_len(p);
	if (!k || p + k > end)
		FAIL("'%s': no ARG after '%s:': a parameter's name, argN or ret", s, o->func);
	if (k >= sizeof(o->arg))
		FAIL("'%s': argument name too long", s);
	memcpy(o->arg, p, k);
	p += k;
	while (p < end) {
		struct objspec_op *op = &o->ops[o->nops];

		if (o->nops == OBJSPEC_MAX_OPS)
			FAIL("'%s': more than %d steps after the argument", s, OBJSPEC_MAX_OPS);
		if (p[0] == '-' && p[1] == '>') {
			op->kind = OBJ_ARROW;
			p += 2;
		} else if (p[0] == '.') {
			op->kind = OBJ_DOT;
			p++;
		} else if (p[0] == '[') {
			op->kind = OBJ_INDEX;
			if (!isdigit((unsigned char)p[1]))
				FAIL("'%s': bad index at '%.*s': [N], N a number", s,
				     (int)(end - p), p);
			errno = 0;
			op->index = strtoul(p + 1, &e, 0);
			if (errno || e >= end || *e != ']')
				FAIL("'%s': bad index at '%.*s': [N], N a number", s,
				     (int)(end - p), p);
			p = e + 1;
			o->nops++;
			continue;
		} else {
			FAIL("'%s': unexpected '%.*s': fields follow '->' (through a pointer) or "
			     "'.' (inside a struct), indices are [N]", s, (int)(end - p), p);
		}
		k = ident_len(p);
		if (!k || p + k > end)
			FAIL("'%s': a field name must follow '%s'", s,
			     op->kind == OBJ_ARROW ? "->" : ".");
		if (k >= sizeof(op->name))
			FAIL("'%s': field name too long", s);
		memcpy(op->name, p, k);
		p += k;
		o->nops++;
	}
	return 0;
}

/* ---- resolution ------------------------------------------------------------ */

/* T with typedefs and qualifiers (const, volatile, restrict, type tags) skipped. */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 id, __u32 *res)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_typedef(t) || btf_is_mod(t) || btf_is_type_tag(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (res)
		*res = id;
	return t;
}

/* "struct file", "int", "u8[16]"-less: a type's name as C writes it, for messages. */
static void type_name(const struct btf *btf, __u32 id, char *buf, size_t len)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name;

	if (!id || !t) {
		snprintf(buf, len, "void");
		return;
	}
	name = btf__name_by_offset(btf, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		snprintf(buf, len, "struct %s", name && *name ? name : "(anonymous)");
		break;
	case BTF_KIND_UNION:
		snprintf(buf, len, "union %s", name && *name ? name : "(anonymous)");
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		snprintf(buf, len, "enum %s", name && *name ? name : "(anonymous)");
		break;
	case BTF_KIND_PTR: {
		char in[OBJSPEC_NAME_MAX];

		type_name(btf, t->type, in, sizeof(in));
		snprintf(buf, len, "%.*s *", len > 2 ? (int)len - 3 : 0, in);
		break;
	}
	case BTF_KIND_ARRAY:
		snprintf(buf, len, "an array");
		break;
	case BTF_KIND_FUNC_PROTO:
		snprintf(buf, len, "a function");
		break;
	default:
		if (name && *name)
			snprintf(buf, len, "%s", name);
		else
			type_name(btf, t->type, buf, len);
	}
}

struct member_hit {
	unsigned long bit_off;
	__u32 type;
	unsigned int bitfield;	/* bits, 0: not a bitfield */
};

/* NAME among the members of struct/union T, anonymous members searched inside: found? */
static bool find_member(const struct btf *btf, const struct btf_type *t, const char *name,
			unsigned long base, struct member_hit *hit)
{
	const struct btf_member *m = btf_members(t);
	int i, vlen = btf_vlen(t);

	for (i = 0; i < vlen; i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);

		if (mn && *mn && !strcmp(mn, name)) {
			hit->bit_off = base + btf_member_bit_offset(t, i);
			hit->type = m->type;
			hit->bitfield = btf_member_bitfield_size(t, i);
			return true;
		}
	}
	m = btf_members(t);
	for (i = 0; i < vlen; i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *mt;

		if (mn && *mn)
			continue;
		mt = skip_mods(btf, m->type, NULL);
		if (mt && (btf_is_struct(mt) || btf_is_union(mt)) &&
		    find_member(btf, mt, name, base + btf_member_bit_offset(t, i), hit))
			return true;
	}
	return false;
}

/* The member of T closest to NAME (anonymous members' too), for "did you mean". */
static void nearest_member(const struct btf *btf, const struct btf_type *t, const char *name,
			   const char **best, size_t *best_d)
{
	const struct btf_member *m = btf_members(t);
	int i, vlen = btf_vlen(t);

	for (i = 0; i < vlen; i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);

		if (mn && *mn) {
			size_t d = ksyms__edit_distance(name, mn, *best_d);

			if (d < *best_d) {
				*best_d = d;
				*best = mn;
			}
		} else {
			const struct btf_type *mt = skip_mods(btf, m->type, NULL);

			if (mt && (btf_is_struct(mt) || btf_is_union(mt)))
				nearest_member(btf, mt, name, best, best_d);
		}
	}
}

/*
 * Where the walk is: either a value of type `type` (the argument, or a
 * pointer just loaded: in_memory false), or memory at holder + off of type
 * `type` (in_memory true).
 */
struct walk {
	__u32 type;
	bool in_memory;
	unsigned long off;
	__u32 holder;		/* the type the holder points to */
};

/* W's value is a pointer: step into what it points to (memory at holder + 0). */
static int enter_pointer(const struct btf *btf, struct objspec *o, struct walk *w,
			 const char *what, char *err, size_t errlen)
{
	const struct btf_type *t = skip_mods(btf, w->type, NULL), *pt;
	char tn[OBJSPEC_NAME_MAX];
	__u32 pid;

	type_name(btf, w->type, tn, sizeof(tn));
	if (!t || !btf_is_ptr(t))
		FAIL("'%s': %s is %s, not a pointer: nothing to follow%s", o->text, what, tn,
		     t && (btf_is_struct(t) || btf_is_union(t)) ? " (use '.' for its fields)" : "");
	pt = skip_mods(btf, t->type, &pid);
	if (!pid || !pt)
		FAIL("'%s': %s is a void pointer: BTF does not say what it points to", o->text,
		     what);
	if (btf_is_func_proto(pt) || btf_is_func(pt))
		FAIL("'%s': %s is a function pointer: it points to code, not to an object",
		     o->text, what);
	if (w->in_memory) {
		if (o->plan.nloads == WATCH_OBJ_MAX_LOADS)
			FAIL("'%s': more than %d pointers to follow", o->text, WATCH_OBJ_MAX_LOADS);
		o->plan.load_off[o->plan.nloads++] = w->off;
	}
	w->type = pid;
	w->holder = pid;
	w->in_memory = true;
	w->off = 0;
	return 0;
}

static int step_field(const struct btf *btf, struct objspec *o, struct walk *w,
		      const struct objspec_op *op, const char *what, char *err, size_t errlen)
{
	const struct btf_type *t = skip_mods(btf, w->type, NULL);
	struct member_hit hit;
	char tn[OBJSPEC_NAME_MAX];
	const char *best = NULL;
	size_t best_d;

	type_name(btf, w->type, tn, sizeof(tn));
	if (op->kind == OBJ_DOT && t && btf_is_ptr(t))
		FAIL("'%s': %s is a pointer (%s): use '->%s' to follow it", o->text, what, tn,
		     op->name);
	if (op->kind == OBJ_ARROW) {
		int e = enter_pointer(btf, o, w, what, err, errlen);

		if (e)
			return e;
		t = skip_mods(btf, w->type, NULL);
		type_name(btf, w->type, tn, sizeof(tn));
	}
	if (!t || !(btf_is_struct(t) || btf_is_union(t)))
		FAIL("'%s': %s is %s, which has no fields", o->text,
		     op->kind == OBJ_ARROW ? "what it points to" : what, tn);
	if (!find_member(btf, t, op->name, 0, &hit)) {
		best_d = strlen(op->name) / 2 + 2;
		nearest_member(btf, t, op->name, &best, &best_d);
		if (best)
			FAIL("'%s': %s has no field %s; did you mean %s?", o->text, tn, op->name,
			     best);
		FAIL("'%s': %s has no field %s", o->text, tn, op->name);
	}
	if (hit.bitfield || hit.bit_off % 8)
		FAIL("'%s': %s.%s is a bitfield (%u bits): not whole bytes of memory a watchpoint "
		     "can name; watch the bytes around it with :LEN on a neighbouring field",
		     o->text, tn, op->name, hit.bitfield);
	w->off += hit.bit_off / 8;
	w->type = hit.type;
	return 0;
}

static int step_index(const struct btf *btf, struct objspec *o, struct walk *w,
		      const struct objspec_op *op, const char *what, char *err, size_t errlen)
{
	const struct btf_type *t = skip_mods(btf, w->type, NULL);
	char tn[OBJSPEC_NAME_MAX];
	__s64 esz;

	if (t && btf_is_array(t) && w->in_memory) {
		const struct btf_array *a = btf_array(t);

		if (op->index >= a->nelems)
			FAIL("'%s': index %lu is out of bounds: %s has %u elements (0 to %u)",
			     o->text, op->index, what, a->nelems, a->nelems ? a->nelems - 1 : 0);
		esz = btf__resolve_size(btf, a->type);
		if (esz <= 0)
			FAIL("'%s': the elements of %s have no size in BTF", o->text, what);
		w->off += op->index * esz;
		w->type = a->type;
		return 0;
	}
	if (t && btf_is_ptr(t)) {
		int e = enter_pointer(btf, o, w, what, err, errlen);

		if (e)
			return e;
		esz = btf__resolve_size(btf, w->type);
		if (esz <= 0)
			FAIL("'%s': what %s points to has no size in BTF", o->text, what);
		w->off = op->index * esz;
		return 0;
	}
	type_name(btf, w->type, tn, sizeof(tn));
	FAIL("'%s': %s is %s: neither an array nor a pointer, [%lu] does not apply", o->text,
	     what, tn, op->index);
}

/* The argument (or return value) of FUNC_PROTO P named by O->arg: its type id. */
static int find_arg(const struct btf *btf, struct objspec *o, const struct btf_type *p,
		    __u32 *type, char *err, size_t errlen)
{
	const struct btf_param *pa = btf_params(p);
	int i, n = btf_vlen(p), want = arg_number(o->arg);
	char list[256] = "";
	size_t used = 0;

	if (!strcmp(o->arg, "ret")) {
		if (!p->type)
			FAIL("'%s': %s returns void: nothing to follow", o->text, o->func);
		o->plan.arg = WATCH_OBJ_RET;
		*type = p->type;
		return 0;
	}
	for (i = 0; i < n; i++) {
		const char *pn = btf__name_by_offset(btf, pa[i].name_off);

		if ((want < 0 && pn && !strcmp(pn, o->arg)) || want == i)
			break;
		if (used < sizeof(list))
			used += snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
					 pn && *pn ? pn : "?");
	}
	if (i == n) {
		if (want >= 0)
			FAIL("'%s': %s takes %d argument%s: arg%d is not one", o->text, o->func, n,
			     n == 1 ? "" : "s", want);
		FAIL("'%s': %s has no argument %s; its arguments: %s", o->text, o->func, o->arg,
		     n ? list : "none");
	}
	if (i >= WATCH_OBJ_MAX_ARGS)
		FAIL("'%s': %s is argument %d of %s: only the first %d (the ones in registers) can "
		     "be read", o->text, o->arg, i, o->func, WATCH_OBJ_MAX_ARGS);
	o->plan.arg = i;
	*type = pa[i].type;
	return 0;
}

int objspec_resolve(const struct btf *btf, struct objspec *o, char *err, size_t errlen)
{
	const struct btf_type *f, *p, *t;
	char what[OBJSPEC_TEXT_MAX + 8];
	struct walk w = { 0 };
	size_t whatlen;
	__s64 size;
	int id, i, e;
	unsigned long len;

	memset(&o->plan, 0, sizeof(o->plan));
	id = btf__find_by_name_kind(btf, o->func, BTF_KIND_FUNC);
	if (id <= 0)
		return -ENOENT;
	f = btf__type_by_id(btf, id);
	p = f ? btf__type_by_id(btf, f->type) : NULL;
	if (!p || !btf_is_func_proto(p))
		FAIL("'%s': %s has no prototype in BTF", o->text, o->func);
	e = find_arg(btf, o, p, &w.type, err, errlen);
	if (e)
		return e;
	/* what: the expression so far, as written, for messages */
	whatlen = snprintf(what, sizeof(what), "%s", o->arg);
	for (i = 0; i < o->nops; i++) {
		const struct objspec_op *op = &o->ops[i];

		e = op->kind == OBJ_INDEX ? step_index(btf, o, &w, op, what, err, errlen)
					  : step_field(btf, o, &w, op, what, err, errlen);
		if (e)
			return e;
		if (whatlen < sizeof(what)) {
			if (op->kind == OBJ_INDEX)
				whatlen += snprintf(what + whatlen, sizeof(what) - whatlen, "[%lu]",
						    op->index);
			else
				whatlen += snprintf(what + whatlen, sizeof(what) - whatlen, "%s%s",
						    op->kind == OBJ_ARROW ? "->" : ".", op->name);
		}
	}
	/*
	 * FUNC:argN or FUNC:ret of a void * (kmem_cache_alloc's, --disarm's
	 * kfree-like functions): the pointer itself is the holder, its first
	 * LEN (default 8) bytes the field.
	 */
	t = skip_mods(btf, w.type, NULL);
	if (!w.in_memory && !o->nops && t && btf_is_ptr(t)) {
		__u32 pid;

		skip_mods(btf, t->type, &pid);
		if (!pid) {
			snprintf(o->holder, sizeof(o->holder), "void");
			o->holder_size = 0;
			o->field_size = o->has_len ? o->len : 8;
			if (o->field_size & (o->field_size - 1))
				FAIL("'%s': LEN %lu: a watchpoint takes 1, 2, 4 or 8 bytes", o->text,
				     o->field_size);
			o->len = o->field_size;
			o->truncated = false;
			o->plan.off = 0;
			o->plan.len = o->len;
			return 0;
		}
	}
	/* FUNC:ARG, FUNC:ret, FUNC:ARG->p->q: the object a pointer ends at, from its start */
	if (!w.in_memory) {
		e = enter_pointer(btf, o, &w, what, err, errlen);
		if (e)
			return e;
	}
	t = skip_mods(btf, w.type, NULL);
	if (t && (btf_is_func_proto(t) || btf_is_func(t)))
		FAIL("'%s': %s is code, not memory", o->text, what);
	size = btf__resolve_size(btf, w.type);
	if (size <= 0)
		FAIL("'%s': %s has no size in BTF (an empty or incomplete type): nothing to watch",
		     o->text, what);
	o->field_size = size;
	type_name(btf, w.holder, o->holder, sizeof(o->holder));
	size = btf__resolve_size(btf, w.holder);
	o->holder_size = size > 0 ? size : 0;
	/*
	 * One slot: an aligned 1, 2, 4 or 8 bytes. Objects are allocated at least
	 * 8-byte aligned, so the field's offset tells its alignment in memory.
	 */
	if (o->has_len) {
		len = o->len;
		if (len & (len - 1))
			FAIL("'%s': LEN %lu: a watchpoint takes 1, 2, 4 or 8 bytes", o->text, len);
		if (w.off % len)
			FAIL("'%s': %s is at offset %lu in %s: %lu bytes there are not aligned for "
			     "one watchpoint; give a LEN its offset is a multiple of", o->text, what,
			     w.off, o->holder, len);
	} else {
		len = 8;
		while (len > 1 && ((w.off % len) || len > o->field_size))
			len >>= 1;
		o->len = len;
	}
	o->truncated = len < o->field_size;
	o->plan.off = w.off;
	o->plan.len = len;
	return 0;
}

/* Does BTF file PATH (split on BASE, or NULL) have FUNC? Resolve there: see below. */
static int try_btf(const char *path, struct btf *base, struct objspec *o, char *err,
		   size_t errlen)
{
	struct btf *btf = base ? btf__parse_split(path, base) : btf__parse(path, NULL);
	int e;

	if (!btf)
		return -errno ? -errno : -EIO;
	e = objspec_resolve(btf, o, err, errlen);
	btf__free(btf);
	return e;
}

int objspec_resolve_kernel(struct objspec *o, char *err, size_t errlen)
{
	static const char dir[] = "/sys/kernel/btf";
	struct btf *vmlinux;
	struct dirent *de = NULL;
	char path[320];
	DIR *d;
	int e;

	if (err && errlen)
		err[0] = '\0';
	o->module[0] = '\0';
	vmlinux = btf__parse("/sys/kernel/btf/vmlinux", NULL);
	if (!vmlinux) {
		snprintf(err, errlen, "'%s': no BTF: this kernel has no /sys/kernel/btf/vmlinux "
			 "(CONFIG_DEBUG_INFO_BTF), so fields cannot be named; watch 0xADDRESS "
			 "instead", o->text);
		return -ENODATA;
	}
	e = objspec_resolve(vmlinux, o, err, errlen);
	if (e != -ENOENT)
		goto out;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		e = try_btf(path, vmlinux, o, err, errlen);
		if (e == -ENOENT || (e < 0 && e != -EINVAL))
			continue;
		snprintf(o->module, sizeof(o->module), "%.63s", de->d_name);
		break;
	}
	if (!de && e != -EINVAL)
		e = -ENOENT;
	if (d)
		closedir(d);
out:
	btf__free(vmlinux);
	return e;
}
