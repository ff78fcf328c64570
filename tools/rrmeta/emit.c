// SPDX-License-Identifier: GPL-2.0
/*
 * emit.c: the rows of the generated C table that rrmeta's two paths share
 * (rrmeta.c's emit() for SPECIAL_FUNCTION, auto.c's auto_emit() for
 * --auto): a body's sites as a struct rr_site array and its struct
 * rr_body_desc row, both as kmod/include/rerandom.h declares them. Each path
 * names its own symbols (a body's trampoline, code and slot), so they are
 * passed in.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rrmeta.h"

void emit_c_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void emit_sites(FILE *f, const char *array, struct body *b)
{
	size_t k;

	if (!b->nsites)
		return;
	/* sorted by offset: the core patches them in one walk of the copy */
	qsort(b->sites, b->nsites, sizeof(*b->sites), cmp_site);
	fprintf(f, "static const struct rr_site %s[] = {\n", array);
	for (k = 0; k < b->nsites; k++)
		fprintf(f, "\t{ %#lx, %s, { %#x, %#x }, %d },\n",
			b->sites[k].off, kind_name(b->sites[k].kind),
			b->sites[k].op[0], b->sites[k].op[1],
			b->sites[k].oplen);
	fprintf(f, "};\n");
}

void emit_body_row(FILE *f, const char *name, const char *tramp,
		   const char *code, const char *slot, const char *sites,
		   const struct body *b)
{
	fprintf(f, "\t{ ");
	emit_c_string(f, name);
	fprintf(f, ", %s, %s, &%s, %lu, %zu, %s },\n", tramp, code, slot,
		b->size, b->nsites, b->nsites ? sites : "NULL");
}
