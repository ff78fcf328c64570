/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wpwatch watch's own declarations: the options (watch_env.c), the run's
 * state (struct watch_run, the ring buffer's callback context), attaching
 * (watch_attach.c), the model (watch_model.c) and output (watch_output.c);
 * watch.c runs them in order.
 */
#ifndef WPWATCH_WATCH_CMD_H
#define WPWATCH_WATCH_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "cli.h"
#include "spec.h"
#include "watch.h"

#define WATCH_MAX_CPUS 1024
#define WATCH_PIN_DIR "/sys/fs/bpf/wpwatch"

enum watch_format { FMT_TEXT, FMT_JSON, FMT_FOLDED };

/* The command line. */
struct watch_env {
	struct cli_common common;	/* -p, -t, -v */
	char comm[WATCH_COMM_LEN];
	int cpu;
	double duration;
	unsigned long long count;
	enum watch_format format;
	bool summary;
	bool pin;
	bool no_ustack;
	unsigned long ringbuf_size;
	struct watch_spec specs[WATCH_MAX_SLOTS];
	int nspecs;
};

/* One hardware slot of the plan. */
struct slot {
	struct watch_slot bp;	/* what BPF sees */
	int spec;		/* index in env->specs */
};

/* One run: the plan, the symbols, what was seen. */
struct watch_run {
	struct watch_env *env;
	struct ksyms *ksyms;
	struct usyms *usyms;		/* user frames (usyms.c) */
	struct rr_bodies *bodies;	/* moved bodies (bodies.c) */
	struct slot slots[WATCH_MAX_SLOTS];
	int nslots;
	struct counter *stacks;		/* distinct stacks (folded, --summary) */
	unsigned long long delivered, printed;
};

/* New value, old value and hit address as far as they can be known. */
struct values {
	unsigned long long value, old, addr;
	bool has_value, has_old;
};

struct watch_bpf;
struct bpf_link;
struct bpf_map;

/* watch_env.c: parse the command line into ENV; 0 or an exit status. */
int watch_parse_args(int argc, char **argv, struct watch_env *env);

/* watch_attach.c */
int watch_resolve_spec(struct watch_run *r, struct watch_spec *sp);
int watch_online_cpus(bool *online, int max);
int watch_plan_slots(struct watch_run *r, int first_cpu);
int watch_errno_status(int err);
int watch_open_events(struct watch_run *r, struct watch_bpf *skel, const bool *online,
		      struct bpf_link ***linksp, int *nlinks);

/* watch_model.c */
unsigned int watch_thread_size(const struct ksyms *ks);
/* A kernel frame: "sym+0xoff", its module, and whether it is in a moved body's copy. */
void watch_sym_parts(const struct watch_run *r, unsigned long addr, char *sym, size_t symlen,
		     const char **module, bool *moved);
/*
 * The comm usyms compares to tell an exec: the process's (its main thread's)
 * only, since other threads may name themselves (pthread_setname_np), and an
 * exec always leaves the execing thread as the main one.
 */
static inline const char *watch_exec_comm(const struct watch_event *e)
{
	return e->tid == e->pid ? e->comm : NULL;
}
/* A kernel frame's function only (folded): "name", "name [moved]" or "[unknown]". */
void watch_func_name(const struct watch_run *r, unsigned long addr, char *buf, size_t len);
void watch_event_values(const struct watch_run *r, const struct watch_event *e,
			struct values *v);
int watch_nstack(const unsigned long long *st, int bytes);
void watch_count_stack(struct watch_run *r, const struct watch_event *e);
void watch_leaf_caller(const struct watch_run *r, struct watch_event *e);
int watch_read_counters(struct bpf_map *map, struct watch_counters *sum);

/* watch_output.c */
int watch_handle_event(void *ctx, void *data, size_t size);
void watch_print_end(struct watch_run *r, const struct watch_counters *c);

#endif
