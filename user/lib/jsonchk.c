// SPDX-License-Identifier: GPL-2.0
/* A small strict JSON reader: see jsonchk.h. */
#include <string.h>
#include "jsonchk.h"

struct cur {
	const char *p, *end;
	int depth;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool value(struct cur *c, enum json_type *t);

static bool hex4(const char *p, const char *end)
{
	int i;

	if (end - p < 4)
		return false;
	for (i = 0; i < 4; i++) {
		char h = p[i];

		if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
			return false;
	}
	return true;
}

static bool string(struct cur *c)
{
	if (c->p >= c->end || *c->p != '"')
		return false;
	c->p++;
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p;

		if (ch == '"') {
			c->p++;
			return true;
		}
		if (ch < 0x20)
			return false;
		if (ch == '\\') {
			c->p++;
			if (c->p >= c->end)
				return false;
			if (*c->p == 'u') {
				if (!hex4(c->p + 1, c->end))
					return false;
				c->p += 5;
				continue;
			}
			if (!strchr("\"\\/bfnrt", *c->p) || !*c->p)
				return false;
		}
		c->p++;
	}
	return false;
}

static bool digits(struct cur *c)
{
	const char *s = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > s;
}

static bool number(struct cur *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!digits(c))
		return false;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!digits(c))
			return false;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!digits(c))
			return false;
	}
	return true;
}

static bool word(struct cur *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return false;
	c->p += n;
	return true;
}

static bool value(struct cur *c, enum json_type *t)
{
	enum json_type dummy;

	ws(c);
	if (c->p >= c->end || c->depth > 64)
		return false;
	switch (*c->p) {
	case '{':
		*t = JSON_OBJECT;
		c->p++;
		c->depth++;
		ws(c);
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			c->depth--;
			return true;
		}
		for (;;) {
			ws(c);
			if (!string(c))
				return false;
			ws(c);
			if (c->p >= c->end || *c->p != ':')
				return false;
			c->p++;
			if (!value(c, &dummy))
				return false;
			ws(c);
			if (c->p < c->end && *c->p == ',') {
				c->p++;
				continue;
			}
			if (c->p < c->end && *c->p == '}') {
				c->p++;
				c->depth--;
				return true;
			}
			return false;
		}
	case '[':
		*t = JSON_ARRAY;
		c->p++;
		c->depth++;
		ws(c);
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			c->depth--;
			return true;
		}
		for (;;) {
			if (!value(c, &dummy))
				return false;
			ws(c);
			if (c->p < c->end && *c->p == ',') {
				c->p++;
				continue;
			}
			if (c->p < c->end && *c->p == ']') {
				c->p++;
				c->depth--;
				return true;
			}
			return false;
		}
	case '"':
		*t = JSON_STRING;
		return string(c);
	case 't':
		*t = JSON_BOOL;
		return word(c, "true");
	case 'f':
		*t = JSON_BOOL;
		return word(c, "false");
	case 'n':
		*t = JSON_NULL;
		return word(c, "null");
	default:
		*t = JSON_NUMBER;
		return number(c);
	}
}

bool json_parse(const char *s, size_t len, struct json_span *out)
{
	struct cur c = { s, s + len, 0 };
	const char *start;

	ws(&c);
	start = c.p;
	if (!value(&c, &out->type))
		return false;
	out->p = start;
	out->len = c.p - start;
	ws(&c);
	return c.p == c.end;
}

bool json_valid(const char *s, size_t len)
{
	struct json_span sp;

	return json_parse(s, len, &sp);
}

/* Walk the members (object) or elements (array) of a valid span. */
static bool nth(const struct json_span *in, size_t want, const char *key, struct json_span *out)
{
	struct cur c = { in->p + 1, in->p + in->len - 1, 0 };
	size_t i = 0;

	ws(&c);
	while (c.p < c.end) {
		const char *k = NULL, *v;
		size_t klen = 0;

		if (in->type == JSON_OBJECT) {
			k = c.p + 1;
			string(&c);
			klen = c.p - 1 - k;
			ws(&c);
			c.p++;	/* ':' */
			ws(&c);
		}
		v = c.p;
		if (!value(&c, &out->type))
			return false;
		out->p = v;
		out->len = c.p - v;
		if (key ? (klen == strlen(key) && !memcmp(k, key, klen)) : i == want)
			return true;
		i++;
		ws(&c);
		if (c.p < c.end && *c.p == ',')
			c.p++;
		ws(&c);
	}
	return false;
}

bool json_member(const struct json_span *obj, const char *key, struct json_span *out)
{
	return obj->type == JSON_OBJECT && nth(obj, 0, key, out);
}

bool json_element(const struct json_span *arr, size_t i, struct json_span *out)
{
	return arr->type == JSON_ARRAY && nth(arr, i, NULL, out);
}

static int hexval(char h)
{
	return h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10;
}

bool json_string(const struct json_span *str, char *buf, size_t buflen)
{
	const char *p = str->p + 1, *end = str->p + str->len - 1;
	size_t n = 0;

	if (str->type != JSON_STRING || !buflen)
		return false;
	while (p < end) {
		char ch = *p++;

		if (ch == '\\') {
			ch = *p++;
			switch (ch) {
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'u': {
				int v = hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 |
					hexval(p[3]);

				p += 4;
				if (v > 0xff)
					return false;
				ch = (char)v;
				break;
			}
			default: break;	/* " \ / */
			}
		}
		if (n + 1 >= buflen)
			return false;
		buf[n++] = ch;
	}
	buf[n] = '\0';
	return true;
}
