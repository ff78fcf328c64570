// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel symbols for user space: /proc/kallsyms (or a file in its format)
 * parsed, sorted and searched by address and by name, with suggestions for
 * a misspelt name. Variables kallsyms does not list: kvars.c. See ksyms.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

bool ksyms__in_per_cpu_area(const struct ksyms *ks, unsigned long addr)
{
	const struct ksym *start[1], *end[1];

	return ksyms__find(ks, "__per_cpu_start", NULL, start, 1) == 1 &&
	       ksyms__find(ks, "__per_cpu_end", NULL, end, 1) == 1 &&
	       addr >= start[0]->addr && addr < end[0]->addr;
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
