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
 * a kernel table references by address (exception table, bug table, jump
 * labels, static calls, alternatives, ftrace) or that has a relocation it
 * cannot handle. Writes a C file with the table rerandom.ko reads
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
 * path (scan(), refuse(); emit.c writes its table). How both paths classify
 * a body's relocations and name its sites is in sites.c, their types in
 * rrmeta.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
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

/* Sections that may refer to a body, and those that make it immovable. */
static const struct known referrers[] = {
	{ ".data.rr_slots", NULL },	/* the slot's initial value */
	{ ".rela", NULL },
	{ ".orc_unwind_ip", NULL },	/* x86 ORC: see docs/rerandom.md */
	{ ".return_sites", NULL },	/* x86: used at load only */
	{ ".retpoline_sites", NULL },	/* x86: used at load only */
	{ ".ibt_endbr_seal", NULL },
	{ ".debug", NULL },
	{ ".discard", NULL },
	{ ".eh_frame", NULL },
	{ ".comment", NULL },
	{ "__ex_table", "it uses the exception table (user-memory access such as copy_from_user/get_user, or another faulting access the kernel fixes up by address)" },
	{ "__bug_table", "it has a WARN/BUG site (the kernel finds it by address in __bug_table)" },
	{ "__jump_table", "it uses a jump label / static key (patched by address)" },
	{ ".static_call_sites", "it uses a static call (patched by address)" },
	{ ".altinstr", "it uses alternatives (patched by address)" },
	{ ".smp_locks", "it has LOCK prefixes recorded in .smp_locks (patched by address)" },
	{ "__mcount_loc", "ftrace records it (mark it notrace)" },
	{ "__patchable_function_entries", "ftrace records it (mark it notrace)" },
	{ ".kprobes_text", "it is in the kprobes blacklist" },
	{ "_kprobe_blacklist", "it is in the kprobes blacklist" },
	{ NULL, NULL }
};

static const struct known *lookup(const char *sec)
{
	const struct known *k;

	for (k = referrers; k->prefix; k++)
		if (!strncmp(sec, k->prefix, strlen(k->prefix)))
			return k;
	return NULL;
}

static struct body *body_of_section(const char *obj, size_t shndx)
{
	size_t i;

	for (i = 0; i < nbodies; i++)
		if (bodies[i].obj == obj && bodies[i].shndx == shndx)
			return &bodies[i];
	return NULL;
}

static void scan(const char *obj)
{
	int fd = open(obj, O_RDONLY);
	Elf *e;
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL, *symscn = NULL;
	GElf_Shdr sh, symsh = { 0 };
	Elf_Data *syms;
	size_t shstrndx, nsyms, i, first = nbodies;

	if (fd < 0)
		die("%s: %s", obj, strerror(errno));
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		die("%s: not an ELF object", obj);
	if (eh.e_type != ET_REL)
		die("%s: not a relocatable object (.o)", obj);
	if (eh.e_machine != EM_X86_64 && eh.e_machine != EM_AARCH64)
		die("%s: machine %d: only x86_64 and aarch64", obj,
		    eh.e_machine);
	if (elf_getshdrstrndx(e, &shstrndx))
		die("%s: %s", obj, elf_errmsg(-1));
	while ((scn = elf_nextscn(e, scn))) {
		gelf_getshdr(scn, &sh);
		if (sh.sh_type == SHT_SYMTAB) {
			symscn = scn;
			symsh = sh;
		}
	}
	if (!symscn)
		die("%s: no symbol table", obj);
	syms = elf_getdata(symscn, NULL);
	nsyms = symsh.sh_size / symsh.sh_entsize;

	/* bodies: one per slot symbol __rr_slot_NAME */
	for (i = 0; i < nsyms; i++) {
		GElf_Sym s, t;
		const char *n = NULL, *name;
		char *real;
		size_t j, nfunc = 0, at = 0;
		struct body *b;

		gelf_getsym(syms, i, &s);
		n = elf_strptr(e, symsh.sh_link, s.st_name);
		if (!n || strncmp(n, "__rr_slot_", 10) ||
		    s.st_shndx == SHN_UNDEF)
			continue;
		name = n + 10;
		if (asprintf(&real, "%s_real", name) < 0)
			die("out of memory");
		for (j = 0; j < nsyms; j++) {
			const char *m;

			gelf_getsym(syms, j, &t);
			m = elf_strptr(e, symsh.sh_link, t.st_name);
			if (m && !strcmp(m, real) && t.st_shndx != SHN_UNDEF &&
			    GELF_ST_TYPE(t.st_info) == STT_FUNC) {
				at = j;
				break;
			}
		}
		if (!at) {
			refuse(obj, name, "no body %s in this object", real);
			free(real);
			continue;
		}
		gelf_getsym(syms, at, &t);
		for (j = 0; j < nsyms; j++) {
			GElf_Sym u;

			gelf_getsym(syms, j, &u);
			if (u.st_shndx == t.st_shndx &&
			    GELF_ST_TYPE(u.st_info) == STT_FUNC)
				nfunc++;
		}
		scn = elf_getscn(e, t.st_shndx);
		gelf_getshdr(scn, &sh);
		if (nfunc != 1 || t.st_value != 0) {
			refuse(obj, name, "body %s shares section %s with other code: build with -ffunction-sections",
			       real, elf_strptr(e, shstrndx, sh.sh_name));
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
		b->obj = obj;
		b->shndx = t.st_shndx;
		b->size = sh.sh_size;
		if (!b->size)
			refuse(obj, name, "empty body");
	}

	/* relocations: sites out of bodies, references into bodies */
	scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *rd, *code = NULL;
		GElf_Shdr tsh;
		Elf_Scn *tscn;
		const char *tname;
		struct body *from;
		size_t k, nrel;

		gelf_getshdr(scn, &sh);
		if (sh.sh_type == SHT_REL) {
			die("%s: REL relocations: only RELA objects", obj);
		}
		if (sh.sh_type != SHT_RELA || sh.sh_link != elf_ndxscn(symscn))
			continue;
		tscn = elf_getscn(e, sh.sh_info);
		gelf_getshdr(tscn, &tsh);
		tname = elf_strptr(e, shstrndx, tsh.sh_name);
		from = body_of_section(obj, sh.sh_info);
		if (from && from >= bodies + first)
			code = elf_getdata(tscn, NULL);
		rd = elf_getdata(scn, NULL);
		nrel = sh.sh_size / sh.sh_entsize;
		for (k = 0; k < nrel; k++) {
			GElf_Rela r;
			GElf_Sym s;
			const char *sname;
			struct body *to;
			unsigned int type;
			int kind;

			gelf_getrela(rd, k, &r);
			type = GELF_R_TYPE(r.r_info);
			gelf_getsym(syms, GELF_R_SYM(r.r_info), &s);
			sname = GELF_ST_TYPE(s.st_info) == STT_SECTION ?
				elf_strptr(e, shstrndx,
					   (gelf_getshdr(elf_getscn(e, s.st_shndx), &tsh), tsh.sh_name)) :
				elf_strptr(e, symsh.sh_link, s.st_name);
			if (!sname)
				sname = "?";
			to = s.st_shndx != SHN_UNDEF && s.st_shndx < SHN_LORESERVE ?
				body_of_section(obj, s.st_shndx) : NULL;
			if (from) {
				if (to == from)
					continue;	/* moves with it */
				if (to) {
					refuse(obj, from->name, "refers to the body of %s directly (+%#lx); call %s instead",
					       to->name, (unsigned long)r.r_offset,
					       to->name);
					continue;
				}
				if (strstr(sname, ".cold") ||
				    !strncmp(sname, ".text.unlikely.", 15)) {
					refuse(obj, from->name, "split into hot and cold parts (%s): build with -fno-reorder-blocks-and-partition",
					       sname);
					continue;
				}
				if (is_user_access(sname)) {
					refuse(obj, from->name, "it accesses user memory (calls %s): the kernel fixes up its faults by address, which a body must not depend on (copy the data before calling the re-randomizable function)",
					       sname);
					continue;
				}
				kind = classify(eh.e_machine, type);
				if (kind < 0) {
					refuse(obj, from->name, "relocation type %u against %s at +%#lx cannot be fixed when the body moves",
					       type, sname,
					       (unsigned long)r.r_offset);
					continue;
				}
				if (kind)
					add_site(from, r.r_offset, kind,
						 code ? code->d_buf : NULL,
						 code ? code->d_size : 0);
				continue;
			}
			if (to) {
				const struct known *kn = lookup(tname);

				if (kn && !kn->why)
					continue;
				if (kn)
					refuse(obj, to->name, "%s (%s)", kn->why,
					       tname);
				else if (!strncmp(tname, ".text", 5))
					refuse(obj, to->name, "its body is referenced directly from %s: call the trampoline %s instead",
					       tname, to->name);
				else
					refuse(obj, to->name, "its body is referenced from section %s, which rrmeta does not know to be safe",
					       tname);
			}
		}
	}
	elf_end(e);
	close(fd);
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
	if (elf_version(EV_CURRENT) == EV_NONE)
		die("libelf: %s", elf_errmsg(-1));
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
