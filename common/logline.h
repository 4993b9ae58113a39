/* SPDX-License-Identifier: ISC */
/*
 * A worker's standard error cut into log lines.  The supervisor reads
 * each worker's descriptor 2 from a pipe (supervisor/proctab.c) and logs
 * what comes out of here as its own lines.  Pure: bytes go in, in
 * whatever chunks the pipe gives, and lines come out through a callback,
 * never more than LOGLINE_MAX bytes of one held: a longer line's head
 * comes out marked cut, the rest up to its newline is counted and
 * dropped, so however much a worker writes the reader holds one line.
 * A line may start with a "<N>" priority (0-7), as wsflow-worker writes
 * them (log.c); the text comes out vis(3)-encoded as log_vis() encodes,
 * so nothing in it can end the log line or start one with "<N>".
 */
#ifndef WSFLOW_LOGLINE_H
#define WSFLOW_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

#define LOGLINE_MAX	2048		/* bytes of one line kept */
#define LOGLINE_TEXT	(LOGLINE_MAX * 4 + 1)	/* encoded, with its NUL */

/* One line out. */
struct logline_out {
	int		 lo_pri;	/* its "<N>" (0-7), or -1: none */
	const char	*lo_text;	/* encoded; NULL: a cut line ended */
	int		 lo_cut;	/* the head of a longer line */
	uint64_t	 lo_dropped;	/* lo_text NULL: the bytes it lost */
};

typedef void	(*logline_fn)(void *, const struct logline_out *);

struct logline {
	char		 ll_buf[LOGLINE_MAX];	/* the line so far */
	size_t		 ll_len;
	int		 ll_cutting;	/* dropping up to the next newline */
	uint64_t	 ll_dropped;	/* of the line being cut */
	uint64_t	 ll_lines;	/* lines out */
	uint64_t	 ll_cuts;	/* of them cut */
	logline_fn	 ll_fn;
	void		*ll_arg;
};

/* Lines of ll go to fn(arg, line). */
void	logline_init(struct logline *, logline_fn, void *);
/* len more bytes; every line they end goes out. */
void	logline_feed(struct logline *, const void *, size_t);
/* The end of the stream: a last line without newline goes out, and a
 * line being cut ends. */
void	logline_end(struct logline *);

#endif
