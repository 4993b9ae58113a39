/* SPDX-License-Identifier: ISC */
/*
 * Pre- and postprocessors "lines" (Tremor 0.11) and "separate" (its newer
 * name): split a byte stream into chunks at a one-byte separator, and
 * append the separator to each encoded event.  Semantics follow Tremor
 * exactly, quirks included (empty lines are emitted as empty chunks,
 * buffered=false always emits the remainder, over-long complete lines are
 * dropped).  Pure: no I/O, no logging.  One struct lines per stream.
 */
#ifndef WSFLOW_LINES_H
#define WSFLOW_LINES_H

#include <stddef.h>

#include <json-c/json.h>

#include "buf.h"

enum proc_kind {
	PROC_LINES,		/* "lines" or "separate" */
};

struct proc_spec {
	enum proc_kind	ps_kind;
	char		ps_separator;	/* default '\n' */
	size_t		ps_max_length;	/* 0: unlimited */
	int		ps_buffered;	/* default 1 */
};

/*
 * Parse one processor specification: "lines", "separate", or
 * {"name": .., "config": {"separator": .., "max_length": .., "buffered": ..}}.
 * pre is 1 for a preprocessor, 0 for a postprocessor (which only takes
 * "separator").  Returns 0, or -1 with a message in err.
 */
int	 lines_spec_parse(struct json_object *, int pre, struct proc_spec *,
	    char *, size_t);

struct lines;

/* Called for each chunk; return -1 to stop processing. */
typedef int (*lines_emit_fn)(void *, const char *, size_t);

struct lines	*lines_new(const struct proc_spec *);
void		 lines_free(struct lines *);

/*
 * Feed bytes.  Each complete chunk is passed to emit.  Returns 0, or -1
 * when the input is in error (a buffered fragment over max_length, or
 * over the hard cap of 64 MiB when max_length is 0): the whole input
 * produced one error, err says why, the buffer is cleared, and nothing
 * of this input was emitted (all checks run before the first emit, as
 * Tremor discards the whole call's output).  If emit returns -1 the rest
 * of the input and the buffer are dropped and -1 is returned; chunks
 * emitted before it stand.  The struct stays usable after any error.
 */
int	 lines_process(struct lines *, const char *, size_t, lines_emit_fn,
	    void *, char *, size_t);

/*
 * End of stream: emit what is buffered (if anything, no length check) and
 * reset.  Returns -1 only if emit did.
 */
int	 lines_finish(struct lines *, lines_emit_fn, void *);
/* Bytes of input held for a line not finished yet. */
size_t	 lines_pending(const struct lines *);

/* Bytes of memory the unfinished fragment holds (its buffer). */
size_t	 lines_buffered(const struct lines *);

/* Postprocessor: append the separator after an encoded event. */
int	 lines_post(const struct proc_spec *, struct buf *);

#endif
