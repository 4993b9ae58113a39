/* SPDX-License-Identifier: ISC */
/*
 * The stream table of a source: the live streams of one connector (a
 * file, a connection, a relayed stream), found by id in a chained hash.
 * Slots are allocated once and never move, so stream pointers stay valid
 * while the stream lives; the table knows nothing of what a stream holds
 * beyond zeroing it for the caller.
 */
#ifndef WSFLOW_STREAMS_H
#define WSFLOW_STREAMS_H

#include <stdint.h>

#include "budget.h"

#define WK_MAX_PROCS	8	/* pre- or postprocessors per connector */
#define WK_MAX_STREAMS	1024	/* live streams per source, by default */
#define WK_MAX_CONNS	65536	/* ceiling of a connector's max_connections */

struct lines;

/* Per-stream source state: one preprocessor chain instance. */
struct stab_stream {
	uint64_t		 ss_id;
	int			 ss_used;
	struct lines		*ss_pre[WK_MAX_PROCS];
	uint64_t		 ss_pull;	/* pull id of this read */
	struct budget_hold	 ss_hold;	/* its fragments (max_buffered) */
	int			 ss_next;	/* chain or free list, +1 */
};

/*
 * sb_max slots (touched only as they are first used, so a large maximum
 * costs address space, not memory, until streams exist), hashed by id
 * into sb_mask + 1 buckets.  Read-only outside streams.c.
 */
struct stab {
	struct stab_stream	*sb_slots;
	int			*sb_hash;	/* slot+1 */
	int			 sb_max;
	uint32_t		 sb_mask;
	int			 sb_free;	/* free slot list, slot+1 */
	int			 sb_high;	/* slots ever used */
	int			 sb_live;
};

/* A table for max live streams (<= 0: WK_MAX_STREAMS, at most
 * WK_MAX_CONNS); NULL when out of memory. */
struct stab		*stab_new(int);
/* Release the table (NULL is fine); the caller released what its streams
 * hold first (stab_foreach). */
void			 stab_free(struct stab *);
/* The stream id, or a new zeroed one (*created set) when there is a free
 * slot; NULL when the table is full. */
struct stab_stream	*stab_get(struct stab *, uint64_t, int *);
/* The stream id if it lives, else NULL. */
struct stab_stream	*stab_find(struct stab *, uint64_t);
/* Forget a stream: its slot is free for the next new one. */
void			 stab_drop(struct stab *, struct stab_stream *);
/* Call fn on every live stream (fn may drop that stream). */
void			 stab_foreach(struct stab *,
			    void (*)(struct stab_stream *, void *), void *);
/* The bucket an id hashes to (for tests and statistics). */
uint32_t		 stab_bucket(const struct stab *, uint64_t);

#endif
