/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel symbols for user space: /proc/kallsyms loaded once into one sorted
 * array with one string buffer (module names kept), address -> symbol by
 * binary search, name -> symbol(s) with ambiguity reported, close-name
 * suggestions; and, for module variables that /proc/kallsyms does not list
 * (arm64 without CONFIG_KALLSYMS_ALL), a fallback through
 * /sys/module/<mod>/sections/ plus the .ko file's own symbol table; for
 * vmlinux variables there, the kernel's System.map, shifted by the KASLR
 * offset measured on the functions /proc/kallsyms lists, once the map is
 * shown to belong to the running kernel.
 *
 * Reusable by every wpwatch command (watch, lat): no global state.
 */
#ifndef WPWATCH_KSYMS_H
#define WPWATCH_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ksym {
	unsigned long addr;
	const char *name;
	const char *module;	/* NULL for vmlinux */
	char type;		/* kallsyms type letter: t T d D b B r R ... */
};

struct ksyms;

/* Load /proc/kallsyms (NULL path) or a file in the same format. NULL + errno on failure. */
struct ksyms *ksyms__load(const char *path);
/* Parse from a stream (unit tests, fuzzing). */
struct ksyms *ksyms__parse(FILE *f);
void ksyms__free(struct ksyms *ks);

size_t ksyms__count(const struct ksyms *ks);
const struct ksym *ksyms__at(const struct ksyms *ks, size_t i);
/* True when every address reads as 0 (kptr_restrict, not root). */
bool ksyms__addrs_hidden(const struct ksyms *ks);
/* True when data symbols (d/D/b/B) are listed (CONFIG_KALLSYMS_ALL). */
bool ksyms__has_data(const struct ksyms *ks);

/*
 * The symbol at or below ADDR (the function containing it), NULL when ADDR is
 * below every symbol or beyond the last one by more than a page.
 */
const struct ksym *ksyms__map_addr(const struct ksyms *ks, unsigned long addr);

/*
 * Symbols named NAME (in MODULE when not NULL; "vmlinux" means no module).
 * Fills up to MAX pointers into OUT, returns the number of distinct
 * addresses found (may exceed MAX).
 */
size_t ksyms__find(const struct ksyms *ks, const char *name, const char *module,
		   const struct ksym **out, size_t max);

/*
 * Is ADDR inside vmlinux's per-CPU area (__per_cpu_start..__per_cpu_end)? A
 * symbol there is a per-CPU variable: its value in KS is an offset (x86_64's
 * kallsyms) or a template (System.map), never one CPU's copy.
 */
bool ksyms__in_per_cpu_area(const struct ksyms *ks, unsigned long addr);

/* Up to MAX names close to NAME (edit distance, then prefix/substring), best first. */
size_t ksyms__suggest(const struct ksyms *ks, const char *name, const char **out, size_t max);

/*
 * "sym+0xoff [module]" (no module part for vmlinux, "0xADDR" when unknown).
 * Returns what snprintf returns.
 */
int ksyms__format(const struct ksyms *ks, unsigned long addr, char *buf, size_t len);

/* Edit distance of A and B, giving up (returning LIMIT + 1) beyond LIMIT. */
size_t ksyms__edit_distance(const char *a, const char *b, size_t limit);

/*
 * Module variable fallback: the address of NAME in loaded module MODULE (or
 * in any loaded module when MODULE is NULL) from the .ko's ELF symbol table
 * and /sys/module/<mod>/sections/<section>. SYSFS is the /sys/module folder
 * (NULL: "/sys/module"); KO_DIRS a NULL-terminated list of module trees
 * searched for <mod>.ko through their modules.dep, as modprobe does, or,
 * without one, directly inside (NULL: /lib/modules/$(uname -r) and
 * /opt/wpwatch/kmod). Returns 0 and sets *ADDR (and *MODOUT, static storage
 * inside MODBUF), or a negative errno with a reason in WHY:
 *   -ENOENT  no loaded module defines NAME
 *   -ENOTUNIQ defined in several modules (WHY lists them)
 *   -ENOEXEC found only in a .ko that is not loaded, or a section is missing
 *   -EACCES  /sys/module/<mod>/sections is not readable (not root)
 */
int ksyms__module_var(const char *name, const char *module, const char *sysfs,
		      const char *const *ko_dirs, unsigned long *addr, char *modbuf,
		      size_t modlen, char *why, size_t whylen);

/*
 * The KASLR offset of the kernel whose symbols are KS (/proc/kallsyms) with
 * respect to MAP (a System.map, link-time addresses): measured on _stext
 * (or _text), then checked on up to KSYMS_MAP_PROBES vmlinux functions of KS
 * spread over its text, each of which must sit at its kallsyms address minus
 * the offset in MAP. A function MAP does not name at all is skipped; at least
 * KSYMS_MAP_MIN_AGREE must agree and none may disagree. Returns 0 and sets
 * *OFF (and *AGREE), or, with a reason in WHY:
 *   -ENODATA MAP holds no _stext/_text (Debian's placeholder) or KS no text
 *   -ESTALE  MAP is not the running kernel's (some functions disagree)
 */
#define KSYMS_MAP_PROBES 16
#define KSYMS_MAP_MIN_AGREE 8
int ksyms__kaslr_offset(const struct ksyms *ks, const struct ksyms *map, unsigned long *off,
			unsigned int *agree, char *why, size_t whylen);

/*
 * A vmlinux symbol NAME placed through the running kernel's System.map.
 * PATHS: NULL-terminated candidates, tried in order (NULL: perf's places
 * for release R = uname -r: /boot/System.map-R, /usr/lib/debug/boot/
 * System.map-R (Debian's linux-image-R-dbg), /lib/modules/R/build/
 * System.map). The first map that ksyms__kaslr_offset() accepts is used.
 * Returns 0, *ADDR and the map used in FILE; or a negative errno with one
 * line in WHY (naming the file):
 *   -ENODATA no usable map: none found, or only placeholders without symbols
 *   -ESTALE  the maps found belong to another kernel build
 *   -ENOENT  the map has no symbol NAME
 *   -ENOTUNIQ several symbols NAME at different addresses
 *   -EINVAL  NAME is a per-CPU variable (its System.map address is no CPU's copy)
 */
int ksyms__sysmap_var(const struct ksyms *ks, const char *name, const char *const *paths,
		      unsigned long *addr, char *file, size_t filelen, char *why, size_t whylen);

#endif
