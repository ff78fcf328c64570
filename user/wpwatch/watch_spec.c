// SPDX-License-Identifier: GPL-2.0
/* SPEC parsing and range splitting: see watch_spec.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "watch_spec.h"

/* A whole number, decimal or 0x-hex; false unless all of [S, S+N) is one. */
static bool parse_num(const char *s, size_t n, unsigned long *v)
{
	char buf[32], *end;

	if (!n || n >= sizeof(buf) || !isdigit((unsigned char)s[0]))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		if (!isxdigit((unsigned char)buf[2]))
			return false;
	} else if (buf[0] == '-' || buf[0] == '+') {
		return false;
	}
	errno = 0;
	*v = strtoul(buf, &end, 0);
	return !errno && *end == '\0';
}

static bool is_symbol(const char *s, size_t n)
{
	size_t i;

	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == '.'))
		return false;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '$'))
			return false;
	return true;
}

static bool is_module(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -EINVAL; } while (0)

int spec_parse(const char *s, struct watch_spec *spec, char *err, size_t errlen)
{
	const char *end, *colon, *plus, *name, *mcolon;
	size_t n = strlen(s), name_len;

	memset(spec, 0, sizeof(*spec));
	spec->len = SPEC_LEN_DEFAULT;
	if (!n)
		FAIL("empty SPEC: give SYMBOL[+OFFSET][:LEN] or 0xADDRESS[:LEN]");
	if (n >= SPEC_TEXT_MAX)
		FAIL("SPEC is too long (%zu characters, at most %d)", n, SPEC_TEXT_MAX - 1);
	memcpy(spec->text, s, n + 1);
	end = s + n;

	/* :LEN, the last colon followed by a number */
	colon = strrchr(s, ':');
	if (colon && colon + 1 < end && isdigit((unsigned char)colon[1])) {
		if (!parse_num(colon + 1, end - colon - 1, &spec->len))
			FAIL("'%s': bad LEN '%s': a number of bytes, like :8 or :0x20", s, colon + 1);
		if (spec->len == 0 || spec->len > SPEC_LEN_MAX)
			FAIL("'%s': LEN %s is out of range: 1 to %d bytes", s, colon + 1,
			     SPEC_LEN_MAX);
		spec->has_len = true;
		end = colon;
	} else if (colon && colon + 1 == end) {
		FAIL("'%s': nothing after ':': give a LEN in bytes, like :8", s);
	}

	if (end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!parse_num(s, end - s, &spec->addr))
			FAIL("'%s': bad address: write it as 0x followed by hex digits", s);
		if (!spec->addr)
			FAIL("'%s': address 0 cannot be watched", s);
		goto range;
	}
	if (isdigit((unsigned char)s[0]))
		FAIL("'%s': an address must start with 0x (hexadecimal)", s);

	/* [MODULE:]SYMBOL[+OFFSET] */
	name = s;
	mcolon = memchr(s, ':', end - s);
	if (mcolon) {
		if (!is_module(s, mcolon - s))
			FAIL("'%s': bad module name '%.*s' before ':'", s, (int)(mcolon - s), s);
		if ((size_t)(mcolon - s) >= SPEC_MODULE_MAX)
			FAIL("'%s': module name too long", s);
		memcpy(spec->module, s, mcolon - s);
		name = mcolon + 1;
		if (memchr(name, ':', end - name))
			FAIL("'%s': too many ':' (SPEC is [MODULE:]SYMBOL[+OFFSET][:LEN])", s);
	}
	plus = memchr(name, '+', end - name);
	name_len = (plus ? plus : end) - name;
	if (!is_symbol(name, name_len))
		FAIL("'%s': bad symbol name '%.*s' (letters, digits, '_', '.'; not a digit first)",
		     s, (int)name_len, name);
	if (name_len >= SPEC_NAME_MAX)
		FAIL("'%s': symbol name too long", s);
	memcpy(spec->symbol, name, name_len);
	if (plus && !parse_num(plus + 1, end - plus - 1, &spec->offset))
		FAIL("'%s': bad OFFSET '%.*s': a number of bytes, like +8 or +0x40", s,
		     (int)(end - plus - 1), plus + 1);
	if (spec->offset > (1UL << 30))
		FAIL("'%s': OFFSET is too large", s);
	return 0;
range:
	if (spec->addr + spec->len < spec->addr)
		FAIL("'%s': the range wraps around the end of the address space", s);
	return 0;
}

size_t spec_split(unsigned long addr, unsigned long len, unsigned long maxlen,
		  struct watch_chunk *out, size_t max)
{
	size_t n = 0;

	while (len) {
		unsigned long c = maxlen;

		/* the largest power of two <= maxlen that addr is aligned to and fits */
		while (c > 1 && ((addr & (c - 1)) || c > len))
			c >>= 1;
		if (n < max) {
			out[n].addr = addr;
			out[n].len = c;
		}
		n++;
		addr += c;
		len -= c;
	}
	return n;
}
