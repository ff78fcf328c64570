/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rrmeta.h: the types and functions rrmeta's two paths share: rrmeta.c
 * (main() and the SPECIAL_FUNCTION path) and auto.c (--auto) both record,
 * for each body, the sites to fix when it moves, through sites.c, and
 * emit.c writes both paths' generated tables. A site's kind is written
 * there as kmod/include/rerandom.h's RR_SITE_* (kind_name()).
 */
#ifndef RRMETA_H
#define RRMETA_H

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

/* a section prefix and what a reference from it into a body means */
struct known {
	const char *prefix;
	const char *why;	/* NULL: allowed */
};

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
	unsigned long size;
	const char *why;	/* refused: the reason; NULL: it moves */
	char *whybuf;
	bool global;
	struct body b;		/* its sites */
	size_t tsym, bsym;	/* the trampoline's and the body's new symbols */
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
