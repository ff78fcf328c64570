// SPDX-License-Identifier: GPL-2.0
/*
 * wpwatch watch, output: each event as a perf-script-style text block or a
 * JSON line, the ring buffer's callback (its context: the struct watch_run),
 * and the end: folded stacks, the summary and the hits = delivered + lost line.
 */
#include <stdio.h>
#include <string.h>
#include "bodies.h"
#include "cli.h"
#include "json.h"
#include "ksyms.h"
#include "output.h"
#include "usyms.h"
#include "watch_cmd.h"

static void print_text(const struct watch_run *r, const struct watch_event *e, const struct values *v)
{
	char sym[WPW_KSYM_NAME_LEN + 4200];
	const char *mod;
	bool moved;
	int i;

	printf("%llu.%09llu %s %u/%u [%03u]%s %s 0x%llx: ", e->time_ns / 1000000000ULL,
	       e->time_ns % 1000000000ULL, e->comm, e->pid, e->tid, e->cpu,
	       e->flags & WATCH_F_TASK ? "" : " irq", r->env->specs[r->slots[e->slot].spec].text, v->addr);
	if (v->has_old)
		printf("0x%llx", v->old);
	else
		printf("?");
	printf(" -> ");
	if (v->has_value)
		printf("0x%llx\n", v->value);
	else
		printf("?\n");
	for (i = 0; i < watch_nstack(e->kstack, e->kstack_bytes); i++) {
		watch_sym_parts(r, e->kstack[i], sym, sizeof(sym), &mod, &moved);
		printf("\t%16llx %s%s%s%s%s\n", e->kstack[i], sym, mod ? " [" : "", mod ? mod : "",
		       mod ? "]" : "", moved ? " (moved)" : "");
	}
	for (i = 0; i < watch_nstack(e->ustack, e->ustack_bytes); i++) {
		usym_name(r->usyms, e->pid, watch_exec_comm(e), e->ustack[i], sym, sizeof(sym));
		printf("\t%16llx %s\n", e->ustack[i], sym);
	}
	printf("\n");
}

/*
 * "ustack_syms": the frames of "ustack", symbolized: {"sym": "name+0xoff" or
 * null, "obj": the mapped file or null}; then "ustack_exited": true when the
 * process was gone before its mappings could be read (nothing is guessed).
 */
static void print_json_usyms(const struct watch_run *r, const struct watch_event *e)
{
	char sym[WPW_KSYM_NAME_LEN + 24];
	bool exited = false;
	struct usym u;
	int i;

	printf(",\"ustack_syms\":[");
	for (i = 0; i < watch_nstack(e->ustack, e->ustack_bytes); i++) {
		usyms__lookup(r->usyms, e->pid, watch_exec_comm(e), e->ustack[i], &u);
		exited |= u.kind == USYM_EXITED;
		printf("%s{\"sym\":", i ? "," : "");
		if (u.kind == USYM_FOUND) {
			snprintf(sym, sizeof(sym), "%s+0x%lx", u.name, u.off);
			json_str(stdout, sym);
		} else {
			printf("null");
		}
		printf(",\"obj\":");
		if (u.obj)
			json_str(stdout, u.obj);
		else
			printf("null");
		printf("}");
	}
	printf("]%s", exited ? ",\"ustack_exited\":true" : "");
}

static void print_json(const struct watch_run *r, const struct watch_event *e, const struct values *v)
{
	char sym[WPW_KSYM_NAME_LEN + 24];
	const char *mod;
	bool moved;
	int i;

	printf("{\"type\":\"write\",\"time_ns\":%llu,\"cpu\":%u,\"pid\":%u,\"tid\":%u,\"comm\":",
	       e->time_ns, e->cpu, e->pid, e->tid);
	json_strn(stdout, e->comm, sizeof(e->comm));
	printf(",\"spec\":");
	json_str(stdout, r->env->specs[r->slots[e->slot].spec].text);
	printf(",\"watched\":\"0x%llx\",\"len\":%u,\"addr\":\"0x%llx\",\"ip\":\"0x%llx\",\"sym\":",
	       e->slot_addr, r->slots[e->slot].bp.len, v->addr, e->ip);
	watch_sym_parts(r, e->ip, sym, sizeof(sym), &mod, &moved);
	json_str(stdout, sym);
	if (moved)
		printf(",\"moved\":true");
	if (v->has_value)
		printf(",\"value\":\"0x%llx\"", v->value);
	else
		printf(",\"value\":null");
	if (v->has_old)
		printf(",\"old\":\"0x%llx\"", v->old);
	printf(",\"context\":\"%s\"", e->flags & WATCH_F_TASK ? "task" : "irq");
	printf(",\"trap\":\"%s\"", e->flags & WATCH_F_BEFORE ? "before" : "after");
	printf(",\"stack\":[");
	for (i = 0; i < watch_nstack(e->kstack, e->kstack_bytes); i++) {
		watch_sym_parts(r, e->kstack[i], sym, sizeof(sym), &mod, &moved);
		printf("%s{\"addr\":\"0x%llx\",\"sym\":", i ? "," : "", e->kstack[i]);
		json_str(stdout, sym);
		printf(",\"module\":");
		if (mod)
			json_str(stdout, mod);
		else
			printf("null");
		printf("%s}", moved ? ",\"moved\":true" : "");
	}
	printf("]");
	if (e->flags & WATCH_F_USER) {
		printf(",\"ustack\":[");
		for (i = 0; i < watch_nstack(e->ustack, e->ustack_bytes); i++)
			printf("%s\"0x%llx\"", i ? "," : "", e->ustack[i]);
		printf("]");
		print_json_usyms(r, e);
	}
	printf("}\n");
}

int watch_handle_event(void *ctx, void *data, size_t size)
{
	struct watch_run *r = ctx;
	static struct watch_event ev;
	const struct watch_event *e = &ev;
	struct values v;

	if (size < sizeof(ev) || ((struct watch_event *)data)->slot >= (unsigned int)r->nslots)
		return 0;
	memcpy(&ev, data, sizeof(ev));
	bodies__stale(r->bodies);	/* moved bodies: one reading of the core's map per event */
	watch_leaf_caller(r, &ev);
	r->delivered++;
	/* After -n COUNT, the rest is drained and counted, not shown. */
	if (r->env->count && r->printed >= r->env->count)
		return 0;
	r->printed++;
	watch_event_values(r, e, &v);
	if (r->env->format == FMT_FOLDED || r->env->summary)
		watch_count_stack(r, e);
	if (r->env->format == FMT_TEXT && !r->env->summary)
		print_text(r, e, &v);
	else if (r->env->format == FMT_JSON)
		print_json(r, e, &v);
	if (r->env->format != FMT_FOLDED)
		fflush(stdout);
	if (r->env->count && r->printed >= r->env->count)
		cli_exiting = 1;
	return 0;
}

void watch_print_end(struct watch_run *r, const struct watch_counters *c)
{
	const struct counter_entry *ent = counter_sorted(r->stacks);
	size_t i, n = counter_size(r->stacks);

	if (r->env->format == FMT_FOLDED) {
		for (i = 0; i < n; i++)
			printf("%s %llu\n", ent[i].key, (unsigned long long)ent[i].count);
	} else if (r->env->summary) {
		FILE *f = r->env->format == FMT_JSON ? stderr : stdout;

		for (i = 0; i < n; i++)
			fprintf(f, "@[\n%s]: %llu\n\n", ent[i].key,
				(unsigned long long)ent[i].count);
	}
	if (r->env->format == FMT_JSON) {
		printf("{\"type\":\"summary\",\"hits\":%llu,\"delivered\":%llu,\"lost\":%llu,"
		       "\"filtered\":%llu,\"retraps\":%llu,\"printed\":%llu}\n", c->hits, r->delivered,
		       c->lost, c->filtered, c->retraps, r->printed);
	} else if (r->env->summary) {
		printf("hits %llu, delivered %llu, lost %llu, filtered %llu, retraps %llu\n",
		       c->hits, r->delivered, c->lost, c->filtered, c->retraps);
	}
	fflush(stdout);
	fprintf(stderr, "wpwatch watch: %llu hits, %llu delivered, %llu lost, %llu retraps%s\n",
		c->hits, r->delivered, c->lost, c->retraps,
		c->hits == r->delivered + c->lost ? "" : " (MISMATCH: hits != delivered + lost)");
}
