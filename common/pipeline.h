/* SPDX-License-Identifier: ISC */
/*
 * A compiled pipeline: a list of `select TARGET from PORT [where COND]
 * into PORT` statements with the pipeline's args, evaluated inside the
 * worker where an event enters it.  Every select on an input port sees
 * every event; results keep the input event's metadata.  Pure: no I/O.
 */
#ifndef WSFLOW_PIPELINE_H
#define WSFLOW_PIPELINE_H

#include <json-c/json.h>

struct pipeline;

/*
 * Called once per output event: port is the pipeline output port (e.g.
 * "out", "exit"), value is borrowed for the duration of the call, meta is
 * the input event's metadata (borrowed).  Return -1 to stop.
 */
typedef int (*pipeline_emit_fn)(void *, const char *port,
	    struct json_object *value, struct json_object *meta);

/* Called for a runtime error in a select (logged by the caller; the event
 * is dropped for that select only). */
typedef void (*pipeline_error_fn)(void *, const char *msg);

/*
 * Build from the serialised form made by the supervisor:
 *   {"name": "p", "from": ["in"], "into": ["out", "err"],
 *    "args": {...}, "selects": [{"from": "in", "target": EXPR,
 *    "where": EXPR or null, "into": "out"}, ...]}
 */
struct pipeline	*pipeline_from_json(struct json_object *, char *, size_t);
void		 pipeline_free(struct pipeline *);
const char	*pipeline_name(const struct pipeline *);

/* Run one event that arrives on input port `port`. Returns 0 or -1 if
 * emit asked to stop. */
int	 pipeline_run(const struct pipeline *, const char *port,
	    struct json_object *event, struct json_object *meta,
	    pipeline_emit_fn, pipeline_error_fn, void *);

/*
 * When every select reading port is `select event from port into X`
 * (no where): their X in order (at most max, borrowed from the pipeline)
 * and their count, so a caller may pass an event on without running the
 * pipeline and with the same result.  -1 when a select computes or
 * filters, or there are more than max.
 */
int	 pipeline_passthrough(const struct pipeline *, const char *,
	    const char **, int);

#endif
