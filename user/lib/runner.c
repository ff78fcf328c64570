// SPDX-License-Identifier: GPL-2.0
/* The one run loop of every wpwatch command: see runner.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "runner.h"

/*
 * A poll is bounded. libbpf's ring_buffer__poll() goes on consuming for as
 * long as new records keep arriving, so under a flood that the consumer only
 * just keeps up with (a slow stdout, a loaded machine) it never returns: -d,
 * -n, Ctrl-C and the ticks would all wait for the writer to pause (measured:
 * watch -d 2 ran 74 s). A record is consumed before its callback runs, so a
 * negative return stops the poll and loses nothing.
 */
#define POLL_SLICE	0.1	/* seconds of records per poll, at most */
#define POLL_YIELD	(-EAGAIN)
/*
 * Output bytes per batch, at most. Rendering can be fast, so 0.1 s of it can
 * be thousands of lines; a slow reader (a pipe, a FIFO) then holds the one
 * write of the batch for minutes, and Ctrl-C with it. A batch that has built
 * this much is written out before more records are consumed.
 */
#define BATCH_BYTES	65536
/*
 * After SIGINT or SIGTERM the output waits this long in all for its reader,
 * then what is left is counted, not written (output.h): a pager left alone
 * or a stalled pipe cannot hold wpwatch after Ctrl-C.
 */
#define STOP_GRACE	1.0	/* seconds */

static volatile sig_atomic_t stopping, signalled, hup;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	signalled = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

void runner_stop(void)
{
	stopping = 1;
}

bool runner_stopping(void)
{
	return stopping;
}

double runner_now(struct timespec *ts)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (ts)
		*ts = t;
	return t.tv_sec + t.tv_nsec / 1e9;
}

int runner_init(struct runner *r, const char *name, const char *output)
{
	struct sigaction sa;

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->output = output;
	if (output) {
		if (!freopen(output, "a", stdout))
			goto fail;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_hup;
		sigemptyset(&sa.sa_mask);
		/* no SA_RESTART: a SIGHUP ends the loop's wait at once */
		if (sigaction(SIGHUP, &sa, NULL))
			goto fail;
	}
	obuf_init(&r->out, fileno(stdout));
	r->out.stop = &signalled;
	r->out.grace = STOP_GRACE;
	r->stream = obuf_stream(&r->out);
	if (r->stream)
		return 0;
fail:
	fprintf(stderr, "wpwatch %s: --output %s: %s\n", name, output ? output : "-",
		strerror(errno));
	return WPW_EXIT_FAIL;
}

void runner_free(struct runner *r)
{
	ring_buffer__free(r->rb);
	r->rb = NULL;
	if (r->stream)
		fclose(r->stream);
	r->stream = NULL;
	obuf_free(&r->out);
}

int runner_flush(struct runner *r)
{
	int err = obuf_flush(&r->out);

	if (err && !r->told) {
		fprintf(stderr, "wpwatch %s: writing the output: %s\n", r->name, strerror(-err));
		r->told = true;
	}
	return err;
}

void runner_say_unwritten(struct runner *r)
{
	const struct obuf *o = &r->out;

	if (!o->unwritten_bytes)
		return;
	fprintf(stderr, "wpwatch %s: %llu %s%s (%llu bytes) of output not written: the "
		"output's reader did not take them within %.0f s of the stop\n", r->name,
		(unsigned long long)o->unwritten_marks, r->unit ? r->unit : "event",
		o->unwritten_marks == 1 ? "" : "s", (unsigned long long)o->unwritten_bytes,
		STOP_GRACE);
}

/* After a SIGHUP: write the output out, reopen the path: 0 or -errno. */
static int reopen(struct runner *r)
{
	if (!hup || !r->output)
		return 0;
	hup = 0;
	runner_flush(r);
	if (!freopen(r->output, "a", stdout))
		return -errno;
	r->out.fd = fileno(stdout);	/* the buffer writes where stdout now goes */
	return 0;
}

/* The ring buffer's callback: the command's, bounded (see POLL_SLICE). */
static int bounded_event(void *ctx, void *data, size_t size)
{
	struct runner *r = ctx;
	int err = r->ops.event(r->ops.ctx, data, size);

	if (err)
		return err;
	if (r->flush_each)
		runner_flush(r);
	if (r->draining) {
		if (r->out.len >= BATCH_BYTES)
			runner_flush(r);
		return 0;
	}
	if (stopping || r->out.len >= BATCH_BYTES ||
	    (++r->n % 64 == 0 && runner_now(NULL) >= r->until))
		return POLL_YIELD;
	return 0;
}

int runner_ring(struct runner *r, int map_fd)
{
	r->rb = ring_buffer__new(map_fd, bounded_event, r, NULL);
	return r->rb ? 0 : -errno;
}

void runner_start(struct runner *r)
{
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a write blocked on a slow reader returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r->start = runner_now(NULL);
	for (i = 0; i < RUNNER_MAX_TICKS; i++)
		r->next[i] = r->start + r->ops.ticks[i].period;
}

/* Wait up to MS for records (or sleep without a ring buffer): 0 or -errno. */
static int poll_once(struct runner *r, int ms)
{
	int err;

	if (!r->rb) {
		usleep(ms * 1000);
		return 0;
	}
	r->until = runner_now(NULL) + POLL_SLICE;
	err = ring_buffer__poll(r->rb, ms);
	return err == POLL_YIELD || err == -EINTR || err > 0 ? 0 : err;
}

/* The ticks that are due, in order: 0, RUNNER_STOP or -errno. */
static int run_ticks(struct runner *r)
{
	double now = runner_now(NULL);
	bool read = false;
	int i, ret;

	for (i = 0; i < RUNNER_MAX_TICKS && r->ops.ticks[i].fn; i++) {
		const struct runner_tick *t = &r->ops.ticks[i];

		if (t->period && now < r->next[i])
			continue;
		if (t->period && !read && r->rb) {
			/* the ring buffer up to date before a snapshot or a report */
			r->until = runner_now(NULL) + POLL_SLICE;
			ret = ring_buffer__consume(r->rb);
			if (ret < 0 && ret != POLL_YIELD)
				return ret;
			read = true;
		}
		ret = t->fn(r->ops.ctx);
		if (ret)
			return ret;
		while (t->period && r->next[i] <= now)
			r->next[i] += t->period;
	}
	return 0;
}

/* Milliseconds to wait for: 100 at most, less when a tick or the end comes sooner. */
static int wait_ms(const struct runner *r, double deadline)
{
	double until = deadline, left;
	int i;

	for (i = 0; i < RUNNER_MAX_TICKS && r->ops.ticks[i].fn; i++)
		if (r->ops.ticks[i].period && (!until || r->next[i] < until))
			until = r->next[i];
	if (!until)
		return 100;
	left = until - runner_now(NULL);
	return left > 0.1 ? 100 : left > 0 ? (int)(left * 1000) + 1 : 0;
}

int runner_run(struct runner *r, double duration)
{
	double deadline = duration ? r->start + duration : 0;
	int err = 0;

	while (!stopping) {
		err = poll_once(r, wait_ms(r, deadline));
		runner_flush(r);
		if (err) {
			fprintf(stderr, "wpwatch %s: reading the ring buffer: %s\n", r->name,
				strerror(-err));
			break;
		}
		err = reopen(r);
		if (err) {
			fprintf(stderr, "wpwatch %s: reopening %s: %s\n", r->name, r->output,
				strerror(-err));
			break;
		}
		if (stopping || (deadline && runner_now(NULL) >= deadline))
			break;
		err = run_ticks(r);
		runner_flush(r);
		if (err == RUNNER_STOP) {
			err = 0;
			break;
		}
		if (err)
			break;	/* the tick said why */
	}
	/* Detach first, then drain: every event is then either delivered or lost. */
	if (r->ops.detach)
		r->ops.detach(r->ops.ctx);
	if (r->rb) {
		r->draining = true;
		ring_buffer__consume(r->rb);
		r->draining = false;
	}
	runner_flush(r);
	return err ? -1 : 0;
}
