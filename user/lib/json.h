/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The JSON string writer of every wpwatch command: S as a JSON string
 * literal (RFC 8259), quotes included, for any bytes S holds. Well-formed
 * UTF-8 passes through unchanged ("café" stays "café"); a byte that does
 * not start or continue a well-formed sequence (a stray continuation, an
 * overlong form, a surrogate, anything above U+10FFFF, a cut sequence) is
 * written as \u00XX, its value taken as a Latin-1 character; '"', '\\' and
 * the control characters below 0x20 and 0x7f are escaped. So every line a
 * command prints is valid JSON whatever a task name or symbol holds.
 */
#ifndef WPWATCH_JSON_H
#define WPWATCH_JSON_H

#include <stddef.h>
#include <stdio.h>

/* S (NUL-terminated) as a JSON string into F. */
void json_str(FILE *f, const char *s);
/* The first N bytes of S, or up to a NUL before them (a task's comm[16]). */
void json_strn(FILE *f, const char *s, size_t n);
/* The same into BUF (always terminated when LEN > 0); returns the length it needs, like snprintf. */
size_t json_str_buf(char *buf, size_t len, const char *s);

/*
 * Length of the well-formed UTF-8 sequence at S (at most N bytes), 0 when
 * the byte at S does not start one.
 */
size_t json_utf8_len(const unsigned char *s, size_t n);

#endif
