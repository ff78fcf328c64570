// SPDX-License-Identifier: GPL-2.0
/* Folded stack lines and the stack counter: see output.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"
#include "grow.h"

void folded_append(char *line, size_t len, const char *frame, int first)
{
	size_t n = strlen(line);

	if (!first && n + 1 < len)
		line[n++] = ';';
	for (; *frame && n + 1 < len; frame++)
		line[n++] = (*frame == ';' || *frame == '\n' || *frame == '\r') ? '_' : *frame;
	if (len)
		line[n < len ? n : len - 1] = '\0';
}

/* Open addressing on the key's hash; entries stored densely for sorting. */
struct counter {
	struct counter_entry *e;
	size_t n, cap;
	size_t *slots;		/* index + 1, 0 = empty */
	size_t nslots;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

struct counter *counter_new(void)
{
	return calloc(1, sizeof(struct counter));
}

void counter_free(struct counter *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		free(c->e[i].key);
	free(c->e);
	free(c->slots);
	free(c);
}

static int rehash(struct counter *c)
{
	size_t ns = c->nslots ? c->nslots * 2 : 64, i;
	size_t *s = calloc(ns, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < c->n; i++) {
		size_t j = hash(c->e[i].key) & (ns - 1);

		while (s[j])
			j = (j + 1) & (ns - 1);
		s[j] = i + 1;
	}
	free(c->slots);
	c->slots = s;
	c->nslots = ns;
	return 0;
}

int counter_add(struct counter *c, const char *key, uint64_t n)
{
	size_t j;

	if ((c->n + 1) * 2 > c->nslots && rehash(c))
		return -ENOMEM;
	j = hash(key) & (c->nslots - 1);
	while (c->slots[j]) {
		struct counter_entry *e = &c->e[c->slots[j] - 1];

		if (!strcmp(e->key, key)) {
			e->count += n;
			return 0;
		}
		j = (j + 1) & (c->nslots - 1);
	}
	if (wpw_grow(&c->e, &c->cap, c->n + 1, sizeof(*c->e), 64))
		return -ENOMEM;
	c->e[c->n].key = strdup(key);
	if (!c->e[c->n].key)
		return -ENOMEM;
	c->e[c->n].count = n;
	c->slots[j] = ++c->n;
	return 0;
}

size_t counter_size(const struct counter *c)
{
	return c->n;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct counter_entry *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

const struct counter_entry *counter_sorted(struct counter *c)
{
	if (c->n)
		qsort(c->e, c->n, sizeof(*c->e), cmp_entry);
	/* The slots point at old positions: rebuild them. */
	if (c->nslots) {
		c->nslots /= 2;
		if (rehash(c))
			c->nslots = 0;
	}
	return c->e;
}
