/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Object SPECs: FUNC:ARG->field[.sub|->ptr|[N]]...[:LEN] and FUNC:ret->...,
 * a field of what a function is handed (or returns), parsed and resolved
 * through BTF into a plan BPF can follow: the argument, the pointers to load
 * on the way, the field's offset and length, and the type of the object that
 * holds it (docs/wpwatch.md, "Watching a field of an object").
 */
#ifndef WPWATCH_WATCH_OBJSPEC_H
#define WPWATCH_WATCH_OBJSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include "watch.h"

#define OBJSPEC_TEXT_MAX 160
#define OBJSPEC_NAME_MAX 128
#define OBJSPEC_MAX_OPS 16

enum objspec_op_kind { OBJ_ARROW, OBJ_DOT, OBJ_INDEX };

struct objspec_op {
	enum objspec_op_kind kind;
	char name[OBJSPEC_NAME_MAX];	/* ARROW, DOT: the field */
	unsigned long index;		/* INDEX */
};

struct objspec {
	/* what was written (objspec_parse) */
	char text[OBJSPEC_TEXT_MAX];
	char func[OBJSPEC_NAME_MAX];
	char arg[OBJSPEC_NAME_MAX];	/* a parameter's name, argN or ret */
	struct objspec_op ops[OBJSPEC_MAX_OPS];
	int nops;
	unsigned long len;		/* :LEN when has_len */
	bool has_len;
	/* what BTF made of it (objspec_resolve) */
	char module[64];		/* the module whose BTF has FUNC; "" for vmlinux */
	struct watch_obj_plan plan;	/* what BPF follows (watch.h) */
	char holder[OBJSPEC_NAME_MAX];	/* "struct file": the type of the object holding the field */
	unsigned long holder_size;	/* its BTF size */
	unsigned long field_size;	/* the field's BTF size (len may be less: one slot) */
	bool truncated;			/* the field is larger than the one slot that watches it */
};

/*
 * Whether S is written as an object SPEC rather than [MODULE:]SYMBOL[+OFF][:LEN]
 * or 0xADDR: it has "->" or '[', or what follows its first ':' is ret or
 * argN (optionally followed by :LEN). A plain MODULE:SYMBOL never has these.
 */
bool objspec_is_object(const char *s);

/* The syntax of S into O, nothing looked up: 0 or -EINVAL with one line in ERR. */
int objspec_parse(const char *s, struct objspec *o, char *err, size_t errlen);

struct btf;

/*
 * O's function, argument and fields looked up in BTF (FUNC in BTF, with
 * vmlinux as its base for a module): the plan filled. 0, -ENOENT when BTF has
 * no function FUNC (the caller says why: unknown, or a function without BTF),
 * or -EINVAL with one line in ERR (unknown argument or field, a bitfield, a
 * pointer that cannot be followed, an index out of bounds, a LEN no slot takes).
 */
int objspec_resolve(const struct btf *btf, struct objspec *o, char *err, size_t errlen);

/*
 * The running kernel's BTF: /sys/kernel/btf/vmlinux, then every module's
 * /sys/kernel/btf/MODULE, until one has FUNC; then objspec_resolve(). 0,
 * -ENODATA (no vmlinux BTF: said in ERR), -ENOENT (no BTF has FUNC: ERR
 * empty, the caller says why), or objspec_resolve()'s -EINVAL.
 */
int objspec_resolve_kernel(struct objspec *o, char *err, size_t errlen);

#endif
