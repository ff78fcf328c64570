/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wpwatch watch's output (watch_output.c): an event the dispatcher (watch.c)
 * decoded with the model (struct watch_decoded, watch_cmd.h) printed into
 * the runner's buffer, the renderings it keeps, and the end of a run.
 */
#ifndef WPWATCH_WATCH_OUTPUT_H
#define WPWATCH_WATCH_OUTPUT_H

#include "watch_cmd.h"

/*
 * The kept rendering of K, or NULL when there is none or it names a frame
 * in the core's arena (rendered each time): then the model names the frames.
 */
const struct watch_rendered *watch_rendered_find(const struct watch_run *r,
						 const struct watch_render_key *k);
void watch_print_text(struct watch_run *r, const struct watch_event *e,
		      const struct watch_decoded *d);
void watch_print_json(struct watch_run *r, const struct watch_event *e,
		      const struct watch_decoded *d);
void watch_print_end(struct watch_run *r, const struct watch_counters *c);
void watch_free_rendered(struct watch_run *r);

#endif
