// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/lib/output.c: folded lines, counting distinct stacks, the
 * output buffer (and its bounded writes after a stop), the key map.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "output.h"

static void test_folded(void **state)
{
	char line[64] = "";

	(void)state;
	folded_append(line, sizeof(line), "my;comm", 1);
	folded_append(line, sizeof(line), "vfs_write", 0);
	folded_append(line, sizeof(line), "bad\nname", 0);
	assert_string_equal(line, "my_comm;vfs_write;bad_name");
	/* never overflows */
	folded_append(line, 30, "0123456789", 0);
	assert_int_equal(strlen(line), 29);
}

static void test_counter(void **state)
{
	struct counter *c = counter_new();
	const struct counter_entry *e;
	char key[32];
	int i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i % 100);
		assert_int_equal(counter_add(c, key, i % 100 == 7 ? 5 : 1), 0);
	}
	assert_int_equal(counter_size(c), 100);
	e = counter_sorted(c);
	assert_string_equal(e[0].key, "k7");
	assert_int_equal(e[0].count, 50);
	assert_int_equal(e[1].count, 10);
	/* still usable after sorting */
	assert_int_equal(counter_add(c, "k7", 1), 0);
	assert_int_equal(counter_add(c, "new", 1), 0);
	assert_int_equal(counter_size(c), 101);
	e = counter_sorted(c);
	assert_int_equal(e[0].count, 51);
	counter_free(c);
}

static volatile sig_atomic_t stop_flag;

static void on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * A reader that takes nothing: a flush of more than the pipe holds blocks
 * until a signal (no SA_RESTART) sets the stop flag; it then gives up within
 * its grace, and every event (mark) is either whole in the pipe or counted
 * unwritten, every byte either in the pipe or counted; later appends count.
 */
static void test_obuf_stop(void **state)
{
	static char got[1 << 20];
	struct sigaction sa;
	struct obuf b;
	int fds[2], i, lines = 0, events = 4000;
	size_t total = 0, in_pipe = 0;
	char line[128];
	ssize_t n;
	double t0;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	obuf_init(&b, fds[1]);
	b.stop = &stop_flag;
	b.grace = 0.2;
	for (i = 0; i < events; i++) {
		int len = snprintf(line, sizeof(line), "{\"event\":%d,\"pad\":\"%040d\"}\n", i, i);

		obuf_put(&b, line, len);
		obuf_mark(&b);
		total += len;
	}
	assert_true(total > 65536 * 2);	/* more than the pipe holds */
	alarm(1);
	t0 = now_s();
	obuf_flush(&b);
	/* the signal after 1 s, then at most the grace (and a scheduling margin) */
	assert_true(now_s() - t0 < 1 + 0.2 + 0.5);
	assert_true(b.gave_up);
	assert_true(b.unwritten_bytes > 0);
	assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	while ((n = read(fds[0], got + in_pipe, sizeof(got) - in_pipe)) > 0)
		in_pipe += n;
	assert_int_equal(in_pipe + b.unwritten_bytes, total);
	for (size_t k = 0; k < in_pipe; k++)
		lines += got[k] == '\n';
	assert_int_equal(lines + b.unwritten_marks, events);
	/* after giving up: nothing written, all counted, at once */
	t0 = now_s();
	obuf_str(&b, "more\n");
	obuf_mark(&b);
	assert_int_equal(obuf_flush(&b), 0);
	assert_true(now_s() - t0 < 0.1);
	assert_int_equal(in_pipe + b.unwritten_bytes, total + 5);
	assert_int_equal(lines + b.unwritten_marks, events + 1);
	obuf_free(&b);
	close(fds[0]);
	close(fds[1]);
	stop_flag = 0;
}

/*
 * A regular file has no reader to wait for: after the stop, even with the
 * grace long gone (a loaded machine rendering the last report late), every
 * byte is written and nothing is counted unwritten.
 */
static void test_obuf_stop_file(void **state)
{
	char path[] = "/tmp/wpw-obuf-XXXXXX", line[64];
	struct obuf b;
	struct stat st;
	int fd, i, len;
	size_t total = 0;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	obuf_init(&b, fd);
	stop_flag = 1;
	b.stop = &stop_flag;
	b.grace = 0.01;
	obuf_str(&b, "first\n");
	obuf_mark(&b);
	total += 6;
	assert_int_equal(obuf_flush(&b), 0);	/* the deadline starts here */
	usleep(50000);				/* ... and passes */
	for (i = 0; i < 20000; i++) {
		len = snprintf(line, sizeof(line), "{\"event\":%d}\n", i);
		obuf_put(&b, line, len);
		obuf_mark(&b);
		total += len;
	}
	assert_int_equal(obuf_flush(&b), 0);
	assert_false(b.gave_up);
	assert_int_equal(b.unwritten_bytes, 0);
	assert_int_equal(b.unwritten_marks, 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((size_t)st.st_size, total);
	obuf_free(&b);
	close(fd);
	stop_flag = 0;
}

/* What an obuf wrote to a file, compared with printf's rendering. */
static void test_obuf(void **state)
{
	static char got[200000];
	char want[512];
	FILE *t = tmpfile();
	struct obuf b;
	ssize_t n;
	size_t i;

	(void)state;
	assert_non_null(t);
	obuf_init(&b, fileno(t));
	obuf_u64(&b, 0);
	obuf_char(&b, ' ');
	obuf_u64(&b, 18446744073709551615ULL);
	obuf_char(&b, ' ');
	obuf_hex(&b, 0);
	obuf_char(&b, ' ');
	obuf_hex(&b, 0xffffffffc03ea008ULL);
	obuf_char(&b, '|');
	obuf_hex_pad(&b, 0x47b7a0, 16);
	obuf_char(&b, '|');
	obuf_hex_pad(&b, 0xffffffffc03ea008ULL, 16);
	obuf_char(&b, '|');
	obuf_dec_pad0(&b, 7, 3);
	obuf_char(&b, '|');
	obuf_dec_pad0(&b, 1234, 3);
	obuf_char(&b, '|');
	obuf_dec_pad0(&b, 5000, 9);
	obuf_char(&b, '|');
	obuf_json_strn(&b, "a\"b\\\nc\x01", 7);
	obuf_json_strn(&b, "comm-not-terminated", 4);
	obuf_char(&b, '|');
	/* more than one buffer's worth (64 KiB) goes out whole, in order */
	for (i = 0; i < 100000; i++)
		obuf_char(&b, 'a' + i % 26);
	assert_int_equal(obuf_flush(&b), 0);
	assert_int_equal(b.len, 0);
	n = pread(fileno(t), got, sizeof(got) - 1, 0);
	assert_true(n > 0);
	got[n] = '\0';
	snprintf(want, sizeof(want), "%llu %llu 0x%llx 0x%llx|%16llx|%16llx|%03u|%03u|%09u|%s|",
		 0ULL, 18446744073709551615ULL, 0ULL, 0xffffffffc03ea008ULL, 0x47b7a0ULL,
		 0xffffffffc03ea008ULL, 7, 1234, 5000, "\"a\\\"b\\\\\\nc\\u0001\"\"comm\"");
	assert_int_equal(strncmp(got, want, strlen(want)), 0);
	assert_int_equal(n, strlen(want) + 100000);
	for (i = 0; i < 100000; i++)
		if (got[strlen(want) + i] != (char)('a' + i % 26))
			fail_msg("byte %zu of the long run is wrong", i);
	/* a write that fails is reported by the next flush, once */
	obuf_free(&b);
	fclose(t);
	obuf_init(&b, -1);
	obuf_str(&b, "x");
	assert_int_equal(obuf_flush(&b), -EBADF);
	assert_int_equal(obuf_flush(&b), 0);
	obuf_free(&b);
}

struct key3 {
	int id;
	unsigned long long lr;
	char comm[4];
};

/* obuf_stream(): printf-style writes land in the buffer at once, in order with obuf_*(). */
static void test_obuf_stream(void **state)
{
	struct obuf b;
	FILE *f;

	(void)state;
	obuf_init(&b, -1);
	f = obuf_stream(&b);
	assert_non_null(f);
	obuf_str(&b, "a ");
	fprintf(f, "%s %d %.1f", "x", 42, 1.25);
	assert_int_equal(b.len, 10);
	obuf_char(&b, '|');
	fputs("yz\n", f);
	assert_int_equal(b.len, 14);
	assert_memory_equal(b.buf, "a x 42 1.2|yz\n", 14);
	fclose(f);
	obuf_free(&b);
}

static void test_kmap(void **state)
{
	struct kmap *m = kmap_new(sizeof(struct key3));
	struct key3 k;
	bool created;
	uint64_t *v;
	int i;

	(void)state;
	assert_non_null(m);
	memset(&k, 0, sizeof(k));
	assert_null(kmap_get(m, &k, false, &created));
	assert_false(created);
	for (i = 0; i < 5000; i++) {
		k.id = i % 1000;
		k.lr = i % 2000 < 1000 ? 0 : 1;	/* 2000 distinct keys */
		v = kmap_get(m, &k, true, &created);
		assert_non_null(v);
		assert_int_equal(created, i < 2000);
		++*v;
	}
	assert_int_equal(kmap_size(m), 2000);
	for (i = 0; i < 2000; i++) {
		const struct key3 *kk = kmap_key(m, i);

		assert_int_equal(kk->id, i % 1000);	/* the order of creation */
		assert_int_equal(kmap_value(m, i), i < 1000 ? 3 : 2);
	}
	k.id = 5;
	k.lr = 1;
	assert_int_equal(*kmap_get(m, &k, false, NULL), 2);
	k.id = 1000;
	assert_null(kmap_get(m, &k, false, NULL));
	kmap_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_obuf),
		cmocka_unit_test(test_obuf_stop),
		cmocka_unit_test(test_obuf_stop_file),
		cmocka_unit_test(test_obuf_stream),
		cmocka_unit_test(test_kmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
