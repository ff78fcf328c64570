// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/wpwatch/watch_output.c: an event decoded by hand (struct
 * watch_decoded, as the dispatcher has the model decode it) printed as text
 * and JSON, byte for byte, and the renderings kept: found again, printed the
 * same without names, never kept for a frame in the core's arena.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "evtime.h"
#include "output.h"
#include "watch_output.h"

static struct watch_env env;
static struct watch_run run;
static struct obuf out;
static struct watch_event ev;
static struct watch_decoded dec;

static void set_name(struct frame_name *f, const char *sym, size_t func_len,
		     const char *module, bool moved)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->sym, sizeof(f->sym), "%s", sym);
	f->func_len = func_len;
	f->module = module;
	f->known = strcmp(sym, "[unknown]") && strcmp(sym, "[exited]");
	f->moved = f->changing = moved;
	f->exited = !strcmp(sym, "[exited]");
}

/* A write by pid 42 to "jiffies": two kernel frames (one moved), two user frames. */
static int setup(void **state)
{
	(void)state;
	memset(&env, 0, sizeof(env));
	memset(&run, 0, sizeof(run));
	snprintf(env.specs[0].text, sizeof(env.specs[0].text), "jiffies");
	env.nspecs = 1;
	run.env = &env;
	run.nslots = 1;
	run.slots[0].bp.len = 8;
	run.rendered = kmap_new(sizeof(struct watch_render_key));
	assert_non_null(run.rendered);
	obuf_init(&out, -1);
	run.out = &out;

	memset(&ev, 0, sizeof(ev));
	ev.time_ns = 1234567890123ULL;
	memcpy(ev.comm, "writer", 6);
	ev.pid = 42;
	ev.tid = 43;
	ev.cpu = 1;
	ev.flags = WATCH_F_TASK | WATCH_F_USER;
	ev.slot_addr = 0xffffffff82000000ULL;
	ev.ip = 0xffffffff81001234ULL;

	memset(&dec, 0, sizeof(dec));
	dec.v = (struct values){ .value = 2, .old = 1, .addr = 0xffffffff82000000ULL,
				 .has_value = true, .has_old = true };
	dec.kstack.shown = dec.kstack.cache = true;
	dec.kstack.key = (struct watch_render_key){ .id = 7, .kind = WATCH_R_KSTACK };
	dec.kstack.st.n = 2;
	dec.kstack.st.ip[0] = 0xffffffff81001234ULL;
	dec.kstack.st.ip[1] = 0xffffffffc0001000ULL;
	set_name(&dec.kstack.name[0], "do_write+0x14", 8, NULL, false);
	set_name(&dec.kstack.name[1], "mod_fn+0x0", 6, "mymod", false);
	dec.ustack.shown = dec.ustack.cache = true;
	dec.ustack.key = (struct watch_render_key){ .id = 9, .pid = 42, .kind = WATCH_R_USTACK };
	dec.ustack.st.n = 2;
	dec.ustack.st.ip[0] = 0x401000;
	dec.ustack.st.ip[1] = 0x7f00;
	set_name(&dec.ustack.name[0], "main+0x10", 4, "/bin/w", false);
	set_name(&dec.ustack.name[1], "[unknown]", 9, NULL, false);
	dec.ipkey = (struct watch_render_key){ .a = ev.ip, .kind = WATCH_R_IPSYM };
	set_name(&dec.ipname, "do_write+0x14", 8, NULL, false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	watch_free_rendered(&run);
	obuf_free(&out);
	return 0;
}

static void assert_out(const char *want)
{
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.buf, want, out.len);
	out.len = 0;
}

/*
 * The timestamp of the JSON line in out (the wall clock of a monotonic
 * time, read anew each time: it may differ from one call to the next) into TS.
 */
static void out_timestamp(char *ts, size_t len)
{
	const char *p = memmem(out.buf, out.len, "\"timestamp\":\"", 13), *q;

	assert_non_null(p);
	p += 13;
	q = memchr(p, '"', out.buf + out.len - p);
	assert_non_null(q);
	assert_true((size_t)(q - p) < len);
	assert_true(q - p >= 20 && q[-1] == 'Z');
	snprintf(ts, len, "%.*s", (int)(q - p), p);
}

static const char text_want[] =
	"1234.567890123 writer 42/43 [001] jiffies 0xffffffff82000000: 0x1 -> 0x2\n"
	"\tffffffff81001234 do_write+0x14\n"
	"\tffffffffc0001000 mod_fn+0x0 [mymod]\n"
	"\t          401000 main+0x10 (/bin/w)\n"
	"\t            7f00 [unknown]\n"
	"\n";

/* Text: the perf-script block; the second time from the kept renderings, no names needed. */
static void test_text(void **state)
{
	(void)state;
	env.format = FMT_TEXT;
	watch_print_text(&run, &ev, &dec);
	assert_out(text_want);
	dec.kstack.done = watch_rendered_find(&run, &dec.kstack.key);
	dec.ustack.done = watch_rendered_find(&run, &dec.ustack.key);
	assert_non_null(dec.kstack.done);
	assert_non_null(dec.ustack.done);
	memset(dec.kstack.name, 0, sizeof(dec.kstack.name));
	memset(dec.ustack.name, 0, sizeof(dec.ustack.name));
	watch_print_text(&run, &ev, &dec);
	assert_out(text_want);
	/* another process's user stack of the same id is not the same rendering */
	dec.ustack.key.pid = 43;
	assert_null(watch_rendered_find(&run, &dec.ustack.key));
}

/* A frame in the core's arena: printed, never kept; an inline stack: never kept. */
static void test_changing(void **state)
{
	(void)state;
	env.format = FMT_TEXT;
	dec.kstack.name[1].moved = dec.kstack.name[1].changing = true;
	dec.ustack.cache = false;
	dec.ustack.shown = false;
	watch_print_text(&run, &ev, &dec);
	assert_out("1234.567890123 writer 42/43 [001] jiffies 0xffffffff82000000: 0x1 -> 0x2\n"
		   "\tffffffff81001234 do_write+0x14\n"
		   "\tffffffffc0001000 mod_fn+0x0 [mymod] (moved)\n"
		   "\n");
	assert_null(watch_rendered_find(&run, &dec.kstack.key));
	dec.ustack.shown = true;
	watch_print_text(&run, &ev, &dec);
	out.len = 0;
	assert_null(watch_rendered_find(&run, &dec.ustack.key));
}

static const char json_fmt[] =
	"{\"type\":\"write\",\"time_ns\":1234567890123,\"timestamp\":\"%s\",\"cpu\":1,"
	"\"pid\":42,\"tid\":43,\"comm\":\"writer\",\"spec\":\"jiffies\","
	"\"watched\":\"0xffffffff82000000\",\"len\":8,\"addr\":\"0xffffffff82000000\","
	"\"ip\":\"0xffffffff81001234\",\"sym\":\"do_write+0x14\",\"value\":\"0x2\","
	"\"context\":\"task\",\"trap\":\"before\",\"stack\":["
	"{\"addr\":\"0xffffffff81001234\",\"sym\":\"do_write+0x14\",\"module\":null},"
	"{\"addr\":\"0xffffffffc0001000\",\"sym\":\"mod_fn+0x0\",\"module\":\"mymod\","
	"\"moved\":true}],"
	"\"ustack\":[\"0x401000\",\"0x7f00\"],\"ustack_syms\":["
	"{\"sym\":\"main+0x10\",\"obj\":\"/bin/w\"},{\"sym\":null,\"obj\":null}],"
	"\"ustack_exited\":true}\n";

/* JSON: one line; the "sym" of the ip and the stacks kept and reused. */
static void test_json(void **state)
{
	char ts[EVTIME_LEN], want[2048];

	(void)state;
	env.format = FMT_JSON;
	ev.flags |= WATCH_F_BEFORE;
	dec.v.has_old = false;
	dec.kstack.name[1].moved = true;
	dec.ustack.name[1] = (struct frame_name){ .sym = "[exited]", .func_len = 8, .exited = true };
	watch_print_json(&run, &ev, &dec);
	out_timestamp(ts, sizeof(ts));
	snprintf(want, sizeof(want), json_fmt, ts);
	assert_out(want);
	dec.ipdone = watch_rendered_find(&run, &dec.ipkey);
	dec.kstack.done = watch_rendered_find(&run, &dec.kstack.key);
	dec.ustack.done = watch_rendered_find(&run, &dec.ustack.key);
	assert_non_null(dec.ipdone);
	assert_non_null(dec.kstack.done);
	assert_non_null(dec.ustack.done);
	memset(&dec.ipname, 0, sizeof(dec.ipname));
	watch_print_json(&run, &ev, &dec);
	out_timestamp(ts, sizeof(ts));
	snprintf(want, sizeof(want), json_fmt, ts);
	assert_out(want);
	/* no user stack: empty arrays; without WATCH_F_USER, no "ustack" at all */
	dec.ustack.shown = false;
	watch_print_json(&run, &ev, &dec);
	assert_non_null(memmem(out.buf, out.len, "}],\"ustack\":[],\"ustack_syms\":[]}\n", 33));
	out.len = 0;
	ev.flags &= ~WATCH_F_USER;
	watch_print_json(&run, &ev, &dec);
	assert_non_null(memmem(out.buf, out.len, "\"moved\":true}]}\n", 16));
	out.len = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
