// SPDX-License-Identifier: GPL-2.0
/* User-space symbols for user stacks: see watch_usyms.h. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "grow.h"
#include "watch_usyms.h"

/* One function of a file, at its ELF address. */
struct usym_fn {
	unsigned long addr, size;
	size_t name;		/* offset in uelf.strs */
};

/* A PT_LOAD segment: file offset -> ELF address. */
struct useg {
	unsigned long off, vaddr, filesz;
};

/* One mapped ELF file, by device and inode: its functions, sorted. */
struct uelf {
	unsigned long dev;
	unsigned long ino;
	char *path;
	bool tried;		/* symbols read (or found unreadable) */
	struct usym_fn *fns;
	size_t nfns, capfns;
	char *strs;
	size_t strs_len, strs_cap;
	struct useg *segs;
	size_t nsegs;
};

/* One executable file mapping of a process. */
struct umap {
	unsigned long start, end, pgoff;
	size_t elf;		/* index in usyms.elfs */
};

struct uproc {
	pid_t pid;
	bool exited;
	char comm[16];
	struct umap *maps;
	size_t nmaps;
};

struct usyms {
	char proc[256];
	struct uproc *procs;
	size_t nprocs, capprocs;
	struct uelf *elfs;
	size_t nelfs, capelfs;
};

/* A cache that grows with every process ever seen is dropped past this many. */
#define USYMS_MAX_PROCS 4096

struct usyms *usyms__new(const char *proc)
{
	struct usyms *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	snprintf(u->proc, sizeof(u->proc), "%s", proc ? proc : "/proc");
	return u;
}

static void drop_procs(struct usyms *u)
{
	size_t i;

	for (i = 0; i < u->nprocs; i++)
		free(u->procs[i].maps);
	u->nprocs = 0;
}

void usyms__free(struct usyms *u)
{
	size_t i;

	if (!u)
		return;
	drop_procs(u);
	free(u->procs);
	for (i = 0; i < u->nelfs; i++) {
		free(u->elfs[i].path);
		free(u->elfs[i].fns);
		free(u->elfs[i].strs);
		free(u->elfs[i].segs);
	}
	free(u->elfs);
	free(u);
}

/* The file (dev, ino, path) in the cache, added when new: its index, or -1. */
static ssize_t elf_index(struct usyms *u, unsigned long dev, unsigned long ino, const char *path)
{
	struct uelf *e;
	size_t i;

	for (i = 0; i < u->nelfs; i++)
		if (u->elfs[i].dev == dev && u->elfs[i].ino == ino && !strcmp(u->elfs[i].path, path))
			return i;
	if (wpw_grow(&u->elfs, &u->capelfs, u->nelfs + 1, sizeof(*u->elfs), 16))
		return -1;
	e = &u->elfs[u->nelfs];
	memset(e, 0, sizeof(*e));
	e->dev = dev;
	e->ino = ino;
	e->path = strdup(path);
	if (!e->path)
		return -1;
	return u->nelfs++;
}

/*
 * PID's executable file mappings, read now. "START-END PERMS PGOFF MAJ:MIN
 * INODE PATH"; only mappings of a file ('/' first) that can run code.
 * 0, or -ESRCH when the process is gone (or a zombie: no mappings left), and
 * then the mappings read before are kept.
 */
static int read_maps(struct usyms *u, struct uproc *p)
{
	char path[300], *line = NULL;
	size_t cap = 0, capmaps = 0, nmaps = 0, nlines = 0;
	struct umap *maps = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/maps", u->proc, p->pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	while (getline(&line, &cap, f) > 0) {
		unsigned long start, end, pgoff, maj, min, ino;
		char perms[8], *file, *nl;
		int n = 0;
		ssize_t ei;

		nlines++;
		if (sscanf(line, "%lx-%lx %7s %lx %lx:%lx %lu %n", &start, &end, perms, &pgoff, &maj,
			   &min, &ino, &n) < 7 || !n)
			continue;
		file = line + n;
		nl = strchr(file, '\n');
		if (nl)
			*nl = '\0';
		if (strlen(perms) < 3 || perms[2] != 'x' || file[0] != '/')
			continue;
		ei = elf_index(u, maj << 20 | min, ino, file);
		if (ei < 0 || wpw_grow(&maps, &capmaps, nmaps + 1, sizeof(*maps), 16))
			break;
		maps[nmaps++] = (struct umap){ start, end, pgoff, (size_t)ei };
	}
	free(line);
	fclose(f);
	if (!nlines) {
		free(maps);
		return -ESRCH;
	}
	free(p->maps);
	p->maps = maps;
	p->nmaps = nmaps;
	return 0;
}

static int cmp_fn(const void *a, const void *b)
{
	const struct usym_fn *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Of two at one address, the sized one (a real function) first. */
	return (x->size < y->size) - (x->size > y->size);
}

/* Functions from one symbol table section of E. */
static void add_symtab(struct uelf *ue, Elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;

	if (!data || !sh->sh_entsize)
		return;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		const char *name;
		size_t len;
		GElf_Sym sym;
		int type;

		if (!gelf_getsym(data, i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!name || !name[0])
			continue;
		len = strlen(name);
		if (wpw_grow(&ue->fns, &ue->capfns, ue->nfns + 1, sizeof(*ue->fns), 256) ||
		    wpw_grow(&ue->strs, &ue->strs_cap, ue->strs_len + len + 1, 1, 4096))
			return;
		memcpy(ue->strs + ue->strs_len, name, len + 1);
		ue->fns[ue->nfns++] = (struct usym_fn){ sym.st_value, sym.st_size, ue->strs_len };
		ue->strs_len += len + 1;
	}
}

/*
 * The file's PT_LOAD segments and functions (.symtab, else .dynsym), read
 * once. Opened through /proc/PID/map_files (a deleted file, another mount
 * namespace), else /proc/PID/root, else the path itself.
 */
static void load_elf(struct usyms *u, pid_t pid, const struct umap *m, struct uelf *ue)
{
	Elf_Scn *scn = NULL, *dynsym = NULL;
	GElf_Shdr dynsh;
	bool have_symtab = false;
	char path[4400];
	size_t i, nph;
	Elf *e = NULL;
	int fd;

	ue->tried = true;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return;
	snprintf(path, sizeof(path), "%s/%d/map_files/%lx-%lx", u->proc, pid, m->start, m->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/%d/root%s", u->proc, pid, ue->path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		fd = open(ue->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &nph))
		goto out;
	ue->segs = calloc(nph ? nph : 1, sizeof(*ue->segs));
	if (!ue->segs)
		goto out;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, i, &ph) && ph.p_type == PT_LOAD)
			ue->segs[ue->nsegs++] = (struct useg){ ph.p_offset, ph.p_vaddr, ph.p_filesz };
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			add_symtab(ue, e, scn, &sh);
			have_symtab = true;
		} else if (sh.sh_type == SHT_DYNSYM) {
			dynsym = scn;
			dynsh = sh;
		}
	}
	if (!have_symtab && dynsym)
		add_symtab(ue, e, dynsym, &dynsh);
	if (ue->nfns)
		qsort(ue->fns, ue->nfns, sizeof(*ue->fns), cmp_fn);
out:
	if (e)
		elf_end(e);
	close(fd);
}

/* The function of UE at ELF address VADDR: the last one at or below it, within its size. */
static const struct usym_fn *find_fn(const struct uelf *ue, unsigned long vaddr)
{
	size_t lo = 0, hi = ue->nfns;
	const struct usym_fn *f;

	if (!ue->nfns || vaddr < ue->fns[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ue->fns[mid].addr <= vaddr)
			lo = mid;
		else
			hi = mid;
	}
	while (lo > 0 && ue->fns[lo - 1].addr == ue->fns[lo].addr)
		lo--;
	f = &ue->fns[lo];
	/* A sized function ends there: past it is not guessed to be inside. */
	if (f->size && vaddr - f->addr >= f->size)
		return NULL;
	return f;
}

static struct uproc *get_proc(struct usyms *u, pid_t pid, const char *comm, bool *fresh)
{
	struct uproc *p;
	size_t i;

	*fresh = false;
	for (i = 0; i < u->nprocs; i++) {
		p = &u->procs[i];
		if (p->pid != pid)
			continue;
		if (comm && strncmp(p->comm, comm, sizeof(p->comm))) {
			/* exec'd (or a new process with this pid): read again */
			snprintf(p->comm, sizeof(p->comm), "%s", comm);
			free(p->maps);
			p->maps = NULL;
			p->nmaps = 0;
			p->exited = read_maps(u, p) == -ESRCH;
			*fresh = true;
		}
		return p;
	}
	if (u->nprocs >= USYMS_MAX_PROCS)
		drop_procs(u);
	if (wpw_grow(&u->procs, &u->capprocs, u->nprocs + 1, sizeof(*u->procs), 16))
		return NULL;
	p = &u->procs[u->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm ? comm : "");
	p->exited = read_maps(u, p) == -ESRCH;
	*fresh = true;
	return p;
}

static const struct umap *find_map(const struct uproc *p, unsigned long addr)
{
	size_t i;

	for (i = 0; i < p->nmaps; i++)
		if (addr >= p->maps[i].start && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

enum usym_kind usyms__lookup(struct usyms *u, pid_t pid, const char *comm, unsigned long addr,
			     struct usym *out)
{
	const struct usym_fn *fn;
	const struct umap *m;
	struct uproc *p;
	struct uelf *ue;
	unsigned long fo;
	bool fresh;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->kind = USYM_UNMAPPED;
	p = get_proc(u, pid, comm, &fresh);
	if (!p)
		return out->kind;
	m = find_map(p, addr);
	if (!m && !fresh && !p->exited) {
		/* mapped since (dlopen), or the cache is older than an exec */
		p->exited = read_maps(u, p) == -ESRCH;
		m = find_map(p, addr);
	}
	if (!m) {
		out->kind = p->exited ? USYM_EXITED : USYM_UNMAPPED;
		return out->kind;
	}
	ue = &u->elfs[m->elf];
	if (!ue->tried)
		load_elf(u, pid, m, ue);
	out->kind = USYM_NOSYM;
	out->obj = ue->path;
	fo = addr - m->start + m->pgoff;
	for (i = 0; i < ue->nsegs; i++) {
		const struct useg *s = &ue->segs[i];

		if (fo < s->off || fo - s->off >= s->filesz)
			continue;
		fn = find_fn(ue, fo - s->off + s->vaddr);
		if (fn) {
			out->kind = USYM_FOUND;
			out->name = ue->strs + fn->name;
			out->off = fo - s->off + s->vaddr - fn->addr;
		}
		break;
	}
	return out->kind;
}

int usym_name(struct usyms *u, pid_t pid, const char *comm, unsigned long addr, char *buf,
	      size_t len)
{
	struct usym s;

	switch (usyms__lookup(u, pid, comm, addr, &s)) {
	case USYM_FOUND:
		return snprintf(buf, len, "%s+0x%lx (%s)", s.name, s.off, s.obj);
	case USYM_NOSYM:
		return snprintf(buf, len, "[unknown] (%s)", s.obj);
	case USYM_EXITED:
		return snprintf(buf, len, "[exited]");
	default:
		return snprintf(buf, len, "[unknown]");
	}
}
