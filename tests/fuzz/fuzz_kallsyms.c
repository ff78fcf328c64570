// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for the kallsyms parser and symbolizer (user/lib/ksyms.c). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "ksyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ksym *out[4];
	const char *close[3];
	struct ksyms *ks;
	char buf[256];
	size_t i;
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	ks = ksyms__parse(f);
	fclose(f);
	if (!ks)
		return 0;
	for (i = 0; i < ksyms__count(ks) && i < 8; i++) {
		const struct ksym *s = ksyms__at(ks, i);

		ksyms__format(ks, s->addr + 1, buf, sizeof(buf));
		ksyms__find(ks, s->name, s->module, out, 4);
		ksyms__suggest(ks, s->name, close, 3);
	}
	ksyms__format(ks, 0xffffffff81000000UL, buf, sizeof(buf));
	ksyms__free(ks);
	return 0;
}
