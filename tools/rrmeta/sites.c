// SPDX-License-Identifier: GPL-2.0
/*
 * sites.c: what rrmeta's two paths (rrmeta.c's SPECIAL_FUNCTION, auto.c's
 * --auto) share about a body's relocations: which ones are sites to fix when
 * the body moves and of which kind (classify(), add_site() with the x86
 * opcode before the field), which calls make a body touch user memory
 * (is_user_access()), the order and names the generated table gives the
 * sites (cmp_site(), kind_name()), and die(), the one way out on a usage or
 * I/O error (status 2). Which relocation types a body may have and the
 * user-memory rule are therefore the same on both paths; which sections may
 * refer to a body is policy.c's table.
 */
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrmeta.h"

#ifndef R_AARCH64_ABS64
#define R_AARCH64_ABS64 257
#endif

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("rrmeta: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void add_site(struct body *b, unsigned long off, int kind,
	      const unsigned char *code, size_t codelen)
{
	struct site *s;

	b->sites = realloc(b->sites, (b->nsites + 1) * sizeof(*b->sites));
	if (!b->sites)
		die("out of memory");
	s = &b->sites[b->nsites++];
	memset(s, 0, sizeof(*s));
	s->off = off;
	s->kind = kind;
	if (kind != SITE_X86_REL32 || !code)
		return;
	if (off >= 1 && off < codelen && (code[off - 1] == 0xe8 ||
					  code[off - 1] == 0xe9)) {
		s->op[0] = code[off - 1];
		s->oplen = 1;
	} else if (off >= 2 && off < codelen && code[off - 2] == 0x0f &&
		   (code[off - 1] & 0xf0) == 0x80) {
		s->op[0] = 0x0f;
		s->op[1] = code[off - 1];
		s->oplen = 2;
	}
}

/*
 * User-memory access, refused by policy even when out of line: a body that
 * calls _copy_from_user() has no __ex_table entry of its own in Debian's 6.1
 * (the fixups are in the kernel's copy), but the same source compiles to
 * inline accesses with fixups in the body on kernels with
 * INLINE_COPY_{FROM,TO}_USER, and get_user()/put_user() are inline on arm64.
 * One rule for every kernel config: bodies never touch user memory.
 */
bool is_user_access(const char *sym)
{
	static const char *const prefixes[] = {
		"_copy_from_user", "_copy_to_user", "copy_from_user", "copy_to_user",
		"__copy_from_user", "__copy_to_user", "raw_copy_from_user", "raw_copy_to_user",
		"__arch_copy_from_user", "__arch_copy_to_user", "copy_user_",
		"__get_user_", "__put_user_", "strncpy_from_user", "strnlen_user",
		"clear_user", "__clear_user", "__arch_clear_user", "copy_in_user",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(sym, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* kind of site for a relocation out of a body; 0: none needed; -1: refused */
int classify(int machine, unsigned int type)
{
	if (machine == EM_X86_64) {
		switch (type) {
		case R_X86_64_PC32:
		case R_X86_64_PLT32:
			return SITE_X86_REL32;
		case R_X86_64_64:
		case R_X86_64_32:
		case R_X86_64_32S:
			return 0;
		}
		return -1;
	}
	switch (type) {
	case R_AARCH64_CALL26:
	case R_AARCH64_JUMP26:
		return SITE_A64_BRANCH26;
	case R_AARCH64_ADR_PREL_PG_HI21:
	case R_AARCH64_ADR_PREL_PG_HI21_NC:
		return SITE_A64_ADRP;
	case R_AARCH64_ADR_PREL_LO21:
		return SITE_A64_ADR;
	case R_AARCH64_ADD_ABS_LO12_NC:
	case R_AARCH64_LDST8_ABS_LO12_NC:
	case R_AARCH64_LDST16_ABS_LO12_NC:
	case R_AARCH64_LDST32_ABS_LO12_NC:
	case R_AARCH64_LDST64_ABS_LO12_NC:
	case R_AARCH64_LDST128_ABS_LO12_NC:
	case R_AARCH64_MOVW_UABS_G0:
	case R_AARCH64_MOVW_UABS_G0_NC:
	case R_AARCH64_MOVW_UABS_G1:
	case R_AARCH64_MOVW_UABS_G1_NC:
	case R_AARCH64_MOVW_UABS_G2:
	case R_AARCH64_MOVW_UABS_G2_NC:
	case R_AARCH64_MOVW_UABS_G3:
	case R_AARCH64_ABS64:
		return 0;
	}
	return -1;
}

int cmp_site(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

const char *kind_name(int k)
{
	switch (k) {
	case SITE_X86_REL32 | SITE_ALT: return "RR_SITE_X86_REL32 | RR_SITE_ALT";
	case SITE_A64_BRANCH26 | SITE_ALT: return "RR_SITE_A64_BRANCH26 | RR_SITE_ALT";
	case SITE_A64_ADRP | SITE_ALT: return "RR_SITE_A64_ADRP | RR_SITE_ALT";
	case SITE_A64_ADR | SITE_ALT: return "RR_SITE_A64_ADR | RR_SITE_ALT";
	case SITE_X86_REL32: return "RR_SITE_X86_REL32";
	case SITE_A64_BRANCH26: return "RR_SITE_A64_BRANCH26";
	case SITE_A64_ADRP: return "RR_SITE_A64_ADRP";
	default: return "RR_SITE_A64_ADR";
	}
}
