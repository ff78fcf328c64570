// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch, output: each event as a perf-script-style text block or a
 * JSON line (watch.c decodes it and calls these), and the end: folded
 * stacks, the summary and the hits = delivered + lost line.
 *
 * Streaming is built for cost: a stack arrives as an id, and each distinct
 * stack (kernel; user per process) is symbolized and rendered once, in the
 * run's format, then copied into every line that shows it; each line is
 * built in the runner's buffer (r->out, runner.h) that goes out with one
 * write(2) per batch of the ring buffer, or per event on a terminal or with
 * --line-buffered. A stack through the re-randomization core's arena is
 * rendered each time (the body at an address changes as bodies move).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "watch_bodies.h"
#include "cli.h"
#include "evtime.h"
#include "json.h"
#include "ksyms.h"
#include "output.h"
#include "runner.h"
#include "watch_cmd.h"

/* What a cached rendering is of. */
enum render_kind { R_KSTACK, R_USTACK, R_IPSYM, R_SPEC };

struct render_key {
	unsigned long long a;	/* R_KSTACK: the inserted arm64 leaf caller; R_IPSYM: the ip */
	int id;			/* stack id; R_SPEC: the slot */
	int pid;		/* R_USTACK: the process (its mappings name the frames) */
	int kind;
	int pad;
};

_Static_assert(sizeof(struct render_key) == WATCH_RENDER_KEY_SIZE, "watch_cmd.h's size");

struct rendered {
	size_t len;
	bool changing;		/* names a frame in the core's arena: rendered each time */
	char s[];
};

static struct rendered *rendered_new(const struct obuf *b, bool changing)
{
	struct rendered *x = malloc(sizeof(*x) + b->len);

	if (!x)
		return NULL;
	x->len = b->len;
	x->changing = changing;
	memcpy(x->s, b->buf, b->len);
	return x;
}

/* "\tADDR SYM" and OBJ in OPEN..CLOSE when known: one text frame, no newline */
static void text_frame(struct obuf *b, unsigned long long ip, const char *sym,
		       const char *obj, const char *open, char close)
{
	obuf_char(b, '\t');
	obuf_hex_pad(b, ip, 16);
	obuf_char(b, ' ');
	obuf_str(b, sym);
	if (obj) {
		obuf_str(b, open);
		obuf_str(b, obj);
		obuf_char(b, close);
	}
}

/* S as a JSON string, or null */
static void json_str_or_null(struct obuf *b, const char *s)
{
	if (s)
		obuf_json_strn(b, s, strlen(s));
	else
		obuf_str(b, "null");
}

/* The kernel frames of ST in the run's format; true when one may change its name. */
static bool render_kstack(const struct watch_run *r, const struct stack_frames *st,
			  struct obuf *b)
{
	static struct frame_name f;
	bool changing = false;
	int i;

	for (i = 0; i < st->n; i++) {
		watch_frame_sym(r, st->ip[i], -1, NULL, &f);
		changing |= f.changing;
		if (r->env->format == FMT_JSON) {
			obuf_str(b, i ? ",{\"addr\":\"" : "{\"addr\":\"");
			obuf_hex(b, st->ip[i]);
			obuf_str(b, "\",\"sym\":");
			obuf_json_strn(b, f.sym, strlen(f.sym));
			obuf_str(b, ",\"module\":");
			json_str_or_null(b, f.module);
			obuf_str(b, f.moved ? ",\"moved\":true}" : "}");
		} else {
			text_frame(b, st->ip[i], f.sym, f.module, " [", ']');
			if (f.moved)
				obuf_str(b, " (moved)");
			obuf_char(b, '\n');
		}
	}
	return changing;
}

/*
 * The user frames of ST (process PID, COMM) in the run's format. Text:
 * "name+0xoff (file)", "[unknown] (file)", "[unknown]" or "[exited]". JSON:
 * "ustack" (the addresses), "ustack_syms" ({"sym": "name+0xoff" or null,
 * "obj": the mapped file or null} each) and "ustack_exited": true when the
 * process was gone before its mappings could be read (nothing is guessed).
 */
static void render_ustack(const struct watch_run *r, const struct stack_frames *st, int pid,
			  const char *comm, struct obuf *b)
{
	static struct frame_name f;
	bool exited = false;
	int i;

	if (r->env->format == FMT_JSON) {
		obuf_str(b, ",\"ustack\":[");
		for (i = 0; i < st->n; i++) {
			obuf_str(b, i ? ",\"" : "\"");
			obuf_hex(b, st->ip[i]);
			obuf_char(b, '"');
		}
		obuf_str(b, "],\"ustack_syms\":[");
		for (i = 0; i < st->n; i++) {
			watch_frame_sym(r, st->ip[i], pid, comm, &f);
			exited |= f.exited;
			obuf_str(b, i ? ",{\"sym\":" : "{\"sym\":");
			json_str_or_null(b, f.known ? f.sym : NULL);
			obuf_str(b, ",\"obj\":");
			json_str_or_null(b, f.module);
			obuf_char(b, '}');
		}
		obuf_char(b, ']');
		if (exited)
			obuf_str(b, ",\"ustack_exited\":true");
		return;
	}
	for (i = 0; i < st->n; i++) {
		watch_frame_sym(r, st->ip[i], pid, comm, &f);
		text_frame(b, st->ip[i], f.sym, f.module, " (", ')');
		obuf_char(b, '\n');
	}
}

/* The symbol of IP as a JSON string, then "moved": true for a moved body. */
static bool render_ipsym(const struct watch_run *r, unsigned long long ip, struct obuf *b)
{
	static struct frame_name f;

	watch_frame_sym(r, ip, -1, NULL, &f);
	obuf_json_strn(b, f.sym, strlen(f.sym));
	if (f.moved)
		obuf_str(b, ",\"moved\":true");
	return f.changing;
}

/*
 * Append the rendering of K (built by BUILD the first time, kept for the
 * rest of the run) to r->out. A stack that came inline (no id) is rendered
 * each time.
 */
static void put_rendered(struct watch_run *r, const struct render_key *k,
			 const struct stack_frames *st, const char *comm, bool cache)
{
	static struct obuf tmp;
	struct rendered *x;
	uint64_t *slot = NULL;
	bool created = true, changing = false;

	if (cache) {
		slot = kmap_get(r->rendered, k, true, &created);
		x = slot ? (struct rendered *)(uintptr_t)*slot : NULL;
		if (x && !x->changing) {
			obuf_put(r->out, x->s, x->len);
			return;
		}
		if (!created && x)
			slot = NULL;	/* changing: rendered again, the first one kept */
	}
	tmp.len = 0;
	switch (k->kind) {
	case R_KSTACK:
		changing = render_kstack(r, st, &tmp);
		break;
	case R_USTACK:
		render_ustack(r, st, k->pid, comm, &tmp);
		break;
	case R_IPSYM:
		changing = render_ipsym(r, k->a, &tmp);
		break;
	case R_SPEC:
		if (r->env->format == FMT_JSON)
			obuf_json_strn(&tmp, r->env->specs[r->slots[k->id].spec].text,
				       strlen(r->env->specs[r->slots[k->id].spec].text));
		else
			obuf_str(&tmp, r->env->specs[r->slots[k->id].spec].text);
		break;
	}
	obuf_put(r->out, tmp.buf, tmp.len);
	if (slot) {
		x = rendered_new(&tmp, changing);
		if (x)
			*slot = (uintptr_t)x;
		else
			*slot = 0, r->out->err = ENOMEM;
	}
}

static void put_spec(struct watch_run *r, unsigned int slot)
{
	struct render_key k = { .id = slot, .kind = R_SPEC };

	put_rendered(r, &k, NULL, NULL, true);
}

static void put_ipsym(struct watch_run *r, unsigned long long ip)
{
	struct render_key k = { .a = ip, .kind = R_IPSYM };

	put_rendered(r, &k, NULL, NULL, true);
}

/* The event's kernel stack (the arm64 leaf caller put back). */
static void put_kstack(struct watch_run *r, const struct watch_record *rec)
{
	static struct stack_frames st;
	const struct watch_event *e = &rec->e;
	struct render_key k = { .id = e->kstack_id, .kind = R_KSTACK };

	if (e->kstack_id == WATCH_NO_STACK || watch_stack_get(r, rec, false, &st))
		return;
	if ((e->flags & WATCH_F_BEFORE) && watch_leaf_caller(r, &st, e->ip, e->regs[30]))
		k.a = e->regs[30];
	put_rendered(r, &k, &st, NULL, e->kstack_id >= 0);
}

static void put_ustack(struct watch_run *r, const struct watch_record *rec)
{
	static struct stack_frames st;
	const struct watch_event *e = &rec->e;
	struct render_key k = { .id = e->ustack_id, .pid = e->pid, .kind = R_USTACK };

	if (e->ustack_id == WATCH_NO_STACK || watch_stack_get(r, rec, true, &st)) {
		if (r->env->format == FMT_JSON)
			obuf_str(r->out, ",\"ustack\":[],\"ustack_syms\":[]");
		return;
	}
	put_rendered(r, &k, &st, watch_exec_comm(e), e->ustack_id >= 0);
}

static void put_value(struct obuf *b, bool known, unsigned long long v, const char *unknown)
{
	if (known)
		obuf_hex(b, v);
	else
		obuf_str(b, unknown);
}

void watch_print_text(struct watch_run *r, const struct watch_record *rec, const struct values *v)
{
	const struct watch_event *e = &rec->e;
	struct obuf *b = r->out;

	obuf_u64(b, e->time_ns / 1000000000ULL);
	obuf_char(b, '.');
	obuf_dec_pad0(b, e->time_ns % 1000000000ULL, 9);
	obuf_char(b, ' ');
	obuf_put(b, e->comm, strnlen(e->comm, sizeof(e->comm)));
	obuf_char(b, ' ');
	obuf_u64(b, e->pid);
	obuf_char(b, '/');
	obuf_u64(b, e->tid);
	obuf_str(b, " [");
	obuf_dec_pad0(b, e->cpu, 3);
	obuf_str(b, e->flags & WATCH_F_TASK ? "] " : "] irq ");
	put_spec(r, e->slot);
	obuf_char(b, ' ');
	obuf_hex(b, v->addr);
	obuf_str(b, ": ");
	put_value(b, v->has_old, v->old, "?");
	obuf_str(b, " -> ");
	put_value(b, v->has_value, v->value, "?");
	obuf_char(b, '\n');
	put_kstack(r, rec);
	put_ustack(r, rec);
	obuf_char(b, '\n');
}

void watch_print_json(struct watch_run *r, const struct watch_record *rec, const struct values *v)
{
	const struct watch_event *e = &rec->e;
	struct obuf *b = r->out;
	char ts[EVTIME_LEN];

	evtime_rfc3339(e->time_ns, ts, sizeof(ts));
	obuf_str(b, "{\"type\":\"write\",\"time_ns\":");
	obuf_u64(b, e->time_ns);
	obuf_str(b, ",\"timestamp\":\"");
	obuf_str(b, ts);
	obuf_char(b, '"');
	obuf_str(b, ",\"cpu\":");
	obuf_u64(b, e->cpu);
	obuf_str(b, ",\"pid\":");
	obuf_u64(b, e->pid);
	obuf_str(b, ",\"tid\":");
	obuf_u64(b, e->tid);
	obuf_str(b, ",\"comm\":");
	obuf_json_strn(b, e->comm, strnlen(e->comm, sizeof(e->comm)));
	obuf_str(b, ",\"spec\":");
	put_spec(r, e->slot);
	obuf_str(b, ",\"watched\":\"");
	obuf_hex(b, e->slot_addr);
	obuf_str(b, "\",\"len\":");
	obuf_u64(b, r->slots[e->slot].bp.len);
	obuf_str(b, ",\"addr\":\"");
	obuf_hex(b, v->addr);
	obuf_str(b, "\",\"ip\":\"");
	obuf_hex(b, e->ip);
	obuf_str(b, "\",\"sym\":");
	put_ipsym(r, e->ip);
	obuf_str(b, ",\"value\":");
	if (v->has_value) {
		obuf_char(b, '"');
		obuf_hex(b, v->value);
		obuf_char(b, '"');
	} else {
		obuf_str(b, "null");
	}
	if (v->has_old) {
		obuf_str(b, ",\"old\":\"");
		obuf_hex(b, v->old);
		obuf_char(b, '"');
	}
	obuf_str(b, e->flags & WATCH_F_TASK ? ",\"context\":\"task\"" : ",\"context\":\"irq\"");
	obuf_str(b, e->flags & WATCH_F_BEFORE ? ",\"trap\":\"before\"" : ",\"trap\":\"after\"");
	if (!r->env->no_stack) {
		obuf_str(b, ",\"stack\":[");
		put_kstack(r, rec);
		obuf_char(b, ']');
		if (e->flags & WATCH_F_USER)
			put_ustack(r, rec);	/* "ustack", "ustack_syms" */
	}
	obuf_str(b, "}\n");
}

void watch_free_rendered(struct watch_run *r)
{
	size_t i;

	for (i = 0; r->rendered && i < kmap_size(r->rendered); i++)
		free((void *)(uintptr_t)kmap_value(r->rendered, i));
	for (i = 0; r->frames && i < kmap_size(r->frames); i++)
		free((void *)(uintptr_t)kmap_value(r->frames, i));
	kmap_free(r->rendered);
	kmap_free(r->frames);
	kmap_free(r->tally);
}

void watch_print_end(struct watch_run *r, const struct watch_counters *c)
{
	const struct counter_entry *ent = counter_sorted(r->stacks);
	size_t i, n = counter_size(r->stacks);
	bool counting = r->mode == WATCH_MODE_COUNT;
	FILE *out = r->stream;

	if (r->env->format == FMT_FOLDED) {
		for (i = 0; i < n; i++)
			fprintf(out, "%s %llu\n", ent[i].key, (unsigned long long)ent[i].count);
	} else if (r->env->summary) {
		FILE *f = r->env->format == FMT_JSON ? stderr : out;

		for (i = 0; i < n; i++)
			fprintf(f, "@[\n%s]: %llu\n\n", ent[i].key,
				(unsigned long long)ent[i].count);
	}
	if (r->env->format == FMT_JSON) {
		fprintf(out, "{\"type\":\"summary\",\"hits\":%llu,\"delivered\":%llu,\"lost\":%llu,"
			"\"filtered\":%llu,\"retraps\":%llu,\"printed\":%llu,\"lost_ringbuf\":%llu,"
			"\"stacks_inline\":%llu}\n", c->hits, r->delivered, c->lost, c->filtered,
			c->retraps, r->printed, c->lost_ringbuf, c->stacks_inline);
	} else if (r->env->summary) {
		fprintf(out, "hits %llu, %s %llu, lost %llu, filtered %llu, retraps %llu\n",
			c->hits, counting ? "counted" : "delivered", r->delivered, c->lost,
			c->filtered, c->retraps);
	}
	runner_flush(r->runner);	/* the end's lines before the messages */
	fprintf(stderr, "wpwatch watch: %llu hits, %llu %s, %llu lost", c->hits, r->delivered,
		counting ? "counted in the kernel" : "delivered", c->lost);
	if (c->lost)
		fprintf(stderr, " (ring buffer full %llu, stack map could not store the stack "
			"%llu, counts map full %llu: --ringbuf-size, --max-stacks)", c->lost_ringbuf,
			c->lost_stack, c->lost_counts);
	fprintf(stderr, ", %llu retraps%s\n", c->retraps,
		c->hits == r->delivered + c->lost ? "" : " (MISMATCH: hits != delivered + lost)");
	if (c->stacks_inline)
		fprintf(stderr, "wpwatch watch: the stack map was full for %llu stacks, sent "
			"with their events instead (--max-stacks raises it)\n", c->stacks_inline);
}
