/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one run loop of every wpwatch command. A command attaches, then hands
 * the runner its callbacks and context (struct runner_ops) and the runner
 * owns the rest of the run: the poll of the ring buffer (each record to the
 * command's event callback, a poll bounded in time and output), the ticks
 * (periodic callbacks: Prometheus snapshots, lat's interval reports), the
 * duration (-d), the signals (SIGINT/SIGTERM stop the run, and the output
 * then waits for its reader a bounded time; SIGHUP reopens --output), the
 * output, the detach and the last drain, and the one monotonic clock.
 *
 * The output is one writer for every command: output.c's buffer (r->out),
 * written with one write(2) per batch of the ring buffer, per tick, or per
 * event when r->flush_each; r->stream is a stdio stream onto the same
 * buffer for printf-style printing. --output FILE: standard output appended
 * to FILE, reopened (by name, so a new file after a rename) when SIGHUP
 * arrives, as log shippers and logrotate expect; the buffer is written out
 * before, so a line is always whole in one file or the other and rotation
 * loses no line.
 */
#ifndef WPWATCH_RUNNER_H
#define WPWATCH_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include "output.h"

#define RUNNER_MAX_TICKS 4
/* A tick's return: the run ends (as after -d); a negative errno fails it. */
#define RUNNER_STOP 1

struct runner_tick {
	double period;			/* seconds; 0: after every poll */
	int (*fn)(void *ctx);		/* 0, RUNNER_STOP or -errno (having said why) */
};

/* What a command supplies. */
struct runner_ops {
	void *ctx;
	/* One ring-buffer record: decode and show it; 0 or a negative errno. */
	int (*event)(void *ctx, void *data, size_t size);
	/* In order; the ring buffer is read up to date before the first due one. */
	struct runner_tick ticks[RUNNER_MAX_TICKS];
	/* The end: detach, so that every event is then delivered or lost (NULL: none). */
	void (*detach)(void *ctx);
};

struct ring_buffer;

struct runner {
	const char *name;		/* "watch": messages say "wpwatch watch: ..." */
	const char *unit;		/* what the command marks in out (obuf_mark): "event" */
	struct runner_ops ops;
	struct obuf out;		/* the output: standard output, or --output FILE */
	FILE *stream;			/* stdio onto out (unbuffered: bytes go to out at once) */
	bool flush_each;		/* write each event out at once (a terminal, --line-buffered) */
	/* private */
	const char *output;
	struct ring_buffer *rb;
	bool told, draining;
	unsigned int n;
	double start, until, next[RUNNER_MAX_TICKS];
};

/*
 * Set R up for command NAME, its output on standard output or, with OUTPUT,
 * appended to that file (SIGHUP reopens it): 0, or WPW_EXIT_FAIL with a
 * message.
 */
int runner_init(struct runner *r, const char *name, const char *output);
void runner_free(struct runner *r);
/* Read the ring buffer MAP_FD into ops.event: 0 or -errno. */
int runner_ring(struct runner *r, int map_fd);
/* From now on SIGINT and SIGTERM stop the run; the clock of -d and the ticks starts. */
void runner_start(struct runner *r);
/*
 * Poll and tick until a signal, runner_stop(), a tick's RUNNER_STOP or
 * DURATION seconds (0: no limit); then detach, read the ring buffer to the
 * end and write the output out. 0, or -1 when the run failed (said).
 */
int runner_run(struct runner *r, double duration);
/* End the run (from a callback: -n COUNT reached). */
void runner_stop(void);
bool runner_stopping(void);
/* Write the output out; a failed write (a full disk) is said once: 0 or -errno. */
int runner_flush(struct runner *r);
/*
 * After a stop by signal the output waits for its reader a bounded time
 * (STOP_GRACE, runner.c), then counts what it could not write: say so, if
 * anything was not written (the end's last message).
 */
void runner_say_unwritten(struct runner *r);
/* CLOCK_MONOTONIC in seconds (and as a timespec into TS when not NULL). */
double runner_now(struct timespec *ts);

#endif
