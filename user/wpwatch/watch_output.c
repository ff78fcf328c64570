// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch, output: each event, as the dispatcher (watch.c) decoded it
 * with the model (struct watch_decoded: values, stacks, frame names), as a
 * perf-script-style text block or a JSON line, and the end: folded stacks,
 * the summary and the hits = delivered + lost line. Nothing here calls the
 * model: it prints what was decoded.
 *
 * Streaming is built for cost: a stack arrives as an id, and each distinct
 * stack (kernel; user per process) is rendered once, in the run's format,
 * and kept; the dispatcher asks watch_rendered_find() first and has the
 * frames named only when there is no rendering yet. The rendering is
 * copied into every line that shows it; each line is built in the runner's
 * buffer (r->out, runner.h) that goes out with one write(2) per batch of
 * the ring buffer, or per event on a terminal or with --line-buffered. A
 * stack through the re-randomization core's arena is rendered each time
 * (the body at an address changes as bodies move).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "evtime.h"
#include "json.h"
#include "output.h"
#include "runner.h"
#include "watch_output.h"

/* A rendering being built, before it goes out (and is kept). */
static struct obuf tmp;

struct watch_rendered {
	size_t len;
	bool changing;		/* names a frame in the core's arena: rendered each time */
	char s[];
};

const struct watch_rendered *watch_rendered_find(const struct watch_run *r,
						 const struct watch_render_key *k)
{
	uint64_t *slot = kmap_get(r->rendered, k, false, NULL);
	const struct watch_rendered *x = slot ? (const struct watch_rendered *)(uintptr_t)*slot
					      : NULL;

	return x && !x->changing ? x : NULL;
}

/*
 * Keep B as the rendering of K for the rest of the run, unless one is kept
 * already (one naming a frame in the core's arena: the first one stays).
 */
static void rendered_keep(struct watch_run *r, const struct watch_render_key *k,
			  const struct obuf *b, bool changing)
{
	struct watch_rendered *x;
	bool created = true;
	uint64_t *slot = kmap_get(r->rendered, k, true, &created);

	if (!slot || (!created && *slot))
		return;
	x = malloc(sizeof(*x) + b->len);
	if (!x) {
		*slot = 0;
		r->out->err = ENOMEM;
		return;
	}
	x->len = b->len;
	x->changing = changing;
	memcpy(x->s, b->buf, b->len);
	*slot = (uintptr_t)x;
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

/* The kernel frames of D in the run's format; true when one may change its name. */
static bool render_kstack(const struct watch_run *r, const struct watch_dstack *d,
			  struct obuf *b)
{
	const struct stack_frames *st = &d->st;
	bool changing = false;
	int i;

	for (i = 0; i < st->n; i++) {
		const struct frame_name *f = &d->name[i];

		changing |= f->changing;
		if (r->env->format == FMT_JSON) {
			obuf_str(b, i ? ",{\"addr\":\"" : "{\"addr\":\"");
			obuf_hex(b, st->ip[i]);
			obuf_str(b, "\",\"sym\":");
			obuf_json_strn(b, f->sym, strlen(f->sym));
			obuf_str(b, ",\"module\":");
			json_str_or_null(b, f->module);
			obuf_str(b, f->moved ? ",\"moved\":true}" : "}");
		} else {
			text_frame(b, st->ip[i], f->sym, f->module, " [", ']');
			if (f->moved)
				obuf_str(b, " (moved)");
			obuf_char(b, '\n');
		}
	}
	return changing;
}

/*
 * The user frames of D in the run's format. Text: "name+0xoff (file)",
 * "[unknown] (file)", "[unknown]" or "[exited]". JSON: "ustack" (the
 * addresses), "ustack_syms" ({"sym": "name+0xoff" or null, "obj": the mapped
 * file or null} each) and "ustack_exited": true when the process was gone
 * before its mappings could be read (nothing is guessed).
 */
static void render_ustack(const struct watch_run *r, const struct watch_dstack *d,
			  struct obuf *b)
{
	const struct stack_frames *st = &d->st;
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
			const struct frame_name *f = &d->name[i];

			exited |= f->exited;
			obuf_str(b, i ? ",{\"sym\":" : "{\"sym\":");
			json_str_or_null(b, f->known ? f->sym : NULL);
			obuf_str(b, ",\"obj\":");
			json_str_or_null(b, f->module);
			obuf_char(b, '}');
		}
		obuf_char(b, ']');
		if (exited)
			obuf_str(b, ",\"ustack_exited\":true");
		return;
	}
	for (i = 0; i < st->n; i++) {
		text_frame(b, st->ip[i], d->name[i].sym, d->name[i].module, " (", ')');
		obuf_char(b, '\n');
	}
}

/* A kept rendering, or B rendered now (kept when KEEP): appended to r->out. */
static void put_rendering(struct watch_run *r, const struct watch_rendered *done,
			  const struct watch_render_key *k, bool keep, const struct obuf *b,
			  bool changing)
{
	if (done) {
		obuf_put(r->out, done->s, done->len);
		return;
	}
	obuf_put(r->out, b->buf, b->len);
	if (keep)
		rendered_keep(r, k, b, changing);
}

static void put_spec(struct watch_run *r, unsigned int slot)
{
	struct watch_render_key k = { .id = slot, .kind = WATCH_R_SPEC };
	const struct watch_rendered *done = watch_rendered_find(r, &k);
	const char *text = r->env->specs[r->slots[slot].spec].text;

	tmp.len = 0;
	if (!done) {
		if (r->env->format == FMT_JSON)
			obuf_json_strn(&tmp, text, strlen(text));
		else
			obuf_str(&tmp, text);
	}
	put_rendering(r, done, &k, true, &tmp, false);
}

/* The symbol of the ip as a JSON string, then "moved": true for a moved body. */
static void put_ipsym(struct watch_run *r, const struct watch_decoded *d)
{
	const struct frame_name *f = &d->ipname;

	tmp.len = 0;
	if (!d->ipdone) {
		obuf_json_strn(&tmp, f->sym, strlen(f->sym));
		if (f->moved)
			obuf_str(&tmp, ",\"moved\":true");
	}
	put_rendering(r, d->ipdone, &d->ipkey, true, &tmp, !d->ipdone && f->changing);
}

/* The event's kernel stack (the arm64 leaf caller put back). */
static void put_kstack(struct watch_run *r, const struct watch_dstack *d)
{
	bool changing = false;

	if (!d->shown)
		return;
	tmp.len = 0;
	if (!d->done)
		changing = render_kstack(r, d, &tmp);
	put_rendering(r, d->done, &d->key, d->cache, &tmp, changing);
}

static void put_ustack(struct watch_run *r, const struct watch_dstack *d)
{

	if (!d->shown) {
		if (r->env->format == FMT_JSON)
			obuf_str(r->out, ",\"ustack\":[],\"ustack_syms\":[]");
		return;
	}
	tmp.len = 0;
	if (!d->done)
		render_ustack(r, d, &tmp);
	put_rendering(r, d->done, &d->key, d->cache, &tmp, false);
}

static void put_value(struct obuf *b, bool known, unsigned long long v, const char *unknown)
{
	if (known)
		obuf_hex(b, v);
	else
		obuf_str(b, unknown);
}

void watch_print_text(struct watch_run *r, const struct watch_event *e,
		      const struct watch_decoded *d)
{
	const struct values *v = &d->v;
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
	if (e->obj_holder) {
		/* object SPECs: which object, and the call that armed its slot */
		obuf_str(b, " object ");
		obuf_hex(b, e->obj_holder);
		obuf_str(b, " armed by ");
		obuf_put(b, e->obj_arm_comm, strnlen(e->obj_arm_comm, sizeof(e->obj_arm_comm)));
		obuf_char(b, ' ');
		obuf_u64(b, e->obj_arm_pid);
		obuf_char(b, '/');
		obuf_u64(b, e->obj_arm_tid);
		obuf_str(b, " at ");
		obuf_u64(b, e->obj_arm_ns / 1000000000ULL);
		obuf_char(b, '.');
		obuf_dec_pad0(b, e->obj_arm_ns % 1000000000ULL, 9);
	}
	obuf_char(b, '\n');
	put_kstack(r, &d->kstack);
	put_ustack(r, &d->ustack);
	obuf_char(b, '\n');
}

void watch_print_json(struct watch_run *r, const struct watch_event *e,
		      const struct watch_decoded *d)
{
	const struct values *v = &d->v;
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
	put_ipsym(r, d);
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
	if (e->obj_holder) {
		obuf_str(b, ",\"object\":{\"holder\":\"");
		obuf_hex(b, e->obj_holder);
		obuf_str(b, "\",\"armed_ns\":");
		obuf_u64(b, e->obj_arm_ns);
		obuf_str(b, ",\"armed_by\":{\"pid\":");
		obuf_u64(b, e->obj_arm_pid);
		obuf_str(b, ",\"tid\":");
		obuf_u64(b, e->obj_arm_tid);
		obuf_str(b, ",\"comm\":");
		obuf_json_strn(b, e->obj_arm_comm, strnlen(e->obj_arm_comm, sizeof(e->obj_arm_comm)));
		obuf_str(b, "}}");
	}
	obuf_str(b, e->flags & WATCH_F_TASK ? ",\"context\":\"task\"" : ",\"context\":\"irq\"");
	obuf_str(b, e->flags & WATCH_F_BEFORE ? ",\"trap\":\"before\"" : ",\"trap\":\"after\"");
	if (!r->env->no_stack) {
		obuf_str(b, ",\"stack\":[");
		put_kstack(r, &d->kstack);
		obuf_char(b, ']');
		if (e->flags & WATCH_F_USER)
			put_ustack(r, &d->ustack);	/* "ustack", "ustack_syms" */
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
	obuf_free(&tmp);
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
	runner_say_unwritten(r->runner);
}
