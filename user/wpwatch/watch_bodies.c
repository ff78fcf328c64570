// SPDX-License-Identifier: GPL-2.0
/* Moved code for user space: see watch_bodies.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "watch_bodies.h"
#include "grow.h"

/* A body's name, as debugfs prints it (struct rr_body_desc's name[32]). */
#define BODY_NAME_LEN 64

struct copy {
	unsigned long start, end;
	char name[BODY_NAME_LEN];
	char module[BODY_NAME_LEN];	/* "" when unknown */
	bool retired;
};

struct rr_bodies {
	char dir[256];
	bool fresh;
	struct copy *copies;
	size_t n, cap;
};

struct rr_bodies *bodies__new(const char *dir)
{
	struct rr_bodies *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	snprintf(b->dir, sizeof(b->dir), "%s", dir ? dir : "/sys/kernel/debug/rerandom");
	return b;
}

void bodies__free(struct rr_bodies *b)
{
	if (!b)
		return;
	free(b->copies);
	free(b);
}

void bodies__stale(struct rr_bodies *b)
{
	if (b)
		b->fresh = false;
}

/* "START END NAME" lines of FILE, appended. */
static void read_copies(struct rr_bodies *b, const char *file, bool retired)
{
	char path[300], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", b->dir, file);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct copy c = { .retired = retired };

		if (sscanf(line, "%lx %lx %63s", &c.start, &c.end, c.name) != 3 || c.end <= c.start)
			continue;
		if (wpw_grow(&b->copies, &b->cap, b->n + 1, sizeof(*b->copies), 32))
			break;
		b->copies[b->n++] = c;
	}
	fclose(f);
}

/* "NAME tramp X orig Y size S sites N moves M module MOD": each copy's module. */
static void read_modules(struct rr_bodies *b)
{
	char path[300], line[512], name[BODY_NAME_LEN], *mod;
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/layout", b->dir);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s", name) != 1)
			continue;
		mod = strstr(line, " module ");
		if (!mod)
			continue;
		mod += strlen(" module ");
		mod[strcspn(mod, " \n")] = '\0';
		for (i = 0; i < b->n; i++)
			if (!strcmp(b->copies[i].name, name) && !b->copies[i].module[0])
				snprintf(b->copies[i].module, sizeof(b->copies[i].module), "%s", mod);
	}
	fclose(f);
}

static void refresh(struct rr_bodies *b)
{
	b->n = 0;
	read_copies(b, "bodies", false);
	read_copies(b, "retired", true);
	read_modules(b);
	b->fresh = true;
}

bool bodies__lookup(struct rr_bodies *b, unsigned long addr, struct rr_body_sym *out)
{
	size_t i;

	if (!b)
		return false;
	if (!b->fresh)
		refresh(b);
	/* Current copies first: a retired range the allocator reused is someone's current copy. */
	for (i = 0; i < b->n; i++) {
		const struct copy *c = &b->copies[i];

		if (addr < c->start || addr >= c->end)
			continue;
		out->name = c->name;
		out->module = c->module[0] ? c->module : NULL;
		out->off = addr - c->start;
		out->retired = c->retired;
		return true;
	}
	return false;
}
