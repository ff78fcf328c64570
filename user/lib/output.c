// SPDX-License-Identifier: GPL-2.0
/* Folded stack lines, the stack counter, the output buffer, the key map: see output.h. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "output.h"
#include "grow.h"
#include "json.h"

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

void obuf_init(struct obuf *b, int fd)
{
	memset(b, 0, sizeof(*b));
	b->fd = fd;
}

void obuf_free(struct obuf *b)
{
	free(b->buf);
	free(b->marks);
	b->buf = NULL;
	b->marks = NULL;
	b->len = b->cap = b->nmarks = b->marks_cap = 0;
}

static double mono_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * One write(2) of what is left from OFF. After the stop, only once poll(2)
 * says the reader has room, and at most PIPE_BUF bytes, which a pipe with
 * room takes without blocking; past the deadline, give up (-1, errno 0).
 */
static ssize_t write_some(struct obuf *b, size_t off)
{
	size_t n = b->len - off;
	struct pollfd p = { .fd = b->fd, .events = POLLOUT };
	double left;
	int ready;

	if (!b->stop || !*b->stop)
		return write(b->fd, b->buf + off, n);
	if (!b->deadline) {
		struct stat st;

		b->deadline = mono_now() + b->grace;
		/* a regular file has no reader to wait for: its writes never
		 * block, and a loaded machine that renders the last report
		 * after the grace must not lose it */
		b->no_reader = !fstat(b->fd, &st) && S_ISREG(st.st_mode);
	}
	if (b->no_reader)
		return write(b->fd, b->buf + off, n);
	left = b->deadline - mono_now();
	ready = left > 0 ? poll(&p, 1, (int)(left * 1000) + 1) : 0;
	if (ready < 0)
		return -1;	/* EINTR: the caller tries again, with less time left */
	if (!ready) {
		b->gave_up = true;
		errno = 0;
		return -1;
	}
	return write(b->fd, b->buf + off, n < PIPE_BUF ? n : PIPE_BUF);
}

int obuf_flush(struct obuf *b)
{
	size_t off = 0, i;
	int err;

	while (off < b->len && !b->gave_up) {
		ssize_t n = write_some(b, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && b->gave_up)
			break;
		if (n <= 0) {
			if (!b->err)
				b->err = n < 0 ? errno : EIO;
			break;
		}
		off += n;
	}
	if (off < b->len) {
		b->unwritten_bytes += b->len - off;
		for (i = 0; i < b->nmarks; i++)
			b->unwritten_marks += b->marks[i] > off;
	}
	b->len = 0;
	b->nmarks = 0;
	err = b->err;
	b->err = 0;
	return -err;
}

void obuf_mark(struct obuf *b)
{
	if (b->gave_up) {
		b->unwritten_marks++;
		return;
	}
	if (b->nmarks == b->marks_cap &&
	    wpw_grow(&b->marks, &b->marks_cap, b->nmarks + 1, sizeof(*b->marks), 1024)) {
		if (!b->err)
			b->err = ENOMEM;	/* said at the next flush; this event uncounted */
		return;
	}
	b->marks[b->nmarks++] = b->len;
}

/* Room for N more bytes, or -1 (then the caller writes what fits of it). */
static int reserve(struct obuf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return 0;
	if (!wpw_grow(&b->buf, &b->cap, b->len + n, 1, 65536))
		return 0;
	if (!b->err)
		b->err = ENOMEM;
	if (b->len)
		obuf_flush(b);
	return b->len + n <= b->cap ? 0 : -1;
}

void obuf_put(struct obuf *b, const char *s, size_t n)
{
	if (b->gave_up) {
		b->unwritten_bytes += n;
		return;
	}
	while (n && reserve(b, n)) {
		/* out of memory: write through in pieces the buffer holds */
		size_t part = b->cap - b->len;

		if (!part) {
			ssize_t w = write(b->fd, s, n);

			if (w <= 0)
				return;
			s += w;
			n -= w;
			continue;
		}
		memcpy(b->buf + b->len, s, part);
		b->len += part;
		s += part;
		n -= part;
		obuf_flush(b);
	}
	if (n) {
		memcpy(b->buf + b->len, s, n);
		b->len += n;
	}
}

void obuf_str(struct obuf *b, const char *s)
{
	obuf_put(b, s, strlen(s));
}

void obuf_char(struct obuf *b, char c)
{
	if (b->len < b->cap)
		b->buf[b->len++] = c;
	else
		obuf_put(b, &c, 1);
}

void obuf_u64(struct obuf *b, uint64_t v)
{
	char d[20];
	int i = sizeof(d);

	do {
		d[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	obuf_put(b, d + i, sizeof(d) - i);
}

void obuf_dec_pad0(struct obuf *b, uint64_t v, int width)
{
	char d[24];
	int i = sizeof(d);

	do {
		d[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	while ((int)sizeof(d) - i < width && i > 0)
		d[--i] = '0';
	obuf_put(b, d + i, sizeof(d) - i);
}

static int hex_digits(uint64_t v, char *d, int size)
{
	int i = size;

	do {
		d[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	return i;
}

void obuf_hex(struct obuf *b, uint64_t v)
{
	char d[18];
	int i = hex_digits(v, d, sizeof(d));

	d[--i] = 'x';
	d[--i] = '0';
	obuf_put(b, d + i, sizeof(d) - i);
}

void obuf_hex_pad(struct obuf *b, uint64_t v, int width)
{
	char d[32];
	int i = hex_digits(v, d, sizeof(d));

	while ((int)sizeof(d) - i < width && i > 0)
		d[--i] = ' ';
	obuf_put(b, d + i, sizeof(d) - i);
}

static ssize_t stream_write(void *cookie, const char *s, size_t n)
{
	obuf_put(cookie, s, n);
	return n;
}

FILE *obuf_stream(struct obuf *b)
{
	cookie_io_functions_t io = { .write = stream_write };
	FILE *f = fopencookie(b, "w", io);

	if (f)
		setvbuf(f, NULL, _IONBF, 0);
	return f;
}

void obuf_json_strn(struct obuf *b, const char *s, size_t n)
{
	char small[256], *t = small;
	size_t need;

	/* json_str_buf() takes a NUL-terminated string: copy the N bytes first */
	if (n >= sizeof(small)) {
		t = malloc(n + 1);
		if (!t) {
			b->err = b->err ? b->err : ENOMEM;
			return;
		}
	}
	memcpy(t, s, n);
	t[n] = '\0';
	need = json_str_buf(NULL, 0, t);
	if (!reserve(b, need + 1)) {
		json_str_buf(b->buf + b->len, need + 1, t);
		b->len += need;
	}
	if (t != small)
		free(t);
}

/* Open addressing on a hash of the key bytes; entries stored densely. */
struct kmap {
	size_t key_size, stride;	/* stride: key rounded up to 8, then the value */
	unsigned char *e;
	size_t n, cap;
	size_t *slots;		/* index + 1, 0 = empty */
	size_t nslots;
};

static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h ^ (h >> 29);
}

struct kmap *kmap_new(size_t key_size)
{
	struct kmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->key_size = key_size;
	m->stride = ((key_size + 7) & ~(size_t)7) + sizeof(uint64_t);
	return m;
}

void kmap_free(struct kmap *m)
{
	if (!m)
		return;
	free(m->e);
	free(m->slots);
	free(m);
}

static unsigned char *entry(const struct kmap *m, size_t i)
{
	return m->e + i * m->stride;
}

static uint64_t *entry_value(const struct kmap *m, size_t i)
{
	return (uint64_t *)(entry(m, i) + m->stride - sizeof(uint64_t));
}

static int kmap_rehash(struct kmap *m)
{
	size_t ns = m->nslots ? m->nslots * 2 : 64, i;
	size_t *s = calloc(ns, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < m->n; i++) {
		size_t j = hash_bytes(entry(m, i), m->key_size) & (ns - 1);

		while (s[j])
			j = (j + 1) & (ns - 1);
		s[j] = i + 1;
	}
	free(m->slots);
	m->slots = s;
	m->nslots = ns;
	return 0;
}

uint64_t *kmap_get(struct kmap *m, const void *key, bool create, bool *created)
{
	size_t j;

	if (created)
		*created = false;
	if (!m->nslots && (!create || kmap_rehash(m)))
		return NULL;
	j = hash_bytes(key, m->key_size) & (m->nslots - 1);
	while (m->slots[j]) {
		size_t i = m->slots[j] - 1;

		if (!memcmp(entry(m, i), key, m->key_size))
			return entry_value(m, i);
		j = (j + 1) & (m->nslots - 1);
	}
	if (!create)
		return NULL;
	if ((m->n + 1) * 2 > m->nslots) {
		if (kmap_rehash(m))
			return NULL;
		return kmap_get(m, key, create, created);
	}
	if (wpw_grow(&m->e, &m->cap, m->n + 1, m->stride, 64))
		return NULL;
	memset(entry(m, m->n), 0, m->stride);
	memcpy(entry(m, m->n), key, m->key_size);
	m->slots[j] = ++m->n;
	if (created)
		*created = true;
	return entry_value(m, m->n - 1);
}

size_t kmap_size(const struct kmap *m)
{
	return m->n;
}

const void *kmap_key(const struct kmap *m, size_t i)
{
	return entry(m, i);
}

uint64_t kmap_value(const struct kmap *m, size_t i)
{
	return *entry_value(m, i);
}
