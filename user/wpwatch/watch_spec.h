/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What to watch: SPEC is [MODULE:]SYMBOL[+OFFSET][:LEN] or 0xADDRESS[:LEN],
 * and the split of a byte range into aligned hardware watchpoint slots.
 */
#ifndef WPWATCH_WATCH_SPEC_H
#define WPWATCH_WATCH_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#define SPEC_TEXT_MAX 160
#define SPEC_NAME_MAX 128
#define SPEC_MODULE_MAX 64
#define SPEC_LEN_MAX 4096
#define SPEC_LEN_DEFAULT 8

struct watch_spec {
	char text[SPEC_TEXT_MAX];	/* as given */
	char symbol[SPEC_NAME_MAX];	/* empty for 0xADDRESS */
	char module[SPEC_MODULE_MAX];	/* empty when not qualified */
	unsigned long addr;		/* 0xADDRESS, or the symbol's address once resolved */
	unsigned long offset;		/* +OFFSET */
	unsigned long len;		/* :LEN, default 8 */
	bool has_len;
};

/* Parse S into SPEC. 0, or -EINVAL with a one-line reason in ERR. */
int spec_parse(const char *s, struct watch_spec *spec, char *err, size_t errlen);

struct watch_chunk {
	unsigned long addr;
	unsigned long len;	/* a power of two, addr aligned to it */
};

/*
 * Cover [ADDR, ADDR+LEN) with aligned power-of-two chunks of at most MAXLEN
 * bytes (8 for a hardware watchpoint), fewest first-fit. Fills up to MAX
 * chunks and returns how many are needed (may exceed MAX), 0 when LEN is 0.
 */
size_t spec_split(unsigned long addr, unsigned long len, unsigned long maxlen,
		  struct watch_chunk *out, size_t max);

#endif
