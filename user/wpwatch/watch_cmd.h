/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wpwatch watch's own declarations: the options (watch_env.c), the run's
 * state (struct watch_run), attaching
 * (watch_attach.c), the model (watch_model.c) and what it decodes for the
 * output (struct watch_decoded, printed by watch_output.c, watch_output.h);
 * watch.c runs them in order.
 */
#ifndef WPWATCH_WATCH_CMD_H
#define WPWATCH_WATCH_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>
#include <netinet/in.h>
#include "cli.h"
#include "output.h"
#include "watch_objspec.h"
#include "watch_spec.h"
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
	bool no_stack;		/* neither kernel nor user stacks */
	bool line_buffered;	/* write each event out at once (also when stdout is a terminal) */
	unsigned long max_stacks;	/* entries of the stack and counts maps */
	unsigned long ringbuf_size;
	struct watch_spec specs[WATCH_MAX_SLOTS];
	int nspecs;
	const char *prometheus;		/* --prometheus ADDR:PORT (watch_prom.c) */
	struct sockaddr_in prom_addr;
	unsigned int prom_top;		/* --prometheus-top N stacks */
	const char *output;		/* --output FILE, reopened on SIGHUP */
	struct objspec obj;		/* an object SPEC (FUNC:ARG->field): watch_objects.c */
	bool has_obj;
	struct objspec disarm;		/* --disarm FUNC:ARG */
	bool has_disarm;
	unsigned long max_objects;	/* --max-objects N (0: every free slot) */
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
	struct usyms *usyms;		/* user frames (watch_usyms.c) */
	struct rr_bodies *bodies;	/* moved bodies (watch_bodies.c) */
	struct slot slots[WATCH_MAX_SLOTS];
	int nslots;
	unsigned int mode;		/* WATCH_MODE_*: streaming, or counting in the kernel */
	int stacks_fd;			/* watch_stacks: frames by stack id */
	struct counter *stacks;		/* distinct stacks (folded, --summary), rendered */
	struct kmap *tally;		/* streaming --summary/folded: struct watch_count_key -> writes */
	struct kmap *frames;		/* stack id -> struct stack_frames * (read once) */
	struct kmap *rendered;		/* struct watch_render_key -> rendering (watch_output.c) */
	struct runner *runner;		/* the run loop and the output (runner.h) */
	struct obuf *out;		/* the runner's: one write per ring-buffer batch */
	FILE *stream;			/* stdio onto out */
	unsigned long long delivered, printed, counted;
};

/* A stack's frames, innermost first. */
struct stack_frames {
	int n;
	unsigned long long ip[WATCH_STACK_DEPTH + 1];	/* + the arm64 leaf caller */
};

/* New value, old value and hit address as far as they can be known. */
struct values {
	unsigned long long value, old, addr;
	bool has_value, has_old;
};

struct watch_bpf;
struct bpf_link;
struct bpf_map;
struct watch_events;

/* watch_env.c: parse the command line into ENV; 0 or an exit status. */
int watch_parse_args(int argc, char **argv, struct watch_env *env);

/* watch_attach.c */
int watch_resolve_spec(struct watch_run *r, struct watch_spec *sp);
int watch_online_cpus(bool *online, int max);
int watch_plan_slots(struct watch_run *r, int first_cpu);
int watch_errno_status(int err);
/* The perf events on every ONLINE CPU; *EVP is set even on failure (to close). */
int watch_open_events(struct watch_run *r, struct watch_bpf *skel, const bool *online,
		      struct watch_events **evp);
/* A tick of the runner's: re-attach a CPU that came online (rate-limited inside). */
void watch_follow_cpus(struct watch_events *ev);
/* Detach everything: no hit happens after it. */
void watch_close_events(struct watch_events *ev);
unsigned int watch_reattached(const struct watch_events *ev);

/* watch_objects.c: object SPECs (a slot per object, moved at run time) */
struct watch_objects;
/* Resolve the object SPEC through BTF and open the parked slots: 0 or an exit status. */
int watch_objects_plan(struct watch_run *r, const bool *online, struct watch_objects **op);
/* Into the loaded object: the plans. 0 or an exit status. */
int watch_objects_fill(struct watch_objects *o, struct watch_bpf *skel);
/* The hit program on the parked events, the arming, freeing and --disarm probes. */
int watch_objects_attach(struct watch_objects *o, struct watch_bpf *skel);
/* A ring-buffer record: a struct watch_obj_msg (handled: true) or not. */
bool watch_objects_msg(struct watch_objects *o, const void *data, size_t size);
/* Detach all: no hit and no arming after it. */
void watch_objects_detach(struct watch_objects *o);
/* The end: what happened to objects, and the arming window (stderr, --summary, JSON). */
void watch_objects_print_end(struct watch_objects *o, struct watch_bpf *skel);
void watch_objects_free(struct watch_objects *o);

/* watch_model.c */
unsigned int watch_thread_size(const struct ksyms *ks);
/*
 * A frame's name, from watch_frame_sym(), the one place a frame is named:
 * kernel frames from kallsyms (a moved body's copy named as the body, from
 * the core's bodies map), user frames from the process's mappings (watch_usyms.c).
 */
struct frame_name {
	char sym[WPW_KSYM_NAME_LEN + 24];	/* "name+0xoff", "[unknown]" or "[exited]" */
	size_t func_len;	/* the function's name: the first func_len bytes of sym */
	const char *module;	/* kernel: the module (NULL: vmlinux); user: the mapped file */
	bool known;		/* sym names a function */
	bool moved;		/* kernel: in a moved body's copy (rerandom) */
	bool changing;		/* kernel: in the core's arena, whose names change: not cached */
	bool exited;		/* user: the process was gone before its mappings were read */
};

/*
 * The comm usyms compares to tell an exec: the process's (its main thread's)
 * only, since other threads may name themselves (pthread_setname_np), and an
 * exec always leaves the execing thread as the main one.
 */
static inline const char *watch_exec_comm(const struct watch_event *e)
{
	return e->tid == e->pid ? e->comm : NULL;
}

/* What a rendering kept by the output's cache (watch_output.c) is of. */
enum watch_render_kind { WATCH_R_KSTACK, WATCH_R_USTACK, WATCH_R_IPSYM, WATCH_R_SPEC };

struct watch_render_key {
	unsigned long long a;	/* KSTACK: the inserted arm64 leaf caller; IPSYM: the ip */
	int id;			/* stack id; SPEC: the slot */
	int pid;		/* USTACK: the process (its mappings name the frames) */
	int kind;		/* enum watch_render_kind */
	int pad;
};

struct watch_rendered;		/* a kept rendering (watch_output.c) */

/*
 * A stack of an event as the output prints it: its frames (the arm64 leaf
 * caller put back) and, unless its rendering is kept (done), their names.
 */
struct watch_dstack {
	bool shown;		/* fetched (false: no stack, or out of memory) */
	bool cache;		/* came by id: the rendering is kept under key */
	struct watch_render_key key;
	const struct watch_rendered *done;	/* kept: nothing named */
	struct stack_frames st;
	struct frame_name name[WATCH_STACK_DEPTH + 1];	/* name[i] names st.ip[i] */
};

/* One event, decoded by the dispatcher (watch.c) with the model for the output. */
struct watch_decoded {
	struct values v;
	struct watch_dstack kstack, ustack;
	struct watch_render_key ipkey;		/* JSON's "sym": the symbol of the ip */
	const struct watch_rendered *ipdone;	/* kept: ipname is not filled */
	struct frame_name ipname;
};

/*
 * PID < 0: a kernel frame; otherwise a user frame of process PID (COMM: its
 * watch_exec_comm(), or NULL).
 */
void watch_frame_sym(const struct watch_run *r, unsigned long long addr, int pid,
		     const char *comm, struct frame_name *f);
void watch_event_values(const struct watch_run *r, const struct watch_event *e,
			struct values *v);
int watch_nstack(const unsigned long long *st, int bytes);
/* REC's kernel (USER false) or user stack into D, its cache key set: nothing named. */
void watch_decode_stack(struct watch_run *r, const struct watch_record *rec, bool user,
			struct watch_dstack *d);
/* D's frames named (a user stack as the process of E has them). */
void watch_name_stack(const struct watch_run *r, const struct watch_event *e, bool user,
		      struct watch_dstack *d);
void watch_tally(struct watch_run *r, const struct watch_record *rec);
/* A count key's kernel and user stacks (the arm64 leaf caller put back): 0 or -ENOMEM. */
int watch_key_stacks(struct watch_run *r, const struct watch_count_key *k,
		     struct stack_frames *kst, struct stack_frames *ust);
int watch_collect_counts(struct watch_run *r, struct bpf_map *counts);
int watch_sum_percpu(struct bpf_map *map, void *sum, size_t size);
int watch_read_counters(struct bpf_map *map, struct watch_counters *sum);

/* watch_prom.c: --prometheus (each a no-op without it) */
#define WATCH_PROM_TOP_DEFAULT 10
#define WATCH_PROM_TOP_MAX 1000
int watch_prom_start(struct watch_run *r);
void watch_prom_event(struct watch_run *r, const struct watch_record *rec);
/* Seconds between two snapshots of the metrics (the runner's tick). */
#define WATCH_PROM_TICK 0.25
/* Publish a snapshot (COUNTS: the kernel's counts, counting). */
void watch_prom_tick(struct watch_run *r, struct bpf_map *counters, struct bpf_map *counts);
void watch_prom_stop(void);

#endif
