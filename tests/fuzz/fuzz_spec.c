// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the SPEC parser (user/wpwatch/watch_spec.c): any byte string
 * either parses into a consistent spec or fails with a message; the split of
 * what parsed covers the range exactly with aligned power-of-two chunks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "watch_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct watch_chunk ch[SPEC_LEN_MAX / 8 + 8];
	struct watch_spec s;
	char err[256], *str;
	size_t n, i;
	unsigned long at;

	str = malloc(size + 1);
	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	err[0] = '\0';
	if (spec_parse(str, &s, err, sizeof(err))) {
		if (!err[0] || strlen(err) >= sizeof(err))
			abort();	/* a failure always says why */
		free(str);
		return 0;
	}
	if (s.len == 0 || s.len > SPEC_LEN_MAX || strcmp(s.text, str))
		abort();
	if (!s.symbol[0] && !s.addr)
		abort();
	if (s.symbol[0] && strlen(s.symbol) >= SPEC_NAME_MAX)
		abort();
	if (!s.symbol[0]) {
		n = spec_split(s.addr, s.len, 8, ch, sizeof(ch) / sizeof(ch[0]));
		if (n > sizeof(ch) / sizeof(ch[0]))
			abort();	/* LEN <= SPEC_LEN_MAX never needs more than LEN/8 + 6 */
		at = s.addr;
		for (i = 0; i < n; i++) {
			if (ch[i].addr != at || !ch[i].len || ch[i].len > 8 ||
			    (ch[i].len & (ch[i].len - 1)) || (ch[i].addr & (ch[i].len - 1)))
				abort();
			at += ch[i].len;
		}
		if (at != s.addr + s.len)
			abort();
	}
	free(str);
	return 0;
}
