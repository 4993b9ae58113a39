/* SPDX-License-Identifier: ISC */
/*
 * The acknowledgement bookkeeping of a source that can replay: which
 * input position every route its events took has acknowledged.  The
 * source sets a mark after its input up to a position has become events
 * (the events each route had been sent by then); a route acknowledges by
 * sequence number (events handled since it was wired); a mark is done
 * when every route has acknowledged its events up to it, so an event a
 * pipeline dropped needs no one and one fanned out needs every branch.
 * Pure: no I/O, bounded memory.
 */
#ifndef WSFLOW_ACKWIN_H
#define WSFLOW_ACKWIN_H

#include <stddef.h>
#include <stdint.h>

#define AW_MARKS_DEFAULT	1024
#define AW_ROUTES_MAX		256

/* A position of the input and the events emitted before it. */
struct aw_pos {
	uint64_t	 ap_offset;
	uint64_t	 ap_events;
};

struct ackwin {
	size_t		 aw_nroutes;
	size_t		 aw_cap;	/* marks kept at most */
	size_t		 aw_head;	/* oldest mark */
	size_t		 aw_len;
	struct aw_pos	*aw_pos;	/* aw_cap marks */
	uint64_t	*aw_seqs;	/* aw_cap * aw_nroutes: sent by each */
	uint64_t	*aw_acked;	/* aw_nroutes */
	struct aw_pos	 aw_done;	/* the last mark every route acked */
};

/* A window for nroutes routes keeping at most cap marks (cap 0: the
 * default), starting at position start; -1 when out of memory or
 * beyond the bounds. */
int	 aw_init(struct ackwin *, size_t, size_t, const struct aw_pos *);
/* Release what aw_init allocated (a zeroed window is fine). */
void	 aw_free(struct ackwin *);
/* Input up to pos is emitted, route r having been sent seqs[r] events;
 * 1 when that made aw_done move (nothing was waiting on a route), else 0.
 * A full window merges the mark into the newest: positions only get
 * coarser, never wrong. */
int	 aw_mark(struct ackwin *, const struct aw_pos *, const uint64_t *);
/* Route r has handled its first seq events; 1 when aw_done moved. */
int	 aw_ack(struct ackwin *, size_t, uint64_t);
/* Route r was wired again (its sequence starts at 0): the marks waiting
 * on it will never be acknowledged, so all marks go (the source replays
 * from aw_done). */
void	 aw_route_reset(struct ackwin *, size_t);
/* Forget every mark (the source goes back to aw_done). */
void	 aw_clear(struct ackwin *);
/* Events sent on route r not acknowledged yet, given its sent count. */
uint64_t aw_unacked(const struct ackwin *, size_t, uint64_t);

#endif
