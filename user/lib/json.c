// SPDX-License-Identifier: GPL-2.0
/* The JSON string writer: see json.h. */
#include <string.h>
#include "json.h"

size_t json_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (!n)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;	/* a continuation byte, 0xc0/0xc1 (overlong) or 0xf5.. */
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong 3- and 4-byte forms, UTF-16 surrogates, beyond Unicode */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* One writer for both sinks: a FILE, or a buffer that counts what it needs. */
struct sink {
	FILE *f;
	char *buf;
	size_t len, n;
};

static void put(struct sink *k, const char *s, size_t n)
{
	size_t i;

	if (k->f) {
		fwrite(s, 1, n, k->f);
		return;
	}
	for (i = 0; i < n; i++, k->n++)
		if (k->n + 1 < k->len)
			k->buf[k->n] = s[i];
}

static void write_str(struct sink *k, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, ul;

	put(k, "\"", 1);
	while (i < n && s[i]) {
		char esc[8];

		switch (s[i]) {
		case '"': put(k, "\\\"", 2); i++; continue;
		case '\\': put(k, "\\\\", 2); i++; continue;
		case '\n': put(k, "\\n", 2); i++; continue;
		case '\r': put(k, "\\r", 2); i++; continue;
		case '\t': put(k, "\\t", 2); i++; continue;
		case '\b': put(k, "\\b", 2); i++; continue;
		case '\f': put(k, "\\f", 2); i++; continue;
		}
		ul = s[i] < 0x20 || s[i] == 0x7f ? 0 : json_utf8_len(s + i, strnlen(str + i, n - i));
		if (ul) {
			put(k, str + i, ul);
			i += ul;
			continue;
		}
		snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
		put(k, esc, 6);
		i++;
	}
	put(k, "\"", 1);
}

void json_strn(FILE *f, const char *s, size_t n)
{
	struct sink k = { .f = f };

	write_str(&k, s, n);
}

void json_str(FILE *f, const char *s)
{
	json_strn(f, s, strlen(s));
}

size_t json_str_buf(char *buf, size_t len, const char *s)
{
	struct sink k = { .buf = buf, .len = len };

	write_str(&k, s, strlen(s));
	if (len)
		buf[k.n < len ? k.n : len - 1] = '\0';
	return k.n;
}
