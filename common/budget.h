/* SPDX-License-Identifier: ISC */
/*
 * A worker's memory budget (troy `max_buffered`): the bytes that peers
 * can make a worker hold (partial messages, line fragments, queued
 * output, held events, route queues) are charged to one budget before
 * they are allocated, each holder (a connection, a queue) keeping its
 * own share in a struct budget_hold.  A charge that would pass the
 * limit is refused and the caller drops that holder; the last eighth of
 * the limit is kept for holders of at most BUDGET_SMALL bytes, so a few
 * large holders cannot starve the many small ones.  Pure arithmetic: no
 * allocation, no I/O.  Anything else that grows with a peer (zlib state
 * of permessage-deflate, say) charges the same way: budget_charge before
 * it allocates, budget_release when it frees.
 */
#ifndef WSFLOW_BUDGET_H
#define WSFLOW_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#define BUDGET_DEFAULT		(256ULL * 1024 * 1024)	/* max_buffered */
#define BUDGET_SMALL		(64U * 1024)	/* may use the reserve */
#define BUDGET_RESERVE_DIV	8	/* the reserve: limit / 8 */

struct budget {
	size_t		 bg_limit;	/* 0: no limit (still counted) */
	size_t		 bg_used;
	size_t		 bg_peak;
	uint64_t	 bg_refused;	/* charges refused */
};

/* One holder's share of a budget. */
struct budget_hold {
	size_t		 bh_bytes;
};

/* Start an empty budget of limit bytes (0: unlimited). */
void	 budget_init(struct budget *, size_t);
/*
 * Charge n more bytes to holder h: 0, or -1 (nothing charged, counted
 * as refused) when they would pass the limit, or the limit less the
 * reserve while h would hold more than BUDGET_SMALL.  A NULL budget only
 * counts the holder's bytes.
 */
int	 budget_charge(struct budget *, struct budget_hold *, size_t);
/*
 * Charge n bytes that a holder keeps for as long as it lives (a
 * connection's request metadata): as budget_charge, but never into the
 * reserve, however small the holder, which stays for the messages and
 * output of connections that hold little.
 */
int	 budget_charge_lasting(struct budget *, struct budget_hold *, size_t);
/* Charge without a check: bytes already allocated (TLS record overhead). */
void	 budget_force(struct budget *, struct budget_hold *, size_t);
/* Give back n of the holder's bytes (at most what it holds). */
void	 budget_release(struct budget *, struct budget_hold *, size_t);
/* Give back everything the holder holds. */
void	 budget_release_all(struct budget *, struct budget_hold *);
/*
 * Make the holder's share exactly n bytes: a growth is charged (-1 as
 * budget_charge when refused, nothing changed), a shrink released.
 */
int	 budget_settle(struct budget *, struct budget_hold *, size_t);
/* Make the holder's share n bytes that are allocated already (no
 * check): what a queue holds after it was written or drained. */
void	 budget_track(struct budget *, struct budget_hold *, size_t);
/* Bytes the holder may still charge now. */
size_t	 budget_room(const struct budget *, const struct budget_hold *);

#endif
