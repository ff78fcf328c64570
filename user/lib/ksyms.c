// SPDX-License-Identifier: GPL-2.0
/* Kernel symbols for user space: see ksyms.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "ksyms.h"
#include "grow.h"

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *strs;
	size_t strs_len, strs_cap;
	bool hidden, has_data;
	size_t ndata;
};

/* While parsing, name/module hold offsets into strs (+1, 0 = none). */
static int add_str(struct ksyms *ks, const char *s, size_t len, size_t *off)
{
	if (wpw_grow(&ks->strs, &ks->strs_cap, ks->strs_len + len + 1, 1, 65536))
		return -ENOMEM;
	memcpy(ks->strs + ks->strs_len, s, len);
	ks->strs[ks->strs_len + len] = '\0';
	*off = ks->strs_len;
	ks->strs_len += len + 1;
	return 0;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* One line: "ADDR TYPE NAME[\t[MODULE]]". Returns 1 parsed, 0 skipped. */
static int parse_line(struct ksyms *ks, char *line, size_t *last_mod_off,
		      const char **last_mod, size_t *last_mod_len)
{
	char *p = line, *end, *name, *mod = NULL;
	size_t name_len, mod_len = 0, name_off, mod_off = 0;
	unsigned long addr;
	struct ksym *s;
	char type;

	if (!isxdigit((unsigned char)*p))
		return 0;
	errno = 0;
	addr = strtoul(p, &end, 16);
	if (errno || end == p || (*end != ' ' && *end != '\t'))
		return 0;
	p = end + 1;
	if (!isalpha((unsigned char)*p) && *p != '?')
		return 0;
	type = *p++;
	if (*p != ' ' && *p != '\t')
		return 0;
	p++;
	name = p;
	while (*p && *p != '\t' && *p != ' ' && *p != '\n' && *p != '\r')
		p++;
	name_len = p - name;
	/* arm64/arm mapping symbols ($x, $d) mark code/data, they are not names. */
	if (!name_len || name[0] == '$')
		return 0;
	while (*p == '\t' || *p == ' ')
		p++;
	if (*p == '[') {
		char *close = strchr(p, ']');

		if (close && close > p + 1) {
			mod = p + 1;
			mod_len = close - mod;
		}
	}
	if (wpw_grow(&ks->syms, &ks->cap, ks->n + 1, sizeof(*ks->syms), 4096))
		return -ENOMEM;
	if (add_str(ks, name, name_len, &name_off))
		return -ENOMEM;
	if (mod) {
		/* Lines of one module come together: share its string. */
		if (*last_mod && *last_mod_len == mod_len &&
		    !memcmp(ks->strs + *last_mod_off, mod, mod_len)) {
			mod_off = *last_mod_off;
		} else {
			if (add_str(ks, mod, mod_len, &mod_off))
				return -ENOMEM;
			*last_mod_off = mod_off;
			*last_mod_len = mod_len;
			*last_mod = "";
		}
	}
	s = &ks->syms[ks->n++];
	s->addr = addr;
	s->type = type;
	s->name = (const char *)(uintptr_t)(name_off + 1);
	s->module = mod ? (const char *)(uintptr_t)(mod_off + 1) : NULL;
	if (addr)
		ks->hidden = false;
	if (strchr("dDbB", type))
		ks->ndata++;
	return 1;
}

struct ksyms *ksyms__parse(FILE *f)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	size_t last_mod_off = 0, last_mod_len = 0, i;
	const char *last_mod = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!ks)
		return NULL;
	ks->hidden = true;
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (parse_line(ks, line, &last_mod_off, &last_mod, &last_mod_len) < 0) {
			free(line);
			ksyms__free(ks);
			errno = ENOMEM;
			return NULL;
		}
	}
	free(line);
	for (i = 0; i < ks->n; i++) {
		ks->syms[i].name = ks->strs + ((uintptr_t)ks->syms[i].name - 1);
		if (ks->syms[i].module)
			ks->syms[i].module = ks->strs + ((uintptr_t)ks->syms[i].module - 1);
	}
	/*
	 * Without CONFIG_KALLSYMS_ALL a few linker-made data symbols remain
	 * (__bss_start, _edata ...); with it, variables are a good part of the
	 * table. One in fifty tells the two apart.
	 */
	ks->has_data = ks->ndata * 50 > ks->n;
	if (ks->n)
		qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_addr);
	else
		ks->hidden = false;
	return ks;
}

struct ksyms *ksyms__load(const char *path)
{
	struct ksyms *ks;
	FILE *f = fopen(path ? path : "/proc/kallsyms", "re");
	int err;

	if (!f)
		return NULL;
	ks = ksyms__parse(f);
	err = errno;
	fclose(f);
	errno = err;
	return ks;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->strs);
	free(ks);
}

size_t ksyms__count(const struct ksyms *ks)
{
	return ks->n;
}

const struct ksym *ksyms__at(const struct ksyms *ks, size_t i)
{
	return i < ks->n ? &ks->syms[i] : NULL;
}

bool ksyms__addrs_hidden(const struct ksyms *ks)
{
	return ks->hidden;
}

bool ksyms__has_data(const struct ksyms *ks)
{
	return ks->has_data;
}

#define KSYM_MAX_OFFSET (1UL << 20)

const struct ksym *ksyms__map_addr(const struct ksyms *ks, unsigned long addr)
{
	size_t lo = 0, hi = ks->n;
	const struct ksym *s;

	if (!ks->n || ks->hidden || addr < ks->syms[0].addr)
		return NULL;
	/* Last symbol with s->addr <= addr. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* Of several names at one address, the first in order. */
	while (lo > 0 && ks->syms[lo - 1].addr == ks->syms[lo].addr)
		lo--;
	s = &ks->syms[lo];
	if (addr - s->addr >= KSYM_MAX_OFFSET)
		return NULL;
	return s;
}

static bool module_matches(const struct ksym *s, const char *module)
{
	if (!module)
		return true;
	if (!strcmp(module, "vmlinux") || !strcmp(module, "kernel"))
		return s->module == NULL;
	return s->module && !strcmp(s->module, module);
}

size_t ksyms__find(const struct ksyms *ks, const char *name, const char *module,
		   const struct ksym **out, size_t max)
{
	size_t i, n = 0, k;

	for (i = 0; i < ks->n; i++) {
		const struct ksym *s = &ks->syms[i];
		bool dup = false;

		if (strcmp(s->name, name) || !module_matches(s, module))
			continue;
		/* The same address twice (aliases) is one answer. */
		for (k = 0; k < n && k < max; k++)
			if (out[k]->addr == s->addr)
				dup = true;
		if (dup)
			continue;
		if (n < max)
			out[n] = s;
		n++;
	}
	return n;
}

size_t ksyms__edit_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *row, best;

	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	row = malloc((lb + 1) * sizeof(*row));
	if (!row)
		return limit + 1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], v;

			v = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit) {
			free(row);
			return limit + 1;
		}
	}
	best = row[lb];
	free(row);
	return best > limit ? limit + 1 : best;
}

size_t ksyms__suggest(const struct ksyms *ks, const char *name, const char **out, size_t max)
{
	size_t limit = strlen(name) / 4 + 1, i, n = 0, k;
	size_t *dist;

	if (!max)
		return 0;
	if (limit > 4)
		limit = 4;
	dist = calloc(max, sizeof(*dist));
	if (!dist)
		return 0;
	for (i = 0; i < ks->n; i++) {
		const char *cand = ks->syms[i].name;
		size_t d = ksyms__edit_distance(name, cand, limit);
		bool dup = false;

		/* A name that contains the query (or the reverse) is close too. */
		if (d > limit && strlen(name) >= 4 && (strstr(cand, name) || strstr(name, cand)) &&
		    strlen(cand) >= 4)
			d = limit;
		if (d > limit || d == 0)
			continue;
		for (k = 0; k < n; k++)
			if (!strcmp(out[k], cand))
				dup = true;
		if (dup)
			continue;
		if (n == max && d >= dist[n - 1])
			continue;
		k = n < max ? n++ : n - 1;
		while (k > 0 && dist[k - 1] > d) {
			out[k] = out[k - 1];
			dist[k] = dist[k - 1];
			k--;
		}
		out[k] = cand;
		dist[k] = d;
	}
	free(dist);
	return n;
}

int ksyms__format(const struct ksyms *ks, unsigned long addr, char *buf, size_t len)
{
	const struct ksym *s = ks ? ksyms__map_addr(ks, addr) : NULL;

	if (!s)
		return snprintf(buf, len, "0x%lx", addr);
	if (s->module)
		return snprintf(buf, len, "%s+0x%lx [%s]", s->name, addr - s->addr, s->module);
	return snprintf(buf, len, "%s+0x%lx", s->name, addr - s->addr);
}

/* ---- module variables through the .ko's symbol table ------------------- */

/* Is FILE MOD.ko? '-' and '_' are the same in module names. */
static bool ko_name_matches(const char *file, const char *mod)
{
	size_t i, lm = strlen(mod);

	if (strlen(file) != lm + 3 || strcmp(file + lm, ".ko"))
		return false;
	for (i = 0; i < lm; i++) {
		char a = file[i] == '-' ? '_' : file[i];
		char b = mod[i] == '-' ? '_' : mod[i];

		if (a != b)
			return false;
	}
	return true;
}

/*
 * MOD.ko in module tree DIR, by its modules.dep (depmod's list of every
 * module, however deep: "kernel/drivers/.../mod.ko: deps"), as modprobe
 * finds it; a folder without modules.dep is looked into itself only.
 * Compressed modules (.ko.xz, .ko.zst) are not read.
 */
static bool find_ko(const char *dir, const char *mod, char *out, size_t outlen)
{
	char path[4096], *line = NULL;
	bool found = false;
	size_t cap = 0;
	struct dirent *de;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	f = fopen(path, "re");
	if (f) {
		while (!found && getline(&line, &cap, f) > 0) {
			char *colon = strchr(line, ':'), *base;

			if (!colon)
				continue;
			*colon = '\0';
			base = strrchr(line, '/');
			base = base ? base + 1 : line;
			if (!ko_name_matches(base, mod))
				continue;
			if (line[0] == '/')
				snprintf(out, outlen, "%s", line);
			else
				snprintf(out, outlen, "%s/%s", dir, line);
			found = !access(out, R_OK);
		}
		free(line);
		fclose(f);
		return found;
	}
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (!ko_name_matches(de->d_name, mod))
			continue;
		snprintf(out, outlen, "%s/%s", dir, de->d_name);
		found = true;
	}
	closedir(d);
	return found;
}

/* NAME's section name and offset in the ELF relocatable KO. 0, -ENOENT or -ENOEXEC. */
static int ko_symbol(const char *ko, const char *name, char *sec, size_t seclen,
		     unsigned long *off)
{
	int fd, ret = -ENOENT;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstrndx)) {
		ret = -ENOEXEC;
		goto out;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Sym sym;
			GElf_Shdr tsh;
			const char *sname;
			Elf_Scn *tscn;

			if (!gelf_getsym(data, i, &sym))
				continue;
			sname = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!sname || strcmp(sname, name))
				continue;
			if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE)
				continue;
			tscn = elf_getscn(e, sym.st_shndx);
			if (!tscn || !gelf_getshdr(tscn, &tsh))
				continue;
			sname = elf_strptr(e, shstrndx, tsh.sh_name);
			if (!sname)
				continue;
			snprintf(sec, seclen, "%s", sname);
			*off = sym.st_value;
			ret = 0;
			goto out;
		}
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}

int ksyms__module_var(const char *name, const char *module, const char *sysfs,
		      const char *const *ko_dirs, unsigned long *addr, char *modbuf,
		      size_t modlen, char *why, size_t whylen)
{
	static const char *const def_dirs[] = { NULL, "/opt/wpwatch/kmod", NULL };
	char libmod[300], found_mods[512] = "";
	const char *dirs_buf[3];
	const char *const *dirs = ko_dirs;
	unsigned long found_addr = 0;
	int nfound = 0, unloaded_hit = 0;
	struct dirent *de;
	struct utsname u;
	DIR *d;

	if (!sysfs)
		sysfs = "/sys/module";
	if (!dirs) {
		uname(&u);
		snprintf(libmod, sizeof(libmod), "/lib/modules/%s", u.release);
		dirs_buf[0] = libmod;
		dirs_buf[1] = def_dirs[1];
		dirs_buf[2] = NULL;
		dirs = dirs_buf;
	}
	d = opendir(sysfs);
	if (!d) {
		snprintf(why, whylen, "cannot list %s: %s", sysfs, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		char path[4096], ko[4096] = "", sec[256], val[64];
		unsigned long off = 0, base;
		bool have_ko = false;
		size_t i;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		if (module) {
			char tmp[300];

			snprintf(tmp, sizeof(tmp), "%s.ko", de->d_name);
			if (!ko_name_matches(tmp, module))
				continue;
		}
		/* Only loaded modules have a sections folder. */
		snprintf(path, sizeof(path), "%s/%s/sections", sysfs, de->d_name);
		if (access(path, F_OK))
			continue;
		for (i = 0; dirs[i] && !have_ko; i++)
			have_ko = find_ko(dirs[i], de->d_name, ko, sizeof(ko));
		if (!have_ko || ko_symbol(ko, name, sec, sizeof(sec), &off))
			continue;
		snprintf(path, sizeof(path), "%s/%s/sections/%s", sysfs, de->d_name, sec);
		f = fopen(path, "re");
		if (!f) {
			int err = errno;

			if (err == EACCES || err == EPERM) {
				snprintf(why, whylen,
					 "%s is in %s's section %s, but %s is not readable: run as root",
					 name, de->d_name, sec, path);
				closedir(d);
				return -EACCES;
			}
			unloaded_hit++;
			snprintf(why, whylen, "%s is in %s (section %s), but %s is missing: %s",
				 name, ko, sec, path, strerror(err));
			continue;
		}
		if (!fgets(val, sizeof(val), f)) {
			fclose(f);
			continue;
		}
		fclose(f);
		errno = 0;
		base = strtoul(val, NULL, 16);
		if (errno || !base) {
			closedir(d);
			snprintf(why, whylen, "%s reads 0x0: run as root", path);
			return -EACCES;
		}
		if (nfound && found_addr != base + off) {
			size_t l = strlen(found_mods);

			snprintf(found_mods + l, sizeof(found_mods) - l, ", %s", de->d_name);
		} else if (!nfound) {
			snprintf(found_mods, sizeof(found_mods), "%s", de->d_name);
			snprintf(modbuf, modlen, "%s", de->d_name);
		}
		if (!nfound || found_addr != base + off)
			nfound++;
		found_addr = base + off;
	}
	closedir(d);
	if (nfound == 1) {
		*addr = found_addr;
		return 0;
	}
	if (nfound > 1) {
		snprintf(why, whylen, "%s is defined in several loaded modules (%s): write MODULE:%s",
			 name, found_mods, name);
		return -ENOTUNIQ;
	}
	if (unloaded_hit)
		return -ENOEXEC;
	snprintf(why, whylen, "no loaded module's .ko (searched %s%s%s) defines %s", dirs[0],
		 dirs[1] ? " and " : "", dirs[1] ? dirs[1] : "", name);
	return -ENOENT;
}

/* ---- vmlinux variables through the running kernel's System.map --------- */

static bool is_text(const struct ksym *s)
{
	return s->type == 't' || s->type == 'T';
}

/* Does MAP name NAME at ADDR (among the aliases there)? */
static bool map_names_at(const struct ksyms *map, unsigned long addr, const char *name)
{
	const struct ksym *s = ksyms__map_addr(map, addr);
	size_t i;

	if (!s || s->addr != addr)
		return false;
	for (i = s - map->syms; i < map->n && map->syms[i].addr == addr; i++)
		if (!strcmp(map->syms[i].name, name))
			return true;
	return false;
}

int ksyms__kaslr_offset(const struct ksyms *ks, const struct ksyms *map, unsigned long *off,
			unsigned int *agree, char *why, size_t whylen)
{
	static const char *const anchors[] = { "_stext", "_text" };
	const struct ksym *a = NULL, *b = NULL, *first_bad = NULL;
	unsigned int good = 0, bad = 0, tried = 0;
	size_t ntext = 0, t = 0, step, i;
	unsigned long d;

	for (i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++) {
		if (ksyms__find(ks, anchors[i], "vmlinux", &a, 1) == 1 &&
		    ksyms__find(map, anchors[i], NULL, &b, 1) == 1)
			break;
		a = b = NULL;
	}
	if (!a || !b) {
		snprintf(why, whylen, "it names no _stext or _text (%zu symbols)", map->n);
		return -ENODATA;
	}
	d = a->addr - b->addr;	/* modulo 2^64: a kernel may also sit below its link address */
	for (i = 0; i < ks->n; i++)
		ntext += !ks->syms[i].module && is_text(&ks->syms[i]);
	step = ntext / KSYMS_MAP_PROBES ? ntext / KSYMS_MAP_PROBES : 1;
	/* Functions spread over the whole text, in address order. */
	for (i = 0; i < ks->n && tried < KSYMS_MAP_PROBES; i++) {
		const struct ksym *s = &ks->syms[i], *c[1];

		if (s->module || !is_text(s) || t++ % step)
			continue;
		tried++;
		if (map_names_at(map, s->addr - d, s->name)) {
			good++;
		} else if (ksyms__find(map, s->name, NULL, c, 1)) {
			/* Named elsewhere: another build. Not named at all: skipped. */
			if (!bad++)
				first_bad = s;
		}
	}
	if (bad) {
		snprintf(why, whylen, "%u of %u functions of /proc/kallsyms are not where it puts "
			 "them after the KASLR shift of 0x%lx measured on %s (%s at 0x%lx)", bad,
			 good + bad, d, a->name, first_bad->name, first_bad->addr);
		return -ESTALE;
	}
	if (good < KSYMS_MAP_MIN_AGREE) {
		snprintf(why, whylen, "only %u functions of /proc/kallsyms are in it (%u needed to "
			 "trust it)", good, KSYMS_MAP_MIN_AGREE);
		return good ? -ESTALE : -ENODATA;
	}
	*off = d;
	if (agree)
		*agree = good;
	return 0;
}

/* APPEND to BUF (NUL-terminated, LEN bytes) what printf would print. */
static void appendf(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
	size_t l = strlen(buf);

	if (l < len)
		snprintf(buf + l, len - l, fmt, a, b);
}

int ksyms__sysmap_var(const struct ksyms *ks, const char *name, const char *const *paths,
		      unsigned long *addr, char *file, size_t filelen, char *why, size_t whylen)
{
	char defs[3][320], looked[1024] = "", stale[1024] = "", empty[1024] = "", reason[512];
	const char *def[4];
	const struct ksym *cand[16];
	struct utsname u;
	size_t i, n, k;
	int err;

	if (!paths) {
		if (uname(&u))
			u.release[0] = '\0';
		snprintf(defs[0], sizeof(defs[0]), "/boot/System.map-%s", u.release);
		snprintf(defs[1], sizeof(defs[1]), "/usr/lib/debug/boot/System.map-%s", u.release);
		snprintf(defs[2], sizeof(defs[2]), "/lib/modules/%s/build/System.map", u.release);
		for (i = 0; i < 3; i++)
			def[i] = defs[i];
		def[3] = NULL;
		paths = def;
	}
	for (i = 0; paths[i]; i++) {
		const struct ksym *pcs[1], *pce[1];
		unsigned long off;
		unsigned int agree;
		struct ksyms *map;

		appendf(looked, sizeof(looked), "%s%s", i ? ", " : "", paths[i]);
		map = ksyms__load(paths[i]);
		if (!map) {
			if (errno != ENOENT && !empty[0])
				snprintf(empty, sizeof(empty), "%s is not readable (%s)", paths[i],
					 strerror(errno));
			continue;
		}
		err = ksyms__kaslr_offset(ks, map, &off, &agree, reason, sizeof(reason));
		if (err) {
			char *dst = err == -ESTALE ? stale : empty;

			if (!dst[0])
				snprintf(dst, sizeof(stale), "%s %s: %s", paths[i],
					 err == -ESTALE ? "does not belong to the running kernel"
							: "holds no kernel symbols", reason);
			ksyms__free(map);
			continue;
		}
		snprintf(file, filelen, "%s", paths[i]);
		n = ksyms__find(map, name, NULL, cand, 16);
		if (!n) {
			snprintf(why, whylen, "%s is not in %s either", name, paths[i]);
			ksyms__free(map);
			return -ENOENT;
		}
		if (n > 1) {
			snprintf(why, whylen, "%s names %zu symbols %s (at", paths[i], n, name);
			for (k = 0; k < n && k < 16; k++) {
				size_t l = strlen(why);

				if (l < whylen)
					snprintf(why + l, whylen - l, " 0x%lx", cand[k]->addr + off);
			}
			appendf(why, whylen, "%s%s", "): give the one you mean as 0xADDRESS", "");
			ksyms__free(map);
			return -ENOTUNIQ;
		}
		if (ksyms__find(map, "__per_cpu_start", NULL, pcs, 1) == 1 &&
		    ksyms__find(map, "__per_cpu_end", NULL, pce, 1) == 1 &&
		    cand[0]->addr >= pcs[0]->addr && cand[0]->addr < pce[0]->addr) {
			snprintf(why, whylen, "%s is a per-CPU variable (%s places only its template, "
				 "no CPU's copy): give one CPU's copy as 0xADDRESS", name, paths[i]);
			ksyms__free(map);
			return -EINVAL;
		}
		*addr = cand[0]->addr + off;
		snprintf(why, whylen, "placed from %s: KASLR offset 0x%lx, %u functions agree",
			 paths[i], off, agree);
		ksyms__free(map);
		return 0;
	}
	if (stale[0]) {
		snprintf(why, whylen, "%s", stale);
		return -ESTALE;
	}
	if (empty[0])
		snprintf(why, whylen, "%s, and no other System.map (looked for %s)", empty, looked);
	else
		snprintf(why, whylen, "no System.map of this kernel (looked for %s)", looked);
	return -ENODATA;
}
