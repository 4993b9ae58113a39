/* SPDX-License-Identifier: ISC */
/*
 * Acknowledgement windows (ackwin.h): a ring of marks, each an input
 * position with the sequence numbers every route had reached there, and
 * the acknowledged sequence of each route.  Marks are done oldest first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ackwin.h"

/* Set up an empty window at start. */
int
aw_init(struct ackwin *aw, size_t nroutes, size_t cap,
    const struct aw_pos *start)
{
	memset(aw, 0, sizeof(*aw));
	if (cap == 0)
		cap = AW_MARKS_DEFAULT;
	if (nroutes > AW_ROUTES_MAX || cap > SIZE_MAX / (nroutes + 1))
		return -1;
	aw->aw_nroutes = nroutes;
	aw->aw_cap = cap;
	if (start != NULL)
		aw->aw_done = *start;
	if ((aw->aw_pos = calloc(cap, sizeof(*aw->aw_pos))) == NULL ||
	    (aw->aw_seqs = calloc(cap * nroutes + 1,
	    sizeof(*aw->aw_seqs))) == NULL ||
	    (aw->aw_acked = calloc(nroutes + 1,
	    sizeof(*aw->aw_acked))) == NULL) {
		aw_free(aw);
		return -1;
	}
	return 0;
}

/* Release the window's arrays. */
void
aw_free(struct ackwin *aw)
{
	free(aw->aw_pos);
	free(aw->aw_seqs);
	free(aw->aw_acked);
	aw->aw_pos = NULL;
	aw->aw_seqs = NULL;
	aw->aw_acked = NULL;
	aw->aw_len = 0;
}

/* The sequence numbers of the mark i places after the oldest. */
static uint64_t *
aw_seqs_at(const struct ackwin *aw, size_t i)
{
	return aw->aw_seqs + ((aw->aw_head + i) % aw->aw_cap) *
	    aw->aw_nroutes;
}

/* Done every oldest mark all routes acknowledged; 1 if any. */
static int
aw_advance(struct ackwin *aw)
{
	const uint64_t	*seqs;
	size_t		 r;
	int		 moved = 0;

	while (aw->aw_len > 0) {
		seqs = aw_seqs_at(aw, 0);
		for (r = 0; r < aw->aw_nroutes; r++)
			if (aw->aw_acked[r] < seqs[r])
				return moved;
		aw->aw_done = aw->aw_pos[aw->aw_head];
		aw->aw_head = (aw->aw_head + 1) % aw->aw_cap;
		aw->aw_len--;
		moved = 1;
	}
	return moved;
}

/* Record a mark (merged into the newest when the ring is full). */
int
aw_mark(struct ackwin *aw, const struct aw_pos *pos, const uint64_t *seqs)
{
	size_t	 slot;

	if (aw->aw_pos == NULL)
		return 0;
	if (aw->aw_len == aw->aw_cap)
		slot = (aw->aw_head + aw->aw_len - 1) % aw->aw_cap;
	else
		slot = (aw->aw_head + aw->aw_len++) % aw->aw_cap;
	aw->aw_pos[slot] = *pos;
	if (aw->aw_nroutes > 0)
		memcpy(aw->aw_seqs + slot * aw->aw_nroutes, seqs,
		    aw->aw_nroutes * sizeof(*seqs));
	return aw_advance(aw);
}

/* A route's acknowledgement (older or repeated ones change nothing). */
int
aw_ack(struct ackwin *aw, size_t r, uint64_t seq)
{
	if (aw->aw_acked == NULL || r >= aw->aw_nroutes ||
	    seq <= aw->aw_acked[r])
		return 0;
	aw->aw_acked[r] = seq;
	return aw_advance(aw);
}

/* A route starts again at sequence 0. */
void
aw_route_reset(struct ackwin *aw, size_t r)
{
	if (aw->aw_acked == NULL || r >= aw->aw_nroutes)
		return;
	aw->aw_acked[r] = 0;
	aw_clear(aw);
}

/* Drop every mark. */
void
aw_clear(struct ackwin *aw)
{
	aw->aw_head = 0;
	aw->aw_len = 0;
}

/* Sent minus acknowledged on route r. */
uint64_t
aw_unacked(const struct ackwin *aw, size_t r, uint64_t sent)
{
	if (aw->aw_acked == NULL || r >= aw->aw_nroutes ||
	    sent < aw->aw_acked[r])
		return 0;
	return sent - aw->aw_acked[r];
}
