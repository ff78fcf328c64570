// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel variables /proc/kallsyms does not list: a module's variable from
 * its .ko's symbol table (placed at its section's load address from
 * /sys/module/MOD/sections), and a vmlinux variable from the running
 * kernel's System.map, shifted by the KASLR offset that kallsyms' functions
 * give, after checking the map belongs to this kernel. See ksyms.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "ksyms.h"

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
	for (i = (size_t)(s - ksyms__at(map, 0));
	     i < ksyms__count(map) && ksyms__at(map, i)->addr == addr; i++)
		if (!strcmp(ksyms__at(map, i)->name, name))
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
		snprintf(why, whylen, "it names no _stext or _text (%zu symbols)", ksyms__count(map));
		return -ENODATA;
	}
	d = a->addr - b->addr;	/* modulo 2^64: a kernel may also sit below its link address */
	for (i = 0; i < ksyms__count(ks); i++)
		ntext += !ksyms__at(ks, i)->module && is_text(ksyms__at(ks, i));
	step = ntext / KSYMS_MAP_PROBES ? ntext / KSYMS_MAP_PROBES : 1;
	/* Functions spread over the whole text, in address order. */
	for (i = 0; i < ksyms__count(ks) && tried < KSYMS_MAP_PROBES; i++) {
		const struct ksym *s = ksyms__at(ks, i), *c[1];

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
		if (ksyms__in_per_cpu_area(map, cand[0]->addr)) {
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
