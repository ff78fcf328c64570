/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rrmeta.h: the types and functions rrmeta's two paths share: rrmeta.c
 * (main() and the SPECIAL_FUNCTION path) and auto.c (--auto) are front ends
 * over one ELF loader (elf.c), one policy table of the sections that may
 * refer into a body (policy.c), the sites of a body (sites.c) and the
 * writer of the generated table (emit.c). A site's kind is written there
 * as kmod/include/rerandom.h's RR_SITE_* (kind_name()).
 */
#ifndef RRMETA_H
#define RRMETA_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { SITE_X86_REL32 = 1, SITE_A64_BRANCH26, SITE_A64_ADRP, SITE_A64_ADR };
/* with a kind: the site lies in code an alternative may replace at load */
#define SITE_ALT 0x80

struct site {
	unsigned long off;
	int kind;
	unsigned char op[2];
	int oplen;
};

struct body {
	char *name;		/* trampoline name */
	const char *obj;
	size_t shndx;		/* body section */
	unsigned long size;
	struct site *sites;
	size_t nsites;
};

/*
 * policy.c: what a reference from a section into a body means, per path
 * (a row's rule[PATH_SPECIAL], rule[PATH_AUTO])
 */
enum { PATH_SPECIAL, PATH_AUTO, NPATHS };
enum ref_rule {
	REF_KEEP = 1,	/* the section keeps naming the loaded body: it moves */
	REF_REFUSE,	/* it cannot move: why */
	REF_REDIRECT,	/* code or data using it: to its trampoline */
};
struct policy {
	const char *prefix;
	unsigned char rule[NPATHS];
	const char *why;	/* REF_REFUSE: the reason */
};
/* the row of section SEC (its sh_flags FLAGS) */
const struct policy *policy_of(const char *sec, unsigned long flags);

/* elf.c: the one ELF loader (obj_open() checks and dies on bad input) */
struct obj {
	const char *name;	/* in messages */
	int fd;
	Elf *e;
	GElf_Ehdr eh;
	size_t shstrndx, nsecs, nsyms;
	Elf_Scn *symscn;
	GElf_Shdr symsh;
	Elf_Data *syms;
};
void obj_open(struct obj *o, const char *path, const char *name, bool rdwr);
void obj_close(struct obj *o);
const char *obj_sec_name(struct obj *o, size_t shndx);
const char *obj_sym_name(struct obj *o, GElf_Sym *s);
/* the section named N, or 0 */
size_t obj_find_sec(struct obj *o, const char *n);
/* the relocation section that applies to section I, or NULL */
Elf_Scn *obj_rela_of(struct obj *o, size_t i);
/* the symbol named N (any binding, not a section), other than NOT, or 0 */
size_t obj_find_sym(struct obj *o, const char *n, size_t not);
/*
 * every relocation of the object: fn(o, its relocation section's data, its
 * index there, the relocation, the section it applies to, that section's
 * name and sh_flags, arg)
 */
typedef void (*rel_fn)(struct obj *o, Elf_Data *rd, size_t k, GElf_Rela *r,
		       size_t target_sec, const char *tname, unsigned long flags,
		       void *arg);
void obj_for_each_rela(struct obj *o, rel_fn fn, void *arg);

/*
 * sites.c. die() prints "rrmeta: " and the message and exits 2; noreturn
 * tells the callers in the other files what it told them when it was static
 * in theirs (nothing runs after it).
 */
void die(const char *fmt, ...) __attribute__((noreturn));
void add_site(struct body *b, unsigned long off, int kind,
	      const unsigned char *code, size_t codelen);
bool is_user_access(const char *sym);
int classify(int machine, unsigned int type);
int cmp_site(const void *a, const void *b);
const char *kind_name(int k);

/* an --auto object's function (auto.c judges it, emit.c writes it out) */
struct afn {
	size_t sym;		/* its symbol */
	size_t shndx;		/* its section */
	char *name;		/* as the object names it */
	char *tramp;		/* the trampoline's symbol */
	char *inner;		/* its inner entry's (calls from other bodies) */
	unsigned long size;
	const char *why;	/* refused: the reason; NULL: it moves */
	char *whybuf;
	bool global;
	struct body b;		/* its sites */
	size_t tsym, isym, bsym;	/* the trampoline's, the inner entry's and the body's new symbols */
	unsigned long (*alt)[2];	/* [start, end) patched at load */
	size_t nalt;
};

/*
 * emit.c: OUT.c for the SPECIAL_FUNCTION path (the bodies of OBJ.o...,
 * ARGV) and for --auto (every function of IN; INIT/FINI: the module has an
 * init/exit, renamed in the object, to wrap)
 */
void emit_special(FILE *f, int argc, char **argv, struct body *bodies,
		  size_t nbodies);
void emit_auto(FILE *f, const char *in, struct afn *fns, size_t nfns,
	       bool init, bool fini);

/* auto.c: rrmeta --auto ARGS (argv[1] is "--auto"); returns the exit status */
int auto_cli(int argc, char **argv);

#endif
