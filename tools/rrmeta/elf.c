// SPDX-License-Identifier: GPL-2.0
/*
 * elf.c: the one ELF loader of rrmeta's two paths (rrmeta.c's
 * SPECIAL_FUNCTION, auto.c's --auto). obj_open() checks what both need (a
 * 64-bit RELA relocatable object for x86_64 or aarch64, with a symbol table
 * and fewer than SHN_LORESERVE sections) and finds the symbol table;
 * the rest answers the questions both ask of it: a section's or a symbol's
 * name, a section by name, the relocation section of a section, every
 * relocation with the section it applies to (obj_for_each_rela()), a
 * symbol by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

#include "rrmeta.h"

/* PATH, named NAME in messages (--auto opens its copy BODIES.o of OBJ.o) */
void obj_open(struct obj *o, const char *path, const char *name, bool rdwr)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	memset(o, 0, sizeof(*o));
	o->name = name;
	if (elf_version(EV_CURRENT) == EV_NONE)
		die("libelf: %s", elf_errmsg(-1));
	o->fd = open(path, rdwr ? O_RDWR : O_RDONLY);
	if (o->fd < 0)
		die("%s: %s", path, strerror(errno));
	o->e = elf_begin(o->fd, rdwr ? ELF_C_RDWR : ELF_C_READ, NULL);
	if (!o->e || elf_kind(o->e) != ELF_K_ELF || !gelf_getehdr(o->e, &o->eh))
		die("%s: not an ELF object", name);
	if (o->eh.e_type != ET_REL || gelf_getclass(o->e) != ELFCLASS64)
		die("%s: not a 64-bit relocatable object (.o)", name);
	if (o->eh.e_machine != EM_X86_64 && o->eh.e_machine != EM_AARCH64)
		die("%s: machine %d: only x86_64 and aarch64", name,
		    o->eh.e_machine);
	if (elf_getshdrstrndx(o->e, &o->shstrndx) ||
	    elf_getshdrnum(o->e, &o->nsecs))
		die("%s: %s", name, elf_errmsg(-1));
	while ((scn = elf_nextscn(o->e, scn))) {
		gelf_getshdr(scn, &sh);
		if (sh.sh_type == SHT_SYMTAB) {
			o->symscn = scn;
			o->symsh = sh;
		}
		if (sh.sh_type == SHT_SYMTAB_SHNDX)
			die("%s: more than 65280 sections: not supported", name);
		if (sh.sh_type == SHT_REL)
			die("%s: REL relocations: only RELA objects", name);
	}
	if (!o->symscn)
		die("%s: no symbol table", name);
	o->syms = elf_getdata(o->symscn, NULL);
	o->nsyms = o->symsh.sh_size / o->symsh.sh_entsize;
}

void obj_close(struct obj *o)
{
	elf_end(o->e);
	close(o->fd);
}

const char *obj_sec_name(struct obj *o, size_t shndx)
{
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(o->e, shndx);

	if (!scn || !gelf_getshdr(scn, &sh))
		return "?";
	return elf_strptr(o->e, o->shstrndx, sh.sh_name) ?: "?";
}

/* a section symbol is named by its section */
const char *obj_sym_name(struct obj *o, GElf_Sym *s)
{
	if (GELF_ST_TYPE(s->st_info) == STT_SECTION)
		return obj_sec_name(o, s->st_shndx);
	return elf_strptr(o->e, o->symsh.sh_link, s->st_name) ?: "?";
}

void obj_for_each_rela(struct obj *o, rel_fn fn, void *arg)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh, tsh;

	while ((scn = elf_nextscn(o->e, scn))) {
		Elf_Data *rd;
		size_t k, nrel;
		const char *tname;

		gelf_getshdr(scn, &sh);
		if (sh.sh_type != SHT_RELA ||
		    sh.sh_link != elf_ndxscn(o->symscn))
			continue;
		gelf_getshdr(elf_getscn(o->e, sh.sh_info), &tsh);
		tname = obj_sec_name(o, sh.sh_info);
		rd = elf_getdata(scn, NULL);
		nrel = sh.sh_size / sh.sh_entsize;
		for (k = 0; k < nrel; k++) {
			GElf_Rela r;

			gelf_getrela(rd, k, &r);
			fn(o, rd, k, &r, sh.sh_info, tname, tsh.sh_flags,
			   arg);
		}
	}
}

size_t obj_find_sec(struct obj *o, const char *n)
{
	size_t i;

	for (i = 1; i < o->nsecs; i++)
		if (!strcmp(obj_sec_name(o, i), n))
			return i;
	return 0;
}

Elf_Scn *obj_rela_of(struct obj *o, size_t i)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(o->e, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_RELA &&
		    sh.sh_info == i)
			return scn;
	return NULL;
}

size_t obj_find_sym(struct obj *o, const char *n, size_t not)
{
	size_t i;

	for (i = 1; i < o->nsyms; i++) {
		GElf_Sym s;
		const char *m;

		/* (a symbol added since the table was read is not there) */
		if (i == not || !gelf_getsym(o->syms, i, &s))
			continue;
		if (GELF_ST_TYPE(s.st_info) == STT_SECTION)
			continue;
		m = elf_strptr(o->e, o->symsh.sh_link, s.st_name);
		if (m && !strcmp(m, n))
			return i;
	}
	return 0;
}
