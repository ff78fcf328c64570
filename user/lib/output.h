/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output helpers shared by wpwatch commands: folded stack lines for
 * flamegraph.pl, counting of distinct keys (stacks) reported most frequent
 * first, an output buffer that lines are built in and written out with one
 * write(2) per batch, and a map from fixed-size binary keys (stack ids) to
 * a 64-bit value (a count, a cached rendering). JSON strings: json.h. The
 * buffer is every command's one writer (runner.h).
 */
#ifndef WPWATCH_OUTPUT_H
#define WPWATCH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

/*
 * Append one frame to a folded stack line: ';' separates frames, so ';' and
 * line breaks inside a name become '_'. FIRST: no leading ';'.
 */
void folded_append(char *line, size_t len, const char *frame, int first);

struct counter_entry {
	char *key;
	uint64_t count;
};

struct counter;

struct counter *counter_new(void);
void counter_free(struct counter *c);
/* Add N to KEY's count; -ENOMEM on failure. */
int counter_add(struct counter *c, const char *key, uint64_t n);
size_t counter_size(const struct counter *c);
/* The entries, most frequent first (ties: by key); valid until the next add/free. */
const struct counter_entry *counter_sorted(struct counter *c);

/*
 * An output buffer: lines are appended, obuf_flush() writes them to FD with
 * as few write(2) calls as the kernel allows. Appending never fails: when
 * memory runs out the buffer is flushed first, and a failed write or
 * allocation is remembered (err, an errno) and reported by obuf_flush().
 *
 * Bounded at the stop: once *stop is set (a signal handler sets it, and the
 * handler is installed without SA_RESTART so that a blocked write returns),
 * flushes wait for the reader GRACE seconds in all, then give up: what is
 * left, and everything appended after, is not written but counted
 * (unwritten_bytes, and unwritten_marks: the marks, one per event, whose
 * bytes were not all written). A reader that stops reading (a pager left
 * alone, a stalled pipe) then cannot hold the process after Ctrl-C.
 */
struct obuf {
	char *buf;
	size_t len, cap;
	int fd;
	int err;
	const volatile sig_atomic_t *stop;	/* NULL: writes block as long as they must */
	double grace, deadline;			/* seconds; deadline: CLOCK_MONOTONIC, 0 unset */
	bool no_reader;				/* fd is a regular file (set at the stop) */
	bool gave_up;
	size_t *marks, nmarks, marks_cap;	/* ends of the events in buf */
	uint64_t unwritten_bytes, unwritten_marks;
};

void obuf_init(struct obuf *b, int fd);
void obuf_free(struct obuf *b);
/* 0, or the first -errno a write or allocation met since the last call. */
int obuf_flush(struct obuf *b);
/* An event ends here (its bytes are whole in the output, or counted unwritten). */
void obuf_mark(struct obuf *b);
void obuf_put(struct obuf *b, const char *s, size_t n);
void obuf_str(struct obuf *b, const char *s);
void obuf_char(struct obuf *b, char c);
void obuf_u64(struct obuf *b, uint64_t v);		/* decimal */
void obuf_hex(struct obuf *b, uint64_t v);		/* 0x..., lower case */
void obuf_hex_pad(struct obuf *b, uint64_t v, int width);	/* %*llx: no 0x, space-padded */
void obuf_dec_pad0(struct obuf *b, uint64_t v, int width);	/* %0*llu */
/* S (at most N bytes, up to a NUL) as a JSON string literal (json.h's rules). */
void obuf_json_strn(struct obuf *b, const char *s, size_t n);
/*
 * A stdio stream whose every write appends to B (unbuffered: the bytes are in
 * B when the call returns), for printf-style output into the same buffer;
 * fclose() it before obuf_free(). NULL when out of memory.
 */
FILE *obuf_stream(struct obuf *b);

/* A map from keys of a fixed size (bytes compared) to a 64-bit value. */
struct kmap;

struct kmap *kmap_new(size_t key_size);
void kmap_free(struct kmap *m);
/*
 * The value of KEY; when absent and CREATE, a new entry with value 0 (and
 * *created set when CREATED is not NULL). NULL when absent (or out of memory).
 * Valid until the next call that creates an entry.
 */
uint64_t *kmap_get(struct kmap *m, const void *key, bool create, bool *created);
size_t kmap_size(const struct kmap *m);
/* The I-th entry (0 <= I < kmap_size()), in the order of creation. */
const void *kmap_key(const struct kmap *m, size_t i);
uint64_t kmap_value(const struct kmap *m, size_t i);

#endif
