// SPDX-License-Identifier: GPL-2.0
/*
 * rrmeta: build-time metadata for re-randomizable module code.
 *
 *   rrmeta -o OUT.c OBJ.o...
 *   rrmeta --auto -o OUT.c -w BODIES.o [-r REPORT] OBJ.o
 *
 * Reads relocatable objects compiled with -ffunction-sections in which
 * SPECIAL_FUNCTION (kmod/include/rerandom.h) defined trampolines, slots
 * (__rr_slot_NAME) and bodies (NAME_real). For every body it records each
 * site that must be fixed when the body moves (PC-relative references out of
 * the body), and it refuses, naming the function and the reason, a body that
 * a kernel table references by address where the core cannot follow it
 * into the copies (exception table, alternatives, ftrace, kprobes:
 * policy.c; WARN/BUG, jump labels, static calls and LOCK prefixes it
 * handles) or that has a relocation it cannot handle. Writes a C file with the table rerandom.ko reads
 * (__rr_module_desc). Exit status: 0 ok, 1 refused, 2 usage or I/O error.
 *
 * --auto (auto.c): the same for an object
 * built from unmodified sources: every eligible function of OBJ.o becomes a
 * body, BODIES.o is OBJ.o with each reference to such a function redirected
 * to its trampoline, and OUT.c defines the trampolines, the slots, the table
 * and the module's init/exit wrappers. A function that cannot move is not
 * an error: it stays where it is, named with its reason in REPORT and in the
 * table. Exit status: 0 written, 2 usage or I/O error.
 *
 * This file: main(), which hands --auto to auto.c, and the SPECIAL_FUNCTION
 * path, a front end over what both paths share: each object is read by
 * elf.c, its bodies found (find_bodies()), each relocation judged (judge():
 * a site through sites.c, a reference into a body by policy.c's table) and
 * refused with the function's name (refuse()); emit.c writes the table.
 * Their types are in rrmeta.h.
 */
#include <errno.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rrmeta.h"

static struct body *bodies;
static size_t nbodies;
static int refused;

static void refuse(const char *obj, const char *fn, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rrmeta: %s: %s: refused: ", obj, fn);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	refused = 1;
}

static struct body *body_of_section(const char *obj, size_t shndx)
{
	size_t i;

	for (i = 0; i < nbodies; i++)
		if (bodies[i].obj == obj && bodies[i].shndx == shndx)
			return &bodies[i];
	return NULL;
}

/* bodies: one per slot symbol __rr_slot_NAME, the body NAME_real */
static void find_bodies(struct obj *o)
{
	GElf_Shdr sh;
	size_t i;

	for (i = 0; i < o->nsyms; i++) {
		GElf_Sym s, t;
		const char *n = NULL, *name;
		char *real;
		size_t j, nfunc = 0, at = 0;
		struct body *b;

		gelf_getsym(o->syms, i, &s);
		n = elf_strptr(o->e, o->symsh.sh_link, s.st_name);
		if (!n || strncmp(n, "__rr_slot_", 10) ||
		    s.st_shndx == SHN_UNDEF)
			continue;
		name = n + 10;
		if (asprintf(&real, "%s_real", name) < 0)
			die("out of memory");
		for (j = 0; j < o->nsyms; j++) {
			const char *m;

			gelf_getsym(o->syms, j, &t);
			m = elf_strptr(o->e, o->symsh.sh_link, t.st_name);
			if (m && !strcmp(m, real) && t.st_shndx != SHN_UNDEF &&
			    GELF_ST_TYPE(t.st_info) == STT_FUNC) {
				at = j;
				break;
			}
		}
		if (!at) {
			refuse(o->name, name, "no body %s in this object", real);
			free(real);
			continue;
		}
		gelf_getsym(o->syms, at, &t);
		for (j = 0; j < o->nsyms; j++) {
			GElf_Sym u;

			gelf_getsym(o->syms, j, &u);
			if (u.st_shndx == t.st_shndx &&
			    GELF_ST_TYPE(u.st_info) == STT_FUNC)
				nfunc++;
		}
		gelf_getshdr(elf_getscn(o->e, t.st_shndx), &sh);
		if (nfunc != 1 || t.st_value != 0) {
			refuse(o->name, name, "body %s shares section %s with other code: build with -ffunction-sections",
			       real, obj_sec_name(o, t.st_shndx));
			free(real);
			continue;
		}
		free(real);
		bodies = realloc(bodies, (nbodies + 1) * sizeof(*bodies));
		if (!bodies)
			die("out of memory");
		b = &bodies[nbodies++];
		memset(b, 0, sizeof(*b));
		b->name = strdup(name);
		b->obj = o->name;
		b->shndx = t.st_shndx;
		b->size = sh.sh_size;
		if (!b->size)
			refuse(o->name, name, "empty body");
	}
}

/* a relocation: a site out of a body, or a reference into one */
static void judge(struct obj *o, Elf_Data *rd, size_t k, GElf_Rela *r,
		  size_t tsec, const char *tname, unsigned long flags,
		  void *arg)
{
	struct body *from = body_of_section(o->name, tsec), *to;
	const struct policy *p;
	Elf_Data *code;
	const char *sname;
	unsigned int type = GELF_R_TYPE(r->r_info);
	GElf_Sym s;
	int kind;

	(void)rd; (void)k; (void)arg;
	gelf_getsym(o->syms, GELF_R_SYM(r->r_info), &s);
	sname = obj_sym_name(o, &s);
	to = s.st_shndx != SHN_UNDEF && s.st_shndx < SHN_LORESERVE ?
		body_of_section(o->name, s.st_shndx) : NULL;
	if (from) {
		if (to == from)
			return;	/* moves with it */
		if (to) {
			refuse(o->name, from->name, "refers to the body of %s directly (+%#lx); call %s instead",
			       to->name, (unsigned long)r->r_offset, to->name);
			return;
		}
		if (strstr(sname, ".cold") ||
		    !strncmp(sname, ".text.unlikely.", 15)) {
			refuse(o->name, from->name, "split into hot and cold parts (%s): build with -fno-reorder-blocks-and-partition",
			       sname);
			return;
		}
		if (is_user_access(sname)) {
			refuse(o->name, from->name, "it accesses user memory (calls %s): the kernel fixes up its faults by address, which a body must not depend on (copy the data before calling the re-randomizable function)",
			       sname);
			return;
		}
		kind = classify(o->eh.e_machine, type);
		if (kind < 0) {
			refuse(o->name, from->name, "relocation type %u against %s at +%#lx cannot be fixed when the body moves",
			       type, sname, (unsigned long)r->r_offset);
			return;
		}
		code = elf_getdata(elf_getscn(o->e, tsec), NULL);
		if (kind)
			add_site(from, r->r_offset, kind,
				 code ? code->d_buf : NULL,
				 code ? code->d_size : 0);
		return;
	}
	if (!to)
		return;
	p = policy_of(tname, flags);
	switch (p->rule[PATH_SPECIAL]) {
	case REF_KEEP:
		break;
	case REF_REFUSE:
		refuse(o->name, to->name, "%s (%s)", p->why, tname);
		break;
	default:
		/* REF_REDIRECT: the body used where its trampoline should be */
		if (!strncmp(tname, ".text", 5))
			refuse(o->name, to->name, "its body is referenced directly from %s: call the trampoline %s instead",
			       tname, to->name);
		else
			refuse(o->name, to->name, "its body is referenced from section %s, which rrmeta does not know to be safe",
			       tname);
	}
}

static void scan(const char *path)
{
	struct obj o;

	obj_open(&o, path, path, false);
	find_bodies(&o);
	obj_for_each_rela(&o, judge, NULL);
	obj_close(&o);
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	FILE *f;
	int opt;

	if (argc > 1 && !strcmp(argv[1], "--auto"))
		return auto_cli(argc, argv);
	while ((opt = getopt(argc, argv, "o:h")) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		default:
			fprintf(stderr, "usage: rrmeta -o OUT.c OBJ.o...\n");
			return 2;
		}
	}
	if (!out || optind >= argc) {
		fprintf(stderr, "usage: rrmeta -o OUT.c OBJ.o...\n");
		return 2;
	}
	for (opt = optind; opt < argc; opt++)
		scan(argv[opt]);
	if (refused) {
		fprintf(stderr, "rrmeta: %s not written: fix the functions above or drop SPECIAL_FUNCTION from them\n",
			out);
		return 1;
	}
	if (!nbodies) {
		fprintf(stderr, "rrmeta: no SPECIAL_FUNCTION in %s: nothing to re-randomize\n",
			argv[optind]);
		return 1;
	}
	f = fopen(out, "w");
	if (!f)
		die("%s: %s", out, strerror(errno));
	emit_special(f, argc - optind, argv + optind, bodies, nbodies);
	if (fclose(f))
		die("%s: %s", out, strerror(errno));
	return 0;
}
