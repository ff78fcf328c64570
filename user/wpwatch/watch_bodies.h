/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Moved code for user space: the re-randomization core's map of where each
 * body's copy is now (debugfs rerandom/bodies, "START END NAME"), of old
 * copies still running out their grace period (rerandom/retired), and which
 * module owns each body (rerandom/layout). The kernel names an address in a
 * copy "rr_arena+OFF [rerandom]"; this names it as the body, marked moved.
 *
 * The files are read when a lookup first needs them after bodies__stale():
 * a caller marks the table stale once per event, so every frame of one event
 * is named from one reading, taken when the event is handled (a copy the
 * core freed in between is not named: the frame keeps the kernel's name).
 */
#ifndef WPWATCH_WATCH_BODIES_H
#define WPWATCH_WATCH_BODIES_H

#include <stdbool.h>
#include <stddef.h>

struct rr_bodies;

struct rr_body_sym {
	const char *name;	/* the body's name in bodies (its function's name) */
	const char *module;	/* the module that registered it (NULL if layout does not say) */
	unsigned long off;	/* addr - the copy's start */
	bool retired;		/* an old copy, replaced but still running */
};

/* DIR: the core's debugfs folder (NULL: /sys/kernel/debug/rerandom). NULL + errno. */
struct rr_bodies *bodies__new(const char *dir);
void bodies__free(struct rr_bodies *b);

/* Read the files again at the next lookup. */
void bodies__stale(struct rr_bodies *b);

/*
 * Is ADDR inside a body's current or retired copy? Fills OUT (strings valid
 * until the next reading) and returns true; false when it is in none, or the
 * core's files cannot be read.
 */
bool bodies__lookup(struct rr_bodies *b, unsigned long addr, struct rr_body_sym *out);

#endif
