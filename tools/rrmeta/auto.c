// SPDX-License-Identifier: GPL-2.0
/*
 * auto.c: rrmeta --auto, trampolines for a module built from unmodified
 * sources (rrmeta.c's first comment has the command line and the exit
 * statuses; docs/rerandom.md, "Re-randomizing a module without editing it").
 * Every eligible function of OBJ.o becomes a body: it judges each function
 * (auto_load(), auto_alternatives(), auto_jump_labels(), auto_judge()),
 * rewrites BODIES.o so that references to a moving function's entry go to
 * its trampoline and records the body's sites (auto_apply()), renames and
 * adds symbols, and writes the report; OUT.c is written by emit.c's
 * emit_auto(). Like the SPECIAL_FUNCTION path it reads the object with
 * elf.c, judges a reference into a function by policy.c's table (its
 * PATH_AUTO column) and a site out of one by sites.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <unistd.h>

#include "rrmeta.h"

/* the object (elf.c) and its functions */
struct aobj {
	struct obj obj;
	struct afn *fns;
	size_t nfns;
	size_t *fn_of_sec;	/* section index -> fns index + 1, 0: none */
};

static void arefuse(struct afn *f, const char *fmt, ...)
{
	va_list ap;

	if (f->why)
		return;		/* the first reason is the one reported */
	va_start(ap, fmt);
	if (vasprintf(&f->whybuf, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	f->why = f->whybuf;
}

/* the function a symbol lies in, when it is a candidate, else NULL */
static struct afn *afn_of(struct aobj *a, GElf_Sym *s)
{
	if (s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE ||
	    s->st_shndx >= a->obj.nsecs || !a->fn_of_sec[s->st_shndx])
		return NULL;
	return &a->fns[a->fn_of_sec[s->st_shndx] - 1];
}

/*
 * Where a relocation points inside its symbol's section, as an offset:
 * what the instruction or word refers to (for x86's PC-relative fields in
 * code, the addend is relative to the end of the 4-byte field; in a table,
 * ".long sym - ." is the symbol itself).
 */
static long rel_target(struct obj *o, GElf_Sym *s, GElf_Rela *r, bool exec)
{
	long t = (long)s->st_value + (long)r->r_addend;
	unsigned int type = GELF_R_TYPE(r->r_info);

	if (exec && o->eh.e_machine == EM_X86_64 &&
	    (type == R_X86_64_PC32 || type == R_X86_64_PLT32))
		t += 4;
	return t;
}

/* another function symbol names the same code, outside .text.* sections */
static bool is_alias(struct obj *o, size_t i, GElf_Sym *s)
{
	size_t j;

	if (!strncmp(obj_sec_name(o, s->st_shndx), ".text.", 6))
		return false;	/* candidates: judged in auto_load() */
	for (j = 1; j < i; j++) {
		GElf_Sym t;

		gelf_getsym(o->syms, j, &t);
		if (GELF_ST_TYPE(t.st_info) == STT_FUNC &&
		    t.st_shndx == s->st_shndx && t.st_value == s->st_value)
			return true;
	}
	return false;
}

/* PATH (a copy of IN, named so in messages) and its candidate functions */
static void auto_load(struct aobj *a, const char *path, const char *in)
{
	struct obj *o = &a->obj;
	GElf_Shdr sh;
	size_t i;

	obj_open(o, path, in, true);
	a->fn_of_sec = calloc(o->nsecs, sizeof(*a->fn_of_sec));
	if (!a->fn_of_sec)
		die("out of memory");

	/* every function defined here; candidates: alone in a .text.* section */
	for (i = 1; i < o->nsyms; i++) {
		GElf_Sym s;
		struct afn *f;
		const char *sn;

		gelf_getsym(o->syms, i, &s);
		if (GELF_ST_TYPE(s.st_info) != STT_FUNC ||
		    s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE)
			continue;
		if (is_alias(o, i, &s))
			continue;	/* init_module = bfq_init: one function */
		a->fns = realloc(a->fns, (a->nfns + 1) * sizeof(*a->fns));
		if (!a->fns)
			die("out of memory");
		f = &a->fns[a->nfns++];
		memset(f, 0, sizeof(*f));
		f->sym = i;
		f->shndx = s.st_shndx;
		f->name = strdup(obj_sym_name(o, &s));
		f->size = s.st_size;
		f->global = GELF_ST_BIND(s.st_info) != STB_LOCAL;
		sn = obj_sec_name(o, s.st_shndx);
		gelf_getshdr(elf_getscn(o->e, s.st_shndx), &sh);
		if (strncmp(sn, ".text.", 6) || !(sh.sh_flags & SHF_EXECINSTR)) {
			arefuse(f, "it is in section %s, not a section of its own (.text.NAME): built without -ffunction-sections, or placed there on purpose (__init, __exit, __sched, noinstr)",
				sn);
			continue;
		}
		if (!strncmp(sn, ".text.startup.", 14) ||
		    !strncmp(sn, ".text.exit.", 11)) {
			/* e.g. KASAN's _sub_I_65535_1: GCC names them per object */
			arefuse(f, "it is a constructor or destructor the compiler generated (%s): run once, at load or unload",
				sn);
			continue;
		}
		if (s.st_value != 0 || !s.st_size) {
			arefuse(f, "it does not start its section %s", sn);
			continue;
		}
		if (a->fn_of_sec[s.st_shndx]) {
			struct afn *g = &a->fns[a->fn_of_sec[s.st_shndx] - 1];

			arefuse(f, "it shares section %s with %s (an alias)", sn,
				g->name);
			arefuse(g, "it shares section %s with %s (an alias)",
				sn, f->name);
			continue;
		}
		f->size = sh.sh_size;
		a->fn_of_sec[s.st_shndx] = a->nfns;
		f->b.name = f->name;
		f->b.shndx = s.st_shndx;
		f->b.size = sh.sh_size;
		if (GELF_ST_VISIBILITY(s.st_other) != STV_DEFAULT &&
		    GELF_ST_VISIBILITY(s.st_other) != STV_HIDDEN)
			arefuse(f, "its symbol has visibility %d",
				GELF_ST_VISIBILITY(s.st_other));
	}
}

/* pass 1: what each relocation says about the function it points into */
static void auto_judge(struct obj *o, Elf_Data *rd, size_t k, GElf_Rela *r,
		       size_t tsec, const char *tname, unsigned long flags,
		       void *arg)
{
	struct aobj *a = arg;
	struct afn *from = tsec < o->nsecs && a->fn_of_sec[tsec] ?
		&a->fns[a->fn_of_sec[tsec] - 1] : NULL;
	const struct policy *p;
	struct afn *to;
	GElf_Sym s;
	const char *sname;
	long tgt;

	(void)rd; (void)k;
	gelf_getsym(o->syms, GELF_R_SYM(r->r_info), &s);
	sname = obj_sym_name(o, &s);
	to = afn_of(a, &s);
	tgt = rel_target(o, &s, r, flags & SHF_EXECINSTR);
	if (from && to != from) {
		/* a site of from's body */
		if (strstr(sname, ".cold") ||
		    (!strncmp(sname, ".text.unlikely.", 15) && !to))
			arefuse(from, "split into hot and cold parts (%s): build with -fno-reorder-blocks-and-partition",
				sname);
		else if (is_user_access(sname))
			arefuse(from, "it accesses user memory (calls %s): the kernel fixes up its faults by address",
				sname);
		else if (classify(o->eh.e_machine, GELF_R_TYPE(r->r_info)) < 0)
			arefuse(from, "relocation type %u against %s at +%#lx cannot be fixed when the body moves",
				(unsigned int)GELF_R_TYPE(r->r_info), sname,
				(unsigned long)r->r_offset);
		else if (to && tgt != 0)
			arefuse(from, "it refers into the middle of %s (+%#lx)",
				to->name, tgt);
	}
	if (!to || to == from)
		return;
	p = policy_of(tname, flags);
	if (p->rule[PATH_AUTO] == REF_REFUSE)
		arefuse(to, "%s (%s)", p->why, tname);
	else if (p->rule[PATH_AUTO] == REF_REDIRECT && tgt != 0)
		arefuse(to, "it is referenced at +%#lx from %s (only its entry can be redirected to a trampoline)",
			tgt, tname);
}

/*
 * Whether the relocation R in FROM's code is the target of a call or jump
 * (arm64: bl/b; x86_64: call/jmp rel32 or a conditional jump rel32, the
 * field right after the opcode), not an address taken (lea, adrp, a table):
 * an address may be called from anywhere, so it keeps the trampoline.
 */
static bool is_branch(struct obj *o, struct afn *from, GElf_Rela *r)
{
	unsigned int type = GELF_R_TYPE(r->r_info);
	const unsigned char *c;
	Elf_Data *code;

	if (o->eh.e_machine != EM_X86_64)
		return type == R_AARCH64_CALL26 || type == R_AARCH64_JUMP26;
	if ((type != R_X86_64_PLT32 && type != R_X86_64_PC32) || r->r_addend != -4)
		return false;
	code = elf_getdata(elf_getscn(o->e, from->shndx), NULL);
	if (!code || !code->d_buf || r->r_offset < 1 || r->r_offset + 4 > code->d_size)
		return false;
	c = (const unsigned char *)code->d_buf + r->r_offset;
	return c[-1] == 0xe8 || c[-1] == 0xe9 ||
	       (r->r_offset >= 2 && c[-2] == 0x0f && (c[-1] & 0xf0) == 0x80);
}

/* pass 2: redirect references to a moving function's entry, record sites */
static void auto_apply(struct obj *o, Elf_Data *rd, size_t k, GElf_Rela *r,
		       size_t tsec, const char *tname, unsigned long flags,
		       void *arg)
{
	struct aobj *a = arg;
	struct afn *from = tsec < o->nsecs && a->fn_of_sec[tsec] ?
		&a->fns[a->fn_of_sec[tsec] - 1] : NULL;
	struct afn *to;
	GElf_Sym s;
	int kind;

	if (from && from->why)
		from = NULL;	/* stays put: nothing to record */
	gelf_getsym(o->syms, GELF_R_SYM(r->r_info), &s);
	to = afn_of(a, &s);
	if (to && to->why)
		to = NULL;
	if (to == from && to)
		return;		/* inside one body: moves with it */
	if (to && policy_of(tname, flags)->rule[PATH_AUTO] == REF_REDIRECT) {
		/* entry of a body: its trampoline from now on; a branch from
		 * another body: the trampoline's inner entry, which skips the
		 * pause (the calling body runs inside one) */
		size_t sym = from && is_branch(o, from, r) ? to->isym : to->tsym;

		r->r_info = GELF_R_INFO(sym, GELF_R_TYPE(r->r_info));
		r->r_addend -= (long)s.st_value;
		gelf_update_rela(rd, k, r);
		elf_flagdata(rd, ELF_C_SET, ELF_F_DIRTY);
	}
	if (!from)
		return;
	kind = classify(o->eh.e_machine, GELF_R_TYPE(r->r_info));
	if (kind > 0) {
		Elf_Data *code = elf_getdata(elf_getscn(o->e, from->shndx), NULL);

		size_t i;

		add_site(&from->b, r->r_offset, kind, code->d_buf,
			 code->d_size);
		for (i = 0; i < from->nalt; i++)
			if (r->r_offset >= from->alt[i][0] &&
			    r->r_offset < from->alt[i][1])
				from->b.sites[from->b.nsites - 1].kind |=
					SITE_ALT;
	}
}

/*
 * A jump label's copy in a moved body decides between the site's two
 * successors in that body (kmod/rerandom/patched.c): its target must lie in
 * the same function. struct jump_entry, both arches: s32 code, s32 target,
 * long key (16 bytes).
 */
static void auto_jump_labels(struct aobj *a)
{
	struct obj *o = &a->obj;
	size_t at = obj_find_sec(o, "__jump_table"), k, nrel;
	struct afn **code, **target;
	long *tgt_off;
	Elf_Data *d, *rd;
	Elf_Scn *rs;
	GElf_Shdr rsh;
	size_t n, i;

	if (!at || !(rs = obj_rela_of(o, at)))
		return;
	d = elf_getdata(elf_getscn(o->e, at), NULL);
	n = d->d_size / 16;
	code = calloc(n + 1, sizeof(*code));
	target = calloc(n + 1, sizeof(*target));
	tgt_off = calloc(n + 1, sizeof(*tgt_off));
	if (!code || !target || !tgt_off)
		die("out of memory");
	rd = elf_getdata(rs, NULL);
	gelf_getshdr(rs, &rsh);
	nrel = rsh.sh_size / rsh.sh_entsize;
	for (k = 0; k < nrel; k++) {
		GElf_Rela r;
		GElf_Sym s;

		gelf_getrela(rd, k, &r);
		gelf_getsym(o->syms, GELF_R_SYM(r.r_info), &s);
		if (r.r_offset / 16 >= n)
			continue;
		if (r.r_offset % 16 == 0)
			code[r.r_offset / 16] = afn_of(a, &s);
		else if (r.r_offset % 16 == 4) {
			target[r.r_offset / 16] = afn_of(a, &s);
			tgt_off[r.r_offset / 16] = (long)s.st_value + r.r_addend;
		}
	}
	for (i = 0; i < n; i++)
		if (code[i] && code[i] != target[i])
			arefuse(code[i], "a jump label in it jumps to %s+%#lx, outside the function",
				target[i] ? target[i]->name : "another section",
				tgt_off[i]);
	free(code);
	free(target);
	free(tgt_off);
}

/*
 * Alternatives are applied once, when the module loads, and never again:
 * the snapshot a copy is made from already holds the outcome. That is safe
 * when the replacement code is position-independent (no relocation in it);
 * a recorded site inside the patched range may then have been replaced, so
 * it is marked SITE_ALT (relocated if it is still there, else left alone).
 * struct alt_instr, both arches: s32 orig, s32 repl, u16 feature,
 * u8 orig_len, u8 repl_len (12 bytes); an arm64 callback has repl_len 0
 * and the callback function as its replacement.
 */
static void auto_alternatives(struct aobj *a)
{
	struct obj *o = &a->obj;
	size_t at = obj_find_sec(o, ".altinstructions"), i, k;
	Elf_Scn *rs, *repl_rs;
	Elf_Data *d, *rd, *repl_rd = NULL;
	GElf_Shdr rsh, repl_sh;

	if (!at || !(rs = obj_rela_of(o, at)))
		return;
	d = elf_getdata(elf_getscn(o->e, at), NULL);
	rd = elf_getdata(rs, NULL);
	gelf_getshdr(rs, &rsh);
	repl_rs = obj_rela_of(o, obj_find_sec(o, ".altinstr_replacement"));
	if (repl_rs) {
		repl_rd = elf_getdata(repl_rs, NULL);
		gelf_getshdr(repl_rs, &repl_sh);
	}
	for (i = 0; i + 12 <= d->d_size; i += 12) {
		const unsigned char *e = (const unsigned char *)d->d_buf + i;
		long orig = -1, repl = -1;
		const char *repl_sym = "";
		struct afn *f = NULL;
		GElf_Rela r;
		GElf_Sym s;
		bool pic = true;

		for (k = 0; k < rsh.sh_size / rsh.sh_entsize; k++) {
			gelf_getrela(rd, k, &r);
			gelf_getsym(o->syms, GELF_R_SYM(r.r_info), &s);
			if (r.r_offset == i) {
				f = afn_of(a, &s);
				orig = (long)s.st_value + r.r_addend;
			} else if (r.r_offset == i + 4) {
				repl = (long)s.st_value + r.r_addend;
				repl_sym = obj_sym_name(o, &s);
			}
		}
		if (!f || f->why || orig < 0)
			continue;
		/*
		 * arm64 callbacks write what they like, except
		 * alt_cb_patch_nops (cpucap branches such as LSE atomics'):
		 * NOPs, or the original instructions left as they are
		 */
		if (!e[11] && e[10] && strcmp(repl_sym, "alt_cb_patch_nops")) {
			arefuse(f, "its alternative at +%#lx is generated by the callback %s at load (.altinstructions)",
				orig, repl_sym);
			continue;
		}
		for (k = 0; repl_rd && repl >= 0 &&
		     k < repl_sh.sh_size / repl_sh.sh_entsize; k++) {
			gelf_getrela(repl_rd, k, &r);
			if ((long)r.r_offset >= repl &&
			    (long)r.r_offset < repl + e[11])
				pic = false;
		}
		if (!pic) {
			arefuse(f, "its alternative at +%#lx has replacement code with relocations (.altinstr_replacement)",
				orig);
			continue;
		}
		f->alt = realloc(f->alt, (f->nalt + 1) * sizeof(*f->alt));
		if (!f->alt)
			die("out of memory");
		f->alt[f->nalt][0] = orig;
		f->alt[f->nalt][1] = orig + e[10];
		f->nalt++;
	}
}

/* --- growing the symbol and string tables --------------------------------- */
struct grow {
	Elf_Data *d;
	char *buf;
	size_t len, cap;
};

static void grow_init(struct grow *g, Elf_Data *d)
{
	g->d = d;
	g->len = g->cap = d->d_size;
	g->buf = malloc(g->cap ?: 1);
	if (!g->buf)
		die("out of memory");
	memcpy(g->buf, d->d_buf, d->d_size);
}

static size_t grow_add(struct grow *g, const void *p, size_t n)
{
	size_t at = g->len;

	if (g->len + n > g->cap) {
		g->cap = (g->len + n) * 2;
		g->buf = realloc(g->buf, g->cap);
		if (!g->buf)
			die("out of memory");
	}
	memcpy(g->buf + g->len, p, n);
	g->len += n;
	return at;
}

static void grow_done(struct grow *g)
{
	g->d->d_buf = g->buf;
	g->d->d_size = g->len;
	elf_flagdata(g->d, ELF_C_SET, ELF_F_DIRTY);
}

/* a new global symbol; returns its index */
static size_t add_sym(struct obj *o, struct grow *st, struct grow *sy,
		      const char *name, int type, int shndx,
		      unsigned long size, int vis)
{
	Elf64_Sym s = { 0 };

	s.st_name = grow_add(st, name, strlen(name) + 1);
	s.st_info = ELF64_ST_INFO(STB_GLOBAL, type);
	s.st_other = vis;
	s.st_shndx = shndx;
	s.st_size = size;
	grow_add(sy, &s, sizeof(s));
	return o->nsyms++;
}

static void rename_sym(struct obj *o, struct grow *st, struct grow *sy,
		       size_t i, const char *name, int vis)
{
	Elf64_Sym *s = (Elf64_Sym *)sy->buf + i;

	(void)o;
	s->st_name = grow_add(st, name, strlen(name) + 1);
	if (vis >= 0)
		s->st_other = (s->st_other & ~3) | vis;
}

static int auto_main(const char *in, const char *out, const char *bodies,
		     const char *report)
{
	struct aobj a = { 0 };
	struct obj *o = &a.obj;
	struct grow st, sy;
	size_t i, init = 0, fini = 0, nmove = 0;
	unsigned long bmove = 0, btotal = 0;
	FILE *f, *rf = NULL;
	char buf[65536];
	int ifd, fd;
	ssize_t n;

	/* BODIES.o starts as a copy of OBJ.o and is rewritten in place */
	ifd = open(in, O_RDONLY);
	if (ifd < 0)
		die("%s: %s", in, strerror(errno));
	fd = open(bodies, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("%s: %s", bodies, strerror(errno));
	while ((n = read(ifd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			die("%s: %s", bodies, strerror(errno));
	if (n < 0)
		die("%s: %s", in, strerror(errno));
	close(ifd);
	if (close(fd))
		die("%s: %s", bodies, strerror(errno));
	auto_load(&a, bodies, in);
	auto_alternatives(&a);
	auto_jump_labels(&a);
	obj_for_each_rela(o, auto_judge, &a);

	grow_init(&st, elf_getdata(elf_getscn(o->e, o->symsh.sh_link), NULL));
	grow_init(&sy, o->syms);
	init = obj_find_sym(o, "init_module", 0);
	fini = obj_find_sym(o, "cleanup_module", 0);
	if (init)
		rename_sym(o, &st, &sy, init, "__rr_wrapped_init_module", -1);
	if (fini)
		rename_sym(o, &st, &sy, fini, "__rr_wrapped_cleanup_module", -1);
	for (i = 0; i < a.nfns; i++) {
		struct afn *fn = &a.fns[i];
		char *real, *bname;

		btotal += fn->size;
		if (fn->why)
			continue;
		/*
		 * The trampoline takes the function's name: a global keeps
		 * it for the other objects of the module; a static one too,
		 * unless that name is taken (then NAME.rrN).
		 */
		if (fn->global || !obj_find_sym(o, fn->name, fn->sym))
			fn->tramp = strdup(fn->name);
		else if (asprintf(&fn->tramp, "%s.rr%zu", fn->name, i) < 0)
			die("out of memory");
		if (asprintf(&fn->inner, "%s.rr_inner", fn->tramp) < 0)
			die("out of memory");
		if (asprintf(&real, "%s_real", fn->name) < 0 ||
		    asprintf(&bname, "__rr_body%zu", i) < 0)
			die("out of memory");
		rename_sym(o, &st, &sy, fn->sym, real,
			   fn->global ? STV_HIDDEN : -1);
		fn->tsym = add_sym(o, &st, &sy, fn->tramp, STT_NOTYPE,
				   SHN_UNDEF, 0, STV_DEFAULT);
		fn->isym = add_sym(o, &st, &sy, fn->inner, STT_NOTYPE,
				   SHN_UNDEF, 0, STV_DEFAULT);
		fn->bsym = add_sym(o, &st, &sy, bname, STT_FUNC, fn->shndx,
				   fn->size, STV_HIDDEN);
		free(real);
		free(bname);
		nmove++;
		bmove += fn->size;
	}
	grow_done(&st);
	grow_done(&sy);
	obj_for_each_rela(o, auto_apply, &a);
	/* the header's size from the data (libelf lays the file out again) */
	if (elf_update(o->e, ELF_C_WRITE) < 0)
		die("%s: %s", bodies, elf_errmsg(-1));

	f = fopen(out, "w");
	if (!f)
		die("%s: %s", out, strerror(errno));
	emit_auto(f, in, a.fns, a.nfns, init, fini);
	if (fclose(f))
		die("%s: %s", out, strerror(errno));
	if (report) {
		rf = fopen(report, "w");
		if (!rf)
			die("%s: %s", report, strerror(errno));
		for (i = 0; i < a.nfns; i++)
			fprintf(rf, "%s %s %lu%s%s\n",
				a.fns[i].why ? "refused" : "moved",
				a.fns[i].name, a.fns[i].size,
				a.fns[i].why ? " " : "",
				a.fns[i].why ?: "");
		fprintf(rf, "moved %zu of %zu functions, %lu of %lu bytes\n",
			nmove, a.nfns, bmove, btotal);
		if (fclose(rf))
			die("%s: %s", report, strerror(errno));
	}
	printf("rrmeta: %s: moved %zu of %zu functions, %lu of %lu bytes\n",
	       strrchr(in, '/') ? strrchr(in, '/') + 1 : in, nmove, a.nfns,
	       bmove, btotal);
	obj_close(o);
	return 0;
}

static int auto_usage(void)
{
	fprintf(stderr, "usage: rrmeta --auto -o OUT.c -w BODIES.o [-r REPORT] OBJ.o\n");
	return 2;
}

int auto_cli(int argc, char **argv)
{
	const char *out = NULL, *bodies = NULL, *report = NULL;
	int opt;

	optind = 2;
	while ((opt = getopt(argc, argv, "o:w:r:h")) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'w':
			bodies = optarg;
			break;
		case 'r':
			report = optarg;
			break;
		default:
			return auto_usage();
		}
	}
	if (!out || !bodies || optind != argc - 1)
		return auto_usage();
	return auto_main(argv[optind], out, bodies, report);
}
